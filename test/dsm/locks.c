// Synchronisation across nodes: a mutex-protected counter, a bounded queue
// on a condition variable with producers and consumers spread over home and
// the agents, pthread_once, a rwlock, a semaphore and thread-local storage;
// the output equals the same program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// Every site's threads ran on both agents too:
// CHECK-DAG: locks.c:{{[0-9]+}} (counters) pthread_create 6 {{.*}}node 1: 2, node 2: 2
// CHECK-DAG: locks.c:{{[0-9]+}} (queue) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// CHECK-DAG: locks.c:{{[0-9]+}} (queue) pthread_create 3 {{.*}}node 1: 1, node 2: 1
// CHECK-DAG: locks.c:{{[0-9]+}} (others) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

// --- A mutex-protected counter -------------------------------------------
static pthread_mutex_t CounterLock = PTHREAD_MUTEX_INITIALIZER;
static long Counter;

static void *count(void *P) {
  for (int I = 0; I < 200; ++I) {
    pthread_mutex_lock(&CounterLock);
    Counter += (long)P;
    pthread_mutex_unlock(&CounterLock);
  }
  return NULL;
}

static void counters(void) {
  pthread_t T[6];
  for (long I = 0; I < 6; ++I)
    pthread_create(&T[I], NULL, count, (void *)(I + 1));
  for (int I = 0; I < 6; ++I)
    pthread_join(T[I], NULL);
  printf("counter %ld (expected %d)\n", Counter, 200 * 21);
}

// --- A bounded queue --------------------------------------------------------
#define SLOTS 4
#define ITEMS 60
static struct {
  pthread_mutex_t Lock;
  pthread_cond_t NotFull, NotEmpty;
  int Items[SLOTS];
  int Head, Count;
} Q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
       PTHREAD_COND_INITIALIZER};
static long Consumed[3];

static void *produce(void *P) {
  long Me = (long)P;
  for (int I = 0; I < ITEMS; ++I) {
    pthread_mutex_lock(&Q.Lock);
    while (Q.Count == SLOTS)
      pthread_cond_wait(&Q.NotFull, &Q.Lock);
    Q.Items[(Q.Head + Q.Count++) % SLOTS] = (int)(Me * 1000 + I);
    pthread_cond_signal(&Q.NotEmpty);
    pthread_mutex_unlock(&Q.Lock);
  }
  return NULL;
}

static void *consume(void *P) {
  long Me = (long)P, Sum = 0;
  for (int I = 0; I < ITEMS; ++I) {
    pthread_mutex_lock(&Q.Lock);
    while (Q.Count == 0)
      pthread_cond_wait(&Q.NotEmpty, &Q.Lock);
    Sum += Q.Items[Q.Head];
    Q.Head = (Q.Head + 1) % SLOTS;
    --Q.Count;
    pthread_cond_signal(&Q.NotFull);
    pthread_mutex_unlock(&Q.Lock);
  }
  Consumed[Me] = Sum;
  return NULL;
}

static void queue(void) {
  pthread_t P[3], C[3];
  for (long I = 0; I < 3; ++I)
    pthread_create(&P[I], NULL, produce, (void *)I);
  for (long I = 0; I < 3; ++I)
    pthread_create(&C[I], NULL, consume, (void *)I);
  for (int I = 0; I < 3; ++I)
    pthread_join(P[I], NULL);
  for (int I = 0; I < 3; ++I)
    pthread_join(C[I], NULL);
  long Total = Consumed[0] + Consumed[1] + Consumed[2];
  long Expected = 0;
  for (int Me = 0; Me < 3; ++Me)
    for (int I = 0; I < ITEMS; ++I)
      Expected += Me * 1000 + I;
  printf("queue: consumed %ld of %ld\n", Total, Expected);
}

// --- once, rwlock, semaphore, thread_local -----------------------------------
static pthread_once_t Once = PTHREAD_ONCE_INIT;
static int Initialised;
static void init(void) { ++Initialised; }

static pthread_rwlock_t Table = PTHREAD_RWLOCK_INITIALIZER;
static long Entries[6];
static sem_t Tickets;
static long Inside, MostInside;
static pthread_mutex_t InsideLock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local long Mine;

static void *other(void *P) {
  long Me = (long)P;
  pthread_once(&Once, init);
  Mine = Me * 7; // per thread, wherever it runs
  pthread_rwlock_wrlock(&Table);
  Entries[Me] = Me * Me;
  pthread_rwlock_unlock(&Table);
  sem_wait(&Tickets); // at most 2 inside at once
  pthread_mutex_lock(&InsideLock);
  if (++Inside > MostInside)
    MostInside = Inside;
  pthread_mutex_unlock(&InsideLock);
  pthread_mutex_lock(&InsideLock);
  --Inside;
  pthread_mutex_unlock(&InsideLock);
  sem_post(&Tickets);
  long Seen = 0;
  pthread_rwlock_rdlock(&Table);
  Seen = Entries[Me];
  pthread_rwlock_unlock(&Table);
  return (void *)(Seen + Mine);
}

static void others(void) {
  sem_init(&Tickets, 0, 2);
  pthread_t T[6];
  for (long I = 0; I < 6; ++I)
    pthread_create(&T[I], NULL, other, (void *)I);
  long Sum = 0;
  for (int I = 0; I < 6; ++I) {
    void *R;
    pthread_join(T[I], &R);
    Sum += (long)R;
  }
  printf("once ran %d time(s); entries+locals %ld; at most %s 2 inside\n",
         Initialised, Sum, MostInside <= 2 ? "within" : "beyond");
}

int main(void) {
  counters();
  queue();
  others();
  return 0;
}
