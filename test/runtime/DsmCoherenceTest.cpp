//===- DsmCoherenceTest.cpp - dsm/Coherence.h on a single-node backend ----===//
//
// Several nodes simulated in one process: each has its own view (plain
// memory whose protection is recorded), and the test's accessors do what
// the MMU and the fault handler do, calling NodeCache::fault when the
// recorded protection forbids an access. The homes are LocalHomeStore's
// equal slices, so a node's writes to its home pages are the master copy.
//===----------------------------------------------------------------------===//

#include "dsm/Coherence.h"

#include <gtest/gtest.h>
#include <jemalloc/jemalloc.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace grid::dsm;

namespace {

class FakeView : public PageAccess {
public:
  explicit FakeView(size_t Pages)
      : Memory(new std::byte[Pages * PageSize]()), Protection(Pages) {}
  std::byte *address(size_t Page) override {
    return Memory.get() + Page * PageSize;
  }
  std::byte *writable(size_t Page) override { return address(Page); }
  void protect(size_t Page, Access A) override {
    Protection.at(Page) = A;
    ++Protects;
  }
  Access protection(size_t Page) const { return Protection.at(Page); }
  /// Changes of protection so far (each a system call in a real view).
  uint64_t Protects = 0;

private:
  std::unique_ptr<std::byte[]> Memory;
  std::vector<Access> Protection;
};

/// N nodes over Pages pages, with accessors that fault as the MMU would.
class Cluster {
public:
  Cluster(unsigned Nodes, size_t Pages) : Homes(Pages, Nodes) {
    for (unsigned N = 0; N < Nodes; ++N) {
      Views.push_back(std::make_unique<FakeView>(Pages));
      Homes.attach(N, *Views.back());
    }
    for (unsigned N = 0; N < Nodes; ++N)
      Caches.push_back(std::make_unique<NodeCache>(N, Pages, Homes, *Views[N]));
  }

  uint8_t read(unsigned Node, size_t Offset) {
    size_t Page = Offset / PageSize;
    if (Views[Node]->protection(Page) == Access::None) {
      EXPECT_TRUE(Caches[Node]->fault(Page, false));
    }
    EXPECT_NE(Views[Node]->protection(Page), Access::None);
    return static_cast<uint8_t>(Views[Node]->address(0)[Offset]);
  }

  void write(unsigned Node, size_t Offset, uint8_t Value) {
    size_t Page = Offset / PageSize;
    if (Views[Node]->protection(Page) != Access::ReadWrite) {
      EXPECT_TRUE(Caches[Node]->fault(Page, true));
    }
    EXPECT_EQ(Views[Node]->protection(Page), Access::ReadWrite);
    Views[Node]->address(0)[Offset] = static_cast<std::byte>(Value);
  }

  NodeCache &cache(unsigned Node) { return *Caches[Node]; }
  FakeView &view(unsigned Node) { return *Views[Node]; }
  LocalHomeStore Homes;

private:
  std::vector<std::unique_ptr<FakeView>> Views;
  std::vector<std::unique_ptr<NodeCache>> Caches;
};

} // namespace

TEST(DsmCoherence, HomePagesAreOpenOthersClosed) {
  Cluster C(3, 6); // node n homes pages 2n and 2n+1
  for (unsigned N = 0; N < 3; ++N)
    for (size_t Page = 0; Page < 6; ++Page)
      EXPECT_EQ(C.view(N).protection(Page),
                Page / 2 == N ? Access::ReadWrite : Access::None)
          << "node " << N << " page " << Page;
  // A home page never faults: the fault is not the cache's.
  EXPECT_FALSE(C.cache(0).fault(0, true));
  EXPECT_FALSE(C.cache(0).fault(99, false));
}

TEST(DsmCoherence, ReleasedWritesReachHomeAndTheNextAcquirer) {
  Cluster C(3, 6);
  C.write(0, 10, 7);           // node 0 initialises its home page
  EXPECT_EQ(C.read(1, 10), 7); // fetched
  C.write(1, 11, 42);          // twin, then write
  EXPECT_EQ(C.cache(1).counts().Twins, 1u);
  C.cache(1).release();
  EXPECT_EQ(C.view(1).protection(0), Access::Read) << "kept for reading";
  EXPECT_EQ(static_cast<uint8_t>(C.view(0).address(0)[11]), 42)
      << "the home's master copy has the released write";
  C.cache(2).acquire();
  EXPECT_EQ(C.read(2, 11), 42);
  EXPECT_EQ(C.read(2, 10), 7);
  CacheCounts One = C.cache(1).counts();
  EXPECT_EQ(One.Fetches, 1u);
  EXPECT_EQ(One.Diffs, 1u);
  EXPECT_LT(One.DiffBytes, 16u) << "one changed byte is one small run";
}

TEST(DsmCoherence, WritersOfAdjacentBytesOfOnePageDoNotOverwriteEachOther) {
  Cluster C(3, 6);
  // Nodes 1 and 2 write alternate bytes of one word of a page homed at 0.
  for (size_t I = 0; I < 8; ++I)
    C.write(1 + I % 2, 100 + I, static_cast<uint8_t>(10 + I));
  C.cache(1).release();
  C.cache(2).release();
  for (size_t I = 0; I < 8; ++I)
    EXPECT_EQ(static_cast<uint8_t>(C.view(0).address(0)[100 + I]), 10 + I);
  C.cache(1).acquire();
  for (size_t I = 0; I < 8; ++I)
    EXPECT_EQ(C.read(1, 100 + I), 10 + I) << "node 1 sees node 2's bytes";
}

