// pthread_cancel of threads on other nodes (threads::cancelRemote,
// docs/design/dsm.md, cancellation). Before, the shadow at home ignored it:
// the thread ran on, and main's join waited for ever.
//
// With spread over three ranks, threads go home, node 1, node 2 in turn;
// each kind of target runs on all three:
//  - waiters: each blocked in pthread_cond_wait at home (its shadow's wait
//    is woken), with a cleanup handler that unlocks the mutex and counts;
//  - sleepers: sleep, usleep and nanosleep in a loop;
//  - pollers: a loop of pthread_testcancel;
//  - a thread that disables cancellation, is cancelled, finishes its work,
//    then enables it and reaches a cancellation point;
//  - a thread that cancels itself;
//  - cancellers: threads (on all three ranks) that each cancel a sleeper
//    made by main, so a remote thread cancels threads of every node;
//  - semaphore waiters, cancelled in their waits, then posted: no count
//    is lost;
//  - rounds of two consumers of one condition, one cancelled just after
//    main signals: the other takes the item (a cancelled waiter passes on
//    the signal it may have taken);
//  - loops of write, read and poll, carried out at home.
// Every join answers PTHREAD_CANCELED and every cleanup handler ran; the
// output equals the plain run's.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK-DAG: cancel.c:{{[0-9]+}} (passedOn) pthread_create 40 {{.*}}node 1: 13, node 2: 13
// CHECK-DAG: cancel.c:{{[0-9]+}} (start) pthread_create 42 {{.*}}node 1: 14, node 2: 14
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t Mutex = PTHREAD_MUTEX_INITIALIZER;
static void start(pthread_t *T, void *(*Fn)(void *));
static void joinAll(const char *What, pthread_t *T);
static pthread_cond_t Never = PTHREAD_COND_INITIALIZER;
static atomic_int Waiting, Cleaned, Started;
static int Shared; // written under Mutex by the cleanup handlers

static void unlockAndCount(void *Arg) {
  (void)Arg;
  ++Shared;
  pthread_mutex_unlock(&Mutex);
  atomic_fetch_add(&Cleaned, 1);
}

static void *waiter(void *Arg) {
  pthread_mutex_lock(&Mutex);
  pthread_cleanup_push(unlockAndCount, Arg);
  atomic_fetch_add(&Waiting, 1);
  for (;;)
    pthread_cond_wait(&Never, &Mutex);
  pthread_cleanup_pop(1);
  return NULL;
}

static void count(void *Arg) {
  (void)Arg;
  atomic_fetch_add(&Cleaned, 1);
}

static void *sleeper(void *Arg) {
  long Kind = (long)Arg;
  pthread_cleanup_push(count, Arg);
  atomic_fetch_add(&Started, 1);
  for (;;) {
    if (Kind == 0)
      sleep(1);
    else if (Kind == 1)
      usleep(100000);
    else {
      struct timespec For = {0, 50000000};
      nanosleep(&For, NULL);
    }
  }
  pthread_cleanup_pop(1);
  return NULL;
}

static void *poller(void *Arg) {
  pthread_cleanup_push(count, Arg);
  atomic_fetch_add(&Started, 1);
  for (;;)
    pthread_testcancel();
  pthread_cleanup_pop(1);
  return NULL;
}

static atomic_int DisabledCancelled;
static int WorkDone[3];
static void *disabled(void *Arg) {
  long I = (long)Arg;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
  atomic_fetch_add(&Started, 1);
  while (!atomic_load(&DisabledCancelled))
    usleep(1000); // not acted on: cancellation is disabled
  WorkDone[I] = 1;
  pthread_cleanup_push(count, Arg);
  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
  pthread_testcancel();
  pthread_cleanup_pop(1);
  WorkDone[I] = 2; // not reached
  return NULL;
}

static void *self(void *Arg) {
  pthread_cleanup_push(count, Arg);
  pthread_cancel(pthread_self());
  for (;;)
    usleep(1000);
  pthread_cleanup_pop(1);
  return NULL;
}

static pthread_t Victims[3];
static int CancelledBy[3] = {-1, -1, -1};
static void *canceller(void *Arg) {
  long I = (long)Arg;
  CancelledBy[I] = pthread_cancel(Victims[I]);
  return NULL;
}

