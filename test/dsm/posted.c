// Posted calls: a remote thread does not wait for the answer to an unlock,
// a signal or an atomic store (docs/design/dsm.md, posted calls), yet what
// the program sees is what it sees on one machine:
//  - the unlock of an error-checking or recursive mutex still answers, with
//    EPERM where the thread does not own it;
//  - home carries out a posted call before the thread's next one, also when
//    that one travels through the event loops (perror's text in the
//    agent's stderr pipe sends it that way): otherwise the next lock would
//    come before the unlock and never return;
//  - a mutex destroyed and made again right after a posted unlock, and a
//    spin lock released by atomic stores, keep their counts.
// The output equals the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out 2> /dev/null
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: posted.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define ROUNDS 300

static pthread_mutex_t Plain = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t Checked, Recursive;
static pthread_mutex_t Remade = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t Changed = PTHREAD_COND_INITIALIZER;
static atomic_int Spin;
static long Counter, RemadeCount, SpinCount, Turns;
static int Errors[6][4];

static void spinLock(void) {
  int Free = 0;
  while (!atomic_compare_exchange_weak_explicit(
      &Spin, &Free, 1, memory_order_acquire, memory_order_relaxed))
    Free = 0;
}

static void *work(void *P) {
  long Me = (long)P;
  int *E = Errors[Me];
  // Error-checking and recursive mutexes answer as on one machine.
  E[0] = pthread_mutex_unlock(&Checked); // not the owner: EPERM
  pthread_mutex_lock(&Checked);
  E[1] = pthread_mutex_unlock(&Checked);
  pthread_mutex_lock(&Recursive);
  pthread_mutex_lock(&Recursive);
  E[2] = pthread_mutex_unlock(&Recursive) + pthread_mutex_unlock(&Recursive);
  E[3] = pthread_mutex_unlock(&Recursive); // EPERM
  for (int I = 0; I < ROUNDS; ++I) {
    pthread_mutex_lock(&Plain);
    ++Counter;
    pthread_cond_broadcast(&Changed);
    pthread_mutex_unlock(&Plain);
    if (I % 50 == 0) {
      // Text through the agent's own stderr, not carried home as a call:
      // the next lock goes through the loops, after the posted unlock.
      errno = 0;
      perror("");
    }
    spinLock();
    ++SpinCount;
    atomic_store_explicit(&Spin, 0, memory_order_release);
  }
  // Each thread in turn: remade by the thread that just unlocked it.
  pthread_mutex_lock(&Plain);
  while (Turns != Me)
    pthread_cond_wait(&Changed, &Plain);
  pthread_mutex_lock(&Remade);
  ++RemadeCount;
  pthread_mutex_unlock(&Remade);
  pthread_mutex_destroy(&Remade);
  pthread_mutex_init(&Remade, NULL);
  ++Turns;
  pthread_cond_broadcast(&Changed);
  pthread_mutex_unlock(&Plain);
  return NULL;
}

int main(void) {
  pthread_mutexattr_t A;
  pthread_mutexattr_init(&A);
  pthread_mutexattr_settype(&A, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&Checked, &A);
  pthread_mutexattr_settype(&A, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&Recursive, &A);
  pthread_t T[6];
  for (long I = 0; I < 6; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  for (int I = 0; I < 6; ++I)
    pthread_join(T[I], NULL);
  printf("counter %ld spin %ld remade %ld (expected %d, %d, 6)\n", Counter,
         SpinCount, RemadeCount, 6 * ROUNDS, 6 * ROUNDS);
  for (int I = 0; I < 6; ++I)
    printf("thread %d: %s, %s, %s, %s\n", I, strerror(Errors[I][0]),
           strerror(Errors[I][1]), strerror(Errors[I][2]),
           strerror(Errors[I][3]));
  return 0;
}