TEST(DsmCoherence, ACachedCopyIsStaleOnlyUntilTheNextAcquire) {
  Cluster C(2, 4); // node 0 homes pages 0-1, node 1 pages 2-3
  EXPECT_EQ(C.read(1, 5), 0);
  C.write(0, 5, 9); // at home, no release needed for the master copy
  EXPECT_EQ(C.read(1, 5), 0) << "no acquire yet: the cached copy may be old";
  C.cache(1).acquire();
  EXPECT_EQ(C.view(1).protection(0), Access::None);
  EXPECT_EQ(C.read(1, 5), 9);
  EXPECT_EQ(C.cache(1).counts().Invalidated, 1u);
}

TEST(DsmCoherence, NothingWrittenNothingSent) {
  Cluster C(2, 4);
  C.read(1, 0);
  C.cache(1).release();
  EXPECT_EQ(C.cache(1).counts().Diffs, 0u);
  // A write that puts back the value the page had sends an empty diff,
  // which is not sent at all.
  C.write(1, 0, 0);
  C.cache(1).release();
  EXPECT_EQ(C.cache(1).counts().Twins, 1u);
  EXPECT_EQ(C.cache(1).counts().Diffs, 0u);
  // After a release the next write takes a new twin.
  C.write(1, 1, 3);
  EXPECT_EQ(C.cache(1).counts().Twins, 2u);
}

TEST(DsmCoherence, AcquireSendsWhatWasWrittenBeforeDroppingIt) {
  Cluster C(2, 4);
  C.write(1, 64, 5); // page 0, homed at node 0
  C.cache(1).acquire();
  EXPECT_EQ(static_cast<uint8_t>(C.view(0).address(0)[64]), 5);
  EXPECT_EQ(C.view(1).protection(0), Access::None);
}

TEST(DsmCoherence, AcquireWithALockPageFetchesItWritableWithATwin) {
  Cluster C(2, 4);  // node 0 homes pages 0-1, node 1 pages 2-3
  C.write(0, 8, 3); // the lock's page, at home
  C.write(0, PageSize + 8, 4);
  EXPECT_EQ(C.read(1, PageSize + 8), 4); // another page, cached
  C.write(0, PageSize + 8, 6);
  C.cache(1).acquire(/*Prefetch=*/0);
  EXPECT_EQ(C.view(1).protection(1), Access::None) << "others are dropped";
  EXPECT_EQ(C.view(1).protection(0), Access::ReadWrite)
      << "the lock's page is fetched, open for writing without a fault";
  EXPECT_EQ(static_cast<uint8_t>(C.view(1).address(0)[8]), 3);
  CacheCounts Before = C.cache(1).counts();
  EXPECT_EQ(Before.Twins, 1u) << "with its twin";
  C.write(1, 9, 7);
  C.write(0, 10, 8); // home writes another byte of the page meanwhile
  C.cache(1).release();
  EXPECT_EQ(static_cast<uint8_t>(C.view(0).address(0)[9]), 7)
      << "the write reaches home as a diff";
  EXPECT_EQ(static_cast<uint8_t>(C.view(0).address(0)[10]), 8)
      << "and only the bytes the node wrote";
  EXPECT_EQ(C.cache(1).counts().Fetches, Before.Fetches);
  EXPECT_EQ(C.cache(1).counts().Diffs, 1u);
  // A page homed at the node itself, or outside the range, is not fetched.
  C.cache(1).acquire(/*Prefetch=*/2);
  C.cache(1).acquire(/*Prefetch=*/99);
  EXPECT_EQ(C.view(1).protection(2), Access::ReadWrite);
  EXPECT_EQ(C.cache(1).counts().Fetches, Before.Fetches);
}

