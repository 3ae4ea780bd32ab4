// An agent pins each thread it runs to a core of its own choosing, as home
// pins its threads (the least busy core), and ranks of one host start on
// different cores. Here, on a machine of more than one CPU: the two agents'
// threads are each pinned to fewer CPUs than the process may use, and not
// to the same ones; two threads of one agent alive at once are not on the
// same CPUs either (the least busy core); and a child a pinned thread forks
// takes the process's CPUs again. Unpinned, a node's thread that spins for
// its shadow's answer could share a core with home's pinned thread while
// another core idled (docs/design/dsm.md, remote threads).
//
// REQUIRES: multicore
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: FileCheck %s --check-prefix=OUT < %t.three.out
// RUN: FileCheck %s < %t.three.err
// OUT: thread 1: pinned
// OUT: thread 2: pinned
// OUT: threads 1 and 2 apart
// OUT: threads 1 and 4 apart
// OUT: thread 1's child: the process's CPUs
// CHECK: pinned.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { Threads = 6 }; // spread: home, node 1, node 2, home, node 1, node 2

// Each thread's CPUs, taken into its own stack, which its node holds (a
// kernel call writing into shared memory the node does not hold fails with
// EFAULT), then copied here.
static cpu_set_t Process, Of[Threads];
static int Known[Threads];
static int ChildKept = -1; // thread 1's child had the process's CPUs
static pthread_barrier_t AllAlive;

static void *report(void *P) {
  long Me = (long)P;
  cpu_set_t Mine, All;
  memcpy(&All, &Process, sizeof All);
  if (sched_getaffinity(0, sizeof Mine, &Mine) == 0) {
    memcpy(&Of[Me], &Mine, sizeof Mine);
    Known[Me] = 1;
  }
  if (Me == 1) {
    pid_t Child = fork();
    if (Child == 0) {
      cpu_set_t Its;
      _exit(sched_getaffinity(0, sizeof Its, &Its) == 0 && CPU_EQUAL(&Its, &All)
                ? 0
                : 1);
    }
    int Status = 0;
    if (Child > 0 && waitpid(Child, &Status, 0) == Child && WIFEXITED(Status))
      ChildKept = WEXITSTATUS(Status) == 0;
  }
  pthread_barrier_wait(&AllAlive); // node 1's two threads live together
  return NULL;
}

static const char *apart(int A, int B) {
  cpu_set_t Both;
  CPU_AND(&Both, &Of[A], &Of[B]);
  return Known[A] && Known[B] && CPU_COUNT(&Both) == 0 ? "apart"
                                                       : "share CPUs";
}

int main(void) {
  sched_getaffinity(0, sizeof Process, &Process);
  pthread_barrier_init(&AllAlive, NULL, Threads);
  pthread_t T[Threads];
  for (long I = 0; I < Threads; ++I)
    pthread_create(&T[I], NULL, report, (void *)I);
  for (int I = 0; I < Threads; ++I)
    pthread_join(T[I], NULL);
  for (int I = 1; I < 3; ++I)
    printf("thread %d: %s\n", I,
           !Known[I]                                  ? "no answer"
           : CPU_COUNT(&Of[I]) < CPU_COUNT(&Process) ? "pinned"
                                                      : "not pinned");
  printf("threads 1 and 2 %s\n", apart(1, 2));
  printf("threads 1 and 4 %s\n", apart(1, 4));
  printf("thread 1's child: %s\n",
         ChildKept == 1 ? "the process's CPUs" : "other CPUs");
  return 0;
}
