// vfork() by threads on other nodes: the child may only exec or _exit
// (POSIX), so the fork brings in none of the program's globals for it,
// where a fork brings in every page of them its node does not hold (the
// 64 pages of Far here; dsm/fork-globals.c). GRID_STATS=1's cache figure
// of each node, taken as its thread ends, stays below them. The output
// equals the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// A plain fork brings them in:
// RUN: %grid-clang -fgrid -g -DPLAIN_FORK %s -o %t.fork
// RUN: %mpirun3t %t.fork > %t.fork.out 2> %t.fork.err
// RUN: diff %t.plain.out %t.fork.out
// RUN: FileCheck %s --check-prefix=FORK < %t.fork.err
//
// CHECK: node 1 cache {{[0-9]+}} B ({{[0-9]|[1-5][0-9]}} pages){{.*}}node 2 cache {{[0-9]+}} B ({{[0-9]|[1-5][0-9]}} pages)
// CHECK: vfork-remote.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// FORK: node 1 cache {{[0-9]+}} B ({{[6-9][0-9]|[1-9][0-9][0-9]+}} pages){{.*}}node 2 cache {{[0-9]+}} B ({{[6-9][0-9]|[1-9][0-9][0-9]+}} pages)
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef PLAIN_FORK
#define FORK fork
#else
#define FORK vfork
#endif

long Far[64 * 512]; // 64 pages main writes and the threads never read
static long Status[3];

static void *spawn(void *P) {
  long I = (long)P;
  pid_t Child = FORK();
  if (Child == 0)
    _exit(5);
  int S = 0;
  syscall(SYS_wait4, Child, &S, 0, NULL);
  Status[I] = WIFEXITED(S) ? WEXITSTATUS(S) : -1;
  return NULL;
}

int main(void) {
  for (int Page = 0; Page < 64; ++Page)
    Far[Page * 512] = Page;
  pthread_t T[3];
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, spawn, (void *)I);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  for (int I = 0; I < 3; ++I)
    printf("thread %d: its child exited with %ld\n", I, Status[I]);
  return 0;
}
