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
//  - a SIGSEGV handler that unblocks SIGSEGV and longjmps out, three times
//    (the signal is open again on the thread's node);
//  - pselect and ppoll with the old mask: a SIGUSR2 sent while blocked
//    ends them with EINTR, its handler run;
//  - SIG_SETMASK of an empty set and back, sigprocmask with SIG_BLOCK,
//    System V's sigset with SIG_HOLD then SIG_DFL, and a bad how (EINVAL
//    from both).
// Then a thread that blocks every signal and waits in a read at home is
// cancelled all the same (its shadow never blocks the cancellation's kick).
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
// CHECK-NEXT: thread 0: faults caught by a handler that unblocks and jumps: 3
// CHECK-NEXT: thread 0: pselect with the old mask: -1, EINTR yes, handler ran yes
// CHECK-NEXT: thread 0: ppoll with the old mask: -1, EINTR yes, handler ran yes
// CHECK-NEXT: thread 0: bad how: pthread_sigmask EINVAL yes, sigprocmask -1 and EINVAL yes
// CHECK:      thread 2: faults caught by a handler that unblocks and jumps: 3
// CHECK:      thread 2: bad how: pthread_sigmask EINVAL yes, sigprocmask -1 and EINVAL yes
// CHECK-NEXT: thread 0 blocking every signal: canceled in its read yes
// CHECK-NEXT: thread 1 blocking every signal: canceled in its read yes
// CHECK-NEXT: thread 2 blocking every signal: canceled in its read yes
// STATS: sigmask.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// STATS: sigmask.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#define _GNU_SOURCE
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <sys/select.h>
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

static jmp_buf Jumps[3];
static _Thread_local long Mine; // the faulting thread's index
static int Faults[3];
static void onSegv(int Sig) {
  (void)Sig;
  sigset_t Segv;
  sigemptyset(&Segv);
  sigaddset(&Segv, SIGSEGV);
  pthread_sigmask(SIG_UNBLOCK, &Segv, NULL);
  ++Faults[Mine];
  longjmp(Jumps[Mine], 1);
}

// A thread blocked in a read with every signal blocked (a common worker's
// mask), cancelled: its call at home is ended all the same.
static int Empty[2];
static void *blocksAll(void *P) {
  (void)P;
  sigset_t All;
  sigfillset(&All);
  pthread_sigmask(SIG_BLOCK, &All, NULL);
  atomic_store(&Stage, 1);
  char Byte;
  read(Empty[0], &Byte, 1);
  printf("its read returned\n");
  return NULL;
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

  // A fault handler that unblocks its signal and jumps out, three times:
  // the signal must be open again on the thread's node.
  Mine = Id;
  for (Faults[Id] = 0; Faults[Id] < 3;)
    if (setjmp(Jumps[Id]) == 0)
      *(volatile int *)0 = 1;
  printf("thread %ld: faults caught by a handler that unblocks and jumps: "
         "%d\n",
         Id, Faults[Id]);

  // pselect and ppoll wait with the mask they are given: a SIGUSR2 sent
  // while it was blocked ends them, its handler run.
  pthread_sigmask(SIG_BLOCK, &Usr2, &Old);
  for (int Call = 0; Call < 2; ++Call) {
    Handled = 0;
    atomic_store(&Stage, 4 + 2 * Call); // main sends SIGUSR2, which waits
    waitFor(5 + 2 * Call);
    struct timespec Second = {5, 0};
    errno = 0;
    int Got = Call == 0 ? pselect(0, NULL, NULL, NULL, &Second, &Old)
                        : ppoll(NULL, 0, &Second, &Old);
    printf("thread %ld: %s with the old mask: %d, EINTR %s, handler ran %s\n",
           Id, Call == 0 ? "pselect" : "ppoll", Got, yes(errno == EINTR),
           yes(Handled));
  }
  pthread_sigmask(SIG_SETMASK, &Old, NULL);

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

  struct sigaction Segv = {0};
  Segv.sa_handler = onSegv;
  sigemptyset(&Segv.sa_mask);
  sigaction(SIGSEGV, &Segv, NULL);

  for (long I = 0; I < 3; ++I) { // home, node 1, node 2 under spread
    pthread_t T;
    atomic_store(&Stage, 0);
    pthread_create(&T, NULL, run, (void *)I);
    waitFor(1);
    pthread_kill(T, SIGUSR2);
    waitFor(2);
    pthread_kill(T, SIGUSR2);
    atomic_store(&Stage, 3);
    for (int Call = 0; Call < 2; ++Call) {
      waitFor(4 + 2 * Call);
      pthread_kill(T, SIGUSR2);
      atomic_store(&Stage, 5 + 2 * Call);
    }
    pthread_join(T, NULL);
  }

  pipe(Empty);
  for (long I = 0; I < 3; ++I) {
    pthread_t T;
    atomic_store(&Stage, 0);
    pthread_create(&T, NULL, blocksAll, NULL);
    waitFor(1);
    usleep(200000); // into its read
    pthread_cancel(T);
    void *Result;
    pthread_join(T, &Result);
    printf("thread %ld blocking every signal: canceled in its read %s\n", I,
           yes(Result == PTHREAD_CANCELED));
  }
  return 0;
}
