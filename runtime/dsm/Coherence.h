//===- dsm/Coherence.h - Home-based release consistency ---------*- C++ -*-===//
//
// One node's view of the shared range (DESIGN.md §6, docs/design/dsm.md):
// home-based lazy release consistency at page granularity, with multiple
// writers through twins and diffs (dsm/Diff.h).
//
//  - Every page has a home node; the home's own copy is the master, and the
//    home reads and writes its home pages directly, never faulting on them.
//  - Another node caches a page on its first access: a read fault fetches
//    the home's copy and maps it read-only; a write fault (first write since
//    the last release) keeps a twin and maps it read-write.
//  - release() sends home the diff of every page written since the last
//    release (its bytes that differ from the twin) and maps those pages
//    read-only again; the cached copies stay valid for reading.
//  - acquire() first releases, then invalidates every cached page of another
//    home, so the next access fetches it afresh and sees every write released
//    before this acquire.
// A data-race-free program therefore reads what a sequentially consistent
// machine would give it, at the synchronisation points the sync layer maps to
// acquire (lock, join, barrier exit, thread start) and release (unlock,
// thread exit, barrier entry, thread create).
//
// The layer knows nothing of MPI or signals: HomeStore moves page contents
// and diffs (one-sided MPI in a job; memory in one process for tests), and
// PageAccess sets a page's protection (mprotect) and gives its address. The
// fault mechanism (dsm/Faults.h) calls fault().
//===----------------------------------------------------------------------===//
#ifndef GRID_DSM_COHERENCE_H
#define GRID_DSM_COHERENCE_H

#include "dsm/Diff.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace grid::dsm {

/// The protection of one page in one node's view.
enum class Access : uint8_t { None, Read, ReadWrite };

/// Where pages live: each page's home, and the two transfers with it.
class HomeStore {
public:
  virtual ~HomeStore();
  /// The node that is home of Page.
  virtual unsigned homeOf(size_t Page) const = 0;
  /// Copies the home's current contents of Page into Out (PageSize bytes).
  virtual void fetch(size_t Page, std::byte *Out) = 0;
  /// At most how many pages from Page one fetchRun should bring (a store
  /// whose pages travel one message each answers 1).
  virtual size_t runLimit(size_t Page) {
    (void)Page;
    return SIZE_MAX;
  }
  /// Copies Count consecutive pages from First, all of one home, into Out
  /// (Count * PageSize bytes), or at least the first; returns how many. The
  /// default fetches them one by one.
  virtual size_t fetchRun(size_t First, size_t Count, std::byte *Out) {
    for (size_t I = 0; I < Count; ++I)
      fetch(First + I, Out + I * PageSize);
    return Count;
  }
  /// Applies Diff (dsm/Diff.h) to the home's copy of Page. Diffs of
  /// different writers of one page touch disjoint bytes in a data-race-free
  /// program, so their order does not matter.
  virtual void sendDiff(size_t Page, std::string_view Diff) = 0;
  /// Returns once every diff sent so far is applied at its home (a store
  /// that sends diffs asynchronously waits for their acknowledgements
  /// here). release() calls it before it returns.
  virtual void flushDiffs() {}

  // Home migration (docs/design/dsm.md): a node that rewrote a good part of
  // a page in several releases asks its home for it with the diff; the answer
  // to the diffs may grant it, with the page's master contents, and the page
  // becomes the node's own. The defaults never move a page.
  /// Whether this node may ask for Page.
  virtual bool claimable(size_t Page) {
    (void)Page;
    return false;
  }
  /// The next sendDiff of Page asks for it. Mine is the digest of this
  /// node's copy as the diff leaves it: where home's master copy has the
  /// same, the grant carries no contents.
  virtual void claim(size_t Page, const PageDigest &Mine) {
    (void)Page;
    (void)Mine;
  }
  struct Grant {
    size_t Page;
    /// PageSize bytes, the master copy; empty if this node's copy is it
    /// (home's had the digest the claim sent).
    std::string Contents;
    uint64_t Move; // the store's own reference
  };
  /// Pages the last flushDiffs was granted, which the cache now places.
  virtual std::vector<Grant> takeGrants() { return {}; }
  /// The cache placed them: they are this node's home pages.
  virtual void adopted(const std::vector<Grant> &Placed) { (void)Placed; }
  /// Whether Page is this node's because it moved here (a fault that waited
  /// while it arrived finds it open).
  virtual bool movedHere(size_t Page) const {
    (void)Page;
    return false;
  }
};

