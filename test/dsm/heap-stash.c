// A remote thread's small allocations come from a stash of blocks of home's
// heap that it fills several at a time, and its frees go home with its
// next release (threads/Threads.cpp, fromStash and postFrees). Nothing is
// lost: blocks freed without any synchronisation after, and what is left
// in a thread's stash when it ends, go back to home's heap, so that the
// heap in use at exit is what main still holds; and every block is the
// thread's alone while it holds it.
//
//  - 30 threads (10 at home, 10 on each agent), each: one block of every
//    size from 1 to 1024 bytes, filled with its own pattern and checked
//    after all are made, then freed; then 3000 blocks of mixed sizes, each
//    freed at once or kept for a while (up to 64 at a time); no lock, no
//    atomic, no output until the end of its work;
//  - main checks the patterns the threads report, and that the heap in
//    use (jemalloc's allocated bytes less its thread caches') grew by less
//    than 512 KiB over the threads' lives (about 150 KiB here: the
//    runtime's records at home), where the stashes' leftovers are about
//    800 KiB and the blocks freed without a release after them tens of MiB;
//  - then three threads (home, node 1, node 2) each free a 32 MiB block and
//    wait for a lock main holds, nothing releasing between: main sees the
//    heap in use fall back while they wait.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g -O1 %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK:      30 threads: blocks intact 30, kept blocks intact 30
// CHECK-NEXT: the heap in use grew by less than 512 KiB
// CHECK-NEXT: large blocks freed before a wait given back during it: yes
// STATS: heap-stash.c:{{[0-9]+}} (main) pthread_create 30 {{.*}}node 1: 10, node 2: 10
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { Threads = 30, Largest = 1024, Mixed = 3000, Kept = 64 };

struct Work {
  int Id;
  int Intact, KeptIntact;
};

static void *work(void *Arg) {
  struct Work *W = Arg;
  unsigned char *Blocks[Largest + 1];
  for (int Size = 1; Size <= Largest; ++Size) {
    Blocks[Size] = malloc(Size);
    memset(Blocks[Size], (W->Id * 7 + Size) & 0xff, Size);
  }
  W->Intact = 1;
  for (int Size = 1; Size <= Largest; ++Size) {
    for (int I = 0; I < Size; ++I)
      if (Blocks[Size][I] != ((W->Id * 7 + Size) & 0xff))
        W->Intact = 0;
    free(Blocks[Size]);
  }
  unsigned char *Held[Kept] = {0};
  int HeldSize[Kept] = {0};
  unsigned Seed = 12345u + W->Id;
  W->KeptIntact = 1;
  for (int I = 0; I < Mixed; ++I) {
    Seed = Seed * 1103515245u + 12345u;
    int Size = 1 + (int)((Seed >> 8) % 1200);
    int Slot = (int)((Seed >> 20) % Kept);
    if (Held[Slot]) {
      for (int B = 0; B < HeldSize[Slot]; ++B)
        if (Held[Slot][B] != (unsigned char)(Slot + W->Id))
          W->KeptIntact = 0;
      free(Held[Slot]);
    }
    Held[Slot] = malloc(Size);
    HeldSize[Slot] = Size;
    memset(Held[Slot], Slot + W->Id, Size);
    if (Seed & 1) { // freed at once
      free(Held[Slot]);
      Held[Slot] = NULL;
    }
  }
  for (int Slot = 0; Slot < Kept; ++Slot)
    free(Held[Slot]);
  return NULL;
}

// The bytes of the heap in use: jemalloc's allocated (libgridrt.so's heap)
// less what thread caches hold, which it counts as allocated; 0 without
// jemalloc (the plain build).
typedef int (*Mallctl)(const char *, void *, size_t *, void *, size_t);

