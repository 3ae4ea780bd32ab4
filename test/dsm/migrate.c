// Home migration (docs/design/dsm.md): pages of home's heap that a node
// rewrites move to that node, and the program cannot tell.
//
// main allocates an array; a thread at home and one on each agent rewrite
// their own third of it, whole pages, in every sweep (a barrier between
// sweeps, each reading its neighbours' edges), so the agents' thirds move to
// them. Then each thread rewrites the next third (pages that moved: home
// and node 1 write pages another node now homes, and fetch them from it).
// A mutex lies in a page node 1 rewrites too: taken before, it keeps that
// page at home. main reads the result after the joins, and writes it to a
// pipe with write(2) (the kernel reads pages that moved away: home brings
// them back first). The output equals the same program run without mpirun,
// with pages by signals, as messages (TCP), and without migration (the
// default). At the end main frees the array and allocates again: a block
// with pages that moved is kept, never reused.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t -x GRID_DSM_MIGRATE=2 %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// RUN: %mpirun3t -x GRID_DSM_MIGRATE=2 -x GRID_DSM_FAULTS=signal %t.fgrid > %t.signal.out 2> %t.signal.err
// RUN: diff %t.plain.out %t.signal.out
// RUN: FileCheck %s < %t.signal.err
// RUN: %mpirun3t -x GRID_DSM_MIGRATE=2 %tcp %t.fgrid > %t.tcp.out 2> %t.tcp.err
// RUN: diff %t.plain.out %t.tcp.out
// RUN: FileCheck %s < %t.tcp.err
// RUN: %mpirun3t %t.fgrid > %t.off.out 2> %t.off.err
// RUN: diff %t.plain.out %t.off.out
// RUN: FileCheck %s --check-prefix=OFF < %t.off.err
//
// Each agent's third (48 pages) moved to it, and home's third to node 2,
// which rewrote it next (node 1's next third had moved already, and home
// never asks); the mutex's page stayed:
// CHECK: grid: dsm: pages of home's heap moved to their writer: node 1 48 (48 in place), node 2 96 (96 in place); freed blocks kept: {{[1-9][0-9]*}} B
// CHECK: migrate.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// OFF-NOT: moved to their writer
// OFF: migrate.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PARTS 3
#define PAGE_DOUBLES 512
#define PART_PAGES 48
#define PART (PART_PAGES * PAGE_DOUBLES)
#define SWEEPS 12

struct Guarded {
  pthread_mutex_t Lock; // in the page node 1 rewrites
  long Count;
  double Data[400];
};

static double *Cells; // PARTS * PART, page-aligned
static struct Guarded *G;
static pthread_barrier_t Sweep;

// Rewrites every cell of Part from its own value and its neighbours' edges.
static void rewrite(int Part, int Step) {
  double *P = Cells + (size_t)Part * PART;
  double Left = Part > 0 ? P[-1] : 0.5, Right = Part < PARTS - 1 ? P[PART] : 0.25;
  pthread_barrier_wait(&Sweep); // every edge read before any is written
  for (int I = 0; I < PART; ++I)
    P[I] = P[I] * 0.5 + (double)(I % 7) + Step + (I == 0 ? Left : 0) +
           (I == PART - 1 ? Right : 0);
}

static void *sweeps(void *Arg) {
  int Me = (int)(long)Arg;
  pthread_mutex_lock(&G->Lock);
  G->Count += 1000;
  pthread_mutex_unlock(&G->Lock);
  for (int Step = 0; Step < SWEEPS; ++Step) {
    rewrite(Me, Step);
    if (Me == 1)
      for (int I = 0; I < 400; ++I)
        G->Data[I] = G->Data[I] * 0.25 + Step + I;
    pthread_barrier_wait(&Sweep);
  }
  // The next third: pages another node homes now.
  for (int Step = 0; Step < SWEEPS / 2; ++Step) {
    rewrite((Me + 1) % PARTS, 100 + Step);
    pthread_barrier_wait(&Sweep);
  }
  for (int I = 0; I < 300; ++I) {
    pthread_mutex_lock(&G->Lock);
    G->Count += Me + 1;
    pthread_mutex_unlock(&G->Lock);
  }
  return NULL;
}

int main(void) {
  if (posix_memalign((void **)&Cells, 4096, sizeof(double) * PARTS * PART) ||
      posix_memalign((void **)&G, 4096, sizeof *G))
    return 1;
  for (int I = 0; I < PARTS * PART; ++I)
    Cells[I] = (double)(I % 1000) / 8;
  pthread_mutex_init(&G->Lock, NULL);
  G->Count = 0;
  for (int I = 0; I < 400; ++I)
    G->Data[I] = I;
  pthread_barrier_init(&Sweep, NULL, PARTS);
  pthread_t T[PARTS];
  for (long I = 0; I < PARTS; ++I)
    pthread_create(&T[I], NULL, sweeps, (void *)I);
  for (int I = 0; I < PARTS; ++I)
    pthread_join(T[I], NULL);
  double Sum = 0, Guarded = 0;
  for (int I = 0; I < PARTS * PART; ++I)
    Sum += Cells[I] * (1 + I % 3);
  for (int I = 0; I < 400; ++I)
    Guarded += G->Data[I];
  printf("sum %.17g\n", Sum);
  printf("first %.17g last %.17g\n", Cells[0], Cells[PARTS * PART - 1]);
  printf("guarded %.17g count %ld (expected %d)\n", Guarded, G->Count,
         300 * (1 + 2 + 3) + 3000);
  // The kernel reads the array: its pages must be here.
  int Pipe[2];
  if (pipe(Pipe) == 0) {
    ssize_t Wrote = write(Pipe[1], Cells + PART, 16384);
    double Back[8] = {0};
    ssize_t Got = read(Pipe[0], Back, sizeof Back);
    printf("write %zd, read %zd, %s\n", Wrote, Got,
           Back[3] == Cells[PART + 3] ? "equal" : "different");
  }
  free(Cells);
  double *Again = malloc(sizeof(double) * PARTS * PART);
  for (int I = 0; Again && I < PARTS * PART; ++I)
    Again[I] = I;
  printf("again %s\n", Again && Again[PART + 5] == PART + 5 ? "ok" : "wrong");
  return 0;
}