/// One node's mapping of the range.
class PageAccess {
public:
  virtual ~PageAccess();
  /// The first byte of Page in this node's mapping, as the program sees it.
  virtual std::byte *address(size_t Page) = 0;
  /// The same page through a mapping that is always writable (a second
  /// mapping of the same memory): a fetched page is installed there while
  /// the program's view still has no access, so that no other thread of the
  /// node can see it half copied.
  virtual std::byte *writable(size_t Page) = 0;
  virtual void protect(size_t Page, Access A) = 0;
  /// Where a fetch of closed Page writes its contents before the page is
  /// opened (the next protect() of Page installs them). The default is
  /// writable(Page); a view without a second mapping gives a staging page.
  virtual std::byte *stage(size_t Page) { return writable(Page); }
  /// Read-ahead: at most how many pages from Page (1 and up) one fetch may
  /// bring, all staged together by stageRun. The default is 1 (no
  /// read-ahead).
  virtual size_t maxRun(size_t Page) {
    (void)Page;
    return 1;
  }
  /// Stages Count (at most maxRun(Page)) pages from Page in one buffer: the
  /// fetch writes them there, protect(Page) installs the first, and
  /// placeRun the others, all with access A (Read or ReadWrite).
  virtual std::byte *stageRun(size_t Page, size_t Count) {
    (void)Count;
    return stage(Page);
  }
  virtual void placeRun(size_t First, size_t Count, Access A) {
    (void)First;
    (void)Count;
    (void)A;
  }
  /// protect() of Count consecutive pages from First, none of them staged.
  virtual void protectRun(size_t First, size_t Count, Access A) {
    for (size_t I = 0; I < Count; ++I)
      protect(First + I, A);
  }
};

/// What a node's cache did, for tests, statistics and benchmarks.
struct CacheCounts {
  uint64_t Fetches = 0;     // pages fetched from their home
  uint64_t ReadAhead = 0;   // of which brought along by another's fault
  uint64_t Twins = 0;       // first writes since a release
  uint64_t Diffs = 0;       // non-empty diffs sent home
  uint64_t DiffBytes = 0;   // their encoded size
  uint64_t Invalidated = 0; // cached pages dropped by acquire
  uint64_t Evicted = 0;     // clean pages dropped to stay within the bound
  uint64_t Rewrites = 0;    // diffs of at least PageSize / 8 of pages that
                            // could move (home migration's candidates)
  uint64_t Claims = 0;      // pages asked of their home (home migration)
  uint64_t Adopted = 0;     // of which granted: now this node's home pages
  uint64_t Confirmed = 0;   // of which kept: this node's copy was the master
  uint64_t InPlace = 0;     // lock pages kept open and fetched in place
  uint64_t Carried = 0;     // of which taken from the lock's answer
};

class NodeCache {
public:
  /// The cache of node Node over Pages pages. The node's home pages are
  /// made read-write at once; every other page starts invalid (no access).
  NodeCache(unsigned Node, size_t Pages, HomeStore &Homes, PageAccess &View);
  /// A cache over page numbers below Limit whose initial protections the
  /// caller has set (its home pages read-write, every other page closed):
  /// a range of millions of pages is protected in one call, and the cache
  /// keeps state only for the pages it holds. At most MaxCached pages of
  /// other homes stay cached; beyond that the oldest clean one is dropped.
  NodeCache(unsigned Node, HomeStore &Homes, PageAccess &View, size_t Limit,
            size_t MaxCached);
  ~NodeCache();
  NodeCache(const NodeCache &) = delete;
  NodeCache &operator=(const NodeCache &) = delete;

