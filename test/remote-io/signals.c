// Signals sent and waited for by threads on other nodes are the program's
// process's, home's: signals from outside arrive there, and the process's
// timers are there. So a remote thread's sigwait, sigwaitinfo and
// sigtimedwait wait at home (its shadow takes the signal), and its
// sigqueue, killpg, alarm, ualarm, setitimer and getitimer act there
// (docs/design/remote-io.md, the calls). Before, sigwait waited on the
// node for a signal that never came there, an alarm rang on the node,
// where every thread blocks it, and a queued signal came from the agent.
//
// main blocks the signals before making its threads, one at a time (with
// spread: home, node 1, node 2). The thread on node 1 waits for a kill and
// a sigqueue of main's, and for nothing (a timeout); the thread on node 2
// queues a signal, sets and reads the alarm and a timer, and asks killpg
// about home's process group; main then takes the queued signal (sent by
// its own process: si_pid is home's pid) and the timer's SIGALRM. The
// output equals the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK: signals.c:{{[0-9]+}} (runThread) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void *nothing(void *P) { return P; }

// Node 1: what main sends, and a wait that times out.
static void *waiter(void *P) {
  sigset_t Set;
  sigemptyset(&Set);
  sigaddset(&Set, SIGUSR1);
  int Sig = 0;
  int Result = sigwait(&Set, &Sig);
  printf("sigwait: %d, SIGUSR1 %d\n", Result, Sig == SIGUSR1);

  sigemptyset(&Set);
  sigaddset(&Set, SIGUSR2);
  siginfo_t Info;
  memset(&Info, 0, sizeof Info);
  Sig = sigwaitinfo(&Set, &Info);
  printf("sigwaitinfo: SIGUSR2 %d, queued %d, value %d, from this "
         "process %d\n",
         Sig == SIGUSR2, Info.si_code == SI_QUEUE, Info.si_value.sival_int,
         Info.si_pid == getpid());

  sigemptyset(&Set);
  sigaddset(&Set, SIGRTMIN);
  struct timespec Short = {0, 30 * 1000 * 1000};
  errno = 0;
  Sig = sigtimedwait(&Set, &Info, &Short);
  printf("sigtimedwait with nothing sent: %d %s\n", Sig, strerror(errno));
  return P;
}

// Node 2: a queued signal, the alarm, a timer, killpg.
static void *sender(void *P) {
  union sigval Value;
  Value.sival_int = 7;
  int Queued = sigqueue(getpid(), SIGRTMIN, Value);
  unsigned Before = alarm(100);
  unsigned Left = alarm(0);
  useconds_t MicroLeft = ualarm(0, 0);
  struct itimerval Timer, Old, Now;
  memset(&Timer, 0, sizeof Timer);
  Timer.it_value.tv_usec = 50 * 1000;
  int Set = setitimer(ITIMER_REAL, &Timer, &Old);
  int Got = getitimer(ITIMER_REAL, &Now);
  int Group = killpg(getpgrp(), 0);
  printf("sigqueue %d; alarm before %u, left %d; ualarm %u; setitimer %d "
         "(none before %d), getitimer %d (running %d); killpg of the "
         "process group %d\n",
         Queued, Before, Left >= 99 && Left <= 100, (unsigned)MicroLeft, Set,
         Old.it_value.tv_sec == 0 && Old.it_value.tv_usec == 0, Got,
         Now.it_value.tv_sec > 0 || Now.it_value.tv_usec > 0, Group);
  return P;
}

static void runThread(void *(*Body)(void *)) {
  pthread_t T;
  if (pthread_create(&T, NULL, Body, NULL) != 0) {
    puts("pthread_create failed");
    return;
  }
  if (Body == waiter) {
    kill(getpid(), SIGUSR1);
    union sigval Value;
    Value.sival_int = 42;
    sigqueue(getpid(), SIGUSR2, Value);
  }
  pthread_join(T, NULL);
}

int main(void) {
  sigset_t Blocked;
  sigemptyset(&Blocked);
  sigaddset(&Blocked, SIGUSR1);
  sigaddset(&Blocked, SIGUSR2);
  sigaddset(&Blocked, SIGALRM);
  sigaddset(&Blocked, SIGRTMIN);
  pthread_sigmask(SIG_BLOCK, &Blocked, NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);

  runThread(nothing);
  runThread(waiter);
  runThread(sender);

  sigset_t Set;
  sigemptyset(&Set);
  sigaddset(&Set, SIGRTMIN);
  siginfo_t Info;
  memset(&Info, 0, sizeof Info);
  struct timespec Long = {10, 0};
  int Sig = sigtimedwait(&Set, &Info, &Long);
  printf("main: SIGRTMIN %d, value %d, from this process %d\n",
         Sig == SIGRTMIN, Info.si_value.sival_int, Info.si_pid == getpid());
  sigemptyset(&Set);
  sigaddset(&Set, SIGALRM);
  Sig = sigtimedwait(&Set, &Info, &Long);
  printf("main: the timer rang %d\n", Sig == SIGALRM);
  return 0;
}
