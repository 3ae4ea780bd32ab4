// A thread's end on another node: what its thread_local destructors write
// (a per-thread accumulator flushed at exit) is seen by the thread that
// joins it, as C++ promises (the destructors run before join returns).
//
// RUN: %clangxx -std=c++20 %s -o %t.plain
// RUN: %grid-clangxx -fgrid -std=c++20 -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// CHECK: thread-exit.cpp:{{[0-9]+}} (main) std::thread 6 {{.*}}node 1: 2, node 2: 2
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

static long Totals[6];
static std::mutex TotalsLock;

struct Accumulator {
  int Slot = -1;
  long Sum = 0;
  ~Accumulator() { // runs after the thread's function returned
    std::lock_guard<std::mutex> G(TotalsLock);
    if (Slot >= 0)
      Totals[Slot] = Sum;
  }
};
static thread_local Accumulator Mine;

int main() {
  std::vector<std::thread> T;
  for (int I = 0; I < 6; ++I)
    T.emplace_back([I] {
      Mine.Slot = I;
      for (int K = 1; K <= 1000; ++K)
        Mine.Sum += K * (I + 1);
    });
  for (auto &Th : T)
    Th.join();
  for (int I = 0; I < 6; ++I)
    std::printf("thread %d flushed %ld at exit\n", I, Totals[I]);
  return 0;
}
