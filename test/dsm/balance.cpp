// Where a pool of as many threads as the job's cores goes under mpirun -np
// 3 with thread tolerance any, by each strategy (threads::chooseNode):
// balance (the default) fills home's cores and then the agents', pack fills
// home, then node 1, then node 2, spread takes turns; each rank runs as
// many as it has cores. (std::thread::hardware_concurrency() counts the
// job's cores too, dsm/processors.cpp, but from the machine's online CPUs,
// which differ from the ones the process may use under taskset.)
// Until 2026-11-28 balance and pack counted home as idle and kept every
// thread home.
//
// Each thread reads its process's own id with a raw system call (getpid()
// answers home's on every node) and waits at a barrier until the pool is
// complete, so that all are live while the pool is made.
//
// RUN: %grid-clangxx -std=c++20 -fgrid -g %s -o %t.fgrid
// RUN: %mpirun3t -x GRID_PLACEMENT=balance %t.fgrid | FileCheck %s
// RUN: %mpirun3t -x GRID_PLACEMENT=pack %t.fgrid | FileCheck %s
// RUN: %mpirun3t %t.fgrid | FileCheck %s
// CHECK: cores here [[#CORES:]]
// CHECK-SAME: pool [[#mul(CORES,3)]]: home [[#CORES]], other processes [[#CORES]] [[#CORES]]{{$}}
#include <algorithm>
#include <barrier>
#include <cstdio>
#include <map>
#include <sched.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

int main() {
  cpu_set_t Set;
  sched_getaffinity(0, sizeof Set, &Set);
  // As many threads as the job's cores: the three ranks share this
  // machine, and each offers the CPUs it may run on (--bind-to none).
  unsigned Pool = 3 * static_cast<unsigned>(CPU_COUNT(&Set));
  std::vector<long> Pids(Pool);
  std::barrier Complete(static_cast<std::ptrdiff_t>(Pool));
  std::vector<std::thread> Threads;
  for (unsigned I = 0; I < Pool; ++I)
    Threads.emplace_back([&, I] {
      Pids[I] = syscall(SYS_getpid);
      Complete.arrive_and_wait();
    });
  for (std::thread &T : Threads)
    T.join();
  std::map<long, unsigned> PerProcess;
  for (long Pid : Pids)
    ++PerProcess[Pid];
  unsigned Home = PerProcess[getpid()];
  PerProcess.erase(getpid());
  std::printf("cores here %d, pool %u: home %u, other processes",
              CPU_COUNT(&Set), Pool, Home);
  for (auto [Pid, Count] : PerProcess)
    std::printf(" %u", Count);
  std::printf("\n");
}
