// C11's <threads.h> on threads Grid places (api/C11Threads.cpp): glibc
// builds it on its own pthread calls, out of the plugin's reach, so before
// every thrd_create thread stayed at home. Now the plugin rewrites the C11
// calls: threads go to the agents, and their mutexes, conditions, once
// flags and thread-specific storage work across nodes, as on one machine.
//
//  - 3 threads (home, node 1, node 2) add to a counter under an mtx_t, take
//    turns on a cnd_t, run one call_once, keep a tss_t value whose
//    destructor runs at their end, check that thrd_current is the id
//    thrd_create gave, and end with thrd_exit (their value reaches the
//    join);
//  - mtx_trylock of a held mutex answers thrd_busy, mtx_timedlock and
//    cnd_timedwait thrd_timedout, a recursive mutex locks twice;
//  - a detached thread on each node signals its end.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK:      counter 30000, turns 3, once ran 1 time(s), joins 0 10 20
// CHECK-NEXT: thread 0: its id yes, busy yes, timed out yes, recursive yes, cnd timed out yes, tss yes
// CHECK-NEXT: thread 1: its id yes, busy yes, timed out yes, recursive yes, cnd timed out yes, tss yes
// CHECK-NEXT: thread 2: its id yes, busy yes, timed out yes, recursive yes, cnd timed out yes, tss yes
// CHECK-NEXT: tss destructors 3
// CHECK-NEXT: detached threads ended 3
// STATS-COUNT-2: c11-threads.c:{{[0-9]+}} (main) thrd_create 3 {{.*}}node 1: 1, node 2: 1
#include <stdatomic.h>
#include <stdio.h>
#include <threads.h>
#include <time.h>

enum { Threads = 3, Adds = 10000 };

static mtx_t Lock, Held, Recursive;
static cnd_t Turns, Never;
static once_flag Once = ONCE_FLAG_INIT;
static tss_t Key;
static thrd_t Ids[Threads];
static int Counter, Turn, OnceRuns, Destructed, Ended;
static int Checks[Threads][6];

static void initOnce(void) { ++OnceRuns; }
static void destruct(void *Value) {
  mtx_lock(&Lock);
  Destructed += Value != NULL;
  mtx_unlock(&Lock);
}

static struct timespec soon(void) {
  struct timespec T;
  timespec_get(&T, TIME_UTC);
  T.tv_nsec += 20 * 1000 * 1000;
  if (T.tv_nsec >= 1000000000) {
    T.tv_nsec -= 1000000000;
    ++T.tv_sec;
  }
  return T;
}

static int work(void *P) {
  int Id = (int)(long)P;
  static int Mine[Threads];
  tss_set(Key, &Mine[Id]);
  for (int I = 0; I < Adds; ++I) {
    mtx_lock(&Lock);
    ++Counter;
    mtx_unlock(&Lock);
  }
  call_once(&Once, initOnce);
  mtx_lock(&Lock);
  while (Turn != Id)
    cnd_wait(&Turns, &Lock);
  ++Turn;
  cnd_broadcast(&Turns);
  mtx_unlock(&Lock);

  // Held by main all along: busy, then timed out.
  Checks[Id][0] = thrd_equal(thrd_current(), Ids[Id]);
  Checks[Id][1] = mtx_trylock(&Held) == thrd_busy;
  struct timespec Limit = soon();
  Checks[Id][2] = mtx_timedlock(&Held, &Limit) == thrd_timedout;
  Checks[Id][3] = mtx_lock(&Recursive) == thrd_success &&
                  mtx_lock(&Recursive) == thrd_success;
  mtx_unlock(&Recursive);
  mtx_unlock(&Recursive);
  mtx_lock(&Lock);
  Limit = soon();
  Checks[Id][4] = cnd_timedwait(&Never, &Lock, &Limit) == thrd_timedout;
  mtx_unlock(&Lock);
  Checks[Id][5] = tss_get(Key) == &Mine[Id];
  thrd_exit(Id * 10);
}

static int detached(void *P) {
  (void)P;
  mtx_lock(&Lock);
  ++Ended;
  cnd_broadcast(&Turns);
  mtx_unlock(&Lock);
  return 0;
}

static const char *yes(int B) { return B ? "yes" : "no"; }

int main(void) {
  mtx_init(&Lock, mtx_plain);
  mtx_init(&Held, mtx_timed);
  mtx_init(&Recursive, mtx_plain | mtx_recursive);
  cnd_init(&Turns);
  cnd_init(&Never);
  tss_create(&Key, destruct);
  mtx_lock(&Held);

  for (long I = 0; I < Threads; ++I) // home, node 1, node 2 under spread
    thrd_create(&Ids[I], work, (void *)I);
  int Results[Threads];
  for (int I = 0; I < Threads; ++I)
    thrd_join(Ids[I], &Results[I]);
  printf("counter %d, turns %d, once ran %d time(s), joins %d %d %d\n",
         Counter, Turn, OnceRuns, Results[0], Results[1], Results[2]);
  for (int I = 0; I < Threads; ++I)
    printf("thread %d: its id %s, busy %s, timed out %s, recursive %s, cnd "
           "timed out %s, tss %s\n",
           I, yes(Checks[I][0]), yes(Checks[I][1]), yes(Checks[I][2]),
           yes(Checks[I][3]), yes(Checks[I][4]), yes(Checks[I][5]));
  mtx_lock(&Lock);
  printf("tss destructors %d\n", Destructed);
  mtx_unlock(&Lock);

  for (int I = 0; I < Threads; ++I) {
    thrd_t T;
    thrd_create(&T, detached, NULL);
    thrd_detach(T);
  }
  mtx_lock(&Lock);
  while (Ended < Threads)
    cnd_wait(&Turns, &Lock);
  printf("detached threads ended %d\n", Ended);
  mtx_unlock(&Lock);
  mtx_unlock(&Held);
  mtx_destroy(&Lock);
  cnd_destroy(&Never);
  tss_delete(Key);
  return 0;
}
