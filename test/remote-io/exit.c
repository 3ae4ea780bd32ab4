// Threads on other nodes still writing when home exits lose nothing they
// wrote before: what they hold of a fully buffered stream reaches home's
// stream before exit writes its buffer, as on one machine. A detached
// thread on node 1 writes 1000 lines to a file main opened, then waits
// forever; one on node 2 prints line after line to stdout, which main
// reopened on a file, and never stops. Each counts its lines in a relaxed
// atomic on its own stack (homed on its node: no call home, no release,
// so nothing is sent early); main reads the counts, writes down how many
// lines node 2 had written, and returns without joining (or calls exit,
// which is caught later: by an exit handler). Every line counted before
// must be in the files, whole and in order.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.p1.txt %t.p2.txt %t.pcount
// RUN: %t.plain check %t.p1.txt %t.p2.txt %t.pcount | FileCheck %s
// RUN: %mpirun3t %t.fgrid %t.one.txt %t.two.txt %t.count > %t.out 2> %t.err
// RUN: %t.plain check %t.one.txt %t.two.txt %t.count | FileCheck %s
// RUN: FileCheck %s --check-prefix=STATS < %t.err
// RUN: FileCheck %s --check-prefix=WARN --allow-empty < %t.err
// RUN: %mpirun3t %t.fgrid %t.one.txt %t.two.txt %t.count exit > %t.out 2> %t.err
// RUN: %t.plain check %t.one.txt %t.two.txt %t.count | FileCheck %s
// RUN: FileCheck %s --check-prefix=WARN --allow-empty < %t.err
// CHECK: node 1: 1000 lines, whole
// CHECK-NEXT: node 2: every line counted before exit, whole
// STATS-DAG: exit.c:{{[0-9]+}} (main) pthread_create 1 {{ *}}node 1: 1
// STATS-DAG: exit.c:{{[0-9]+}} (main) pthread_create 1 {{ *}}node 2: 1
// WARN-NOT: could not
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ONE_LINES 1000

static FILE *One;
static pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t Published = PTHREAD_COND_INITIALIZER;
static _Atomic long *Counts[2];

static void sleepForever(void) {
  for (;;) {
    struct timespec Pause = {1, 0};
    nanosleep(&Pause, NULL);
  }
}

static void publish(int Which, _Atomic long *Count) {
  pthread_mutex_lock(&Lock);
  Counts[Which] = Count;
  pthread_cond_broadcast(&Published);
  pthread_mutex_unlock(&Lock);
}

static void *nothing(void *P) { return P; }

static void *writeFile(void *P) {
  (void)P;
  _Atomic long Count = 0;
  publish(0, &Count);
  for (long I = 0; I < ONE_LINES; ++I) {
    fprintf(One, "node 1: line %ld\n", I);
    atomic_store_explicit(&Count, I + 1, memory_order_relaxed);
  }
  sleepForever();
  return NULL;
}

static void *printLines(void *P) {
  (void)P;
  _Atomic long Count = 0;
  publish(1, &Count);
  for (long I = 0;; ++I) {
    printf("node 2: line %ld of a stream that never stops\n", I);
    atomic_store_explicit(&Count, I + 1, memory_order_relaxed);
  }
  return NULL;
}

static long waitFor(int Which, long AtLeast) {
  pthread_mutex_lock(&Lock);
  while (!Counts[Which])
    pthread_cond_wait(&Published, &Lock);
  pthread_mutex_unlock(&Lock);
  for (;;) {
    long N = atomic_load_explicit(Counts[Which], memory_order_acquire);
    if (N >= AtLeast)
      return N;
    struct timespec Pause = {0, 1000000};
    nanosleep(&Pause, NULL);
  }
}

// The check, run without mpirun: the first file has exactly the 1000
// lines; the second starts with the counted lines. What follows them was
// printed while home exited, and may be cut anywhere, as on one machine
// (exit writes the buffer while the thread goes on).
static int check(const char *OnePath, const char *TwoPath,
                 const char *CountPath) {
  char Line[256];
  FILE *F = fopen(OnePath, "r");
  long I = 0;
  while (F && fgets(Line, sizeof Line, F)) {
    char Want[64];
    snprintf(Want, sizeof Want, "node 1: line %ld\n", I);
    if (strcmp(Line, Want) != 0) {
      printf("node 1: line %ld is \"%s\"\n", I, Line);
      return 1;
    }
    ++I;
  }
  if (I != ONE_LINES) {
    printf("node 1: %ld lines, not %d\n", I, ONE_LINES);
    return 1;
  }
  printf("node 1: %d lines, whole\n", ONE_LINES);
  long Counted = -1;
  FILE *C = fopen(CountPath, "r");
  if (!C || fscanf(C, "%ld", &Counted) != 1 || Counted <= 0) {
    printf("node 2: no count\n");
    return 1;
  }
  F = fopen(TwoPath, "r");
  for (I = 0; I < Counted; ++I) {
    char Want[96];
    snprintf(Want, sizeof Want,
             "node 2: line %ld of a stream that never stops\n", I);
    if (!F || !fgets(Line, sizeof Line, F) || strcmp(Line, Want) != 0) {
      printf("node 2: line %ld of %ld counted is \"%s\"\n", I, Counted,
             F && !feof(F) ? Line : "missing");
      return 1;
    }
  }
  printf("node 2: every line counted before exit, whole\n");
  return 0;
}

int main(int Argc, char **Argv) {
  if (Argc == 5 && strcmp(Argv[1], "check") == 0)
    return check(Argv[2], Argv[3], Argv[4]);
  if (Argc < 4 || Argc > 5 || !(One = fopen(Argv[1], "w")) ||
      !freopen(Argv[2], "w", stdout))
    return 2;
  // Spread places threads round robin: at home, then node 1, node 2.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, writeFile, NULL);
  pthread_detach(T);
  pthread_create(&T, NULL, printLines, NULL);
  pthread_detach(T);
  waitFor(0, ONE_LINES);
  long Two = waitFor(1, 2000);
  FILE *Count = fopen(Argv[3], "w");
  if (!Count)
    return 2;
  fprintf(Count, "%ld\n", Two);
  fclose(Count);
  if (Argc == 5)
    exit(0);
  return 0;
}
