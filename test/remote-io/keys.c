// pthread keys on threads on other nodes: a key main made holds a value
// per thread on every node, and its destructor runs at each thread's end,
// after the thread's cleanup handlers, where it may still write (its line
// reaches home's file). A key a remote thread makes is one key of the
// program: main then uses it too. (An agent is another process, whose C
// library knows nothing of main's keys.)
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.plain.log > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.three.log > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: sort %t.plain.log > %t.plain.sorted
// RUN: sort %t.three.log > %t.three.sorted
// RUN: diff %t.plain.sorted %t.three.sorted
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=LOG < %t.three.sorted
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: thread 1: key holds 'value of thread 1', other key empty: yes
// CHECK: thread 2: key holds 'value of thread 2', other key empty: yes
// CHECK: main: the key thread 2 made works here: yes
// LOG: destructor: value of thread 0
// LOG-NEXT: destructor: value of thread 1
// LOG-NEXT: destructor: value of thread 2
// STATS: keys.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_key_t Key, Other, MadeByThread;
static FILE *Log;

static void destroy(void *Value) {
  fprintf(Log, "destructor: %s\n", (char *)Value);
  free(Value);
}

static void *work(void *P) {
  long Id = (long)P;
  char *Value = malloc(64);
  snprintf(Value, 64, "value of thread %ld", Id);
  pthread_setspecific(Key, Value);
  printf("thread %ld: key holds '%s', other key empty: %s\n", Id,
         (char *)pthread_getspecific(Key),
         pthread_getspecific(Other) ? "no" : "yes");
  fflush(stdout);
  if (Id == 2)
    pthread_key_create(&MadeByThread, NULL);
  return NULL;
}

int main(int Argc, char **Argv) {
  if (Argc != 2 || !(Log = fopen(Argv[1], "w")))
    return 2;
  pthread_key_create(&Key, destroy);
  pthread_key_create(&Other, NULL);
  // Spread places threads round robin: at home, node 1, node 2.
  for (long Id = 0; Id < 3; ++Id) {
    pthread_t T;
    pthread_create(&T, NULL, work, (void *)Id);
    pthread_join(T, NULL);
  }
  int Set = pthread_setspecific(MadeByThread, &Key);
  printf("main: the key thread 2 made works here: %s\n",
         Set == 0 && pthread_getspecific(MadeByThread) == &Key ? "yes" : "no");
  fclose(Log);
  return 0;
}
