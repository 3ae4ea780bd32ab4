// main holds stdout (flockfile) while it waits for a thread on node 1 whose
// child writes a line to stdout: the child's line waits at home for the
// stream main holds, and the thread's next calls, and its end, would wait
// for that line. The thread goes on after a second instead, main's join
// returns, and main returns still holding stdout, so that only home's exit
// can write the child's line: every line is there (main's and the child's
// in either order: compared sorted). On one machine the child writes to
// fd 1 itself and nothing waits.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.plain.txt | sort > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.fgrid.txt > %t.raw 2> %t.err
// RUN: sort %t.raw > %t.out
// RUN: diff %t.plain.out %t.out
// RUN: FileCheck %s < %t.out
// RUN: FileCheck %s --check-prefix=FILE < %t.fgrid.txt
// RUN: FileCheck %s --check-prefix=STATS < %t.err
// CHECK: main returns, holding stdout
// CHECK: the child's line
// FILE: the thread wrote this after its child ended
// STATS: held-stream.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *Path;

static void *idle(void *P) { return P; }

static void *forker(void *P) {
  pid_t Child = fork();
  if (Child == 0) {
    static const char Line[] = "the child's line\n";
    write(1, Line, sizeof Line - 1);
    _exit(0);
  }
  int Status;
  waitpid(Child, &Status, 0);
  FILE *F = fopen(Path, "w"); // calls home after the child's output
  if (F) {
    fputs("the thread wrote this after its child ended\n", F);
    fclose(F);
  }
  return P;
}

int main(int Argc, char **Argv) {
  if (Argc < 2)
    return 2;
  Path = Argv[1];
  pthread_t T;
  pthread_create(&T, NULL, idle, NULL); // home's turn of spread
  pthread_join(T, NULL);
  flockfile(stdout);
  pthread_create(&T, NULL, forker, NULL); // node 1
  pthread_join(T, NULL);
  printf("main returns, holding stdout\n");
  return 0; // still holding it: only main's exit can write the child's line
}
