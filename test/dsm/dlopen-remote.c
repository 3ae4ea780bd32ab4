// A thread on another node loads a library (dlopen) and uses it: a
// function, its thread-local variable, its constructor's work. What the
// dynamic loader allocates for it (its record of the library, the
// library's thread-local storage) is the node's own loader state, made in
// the node's memory (api/Malloc.cpp, fromLoader). Before, it was made in
// home's heap: once the thread's next acquire (a mutex here) had dropped
// those pages, the agent's exit read them again (_dl_fini) when no page
// could come, and the agent aborted, failing the job.
//
// RUN: %clang -DLIBRARY -shared -fPIC %s -o %t.so
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.so > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.so > %t.three.out 2> %t.three.err
// The job ends with status 0 (the RUN line above fails otherwise).
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK: dlopen-remote.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#ifdef LIBRARY
static int Loaded;
static __thread int Calls;

__attribute__((constructor)) static void load(void) { Loaded = 40; }

int libraryCall(int X) { return Loaded + X + ++Calls; }
#else
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define THREADS 6

static const char *Library;
static pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
static int Total;
static int Results[THREADS];

static void *work(void *P) {
  long I = (long)P;
  void *Handle = dlopen(Library, RTLD_NOW);
  int (*Call)(int) = Handle ? (int (*)(int))dlsym(Handle, "libraryCall") : 0;
  if (!Call) {
    fprintf(stderr, "thread %ld: %s\n", I, dlerror());
    return NULL;
  }
  int First = Call(1), Second = Call(1); // 42, then 43: its own Calls
  pthread_mutex_lock(&Lock);
  Total += First + Second;
  pthread_mutex_unlock(&Lock);
  Results[I] = Call(0);
  return NULL;
}

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  Library = Argv[1];
  for (long I = 0; I < THREADS; ++I) {
    pthread_t T;
    if (pthread_create(&T, NULL, work, (void *)I) != 0 ||
        pthread_join(T, NULL) != 0)
      return 1;
  }
  printf("total %d;", Total);
  for (int I = 0; I < THREADS; ++I)
    printf(" %d", Results[I]);
  printf("\n");
  return 0;
}
#endif
