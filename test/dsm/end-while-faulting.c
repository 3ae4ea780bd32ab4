// main ends the program (exit or _exit) while threads on other nodes keep
// fetching pages and taking a lock: the job ends with main's status. An
// agent crashed before (status 139 in most runs): its remote thread was
// inside MPI_Get while MPI_Finalize unloaded Open MPI's components. Now a
// window call after MPI_Finalize fails without calling MPI, and the
// thread waits for its process to end.
//
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: sh -c '%mpirun3t %t.fgrid exit; echo "status $?"' > %t.exit.out 2> %t.exit.err
// RUN: sh -c '%mpirun3t %t.fgrid _exit; echo "status $?"' > %t._exit.out 2> %t._exit.err
// RUN: FileCheck %s --check-prefix=EXIT < %t.exit.out
// RUN: FileCheck %s --check-prefix=FAST < %t._exit.out
// RUN: FileCheck %s --check-prefix=QUIET < %t.exit.err
// RUN: FileCheck %s --check-prefix=QUIET < %t._exit.err
// EXIT: main ends with exit
// EXIT: status 3
// FAST: main ends with _exit
// FAST: status 3
// QUIET-NOT: signal 11
// QUIET-NOT: travel as messages from now on
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define Words (1 << 20)
static int *Array;
static volatile int Stop;
static pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
static long Rounds;

static void *churn(void *P) {
  long Id = (long)P;
  while (!Stop) {
    for (int I = 0; I < Words; I += 1024)
      Array[I] += (int)Id;
    pthread_mutex_lock(&Lock);
    ++Rounds;
    pthread_mutex_unlock(&Lock);
  }
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(int Argc, char **Argv) {
  const char *How = Argc > 1 ? Argv[1] : "_exit";
  Array = calloc(Words, sizeof *Array);
  pthread_t T[4];
  // Spread places threads round robin: the first at home, the others on
  // nodes 1, 2 and home.
  pthread_create(&T[0], NULL, nothing, NULL);
  pthread_join(T[0], NULL);
  for (long I = 1; I < 4; ++I)
    pthread_create(&T[I], NULL, churn, (void *)I);
  usleep(1500000);
  printf("main ends with %s\n", How);
  fflush(stdout);
  if (!strcmp(How, "exit"))
    exit(3);
  _exit(3);
}
