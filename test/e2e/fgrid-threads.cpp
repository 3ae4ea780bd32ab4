// A C++ program built with grid-clang++ -fgrid: pthreads, std::thread,
// std::jthread and std::async go through libgridrt, print what the plain
// build prints, and are counted per source line.
//
//
// RUN: %clangxx -std=c++20 -O1 -pthread %s -o %t.plain
// RUN: %grid-clangxx -fgrid -std=c++20 -O1 -g -pthread %s -o %t.grid
// RUN: %t.plain > %t.plain.out
// RUN: env GRID_STATS=1 %t.grid > %t.grid.out 2> %t.grid.err
// RUN: diff %t.plain.out %t.grid.out
// RUN: FileCheck %s < %t.grid.out
// RUN: FileCheck --check-prefix=STATS %s < %t.grid.err
// RUN: env GRID_LOG=info %t.grid 2>&1 >/dev/null | FileCheck --check-prefix=LOG %s

#include <cerrno>
#include <cstdio>
#include <future>
#include <pthread.h>
#include <thread>

static thread_local int Local = 1;

static void *square(void *Arg) {
  long V = reinterpret_cast<long>(Arg);
  return reinterpret_cast<void *>(V * V);
}

int main() {
  pthread_t T;
  errno = 33;
  int Rc = pthread_create(&T, nullptr, square, reinterpret_cast<void *>(7L));
  void *R = nullptr;
  pthread_join(T, &R);
  std::printf("pthread rc %d errno %d value %ld\n", Rc, errno,
              reinterpret_cast<long>(R));
  // CHECK: pthread rc 0 errno 33 value 49

  int FromThread = 0;
  std::thread Th([&] { FromThread = ++Local; });
  Th.join();
  std::printf("std::thread %d, main's thread_local %d\n", FromThread, Local);
  // CHECK: std::thread 2, main's thread_local 1

  int FromJthread = 0;
  {
    std::jthread J([&] { FromJthread = 5; });
  }
  std::printf("std::jthread %d\n", FromJthread);
  // CHECK: std::jthread 5

  auto F = std::async(std::launch::async, [] { return 6 * 7; });
  std::printf("std::async %d\n", F.get());
  // CHECK: std::async 42
  return 0;
}

// STATS: grid: statistics for pid {{[0-9]+}}: threads created 4
// STATS: {{.*}}fgrid-threads.cpp:31 (main){{ +}}pthread_create{{ +}}1{{ +}}core
// STATS: {{.*}}fgrid-threads.cpp:39 (main){{ +}}std::thread{{ +}}1{{ +}}core
// STATS: {{.*}}fgrid-threads.cpp:46 (main){{ +}}std::thread{{ +}}1{{ +}}core
// STATS: {{.*}}fgrid-threads.cpp:51 (main){{ +}}std::thread{{ +}}1{{ +}}core
// LOG: grid: info: {{.*}}fgrid-threads.cpp:31 (main): pthread_create -> core
