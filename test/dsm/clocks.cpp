// Timed waits of threads on nodes whose CLOCK_MONOTONIC is not home's.
// Each machine counts that clock from its own boot, and a remote thread's
// wait runs at home, so a time limit its node read on its clock must move
// onto home's (sync::shiftDeadline, docs/design/dsm.md). Here each rank runs
// in a time namespace of its own: home's clock 200000 s ahead of this
// machine's, node 1's 100000 s (behind home: its limits had passed there at
// once), node 2's 300000 s (ahead: its 30 ms lasted a day there).
//
// Three threads (home, node 1, node 2) first wait 30 ms for what main holds
// back: a mutex (pthread_mutex_clocklock), a condition made with
// CLOCK_MONOTONIC (pthread_cond_timedwait), semaphores (sem_clockwait, and
// sem_timedwait of CLOCK_REALTIME), std::condition_variable::wait_for,
// std::timed_mutex::try_lock_for, std::counting_semaphore::try_acquire_for,
// std::future::wait_for and wait_until of the system clock; each must time
// out. Then each waits up to 20 s for the same, which main now lets go
// 100 ms after all have timed out; each must succeed. The output equals the
// plain run's.
//
// REQUIRES: time-namespaces
// RUN: %clangxx -std=c++20 %s -o %t.plain
// RUN: %grid-clangxx -std=c++20 -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirunclocks %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK: clocks.cpp:{{[0-9]+}} (main) std::thread 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

pthread_mutex_t Held = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t CondMutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t MonotonicCond;
bool CondGo = false;
sem_t MonotonicSem, RealtimeSem;

std::mutex StdMutex;
std::condition_variable StdCond;
bool StdGo = false;
std::timed_mutex StdTimed;
std::counting_semaphore<8> StdSem(0);

timespec in(clockid_t Clock, std::chrono::milliseconds Ms) {
  timespec T;
  clock_gettime(Clock, &T);
  long long Ns = T.tv_nsec + Ms.count() * 1000000LL;
  T.tv_sec += Ns / 1000000000LL;
  T.tv_nsec = Ns % 1000000000LL;
  return T;
}

const char *said(int Error) {
  return Error == 0 ? "got" : Error == ETIMEDOUT ? "timed out" : "failed";
}

std::string waits(std::chrono::milliseconds Limit,
                  const std::shared_future<int> &Future) {
  std::string S;
  timespec T = in(CLOCK_MONOTONIC, Limit);
  int Error = pthread_mutex_clocklock(&Held, CLOCK_MONOTONIC, &T);
  S += std::string("mutex ") + said(Error);
  if (Error == 0)
    pthread_mutex_unlock(&Held);

  pthread_mutex_lock(&CondMutex);
  T = in(CLOCK_MONOTONIC, Limit);
  Error = 0;
  while (!CondGo && Error == 0)
    Error = pthread_cond_timedwait(&MonotonicCond, &CondMutex, &T);
  pthread_mutex_unlock(&CondMutex);
  S += std::string(", cond ") + said(Error);

  T = in(CLOCK_MONOTONIC, Limit);
  S += std::string(", sem ") +
       said(sem_clockwait(&MonotonicSem, CLOCK_MONOTONIC, &T) ? errno : 0);
  T = in(CLOCK_REALTIME, Limit);
  S += std::string(", realtime sem ") +
       said(sem_timedwait(&RealtimeSem, &T) ? errno : 0);

  {
    std::unique_lock<std::mutex> L(StdMutex);
    S += StdCond.wait_for(L, Limit, [] { return StdGo; })
             ? ", std cond got"
             : ", std cond timed out";
  }
  if (StdTimed.try_lock_for(Limit)) {
    S += ", std mutex got";
    StdTimed.unlock();
  } else {
    S += ", std mutex timed out";
  }
  S += StdSem.try_acquire_for(Limit) ? ", std sem got" : ", std sem timed out";
  S += Future.wait_for(Limit) == std::future_status::ready
           ? ", future ready"
           : ", future timed out";
  S += Future.wait_until(std::chrono::system_clock::now() + Limit) ==
               std::future_status::ready
           ? ", future (system clock) ready"
           : ", future (system clock) timed out";
  return S;
}

} // namespace

int main() {
  pthread_condattr_t Attr;
  pthread_condattr_init(&Attr);
  pthread_condattr_setclock(&Attr, CLOCK_MONOTONIC);
  pthread_cond_init(&MonotonicCond, &Attr);
  sem_init(&MonotonicSem, 0, 0);
  sem_init(&RealtimeSem, 0, 0);
  std::promise<int> Promise;
  std::shared_future<int> Future = Promise.get_future().share();
  pthread_mutex_lock(&Held);
  StdTimed.lock();

  std::atomic<int> TimedOut{0};
  std::vector<std::string> First(3), Then(3);
  std::vector<std::thread> Threads;
  for (int I = 0; I < 3; ++I)
    Threads.push_back(std::thread([&, I] {
      First[I] = waits(30ms, Future);
      TimedOut.fetch_add(1);
      Then[I] = waits(20000ms, Future);
    }));
  while (TimedOut.load() < 3)
    std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(100ms);

  pthread_mutex_unlock(&Held);
  pthread_mutex_lock(&CondMutex);
  CondGo = true;
  pthread_cond_broadcast(&MonotonicCond);
  pthread_mutex_unlock(&CondMutex);
  for (int I = 0; I < 3; ++I) {
    sem_post(&MonotonicSem);
    sem_post(&RealtimeSem);
  }
  {
    std::lock_guard<std::mutex> L(StdMutex);
    StdGo = true;
  }
  StdCond.notify_all();
  StdTimed.unlock();
  StdSem.release(3);
  Promise.set_value(1);

  for (std::thread &T : Threads)
    T.join();
  for (int I = 0; I < 3; ++I)
    std::printf("thread %d, 30 ms: %s\nthread %d, 20 s: %s\n", I,
                First[I].c_str(), I, Then[I].c_str());
  return 0;
}
