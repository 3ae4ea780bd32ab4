// A thread alone on its node keeps the page of the lock it takes open
// between its locks (docs/design/dsm.md, one thread on a node), and a
// second thread starting on that node ends it. Across both phases:
//  - a counter beside the lock, changed under it by threads at home and on
//    the agents, comes out exact;
//  - a word of the lock's page that only one thread writes, outside the
//    lock, keeps the value it wrote last (its own program order) through
//    the fetch of the page at its next lock;
//  - a word home writes under the lock reaches the agents' threads;
//  - a lock in a page dense with other data (fetched, not carried in the
//    lock's answer) keeps its counter and data exact too.
// The output equals the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// The lock's answer carried the page (a lock and a few words beside it):
// CHECK: grid: dsm: lock pages fetched in place, one thread on the node: node 1 {{[1-9][0-9]*}} ({{[1-9][0-9]*}} carried), node 2 {{[1-9][0-9]*}} ({{[1-9][0-9]*}} carried)
// CHECK: lock-page.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// CHECK: lock-page.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// CHECK: lock-page.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define ROUNDS 400

static struct {
  pthread_mutex_t Lock;
  long Count;
  long Seen;   // the last value home's threads wrote, under the lock
  long Own[6]; // each thread's own word, written outside the lock
} Page __attribute__((aligned(4096)));
static atomic_long Progress[6];

// 3 KiB of data beside the lock: too dense for the lock's answer to carry.
static struct {
  pthread_mutex_t Lock;
  long Count;
  unsigned char Data[3072];
} Dense __attribute__((aligned(4096)));
static long DenseWrong;

static void *dense(void *P) {
  long Me = (long)P;
  for (long I = 0; I < ROUNDS / 2; ++I) {
    pthread_mutex_lock(&Dense.Lock);
    ++Dense.Count;
    // Every byte but the thread's own is what the others left: 0x5a or
    // 0xa5, never anything else.
    for (int B = 0; B < 3072; ++B)
      if (Dense.Data[B] != 0x5a && Dense.Data[B] != 0xa5)
        ++DenseWrong;
    Dense.Data[Me * 512 + I % 512] ^= 0xff;
    pthread_mutex_unlock(&Dense.Lock);
  }
  return NULL;
}
static long Wrong[6];

static void *work(void *P) {
  long Me = (long)P;
  for (long I = 1; I <= ROUNDS; ++I) {
    pthread_mutex_lock(&Page.Lock);
    if (Page.Own[Me] != I - 1)
      ++Wrong[Me];
    ++Page.Count;
    if (Me % 3 == 0)
      Page.Seen = Me * 1000000 + I;
    pthread_mutex_unlock(&Page.Lock);
    Page.Own[Me] = I; // after the unlock: released by the next lock's
    // Relaxed: no acquire of its own, which would drop the lock's page.
    atomic_store_explicit(&Progress[Me], I, memory_order_relaxed);
  }
  return NULL;
}

int main(void) {
  pthread_mutex_init(&Page.Lock, NULL);
  pthread_mutex_init(&Dense.Lock, NULL);
  pthread_t T[6];
  // One thread on each node first (spread: home, node 1, node 2), each
  // agent's alone; once they are well under way, a second on each node.
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  while (atomic_load(&Progress[1]) < ROUNDS / 4 ||
         atomic_load(&Progress[2]) < ROUNDS / 4)
    ;
  for (long I = 3; I < 6; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  for (int I = 0; I < 6; ++I)
    pthread_join(T[I], NULL);
  // A thread on each node on the dense page, each alone on its node.
  for (int B = 0; B < 3072; ++B)
    Dense.Data[B] = 0x5a;
  for (long I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, dense, (void *)I);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  long Flipped = 0;
  for (int B = 0; B < 3072; ++B)
    Flipped += Dense.Data[B] == 0xa5;
  printf("dense page: count %ld (expected %d), wrong bytes %ld, "
         "flipped %ld\n",
         Dense.Count, 3 * (ROUNDS / 2), DenseWrong, Flipped);
  long Wrongs = 0;
  for (int I = 0; I < 6; ++I)
    Wrongs += Wrong[I] + (Page.Own[I] != ROUNDS);
  printf("count %ld (expected %d)\n", Page.Count, 6 * ROUNDS);
  printf("own words lost: %ld\n", Wrongs);
  printf("last of home's words seen: %s\n",
         Page.Seen % 1000000 == ROUNDS ? "yes" : "no");
  return 0;
}
