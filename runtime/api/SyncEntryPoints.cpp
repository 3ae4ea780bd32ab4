//===- api/SyncEntryPoints.cpp - Synchronisation and atomic entry points
//---===//
//
// The extern "C" entry points of abi.def's Synchronisation and Atomics
// sections. Each is a fast path and a cold one:
//  - fast: while sync::clusterPath() is false (no thread of the program is
//    remote and home caches no other node's pages), the native call, or the
//    native atomic inline (sync/Native.h). One thread-local and one relaxed
//    load, then a jump.
//  - cluster: the operation's sync::Args or sync::AtomicArgs go to
//    sync::clusterCall()/clusterAtomic(), out of line, and the Result comes
//    back as the original reports it (an error number for pthread_*, -1 and
//    errno for sem_* and syscall).
// Also std::future's waits and wakes, which libstdc++.so makes in three
// functions of its own that libgridrt.so defines in its place (below).
// No C++ exception leaves through here, except glibc's forced unwind
// (cancellation of a wait, pthread_exit in a once routine) and what a
// pthread_once init routine throws (std::call_once resets and rethrows).
//===----------------------------------------------------------------------===//

#include "api/RemoteIo.h"
#include "core/Core.h"
#include "core/NextSymbol.h"
#include "dsm/Space.h"
#include "grid/abi.h"
#include "sync/Native.h"
#include "sync/Sync.h"
#include "threads/Threads.h"

#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstdarg>
#include <cstring>
#include <cxxabi.h>
#include <exception>
#include <future>
#include <linux/futex.h>
#include <mutex>
#include <semaphore.h>
#include <string>
#include <sys/syscall.h>
#include <type_traits>
#include <unistd.h>

#define GRID_EXPORT extern "C" __attribute__((visibility("default")))

using namespace grid;
using sync::AtomicOp;
using sync::Op;

// The op numbers of __grid_atomic_rmw_<N> are AtomicOp's from Xchg on.
#define GRID_ATOMIC_OP(Name)                                                   \
  static_assert(static_cast<int>(AtomicOp::Name) -                             \
                        static_cast<int>(AtomicOp::Xchg) ==                    \
                    __grid_atomic_op_##Name,                                   \
                "abi.def's GRID_ATOMIC_OP order differs from sync::AtomicOp");
#include "grid/abi.def"

// std::condition_variable holds only its pthread_cond_t, std::mutex only its
// pthread_mutex_t, and std::unique_lock<std::mutex> a mutex pointer and a
// flag (libstdc++); the entry points reach them through native_handle().
static_assert(sizeof(std::condition_variable) == sizeof(pthread_cond_t));
static_assert(sizeof(std::mutex) == sizeof(pthread_mutex_t));
static_assert(sizeof(std::unique_lock<std::mutex>) == 2 * sizeof(void *));
static_assert(std::is_same_v<std::condition_variable::native_handle_type,
                             pthread_cond_t *>);
static_assert(
    std::is_same_v<std::mutex::native_handle_type, pthread_mutex_t *>);

