// A thread on another node that overflows its stack ends the job with
// Grid's message at home, naming the node and what to do, instead of the
// agent vanishing by SIGSEGV (its fault handler runs on an alternate
// signal stack).
//
// RUN: %grid-clang -fgrid -O0 -g %s -o %t.fgrid
// RUN: not %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: FileCheck %s < %t.three.err
// RUN: FileCheck %s --check-prefix=OUT < %t.three.out
// CHECK: grid: error: a thread on node 1 overflowed its stack (8192 KiB); give it a larger stack (pthread_attr_setstacksize), or use less of it
// OUT: home thread done
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static long deep(long N) {
  volatile char Frame[1024];
  Frame[0] = (char)N;
  return deep(N + 1) + Frame[0];
}

static void *atHome(void *P) {
  (void)P;
  printf("home thread done\n");
  fflush(stdout);
  return NULL;
}

static void *onNode1(void *P) {
  (void)P;
  usleep(200000);
  return (void *)deep(0);
}

int main(void) {
  pthread_t Home, Remote;
  pthread_create(&Home, NULL, atHome, NULL); // spread: home's turn
  pthread_join(Home, NULL);
  pthread_create(&Remote, NULL, onNode1, NULL); // node 1's turn
  pthread_join(Remote, NULL);
  printf("not reached\n");
  return 0;
}
