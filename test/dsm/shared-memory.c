// Threads on agents see main's memory: arguments on main's stack, global
// arrays they fill, return values, and the result equals the same program
// run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// Six threads from one site go round robin over home and the two agents:
// CHECK: shared-memory.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 6
#define N 30000 // several pages per thread

static long Data[THREADS][N]; // written by the threads, read by main
static const char *Greeting = "hello from main";

struct Args {
  int Index;
  long Scale;
  char Word[32];
};

static void *work(void *P) {
  struct Args *A = P; // on main's stack
  long Sum = 0;
  for (long I = 0; I < N; ++I) {
    Data[A->Index][I] = (I + 1) * A->Scale;
    Sum += Data[A->Index][I];
  }
  strcat(A->Word, "!"); // written back into main's frame
  return (void *)(Sum + (long)strlen(Greeting));
}

int main(void) {
  struct Args Args[THREADS];
  pthread_t T[THREADS];
  for (int I = 0; I < THREADS; ++I) {
    Args[I].Index = I;
    Args[I].Scale = I + 1;
    snprintf(Args[I].Word, sizeof Args[I].Word, "thread%d", I);
    pthread_create(&T[I], NULL, work, &Args[I]);
  }
  for (int I = 0; I < THREADS; ++I) {
    void *R;
    pthread_join(T[I], &R);
    long Check = 0;
    for (long J = 0; J < N; ++J)
      Check += Data[I][J];
    printf("%s: returned %ld, sum of its row %ld\n", Args[I].Word, (long)R,
           Check);
  }
  return 0;
}
