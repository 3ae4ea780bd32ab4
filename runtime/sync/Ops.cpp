//===- sync/Ops.cpp - Synchronisation operations, natively ----------------===//
//
// What each Op means for coherence (releases/acquires), and its native
// execution (perform, performAtomic): the fallback of every entry point's
// fast path, and what home runs for a remote thread.
//===----------------------------------------------------------------------===//

#include "sync/Native.h"
#include "sync/Sync.h"

#include <cerrno>
#include <cstring>
#include <linux/futex.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace grid::sync {

namespace {

int futexCommand(uint64_t FutexOp) {
  return static_cast<int>(FutexOp) & FUTEX_CMD_MASK;
}

bool futexWaits(uint64_t FutexOp) {
  switch (futexCommand(FutexOp)) {
  case FUTEX_WAIT:
  case FUTEX_WAIT_BITSET:
  case FUTEX_LOCK_PI:
  case FUTEX_LOCK_PI2:
  case FUTEX_TRYLOCK_PI:
  case FUTEX_WAIT_REQUEUE_PI:
  case FUTEX_WAKE_OP:
    return true;
  default:
    return false;
  }
}

bool futexWakes(uint64_t FutexOp) {
  switch (futexCommand(FutexOp)) {
  case FUTEX_WAKE:
  case FUTEX_WAKE_BITSET:
  case FUTEX_UNLOCK_PI:
  case FUTEX_REQUEUE:
  case FUTEX_CMP_REQUEUE:
  case FUTEX_CMP_REQUEUE_PI:
  case FUTEX_WAKE_OP:
    return true;
  default:
    return false;
  }
}

// The result of a pthread_* call: its error number is its return value.
Result status(int Err) { return {Err, 0}; }

// The result of a call that fails with -1 and errno (sem_*, syscall). The
// argument is evaluated before the body runs, so errno is the call's.
Result withErrno(long Ret) { return {Ret, Ret == -1 ? errno : 0}; }

template <class T> T *object(const Args &A) {
  return static_cast<T *>(A.Object);
}

// The attribute an init Op carries by value in A (B says there is one),
// copied into Out: what the call is given.
template <class Attr> const Attr *attribute(const Args &A, Attr &Out) {
  static_assert(sizeof(Attr) <= sizeof A.A);
  std::memcpy(&Out, &A.A, sizeof Out);
  return A.B ? &Out : nullptr;
}

} // namespace

bool makesOrDestroys(Op O) { return O >= Op::MutexInit && O <= Op::SemDestroy; }

bool isCondWait(Op O) {
  return O == Op::CondWait || O == Op::CondTimedwait || O == Op::CondClockwait;
}

bool locksMutex(Op O) {
  switch (O) {
  case Op::MutexLock:
  case Op::MutexTrylock:
  case Op::MutexTimedlock:
  case Op::MutexClocklock:
    return true;
  default:
    return isCondWait(O);
  }
}

void *lockedObject(Op O, const Args &A) {
  return isCondWait(O) ? A.Object2 : A.Object;
}

int mutexKind(const pthread_mutex_t *M) { return M->__data.__kind; }

bool unlockCannotFail(int Kind) {
  // The type in the low bits, then flags; these three change nothing of
  // an unlock.
  constexpr int Harmless =
      128 /* pshared */ | 256 /* elision */ | 512 /* no elision */;
  int Type = Kind & ~Harmless;
  return Type == PTHREAD_MUTEX_NORMAL || Type == PTHREAD_MUTEX_ADAPTIVE_NP;
}

bool releases(Op O) {
  if (makesOrDestroys(O))
    return true; // what the thread wrote beside the object goes first
  switch (O) {
  case Op::MutexUnlock:
  case Op::CondWait:
  case Op::CondTimedwait:
  case Op::CondClockwait:
  case Op::CondSignal:
  case Op::CondBroadcast:
  case Op::RwUnlock:
  case Op::BarrierWait:
  case Op::SpinUnlock:
  case Op::SemPost:
  case Op::Futex:
    return true;
  default:
    return false;
  }
}

