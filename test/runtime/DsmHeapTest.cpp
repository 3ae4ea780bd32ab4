//===- DsmHeapTest.cpp - The heap bound to the shared range ---------------===//
//
// dsm/Heap.h with the allocation functions of api/Malloc.cpp compiled in
// (test/runtime/CMakeLists.txt), so malloc, new and the rest here are the
// ones libgridrt.so gives a program. The range is a memfd mapped
// MAP_SHARED, as the shared range is. Checked: after bindHeap every form of
// allocation, on any thread, lands in the range; freed memory is reused and
// calloc still returns zeros; memory from before binding can be freed and
// reallocated and is never handed out again; an exhausted range makes
// allocations fail with ENOMEM and one warning; a remote thread's calls go
// to the RemoteHeap unless runtime code makes them. The program's anonymous
// mmap (__grid_mmap, __grid_munmap, __grid_mremap) comes from the bound
// heap, page-aligned and zero-filled, on home's threads and remote ones;
// everything else is the C library's.
//
// bindHeap can be called once per process, so the tests that need their
// own range, or memory from before binding, run in a child process
// (a death test re-executing this binary).
//===----------------------------------------------------------------------===//

#include "dsm/Heap.h"
#include "grid/abi.h"
#include "sync/Sync.h"

#include <gtest/gtest.h>

#include <jemalloc/jemalloc.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <memory>
#include <new>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace grid;
using namespace grid::dsm;

namespace {

struct Range {
  std::byte *Base = nullptr;
  size_t Bytes = 0;
  bool contains(const void *P, size_t Size = 1) const {
    auto *B = static_cast<const std::byte *>(P);
    return B >= Base && B + Size <= Base + Bytes;
  }
};

// A memfd mapped MAP_SHARED, as dsm/Space.h maps the shared range.
Range mapShared(size_t Bytes) {
  int Fd = memfd_create("grid-heap-test", MFD_CLOEXEC);
  if (Fd < 0 || ftruncate(Fd, Bytes) != 0)
    return {};
  void *P = mmap(nullptr, Bytes, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
  close(Fd);
  if (P == MAP_FAILED)
    return {};
  return {static_cast<std::byte *>(P), Bytes};
}

// The range of the tests that share one (bound on first use).
const Range &boundRange() {
  static Range R = [] {
    Range M = mapShared(size_t(2) << 30);
    std::string Error;
    if (!M.Base || !bindHeap(M.Base, M.Bytes, &Error)) {
      ADD_FAILURE() << "bindHeap: " << Error;
      return Range{};
    }
    return M;
  }();
  return R;
}

// Keeps the compiler from eliding an allocation whose result is unused.
template <typename T> T *kept(T *P) {
  asm volatile("" : : "r"(P) : "memory");
  return P;
}

#define GRID_STRINGIFY(X) #X
#define GRID_ARENA_CTL(Index, Name) "arena." GRID_STRINGIFY(Index) "." Name
constexpr const char *AllArenasPurge =
    GRID_ARENA_CTL(MALLCTL_ARENAS_ALL, "purge");

void useDeathTestsThatReexecute() {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
}

} // namespace

TEST(DsmHeapTest, EveryFormOfAllocationLandsInTheRange) {
  const Range &R = boundRange();
  ASSERT_TRUE(R.Base);

  for (size_t Size : {0, 1, 8, 16, 24, 100, 4096, 20000, 100000, 3 << 20}) {
    void *P = kept(malloc(Size));
    ASSERT_TRUE(P);
    EXPECT_TRUE(R.contains(P, Size ? Size : 1)) << "malloc(" << Size << ")";
    EXPECT_TRUE(heapContains(P));
    EXPECT_GE(malloc_usable_size(P), Size);
    free(P);
  }

  auto *Zeroed = static_cast<unsigned char *>(calloc(1000, 33));
  ASSERT_TRUE(Zeroed);
  EXPECT_TRUE(R.contains(Zeroed, 33000));
  for (size_t I = 0; I < 33000; ++I)
    ASSERT_EQ(Zeroed[I], 0);
  free(Zeroed);

  // realloc growth keeps the contents and stays in the range.
  auto *Grown = static_cast<unsigned char *>(malloc(16));
  ASSERT_TRUE(Grown);
  for (int I = 0; I < 16; ++I)
    Grown[I] = static_cast<unsigned char>(I);
  for (size_t Size = 32; Size <= (size_t(8) << 20); Size *= 4) {
    Grown = static_cast<unsigned char *>(realloc(Grown, Size));
    ASSERT_TRUE(Grown);
    EXPECT_TRUE(R.contains(Grown, Size)) << "realloc to " << Size;
  }
  for (int I = 0; I < 16; ++I)
    EXPECT_EQ(Grown[I], I);
  Grown = static_cast<unsigned char *>(reallocarray(Grown, 100, 10));
  ASSERT_TRUE(Grown);
  EXPECT_TRUE(R.contains(Grown, 1000));
  EXPECT_EQ(Grown[15], 15);
  free(Grown);

  for (size_t Align : {size_t(4096), size_t(2) << 20}) {
    void *P = nullptr;
    ASSERT_EQ(posix_memalign(&P, Align, 3 * Align + 1), 0);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(P) % Align, 0u);
    EXPECT_TRUE(R.contains(P, 3 * Align + 1)) << "posix_memalign " << Align;
    free(P);
  }
  void *Aligned = aligned_alloc(256, 1000);
  ASSERT_TRUE(Aligned);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(Aligned) % 256, 0u);
  EXPECT_TRUE(R.contains(Aligned, 1000));
  free(Aligned);
  for (void *P : {memalign(64, 100), valloc(10), pvalloc(10)}) {
    ASSERT_TRUE(P);
    EXPECT_TRUE(R.contains(P));
    free(P);
  }

  auto One = std::make_unique<int>(42);
  EXPECT_TRUE(R.contains(One.get(), sizeof(int)));
  size_t Big = size_t(64) << 20;
  std::unique_ptr<char[]> Array(new char[Big]);
  EXPECT_TRUE(R.contains(Array.get(), Big));
  Array[0] = Array[Big - 1] = 1;
  struct alignas(512) Wide {
    char Bytes[512];
  };
  auto W = std::make_unique<Wide>();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(W.get()) % 512, 0u);
  EXPECT_TRUE(R.contains(W.get(), sizeof(Wide)));
  std::string Text(1000, 'x');
  EXPECT_TRUE(R.contains(Text.data(), Text.size()));
  std::vector<double> Values(123456, 1.0);
  EXPECT_TRUE(R.contains(Values.data(), Values.size() * sizeof(double)));
}

