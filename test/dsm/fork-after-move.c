// fork() at home after pages of its heap moved to another node (home
// migration, docs/design/dsm.md): the child takes no part in the DSM, so it
// must find every such page open, readable and writable, with the mover's
// last values. Main forks right after joining the mover (its last pages may
// still be on their way), and while a thread at home locks a mutex in a
// loop: each of its acquires drops the pages home holds of other nodes,
// which the fork brought back. Before 2026-11-27 the first child crashed
// on its first read of a page that moved, in every run. Each child sums
// the array and says by its exit status whether the sum was right. Then
// main forks in a loop while a thread on node 2 makes a second array's
// pages move, chunk by chunk: a page home has granted is closed until its
// move is done, and a fork meanwhile must bring it back too (a fifth of
// the children crashed when only finished moves were). The output equals
// the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t -x GRID_DSM_MIGRATE=2 %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: grid: dsm: pages of home's heap moved to their writer: node 1 {{[1-9][0-9]*}} ({{[0-9]+}} in place), node 2 {{[1-9][0-9]*}} ({{[0-9]+}} in place);
// CHECK: fork-after-move.c:{{[0-9]+}} (main) pthread_create 1 core {{[0-9]+}}: 1
// CHECK: fork-after-move.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
// CHECK: fork-after-move.c:{{[0-9]+}} (main) pthread_create 1 node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 256
#define LONGS (PAGES * 512)
#define ROUNDS 6
#define CHILDREN 12
#define CHUNKS 24
#define CHUNK_LONGS (32 * 512)

static long *Cells; // one large block of main's: its pages can move
static pthread_barrier_t Round;
static pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
static long Ticks;
static int Stop;
static long *More; // the second array: CHUNKS chunks of 32 pages
static int Moved;

// Node 1 (the second thread): rewrites every cell in each round, so the
// pages move to it after its first rounds.
static void *mover(void *Arg) {
  (void)Arg;
  for (int R = 0; R < ROUNDS; ++R) {
    for (long I = 0; I < LONGS; ++I)
      Cells[I] = I * 3 + R;
    pthread_barrier_wait(&Round);
  }
  return NULL;
}

// Home (the first thread): synchronises in a loop.
static void *locker(void *Arg) {
  (void)Arg;
  while (!__atomic_load_n(&Stop, __ATOMIC_ACQUIRE)) {
    pthread_mutex_lock(&Lock);
    ++Ticks;
    pthread_mutex_unlock(&Lock);
  }
  return NULL;
}

// Node 2 (the third thread): rewrites each chunk of More three times, a
// release after each, so its pages move one chunk after another.
static void *chunkMover(void *Arg) {
  (void)Arg;
  for (int C = 0; C < CHUNKS; ++C)
    for (int R = 0; R < 3; ++R) {
      pthread_mutex_lock(&Lock);
      for (long I = (long)C * CHUNK_LONGS; I < (long)(C + 1) * CHUNK_LONGS; ++I)
        More[I] = I * 5 + R;
      pthread_mutex_unlock(&Lock);
    }
  __atomic_store_n(&Moved, 1, __ATOMIC_RELEASE);
  return NULL;
}

// The child's exit status: 0 if it read the sum expected and could write.
static int forkAndCheck(long Expected) {
  pid_t Child = fork();
  if (Child == 0) {
    long Sum = 0;
    for (long I = 0; I < LONGS; ++I)
      Sum += Cells[I];
    Cells[LONGS / 2] = -1;
    _exit(Sum == Expected && Cells[LONGS / 2] == -1 ? 0 : 1);
  }
  int Status = 0;
  if (Child < 0 || waitpid(Child, &Status, 0) != Child)
    return -1;
  return WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status);
}

int main(void) {
  Cells = aligned_alloc(4096, LONGS * sizeof(long));
  More = aligned_alloc(4096, CHUNKS * CHUNK_LONGS * sizeof(long));
  if (!Cells || !More)
    return 1;
  for (long I = 0; I < LONGS; ++I)
    Cells[I] = 0;
  for (long I = 0; I < CHUNKS * CHUNK_LONGS; ++I)
    More[I] = 1;
  pthread_barrier_init(&Round, NULL, 2);
  pthread_t Locker, Mover;
  pthread_create(&Locker, NULL, locker, NULL);
  pthread_create(&Mover, NULL, mover, NULL);
  for (int R = 0; R < ROUNDS; ++R)
    pthread_barrier_wait(&Round);
  pthread_join(Mover, NULL);
  // What the child must read, computed without touching the array here.
  long Expected = 0;
  for (long I = 0; I < LONGS; ++I)
    Expected += I * 3 + ROUNDS - 1;
  int Wrong = 0;
  for (int C = 0; C < CHILDREN; ++C) {
    int Status = forkAndCheck(Expected);
    if (Status != 0) {
      printf("child %d: status %d\n", C, Status);
      ++Wrong;
    }
  }
  __atomic_store_n(&Stop, 1, __ATOMIC_RELEASE);
  pthread_join(Locker, NULL);
  printf("%d children, %d read the array wrong\n", CHILDREN, Wrong);
  // Forks while pages move: each child reads a word of every page of More
  // (whatever values it holds: the mover writes on), and must not crash.
  pthread_t ChunkMover;
  pthread_create(&ChunkMover, NULL, chunkMover, NULL);
  int Crashed = 0;
  do {
    pid_t Child = fork();
    if (Child == 0) {
      long Sum = 0;
      for (long I = 0; I < CHUNKS * CHUNK_LONGS; I += 512)
        Sum += More[I];
      _exit(Sum > 0 ? 0 : 1);
    }
    int Status = 0;
    if (Child < 0 || waitpid(Child, &Status, 0) != Child || Status != 0)
      ++Crashed;
  } while (!__atomic_load_n(&Moved, __ATOMIC_ACQUIRE));
  pthread_join(ChunkMover, NULL);
  printf("children forked while pages moved: %d failed\n", Crashed);
  printf("the parent reads %ld at the middle; the locker %s\n",
         Cells[LONGS / 2], Ticks > 0 ? "ran" : "never ran");
  return 0;
}
