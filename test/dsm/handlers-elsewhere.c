// A handler that lies in a library only home loaded (main's dlopen) is not
// at the same place on the agents: it is not installed there, and each
// agent says so once, naming the signal, the node and the library; the
// threads run as usual (none of them faults), those at home with the
// library's handler, the others with their node's own (main counts them on
// stderr: stdout equals the plain run's).
//
// Installed before the threads start, their starts bring it. Installed
// after ("later"), the tick that sends home's changed actions brings it,
// and each agent says so at once though no thread starts there after
// (until 2026-11-27 the warning waited for the next thread start on the
// node, and was never written without one). The threads wait until they
// see a SIGILL handler main installs after the library's (the same tick,
// or a later one, brings it).
//
// RUN: %clang -DLIBRARY -shared -fPIC %s -o %t.so
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.so > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.so > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// RUN: %t.plain %t.so later > %t.plain-later.out
// RUN: %mpirun3t %t.fgrid %t.so later > %t.later.out 2> %t.later.err
// RUN: diff %t.plain-later.out %t.later.out
// RUN: FileCheck %s --check-prefix=LATER < %t.later.err
//
// CHECK-DAG: grid: warning: the program's SIGFPE handler is not at the same place on node 1 (its module {{.*}}handlers-elsewhere.c.tmp.so): that node keeps its own
// CHECK-DAG: grid: warning: the program's SIGFPE handler is not at the same place on node 2 (its module {{.*}}handlers-elsewhere.c.tmp.so): that node keeps its own
// CHECK: threads with the library's SIGFPE handler: 2 of 6
// CHECK: handlers-elsewhere.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
// CHECK-NOT: grid: warning
//
// LATER-DAG: grid: warning: the program's SIGFPE handler is not at the same place on node 1 (its module {{.*}}handlers-elsewhere.c.tmp.so): that node keeps its own
// LATER-DAG: grid: warning: the program's SIGFPE handler is not at the same place on node 2 (its module {{.*}}handlers-elsewhere.c.tmp.so): that node keeps its own
// LATER: threads with the library's SIGFPE handler: 1 of 3
// LATER: handlers-elsewhere.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// LATER-NOT: grid: warning
#ifdef LIBRARY
#include <unistd.h>

void libraryHandler(int Sig) { _exit(Sig); }
#else
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void (*Handler)(int);

static void marker(int Sig) { (void)Sig; }

// Waits (at most 20 s) until SIGILL's handler is main's marker; answers its
// argument, whether it saw the marker, and whether SIGFPE's handler is then
// the library's.
static void *work(void *P) {
  struct sigaction Now;
  int Saw = 0;
  for (int I = 0; I < 20000 && !Saw; ++I) {
    Saw = sigaction(SIGILL, NULL, &Now) == 0 && Now.sa_handler == marker;
    if (!Saw)
      usleep(1000);
  }
  int Library = sigaction(SIGFPE, NULL, &Now) == 0 && Now.sa_handler == Handler;
  return (void *)((long)P * 100 + Saw * 10 + Library);
}

// The library's handler for SIGFPE, then main's marker for SIGILL.
static int install(const char *Path) {
  void *Library = dlopen(Path, RTLD_NOW);
  Handler = Library ? (void (*)(int))dlsym(Library, "libraryHandler") : NULL;
  if (!Handler) {
    printf("cannot load %s\n", Path);
    return 0;
  }
  signal(SIGFPE, Handler);
  signal(SIGILL, marker);
  return 1;
}

int main(int Argc, char **Argv) {
  if (Argc < 2)
    return 2;
  int Later = Argc > 2 && strcmp(Argv[2], "later") == 0;
  int Threads = Later ? 3 : 6;
  if (!Later && !install(Argv[1]))
    return 1;
  pthread_t T[6];
  for (long I = 0; I < Threads; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  if (Later && !install(Argv[1]))
    return 1;
  long Sum = 0, Saw = 0, WithIt = 0;
  for (int I = 0; I < Threads; ++I) {
    void *R;
    pthread_join(T[I], &R);
    Sum += (long)R / 100;
    Saw += (long)R / 10 % 10;
    WithIt += (long)R % 10;
  }
  printf("sum %ld; threads that saw main's SIGILL handler: %ld of %d\n", Sum,
         Saw, Threads);
  fprintf(stderr, "threads with the library's SIGFPE handler: %ld of %d\n",
          WithIt, Threads);
  return 0;
}
#endif