namespace {

inline bool fastPath() { return __builtin_expect(!sync::clusterPath(), 1); }

[[noreturn]] void internalError(const __grid_site *Site, const char *What) {
  core::fatal(Site,
              std::string("internal error on the cluster path of ") +
                  (Site ? core::kindName(Site->kind) : "an atomic") + ": " +
                  What,
              "please report this to the Grid developers");
}

// The runtime's own work on a remote thread allocates on its agent
// (sync::InRuntimeScope); the program's (a once routine) does not.
using InRuntime = sync::InRuntimeScope;

sync::Result cluster(const __grid_site *Site, Op O, const sync::Args &A) {
  InRuntime Scope;
  try {
    return sync::clusterCall(Site, O, A);
  } catch (abi::__forced_unwind &) {
    throw;
  } catch (const std::exception &E) {
    internalError(Site, E.what());
  } catch (...) {
    internalError(Site, "unknown exception");
  }
}

sync::AtomicResult cluster(const sync::AtomicArgs &A) {
  InRuntime Scope;
  try {
    return sync::clusterAtomic(A);
  } catch (const std::exception &E) {
    internalError(nullptr, E.what());
  } catch (...) {
    internalError(nullptr, "unknown exception");
  }
}

sync::Args args(void *Object, void *Object2, const timespec *Time,
                clockid_t Clock) {
  sync::Args A;
  A.Object = Object;
  A.Object2 = Object2;
  A.C = static_cast<uint64_t>(Clock);
  if (Time) {
    A.HasTime = true;
    A.Time = *Time;
  }
  return A;
}

/// A pthread_* operation on the cluster path: its error number. errno is
/// left as it was, as the native calls leave it.
[[gnu::noinline, gnu::cold]] int onCluster(const __grid_site *Site, Op O,
                                           const sync::Args &A) {
  core::ErrnoGuard KeepErrno;
  return static_cast<int>(cluster(Site, O, A).Value);
}

[[gnu::noinline, gnu::cold]] int
onCluster(const __grid_site *Site, Op O, void *Object, void *Object2 = nullptr,
          const timespec *Time = nullptr, clockid_t Clock = 0) {
  return onCluster(Site, O, args(Object, Object2, Time, Clock));
}

/// A sem_* operation on the cluster path: 0, or -1 with errno set.
[[gnu::noinline, gnu::cold]] int semOnCluster(const __grid_site *Site, Op O,
                                              const sync::Args &A) {
  sync::Result R = cluster(Site, O, A);
  if (R.Value == -1)
    errno = R.Errno;
  return static_cast<int>(R.Value);
}

[[gnu::noinline, gnu::cold]] int semOnCluster(const __grid_site *Site, Op O,
                                              sem_t *Sem,
                                              const timespec *Time = nullptr,
                                              clockid_t Clock = 0) {
  return semOnCluster(Site, O, args(Sem, nullptr, Time, Clock));
}

[[gnu::noinline, gnu::cold]] uint64_t
atomicOnCluster(AtomicOp O, uint8_t Size, void *Ptr, uint64_t Value,
                uint64_t Expected, int Order, int FailOrder) {
  sync::AtomicArgs A;
  A.Op = O;
  A.Size = Size;
  A.Ptr = Ptr;
  A.Value = Value;
  A.Expected = Expected;
  A.Order = Order;
  A.FailOrder = FailOrder;
  return cluster(A).Value;
}

[[noreturn, gnu::noinline, gnu::cold]] void badAtomicOp(int Op) {
  core::fatal("__grid_atomic_rmw",
              "operation " + std::to_string(Op) + " is not one of abi.def's",
              "rebuild the program with this Grid's grid-clang -fgrid");
}

inline AtomicOp rmwOp(int Op) {
  if (__builtin_expect(static_cast<unsigned>(Op) >= __grid_atomic_op_count, 0))
    badAtomicOp(Op);
  return static_cast<AtomicOp>(static_cast<int>(AtomicOp::Xchg) + Op);
}

// --- pthread_once on the cluster path ----------------------------------------
// glibc's states of a once word: 0 not yet run, bit 0 in progress (with the
// fork generation above bit 1), 2 done. A once object completed natively
// before the transition is therefore done here too. An object must not be
// run by both paths at once, in the transition: a native waiter sleeps on a
// futex the cluster path does not wake.
constexpr uint32_t OnceInProgress = 1;
constexpr uint32_t OnceDone = 2;

uint32_t onceAtomic(AtomicOp O, pthread_once_t *Once, uint32_t Value,
                    uint32_t Expected, int Order) {
  return static_cast<uint32_t>(
      atomicOnCluster(O, 4, Once, Value, Expected, Order, __ATOMIC_ACQUIRE));
}

void onceFutex(const __grid_site *Site, pthread_once_t *Once, int Command,
               uint32_t Value) {
  sync::Args A;
  A.Object = Once;
  A.A = static_cast<uint64_t>(Command | FUTEX_PRIVATE_FLAG);
  A.B = Value;
  cluster(Site, Op::Futex, A);
}

void onceSettle(const __grid_site *Site, pthread_once_t *Once, uint32_t State) {
  onceAtomic(AtomicOp::Store, Once, State, 0, __ATOMIC_RELEASE);
  onceFutex(Site, Once, FUTEX_WAKE, INT_MAX);
}

[[gnu::noinline, gnu::cold]] int onceOnCluster(const __grid_site *Site,
                                               pthread_once_t *Once,
                                               void (*Init)(void)) {
  static_assert(sizeof(pthread_once_t) == sizeof(uint32_t));
  core::ErrnoGuard KeepErrno;
  for (;;) {
    uint32_t State = onceAtomic(AtomicOp::Load, Once, 0, 0, __ATOMIC_ACQUIRE);
    if (State & OnceDone)
      return 0;
    if (State == 0) {
      if (onceAtomic(AtomicOp::CmpXchg, Once, OnceInProgress, 0,
                     __ATOMIC_ACQUIRE) != 0)
        continue;
      try {
        Init();
      } catch (...) {
        // Cancelled, or std::call_once's callable threw: not run after all.
        onceSettle(Site, Once, 0);
        throw;
      }
      onceSettle(Site, Once, OnceDone);
      return 0;
    }
    onceFutex(Site, Once, FUTEX_WAIT, State);
  }
}

// --- syscall -----------------------------------------------------------------
[[gnu::noinline, gnu::cold]] long futexOnCluster(const __grid_site *Site,
                                                 const long *Arg) {
  sync::Args A;
  A.Object = reinterpret_cast<void *>(Arg[0]);
  A.A = static_cast<uint32_t>(Arg[1]);
  A.B = static_cast<uint32_t>(Arg[2]);
  if (!sync::futexTakesTimeout(A.A))
    A.C = static_cast<uint64_t>(Arg[3]);
  else if (Arg[3]) {
    A.HasTime = true;
    A.Time = *reinterpret_cast<const timespec *>(Arg[3]);
  }
  A.Object2 = reinterpret_cast<void *>(Arg[4]);
  A.D = static_cast<uint32_t>(Arg[5]);
  sync::Result R = cluster(Site, Op::Futex, A);
  if (R.Value == -1)
    errno = R.Errno;
  return static_cast<long>(R.Value);
}

/// syscall(SYS_futex, Arg...): the kernel's while no thread is remote, else
/// on the cluster path.
long futex(const __grid_site *Site, const long *Arg) {
  if (fastPath())
    return syscall(SYS_futex, Arg[0], Arg[1], Arg[2], Arg[3], Arg[4], Arg[5]);
  return futexOnCluster(Site, Arg);
}

// abi.h spells the va_list parameter `struct __va_list_tag *`; see
// EntryPoints.cpp.
using BuiltinVaListPtr = std::decay_t<va_list>;

// syscall() takes up to six arguments and reads six whatever the caller
// passed, as glibc's own syscall does from its registers.
long syscallFrom(const __grid_site *Site, long Number, BuiltinVaListPtr Args) {
  long Arg[6];
  for (long &A : Arg)
    A = va_arg(Args, long);
  if (Number == SYS_futex)
    return futex(Site, Arg);
  return syscall(Number, Arg[0], Arg[1], Arg[2], Arg[3], Arg[4], Arg[5]);
}

} // namespace

