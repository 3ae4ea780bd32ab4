// Every synchronisation call and atomic that -fgrid rewrites, used by real
// threads: the build with grid-clang++ -fgrid goes through libgridrt's
// entry points (their fast path: no thread is remote) and prints what the
// plain build prints. The binary calls none of the originals directly but
// the short locks (abi.def's GRID_NATIVE_INLINE), whose libc calls sit on
// the native side of the test of __grid_sync_cluster, their entry points'
// on the cold side (test/plugin/sync-*.ll check the shape).
//
// RUN: %clangxx -std=c++20 -O2 -pthread %s -o %t.plain
// RUN: %grid-clangxx -fgrid -std=c++20 -O2 -g -pthread %s -o %t.grid
// RUN: %grid-clangxx -fgrid -std=c++20 -O0 -pthread %s -o %t.grid0
// RUN: %t.plain > %t.plain.out
// RUN: %t.grid > %t.grid.out
// RUN: %t.grid0 > %t.grid0.out
// RUN: diff %t.plain.out %t.grid.out
// RUN: diff %t.plain.out %t.grid0.out
// RUN: FileCheck %s < %t.grid.out
// RUN: llvm-nm -u %t.grid > %t.undef
// RUN: llvm-nm -u %t.grid0 >> %t.undef
// RUN: FileCheck --check-prefix=UNDEF %s < %t.undef
// RUN: not grep -E -w "pthread_(mutex_(timedlock|clocklock)|cond_(wait|timedwait|clockwait|signal|broadcast)|rwlock_(timedrd|timedwr|clockrd|clockwr)lock|barrier_wait|once|self)|sem_(wait|trywait|timedwait|clockwait|post|getvalue)|syscall|_ZNSt18condition_variable(4wait|10notify_one|10notify_all).*" %t.undef

// UNDEF-DAG: __grid_pthread_mutex_lock
// UNDEF-DAG: __grid_pthread_mutex_unlock
// UNDEF-DAG: __grid_pthread_rwlock_rdlock
// UNDEF-DAG: __grid_pthread_spin_lock
// UNDEF-DAG: __grid_pthread_mutex_timedlock
// UNDEF-DAG: __grid_syscall
// UNDEF-DAG: __grid_atomic_rmw_4
// UNDEF-DAG: __grid_atomic_cmpxchg_8
// UNDEF-DAG: __grid_std_condvar_wait

#include <atomic>
#include <barrier>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <latch>
#include <linux/futex.h>
#include <mutex>
#include <pthread.h>
#include <semaphore.h>
#include <semaphore>
#include <shared_mutex>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

constexpr int Threads = 4;
constexpr int Rounds = 2000;

timespec past(clockid_t Clock) {
  timespec T;
  clock_gettime(Clock, &T);
  T.tv_sec -= 1;
  return T;
}

template <class Body> void inThreads(Body B) {
  std::vector<std::thread> All;
  for (int I = 0; I < Threads; ++I)
    All.emplace_back(B, I);
  for (std::thread &T : All)
    T.join();
}

const char *name(int Err) {
  switch (Err) {
  case 0:
    return "0";
  case EBUSY:
    return "EBUSY";
  case ETIMEDOUT:
    return "ETIMEDOUT";
  case EAGAIN:
    return "EAGAIN";
  default:
    return "other";
  }
}

void mutexes() {
  pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
  long Counter = 0;
  inThreads([&](int) {
    for (int I = 0; I < Rounds; ++I) {
      if (I % 2 == 0)
        pthread_mutex_lock(&M);
      else
        while (pthread_mutex_trylock(&M) != 0) {
        }
      ++Counter;
      pthread_mutex_unlock(&M);
    }
  });
  pthread_mutex_lock(&M);
  timespec Real = past(CLOCK_REALTIME), Mono = past(CLOCK_MONOTONIC);
  int Try = 0, Timed = 0, Clock = 0;
  std::thread([&] {
    Try = pthread_mutex_trylock(&M);
    Timed = pthread_mutex_timedlock(&M, &Real);
    Clock = pthread_mutex_clocklock(&M, CLOCK_MONOTONIC, &Mono);
  }).join();
  pthread_mutex_unlock(&M);
  std::printf("mutex: %ld, held: trylock %s, timedlock %s, clocklock %s\n",
              Counter, name(Try), name(Timed), name(Clock));
}

