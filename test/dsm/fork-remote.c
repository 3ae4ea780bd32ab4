// fork() by threads on other nodes, with pages moving as messages (no MPI
// windows), each child waited for on its node. The C library's and jemalloc's fork handlers make mutexes in
// the child before it leaves the DSM; they are the child's own, and must
// not go home (a child that tried hung waiting for its diffs'
// acknowledgement). The output equals the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t --mca osc ^rdma,ucx,sm %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK-DAG: fork-remote.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// CHECK-DAG: grid: dsm: pages move as messages
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long Shared[3];

static void *forkOne(void *P) {
  long I = (long)P;
  Shared[I] = 10 * I; // a page written, not yet released: a diff to send
  pid_t Child = fork();
  if (Child == 0) {
    // The child's own memory, locks and heap.
    pthread_mutex_t M;
    pthread_mutex_init(&M, NULL);
    pthread_mutex_lock(&M);
    char *Copy = malloc(64);
    free(Copy);
    pthread_mutex_unlock(&M);
    // And its own pipes (an agent's libgridrt never ran the initialisers
    // popen's list of streams once needed: the child crashed).
    FILE *Pipe = popen("exit 5", "r");
    int Closed = Pipe ? pclose(Pipe) : -1;
    _exit(pthread_mutex_destroy(&M) == 0 && Closed != -1 &&
                  WIFEXITED(Closed) && WEXITSTATUS(Closed) == 5
              ? 7
              : 1);
  }
  // The child is the node's (fork is not carried home, waitpid is): wait
  // for it there, by the system call.
  int Status = 0;
  syscall(SYS_wait4, Child, &Status, 0, NULL);
  Shared[I] = WIFEXITED(Status) ? WEXITSTATUS(Status) : -1;
  return NULL;
}

int main(void) {
  pthread_t T[3];
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, forkOne, (void *)I);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  for (int I = 0; I < 3; ++I)
    printf("thread %d: its child exited with %ld\n", I, Shared[I]);
  return 0;
}