// Waits that are cancellation points, on the cluster path: a remote
// thread's cancellation acts before them, out of the runtime's work
// (threads::cancellationPoint), and after them only where no one's wake-up
// or count is lost: after a condition wait whose answer said that it ended
// for the cancellation (home passed on a signal it may have taken), and
// after a semaphore wait that took nothing.
namespace {
template <typename Wait> int condCancellable(Wait W) {
  threads::cancellationPoint();
  int Result = W();
  threads::cancellationPointAfterWait();
  return Result;
}

template <typename Wait> int semCancellable(Wait W) {
  threads::cancellationPoint();
  int Saved = errno;
  for (;;) {
    int Result = W();
    if (Result == 0)
      return 0;
    // Home ended the wait for a cancellation the thread cannot act on now:
    // it waits again (its time limit, if any, is absolute).
    if (!threads::cancellationPointAfterWait()) {
      threads::cancellationPoint();
      return Result;
    }
    errno = Saved;
  }
}
} // namespace

// --- Mutexes -----------------------------------------------------------------
GRID_EXPORT int __grid_pthread_mutex_lock(const __grid_site *Site,
                                          pthread_mutex_t *M) {
  if (fastPath())
    return pthread_mutex_lock(M);
  return onCluster(Site, Op::MutexLock, M);
}

GRID_EXPORT int __grid_pthread_mutex_trylock(const __grid_site *Site,
                                             pthread_mutex_t *M) {
  if (fastPath())
    return pthread_mutex_trylock(M);
  return onCluster(Site, Op::MutexTrylock, M);
}

GRID_EXPORT int __grid_pthread_mutex_timedlock(const __grid_site *Site,
                                               pthread_mutex_t *M,
                                               const timespec *Time) {
  if (fastPath())
    return pthread_mutex_timedlock(M, Time);
  return onCluster(Site, Op::MutexTimedlock, M, nullptr, Time);
}

GRID_EXPORT int __grid_pthread_mutex_clocklock(const __grid_site *Site,
                                               pthread_mutex_t *M,
                                               clockid_t Clock,
                                               const timespec *Time) {
  if (fastPath())
    return pthread_mutex_clocklock(M, Clock, Time);
  return onCluster(Site, Op::MutexClocklock, M, nullptr, Time, Clock);
}

GRID_EXPORT int __grid_pthread_mutex_unlock(const __grid_site *Site,
                                            pthread_mutex_t *M) {
  if (fastPath())
    return pthread_mutex_unlock(M);
  return onCluster(Site, Op::MutexUnlock, M);
}

// --- Condition variables -----------------------------------------------------
GRID_EXPORT int __grid_pthread_cond_wait(const __grid_site *Site,
                                         pthread_cond_t *C,
                                         pthread_mutex_t *M) {
  if (fastPath())
    return pthread_cond_wait(C, M);
  return condCancellable([&] { return onCluster(Site, Op::CondWait, C, M); });
}

