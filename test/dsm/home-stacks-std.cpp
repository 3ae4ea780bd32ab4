// std::thread at home: a thread running at home gives threads on the agents
// references to a local array and to its thread_local (both on its stack,
// in the shared space); they read and write through them. Then hundreds of
// short-lived std::threads, joined (std::thread::join, inside libstdc++) or
// detached (std::thread::detach), run one after the other, more than the
// stack part of home's slice holds without reuse; a last home thread still
// gets a shared stack.
//
// RUN: %clangxx -std=c++20 %s -o %t.plain
// RUN: %grid-clangxx -fgrid -std=c++20 -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// The owners ran at home, their readers on nodes 1 and 2:
// CHECK-NOT: grid: warning
// CHECK-DAG: home-stacks-std.cpp:{{[0-9]+}} (main) std::thread 1 core {{[0-9]+}}: 1{{$}}
// CHECK-DAG: home-stacks-std.cpp:{{[0-9]+}} (main) std::thread 1 core {{[0-9]+}}: 1{{$}}
// CHECK-DAG: home-stacks-std.cpp:{{[0-9]+}} (owner) std::thread 4 node 1: 2, node 2: 2
// CHECK-DAG: home-stacks-std.cpp:{{[0-9]+}} (main) std::thread 450 core {{.*}}node 1: 150, node 2: 150
// CHECK-DAG: home-stacks-std.cpp:{{[0-9]+}} (main) std::thread 450 core {{.*}}node 1: 150, node 2: 150
// CHECK-NOT: grid: warning
#include <array>
#include <cstdio>
#include <semaphore>
#include <thread>

constexpr int Row = 2048; // four pages
// With the default stack size (RLIMIT_STACK, 8 MiB here), 150 home threads
// of each kind need more than home's 1 GiB of stacks.
constexpr int Rounds = 150;

static thread_local long Tally[3];

static void owner(int Which) {
  std::array<long, Row> Local;
  for (int J = 0; J < Row; ++J)
    Local[J] = Which * 10000 + J;
  Tally[0] = Which;
  long *Mine = Tally;
  long Sums[2] = {0, 0};
  std::thread Readers[2];
  for (int I = 0; I < 2; ++I) // nodes 1 and 2
    Readers[I] = std::thread([&Local, &Sums, Mine, I] {
      long Sum = 0;
      for (int J = I; J < Row; J += 2) {
        Sum += Local[J];
        Local[J] = -Local[J];
      }
      Sums[I] = Sum;
      Mine[I + 1] = 100 * (I + 1) + Mine[0]; // the owner's thread_local
    });
  for (std::thread &R : Readers)
    R.join();
  long After = 0;
  for (long V : Local)
    After += V;
  std::printf("owner %d: readers saw %ld and %ld, the array sums to %ld, "
              "its thread_local holds %ld %ld %ld\n",
              Which, Sums[0], Sums[1], After, Tally[0], Tally[1], Tally[2]);
}

int main() {
  std::thread(owner, 0).join();

  long Joined = 0;
  for (int I = 0; I < 3 * Rounds; ++I) {
    long R = 0;
    std::thread([&R, I] {
      volatile char Frame[8192];
      for (int K = 0; K < 8192; K += 512)
        Frame[K] = 1;
      R = I + Frame[512];
    }).join();
    Joined += R;
  }
  std::printf("joined: %ld\n", Joined);

  std::binary_semaphore Ended(0);
  long Detached = 0;
  for (int I = 0; I < 3 * Rounds; ++I) {
    std::thread([&Ended, &Detached, I] {
      Detached += I; // one at a time: main waits for each
      Ended.release();
    }).detach();
    Ended.acquire();
  }
  std::printf("detached: %ld\n", Detached);

  std::thread(owner, 1).join();
  return 0;
}