// Semaphores: a cancellation ends a semaphore wait (home waits in slices
// and looks for it between them), and never acts after a wait that took a
// count (the count would be lost): posted after, every count is still in
// the semaphore.
static sem_t Sem;
static atomic_int SemTaken;
static void *semWaiter(void *Arg) {
  long Kind = (long)Arg; // sem_wait, sem_timedwait, sem_clockwait
  pthread_cleanup_push(count, Arg);
  atomic_fetch_add(&Started, 1);
  for (;;) {
    struct timespec Until;
    clock_gettime(Kind == 2 ? CLOCK_MONOTONIC : CLOCK_REALTIME, &Until);
    Until.tv_sec += 20;
    if ((Kind == 0   ? sem_wait(&Sem)
         : Kind == 1 ? sem_timedwait(&Sem, &Until)
                     : sem_clockwait(&Sem, CLOCK_MONOTONIC, &Until)) == 0)
      atomic_fetch_add(&SemTaken, 1);
  }
  pthread_cleanup_pop(1);
  return NULL;
}

// A semaphore waiter that disables cancellation: cancelled in its wait, it
// goes on waiting, takes the count main posts, and acts on the
// cancellation once it enables it again.
static int DisabledWaitSaid[3];
static void *disabledSemWaiter(void *Arg) {
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
  atomic_fetch_add(&Started, 1);
  DisabledWaitSaid[(long)Arg] = sem_wait(&Sem);
  pthread_cleanup_push(count, Arg);
  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
  pthread_testcancel();
  pthread_cleanup_pop(1);
  return NULL;
}

static void semaphores(void) {
  pthread_t T[3];
  sem_init(&Sem, 0, 0);
  atomic_store(&Started, 0);
  start(T, semWaiter);
  while (atomic_load(&Started) < 3)
    usleep(1000);
  usleep(50000);
  for (int I = 0; I < 3; ++I)
    pthread_cancel(T[I]);
  joinAll("semaphore waiter", T); // cancelled in their waits
  for (int I = 0; I < 3; ++I)
    sem_post(&Sem);
  int Left = 0;
  sem_getvalue(&Sem, &Left);
  printf("semaphore counts taken or left: %d of 3\n",
         atomic_load(&SemTaken) + Left);
  while (Left-- > 0)
    sem_wait(&Sem);

  for (long I = 0; I < 3; ++I) { // on each rank
    atomic_store(&Started, 0);
    start(T, disabledSemWaiter);
    while (atomic_load(&Started) < 3)
      usleep(1000);
    usleep(20000);
    pthread_cancel(T[I]);
    usleep(150000); // home's slices see it
    for (int K = 0; K < 3; ++K)
      sem_post(&Sem);
    joinAll("disabled semaphore waiter", T);
    printf("the cancelled one's wait answered %d\n", DisabledWaitSaid[I]);
  }
}

// A waiter cancelled just as a signal woke it passes the signal on: the
// other waiter takes the item. Rounds, each with two new waiters.
static pthread_cond_t ItemReady = PTHREAD_COND_INITIALIZER;
static int Items, ItemsTaken;
static void *consumer(void *Arg) {
  (void)Arg;
  pthread_mutex_lock(&Mutex);
  pthread_cleanup_push(unlockAndCount, Arg);
  atomic_fetch_add(&Started, 1);
  for (;;) {
    while (Items == 0)
      pthread_cond_wait(&ItemReady, &Mutex);
    --Items;
    ++ItemsTaken;
  }
  pthread_cleanup_pop(1);
  return NULL;
}

static void passedOn(void) {
  int Lost = 0;
  for (int Round = 0; Round < 20; ++Round) {
    pthread_t T[2];
    atomic_store(&Started, 0);
    for (int I = 0; I < 2; ++I)
      pthread_create(&T[I], NULL, consumer, NULL);
    while (atomic_load(&Started) < 2)
      usleep(1000);
    usleep(20000);
    pthread_mutex_lock(&Mutex);
    Items = 1;
    pthread_cond_signal(&ItemReady);
    pthread_mutex_unlock(&Mutex);
    pthread_cancel(T[Round % 2]);
    pthread_join(T[Round % 2], NULL);
    int Left = 1;
    for (int Waited = 0; Left && Waited < 5000; ++Waited) {
      pthread_mutex_lock(&Mutex);
      Left = Items;
      pthread_mutex_unlock(&Mutex);
      if (Left)
        usleep(1000);
    }
    Lost += Left;
    pthread_mutex_lock(&Mutex);
    Items = 0;
    pthread_mutex_unlock(&Mutex);
    pthread_cancel(T[1 - Round % 2]);
    pthread_join(T[1 - Round % 2], NULL);
  }
  printf("items no waiter took: %d of 20 rounds\n", Lost);
}

