// A child process created by a thread Grid pinned to a core inherits the
// CPU affinity it would have without Grid (the process's), not the pin; the
// creating thread stays pinned afterwards. A thread created with an
// affinity of its own (here the process's CPUs) keeps it: Grid counts such
// a thread on the core of its first CPU but does not pin it again after
// a child's start.
//
// RUN: %clang -pthread -I%S/Inputs %s -o %t.plain
// RUN: %clang -DUSE_GRID -I%S/Inputs %gridrt_include %s -o %t.grid %gridrt_link
// RUN: %t.plain > %t.plain.out
// RUN: %t.grid > %t.grid.out 2> %t.grid.err
// RUN: diff %t.plain.out %t.grid.out
// RUN: FileCheck %s < %t.grid.out
// RUN: FileCheck --check-prefix=PINNED %s < %t.grid.err
// Built with grid-clang -fgrid, the plain calls are rewritten by the plugin:
// RUN: %grid-clang -fgrid -pthread -I%S/Inputs %s -o %t.fgrid
// RUN: %t.fgrid > %t.fgrid.out 2> %t.fgrid.err
// RUN: diff %t.plain.out %t.fgrid.out
// RUN: FileCheck --check-prefix=PINNED %s < %t.fgrid.err

#define _GNU_SOURCE
#include "grid-or-plain.h"

#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int cpusOfCaller(void) {
  cpu_set_t Set;
  sched_getaffinity(0, sizeof(Set), &Set);
  return CPU_COUNT(&Set);
}

// Arg: null for a thread Grid places, else a thread of its own affinity.
static void *createChildren(void *Arg) {
  int Before = cpusOfCaller();
  char *Argv[] = {"grep", "Cpus_allowed_list", "/proc/self/status", NULL};
  fflush(stdout);
  SYSTEM("grep Cpus_allowed_list /proc/self/status | sed s/^/system:/");

  FILE *P = POPEN("grep Cpus_allowed_list /proc/self/status", "r");
  char Line[128];
  while (fgets(Line, sizeof(Line), P))
    printf("popen:%s", Line);
  PCLOSE(P);
  fflush(stdout);

  pid_t Pid;
  POSIX_SPAWNP(&Pid, "grep", NULL, NULL, Argv, environ);
  waitpid(Pid, NULL, 0);

  if ((Pid = FORK()) == 0) {
    printf("fork child cpus %d\n", cpusOfCaller());
    fflush(stdout);
    EXECVP("grep", Argv);
    _exit(127);
  }
  waitpid(Pid, NULL, 0);
  if (Arg)
    fprintf(stderr, "own-affinity creator cpus %s\n",
            cpusOfCaller() == Before ? "kept" : "changed");
  else
    fprintf(stderr, "creator cpus after %d\n", cpusOfCaller());
  return NULL;
}

int main(void) {
  printf("process Cpus_allowed_list:");
  fflush(stdout);
  system("grep Cpus_allowed_list /proc/self/status | cut -f2");
  pthread_t T;
  CREATE(&T, NULL, createChildren, NULL);
  JOIN(T, NULL);
  cpu_set_t Mine;
  pthread_attr_t Attr;
  sched_getaffinity(0, sizeof(Mine), &Mine);
  pthread_attr_init(&Attr);
  pthread_attr_setaffinity_np(&Attr, sizeof(Mine), &Mine);
  CREATE(&T, &Attr, createChildren, &Attr);
  JOIN(T, NULL);
  pthread_attr_destroy(&Attr);
  return 0;
}

// CHECK: process Cpus_allowed_list:[[CPUS:.*]]
// CHECK: system:Cpus_allowed_list:{{[[:space:]]+}}[[CPUS]]
// CHECK: popen:Cpus_allowed_list:{{[[:space:]]+}}[[CPUS]]
// CHECK: Cpus_allowed_list:{{[[:space:]]+}}[[CPUS]]
// CHECK: fork child cpus
// CHECK: Cpus_allowed_list:{{[[:space:]]+}}[[CPUS]]
// PINNED: creator cpus after 1
// PINNED: own-affinity creator cpus kept
