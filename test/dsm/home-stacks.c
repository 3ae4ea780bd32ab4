// Threads running at home have their stacks in the shared space too: a
// home thread gives a thread on an agent a pointer into its own frame
// (&Local[i]), and the agent reads and writes through it; a thread detached
// by its attributes, and one detached later, do the same. Hundreds of
// short-lived home threads, joined or detached, then run one after the
// other: more than the stack part of home's slice holds without reuse, so
// their stacks must be reused, and a last home thread still gets a shared
// stack. A thread with a stack of its own runs on it. A fork child of a
// home thread keeps its copy of that thread's stack and runs threads.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// Spread takes turns home, node 1, node 2 over every creation in order:
// the owners and the thread with its own stack ran at home, the readers
// the owners created on nodes 1 and 2, a third of the churn at home:
// CHECK-NOT: grid: warning
// CHECK-DAG: home-stacks.c:{{[0-9]+}} (main) pthread_create 1 core {{[0-9]+}}: 1{{$}}
// CHECK-DAG: home-stacks.c:{{[0-9]+}} (main) pthread_create 1 core {{[0-9]+}}: 1{{$}}
// CHECK-DAG: home-stacks.c:{{[0-9]+}} (main) pthread_create 1 core {{[0-9]+}}: 1{{$}}
// CHECK-DAG: home-stacks.c:{{[0-9]+}} (main) pthread_create 1 core {{[0-9]+}}: 1{{$}}
// CHECK-DAG: home-stacks.c:{{[0-9]+}} (main) pthread_create 1 core {{[0-9]+}}: 1{{$}}
// CHECK-DAG: home-stacks.c:{{[0-9]+}} (owner) pthread_create 8 node 1: 4, node 2: 4
// CHECK-DAG: home-stacks.c:{{[0-9]+}} (main) pthread_create 288 core {{.*}}node 1: 96, node 2: 96
// CHECK-DAG: home-stacks.c:{{[0-9]+}} (main) pthread_create 288 core {{.*}}node 1: 96, node 2: 96
// CHECK-NOT: grid: warning
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROW 2048 // longs: four pages a row
#define ROUNDS 96
// Larger than the default, so that ROUNDS home threads of each kind need
// about three times the stack part of home's slice (1 GiB).
#define CHURN_STACK (32u << 20)

// --- An owner at home, readers on the agents -------------------------------
static void *reach(void *P) {
  long *Row = P; // on the owner's stack, at home
  long Sum = 0;
  for (int J = 0; J < ROW; ++J) {
    Sum += Row[J];
    Row[J] = Row[J] * 2 + 1;
  }
  return (void *)Sum;
}

// A fork child of a thread on a shared stack keeps its copy of the stack,
// and its own threads run.
static void *inChild(void *P) { return (void *)((long *)P)[ROW - 1]; }

static void forkHere(long *Row) {
  fflush(stdout);
  pid_t Child = fork();
  if (Child == 0) {
    pthread_t T;
    void *R;
    pthread_create(&T, NULL, inChild, Row);
    pthread_join(T, &R);
    printf("fork child: row starts with %ld, its thread saw %ld\n", Row[0],
           (long)R);
    fflush(stdout);
    _exit(0);
  }
  int Status = -1;
  waitpid(Child, &Status, 0);
  printf("fork child exited with %d\n", WEXITSTATUS(Status));
}

static sem_t Reported;
static char Report[4][160];

