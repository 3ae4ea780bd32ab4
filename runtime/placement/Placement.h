//===- placement/Placement.h - Tolerance + strategy + load -> a place -----===//
//
// PlacementPolicy::choose decides which core a new thread runs on, within
// what its latency tolerance permits (DESIGN.md §2):
//   local (0)    a core of the creator's NUMA node
//   machine (1)  any allowed core of the machine
//   near/any (2, 3) as machine: local mode has no cluster yet
// and, among those, by strategy:
//   balance  the least loaded (live Grid threads), preferring the creator's
//            NUMA node, then the lowest index
//   spread   round-robin over the permitted cores
//   pack     the first permitted core with a free PU (load < its PUs),
//            else the least loaded
// It only decides; it neither counts nor binds.
//===----------------------------------------------------------------------===//
#ifndef GRID_PLACEMENT_PLACEMENT_H
#define GRID_PLACEMENT_PLACEMENT_H

#include "core/Settings.h"
#include "topology/Topology.h"

#include <atomic>
#include <optional>
#include <span>
#include <string>

namespace grid::placement {

/// Where the creating thread runs. OnCore is the core of a creator that Grid
/// did not start (main, or a library's thread): balance breaks ties away from
/// it, so that a new thread starts beside its creator rather than queued
/// behind it. It is not counted as load: such a creator usually goes on to
/// wait (join) while its threads work.
struct Creator {
  unsigned Numa = 0;
  std::optional<unsigned> OnCore;
};

/// A choice and what it was based on; why() puts it in words only when
/// GRID_LOG asks, so the creation path builds no strings.
struct Decision {
  enum class Rule { Balance, Spread, PackFree, PackFull };
  unsigned Core = 0;
  Tolerance Requested = Tolerance::Local;
  /// The tolerance actually applied (near and any become machine locally).
  Tolerance Applied = Tolerance::Local;
  Rule By = Rule::Balance;
  unsigned Load = 0;      // live Grid threads on Core when chosen
  unsigned Pus = 0;       // PUs of Core
  unsigned Numa = 0;      // the creator's NUMA node
  unsigned Permitted = 0; // how many cores the tolerance permitted
  unsigned Turn = 0;      // spread: the round-robin turn
  bool NodeFull = false;  // local: the node had no room, machine used

  /// Why this core, in words, for GRID_LOG ("balance: least loaded ...").
  std::string why() const;
};

class PlacementPolicy {
public:
  explicit PlacementPolicy(const topology::Topology &Topo) : Topo(Topo) {}

  /// LivePerCore[i] is the number of live Grid threads on core i.
  Decision choose(Tolerance Tol, Strategy Strat, const Creator &From,
                  std::span<const unsigned> LivePerCore);

private:
  const topology::Topology &Topo;
  std::atomic<unsigned> SpreadNext{0};
};

} // namespace grid::placement

#endif // GRID_PLACEMENT_PLACEMENT_H
