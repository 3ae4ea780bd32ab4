//===- placement/NodePolicy.cpp - Which node runs a new process -----------===//

#include "placement/NodePolicy.h"

#include <vector>

namespace grid::placement {

namespace {
double perCore(const NodeView &N) {
  return static_cast<double>(N.Load) / (N.Cores ? N.Cores : 1);
}
bool hasFreeCore(const NodeView &N) { return N.Load < N.Cores; }
} // namespace

NodeDecision NodePolicy::choose(Tolerance Tol, Strategy Strat,
                                std::span<const NodeView> Nodes) {
  std::vector<unsigned> Permitted{0};
  for (unsigned I = 1; I < Nodes.size(); ++I) {
    const NodeView &N = Nodes[I];
    if (!N.Usable)
      continue;
    if (Tol == Tolerance::Any || (Tol == Tolerance::Near && N.Near))
      Permitted.push_back(I);
  }
  NodeDecision D;
  D.Permitted = static_cast<unsigned>(Permitted.size());
  if (Permitted.size() == 1) {
    D.Why =
        Tol <= Tolerance::Machine ? std::string("tolerance ") + toString(Tol) +
                                        " keeps processes on this machine"
        : Tol == Tolerance::Near ? "no other usable node is in the near class"
                                 : "no other node is usable";
    return D;
  }
  auto Lightest = [&] {
    unsigned Best = Permitted[0];
    for (unsigned I : Permitted)
      if (perCore(Nodes[I]) < perCore(Nodes[Best]))
        Best = I;
    return Best;
  };
  switch (Strat) {
  case Strategy::Spread: {
    unsigned Turn = SpreadNext.fetch_add(1, std::memory_order_relaxed);
    D.Node = Permitted[Turn % Permitted.size()];
    D.Why = "spread: round-robin turn " + std::to_string(Turn) + " over " +
            std::to_string(Permitted.size()) + " permitted nodes";
    return D;
  }
  case Strategy::Pack:
    for (unsigned I : Permitted)
      if (hasFreeCore(Nodes[I])) {
        D.Node = I;
        D.Why = "pack: the first permitted node with a free core";
        return D;
      }
    D.Node = Lightest();
    D.Why = "pack: every permitted node is full; the least loaded";
    return D;
  case Strategy::Balance:
    if (hasFreeCore(Nodes[0])) {
      D.Why = "balance: home has a free core (load " +
              std::to_string(Nodes[0].Load) + " of " +
              std::to_string(Nodes[0].Cores) + ")";
      return D;
    }
    D.Node = Lightest();
    D.Why = D.Node == 0 ? "balance: home is busy, but no permitted node is "
                          "less loaded"
                        : "balance: home is busy (load " +
                              std::to_string(Nodes[0].Load) + " of " +
                              std::to_string(Nodes[0].Cores) +
                              "); the least loaded permitted node";
    return D;
  }
  return D;
}

} // namespace grid::placement
