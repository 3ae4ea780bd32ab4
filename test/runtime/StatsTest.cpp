//===- StatsTest.cpp - Per-call-site statistics ---------------------------===//
//
// The counts GRID_STATS=1 prints: per site, its kind, how many creations and
// where each went, also when many threads count at once.
//===----------------------------------------------------------------------===//

#include "core/Core.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using grid::core::SiteRow;
using grid::core::StatsTable;

namespace {
const __grid_site Worker = {"app.c", "main", 12, 3, __grid_kind_PthreadCreate,
                            0};
const __grid_site Spawn = {"app.c", "run", 40, 5, __grid_kind_PosixSpawn, 1};
const __grid_site NoDebugInfo = {"", "helper", 0, 0, __grid_kind_StdThread, 2};
} // namespace

TEST(Stats, CountsPerSiteAndPlace) {
  StatsTable T;
  T.record(&Worker, "core 1");
  T.record(&Worker, "core 0");
  T.record(&Worker, "core 1");
  T.record(&Spawn, "local");
  std::vector<SiteRow> Rows = T.rows();
  ASSERT_EQ(Rows.size(), 2u);
  EXPECT_EQ(Rows[0].Site, "app.c:12 (main)");
  EXPECT_EQ(Rows[0].Kind, "pthread_create");
  EXPECT_TRUE(Rows[0].Thread);
  EXPECT_EQ(Rows[0].Count, 3u);
  EXPECT_EQ(Rows[0].Places, (std::vector<std::pair<std::string, uint64_t>>{
                                {"core 0", 1}, {"core 1", 2}}));
  EXPECT_EQ(Rows[1].Site, "app.c:40 (run)");
  EXPECT_EQ(Rows[1].Kind, "posix_spawn");
  EXPECT_FALSE(Rows[1].Thread);
  EXPECT_EQ(Rows[1].Count, 1u);
}

TEST(Stats, NamesSitesWithoutDebugInfoByFunction) {
  StatsTable T;
  T.record(&NoDebugInfo, "core 0");
  T.record(nullptr, "local");
  std::vector<SiteRow> Rows = T.rows();
  ASSERT_EQ(Rows.size(), 2u);
  EXPECT_EQ(Rows[0].Site, "helper");
  EXPECT_EQ(Rows[0].Kind, "std::thread");
  EXPECT_EQ(Rows[1].Site, "unknown site");
}

TEST(Stats, ConcurrentCountsAreAllKept) {
  StatsTable T;
  std::vector<std::thread> Threads;
  for (int I = 0; I < 4; ++I)
    Threads.emplace_back([&T, I] {
      for (int J = 0; J < 1000; ++J)
        T.record(&Worker, I % 2 ? "core 1" : "core 0");
    });
  for (std::thread &Th : Threads)
    Th.join();
  std::vector<SiteRow> Rows = T.rows();
  ASSERT_EQ(Rows.size(), 1u);
  EXPECT_EQ(Rows[0].Count, 4000u);
  EXPECT_EQ(Rows[0].Places, (std::vector<std::pair<std::string, uint64_t>>{
                                {"core 0", 2000}, {"core 1", 2000}}));
}

TEST(Stats, FormatsTheTable) {
  StatsTable T;
  T.record(&Worker, "core 1");
  T.record(&Worker, "core 0");
  T.record(&Spawn, "local");
  std::string Text = T.format();
  EXPECT_NE(Text.find("threads created 2, processes created 1"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("grid:   site"), std::string::npos) << Text;
  EXPECT_NE(Text.find("app.c:12 (main)  pthread_create  2      core 0: 1, "
                      "core 1: 1\n"),
            std::string::npos)
      << Text;
  EXPECT_NE(Text.find("app.c:40 (run)   posix_spawn     1      local: 1\n"),
            std::string::npos)
      << Text;
}

// Two call records on one source line (as vector::emplace_back makes) are
// the one line the user wrote.
TEST(Stats, RecordsOfOneSourceLineAreOneRow) {
  const __grid_site FastPath = {"app.cpp", "main", 9, 7, __grid_kind_StdThread,
                                3};
  const __grid_site GrowPath = {"app.cpp", "main", 9, 7, __grid_kind_StdThread,
                                4};
  StatsTable T;
  T.record(&FastPath, "core 0");
  T.record(&GrowPath, "core 1");
  T.record(&GrowPath, "core 0");
  std::vector<SiteRow> Rows = T.rows();
  ASSERT_EQ(Rows.size(), 1u);
  EXPECT_EQ(Rows[0].Count, 3u);
  EXPECT_EQ(Rows[0].Places, (std::vector<std::pair<std::string, uint64_t>>{
                                {"core 0", 2}, {"core 1", 1}}));
}

// Enough sites that the table grows: every site is listed once, with its
// count, and the totals add up (a walk that met an entry twice would not).
TEST(Stats, EverySiteOnceAfterTheTableGrows) {
  std::vector<__grid_site> Sites;
  std::vector<std::string> Files;
  for (uint32_t I = 0; I < 300; ++I)
    Files.push_back("f" + std::to_string(1000 + I) + ".c");
  for (uint32_t I = 0; I < 300; ++I)
    Sites.push_back(
        {Files[I].c_str(), "main", 1, 1, __grid_kind_PthreadCreate, I});
  StatsTable T;
  for (const __grid_site &S : Sites)
    T.record(&S, "core 0");
  std::vector<SiteRow> Rows = T.rows();
  ASSERT_EQ(Rows.size(), Sites.size());
  for (size_t I = 0; I < Rows.size(); ++I) {
    EXPECT_EQ(Rows[I].Site, Files[I] + ":1 (main)");
    EXPECT_EQ(Rows[I].Count, 1u);
  }
  EXPECT_NE(T.format().find("threads created 300,"), std::string::npos);
}

// A join, a detach or an exit places nothing, C11's as pthread's: their
// lines are no call sites to renice (gridctl renice --site).
TEST(Stats, ThreadCreationsAloneArePlacementSites) {
  EXPECT_TRUE(grid::core::isPlacementKind(__grid_kind_PthreadCreate));
  EXPECT_TRUE(grid::core::isPlacementKind(__grid_kind_ThrdCreate));
  for (uint32_t Kind : {__grid_kind_PthreadJoin, __grid_kind_PthreadDetach,
                        __grid_kind_PthreadExit, __grid_kind_ThrdJoin,
                        __grid_kind_ThrdDetach, __grid_kind_ThrdExit,
                        __grid_kind_MtxLock, __grid_kind_ThrdCurrent})
    EXPECT_FALSE(grid::core::isPlacementKind(Kind)) << Kind;
}
