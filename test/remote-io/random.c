// The C library's random number generators keep one state per process.
// Threads on other nodes draw from home's, so the program's draws are
// those of one machine:
//  - rand after main's srand, random after a remote thread's srandom,
//    drand48, lrand48 and mrand48 after srand48: three threads (home and
//    both agents) draw in turn, and the draws of all threads are the
//    sequence's first ones, in any order (one at a time: drand48's family
//    is not thread-safe). So their sorted list is the plain run's, and
//    main's next draw continues it.
//  - initstate and setstate from main and from remote threads: a state in
//    main's globals and one a remote thread allocated, a refused size;
//    seed48 answers the old seed, lcong48 changes home's generator.
// Before, each agent drew from its own unseeded copy: the remote threads
// drew the same numbers, and main's sequence skipped none of theirs.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: rand: 600 draws, 600 distinct, hash [[#]]; main's next [[#]]
// CHECK-NEXT: random after srandom on node 1: 600 draws, 600 distinct, hash [[#]]; main's next [[#]]
// CHECK-NEXT: initstate on node 2: the old state is main's yes
// CHECK-NEXT: initstate of 4 bytes on node 2: refused yes, EINVAL yes
// CHECK-NEXT: main's random on node 2's state: [[#]]
// CHECK-NEXT: setstate on node 1: the old state is node 2's yes
// CHECK-NEXT: random after setstate: 600 draws, 600 distinct, hash [[#]]; main's next [[#]]
// CHECK-NEXT: drand48: 600 draws, 600 distinct, hash [[#]]; main's next [[#]]
// CHECK-NEXT: lrand48: 600 draws, 600 distinct, hash [[#]]; main's next [[#]]
// CHECK-NEXT: mrand48: 600 draws, 600 distinct, hash [[#]]; main's next [[#]]
// CHECK-NEXT: seed48 on node 1: old seed {{[0-9]+ [0-9]+ [0-9]+}}, main's next [[#]]
// CHECK-NEXT: lcong48 on node 2: main's next [[#]]
// STATS-DAG: random.c:{{[0-9]+}} (onNode) pthread_create 15 {{.*}}node 1: 5, node 2: 5
// STATS-DAG: random.c:{{[0-9]+}} (drawAll) pthread_create 18 {{.*}}node 1: 6, node 2: 6
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { Threads = 3, Draws = 200 };
enum Kind { Rand, Random, Drand48, Lrand48, Mrand48 };

static int64_t Drawn[Threads][Draws];
static enum Kind Drawing;
static pthread_barrier_t Start;
static pthread_mutex_t Drawing48 = PTHREAD_MUTEX_INITIALIZER;

static int64_t drawOne(void) {
  switch (Drawing) {
  case Rand:
    return rand();
  case Random:
    return random();
  case Drand48:
    return (int64_t)(drand48() * 281474976710656.0); // exact: 48 bits
  case Lrand48:
    return lrand48();
  case Mrand48:
    return mrand48();
  }
  return -1;
}

static void *draw(void *P) {
  long Id = (long)P;
  pthread_barrier_wait(&Start); // all three draw at once
  for (int I = 0; I < Draws; ++I) {
    // drand48's family is not thread-safe: one draw at a time.
    pthread_mutex_lock(&Drawing48);
    Drawn[Id][I] = drawOne();
    pthread_mutex_unlock(&Drawing48);
  }
  return NULL;
}

static int compare(const void *A, const void *B) {
  int64_t X = *(const int64_t *)A, Y = *(const int64_t *)B;
  return (X > Y) - (X < Y);
}

// Threads 0, 1 and 2 (home, node 1, node 2 under spread) draw Draws each.
static void drawAll(const char *What, enum Kind K) {
  Drawing = K;
  pthread_t T[Threads];
  pthread_barrier_init(&Start, NULL, Threads);
  for (long I = 0; I < Threads; ++I)
    pthread_create(&T[I], NULL, draw, (void *)I);
  for (int I = 0; I < Threads; ++I)
    pthread_join(T[I], NULL);
  pthread_barrier_destroy(&Start);
  int64_t *All = &Drawn[0][0];
  qsort(All, Threads * Draws, sizeof *All, compare);
  uint64_t Hash = 14695981039346656037ull;
  int Distinct = 0;
  for (int I = 0; I < Threads * Draws; ++I) {
    Distinct += I == 0 || All[I] != All[I - 1];
    Hash = (Hash ^ (uint64_t)All[I]) * 1099511628211ull;
  }
  printf("%s: %d draws, %d distinct, hash %llu; main's next %lld\n", What,
         Threads * Draws, Distinct, (unsigned long long)(Hash >> 1),
         (long long)(drawOne() & 0x7fffffffffffll));
}

// One thing a thread placed on a given node does, by itself.
typedef void (*Step)(void);
static void *runStep(void *P) {
  ((Step)P)();
  return NULL;
}
static void *runStepOrNothing(void *P) { return P ? runStep(P) : NULL; }
static void onNode(int Node, Step S) {
  // spread places threads round robin: home, node 1, node 2, and every
  // group here is of three, so the Node-th of them runs on that node.
  pthread_t T[Threads];
  for (int I = 0; I < Threads; ++I)
    pthread_create(&T[I], NULL, runStepOrNothing,
                   (void *)(I == Node ? S : NULL));
  for (int I = 0; I < Threads; ++I)
    pthread_join(T[I], NULL);
}

static char MainState[64];
static char *DefaultState, *NodeState;

static void seedRandom(void) { srandom(7); }

static void ownState(void) {
  NodeState = malloc(128);
  char *Old = initstate(5, NodeState, 128);
  printf("initstate on node 2: the old state is main's %s\n",
         Old == MainState ? "yes" : "no");
  errno = 0;
  char *Small = malloc(4);
  char *Refused = initstate(3, Small, 4);
  printf("initstate of 4 bytes on node 2: refused %s, EINVAL %s\n",
         Refused == NULL ? "yes" : "no", errno == EINVAL ? "yes" : "no");
  free(Small);
}

static void defaultState(void) {
  char *Old = setstate(DefaultState);
  printf("setstate on node 1: the old state is node 2's %s\n",
         Old == NodeState ? "yes" : "no");
}

static void newSeed(void) {
  unsigned short Seed[3] = {1, 2, 3};
  unsigned short *Old = seed48(Seed);
  printf("seed48 on node 1: old seed %u %u %u, ", Old[0], Old[1], Old[2]);
}

static void newParameters(void) {
  unsigned short Parameters[7] = {4, 5, 6, 0xe66d, 0xdeec, 0x0005, 17};
  lcong48(Parameters);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  srand(42);
  drawAll("rand", Rand);

  onNode(1, seedRandom);
  drawAll("random after srandom on node 1", Random);

  DefaultState = initstate(99, MainState, sizeof MainState);
  onNode(2, ownState);
  printf("main's random on node 2's state: %ld\n", random());
  onNode(1, defaultState);
  drawAll("random after setstate", Random);

  srand48(1234);
  drawAll("drand48", Drand48);
  drawAll("lrand48", Lrand48);
  drawAll("mrand48", Mrand48);

  onNode(1, newSeed);
  printf("main's next %ld\n", lrand48());
  onNode(2, newParameters);
  printf("lcong48 on node 2: main's next %ld\n", lrand48());
  return 0;
}
