//===- SyncOpsTest.cpp - sync::perform, performAtomic, their roles --------===//
//
// The native execution of every synchronisation Op and atomic on real
// objects with real threads, the errno they report, and which Ops release
// and acquire (what the cluster path's coherence actions follow).
//===----------------------------------------------------------------------===//

#include "sync/Sync.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <linux/futex.h>
#include <semaphore.h>
#include <set>
#include <thread>
#include <type_traits>
#include <vector>

using namespace grid::sync;

namespace {

constexpr int Threads = 4;
constexpr int Rounds = 5000;

Args on(void *Object, void *Object2 = nullptr) {
  Args A;
  A.Object = Object;
  A.Object2 = Object2;
  return A;
}

/// An absolute deadline already past on Clock.
Args pastDeadline(void *Object, clockid_t Clock = CLOCK_REALTIME,
                  void *Object2 = nullptr) {
  Args A = on(Object, Object2);
  A.HasTime = true;
  clock_gettime(Clock, &A.Time);
  A.Time.tv_sec -= 1;
  A.C = static_cast<uint64_t>(Clock);
  return A;
}

template <class Body> void inThreads(int N, Body B) {
  std::vector<std::thread> All;
  for (int I = 0; I < N; ++I)
    All.emplace_back(B, I);
  for (std::thread &T : All)
    T.join();
}

/// Runs Body on another thread (a lock held by this one is then held by
/// someone else, as the try and timed Ops need).
template <class Body> void onOtherThread(Body B) { std::thread(B).join(); }

// --- Roles -------------------------------------------------------------------

TEST(SyncOpsTest, ReleasesAndAcquiresFollowTheOperation) {
  const std::set<Op> Releasing = {
      Op::MutexUnlock, Op::CondWait, Op::CondTimedwait, Op::CondClockwait,
      Op::CondSignal, Op::CondBroadcast, Op::RwUnlock, Op::BarrierWait,
      Op::SpinUnlock, Op::SemPost, Op::Futex,
      // Making and destroying: what the thread wrote beside the object
      // goes home first.
      Op::MutexInit, Op::MutexDestroy, Op::CondInit, Op::CondDestroy,
      Op::RwInit, Op::RwDestroy, Op::SpinInit, Op::SpinDestroy, Op::BarrierInit,
      Op::BarrierDestroy, Op::SemInit, Op::SemDestroy};
  const std::set<Op> Acquiring = {
      Op::MutexLock,      Op::MutexTrylock,  Op::MutexTimedlock,
      Op::MutexClocklock, Op::CondWait,      Op::CondTimedwait,
      Op::CondClockwait,  Op::RwRdlock,      Op::RwWrlock,
      Op::RwTryrdlock,    Op::RwTrywrlock,   Op::RwTimedrdlock,
      Op::RwTimedwrlock,  Op::RwClockrdlock, Op::RwClockwrlock,
      Op::BarrierWait,    Op::SpinLock,      Op::SpinTrylock,
      Op::SemWait,        Op::SemTrywait,    Op::SemTimedwait,
      Op::SemClockwait,   Op::Futex};
  for (int I = 0; I <= static_cast<int>(Op::Last); ++I) {
    Op O = static_cast<Op>(I);
    EXPECT_EQ(releases(O), Releasing.count(O) == 1) << "Op " << I;
    EXPECT_EQ(acquires(O), Acquiring.count(O) == 1) << "Op " << I;
  }
  // Neither: reading a semaphore's value.
  EXPECT_FALSE(releases(Op::SemGetvalue));
  EXPECT_FALSE(acquires(Op::SemGetvalue));
}

TEST(SyncOpsTest, MakingAndDestroyingTakeTheAttributesByValue) {
  pthread_mutex_t M;
  pthread_mutexattr_t Attr;
  pthread_mutexattr_init(&Attr);
  pthread_mutexattr_settype(&Attr, PTHREAD_MUTEX_ERRORCHECK);
  Args A;
  A.Object = &M;
  std::memcpy(&A.A, &Attr, sizeof Attr);
  A.B = 1;
  EXPECT_EQ(perform(Op::MutexInit, A).Value, 0);
  Args Unlock;
  Unlock.Object = &M;
  EXPECT_EQ(perform(Op::MutexUnlock, Unlock).Value, EPERM)
      << "error-checking, as the attribute said";
  EXPECT_EQ(perform(Op::MutexLock, Unlock).Value, 0);
  EXPECT_EQ(perform(Op::MutexDestroy, Unlock).Value, EBUSY);
  EXPECT_EQ(perform(Op::MutexUnlock, Unlock).Value, 0);
  EXPECT_EQ(perform(Op::MutexDestroy, Unlock).Value, 0);
  sem_t S;
  Args Sem;
  Sem.Object = &S;
  Sem.C = 2; // the value
  EXPECT_EQ(perform(Op::SemInit, Sem).Value, 0);
  Args Value;
  Value.Object = &S;
  EXPECT_EQ(perform(Op::SemGetvalue, Value).Value, 2);
  EXPECT_EQ(perform(Op::SemDestroy, Value).Value, 0);
  pthread_barrier_t B;
  Args Barrier;
  Barrier.Object = &B;
  Barrier.C = 0; // a count of 0 is refused
  EXPECT_EQ(perform(Op::BarrierInit, Barrier).Value, EINVAL);
  Barrier.C = 1;
  EXPECT_EQ(perform(Op::BarrierInit, Barrier).Value, 0);
  EXPECT_EQ(perform(Op::BarrierWait, Barrier).Value,
            PTHREAD_BARRIER_SERIAL_THREAD);
  EXPECT_EQ(perform(Op::BarrierDestroy, Barrier).Value, 0);
  EXPECT_TRUE(makesOrDestroys(Op::SemDestroy));
  EXPECT_FALSE(makesOrDestroys(Op::MutexLock));
}

TEST(SyncOpsTest, FutexWaitsAcquireAndWakesRelease) {
  Args Wait, Wake, WakeOp, Requeue;
  Wait.A = FUTEX_WAIT_PRIVATE;
  Wake.A = FUTEX_WAKE_PRIVATE;
  WakeOp.A = FUTEX_WAKE_OP;
  Requeue.A = FUTEX_CMP_REQUEUE_PRIVATE;
  EXPECT_TRUE(acquires(Op::Futex, Wait));
  EXPECT_FALSE(releases(Op::Futex, Wait));
  EXPECT_TRUE(releases(Op::Futex, Wake));
  EXPECT_FALSE(acquires(Op::Futex, Wake));
  EXPECT_TRUE(releases(Op::Futex, WakeOp));
  EXPECT_TRUE(acquires(Op::Futex, WakeOp));
  EXPECT_TRUE(releases(Op::Futex, Requeue));
  EXPECT_FALSE(acquires(Op::Futex, Requeue));
  // Other Ops ignore the arguments.
  EXPECT_TRUE(acquires(Op::MutexLock, Wake));
  EXPECT_TRUE(releases(Op::MutexUnlock, Wait));
}

TEST(SyncOpsTest, FutexTimeoutsAreToldFromVal2) {
  EXPECT_TRUE(futexTakesTimeout(FUTEX_WAIT));
  EXPECT_TRUE(futexTakesTimeout(FUTEX_WAIT_PRIVATE));
  EXPECT_TRUE(futexTakesTimeout(FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME));
  EXPECT_TRUE(futexTakesTimeout(FUTEX_LOCK_PI));
  EXPECT_FALSE(futexTakesTimeout(FUTEX_WAKE_PRIVATE));
  EXPECT_FALSE(futexTakesTimeout(FUTEX_CMP_REQUEUE));
  EXPECT_FALSE(futexTakesTimeout(FUTEX_WAKE_OP));
}

TEST(SyncOpsTest, MonotonicDeadlinesAreToldByClockConditionAndCommand) {
  Args Mono;
  Mono.C = CLOCK_MONOTONIC;
  Args Real;
  Real.C = CLOCK_REALTIME;
  for (Op O : {Op::MutexClocklock, Op::CondClockwait, Op::RwClockrdlock,
               Op::RwClockwrlock, Op::SemClockwait}) {
    EXPECT_TRUE(monotonicDeadline(O, Mono)) << static_cast<int>(O);
    EXPECT_FALSE(monotonicDeadline(O, Real)) << static_cast<int>(O);
  }
  for (Op O : {Op::MutexTimedlock, Op::RwTimedrdlock, Op::RwTimedwrlock,
               Op::SemTimedwait})
    EXPECT_FALSE(monotonicDeadline(O, Mono)) << static_cast<int>(O);

  // A condition's timed wait reads its clock from the condition.
  pthread_condattr_t Attr;
  pthread_condattr_init(&Attr);
  pthread_condattr_setclock(&Attr, CLOCK_MONOTONIC);
  pthread_cond_t MonoCond, RealCond;
  pthread_cond_init(&MonoCond, &Attr);
  pthread_cond_init(&RealCond, nullptr);
  EXPECT_TRUE(monotonicDeadline(Op::CondTimedwait, on(&MonoCond)));
  EXPECT_FALSE(monotonicDeadline(Op::CondTimedwait, on(&RealCond)));
  pthread_cond_destroy(&MonoCond);
  pthread_cond_destroy(&RealCond);
  pthread_condattr_destroy(&Attr);

  auto Futex = [](int Command) {
    Args A;
    A.A = static_cast<uint64_t>(Command);
    return A;
  };
  EXPECT_TRUE(monotonicDeadline(Op::Futex, Futex(FUTEX_WAIT_BITSET_PRIVATE)));
  EXPECT_TRUE(monotonicDeadline(Op::Futex, Futex(FUTEX_WAIT_BITSET)));
  EXPECT_FALSE(monotonicDeadline(
      Op::Futex, Futex(FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME)));
  EXPECT_TRUE(monotonicDeadline(Op::Futex, Futex(FUTEX_LOCK_PI2)));
  EXPECT_TRUE(monotonicDeadline(Op::Futex, Futex(FUTEX_WAIT_REQUEUE_PI)));
  EXPECT_FALSE(monotonicDeadline(Op::Futex,
                                 Futex(FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME)));
  EXPECT_FALSE(monotonicDeadline(Op::Futex, Futex(FUTEX_WAIT))); // relative
  EXPECT_FALSE(monotonicDeadline(Op::Futex, Futex(FUTEX_LOCK_PI)));
  EXPECT_FALSE(monotonicDeadline(Op::Futex, Futex(FUTEX_WAKE)));
}

TEST(SyncOpsTest, MonotonicDeadlinesMoveByTheClocksDifference) {
  Args A;
  A.C = CLOCK_MONOTONIC;
  A.HasTime = true;
  A.Time = {1000, 900000000};  // the node's deadline
  A.SentAt = {999, 950000000}; // the node's clock as the call left
  // Home's clock reads 5000.2 s: the 0.95 s left last as long here.
  shiftDeadline(Op::MutexClocklock, A, {5000, 200000000});
  EXPECT_EQ(A.Time.tv_sec, 5001);
  EXPECT_EQ(A.Time.tv_nsec, 150000000);

  // Home's clock behind the node's: the deadline moves back.
  A.Time = {100000, 0};
  A.SentAt = {99999, 500000000};
  shiftDeadline(Op::MutexClocklock, A, {20, 0});
  EXPECT_EQ(A.Time.tv_sec, 20);
  EXPECT_EQ(A.Time.tv_nsec, 500000000);

  // A deadline already past on the node stays past, never negative.
  A.Time = {10, 0};
  A.SentAt = {50, 0};
  shiftDeadline(Op::MutexClocklock, A, {5, 0});
  EXPECT_EQ(A.Time.tv_sec, 0);
  EXPECT_EQ(A.Time.tv_nsec, 0);

  // A time the call refuses stays as it is, for the call to refuse.
  A.Time = {10, 1000000005};
  A.SentAt = {5, 0};
  shiftDeadline(Op::MutexClocklock, A, {5000, 0});
  EXPECT_EQ(A.Time.tv_sec, 10);
  EXPECT_EQ(A.Time.tv_nsec, 1000000005);
  A.Time = {-1, 0};
  shiftDeadline(Op::MutexClocklock, A, {5000, 0});
  EXPECT_EQ(A.Time.tv_sec, -1);

  // Nothing moves for a time of CLOCK_REALTIME, a call from home (no
  // SentAt) or an operation without a time.
  Args Real = A;
  Real.C = CLOCK_REALTIME;
  Real.Time = {10, 0};
  Real.SentAt = {50, 0};
  shiftDeadline(Op::MutexClocklock, Real, {5000, 0});
  EXPECT_EQ(Real.Time.tv_sec, 10);
  Args Home = A;
  Home.Time = {10, 0};
  Home.SentAt = {0, 0};
  shiftDeadline(Op::MutexClocklock, Home, {5000, 0});
  EXPECT_EQ(Home.Time.tv_sec, 10);
  Args Untimed = A;
  Untimed.HasTime = false;
  Untimed.Time = {10, 0};
  Untimed.SentAt = {50, 0};
  shiftDeadline(Op::MutexClocklock, Untimed, {5000, 0});
  EXPECT_EQ(Untimed.Time.tv_sec, 10);
}

TEST(SyncOpsTest, OnlySuccessfulTriesAcquire) {
  Args A;
  EXPECT_TRUE(acquired(Op::MutexTrylock, A, {0, 0}));
  EXPECT_FALSE(acquired(Op::MutexTrylock, A, {EBUSY, 0}));
  EXPECT_FALSE(acquired(Op::MutexTimedlock, A, {ETIMEDOUT, 0}));
  EXPECT_FALSE(acquired(Op::SemTrywait, A, {-1, EAGAIN}));
  EXPECT_TRUE(acquired(Op::SemWait, A, {0, 0}));
  // A timed-out condition wait still reacquired its mutex.
  EXPECT_TRUE(acquired(Op::CondTimedwait, A, {ETIMEDOUT, 0}));
  EXPECT_TRUE(acquired(Op::BarrierWait, A, {PTHREAD_BARRIER_SERIAL_THREAD, 0}));
  EXPECT_FALSE(acquired(Op::MutexUnlock, A, {0, 0}));
}

// --- perform -----------------------------------------------------------------

TEST(SyncOpsTest, MutexExcludes) {
  pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
  long Counter = 0;
  inThreads(Threads, [&](int) {
    for (int I = 0; I < Rounds; ++I) {
      if (I % 2) {
        ASSERT_EQ(perform(Op::MutexLock, on(&M)).Value, 0);
      } else {
        while (perform(Op::MutexTrylock, on(&M)).Value != 0) {
        }
      }
      long Seen = Counter;
      if (I % 64 == 0) // widen the window a lost update needs
        std::this_thread::yield();
      Counter = Seen + 1;
      ASSERT_EQ(perform(Op::MutexUnlock, on(&M)).Value, 0);
    }
  });
  EXPECT_EQ(Counter, long{Threads} * Rounds);
}

TEST(SyncOpsTest, HeldMutexRefusesTriesAndTimesOut) {
  pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
  ASSERT_EQ(perform(Op::MutexLock, on(&M)).Value, 0);
  Result Try, Timed, Clock;
  onOtherThread([&] {
    Try = perform(Op::MutexTrylock, on(&M));
    Timed = perform(Op::MutexTimedlock, pastDeadline(&M));
    Clock = perform(Op::MutexClocklock, pastDeadline(&M, CLOCK_MONOTONIC));
  });
  EXPECT_EQ(Try.Value, EBUSY);
  EXPECT_EQ(Timed.Value, ETIMEDOUT);
  EXPECT_EQ(Clock.Value, ETIMEDOUT);
  EXPECT_EQ(Timed.Errno, 0); // pthread_* report through the value only
  ASSERT_EQ(perform(Op::MutexUnlock, on(&M)).Value, 0);
  onOtherThread([&] {
    EXPECT_EQ(perform(Op::MutexTimedlock, pastDeadline(&M)).Value, 0);
    EXPECT_EQ(perform(Op::MutexUnlock, on(&M)).Value, 0);
  });
}

TEST(SyncOpsTest, ConditionHandsOffAndBroadcasts) {
  pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t C = PTHREAD_COND_INITIALIZER;
  int Slot = 0; // 0 empty, else the next value
  long Sum = 0;
  std::thread Consumer([&] {
    perform(Op::MutexLock, on(&M));
    for (int Got = 0; Got < Rounds; ++Got) {
      while (Slot == 0)
        perform(Op::CondWait, on(&C, &M));
      Sum += Slot;
      Slot = 0;
      perform(Op::CondSignal, on(&C));
    }
    perform(Op::MutexUnlock, on(&M));
  });
  for (int I = 1; I <= Rounds; ++I) {
    perform(Op::MutexLock, on(&M));
    while (Slot != 0)
      perform(Op::CondWait, on(&C, &M));
    Slot = I;
    perform(Op::CondSignal, on(&C));
    perform(Op::MutexUnlock, on(&M));
  }
  Consumer.join();
  EXPECT_EQ(Sum, long{Rounds} * (Rounds + 1) / 2);

  bool Go = false;
  int Woken = 0;
  std::atomic<int> Waiting{0};
  std::vector<std::thread> Waiters;
  for (int I = 0; I < Threads; ++I)
    Waiters.emplace_back([&] {
      perform(Op::MutexLock, on(&M));
      ++Waiting;
      while (!Go)
        perform(Op::CondWait, on(&C, &M));
      ++Woken;
      perform(Op::MutexUnlock, on(&M));
    });
  perform(Op::MutexLock, on(&M));
  Go = true;
  EXPECT_EQ(perform(Op::CondBroadcast, on(&C)).Value, 0);
  perform(Op::MutexUnlock, on(&M));
  for (std::thread &T : Waiters)
    T.join();
  EXPECT_EQ(Woken, Threads);

  perform(Op::MutexLock, on(&M));
  EXPECT_EQ(
      perform(Op::CondTimedwait, pastDeadline(&C, CLOCK_REALTIME, &M)).Value,
      ETIMEDOUT);
  EXPECT_EQ(
      perform(Op::CondClockwait, pastDeadline(&C, CLOCK_MONOTONIC, &M)).Value,
      ETIMEDOUT);
  // The timed-out waits hold the mutex again.
  EXPECT_EQ(perform(Op::MutexTrylock, on(&M)).Value, EBUSY);
  perform(Op::MutexUnlock, on(&M));
}

TEST(SyncOpsTest, RwlockSharesReadsAndExcludesWrites) {
  pthread_rwlock_t L = PTHREAD_RWLOCK_INITIALIZER;
  ASSERT_EQ(perform(Op::RwRdlock, on(&L)).Value, 0);
  ASSERT_EQ(perform(Op::RwTryrdlock, on(&L)).Value, 0); // a second reader
  onOtherThread([&] {
    EXPECT_EQ(perform(Op::RwTrywrlock, on(&L)).Value, EBUSY);
    EXPECT_EQ(perform(Op::RwTimedwrlock, pastDeadline(&L)).Value, ETIMEDOUT);
    EXPECT_EQ(
        perform(Op::RwClockwrlock, pastDeadline(&L, CLOCK_MONOTONIC)).Value,
        ETIMEDOUT);
    EXPECT_EQ(perform(Op::RwTimedrdlock, pastDeadline(&L)).Value, 0);
    EXPECT_EQ(perform(Op::RwUnlock, on(&L)).Value, 0);
    EXPECT_EQ(
        perform(Op::RwClockrdlock, pastDeadline(&L, CLOCK_MONOTONIC)).Value, 0);
    EXPECT_EQ(perform(Op::RwUnlock, on(&L)).Value, 0);
  });
  perform(Op::RwUnlock, on(&L));
  perform(Op::RwUnlock, on(&L));

  long Value = 0;
  std::atomic<bool> Torn{false};
  inThreads(Threads, [&](int Id) {
    for (int I = 0; I < Rounds / 5; ++I) {
      if (Id % 2 == 0) {
        if (I % 2)
          perform(Op::RwWrlock, on(&L));
        else
          while (perform(Op::RwTrywrlock, on(&L)).Value != 0) {
          }
        long Seen = Value;
        if (I % 64 == 0)
          std::this_thread::yield();
        Value = Seen + 1;
      } else {
        perform(Op::RwRdlock, on(&L));
        long First = Value;
        if (I % 64 == 0)
          std::this_thread::yield();
        if (Value != First)
          Torn = true;
      }
      perform(Op::RwUnlock, on(&L));
    }
  });
  EXPECT_EQ(Value, long{Threads / 2} * (Rounds / 5));
  EXPECT_FALSE(Torn);
}

TEST(SyncOpsTest, BarrierSeparatesPhases) {
  pthread_barrier_t B;
  ASSERT_EQ(pthread_barrier_init(&B, nullptr, Threads), 0);
  std::atomic<int> Serial{0};
  int Phase[Threads] = {};
  std::atomic<bool> Behind{false};
  inThreads(Threads, [&](int Id) {
    for (int Round = 1; Round <= 100; ++Round) {
      Phase[Id] = Round;
      Result R = perform(Op::BarrierWait, on(&B));
      if (R.Value == PTHREAD_BARRIER_SERIAL_THREAD)
        ++Serial;
      else
        EXPECT_EQ(R.Value, 0);
      for (int Other = 0; Other < Threads; ++Other)
        if (Phase[Other] < Round)
          Behind = true;
      perform(Op::BarrierWait, on(&B));
    }
  });
  EXPECT_EQ(Serial, 100); // one per round: the second wait is not counted
  EXPECT_FALSE(Behind);
  pthread_barrier_destroy(&B);
}

TEST(SyncOpsTest, SpinlockExcludes) {
  pthread_spinlock_t S;
  ASSERT_EQ(pthread_spin_init(&S, PTHREAD_PROCESS_PRIVATE), 0);
  void *Lock = const_cast<int *>(&S);
  long Counter = 0;
  inThreads(Threads, [&](int) {
    for (int I = 0; I < Rounds; ++I) {
      if (I % 2)
        perform(Op::SpinLock, on(Lock));
      else
        while (perform(Op::SpinTrylock, on(Lock)).Value != 0) {
        }
      ++Counter;
      perform(Op::SpinUnlock, on(Lock));
    }
  });
  EXPECT_EQ(Counter, long{Threads} * Rounds);
  perform(Op::SpinLock, on(Lock));
  EXPECT_EQ(perform(Op::SpinTrylock, on(Lock)).Value, EBUSY);
  perform(Op::SpinUnlock, on(Lock));
  pthread_spin_destroy(&S);
}

TEST(SyncOpsTest, SemaphoreCountsAndReportsErrno) {
  sem_t S;
  ASSERT_EQ(sem_init(&S, 0, 0), 0);
  Result Empty = perform(Op::SemTrywait, on(&S));
  EXPECT_EQ(Empty.Value, -1);
  EXPECT_EQ(Empty.Errno, EAGAIN);
  Result Timed = perform(Op::SemTimedwait, pastDeadline(&S));
  EXPECT_EQ(Timed.Value, -1);
  EXPECT_EQ(Timed.Errno, ETIMEDOUT);
  Result Clock = perform(Op::SemClockwait, pastDeadline(&S, CLOCK_MONOTONIC));
  EXPECT_EQ(Clock.Value, -1);
  EXPECT_EQ(Clock.Errno, ETIMEDOUT);

  std::thread Producer([&] {
    for (int I = 0; I < Rounds; ++I)
      EXPECT_EQ(perform(Op::SemPost, on(&S)).Value, 0);
  });
  for (int I = 0; I < Rounds; ++I) {
    Result R = perform(I % 2 ? Op::SemWait : Op::SemTrywait, on(&S));
    while (R.Value != 0) {
      EXPECT_EQ(R.Errno, EAGAIN);
      R = perform(Op::SemTrywait, on(&S));
    }
    EXPECT_EQ(R.Errno, 0);
  }
  Producer.join();
  perform(Op::SemPost, on(&S));
  perform(Op::SemPost, on(&S));
  Result Value = perform(Op::SemGetvalue, on(&S));
  EXPECT_EQ(Value.Value, 2); // the value itself, not sem_getvalue's 0
  EXPECT_EQ(Value.Errno, 0);
  sem_destroy(&S);
}

TEST(SyncOpsTest, FutexWaitsWakesAndRefusesStaleValues) {
  uint32_t Word = 0;
  Args Stale = on(&Word);
  Stale.A = FUTEX_WAIT_PRIVATE;
  Stale.B = 1; // not the word's value
  Result R = perform(Op::Futex, Stale);
  EXPECT_EQ(R.Value, -1);
  EXPECT_EQ(R.Errno, EAGAIN);

  Args Wake = on(&Word);
  Wake.A = FUTEX_WAKE_PRIVATE;
  Wake.B = INT_MAX;
  EXPECT_EQ(perform(Op::Futex, Wake).Value, 0); // nobody waits

  Args TimedWait = on(&Word);
  TimedWait.A = FUTEX_WAIT_PRIVATE;
  TimedWait.B = 0;
  TimedWait.HasTime = true; // relative, zero: times out at once
  R = perform(Op::Futex, TimedWait);
  EXPECT_EQ(R.Value, -1);
  EXPECT_EQ(R.Errno, ETIMEDOUT);

  std::thread Waiter([&] {
    Args Wait = on(&Word);
    Wait.A = FUTEX_WAIT_PRIVATE;
    Wait.B = 0;
    while (__atomic_load_n(&Word, __ATOMIC_ACQUIRE) == 0)
      perform(Op::Futex, Wait);
  });
  __atomic_store_n(&Word, 1, __ATOMIC_RELEASE);
  perform(Op::Futex, Wake);
  Waiter.join();
  EXPECT_EQ(Word, 1u);
}

TEST(SyncOpsTest, UnknownOpIsRefused) {
  Result R = perform(static_cast<Op>(0x7fff), Args());
  EXPECT_EQ(R.Value, -1);
  EXPECT_EQ(R.Errno, EINVAL);
}

// --- performAtomic -----------------------------------------------------------

template <class T> class SyncAtomicsTest : public ::testing::Test {};
using Sizes = ::testing::Types<uint8_t, uint16_t, uint32_t, uint64_t>;
TYPED_TEST_SUITE(SyncAtomicsTest, Sizes);

template <class T>
AtomicResult atomic(AtomicOp O, T *Ptr, uint64_t Value = 0,
                    uint64_t Expected = 0, int Order = __ATOMIC_SEQ_CST) {
  AtomicArgs A;
  A.Op = O;
  A.Size = sizeof(T);
  A.Ptr = Ptr;
  A.Value = Value;
  A.Expected = Expected;
  A.Order = Order;
  A.FailOrder = __ATOMIC_RELAXED;
  return performAtomic(A);
}

/// The bits of a negative number in T, zero-extended as the entry points
/// pass them.
template <class T> uint64_t bitsOf(int64_t V) {
  return static_cast<T>(static_cast<std::make_signed_t<T>>(V));
}

TYPED_TEST(SyncAtomicsTest, EveryOperationReturnsTheOldValue) {
  using T = TypeParam;
  struct Case {
    AtomicOp Op;
    uint64_t Before, Operand, After;
  };
  const T Max = static_cast<T>(~T(0));
  const Case Cases[] = {
      {AtomicOp::Xchg, 5, 9, 9},
      {AtomicOp::Add, 5, 9, 14},
      {AtomicOp::Add, Max, 1, 0}, // wraps at the size
      {AtomicOp::Sub, 5, 9, static_cast<T>(T(5) - T(9))},
      {AtomicOp::And, 0x3c, 0x0f, 0x0c},
      {AtomicOp::Nand, 0x3c, 0x0f, static_cast<T>(~T(0x0c))},
      {AtomicOp::Or, 0x30, 0x0f, 0x3f},
      {AtomicOp::Xor, 0x3c, 0x0f, 0x33},
      {AtomicOp::Max, bitsOf<T>(-5), bitsOf<T>(-9), bitsOf<T>(-5)},
      {AtomicOp::Max, bitsOf<T>(-5), 3, 3},
      {AtomicOp::Min, 3, bitsOf<T>(-9), bitsOf<T>(-9)},
      {AtomicOp::Min, bitsOf<T>(-5), 3, bitsOf<T>(-5)},
      {AtomicOp::UMax, 3, bitsOf<T>(-9), bitsOf<T>(-9)},
      {AtomicOp::UMax, bitsOf<T>(-9), 3, bitsOf<T>(-9)},
      {AtomicOp::UMin, bitsOf<T>(-9), 3, 3},
      {AtomicOp::UMin, 3, 7, 3},
  };
  for (const Case &C : Cases) {
    T Memory = static_cast<T>(C.Before);
    AtomicResult R = atomic<T>(C.Op, &Memory, C.Operand);
    EXPECT_EQ(R.Value, C.Before) << "op " << int(C.Op);
    EXPECT_EQ(Memory, static_cast<T>(C.After)) << "op " << int(C.Op);
  }
}

TYPED_TEST(SyncAtomicsTest, LoadStoreAndFenceHonourTheirOrders) {
  using T = TypeParam;
  T Memory = 0;
  for (int Order : {__ATOMIC_RELAXED, __ATOMIC_RELEASE, __ATOMIC_SEQ_CST}) {
    atomic<T>(AtomicOp::Store, &Memory, 0xa5 + Order, 0, Order);
    EXPECT_EQ(Memory, static_cast<T>(0xa5 + Order));
  }
  for (int Order : {__ATOMIC_RELAXED, __ATOMIC_CONSUME, __ATOMIC_ACQUIRE,
                    __ATOMIC_SEQ_CST}) {
    Memory = static_cast<T>(0x5a + Order);
    EXPECT_EQ(atomic<T>(AtomicOp::Load, &Memory, 0, 0, Order).Value,
              static_cast<T>(0x5a + Order));
  }
  // The widest value of the size comes back zero-extended.
  Memory = static_cast<T>(~T(0));
  EXPECT_EQ(atomic<T>(AtomicOp::Load, &Memory).Value,
            static_cast<uint64_t>(static_cast<T>(~T(0))));
  for (int Order = __ATOMIC_RELAXED; Order <= __ATOMIC_SEQ_CST; ++Order) {
    AtomicArgs Fence;
    Fence.Op = AtomicOp::Fence;
    Fence.Order = Order;
    EXPECT_EQ(performAtomic(Fence).Value, 0u);
  }
}

TYPED_TEST(SyncAtomicsTest, CompareExchangeSucceedsOrReportsTheOldValue) {
  using T = TypeParam;
  T Memory = 7;
  AtomicResult Hit = atomic<T>(AtomicOp::CmpXchg, &Memory, 9, 7);
  EXPECT_TRUE(Hit.Success);
  EXPECT_EQ(Hit.Value, 7u);
  EXPECT_EQ(Memory, T(9));
  AtomicResult Miss = atomic<T>(AtomicOp::CmpXchg, &Memory, 4, 7);
  EXPECT_FALSE(Miss.Success);
  EXPECT_EQ(Miss.Value, 9u);
  EXPECT_EQ(Memory, T(9));
  // Only the low bytes of Expected count.
  AtomicResult High =
      atomic<T>(AtomicOp::CmpXchg, &Memory, 1, (uint64_t{1} << 63) | 9);
  if constexpr (sizeof(T) < 8) {
    EXPECT_TRUE(High.Success);
    EXPECT_EQ(Memory, T(1));
  } else {
    EXPECT_FALSE(High.Success);
  }
}

TYPED_TEST(SyncAtomicsTest, ReadModifyWritesAreAtomicAcrossThreads) {
  using T = TypeParam;
  T Counter = 0;
  T Lock = 0;
  long Guarded = 0;
  inThreads(Threads, [&](int) {
    for (int I = 0; I < 1000; ++I) {
      atomic<T>(AtomicOp::Add, &Counter, 1);
      while (!atomic<T>(AtomicOp::CmpXchg, &Lock, 1, 0).Success) {
      }
      ++Guarded;
      atomic<T>(AtomicOp::Store, &Lock, 0, 0, __ATOMIC_RELEASE);
    }
  });
  EXPECT_EQ(Counter, static_cast<T>(Threads * 1000));
  EXPECT_EQ(Guarded, Threads * 1000);
}

} // namespace
