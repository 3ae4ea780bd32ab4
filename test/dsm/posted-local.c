// A posted call is carried out before synchronisation that stays on the
// node: two threads of node 1 hand turns through an atomic on one's stack
// (memory node 1 is home of, so the atomic never goes home), and what the
// first stored at home just before, with a posted store, must be seen by
// the second when it asks home. The output equals the same program run
// without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// Both ran on node 1 (spread: home, node 1, node 2, home, node 1):
// CHECK-DAG: posted-local.c:{{[0-9]+}} (main) pthread_create 1 {{.*}}node 1: 1
// CHECK-DAG: posted-local.c:{{[0-9]+}} (main) pthread_create 1 {{.*}}node 1: 1
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#define ROUNDS 200

static atomic_int X, Y;
static _Atomic(atomic_int *) Flag;
static long Stale;

static void *first(void *P) {
  atomic_int F = 0;
  atomic_store(&Flag, &F);
  for (int R = 1; R <= ROUNDS; ++R) {
    usleep(300); // the shadow goes to sleep
    atomic_store_explicit(&X, R, memory_order_relaxed);
    atomic_store_explicit(&F, R, memory_order_release);
    while (atomic_load_explicit(&F, memory_order_acquire) != -R)
      ;
  }
  return P;
}

static void *second(void *P) {
  atomic_int *F;
  while (!(F = atomic_load(&Flag)))
    ;
  for (int R = 1; R <= ROUNDS; ++R) {
    while (atomic_load_explicit(F, memory_order_acquire) != R)
      atomic_load_explicit(&Y, memory_order_relaxed); // its shadow stays awake
    if (atomic_load_explicit(&X, memory_order_relaxed) < R)
      ++Stale;
    atomic_store_explicit(F, -R, memory_order_release);
  }
  return P;
}

static void *idle(void *P) { return P; }

int main(void) {
  pthread_t T[5];
  pthread_create(&T[0], NULL, idle, NULL);
  pthread_create(&T[1], NULL, first, NULL);
  pthread_create(&T[2], NULL, idle, NULL);
  pthread_create(&T[3], NULL, idle, NULL);
  pthread_create(&T[4], NULL, second, NULL);
  for (int I = 0; I < 5; ++I)
    pthread_join(T[I], NULL);
  printf("stale reads: %ld\n", Stale);
  return 0;
}
