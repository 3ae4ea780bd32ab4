// Threads through libgridrt behave exactly as plain pthreads: return values,
// pthread_exit, join, detach, cancellation, errno and thread-local storage.
//
// RUN: %clang -O1 -pthread -I%S/Inputs %s -o %t.plain
// RUN: %clang -O1 -DUSE_GRID -I%S/Inputs %gridrt_include %s -o %t.grid %gridrt_link
// RUN: %t.plain > %t.plain.out
// RUN: %t.grid > %t.grid.out
// RUN: diff %t.plain.out %t.grid.out
// RUN: FileCheck %s < %t.grid.out
// And whatever the strategy and tolerance:
// RUN: env GRID_PLACEMENT=spread GRID_THREAD_TOLERANCE=machine %t.grid > %t.spread.out
// RUN: diff %t.plain.out %t.spread.out
// RUN: env GRID_PLACEMENT=pack GRID_THREAD_TOLERANCE=any %t.grid > %t.pack.out
// RUN: diff %t.plain.out %t.pack.out
// Built with grid-clang -fgrid, the plain calls are rewritten by the plugin:
// RUN: %grid-clang -fgrid -O1 -pthread -I%S/Inputs %s -o %t.fgrid
// RUN: %t.fgrid > %t.fgrid.out
// RUN: diff %t.plain.out %t.fgrid.out

#define _GNU_SOURCE
#include "grid-or-plain.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static __thread int PerThread = 100;
static sem_t DetachedDone;

static void *twice(void *Arg) {
  PerThread += (int)(intptr_t)Arg; // each thread has its own copy
  return (void *)(intptr_t)(2 * (intptr_t)Arg + (PerThread - 100) * 0);
}

static void *errnoAtStart(void *Arg) {
  (void)Arg;
  return (void *)(intptr_t)errno;
}

static void *exitsWithValue(void *Arg) {
  if (Arg)
    EXIT((void *)(intptr_t)99);
  return NULL;
}

static void *tlsValue(void *Arg) {
  PerThread += (int)(intptr_t)Arg;
  return (void *)(intptr_t)PerThread;
}

static void *detached(void *Arg) {
  (void)Arg;
  sem_post(&DetachedDone);
  return NULL;
}

static void *waitsForever(void *Arg) {
  sem_post((sem_t *)Arg);
  for (;;)
    pause();
  return NULL;
}

int main(void) {
  pthread_t T[4];
  for (intptr_t I = 0; I < 4; ++I)
    if (CREATE(&T[I], NULL, twice, (void *)I) != 0)
      return 1;
  for (int I = 0; I < 4; ++I) {
    void *R;
    int Rc = JOIN(T[I], &R);
    printf("join %d: rc %d value %ld\n", I, Rc, (long)(intptr_t)R);
  }
  // CHECK: join 0: rc 0 value 0
  // CHECK: join 3: rc 0 value 6

  pthread_t E;
  void *R;
  CREATE(&E, NULL, exitsWithValue, (void *)1);
  JOIN(E, &R);
  printf("pthread_exit value %ld\n", (long)(intptr_t)R);
  // CHECK: pthread_exit value 99

  // errno: untouched by a successful create, 0 in the new thread.
  pthread_t Z;
  errno = 77;
  int Rc = CREATE(&Z, NULL, errnoAtStart, NULL);
  printf("create rc %d, caller errno %d\n", Rc, errno);
  JOIN(Z, &R);
  printf("errno at thread start %ld\n", (long)(intptr_t)R);
  // CHECK: create rc 0, caller errno 77
  // CHECK: errno at thread start 0

  // A create the system refuses: same error number, same errno.
  pthread_attr_t Huge;
  pthread_attr_init(&Huge);
  pthread_attr_setstacksize(&Huge, (size_t)1 << 50);
  errno = 5;
  Rc = CREATE(&Z, &Huge, twice, NULL);
  printf("failed create rc %s, caller errno %d\n", strerror(Rc), errno);
  pthread_attr_destroy(&Huge);
  // CHECK: failed create rc Resource temporarily unavailable

  // Thread-local storage: each thread's own, main's untouched.
  PerThread = 1;
  CREATE(&Z, NULL, tlsValue, (void *)5);
  JOIN(Z, &R);
  printf("tls in thread %ld, in main %d\n", (long)(intptr_t)R, PerThread);
  // CHECK: tls in thread 105, in main 1

  // Detach, and a second detach or a join of it fails as without Grid.
  sem_init(&DetachedDone, 0, 0);
  CREATE(&Z, NULL, detached, NULL);
  printf("detach rc %d\n", DETACH(Z));
  sem_wait(&DetachedDone);
  // CHECK: detach rc 0

  // Cancellation.
  sem_t Started;
  sem_init(&Started, 0, 0);
  CREATE(&Z, NULL, waitsForever, &Started);
  sem_wait(&Started);
  pthread_cancel(Z);
  JOIN(Z, &R);
  printf("cancelled %d\n", R == PTHREAD_CANCELED);
  // CHECK: cancelled 1

  // Joining oneself is EDEADLK, through Grid as without.
  printf("self join %s\n", strerror(JOIN(pthread_self(), NULL)));
  // CHECK: self join Resource deadlock avoided

  // An attr with its own affinity is respected.
  pthread_attr_t Pinned;
  pthread_attr_init(&Pinned);
  cpu_set_t Set;
  CPU_ZERO(&Set);
  sched_getaffinity(0, sizeof(Set), &Set);
  int First = 0;
  while (!CPU_ISSET(First, &Set))
    ++First;
  CPU_ZERO(&Set);
  CPU_SET(First, &Set);
  pthread_attr_setaffinity_np(&Pinned, sizeof(Set), &Set);
  CREATE(&Z, &Pinned, errnoAtStart, NULL);
  JOIN(Z, &R);
  pthread_attr_destroy(&Pinned);
  printf("pinned thread ran\n");
  // CHECK: pinned thread ran

  // pthread_exit from main: the process ends when its last thread does.
  fflush(stdout);
  EXIT(NULL);
}
