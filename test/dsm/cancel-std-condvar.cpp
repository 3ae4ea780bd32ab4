// A thread on node 1 waiting in std::condition_variable::wait, in the usual
// loop, is cancelled by main: the wait is a cancellation point, as
// pthread_cond_wait is, so the thread unwinds from it (unlocking the mutex
// as its unique_lock goes) and its join answers PTHREAD_CANCELED. Until
// 2026-11-28 home woke the wait for the cancellation but the node did not
// act on it: the loop waited again, and the program hung. The output
// equals the plain build's.
//
// RUN: %clangxx -O1 -pthread %s -o %t.plain
// RUN: %grid-clangxx -fgrid -O1 -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: cancel-std-condvar.cpp:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#include <pthread.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>

namespace {
std::mutex M;
std::condition_variable CV;
bool Ready = false; // never set: only the cancellation ends the wait

void *waiter(void *) {
  std::unique_lock<std::mutex> L(M);
  while (!Ready)
    CV.wait(L);
  return nullptr;
}

void *idle(void *P) { return P; }
} // namespace

int main() {
  pthread_t Idle, Waiter;
  pthread_create(&Idle, nullptr, idle, nullptr); // spread: home
  pthread_join(Idle, nullptr);
  pthread_create(&Waiter, nullptr, waiter, nullptr); // node 1
  usleep(200000); // in its wait
  pthread_cancel(Waiter);
  void *Result;
  pthread_join(Waiter, &Result);
  std::printf("waiter %s\n",
              Result == PTHREAD_CANCELED ? "cancelled" : "returned");
  std::lock_guard<std::mutex> Unlocked(M);
  std::printf("its mutex unlocked by the unwind\n");
  return 0;
}