bool acquires(Op O) {
  switch (O) {
  case Op::MutexLock:
  case Op::MutexTrylock:
  case Op::MutexTimedlock:
  case Op::MutexClocklock:
  case Op::CondWait:
  case Op::CondTimedwait:
  case Op::CondClockwait:
  case Op::RwRdlock:
  case Op::RwWrlock:
  case Op::RwTryrdlock:
  case Op::RwTrywrlock:
  case Op::RwTimedrdlock:
  case Op::RwTimedwrlock:
  case Op::RwClockrdlock:
  case Op::RwClockwrlock:
  case Op::BarrierWait:
  case Op::SpinLock:
  case Op::SpinTrylock:
  case Op::SemWait:
  case Op::SemTrywait:
  case Op::SemTimedwait:
  case Op::SemClockwait:
  case Op::Futex:
    return true;
  default:
    return false;
  }
}

bool releases(Op O, const Args &A) {
  return O == Op::Futex ? futexWakes(A.A) : releases(O);
}

bool acquires(Op O, const Args &A) {
  return O == Op::Futex ? futexWaits(A.A) : acquires(O);
}

bool acquired(Op O, const Args &A, const Result &R) {
  if (!acquires(O, A))
    return false;
  switch (O) {
  case Op::CondWait:
  case Op::CondTimedwait:
  case Op::CondClockwait:
  case Op::BarrierWait: // PTHREAD_BARRIER_SERIAL_THREAD is success too
  case Op::Futex:       // the caller re-reads the word by an atomic
    return true;
  case Op::SemWait:
  case Op::SemTrywait:
  case Op::SemTimedwait:
  case Op::SemClockwait:
    return R.Value == 0;
  default: // the pthread_* locks: 0 or an error number
    return R.Value == 0;
  }
}

bool futexTakesTimeout(uint64_t FutexOp) {
  switch (futexCommand(FutexOp)) {
  case FUTEX_WAIT:
  case FUTEX_WAIT_BITSET:
  case FUTEX_LOCK_PI:
  case FUTEX_LOCK_PI2:
  case FUTEX_WAIT_REQUEUE_PI:
    return true;
  default:
    return false;
  }
}

bool monotonicDeadline(Op O, const Args &A) {
  switch (O) {
  case Op::MutexClocklock:
  case Op::CondClockwait:
  case Op::RwClockrdlock:
  case Op::RwClockwrlock:
  case Op::SemClockwait:
    return static_cast<clockid_t>(A.C) == CLOCK_MONOTONIC;
  case Op::CondTimedwait: {
    // glibc keeps the condition's clock in bit 1 of __wrefs
    // (__PTHREAD_COND_CLOCK_MONOTONIC_MASK), set by pthread_cond_init.
    const auto *Cond = static_cast<const pthread_cond_t *>(A.Object);
    return (__atomic_load_n(&Cond->__data.__wrefs, __ATOMIC_RELAXED) & 2) != 0;
  }
  case Op::Futex:
    switch (futexCommand(A.A)) {
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI2:
    case FUTEX_WAIT_REQUEUE_PI:
      return (A.A & FUTEX_CLOCK_REALTIME) == 0;
    default: // FUTEX_WAIT's is relative, FUTEX_LOCK_PI's of CLOCK_REALTIME
      return false;
    }
  default: // the timed pthread_* and sem_* calls wait for CLOCK_REALTIME
    return false;
  }
}

void shiftDeadline(Op O, Args &A, const timespec &Now) {
  if (!A.HasTime || (A.SentAt.tv_sec == 0 && A.SentAt.tv_nsec == 0) ||
      !monotonicDeadline(O, A))
    return;
  // A time the call would refuse (EINVAL) stays as it is, to be refused; a
  // time already past on the node times out at once here too.
  moveTime(A.Time, A.SentAt, Now);
}

