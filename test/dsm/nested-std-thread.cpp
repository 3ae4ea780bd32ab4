// std::thread made, joined and detached by threads on other nodes.
// libstdc++'s std::thread::join and detach call pthread_join and
// pthread_detach inside libstdc++.so, with home's pthread_t of the inner
// thread (api/JoinDetach.cpp now carries them home, as the program's own
// calls are): until 2026-11-28 the node's C library joined that handle,
// and the agent crashed (dsm/nested.c covers pthread_create's kind).
//
// Three outer threads (home, node 1, node 2) each start an inner thread
// that writes a value the outer one reads after joining it, and then 150
// detached ones, one after another, that count themselves done; main
// waits for them. A third run at home, more than home's part for thread
// stacks holds at once: a detach not carried out at home never gives a
// stack back, and home warns that the part is full.
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g -O1 %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// RUN: not grep -i "stacks is full" %t.three.err
// CHECK:      outer 0: inner wrote 1, joinable after join no
// CHECK-NEXT: outer 1: inner wrote 11, joinable after join no
// CHECK-NEXT: outer 2: inner wrote 21, joinable after join no
// CHECK-NEXT: detached threads done 450
// STATS: nested-std-thread.cpp:{{[0-9]+}} (main) std::thread 3 {{.*}}node 1: 1, node 2: 1
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

constexpr int Rounds = 150;

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
      // Detached threads one after another, a third of them at home:
      // more than home's stack part holds at once (126 of 8 MiB), which
      // only detaches carried out at home give back.
      for (int I = 0; I < Rounds; ++I) {
        int Before = Detached.load();
        std::thread([&Detached] { Detached.fetch_add(1); }).detach();
        while (Detached.load() == Before)
          std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    });
  Go.store(true);
  for (std::thread &T : Outer)
    T.join();
  while (Detached.load() != 3 * Rounds)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int T = 0; T < 3; ++T)
    std::printf("outer %d: inner wrote %d, joinable after join %s\n", T,
                Wrote[T], Joinable[T] ? "yes" : "no");
  std::printf("detached threads done %d\n", Detached.load());
}
