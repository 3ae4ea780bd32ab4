// Anonymous private memory the program maps itself comes from the shared
// heap in a job of several ranks (api/Malloc.cpp), so threads on other nodes
// can be given a pointer into it: main maps a buffer, the threads fill parts
// of it and add to a counter in it under a mutex; each thread maps a block
// of its own, fills it and returns it; main reads everything after join,
// grows the threads' blocks with mremap, and unmaps them all. Mappings are
// page-aligned and zero-filled, as mmap's are. The output equals the same
// program's without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK: mmap-anonymous.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define THREADS 6
#define PAGE 4096
#define SLICE (3 * PAGE) // each thread's part of main's buffer

struct Own {
  unsigned char *Block; // the thread's own mapping
  size_t Bytes;
  long NonZero; // bytes of its slice and of its block that were not zero
};

static unsigned char *Buffer; // main's mapping: THREADS slices, a counter
static long *Counter;
static pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
static struct Own Owns[THREADS];

static long nonZero(const unsigned char *P, size_t Bytes) {
  long N = 0;
  for (size_t I = 0; I < Bytes; ++I)
    N += P[I] != 0;
  return N;
}

static int aligned(const void *P) { return (uintptr_t)P % PAGE == 0; }

static void *work(void *Arg) {
  long Index = (long)Arg;
  unsigned char *Mine = Buffer + Index * SLICE;
  long NonZero = nonZero(Mine, SLICE);
  for (size_t I = 0; I < SLICE; ++I)
    Mine[I] = (unsigned char)(I * (Index + 1) + 1);
  pthread_mutex_lock(&Lock);
  *Counter += Index + 1;
  pthread_mutex_unlock(&Lock);

  size_t Bytes = (Index + 1) * PAGE + 100;
  unsigned char *Block = mmap(NULL, Bytes, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (Block == MAP_FAILED)
    return NULL;
  NonZero += nonZero(Block, Bytes) + !aligned(Block);
  for (size_t I = 0; I < Bytes; ++I)
    Block[I] = (unsigned char)(I + Index);
  Owns[Index].Block = Block;
  Owns[Index].Bytes = Bytes;
  Owns[Index].NonZero = NonZero;
  return Block;
}

int main(void) {
  size_t Bytes = THREADS * SLICE + PAGE;
  Buffer = mmap(NULL, Bytes, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (Buffer == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  printf("main: %zu bytes mapped, aligned: %s, zero-filled: %s\n", Bytes,
         aligned(Buffer) ? "yes" : "no",
         nonZero(Buffer, Bytes) == 0 ? "yes" : "no");
  Counter = (long *)(Buffer + THREADS * SLICE);

  pthread_t T[THREADS];
  for (long I = 0; I < THREADS; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  for (int I = 0; I < THREADS; ++I) {
    void *R;
    pthread_join(T[I], &R);
    if (R != Owns[I].Block)
      printf("thread %d: returned another pointer\n", I);
  }

  for (int I = 0; I < THREADS; ++I) {
    unsigned long Sum = 0;
    for (size_t J = 0; J < SLICE; ++J)
      Sum += Buffer[I * SLICE + J];
    printf("slice %d: sum %lu\n", I, Sum);
  }
  printf("counter: %ld\n", *Counter);

  for (int I = 0; I < THREADS; ++I) {
    struct Own *O = &Owns[I];
    unsigned long Sum = 0;
    for (size_t J = 0; J < O->Bytes; ++J)
      Sum += O->Block[J];
    printf("thread %d: its block of %zu bytes sums to %lu, non-zero at the "
           "start: %ld\n",
           I, O->Bytes, Sum, O->NonZero);
    // Growing keeps the contents and adds zeros.
    size_t Grown = O->Bytes + 3 * PAGE;
    unsigned char *G = mremap(O->Block, O->Bytes, Grown, MREMAP_MAYMOVE);
    if (G == MAP_FAILED) {
      perror("mremap");
      return 1;
    }
    int Kept = 1;
    for (size_t J = 0; J < O->Bytes; ++J)
      Kept &= G[J] == (unsigned char)(J + I);
    printf("thread %d: grown to %zu bytes, aligned: %s, contents kept: %s, "
           "the rest zero: %s\n",
           I, Grown, aligned(G) ? "yes" : "no", Kept ? "yes" : "no",
           nonZero(G + O->Bytes, Grown - O->Bytes) == 0 ? "yes" : "no");
    printf("thread %d: munmap: %d\n", I, munmap(G, Grown));
  }

  // The counter's page first, then the whole mapping.
  printf("main: munmap of the last page: %d\n",
         munmap(Buffer + THREADS * SLICE, PAGE));
  printf("main: munmap of the whole mapping: %d\n", munmap(Buffer, Bytes));
  return 0;
}
