// Many threads, most of them on agents, printf at once to stdout: each
// printf is formatted where the thread runs and written into home's stdout
// in one piece, so every line arrives whole (the order between threads is
// free, so both outputs are compared sorted).
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain | sort > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.raw 2> %t.three.err
// RUN: sort %t.three.raw > %t.three.out
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// STATS: printf-lines.c:{{[0-9]+}} (main) pthread_create 9 {{.*}}node 1: 3, node 2: 3
#include <pthread.h>
#include <stdio.h>

static void *speak(void *P) {
  long Id = (long)P;
  for (int I = 0; I < 300; ++I)
    printf("thread %ld line %03d: %s %d %5.2f\n", Id, I,
           "the quick brown fox jumps over the lazy dog", I * 7, I / 8.0);
  return NULL;
}

int main(void) {
  pthread_t T[9];
  for (long Id = 0; Id < 9; ++Id)
    pthread_create(&T[Id], NULL, speak, (void *)Id);
  for (int Id = 0; Id < 9; ++Id)
    pthread_join(T[Id], NULL);
  return 0;
}
