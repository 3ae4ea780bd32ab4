//===- SyncEntryPointsTest.cpp - The sync entry points' two paths ---------===//
//
// The __grid_* synchronisation and atomic entry points take the native path
// while sync::clusterPath() is false; once it is true they hand the
// operation to the registered sync::ClusterPath. Here that path records
// what it is given and performs it natively, so each entry point is checked
// for the Op and Args it builds and for how it reports the Result (an error
// number, or -1 and errno), with real objects and real threads.
//===----------------------------------------------------------------------===//

#include "grid/abi.h"
#include "sync/Sync.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <linux/futex.h>
#include <mutex>
#include <stdexcept>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace grid::sync;

namespace {

const __grid_site Site = {"sync.c", "run", 7, 3, __grid_kind_MutexLock, 0};

/// Records every operation, then performs it here.
class RecordingPath : public ClusterPath {
public:
  Result call(const __grid_site *S, Op O, const Args &A) override {
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      Calls.push_back({S, O, A});
    }
    return perform(O, A);
  }
  AtomicResult atomic(const AtomicArgs &A) override {
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      Atomics.push_back(A);
    }
    return performAtomic(A);
  }

  struct Call {
    const __grid_site *Site;
    Op O;
    Args A;
  };
  std::mutex Mutex;
  std::vector<Call> Calls;
  std::vector<AtomicArgs> Atomics;

  Call last() {
    std::lock_guard<std::mutex> Lock(Mutex);
    return Calls.back();
  }
  size_t count(Op O) {
    std::lock_guard<std::mutex> Lock(Mutex);
    size_t N = 0;
    for (const Call &C : Calls)
      N += C.O == O;
    return N;
  }
};

class SyncEntryPoints : public ::testing::Test {
protected:
  void SetUp() override {
    setClusterPath(&Path);
    HomeCaching = true; // every thread takes the cluster path
  }
  void TearDown() override {
    HomeCaching = false;
    setClusterPath(nullptr);
  }
  RecordingPath Path;
};

timespec past(clockid_t Clock) {
  timespec T;
  clock_gettime(Clock, &T);
  T.tv_sec -= 1;
  return T;
}

template <class Body> void onOtherThread(Body B) { std::thread(B).join(); }

TEST(SyncEntryPointsFastPath, NeverReachesTheClusterPath) {
  RecordingPath Path;
  setClusterPath(&Path);
  pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
  EXPECT_EQ(__grid_pthread_mutex_lock(&Site, &M), 0);
  EXPECT_EQ(__grid_pthread_mutex_trylock(&Site, &M), EBUSY);
  EXPECT_EQ(__grid_pthread_mutex_unlock(&Site, &M), 0);
  uint32_t Word = 1;
  EXPECT_EQ(__grid_atomic_rmw_4(&Word, __grid_atomic_op_Add, 2, 5), 1u);
  EXPECT_EQ(Word, 3u);
  EXPECT_EQ(__grid_syscall(&Site, SYS_futex, &Word, FUTEX_WAKE_PRIVATE, 1,
                           nullptr, nullptr, 0),
            0);
  EXPECT_TRUE(pthread_equal(__grid_pthread_self(&Site), pthread_self()));
  setClusterPath(nullptr);
  EXPECT_TRUE(Path.Calls.empty());
  EXPECT_TRUE(Path.Atomics.empty());
}

TEST_F(SyncEntryPoints, MutexCallsCarryTheirObjectAndDeadline) {
  pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
  EXPECT_EQ(__grid_pthread_mutex_lock(&Site, &M), 0);
  RecordingPath::Call Lock = Path.last();
  EXPECT_EQ(Lock.Site, &Site);
  EXPECT_EQ(Lock.O, Op::MutexLock);
  EXPECT_EQ(Lock.A.Object, &M);
  EXPECT_FALSE(Lock.A.HasTime);

  timespec Real = past(CLOCK_REALTIME), Mono = past(CLOCK_MONOTONIC);
  errno = 1234;
  onOtherThread([&] {
    EXPECT_EQ(__grid_pthread_mutex_trylock(&Site, &M), EBUSY);
    EXPECT_EQ(Path.last().O, Op::MutexTrylock);
    EXPECT_EQ(__grid_pthread_mutex_timedlock(&Site, &M, &Real), ETIMEDOUT);
    RecordingPath::Call Timed = Path.last();
    EXPECT_EQ(Timed.O, Op::MutexTimedlock);
    EXPECT_TRUE(Timed.A.HasTime);
    EXPECT_EQ(Timed.A.Time.tv_sec, Real.tv_sec);
    EXPECT_EQ(Timed.A.Time.tv_nsec, Real.tv_nsec);
    EXPECT_EQ(__grid_pthread_mutex_clocklock(&Site, &M, CLOCK_MONOTONIC, &Mono),
              ETIMEDOUT);
    EXPECT_EQ(Path.last().O, Op::MutexClocklock);
    EXPECT_EQ(Path.last().A.C, static_cast<uint64_t>(CLOCK_MONOTONIC));
  });
  EXPECT_EQ(errno, 1234); // pthread_* leave errno alone
  EXPECT_EQ(__grid_pthread_mutex_unlock(&Site, &M), 0);
  EXPECT_EQ(Path.last().O, Op::MutexUnlock);
}

