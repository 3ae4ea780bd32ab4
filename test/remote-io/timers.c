// POSIX timers a thread on another node makes are the process's, made at
// home: their signals reach the program (a sigwait waits for them there),
// and a SIGEV_THREAD timer's function runs at home (api/RemoteIo.cpp,
// timer_create). Before, the timer was the agent's: its signal reached
// the agent, where every thread blocks it, and was lost, and its function
// ran on a thread of the agent's.
//
// main blocks SIGUSR1 and makes threads one at a time (spread: home, node
// 1, node 2). The one on node 1 makes a SIGEV_SIGNAL timer of 300 ms, reads
// it, waits for its signal (sigwaitinfo: the timer's value comes with it),
// reads its overrun and deletes it; the one on node 2 makes a SIGEV_THREAD
// timer whose function counts at home (its getpid is home's, which the
// thread's is too), and waits until it has counted.
// The output equals the plain run's.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK: timers.c:{{[0-9]+}} (run) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int Fired;
static void *FiredWith;
static pid_t FiredIn;

static void *nothing(void *P) { return P; }

static void *signalTimer(void *P) {
  struct sigevent Event;
  memset(&Event, 0, sizeof Event);
  Event.sigev_notify = SIGEV_SIGNAL;
  Event.sigev_signo = SIGUSR1;
  Event.sigev_value.sival_int = 77;
  timer_t Timer;
  int Made = timer_create(CLOCK_MONOTONIC, &Event, &Timer);
  struct itimerspec In = {{0, 0}, {0, 300 * 1000 * 1000}}, Left;
  int Set = timer_settime(Timer, 0, &In, NULL);
  int Got = timer_gettime(Timer, &Left);
  sigset_t Usr1;
  sigemptyset(&Usr1);
  sigaddset(&Usr1, SIGUSR1);
  siginfo_t Info;
  memset(&Info, 0, sizeof Info);
  struct timespec Long = {10, 0};
  int Sig = sigtimedwait(&Usr1, &Info, &Long);
  int Overrun = timer_getoverrun(Timer);
  int Deleted = timer_delete(Timer);
  printf("signal timer: made %d, set %d, read %d (running %d); its signal "
         "%d (from a timer %d, value %d); overrun %d; deleted %d\n",
         Made, Set, Got, Left.it_value.tv_nsec > 0 || Left.it_value.tv_sec > 0,
         Sig == SIGUSR1, Info.si_code == SI_TIMER, Info.si_value.sival_int,
         Overrun, Deleted);
  return P;
}

static void count(union sigval Value) {
  FiredWith = Value.sival_ptr;
  FiredIn = getpid(); // the program's process: home's
  atomic_fetch_add(&Fired, 1);
}

static void *threadTimer(void *P) {
  struct sigevent Event;
  memset(&Event, 0, sizeof Event);
  Event.sigev_notify = SIGEV_THREAD;
  Event.sigev_notify_function = count;
  Event.sigev_value.sival_ptr = &Fired;
  timer_t Timer;
  int Made = timer_create(CLOCK_MONOTONIC, &Event, &Timer);
  struct itimerspec In = {{0, 0}, {0, 20 * 1000 * 1000}};
  int Set = timer_settime(Timer, 0, &In, NULL);
  int Looks = 0;
  while (atomic_load(&Fired) == 0 && Looks++ < 5000)
    usleep(1000);
  int Deleted = timer_delete(Timer);
  printf("thread timer: made %d, set %d; its function ran %d (given %d, in "
         "the program's process %d); deleted %d\n",
         Made, Set, atomic_load(&Fired), FiredWith == &Fired,
         FiredIn == getpid(), Deleted);
  return P;
}

static void run(void *(*Body)(void *)) {
  pthread_t T;
  if (pthread_create(&T, NULL, Body, NULL) == 0)
    pthread_join(T, NULL);
}

int main(void) {
  sigset_t Usr1;
  sigemptyset(&Usr1);
  sigaddset(&Usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &Usr1, NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);
  run(nothing);
  run(signalTimer);
  run(threadTimer);
  return 0;
}
