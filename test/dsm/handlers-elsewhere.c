// A handler that lies in a library only home loaded (main's dlopen) is not
// at the same place on the agents: a thread start does not install it
// there, and each agent says so once, naming the signal, the node and the
// library; the threads run as usual (none of them faults), those at home
// with the library's handler, the others with their node's own (main
// counts them on stderr: stdout equals the plain run's).
//
// RUN: %clang -DLIBRARY -shared -fPIC %s -o %t.so
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.so > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.so > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-DAG: grid: warning: the program's SIGFPE handler is not at the same place on node 1 (its module {{.*}}handlers-elsewhere.c.tmp.so): that node keeps its own
// CHECK-DAG: grid: warning: the program's SIGFPE handler is not at the same place on node 2 (its module {{.*}}handlers-elsewhere.c.tmp.so): that node keeps its own
// CHECK: threads with the library's SIGFPE handler: 2 of 6
// CHECK: handlers-elsewhere.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
// CHECK-NOT: grid: warning
#ifdef LIBRARY
#include <unistd.h>

void libraryHandler(int Sig) { _exit(Sig); }
#else
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

static void (*Handler)(int);

static void *work(void *P) {
  struct sigaction Now;
  int Library = sigaction(SIGFPE, NULL, &Now) == 0 && Now.sa_handler == Handler;
  return (void *)((long)P * 2 * 10 + Library);
}

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  void *Library = dlopen(Argv[1], RTLD_NOW);
  Handler = Library ? (void (*)(int))dlsym(Library, "libraryHandler") : NULL;
  if (!Handler) {
    printf("cannot load %s\n", Argv[1]);
    return 1;
  }
  signal(SIGFPE, Handler);
  pthread_t T[6];
  for (long I = 0; I < 6; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  long Sum = 0, WithIt = 0;
  for (int I = 0; I < 6; ++I) {
    void *R;
    pthread_join(T[I], &R);
    Sum += (long)R / 10;
    WithIt += (long)R % 10;
  }
  printf("sum %ld\n", Sum);
  fprintf(stderr, "threads with the library's SIGFPE handler: %ld of 6\n",
          WithIt);
  return 0;
}
#endif
