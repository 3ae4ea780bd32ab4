// An agent pins each thread it runs to a core of its own choosing, as home
// pins its threads (the least busy core), and ranks of one host start on
// different cores: the two agents' threads here, on this machine's cores,
// are each pinned to fewer CPUs than the process may use, and not to the
// same CPUs when there are two cores or more. Unpinned, a node's thread
// that spins for its shadow's answer could share a core with home's pinned
// thread while another core idled (docs/design/dsm.md, remote threads). A
// child a pinned thread forks takes the process's CPUs again.
//
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: FileCheck %s --check-prefix=OUT < %t.three.out
// RUN: FileCheck %s < %t.three.err
// OUT: thread 1: pinned
// OUT: thread 2: pinned
// OUT: threads 1 and 2 apart
// OUT: thread 1's child: the process's CPUs
// CHECK: pinned.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

// Each thread's CPUs: their count and a mask of the first 64. Taken into
// the thread's own stack, which its node holds (a kernel call writing into
// shared memory the node does not hold fails with EFAULT).
static int Count[3];
static unsigned long long Mask[3];
static int ChildCount = -1; // the CPUs of thread 1's child

static int cpusOfCaller(void) {
  cpu_set_t Mine;
  return sched_getaffinity(0, sizeof Mine, &Mine) == 0 ? CPU_COUNT(&Mine) : 0;
}

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
  if (Me == 1) {
    pid_t Child = fork();
    if (Child == 0)
      _exit(cpusOfCaller());
    int Status = 0;
    if (Child > 0 && waitpid(Child, &Status, 0) == Child && WIFEXITED(Status))
      ChildCount = WEXITSTATUS(Status);
  }
  return NULL;
}

int main(void) {
  int All = cpusOfCaller();
  pthread_t T[3];
  for (long I = 0; I < 3; ++I) // spread: home, node 1, node 2
    pthread_create(&T[I], NULL, report, (void *)I);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  for (int I = 1; I < 3; ++I)
    printf("thread %d: %s\n", I,
           Count[I] == 0                ? "no answer"
           : Count[I] < All || All == 1 ? "pinned"
                                        : "not pinned");
  printf("threads 1 and 2 %s\n",
         Count[1] && Count[2] && ((Mask[1] & Mask[2]) == 0 || All == 1)
             ? "apart"
             : "share CPUs");
  printf("thread 1's child: %s\n",
         ChildCount == All ? "the process's CPUs" : "fewer CPUs");
  return 0;
}
