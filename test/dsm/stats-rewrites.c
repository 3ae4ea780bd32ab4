// GRID_STATS=1 says what each node's cache did (pages fetched, twins,
// diffs sent, pages dropped), and, with home migration off, which nodes
// kept sending large diffs of pages that could move to them, naming the
// setting that would move them. A thread (the second, on node 1 under
// spread) rewrites every byte of 4 pages of a block main allocated, at
// each of 100 releases (a mutex's unlock): 400 diffs of a whole page. With
// GRID_DSM_MIGRATE=2 the pages move to node 1 after its second release,
// and no such line appears; with GRID_DSM_MIGRATE=255 (the most releases
// before a move) none moves in 100 rounds, and no line names the setting
// already set.
//
// RUN: %grid-clang -fgrid -g %s -o %t
// RUN: %mpirun3t %t > %t.out 2> %t.err
// RUN: FileCheck %s --check-prefix=OUT < %t.out
// RUN: FileCheck %s < %t.err
// RUN: %mpirun3t -x GRID_DSM_MIGRATE=2 %t > %t.move.out 2> %t.move.err
// RUN: FileCheck %s --check-prefix=OUT < %t.move.out
// RUN: FileCheck %s --check-prefix=MOVED < %t.move.err
// RUN: %mpirun3t -x GRID_DSM_MIGRATE=255 %t > %t.late.out 2> %t.late.err
// RUN: FileCheck %s --check-prefix=OUT < %t.late.out
// RUN: FileCheck %s --check-prefix=LATE < %t.late.err
//
// OUT: sum 1638400, rounds 100
// CHECK: grid: dsm: node 1 fetched {{[1-9][0-9]*}} pages ({{[0-9]+}} read ahead), twinned {{[1-9][0-9][0-9][0-9]*}}, sent {{[4-9][0-9][0-9]|[1-9][0-9][0-9][0-9]+}} diffs ({{[1-9][0-9]*}} B), dropped {{[0-9]+}} at acquires and 0 to stay within its bound
// CHECK: grid: dsm: diffs of an eighth of a page or more of pages home may move: node 1 {{[4-9][0-9][0-9]|[1-9][0-9][0-9][0-9]+}}; with GRID_DSM_MIGRATE=2 those of blocks of 16 KiB or more that hold no lock or atomic move to the node that writes them (docs/design/dsm.md, home migration)
// MOVED: grid: dsm: node 1 fetched
// MOVED-NOT: GRID_DSM_MIGRATE=2
// MOVED: grid: dsm: pages of home's heap moved to their writer: node 1 4
// LATE: grid: dsm: node 1 fetched {{[1-9][0-9]*}} pages ({{[0-9]+}} read ahead), twinned {{[0-9]+}}, sent {{[4-9][0-9][0-9]|[1-9][0-9][0-9][0-9]+}} diffs
// LATE-NOT: GRID_DSM_MIGRATE=2
// LATE-NOT: moved to their writer
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGES 4
#define ROUNDS 100

static unsigned char *Block;
static pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
static int Rounds;

static void *idle(void *P) { return P; }

static void *rewrite(void *P) {
  for (int R = 1; R <= ROUNDS; ++R) {
    pthread_mutex_lock(&Lock);
    memset(Block, R, PAGES * 4096); // every byte changes each round
    ++Rounds;
    pthread_mutex_unlock(&Lock);
  }
  return P;
}

int main(void) {
  // A block of its own, page-aligned: its pages hold nothing else.
  if (posix_memalign((void **)&Block, 1 << 20, 1 << 20) != 0)
    return 1;
  memset(Block, 0, 1 << 20);
  pthread_t Home, Node1;
  pthread_create(&Home, NULL, idle, NULL); // spread: the first stays home
  pthread_join(Home, NULL);
  pthread_create(&Node1, NULL, rewrite, NULL);
  pthread_join(Node1, NULL);
  long Sum = 0;
  for (int I = 0; I < PAGES * 4096; ++I)
    Sum += Block[I];
  printf("sum %ld, rounds %d\n", Sum, Rounds);
  return 0;
}
