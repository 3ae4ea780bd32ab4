// Timed waits of threads on nodes whose CLOCK_MONOTONIC is not home's.
// Each machine counts that clock from its own boot, and a remote thread's
// wait runs at home, so a time limit its node read on its clock must move
// onto home's (sync::shiftDeadline, docs/design/dsm.md). Here each rank runs
// in a time namespace of its own: home's clock 200000 s ahead of this
// machine's, node 1's 100000 s (behind home: its limits had passed there at
// once), node 2's 300000 s (ahead: its 30 ms lasted a day there).
//
// Three threads (home, node 1, node 2) first wait 30 ms for what main holds
// back: a mutex (pthread_mutex_clocklock), conditions made with
// CLOCK_MONOTONIC and with CLOCK_REALTIME (pthread_cond_timedwait),
// semaphores (sem_clockwait, and sem_timedwait of CLOCK_REALTIME),
// std::condition_variable::wait_for, std::timed_mutex::try_lock_for,
// std::counting_semaphore::try_acquire_for, std::future::wait_for and
// wait_until of the system clock; each must time out, no sooner than its
// limit by the thread's own clock and well within 10 s. Then each waits up
// to 20 s for the same, which main lets go one at a time, 50 ms apart, so
// that each wait blocks; each must succeed. Last, each sets a timer of
// CLOCK_MONOTONIC to an absolute time 50 ms ahead (timer_settime with
// TIMER_ABSTIME), which must fire, no sooner. The output equals the plain
// run's.
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
#include <signal.h>
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
pthread_cond_t RealtimeCond = PTHREAD_COND_INITIALIZER;
bool CondGo = false, RealtimeCondGo = false;
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

// One wait, timed on the thread's own clock: "got", or "timed out" if it
// ran out no sooner than its limit and well before the 20 s limit of the
// second phase ("timed out early" / "timed out late" else: a deadline read
// on the wrong clock).
template <typename Wait>
std::string timed(const char *What, std::chrono::milliseconds Limit, Wait W) {
  auto Start = std::chrono::steady_clock::now();
  bool Got = W(Limit);
  auto Took = std::chrono::steady_clock::now() - Start;
  std::string S = std::string(What) + " ";
  if (Got)
    return S + "got";
  if (Took < Limit)
    return S + "timed out early";
  if (Took > 10s)
    return S + "timed out late";
  return S + "timed out";
}

std::string waits(std::chrono::milliseconds Limit,
                  const std::shared_future<int> &Future) {
  std::vector<std::string> Said;
  Said.push_back(timed("mutex", Limit, [](auto L) {
    timespec T = in(CLOCK_MONOTONIC, L);
    if (pthread_mutex_clocklock(&Held, CLOCK_MONOTONIC, &T) != 0)
      return false;
    pthread_mutex_unlock(&Held);
    return true;
  }));
  for (pthread_cond_t *Cond : {&MonotonicCond, &RealtimeCond})
    Said.push_back(timed(
        Cond == &MonotonicCond ? "cond" : "realtime cond", Limit,
        [Cond](auto L) {
          timespec T =
              in(Cond == &MonotonicCond ? CLOCK_MONOTONIC : CLOCK_REALTIME, L);
          pthread_mutex_lock(&CondMutex);
          int Error = 0;
          bool &Go = Cond == &MonotonicCond ? CondGo : RealtimeCondGo;
          while (!Go && Error == 0)
            Error = pthread_cond_timedwait(Cond, &CondMutex, &T);
          pthread_mutex_unlock(&CondMutex);
          return Error == 0;
        }));
  Said.push_back(timed("sem", Limit, [](auto L) {
    timespec T = in(CLOCK_MONOTONIC, L);
    return sem_clockwait(&MonotonicSem, CLOCK_MONOTONIC, &T) == 0;
  }));
  Said.push_back(timed("realtime sem", Limit, [](auto L) {
    timespec T = in(CLOCK_REALTIME, L);
    return sem_timedwait(&RealtimeSem, &T) == 0;
  }));
  Said.push_back(timed("std cond", Limit, [](auto L) {
    std::unique_lock<std::mutex> Lock(StdMutex);
    return StdCond.wait_for(Lock, L, [] { return StdGo; });
  }));
  Said.push_back(timed("std mutex", Limit, [](auto L) {
    if (!StdTimed.try_lock_for(L))
      return false;
    StdTimed.unlock();
    return true;
  }));
  Said.push_back(timed("std sem", Limit,
                       [](auto L) { return StdSem.try_acquire_for(L); }));
  Said.push_back(timed("future", Limit, [&Future](auto L) {
    return Future.wait_for(L) == std::future_status::ready;
  }));
  Said.push_back(timed("future (system clock)", Limit, [&Future](auto L) {
    return Future.wait_until(std::chrono::system_clock::now() + L) ==
           std::future_status::ready;
  }));
  std::string S;
  for (const std::string &One : Said)
    S += (S.empty() ? "" : ", ") + One;
  return S;
}

