// An object built for another Grid ABI version is rejected at start, before
// main, with a message that names it and both versions and says what to do.
//
// RUN: %clang %gridrt_include -c %S/Inputs/other-abi.c -o %t.other.o
// RUN: %clang %gridrt_include %s %t.other.o -o %t %gridrt_link
// RUN: not %t > %t.out 2>&1
// RUN: FileCheck %s --implicit-check-not="main ran" < %t.out

// CHECK: grid: error: other-abi.c: was built for Grid ABI 999 and this runtime (libgridrt.so) implements ABI 2; rebuild it with this Grid's grid-clang -fgrid

#include <stdio.h>

int main(void) {
  puts("main ran");
  return 0;
}