TEST(DsmHeapTest, NewThreadsAllocateInTheRange) {
  const Range &R = boundRange();
  ASSERT_TRUE(R.Base);
  constexpr int Threads = 8, PerThread = 2000;
  std::atomic<int> Outside{0}, Failed{0};
  std::vector<std::thread> Workers;
  for (int T = 0; T < Threads; ++T)
    Workers.emplace_back([&, T] {
      std::vector<void *> Mine;
      for (int I = 0; I < PerThread; ++I) {
        size_t Size = 8 + (I * 37 + T * 101) % 5000;
        if (I % 500 == 0)
          Size = size_t(1) << 20;
        void *P = malloc(Size);
        if (!P)
          ++Failed;
        else if (!R.contains(P, Size))
          ++Outside;
        Mine.push_back(P);
        if (I % 3 == 0) { // free some at once, to be reused
          free(Mine.back());
          Mine.pop_back();
        }
      }
      auto Text = std::make_unique<std::string>(300, 'y');
      if (!R.contains(Text.get()) || !R.contains(Text->data()))
        ++Outside;
      for (void *P : Mine)
        free(P);
    });
  for (std::thread &W : Workers)
    W.join();
  EXPECT_EQ(Failed, 0);
  EXPECT_EQ(Outside, 0);
}

TEST(DsmHeapTest, FreedMemoryIsReused) {
  ASSERT_TRUE(boundRange().Base);
  void *Small = malloc(64);
  free(Small);
  EXPECT_EQ(kept(malloc(64)), Small); // the thread cache gives it back
  free(Small);

  size_t Block = size_t(16) << 20;
  free(kept(malloc(Block)));
  size_t Carved = heapCarvedBytes();
  for (int I = 0; I < 100; ++I) {
    auto *P = static_cast<char *>(malloc(Block));
    ASSERT_TRUE(P);
    P[0] = P[Block - 1] = 1;
    auto *Q = static_cast<char *>(malloc(Block / 3));
    ASSERT_TRUE(Q);
    free(P);
    free(Q);
  }
  // 100 rounds of 21 MiB reuse what the first carved, give or take one.
  EXPECT_LE(heapCarvedBytes(), Carved + 2 * Block);
}

