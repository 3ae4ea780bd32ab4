// Handlers main changes after its threads started reach the threads
// already running on other nodes (docs/design/dsm.md, signal handlers):
// home sends its changed actions to the nodes within a tick of its loop.
//
//  1. Six threads (two on each of home and two agents) start with
//     SIGFPE's default action and wait at a barrier; main installs a
//     SIGFPE handler. Each thread waits until sigaction reports it (at
//     most 10 s), divides by zero and recovers with siglongjmp in it.
//  2. main sets SIGFPE back to the default; every thread sees it again.
//  3. main installs the handler, creates two threads (home's turn, then
//     node 1's: its start brings the handler there) and sets the default
//     back at once, within a tick: node 1 must still end with the default.
//  4. The threads on the agents install a SIGILL handler of their own,
//     which stays theirs over many ticks while home's action (unchanged)
//     is the default: home sends only changes.
//
// Without the sending, the threads on the agents never see the handler
// (1) or the default (2, 3), and say so.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK: handlers-later.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
// CHECK-NEXT: handlers-later.c:{{[0-9]+}} (main) pthread_create 1 {{.*}}core
// CHECK-NEXT: handlers-later.c:{{[0-9]+}} (main) pthread_create 1 {{.*}}node 1: 1
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define THREADS 6

static pthread_barrier_t Installed, Handled, Reset, Seen;
static __thread sigjmp_buf Back;
static int Caught[THREADS];
static const char *Result[THREADS + 2];
static const char *Own[THREADS];

static void onFpe(int Sig) {
  (void)Sig;
  siglongjmp(Back, 1);
}

static void onIll(int Sig) { (void)Sig; }

static void sleepMs(long Ms) {
  struct timespec T = {Ms / 1000, (Ms % 1000) * 1000000};
  nanosleep(&T, NULL);
}

// Until sigaction reports Handler for Sig, for at most 10 s.
static int waitFor(int Sig, void (*Handler)(int)) {
  for (int Tries = 0; Tries < 10000; ++Tries) {
    struct sigaction Now;
    if (sigaction(Sig, NULL, &Now) == 0 && Now.sa_handler == Handler)
      return 1;
    sleepMs(1);
  }
  return 0;
}

static void *work(void *Arg) {
  long Me = (long)Arg;
  pthread_barrier_wait(&Installed);
  if (!waitFor(SIGFPE, onFpe)) {
    Result[Me] = "never saw the handler";
  } else {
    volatile int Zero = 0;
    if (sigsetjmp(Back, 1) == 0) {
      volatile int Q = 1 / Zero;
      (void)Q;
    } else {
      ++Caught[Me];
    }
  }
  pthread_barrier_wait(&Handled);
  pthread_barrier_wait(&Reset);
  if (!Result[Me] && !waitFor(SIGFPE, SIG_DFL))
    Result[Me] = "never saw the default again";
  pthread_barrier_wait(&Seen);
  if (!Result[Me] && !waitFor(SIGFPE, SIG_DFL)) // after step 3
    Result[Me] = "kept the handler step 3 undid";
  if (!Result[Me])
    Result[Me] = "handler, then the default";
  if (Me % 3 != 0) { // spread: the threads on the agents
    struct sigaction A;
    memset(&A, 0, sizeof A);
    A.sa_handler = onIll;
    sigemptyset(&A.sa_mask);
    sigaction(SIGILL, &A, NULL);
    sleepMs(200); // twenty ticks of home's loop
    struct sigaction Now;
    sigaction(SIGILL, NULL, &Now);
    Own[Me] = Now.sa_handler == onIll ? "its own SIGILL handler stayed"
                                      : "lost its own SIGILL handler";
  }
  return NULL;
}

// Step 3's threads: started while the handler is in, ending with the
// default.
static void *late(void *Arg) {
  long Me = (long)Arg;
  Result[Me] = waitFor(SIGFPE, SIG_DFL) ? "the default at the end"
                                        : "kept the handler step 3 undid";
  return NULL;
}

int main(void) {
  pthread_t T[THREADS + 2];
  pthread_barrier_init(&Installed, NULL, THREADS + 1);
  pthread_barrier_init(&Handled, NULL, THREADS + 1);
  pthread_barrier_init(&Reset, NULL, THREADS + 1);
  pthread_barrier_init(&Seen, NULL, THREADS + 1);
  for (long I = 0; I < THREADS; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  struct sigaction A;
  memset(&A, 0, sizeof A);
  A.sa_handler = onFpe;
  sigemptyset(&A.sa_mask);
  sigaction(SIGFPE, &A, NULL); // step 1
  pthread_barrier_wait(&Installed);
  pthread_barrier_wait(&Handled); // every thread is past its division
  signal(SIGFPE, SIG_DFL);        // step 2
  pthread_barrier_wait(&Reset);
  pthread_barrier_wait(&Seen);
  sigaction(SIGFPE, &A, NULL); // step 3
  pthread_create(&T[THREADS], NULL, late, (void *)(long)THREADS);
  pthread_create(&T[THREADS + 1], NULL, late, (void *)(long)(THREADS + 1));
  signal(SIGFPE, SIG_DFL);
  for (int I = 0; I < THREADS + 2; ++I)
    pthread_join(T[I], NULL);
  for (int I = 0; I < THREADS; ++I)
    printf("thread %d: caught %d, %s%s%s\n", I, Caught[I], Result[I],
           Own[I] ? "; " : "", Own[I] ? Own[I] : "");
  for (int I = THREADS; I < THREADS + 2; ++I)
    printf("thread %d: %s\n", I, Result[I]);
  return 0;
}
