// The process's CPU time counts its threads on other nodes, as on one
// machine. Three threads (home, node 1, node 2) each burn 300 ms of CPU
// by their own thread clock, then three more 30 ms each, up to their end;
// once main has joined those, clock(), times(), getrusage(RUSAGE_SELF)
// and CLOCK_PROCESS_CPUTIME_ID have each grown by what the three used, to
// the millisecond, and by little more (home's kernel alone saw a third;
// what the nodes last reported lacks most of it, which each thread's end
// brings home before its join returns). In the first round, while all
// three still run, each reads with clock() and CLOCK_PROCESS_CPUTIME_ID
// its own time and another's at least, and not its own twice: a remote thread's calls answer home's count with
// its own time so far, and home's count holds the running remote threads'
// as their nodes report them (its kernel saw only its own threads, a
// node's process only its thread's and the agent's own work). The output
// equals the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: cpu-time.c:{{[0-9]+}} (run) pthread_create 6 {{.*}}node 1: 2, node 2: 2
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

static void burnShare(long long Share) {
  long long Start = ns(CLOCK_THREAD_CPUTIME_ID);
  while (ns(CLOCK_THREAD_CPUTIME_ID) - Start < Share)
    for (int K = 0; K < 10000; ++K)
      Sink += K;
}

static void *burnAndLook(void *P) {
  long I = (long)P;
  burnShare(BURN_NS);
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
  // And no more than the three shares, with room for the runtime's own
  // work (about 80 ms here): a thread's own time is counted once.
  const long long Most = Own + 2 * BURN_NS + 250000000LL;
  SeenByThread[I] = Process >= Own + BURN_NS / 10 * 9 &&
                    Clock >= Own + BURN_NS / 10 * 9 && Process <= Most &&
                    Clock <= Most;
  // The threads on other nodes run (blocked) until every thread looked.
  pthread_barrier_wait(&Looked);
  return NULL;
}

// Burns 30 ms up to its end, less than its node's reports are apart: what
// the node last reported lacks most of it, which the thread's end brings
// home before its join returns.
static long long UsedByThread[3];
static void *burnAndEnd(void *P) {
  burnShare(BURN_NS / 10);
  UsedByThread[(long)P] = ns(CLOCK_THREAD_CPUTIME_ID);
  return NULL;
}

// The process's CPU time by each call, in nanoseconds.
static void processTimes(long long Out[4]) {
  Out[0] = ns(CLOCK_PROCESS_CPUTIME_ID);
  Out[1] = (long long)clock() * (1000000000LL / CLOCKS_PER_SEC);
  struct rusage Usage;
  getrusage(RUSAGE_SELF, &Usage);
  Out[2] = (Usage.ru_utime.tv_sec + Usage.ru_stime.tv_sec) * 1000000000LL +
           (Usage.ru_utime.tv_usec + Usage.ru_stime.tv_usec) * 1000LL;
  struct tms Times;
  times(&Times);
  Out[3] = (long long)(Times.tms_utime + Times.tms_stime) *
           (1000000000LL / sysconf(_SC_CLK_TCK));
}

static void run(void *(*Start)(void *)) {
  pthread_t T[3];
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, Start, (void *)I);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
}

int main(void) {
  pthread_barrier_init(&Burnt, NULL, 3);
  pthread_barrier_init(&Looked, NULL, 3);
  run(burnAndLook);
  long long Before[4], After[4];
  processTimes(Before);
  run(burnAndEnd);
  processTimes(After);
  long long Used = UsedByThread[0] + UsedByThread[1] + UsedByThread[2];
  // Each grew by all its threads used, to the millisecond, and by no more
  // than the runtime's own work besides (2 ms here); times() counts in
  // ticks (10 ms), each share rounded down.
  const char *Name[4] = {"CLOCK_PROCESS_CPUTIME_ID", "clock()", "getrusage",
                         "times"};
  const long long Below[4] = {1000000, 1000000, 1000000, 40000000};
  const long long Above[4] = {40000000, 40000000, 40000000, 60000000};
  for (int C = 0; C < 4; ++C) {
    long long Grew = After[C] - Before[C];
    printf("%s grew by the threads' time: %s\n", Name[C],
           Grew >= Used - Below[C] && Grew <= Used + Above[C] ? "yes" : "no");
  }
  for (int I = 0; I < 3; ++I)
    printf("thread %d read the process's time: %s\n", I,
           SeenByThread[I] ? "yes" : "no");
  return 0;
}
