//===- PlacementTest.cpp - PlacementPolicy on a fake two-node machine -----===//
//
// A machine with 2 NUMA nodes of 3 cores, 2 PUs each: every tolerance and
// strategy, against given loads (live Grid threads per core).
//===----------------------------------------------------------------------===//

#include "placement/Placement.h"

#include <gtest/gtest.h>

using namespace grid;
using grid::placement::Creator;
using grid::placement::PlacementPolicy;

namespace {
topology::Topology twoNodes() {
  std::vector<topology::Core> Cores;
  for (unsigned I = 0; I < 6; ++I)
    Cores.push_back({I, I / 3, {2 * I, 2 * I + 1}});
  return topology::Topology(std::move(Cores), 2);
}

using Loads = std::vector<unsigned>;

unsigned choose(Tolerance T, Strategy S, unsigned Numa, const Loads &L) {
  static topology::Topology Topo = twoNodes();
  PlacementPolicy Policy(Topo);
  return Policy.choose(T, S, Creator{Numa, std::nullopt}, L).Core;
}
} // namespace

TEST(PlacementLocal, BalancePicksAFreeCoreOfTheCreatorsNode) {
  EXPECT_EQ(choose(Tolerance::Local, Strategy::Balance, 0, {0, 0, 0, 0, 0, 0}),
            0u);
  EXPECT_EQ(choose(Tolerance::Local, Strategy::Balance, 1, {0, 0, 0, 0, 0, 0}),
            3u);
  EXPECT_EQ(choose(Tolerance::Local, Strategy::Balance, 1, {0, 0, 0, 1, 0, 0}),
            4u);
}

TEST(PlacementLocal, BalanceLeavesAFullNodeForAFreeCore) {
  // Every PU of node 1 runs a Grid thread and node 0 has room: tolerance
  // local means the node only if it has room, so node 0.
  topology::Topology Topo = twoNodes();
  PlacementPolicy Policy(Topo);
  placement::Decision D =
      Policy.choose(Tolerance::Local, Strategy::Balance,
                    Creator{1, std::nullopt}, Loads{1, 0, 0, 2, 2, 3});
  EXPECT_EQ(D.Core, 1u);
  EXPECT_EQ(D.Applied, Tolerance::Machine);
  EXPECT_NE(D.why().find("NUMA node 1 has no free PU"), std::string::npos)
      << D.why();
}

TEST(PlacementLocal, BalanceStaysOnTheNodeWhenNoCoreHasRoom) {
  // No room anywhere: stay near the creator, on its node's least loaded
  // core.
  EXPECT_EQ(choose(Tolerance::Local, Strategy::Balance, 1, {2, 2, 2, 3, 2, 4}),
            4u);
}

TEST(PlacementLocal, SpreadGoesRoundRobinOverTheNode) {
  topology::Topology Topo = twoNodes();
  PlacementPolicy Policy(Topo);
  Loads L(6, 0);
  std::vector<unsigned> Got;
  for (int I = 0; I < 4; ++I)
    Got.push_back(Policy
                      .choose(Tolerance::Local, Strategy::Spread,
                              Creator{1, std::nullopt}, L)
                      .Core);
  EXPECT_EQ(Got, (std::vector<unsigned>{3, 4, 5, 3}));
}

TEST(PlacementLocal, PackFillsOneCoreBeforeTheNext) {
  EXPECT_EQ(choose(Tolerance::Local, Strategy::Pack, 0, {1, 0, 0, 0, 0, 0}),
            0u);
  EXPECT_EQ(choose(Tolerance::Local, Strategy::Pack, 0, {2, 0, 0, 0, 0, 0}),
            1u);
  EXPECT_EQ(choose(Tolerance::Local, Strategy::Pack, 1, {0, 0, 0, 2, 2, 1}),
            5u);
  // The node full and the other free: the first free core of the machine.
  EXPECT_EQ(choose(Tolerance::Local, Strategy::Pack, 0, {3, 2, 4, 0, 0, 0}),
            3u);
  // Every core full: the least loaded of the node.
  EXPECT_EQ(choose(Tolerance::Local, Strategy::Pack, 0, {3, 2, 4, 2, 2, 2}),
            1u);
}

