// A handler main installs after its threads started reaches the threads
// already running on other nodes (docs/design/dsm.md, signal handlers):
// home sends its changed actions to every node within a tick of its loop.
// Six threads (two on each of home and two agents) start with SIGFPE's
// default action and wait at a barrier; main installs a SIGFPE handler
// and passes the barrier. Each thread waits until sigaction reports that
// handler (at most 10 s), then divides by zero and recovers with
// siglongjmp in it. Then main sets SIGFPE back to the default, and every
// thread sees the default again. Without the sending, the threads on the
// agents would never see the handler (and would say so).
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
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define THREADS 6

static pthread_barrier_t Installed, Handled, Reset;
static __thread sigjmp_buf Back;
static int Caught[THREADS];
static const char *Result[THREADS];

static void onFpe(int Sig) {
  (void)Sig;
  siglongjmp(Back, 1);
}

// Until sigaction reports Handler for SIGFPE, for at most 10 s.
static int waitFor(void (*Handler)(int)) {
  for (int Tries = 0; Tries < 10000; ++Tries) {
    struct sigaction Now;
    if (sigaction(SIGFPE, NULL, &Now) == 0 && Now.sa_handler == Handler)
      return 1;
    struct timespec Ms = {0, 1000000};
    nanosleep(&Ms, NULL);
  }
  return 0;
}

static void *work(void *Arg) {
  long Me = (long)Arg;
  pthread_barrier_wait(&Installed);
  if (!waitFor(onFpe)) {
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
  if (!Result[Me])
    Result[Me] = waitFor(SIG_DFL) ? "handler, then the default"
                                  : "never saw the default again";
  return NULL;
}

int main(void) {
  pthread_t T[THREADS];
  pthread_barrier_init(&Installed, NULL, THREADS + 1);
  pthread_barrier_init(&Handled, NULL, THREADS + 1);
  pthread_barrier_init(&Reset, NULL, THREADS + 1);
  for (long I = 0; I < THREADS; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  struct sigaction A;
  memset(&A, 0, sizeof A);
  A.sa_handler = onFpe;
  sigemptyset(&A.sa_mask);
  sigaction(SIGFPE, &A, NULL);
  pthread_barrier_wait(&Installed);
  pthread_barrier_wait(&Handled); // every thread is past its division
  signal(SIGFPE, SIG_DFL);
  pthread_barrier_wait(&Reset);
  for (int I = 0; I < THREADS; ++I)
    pthread_join(T[I], NULL);
  for (int I = 0; I < THREADS; ++I)
    printf("thread %d: caught %d, %s\n", I, Caught[I], Result[I]);
  return 0;
}
