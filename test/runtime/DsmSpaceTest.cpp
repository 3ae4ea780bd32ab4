//===- DsmSpaceTest.cpp - The shared space of a job's ranks ---------------===//
//
// dsm/Space.h in one process, as one rank of a job: its layout, its slice
// open and the others closed, stacks, and pages of another rank fetched
// through a NodeCache over real faults (the staging page moved into place),
// written with a twin and released as a diff. A fake HomeStore stands for
// the other rank.
//===----------------------------------------------------------------------===//

#include "dsm/Space.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace grid::dsm;

namespace {

/// Rank 0's pages, as the fake home of everything this rank does not home.
class FakeHome : public HomeStore {
public:
  explicit FakeHome(const Space &S) : S(S) {}
  unsigned homeOf(size_t Page) const override { return S.homeOf(Page); }
  void fetch(size_t Page, std::byte *Out) override {
    std::lock_guard<std::mutex> Lock(Mutex);
    ++Fetches;
    std::vector<std::byte> &P = master(Page);
    std::memcpy(Out, P.data(), PageSize);
  }
  size_t fetchRun(size_t First, size_t Count, std::byte *Out) override {
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      ++Runs;
    }
    return HomeStore::fetchRun(First, Count, Out);
  }
  void sendDiff(size_t Page, std::string_view Diff) override {
    std::lock_guard<std::mutex> Lock(Mutex);
    ASSERT_TRUE(applyDiff(master(Page).data(), Diff));
    ++Diffs;
  }
  std::vector<std::byte> &master(size_t Page) {
    auto It = Pages.find(Page);
    if (It == Pages.end()) {
      std::vector<std::byte> Fresh(PageSize);
      for (size_t I = 0; I < PageSize; ++I)
        Fresh[I] = static_cast<std::byte>((Page + I) & 0xff);
      It = Pages.emplace(Page, std::move(Fresh)).first;
    }
    return It->second;
  }
  const Space &S;
  std::mutex Mutex;
  std::map<size_t, std::vector<std::byte>> Pages;
  int Fetches = 0, Diffs = 0, Runs = 0;
};

size_t pageOf(const void *P) { return reinterpret_cast<uintptr_t>(P) / 4096; }

} // namespace