GRID_EXPORT int __grid_pthread_cond_timedwait(const __grid_site *Site,
                                              pthread_cond_t *C,
                                              pthread_mutex_t *M,
                                              const timespec *Time) {
  if (fastPath())
    return pthread_cond_timedwait(C, M, Time);
  return condCancellable(
      [&] { return onCluster(Site, Op::CondTimedwait, C, M, Time); });
}

GRID_EXPORT int __grid_pthread_cond_clockwait(const __grid_site *Site,
                                              pthread_cond_t *C,
                                              pthread_mutex_t *M,
                                              clockid_t Clock,
                                              const timespec *Time) {
  if (fastPath())
    return pthread_cond_clockwait(C, M, Clock, Time);
  return condCancellable(
      [&] { return onCluster(Site, Op::CondClockwait, C, M, Time, Clock); });
}

GRID_EXPORT int __grid_pthread_cond_signal(const __grid_site *Site,
                                           pthread_cond_t *C) {
  if (fastPath())
    return pthread_cond_signal(C);
  return onCluster(Site, Op::CondSignal, C);
}

GRID_EXPORT int __grid_pthread_cond_broadcast(const __grid_site *Site,
                                              pthread_cond_t *C) {
  if (fastPath())
    return pthread_cond_broadcast(C);
  return onCluster(Site, Op::CondBroadcast, C);
}

// --- Read-write locks --------------------------------------------------------
GRID_EXPORT int __grid_pthread_rwlock_rdlock(const __grid_site *Site,
                                             pthread_rwlock_t *L) {
  if (fastPath())
    return pthread_rwlock_rdlock(L);
  return onCluster(Site, Op::RwRdlock, L);
}

GRID_EXPORT int __grid_pthread_rwlock_wrlock(const __grid_site *Site,
                                             pthread_rwlock_t *L) {
  if (fastPath())
    return pthread_rwlock_wrlock(L);
  return onCluster(Site, Op::RwWrlock, L);
}

GRID_EXPORT int __grid_pthread_rwlock_tryrdlock(const __grid_site *Site,
                                                pthread_rwlock_t *L) {
  if (fastPath())
    return pthread_rwlock_tryrdlock(L);
  return onCluster(Site, Op::RwTryrdlock, L);
}

GRID_EXPORT int __grid_pthread_rwlock_trywrlock(const __grid_site *Site,
                                                pthread_rwlock_t *L) {
  if (fastPath())
    return pthread_rwlock_trywrlock(L);
  return onCluster(Site, Op::RwTrywrlock, L);
}

GRID_EXPORT int __grid_pthread_rwlock_timedrdlock(const __grid_site *Site,
                                                  pthread_rwlock_t *L,
                                                  const timespec *Time) {
  if (fastPath())
    return pthread_rwlock_timedrdlock(L, Time);
  return onCluster(Site, Op::RwTimedrdlock, L, nullptr, Time);
}

GRID_EXPORT int __grid_pthread_rwlock_timedwrlock(const __grid_site *Site,
                                                  pthread_rwlock_t *L,
                                                  const timespec *Time) {
  if (fastPath())
    return pthread_rwlock_timedwrlock(L, Time);
  return onCluster(Site, Op::RwTimedwrlock, L, nullptr, Time);
}

GRID_EXPORT int __grid_pthread_rwlock_clockrdlock(const __grid_site *Site,
                                                  pthread_rwlock_t *L,
                                                  clockid_t Clock,
                                                  const timespec *Time) {
  if (fastPath())
    return pthread_rwlock_clockrdlock(L, Clock, Time);
  return onCluster(Site, Op::RwClockrdlock, L, nullptr, Time, Clock);
}

GRID_EXPORT int __grid_pthread_rwlock_clockwrlock(const __grid_site *Site,
                                                  pthread_rwlock_t *L,
                                                  clockid_t Clock,
                                                  const timespec *Time) {
  if (fastPath())
    return pthread_rwlock_clockwrlock(L, Clock, Time);
  return onCluster(Site, Op::RwClockwrlock, L, nullptr, Time, Clock);
}

GRID_EXPORT int __grid_pthread_rwlock_unlock(const __grid_site *Site,
                                             pthread_rwlock_t *L) {
  if (fastPath())
    return pthread_rwlock_unlock(L);
  return onCluster(Site, Op::RwUnlock, L);
}

// --- Barriers and spinlocks --------------------------------------------------
GRID_EXPORT int __grid_pthread_barrier_wait(const __grid_site *Site,
                                            pthread_barrier_t *B) {
  if (fastPath())
    return pthread_barrier_wait(B);
  return onCluster(Site, Op::BarrierWait, B);
}

// pthread_spinlock_t is volatile int; the Args carry it as a plain address.
GRID_EXPORT int __grid_pthread_spin_lock(const __grid_site *Site,
                                         pthread_spinlock_t *S) {
  if (fastPath())
    return pthread_spin_lock(S);
  return onCluster(Site, Op::SpinLock, const_cast<int *>(S));
}