void conditions() {
  pthread_mutex_t M = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t C = PTHREAD_COND_INITIALIZER;
  int Queue = 0, Taken = 0, Woken = 0;
  bool Go = false;
  std::thread Consumer([&] {
    pthread_mutex_lock(&M);
    while (Taken < Rounds) {
      while (Queue == 0)
        pthread_cond_wait(&C, &M);
      --Queue;
      ++Taken;
      pthread_cond_signal(&C);
    }
    pthread_mutex_unlock(&M);
  });
  for (int I = 0; I < Rounds; ++I) {
    pthread_mutex_lock(&M);
    while (Queue == 4)
      pthread_cond_wait(&C, &M);
    ++Queue;
    pthread_cond_signal(&C);
    pthread_mutex_unlock(&M);
  }
  Consumer.join();

  std::vector<std::thread> Waiters;
  for (int I = 0; I < Threads; ++I)
    Waiters.emplace_back([&] {
      pthread_mutex_lock(&M);
      while (!Go)
        pthread_cond_wait(&C, &M);
      ++Woken;
      pthread_mutex_unlock(&M);
    });
  pthread_mutex_lock(&M);
  Go = true;
  pthread_cond_broadcast(&C);
  pthread_mutex_unlock(&M);
  for (std::thread &T : Waiters)
    T.join();

  pthread_mutex_lock(&M);
  timespec Real = past(CLOCK_REALTIME), Mono = past(CLOCK_MONOTONIC);
  int Timed = pthread_cond_timedwait(&C, &M, &Real);
  int Clock = pthread_cond_clockwait(&C, &M, CLOCK_MONOTONIC, &Mono);
  pthread_mutex_unlock(&M);
  std::printf("cond: %d taken, %d woken, timedwait %s, clockwait %s\n", Taken,
              Woken, name(Timed), name(Clock));
}

void rwlocks() {
  pthread_rwlock_t L = PTHREAD_RWLOCK_INITIALIZER;
  long Value = 0, Reads = 0;
  std::atomic<long> Seen{0};
  inThreads([&](int Id) {
    for (int I = 0; I < Rounds; ++I) {
      if (Id == 0) {
        if (I % 2)
          pthread_rwlock_wrlock(&L);
        else
          while (pthread_rwlock_trywrlock(&L) != 0) {
          }
        ++Value;
      } else {
        if (I % 2)
          pthread_rwlock_rdlock(&L);
        else
          while (pthread_rwlock_tryrdlock(&L) != 0) {
          }
        Seen += Value >= 0;
      }
      pthread_rwlock_unlock(&L);
    }
  });
  Reads = Seen;
  pthread_rwlock_rdlock(&L);
  timespec Real = past(CLOCK_REALTIME), Mono = past(CLOCK_MONOTONIC);
  int TimedWr = 0, ClockWr = 0, TimedRd = 0, ClockRd = 0;
  std::thread([&] {
    TimedWr = pthread_rwlock_timedwrlock(&L, &Real);
    ClockWr = pthread_rwlock_clockwrlock(&L, CLOCK_MONOTONIC, &Mono);
    TimedRd = pthread_rwlock_timedrdlock(&L, &Real);
    if (TimedRd == 0)
      pthread_rwlock_unlock(&L);
    ClockRd = pthread_rwlock_clockrdlock(&L, CLOCK_MONOTONIC, &Mono);
    if (ClockRd == 0)
      pthread_rwlock_unlock(&L);
  }).join();
  pthread_rwlock_unlock(&L);
  std::printf("rwlock: %ld written, %ld read; read-held: timedwrlock %s, "
              "clockwrlock %s, timedrdlock %s, clockrdlock %s\n",
              Value, Reads, name(TimedWr), name(ClockWr), name(TimedRd),
              name(ClockRd));
}

