// What threads on agents write to stdout and stderr arrives in home's
// streams, in order: between a thread's lines and main's (ordered by join)
// exactly as without mpirun, and each thread's own lines in its order.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out 2> %t.plain.err
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: grep -v '^grid:' %t.three.err > %t.three.err.own
// RUN: diff %t.plain.err %t.three.err.own
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// STATS: output.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#include <pthread.h>
#include <stdio.h>

static void *speak(void *P) {
  long Id = (long)P;
  for (int I = 0; I < 200; ++I)
    printf("thread %ld line %d\n", Id, I);
  fprintf(stderr, "thread %ld done\n", Id);
  fputs("a line with no newline yet... ", stdout);
  puts("and its end");
  return NULL;
}

int main(void) {
  for (long Id = 0; Id < 6; ++Id) {
    pthread_t T;
    printf("main starts thread %ld\n", Id);
    pthread_create(&T, NULL, speak, (void *)Id);
    pthread_join(T, NULL);
    printf("main joined thread %ld\n", Id);
    fprintf(stderr, "main: thread %ld joined\n", Id);
  }
  return 0;
}