GRID_EXPORT int __grid_pthread_spin_trylock(const __grid_site *Site,
                                            pthread_spinlock_t *S) {
  if (fastPath())
    return pthread_spin_trylock(S);
  return onCluster(Site, Op::SpinTrylock, const_cast<int *>(S));
}

GRID_EXPORT int __grid_pthread_spin_unlock(const __grid_site *Site,
                                           pthread_spinlock_t *S) {
  if (fastPath())
    return pthread_spin_unlock(S);
  return onCluster(Site, Op::SpinUnlock, const_cast<int *>(S));
}

// --- Semaphores --------------------------------------------------------------
GRID_EXPORT int __grid_sem_wait(const __grid_site *Site, sem_t *S) {
  if (fastPath())
    return sem_wait(S);
  return semCancellable([&] { return semOnCluster(Site, Op::SemWait, S); });
}

GRID_EXPORT int __grid_sem_trywait(const __grid_site *Site, sem_t *S) {
  if (fastPath())
    return sem_trywait(S);
  return semOnCluster(Site, Op::SemTrywait, S);
}

GRID_EXPORT int __grid_sem_timedwait(const __grid_site *Site, sem_t *S,
                                     const timespec *Time) {
  if (fastPath())
    return sem_timedwait(S, Time);
  return semCancellable(
      [&] { return semOnCluster(Site, Op::SemTimedwait, S, Time); });
}

GRID_EXPORT int __grid_sem_clockwait(const __grid_site *Site, sem_t *S,
                                     clockid_t Clock, const timespec *Time) {
  if (fastPath())
    return sem_clockwait(S, Clock, Time);
  return semCancellable(
      [&] { return semOnCluster(Site, Op::SemClockwait, S, Time, Clock); });
}

GRID_EXPORT int __grid_sem_post(const __grid_site *Site, sem_t *S) {
  if (fastPath())
    return sem_post(S);
  return semOnCluster(Site, Op::SemPost, S);
}

GRID_EXPORT int __grid_sem_getvalue(const __grid_site *Site, sem_t *S,
                                    int *Value) {
  if (fastPath())
    return sem_getvalue(S, Value);
  int Got = semOnCluster(Site, Op::SemGetvalue, S);
  if (Got == -1)
    return -1;
  *Value = Got; // the Result carries the value (Sync.h)
  return 0;
}

// --- Once, self, syscall -----------------------------------------------------
GRID_EXPORT int __grid_pthread_once(const __grid_site *Site,
                                    pthread_once_t *Once, void (*Init)(void)) {
  if (fastPath())
    return pthread_once(Once, Init);
  return onceOnCluster(Site, Once, Init);
}

GRID_EXPORT pthread_t __grid_pthread_self(const __grid_site *) {
  return sync::RemoteThread ? sync::HomeSelf : pthread_self();
}

GRID_EXPORT long __grid_syscall(const __grid_site *Site, long Number, ...) {
  va_list Args;
  va_start(Args, Number);
  long Result = syscallFrom(Site, Number, Args);
  va_end(Args);
  return Result;
}

GRID_EXPORT long __grid_vsyscall(const __grid_site *Site, long Number,
                                 __grid_type_VaList Args) {
  return syscallFrom(Site, Number, reinterpret_cast<BuiltinVaListPtr>(Args));
}

// --- std::condition_variable -------------------------------------------------
GRID_EXPORT void __grid_std_condvar_wait(const __grid_site *Site, void *CondVar,
                                         void *Lock) {
  auto *CV = static_cast<std::condition_variable *>(CondVar);
  auto *UL = static_cast<std::unique_lock<std::mutex> *>(Lock);
  if (fastPath())
    return CV->wait(*UL);
  // A cancellation point, as pthread_cond_wait is: a wait home ended for
  // the thread's cancellation is acted on here (its mark was left set, and
  // a later wait of the thread took it as its own).
  condCancellable([&] {
    return onCluster(Site, Op::CondWait, CV->native_handle(),
                     UL->mutex()->native_handle());
  });
}

GRID_EXPORT void __grid_std_condvar_notify_one(const __grid_site *Site,
                                               void *CondVar) {
  auto *CV = static_cast<std::condition_variable *>(CondVar);
  if (fastPath())
    return CV->notify_one();
  onCluster(Site, Op::CondSignal, CV->native_handle());
}

GRID_EXPORT void __grid_std_condvar_notify_all(const __grid_site *Site,
                                               void *CondVar) {
  auto *CV = static_cast<std::condition_variable *>(CondVar);
  if (fastPath())
    return CV->notify_all();
  onCluster(Site, Op::CondBroadcast, CV->native_handle());
}