void barriersAndSpins() {
  pthread_barrier_t B;
  pthread_barrier_init(&B, nullptr, Threads);
  pthread_spinlock_t S;
  pthread_spin_init(&S, PTHREAD_PROCESS_PRIVATE);
  std::atomic<int> Serial{0};
  long Counter = 0;
  int Phases[Threads] = {};
  bool InOrder = true;
  inThreads([&](int Id) {
    for (int Round = 0; Round < 50; ++Round) {
      Phases[Id] = Round;
      if (pthread_barrier_wait(&B) == PTHREAD_BARRIER_SERIAL_THREAD)
        ++Serial;
      for (int Other = 0; Other < Threads; ++Other)
        if (Phases[Other] != Round)
          InOrder = false;
      pthread_barrier_wait(&B);
      for (int I = 0; I < 20; ++I) {
        if (I % 2)
          pthread_spin_lock(&S);
        else
          while (pthread_spin_trylock(&S) != 0) {
          }
        ++Counter;
        pthread_spin_unlock(&S);
      }
    }
  });
  pthread_spin_lock(&S);
  int Held = pthread_spin_trylock(&S);
  pthread_spin_unlock(&S);
  pthread_barrier_destroy(&B);
  pthread_spin_destroy(&S);
  std::printf("barrier: %d serial, in order %s; spin: %ld, held: trylock %s\n",
              Serial.load(), InOrder ? "yes" : "no", Counter, name(Held));
}

void semaphores() {
  sem_t Items, Slots;
  sem_init(&Items, 0, 0);
  sem_init(&Slots, 0, 3);
  long Sum = 0;
  std::thread Consumer([&] {
    for (int I = 1; I <= Rounds; ++I) {
      if (I % 2)
        sem_wait(&Items);
      else
        while (sem_trywait(&Items) != 0) {
        }
      Sum += I;
      sem_post(&Slots);
    }
  });
  for (int I = 0; I < Rounds; ++I) {
    sem_wait(&Slots);
    sem_post(&Items);
  }
  Consumer.join();
  int Value = -1;
  sem_getvalue(&Slots, &Value);
  errno = 0;
  int Try = sem_trywait(&Items);
  int TryErr = errno;
  timespec Real = past(CLOCK_REALTIME), Mono = past(CLOCK_MONOTONIC);
  int Timed = sem_timedwait(&Items, &Real);
  int TimedErr = errno;
  int Clock = sem_clockwait(&Items, CLOCK_MONOTONIC, &Mono);
  int ClockErr = errno;
  std::printf("sem: sum %ld, slots %d; empty: trywait %d %s, timedwait %d %s, "
              "clockwait %d %s\n",
              Sum, Value, Try, name(TryErr), Timed, name(TimedErr), Clock,
              name(ClockErr));
  sem_destroy(&Items);
  sem_destroy(&Slots);
}

pthread_once_t Once = PTHREAD_ONCE_INIT;
int OnceRuns = 0;
void initOnce() { ++OnceRuns; }

