//===- sync/Cluster.cpp - The cluster path of synchronisation -------------===//
//
// Placeholder until remote threads land: there is no other node to ask, so
// the cluster path performs the operation here.
//===----------------------------------------------------------------------===//

#include "sync/Sync.h"

namespace grid::sync {

thread_local bool RemoteThread = false;
thread_local unsigned InRuntime = 0;
thread_local pthread_t HomeSelf{};
std::atomic<bool> HomeCaching{false};

Result clusterCall(const __grid_site *, Op O, const Args &A) {
  return perform(O, A);
}

AtomicResult clusterAtomic(const AtomicArgs &A) { return performAtomic(A); }

} // namespace grid::sync
