//===- topology/Topology.h - Cores and NUMA nodes the process may use -----===//
//
// The machine as placement sees it: the cores within the process's allowed
// cpuset (hwloc's allowed set intersected with its main thread's affinity),
// each with its PUs and NUMA node. A Topology built by hand (tests) has the
// same shape but cannot bind threads.
//===----------------------------------------------------------------------===//
#ifndef GRID_TOPOLOGY_TOPOLOGY_H
#define GRID_TOPOLOGY_TOPOLOGY_H

#include <memory>
#include <optional>
#include <sched.h>
#include <string>
#include <vector>

namespace grid::topology {

struct Core {
  unsigned Index = 0;        // position in Topology::cores(): "core N"
  unsigned Numa = 0;         // index of its NUMA node, 0..numaNodes()-1
  std::vector<unsigned> Pus; // OS indexes of its allowed PUs (non-empty)
};

class Topology {
public:
  /// A topology described by hand; Cores[i].Index must be i and every Numa
  /// below NumaNodes.
  Topology(std::vector<Core> Cores, unsigned NumaNodes);
  /// This machine through hwloc, restricted to the allowed cpuset. Throws
  /// std::runtime_error if hwloc fails or no core is allowed.
  static std::unique_ptr<Topology> fromMachine();
  /// fromMachine() read once per process and kept until exit (hwloc takes
  /// milliseconds), for everything in the runtime that places or pins
  /// threads. Safe in a fork child whatever the parent's threads were
  /// doing (a fork waits for a reading under way). Throws as fromMachine()
  /// does; a failure is not kept, so the next call reads again.
  static const Topology &thisMachine();
  /// Whether the calling thread is in fromMachine(), where hwloc counts
  /// the processors with sysconf: api's sysconf then answers this
  /// machine's count, not the job's (api/RemoteIo.h, programProcessors).
  static bool readingThisMachine();
  ~Topology();
  Topology(const Topology &) = delete;
  Topology &operator=(const Topology &) = delete;

  const std::vector<Core> &cores() const { return Cores; }
  unsigned numaNodes() const { return NumaNodes; }
  /// The indexes of the cores of one NUMA node, ascending.
  std::vector<unsigned> coresOfNuma(unsigned Numa) const;
  /// The core holding PU Pu (an OS index), if it is allowed.
  std::optional<unsigned> coreOfPu(unsigned Pu) const;
  /// The core the calling thread runs on now, if it is an allowed one.
  std::optional<unsigned> coreOfCallingThread() const;
  /// The NUMA node of the calling thread (that of core 0 if unknown).
  unsigned numaOfCallingThread() const;
  /// Binds the calling thread to the PUs of a core (hwloc_set_cpubind,
  /// HWLOC_CPUBIND_THREAD). False, with errno set, if that fails or this
  /// topology was built by hand.
  bool bindCallingThread(unsigned CoreIndex) const;
  /// The PUs of a core as a CPU set (empty for an unknown core), for
  /// pthread_attr_setaffinity_np.
  cpu_set_t cpuSetOf(unsigned CoreIndex) const;
  /// "2 cores (PUs 0 | 1) on 1 NUMA node" for the debug log.
  std::string summary() const;

private:
  std::vector<Core> Cores;
  unsigned NumaNodes;
  std::vector<int> CoreByPu; // OS PU index -> core index, or -1
  struct Hwloc;
  std::unique_ptr<Hwloc> Machine; // null for a topology built by hand
};

} // namespace grid::topology

#endif // GRID_TOPOLOGY_TOPOLOGY_H
