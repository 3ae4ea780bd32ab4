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
// With "pinned", home's cores are busy first with as many threads pinned
// to its first CPU by their attributes (which stay home, where that
// affinity is); balance and pack then send the whole pool, the agents'
// cores' worth, to the agents. Until 2026-11-28 threads of their own
// affinity did not count as home's load, and balance kept half the pool
// home.
//
// RUN: %grid-clangxx -std=c++20 -fgrid -g %s -o %t.fgrid
// RUN: %mpirun3t -x GRID_PLACEMENT=balance %t.fgrid | FileCheck %s
// RUN: %mpirun3t -x GRID_PLACEMENT=pack %t.fgrid | FileCheck %s
// RUN: %mpirun3t %t.fgrid | FileCheck %s
// CHECK: cores here [[#CORES:]]
// CHECK-SAME: pool [[#mul(CORES,3)]]: home [[#CORES]], other processes [[#CORES]] [[#CORES]]{{$}}
//
// RUN: %mpirun3t -x GRID_PLACEMENT=balance %t.fgrid pinned | FileCheck %s --check-prefix=PIN
// RUN: %mpirun3t -x GRID_PLACEMENT=pack %t.fgrid pinned | FileCheck %s --check-prefix=PIN
// PIN: cores here [[#CORES:]]
// PIN-SAME: pinned home [[#CORES]]
// PIN-SAME: pool [[#mul(CORES,2)]]: home 0, other processes [[#CORES]] [[#CORES]]{{$}}
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdio>
#include <cstring>
#include <map>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {
std::atomic<bool> Released{false};

// A pinned thread: its process, then live until main releases it.
void *stayPinned(void *Pid) {
  static_cast<std::atomic<long> *>(Pid)->store(syscall(SYS_getpid));
  while (!Released.load())
    usleep(1000);
  return nullptr;
}
} // namespace

int main(int Argc, char **Argv) {
  cpu_set_t Set;
  sched_getaffinity(0, sizeof Set, &Set);
  unsigned Cores = static_cast<unsigned>(CPU_COUNT(&Set));
  bool Pin = Argc > 1 && std::strcmp(Argv[1], "pinned") == 0;
  std::vector<pthread_t> PinnedThreads(Pin ? Cores : 0);
  std::vector<std::atomic<long>> PinnedPids(PinnedThreads.size());
  if (Pin) {
    cpu_set_t First;
    CPU_ZERO(&First);
    for (int Cpu = 0; Cpu < CPU_SETSIZE; ++Cpu)
      if (CPU_ISSET(Cpu, &Set)) {
        CPU_SET(Cpu, &First);
        break;
      }
    pthread_attr_t Attr;
    pthread_attr_init(&Attr);
    pthread_attr_setaffinity_np(&Attr, sizeof First, &First);
    for (unsigned I = 0; I < Cores; ++I)
      if (pthread_create(&PinnedThreads[I], &Attr, stayPinned,
                         &PinnedPids[I]) != 0)
        return 1;
    pthread_attr_destroy(&Attr);
    // Started: each has read its process.
    for (std::atomic<long> &Pid : PinnedPids)
      while (Pid.load() == 0)
        usleep(1000);
  }
  // As many threads as the job's cores (but those pinned): the three
  // ranks share this machine, and each offers the CPUs it may run on
  // (--bind-to none).
  unsigned Pool = (Pin ? 2 : 3) * Cores;
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
  std::printf("cores here %u, ", Cores);
  if (Pin) {
    Released.store(true);
    unsigned PinnedHome = 0;
    for (unsigned I = 0; I < Cores; ++I) {
      pthread_join(PinnedThreads[I], nullptr);
      PinnedHome += PinnedPids[I] == getpid();
    }
    std::printf("pinned home %u, ", PinnedHome);
  }
  std::printf("pool %u: home %u, other processes", Pool, Home);
  for (auto [Pid, Count] : PerProcess)
    std::printf(" %u", Count);
  std::printf("\n");
}
