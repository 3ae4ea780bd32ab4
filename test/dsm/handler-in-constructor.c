// A library's constructor installs a SIGSEGV handler (as a crash reporter
// does) and then waits for threads running on other nodes, while dlopen
// holds the loader's lock. Home's loop, which sends changed handlers to
// the nodes (docs/design/dsm.md, signal handlers), must not need that
// lock: it once asked dladdr where the handler lies, waited for the
// constructor, and the nodes, hearing nothing from home, ended the job.
//
// RUN: %clang -shared -fPIC -DLIBRARY %s -o %t.so
// RUN: %clang -rdynamic %s -o %t.plain
// RUN: %grid-clang -fgrid -g -rdynamic %s -o %t.fgrid
// RUN: %t.plain %t.so 2> %t.plain.err | sort > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.so 2> %t.three.err | sort > %t.three.out
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// The library is loaded only at home: the nodes keep their own handler
// (and may warn).
// CHECK: constructor done
// CHECK: handler-in-constructor.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef LIBRARY
static void onSegv(int Sig) { (void)Sig; }

__attribute__((constructor)) static void init(void) {
  struct sigaction A;
  memset(&A, 0, sizeof A);
  A.sa_handler = onSegv;
  sigemptyset(&A.sa_mask);
  sigaction(SIGSEGV, &A, NULL);
  struct timespec Tick = {0, 50000000}; // five ticks of home's loop
  nanosleep(&Tick, NULL);
  void (*Join)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "joinWorkers");
  Join();
  fprintf(stderr, "constructor done\n");
}
#else
static pthread_t T[3];

static void *work(void *Arg) {
  struct timespec Wait = {0, 300000000};
  nanosleep(&Wait, NULL);
  printf("worker %ld done\n", (long)Arg);
  return Arg;
}

void joinWorkers(void) {
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
}

int main(int Argc, char **Argv) {
  if (Argc < 2)
    return 2;
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  void *Library = dlopen(Argv[1], RTLD_NOW);
  printf("dlopen: %s\n", Library ? "loaded" : dlerror());
  return 0;
}
#endif
