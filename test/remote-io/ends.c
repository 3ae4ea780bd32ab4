// How held output ends (remote-io.md, "Held output"): what a thread on
// another node writes in its cleanup handlers, after it called
// pthread_exit, reaches home's file; fflush(NULL) flushes home's
// streams, so a child home starts sees the bytes; a stream that was
// closed, reopened at the same address and made unbuffered is written at
// once; writing a stream opened for reading fails every time; a key
// destructor that writes a stream the thread holds bytes for and closes it
// finds them written first.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: rm -rf %t.p && mkdir %t.p && %t.plain %t.p > %t.plain.out
// RUN: rm -rf %t.g && mkdir %t.g && %mpirun3t %t.fgrid %t.g > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: diff %t.p/log %t.g/log
// RUN: diff %t.p/third %t.g/third
// RUN: FileCheck %s --check-prefix=THIRD < %t.g/third
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=LOG < %t.g/log
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: a child sees 3 lines after fflush(NULL)
// CHECK-NEXT: unbuffered after reopening: 6 bytes at once
// CHECK-NEXT: fputs to a stream opened for reading: -1 -1 -1
// LOG: line 1
// LOG-NEXT: line 2
// LOG-NEXT: line 3
// LOG-NEXT: written by a cleanup handler
// THIRD: first line
// THIRD-NEXT: second line
// THIRD-NEXT: closed by a key destructor
// STATS-DAG: ends.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
// STATS-DAG: ends.c:{{[0-9]+}} (main) pthread_create 1 node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *Dir;
static FILE *Log;
static void cleanup(void *P) {
  (void)P;
  fputs("written by a cleanup handler\n", Log);
}

static pthread_key_t Closer;
static void closeAtEnd(void *P) {
  fputs("closed by a key destructor\n", P);
  fclose(P);
}

static void *work(void *P) {
  (void)P;
  char Path[512], Command[600];
  for (int I = 1; I <= 3; ++I)
    fprintf(Log, "line %d\n", I);
  fflush(NULL);
  snprintf(Command, sizeof Command, "exit $(wc -l < %s/log)", Dir);
  printf("a child sees %d lines after fflush(NULL)\n",
         WEXITSTATUS(system(Command)));

  snprintf(Path, sizeof Path, "%s/first", Dir);
  FILE *F = fopen(Path, "w");
  fputs("ab", F);
  fputs("cd", F);
  fclose(F);
  snprintf(Path, sizeof Path, "%s/second", Dir);
  F = fopen(Path, "w");
  setvbuf(F, NULL, _IONBF, 0);
  fputs("unbuf", F);
  fputs("\n", F);
  struct stat St;
  stat(Path, &St);
  printf("unbuffered after reopening: %ld bytes at once\n", (long)St.st_size);
  fclose(F);

  F = fopen(Path, "r");
  int A = fputs("x", F), B = fputs("y", F), C = fputs("z", F);
  printf("fputs to a stream opened for reading: %d %d %d\n", A, B, C);
  fclose(F);

  pthread_cleanup_push(cleanup, NULL);
  pthread_exit(NULL);
  pthread_cleanup_pop(0);
  return NULL;
}

// On node 2: the thread's last writes are held when its key destructor
// writes the stream and closes it.
static void *closing(void *P) {
  (void)P;
  char Path[512];
  snprintf(Path, sizeof Path, "%s/third", Dir);
  FILE *F = fopen(Path, "w");
  fputs("first line\n", F);
  fputs("second line\n", F);
  pthread_setspecific(Closer, F);
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  Dir = Argv[1];
  char Path[512];
  snprintf(Path, sizeof Path, "%s/log", Dir);
  Log = fopen(Path, "w");
  pthread_key_create(&Closer, closeAtEnd);
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, work, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, closing, NULL);
  pthread_join(T, NULL);
  fclose(Log);
  return 0;
}
