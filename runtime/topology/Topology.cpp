//===- topology/Topology.cpp - The machine from hwloc ---------------------===//
//
// Loads hwloc's topology once and keeps only what placement needs. Cores
// come from hwloc's Core objects (PUs stand in when a machine reports none);
// a core's NUMA node is the one whose cpuset contains it.
//===----------------------------------------------------------------------===//

#include "topology/Topology.h"

#include <hwloc.h>

#include <atomic>
#include <cerrno>
#include <map>
#include <mutex>
#include <pthread.h>
#include <sched.h>
#include <stdexcept>
#include <unistd.h>

namespace grid::topology {

struct Topology::Hwloc {
  hwloc_topology_t Handle = nullptr;
  std::vector<hwloc_bitmap_t> CoreSets; // allowed PUs of each core
  ~Hwloc() {
    for (hwloc_bitmap_t Set : CoreSets)
      hwloc_bitmap_free(Set);
    if (Handle)
      hwloc_topology_destroy(Handle);
  }
};

Topology::Topology(std::vector<Core> TheCores, unsigned TheNumaNodes)
    : Cores(std::move(TheCores)), NumaNodes(TheNumaNodes) {
  for (const Core &C : Cores)
    for (unsigned Pu : C.Pus) {
      if (Pu >= CoreByPu.size())
        CoreByPu.resize(Pu + 1, -1);
      CoreByPu[Pu] = static_cast<int>(C.Index);
    }
}

Topology::~Topology() = default;

namespace {
// Held while hwloc reads the machine, and taken by a fork, which so waits
// for a reading under way: hwloc's own lock (its components') would stay
// held in the child, whose first reading would then wait for ever, and so
// would a guarded static around the reading. Nothing is called under it
// but hwloc and the C library.
constinit std::mutex LoadMutex;
constinit std::atomic<const Topology *> Loaded{nullptr}; // never freed

// A constructor, not an initialiser: libgridrt's own constructor never
// returns on an agent, and the initialisers of later files never run there.
__attribute__((constructor(101))) void registerLoadForFork() {
  ::pthread_atfork([] { LoadMutex.lock(); }, [] { LoadMutex.unlock(); },
                   [] { LoadMutex.unlock(); });
}
} // namespace

const Topology &Topology::thisMachine() {
  if (const Topology *T = Loaded.load(std::memory_order_acquire))
    return *T;
  std::lock_guard<std::mutex> Lock(LoadMutex);
  if (const Topology *T = Loaded.load(std::memory_order_acquire))
    return *T;
  const Topology *T = fromMachine().release();
  Loaded.store(T, std::memory_order_release);
  return *T;
}

namespace {
thread_local bool Reading = false;
} // namespace

bool Topology::readingThisMachine() { return Reading; }

std::unique_ptr<Topology> Topology::fromMachine() {
  auto Machine = std::make_unique<Hwloc>();
  Reading = true;
  bool Read = hwloc_topology_init(&Machine->Handle) == 0 &&
              hwloc_topology_load(Machine->Handle) == 0;
  Reading = false;
  if (!Read)
    throw std::runtime_error("hwloc could not read this machine's topology");
  hwloc_topology_t Topo = Machine->Handle;

  // The process's own affinity narrows hwloc's allowed set (which reflects
  // cgroups), so `taskset` and `mpirun --bind-to` are respected: its main
  // thread's (the thread whose id is the pid), not the calling thread's,
  // which Grid may have pinned to one core (a shadow's creator at home).
  hwloc_bitmap_t Allowed =
      hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(Topo));
  cpu_set_t Affinity;
  CPU_ZERO(&Affinity);
  if (sched_getaffinity(getpid(), sizeof(Affinity), &Affinity) == 0 ||
      sched_getaffinity(0, sizeof(Affinity), &Affinity) == 0) {
    hwloc_bitmap_t Mask = hwloc_bitmap_alloc();
    for (unsigned Cpu = 0; Cpu < CPU_SETSIZE; ++Cpu)
      if (CPU_ISSET(Cpu, &Affinity))
        hwloc_bitmap_set(Mask, Cpu);
    hwloc_bitmap_and(Allowed, Allowed, Mask);
    hwloc_bitmap_free(Mask);
  }

