// std::promise, std::future, std::shared_future, std::packaged_task and
// std::async between threads on different nodes. Their waits and wakes are
// libstdc++.so's (std::__atomic_futex_unsigned_base), which the plugin cannot
// rewrite; libgridrt.so defines them (api/SyncEntryPoints.cpp). Before, a
// promise a thread on another node set woke no one at home, and main waited
// in future::get() for ever.
//
// With spread over three ranks, threads go home, node 1, node 2 in turn.
//  1. Each of three threads sets its promise 100 ms after it starts, while
//     main waits in get() (a wait at home, woken from other nodes).
//  2. Three threads wait for one shared_future: first wait_for and
//     wait_until of the system clock, which must time out (waits with a
//     timeout, steady and realtime), then get(), which main's set_value
//     ends 100 ms after all have timed out (waits on other nodes, woken from
//     home).
//  3. Three threads each run a packaged_task; the odd ones throw, and main
//     gets the exception through the future.
//  4. std::async with launch::async, three tasks.
// The output equals the plain run's.
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK-DAG: (main) std::thread 3 {{.*}}node 1: 1, node 2: 1
// CHECK-DAG: (main) std::thread 3 {{.*}}node 1: 1, node 2: 1
// CHECK-DAG: (main) std::thread 3 {{.*}}node 1: 1, node 2: 1
// CHECK-DAG: (main) std::thread 3 {{.*}}node 1: 1, node 2: 1
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

const char *name(std::future_status S) {
  switch (S) {
  case std::future_status::ready:
    return "ready";
  case std::future_status::timeout:
    return "timeout";
  case std::future_status::deferred:
    return "deferred";
  }
  return "?";
}

} // namespace

int main() {
  // 1. Promises set on every node, waited for at home.
  {
    std::vector<std::promise<int>> Promises(3);
    std::vector<std::thread> Threads;
    for (int I = 0; I < 3; ++I)
      Threads.push_back(std::thread([&Promises, I] {
        std::this_thread::sleep_for(100ms);
        Promises[I].set_value(10 * I + 1);
      }));
    for (int I = 0; I < 3; ++I)
      std::printf("1: promise %d gave %d\n", I, Promises[I].get_future().get());
    for (std::thread &T : Threads)
      T.join();
  }

  // 2. One shared_future waited for on every node, set at home.
  {
    std::promise<int> Promise;
    std::shared_future<int> Shared = Promise.get_future().share();
    std::atomic<int> TimedOut{0};
    std::vector<std::string> Seen(3);
    std::vector<std::thread> Threads;
    for (int I = 0; I < 3; ++I)
      Threads.push_back(std::thread([&, I] {
        std::future_status Steady = Shared.wait_for(20ms);
        std::future_status Real =
            Shared.wait_until(std::chrono::system_clock::now() + 20ms);
        TimedOut.fetch_add(1);
        int Value = Shared.get();
        Seen[I] = std::string(name(Steady)) + ", " + name(Real) + ", then " +
                  std::to_string(Value + I);
      }));
    while (TimedOut.load() < 3)
      std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(100ms);
    Promise.set_value(700);
    for (std::thread &T : Threads)
      T.join();
    for (int I = 0; I < 3; ++I)
      std::printf("2: waiter %d saw %s; ready now: %s\n", I, Seen[I].c_str(),
                  name(Shared.wait_for(0s)));
  }

  // 3. Packaged tasks run on every node; the odd ones throw.
  {
    std::vector<std::future<int>> Results;
    std::vector<std::thread> Threads;
    for (int I = 0; I < 3; ++I) {
      std::packaged_task<int(int)> Task([](int N) {
        std::this_thread::sleep_for(50ms);
        if (N % 2)
          throw std::runtime_error("task " + std::to_string(N) + " failed");
        return N * N;
      });
      Results.push_back(Task.get_future());
      Threads.push_back(std::thread(std::move(Task), I + 2));
    }
    for (int I = 0; I < 3; ++I) {
      try {
        std::printf("3: task %d gave %d\n", I, Results[I].get());
      } catch (const std::runtime_error &E) {
        std::printf("3: task %d threw '%s'\n", I, E.what());
      }
    }
    for (std::thread &T : Threads)
      T.join();
  }

  // 4. std::async.
  {
    std::vector<std::future<long>> Sums;
    for (long I = 1; I <= 3; ++I)
      Sums.push_back(std::async(std::launch::async, [I] {
        long Sum = 0;
        for (long K = 1; K <= 1000 * I; ++K)
          Sum += K;
        return Sum;
      }));
    for (std::future<long> &F : Sums)
      std::printf("4: async gave %ld\n", F.get());
  }
  return 0;
}