// One thread of the program on the node (an agent running one remote
// thread): the page of the lock it takes again and again stays open, its
// twin renewed at each release and its contents fetched in place at each
// acquire, with no change of protection; what reaches home is exactly what
// a write-protected page would have sent.
TEST(DsmCoherence, OneThreadOnANodeKeepsItsLockPageOpen) {
  Cluster C(2, 4); // node 0 homes pages 0-1
  auto Home = [&](size_t Offset) {
    return static_cast<uint8_t>(C.view(0).address(0)[Offset]);
  };
  C.cache(1).setSolo(true);
  C.write(0, 8, 3);
  C.cache(1).acquire(/*Prefetch=*/0);
  EXPECT_EQ(C.view(1).protection(0), Access::ReadWrite);
  EXPECT_EQ(C.read(1, 8), 3);
  C.write(1, 9, 7);
  C.cache(1).release();
  EXPECT_EQ(Home(9), 7);
  EXPECT_EQ(C.view(1).protection(0), Access::ReadWrite) << "kept open";
  EXPECT_FALSE(C.cache(1).written()) << "its twin is what was sent";
  C.write(0, 10, 8); // home changes another byte meanwhile
  C.cache(1).release();
  EXPECT_EQ(C.cache(1).counts().Diffs, 1u) << "nothing new to send";
  C.write(1, 11, 5); // no fault: open
  EXPECT_TRUE(C.cache(1).written());
  C.cache(1).release();
  EXPECT_EQ(Home(11), 5);
  EXPECT_EQ(Home(10), 8) << "only the bytes the node wrote";
  EXPECT_EQ(C.cache(1).counts().Diffs, 2u);

  // The same lock again: fetched in place, no protection changed.
  CacheCounts Before = C.cache(1).counts();
  uint64_t Protects = C.view(1).Protects;
  C.cache(1).acquire(/*Prefetch=*/0);
  EXPECT_EQ(C.view(1).Protects, Protects);
  EXPECT_EQ(C.cache(1).counts().Fetches, Before.Fetches + 1);
  EXPECT_EQ(C.cache(1).counts().Twins, Before.Twins);
  EXPECT_EQ(C.cache(1).counts().InPlace, 1u);
  EXPECT_EQ(C.read(1, 10), 8) << "home's change arrived";
  // The twin is the fetched copy: a byte home changes after the acquire
  // is not sent back at its older value.
  C.write(0, 10, 9);
  C.write(1, 12, 6);
  C.cache(1).release();
  EXPECT_EQ(Home(10), 9);
  EXPECT_EQ(Home(12), 6);

  // Another lock: the kept page is dropped as any other.
  C.cache(1).acquire(/*Prefetch=*/1);
  EXPECT_EQ(C.view(1).protection(0), Access::None);
  EXPECT_EQ(C.view(1).protection(1), Access::ReadWrite);
  // A second thread starts: the next release write-protects the page.
  C.cache(1).setSolo(false);
  C.write(1, PageSize + 1, 4);
  C.cache(1).release();
  EXPECT_EQ(C.view(1).protection(1), Access::Read);
  EXPECT_EQ(Home(PageSize + 1), 4);
  EXPECT_FALSE(C.cache(1).written());
}

// The lock's answer carries the page's contents as home read them once the
// lock was taken (as a diff against zeros): the kept page takes them without
// a fetch, except the bytes the node wrote since its last release, which it
// keeps and sends. Malformed contents are not taken: the page is fetched.
TEST(DsmCoherence, AKeptPageTakesTheContentsTheLocksAnswerCarried) {
  Cluster C(2, 4);
  auto Home = [&](size_t Offset) {
    return static_cast<uint8_t>(C.view(0).address(0)[Offset]);
  };
  C.cache(1).setSolo(true);
  EXPECT_EQ(C.cache(1).keptPage(), SIZE_MAX);
  C.cache(1).acquire(/*Prefetch=*/0);
  EXPECT_EQ(C.cache(1).keptPage(), 0u);
  C.write(1, 30, 1);
  C.cache(1).release();
  C.write(1, 31, 2); // after the release: not sent yet
  C.write(0, 32, 3); // home's change, taken with the answer's contents
  C.write(0, 30, 4); // home's change of a byte the node released
  static const std::byte Zeros[PageSize] = {};
  std::string Carried = makeDiff(Zeros, C.view(0).address(0));
  C.write(0, 33, 5); // after the answer: not in its contents
  uint64_t Fetches = C.cache(1).counts().Fetches;
  C.cache(1).acquire(/*Prefetch=*/0, &Carried);
  EXPECT_EQ(C.cache(1).counts().Fetches, Fetches) << "carried, not fetched";
  EXPECT_EQ(C.cache(1).counts().InPlace, 1u);
  EXPECT_EQ(C.cache(1).counts().Carried, 1u);
  EXPECT_EQ(C.read(1, 32), 3);
  EXPECT_EQ(C.read(1, 30), 4);
  EXPECT_EQ(C.read(1, 31), 2) << "the node's own unreleased write stays";
  EXPECT_EQ(Home(31), 2) << "and is sent by the acquire's release";
  EXPECT_EQ(C.read(1, 33), 0);
  EXPECT_FALSE(C.cache(1).written());
  C.write(0, 34, 6);
  std::string Malformed = "\x05";
  C.cache(1).acquire(/*Prefetch=*/0, &Malformed);
  EXPECT_EQ(C.read(1, 34), 6) << "fetched";
  EXPECT_EQ(C.cache(1).counts().Fetches, Fetches + 1);
  // Contents for a page the node does not keep open are not used.
  C.cache(1).acquire(/*Prefetch=*/1, &Carried);
  EXPECT_EQ(C.cache(1).keptPage(), 1u);
  EXPECT_EQ(C.read(1, PageSize + 32), 0) << "fetched from home, not Carried";
}