bool moveTime(timespec &Time, const timespec &There, const timespec &Here) {
  if (Time.tv_sec < 0 || Time.tv_nsec < 0 || Time.tv_nsec >= 1000000000)
    return false;
  constexpr __int128 Billion = 1000000000;
  auto Ns = [](const timespec &T) {
    return static_cast<__int128>(T.tv_sec) * Billion + T.tv_nsec;
  };
  __int128 At = Ns(Time) + Ns(Here) - Ns(There);
  __int128 Latest = static_cast<__int128>(INT64_MAX) * Billion;
  At = At < 0 ? 0 : At > Latest ? Latest : At;
  Time.tv_sec = static_cast<time_t>(At / Billion);
  Time.tv_nsec = static_cast<long>(At % Billion);
  return true;
}

Result perform(Op O, const Args &A) {
  const timespec *Time = A.HasTime ? &A.Time : nullptr;
  auto Clock = static_cast<clockid_t>(A.C);
  switch (O) {
  case Op::MutexLock:
    return status(pthread_mutex_lock(object<pthread_mutex_t>(A)));
  case Op::MutexTrylock:
    return status(pthread_mutex_trylock(object<pthread_mutex_t>(A)));
  case Op::MutexTimedlock:
    return status(pthread_mutex_timedlock(object<pthread_mutex_t>(A), Time));
  case Op::MutexClocklock:
    return status(
        pthread_mutex_clocklock(object<pthread_mutex_t>(A), Clock, Time));
  case Op::MutexUnlock:
    return status(pthread_mutex_unlock(object<pthread_mutex_t>(A)));
  case Op::CondWait:
    return status(pthread_cond_wait(object<pthread_cond_t>(A),
                                    static_cast<pthread_mutex_t *>(A.Object2)));
  case Op::CondTimedwait:
    return status(pthread_cond_timedwait(
        object<pthread_cond_t>(A), static_cast<pthread_mutex_t *>(A.Object2),
        Time));
  case Op::CondClockwait:
    return status(pthread_cond_clockwait(
        object<pthread_cond_t>(A), static_cast<pthread_mutex_t *>(A.Object2),
        Clock, Time));
  case Op::CondSignal:
    return status(pthread_cond_signal(object<pthread_cond_t>(A)));
  case Op::CondBroadcast:
    return status(pthread_cond_broadcast(object<pthread_cond_t>(A)));
  case Op::RwRdlock:
    return status(pthread_rwlock_rdlock(object<pthread_rwlock_t>(A)));
  case Op::RwWrlock:
    return status(pthread_rwlock_wrlock(object<pthread_rwlock_t>(A)));
  case Op::RwTryrdlock:
    return status(pthread_rwlock_tryrdlock(object<pthread_rwlock_t>(A)));
  case Op::RwTrywrlock:
    return status(pthread_rwlock_trywrlock(object<pthread_rwlock_t>(A)));
  case Op::RwTimedrdlock:
    return status(
        pthread_rwlock_timedrdlock(object<pthread_rwlock_t>(A), Time));
  case Op::RwTimedwrlock:
    return status(
        pthread_rwlock_timedwrlock(object<pthread_rwlock_t>(A), Time));
  case Op::RwClockrdlock:
    return status(
        pthread_rwlock_clockrdlock(object<pthread_rwlock_t>(A), Clock, Time));
  case Op::RwClockwrlock:
    return status(
        pthread_rwlock_clockwrlock(object<pthread_rwlock_t>(A), Clock, Time));
  case Op::RwUnlock:
    return status(pthread_rwlock_unlock(object<pthread_rwlock_t>(A)));
  case Op::BarrierWait:
    return status(pthread_barrier_wait(object<pthread_barrier_t>(A)));
  case Op::SpinLock:
    return status(pthread_spin_lock(object<pthread_spinlock_t>(A)));
  case Op::SpinTrylock:
    return status(pthread_spin_trylock(object<pthread_spinlock_t>(A)));
  case Op::SpinUnlock:
    return status(pthread_spin_unlock(object<pthread_spinlock_t>(A)));
  case Op::SemWait:
    return withErrno(sem_wait(object<sem_t>(A)));
  case Op::SemTrywait:
    return withErrno(sem_trywait(object<sem_t>(A)));
  case Op::SemTimedwait:
    return withErrno(sem_timedwait(object<sem_t>(A), Time));
  case Op::SemClockwait:
    return withErrno(sem_clockwait(object<sem_t>(A), Clock, Time));
  case Op::SemPost:
    return withErrno(sem_post(object<sem_t>(A)));
  case Op::SemGetvalue: {
    int Value = 0;
    Result R = withErrno(sem_getvalue(object<sem_t>(A), &Value));
    if (R.Value == 0)
      R.Value = Value;
    return R;
  }
  case Op::MutexInit: {
    pthread_mutexattr_t Attr;
    return status(
        pthread_mutex_init(object<pthread_mutex_t>(A), attribute(A, Attr)));
  }
  case Op::MutexDestroy:
    return status(pthread_mutex_destroy(object<pthread_mutex_t>(A)));
  case Op::CondInit: {
    pthread_condattr_t Attr;
    return status(
        pthread_cond_init(object<pthread_cond_t>(A), attribute(A, Attr)));
  }
  case Op::CondDestroy:
    return status(pthread_cond_destroy(object<pthread_cond_t>(A)));
  case Op::RwInit: {
    pthread_rwlockattr_t Attr;
    return status(
        pthread_rwlock_init(object<pthread_rwlock_t>(A), attribute(A, Attr)));
  }
  case Op::RwDestroy:
    return status(pthread_rwlock_destroy(object<pthread_rwlock_t>(A)));
  case Op::SpinInit:
    return status(pthread_spin_init(object<pthread_spinlock_t>(A),
                                    static_cast<int>(A.A)));
  case Op::SpinDestroy:
    return status(pthread_spin_destroy(object<pthread_spinlock_t>(A)));
  case Op::BarrierInit: {
    pthread_barrierattr_t Attr;
    return status(pthread_barrier_init(object<pthread_barrier_t>(A),
                                       attribute(A, Attr),
                                       static_cast<unsigned>(A.C)));
  }
  case Op::BarrierDestroy:
    return status(pthread_barrier_destroy(object<pthread_barrier_t>(A)));
  case Op::SemInit:
    return withErrno(sem_init(object<sem_t>(A), static_cast<int>(A.A),
                              static_cast<unsigned>(A.C)));
  case Op::SemDestroy:
    return withErrno(sem_destroy(object<sem_t>(A)));
  case Op::Futex: {
    // The fourth argument is a timeout pointer or the integer val2.
    const void *Fourth = futexTakesTimeout(A.A)
                             ? static_cast<const void *>(Time)
                             : reinterpret_cast<const void *>(A.C);
    return withErrno(syscall(SYS_futex, A.Object, static_cast<int>(A.A),
                             static_cast<uint32_t>(A.B), Fourth, A.Object2,
                             static_cast<uint32_t>(A.D)));
  }
  }
  return {-1, EINVAL}; // not an Op: a value from another version
}

