// When a line's receiver spins before it sleeps (cluster/Cluster.h,
// SpinPolicy): a line whose answers come within the spin keeps spinning;
// one whose waits outlast it sleeps at once, but for a probe every
// ProbeEvery waits, and spins again once answers come quickly again.

#include "cluster/Cluster.h"

#include <gtest/gtest.h>

using namespace grid::cluster;
using std::chrono::microseconds;

namespace {

constexpr microseconds Spin{50};

// How many of the next N waits spin, each lasting Waited.
unsigned spinsOf(SpinPolicy &P, unsigned N, microseconds Waited) {
  unsigned Spun = 0;
  for (unsigned I = 0; I < N; ++I) {
    Spun += P.spinNext(Spin);
    P.waited(Waited, Spin);
  }
  return Spun;
}

} // namespace

TEST(SpinPolicy, QuickAnswersKeepSpinning) {
  SpinPolicy P;
  EXPECT_EQ(spinsOf(P, 1000, microseconds(4)), 1000u);
  EXPECT_EQ(spinsOf(P, 1000, Spin), 1000u); // one that just makes it
}

TEST(SpinPolicy, LongWaitsStopSpinningButProbe) {
  SpinPolicy P;
  // A barrier between sweeps of 300 us: a few spin while the average
  // rises, then one in ProbeEvery.
  EXPECT_LT(spinsOf(P, 64, microseconds(300)), 16u);
  EXPECT_EQ(spinsOf(P, 16 * SpinPolicy::ProbeEvery, microseconds(300)), 16u);
}

TEST(SpinPolicy, MostlyLongWaitsWithSomeQuickOnesOnlyProbe) {
  // A barrier whose other thread comes just after one wait in three.
  SpinPolicy P;
  spinsOf(P, 64, microseconds(300));
  unsigned Spun = 0;
  for (unsigned Round = 0; Round < SpinPolicy::ProbeEvery; ++Round) {
    Spun += spinsOf(P, 2, microseconds(300));
    Spun += spinsOf(P, 1, microseconds(10));
  }
  EXPECT_EQ(Spun, 3u);
}

TEST(SpinPolicy, OneLongWaitAmongQuickOnesChangesLittle) {
  SpinPolicy P;
  spinsOf(P, 64, microseconds(3));
  spinsOf(P, 1, microseconds(1000000)); // idle for a second
  EXPECT_GE(spinsOf(P, 100, microseconds(3)), 99u);
}

TEST(SpinPolicy, QuickAnswersAgainResumeSpinning) {
  SpinPolicy P;
  spinsOf(P, 100, microseconds(300));
  // A lock handed back and forth again: its waits sleep at first, and
  // count their wake-ups, shorter than the spin.
  EXPECT_LT(spinsOf(P, 64, microseconds(35)), 64u);
  EXPECT_EQ(spinsOf(P, 100, microseconds(35)), 100u);
}

TEST(SpinPolicy, WaitsJustUnderTheSpinBringItBack) {
  // The average comes down to the waits themselves, not to within a
  // rounding step of them.
  SpinPolicy P;
  spinsOf(P, 100, microseconds(300));
  spinsOf(P, 200, microseconds(45));
  EXPECT_EQ(spinsOf(P, 100, microseconds(45)), 100u);
}

TEST(SpinPolicy, NoSpinTimeNeverSpins) {
  SpinPolicy P;
  for (int I = 0; I < 100; ++I) {
    EXPECT_FALSE(P.spinNext(microseconds(0)));
    P.waited(microseconds(1), microseconds(0));
  }
}
