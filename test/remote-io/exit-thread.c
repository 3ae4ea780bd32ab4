// exit() called by a thread on another node ends the program as on one
// machine: home runs its exit handlers, writes its streams' buffers (what
// main and the thread wrote, in order) and the job ends with the status.
// Before, the agent's own process exited: no handler ran, main's buffered
// line was lost, and mpirun said a rank had failed.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: sh -c '%t.plain; echo "status $?"' > %t.plain.out
// RUN: sh -c '%mpirun3t %t.fgrid; echo "status $?"' > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// The thread that exits ran on node 1 or 2 (spread sends the first home):
// CHECK: exit-thread.c:{{[0-9]+}} (main) pthread_create 1 {{.*}}node {{[12]}}: 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void bye(void) { printf("exit handler ran at home\n"); }

static void *wait(void *P) {
  sleep(30); // longer than the test: exit ends it
  return P;
}

static void *leave(void *P) {
  printf("the thread writes, then exits\n");
  exit(3);
  return P;
}

int main(void) {
  atexit(bye);
  printf("main's line is still in its buffer: "); // stdout is a file
  pthread_t T[2];
  pthread_create(&T[0], NULL, wait, NULL);
  pthread_create(&T[1], NULL, leave, NULL);
  pthread_join(T[0], NULL);
  printf("not reached\n");
  return 0;
}