static void *owner(void *P) {
  long Which = (long)P;
  long Local[2][ROW];
  // As large a stack as it would have without Grid: the default size.
  size_t Size = 0, Default = 0;
  pthread_attr_t A;
  if (pthread_getattr_np(pthread_self(), &A) == 0) {
    pthread_attr_getstacksize(&A, &Size);
    pthread_attr_destroy(&A);
  }
  if (pthread_getattr_default_np(&A) == 0) {
    pthread_attr_getstacksize(&A, &Default);
    pthread_attr_destroy(&A);
  }
  if (Size < Default)
    printf("owner %ld: a stack of %zu bytes, the default is %zu\n", Which,
           Size, Default);
  for (int I = 0; I < 2; ++I)
    for (int J = 0; J < ROW; ++J)
      Local[I][J] = Which * 100000 + I * 10000 + J;
  pthread_t Readers[2];
  for (int I = 0; I < 2; ++I)
    pthread_create(&Readers[I], NULL, reach, &Local[I]);
  long Seen[2], After[2] = {0, 0};
  for (int I = 0; I < 2; ++I) {
    void *R;
    pthread_join(Readers[I], &R);
    Seen[I] = (long)R;
    for (int J = 0; J < ROW; ++J)
      After[I] += Local[I][J];
  }
  if (Which == 0)
    forkHere(Local[1]);
  snprintf(Report[Which], sizeof Report[Which],
           "owner %ld: readers saw %ld and %ld, rows now sum to %ld and %ld",
           Which, Seen[0], Seen[1], After[0], After[1]);
  if (Which > 0) // detached: main learns through the semaphore
    sem_post(&Reported);
  return NULL;
}

// --- Short-lived threads, one after the other --------------------------------
static sem_t Ended;
static long ChurnSum;

static void *churn(void *P) {
  volatile char Frame[8192]; // touches its stack beyond the first page
  for (int I = 0; I < 8192; I += 512)
    Frame[I] = (char)I;
  return (void *)((long)P + Frame[512]);
}

static void *churnDetached(void *P) {
  __atomic_fetch_add(&ChurnSum, (long)churn(P), __ATOMIC_SEQ_CST);
  sem_post(&Ended);
  return NULL;
}

// --- A stack of the program's own ------------------------------------------
static char *OwnStack;
#define OWN_STACK_BYTES (1u << 20)

static void *onOwnStack(void *P) {
  char Here;
  int Inside = &Here >= OwnStack && &Here < OwnStack + OWN_STACK_BYTES;
  printf("thread %ld runs on the stack it was given: %s\n", (long)P,
         Inside ? "yes" : "no");
  return NULL;
}

int main(void) {
  sem_init(&Reported, 0, 0);
  sem_init(&Ended, 0, 0);
  pthread_t T;

  // Joinable owner (turn: home), its readers on nodes 1 and 2.
  pthread_create(&T, NULL, owner, (void *)0);
  pthread_join(T, NULL);
  printf("%s\n", Report[0]);

  // Detached by its attributes.
  pthread_attr_t Detached;
  pthread_attr_init(&Detached);
  pthread_attr_setdetachstate(&Detached, PTHREAD_CREATE_DETACHED);
  pthread_create(&T, &Detached, owner, (void *)1);
  sem_wait(&Reported);
  printf("%s\n", Report[1]);

  // Detached after creation.
  pthread_create(&T, NULL, owner, (void *)2);
  pthread_detach(T);
  sem_wait(&Reported);
  printf("%s\n", Report[2]);

  // Joined one by one: every third goes home.
  pthread_attr_t Big;
  pthread_attr_init(&Big);
  pthread_attr_setstacksize(&Big, CHURN_STACK);
  long Sum = 0;
  for (long I = 0; I < 3 * ROUNDS; ++I) {
    void *R;
    pthread_create(&T, &Big, churn, (void *)I);
    pthread_join(T, &R);
    Sum += (long)R;
  }
  printf("joined churn: %ld\n", Sum);

  // Detached, each waited for through a semaphore.
  pthread_attr_setdetachstate(&Big, PTHREAD_CREATE_DETACHED);
  for (long I = 0; I < 3 * ROUNDS; ++I) {
    pthread_create(&T, &Big, churnDetached, (void *)I);
    sem_wait(&Ended);
  }
  printf("detached churn: %ld\n", ChurnSum);

  // After all that, a home thread's stack is still shared (turn: home).
  pthread_create(&T, NULL, owner, (void *)3);
  pthread_join(T, NULL);
  printf("%s\n", Report[3]);

  // A stack of the program's own is left alone (turn: home).
  OwnStack = malloc(OWN_STACK_BYTES);
  pthread_attr_t Own;
  pthread_attr_init(&Own);
  pthread_attr_setstack(&Own, OwnStack, OWN_STACK_BYTES);
  pthread_create(&T, &Own, onOwnStack, (void *)7);
  pthread_join(T, NULL);
  return 0;
}