  /// A thread of this node touched Page (a write if Write) without the
  /// access it needs. Makes the access possible and returns true; false if
  /// Page is outside the range or is one of this node's home pages (which
  /// never fault: the fault is not the cache's).
  bool fault(size_t Page, bool Write);
  /// Sends home the diffs of the pages written since the last release.
  void release();
  /// Whether a page of another home was written since the last release
  /// (whether release() would send a diff).
  bool written() const;
  /// Releases, then drops every cached page of another home. Then, if
  /// Prefetch is a page of another home, fetches it as a write fault would
  /// (read-write, with its twin), without the fault: the page of the lock
  /// just taken, which the thread that took it usually reads and writes
  /// next.
  ///
  /// Carried, if given, is the page's contents as its home read them once
  /// the lock was taken (the lock's answer carried them), as a diff against
  /// a page of zeros: the page kept open (setSolo) takes them in place of a
  /// fetch, except where the node wrote it since its last release.
  void acquire(size_t Prefetch = SIZE_MAX,
               const std::string *Carried = nullptr);
  /// The lock page kept open (setSolo), or SIZE_MAX: the page whose
  /// contents the next lock's answer may carry.
  size_t keptPage() const;
  /// Drops the cached pages among Count pages from First, sending the
  /// diffs of those written first: their home has just changed them (a
  /// block it allocated or moved for this node).
  void invalidate(size_t First, size_t Count);

  unsigned node() const { return Node; }
  Access access(size_t Page) const;
  CacheCounts counts() const;
  /// Runs Fn with the cache's lock held: a fault meanwhile waits for it.
  /// Fn must not fault on the range nor call the cache.
  template <typename F> void exclusive(F &&Fn) const {
    std::lock_guard<std::mutex> Lock(Mutex);
    Fn();
  }
  /// A fork (home's, of the pages of its heap that moved away): takes the
  /// cache's lock and brings every page of Pages in read-write (with its
  /// twin), as write faults would, then keeps the lock until
  /// unlockAfterFork (the fork's parent and child handlers): no thread of
  /// the node drops or write-protects a page meanwhile, so the child finds
  /// them all open.
  void holdForFork(const std::vector<size_t> &Pages);
  /// A fork by a thread of another node (the globals, Count pages from
  /// First): takes the cache's lock and brings in, read-only, the pages it
  /// does not hold while it has room for them without dropping any (the
  /// child keeps what the node holds), then keeps the lock until
  /// unlockAfterFork, so the child's record of what is held is whole.
  /// Returns how many pages it left out for want of room.
  size_t holdRangeForFork(size_t First, size_t Count);
  void unlockAfterFork();
  /// Home migration: a page of another home whose diff was at least an
  /// eighth of a page (changed bytes and their runs' headers) in Releases
  /// releases, not necessarily in a row, is asked of its home
  /// (HomeStore::claim). 0, the default, never asks. A lock and the few
  /// bytes beside it never make such a diff; a sweep over an array does
  /// (half a page waited for the fourth sweep of a smooth stencil, whose
  /// early sweeps change few bytes of each double).
  void setMoveAfter(unsigned Releases);
  /// Whether this node runs one thread of the program at most (an agent
  /// with one remote thread): then nothing can write a cached page while
  /// the cache works on it, and the page of the lock last taken stays open
  /// across releases, its twin renewed instead of the page write-protected,
  /// and is fetched again in place at the next acquire of that lock,
  /// neither dropped nor placed anew (docs/design/dsm.md, one thread on a
  /// node). Off by default; the caller turns it off before a second thread
  /// of the program starts on the node.
  void setSolo(bool On);

  /// Waits (at most Limit) until no thread is inside the cache, e.g. a
  /// fault in progress. True if none was by then.
  bool waitIdle(std::chrono::milliseconds Limit) const;
  /// Pages of other homes held now, and the bytes of state kept for them.
  size_t cachedPages() const;
  size_t metadataBytes() const;

private:
  /// The access of each page of another home the node holds (Read or
  /// ReadWrite; None is not held): a byte per page, in blocks of
  /// BlockPages neighbours made on first use and freed once empty. Faults
  /// bring runs of neighbours, so a held page costs little more than its
  /// byte; one alone in its block, about a hundred.
  class HeldPages {
  public:
    Access get(size_t Page) const {
      auto It = Blocks.find(Page / BlockPages);
      return It == Blocks.end() ? Access::None
                                : It->second.Of[Page % BlockPages];
    }
    /// Sets Page's access; None forgets the page.
    void set(size_t Page, Access A);
    size_t size() const { return Count; }
    /// Calls Fn(Page) for every page held, in no particular order.
    template <typename F> void forEach(F &&Fn) const {
      for (const auto &[Index, B] : Blocks)
        for (size_t I = 0; I < BlockPages; ++I)
          if (B.Of[I] != Access::None)
            Fn(Index * BlockPages + I);
    }
    /// Forgets every page (and the index's buckets once it was large).
    void clear();
    /// The bytes the blocks and their index take.
    size_t bytes() const;