namespace {
template <class T> AtomicResult performSized(const AtomicArgs &A) {
  AtomicResult R;
  switch (A.Op) {
  case AtomicOp::Load:
    R.Value = native::load<T>(A.Ptr, A.Order);
    break;
  case AtomicOp::Store:
    native::store<T>(A.Ptr, static_cast<T>(A.Value), A.Order);
    break;
  case AtomicOp::CmpXchg: {
    T Old = native::compareExchange<T>(A.Ptr, static_cast<T>(A.Expected),
                                       static_cast<T>(A.Value), A.Order,
                                       A.FailOrder);
    R.Value = Old;
    R.Success = Old == static_cast<T>(A.Expected);
    break;
  }
  case AtomicOp::Fence:
    native::fence(A.Order);
    break;
  default:
    R.Value = native::readModifyWrite<T>(A.Ptr, A.Op, static_cast<T>(A.Value),
                                         A.Order);
    break;
  }
  return R;
}
} // namespace

AtomicResult performAtomic(const AtomicArgs &A) {
  if (A.Op == AtomicOp::Fence) {
    native::fence(A.Order);
    return {};
  }
  switch (A.Size) {
  case 1:
    return performSized<uint8_t>(A);
  case 2:
    return performSized<uint16_t>(A);
  case 4:
    return performSized<uint32_t>(A);
  default:
    return performSized<uint64_t>(A);
  }
}

} // namespace grid::sync