TEST(DsmSpace, LayoutOwnSliceOpenOthersClosed) {
  std::string Error;
  auto S = Space::create(1, 3, false, &Error, FaultMechanism::Signal);
  ASSERT_TRUE(S) << Error;
  EXPECT_EQ(S->mechanism(), FaultMechanism::Signal);
  auto *Own = reinterpret_cast<std::byte *>(RangeBase + SliceBytes);
  EXPECT_EQ(S->heapBase(), Own);
  EXPECT_EQ(S->heapBytes(), SliceBytes - StackBytes);
  EXPECT_EQ(S->homeOf(pageOf(Own)), 1u);
  EXPECT_EQ(S->homeOf(pageOf(Own - 1)), 0u);
  EXPECT_EQ(S->homeOf(pageOf(Own + SliceBytes)), 2u);
  EXPECT_TRUE(S->contains(Own));
  EXPECT_FALSE(S->contains(Own + 2 * SliceBytes));
  // The own slice is ordinary read-write memory.
  Own[0] = std::byte{7};
  Own[SliceBytes - 1] = std::byte{9};
  EXPECT_EQ(Own[0], std::byte{7});
  // Another slice is closed: touching it without a cache is a plain crash.
  EXPECT_EXIT(
      {
        auto *Other = reinterpret_cast<volatile std::byte *>(RangeBase);
        (void)*Other;
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

// Under userfaultfd other slices are open but missing: a touch without a
// cache is a SIGBUS. (The death test re-runs this test in a fresh process:
// a fork child has no userfaultfd registration of its own.)
TEST(DsmSpace, OtherSlicesAreMissingUnderUserfaultfd) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::string Error;
  auto S = Space::create(1, 3, false, &Error);
  ASSERT_TRUE(S) << Error;
  EXPECT_EQ(S->mechanism(), FaultMechanism::Userfaultfd);
  auto *Own = reinterpret_cast<std::byte *>(RangeBase + SliceBytes);
  Own[0] = std::byte{7};
  EXPECT_EQ(Own[0], std::byte{7});
  EXPECT_EXIT(
      {
        auto *Other = reinterpret_cast<volatile std::byte *>(RangeBase);
        (void)*Other;
      },
      ::testing::KilledBySignal(SIGBUS), "");
}

TEST(DsmSpace, TheAddressMustBeFree) {
  std::string Error;
  auto First = Space::create(0, 2, false, &Error);
  ASSERT_TRUE(First) << Error;
  auto Second = Space::create(0, 2, false, &Error);
  EXPECT_FALSE(Second);
  EXPECT_NE(Error.find("cannot reserve the shared range at 0x200000000000"),
            std::string::npos)
      << Error;
  EXPECT_FALSE(Space::create(2, 2, false, &Error));
  EXPECT_NE(Error.find("ranks"), std::string::npos) << Error;
}

TEST(DsmSpace, StacksComeFromTheTopAndAreReused) {
  std::string Error;
  auto S = Space::create(0, 1, false, &Error);
  ASSERT_TRUE(S) << Error;
  auto *Top = reinterpret_cast<std::byte *>(RangeBase + SliceBytes);
  void *A = S->allocateStack(1 << 20);
  void *B = S->allocateStack(1 << 20);
  // Each has a closed guard page below it.
  EXPECT_EQ(A, Top - (1 << 20));
  EXPECT_EQ(B, Top - (2 << 20) - 4096);
  EXPECT_EXIT(
      {
        auto *Below = static_cast<volatile std::byte *>(A) - 1;
        *Below = std::byte{1};
      },
      ::testing::KilledBySignal(SIGSEGV), "");
  S->freeStack(A, 1 << 20);
  EXPECT_EQ(S->allocateStack(1 << 20), A);
  EXPECT_EQ(S->allocateStack(StackBytes), nullptr); // the part is exhausted
}

// Both fault mechanisms serve the cache the same way.
class DsmSpaceMechanism : public ::testing::TestWithParam<FaultMechanism> {};

INSTANTIATE_TEST_SUITE_P(
    Mechanisms, DsmSpaceMechanism,
    ::testing::Values(FaultMechanism::Signal, FaultMechanism::Userfaultfd),
    [](const ::testing::TestParamInfo<FaultMechanism> &Info) {
      return std::string(mechanismName(Info.param));
    });

TEST_P(DsmSpaceMechanism, OtherRanksPagesAreFetchedWrittenAndReleased) {
  std::string Error;
  auto S = Space::create(1, 2, false, &Error, GetParam());
  ASSERT_TRUE(S) << Error;
  ASSERT_EQ(S->mechanism(), GetParam());
  FakeHome Home(*S);
  NodeCache Cache(1, Home, *S, SIZE_MAX, 64);
  S->attach(&Cache);
  auto *Remote = reinterpret_cast<unsigned char *>(RangeBase);
  size_t Page = pageOf(Remote);

  // A read fault fetches the page (and, under userfaultfd, the run after
  // it): its contents are the home's.
  size_t Run = S->maxRun(Page);
  EXPECT_EQ(Run, GetParam() == FaultMechanism::Signal ? 1 : Space::MaxRun);
  EXPECT_EQ(Remote[5], (Page + 5) & 0xff);
  EXPECT_EQ(Cache.access(Page), Access::Read);
  EXPECT_EQ(Home.Fetches, static_cast<int>(Run));
  // Threads reading the same fresh page all see it whole.
  std::vector<std::thread> Readers;
  std::atomic<int> Bad{0};
  auto *Next = Remote + Run * 4096;
  for (int T = 0; T < 4; ++T)
    Readers.emplace_back([&] {
      for (size_t I = 0; I < 4096; ++I)
        if (Next[I] != ((Page + Run + I) & 0xff))
          ++Bad;
    });
  for (auto &T : Readers)
    T.join();
  EXPECT_EQ(Bad.load(), 0);
  EXPECT_EQ(Home.Fetches, static_cast<int>(2 * Run));

  // A write takes a twin; release sends only the changed bytes.
  Remote[100] = 0xAB;
  EXPECT_EQ(Cache.access(Page), Access::ReadWrite);
  Cache.release();
  EXPECT_EQ(Home.Diffs, 1);
  EXPECT_EQ(static_cast<unsigned char>(Home.master(Page)[100]), 0xAB);
  EXPECT_EQ(static_cast<unsigned char>(Home.master(Page)[101]),
            (Page + 101) & 0xff);
  // Acquire drops the copy: home's later change is seen.
  Home.master(Page)[7] = std::byte{0x11};
  EXPECT_EQ(Remote[7], (Page + 7) & 0xff); // still the cached copy
  Cache.acquire();
  EXPECT_EQ(Cache.access(Page), Access::None);
  EXPECT_EQ(Remote[7], 0x11);
  S->attach(nullptr);
}

size_t mappings() {
  FILE *F = std::fopen("/proc/self/maps", "r");
  size_t Lines = 0;
  for (int C; (C = std::fgetc(F)) != EOF;)
    Lines += C == '\n';
  std::fclose(F);
  return Lines;
}

TEST_P(DsmSpaceMechanism, DroppedCopiesGiveBackTheirMappings) {
  std::string Error;
  auto S = Space::create(1, 2, false, &Error, GetParam());
  ASSERT_TRUE(S) << Error;
  ASSERT_EQ(S->mechanism(), GetParam());
  FakeHome Home(*S);
  NodeCache Cache(1, Home, *S, SIZE_MAX, 16);
  S->attach(&Cache);
  size_t Before = mappings();
  auto *Remote = reinterpret_cast<volatile unsigned char *>(RangeBase);
  unsigned Sum = 0;
  // Every other page, so that neighbouring copies cannot merge by chance.
  for (size_t I = 0; I < 8000; I += 2)
    Sum += Remote[I * 4096];
  EXPECT_LE(Cache.cachedPages(), 16u);
  EXPECT_LT(mappings(), Before + 2 * 16 + 8)
      << "each page ever fetched kept a mapping of its own";
  Cache.acquire();
  EXPECT_LT(mappings(), Before + 8);
  EXPECT_NE(Sum, 0u);
  S->attach(nullptr);
}

TEST(DsmSpace, ForkGivesTheChildACopy) {
  std::string Error;
  auto S = Space::create(0, 1, false, &Error);
  ASSERT_TRUE(S) << Error;
  auto *Own = reinterpret_cast<volatile int *>(S->heapBase());
  *Own = 1;
  pid_t Child = fork();
  ASSERT_GE(Child, 0);
  if (Child == 0) {
    *Own = 2; // the parent must not see this
    _exit(*Own == 2 ? 0 : 1);
  }
  int Status = 0;
  ASSERT_EQ(waitpid(Child, &Status, 0), Child);
  EXPECT_TRUE(WIFEXITED(Status) && WEXITSTATUS(Status) == 0);
  EXPECT_EQ(*Own, 1);
}

// A fork child leaves the DSM (detach, as threads/ does in its atfork
// handler). Under userfaultfd it has no registration of its own, so without
// care a page its parent never fetched would read as zeros; it must crash
// instead, as under the signal mechanism, while the copies its parent held
// stay readable.
TEST(DsmSpace, AForkChildCrashesOnPagesItNeverHadUnderUserfaultfd) {
  std::string Error;
  auto S = Space::create(1, 2, false, &Error);
  ASSERT_TRUE(S) << Error;
  ASSERT_EQ(S->mechanism(), FaultMechanism::Userfaultfd);
  FakeHome Home(*S);
  NodeCache Cache(1, Home, *S, SIZE_MAX, 64);
  S->attach(&Cache);
  auto *Remote = reinterpret_cast<volatile unsigned char *>(RangeBase);
  ASSERT_EQ(Remote[5],
            (pageOf(const_cast<unsigned char *>(Remote)) + 5) & 0xff);
  int Said[2];
  ASSERT_EQ(pipe(Said), 0);
  pid_t Child = fork();
  ASSERT_GE(Child, 0);
  if (Child == 0) {
    S->detach();
    // A copy its parent held stays readable (a string for exec, say)...
    if (Remote[5] == ((pageOf(const_cast<unsigned char *>(Remote)) + 5) & 0xff))
      (void)!write(Said[1], "k", 1);
    // ...a page it never had is a crash, not zeros.
    unsigned char Never = Remote[64 * 4096];
    _exit(Never == 0 ? 3 : 4);
  }
  close(Said[1]);
  char Word = 0;
  EXPECT_EQ(read(Said[0], &Word, 1), 1) << "the child lost its parent's copy";
  close(Said[0]);
  int Status = 0;
  ASSERT_EQ(waitpid(Child, &Status, 0), Child);
  EXPECT_TRUE(WIFSIGNALED(Status) && WTERMSIG(Status) == SIGSEGV)
      << "the child exited with " << Status;
  // The parent goes on fetching.
  EXPECT_EQ(Remote[64 * 4096 + 1],
            (pageOf(const_cast<unsigned char *>(Remote)) + 64 + 1) & 0xff);
  S->attach(nullptr);
}

// Under userfaultfd a fault brings the following pages of the same home
// along (read-ahead, up to Space::MaxRun): a sweep over an array faults once
// per run. A write fault opens the whole run for writing with twins, and
// release sends diffs only for the pages that changed.
TEST(DsmSpace, ReadAheadBringsARunAndWritesDiffOnlyWhatChanged) {
  std::string Error;
  auto S = Space::create(1, 2, false, &Error);
  ASSERT_TRUE(S) << Error;
  ASSERT_EQ(S->mechanism(), FaultMechanism::Userfaultfd);
  FakeHome Home(*S);
  NodeCache Cache(1, Home, *S, SIZE_MAX, 256);
  S->attach(&Cache);
  auto *Remote = reinterpret_cast<volatile unsigned char *>(RangeBase);
  size_t First = pageOf(const_cast<unsigned char *>(Remote));
  // Reading every page of two runs takes two faults, each fetching a run.
  unsigned Bad = 0;
  for (size_t P = 0; P < 2 * Space::MaxRun; ++P)
    Bad += Remote[P * 4096 + 3] != ((First + P + 3) & 0xff);
  EXPECT_EQ(Bad, 0u);
  CacheCounts C = Cache.counts();
  EXPECT_EQ(C.Fetches, 2 * Space::MaxRun);
  EXPECT_EQ(C.ReadAhead, 2 * (Space::MaxRun - 1));
  EXPECT_EQ(Home.Runs, 2);
  for (size_t P = 0; P < Space::MaxRun; ++P)
    EXPECT_EQ(Cache.access(First + P), Access::Read) << P;
  // Pages read ahead are write-protected: a write takes a twin.
  Remote[5 * 4096] = 0xAB;
  EXPECT_EQ(Cache.access(First + 5), Access::ReadWrite);
  EXPECT_EQ(Cache.access(First + 6), Access::Read);
  Cache.release();
  EXPECT_EQ(Home.Diffs, 1);
  EXPECT_EQ(static_cast<unsigned char>(Home.master(First + 5)[0]), 0xAB);

  // A write fault on a fresh run: the whole run is writable at once.
  size_t W = 4 * Space::MaxRun;
  Remote[W * 4096] = 1;
  EXPECT_EQ(Home.Runs, 3);
  for (size_t P = 0; P < Space::MaxRun; ++P)
    EXPECT_EQ(Cache.access(First + W + P), Access::ReadWrite) << P;
  Remote[(W + 3) * 4096 + 9] = 2;
  EXPECT_EQ(Home.Runs, 3) << "a write in the run faulted again";
  Cache.release(); // two pages changed: two diffs, not a run's worth
  EXPECT_EQ(Home.Diffs, 3);
  EXPECT_EQ(static_cast<unsigned char>(Home.master(First + W)[0]), 1);
  EXPECT_EQ(static_cast<unsigned char>(Home.master(First + W + 3)[9]), 2);
  for (size_t P = 0; P < Space::MaxRun; ++P)
    EXPECT_EQ(Cache.access(First + W + P), Access::Read) << P;
  // A write after release faults again (write protection is back).
  Remote[(W + 7) * 4096] = 3;
  EXPECT_EQ(Cache.access(First + W + 7), Access::ReadWrite);
  // Acquire drops every copy, in runs: home's later change is seen.
  Cache.acquire();
  EXPECT_EQ(Cache.cachedPages(), 0u);
  Home.master(First + 1)[3] = std::byte{0x44};
  EXPECT_EQ(Remote[4096 + 3], 0x44);
  // No read-ahead into a stack part (its home has guard pages there).
  size_t Stack =
      pageOf(reinterpret_cast<void *>(RangeBase + SliceBytes - StackBytes));
  EXPECT_EQ(S->maxRun(Stack), 1u);
  EXPECT_EQ(S->maxRun(Stack - 1), 1u) << "a run crossed into a stack part";
  EXPECT_EQ(S->maxRun(Stack - Space::MaxRun), Space::MaxRun);
  S->attach(nullptr);
}
