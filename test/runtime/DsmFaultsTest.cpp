//===- DsmFaultsTest.cpp - Fault detection for the shared range -----------===//
//
// Both mechanisms of dsm/Faults.h: a read then a write reach the handler
// with the right Write flag and the access completes with what the handler
// installed; many threads fault at once; faults outside the ranges reach
// the program's own SIGSEGV action, or kill it as they would have.
//===----------------------------------------------------------------------===//

#include "dsm/Faults.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csetjmp>
#include <cstring>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace grid::dsm;

namespace {
constexpr size_t PB = FaultRange::PageBytes;
constexpr size_t MaxPages = 512;

// The value the handler installs in word W of page P when it fetches it.
uint64_t fetched(size_t P, size_t W) { return P * 1000 + W + 1; }

// A coherence layer in miniature: a closed page is filled through the
// writable view, then opened read-only (read) or read-write (write). Only
// atomics: with signals it runs in a signal handler.
class Recorder : public FaultHandler {
public:
  FaultRange *Range = nullptr;
  std::atomic<int> Reads{0}, Writes{0};
  std::atomic<void *> LastPage{nullptr};
  std::atomic<bool> Refuse{false};
  std::atomic<uint8_t> State[MaxPages] = {}; // 0 closed, 1 read, 2 read-write

  bool onFault(void *Page, bool Write) override {
    if (Refuse || !Range || !Range->contains(Page))
      return false;
    size_t P = (static_cast<std::byte *>(Page) - Range->base()) / PB;
    (Write ? Writes : Reads)++;
    LastPage = Page;
    if (State[P] == 0) {
      auto *Words = reinterpret_cast<uint64_t *>(Range->writable(Page));
      for (size_t W = 0; W < PB / sizeof(uint64_t); ++W)
        Words[W] = fetched(P, W);
    }
    // Bookkeeping first: with userfaultfd the faulting thread runs on as
    // soon as protect() has opened the page.
    State[P] = Write ? 2 : 1;
    return Range->protect(Page, 1, Write ? PROT_READ | PROT_WRITE : PROT_READ);
  }

