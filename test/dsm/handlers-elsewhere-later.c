// A handler from a library only home loaded, installed after the threads
// started: the tick that sends home's changed actions cannot install it on
// the agents, and each agent says so at once, though no thread starts there
// after (until 2026-11-27 the warning waited for the next thread start on
// the node, and was never written without one). The threads wait until
// they see a SIGILL handler main installs after the library's (the same
// tick, or a later one, brings it); those on agents keep their node's own
// SIGFPE action. stdout equals the plain run's.
//
// RUN: %clang -DLIBRARY -shared -fPIC %s -o %t.so
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.so > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.so > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-DAG: grid: warning: the program's SIGFPE handler is not at the same place on node 1 (its module {{.*}}handlers-elsewhere-later.c.tmp.so): that node keeps its own
// CHECK-DAG: grid: warning: the program's SIGFPE handler is not at the same place on node 2 (its module {{.*}}handlers-elsewhere-later.c.tmp.so): that node keeps its own
// CHECK: threads with the library's SIGFPE handler: 1 of 3
// CHECK: handlers-elsewhere-later.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
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
#include <unistd.h>

static void (*Handler)(int);

static void marker(int Sig) { (void)Sig; }

// Waits (at most 20 s) until SIGILL's handler is main's marker; says
// whether it saw it, and whether SIGFPE's is then the library's.
static void *work(void *P) {
  (void)P;
  struct sigaction Now;
  int Saw = 0;
  for (int I = 0; I < 20000 && !Saw; ++I) {
    Saw = sigaction(SIGILL, NULL, &Now) == 0 && Now.sa_handler == marker;
    if (!Saw)
      usleep(1000);
  }
  int Library = sigaction(SIGFPE, NULL, &Now) == 0 && Now.sa_handler == Handler;
  return (void *)(long)(Saw * 10 + Library);
}

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  pthread_t T[3];
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  void *Library = dlopen(Argv[1], RTLD_NOW);
  Handler = Library ? (void (*)(int))dlsym(Library, "libraryHandler") : NULL;
  if (!Handler) {
    printf("cannot load %s\n", Argv[1]);
    return 1;
  }
  signal(SIGFPE, Handler);
  signal(SIGILL, marker);
  long Saw = 0, WithIt = 0;
  for (int I = 0; I < 3; ++I) {
    void *R;
    pthread_join(T[I], &R);
    Saw += (long)R / 10;
    WithIt += (long)R % 10;
  }
  printf("threads that saw main's SIGILL handler: %ld of 3\n", Saw);
  fprintf(stderr, "threads with the library's SIGFPE handler: %ld of 3\n",
          WithIt);
  return 0;
}
#endif
