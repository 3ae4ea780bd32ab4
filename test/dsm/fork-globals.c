// A child forked by a thread on another node reads the program's globals as
// that thread saw them, home's, not as its node had them before main (it
// read 0 for a global main had set to 42 until 2026-11-28): the fork brings
// in the pages of the globals the node did not hold, and the child keeps
// them. The C library's `environ`, copied into the executable (built here
// with -fdirect-access-external-data), is the node's own in the child, for
// the program's code and the C library alike: home's, which main's setenv
// moved into home's heap, would crash the child's getenv; and an
// environment the child sets itself is the one getenv reads. The output equals the same program run
// without mpirun. With a cache too small for the globals, the pages left
// out read as before main, and a warning says so.
//
// RUN: %clang -fdirect-access-external-data %s -o %t.plain
// RUN: %grid-clang -fgrid -g -fdirect-access-external-data %s -o %t.fgrid
// RUN: llvm-readelf -r %t.fgrid | FileCheck %s --check-prefix=COPIES
// RUN: env FORK_GLOBALS=yes %t.plain > %t.plain.out
// RUN: env FORK_GLOBALS=yes %mpirun3t -x FORK_GLOBALS %t.fgrid \
// RUN:   > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// The signal mechanism (closed pages, no userfaultfd), and pages moving as
// messages (no MPI windows):
// RUN: env FORK_GLOBALS=yes %mpirun3t -x FORK_GLOBALS \
// RUN:   -x GRID_DSM_FAULTS=signal %t.fgrid > %t.signal.out 2> %t.signal.err
// RUN: diff %t.plain.out %t.signal.out
// RUN: env FORK_GLOBALS=yes %mpirun3t -x FORK_GLOBALS \
// RUN:   --mca osc ^rdma,ucx,sm %t.fgrid > %t.messages.out 2> %t.messages.err
// RUN: diff %t.plain.out %t.messages.out
// A cache of 16 pages cannot take the globals (more than 32 pages):
// RUN: env FORK_GLOBALS=yes %mpirun3t -x FORK_GLOBALS \
// RUN:   -x GRID_DSM_CACHE_PAGES=16 %t.fgrid > %t.small.out 2> %t.small.err
// RUN: FileCheck %s --check-prefix=SMALL < %t.small.out
// RUN: FileCheck %s --check-prefix=SMALL-WARN < %t.small.err
//
// COPIES-DAG: R_X86_64_COPY {{.*}} __environ
// COPIES-DAG: R_X86_64_COPY {{.*}} stderr
// CHECK: fork-globals.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
//
// Each child: the answer its thread held, the far page, the environment.
// SMALL: thread 0: answer 42 far pages all written yes environment yes
// SMALL: thread 1: answer 42 far pages not all written yes environment yes
// SMALL: thread 2: answer 42 far pages not all written yes environment yes
// SMALL-WARN: grid: warning: a thread on node {{[12]}} forked while its node's cache (GRID_DSM_CACHE_PAGES) had no room for {{[0-9]+}} pages of the program's globals: the child reads those as they were before main
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define FAR_PAGES 32
static long Answer; // main sets it, the thread reads it first
// main sets a word of each page; the thread never reads them (at most 16
// pages come along with a fault, wherever the linker put them).
static long Far[FAR_PAGES * 512];
static long Written = 1;     // the child writes it: held read-only, or not
static long Outcome[3];

static void *forkOne(void *P) {
  long I = (long)P;
  if (Answer != 42) // held by the node before the fork
    return NULL;
  pid_t Child = fork();
  if (Child == 0) {
    ++Written;
    int FarSeen = 1;
    for (int Page = 0; Page < FAR_PAGES; ++Page)
      FarSeen &= Far[Page * 512] == Page + 1;
    const char *Env = getenv("FORK_GLOBALS");
    // The program's environ and the C library's are one.
    static char *Own[] = {"FORK_GLOBALS_CHILD=1", NULL};
    environ = Own;
    int Agree = getenv("FORK_GLOBALS_CHILD") != NULL;
    fprintf(stderr, "child %ld: its own stderr\n", I);
    _exit((Answer == 42) | FarSeen << 1 |
          (Written == 2) << 2 | (Env && strcmp(Env, "yes") == 0 && Agree) << 3);
  }
  // The child is the node's: wait for it there, by the system call.
  int Status = 0;
  syscall(SYS_wait4, Child, &Status, 0, NULL);
  Outcome[I] = WIFEXITED(Status)     ? WEXITSTATUS(Status)
               : WIFSIGNALED(Status) ? -WTERMSIG(Status)
                                     : -100;
  return NULL;
}

int main(void) {
  Answer = 42;
  for (int Page = 0; Page < FAR_PAGES; ++Page)
    Far[Page * 512] = Page + 1;
  // environ now points into home's heap (a new array for the new name).
  setenv("FORK_GLOBALS_HOME", "1", 1);
  pthread_t T[3];
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, forkOne, (void *)I);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  for (int I = 0; I < 3; ++I) {
    long O = Outcome[I];
    if (O < 0)
      printf("thread %d: the child died of signal %ld\n", I, -O);
    else
      printf("thread %d: answer %d far pages %s written %s environment %s\n",
             I, O & 1 ? 42 : 0, O & 2 ? "all" : "not all", O & 4 ? "yes" : "no",
             O & 8 ? "yes" : "no");
  }
  return 0;
}
