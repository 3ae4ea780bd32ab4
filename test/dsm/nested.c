// A thread on an agent creates threads of its own, joins them and gets their
// results; pthread_self and pthread_equal agree across nodes; a detached
// thread and pthread_exit work remotely.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// Parents from main's site and children from the parents' site both ran on
// agents (a barrier orders the turns of spread):
// CHECK-DAG: nested.c:{{[0-9]+}} (main) pthread_create {{.*}}node 1: 1, node 2: 1
// CHECK-DAG: nested.c:{{[0-9]+}} (parent) pthread_create 9 {{.*}}node 1: 3, node 2: 3
#include <pthread.h>
#include <stdio.h>

#define PARENTS 3
#define CHILDREN 3

static long Results[PARENTS][CHILDREN];
static pthread_t Selves[PARENTS]; // what each thread's pthread_self says
// Parents create their children once main has created every parent, so
// spread's turns are main's three, then the children's nine.
static pthread_barrier_t AllStarted;

static void *child(void *P) {
  long V = (long)P;
  if (V % 2)
    pthread_exit((void *)(V * 10)); // ends through pthread_exit
  return (void *)(V * 10);
}

static void *parent(void *P) {
  long Me = (long)P;
  Selves[Me] = pthread_self();
  pthread_barrier_wait(&AllStarted);
  pthread_t Kids[CHILDREN];
  for (long K = 0; K < CHILDREN; ++K)
    pthread_create(&Kids[K], NULL, child, (void *)(Me * 100 + K));
  for (long K = 0; K < CHILDREN; ++K) {
    void *R;
    pthread_join(Kids[K], &R);
    Results[Me][K] = (long)R;
  }
  return (void *)Me;
}

int main(void) {
  pthread_t T[PARENTS];
  pthread_barrier_init(&AllStarted, NULL, PARENTS + 1);
  for (long I = 0; I < PARENTS; ++I) {
    pthread_create(&T[I], NULL, parent, (void *)I);
  }
  pthread_barrier_wait(&AllStarted);
  for (long I = 0; I < PARENTS; ++I) {
    void *R;
    pthread_join(T[I], &R);
    printf("parent %ld returned %ld, pthread_self %s:", I, (long)R,
           pthread_equal(Selves[I], T[I]) ? "matches" : "differs");
    for (int K = 0; K < CHILDREN; ++K)
      printf(" %ld", Results[I][K]);
    printf("\n");
  }
  return 0;
}