static long heapInUse(void) {
  Mallctl Ctl = (Mallctl)dlsym(RTLD_DEFAULT, "mallctl");
  if (!Ctl)
    return 0;
  uint64_t Epoch = 1;
  size_t Bytes = sizeof Epoch;
  Ctl("thread.tcache.flush", NULL, NULL, NULL, 0);
  Ctl("epoch", &Epoch, &Bytes, &Epoch, Bytes);
  size_t Allocated = 0, Cached = 0;
  unsigned Arenas = 0;
  Bytes = sizeof Allocated;
  Ctl("stats.allocated", &Allocated, &Bytes, NULL, 0);
  Bytes = sizeof Arenas;
  Ctl("arenas.narenas", &Arenas, &Bytes, NULL, 0);
  for (unsigned I = 0; I < Arenas; ++I) {
    char Name[64];
    size_t Arena = 0;
    snprintf(Name, sizeof Name, "stats.arenas.%u.tcache_bytes", I);
    Bytes = sizeof Arena;
    if (Ctl(Name, &Arena, &Bytes, NULL, 0) == 0)
      Cached += Arena;
  }
  return (long)Allocated - (long)Cached;
}

// Part two: a thread frees a large block and then waits for a lock main
// holds, with nothing between that releases: main sees the block given
// back while the thread waits (frees go home before a call that waits
// there). The block's address escapes, or the compiler may drop the
// allocation altogether.
enum { Large = 32 << 20 };
static pthread_mutex_t Gate = PTHREAD_MUTEX_INITIALIZER;
static int Allocated, Go, Freed;
static char *volatile Escaped[3];

static void *freeThenWait(void *Arg) {
  int T = (int)(intptr_t)Arg;
  char *Block = malloc(Large);
  memset(Block, 1, 4096);
  Escaped[T] = Block;
  __atomic_fetch_add(&Allocated, 1, __ATOMIC_RELAXED);
  while (!__atomic_load_n(&Go, __ATOMIC_RELAXED))
    ;
  free(Block);
  __atomic_fetch_add(&Freed, 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&Gate);
  pthread_mutex_unlock(&Gate);
  return NULL;
}

static void pause5ms(void) {
  struct timespec Pause = {0, 5 * 1000 * 1000};
  nanosleep(&Pause, NULL);
}

// 1: given back while the threads wait; 0: not; -1: the blocks were never
// counted in the heap in use. The plain build has no count: 1.
static int givenBackWhileWaiting(void) {
  pthread_mutex_lock(&Gate);
  long Before = heapInUse();
  pthread_t Ids[3];
  for (int T = 0; T < 3; ++T)
    pthread_create(&Ids[T], NULL, freeThenWait, (void *)(intptr_t)T);
  while (__atomic_load_n(&Allocated, __ATOMIC_RELAXED) != 3)
    pause5ms();
  int Counted = Before == 0 || heapInUse() - Before >= 3L * Large;
  __atomic_store_n(&Go, 1, __ATOMIC_RELAXED);
  while (__atomic_load_n(&Freed, __ATOMIC_RELAXED) != 3)
    pause5ms();
  int GivenBack = 0;
  for (int Try = 0; Try < 2000 && !GivenBack; ++Try) {
    GivenBack = heapInUse() - Before < Large / 2;
    if (!GivenBack)
      pause5ms();
  }
  pthread_mutex_unlock(&Gate);
  for (int T = 0; T < 3; ++T)
    pthread_join(Ids[T], NULL);
  return Counted ? GivenBack : -1;
}

int main(void) {
  long Before = heapInUse();
  static struct Work Works[Threads];
  pthread_t Ids[Threads];
  for (int T = 0; T < Threads; ++T) {
    Works[T].Id = T;
    pthread_create(&Ids[T], NULL, work, &Works[T]);
  }
  int Intact = 0, KeptIntact = 0;
  for (int T = 0; T < Threads; ++T) {
    pthread_join(Ids[T], NULL);
    Intact += Works[T].Intact;
    KeptIntact += Works[T].KeptIntact;
  }
  long Grew = heapInUse() - Before;
  printf("%d threads: blocks intact %d, kept blocks intact %d\n", Threads,
         Intact, KeptIntact);
  if (Grew < (512L << 10))
    printf("the heap in use grew by less than 512 KiB\n");
  else
    printf("the heap in use grew by %ld bytes\n", Grew);
  int GivenBack = givenBackWhileWaiting();
  printf("large blocks freed before a wait given back during it: %s\n",
         GivenBack > 0    ? "yes"
         : GivenBack == 0 ? "no"
                          : "never counted in use");
  return 0;
}
