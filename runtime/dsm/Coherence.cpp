//===- dsm/Coherence.cpp - Home-based release consistency -----------------===//
//
// The order of steps matters where other threads of the node may touch a
// page at the same time:
//  - a fetched page is installed through the always-writable alias while the
//    program's view has no access, then opened: nobody sees half a page;
//  - release closes a written page to writes (read-only) before it diffs it:
//    a write made meanwhile faults, waits for the cache's lock, and takes a
//    new twin, instead of slipping between the diff and the close. On a
//    node with one thread of the program (setSolo) nothing else writes, so
//    the lock page is diffed open and its twin renewed.
// Every step runs under the cache's mutex; the fault path takes it from the
// faulting thread, which never holds it already (the runtime touches the
// shared range under the lock only through the writable alias, or pages it
// made readable).
//===----------------------------------------------------------------------===//

#include "dsm/Coherence.h"

#include <algorithm>
#include <cstring>
#include <thread>

namespace grid::dsm {

HomeStore::~HomeStore() = default;
PageAccess::~PageAccess() = default;

NodeCache::NodeCache(unsigned Node, size_t Count, HomeStore &Homes,
                     PageAccess &View)
    : NodeCache(Node, Homes, View, Count, Count) {
  for (size_t Page = 0; Page < Count; ++Page)
    View.protect(Page,
                 Homes.homeOf(Page) == Node ? Access::ReadWrite : Access::None);
}

NodeCache::NodeCache(unsigned Node, HomeStore &Homes, PageAccess &View,
                     size_t Limit, size_t MaxCached)
    : Node(Node), Homes(Homes), View(View), Limit(Limit),
      MaxCached(MaxCached ? MaxCached : 1) {}

NodeCache::~NodeCache() = default;

bool NodeCache::fault(size_t Page, bool Write) {
  std::lock_guard<std::mutex> Lock(Mutex);
  return faultLocked(Page, Write, SIZE_MAX);
}

void NodeCache::holdForFork(const std::vector<size_t> &Pages) {
  Mutex.lock();
  for (size_t Page : Pages)
    if (Page < Limit && Homes.homeOf(Page) != Node &&
        Held.get(Page) != Access::ReadWrite)
      faultLocked(Page, /*Write=*/true, SIZE_MAX);
}

size_t NodeCache::holdRangeForFork(size_t First, size_t Count) {
  Mutex.lock();
  size_t End = std::min(First + Count, Limit), Missing = 0;
  for (size_t Page = First; Page < End; ++Page) {
    if (Homes.homeOf(Page) == Node || Held.get(Page) != Access::None)
      continue;
    if (Held.size() >= MaxCached) {
      // Room only by eviction, which would take a page the child may read.
      ++Missing;
      continue;
    }
    faultLocked(Page, /*Write=*/false,
                std::min(MaxCached - Held.size(), End - Page));
  }
  return Missing;
}

void NodeCache::unlockAfterFork() { Mutex.unlock(); }

bool NodeCache::faultLocked(size_t Page, bool Write, size_t MaxRun) {
  if (Page >= Limit)
    return false;
  if (Homes.homeOf(Page) == Node)
    return Homes.movedHere(Page);
  std::byte *Staged = nullptr;
  if (Held.get(Page) == Access::None) {
    // Read-ahead: the following pages of the same home this node does not
    // hold come in the same fetch (a sweep over an array faults once per
    // run, not per page). They are as fresh as the faulting page.
    unsigned Home = Homes.homeOf(Page);
    size_t Run = 1, Max = std::min({View.maxRun(Page), Homes.runLimit(Page),
                                    MaxCached, MaxRun});
    while (Run < Max && Page + Run < Limit &&
           Homes.homeOf(Page + Run) == Home &&
           Held.get(Page + Run) == Access::None)
      ++Run;
    Staged = Run > 1 ? View.stageRun(Page, Run) : View.stage(Page);
    if (Run > 1)
      Run = std::clamp<size_t>(Homes.fetchRun(Page, Run, Staged), 1, Run);
    else
      Homes.fetch(Page, Staged);
    Counts.Fetches += Run;
    Counts.ReadAhead += Run - 1;
    Held.set(Page, Access::Read);
    Fetched.push_back(Page);
    // A write fault opens the run for writing at once, each page with its
    // twin (a sweep that writes one page writes the next): a page left
    // unwritten costs a copy and an empty diff, not a fault.
    Access Rest = Write ? Access::ReadWrite : Access::Read;
    for (size_t I = 1; I < Run; ++I) {
      Held.set(Page + I, Rest);
      Fetched.push_back(Page + I);
      if (Write) {
        auto &Twin = Twins[Page + I];
        Twin.reset(new std::byte[PageSize]);
        std::memcpy(Twin.get(), Staged + I * PageSize, PageSize);
        Dirty.push_back(Page + I);
        ++Counts.Twins;
      }
    }
    if (Run > 1)
      View.placeRun(Page + 1, Run - 1, Rest);
    if (Held.size() > MaxCached)
      evictLocked(Page, Run);
    if (!Write) {
      View.protect(Page, Access::Read);
      return true;
    }
  }
  if (Write && Held.get(Page) == Access::Read) {
    // The twin is taken before any write can reach the page: the program's
    // view is still read-only (or closed) here.
    auto &Twin = Twins[Page];
    Twin.reset(new std::byte[PageSize]);
    std::memcpy(Twin.get(), Staged ? Staged : View.writable(Page), PageSize);
    Dirty.push_back(Page);
    ++Counts.Twins;
    Held.set(Page, Access::ReadWrite);
    View.protect(Page, Access::ReadWrite);
    return true;
  }
  // Another thread of the node handled the same fault first.
  return true;
}

void NodeCache::evictLocked(size_t First, size_t Count) {
  // The oldest clean page goes; written pages stay until release, which
  // queues them again, so their entries leave the queue here: kept in it,
  // each fault of a node over its bound with every page written scanned
  // them all (a thread on node 1 that wrote 512 MiB before a release took
  // 6.1 s, 64 MiB 0.1 s). Entries of pages invalidated since they were
  // fetched are skipped.
  size_t Scanned = 0, Queued = Fetched.size();
  while (Held.size() > MaxCached && Scanned++ < Queued) {
    size_t Page = Fetched.front();
    Fetched.pop_front();
    if (Held.get(Page) == Access::None)
      continue;
    if (Twins.count(Page)) {
      Unqueued.push_back(Page);
      continue;
    }
    if (Page - First < Count) {
      // Being faulted in, or brought along by that fault: kept. Dropped as
      // the oldest clean pages of a node whose others were all written,
      // each was fetched again by its own next touch (a read-then-write
      // sweep fetched 200 pages 1544 times, DsmCoherenceTest).
      Fetched.push_back(Page);
      continue;
    }
    View.protect(Page, Access::None);
    Held.set(Page, Access::None);
    ++Counts.Evicted;
  }
}

namespace {
// Calls Fn(First, Count) for each run of consecutive numbers in Sorted.
template <typename Fn>
void forEachRun(const std::vector<size_t> &Sorted, Fn &&Run) {
  for (size_t I = 0; I < Sorted.size();) {
    size_t J = I + 1;
    while (J < Sorted.size() && Sorted[J] == Sorted[J - 1] + 1)
      ++J;
    Run(Sorted[I], J - I);
    I = J;
  }
}
} // namespace

void NodeCache::releaseLocked() {
  bool Sent = false;
  auto Send = [&](size_t Page, const std::string &Diff) {
    if (Diff.empty())
      return;
    // A large diff of a page that could move: counted whether migration is
    // on or not (GRID_STATS tells which node would gain from it).
    bool Rewrite = Diff.size() >= PageSize / 8 && Homes.claimable(Page);
    Counts.Rewrites += Rewrite;
    if (MoveAfter && Rewrite) {
      if (Rewrites.size() >= MaxRewrites)
        Rewrites.clear();
      if (++Rewrites[Page] >= MoveAfter) {
        Rewrites.erase(Page);
        Homes.claim(Page, pageDigest(View.writable(Page)));
        ++Counts.Claims;
      }
    }
    Homes.sendDiff(Page, Diff);
    Sent = true;
    ++Counts.Diffs;
    Counts.DiffBytes += Diff.size();
  };
  // The lock page kept open (setSolo) is diffed in place: no other thread
  // can write it meanwhile, and its twin becomes what was sent.
  std::sort(Dirty.begin(), Dirty.end());
  bool KeepOpen = false;
  if (keptOpen(Kept)) {
    auto It = std::lower_bound(Dirty.begin(), Dirty.end(), Kept);
    KeepOpen = It != Dirty.end() && *It == Kept;
    if (KeepOpen)
      Dirty.erase(It);
  }
  // No write may slip past a diff: every other written page is read-only
  // first, runs of neighbours in one call.
  forEachRun(Dirty, [&](size_t First, size_t Count) {
    View.protectRun(First, Count, Access::Read);
  });
  for (size_t Page : Dirty) {
    auto It = Twins.find(Page);
    Held.set(Page, Access::Read);
    std::string Diff = makeDiff(It->second.get(), View.writable(Page));
    Twins.erase(It);
    Send(Page, Diff);
  }
  Dirty.clear();
  // Clean now (but the page kept open): evictable again. Only the entries
  // evictLocked took out: a page still queued would be queued twice, and a
  // node that writes and releases without acquiring grew its queue by an
  // entry a release.
  for (size_t Page : Unqueued)
    if (Held.get(Page) != Access::None)
      Fetched.push_back(Page);
  Unqueued.clear();
  if (KeepOpen) {
    std::byte *Twin = Twins[Kept].get();
    std::string Diff = makeDiff(Twin, View.writable(Kept));
    if (!Diff.empty())
      std::memcpy(Twin, View.writable(Kept), PageSize);
    Dirty.push_back(Kept);
    Send(Kept, Diff);
  }
  if (Sent) {
    Homes.flushDiffs();
    adoptLocked();
  }
}

// A granted page was just released (no twin). Where home's copy had the
// digest of this node's, the copy here is the master and is only opened;
// otherwise it is dropped and the master placed whole, closed meanwhile, so
// no thread of the node sees it half written. A write that faulted meanwhile
// then finds it open.
void NodeCache::adoptLocked() {
  std::vector<HomeStore::Grant> Granted = Homes.takeGrants();
  if (Granted.empty())
    return;
  std::sort(Granted.begin(), Granted.end(),
            [](const HomeStore::Grant &L, const HomeStore::Grant &R) {
              return L.Page < R.Page;
            });
  // Runs of neighbours, all confirmed or all with contents, are opened or
  // dropped and placed together, as a fetch's run.
  for (size_t I = 0; I < Granted.size();) {
    size_t First = Granted[I].Page, Count = 1, Max = View.maxRun(First);
    bool Confirmed = Granted[I].Contents.empty();
    while (I + Count < Granted.size() && Count < Max &&
           Granted[I + Count].Page == First + Count &&
           Granted[I + Count].Contents.empty() == Confirmed)
      ++Count;
    for (size_t K = 0; K < Count; ++K) {
      forgetKept(First + K);
      Held.set(First + K, Access::None);
      Twins.erase(First + K);
    }
    if (Confirmed) {
      View.protectRun(First, Count, Access::ReadWrite);
      Counts.Confirmed += Count;
    } else {
      View.protectRun(First, Count, Access::None);
      std::byte *Staged =
          Count > 1 ? View.stageRun(First, Count) : View.stage(First);
      for (size_t K = 0; K < Count; ++K)
        std::memcpy(Staged + K * PageSize, Granted[I + K].Contents.data(),
                    PageSize);
      if (Count > 1)
        View.placeRun(First + 1, Count - 1, Access::ReadWrite);
      View.protect(First, Access::ReadWrite);
    }
    Counts.Adopted += Count;
    I += Count;
  }
  Homes.adopted(Granted);
}

void NodeCache::setMoveAfter(unsigned Releases) {
  std::lock_guard<std::mutex> Lock(Mutex);
  MoveAfter = std::min(Releases, 255u);
}

void NodeCache::setSolo(bool On) {
  std::lock_guard<std::mutex> Lock(Mutex);
  Solo = On;
  // A page kept open stays open with its twin among the written pages: the
  // next release write-protects and diffs it as any other.
  if (!On)
    Kept = SIZE_MAX;
}

void NodeCache::forgetKept(size_t Page) {
  if (Page != Kept)
    return;
  Dirty.erase(std::remove(Dirty.begin(), Dirty.end(), Page), Dirty.end());
  Kept = SIZE_MAX;
}

void NodeCache::release() {
  std::lock_guard<std::mutex> Lock(Mutex);
  releaseLocked();
}

void NodeCache::acquire(size_t Prefetch, const std::string *Carried) {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (keptOpen(Prefetch)) {
    // The same lock again: its page is fetched into place, open all along;
    // dropping it and placing it anew would cost two changes of the page
    // tables (and their TLB shootdowns) for the same result. Contents the
    // answer carried are taken before the release, which then sends what
    // the node wrote since the last one; a fetch comes after it.
    if (!Fresh)
      Fresh.reset(new std::byte[PageSize]);
    bool Taken = false;
    if (Carried) {
      std::memset(Fresh.get(), 0, PageSize);
      Taken = applyDiff(Fresh.get(), *Carried);
      if (Taken)
        mergeKeptLocked(Fresh.get());
    }
    dropLocked(Prefetch);
    if (keptOpen(Prefetch)) { // not granted to this node by the release
      if (!Taken) {           // released: the page is its twin, all of it taken
        Homes.fetch(Prefetch, Fresh.get());
        mergeKeptLocked(Fresh.get());
      }
      Counts.Fetches += !Taken;
      ++Counts.InPlace;
      Counts.Carried += Taken;
      return;
    }
  } else {
    dropLocked();
  }
  if (Prefetch == SIZE_MAX)
    return;
  faultLocked(Prefetch, /*Write=*/true, /*MaxRun=*/1);
  if (Solo && Twins.count(Prefetch))
    Kept = Prefetch;
}

size_t NodeCache::keptPage() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return keptOpen(Kept) ? Kept : SIZE_MAX;
}