TEST(DsmCoherence, AKeptPageHomeChangesIsInvalidatedWithItsWrites) {
  Cluster C(2, 4);
  C.cache(1).setSolo(true);
  C.cache(1).acquire(/*Prefetch=*/0);
  C.write(1, 20, 2);
  C.cache(1).invalidate(0, 1); // home reallocated the block, say
  EXPECT_EQ(static_cast<uint8_t>(C.view(0).address(0)[20]), 2);
  EXPECT_EQ(C.view(1).protection(0), Access::None);
  EXPECT_FALSE(C.cache(1).written());
  C.cache(1).release(); // nothing left of the page
  EXPECT_EQ(C.cache(1).counts().Diffs, 1u);
  C.cache(1).acquire(/*Prefetch=*/0);
  EXPECT_EQ(C.view(1).protection(0), Access::ReadWrite);
  EXPECT_EQ(C.read(1, 20), 2);
}

// Node 1 of two over Pages pages (node 0 homes the lower half), its cache
// bounded to Bound pages of node 0's, each fault bringing up to Run pages
// (16 as the real view's do, or 1).
class BoundedNode {
public:
  BoundedNode(size_t Pages, size_t Bound, size_t Run)
      : Homes(Pages, 2), Home(Pages), Node(Pages, Run) {
    Homes.attach(0, Home);
    Homes.attach(1, Node);
    for (size_t Page = Pages / 2; Page < Pages; ++Page)
      Node.protect(Page, Access::ReadWrite);
    Cache = std::make_unique<NodeCache>(1, Homes, Node, Pages, Bound);
  }
  /// Touches Page as a read or a write would (faulting when the view does
  /// not allow it) and writes Value at Offset if Write.
  void touch(size_t Page, bool Write, size_t Offset = 0, uint8_t Value = 0) {
    if (Node.protection(Page) == Access::None) {
      ASSERT_TRUE(Cache->fault(Page, Write));
    }
    if (Write && Node.protection(Page) != Access::ReadWrite) {
      ASSERT_TRUE(Cache->fault(Page, true));
    }
    if (Write)
      Node.address(Page)[Offset] = static_cast<std::byte>(Value);
  }
  uint8_t atHome(size_t Page, size_t Offset) {
    return static_cast<uint8_t>(Home.address(Page)[Offset]);
  }

  class RunView : public FakeView {
  public:
    RunView(size_t Pages, size_t Run) : FakeView(Pages), Run(Run) {}
    size_t maxRun(size_t) override { return Run; }
    void placeRun(size_t First, size_t Count, Access A) override {
      protectRun(First, Count, A);
    }
    const size_t Run;
  };
  LocalHomeStore Homes;
  FakeView Home;
  RunView Node;
  std::unique_ptr<NodeCache> Cache;
};

// A node over its bound keeps every page it wrote (they hold writes not yet
// sent), and once a release has sent them drops the oldest clean ones to
// come back within it. Written pages leave the eviction queue while they
// are written (each fault of a node over its bound rescanned them all, a
// time quadratic in the pages written between releases): the release
// must queue them again.
TEST(DsmCoherence, PagesWrittenBeyondTheBoundAreEvictedAfterTheirRelease) {
  constexpr size_t Bound = 8, Written = 100;
  BoundedNode N(512, Bound, 1);
  for (size_t Page = 0; Page < Written; ++Page)
    N.touch(Page, /*Write=*/true, 5, 0x5a);
  EXPECT_GE(N.Cache->cachedPages(), Written) << "a written page was dropped";
  N.Cache->release();
  for (size_t Page = 0; Page < Written; ++Page)
    ASSERT_EQ(N.atHome(Page, 5), 0x5a) << "page " << Page;
  N.touch(200, /*Write=*/false);
  EXPECT_LE(N.Cache->cachedPages(), Bound)
      << "the pages the release sent stayed over the bound";
  EXPECT_GE(N.Cache->counts().Evicted, Written - Bound);
  // What stays is the newest: the page just read, not the oldest written.
  EXPECT_NE(N.Cache->access(200), Access::None);
  EXPECT_EQ(N.Cache->access(0), Access::None);
}

// A node that writes a page and releases, again and again, without an
// acquire keeps the same state: the eviction queue takes back at a release
// only the entries eviction took out (queuing every released page again
// added an entry a release, 8 MB after a million).
TEST(DsmCoherence, ReleasesWithoutAcquiresKeepTheStateTheyHad) {
  BoundedNode N(512, 32, 16);
  auto Round = [&](int I) {
    N.touch(3, /*Write=*/true, 1, static_cast<uint8_t>(I));
    N.Cache->release();
  };
  for (int I = 0; I < 10; ++I)
    Round(I);
  size_t Before = N.Cache->metadataBytes();
  for (int I = 10; I < 10000; ++I)
    Round(I);
  EXPECT_EQ(N.Cache->metadataBytes(), Before);
  EXPECT_EQ(N.atHome(3, 1), static_cast<uint8_t>(9999));
}

// A sweep that reads each page and then writes it, on a node over its
// bound with every earlier page written: the pages a read fault brought
// along stay until their own writes, each fetched once. Evicted as the
// oldest clean pages (all the others being written), each was fetched
// again by its write, and a sweep of 256 MiB cost 2.5 times the time per
// page of one within the bound.
TEST(DsmCoherence, PagesAFaultBroughtAlongAreNotEvictedByIt) {
  constexpr size_t Swept = 200;
  BoundedNode N(512, 32, 16); // runs of 16 (a run never exceeds the bound)
  for (size_t Page = 0; Page < Swept; ++Page) {
    N.touch(Page, /*Write=*/false);
    N.touch(Page, /*Write=*/true, 9, 0x77);
  }
  EXPECT_LE(N.Cache->counts().Fetches, Swept + N.Node.Run)
      << "pages were fetched again";
  // Each run was written through before the next fault: nothing was clean
  // but the run being swept.
  EXPECT_EQ(N.Cache->counts().Evicted, 0u);
  N.Cache->release();
  for (size_t Page = 0; Page < Swept; ++Page)
    ASSERT_EQ(N.atHome(Page, 9), 0x77) << "page " << Page;
}