// --- std::future's waits -----------------------------------------------------
// std::future, std::promise, std::packaged_task and std::shared_future wait
// and wake through three functions compiled into libstdc++.so
// (std::__atomic_futex_unsigned_base), which the plugin cannot rewrite: a
// thread on another node that set a promise woke no one at home, and main
// waited in future::get() for ever. The headers' inline code calls them
// after its atomics on the state word (rewritten, so carried out where the
// word is master); libgridrt.so defines the three, and they take the way of
// a rewritten syscall(SYS_futex): the kernel's call while no thread is
// remote, the word's home on the cluster path. Their operations are
// libstdc++ 12's (src/c++11/futex.cc): a futex not private to the process,
// a wait until an absolute time of CLOCK_REALTIME (FUTEX_CLOCK_REALTIME) or
// CLOCK_MONOTONIC, false only when that time passed, errno left as the
// futex call left it. libstdc++'s fallback
// to relative timeouts for kernels older than 2.6.28 is not kept.
namespace {
constexpr __grid_site FutureSite = {"", "std::future",       0,
                                    0,  __grid_kind_Syscall, 0};

long futureFutex(unsigned *Word, long Operation, unsigned Value,
                 const timespec *Time) {
  long Arg[6] = {
      reinterpret_cast<long>(Word), Operation, Value,
      reinterpret_cast<long>(Time), 0,         FUTEX_BITSET_MATCH_ANY};
  return futex(&FutureSite, Arg);
}

bool futureWaitUntil(unsigned *Word, unsigned Value, bool HasTimeout,
                     std::chrono::seconds S, std::chrono::nanoseconds Ns,
                     long Clock) {
  if (!HasTimeout) {
    futureFutex(Word, FUTEX_WAIT, Value, nullptr);
    return true; // woken, interrupted or changed: the caller looks again
  }
  if (S.count() < 0) // before the epoch: the kernel would say EINVAL
    return false;
  timespec Until = {static_cast<time_t>(S.count()),
                    static_cast<long>(Ns.count())};
  return futureFutex(Word, FUTEX_WAIT_BITSET | Clock, Value, &Until) != -1 ||
         errno != ETIMEDOUT;
}
} // namespace

__attribute__((visibility("default"))) bool
std::__atomic_futex_unsigned_base::_M_futex_wait_until(
    unsigned *Word, unsigned Value, bool HasTimeout, std::chrono::seconds S,
    std::chrono::nanoseconds Ns) {
  return futureWaitUntil(Word, Value, HasTimeout, S, Ns, FUTEX_CLOCK_REALTIME);
}

__attribute__((visibility("default"))) bool
std::__atomic_futex_unsigned_base::_M_futex_wait_until_steady(
    unsigned *Word, unsigned Value, bool HasTimeout, std::chrono::seconds S,
    std::chrono::nanoseconds Ns) {
  return futureWaitUntil(Word, Value, HasTimeout, S, Ns, 0);
}

__attribute__((visibility("default"))) void
std::__atomic_futex_unsigned_base::_M_futex_notify_all(unsigned *Word) {
  futureFutex(Word, FUTEX_WAKE, INT_MAX, nullptr);
}

// --- Atomics -----------------------------------------------------------------
#define GRID_ATOMIC_ENTRIES(N, T)                                              \
  GRID_EXPORT T __grid_atomic_load_##N(void *Ptr, int Order) {                 \
    if (fastPath())                                                            \
      return sync::native::load<T>(Ptr, Order);                                \
    return static_cast<T>(                                                     \
        atomicOnCluster(AtomicOp::Load, N, Ptr, 0, 0, Order, Order));          \
  }                                                                            \
  GRID_EXPORT void __grid_atomic_store_##N(void *Ptr, T Value, int Order) {    \
    if (fastPath())                                                            \
      return sync::native::store<T>(Ptr, Value, Order);                        \
    atomicOnCluster(AtomicOp::Store, N, Ptr, Value, 0, Order, Order);          \
  }                                                                            \
  GRID_EXPORT T __grid_atomic_rmw_##N(void *Ptr, int Op, T Value, int Order) { \
    AtomicOp O = rmwOp(Op);                                                    \
    if (fastPath())                                                            \
      return sync::native::readModifyWrite<T>(Ptr, O, Value, Order);           \
    return static_cast<T>(atomicOnCluster(O, N, Ptr, Value, 0, Order, Order)); \
  }                                                                            \
  GRID_EXPORT T __grid_atomic_cmpxchg_##N(void *Ptr, T Expected, T Desired,    \
                                          int Order, int FailOrder) {          \
    if (fastPath())                                                            \
      return sync::native::compareExchange<T>(Ptr, Expected, Desired, Order,   \
                                              FailOrder);                      \
    return static_cast<T>(atomicOnCluster(AtomicOp::CmpXchg, N, Ptr, Desired,  \
                                          Expected, Order, FailOrder));        \
  }

