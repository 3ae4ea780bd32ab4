//===- sync/Cluster.cpp - The cluster path of synchronisation -------------===//
//
// The flags the entry points test, and the hand-over to the layer that
// carries out the cluster path (threads/, registered at start in a job).
//===----------------------------------------------------------------------===//

#include "sync/Sync.h"

// abi.h declares it with C linkage.
__attribute__((visibility("default"))) unsigned char __grid_sync_cluster = 0;

namespace grid::sync {

thread_local bool RemoteThread = false;
thread_local unsigned InRuntime = 0;
thread_local pthread_t HomeSelf{};
std::atomic<bool> HomeCaching{false};

namespace {
std::atomic<ClusterPath *> Path{nullptr};
} // namespace

ClusterPath::~ClusterPath() = default;

void setClusterPath(ClusterPath *P) { Path.store(P); }

void setClusterCalls(bool On) {
  __atomic_store_n(&__grid_sync_cluster, On ? 1 : 0, __ATOMIC_RELAXED);
}

Result clusterCall(const __grid_site *Site, Op O, const Args &A) {
  if (ClusterPath *P = Path.load(std::memory_order_acquire))
    return P->call(Site, O, A);
  return perform(O, A);
}

AtomicResult clusterAtomic(const AtomicArgs &A) {
  if (ClusterPath *P = Path.load(std::memory_order_acquire))
    return P->atomic(A);
  return performAtomic(A);
}

} // namespace grid::sync