// A fork by a thread of another node brings in, read-only, the pages of a
// range (the program's globals) that the node does not hold, in runs, as
// far as the cache has room without dropping any page: the child keeps
// what its node holds, so an eviction would take a page from it. The
// pages left out are counted, and the lock is held until unlockAfterFork.
TEST(DsmCoherence, AForkHoldsARangeAsFarAsTheCacheHasRoom) {
  constexpr size_t Bound = 48;
  BoundedNode N(512, Bound, 16);       // runs of 16
  N.touch(3, /*Write=*/true, 1, 0x11); // 3 to 18, written
  N.touch(100, /*Write=*/false);       // 100 to 115, elsewhere
  ASSERT_EQ(N.Cache->cachedPages(), 32u);
  // Pages 0 to 59, of which 44 are not held: room for 16 of them, 0 to 2
  // and 19 to 31.
  EXPECT_EQ(N.Cache->holdRangeForFork(0, 60), 44u - 16u);
  N.Cache->unlockAfterFork();
  EXPECT_EQ(N.Cache->cachedPages(), Bound);
  EXPECT_EQ(N.Cache->counts().Evicted, 0u) << "a page the child keeps went";
  for (size_t Page = 100; Page < 116; ++Page)
    EXPECT_EQ(N.Cache->access(Page), Access::Read) << "page " << Page;
  for (size_t Page = 0; Page < 32; ++Page)
    EXPECT_EQ(N.Cache->access(Page),
              Page >= 3 && Page < 19 ? Access::ReadWrite : Access::Read)
        << "page " << Page;
  EXPECT_EQ(N.Cache->access(32), Access::None);
  N.Cache->release();
  EXPECT_EQ(N.atHome(3, 1), 0x11) << "the fork lost a write";
  // The node's own pages (256 on) are never fetched; with room, every page
  // of the range is held and none is left out.
  BoundedNode Roomy(512, 512, 16);
  EXPECT_EQ(Roomy.Cache->holdRangeForFork(200, 100), 0u);
  Roomy.Cache->unlockAfterFork();
  EXPECT_EQ(Roomy.Cache->cachedPages(), 56u);
  EXPECT_EQ(Roomy.Cache->access(255), Access::Read);
  EXPECT_EQ(Roomy.Cache->counts().Fetches, 56u);
}

// What a node keeps per page it caches (issue 5: DSM metadata within 1% of
// the memory in use): a byte of state in a block of 64 neighbours and an
// entry of the eviction queue, well under 16 bytes a page (0.4%), as
// jemalloc (this binary's malloc) counts what the cache allocated; a page
// alone in its block costs the block. metadataBytes(), which GRID_STATS=1
// and the benchmark report, agrees with jemalloc within a fifth. Pages
// dropped or invalidated free their state.
TEST(DsmCoherence, ACachedPageCostsAFewBytesOfState) {
  auto LiveBytes = [] { // allocated and not freed by this thread, so far
    uint64_t Allocated = 0, Freed = 0;
    size_t Size = sizeof(uint64_t);
    EXPECT_EQ(mallctl("thread.allocated", &Allocated, &Size, nullptr, 0), 0);
    EXPECT_EQ(mallctl("thread.deallocated", &Freed, &Size, nullptr, 0), 0);
    return static_cast<int64_t>(Allocated - Freed);
  };
  auto Near = [](size_t Reported, int64_t Grew) {
    return Grew > 0 && Reported * 5 >= static_cast<size_t>(Grew) * 4 &&
           Reported * 5 <= static_cast<size_t>(Grew) * 6;
  };
  // What the cache keeps once it holds nothing: the eviction queue's index
  // and first chunk, the tables' first buckets.
  constexpr int64_t Empty = 4096;
  constexpr size_t Pages = 8192; // node 1 homes the upper half
  Cluster C(2, Pages);
  NodeCache &Cache = C.cache(1);
  int64_t Before = LiveBytes();
  for (size_t Page = 0; Page < Pages / 2; ++Page)
    C.read(1, Page * PageSize);
  int64_t Grew = LiveBytes() - Before;
  ASSERT_EQ(Cache.cachedPages(), Pages / 2);
  EXPECT_LT(Grew, int64_t{16} * Pages / 2);
  EXPECT_TRUE(Near(Cache.metadataBytes(), Grew))
      << Cache.metadataBytes() << " reported, " << Grew << " allocated";
  Cache.acquire();
  EXPECT_EQ(Cache.cachedPages(), 0u);
  EXPECT_LT(LiveBytes() - Before, Empty) << "the dropped pages' state";

  // Pages far apart, each alone in its block: the blocks make the most of
  // it. Invalidated, they are freed.
  Before = LiveBytes();
  size_t Apart = 0;
  for (size_t Page = 5; Page < Pages / 2; Page += 100, ++Apart)
    C.read(1, Page * PageSize);
  Grew = LiveBytes() - Before;
  EXPECT_EQ(Cache.cachedPages(), Apart);
  EXPECT_LT(Grew, int64_t{160} * static_cast<int64_t>(Apart));
  EXPECT_TRUE(Near(Cache.metadataBytes(), Grew))
      << Cache.metadataBytes() << " reported, " << Grew << " allocated";
  Cache.invalidate(0, Pages / 2);
  EXPECT_EQ(Cache.cachedPages(), 0u);
  EXPECT_LT(LiveBytes() - Before, Empty) << "the invalidated pages' blocks";

  // Read and written, every page is held with its own access, and all of
  // them are dropped at the next acquire, the writes sent home.
  for (size_t Page = 5; Page < Pages / 2; Page += 100)
    C.read(1, Page * PageSize);
  for (size_t Page = 5; Page < Pages / 2; Page += 200)
    C.write(1, Page * PageSize, 1);
  for (size_t Page = 0; Page < Pages / 2; ++Page)
    EXPECT_EQ(Cache.access(Page), Page % 100 != 5   ? Access::None
                                  : Page % 200 == 5 ? Access::ReadWrite
                                                    : Access::Read)
        << "page " << Page;
  Cache.acquire();
  EXPECT_EQ(Cache.cachedPages(), 0u);
  for (size_t Page = 5; Page < Pages / 2; Page += 100)
    EXPECT_EQ(C.view(1).protection(Page), Access::None) << "page " << Page;
  EXPECT_EQ(C.view(0).address(5)[0], std::byte{1}) << "the write went home";
}

