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

// The thread-locals are read on every entry point's fast path. libgridrt.so
// is loaded with the program (never dlopen'ed alone), so they are
// initial-exec: one %fs-relative load, no __tls_get_addr.

/// True on a Grid thread that runs on an agent for home (set by the agent
/// before the start routine). Its synchronisation and atomics go home.
[[gnu::tls_model("initial-exec")]] extern thread_local bool RemoteThread;
/// On such a thread, the pthread_t home knows it by (what pthread_self
/// answers, equal on every node).
[[gnu::tls_model("initial-exec")]] extern thread_local pthread_t HomeSelf;
/// True on such a thread while runtime code runs on it: its allocations
/// stay on the agent instead of going home.
[[gnu::tls_model("initial-exec")]] extern thread_local unsigned InRuntime;
/// Runtime code on a remote thread, for the scope's life: what it
/// allocates stays on the agent (the program's own allocations go home).
/// The compiler fences keep the count's changes where they are: GCC knows
/// malloc, realloc and operator new as built-ins that read no memory of
/// the program's, and would otherwise drop a change it sees undone after
/// the allocation.
class InRuntimeScope {
public:
  InRuntimeScope() {
    ++InRuntime;
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  ~InRuntimeScope() {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    --InRuntime;
  }
  InRuntimeScope(const InRuntimeScope &) = delete;
  InRuntimeScope &operator=(const InRuntimeScope &) = delete;
};
/// True once home caches pages of another node: home threads then take the
/// cluster path too (for its acquire/release).
extern std::atomic<bool> HomeCaching;

/// Sets or clears abi.h's __grid_sync_cluster, the inline guard of the
/// atomics and short lock calls of code compiled with -fgrid: set whenever
/// a call may need the cluster path (HomeCaching at home, an agent that
/// runs threads), before HomeCaching; cleared as a process leaves the DSM
/// (a fork child, an agent's exit), after HomeCaching. While it is zero,
/// clusterPath() is false: the entries of abi.def's GRID_NATIVE_INLINE
/// functions rely on it.
void setClusterCalls(bool On);

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
  // The clock variants (libstdc++'s timed waits use them): C is the clockid_t.
  MutexClocklock,
  CondClockwait,
  RwClockrdlock,
  RwClockwrlock,
  SemClockwait,
  // Making and destroying the objects (a remote thread's, at home: glibc
  // reads and writes their bytes in place). A: the attribute's bytes (at
  // most 8), B: 1 if there is one; the barrier's count or the semaphore's
  // value in C (its pshared flag in A); D: the object's size.
  MutexInit,
  MutexDestroy,
  CondInit,
  CondDestroy,
  RwInit,
  RwDestroy,
  SpinInit,
  SpinDestroy,
  BarrierInit,
  BarrierDestroy,
  SemInit,
  SemDestroy,
  Last = SemDestroy
};

/// Whether O makes or destroys its object (the node's copy of the object's
/// bytes is dropped after: home changed them).
bool makesOrDestroys(Op O);

/// Whether the operation ends a critical section (its writes must be home
/// before it), begins one (writes released before it must be seen after),
/// or both. A try or timed operation acquires only when it succeeds (see
/// acquired()); a condition wait does both, also when it times out (it
/// reacquires the mutex). Futex counts as both here; the forms with Args
/// tell a wait (acquires) from a wake (releases).
bool releases(Op O);
bool acquires(Op O);

/// An operation's arguments, by value: everything another node needs to
/// perform it. Pointers are addresses in the shared range (valid on every
/// node); a timeout is copied.
///   every Op       Object: the mutex, cond, rwlock, barrier, spinlock or sem
///   timed Ops      HasTime/Time: the absolute timeout (HasTime false for a
///                  null pointer); clock Ops: C is the clockid_t
///   Cond*wait      Object2: the mutex
///   Futex          Object: uaddr; A: futex_op; B: val; for the commands
///                  that take a timeout (futexTakesTimeout) HasTime/Time, the
///                  timeout as the command reads it (FUTEX_WAIT: relative),
///                  else C: val2; Object2: uaddr2; D: val3
///   SentAt         a remote thread's timed operation: its node's
///                  CLOCK_MONOTONIC when the call left (zero otherwise), to
///                  move a time of that clock onto home's (shiftDeadline)
struct Args {
  void *Object =
      nullptr; // the mutex, cond, rwlock, barrier, spinlock, sem, futex word
  void *Object2 = nullptr; // the mutex of a cond wait; futex's second word
  uint64_t A = 0, B = 0, C = 0, D = 0;
  bool HasTime = false;
  struct timespec Time{};
  struct timespec SentAt{};
};

