// Without a Grid flag grid-clang is clang-19: the same object file, assembly
// and preprocessed output, byte for byte, with and without optimisation and
// debug info.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clang -c %s -o %t/ref.o
// RUN: %grid-clang -c %s -o %t/grid.o
// RUN: cmp %t/ref.o %t/grid.o
// RUN: %clang -O2 -g -DSCALE=3 -c %s -o %t/ref-O2.o
// RUN: %grid-clang -O2 -g -DSCALE=3 -c %s -o %t/grid-O2.o
// RUN: cmp %t/ref-O2.o %t/grid-O2.o
// RUN: %clang -S -O1 %s -o %t/ref.s
// RUN: %grid-clang -S -O1 %s -o %t/grid.s
// RUN: cmp %t/ref.s %t/grid.s
// RUN: %clang -S -emit-llvm %s -o %t/ref.ll
// RUN: %grid-clang -S -emit-llvm %s -o %t/grid.ll
// RUN: cmp %t/ref.ll %t/grid.ll
// RUN: %clang -E %s -o %t/ref.i
// RUN: %grid-clang -E %s -o %t/grid.i
// RUN: cmp %t/ref.i %t/grid.i
// -fno-grid alone is removed, leaving plain clang.
// RUN: %grid-clang -fno-grid -c %s -o %t/nogrid.o
// RUN: cmp %t/ref.o %t/nogrid.o
#include <pthread.h>
#include <stdio.h>

#ifndef SCALE
#define SCALE 1
#endif

static void *work(void *Arg) { return (void *)((long)Arg * SCALE); }

int main(void) {
  pthread_t T;
  void *Result;
  pthread_create(&T, NULL, work, (void *)21L);
  pthread_join(T, &Result);
  printf("%ld\n", (long)Result);
  return 0;
}
