// Optimised code's character I/O: glibc's <stdio.h> defines getc_unlocked,
// putc_unlocked, getchar, putchar... inline, working on the FILE's buffer
// in place. -fgrid keeps them calls (the plugin's grid-keep-stdio-calls),
// so a thread on another node copying a file main opened, character by
// character into a stream main opened, reads and writes home's streams.
//
// RUN: %clang -O2 %s -o %t.plain
// RUN: %grid-clang -fgrid -O2 -g %s -o %t.fgrid
// RUN: seq 1 300 > %t.input
// RUN: %t.plain %t.input %t.plain.copy > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.input %t.three.copy > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: diff %t.input %t.three.copy
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: thread 1 copied 1091 characters, 300 lines
// CHECK-NEXT: at the end: eof 1, error 0
// STATS: unlocked.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#include <pthread.h>
#include <stdio.h>

static FILE *In, *Out;

static void *copy(void *P) {
  long Id = (long)P, Chars = 0, Lines = 0;
  int C;
  flockfile(In);
  while ((C = getc_unlocked(In)) != EOF) {
    putc_unlocked(C, Out);
    ++Chars;
    Lines += C == '\n';
  }
  funlockfile(In);
  printf("thread %ld copied %ld characters, %ld lines\n", Id, Chars, Lines);
  putchar('a');
  putchar('t');
  printf(" the end: eof %d, error %d\n", feof_unlocked(In) != 0,
         ferror_unlocked(In) != 0);
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(int Argc, char **Argv) {
  if (Argc != 3 || !(In = fopen(Argv[1], "r")) || !(Out = fopen(Argv[2], "w")))
    return 2;
  // main moves the first character itself, so that home's buffers hold
  // data: a thread working on its own view of them would go wrong.
  fputc(fgetc(In), Out);
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, copy, (void *)1);
  pthread_join(T, NULL);
  fclose(In);
  fclose(Out);
  return 0;
}
