// A program that defines functions of its own under names of the C
// library's messages (vwarn, vwarnx, error) and calls the C library's
// others (warn, warnx, error_at_line, and error found with dlsym's
// RTLD_NEXT): libgridrt.so's, on threads at home and on the agents, never
// call the program's functions in the C library's stead, and the
// program's own are called where it calls them. Output as the plain build's (its name for
// the program's).
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out 2> %t.plain.err
// RUN: FileCheck %s < %t.plain.err
// RUN: FileCheck %s --check-prefix=OWN < %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.out 2> %t.err
// RUN: grep -v '^grid:' %t.err | sed 's/tmp\.fgrid/tmp.plain/' > %t.err.own
// RUN: diff %t.plain.err %t.err.own
// RUN: diff %t.plain.out %t.out
// RUN: FileCheck %s --check-prefix=STATS < %t.err
//
// CHECK: own-names.c.tmp.{{(plain|fgrid)}}: warn 0: Permission denied
// CHECK-NEXT: own-names.c.tmp.{{(plain|fgrid)}}: warnx 0
// CHECK-NEXT: {{/.*}}own-names.c.tmp.{{(plain|fgrid)}}:file.c:7: error_at_line 0
// CHECK-NEXT: {{/.*}}own-names.c.tmp.{{(plain|fgrid)}}: the C library's error 0: Bad file descriptor
// CHECK-NEXT: own-names.c.tmp.{{(plain|fgrid)}}: warn 1: Permission denied
// CHECK: own-names.c.tmp.{{(plain|fgrid)}}: warnx 2
// CHECK-NEXT: {{/.*}}own-names.c.tmp.{{(plain|fgrid)}}:file.c:7: error_at_line 2
// CHECK-NEXT: {{/.*}}own-names.c.tmp.{{(plain|fgrid)}}: the C library's error 2: Bad file descriptor
// OWN: the program's vwarn
// OWN-NEXT: the program's error: 0
// OWN: the program's error: 2
// STATS: own-names.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

// The C library's, declared here: <err.h> and <error.h> would clash with
// the program's own below.
void warn(const char *Format, ...);
void warnx(const char *Format, ...);
void error_at_line(int Status, int Errnum, const char *File, unsigned Line,
                   const char *Format, ...);

void vwarn(void) { printf("the program's vwarn\n"); }
void vwarnx(void) { printf("the program's vwarnx\n"); }
void error(long Id) { printf("the program's error: %ld\n", Id); }

static void *speak(void *P) {
  long Id = (long)P;
  errno = EACCES;
  warn("warn %ld", Id);
  warnx("warnx %ld", Id);
  error_at_line(0, 0, "file.c", 7, "error_at_line %ld", Id);
  // The error after the executable's own: the C library's, or Grid's in
  // its stead, which has home's write the message.
  void (*NextError)(int, int, const char *, ...) =
      (void (*)(int, int, const char *, ...))dlsym(RTLD_NEXT, "error");
  NextError(0, EBADF, "the C library's error %ld", Id);
  if (Id == 0)
    vwarn();
  error(Id);
  fflush(stdout);
  return NULL;
}

int main(void) {
  for (long Id = 0; Id < 3; ++Id) {
    pthread_t T;
    pthread_create(&T, NULL, speak, (void *)Id);
    pthread_join(T, NULL);
  }
  return 0;
}