GRID_ATOMIC_ENTRIES(1, uint8_t)
GRID_ATOMIC_ENTRIES(2, uint16_t)
GRID_ATOMIC_ENTRIES(4, uint32_t)
GRID_ATOMIC_ENTRIES(8, uint64_t)

GRID_EXPORT void __grid_atomic_fence(int Order) {
  if (fastPath())
    return sync::native::fence(Order);
  atomicOnCluster(AtomicOp::Fence, 0, nullptr, 0, 0, Order, Order);
}

// --- Making and destroying the objects ---------------------------------------
// glibc's init and destroy read and write an object's bytes in place. On a
// thread of another node those bytes are the node's copy, which what home
// carries out for it never updates (a copy fetched while a mutex was held
// still says so, and destroy would answer EBUSY, or wait for waiters that
// left long ago): a remote thread's init and destroy are carried out at
// home too (sync::makesOrDestroys), and the node's copy of the object is
// dropped after. libgridrt defines them under their own names, so that the
// calls of libraries built without the plugin are caught as well. Each finds
// the C library's through a constant-initialised slot, not a guarded static:
// jemalloc makes its mutexes while malloc starts, and the look-up may
// allocate. Only the program's own calls on a remote thread go further
// (api::io::remoteCaller): the runtime's, and those of the node's libraries
// it calls (jemalloc's), stay here.

namespace {

// The C library's, found before main: JobStore's fetch, in a fault
// handler, makes a semaphore (dlsym is no call for a signal handler).
decltype(&::pthread_mutex_init) Real_pthread_mutex_init = nullptr;
decltype(&::pthread_mutex_destroy) Real_pthread_mutex_destroy = nullptr;
decltype(&::pthread_cond_init) Real_pthread_cond_init = nullptr;
decltype(&::pthread_cond_destroy) Real_pthread_cond_destroy = nullptr;
decltype(&::pthread_rwlock_init) Real_pthread_rwlock_init = nullptr;
decltype(&::pthread_rwlock_destroy) Real_pthread_rwlock_destroy = nullptr;
decltype(&::pthread_spin_init) Real_pthread_spin_init = nullptr;
decltype(&::pthread_spin_destroy) Real_pthread_spin_destroy = nullptr;
decltype(&::pthread_barrier_init) Real_pthread_barrier_init = nullptr;
decltype(&::pthread_barrier_destroy) Real_pthread_barrier_destroy = nullptr;
decltype(&::sem_init) Real_sem_init = nullptr;
decltype(&::sem_destroy) Real_sem_destroy = nullptr;

[[gnu::constructor(101)]] void resolveMaking() {
  core::resolveNext(Real_pthread_mutex_init, "pthread_mutex_init");
  core::resolveNext(Real_pthread_mutex_destroy, "pthread_mutex_destroy");
  core::resolveNext(Real_pthread_cond_init, "pthread_cond_init");
  core::resolveNext(Real_pthread_cond_destroy, "pthread_cond_destroy");
  core::resolveNext(Real_pthread_rwlock_init, "pthread_rwlock_init");
  core::resolveNext(Real_pthread_rwlock_destroy, "pthread_rwlock_destroy");
  core::resolveNext(Real_pthread_spin_init, "pthread_spin_init");
  core::resolveNext(Real_pthread_spin_destroy, "pthread_spin_destroy");
  core::resolveNext(Real_pthread_barrier_init, "pthread_barrier_init");
  core::resolveNext(Real_pthread_barrier_destroy, "pthread_barrier_destroy");
  core::resolveNext(Real_sem_init, "sem_init");
  core::resolveNext(Real_sem_destroy, "sem_destroy");
}

// An init's or destroy's arguments: the object, its size, the attribute
// by value (if any) and the count or value.
template <class Object, class Attr = int>
sync::Args made(Object *O, const Attr *A = nullptr, uint64_t C = 0) {
  static_assert(sizeof(Attr) <= sizeof(uint64_t), "an attribute travels in A");
  sync::Args Args;
  Args.Object = const_cast<void *>(static_cast<const volatile void *>(O));
  if (A) {
    std::memcpy(&Args.A, A, sizeof *A);
    Args.B = 1;
  }
  Args.C = C;
  Args.D = sizeof(Object);
  return Args;
}

/// Whether a remote thread's init or destroy of O goes home: O lies in the
/// shared memory. An object outside it (the C library's, jemalloc's, the
/// agent's own) is this node's alone, made and destroyed natively with no
/// release before: jemalloc makes mutexes while it holds its own locks (a
/// thread's first allocation from an arena it creates), and a release
/// there, allocating its diffs, waited for those locks for ever
/// (test/dsm/heap-stash.c hung so 4 times in about 60 runs on a loaded
/// host). jemalloc's first call on a remote thread also runs as the
/// runtime's (HomeHeap::allocate), for an arena whose metadata lies in the
/// range (jemalloc before 5.3, dsm/Heap.cpp).
bool madeOnCluster(const volatile void *O) {
  if (!api::io::remoteCaller())
    return false;
  dsm::Space *S = threads::space();
  return S && S->contains(const_cast<const void *>(O));
}

} // namespace

