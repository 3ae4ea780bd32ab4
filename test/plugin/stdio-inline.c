// Optimised code calls getc_unlocked, putc_unlocked, getchar, putchar,
// fgetc_unlocked, fputc_unlocked, getline and feof_unlocked as the C library's
// functions (which libgridrt.so interposes), not as glibc's inline bodies
// from <bits/stdio.h> that work on the FILE in place. The same holds under
// _FORTIFY_SOURCE (whose fread_unlocked calls getc_unlocked for small reads),
// with debug info, and for C++.
// RUN: %grid-clang -fgrid -O2 -g -S -emit-llvm %s -o - | FileCheck %s
// RUN: %grid-clang -fgrid -O2 -D_FORTIFY_SOURCE=2 -S -emit-llvm %s -o - | FileCheck %s
// RUN: %grid-clangxx -fgrid -x c++ -O2 -S -emit-llvm %s -o - | FileCheck %s
// Plain clang inlines them: the test can tell.
// RUN: %clang -O2 -S -emit-llvm %s -o - | FileCheck %s --check-prefix=PLAIN
#ifndef _GNU_SOURCE // clang++ defines it
#define _GNU_SOURCE // for <bits/stdio.h>'s inline getline
#endif
#include <stdio.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

int copy(FILE *in, FILE *out) {
  int c;
  while ((c = getc_unlocked(in)) != EOF)
    putc_unlocked(c, out);
  return feof_unlocked(in);
}
// CHECK-LABEL: define {{.*}}i32 @copy(
// CHECK-NOT: @__uflow
// CHECK: call i32 @getc_unlocked(
// CHECK-NOT: @__overflow
// CHECK: call i32 @putc_unlocked(
// CHECK: call i32 @feof_unlocked(
// CHECK-NOT: @__uflow
// CHECK-NOT: @__overflow
// CHECK: ret i32
// PLAIN-LABEL: define {{.*}}i32 @copy(
// PLAIN: call i32 @__uflow(

int echo(void) { return putchar(getchar()); }
// CHECK-LABEL: define {{.*}}i32 @echo(
// CHECK: call i32 @getchar()
// CHECK: call i32 @putchar(

int copy_one(FILE *in, FILE *out) {
  return fputc_unlocked(fgetc_unlocked(in), out);
}
// CHECK-LABEL: define {{.*}}i32 @copy_one(
// CHECK: call i32 @fgetc_unlocked(
// CHECK: call i32 @fputc_unlocked(

size_t read_word(FILE *in, int *word) {
  return fread_unlocked(word, sizeof *word, 1, in);
}
// CHECK-LABEL: define {{.*}} @read_word(
// CHECK-NOT: @__uflow
// CHECK: call {{.*}}@{{fread_unlocked|getc_unlocked}}(
// CHECK-NOT: @__uflow
// CHECK: ret i64

ssize_t read_line(FILE *in, char **line, size_t *bytes) {
  return getline(line, bytes, in);
}
// CHECK-LABEL: define {{.*}} @read_line(
// CHECK: call i64 @getline(

#ifdef __cplusplus
}
#endif
