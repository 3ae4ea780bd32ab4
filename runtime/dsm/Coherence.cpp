//===- dsm/Coherence.cpp - Home-based release consistency -----------------===//
//
// The order of steps matters where other threads of the node may touch a
// page at the same time:
//  - a fetched page is installed through the always-writable alias while the
//    program's view has no access, then opened: nobody sees half a page;
//  - release closes a written page to writes (read-only) before it diffs it:
//    a write made meanwhile faults, waits for the cache's lock, and takes a
//    new twin, instead of slipping between the diff and the close.
// Every step runs under the cache's mutex; the fault path takes it from the
// faulting thread, which never holds it already (the runtime touches the
// shared range under the lock only through the writable alias, or pages it
// made readable).
//===----------------------------------------------------------------------===//

#include "dsm/Coherence.h"

#include <cstring>

namespace grid::dsm {

HomeStore::~HomeStore() = default;
PageAccess::~PageAccess() = default;

NodeCache::NodeCache(unsigned Node, size_t Count, HomeStore &Homes,
                     PageAccess &View)
    : Node(Node), Homes(Homes), View(View), Pages(Count) {
  for (size_t Page = 0; Page < Count; ++Page) {
    Access A = Homes.homeOf(Page) == Node ? Access::ReadWrite : Access::None;
    Pages[Page].Now = A;
    View.protect(Page, A);
  }
}

NodeCache::~NodeCache() = default;

bool NodeCache::fault(size_t Page, bool Write) {
  std::lock_guard<std::mutex> Lock(Mutex);
  if (Page >= Pages.size() || Homes.homeOf(Page) == Node)
    return false;
  PageState &P = Pages[Page];
  if (P.Now == Access::None) {
    Homes.fetch(Page, View.writable(Page));
    ++Counts.Fetches;
    P.Now = Access::Read;
    if (!Write) {
      View.protect(Page, Access::Read);
      return true;
    }
  }
  if (Write && P.Now == Access::Read) {
    // The twin is taken before any write can reach the page: the program's
    // view is still read-only (or closed) here.
    P.Twin.reset(new std::byte[PageSize]);
    std::memcpy(P.Twin.get(), View.writable(Page), PageSize);
    Dirty.push_back(Page);
    ++Counts.Twins;
    P.Now = Access::ReadWrite;
    View.protect(Page, Access::ReadWrite);
    return true;
  }
  // Another thread of the node handled the same fault first.
  return true;
}

void NodeCache::releaseLocked() {
  for (size_t Page : Dirty) {
    PageState &P = Pages[Page];
    View.protect(Page, Access::Read); // no write may slip past the diff
    P.Now = Access::Read;
    std::string Diff = makeDiff(P.Twin.get(), View.writable(Page));
    P.Twin.reset();
    if (Diff.empty())
      continue;
    Homes.sendDiff(Page, Diff);
    ++Counts.Diffs;
    Counts.DiffBytes += Diff.size();
  }
  Dirty.clear();
}

void NodeCache::release() {
  std::lock_guard<std::mutex> Lock(Mutex);
  releaseLocked();
}

void NodeCache::acquire() {
  std::lock_guard<std::mutex> Lock(Mutex);
  releaseLocked();
  for (size_t Page = 0; Page < Pages.size(); ++Page) {
    PageState &P = Pages[Page];
    if (P.Now == Access::None || Homes.homeOf(Page) == Node)
      continue;
    View.protect(Page, Access::None);
    P.Now = Access::None;
    ++Counts.Invalidated;
  }
}

Access NodeCache::access(size_t Page) const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Page < Pages.size() ? Pages[Page].Now : Access::None;
}

CacheCounts NodeCache::counts() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Counts;
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
