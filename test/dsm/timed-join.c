// pthread_tryjoin_np, pthread_timedjoin_np and pthread_clockjoin_np by
// threads on other nodes, of threads Grid made (home knows them): each is
// home's, as pthread_join is. Until 2026-11-28 they ran the C library's on
// the node, on a pthread_t of home's, and the agent crashed (SIGSEGV).
//
// Main makes an idle thread (home, under spread) and two joiners (node 1,
// node 2). Each joiner makes a waiter, which runs until its joiner lets it
// go, and then: a tryjoin (EBUSY), a clockjoin of a clock the call
// refuses (EINVAL), a timedjoin and a clockjoin of
// CLOCK_MONOTONIC 50 ms ahead (ETIMEDOUT, no sooner than 50 ms by the
// joiner's own clock, within 10 s), lets it go and clockjoins it with 20 s
// to spare (0, its value). A second waiter it lets go at once, and
// tryjoins until it has ended (0, its value); a third it joins with
// pthread_timedjoin_np and no time (for ever, as the C library's). Then
// main cancels a thread on node 1 while it joins a thread at home, with
// pthread_join and with a clockjoin of 20 s: its join answers
// PTHREAD_CANCELED at once, and the thread it joined stays joinable. The
// output equals the plain build's. timed-join-clocks.test runs it with
// each rank's CLOCK_MONOTONIC apart.
//
// RUN: %clang -O1 -pthread %s -o %t.plain
// RUN: %grid-clang -fgrid -O1 -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: timed-join.c:{{[0-9]+}} (main) pthread_create 2 node 1: 1, node 2: 1
// CHECK: timed-join.c:{{[0-9]+}} (main) pthread_create 2 node 1: 2
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct Waiter {
  atomic_int Go;
  int Value;
};

static void *waitForGo(void *Arg) {
  struct Waiter *W = Arg;
  while (!atomic_load(&W->Go))
    usleep(1000);
  return &W->Value;
}

static const char *name(int Err) {
  switch (Err) {
  case 0:
    return "0";
  case EBUSY:
    return "EBUSY";
  case ETIMEDOUT:
    return "ETIMEDOUT";
  default:
    return strerror(Err);
  }
}

static double seconds(clockid_t Clock) {
  struct timespec T;
  clock_gettime(Clock, &T);
  return (double)T.tv_sec + (double)T.tv_nsec * 1e-9;
}

static struct timespec ahead(clockid_t Clock, long Ms) {
  struct timespec T;
  clock_gettime(Clock, &T);
  T.tv_sec += Ms / 1000;
  T.tv_nsec += (Ms % 1000) * 1000000;
  if (T.tv_nsec >= 1000000000) {
    T.tv_sec += 1;
    T.tv_nsec -= 1000000000;
  }
  return T;
}

// A timed join that must time out: its result, and whether it took at
// least 50 ms and less than 10 s by this thread's clock.
static void timesOut(char **Out, const char *What, int Err, double Took) {
  *Out += sprintf(*Out, "  %s: %s, %s\n", What, name(Err),
                  Took >= 0.05 && Took < 10 ? "after its limit" : "too soon or late");
}

