//===- placement/NodePolicy.h - Which node runs a new process ---*- C++ -*-===//
//
// The cluster half of placement (DESIGN.md §2, docs/design/cluster.md §4):
// given each node's cores, load and latency class, which node may and
// should run a new child process. Node 0 is home. Tolerance permits:
//   local, machine  home only
//   near            home and the nodes whose round trip is in the near class
//   any             every node
// and, among the permitted nodes, the strategy chooses:
//   balance  home while it has a free core; else the permitted node with the
//            lowest load per core, if lower than home's
//   spread   round robin over the permitted nodes, home included
//   pack     the first permitted node (home first) with a free core, else
//            the lowest load per core
// Like PlacementPolicy it only decides.
//===----------------------------------------------------------------------===//
#ifndef GRID_PLACEMENT_NODEPOLICY_H
#define GRID_PLACEMENT_NODEPOLICY_H

#include "core/Settings.h"

#include <atomic>
#include <span>
#include <string>

namespace grid::placement {

struct NodeView {
  unsigned Cores = 1;
  unsigned Load = 0; // processes (or runnable tasks, at home) now
  bool Near = true;
  bool Usable = true; // false once a node is lost
};

struct NodeDecision {
  unsigned Node = 0;
  unsigned Permitted = 0; // how many nodes the tolerance permitted
  /// Why this node, in words, for GRID_LOG.
  std::string Why;
};

class NodePolicy {
public:
  NodeDecision choose(Tolerance Tol, Strategy Strat,
                      std::span<const NodeView> Nodes);

private:
  std::atomic<unsigned> SpreadNext{0};
};

} // namespace grid::placement

#endif // GRID_PLACEMENT_NODEPOLICY_H
