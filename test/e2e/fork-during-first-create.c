// A fork while the program's first thread creation reads the machine's
// topology (hwloc, milliseconds): the child creates threads of its own.
// The reading once held a guarded static (and the machine's a second),
// which a fork child found held by a thread it does not have, so its
// first creation waited for ever. Each trial is a fresh process that has
// created no thread through Grid: a thread of its own (plain pthread,
// not Grid's) forks children back to back while main makes the first
// creation; every child creates and joins a thread through Grid.
//
// RUN: %clang -O1 -DUSE_GRID -I%S/Inputs %gridrt_include %s -o %t %gridrt_link
// RUN: timeout -k 5 300 %t | FileCheck %s
// CHECK: 8 trials, 240 children: 240 created a thread, 0 hung

#include "grid-or-plain.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRIALS 8
#define CHILDREN 30

static atomic_int Go;

static void *work(void *Arg) { return Arg; }

// A child of the trial: a thread through Grid, or SIGALRM if it hangs.
static void child(void) {
  alarm(10);
  pthread_t T;
  void *Back = NULL;
  int Ok = CREATE(&T, NULL, work, &Go) == 0 && JOIN(T, &Back) == 0 &&
           Back == &Go;
  _exit(Ok ? 0 : 2);
}

// Forks the children as main begins its first creation; exits with the
// number that created their thread, and 100 times the number that hung.
static void *forker(void *Arg) {
  (void)Arg;
  pid_t Pids[CHILDREN];
  while (!atomic_load(&Go))
    ;
  for (int I = 0; I < CHILDREN; ++I) {
    Pids[I] = fork();
    if (Pids[I] == 0)
      child();
  }
  long Result = 0;
  for (int I = 0; I < CHILDREN; ++I) {
    int Status;
    while (waitpid(Pids[I], &Status, 0) < 0)
      ;
    if (WIFEXITED(Status) && WEXITSTATUS(Status) == 0)
      Result += 1;
    else if (WIFSIGNALED(Status) && WTERMSIG(Status) == SIGALRM)
      Result += 100;
  }
  return (void *)Result;
}

static long trial(void) {
  pthread_t Forker, T;
  pthread_create(&Forker, NULL, forker, NULL); // the C library's: no Grid
  atomic_store(&Go, 1);
  CREATE(&T, NULL, work, NULL); // the process's first through Grid
  JOIN(T, NULL);
  void *Result;
  pthread_join(Forker, &Result);
  return (long)Result;
}

int main(void) {
  int Created = 0, Hung = 0;
  for (int I = 0; I < TRIALS; ++I) {
    int Fds[2];
    if (pipe(Fds) != 0)
      return 1;
    pid_t Pid = fork(); // a fresh process: no thread created through Grid
    if (Pid == 0) {
      long Result = trial();
      if (write(Fds[1], &Result, sizeof Result) != sizeof Result)
        _exit(1);
      _exit(0);
    }
    close(Fds[1]);
    long Result = 0;
    if (read(Fds[0], &Result, sizeof Result) != sizeof Result)
      Result = -1;
    close(Fds[0]);
    waitpid(Pid, NULL, 0);
    Created += (int)(Result % 100);
    Hung += (int)(Result / 100);
  }
  printf("%d trials, %d children: %d created a thread, %d hung\n", TRIALS,
         TRIALS * CHILDREN, Created, Hung);
  return 0;
}
