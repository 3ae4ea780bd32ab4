// A thread on another node installs a SIGSEGV handler and keeps the old
// action in a global, the usual crash-reporter pattern. The global is
// shared memory its node does not hold yet, so writing it faults; that
// fault must be served even inside sigaction (Grid blocks signals while it
// swaps the chained action, and used to write the old action there, which
// killed the agent).
//
// RUN: %clang -O1 %s -o %t.plain
// RUN: %grid-clang -fgrid -O1 -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: sigaction-shared-old.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static struct sigaction Previous[3]; // shared, homed at rank 0
static char Pad[3][8192];            // keeps each on a page of its own

static void onSegv(int Sig) { (void)Sig; }
static void notWritten(int Sig) { (void)Sig; }

static void *install(void *P) {
  long I = (long)P;
  struct sigaction Mine;
  memset(&Mine, 0, sizeof Mine);
  Mine.sa_handler = onSegv;
  // The first touch of Previous[I] on this node is sigaction's write.
  // (Which old action it gets differs: handlers are per node under Grid,
  // and Open MPI installs one of its own.)
  int Rc = sigaction(SIGSEGV, &Mine, &Previous[I]);
  Pad[I][0] = 1;
  return (void *)(long)(Rc == 0 && Previous[I].sa_handler != notWritten);
}

int main(void) {
  pthread_t T[3];
  for (int I = 0; I < 3; ++I)
    Previous[I].sa_handler = notWritten;
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, install, (void *)I);
  for (int I = 0; I < 3; ++I) {
    void *Ok;
    pthread_join(T[I], &Ok);
    printf("thread %d: %s\n", I, Ok ? "installed" : "failed");
  }
  return 0;
}
