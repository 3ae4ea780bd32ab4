// A thread on another node writing a fully buffered stream home opened has
// its small writes held on its node and sent together; nothing can tell:
// what it wrote reaches home before anything ordered after it. Here a
// thread at home and one on node 1 take strict turns (a mutex and a
// condition variable) appending lines to one file, with fprintf, fputs,
// fputc and fwrite; the file alternates exactly, as without mpirun. Then
// the remote thread writes a last line and ends, and main, after join,
// appends its own.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.plain.txt
// RUN: %mpirun3t %t.fgrid %t.three.txt 2> %t.three.err
// RUN: diff %t.plain.txt %t.three.txt
// RUN: FileCheck %s < %t.three.txt
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: turn 0 of home
// CHECK-NEXT: turn 1 of node 1: a b
// CHECK-NEXT: turn 2 of home
// CHECK: turn 798 of home
// CHECK-NEXT: turn 799 of node 1: a b
// CHECK-NEXT: the last line of node 1
// CHECK-NEXT: main, after join
// STATS: held.c:{{[0-9]+}} (main) pthread_create 2 {{.*}}node 1: 1
#include <pthread.h>
#include <stdio.h>

static FILE *Out;
static pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t Turned = PTHREAD_COND_INITIALIZER;
static int Turn;

static void *take(void *P) {
  long Side = (long)P; // 0 at home, 1 on node 1
  for (int I = 0; I < 400; ++I) {
    pthread_mutex_lock(&Lock);
    while (Turn % 2 != Side)
      pthread_cond_wait(&Turned, &Lock);
    if (Side) {
      fprintf(Out, "turn %d of node 1:", Turn);
      fputs(" a", Out);
      fputc(' ', Out);
      fwrite("b\n", 1, 2, Out);
    } else {
      fprintf(Out, "turn %d of home\n", Turn);
    }
    ++Turn;
    pthread_cond_broadcast(&Turned);
    pthread_mutex_unlock(&Lock);
  }
  if (Side)
    fputs("the last line of node 1\n", Out);
  return NULL;
}

int main(int Argc, char **Argv) {
  if (Argc != 2 || !(Out = fopen(Argv[1], "w")))
    return 2;
  // Spread places threads round robin: at home, then node 1.
  pthread_t T[2];
  for (long Side = 0; Side < 2; ++Side)
    pthread_create(&T[Side], NULL, take, (void *)Side);
  for (int Side = 0; Side < 2; ++Side)
    pthread_join(T[Side], NULL);
  fputs("main, after join\n", Out);
  fclose(Out);
  return 0;
}
