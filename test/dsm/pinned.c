// An agent pins each thread it runs to a core of its own choosing, as home
// pins its threads (the least busy core), and ranks of one host start on
// different cores: the two agents' threads here, on this machine's cores,
// are each pinned to fewer CPUs than the process may use, and not to the
// same CPUs when there are two cores or more. Unpinned, a node's thread
// that spins for its shadow's answer could share a core with home's pinned
// thread while another core idled (docs/design/dsm.md, remote threads).
//
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: FileCheck %s --check-prefix=OUT < %t.three.out
// RUN: FileCheck %s < %t.three.err
// OUT: thread 1: pinned
// OUT: thread 2: pinned
// OUT: threads 1 and 2 apart
// CHECK: pinned.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static cpu_set_t Process; // main's, before any thread
// Each thread's CPUs: their count and a mask of the first 64. Taken into
// the thread's own stack, which its node holds (a kernel call writing into
// shared memory the node does not hold fails with EFAULT).
static int Count[3];
static unsigned long long Mask[3];

static void *report(void *P) {
  long Me = (long)P;
  cpu_set_t Mine;
  if (sched_getaffinity(0, sizeof Mine, &Mine) != 0)
    return NULL;
  unsigned long long Bits = 0;
  for (int Cpu = 0; Cpu < 64; ++Cpu)
    if (CPU_ISSET(Cpu, &Mine))
      Bits |= 1ull << Cpu;
  Count[Me] = CPU_COUNT(&Mine);
  Mask[Me] = Bits;
  return NULL;
}

int main(void) {
  sched_getaffinity(0, sizeof Process, &Process);
  int All = CPU_COUNT(&Process);
  pthread_t T[3];
  for (long I = 0; I < 3; ++I) // spread: home, node 1, node 2
    pthread_create(&T[I], NULL, report, (void *)I);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  for (int I = 1; I < 3; ++I)
    printf("thread %d: %s\n", I,
           Count[I] == 0                  ? "no answer"
           : Count[I] < All || All == 1 ? "pinned"
                                          : "not pinned");
  printf("threads 1 and 2 %s\n",
         Count[1] && Count[2] && ((Mask[1] & Mask[2]) == 0 || All == 1)
             ? "apart"
             : "share CPUs");
  return 0;
}