TEST_F(SyncEntryPoints, ConditionWaitsPassTheirMutex) {
  pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t C = PTHREAD_COND_INITIALIZER;
  bool Waiting = false, Ready = false;
  std::thread Waiter([&] {
    __grid_pthread_mutex_lock(&Site, &M);
    Waiting = true; // the mutex is free again only inside the wait
    while (!Ready)
      __grid_pthread_cond_wait(&Site, &C, &M);
    __grid_pthread_mutex_unlock(&Site, &M);
  });
  for (;;) {
    __grid_pthread_mutex_lock(&Site, &M);
    if (Waiting)
      break;
    __grid_pthread_mutex_unlock(&Site, &M);
  }
  Ready = true;
  EXPECT_EQ(__grid_pthread_cond_signal(&Site, &C), 0);
  __grid_pthread_mutex_unlock(&Site, &M);
  Waiter.join();
  EXPECT_EQ(Path.count(Op::CondSignal), 1u);
  EXPECT_GE(Path.count(Op::CondWait), 1u);
  EXPECT_EQ(__grid_pthread_cond_broadcast(&Site, &C), 0);
  EXPECT_EQ(Path.last().O, Op::CondBroadcast);

  timespec Real = past(CLOCK_REALTIME), Mono = past(CLOCK_MONOTONIC);
  __grid_pthread_mutex_lock(&Site, &M);
  EXPECT_EQ(__grid_pthread_cond_timedwait(&Site, &C, &M, &Real), ETIMEDOUT);
  EXPECT_EQ(Path.last().O, Op::CondTimedwait);
  EXPECT_EQ(Path.last().A.Object, &C);
  EXPECT_EQ(Path.last().A.Object2, &M);
  EXPECT_EQ(
      __grid_pthread_cond_clockwait(&Site, &C, &M, CLOCK_MONOTONIC, &Mono),
      ETIMEDOUT);
  EXPECT_EQ(Path.last().O, Op::CondClockwait);
  EXPECT_EQ(Path.last().A.C, static_cast<uint64_t>(CLOCK_MONOTONIC));
  __grid_pthread_mutex_unlock(&Site, &M);
}