// A data-race-free program: each node updates its own third of an array
// from its neighbours' values of the previous step (a 1-D stencil), with a
// barrier (release, then acquire, on every node) between steps. The result
// equals the sequential computation, byte for byte, although every node
// writes pages homed elsewhere and pages are shared at the slice borders.
TEST(DsmCoherence, BarrierStencilEqualsSequential) {
  constexpr unsigned Nodes = 3;
  constexpr size_t Pages = 6;
  constexpr size_t Cells = Pages * PageSize / 2; // two buffers
  Cluster C(Nodes, Pages);
  std::vector<uint8_t> Seq(2 * Cells);
  std::mt19937 Rng(7);
  for (size_t I = 0; I < Cells; ++I) {
    Seq[I] = static_cast<uint8_t>(Rng());
    C.write(0, I, Seq[I]); // main initialises everything
  }
  for (unsigned N = 0; N < Nodes; ++N)
    C.cache(N).release();
  for (unsigned N = 0; N < Nodes; ++N)
    C.cache(N).acquire();

  // Slices deliberately not aligned to pages or homes.
  auto Begin = [&](unsigned N) { return 1 + N * (Cells - 2) / Nodes; };
  for (int Step = 0; Step < 6; ++Step) {
    size_t From = (Step % 2) * Cells, To = Cells - From;
    for (size_t I = 1; I + 1 < Cells; ++I)
      Seq[To + I] = static_cast<uint8_t>(Seq[From + I - 1] + Seq[From + I] * 3 +
                                         Seq[From + I + 1]);
    Seq[To] = Seq[From];
    Seq[To + Cells - 1] = Seq[From + Cells - 1];
    for (unsigned N = 0; N < Nodes; ++N)
      for (size_t I = Begin(N); I < Begin(N + 1); ++I)
        C.write(N, To + I,
                static_cast<uint8_t>(C.read(N, From + I - 1) +
                                     C.read(N, From + I) * 3 +
                                     C.read(N, From + I + 1)));
    C.write(0, To, C.read(0, From));
    C.write(2, To + Cells - 1, C.read(2, From + Cells - 1));
    for (unsigned N = 0; N < Nodes; ++N) // barrier entry
      C.cache(N).release();
    for (unsigned N = 0; N < Nodes; ++N) // barrier exit
      C.cache(N).acquire();
  }
  for (unsigned N = 0; N < Nodes; ++N)
    for (size_t I = 0; I < 2 * Cells; I += 97)
      ASSERT_EQ(C.read(N, I), Seq[I]) << "node " << N << " offset " << I;
}

//===----------------------------------------------------------------------===//
// Home migration: NodeCache's side (asking with a diff, placing the grant).
// The store here grants at once what a node asks for of node 0's pages,
// as home does once the other nodes stopped touching them.
//===----------------------------------------------------------------------===//