  void close(size_t P) {
    ASSERT_TRUE(Range->protect(Range->base() + P * PB, 1, PROT_NONE));
    State[P] = 0;
  }
};

volatile uint64_t *word(FaultRange &R, size_t P, size_t W) {
  return reinterpret_cast<volatile uint64_t *>(R.base() + P * PB) + W;
}

class DsmFaults : public testing::TestWithParam<FaultMechanism> {
protected:
  void SetUp() override {
    std::string Why;
    if (GetParam() == FaultMechanism::Userfaultfd && !userfaultfdUsable(&Why))
      GTEST_SKIP() << "the kernel refuses userfaultfd here: " << Why;
  }
  std::unique_ptr<FaultRange> make(Recorder &H, size_t Pages) {
    std::string Error;
    auto R = FaultRange::create(Pages * PB, H, GetParam(), nullptr, &Error);
    EXPECT_TRUE(R) << Error;
    if (R)
      H.Range = R.get();
    return R;
  }
};

TEST_P(DsmFaults, ReadThenWriteFaultReachTheHandler) {
  Recorder H;
  auto R = make(H, 4);
  ASSERT_TRUE(R);
  EXPECT_EQ(R->mechanism(), GetParam());

  EXPECT_EQ(*word(*R, 1, 7), fetched(1, 7));
  EXPECT_EQ(H.Reads, 1);
  EXPECT_EQ(H.Writes, 0);
  EXPECT_EQ(H.LastPage, R->base() + PB);
  EXPECT_EQ(*word(*R, 1, 8), fetched(1, 8)); // readable now: no new fault
  EXPECT_EQ(H.Reads, 1);

  *word(*R, 1, 7) = 42;
  EXPECT_EQ(H.Writes, 1);
  EXPECT_EQ(H.Reads, 1);
  EXPECT_EQ(*word(*R, 1, 7), 42u);
  EXPECT_EQ(reinterpret_cast<uint64_t *>(R->writable(R->base() + PB))[7], 42u);
  *word(*R, 1, 9) = 43; // writable now
  EXPECT_EQ(H.Writes, 1);

  // A write to a closed page is one fault, a write.
  *word(*R, 2, 0) = 5;
  EXPECT_EQ(H.Writes, 2);
  EXPECT_EQ(H.Reads, 1);
  EXPECT_EQ(H.LastPage, R->base() + 2 * PB);
  EXPECT_EQ(*word(*R, 2, 0), 5u);
  EXPECT_EQ(*word(*R, 2, 1), fetched(2, 1));
}

TEST_P(DsmFaults, ClosedPageShowsWhatTheHandlerInstalledNext) {
  Recorder H;
  auto R = make(H, 2);
  ASSERT_TRUE(R);
  *word(*R, 0, 3) = 9;
  H.close(0);
  // The next fetch installs fresh contents: the program sees those, not 9.
  EXPECT_EQ(*word(*R, 0, 3), fetched(0, 3));
  EXPECT_EQ(H.Reads, 1);
  EXPECT_EQ(H.Writes, 1);
  // Closing write access of a read-write page makes the next write fault.
  *word(*R, 0, 3) = 10;
  EXPECT_EQ(H.Writes, 2);
  ASSERT_TRUE(R->protect(R->base(), 1, PROT_READ));
  H.State[0] = 1;
  EXPECT_EQ(*word(*R, 0, 3), 10u);
  *word(*R, 0, 3) = 11;
  EXPECT_EQ(H.Writes, 3);
  EXPECT_EQ(*word(*R, 0, 3), 11u);
}

TEST_P(DsmFaults, ManyThreadsFaultOnDistinctPages) {
  constexpr size_t Threads = 8, PagesEach = 32;
  Recorder H;
  auto R = make(H, Threads * PagesEach);
  ASSERT_TRUE(R);
  std::atomic<int> Wrong{0};
  std::vector<std::thread> Workers;
  for (size_t T = 0; T < Threads; ++T)
    Workers.emplace_back([&, T] {
      for (size_t I = 0; I < PagesEach; ++I) {
        size_t P = I * Threads + T; // interleaved: neighbours differ
        if (*word(*R, P, I) != fetched(P, I))
          ++Wrong;
        *word(*R, P, I) = T;
        if (*word(*R, P, I) != T)
          ++Wrong;
      }
    });
  for (auto &W : Workers)
    W.join();
  EXPECT_EQ(Wrong, 0);
  EXPECT_EQ(H.Reads, static_cast<int>(Threads * PagesEach));
  EXPECT_EQ(H.Writes, static_cast<int>(Threads * PagesEach));
}

// The kernel's own access for a system call: userfaultfd serves it; with
// signals the call fails with EFAULT (no signal is raised for it).
TEST_P(DsmFaults, SystemCallIntoAClosedPage) {
  Recorder H;
  auto R = make(H, 1);
  ASSERT_TRUE(R);
  int Pipe[2];
  ASSERT_EQ(pipe(Pipe), 0);
  ASSERT_EQ(write(Pipe[1], "grid", 4), 4);
  ssize_t N = read(Pipe[0], R->base() + 16, 4);
  int Err = errno;
  close(Pipe[0]);
  close(Pipe[1]);
  if (GetParam() == FaultMechanism::Userfaultfd) {
    ASSERT_EQ(N, 4);
    EXPECT_EQ(memcmp(R->base() + 16, "grid", 4), 0);
    EXPECT_EQ(H.Writes, 1);
  } else {
    EXPECT_EQ(N, -1);
    EXPECT_EQ(Err, EFAULT);
    EXPECT_EQ(H.Writes + H.Reads, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Mechanisms, DsmFaults,
                         testing::Values(FaultMechanism::Signal,
                                         FaultMechanism::Userfaultfd),
                         [](const auto &Info) {
                           return std::string(mechanismName(Info.param));
                         });

//===--- Chaining to the program's SIGSEGV action (signal mechanism) -----===//

sigjmp_buf Back;
std::atomic<void *> SeenAddress{nullptr};
std::atomic<int> PlainCalls{0};

void programHandler(int, siginfo_t *Info, void *) {
  SeenAddress = Info->si_addr;
  siglongjmp(Back, 1);
}

void plainProgramHandler(int) {
  ++PlainCalls;
  siglongjmp(Back, 1);
}

// A page the program itself made inaccessible, outside every range.
struct ForeignPage {
  void *P = mmap(nullptr, PB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ~ForeignPage() { munmap(P, PB); }
  volatile char &byte() { return *static_cast<volatile char *>(P); }
};

struct SavedSigsegv {
  struct sigaction Old;
  SavedSigsegv() { sigaction(SIGSEGV, nullptr, &Old); }
  ~SavedSigsegv() { sigaction(SIGSEGV, &Old, nullptr); }
};

TEST(DsmFaultsChain, FaultOutsideReachesTheProgramsHandler) {
  SavedSigsegv Saved;
  struct sigaction Program = {};
  Program.sa_sigaction = programHandler;
  Program.sa_flags = SA_SIGINFO;
  sigemptyset(&Program.sa_mask);
  ASSERT_EQ(sigaction(SIGSEGV, &Program, nullptr), 0);

  Recorder H;
  std::string Error;
  auto R =
      FaultRange::create(2 * PB, H, FaultMechanism::Signal, nullptr, &Error);
  ASSERT_TRUE(R) << Error;
  H.Range = R.get();
  ForeignPage Foreign;

  SeenAddress = nullptr;
  if (sigsetjmp(Back, 1) == 0) {
    Foreign.byte() = 1;
    FAIL() << "the write to a PROT_NONE page did not fault";
  }
  EXPECT_EQ(SeenAddress, Foreign.P);
  EXPECT_EQ(H.Reads + H.Writes, 0);

  // The range still works after a chained fault...
  EXPECT_EQ(*word(*R, 0, 0), fetched(0, 0));
  // ... and a fault its handler refuses is the program's too.
  H.Refuse = true;
  SeenAddress = nullptr;
  if (sigsetjmp(Back, 1) == 0) {
    *word(*R, 1, 0) = 1;
    FAIL() << "the refused fault returned";
  }
  EXPECT_EQ(SeenAddress, R->base() + PB);

  // The last range gone, the program's action is back in place.
  R.reset();
  struct sigaction Now;
  sigaction(SIGSEGV, nullptr, &Now);
  EXPECT_EQ(Now.sa_sigaction, programHandler);
}

TEST(DsmFaultsChain, PlainHandlerAndActionsSetLater) {
  SavedSigsegv Saved;
  struct sigaction Program = {};
  Program.sa_handler = plainProgramHandler;
  sigemptyset(&Program.sa_mask);
  ASSERT_EQ(sigaction(SIGSEGV, &Program, nullptr), 0);

  Recorder H;
  auto R = FaultRange::create(PB, H, FaultMechanism::Signal);
  ASSERT_TRUE(R);
  H.Range = R.get();
  ForeignPage Foreign;

  PlainCalls = 0;
  if (sigsetjmp(Back, 1) == 0)
    Foreign.byte() = 2;
  EXPECT_EQ(PlainCalls, 1);

  // What the runtime's sigaction interceptor does when the program installs
  // an action while a range exists: ours stays, theirs is chained.
  struct sigaction Later = {}, Old = {};
  Later.sa_sigaction = programHandler;
  Later.sa_flags = SA_SIGINFO;
  sigemptyset(&Later.sa_mask);
  ASSERT_TRUE(exchangeChainedSigsegvAction(&Later, &Old));
  EXPECT_EQ(Old.sa_handler, plainProgramHandler);
  SeenAddress = nullptr;
  if (sigsetjmp(Back, 1) == 0)
    Foreign.byte() = 2;
  EXPECT_EQ(SeenAddress, Foreign.P);
  EXPECT_EQ(PlainCalls, 1);
  EXPECT_EQ(*word(*R, 0, 1), fetched(0, 1)); // ours is still installed

  R.reset();
  EXPECT_FALSE(exchangeChainedSigsegvAction(&Later, nullptr));
}

TEST(DsmFaultsChainDeathTest, DefaultActionStillKillsBySigsegv) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        signal(SIGSEGV, SIG_DFL);
        Recorder H;
        auto R = FaultRange::create(PB, H, FaultMechanism::Signal);
        if (!R)
          _exit(3);
        H.Range = R.get();
        if (*word(*R, 0, 0) != fetched(0, 0))
          _exit(4);
        ForeignPage Foreign;
        Foreign.byte() = 1;
        _exit(5);
      },
      testing::KilledBySignal(SIGSEGV), "");
}

TEST(DsmFaultsChainDeathTest, IgnoredSigsegvDoesNotHideAFault) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        signal(SIGSEGV, SIG_IGN);
        Recorder H;
        auto R = FaultRange::create(PB, H, FaultMechanism::Signal);
        if (!R)
          _exit(3);
        H.Range = R.get();
        ForeignPage Foreign;
        Foreign.byte() = 1;
        _exit(5);
      },
      testing::KilledBySignal(SIGSEGV), "");
}

TEST(DsmFaultsSettings, MechanismNames) {
  EXPECT_EQ(parseMechanism("signal"), FaultMechanism::Signal);
  EXPECT_EQ(parseMechanism("uffd"), FaultMechanism::Userfaultfd);
  EXPECT_EQ(parseMechanism("sigsegv"), std::nullopt);
}
} // namespace
