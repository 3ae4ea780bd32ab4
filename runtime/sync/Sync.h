//===- sync/Sync.h - Synchronisation across nodes ---------------*- C++ -*-===//
//
// Every synchronisation call and atomic operation in code compiled with
// -fgrid reaches the runtime (the plugin rewrites them, abi.def). While the
// calling thread needs no coherence action, the entry point takes the native
// path at once (one thread-local and one relaxed load). Otherwise it calls
// clusterCall()/clusterAtomic(), which perform the operation where its
// memory is master (home, rank 0) with the DSM's release before and acquire
// after, as the operation's memory-order role demands (docs/design/dsm.md).
//
// perform()/performAtomic() are the native executions: the fast path's
// fallback and what home runs for a remote thread.
//===----------------------------------------------------------------------===//
#ifndef GRID_SYNC_SYNC_H
#define GRID_SYNC_SYNC_H

#include "grid/abi.h"

#include <atomic>
#include <cstdint>
#include <ctime>
#include <pthread.h>

namespace grid::sync {

/// True on a Grid thread that runs on an agent for home (set by the agent
/// before the start routine). Its synchronisation and atomics go home.
extern thread_local bool RemoteThread;
/// On such a thread, the pthread_t home knows it by (what pthread_self
/// answers, equal on every node).
extern thread_local pthread_t HomeSelf;
/// True on such a thread while runtime code runs on it: its allocations
/// stay on the agent instead of going home.
extern thread_local unsigned InRuntime;
/// True once home caches pages of another node: home threads then take the
/// cluster path too (for its acquire/release).
extern std::atomic<bool> HomeCaching;

inline bool clusterPath() {
  return RemoteThread || HomeCaching.load(std::memory_order_relaxed);
}

/// A synchronisation operation. Values travel between ranks: append only.
enum class Op : uint16_t {
  MutexLock,
  MutexTrylock,
  MutexTimedlock,
  MutexUnlock,
  CondWait,
  CondTimedwait,
  CondSignal,
  CondBroadcast,
  RwRdlock,
  RwWrlock,
  RwTryrdlock,
  RwTrywrlock,
  RwTimedrdlock,
  RwTimedwrlock,
  RwUnlock,
  BarrierWait,
  SpinLock,
  SpinTrylock,
  SpinUnlock,
  SemWait,
  SemTrywait,
  SemTimedwait,
  SemPost,
  SemGetvalue,
  Futex, // syscall(SYS_futex, Object, A, B, Time or C, Object2, D)
  Last = Futex
};

/// Whether the operation ends a critical section (its writes must be home
/// before it), begins one (writes released before it must be seen after),
/// or both.
bool releases(Op O);
bool acquires(Op O);

/// An operation's arguments, by value: everything another node needs to
/// perform it. Pointers are addresses in the shared range (valid on every
/// node); a timeout is copied.
struct Args {
  void *Object = nullptr;  // the mutex, cond, rwlock, barrier, spinlock, sem, futex word
  void *Object2 = nullptr; // the mutex of a cond wait; futex's second word
  uint64_t A = 0, B = 0, C = 0, D = 0;
  bool HasTime = false;
  struct timespec Time {};
};

/// The result of an operation: the call's return value, and errno after it
/// (0 unless the call reports failure through errno, as sem_wait does).
struct Result {
  int64_t Value = 0;
  int Errno = 0;
};

/// Runs the operation natively on this node's memory.
Result perform(Op O, const Args &A);

/// The cluster path: Site names the call site for messages.
Result clusterCall(const __grid_site *Site, Op O, const Args &A);

/// Atomic operations (LLVM's atomicrmw, cmpxchg, load/store atomic, fence).
enum class AtomicOp : uint8_t {
  Load,
  Store,
  Xchg,
  Add,
  Sub,
  And,
  Nand,
  Or,
  Xor,
  Max,  // signed
  Min,  // signed
  UMax,
  UMin,
  CmpXchg,
  Fence,
  Last = Fence
};

/// The C11 memory orders, as the entry points receive them (the values of
/// __ATOMIC_RELAXED ... __ATOMIC_SEQ_CST).
struct AtomicArgs {
  AtomicOp Op = AtomicOp::Load;
  uint8_t Size = 8; // 1, 2, 4 or 8 bytes
  int Order = __ATOMIC_SEQ_CST;
  int FailOrder = __ATOMIC_SEQ_CST; // cmpxchg's failure order
  void *Ptr = nullptr;
  uint64_t Value = 0;    // the operand; cmpxchg's desired value
  uint64_t Expected = 0; // cmpxchg
};

/// The value loaded, or the old value of a read-modify-write (zero-extended);
/// for CmpXchg the old value, and Success.
struct AtomicResult {
  uint64_t Value = 0;
  bool Success = false;
};

AtomicResult performAtomic(const AtomicArgs &A);
AtomicResult clusterAtomic(const AtomicArgs &A);

/// Who carries out the cluster path: the remote-threads layer registers
/// itself at start in a job. Without one, the cluster path performs the
/// operation here.
class ClusterPath {
public:
  virtual ~ClusterPath();
  virtual Result call(const __grid_site *Site, Op O, const Args &A) = 0;
  virtual AtomicResult atomic(const AtomicArgs &A) = 0;
};
void setClusterPath(ClusterPath *Path);

} // namespace grid::sync

#endif // GRID_SYNC_SYNC_H