TEST_F(SyncEntryPoints, RwlockBarrierAndSpinCallsMapToTheirOps) {
  pthread_rwlock_t L = PTHREAD_RWLOCK_INITIALIZER;
  timespec Real = past(CLOCK_REALTIME), Mono = past(CLOCK_MONOTONIC);
  EXPECT_EQ(__grid_pthread_rwlock_rdlock(&Site, &L), 0);
  EXPECT_EQ(Path.last().O, Op::RwRdlock);
  EXPECT_EQ(__grid_pthread_rwlock_tryrdlock(&Site, &L), 0);
  EXPECT_EQ(Path.last().O, Op::RwTryrdlock);
  EXPECT_EQ(__grid_pthread_rwlock_timedrdlock(&Site, &L, &Real), 0);
  EXPECT_EQ(Path.last().O, Op::RwTimedrdlock);
  EXPECT_EQ(
      __grid_pthread_rwlock_clockrdlock(&Site, &L, CLOCK_MONOTONIC, &Mono), 0);
  EXPECT_EQ(Path.last().O, Op::RwClockrdlock);
  onOtherThread([&] {
    EXPECT_EQ(__grid_pthread_rwlock_trywrlock(&Site, &L), EBUSY);
    EXPECT_EQ(Path.last().O, Op::RwTrywrlock);
    EXPECT_EQ(__grid_pthread_rwlock_timedwrlock(&Site, &L, &Real), ETIMEDOUT);
    EXPECT_EQ(Path.last().O, Op::RwTimedwrlock);
    EXPECT_EQ(
        __grid_pthread_rwlock_clockwrlock(&Site, &L, CLOCK_MONOTONIC, &Mono),
        ETIMEDOUT);
    EXPECT_EQ(Path.last().O, Op::RwClockwrlock);
  });
  for (int I = 0; I < 4; ++I)
    EXPECT_EQ(__grid_pthread_rwlock_unlock(&Site, &L), 0);
  EXPECT_EQ(__grid_pthread_rwlock_wrlock(&Site, &L), 0);
  EXPECT_EQ(Path.last().O, Op::RwWrlock);
  EXPECT_EQ(__grid_pthread_rwlock_unlock(&Site, &L), 0);
  EXPECT_EQ(Path.count(Op::RwUnlock), 5u);

  pthread_barrier_t B;
  pthread_barrier_init(&B, nullptr, 2);
  std::atomic<int> Serial{0};
  std::thread Other([&] {
    Serial +=
        __grid_pthread_barrier_wait(&Site, &B) == PTHREAD_BARRIER_SERIAL_THREAD;
  });
  Serial +=
      __grid_pthread_barrier_wait(&Site, &B) == PTHREAD_BARRIER_SERIAL_THREAD;
  Other.join();
  EXPECT_EQ(Serial, 1);
  EXPECT_EQ(Path.count(Op::BarrierWait), 2u);
  pthread_barrier_destroy(&B);

  pthread_spinlock_t S;
  pthread_spin_init(&S, PTHREAD_PROCESS_PRIVATE);
  EXPECT_EQ(__grid_pthread_spin_lock(&Site, &S), 0);
  EXPECT_EQ(Path.last().O, Op::SpinLock);
  EXPECT_EQ(Path.last().A.Object, const_cast<int *>(&S));
  EXPECT_EQ(__grid_pthread_spin_trylock(&Site, &S), EBUSY);
  EXPECT_EQ(Path.last().O, Op::SpinTrylock);
  EXPECT_EQ(__grid_pthread_spin_unlock(&Site, &S), 0);
  EXPECT_EQ(Path.last().O, Op::SpinUnlock);
  pthread_spin_destroy(&S);
}