void NodeCache::mergeKeptLocked(const std::byte *Home) {
  std::byte *Page = View.writable(Kept);
  std::byte *Twin = Twins[Kept].get();
  for (size_t I = 0; I < PageSize; I += sizeof(uint64_t)) {
    uint64_t Now, Was, New;
    std::memcpy(&Now, Page + I, sizeof Now);
    std::memcpy(&Was, Twin + I, sizeof Was);
    std::memcpy(&New, Home + I, sizeof New);
    if (Now == Was) {
      std::memcpy(Page + I, &New, sizeof New);
    } else {
      for (size_t B = I; B < I + sizeof(uint64_t); ++B)
        if (Page[B] == Twin[B])
          Page[B] = Home[B];
    }
    std::memcpy(Twin + I, &New, sizeof New);
  }
}

void NodeCache::dropLocked(size_t Keep) {
  releaseLocked();
  std::vector<size_t> Dropped;
  Dropped.reserve(Held.size());
  Held.forEach([&](size_t Page) {
    if (Page != Keep)
      Dropped.push_back(Page);
  });
  std::sort(Dropped.begin(), Dropped.end());
  forEachRun(Dropped, [&](size_t First, size_t Count) {
    View.protectRun(First, Count, Access::None);
  });
  Counts.Invalidated += Dropped.size();
  Fetched.clear();
  Unqueued.clear();
  Access KeepAs = Held.get(Keep);
  Held.clear();
  // Only the kept page's twin can be left after the release. The table is
  // made anew, so that a sweep that wrote many pages leaves no buckets.
  std::unique_ptr<std::byte[]> Twin;
  if (auto It = Twins.find(Keep); It != Twins.end())
    Twin = std::move(It->second);
  decltype(Twins)().swap(Twins);
  if (KeepAs != Access::None) {
    Held.set(Keep, KeepAs);
    Fetched.push_back(Keep);
    if (Twin)
      Twins.emplace(Keep, std::move(Twin));
  }
  if (Kept != Keep) {
    Kept = SIZE_MAX;
    Dirty.clear(); // held the kept page at most (releaseLocked)
  }
}