void onceSelfSyscall() {
  inThreads([](int) { pthread_once(&Once, initOnce); });
  pthread_once(&Once, initOnce);

  pthread_t Main = pthread_self();
  pthread_t Seen{};
  std::thread([&] { Seen = pthread_self(); }).join();
  bool SameInMain = pthread_equal(Main, pthread_self());
  bool OtherDiffers = !pthread_equal(Main, Seen);

  // A futex handoff: the waiter sleeps while the word is 0.
  uint32_t Word = 0;
  std::thread Waiter([&] {
    while (__atomic_load_n(&Word, __ATOMIC_ACQUIRE) == 0)
      syscall(SYS_futex, &Word, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
  });
  __atomic_store_n(&Word, 1, __ATOMIC_RELEASE);
  syscall(SYS_futex, &Word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  Waiter.join();
  errno = 0;
  long Stale =
      syscall(SYS_futex, &Word, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
  int StaleErr = errno;
  bool Tid = syscall(SYS_gettid) == gettid();
  std::printf("once: %d; self: main %s, other %s; futex: stale wait %ld %s; "
              "gettid %s\n",
              OnceRuns, SameInMain ? "same" : "differs",
              OtherDiffers ? "differs" : "same", Stale, name(StaleErr),
              Tid ? "same" : "differs");
}

void standardLibrary() {
  std::mutex M;
  std::condition_variable CV;
  std::vector<int> Queue;
  long Sum = 0;
  std::thread Consumer([&] {
    for (int Got = 0; Got < Rounds;) {
      std::unique_lock<std::mutex> Lock(M);
      CV.wait(Lock, [&] { return !Queue.empty(); });
      for (int V : Queue)
        Sum += V;
      Got += static_cast<int>(Queue.size());
      Queue.clear();
      CV.notify_all();
    }
  });
  for (int I = 1; I <= Rounds; ++I) {
    std::unique_lock<std::mutex> Lock(M);
    CV.wait(Lock, [&] { return Queue.size() < 8; });
    Queue.push_back(I);
    CV.notify_one();
  }
  Consumer.join();
  {
    std::unique_lock<std::mutex> Lock(M);
    bool Timeout =
        CV.wait_for(Lock, std::chrono::nanoseconds(1)) == std::cv_status::timeout;
    std::printf("std::condition_variable: sum %ld, wait_for %s\n", Sum,
                Timeout ? "timeout" : "woken");
  }

  std::shared_mutex SM;
  long Shared = 0;
  std::atomic<long> Reads{0};
  inThreads([&](int Id) {
    for (int I = 0; I < Rounds; ++I) {
      if (Id == 0) {
        std::unique_lock Lock(SM);
        ++Shared;
      } else {
        std::shared_lock Lock(SM);
        Reads += Shared >= 0;
      }
    }
  });
  std::timed_mutex TM;
  TM.lock();
  bool TimedOut = false;
  std::thread([&] {
    TimedOut = !TM.try_lock_for(std::chrono::nanoseconds(1));
  }).join();
  TM.unlock();
  std::printf("std::shared_mutex: %ld, %ld; std::timed_mutex held: %s\n",
              Shared, Reads.load(), TimedOut ? "timed out" : "taken");

  std::atomic<int> Completions{0};
  std::barrier Sync(Threads, [&]() noexcept { ++Completions; });
  std::latch Done(Threads);
  std::counting_semaphore<Threads> Permits(0);
  std::once_flag Flag;
  int CallOnce = 0;
  inThreads([&](int) {
    for (int Round = 0; Round < 20; ++Round)
      Sync.arrive_and_wait();
    std::call_once(Flag, [&] { ++CallOnce; });
    Permits.release();
    Done.count_down();
  });
  Done.wait();
  for (int I = 0; I < Threads; ++I)
    Permits.acquire();
  bool More = Permits.try_acquire();
  std::printf("std::barrier: %d completions; std::latch done; "
              "std::counting_semaphore: more %s; std::call_once: %d\n",
              Completions.load(), More ? "yes" : "no", CallOnce);

  std::atomic<int> Flag2{0};
  std::thread Notified([&] { Flag2.wait(0); });
  Flag2.store(1);
  Flag2.notify_all();
  Notified.join();
  std::printf("std::atomic wait: %d\n", Flag2.load());
}

template <class T> void atomicsOf(const char *Name) {
  T Value = 0;
  inThreads([&](int) {
    for (int I = 0; I < 1000; ++I)
      __atomic_fetch_add(&Value, 1, __ATOMIC_SEQ_CST);
  });
  T V = 100;
  T Old[12];
  Old[0] = __atomic_exchange_n(&V, T(7), __ATOMIC_ACQ_REL);
  Old[1] = __atomic_fetch_add(&V, T(5), __ATOMIC_RELAXED);
  Old[2] = __atomic_fetch_sub(&V, T(2), __ATOMIC_RELEASE);
  Old[3] = __atomic_fetch_and(&V, T(0x3c), __ATOMIC_ACQUIRE);
  Old[4] = __atomic_fetch_nand(&V, T(0x0f), __ATOMIC_SEQ_CST);
  Old[5] = __atomic_fetch_or(&V, T(0x11), __ATOMIC_SEQ_CST);
  Old[6] = __atomic_fetch_xor(&V, T(0x22), __ATOMIC_SEQ_CST);
  Old[7] = __atomic_fetch_max(&V, T(3), __ATOMIC_SEQ_CST);
  Old[8] = __atomic_fetch_min(&V, T(1), __ATOMIC_SEQ_CST);
  using S = std::make_signed_t<T>;
  S Signed = -5;
  Old[9] = static_cast<T>(__atomic_fetch_max(&Signed, S(-9), __ATOMIC_SEQ_CST));
  Old[10] = static_cast<T>(__atomic_fetch_min(&Signed, S(-9), __ATOMIC_SEQ_CST));
  T Expected = 1;
  bool Strong = __atomic_compare_exchange_n(&V, &Expected, T(9), false,
                                            __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
  T Stale = 1;
  bool Failed = __atomic_compare_exchange_n(&V, &Stale, T(4), true,
                                            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  __atomic_store_n(&V, T(42), __ATOMIC_RELEASE);
  Old[11] = __atomic_load_n(&V, __ATOMIC_ACQUIRE);
  std::printf("atomics %s: %llu;", Name,
              static_cast<unsigned long long>(Value));
  for (T O : Old)
    std::printf(" %llu", static_cast<unsigned long long>(O));
  std::printf("; cas %d %d, stale %llu, signed %lld\n", Strong, Failed,
              static_cast<unsigned long long>(Stale),
              static_cast<long long>(Signed));
}

void atomics() {
  atomicsOf<uint8_t>("8");
  atomicsOf<uint16_t>("16");
  atomicsOf<uint32_t>("32");
  atomicsOf<uint64_t>("64");

  int Slots[4] = {};
  std::atomic<int *> P{&Slots[0]};
  int *Was = P.fetch_add(2);
  int *Expected = &Slots[2];
  bool Moved = P.compare_exchange_strong(Expected, &Slots[3]);
  std::atomic<float> F{1.5f};
  F.store(2.5f);
  float Got = F.exchange(3.5f);
  F.fetch_add(1.0f); // atomicrmw fadd: stays native
  std::atomic<double> D{0.25};
  double Expect = 0.25;
  bool DMoved = D.compare_exchange_strong(Expect, 0.75);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  std::printf("atomic pointer: %td %d %td; float %.1f %.1f; double %d %.2f\n",
              Was - Slots, Moved, P.load() - Slots, Got, F.load(), DMoved,
              D.load());
}

} // namespace

int main() {
  mutexes();
  conditions();
  rwlocks();
  barriersAndSpins();
  semaphores();
  onceSelfSyscall();
  standardLibrary();
  atomics();
  return 0;
}

// CHECK: mutex: 8000, held: trylock EBUSY, timedlock ETIMEDOUT, clocklock ETIMEDOUT
// CHECK: cond: 2000 taken, 4 woken, timedwait ETIMEDOUT, clockwait ETIMEDOUT
// CHECK: rwlock: 2000 written, 6000 read; read-held: timedwrlock ETIMEDOUT, clockwrlock ETIMEDOUT, timedrdlock 0, clockrdlock 0
// CHECK: barrier: 50 serial, in order yes; spin: 4000, held: trylock EBUSY
// CHECK: sem: sum 2001000, slots 3; empty: trywait -1 EAGAIN, timedwait -1 ETIMEDOUT, clockwait -1 ETIMEDOUT
// CHECK: once: 1; self: main same, other differs; futex: stale wait -1 EAGAIN; gettid same
// CHECK: std::condition_variable: sum 2001000, wait_for timeout
// CHECK: std::shared_mutex: 2000, 6000; std::timed_mutex held: timed out
// CHECK: std::barrier: 20 completions; std::latch done; std::counting_semaphore: more no; std::call_once: 1
// CHECK: std::atomic wait: 1
// CHECK: atomics 32: 4000;
// CHECK: atomic pointer: 0 1 3; float 2.5 4.5; double 1 0.75