// A POSIX timer of CLOCK_MONOTONIC set to an absolute time 50 ms ahead
// (TIMER_ABSTIME; made at home for a remote thread, whose time home moves
// onto its own clock): its signal comes, no sooner than 50 ms by the
// thread's clock, well before 10 s.
std::string absoluteTimer(int Signal) {
  sigset_t Signals;
  sigemptyset(&Signals);
  sigaddset(&Signals, Signal);
  sigevent Event = {};
  Event.sigev_notify = SIGEV_SIGNAL;
  Event.sigev_signo = Signal;
  timer_t Timer;
  if (timer_create(CLOCK_MONOTONIC, &Event, &Timer) != 0)
    return "timer_create failed";
  auto Start = std::chrono::steady_clock::now();
  itimerspec When = {};
  When.it_value = in(CLOCK_MONOTONIC, 50ms);
  timer_settime(Timer, TIMER_ABSTIME, &When, nullptr);
  timespec Limit = {10, 0};
  int Got = sigtimedwait(&Signals, nullptr, &Limit);
  auto Took = std::chrono::steady_clock::now() - Start;
  timer_delete(Timer);
  if (Got != Signal)
    return "absolute timer never fired";
  return Took < 50ms ? "absolute timer fired early" : "absolute timer fired";
}

} // namespace

int main() {
  // The timers' signals (one per thread, each taken by its own thread's
  // sigtimedwait): blocked in every thread.
  sigset_t Signals;
  sigemptyset(&Signals);
  for (int I = 1; I <= 3; ++I)
    sigaddset(&Signals, SIGRTMIN + I);
  pthread_sigmask(SIG_BLOCK, &Signals, nullptr);
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
      Then[I] = waits(20000ms, Future) + "; " + absoluteTimer(SIGRTMIN + 1 + I);
    }));
  while (TimedOut.load() < 3)
    std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(100ms);

  // Each thing in the order the threads wait for them, 50 ms apart, so that
  // each wait of 20 s blocks before it is let go.
  auto Next = [] { std::this_thread::sleep_for(50ms); };
  pthread_mutex_unlock(&Held);
  Next();
  for (bool *Go : {&CondGo, &RealtimeCondGo}) {
    pthread_mutex_lock(&CondMutex);
    *Go = true;
    pthread_cond_broadcast(Go == &CondGo ? &MonotonicCond : &RealtimeCond);
    pthread_mutex_unlock(&CondMutex);
    Next();
  }
  for (sem_t *Sem : {&MonotonicSem, &RealtimeSem}) {
    for (int I = 0; I < 3; ++I)
      sem_post(Sem);
    Next();
  }
  {
    std::lock_guard<std::mutex> L(StdMutex);
    StdGo = true;
  }
  StdCond.notify_all();
  Next();
  StdTimed.unlock();
  Next();
  StdSem.release(3);
  Next();
  Promise.set_value(1);

  for (std::thread &T : Threads)
    T.join();
  for (int I = 0; I < 3; ++I)
    std::printf("thread %d, 30 ms: %s\nthread %d, 20 s: %s\n", I,
                First[I].c_str(), I, Then[I].c_str());
  return 0;
}
