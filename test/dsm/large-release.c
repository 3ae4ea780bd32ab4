// Releases that send many megabytes of diffs: a thread on node 1 rewrites
// every double of an 8 MiB array of main's, changing a few bytes of each
// (diffs of many runs, which travel as messages), then unlocks; a thread on
// node 2 does the same to a second array with a barrier per sweep. The
// diffs go home in parts of 256 KiB (home applies one while the node diffs
// the next), each acknowledged before the release returns, and the pages
// past the node's cache bound stay until sent (GRID_DSM_CACHE_PAGES=512:
// 2 MiB). main's sums after the joins equal the same program's run without
// mpirun, with home migration too (claims in several parts).
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t -x GRID_DSM_CACHE_PAGES=512 %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// RUN: %mpirun3t -x GRID_DSM_CACHE_PAGES=512 -x GRID_DSM_MIGRATE=2 %t.fgrid > %t.moved.out 2> %t.moved.err
// RUN: diff %t.plain.out %t.moved.out
// RUN: FileCheck %s --check-prefix=MOVED < %t.moved.err
// CHECK: large-release.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
// CHECK: large-release.c:{{[0-9]+}} (main) pthread_create 1 node 2: 1
// MOVED: grid: dsm: pages of home's heap moved to their writer: node 1 {{[1-9][0-9]*}} ({{[0-9]+}} in place), node 2 {{[1-9][0-9]*}} ({{[0-9]+}} in place);
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define DOUBLES (1 << 20) // 8 MiB
#define SWEEPS 4

static double *First, *Second;
static pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t Sweep;

static void rewrite(double *A, int Step, double Scale) {
  for (long I = 0; I < DOUBLES; ++I)
    A[I] = A[I] * Scale + 1e-7 * (I % 13) + Step;
}

static void *underLock(void *Arg) {
  (void)Arg;
  for (int S = 0; S < SWEEPS; ++S) {
    pthread_mutex_lock(&Lock);
    rewrite(First, S, 1.0000001);
    pthread_mutex_unlock(&Lock);
  }
  return NULL;
}

static void *withBarrier(void *Arg) {
  (void)Arg;
  for (int S = 0; S < SWEEPS; ++S) {
    rewrite(Second, S, 0.9999999);
    pthread_barrier_wait(&Sweep);
  }
  return NULL;
}

static void *idle(void *Arg) { return Arg; }

static double sum(const double *A) {
  double S = 0;
  for (long I = 0; I < DOUBLES; ++I)
    S += A[I] * (1 + I % 5);
  return S;
}

int main(void) {
  First = malloc(DOUBLES * sizeof(double));
  Second = malloc(DOUBLES * sizeof(double));
  if (!First || !Second)
    return 1;
  for (long I = 0; I < DOUBLES; ++I)
    First[I] = Second[I] = (double)(I % 1000) / 3;
  pthread_barrier_init(&Sweep, NULL, 2);
  pthread_t T[3];
  pthread_create(&T[0], NULL, idle, NULL); // home: spread's first turn
  pthread_create(&T[1], NULL, underLock, NULL);
  pthread_create(&T[2], NULL, withBarrier, NULL);
  for (int S = 0; S < SWEEPS; ++S)
    pthread_barrier_wait(&Sweep);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  printf("first %.17g\nsecond %.17g\n", sum(First), sum(Second));
  return 0;
}