  hwloc_obj_type_t CoreType = hwloc_get_nbobjs_by_type(Topo, HWLOC_OBJ_CORE) > 0
                                  ? HWLOC_OBJ_CORE
                                  : HWLOC_OBJ_PU;
  int NumNuma = hwloc_get_nbobjs_by_type(Topo, HWLOC_OBJ_NUMANODE);
  std::map<unsigned, unsigned> NumaIndex; // hwloc logical -> ours
  std::vector<Core> Cores;
  int NumCores = hwloc_get_nbobjs_by_type(Topo, CoreType);
  for (int I = 0; I < NumCores; ++I) {
    hwloc_obj_t Obj = hwloc_get_obj_by_type(Topo, CoreType, I);
    hwloc_bitmap_t Set = hwloc_bitmap_dup(Obj->cpuset);
    hwloc_bitmap_and(Set, Set, Allowed);
    if (hwloc_bitmap_iszero(Set)) {
      hwloc_bitmap_free(Set);
      continue;
    }
    Core C;
    C.Index = static_cast<unsigned>(Cores.size());
    unsigned Pu;
    hwloc_bitmap_foreach_begin(Pu, Set) C.Pus.push_back(Pu);
    hwloc_bitmap_foreach_end();
    unsigned HwlocNuma = 0;
    for (int N = 0; N < NumNuma; ++N) {
      hwloc_obj_t Node = hwloc_get_obj_by_type(Topo, HWLOC_OBJ_NUMANODE, N);
      if (hwloc_bitmap_intersects(Node->cpuset, Set)) {
        HwlocNuma = Node->logical_index;
        break;
      }
    }
    auto [It, New] =
        NumaIndex.emplace(HwlocNuma, static_cast<unsigned>(NumaIndex.size()));
    (void)New;
    C.Numa = It->second;
    Cores.push_back(std::move(C));
    Machine->CoreSets.push_back(Set);
  }
  hwloc_bitmap_free(Allowed);
  if (Cores.empty())
    throw std::runtime_error("no core of this machine is in the process's "
                             "allowed cpuset");
  auto Result = std::make_unique<Topology>(
      std::move(Cores), static_cast<unsigned>(NumaIndex.size()));
  Result->Machine = std::move(Machine);
  return Result;
}

std::vector<unsigned> Topology::coresOfNuma(unsigned Numa) const {
  std::vector<unsigned> Result;
  for (const Core &C : Cores)
    if (C.Numa == Numa)
      Result.push_back(C.Index);
  return Result;
}

std::optional<unsigned> Topology::coreOfPu(unsigned Pu) const {
  if (Pu >= CoreByPu.size() || CoreByPu[Pu] < 0)
    return std::nullopt;
  return static_cast<unsigned>(CoreByPu[Pu]);
}

// sched_getcpu reads the vDSO; hwloc_get_last_cpu_location would parse
// /proc on every creation.
std::optional<unsigned> Topology::coreOfCallingThread() const {
  int Cpu = sched_getcpu();
  if (Cpu < 0)
    return std::nullopt;
  return coreOfPu(static_cast<unsigned>(Cpu));
}

unsigned Topology::numaOfCallingThread() const {
  std::optional<unsigned> C = coreOfCallingThread();
  return Cores[C ? *C : 0].Numa;
}

bool Topology::bindCallingThread(unsigned CoreIndex) const {
  if (!Machine || CoreIndex >= Machine->CoreSets.size()) {
    errno = EINVAL;
    return false;
  }
  return hwloc_set_cpubind(Machine->Handle, Machine->CoreSets[CoreIndex],
                           HWLOC_CPUBIND_THREAD) == 0;
}

cpu_set_t Topology::cpuSetOf(unsigned CoreIndex) const {
  cpu_set_t Set;
  CPU_ZERO(&Set);
  if (CoreIndex < Cores.size())
    for (unsigned Pu : Cores[CoreIndex].Pus)
      if (Pu < CPU_SETSIZE)
        CPU_SET(Pu, &Set);
  return Set;
}

std::string Topology::summary() const {
  std::string Text = std::to_string(Cores.size()) +
                     (Cores.size() == 1 ? " core" : " cores") + " (PUs ";
  for (const Core &C : Cores) {
    if (C.Index)
      Text += " | ";
    for (size_t I = 0; I < C.Pus.size(); ++I)
      Text += (I ? "," : "") + std::to_string(C.Pus[I]);
  }
  Text += ") on " + std::to_string(NumaNodes) +
          (NumaNodes == 1 ? " NUMA node" : " NUMA nodes");
  return Text;
}

} // namespace grid::topology
