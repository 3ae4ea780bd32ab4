// A thread created with a large stack size gets that size on whatever node
// it runs: each thread here keeps 40 MiB of locals, five times the default
// stack, and threads spread over home and both agents.
//
// RUN: %clang -O1 %s -o %t.plain
// RUN: %grid-clang -fgrid -O1 -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: stack-size.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define BIG (40u << 20)

static __attribute__((noinline)) unsigned long useStack(long Seed) {
  volatile unsigned char Big[BIG];
  for (unsigned I = 0; I < BIG; I += 4096)
    Big[I] = (unsigned char)(Seed + I / 4096);
  unsigned long Sum = 0;
  for (unsigned I = 0; I < BIG; I += 4096)
    Sum += Big[I];
  return Sum;
}

static void *work(void *P) { return (void *)useStack((long)P); }

int main(void) {
  pthread_attr_t Attr;
  pthread_attr_init(&Attr);
  pthread_attr_setstacksize(&Attr, 64u << 20);
  pthread_t T[3];
  for (long I = 0; I < 3; ++I)
    if (pthread_create(&T[I], &Attr, work, (void *)I) != 0) {
      printf("create failed\n");
      return 1;
    }
  for (int I = 0; I < 3; ++I) {
    void *R;
    pthread_join(T[I], &R);
    printf("thread %d: %lu\n", I, (unsigned long)R);
  }
  pthread_attr_destroy(&Attr);
  return 0;
}
