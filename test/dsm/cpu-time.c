// The process's CPU time counts its threads on other nodes, as on one
// machine: three threads (home, node 1, node 2) each burn at least 300 ms
// of CPU by their own thread clock; once main has joined them, clock(),
// times(), getrusage(RUSAGE_SELF) and CLOCK_PROCESS_CPUTIME_ID each read
// at least the 900 ms (home's kernel alone saw about 300). A remote
// thread's own clock() and CLOCK_PROCESS_CPUTIME_ID are the process's,
// home's with the thread's own time so far: at least its 300 ms, and
// more than its own thread clock once the thread at home has burnt its
// share. The output equals the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: cpu-time.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define BURN_NS 300000000LL // each thread's share

static long long ns(clockid_t Clock) {
  struct timespec T;
  clock_gettime(Clock, &T);
  return T.tv_sec * 1000000000LL + T.tv_nsec;
}

static volatile unsigned long Sink;
static pthread_barrier_t Burnt, Looked;
static int SeenByThread[3];

static void *burn(void *P) {
  long I = (long)P;
  long long Start = ns(CLOCK_THREAD_CPUTIME_ID);
  while (ns(CLOCK_THREAD_CPUTIME_ID) - Start < BURN_NS)
    for (int K = 0; K < 10000; ++K)
      Sink += K;
  // Every thread has burnt its share: the process's time holds this
  // thread's and another's at least (home adds a running thread's time as
  // its node reports it, every tenth of a second: given up to 5 s here).
  pthread_barrier_wait(&Burnt);
  long long Own = ns(CLOCK_THREAD_CPUTIME_ID);
  long long Process = 0, Clock = 0;
  for (int Try = 0; Try < 500; ++Try) {
    Process = ns(CLOCK_PROCESS_CPUTIME_ID);
    Clock = (long long)clock() * (1000000000LL / CLOCKS_PER_SEC);
    if (Process >= Own + BURN_NS / 10 * 9 && Clock >= Own + BURN_NS / 10 * 9)
      break;
    usleep(10000);
  }
  SeenByThread[I] =
      Process >= Own + BURN_NS / 10 * 9 && Clock >= Own + BURN_NS / 10 * 9;
  // The threads on other nodes run (blocked) until every thread looked.
  pthread_barrier_wait(&Looked);
  return NULL;
}

int main(void) {
  pthread_barrier_init(&Burnt, NULL, 3);
  pthread_barrier_init(&Looked, NULL, 3);
  pthread_t T[3];
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, burn, (void *)I);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  const long long All = 3 * BURN_NS;
  long long Process = ns(CLOCK_PROCESS_CPUTIME_ID);
  long long Clock = (long long)clock() * (1000000000LL / CLOCKS_PER_SEC);
  struct rusage Usage;
  getrusage(RUSAGE_SELF, &Usage);
  long long Rusage =
      (Usage.ru_utime.tv_sec + Usage.ru_stime.tv_sec) * 1000000000LL +
      (Usage.ru_utime.tv_usec + Usage.ru_stime.tv_usec) * 1000LL;
  struct tms Times;
  times(&Times);
  long long Ticks = (long long)(Times.tms_utime + Times.tms_stime);
  long long TimesNs = Ticks * (1000000000LL / sysconf(_SC_CLK_TCK));
  // times() counts in ticks (10 ms), each thread's share rounded down.
  printf("CLOCK_PROCESS_CPUTIME_ID covers the threads: %s\n",
         Process >= All ? "yes" : "no");
  printf("clock() covers the threads: %s\n", Clock >= All ? "yes" : "no");
  printf("getrusage covers the threads: %s\n", Rusage >= All ? "yes" : "no");
  printf("times covers the threads: %s\n",
         TimesNs >= All - 30000000LL ? "yes" : "no");
  for (int I = 0; I < 3; ++I)
    printf("thread %d read the process's time: %s\n", I,
           SeenByThread[I] ? "yes" : "no");
  return 0;
}
