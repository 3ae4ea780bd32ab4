//===- placement/Placement.cpp - The local placement policy ---------------===//
//
// See Placement.h for the rules. Ties always break towards the creator's NUMA
// node, then the lowest core index, so decisions are reproducible.
//===----------------------------------------------------------------------===//

#include "placement/Placement.h"

#include <vector>

namespace grid::placement {

namespace {
std::string coreText(unsigned Core, unsigned Load) {
  return "core " + std::to_string(Core) + " (" + std::to_string(Load) +
         (Load == 1 ? " live Grid thread)" : " live Grid threads)");
}
} // namespace

Decision PlacementPolicy::choose(Tolerance Tol, Strategy Strat,
                                 const Creator &From,
                                 std::span<const unsigned> LivePerCore) {
  const auto &Cores = Topo.cores();
  auto LoadOf = [&](unsigned C) {
    return C < LivePerCore.size() ? LivePerCore[C] : 0u;
  };

  Decision D;
  std::string Prefix;
  if (Tol == Tolerance::Near || Tol == Tolerance::Any) {
    Prefix = std::string("tolerance ") + toString(Tol) +
             " permits other nodes, but local mode has no cluster: placed "
             "as machine; ";
    Tol = Tolerance::Machine;
  }
  D.Applied = Tol;

  unsigned Numa = From.Numa < Topo.numaNodes() ? From.Numa : 0;
  std::vector<unsigned> Permitted;
  std::string Scope;
  if (Tol == Tolerance::Local) {
    Permitted = Topo.coresOfNuma(Numa);
    Scope = "the creator's NUMA node " + std::to_string(Numa);
  }
  if (Permitted.empty()) {
    for (const topology::Core &C : Cores)
      Permitted.push_back(C.Index);
    Scope = "the machine";
  }

  auto Better = [&](unsigned A, unsigned B) {
    // True if core A is a better balance choice than core B.
    if (LoadOf(A) != LoadOf(B))
      return LoadOf(A) < LoadOf(B);
    bool ALocal = Cores[A].Numa == Numa, BLocal = Cores[B].Numa == Numa;
    if (ALocal != BLocal)
      return ALocal;
    return A < B;
  };
  auto LeastLoaded = [&] {
    unsigned Best = Permitted.front();
    for (unsigned C : Permitted)
      if (Better(C, Best))
        Best = C;
    return Best;
  };

  switch (Strat) {
  case Strategy::Balance: {
    D.Core = LeastLoaded();
    D.Why =
        (LoadOf(D.Core) == 0 ? "balance: free " : "balance: least loaded ") +
        coreText(D.Core, LoadOf(D.Core)) + " of " + Scope;
    break;
  }
  case Strategy::Spread: {
    unsigned Turn = SpreadNext.fetch_add(1, std::memory_order_relaxed);
    D.Core = Permitted[Turn % Permitted.size()];
    D.Why = "spread: round-robin turn " + std::to_string(Turn) + " over the " +
            std::to_string(Permitted.size()) + " cores of " + Scope + " -> " +
            coreText(D.Core, LoadOf(D.Core));
    break;
  }
  case Strategy::Pack: {
    bool Found = false;
    for (unsigned C : Permitted)
      if (LoadOf(C) < Cores[C].Pus.size()) {
        D.Core = C;
        Found = true;
        break;
      }
    if (Found) {
      D.Why = "pack: first core of " + Scope + " with a free PU, " +
              coreText(D.Core, LoadOf(D.Core)) + " of " +
              std::to_string(Cores[D.Core].Pus.size()) + " PUs";
    } else {
      D.Core = LeastLoaded();
      D.Why = "pack: every core of " + Scope + " is full; least loaded " +
              coreText(D.Core, LoadOf(D.Core));
    }
    break;
  }
  }
  D.Why = Prefix + D.Why;
  return D;
}

} // namespace grid::placement