void NodeCache::invalidate(size_t First, size_t Count) {
  std::lock_guard<std::mutex> Lock(Mutex);
  bool Written = false;
  for (size_t Page = First; Page < First + Count && !Written; ++Page) {
    Written = Twins.count(Page) != 0;
  }
  if (Written)
    releaseLocked();
  for (size_t Page = First; Page < First + Count; ++Page) {
    if (Held.get(Page) == Access::None)
      continue;
    View.protect(Page, Access::None);
    forgetKept(Page);
    Held.set(Page, Access::None);
    Twins.erase(Page);
    ++Counts.Invalidated;
  }
}

Access NodeCache::access(size_t Page) const {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (Page >= Limit)
    return Access::None;
  if (Homes.homeOf(Page) == Node)
    return Access::ReadWrite;
  return Held.get(Page);
}

bool NodeCache::waitIdle(std::chrono::milliseconds Limit) const {
  auto Until = std::chrono::steady_clock::now() + Limit;
  for (;;) {
    if (Mutex.try_lock()) {
      Mutex.unlock();
      return true;
    }
    if (std::chrono::steady_clock::now() >= Until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

CacheCounts NodeCache::counts() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Counts;
}

bool NodeCache::written() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  for (size_t Page : Dirty) {
    // The page kept open has a twin all along: written if it differs.
    auto It = Twins.find(Page);
    if (!keptOpen(Page) || It == Twins.end() ||
        std::memcmp(It->second.get(), View.writable(Page), PageSize) != 0)
      return true;
  }
  return false;
}

size_t NodeCache::cachedPages() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Held.size();
}