namespace {

struct Directory {
  std::vector<unsigned> Home; // by page
  std::vector<FakeView *> Views;
  uint64_t Grants = 0;
};

class MovingHomes : public HomeStore {
public:
  MovingHomes(Directory &D, unsigned Node) : D(D), Node(Node) {}
  unsigned homeOf(size_t Page) const override { return D.Home.at(Page); }
  void fetch(size_t Page, std::byte *Out) override {
    std::memcpy(Out, D.Views[homeOf(Page)]->writable(Page), PageSize);
  }
  void sendDiff(size_t Page, std::string_view Diff) override {
    std::byte *Master = D.Views[homeOf(Page)]->writable(Page);
    ASSERT_TRUE(applyDiff(Master, Diff));
    if (std::exchange(Claimed, SIZE_MAX) == Page && homeOf(Page) == 0) {
      D.Views[0]->protect(Page, Access::None); // home closes its copy
      // As home does: no contents where the claimer's copy is the master.
      std::string Contents;
      if (!(pageDigest(Master) == ClaimedDigest))
        Contents.assign(reinterpret_cast<char *>(Master), PageSize);
      Granted.push_back({Page, std::move(Contents), ++D.Grants});
    }
  }
  bool claimable(size_t Page) override {
    return Node != 0 && homeOf(Page) == 0;
  }
  void claim(size_t Page, const PageDigest &Mine) override {
    Claimed = Page;
    ClaimedDigest = Mine;
  }
  std::vector<Grant> takeGrants() override {
    return std::exchange(Granted, {});
  }
  void adopted(const std::vector<Grant> &Placed) override {
    for (const Grant &G : Placed)
      D.Home.at(G.Page) = Node;
  }
  bool movedHere(size_t Page) const override {
    return homeOf(Page) == Node && Node != 0;
  }

private:
  Directory &D;
  unsigned Node;
  size_t Claimed = SIZE_MAX;
  PageDigest ClaimedDigest;
  std::vector<Grant> Granted;
};

/// Two nodes over 4 pages, all homed at node 0 at first.
class Moving {
public:
  explicit Moving(unsigned MoveAfter) {
    D.Home.assign(4, 0);
    for (unsigned N = 0; N < 2; ++N) {
      Views.push_back(std::make_unique<FakeView>(4));
      D.Views.push_back(Views.back().get());
    }
    for (unsigned N = 0; N < 2; ++N) {
      Stores.push_back(std::make_unique<MovingHomes>(D, N));
      Caches.push_back(
          std::make_unique<NodeCache>(N, 4, *Stores[N], *Views[N]));
      Caches[N]->setMoveAfter(MoveAfter);
    }
  }
  // An access as the MMU and the fault handler make it.
  std::byte *at(unsigned Node, size_t Offset, bool Write) {
    size_t Page = Offset / PageSize;
    Access Now = Views[Node]->protection(Page);
    if (Now == Access::None || (Write && Now == Access::Read)) {
      EXPECT_TRUE(Caches[Node]->fault(Page, Write));
    }
    return Views[Node]->address(0) + Offset;
  }
  // Node changes Bytes bytes of page 0 from byte 0, to Value.
  void rewrite(unsigned Node, size_t Bytes, uint8_t Value) {
    for (size_t I = 0; I < Bytes; ++I)
      *at(Node, I, true) = static_cast<std::byte>(Value);
  }
  Directory D;
  std::vector<std::unique_ptr<FakeView>> Views;
  std::vector<std::unique_ptr<MovingHomes>> Stores;
  std::vector<std::unique_ptr<NodeCache>> Caches;
};

} // namespace

TEST(DsmMigration, APageANodeRewroteInTwoReleasesBecomesItsOwn) {
  Moving M(2);
  M.rewrite(1, 2048, 7);
  M.Caches[1]->release();
  EXPECT_EQ(M.Caches[1]->counts().Claims, 0u);
  EXPECT_EQ(M.D.Home[0], 0u);
  M.rewrite(1, 2048, 9);
  M.Caches[1]->release();
  EXPECT_EQ(M.Caches[1]->counts().Claims, 1u);
  EXPECT_EQ(M.Caches[1]->counts().Adopted, 1u);
  EXPECT_EQ(M.D.Home[0], 1u);
  // Its own now: open, not cached, its bytes the master copy.
  EXPECT_EQ(M.Views[1]->protection(0), Access::ReadWrite);
  EXPECT_EQ(M.Caches[1]->cachedPages(), 0u);
  EXPECT_EQ(M.Caches[1]->access(0), Access::ReadWrite);
  EXPECT_EQ(static_cast<uint8_t>(*M.at(1, 100, false)), 9);
  // A write needs no twin, and a release sends nothing.
  uint64_t Twins = M.Caches[1]->counts().Twins;
  M.rewrite(1, 2048, 11);
  M.Caches[1]->release();
  EXPECT_EQ(M.Caches[1]->counts().Twins, Twins);
  // The old home fetches it from its new home, and its diffs go there.
  M.Caches[0]->acquire();
  EXPECT_EQ(static_cast<uint8_t>(*M.at(0, 100, false)), 11);
  *M.at(0, 3000, true) = std::byte{42};
  M.Caches[0]->release();
  EXPECT_EQ(static_cast<uint8_t>(M.Views[1]->address(0)[3000]), 42);
  // A fault that waited while the page arrived finds it open.
  EXPECT_TRUE(M.Caches[1]->fault(0, true));
}

