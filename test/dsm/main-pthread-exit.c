// main ends with pthread_exit while its threads, on agents, still run: the
// job ends when they do, with status 0, as the program does on one machine
// (MPI's own threads at home do not keep it alive).
//
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// Nothing else on stderr: no rank reads home's memory through its ended
// main thread (Open MPI's "Read -1, expected 4096, errno = 3").
// RUN: not grep -v '^grid: ' %t.three.err
// CHECK: main ends by pthread_exit
// CHECK-DAG: worker 1 done
// CHECK-DAG: worker 2 done
// STATS: main-pthread-exit.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static long Done[3];

static void *work(void *P) {
  usleep(300000); // still running when main is gone
  Done[(long)P] = 1;
  if ((long)P)
    printf("worker %ld done\n", (long)P);
  return NULL;
}

int main(void) {
  pthread_t T;
  for (long I = 0; I < 3; ++I)
    pthread_create(&T, NULL, work, (void *)I);
  printf("main ends by pthread_exit\n");
  fflush(stdout);
  pthread_exit(NULL);
}