size_t NodeCache::metadataBytes() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  // Hash nodes are counted as a next pointer and the entry; buckets as a
  // pointer each; the queue and the list of written pages as their
  // entries; twins whole.
  constexpr size_t Pointer = sizeof(void *);
  using TwinEntry = decltype(Twins)::value_type;
  using RewriteEntry = decltype(Rewrites)::value_type;
  return Held.bytes() + Fetched.size() * sizeof(size_t) +
         Unqueued.capacity() * sizeof(size_t) +
         Dirty.capacity() * sizeof(size_t) +
         Twins.size() * (Pointer + sizeof(TwinEntry) + PageSize) +
         Twins.bucket_count() * Pointer + (Fresh ? PageSize : 0) +
         Rewrites.size() * (Pointer + sizeof(RewriteEntry)) +
         Rewrites.bucket_count() * Pointer;
}

void NodeCache::HeldPages::set(size_t Page, Access A) {
  if (A == Access::None) {
    auto It = Blocks.find(Page / BlockPages);
    if (It == Blocks.end())
      return;
    Access &Slot = It->second.Of[Page % BlockPages];
    if (Slot == Access::None)
      return;
    Slot = Access::None;
    --Count;
    if (--It->second.Held == 0)
      Blocks.erase(It);
    return;
  }
  Block &B = Blocks[Page / BlockPages];
  Access &Slot = B.Of[Page % BlockPages];
  if (Slot == Access::None) {
    ++B.Held;
    ++Count;
  }
  Slot = A;
}