  private:
    static constexpr size_t BlockPages = 64;
    struct Block {
      uint32_t Held = 0; // pages of the block not None
      Access Of[BlockPages] = {};
    };
    std::unordered_map<size_t, Block> Blocks; // by Page / BlockPages
    size_t Count = 0;
  };
  void releaseLocked();
  /// Acquire's release and drop: of every cached page but Keep.
  void dropLocked(size_t Keep = SIZE_MAX);
  /// fault(), with the lock held, bringing at most MaxRun pages.
  bool faultLocked(size_t Page, bool Write, size_t MaxRun);
  /// Drops the oldest clean pages beyond MaxCached, never the Count pages
  /// from First (the run a fault is bringing in: a sweep reads them next,
  /// and writes them). With every other page written, the cache stays over
  /// its bound until the next release.
  void evictLocked(size_t First, size_t Count);
  /// Places the pages the last flush was granted, as this node's own.
  void adoptLocked();
  /// Whether Page is the lock page kept open across releases (setSolo).
  bool keptOpen(size_t Page) const {
    return Solo && Page != SIZE_MAX && Page == Kept;
  }
  /// Stops keeping Page open, as it leaves the cache.
  void forgetKept(size_t Page);
  /// Takes Home's bytes into the kept page and all of them into its twin,
  /// but keeps the bytes written since the last release (the next release
  /// sends them).
  void mergeKeptLocked(const std::byte *Home);

  unsigned Node;
  HomeStore &Homes;
  PageAccess &View;
  size_t Limit;
  size_t MaxCached;
  mutable std::mutex Mutex; // guards everything below
  // Pages of other homes that are cached (readable or written); a page
  // not held is closed.
  HeldPages Held;
  // The twin of each page written since the last release (and of the lock
  // page kept open): the pages in Dirty.
  std::unordered_map<size_t, std::unique_ptr<std::byte[]>> Twins;
  // For eviction, in fetch order (may hold stale entries); a written page's
  // entry evictLocked came to waits in Unqueued until the release.
  std::deque<size_t> Fetched;
  std::vector<size_t> Unqueued;
  std::vector<size_t> Dirty; // pages with a twin (sorted by release)
  unsigned MoveAfter = 0;
  bool Solo = false;
  // Under Solo, the lock page the last acquire fetched, open with its twin
  // (in Dirty) until the next acquire; SIZE_MAX if none.
  size_t Kept = SIZE_MAX;
  std::unique_ptr<std::byte[]> Fresh; // its new contents, being fetched
  // Pages of other homes by how many releases changed an eighth of them (until
  // asked for; cleared past MaxRewrites entries).
  std::unordered_map<size_t, uint8_t> Rewrites;
  static constexpr size_t MaxRewrites = size_t(1) << 16;
  CacheCounts Counts;
};

/// A HomeStore for one process: the home copy of each page is the home
/// node's own view of it (so node N's writes to its home pages are the
/// master copy, as in a job). Homes are assigned in equal contiguous slices
/// (node n homes pages [n*Pages/Nodes, (n+1)*Pages/Nodes)).
class LocalHomeStore : public HomeStore {
public:
  LocalHomeStore(size_t Pages, unsigned Nodes);
  /// Node's view, where its home pages are the master copies.
  void attach(unsigned Node, PageAccess &View);

  unsigned homeOf(size_t Page) const override;
  void fetch(size_t Page, std::byte *Out) override;
  void sendDiff(size_t Page, std::string_view Diff) override;

private:
  size_t Pages;
  unsigned Nodes;
  std::vector<PageAccess *> Views;
  std::mutex Mutex; // serialises diffs applied to one home copy
};

} // namespace grid::dsm

#endif // GRID_DSM_COHERENCE_H
