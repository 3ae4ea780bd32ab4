// A thread on another node sees and changes its own signal mask, as on one
// machine (api/Signals.cpp's pthread_sigmask and sigprocmask): it starts
// with its creator's, and its shadow at home, which signals sent to it
// reach, takes each change. Before, pthread_sigmask answered the agent's
// mask, every signal blocked, so the usual wait for a signal (block it,
// then sigsuspend with the old mask) waited for ever.
//
// On home, node 1 and node 2 in turn, one thread at a time:
//  - the mask it starts with: main's (SIGUSR1 blocked, SIGUSR2 not);
//  - it blocks SIGUSR2 and waits in sigsuspend with the old mask until
//    main's pthread_kill of SIGUSR2 has run the handler;
//  - a SIGUSR2 sent while it is blocked waits, and its handler has run
//    when the pthread_sigmask that unblocks it returns;
//  - SIG_SETMASK of an empty set and back, sigprocmask with SIG_BLOCK,
//    System V's sigset with SIG_HOLD then SIG_DFL, and a bad how (EINVAL
//    from both).
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK:      thread 0: starts with SIGUSR1 blocked yes, SIGUSR2 blocked no
// CHECK-NEXT: thread 0: sigsuspend with the old mask woke, handler ran yes
// CHECK-NEXT: thread 0: a pending SIGUSR2 ran its handler as it was unblocked: yes
// CHECK-NEXT: thread 0: empty mask, then back: SIGUSR1 blocked no, then yes
// CHECK-NEXT: thread 0: sigprocmask blocked SIGTERM yes, old had it no
// CHECK-NEXT: thread 0: sigset SIG_HOLD blocked SIGINT yes (was default yes), then SIG_DFL answered SIG_HOLD yes and unblocked it yes
// CHECK-NEXT: thread 0: bad how: pthread_sigmask EINVAL yes, sigprocmask -1 and EINVAL yes
// CHECK:      thread 2: bad how: pthread_sigmask EINVAL yes, sigprocmask -1 and EINVAL yes
// STATS: sigmask.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#define _GNU_SOURCE
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t Handled;
static atomic_int Stage;

static void onUsr2(int Sig) {
  (void)Sig;
  Handled = 1;
}

static void waitFor(int S) {
  while (atomic_load(&Stage) != S)
    usleep(1000);
}

static const char *yes(int B) { return B ? "yes" : "no"; }

static void *run(void *P) {
  long Id = (long)P;
  sigset_t Now, Old, Usr2;
  pthread_sigmask(SIG_BLOCK, NULL, &Now);
  printf("thread %ld: starts with SIGUSR1 blocked %s, SIGUSR2 blocked %s\n",
         Id, yes(sigismember(&Now, SIGUSR1)), yes(sigismember(&Now, SIGUSR2)));

  sigemptyset(&Usr2);
  sigaddset(&Usr2, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &Usr2, &Old);
  Handled = 0;
  atomic_store(&Stage, 1); // main sends SIGUSR2
  while (!Handled)
    sigsuspend(&Old);
  printf("thread %ld: sigsuspend with the old mask woke, handler ran %s\n", Id,
         yes(Handled));

  Handled = 0;
  atomic_store(&Stage, 2); // main sends SIGUSR2 again, which waits
  waitFor(3);
  usleep(50000);
  int Before = Handled;
  pthread_sigmask(SIG_UNBLOCK, &Usr2, NULL);
  printf("thread %ld: a pending SIGUSR2 ran its handler as it was unblocked: "
         "%s\n",
         Id, yes(!Before && Handled));

  sigset_t Empty, Back;
  sigemptyset(&Empty);
  pthread_sigmask(SIG_SETMASK, &Empty, &Old);
  pthread_sigmask(SIG_SETMASK, &Old, &Back);
  pthread_sigmask(SIG_BLOCK, NULL, &Now);
  printf("thread %ld: empty mask, then back: SIGUSR1 blocked %s, then %s\n",
         Id, yes(sigismember(&Back, SIGUSR1)), yes(sigismember(&Now, SIGUSR1)));

  sigset_t Term;
  sigemptyset(&Term);
  sigaddset(&Term, SIGTERM);
  sigprocmask(SIG_BLOCK, &Term, &Old);
  pthread_sigmask(SIG_BLOCK, NULL, &Now);
  printf("thread %ld: sigprocmask blocked SIGTERM %s, old had it %s\n", Id,
         yes(sigismember(&Now, SIGTERM)), yes(sigismember(&Old, SIGTERM)));

  void (*Held)(int) = sigset(SIGINT, SIG_HOLD);
  pthread_sigmask(SIG_BLOCK, NULL, &Now);
  int HeldNow = sigismember(&Now, SIGINT);
  void (*Released)(int) = sigset(SIGINT, SIG_DFL);
  pthread_sigmask(SIG_BLOCK, NULL, &Now);
  printf("thread %ld: sigset SIG_HOLD blocked SIGINT %s (was default %s), "
         "then SIG_DFL answered SIG_HOLD %s and unblocked it %s\n",
         Id, yes(HeldNow), yes(Held == SIG_DFL), yes(Released == SIG_HOLD),
         yes(!sigismember(&Now, SIGINT)));

  int Err = pthread_sigmask(12345, &Term, NULL);
  errno = 0;
  int Proc = sigprocmask(12345, &Term, NULL);
  printf("thread %ld: bad how: pthread_sigmask EINVAL %s, sigprocmask -1 and "
         "EINVAL %s\n",
         Id, yes(Err == EINVAL), yes(Proc == -1 && errno == EINVAL));
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGINT, SIG_DFL); // whatever the shell or mpirun left
  struct sigaction Action = {0};
  Action.sa_handler = onUsr2;
  sigemptyset(&Action.sa_mask);
  sigaction(SIGUSR2, &Action, NULL);
  sigset_t Usr1;
  sigemptyset(&Usr1);
  sigaddset(&Usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &Usr1, NULL);

  for (long I = 0; I < 3; ++I) { // home, node 1, node 2 under spread
    pthread_t T;
    atomic_store(&Stage, 0);
    pthread_create(&T, NULL, run, (void *)I);
    waitFor(1);
    pthread_kill(T, SIGUSR2);
    waitFor(2);
    pthread_kill(T, SIGUSR2);
    atomic_store(&Stage, 3);
    pthread_join(T, NULL);
  }
  return 0;
}
