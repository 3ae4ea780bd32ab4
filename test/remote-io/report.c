// Two threads on agents at once: one reads an input file with fgets (and
// the same file again with getline and fscanf), the other writes a report
// with fprintf to a file it opened; then a third reads stdin. Each stream
// is home's, read and written there.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: seq 1 2000 > %t.input
// RUN: seq 10 10 50 | %t.plain %t.input %t.plain.report > %t.plain.out
// RUN: seq 10 10 50 | %mpirun3t %t.fgrid %t.input %t.three.report > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: diff %t.plain.report %t.three.report
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=REPORT < %t.three.report
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: fgets: 2000 lines, sum 2001000
// CHECK-NEXT: getline: 2000 lines, longest 5 bytes
// CHECK-NEXT: fscanf: 2000 numbers, sum 2001000, then EOF: yes
// CHECK-NEXT: stdin: 10 20 30 40 50, sum 150
// REPORT: report line 0: 0 squared is 0
// REPORT: report line 999: 999 squared is 998001
// REPORT-NEXT: end of report
// STATS: report.c:{{[0-9]+}} (main) pthread_create 1 core
// STATS-NEXT: report.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
// STATS-NEXT: report.c:{{[0-9]+}} (main) pthread_create 1 node 2: 1
// STATS-NEXT: report.c:{{[0-9]+}} (main) pthread_create 1 core
// STATS-NEXT: report.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
// STATS-NEXT: report.c:{{[0-9]+}} (main) pthread_create 1 node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *Input, *Report;
static char Result[3][128];

static void *readInput(void *P) {
  (void)P;
  FILE *F = fopen(Input, "r");
  if (!F)
    return perror("fopen"), NULL;
  char Line[64];
  long Lines = 0, Sum = 0;
  while (fgets(Line, sizeof Line, F)) {
    ++Lines;
    Sum += atol(Line);
  }
  rewind(F);
  char *Buf = NULL;
  size_t Bytes = 0;
  ssize_t N, Longest = 0;
  long GotLines = 0;
  while ((N = getline(&Buf, &Bytes, F)) > 0) {
    ++GotLines;
    if (N > Longest)
      Longest = N;
  }
  free(Buf);
  fseek(F, 0, SEEK_SET);
  long Value, Numbers = 0, ScanSum = 0;
  while (fscanf(F, "%ld", &Value) == 1) {
    ++Numbers;
    ScanSum += Value;
  }
  int AtEnd = feof(F);
  fclose(F);
  snprintf(Result[0], sizeof Result[0], "fgets: %ld lines, sum %ld\n", Lines,
           Sum);
  snprintf(Result[1], sizeof Result[1],
           "getline: %ld lines, longest %zd bytes\n", GotLines, Longest);
  snprintf(Result[2], sizeof Result[2],
           "fscanf: %ld numbers, sum %ld, then EOF: %s\n", Numbers, ScanSum,
           AtEnd ? "yes" : "no");
  return NULL;
}

static void *writeReport(void *P) {
  (void)P;
  FILE *F = fopen(Report, "w");
  if (!F)
    return perror("fopen"), NULL;
  for (long I = 0; I < 1000; ++I)
    fprintf(F, "report line %ld: %ld squared is %ld\n", I, I, I * I);
  fputs("end of report\n", F);
  fclose(F);
  return NULL;
}

static void *readStdin(void *P) {
  (void)P;
  int Value, Sum = 0;
  printf("stdin:");
  while (scanf("%d", &Value) == 1) {
    printf(" %d", Value);
    Sum += Value;
  }
  printf(", sum %d\n", Sum);
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(int Argc, char **Argv) {
  if (Argc != 3)
    return 2;
  Input = Argv[1];
  Report = Argv[2];
  // Spread places threads round robin: at home, node 1, node 2, home...
  pthread_t T[4];
  pthread_create(&T[0], NULL, nothing, NULL);     // home
  pthread_create(&T[1], NULL, readInput, NULL);   // node 1
  pthread_create(&T[2], NULL, writeReport, NULL); // node 2
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  for (int I = 0; I < 3; ++I)
    fputs(Result[I], stdout);
  pthread_create(&T[3], NULL, nothing, NULL); // home
  pthread_join(T[3], NULL);
  pthread_t Reader;
  pthread_create(&Reader, NULL, nothing, NULL); // node 1
  pthread_join(Reader, NULL);
  pthread_create(&Reader, NULL, readStdin, NULL); // node 2
  pthread_join(Reader, NULL);
  return 0;
}
