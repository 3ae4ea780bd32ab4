// A thread on another node starts processes at home: its pipes are home's,
// so its children must be too. posix_spawnp with file actions on a pipe
// made by pipe(), waitpid for the child, popen and pclose, system, and
// kill of a child all behave as at home; with process tolerance any the
// children themselves may run on any node (through their deputies).
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: %mpirun3t -x GRID_PROCESS_TOLERANCE=any %t.fgrid > %t.any.out 2> %t.any.err
// RUN: diff %t.plain.out %t.any.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: thread 1: spawned child said: hello from a child
// CHECK-NEXT: thread 1: child exited with 7
// CHECK-NEXT: thread 1: popen read: 3 words
// CHECK-NEXT: thread 1: pclose status 0
// CHECK-NEXT: thread 1: system status 5
// CHECK-NEXT: thread 1: killed child: signal 15
// STATS: spawn.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void *work(void *P) {
  long Id = (long)P;
  int Out[2];
  if (pipe(Out) != 0)
    return perror("pipe"), NULL;
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_adddup2(&Actions, Out[1], 1);
  posix_spawn_file_actions_addclose(&Actions, Out[0]);
  char Sh[] = "sh", Dash[] = "-c", Script[] = "echo hello from a child; exit 7";
  char *Argv[] = {Sh, Dash, Script, NULL};
  pid_t Pid;
  int Rc = posix_spawnp(&Pid, "sh", &Actions, NULL, Argv, environ);
  posix_spawn_file_actions_destroy(&Actions);
  close(Out[1]);
  if (Rc != 0)
    return fprintf(stderr, "posix_spawnp: %s\n", strerror(Rc)), NULL;
  char Line[128] = "";
  ssize_t N = read(Out[0], Line, sizeof Line - 1);
  Line[N > 0 ? N : 0] = '\0';
  close(Out[0]);
  printf("thread %ld: spawned child said: %s", Id, Line);
  int Status = 0;
  if (waitpid(Pid, &Status, 0) != Pid)
    perror("waitpid");
  printf("thread %ld: child exited with %d\n", Id, WEXITSTATUS(Status));
  FILE *F = popen("echo one two three | wc -w", "r");
  int Words = 0;
  if (F && fscanf(F, "%d", &Words) == 1)
    printf("thread %ld: popen read: %d words\n", Id, Words);
  printf("thread %ld: pclose status %d\n", Id, F ? pclose(F) : -1);
  Status = system("exit 5");
  printf("thread %ld: system status %d\n", Id, WEXITSTATUS(Status));
  char Sleep[] = "sleep", Long[] = "60";
  char *SleepArgv[] = {Sleep, Long, NULL};
  if (posix_spawnp(&Pid, "sleep", NULL, NULL, SleepArgv, environ) == 0) {
    kill(Pid, SIGTERM);
    waitpid(Pid, &Status, 0);
    printf("thread %ld: killed child: signal %d\n", Id,
           WIFSIGNALED(Status) ? WTERMSIG(Status) : 0);
  }
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(void) {
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, work, (void *)1);
  pthread_join(T, NULL);
  return 0;
}
