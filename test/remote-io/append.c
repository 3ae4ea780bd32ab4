// Threads on every node append numbered lines to one file that main opened
// with O_APPEND, each line with one write(2): at home, with home's
// descriptor, so no line is lost, torn or doubled. main checks the file.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.plain.txt > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.three.txt > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: 3000 lines, 3000 whole and distinct, 0 missing
// STATS: append.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { Threads = 6, Lines = 500 };
static int Fd;
static char Seen[Threads][Lines];

static void *append(void *P) {
  long Id = (long)P;
  for (int I = 0; I < Lines; ++I) {
    char Line[96];
    int N = snprintf(Line, sizeof Line,
                     "thread %ld line %04d ..............................\n",
                     Id, I);
    if (write(Fd, Line, (size_t)N) != N)
      perror("write");
  }
  return NULL;
}

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  Fd = open(Argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (Fd < 0)
    return perror("open"), 1;
  pthread_t T[Threads];
  for (long Id = 0; Id < Threads; ++Id)
    pthread_create(&T[Id], NULL, append, (void *)Id);
  for (int Id = 0; Id < Threads; ++Id)
    pthread_join(T[Id], NULL);
  close(Fd);
  FILE *F = fopen(Argv[1], "r");
  char Line[128];
  int Total = 0, Whole = 0;
  while (fgets(Line, sizeof Line, F)) {
    ++Total;
    long Id;
    int I;
    char Dots[64];
    if (sscanf(Line, "thread %ld line %d %63s", &Id, &I, Dots) == 3 &&
        Id >= 0 && Id < Threads && I >= 0 && I < Lines &&
        strlen(Dots) == 30 && Line[strlen(Line) - 1] == '\n' &&
        !Seen[Id][I]) {
      Seen[Id][I] = 1;
      ++Whole;
    }
  }
  fclose(F);
  int Missing = 0;
  for (int Id = 0; Id < Threads; ++Id)
    for (int I = 0; I < Lines; ++I)
      Missing += !Seen[Id][I];
  printf("%d lines, %d whole and distinct, %d missing\n", Total, Whole,
         Missing);
  return 0;
}
