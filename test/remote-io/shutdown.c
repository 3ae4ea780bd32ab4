// A detached thread on another node that still writes when main returns:
// the job ends cleanly (status 0, no rank crashing), however far the
// thread got. Its calls after home began to end are dropped on its node,
// never sent through an MPI that is shutting down.
//
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %mpirun3t %t.fgrid > %t.out 2> %t.err
// RUN: FileCheck %s < %t.out
// CHECK: main returns
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void *chatter(void *P) {
  (void)P;
  for (;;) {
    struct timespec Pause = {0, 3000000};
    fputc('.', stderr);
    nanosleep(&Pause, NULL);
  }
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(void) {
  // Spread places threads round robin: at home, then node 1, node 2.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  for (int I = 0; I < 2; ++I) {
    pthread_create(&T, NULL, chatter, NULL);
    pthread_detach(T);
  }
  usleep(200000);
  printf("main returns\n");
  return 0;
}
