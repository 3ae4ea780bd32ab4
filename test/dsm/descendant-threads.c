// A process the job's program starts (a descendant: here the program
// itself, spawned again) keeps its threads on its machine: only the job's
// program places threads on other nodes. Its log says so, and not that
// there is no cluster.
//
// RUN: %grid-clang -fgrid -g %s -o %t
// RUN: %mpirun3t -x GRID_LOG=info %t > %t.out 2> %t.err
// RUN: FileCheck %s --check-prefix=OUT < %t.out
// RUN: FileCheck %s < %t.err
// RUN: not grep 'local mode has no cluster' %t.err
// OUT: descendant: thread returned 42
// OUT: program: descendant exited 0
// CHECK: descendant-threads.c:{{[0-9]+}} (main): pthread_create -> core {{[0-9]+}} (thread tolerance any, strategy spread): cluster: only the job's program places threads on other nodes, and this process is one it started;

#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

static void *answer(void *Arg) { return Arg; }

int main(int Argc, char **Argv) {
  if (Argc > 1 && strcmp(Argv[1], "descendant") == 0) {
    pthread_t T;
    void *Back = NULL;
    pthread_create(&T, NULL, answer, (void *)42L);
    pthread_join(T, &Back);
    printf("descendant: thread returned %ld\n", (long)Back);
    return 0;
  }
  char *Args[] = {Argv[0], "descendant", NULL};
  pid_t Pid;
  int Status = -1;
  if (posix_spawn(&Pid, Argv[0], NULL, NULL, Args, environ) != 0 ||
      waitpid(Pid, &Status, 0) != Pid)
    return 1;
  fflush(stdout);
  printf("program: descendant exited %d\n",
         WIFEXITED(Status) ? WEXITSTATUS(Status) : -1);
  return 0;
}
