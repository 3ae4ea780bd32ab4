// A pipe between a thread at home and a thread on node 1 carries 64 MiB
// byte for byte, both ways: once made by main (home's pipe, written by the
// remote thread), once made by the remote thread with pipe() (carried home,
// so its ends are home's too, and main's thread writes it). Reads and
// writes of any size cross in parts; a reader gets what is there, as from
// a local pipe. A line carries small messages through shared memory and
// large ones (a write's bytes, a read's) through MPI, mixed, in order.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: remote to home: 67108864 bytes, all in order
// CHECK: home to remote: 67108864 bytes, all in order
// STATS: grid: lines: home sent {{[1-9][0-9]*}} messages through shared memory, {{[1-9][0-9]*}} through MPI; took {{[1-9][0-9]*}} through shared memory, {{[1-9][0-9]*}} through MPI
// STATS: pipe.c:{{[0-9]+}} (main) pthread_create 1 core
// STATS-NEXT: pipe.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
// STATS-NEXT: pipe.c:{{[0-9]+}} (main) pthread_create 1 node 2: 1
// STATS-NEXT: pipe.c:{{[0-9]+}} (main) pthread_create 1 core
// STATS-NEXT: pipe.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { Total = 64 << 20 };
static int Ends[2];

static unsigned char at(size_t I) { return (unsigned char)(I * 131 + I / 4099); }

// Writes the pattern in pieces of changing size (up to 3 MiB: more than a
// part of a remote call).
static void *produce(void *P) {
  (void)P;
  size_t Piece = 1, Done = 0;
  unsigned char *Buf = malloc(3 << 20);
  while (Done < Total) {
    size_t N = Piece < Total - Done ? Piece : Total - Done;
    for (size_t I = 0; I < N; ++I)
      Buf[I] = at(Done + I);
    for (size_t Off = 0; Off < N;) {
      ssize_t W = write(Ends[1], Buf + Off, N - Off);
      if (W <= 0)
        return perror("write"), NULL;
      Off += (size_t)W;
    }
    Done += N;
    Piece = Piece * 3 % (3 << 20) + 1;
  }
  free(Buf);
  close(Ends[1]);
  return NULL;
}

static void *consume(void *P) {
  const char *What = P;
  unsigned char *Buf = malloc(5 << 20);
  size_t Done = 0, Bad = 0, Want = 7;
  for (;;) {
    ssize_t N = read(Ends[0], Buf, Want);
    if (N < 0)
      return perror("read"), NULL;
    if (N == 0)
      break;
    for (ssize_t I = 0; I < N; ++I)
      Bad += Buf[I] != at(Done + (size_t)I);
    Done += (size_t)N;
    Want = Want * 5 % (5 << 20) + 1;
  }
  free(Buf);
  close(Ends[0]);
  printf("%s: %zu bytes, %s\n", What, Done, Bad ? "MISMATCHED" : "all in order");
  return NULL;
}

static void *makePipe(void *P) {
  (void)P;
  if (pipe(Ends) != 0)
    perror("pipe");
  return NULL;
}

int main(void) {
  // Spread places threads round robin: at home, node 1, node 2, home...
  pthread_t A, B;
  if (pipe(Ends) != 0)
    return perror("pipe"), 1;
  pthread_create(&A, NULL, consume, "remote to home"); // home
  pthread_create(&B, NULL, produce, NULL);             // node 1
  pthread_join(B, NULL);
  pthread_join(A, NULL);
  pthread_create(&A, NULL, makePipe, NULL); // node 2
  pthread_join(A, NULL);
  pthread_create(&A, NULL, produce, NULL);             // home
  pthread_create(&B, NULL, consume, "home to remote"); // node 1
  pthread_join(A, NULL);
  pthread_join(B, NULL);
  return 0;
}
