// Posted calls: a remote thread does not wait for the answer to an unlock,
// a signal or an atomic store (docs/design/dsm.md, posted calls), yet what
// the program sees is what it sees on one machine:
//  - the unlock of an error-checking or recursive mutex still answers, with
//    EPERM where the thread does not own it, also for a mutex the thread
//    used as a plain one before it was made again as error-checking;
//  - home carries out a posted call before the thread's next one, also when
//    that one travels through the event loops (perror's text in the
//    agent's stderr pipe, written before the unlock, sends it that way):
//    otherwise the next lock could come before the unlock and never return;
//  - a mutex destroyed and made again right after a posted unlock, and a
//    spin lock released by atomic stores, keep their counts, and destroy
//    answers 0 on every node (a remote thread's init and destroy are
//    carried out at home: the node's copy of a mutex it held says it is
//    locked);
//  - a condition destroyed right after its broadcast and unlock (POSIX's
//    example) is destroyed, not waited on.
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
static pthread_mutex_t Kinds[6];
static struct {
  pthread_mutex_t Lock;
  pthread_cond_t Cond;
  int Done;
} Once[6];
static int Destroys[6][3];
static pthread_cond_t Changed = PTHREAD_COND_INITIALIZER;
static atomic_int Spin;
static long Counter, RemadeCount, SpinCount, Turns;
static int Errors[6][5];

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
  // Used as a plain mutex, then made again as an error-checking one.
  pthread_mutex_lock(&Kinds[Me]);
  pthread_mutex_unlock(&Kinds[Me]);
  pthread_mutexattr_t A;
  pthread_mutexattr_init(&A);
  pthread_mutexattr_settype(&A, PTHREAD_MUTEX_ERRORCHECK);
  Destroys[Me][0] = pthread_mutex_destroy(&Kinds[Me]);
  pthread_mutex_init(&Kinds[Me], &A);
  E[4] = pthread_mutex_unlock(&Kinds[Me]); // not the owner: EPERM
  for (int I = 0; I < ROUNDS; ++I) {
    pthread_mutex_lock(&Plain);
    ++Counter;
    pthread_cond_broadcast(&Changed);
    if (I % 50 == 0) {
      // Text through the agent's own stderr, not carried home as a call:
      // the next call goes through the loops, behind the posted unlock.
      errno = 0;
      perror("");
    }
    pthread_mutex_unlock(&Plain);
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
  Destroys[Me][1] = pthread_mutex_destroy(&Remade);
  pthread_mutex_init(&Remade, NULL);
  ++Turns;
  pthread_cond_broadcast(&Changed);
  pthread_mutex_unlock(&Plain);
  // POSIX's example, with main waiting: broadcast, unlock, destroy.
  pthread_mutex_lock(&Once[Me].Lock);
  Once[Me].Done = 1;
  pthread_cond_broadcast(&Once[Me].Cond);
  pthread_mutex_unlock(&Once[Me].Lock);
  Destroys[Me][2] = pthread_cond_destroy(&Once[Me].Cond);
  return NULL;
}

int main(void) {
  pthread_mutexattr_t A;
  pthread_mutexattr_init(&A);
  pthread_mutexattr_settype(&A, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&Checked, &A);
  pthread_mutexattr_settype(&A, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&Recursive, &A);
  for (int I = 0; I < 6; ++I) {
    pthread_mutex_init(&Kinds[I], NULL);
    pthread_mutex_init(&Once[I].Lock, NULL);
    pthread_cond_init(&Once[I].Cond, NULL);
  }
  pthread_t T[6];
  for (long I = 0; I < 6; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  for (int I = 0; I < 6; ++I) {
    pthread_mutex_lock(&Once[I].Lock);
    while (!Once[I].Done)
      pthread_cond_wait(&Once[I].Cond, &Once[I].Lock);
    pthread_mutex_unlock(&Once[I].Lock);
  }
  for (int I = 0; I < 6; ++I)
    pthread_join(T[I], NULL);
  printf("counter %ld spin %ld remade %ld (expected %d, %d, 6)\n", Counter,
         SpinCount, RemadeCount, 6 * ROUNDS, 6 * ROUNDS);
  for (int I = 0; I < 6; ++I)
    printf("thread %d: %s, %s, %s, %s, %s; destroys %d %d %d\n", I,
           strerror(Errors[I][0]), strerror(Errors[I][1]),
           strerror(Errors[I][2]), strerror(Errors[I][3]),
           strerror(Errors[I][4]), Destroys[I][0], Destroys[I][1],
           Destroys[I][2]);
  printf("at home: destroys %d %d %d\n", pthread_mutex_destroy(&Plain),
         pthread_mutex_destroy(&Remade), pthread_mutex_destroy(&Kinds[0]));
  return 0;
}
