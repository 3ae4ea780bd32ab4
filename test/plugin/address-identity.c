// Taking the address of an original gives one pointer, as with plain clang:
// every use of &fork in a module is the module's one thunk, and the thunk is
// linkonce_odr under a fixed name, so the linker keeps one per program and
// two modules' &pthread_create compare equal too. Calls through the pointer
// still reach Grid; their site is "address of <original>", line 0.
//
// RUN: %clang -O0 -c %s -o %t.plain-a.o
// RUN: %clang -O0 -DSECOND_MODULE -c %s -o %t.plain-b.o
// RUN: %clang -O0 -pthread %t.plain-a.o %t.plain-b.o -o %t.plain
// RUN: %t.plain | FileCheck %s
//
// RUN: %grid-clang -fgrid -O0 -c %s -o %t.O0-a.o
// RUN: %grid-clang -fgrid -O0 -DSECOND_MODULE -c %s -o %t.O0-b.o
// RUN: %grid-clang -fgrid -O0 %t.O0-a.o %t.O0-b.o -o %t.O0
// RUN: %t.O0 | FileCheck %s
// RUN: env GRID_STATS=1 %t.O0 2>&1 >/dev/null | FileCheck --check-prefix=STATS %s
//
// RUN: %grid-clang -fgrid -O2 -c %s -o %t.O2-a.o
// RUN: %grid-clang -fgrid -O2 -DSECOND_MODULE -c %s -o %t.O2-b.o
// RUN: %grid-clang -fgrid -O2 %t.O2-a.o %t.O2-b.o -o %t.O2
// RUN: %t.O2 | FileCheck %s
// RUN: env GRID_STATS=1 %t.O2 2>&1 >/dev/null | FileCheck --check-prefix=STATS %s

#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                         void *);
typedef pid_t (*fork_fn)(void);

#ifdef SECOND_MODULE
create_fn second_create(void) { return pthread_create; }
fork_fn second_fork(void) { return fork; }
#else
create_fn second_create(void);
fork_fn second_fork(void);

static void *work(void *arg) { return arg; }

// volatile: the comparisons are made at run time at -O2 too.
static create_fn volatile table[] = {pthread_create, 0};

int main(void) {
  fork_fn volatile a = fork, b = fork;
  printf("locals %d\n", a == b);
  // CHECK: locals 1
  printf("table %d\n", table[0] == pthread_create);
  // CHECK: table 1
  printf("modules %d %d\n", second_create() == table[0], second_fork() == a);
  // CHECK: modules 1 1

  pthread_t t;
  int rc = table[0](&t, NULL, work, NULL);
  printf("create %d join %d\n", rc, pthread_join(t, NULL));
  // CHECK: create 0 join 0
  pid_t pid = a();
  if (pid == 0)
    _exit(0);
  int status;
  printf("fork %d\n", pid > 0 && waitpid(pid, &status, 0) == pid);
  // CHECK: fork 1
  return 0;
}
// Calls through the pointers count under the module's "address of" sites.
// STATS-DAG: address-identity.c (address of pthread_create) pthread_create 1 {{[a-z]}}
// STATS-DAG: address-identity.c (address of fork) fork 1 {{[a-z]}}
#endif
