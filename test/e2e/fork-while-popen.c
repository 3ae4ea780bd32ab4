// A fork never leaves the child a lock another thread held: here a thread
// opens and closes pipes with popen and pclose while main forks, and each
// child opens and closes a pipe of its own. pclose once ended the pipe's
// entry in gridctl ps while it held the pipes' lock, and that entry's
// registry is held across a fork: a pclose that began during a fork kept
// the pipes' lock held in the child, whose popen then waited for ever.
//
// RUN: %grid-clang -fgrid %s -o %t
// RUN: timeout -k 5 120 %t | FileCheck %s
// CHECK: 100 children, 100 popen in children, 0 hung
// CHECK-NEXT: pipes opened by the thread: {{[1-9][0-9]*}}

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 100

static atomic_int Stop;
static long Opened;

static void *pipes(void *Arg) {
  (void)Arg;
  while (!atomic_load(&Stop)) {
    FILE *P = popen("true", "r");
    if (!P) {
      perror("popen in the thread");
      exit(1);
    }
    pclose(P);
    ++Opened;
  }
  return NULL;
}

int main(void) {
  pthread_t T;
  pthread_create(&T, NULL, pipes, NULL);
  int Ok = 0, Hung = 0;
  for (int I = 0; I < CHILDREN; ++I) {
    pid_t Pid = fork();
    if (Pid < 0) {
      perror("fork");
      return 1;
    }
    if (Pid == 0) {
      alarm(5); // a child whose popen waits for ever ends by SIGALRM
      FILE *P = popen("true", "r");
      _exit(P && pclose(P) == 0 ? 0 : 2);
    }
    int Status;
    while (waitpid(Pid, &Status, 0) < 0)
      ;
    if (WIFEXITED(Status) && WEXITSTATUS(Status) == 0)
      ++Ok;
    else if (WIFSIGNALED(Status) && WTERMSIG(Status) == SIGALRM)
      ++Hung;
  }
  atomic_store(&Stop, 1);
  pthread_join(T, NULL);
  printf("%d children, %d popen in children, %d hung\n", CHILDREN, Ok, Hung);
  printf("pipes opened by the thread: %ld\n", Opened);
  return 0;
}
