// A thread on another node registers fork handlers (pthread_atfork, as a
// library's lazy set-up in a worker does): they run for home's forks, as on
// one machine, and for the forks of threads on that node (the handlers are
// the executable's, registered at home and on the node: api/RemoteIo.cpp,
// __register_atfork). Before, they were registered on the node only, and a
// fork at home ran none of them.
//
// Threads are made one at a time (spread: home, node 1, node 2, home,
// node 1). The one on node 1 registers; main forks at home; the next
// thread on node 1 forks. Each child says whether its handler ran; main
// prints how many times prepare and parent ran.
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
static void prepare(void) { ++Prepared; }
static void parent(void) { ++Parented; }
static void child(void) { InChild = 1; }

static int forkAndAsk(void) {
  pid_t Pid = fork();
  if (Pid == 0)
    _exit(InChild ? 7 : 8);
  int Status = 0;
  waitpid(Pid, &Status, 0);
  return WIFEXITED(Status) && WEXITSTATUS(Status) == 7;
}

static void *nothing(void *P) { return P; }
static void *registers(void *P) {
  printf("pthread_atfork: %d\n", pthread_atfork(prepare, parent, child));
  return P;
}
static void *forks(void *P) {
  printf("a fork on the registering thread's node: the child's handler "
         "ran %d\n",
         forkAndAsk());
  return P;
}

static void run(void *(*Body)(void *)) {
  pthread_t T;
  if (pthread_create(&T, NULL, Body, NULL) == 0)
    pthread_join(T, NULL);
}

int main(void) {
  run(nothing);
  run(registers);
  printf("a fork at home: the child's handler ran %d\n", forkAndAsk());
  run(nothing);
  run(nothing);
  run(forks);
  printf("prepare ran %d times, parent %d\n", Prepared, Parented);
  return 0;
}
