// Signals sent and waited for by threads on other nodes are the program's
// process's, home's: signals from outside arrive there, and the process's
// timers are there. So a remote thread's sigwait, sigwaitinfo and
// sigtimedwait wait at home (its shadow takes the signal), and its
// sigqueue, killpg, alarm, ualarm, setitimer, getitimer, raise,
// pthread_kill, pthread_sigqueue, sigsuspend and pause act there
// (docs/design/remote-io.md, the calls). Before, sigwait waited on the
// node for a signal that never came there, an alarm rang on the node,
// where every thread blocks it, and a queued signal came from the agent.
//
// main blocks the signals before making its threads, one at a time (with
// spread: home, node 1, node 2). The thread on node 1 waits for a kill and
// a sigqueue of main's, and for nothing (a timeout); the thread on node 2
// queues a signal, sets the alarm, a timer and ualarm, each finding what
// the one before set, and asks killpg about home's process group (only
// its answer is checked: one host cannot tell whose group it asked); main
// then takes the queued signal (sent by its own process: si_pid is home's
// pid) and the timer's SIGALRM. A last
// thread, on node 1, raises SIGWINCH and sends it to itself
// (pthread_kill, pthread_sigqueue): the handler runs at home, on its
// shadow, before each call returns, and the thread reads what it counted;
// then it waits in sigsuspend for main's SIGUSR1 and in pause for main's
// SIGWINCH to it. The output equals the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK: signals.c:{{[0-9]+}} (runThread) pthread_create 5 {{.*}}node 1: 2, node 2: 1
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
  // alarm, setitimer and ualarm share the process's real-time timer, and
  // each finds what the one before set, at home: an alarm or a ualarm made
  // on the node would answer 0, or leave home's timer unset.
  unsigned Before = alarm(100);
  struct itimerval Timer, Old, Now;
  memset(&Timer, 0, sizeof Timer);
  Timer.it_value.tv_sec = 10;
  int Set = setitimer(ITIMER_REAL, &Timer, &Old);
  int FoundAlarm = Old.it_value.tv_sec >= 98 && Old.it_value.tv_sec <= 100;
  useconds_t MicroLeft = ualarm(0, 0);
  int FoundTimer = MicroLeft >= 9000000 && MicroLeft <= 10000000;
  memset(&Timer, 0, sizeof Timer);
  Timer.it_value.tv_usec = 50 * 1000;
  int SetAgain = setitimer(ITIMER_REAL, &Timer, &Old);
  int Got = getitimer(ITIMER_REAL, &Now);
  int Group = killpg(getpgrp(), 0);
  printf("sigqueue %d; alarm before %u; setitimer %d found the alarm %d; "
         "ualarm found the timer %d; setitimer %d (none before %d), "
         "getitimer %d (running %d); killpg of the process group %d\n",
         Queued, Before, Set, FoundAlarm, FoundTimer, SetAgain,
         Old.it_value.tv_sec == 0 && Old.it_value.tv_usec == 0, Got,
         Now.it_value.tv_sec > 0 || Now.it_value.tv_usec > 0, Group);
  return P;
}

// Node 1 again: signals it raises or sends to itself, whose handlers run
// at home before the call returns; a sigsuspend and a pause ended by
// main's signals.
static volatile sig_atomic_t Winches, WinchValue, Usr1Handled;
static atomic_int Pausing, Paused;

static void onWinch(int Sig, siginfo_t *Info, void *Context) {
  (void)Sig, (void)Context;
  ++Winches;
  if (Info->si_code == SI_QUEUE)
    WinchValue = Info->si_value.sival_int;
}

static void onUsr1(int Sig) {
  (void)Sig;
  ++Usr1Handled;
}

static void *raiser(void *P) {
  struct sigaction A;
  memset(&A, 0, sizeof A);
  A.sa_sigaction = onWinch;
  A.sa_flags = SA_SIGINFO;
  sigemptyset(&A.sa_mask);
  sigaction(SIGWINCH, &A, NULL);
  int Raised = raise(SIGWINCH);
  int AfterRaise = Winches;
  int Killed = pthread_kill(pthread_self(), SIGWINCH);
  int AfterKill = Winches;
  union sigval Value;
  Value.sival_int = 9;
  int Queued = pthread_sigqueue(pthread_self(), SIGWINCH, Value);
  printf("raise %d: handled %d; pthread_kill of itself %d: handled %d; "
         "pthread_sigqueue %d: handled %d, value %d\n",
         Raised, AfterRaise, Killed, AfterKill, Queued, (int)Winches,
         (int)WinchValue);

  // Every signal blocked but SIGUSR1 (the queued SIGRTMIN and the timer's
  // SIGALRM wait for main).
  signal(SIGUSR1, onUsr1);
  sigset_t AllButUsr1;
  sigfillset(&AllButUsr1);
  sigdelset(&AllButUsr1, SIGUSR1);
  errno = 0;
  int Suspended = sigsuspend(&AllButUsr1);
  printf("sigsuspend %d (%s), SIGUSR1 handled %d\n", Suspended,
         strerror(errno), (int)Usr1Handled);

  atomic_store(&Pausing, 1);
  errno = 0;
  int Paused_ = pause();
  int Error = errno;
  atomic_store(&Paused, 1);
  printf("pause %d (%s), SIGWINCH handled again %d\n", Paused_,
         strerror(Error), Winches > 3);
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
  if (Body == raiser) {
    // SIGUSR1 is blocked in every thread but one in sigsuspend; then a
    // SIGWINCH to the thread until its pause has ended.
    kill(getpid(), SIGUSR1);
    while (!atomic_load(&Pausing))
      usleep(1000);
    while (!atomic_load(&Paused)) {
      pthread_kill(T, SIGWINCH);
      usleep(10000);
    }
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
  runThread(nothing);
  runThread(raiser);

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
