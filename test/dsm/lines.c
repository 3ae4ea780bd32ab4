// The line between a remote thread and its shadow at home (cluster.md §3, lines):
// each call comes back however its timing falls against the spin. Threads
// on every node take a mutex home holds for a while, sleep between calls
// for less and for more than the spin, and call once more at once; with
// GRID_SPIN_US=0 every wait sleeps (the notice and the doorbell), with 20
// some waits find their answer spinning and some sleep, and with the
// default most spin. Between these ranks of one host the line's messages go
// through shared memory, and a sleeper waits on its slot's bell
// (GRID_STATS=1 counts the messages each way); with GRID_SHARED_LINES=0
// they go through MPI, and a sleeper sends its notice. A lost message
// would hang a call; a lost wake-up leaves it waiting for a loop's timer
// or for its bell's time limit, which is then logged at level info (`its
// wake-up was lost`). The output equals the same program run without
// mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t -x GRID_SPIN_US=0 -x GRID_LOG=info -x GRID_STATS=1 %t.fgrid > %t.zero.out 2> %t.zero.err
// RUN: diff %t.plain.out %t.zero.out
// RUN: FileCheck %s --check-prefixes=CHECK,SHARED,LOG < %t.zero.err
// RUN: not grep 'local mode has no cluster' %t.zero.err
// RUN: not grep "wake-up was lost" %t.zero.err
// RUN: %mpirun3t -x GRID_SPIN_US=0 -x GRID_SHARED_LINES=0 -x GRID_LOG=info -x GRID_STATS=1 %t.fgrid > %t.mpi.out 2> %t.mpi.err
// RUN: diff %t.plain.out %t.mpi.out
// RUN: FileCheck %s --check-prefixes=CHECK,MPI < %t.mpi.err
// RUN: not grep "wake-up was lost" %t.mpi.err
// Off on the agents only: no rank of the host uses shared memory.
// RUN: timeout -k 5 120 %mpirun --bind-to none -x GRID_THREAD_TOLERANCE=any -x GRID_PLACEMENT=spread -x GRID_STATS=1 -x GRID_SPIN_US=0 -x GRID_LOG=info -np 1 %t.fgrid : -np 2 env GRID_SHARED_LINES=0 %t.fgrid > %t.mixed.out 2> %t.mixed.err
// RUN: diff %t.plain.out %t.mixed.out
// RUN: FileCheck %s --check-prefixes=CHECK,MPI < %t.mixed.err
// RUN: not grep "wake-up was lost" %t.mixed.err
// RUN: %mpirun3t -x GRID_SPIN_US=20 -x GRID_LOG=info %t.fgrid > %t.short.out 2> %t.short.err
// RUN: diff %t.plain.out %t.short.out
// RUN: FileCheck %s < %t.short.err
// RUN: not grep "wake-up was lost" %t.short.err
// RUN: %mpirun3t %t.fgrid > %t.default.out 2> %t.default.err
// RUN: diff %t.plain.out %t.default.out
// RUN: FileCheck %s < %t.default.err
// A thread the cluster keeps home logs why (not that there is no cluster):
// LOG: lines.c:{{[0-9]+}} (main): pthread_create -> core {{[0-9]+}} (thread tolerance any, strategy spread): cluster: spread: round-robin turn 0 over 3 permitted nodes; spread: round-robin turn 0 over the {{[0-9]+}} cores of the machine -> core
// SHARED: grid: lines: home sent {{[1-9][0-9]*}} messages through shared memory, 0 through MPI; took {{[1-9][0-9]*}} through shared memory, 0 through MPI
// MPI: grid: lines: home sent 0 messages through shared memory, {{[1-9][0-9]*}} through MPI; took 0 through shared memory, {{[1-9][0-9]*}} through MPI
// CHECK: lines.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define THREADS 6
#define CALLS 600

static pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
static long Counter;
static long Sums[THREADS];

static void pause(unsigned Micro) {
  struct timespec T = {0, (long)Micro * 1000};
  nanosleep(&T, NULL);
}

static void *take(void *P) {
  long Me = (long)P;
  unsigned Seed = 12345u + (unsigned)Me * 7919u;
  long Sum = 0;
  for (int I = 0; I < CALLS; ++I) {
    Seed = Seed * 1103515245u + 12345u;
    unsigned Held = (Seed >> 8) % 40, Gap = (Seed >> 16) % 80;
    pthread_mutex_lock(&Lock);
    Sum += ++Counter % 1000;
    if (I % 3 == 0)
      pause(Held); // others' calls wait, past the spin or not
    pthread_mutex_unlock(&Lock);
    if (I % 2 == 0)
      pause(Gap); // the shadow's spin ends, or not
  }
  Sums[Me] = Sum;
  return NULL;
}

int main(void) {
  pthread_t T[THREADS];
  for (long I = 0; I < THREADS; ++I)
    pthread_create(&T[I], NULL, take, (void *)I);
  long Total = 0;
  for (int I = 0; I < THREADS; ++I) {
    pthread_join(T[I], NULL);
    Total += Sums[I];
  }
  // Whatever the order the threads took the lock in, the values of the
  // counter they saw sum to the same.
  printf("counter %ld, sum %ld\n", Counter, Total);
  return 0;
}
