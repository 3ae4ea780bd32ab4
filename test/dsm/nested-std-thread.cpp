// std::thread made, joined and detached by threads on other nodes.
// libstdc++'s std::thread::join and detach call pthread_join and
// pthread_detach inside libstdc++.so, with home's pthread_t of the inner
// thread (api/JoinDetach.cpp now carries them home, as the program's own
// calls are): until 2026-11-28 the node's C library joined that handle,
// and the agent crashed (dsm/nested.c covers pthread_create's kind).
//
// Three outer threads (home, node 1, node 2) each start an inner thread
// that writes a value the outer one reads after joining it, and a detached
// one that counts itself done; main waits for the detached ones.
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g -O1 %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK:      outer 0: inner wrote 1, joinable after join no
// CHECK-NEXT: outer 1: inner wrote 11, joinable after join no
// CHECK-NEXT: outer 2: inner wrote 21, joinable after join no
// CHECK-NEXT: detached threads done 3
// STATS: nested-std-thread.cpp:{{[0-9]+}} (main) std::thread 3 {{.*}}node 1: 1, node 2: 1
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

int main() {
  int Wrote[3] = {};
  bool Joinable[3] = {};
  std::atomic<int> Detached{0};
  std::atomic<bool> Go{false};
  std::vector<std::thread> Outer;
  // The outer threads are made before any inner one, so that spread puts
  // them on home, node 1 and node 2 in turn.
  for (int T = 0; T < 3; ++T)
    Outer.emplace_back([T, &Wrote, &Joinable, &Detached, &Go] {
      while (!Go.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::thread Inner([T, &Wrote] { Wrote[T] = T * 10 + 1; });
      Inner.join();
      Joinable[T] = Inner.joinable();
      std::thread([&Detached] { Detached.fetch_add(1); }).detach();
    });
  Go.store(true);
  for (std::thread &T : Outer)
    T.join();
  while (Detached.load() != 3)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int T = 0; T < 3; ++T)
    std::printf("outer %d: inner wrote %d, joinable after join %s\n", T,
                Wrote[T], Joinable[T] ? "yes" : "no");
  std::printf("detached threads done %d\n", Detached.load());
}
