// The C library's calls that name a thread by its pthread_t, on threads on
// other nodes, whose pthread_t is home's (their shadow's: pthread_self is
// the same on every node). A thread's own names its pthread on its node:
// thread pools name each worker with pthread_setname_np(pthread_self(),
// ...), which crashed the agent. Another thread's name is set and read at
// home (api/ThreadCalls.cpp).
//
// Threads are made one at a time (spread: home, node 1, node 2, ...). Each
// names itself and reads its name back, reads its attributes, scheduling,
// affinity (and sets it again) and CPU clock, and reads main's name; the
// one on node 1 first renames main. The output equals the plain run's.
//
// Each thread also calls into a library built without -fgrid, whose
// pthread_self is the node's own pthread_t, and which names, signals and
// joins a worker of its own that it makes on the node: those stay on the
// node (home does not know them). Before, they went home, where a
// pthread_kill of the library's pthread_self killed home.
//
// RUN: %clang -DLIBRARY -shared -fPIC %s -o %t.so
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.so > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.so > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK: thread-calls.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#define _GNU_SOURCE
#ifdef LIBRARY
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void *libraryWorker(void *P) {
  while (!__atomic_load_n((int *)P, __ATOMIC_ACQUIRE))
    ;
  return NULL;
}

// What the library's calls answered, written into Out.
void libraryCalls(char *Out, size_t Bytes) {
  char Self[16] = "", Worker[16] = "";
  int KillSelf = pthread_kill(pthread_self(), 0);
  int NameSelf = pthread_setname_np(pthread_self(), "libself");
  int ReadSelf = pthread_getname_np(pthread_self(), Self, sizeof Self);
  int Done = 0;
  pthread_t T;
  int Made = pthread_create(&T, NULL, libraryWorker, &Done);
  int NameWorker = pthread_setname_np(T, "libworker");
  int ReadWorker = pthread_getname_np(T, Worker, sizeof Worker);
  int KillWorker = pthread_kill(T, 0);
  int Policy = -1;
  struct sched_param Param;
  int Sched = pthread_getschedparam(T, &Policy, &Param);
  __atomic_store_n(&Done, 1, __ATOMIC_RELEASE);
  int Joined = pthread_join(T, NULL);
  snprintf(Out, Bytes,
           "library: kill itself %d, name %d %d '%s'; its worker: made %d, "
           "name %d %d '%s', kill %d, schedparam %d, joined %d",
           KillSelf, NameSelf, ReadSelf, Self, Made, NameWorker, ReadWorker,
           Worker, KillWorker, Sched, Joined);
}
#else
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_t Main;
static const char *Library;

static void *work(void *P) {
  long I = (long)P;
  char Mine[16], Read[16] = "", MainName[16] = "";
  snprintf(Mine, sizeof Mine, "worker-%ld", I);
  int Named = pthread_setname_np(pthread_self(), Mine);
  int Got = pthread_getname_np(pthread_self(), Read, sizeof Read);

  pthread_attr_t Attr;
  size_t Stack = 0;
  int Attrs = pthread_getattr_np(pthread_self(), &Attr);
  if (Attrs == 0) {
    pthread_attr_getstacksize(&Attr, &Stack);
    pthread_attr_destroy(&Attr);
  }
  int Policy = -1;
  struct sched_param Param;
  int Sched = pthread_getschedparam(pthread_self(), &Policy, &Param);
  cpu_set_t Set;
  CPU_ZERO(&Set);
  int Affinity = pthread_getaffinity_np(pthread_self(), sizeof Set, &Set);
  int Again = pthread_setaffinity_np(pthread_self(), sizeof Set, &Set);
  clockid_t Clock;
  struct timespec Used = {0, 0};
  int Clocked = pthread_getcpuclockid(pthread_self(), &Clock);
  if (Clocked == 0)
    clock_gettime(Clock, &Used);

  if (I == 1)
    pthread_setname_np(Main, "main-renamed");
  int MainRead = pthread_getname_np(Main, MainName, sizeof MainName);
  printf("thread %ld: setname %d, getname %d '%s'; getattr %d (a stack %d); "
         "getschedparam %d (SCHED_OTHER %d); affinity %d (a CPU %d), set "
         "again %d; cpu clock %d (running %d); main's name %d '%s'\n",
         I, Named, Got, Read, Attrs, Stack > 0, Sched, Policy == SCHED_OTHER,
         Affinity, CPU_COUNT(&Set) >= 1, Again, Clocked,
         Used.tv_sec > 0 || Used.tv_nsec > 0, MainRead, MainName);
  void *Handle = dlopen(Library, RTLD_NOW);
  void (*Calls)(char *, size_t) =
      Handle ? (void (*)(char *, size_t))dlsym(Handle, "libraryCalls") : NULL;
  char Answers[256] = "no library";
  if (Calls)
    Calls(Answers, sizeof Answers);
  printf("thread %ld: %s\n", I, Answers);
  return NULL;
}

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  Library = Argv[1];
  Main = pthread_self();
  pthread_setname_np(Main, "main-thread");
  for (long I = 0; I < 6; ++I) {
    pthread_t T;
    if (pthread_create(&T, NULL, work, (void *)I) != 0 ||
        pthread_join(T, NULL) != 0)
      return 1;
  }
  char Name[16] = "";
  pthread_getname_np(Main, Name, sizeof Name);
  printf("main: '%s'\n", Name);
  return 0;
}
#endif