void NodeCache::HeldPages::clear() {
  if (Blocks.bucket_count() > 64)
    decltype(Blocks)().swap(Blocks);
  else
    Blocks.clear();
  Count = 0;
}

size_t NodeCache::HeldPages::bytes() const {
  using Entry = decltype(Blocks)::value_type;
  return Blocks.size() * (sizeof(void *) + sizeof(Entry)) +
         Blocks.bucket_count() * sizeof(void *);
}

//===----------------------------------------------------------------------===//
// LocalHomeStore
//===----------------------------------------------------------------------===//

LocalHomeStore::LocalHomeStore(size_t Pages, unsigned Nodes)
    : Pages(Pages), Nodes(Nodes ? Nodes : 1), Views(this->Nodes, nullptr) {}

void LocalHomeStore::attach(unsigned Node, PageAccess &View) {
  Views.at(Node) = &View;
}

unsigned LocalHomeStore::homeOf(size_t Page) const {
  return static_cast<unsigned>(Page * Nodes / (Pages ? Pages : 1));
}

void LocalHomeStore::fetch(size_t Page, std::byte *Out) {
  std::lock_guard<std::mutex> Lock(Mutex);
  std::memcpy(Out, Views.at(homeOf(Page))->writable(Page), PageSize);
}

void LocalHomeStore::sendDiff(size_t Page, std::string_view Diff) {
  std::lock_guard<std::mutex> Lock(Mutex);
  applyDiff(Views.at(homeOf(Page))->writable(Page), Diff);
}

} // namespace grid::dsm