// Descriptor calls carried out at home are cancellation points too: a loop
// of writes to /dev/null, of reads of /dev/zero, of polls that wait for
// nothing; each kind runs on each rank in turn.
static int Null = -1, Zero = -1, IoRound;
static void *ioLoop(void *Arg) {
  long Kind = ((long)Arg + IoRound) % 3;
  char Byte = 0;
  pthread_cleanup_push(count, Arg);
  atomic_fetch_add(&Started, 1);
  for (;;) {
    if (Kind == 0)
      write(Null, &Byte, 1);
    else if (Kind == 1)
      read(Zero, &Byte, 1);
    else
      poll(NULL, 0, 0);
  }
  pthread_cleanup_pop(1);
  return NULL;
}

static void descriptors(void) {
  Null = open("/dev/null", O_WRONLY);
  Zero = open("/dev/zero", O_RDONLY);
  for (IoRound = 0; IoRound < 3; ++IoRound) {
    pthread_t T[3];
    atomic_store(&Started, 0);
    start(T, ioLoop);
    while (atomic_load(&Started) < 3)
      usleep(1000);
    for (int I = 0; I < 3; ++I)
      pthread_cancel(T[I]);
    joinAll("descriptor loop", T);
  }
  close(Null);
  close(Zero);
}

static void joinAll(const char *What, pthread_t *T) {
  for (int I = 0; I < 3; ++I) {
    void *Result = NULL;
    int Err = pthread_join(T[I], &Result);
    printf("%s %d: join %d, %s\n", What, I, Err,
           Result == PTHREAD_CANCELED ? "cancelled" : "returned");
  }
}

static void start(pthread_t *T, void *(*Fn)(void *)) {
  for (long I = 0; I < 3; ++I)
    if (pthread_create(&T[I], NULL, Fn, (void *)I) != 0)
      printf("create failed\n");
}

int main(void) {
  pthread_t T[3];

  start(T, waiter);
  while (atomic_load(&Waiting) < 3)
    usleep(1000);
  usleep(50000); // in their waits
  for (int I = 0; I < 3; ++I)
    pthread_cancel(T[I]);
  joinAll("waiter", T);
  pthread_mutex_lock(&Mutex);
  printf("cleanup handlers ran under the mutex %d times\n", Shared);
  pthread_mutex_unlock(&Mutex);

  atomic_store(&Started, 0);
  start(T, sleeper);
  while (atomic_load(&Started) < 3)
    usleep(1000);
  usleep(50000);
  for (int I = 0; I < 3; ++I)
    pthread_cancel(T[I]);
  joinAll("sleeper", T);

  atomic_store(&Started, 0);
  start(T, poller);
  while (atomic_load(&Started) < 3)
    usleep(1000);
  for (int I = 0; I < 3; ++I)
    pthread_cancel(T[I]);
  joinAll("poller", T);

  atomic_store(&Started, 0);
  start(T, disabled);
  while (atomic_load(&Started) < 3)
    usleep(1000);
  for (int I = 0; I < 3; ++I)
    pthread_cancel(T[I]);
  usleep(50000);
  atomic_store(&DisabledCancelled, 1);
  joinAll("disabled", T);
  printf("work done while disabled: %d %d %d\n", WorkDone[0], WorkDone[1],
         WorkDone[2]);

  start(T, self);
  joinAll("self", T);

  // Victims made by main sleep (home, node 1, node 2); cancellers (home,
  // node 1, node 2) each cancel one, so that threads of each node cancel
  // threads of another.
  atomic_store(&Started, 0);
  start(Victims, sleeper);
  while (atomic_load(&Started) < 3)
    usleep(1000);
  pthread_t Victims2[3] = {Victims[1], Victims[2], Victims[0]};
  for (int I = 0; I < 3; ++I)
    Victims[I] = Victims2[I];
  start(T, canceller);
  for (int I = 0; I < 3; ++I)
    pthread_join(T[I], NULL);
  printf("cancellers answered %d %d %d\n", CancelledBy[0], CancelledBy[1],
         CancelledBy[2]);
  joinAll("victim", Victims);

  semaphores();
  passedOn();
  descriptors();

  printf("cleanup handlers ran %d times\n", atomic_load(&Cleaned));
  return 0;
}