GRID_EXPORT int pthread_mutex_init(pthread_mutex_t *M,
                                   const pthread_mutexattr_t *Attr) noexcept {
  auto *Next =
      core::nextFunction(Real_pthread_mutex_init, "pthread_mutex_init");
  if (!madeOnCluster(M))
    return Next(M, Attr);
  return onCluster(nullptr, Op::MutexInit, made(M, Attr));
}

GRID_EXPORT int pthread_mutex_destroy(pthread_mutex_t *M) noexcept {
  auto *Next =
      core::nextFunction(Real_pthread_mutex_destroy, "pthread_mutex_destroy");
  if (!madeOnCluster(M))
    return Next(M);
  return onCluster(nullptr, Op::MutexDestroy, made(M));
}

GRID_EXPORT int pthread_cond_init(pthread_cond_t *C,
                                  const pthread_condattr_t *Attr) noexcept {
  auto *Next = core::nextFunction(Real_pthread_cond_init, "pthread_cond_init");
  if (!madeOnCluster(C))
    return Next(C, Attr);
  return onCluster(nullptr, Op::CondInit, made(C, Attr));
}

GRID_EXPORT int pthread_cond_destroy(pthread_cond_t *C) noexcept {
  auto *Next =
      core::nextFunction(Real_pthread_cond_destroy, "pthread_cond_destroy");
  if (!madeOnCluster(C))
    return Next(C);
  return onCluster(nullptr, Op::CondDestroy, made(C));
}

GRID_EXPORT int pthread_rwlock_init(pthread_rwlock_t *L,
                                    const pthread_rwlockattr_t *Attr) noexcept {
  auto *Next =
      core::nextFunction(Real_pthread_rwlock_init, "pthread_rwlock_init");
  if (!madeOnCluster(L))
    return Next(L, Attr);
  return onCluster(nullptr, Op::RwInit, made(L, Attr));
}

GRID_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t *L) noexcept {
  auto *Next =
      core::nextFunction(Real_pthread_rwlock_destroy, "pthread_rwlock_destroy");
  if (!madeOnCluster(L))
    return Next(L);
  return onCluster(nullptr, Op::RwDestroy, made(L));
}

GRID_EXPORT int pthread_spin_init(pthread_spinlock_t *L, int Shared) noexcept {
  auto *Next = core::nextFunction(Real_pthread_spin_init, "pthread_spin_init");
  if (!madeOnCluster(L))
    return Next(L, Shared);
  return onCluster(nullptr, Op::SpinInit, made(L, &Shared));
}

GRID_EXPORT int pthread_spin_destroy(pthread_spinlock_t *L) noexcept {
  auto *Next =
      core::nextFunction(Real_pthread_spin_destroy, "pthread_spin_destroy");
  if (!madeOnCluster(L))
    return Next(L);
  return onCluster(nullptr, Op::SpinDestroy, made(L));
}

GRID_EXPORT int pthread_barrier_init(pthread_barrier_t *B,
                                     const pthread_barrierattr_t *Attr,
                                     unsigned Count) noexcept {
  auto *Next =
      core::nextFunction(Real_pthread_barrier_init, "pthread_barrier_init");
  if (!madeOnCluster(B))
    return Next(B, Attr, Count);
  return onCluster(nullptr, Op::BarrierInit, made(B, Attr, Count));
}

GRID_EXPORT int pthread_barrier_destroy(pthread_barrier_t *B) noexcept {
  auto *Next = core::nextFunction(Real_pthread_barrier_destroy,
                                  "pthread_barrier_destroy");
  if (!madeOnCluster(B))
    return Next(B);
  return onCluster(nullptr, Op::BarrierDestroy, made(B));
}

GRID_EXPORT int sem_init(sem_t *S, int Shared, unsigned Value) noexcept {
  auto *Next = core::nextFunction(Real_sem_init, "sem_init");
  if (!madeOnCluster(S))
    return Next(S, Shared, Value);
  return semOnCluster(nullptr, Op::SemInit, made(S, &Shared, Value));
}

GRID_EXPORT int sem_destroy(sem_t *S) noexcept {
  auto *Next = core::nextFunction(Real_sem_destroy, "sem_destroy");
  if (!madeOnCluster(S))
    return Next(S);
  return semOnCluster(nullptr, Op::SemDestroy, made(S));
}