TEST(PlacementMachine, BalancePicksTheLeastLoadedCoreAnywhere) {
  EXPECT_EQ(
      choose(Tolerance::Machine, Strategy::Balance, 0, {1, 1, 1, 1, 0, 1}), 4u);
  EXPECT_EQ(
      choose(Tolerance::Machine, Strategy::Balance, 1, {0, 2, 2, 2, 2, 2}), 0u);
}

TEST(PlacementMachine, BalancePrefersTheCreatorsNodeOnTies) {
  EXPECT_EQ(
      choose(Tolerance::Machine, Strategy::Balance, 1, {1, 1, 1, 1, 1, 1}), 3u);
  EXPECT_EQ(
      choose(Tolerance::Machine, Strategy::Balance, 0, {1, 1, 1, 1, 1, 1}), 0u);
  EXPECT_EQ(
      choose(Tolerance::Machine, Strategy::Balance, 1, {0, 0, 0, 0, 0, 0}), 3u);
}

TEST(PlacementMachine, SpreadGoesRoundRobinOverEveryCore) {
  topology::Topology Topo = twoNodes();
  PlacementPolicy Policy(Topo);
  Loads L(6, 0);
  std::vector<unsigned> Got;
  for (int I = 0; I < 7; ++I)
    Got.push_back(Policy
                      .choose(Tolerance::Machine, Strategy::Spread,
                              Creator{1, std::nullopt}, L)
                      .Core);
  EXPECT_EQ(Got, (std::vector<unsigned>{0, 1, 2, 3, 4, 5, 0}));
}

TEST(PlacementMachine, PackCrossesNodesWhenTheFirstIsFull) {
  EXPECT_EQ(choose(Tolerance::Machine, Strategy::Pack, 0, {2, 2, 2, 1, 0, 0}),
            3u);
  EXPECT_EQ(choose(Tolerance::Machine, Strategy::Pack, 0, {2, 2, 2, 2, 2, 2}),
            0u);
}

TEST(PlacementRemote, NearAndAnyBehaveAsMachineAndSaySo) {
  topology::Topology Topo = twoNodes();
  for (Tolerance T : {Tolerance::Near, Tolerance::Any}) {
    PlacementPolicy Policy(Topo);
    placement::Decision D =
        Policy.choose(T, Strategy::Balance, Creator{0, std::nullopt},
                      Loads{1, 1, 1, 1, 0, 1});
    EXPECT_EQ(D.Core, 4u);
    EXPECT_EQ(D.Applied, Tolerance::Machine);
    EXPECT_NE(D.why().find("no cluster"), std::string::npos) << D.why();
    EXPECT_NE(D.why().find(toString(T)), std::string::npos) << D.why();
  }
}

TEST(PlacementDecision, SaysWhy) {
  topology::Topology Topo = twoNodes();
  PlacementPolicy Policy(Topo);
  placement::Decision D =
      Policy.choose(Tolerance::Local, Strategy::Balance,
                    Creator{1, std::nullopt}, Loads{0, 0, 0, 2, 1, 3});
  EXPECT_EQ(D.Applied, Tolerance::Local);
  EXPECT_NE(D.why().find("least loaded core 4 (1 live Grid thread)"),
            std::string::npos)
      << D.why();
  EXPECT_NE(D.why().find("NUMA node 1"), std::string::npos) << D.why();
}

TEST(PlacementLoads, MissingLoadsCountAsIdle) {
  EXPECT_EQ(choose(Tolerance::Machine, Strategy::Balance, 0, {3, 3}), 2u);
}

// main (not a Grid thread) runs on core 0 of node 0: among equally loaded
// cores a new thread goes beside it, not onto its core; load still decides
// first, and main itself is not counted as load.
TEST(PlacementCreator, BalanceBreaksTiesAwayFromAnUncountedCreator) {
  topology::Topology Topo = twoNodes();
  PlacementPolicy Policy(Topo);
  auto Choose = [&](Creator From, Loads L) {
    return Policy.choose(Tolerance::Local, Strategy::Balance, From, L).Core;
  };
  EXPECT_EQ(Choose(Creator{0, 0}, Loads{0, 0, 0, 0, 0, 0}), 1u);
  EXPECT_EQ(Choose(Creator{0, 1}, Loads{1, 1, 1, 0, 0, 0}), 0u);
  EXPECT_EQ(Choose(Creator{0, 0}, Loads{0, 1, 1, 0, 0, 0}), 0u);
  EXPECT_EQ(Choose(Creator{0, std::nullopt}, Loads{0, 0, 0, 0, 0, 0}), 0u);
}
