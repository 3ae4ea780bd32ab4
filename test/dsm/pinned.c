// An agent pins each thread it runs to a core of its own choosing, as home
// pins its threads (the least busy core), and ranks of one host start on
// different cores. Here, on a machine of two cores or more: three threads
// alive together, one per rank; the two agents' threads are each pinned to
// fewer CPUs than the process may use, and not to the same ones. Then six,
// two per rank: an agent's two threads are not on the same CPUs (the least
// busy core, once the first thread of the first round has ended and given
// its core back). A child a pinned thread forks takes the process's CPUs
// again. Home's shadows of the first round's two remote threads (found by
// their names, grid-shadow-N) are pinned off the CPUs of the thread each
// serves, which spins for its answers. Which rank a thread runs on is told
// by its process's own pid
// (the system call itself: getpid() gives home's). Unpinned, a node's
// thread that spins for its shadow's answer could share a core with home's
// pinned thread while another core idled (docs/design/dsm.md, remote
// threads).
//
// REQUIRES: multicore
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: FileCheck %s --check-prefix=OUT < %t.three.out
// RUN: FileCheck %s < %t.three.err
// OUT: round 1: 2 threads on agents, pinned, apart
// OUT: round 1: a child has the process's CPUs
// OUT: round 1: each shadow off its thread's CPUs
// OUT: round 2: 4 threads on agents, pinned; each agent's two apart
// CHECK: pinned.c:{{[0-9]+}} (round_of) pthread_create 9 {{.*}}node 1: 3, node 2: 3
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { Most = 6 };

// Each thread's CPUs and its process, taken into its own stack, which its
// node holds (a kernel call writing into shared memory the node does not
// hold fails with EFAULT), then copied here.
static cpu_set_t Process, Of[Most];
static long Pid[Most];
static int Known[Most];
static int ChildKept = -1; // a remote thread's child had the process's CPUs
static int Checking; // the round looks at home's shadows
static pthread_barrier_t AllAlive, Checked;
static long MainPid;
// Home's shadows of the threads on nodes 1 and 2 ("grid-shadow-N"), as the
// thread at home found them while those threads lived.
static cpu_set_t ShadowOf[3];
static int ShadowKnown[3];

// At home: each shadow's CPUs, found by its name among the process's
// threads.
static void findShadows(void) {
  DIR *Tasks = opendir("/proc/self/task");
  if (!Tasks)
    return;
  struct dirent *E;
  while ((E = readdir(Tasks))) {
    char Path[300], Name[32] = "";
    snprintf(Path, sizeof Path, "/proc/self/task/%s/comm", E->d_name);
    FILE *F = fopen(Path, "r");
    if (!F)
      continue;
    if (!fgets(Name, sizeof Name, F))
      Name[0] = 0;
    fclose(F);
    int Node;
    if (sscanf(Name, "grid-shadow-%d", &Node) == 1 && Node >= 1 && Node <= 2 &&
        sched_getaffinity((pid_t)atol(E->d_name), sizeof ShadowOf[Node],
                          &ShadowOf[Node]) == 0)
      ShadowKnown[Node] = 1;
  }
  closedir(Tasks);
}

static void *report(void *P) {
  long Me = (long)P;
  cpu_set_t Mine, All;
  memcpy(&All, &Process, sizeof All);
  long Own = syscall(SYS_getpid);
  if (sched_getaffinity(0, sizeof Mine, &Mine) == 0) {
    memcpy(&Of[Me], &Mine, sizeof Mine);
    Known[Me] = 1;
  }
  Pid[Me] = Own;
  if (Own != MainPid && ChildKept < 0) {
    ChildKept = 0;
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
  pthread_barrier_wait(&AllAlive); // the round's threads live together
  if (Own == MainPid && Checking)
    findShadows(); // while the others wait: their shadows live
  if (Checking)
    pthread_barrier_wait(&Checked);
  return NULL;
}

static int apart(int A, int B) {
  cpu_set_t Both;
  CPU_AND(&Both, &Of[A], &Of[B]);
  return CPU_COUNT(&Both) == 0;
}

// Runs N threads alive together; returns how many ran on agents, all
// known and pinned, or -1.
static int round_of(int N) {
  memset(Known, 0, sizeof Known);
  pthread_barrier_init(&AllAlive, NULL, N);
  pthread_barrier_init(&Checked, NULL, N);
  pthread_t T[Most];
  for (long I = 0; I < N; ++I)
    pthread_create(&T[I], NULL, report, (void *)I);
  for (int I = 0; I < N; ++I)
    pthread_join(T[I], NULL);
  pthread_barrier_destroy(&AllAlive);
  pthread_barrier_destroy(&Checked);
  int Remote = 0;
  for (int I = 0; I < N; ++I) {
    if (!Known[I])
      return -1;
    if (Pid[I] == MainPid)
      continue;
    if (CPU_COUNT(&Of[I]) >= CPU_COUNT(&Process))
      return -1; // not pinned
    ++Remote;
  }
  return Remote;
}

int main(void) {
  MainPid = syscall(SYS_getpid);
  sched_getaffinity(0, sizeof Process, &Process);

  Checking = 1;
  int Remote = round_of(3);
  Checking = 0;
  int A = -1, B = -1;
  for (int I = 0; I < 3; ++I)
    if (Pid[I] != MainPid) {
      if (A < 0)
        A = I;
      else
        B = I;
    }
  printf("round 1: %d threads on agents, pinned, %s\n", Remote,
         Remote == 2 && B >= 0 && Pid[A] != Pid[B] && apart(A, B)
             ? "apart"
             : "not apart");
  printf("round 1: %s\n", ChildKept == 1 ? "a child has the process's CPUs"
                                         : "no child had the process's CPUs");
  // Spread places the round's threads in order: home, node 1, node 2.
  int ShadowsApart = 1;
  for (int Node = 1; Node <= 2; ++Node) {
    cpu_set_t Both;
    CPU_AND(&Both, &ShadowOf[Node], &Of[Node]);
    ShadowsApart &= ShadowKnown[Node] && Known[Node] &&
                    CPU_COUNT(&ShadowOf[Node]) < CPU_COUNT(&Process) &&
                    CPU_COUNT(&Both) == 0;
  }
  printf("round 1: %s\n", ShadowsApart
                              ? "each shadow off its thread's CPUs"
                              : "a shadow on its thread's CPUs, or unpinned");

  Remote = round_of(6);
  int PairsApart = 0;
  for (int I = 0; I < 6; ++I)
    for (int J = I + 1; J < 6; ++J)
      if (Pid[I] != MainPid && Pid[I] == Pid[J] && apart(I, J))
        ++PairsApart;
  printf("round 2: %d threads on agents, pinned; %s\n", Remote,
         PairsApart == 2 ? "each agent's two apart" : "an agent's two share");
  return 0;
}