TEST(DsmHeapTest, CallocOfReusedMemoryIsZero) {
  ASSERT_TRUE(boundRange().Base);
  // Purging is refused in the range, so jemalloc must clear reused memory.
  for (size_t Size :
       {size_t(48), size_t(3000), size_t(1) << 20, size_t(12) << 20}) {
    auto *Dirty = static_cast<unsigned char *>(malloc(Size));
    ASSERT_TRUE(Dirty);
    std::memset(Dirty, 0xff, Size);
    free(Dirty);
    // Have jemalloc purge every arena now rather than in 10 s.
    mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
    mallctl(AllArenasPurge, nullptr, nullptr, nullptr, 0);
    auto *Zeroed = static_cast<unsigned char *>(calloc(1, Size));
    ASSERT_TRUE(Zeroed);
    size_t NonZero = 0;
    for (size_t I = 0; I < Size; ++I)
      NonZero += Zeroed[I] != 0;
    EXPECT_EQ(NonZero, 0u) << "calloc(1, " << Size << ")";
    free(Zeroed);
  }
}

TEST(DsmHeapTest, CallocOfFreshMemoryIsZero) {
  useDeathTestsThatReexecute();
  EXPECT_EXIT(
      {
        // The hooks report fresh memory as zeroed, so jemalloc does not
        // clear it: it must be.
        Range R = mapShared(size_t(64) << 20);
        std::string Error;
        if (!bindHeap(R.Base, R.Bytes, &Error))
          std::exit(2);
        size_t Bytes = size_t(16) << 20;
        auto *P = static_cast<unsigned char *>(calloc(1, Bytes));
        size_t NonZero = 0;
        for (size_t I = 0; P && I < Bytes; ++I)
          NonZero += P[I] != 0;
        std::exit(P && R.contains(P, Bytes) && NonZero == 0 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

TEST(DsmHeapTest, BindingTwiceOrBadRangesFail) {
  const Range &R = boundRange();
  ASSERT_TRUE(R.Base);
  std::string Error;
  EXPECT_FALSE(bindHeap(R.Base, R.Bytes, &Error));
  EXPECT_NE(Error.find("already bound"), std::string::npos) << Error;
  EXPECT_FALSE(heapContains(&Error));
  EXPECT_FALSE(heapContains(R.Base + R.Bytes));
  EXPECT_TRUE(heapContains(R.Base));
}

TEST(DsmHeapTest, UnalignedRangeIsRefused) {
  useDeathTestsThatReexecute();
  EXPECT_EXIT(
      {
        Range R = mapShared(size_t(1) << 20);
        std::string Error;
        bool Bound = bindHeap(R.Base + 100, R.Bytes - 4096, &Error);
        std::fprintf(stderr, "%s\n", Error.c_str());
        std::exit(Bound ? 1 : 0);
      },
      testing::ExitedWithCode(0), "page-aligned");
}

TEST(DsmHeapTest, ExhaustedRangeFailsWithEnomem) {
  useDeathTestsThatReexecute();
  EXPECT_EXIT(
      {
        size_t Bytes = size_t(64) << 20;
        Range R = mapShared(Bytes);
        std::string Error;
        if (!bindHeap(R.Base, R.Bytes, &Error)) {
          std::fprintf(stderr, "bindHeap: %s\n", Error.c_str());
          std::exit(1);
        }
        int Bad = 0;
        auto Check = [&](bool Ok, const char *What) {
          if (!Ok) {
            std::fprintf(stderr, "failed: %s\n", What);
            ++Bad;
          }
        };
        std::vector<void *> Blocks;
        Blocks.reserve(1000);
        void *P;
        while ((P = malloc(size_t(1) << 20)) != nullptr) {
          Check(R.contains(P, size_t(1) << 20), "block in the range");
          Blocks.push_back(P);
          if (Blocks.size() > 64)
            break;
        }
        Check(P == nullptr && errno == ENOMEM, "malloc fails with ENOMEM");
        Check(Blocks.size() >= 32 && Blocks.size() < 64, "most of it used");
        errno = 0;
        Check(!malloc(Bytes) && errno == ENOMEM, "a large malloc fails");
        Check(!calloc(Bytes, 2) && errno == ENOMEM, "calloc fails");
        void *Aligned = nullptr;
        Check(posix_memalign(&Aligned, 4096, Bytes) == ENOMEM && !Aligned,
              "posix_memalign fails");
        bool Threw = false;
        try {
          kept(new char[Bytes]);
        } catch (const std::bad_alloc &) {
          Threw = true;
        }
        Check(Threw, "new throws bad_alloc");
        Check(!kept(new (std::nothrow) char[Bytes]), "new (nothrow) is null");
        Check(!realloc(Blocks.front(), Bytes) && errno == ENOMEM,
              "realloc fails and keeps the block");
        for (void *B : Blocks)
          free(B);
        void *Again = malloc(size_t(1) << 20);
        Check(Again && R.contains(Again), "freed blocks serve again");
        free(Again);
        std::exit(Bad);
      },
      testing::ExitedWithCode(0), "heap in the shared range is exhausted");
}

TEST(DsmHeapTest, FreedSmallObjectsServeALargeRequest) {
  useDeathTestsThatReexecute();
  EXPECT_EXIT(
      {
        Range R = mapShared(size_t(64) << 20);
        std::string Error;
        if (!bindHeap(R.Base, R.Bytes, &Error)) {
          std::fprintf(stderr, "bindHeap: %s\n", Error.c_str());
          std::exit(1);
        }
        // Fill the range with small objects, free them all: their pages
        // must serve a large block (jemalloc merges extents only within
        // one piece its hooks gave out, and the pieces here reach about
        // 10 MiB, so the block is 8 MiB).
        std::vector<void *> Small;
        Small.reserve(100000);
        while (void *P = malloc(1000)) {
          Small.push_back(P);
          if (Small.size() == Small.capacity())
            break;
        }
        for (void *P : Small)
          free(P);
        void *Large = malloc(size_t(8) << 20);
        std::fprintf(stderr, "%zu small objects, then %s\n", Small.size(),
                     Large ? "the large block" : "no large block");
        std::exit(Large && R.contains(Large, size_t(8) << 20) &&
                          Small.size() > 40000
                      ? 0
                      : 1);
      },
      testing::ExitedWithCode(0), "");
}

TEST(DsmHeapTest, MemoryFromBeforeBindingStaysUsable) {
  useDeathTestsThatReexecute();
  EXPECT_EXIT(
      {
        // Fill the thread cache and slabs with memory from before, then
        // leave some of it free: none of it may serve a new allocation.
        std::vector<void *> Before;
        for (int I = 0; I < 4000; ++I)
          Before.push_back(malloc(8 + I % 300));
        for (size_t I = 0; I < Before.size(); I += 2)
          free(Before[I]);
        auto *Small = static_cast<char *>(malloc(100));
        auto *Large = static_cast<char *>(malloc(size_t(1) << 20));
        auto *Text = new std::string(500, 'z');
        std::memset(Small, 's', 100);
        std::memset(Large, 'l', size_t(1) << 20);

        Range R = mapShared(size_t(1) << 30);
        std::string Error;
        if (!bindHeap(R.Base, R.Bytes, &Error)) {
          std::fprintf(stderr, "bindHeap: %s\n", Error.c_str());
          std::exit(1);
        }
        int Bad = 0;
        auto Check = [&](bool Ok, const char *What) {
          if (!Ok) {
            std::fprintf(stderr, "failed: %s\n", What);
            ++Bad;
          }
        };
        Check(!R.contains(Small) && !R.contains(Large), "older memory");
        for (size_t I = 1; I < Before.size(); I += 2)
          free(Before[I]);
        Small = static_cast<char *>(realloc(Small, 200));
        Check(Small && R.contains(Small, 200) && Small[99] == 's',
              "realloc moves a small block in, contents kept");
        Large = static_cast<char *>(realloc(Large, size_t(2) << 20));
        Check(Large && R.contains(Large, size_t(2) << 20) &&
                  Large[(size_t(1) << 20) - 1] == 'l',
              "realloc moves a large block in, contents kept");
        Check(*Text == std::string(500, 'z'), "older object intact");
        delete Text;
        size_t Outside = 0;
        std::vector<void *> After;
        for (int I = 0; I < 8000; ++I) {
          void *P = malloc(8 + I % 300);
          Outside += !R.contains(P);
          After.push_back(P);
        }
        for (size_t Size = 16 << 10; Size <= (size_t(8) << 20); Size *= 2) {
          void *P = malloc(Size);
          Outside += !R.contains(P, Size);
          After.push_back(P);
        }
        Check(Outside == 0, "no new allocation from before binding");
        for (void *P : After)
          free(P);
        free(Small);
        free(Large);
        std::exit(Bad);
      },
      testing::ExitedWithCode(0), "");
}

namespace {
// Serves a remote thread's calls with jemalloc directly, as home would,
// and counts them.
struct FakeHome final : RemoteHeap {
  std::atomic<int> Allocations{0}, Deallocations{0}, Reallocations{0}, Sizes{0};
  std::atomic<size_t> LastAlign{0};
  void *allocate(size_t Size, size_t Align) override {
    ++Allocations;
    LastAlign = Align;
    return mallocx(Size, Align ? MALLOCX_ALIGN(Align) : 0);
  }
  void deallocate(void *P) override {
    ++Deallocations;
    dallocx(P, 0);
  }
  void *reallocate(void *P, size_t Size) override {
    ++Reallocations;
    return rallocx(P, Size, 0);
  }
  size_t usableSize(void *P) override {
    ++Sizes;
    return sallocx(P, 0);
  }
};
} // namespace

TEST(DsmHeapTest, RemoteThreadsAllocateThroughTheRemoteHeap) {
  FakeHome Home;
  setRemoteHeap(&Home);
  struct Seen {
    int Allocations, Deallocations, Reallocations, Sizes;
    size_t Align;
  } Remote{}, InRuntime{};
  std::thread([&] {
    sync::RemoteThread = true;
    void *P = kept(malloc(10));
    P = realloc(P, 100);
    size_t Usable = malloc_usable_size(P);
    free(P);
    free(nullptr);
    free(kept(calloc(3, 7)));
    void *Aligned = nullptr;
    if (posix_memalign(&Aligned, 4096, 10) == 0)
      free(Aligned);
    delete kept(new int(1));
    Remote = {Home.Allocations, Home.Deallocations, Home.Reallocations,
              Home.Sizes, Home.LastAlign};
    (void)Usable;

    // Runtime code on a remote thread allocates where it runs.
    ++sync::InRuntime;
    free(kept(malloc(10)));
    delete kept(new int(2));
    --sync::InRuntime;
    InRuntime = {Home.Allocations, Home.Deallocations, Home.Reallocations,
                 Home.Sizes, Home.LastAlign};
    sync::RemoteThread = false;
  }).join();
  free(kept(malloc(10))); // a home thread
  setRemoteHeap(nullptr);

  // malloc, calloc, posix_memalign, new; realloc; usable size; four frees.
  EXPECT_EQ(Remote.Allocations, 4);
  EXPECT_EQ(Remote.Reallocations, 1);
  EXPECT_EQ(Remote.Sizes, 1);
  EXPECT_EQ(Remote.Deallocations, 4);
  EXPECT_EQ(InRuntime.Allocations, 4);
  EXPECT_EQ(InRuntime.Deallocations, 4);
  EXPECT_EQ(Home.Allocations, 4);
  EXPECT_EQ(Home.Deallocations, 4);
}

TEST(DsmHeapTest, AlignmentReachesTheRemoteHeap) {
  FakeHome Home;
  setRemoteHeap(&Home);
  size_t Align = 0;
  std::thread([&] {
    sync::RemoteThread = true;
    free(kept(aligned_alloc(1024, 1024)));
    Align = Home.LastAlign;
    sync::RemoteThread = false;
  }).join();
  setRemoteHeap(nullptr);
  EXPECT_EQ(Align, 1024u);
}

TEST(DsmHeapTest, GlibcEdgeCases) {
  errno = 0;
  void *P = nullptr;
  EXPECT_EQ(posix_memalign(&P, 24, 10), EINVAL);
  EXPECT_EQ(posix_memalign(&P, 2, 10), EINVAL);
  EXPECT_EQ(P, nullptr);
  EXPECT_EQ(errno, 0);
  EXPECT_EQ(aligned_alloc(24, 10), nullptr);
  EXPECT_EQ(errno, EINVAL);
  void *Odd = memalign(24, 10); // rounded up to 32
  ASSERT_TRUE(Odd);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(Odd) % 32, 0u);
  free(Odd);
  volatile size_t Half = SIZE_MAX / 2; // volatile: no warning on purpose
  errno = 0;
  EXPECT_EQ(calloc(Half, 4), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(reallocarray(nullptr, Half, 4), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(malloc(Half * 2 - 100), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  void *Zero = malloc(0);
  EXPECT_NE(Zero, nullptr);
  void *Other = malloc(0);
  EXPECT_NE(Zero, Other);
  EXPECT_EQ(realloc(Other, 0), nullptr); // frees, as glibc does
  free(Zero);
  EXPECT_EQ(malloc_usable_size(nullptr), 0u);
  void *Page = pvalloc(1);
  ASSERT_TRUE(Page);
  EXPECT_GE(malloc_usable_size(Page), 4096u);
  free(Page);
}

TEST(DsmHeapTest, MetadataAndAllocatedBytesAreReported) {
  ASSERT_TRUE(boundRange().Base);
  size_t Before = heapAllocatedBytes();
  std::unique_ptr<char[]> Block(kept(new char[size_t(32) << 20]));
  EXPECT_GE(heapAllocatedBytes(), Before + (size_t(32) << 20));
  EXPECT_GT(heapMetadataBytes(), 0u);
}

// --- The program's anonymous mmap (api/Malloc.cpp's __grid_mmap family) ------

namespace {
constexpr size_t PB = 4096;
const __grid_site MapSite = {"DsmHeapTest.cpp", "test", 0, 0,
                             __grid_kind_Mmap,  0};

void *anonymous(size_t Bytes, int Flags = 0) {
  return __grid_mmap(&MapSite, nullptr, Bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | Flags, -1, 0);
}

bool allZero(const void *P, size_t Bytes) {
  const auto *B = static_cast<const unsigned char *>(P);
  for (size_t I = 0; I < Bytes; ++I)
    if (B[I])
      return false;
  return true;
}

bool pageAligned(const void *P) {
  return reinterpret_cast<uintptr_t>(P) % PB == 0;
}

/// Whether the page at P is mapped at all (msync fails with ENOMEM if not).
bool mapped(void *P) { return msync(P, PB, MS_ASYNC) == 0; }
} // namespace

TEST(DsmHeapTest, AnonymousMappingsComeFromTheHeap) {
  const Range &R = boundRange();
  ASSERT_TRUE(R.Base);
  for (int Flags : {0, MAP_NORESERVE, MAP_POPULATE, MAP_STACK}) {
    void *P = anonymous(10000, Flags);
    ASSERT_NE(P, MAP_FAILED);
    EXPECT_TRUE(R.contains(P, 3 * PB)) << "flags " << Flags;
    EXPECT_TRUE(pageAligned(P));
    EXPECT_TRUE(allZero(P, 3 * PB)); // the whole last page too
    std::memset(P, 0x5a, 3 * PB);
    EXPECT_EQ(__grid_munmap(&MapSite, P, 10000), 0);
  }
  // Freed blocks are reused, and still come zero-filled.
  for (int I = 0; I < 50; ++I) {
    void *P = anonymous(5 * PB);
    ASSERT_NE(P, MAP_FAILED);
    ASSERT_TRUE(allZero(P, 5 * PB)) << "round " << I;
    std::memset(P, 0xa5, 5 * PB);
    ASSERT_EQ(__grid_munmap(&MapSite, P, 5 * PB), 0);
  }
}

TEST(DsmHeapTest, PartialUnmapsLeaveTheBlock) {
  ASSERT_TRUE(boundRange().Base);
  auto *P = static_cast<unsigned char *>(anonymous(4 * PB));
  ASSERT_NE(P, MAP_FAILED);
  std::memset(P, 7, 4 * PB);
  // A part, from the start or inside: the block stays, whole.
  EXPECT_EQ(__grid_munmap(&MapSite, P, PB), 0);
  EXPECT_EQ(__grid_munmap(&MapSite, P + PB, PB), 0);
  EXPECT_EQ(P[0], 7);
  EXPECT_EQ(P[PB + 1], 7);
  // What munmap refuses anywhere.
  errno = 0;
  EXPECT_EQ(__grid_munmap(&MapSite, P + 1, PB), -1);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(__grid_munmap(&MapSite, P, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  // Heap memory malloc gave is not a mapping: left alone.
  void *Block = kept(aligned_alloc(PB, 2 * PB));
  EXPECT_EQ(__grid_munmap(&MapSite, Block, 2 * PB), 0);
  std::memset(Block, 1, 2 * PB);
  free(Block);
  // The whole block, then again (nothing left to free).
  EXPECT_EQ(__grid_munmap(&MapSite, P, 4 * PB), 0);
  EXPECT_EQ(__grid_munmap(&MapSite, P, 4 * PB), 0);
}

TEST(DsmHeapTest, OtherMappingsAreTheCLibrarys) {
  const Range &R = boundRange();
  ASSERT_TRUE(R.Base);
  int Fd = memfd_create("grid-heap-test-file", MFD_CLOEXEC);
  ASSERT_GE(Fd, 0);
  ASSERT_EQ(ftruncate(Fd, 4 * PB), 0);
  void *Hint = anonymous(PB); // an address inside the range, as a hint
  struct Case {
    const char *What;
    void *Address;
    int Prot, Flags, Fd;
    off_t Offset;
  } Cases[] = {
      {"shared", nullptr, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
       -1, 0},
      {"PROT_NONE", nullptr, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0},
      {"read-only", nullptr, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0},
      {"executable", nullptr, PROT_READ | PROT_WRITE | PROT_EXEC,
       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0},
      {"a file", nullptr, PROT_READ | PROT_WRITE, MAP_PRIVATE, Fd, 0},
      {"a file, shared", nullptr, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, PB},
      {"a hint", static_cast<std::byte *>(Hint) + 64 * PB,
       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0},
      {"a descriptor with MAP_ANONYMOUS", nullptr, PROT_READ | PROT_WRITE,
       MAP_PRIVATE | MAP_ANONYMOUS, Fd, 0},
      {"MAP_GROWSDOWN", nullptr, PROT_READ | PROT_WRITE,
       MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0},
  };
  for (const Case &C : Cases) {
    void *P = __grid_mmap(&MapSite, C.Address, 2 * PB, C.Prot, C.Flags, C.Fd,
                          C.Offset);
    ASSERT_NE(P, MAP_FAILED) << C.What << ": " << strerror(errno);
    if (C.Address) {
      // The kernel may take the hint: the mapping must then not be a block.
      EXPECT_EQ(__grid_munmap(&MapSite, P, 2 * PB), 0) << C.What;
      continue;
    }
    EXPECT_FALSE(R.contains(P)) << C.What;
    EXPECT_EQ(__grid_munmap(&MapSite, P, 2 * PB), 0) << C.What;
    EXPECT_FALSE(mapped(P)) << C.What << ": the C library's munmap";
  }
  // MAP_FIXED goes to the C library too: over a mapping of its own here.
  void *Scratch = mmap(nullptr, 2 * PB, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(Scratch, MAP_FAILED);
  EXPECT_EQ(__grid_mmap(&MapSite, Scratch, PB, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
            Scratch);
  EXPECT_EQ(__grid_munmap(&MapSite, Scratch, 2 * PB), 0);
  EXPECT_FALSE(mapped(Scratch));
  // Too big for the heap: the C library's mmap serves it, as without Grid.
  void *Huge = anonymous(size_t(64) << 30, MAP_NORESERVE);
  ASSERT_NE(Huge, MAP_FAILED);
  EXPECT_FALSE(R.contains(Huge));
  EXPECT_EQ(__grid_munmap(&MapSite, Huge, size_t(64) << 30), 0);
  EXPECT_FALSE(mapped(Huge));
  // mremap of memory outside the shared space is the C library's as well.
  void *Outside = mmap(nullptr, PB, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(Outside, MAP_FAILED);
  void *Moved = __grid_mremap(&MapSite, Outside, PB, 16 * PB, MREMAP_MAYMOVE);
  ASSERT_NE(Moved, MAP_FAILED);
  EXPECT_FALSE(R.contains(Moved));
  EXPECT_EQ(munmap(Moved, 16 * PB), 0);
  EXPECT_EQ(__grid_munmap(&MapSite, Hint, PB), 0);
  close(Fd);
}

TEST(DsmHeapTest, MremapResizesABlock) {
  const Range &R = boundRange();
  ASSERT_TRUE(R.Base);
  auto *P = static_cast<unsigned char *>(anonymous(3 * PB));
  ASSERT_NE(P, MAP_FAILED);
  std::memset(P, 3, 3 * PB);

  // Shrinking keeps the block where it is; growing back gives zeros, not
  // what the cut pages held.
  EXPECT_EQ(__grid_mremap(&MapSite, P, 3 * PB, PB, 0), P);
  EXPECT_EQ(__grid_mremap(&MapSite, P, PB, 3 * PB, 0), P);
  EXPECT_EQ(P[PB - 1], 3);
  EXPECT_TRUE(allZero(P + PB, 2 * PB));
  std::memset(P, 4, 3 * PB);

  // Growing beyond the block: ENOMEM unless it may move.
  errno = 0;
  EXPECT_EQ(__grid_mremap(&MapSite, P, 3 * PB, 256 * PB, 0), MAP_FAILED);
  EXPECT_EQ(errno, ENOMEM);
  auto *G = static_cast<unsigned char *>(
      __grid_mremap(&MapSite, P, 3 * PB, 256 * PB, MREMAP_MAYMOVE));
  ASSERT_NE(G, MAP_FAILED);
  EXPECT_TRUE(R.contains(G, 256 * PB));
  EXPECT_TRUE(pageAligned(G));
  EXPECT_EQ(G[0], 4);
  EXPECT_EQ(G[3 * PB - 1], 4);
  EXPECT_TRUE(allZero(G + 3 * PB, 253 * PB));

  // Only the whole block, only where the heap puts it.
  errno = 0;
  EXPECT_EQ(__grid_mremap(&MapSite, G, 2 * PB, 4 * PB, MREMAP_MAYMOVE),
            MAP_FAILED);
  EXPECT_EQ(errno, EINVAL);
  void *Elsewhere =
      mmap(nullptr, 512 * PB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(Elsewhere, MAP_FAILED);
  errno = 0;
  EXPECT_EQ(__grid_mremap(&MapSite, G, 256 * PB, 256 * PB,
                          MREMAP_MAYMOVE | MREMAP_FIXED, Elsewhere),
            MAP_FAILED);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(__grid_mremap(&MapSite, G + PB, PB, 2 * PB, MREMAP_MAYMOVE),
            MAP_FAILED);
  EXPECT_EQ(errno, EINVAL);
  munmap(Elsewhere, 512 * PB);
  EXPECT_EQ(G[0], 4); // untouched by the refusals
  EXPECT_EQ(__grid_munmap(&MapSite, G, 256 * PB), 0);
}

namespace {
// Home's heap for a remote thread: allocates in the bound range (runtime
// code on the calling thread, as home's shadow would), and counts.
struct RangeHome final : RemoteHeap {
  std::atomic<int> Allocations{0}, Deallocations{0}, Reallocations{0}, Sizes{0},
      Zeroed{0};
  std::atomic<size_t> LastAlign{0};
  struct Scope {
    Scope() { ++sync::InRuntime; }
    ~Scope() { --sync::InRuntime; }
  };
  void *allocate(size_t Size, size_t Align) override {
    Scope S;
    ++Allocations;
    LastAlign = Align;
    void *P = nullptr;
    if (posix_memalign(&P, Align ? Align : 16, Size) != 0)
      return nullptr;
    std::memset(P, 0xee, Size); // reused memory is not zero
    return P;
  }
  void *allocateZeroed(size_t Size, size_t Align) override {
    ++Zeroed;
    void *P = allocate(Size, Align);
    if (P)
      std::memset(P, 0, Size);
    return P;
  }
  void deallocate(void *P) override {
    Scope S;
    ++Deallocations;
    free(P);
  }
  void *reallocate(void *P, size_t Size) override {
    Scope S;
    ++Reallocations;
    return realloc(P, Size);
  }
  size_t usableSize(void *P) override {
    Scope S;
    ++Sizes;
    return malloc_usable_size(P);
  }
};
} // namespace

TEST(DsmHeapTest, RemoteThreadsMapThroughTheRemoteHeap) {
  const Range &R = boundRange();
  ASSERT_TRUE(R.Base);
  RangeHome Home;
  setRemoteHeap(&Home);
  bool InRange = false, Zero = false, Kept = false, GrownZero = false;
  int Unmapped = -1;
  std::thread([&] {
    sync::RemoteThread = true;
    auto *P = static_cast<unsigned char *>(anonymous(2 * PB + 10));
    if (P != MAP_FAILED) {
      InRange = R.contains(P, 3 * PB) && pageAligned(P);
      Zero = allZero(P, 3 * PB);
      std::memset(P, 9, 3 * PB);
      auto *G = static_cast<unsigned char *>(
          __grid_mremap(&MapSite, P, 3 * PB, 64 * PB, MREMAP_MAYMOVE));
      if (G != MAP_FAILED) {
        Kept = G[0] == 9 && G[3 * PB - 1] == 9;
        GrownZero = allZero(G + 3 * PB, 61 * PB);
        Unmapped = __grid_munmap(&MapSite, G, 64 * PB);
      }
    }
    sync::RemoteThread = false;
  }).join();
  setRemoteHeap(nullptr);
  EXPECT_TRUE(InRange);
  EXPECT_TRUE(Zero);
  EXPECT_TRUE(Kept);
  EXPECT_TRUE(GrownZero);
  EXPECT_EQ(Unmapped, 0);
  EXPECT_EQ(Home.Allocations, 1);
  EXPECT_EQ(Home.Zeroed, 1); // cleared by home, not page by page
  EXPECT_EQ(Home.LastAlign, PB);
  EXPECT_EQ(Home.Reallocations, 1);
  EXPECT_EQ(Home.Deallocations, 1);
}

TEST(DsmHeapTest, WithoutABoundHeapMappingsAreTheCLibrarys) {
  useDeathTestsThatReexecute();
  EXPECT_EXIT(
      {
        // One rank: nothing bound, no remote heap.
        void *P = anonymous(2 * PB);
        if (P == MAP_FAILED)
          std::exit(2);
        std::memset(P, 1, 2 * PB);
        if (__grid_munmap(&MapSite, P, PB) != 0 || mapped(P) ||
            !mapped(static_cast<std::byte *>(P) + PB))
          std::exit(3); // the C library's munmap takes just the first page
        std::exit(0);
      },
      testing::ExitedWithCode(0), "");
}