/// Whether A.Time is an absolute time of CLOCK_MONOTONIC, which each machine
/// counts from its own boot: a clock operation given that clock, a timed
/// condition wait on a condition made with it (read from the object: ask
/// where it is master), a futex command that waits until an absolute time
/// without FUTEX_CLOCK_REALTIME (FUTEX_WAIT_BITSET, FUTEX_LOCK_PI2,
/// FUTEX_WAIT_REQUEUE_PI).
bool monotonicDeadline(Op O, const Args &A);

/// A remote thread's timed operation as this machine must perform it: a
/// CLOCK_MONOTONIC time its node read on its own clock moves by the
/// difference between this machine's clock now (Now) and the node's when
/// the call left (A.SentAt), so that the wait lasts what it would have
/// lasted there (plus the call's way home). A time of CLOCK_REALTIME stays:
/// machines' real-time clocks are assumed to agree (NTP), as MPI programs
/// assume. Nothing changes without SentAt, nor a time the call refuses
/// (a negative second, a nanosecond out of [0, 1e9)).
void shiftDeadline(Op O, Args &A, const timespec &Now);

/// An absolute time Time of a clock that counts from each machine's boot,
/// read on another machine whose clock read There, moved onto this one's,
/// which reads Here: by the difference. A time already past there stays
/// past (never below zero); one too far off to count stays as far. False,
/// and Time unchanged, for a time a call refuses (a negative second, a
/// nanosecond out of [0, 1e9)). shiftDeadline and home's absolute timers
/// (api/HomeIo.cpp) move times so.
bool moveTime(timespec &Time, const timespec &There, const timespec &Here);

/// The result of an operation: the call's return value, and errno after it
/// (0 unless the call reports failure through errno, as sem_wait does).
/// SemGetvalue's Value is the semaphore's value when it succeeds (the call
/// itself returns 0), -1 when it fails.
struct Result {
  int64_t Value = 0;
  int Errno = 0;
};

/// Whether the futex command of futex_op (FUTEX_PRIVATE_FLAG and
/// FUTEX_CLOCK_REALTIME aside) takes a timeout pointer as its fourth
/// argument (FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI...) rather than
/// val2 (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP).
bool futexTakesTimeout(uint64_t FutexOp);

/// As releases(Op)/acquires(Op); of a Futex, a wait only acquires and a
/// wake only releases (FUTEX_WAKE_OP does both).
bool releases(Op O, const Args &A);
bool acquires(Op O, const Args &A);

/// Whether the operation, performed with these arguments and this result,
/// acquired: acquires(O, A), and for a try or timed operation, it succeeded.
bool acquired(Op O, const Args &A, const Result &R);

/// A condition wait (plain, timed, clock): it holds its mutex again when it
/// returns, whatever it answers.
bool isCondWait(Op O);
/// An operation after which the caller holds a mutex when it succeeds: the
/// mutex locks and the condition waits.
bool locksMutex(Op O);
/// The object an operation locks or waits on: a condition wait's mutex,
/// else its own object.
void *lockedObject(Op O, const Args &A);
/// The mutex's kind (glibc's pthread_mutex_t.__data.__kind).
int mutexKind(const pthread_mutex_t *M);
/// Whether an unlock of a mutex of Kind never fails: the plain and adaptive
/// types, without robust or priority handling.
bool unlockCannotFail(int Kind);

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
  Max, // signed
  Min, // signed
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

/// Runs the atomic natively (the __atomic builtins) on this node's memory.
/// Load, Store and Fence use the order given (consume as acquire); the
/// read-modify-writes and CmpXchg are sequentially consistent whatever the
/// order (at least as strong, and on x86-64 the same instructions).
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