static void *joiner(void *Arg) {
  char *Out = Arg;
  // In the heap, not on this thread's stack: its node is home of that,
  // and the waiters, on other nodes, read Go with atomics (which threads
  // of other nodes may not share there: docs/design/dsm.md).
  struct Waiter *W = calloc(3, sizeof *W);
  if (!W)
    return NULL;
  for (int I = 0; I < 3; ++I)
    W[I].Value = I + 1;
  pthread_t T[3];
  for (int I = 0; I < 3; ++I)
    if (pthread_create(&T[I], NULL, waitForGo, &W[I]) != 0)
      return NULL;
  void *R = NULL;
  Out += sprintf(Out, "  tryjoin while it runs: %s\n",
                 name(pthread_tryjoin_np(T[0], &R)));
  struct timespec Soon = ahead(CLOCK_MONOTONIC, 50);
  Out += sprintf(Out, "  clockjoin of a CPU-time clock: %s\n",
                 name(pthread_clockjoin_np(T[0], &R, CLOCK_PROCESS_CPUTIME_ID,
                                           &Soon)));
  double Start = seconds(CLOCK_MONOTONIC);
  struct timespec Until = ahead(CLOCK_REALTIME, 50);
  int Err = pthread_timedjoin_np(T[0], &R, &Until);
  timesOut(&Out, "timedjoin, 50 ms", Err, seconds(CLOCK_MONOTONIC) - Start);
  Start = seconds(CLOCK_MONOTONIC);
  Until = ahead(CLOCK_MONOTONIC, 50);
  Err = pthread_clockjoin_np(T[0], &R, CLOCK_MONOTONIC, &Until);
  timesOut(&Out, "clockjoin, 50 ms", Err, seconds(CLOCK_MONOTONIC) - Start);
  atomic_store(&W[0].Go, 1);
  Until = ahead(CLOCK_MONOTONIC, 20000);
  Err = pthread_clockjoin_np(T[0], &R, CLOCK_MONOTONIC, &Until);
  Out += sprintf(Out, "  clockjoin once let go: %s, value %d\n", name(Err),
                 Err == 0 ? *(int *)R : -1);
  atomic_store(&W[1].Go, 1);
  int Tries = 0;
  while ((Err = pthread_tryjoin_np(T[1], &R)) == EBUSY && Tries++ < 10000)
    usleep(1000);
  Out += sprintf(Out, "  tryjoin once ended: %s, value %d\n", name(Err),
                 Err == 0 ? *(int *)R : -1);
  atomic_store(&W[2].Go, 1);
  Err = pthread_timedjoin_np(T[2], &R, NULL);
  Out += sprintf(Out, "  timedjoin without a limit: %s, value %d\n", name(Err),
                 Err == 0 ? *(int *)R : -1);
  free(W);
  return NULL;
}

static void *idle(void *Arg) { return Arg; }

// Joins Thread, for ever (Clock 0) or with 20 s to spare, until cancelled.
struct Blocked {
  pthread_t Thread;
  int Clock;
  atomic_int Started;
};

static void *blockedJoiner(void *Arg) {
  struct Blocked *B = Arg;
  atomic_store(&B->Started, 1);
  if (B->Clock) {
    struct timespec Until = ahead(CLOCK_MONOTONIC, 20000);
    pthread_clockjoin_np(B->Thread, NULL, CLOCK_MONOTONIC, &Until);
  } else {
    pthread_join(B->Thread, NULL);
  }
  return NULL; // not cancelled
}

int main(void) {
  static char Out[2][1024];
  pthread_t Idle, J[2];
  pthread_create(&Idle, NULL, idle, NULL); // spread: home's turn
  pthread_join(Idle, NULL);
  for (int I = 0; I < 2; ++I) // node 1's, node 2's
    pthread_create(&J[I], NULL, joiner, Out[I]);
  for (int I = 0; I < 2; ++I) {
    pthread_join(J[I], NULL);
    printf("joiner %d:\n%s", I + 1, Out[I]);
  }
  // A joiner cancelled while it waits (on node 1: the threads so far were
  // 9, and each round makes 3) ends at once, and the thread it joined is
  // still joinable.
  for (int Clock = 0; Clock < 2; ++Clock) {
    struct Waiter Held = {0, 10 + Clock};
    struct Blocked B = {0, Clock, 0};
    pthread_t Joiner, Filler;
    void *R;
    pthread_create(&B.Thread, NULL, waitForGo, &Held); // home
    pthread_create(&Joiner, NULL, blockedJoiner, &B); // node 1
    pthread_create(&Filler, NULL, idle, NULL);        // node 2
    pthread_join(Filler, NULL);
    while (!atomic_load(&B.Started))
      usleep(1000);
    usleep(100000); // in its join
    pthread_cancel(Joiner);
    pthread_join(Joiner, &R);
    printf("a joiner cancelled in its %s: %s\n",
           Clock ? "clockjoin" : "join",
           R == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "not cancelled");
    atomic_store(&Held.Go, 1);
    pthread_join(B.Thread, &R);
    printf("  the thread it joined, joined since: value %d\n", *(int *)R);
  }
  return 0;
}
