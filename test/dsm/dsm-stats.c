// GRID_STATS=1 reports the DSM's metadata at home's exit once a thread ran
// on an agent: the heap in use, the shared globals, jemalloc's metadata and
// each node's cache metadata and directory of moved pages, an agent's as its
// threads ended. Each agent's thread read 8 pages of a global array, so each
// agent's cache held pages; each took a mutex main allocated, whose page
// home keeps (an entry of home's directory: one page of it written; the
// agents' directories wrote none). A job whose threads all stay home prints
// no such line.
//
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: FileCheck %s --check-prefix=OUT < %t.three.out
// RUN: FileCheck %s < %t.three.err
// RUN: %mpirun1t -x GRID_STATS=1 %t.fgrid > %t.one.out 2> %t.one.err
// RUN: FileCheck %s --check-prefix=OUT < %t.one.out
// RUN: FileCheck %s --check-prefix=LOCAL < %t.one.err
//
// OUT: sum 36, readers 3
// CHECK: grid: dsm: in use: heap {{[1-9][0-9]*}} B, globals {{[1-9][0-9]*}} B; metadata: heap {{[1-9][0-9]*}} B, node 0 cache {{[0-9]+}} B ({{[0-9]+}} pages) directory 4096 B, node 1 cache {{[1-9][0-9]*}} B ({{[1-9][0-9]*}} pages) directory 0 B, node 2 cache {{[1-9][0-9]*}} B ({{[1-9][0-9]*}} pages) directory 0 B (agents' as their threads ended, the largest)
// CHECK: grid: dsm: pages move one-sided (MPI windows), faults by userfaultfd
// CHECK: dsm-stats.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// LOCAL-NOT: grid: dsm:
// LOCAL: grid: statistics for pid
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGES 8
static char Data[PAGES][4096];
static pthread_mutex_t *Lock;
static long Readers;

static void *readPages(void *P) {
  (void)P;
  long Sum = 0;
  for (int I = 0; I < PAGES; ++I)
    Sum += Data[I][100];
  pthread_mutex_lock(Lock);
  ++Readers;
  pthread_mutex_unlock(Lock);
  return (void *)Sum;
}

int main(void) {
  for (int I = 0; I < PAGES; ++I)
    Data[I][100] = (char)(I + 1);
  Lock = malloc(sizeof *Lock);
  pthread_mutex_init(Lock, NULL);
  pthread_t T[3];
  for (int I = 0; I < 3; ++I)
    pthread_create(&T[I], NULL, readPages, NULL);
  long Sum = 0;
  for (int I = 0; I < 3; ++I) {
    void *R;
    pthread_join(T[I], &R);
    Sum += (long)R;
  }
  printf("sum %ld, readers %ld\n", Sum / 3, Readers);
  return 0;
}