TEST(DsmMigration, AGrantOfACopyEqualToTheMasterCarriesNoContents) {
  Moving M(2);
  M.rewrite(1, 2048, 7);
  M.Caches[1]->release();
  M.rewrite(1, 4096, 9);
  M.Caches[1]->release();
  EXPECT_EQ(M.D.Home[0], 1u);
  EXPECT_EQ(M.Caches[1]->counts().Adopted, 1u);
  EXPECT_EQ(M.Caches[1]->counts().Confirmed, 1u);
  // Kept as it was, and opened.
  EXPECT_EQ(M.Views[1]->protection(0), Access::ReadWrite);
  for (size_t I = 0; I < PageSize; I += 511)
    EXPECT_EQ(static_cast<uint8_t>(*M.at(1, I, false)), 9) << I;
}

TEST(DsmMigration, AGrantCarriesTheMasterWhereAnotherWriterChangedThePage) {
  Moving M(2);
  M.rewrite(1, 2048, 7);
  M.Caches[1]->release();
  M.rewrite(1, 2048, 9);
  // Home writes another byte of the page meanwhile (its own, homed there):
  // node 1's copy is not the master after its diff.
  *M.at(0, 3000, true) = std::byte{42};
  M.Caches[1]->release();
  EXPECT_EQ(M.D.Home[0], 1u);
  EXPECT_EQ(M.Caches[1]->counts().Adopted, 1u);
  EXPECT_EQ(M.Caches[1]->counts().Confirmed, 0u);
  EXPECT_EQ(static_cast<uint8_t>(*M.at(1, 3000, false)), 42);
  EXPECT_EQ(static_cast<uint8_t>(*M.at(1, 100, false)), 9);
}

TEST(DsmMigration, AKeptLockPageThatMovesIsNoLongerKept) {
  Moving M(2);
  M.Caches[1]->setSolo(true);
  M.Caches[1]->acquire(/*Prefetch=*/0);
  M.rewrite(1, 2048, 7);
  M.Caches[1]->release();
  EXPECT_EQ(M.Views[1]->protection(0), Access::ReadWrite);
  M.rewrite(1, 2048, 9);
  M.Caches[1]->release();
  EXPECT_EQ(M.D.Home[0], 1u);
  EXPECT_EQ(M.Caches[1]->cachedPages(), 0u);
  EXPECT_FALSE(M.Caches[1]->written());
  // Its own now: the next acquire neither fetches nor drops it.
  uint64_t Fetches = M.Caches[1]->counts().Fetches;
  M.Caches[1]->acquire(/*Prefetch=*/0);
  EXPECT_EQ(M.Caches[1]->counts().Fetches, Fetches);
  EXPECT_EQ(M.Views[1]->protection(0), Access::ReadWrite);
  EXPECT_EQ(static_cast<uint8_t>(*M.at(1, 100, false)), 9);
}

TEST(DsmMigration, SmallOrRareWritesNeverAsk) {
  Moving M(2);
  for (int Round = 0; Round < 5; ++Round) {
    M.rewrite(1, 64, static_cast<uint8_t>(Round + 1)); // a lock's few bytes
    M.Caches[1]->release();
  }
  M.rewrite(1, 2048, 3); // once only
  M.Caches[1]->release();
  EXPECT_EQ(M.Caches[1]->counts().Claims, 0u);
  EXPECT_EQ(M.D.Home[0], 0u);
  EXPECT_EQ(static_cast<uint8_t>(M.Views[0]->address(0)[10]), 3);
}

TEST(DsmMigration, OffNeverAsks) {
  Moving M(0);
  for (int Round = 0; Round < 4; ++Round) {
    M.rewrite(1, 4096, static_cast<uint8_t>(Round + 1));
    M.Caches[1]->release();
  }
  EXPECT_EQ(M.Caches[1]->counts().Claims, 0u);
  EXPECT_EQ(M.D.Home[0], 0u);
  EXPECT_EQ(static_cast<uint8_t>(M.Views[0]->address(0)[4095]), 4);
  // Counted all the same, for GRID_STATS to name the setting.
  EXPECT_EQ(M.Caches[1]->counts().Rewrites, 4u);
}

TEST(DsmMigration, OnlyLargeDiffsOfMovablePagesCountAsRewrites) {
  Moving M(0);
  M.rewrite(1, 64, 1); // a lock's few bytes
  M.Caches[1]->release();
  EXPECT_EQ(M.Caches[1]->counts().Rewrites, 0u);
  // A run's 4-byte header counts: 507 bytes make a diff of 511, 508 of 512,
  // an eighth of a page.
  M.rewrite(1, PageSize / 8 - 5, 2);
  M.Caches[1]->release();
  EXPECT_EQ(M.Caches[1]->counts().Rewrites, 0u);
  M.rewrite(1, PageSize / 8 - 4, 3);
  M.Caches[1]->release();
  EXPECT_EQ(M.Caches[1]->counts().Rewrites, 1u);
  // A whole page of another node's, which home may not claim: not counted.
  M.D.Home[1] = 1;
  M.Views[0]->protect(1, Access::None); // no longer node 0's own
  for (size_t I = 0; I < PageSize; ++I)
    *M.at(0, PageSize + I, true) = std::byte{7};
  M.Caches[0]->release();
  EXPECT_EQ(M.Caches[0]->counts().Diffs, 1u);
  EXPECT_EQ(M.Caches[0]->counts().Rewrites, 0u);
}
