//===- NodePolicyTest.cpp - Which node runs a new child process -----------===//
//
// Home (node 0) and three agents: what each tolerance permits (near/far,
// lost nodes) and what each strategy chooses among them.
//===----------------------------------------------------------------------===//

#include "placement/NodePolicy.h"

#include <gtest/gtest.h>

using namespace grid;
using grid::placement::NodePolicy;
using grid::placement::NodeView;

namespace {
// Home with 2 cores; node 1 near, node 2 far, node 3 near; 2 cores each.
std::vector<NodeView> fourNodes(std::vector<unsigned> Loads) {
  std::vector<NodeView> Nodes(4);
  for (unsigned I = 0; I < 4; ++I) {
    Nodes[I].Cores = 2;
    Nodes[I].Load = Loads[I];
  }
  Nodes[2].Near = false;
  return Nodes;
}

std::vector<unsigned> spreadTurns(Tolerance T, std::vector<NodeView> Nodes,
                                  unsigned Count) {
  NodePolicy Policy;
  std::vector<unsigned> Turns;
  for (unsigned I = 0; I < Count; ++I)
    Turns.push_back(Policy.choose(T, Strategy::Spread, Nodes).Node);
  return Turns;
}
} // namespace

TEST(NodePolicy, LocalAndMachineKeepEveryChildHome) {
  for (Tolerance T : {Tolerance::Local, Tolerance::Machine})
    for (Strategy S : {Strategy::Balance, Strategy::Spread, Strategy::Pack}) {
      NodePolicy Policy;
      placement::NodeDecision D = Policy.choose(T, S, fourNodes({9, 0, 0, 0}));
      EXPECT_EQ(D.Node, 0u);
      EXPECT_EQ(D.Permitted, 1u);
    }
}

TEST(NodePolicy, SpreadTakesTurnsOverThePermittedNodes) {
  EXPECT_EQ(spreadTurns(Tolerance::Any, fourNodes({0, 0, 0, 0}), 8),
            (std::vector<unsigned>{0, 1, 2, 3, 0, 1, 2, 3}));
  // near leaves out the far node 2.
  EXPECT_EQ(spreadTurns(Tolerance::Near, fourNodes({0, 0, 0, 0}), 6),
            (std::vector<unsigned>{0, 1, 3, 0, 1, 3}));
}

TEST(NodePolicy, LostAndUnknownNodesAreNeverChosen) {
  std::vector<NodeView> Nodes = fourNodes({0, 0, 0, 0});
  Nodes[1].Usable = false;
  Nodes[3].Usable = false;
  EXPECT_EQ(spreadTurns(Tolerance::Any, Nodes, 4),
            (std::vector<unsigned>{0, 2, 0, 2}));
  EXPECT_EQ(spreadTurns(Tolerance::Near, Nodes, 2),
            (std::vector<unsigned>{0, 0}));
}

TEST(NodePolicy, BalanceStaysHomeWhileHomeHasAFreeCore) {
  NodePolicy Policy;
  EXPECT_EQ(
      Policy.choose(Tolerance::Any, Strategy::Balance, fourNodes({1, 0, 0, 0}))
          .Node,
      0u);
}

TEST(NodePolicy, BalanceGoesToTheLeastLoadedPermittedNodeWhenHomeIsBusy) {
  NodePolicy Policy;
  EXPECT_EQ(
      Policy.choose(Tolerance::Any, Strategy::Balance, fourNodes({2, 1, 0, 1}))
          .Node,
      2u);
  // The far node is not permitted at near.
  EXPECT_EQ(
      Policy.choose(Tolerance::Near, Strategy::Balance, fourNodes({2, 1, 0, 1}))
          .Node,
      1u);
  // Nobody is less loaded than home: home.
  EXPECT_EQ(
      Policy.choose(Tolerance::Any, Strategy::Balance, fourNodes({2, 3, 4, 2}))
          .Node,
      0u);
}

TEST(NodePolicy, PackFillsTheFirstNodeWithAFreeCore) {
  NodePolicy Policy;
  EXPECT_EQ(
      Policy.choose(Tolerance::Any, Strategy::Pack, fourNodes({1, 0, 0, 0}))
          .Node,
      0u);
  EXPECT_EQ(
      Policy.choose(Tolerance::Any, Strategy::Pack, fourNodes({2, 2, 1, 0}))
          .Node,
      2u);
  // All full: the least loaded per core.
  EXPECT_EQ(
      Policy.choose(Tolerance::Any, Strategy::Pack, fourNodes({4, 3, 2, 5}))
          .Node,
      2u);
}