TEST_F(SyncEntryPoints, SemaphoresReportThroughErrno) {
  sem_t S;
  sem_init(&S, 0, 0);
  errno = 0;
  EXPECT_EQ(__grid_sem_trywait(&Site, &S), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(Path.last().O, Op::SemTrywait);
  timespec Real = past(CLOCK_REALTIME), Mono = past(CLOCK_MONOTONIC);
  errno = 0;
  EXPECT_EQ(__grid_sem_timedwait(&Site, &S, &Real), -1);
  EXPECT_EQ(errno, ETIMEDOUT);
  errno = 0;
  EXPECT_EQ(__grid_sem_clockwait(&Site, &S, CLOCK_MONOTONIC, &Mono), -1);
  EXPECT_EQ(errno, ETIMEDOUT);
  EXPECT_EQ(Path.last().O, Op::SemClockwait);

  EXPECT_EQ(__grid_sem_post(&Site, &S), 0);
  EXPECT_EQ(__grid_sem_post(&Site, &S), 0);
  EXPECT_EQ(__grid_sem_post(&Site, &S), 0);
  int Value = -1;
  EXPECT_EQ(__grid_sem_getvalue(&Site, &S, &Value), 0);
  EXPECT_EQ(Value, 3);
  EXPECT_EQ(Path.last().O, Op::SemGetvalue);
  EXPECT_EQ(__grid_sem_wait(&Site, &S), 0);
  EXPECT_EQ(Path.last().O, Op::SemWait);
  EXPECT_EQ(__grid_sem_trywait(&Site, &S), 0);
  EXPECT_EQ(__grid_sem_getvalue(&Site, &S, &Value), 0);
  EXPECT_EQ(Value, 1);
  sem_destroy(&S);
}

TEST_F(SyncEntryPoints, OnlyFutexSyscallsTakeTheClusterPath) {
  uint32_t Word = 0;
  errno = 0;
  EXPECT_EQ(__grid_syscall(&Site, SYS_futex, &Word, FUTEX_WAIT_PRIVATE, 1,
                           nullptr, nullptr, 0),
            -1);
  EXPECT_EQ(errno, EAGAIN);
  RecordingPath::Call Wait = Path.last();
  EXPECT_EQ(Wait.O, Op::Futex);
  EXPECT_EQ(Wait.A.Object, &Word);
  EXPECT_EQ(Wait.A.A, static_cast<uint64_t>(FUTEX_WAIT_PRIVATE));
  EXPECT_EQ(Wait.A.B, 1u);
  EXPECT_FALSE(Wait.A.HasTime);

  timespec Zero{0, 0};
  errno = 0;
  EXPECT_EQ(__grid_syscall(&Site, SYS_futex, &Word, FUTEX_WAIT_PRIVATE, 0,
                           &Zero, nullptr, 0),
            -1);
  EXPECT_EQ(errno, ETIMEDOUT);
  EXPECT_TRUE(Path.last().A.HasTime);

  uint32_t Other = 5;
  EXPECT_EQ(__grid_syscall(&Site, SYS_futex, &Word, FUTEX_CMP_REQUEUE_PRIVATE,
                           1, 7, &Other, 0),
            0);
  RecordingPath::Call Requeue = Path.last();
  EXPECT_FALSE(Requeue.A.HasTime);
  EXPECT_EQ(Requeue.A.C, 7u); // val2, not a timeout
  EXPECT_EQ(Requeue.A.Object2, &Other);

  // The futex handoff of a lock built on atomics.
  std::thread Waiter([&] {
    while (__atomic_load_n(&Word, __ATOMIC_ACQUIRE) == 0)
      __grid_syscall(&Site, SYS_futex, &Word, FUTEX_WAIT_PRIVATE, 0, nullptr,
                     nullptr, 0);
  });
  __atomic_store_n(&Word, 1, __ATOMIC_RELEASE);
  __grid_syscall(&Site, SYS_futex, &Word, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
                 nullptr, 0);
  Waiter.join();

  size_t Futexes = Path.count(Op::Futex);
  EXPECT_EQ(__grid_syscall(&Site, SYS_getpid), getpid());
  EXPECT_EQ(__grid_syscall(&Site, SYS_gettid), gettid());
  EXPECT_EQ(Path.count(Op::Futex), Futexes);
  EXPECT_EQ(Path.Calls.size(), Futexes);
}

pthread_once_t Once = PTHREAD_ONCE_INIT;
std::atomic<int> OnceRuns{0};
void countOnce() { ++OnceRuns; }

pthread_once_t Throwing = PTHREAD_ONCE_INIT;
int ThrowingRuns = 0;
void throwFirst() {
  if (++ThrowingRuns == 1)
    throw std::runtime_error("first");
}

TEST_F(SyncEntryPoints, OnceRunsItsRoutineOnceByAtomicsAndFutexes) {
  std::vector<std::thread> All;
  for (int I = 0; I < 4; ++I)
    All.emplace_back(
        [] { EXPECT_EQ(__grid_pthread_once(&Site, &Once, countOnce), 0); });
  for (std::thread &T : All)
    T.join();
  EXPECT_EQ(__grid_pthread_once(&Site, &Once, countOnce), 0);
  EXPECT_EQ(OnceRuns, 1);
  bool CasOnOnce = false;
  for (const AtomicArgs &A : Path.Atomics)
    CasOnOnce |= A.Op == AtomicOp::CmpXchg && A.Ptr == &Once && A.Size == 4;
  EXPECT_TRUE(CasOnOnce);
  // Done is glibc's value, so the native path agrees afterwards.
  HomeCaching = false;
  EXPECT_EQ(pthread_once(&Once, countOnce), 0);
  EXPECT_EQ(OnceRuns, 1);
  HomeCaching = true;

  // A routine that throws has not run: the next call runs it again.
  EXPECT_THROW(__grid_pthread_once(&Site, &Throwing, throwFirst),
               std::runtime_error);
  EXPECT_EQ(__grid_pthread_once(&Site, &Throwing, throwFirst), 0);
  EXPECT_EQ(__grid_pthread_once(&Site, &Throwing, throwFirst), 0);
  EXPECT_EQ(ThrowingRuns, 2);
}

TEST_F(SyncEntryPoints, SelfIsHomesOnARemoteThread) {
  pthread_t Main = pthread_self();
  EXPECT_TRUE(pthread_equal(__grid_pthread_self(&Site), Main));
  onOtherThread([&] {
    RemoteThread = true;
    HomeSelf = Main;
    EXPECT_TRUE(pthread_equal(__grid_pthread_self(&Site), Main));
    RemoteThread = false;
    EXPECT_FALSE(pthread_equal(__grid_pthread_self(&Site), Main));
  });
}

TEST_F(SyncEntryPoints, StdConditionVariableUsesItsNativeObjects) {
  std::mutex M;
  std::condition_variable CV;
  bool Waiting = false, Ready = false;
  std::thread Waiter([&] {
    std::unique_lock<std::mutex> Lock(M);
    Waiting = true; // the mutex is free again only inside the wait
    while (!Ready)
      __grid_std_condvar_wait(&Site, &CV, &Lock);
    EXPECT_TRUE(Lock.owns_lock());
  });
  for (bool Seen = false; !Seen;) {
    std::lock_guard<std::mutex> Lock(M);
    Seen = Ready = Waiting;
  }
  __grid_std_condvar_notify_one(&Site, &CV);
  Waiter.join();
  __grid_std_condvar_notify_all(&Site, &CV);
  EXPECT_EQ(Path.count(Op::CondSignal), 1u);
  EXPECT_GE(Path.count(Op::CondWait), 1u);
  EXPECT_EQ(Path.last().O, Op::CondBroadcast);
  EXPECT_EQ(Path.last().A.Object, CV.native_handle());
  for (const RecordingPath::Call &C : Path.Calls)
    if (C.O == Op::CondWait) {
      EXPECT_EQ(C.A.Object, CV.native_handle());
      EXPECT_EQ(C.A.Object2, M.native_handle());
    }
}

TEST_F(SyncEntryPoints, AtomicsCarrySizeOperationAndOrders) {
  uint8_t Byte = 200;
  EXPECT_EQ(__grid_atomic_rmw_1(&Byte, __grid_atomic_op_Add, 100, 0), 200);
  EXPECT_EQ(Byte, 44); // wrapped at one byte
  AtomicArgs Add = Path.Atomics.back();
  EXPECT_EQ(Add.Op, AtomicOp::Add);
  EXPECT_EQ(Add.Size, 1);
  EXPECT_EQ(Add.Ptr, &Byte);
  EXPECT_EQ(Add.Value, 100u);
  EXPECT_EQ(Add.Order, __ATOMIC_RELAXED);

  uint16_t Half = 3;
  EXPECT_EQ(__grid_atomic_rmw_2(&Half, __grid_atomic_op_UMin, 1, 5), 3);
  EXPECT_EQ(Path.Atomics.back().Op, AtomicOp::UMin);
  EXPECT_EQ(Half, 1);

  uint32_t Word = 5;
  EXPECT_EQ(__grid_atomic_cmpxchg_4(&Word, 5, 8, 4, 2), 5u);
  AtomicArgs Cas = Path.Atomics.back();
  EXPECT_EQ(Cas.Op, AtomicOp::CmpXchg);
  EXPECT_EQ(Cas.Expected, 5u);
  EXPECT_EQ(Cas.Value, 8u);
  EXPECT_EQ(Cas.Order, __ATOMIC_ACQ_REL);
  EXPECT_EQ(Cas.FailOrder, __ATOMIC_ACQUIRE);
  EXPECT_EQ(Word, 8u);
  EXPECT_EQ(__grid_atomic_cmpxchg_4(&Word, 5, 9, 5, 5), 8u); // fails
  EXPECT_EQ(Word, 8u);

  uint64_t Wide = 0;
  __grid_atomic_store_8(&Wide, uint64_t{1} << 40, 3);
  EXPECT_EQ(Path.Atomics.back().Op, AtomicOp::Store);
  EXPECT_EQ(Path.Atomics.back().Order, __ATOMIC_RELEASE);
  EXPECT_EQ(__grid_atomic_load_8(&Wide, 2), uint64_t{1} << 40);
  EXPECT_EQ(Path.Atomics.back().Op, AtomicOp::Load);
  EXPECT_EQ(Path.Atomics.back().Size, 8);

  __grid_atomic_fence(5);
  EXPECT_EQ(Path.Atomics.back().Op, AtomicOp::Fence);
  EXPECT_EQ(Path.Atomics.back().Order, __ATOMIC_SEQ_CST);

  // Every operation number of abi.def reaches the AtomicOp of its name.
  const AtomicOp Expected[] = {AtomicOp::Xchg, AtomicOp::Add,  AtomicOp::Sub,
                               AtomicOp::And,  AtomicOp::Nand, AtomicOp::Or,
                               AtomicOp::Xor,  AtomicOp::Max,  AtomicOp::Min,
                               AtomicOp::UMax, AtomicOp::UMin};
  static_assert(sizeof(Expected) / sizeof(Expected[0]) ==
                __grid_atomic_op_count);
  for (int Op = 0; Op < __grid_atomic_op_count; ++Op) {
    uint32_t Cell = 6;
    __grid_atomic_rmw_4(&Cell, Op, 3, 5);
    EXPECT_EQ(Path.Atomics.back().Op, Expected[Op]) << "op " << Op;
  }
}

} // namespace
