// Home migration grants a page without its contents where the claiming
// node's copy is already the master (the digest it sends with its claim is
// home's), and with them where another writer changed the page after the
// node took its copy: the node then sees that writer's bytes.
//
// A thread on node 1 rewrites most of two pages of main's block in two
// sweeps, so that it claims both at the second sweep's barrier. In that
// sweep, after node 1 took its copies (relaxed atomics order it, and carry
// no page), the thread at home writes a byte node 1 never writes into the
// first page: only the second page moves in place. Node 1 then reads the
// byte home wrote, and main every byte after the join. The output equals
// the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t -x GRID_DSM_MIGRATE=2 %t.fgrid > %t.out 2> %t.err
// RUN: diff %t.plain.out %t.out
// RUN: FileCheck %s < %t.err
// RUN: %mpirun3t -x GRID_DSM_MIGRATE=2 -x GRID_DSM_FAULTS=signal %t.fgrid > %t.signal.out 2> %t.signal.err
// RUN: diff %t.plain.out %t.signal.out
// RUN: FileCheck %s < %t.signal.err
//
// CHECK: grid: dsm: pages of home's heap moved to their writer: node 1 2 (1 in place);
// CHECK: migrate-in-place.c:{{[0-9]+}} (main) pthread_create 1 core {{[0-9]+}}: 1
// CHECK: migrate-in-place.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096
#define MINE 4000   // bytes of each page node 1 rewrites
#define HOMES 4050  // the byte of the first page home writes

static unsigned char *Block; // two pages, main's
static pthread_barrier_t Sweep;
static atomic_int Copied, Written;
static int Seen;

static void *atHome(void *Arg) {
  (void)Arg;
  pthread_barrier_wait(&Sweep); // the first sweep
  while (!atomic_load_explicit(&Copied, memory_order_relaxed))
    ;
  Block[HOMES] = 77;
  atomic_store_explicit(&Written, 1, memory_order_relaxed);
  pthread_barrier_wait(&Sweep); // the second
  pthread_barrier_wait(&Sweep);
  return NULL;
}

static void *onNode(void *Arg) {
  (void)Arg;
  for (int Sweeps = 1; Sweeps <= 2; ++Sweeps) {
    for (int P = 0; P < 2; ++P)
      memset(Block + P * PAGE, Sweeps, MINE);
    if (Sweeps == 2) {
      atomic_store_explicit(&Copied, 1, memory_order_relaxed);
      while (!atomic_load_explicit(&Written, memory_order_relaxed))
        ;
    }
    pthread_barrier_wait(&Sweep);
  }
  Seen = Block[HOMES]; // the page is node 1's now
  memset(Block, 3, MINE);
  memset(Block + PAGE, 3, MINE);
  pthread_barrier_wait(&Sweep);
  return NULL;
}

int main(void) {
  if (posix_memalign((void **)&Block, PAGE, 2 * PAGE) != 0)
    return 1;
  memset(Block, 0, 2 * PAGE);
  pthread_barrier_init(&Sweep, NULL, 2);
  pthread_t Home, Node;
  pthread_create(&Home, NULL, atHome, NULL);
  pthread_create(&Node, NULL, onNode, NULL);
  pthread_join(Home, NULL);
  pthread_join(Node, NULL);
  printf("node 1 read %d\n", Seen);
  unsigned long Sum = 0;
  for (int I = 0; I < 2 * PAGE; ++I)
    Sum = Sum * 31 + Block[I];
  printf("block %d %d %d %d, hash %lu\n", Block[0], Block[HOMES], Block[PAGE],
         Block[PAGE + MINE], Sum);
  return 0;
}
