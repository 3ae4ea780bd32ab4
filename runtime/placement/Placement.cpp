//===- placement/Placement.cpp - The local placement policy ---------------===//
//
// See Placement.h for the rules. Ties always break towards the creator's NUMA
// node, then away from the core an uncounted creator runs on, then towards
// the lowest core index, so decisions are reproducible.
//===----------------------------------------------------------------------===//

#include "placement/Placement.h"

#include <optional>

namespace grid::placement {

namespace {
std::string coreText(unsigned Core, unsigned Load) {
  return "core " + std::to_string(Core) + " (" + std::to_string(Load) +
         (Load == 1 ? " live Grid thread)" : " live Grid threads)");
}
} // namespace

std::string Decision::why() const {
  std::string Text;
  if (Requested != Applied && !NodeFull)
    Text = std::string("tolerance ") + toString(Requested) +
           " permits other nodes, but local mode has no cluster: placed as "
           "machine; ";
  if (NodeFull)
    Text += "the creator's NUMA node " + std::to_string(Numa) +
            " has no free PU: placed as machine; ";
  std::string Scope = Applied == Tolerance::Local
                          ? "the creator's NUMA node " + std::to_string(Numa)
                          : std::string("the machine");
  switch (By) {
  case Rule::Balance:
    Text += (Load == 0 ? "balance: free " : "balance: least loaded ") +
            coreText(Core, Load) + " of " + Scope;
    break;
  case Rule::Spread:
    Text += "spread: round-robin turn " + std::to_string(Turn) + " over the " +
            std::to_string(Permitted) + " cores of " + Scope + " -> " +
            coreText(Core, Load);
    break;
  case Rule::PackFree:
    Text += "pack: first core of " + Scope + " with a free PU, " +
            coreText(Core, Load) + " of " + std::to_string(Pus) + " PUs";
    break;
  case Rule::PackFull:
    Text += "pack: every core of " + Scope + " is full; least loaded " +
            coreText(Core, Load);
    break;
  }
  return Text;
}

Decision PlacementPolicy::choose(Tolerance Tol, Strategy Strat,
                                 const Creator &From,
                                 std::span<const unsigned> LivePerCore) {
  const auto &Cores = Topo.cores();
  auto LoadOf = [&](unsigned C) {
    return C < LivePerCore.size() ? LivePerCore[C] : 0u;
  };

  Decision D;
  D.Requested = Tol;
  if (Tol == Tolerance::Near || Tol == Tolerance::Any)
    Tol = Tolerance::Machine;
  D.Applied = Tol;
  unsigned Numa = From.Numa < Topo.numaNodes() ? From.Numa : 0;
  D.Numa = Numa;

  // The permitted cores: those of the creator's node, or all of them.
  auto IsPermitted = [&](unsigned C) {
    return Tol != Tolerance::Local || Cores[C].Numa == Numa;
  };
  unsigned Permitted = 0;
  for (const topology::Core &C : Cores)
    Permitted += IsPermitted(C.Index);
  if (Permitted == 0) { // a node without allowed cores: the whole machine
    D.Applied = Tol = Tolerance::Machine;
    Permitted = static_cast<unsigned>(Cores.size());
  }
  // Tolerance 0 means the creator's node *if it has room* (DESIGN.md §2): a
  // core with a PU no Grid thread runs on. When the node has none and the
  // machine has, the thread goes to the machine as at tolerance 1.
  if (Tol == Tolerance::Local) {
    bool NodeHasRoom = false, MachineHasRoom = false;
    for (const topology::Core &C : Cores) {
      bool Room = LoadOf(C.Index) < C.Pus.size();
      MachineHasRoom |= Room;
      NodeHasRoom |= Room && IsPermitted(C.Index);
    }
    if (!NodeHasRoom && MachineHasRoom) {
      D.NodeFull = true;
      D.Applied = Tol = Tolerance::Machine;
      Permitted = static_cast<unsigned>(Cores.size());
    }
  }
  D.Permitted = Permitted;

  auto Better = [&](unsigned A, unsigned B) {
    // True if core A is a better balance choice than core B.
    if (LoadOf(A) != LoadOf(B))
      return LoadOf(A) < LoadOf(B);
    bool ALocal = Cores[A].Numa == Numa, BLocal = Cores[B].Numa == Numa;
    if (ALocal != BLocal)
      return ALocal;
    bool ACreator = From.OnCore == A, BCreator = From.OnCore == B;
    if (ACreator != BCreator)
      return BCreator;
    return A < B;
  };
  auto LeastLoaded = [&] {
    std::optional<unsigned> Best;
    for (const topology::Core &C : Cores)
      if (IsPermitted(C.Index) && (!Best || Better(C.Index, *Best)))
        Best = C.Index;
    return *Best;
  };

  switch (Strat) {
  case Strategy::Balance:
    D.By = Decision::Rule::Balance;
    D.Core = LeastLoaded();
    break;
  case Strategy::Spread: {
    D.By = Decision::Rule::Spread;
    D.Turn = SpreadNext.fetch_add(1, std::memory_order_relaxed);
    unsigned Nth = D.Turn % Permitted;
    for (const topology::Core &C : Cores)
      if (IsPermitted(C.Index) && Nth-- == 0) {
        D.Core = C.Index;
        break;
      }
    break;
  }
  case Strategy::Pack: {
    D.By = Decision::Rule::PackFull;
    for (const topology::Core &C : Cores)
      if (IsPermitted(C.Index) && LoadOf(C.Index) < C.Pus.size()) {
        D.By = Decision::Rule::PackFree;
        D.Core = C.Index;
        break;
      }
    if (D.By == Decision::Rule::PackFull)
      D.Core = LeastLoaded();
    break;
  }
  }
  D.Load = LoadOf(D.Core);
  D.Pus = static_cast<unsigned>(Cores[D.Core].Pus.size());
  return D;
}

} // namespace grid::placement
