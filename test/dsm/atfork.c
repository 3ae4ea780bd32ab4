// Fork handlers (pthread_atfork) are the process's: every fork runs them,
// wherever the forking thread runs and whichever thread registered them.
// A remote thread's handlers of the executable's are registered at home
// and on its node, home keeps the list of the executable's handlers
// registered there, and a remote thread about to fork registers on its
// node those the node lacks (api/RemoteIo.cpp, __register_atfork,
// fetchForkHandlersForFork). Before, a fork at home ran none of a remote
// thread's handlers, and a fork on a node none of main's.
//
// main registers handlers, then makes threads one at a time (spread:
// home, node 1, node 2, home, node 1). The one on node 1 registers
// handlers of its own; main forks at home; the thread on node 2 forks; the
// next thread on node 1 forks. Each child says which child handlers ran;
// main prints how many times each prepare and parent handler ran.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK: atfork.c:{{[0-9]+}} (run) pthread_create 5 {{.*}}node 1: 2, node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int Prepared, Parented, InChild;
static int MainPrepared, MainParented, MainInChild;
static void prepare(void) { ++Prepared; }
static void parent(void) { ++Parented; }
static void child(void) { InChild = 1; }
static void mainPrepare(void) { ++MainPrepared; }
static void mainParent(void) { ++MainParented; }
static void mainChild(void) { MainInChild = 1; }

// Which child handlers ran in the child: 1 the thread's, 2 main's.
static int forkAndAsk(void) {
  pid_t Pid = fork();
  if (Pid == 0)
    _exit(10 + InChild + 2 * MainInChild);
  int Status = 0;
  waitpid(Pid, &Status, 0);
  return WIFEXITED(Status) ? WEXITSTATUS(Status) - 10 : -1;
}

static void *nothing(void *P) { return P; }
static void *registers(void *P) {
  printf("pthread_atfork on a thread: %d\n",
         pthread_atfork(prepare, parent, child));
  return P;
}
static void *forks(void *P) {
  printf("a fork on a thread: child handlers %d\n", forkAndAsk());
  return P;
}

static void run(void *(*Body)(void *)) {
  pthread_t T;
  if (pthread_create(&T, NULL, Body, NULL) == 0)
    pthread_join(T, NULL);
}

int main(void) {
  printf("pthread_atfork in main: %d\n",
         pthread_atfork(mainPrepare, mainParent, mainChild));
  run(nothing);
  run(registers);
  printf("a fork at home: child handlers %d\n", forkAndAsk());
  run(forks);
  run(nothing);
  run(forks);
  printf("the thread's prepare ran %d times, parent %d; main's prepare %d, "
         "parent %d\n",
         Prepared, Parented, MainPrepared, MainParented);
  return 0;
}
