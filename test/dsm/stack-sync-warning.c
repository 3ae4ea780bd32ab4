// An atomic (or a lock) on the stack of a thread on node 1, used by a
// thread on node 2: node 1 performs its own threads' operations there and
// home the others', each on its own copy, so they do not see each other
// (docs/design/dsm.md, what is not supported). Grid says so, once, as it
// first happens, naming the nodes and the advice; the program itself
// depends on nothing the two do there.
//
// RUN: %grid-clang -fgrid -O1 -g %s -o %t.fgrid
// RUN: %mpirun3t %t.fgrid 2>&1 | FileCheck %s
// CHECK: grid: warning: a thread on node 2 locks, waits on or operates atomically on 0x{{[0-9a-f]+}}, on the stack of a thread on node 1: threads of different nodes cannot share a lock, condition, semaphore or atomic there
// CHECK-SAME: put it in a global or the heap
// CHECK-NOT: grid: warning: a thread on node
// CHECK: done
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static void *add(void *Counter) {
  atomic_fetch_add((atomic_int *)Counter, 1);
  atomic_fetch_add((atomic_int *)Counter, 1); // said once
  return NULL;
}

static void *owner(void *Arg) {
  (void)Arg;
  atomic_int Counter = 0; // on this thread's stack, on node 1
  pthread_t T;
  pthread_create(&T, NULL, add, &Counter); // node 2
  pthread_join(T, NULL);
  return NULL;
}

static void *idle(void *Arg) { return Arg; }

int main(void) {
  pthread_t Idle, Owner;
  pthread_create(&Idle, NULL, idle, NULL); // spread: home
  pthread_join(Idle, NULL);
  pthread_create(&Owner, NULL, owner, NULL); // node 1
  pthread_join(Owner, NULL);
  printf("done\n");
  return 0;
}
