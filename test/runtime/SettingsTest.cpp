//===- SettingsTest.cpp - GRID_* variables, the config file, precedence ---===//
//
// Unit tests of core/Settings: every accepted spelling, every bad input with
// the message a user sees (variable or file:line:column, accepted values),
// the precedence of DESIGN.md §2, [app."..."] matching and where the config
// file is looked for, and the directory of the control sockets. Files go to a
// fresh temporary directory per test.
//===----------------------------------------------------------------------===//

#include "core/Settings.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

using namespace grid;
namespace fs = std::filesystem;

namespace {

const char *const SystemConfig = "/etc/grid/grid.toml";

/// Runs F and returns the SettingsError message; fails if nothing is thrown.
template <class F> std::string errorOf(F &&Fn) {
  try {
    Fn();
  } catch (const SettingsError &Err) {
    return Err.what();
  }
  ADD_FAILURE() << "expected a SettingsError";
  return "";
}

Settings resolveWith(std::map<std::string, std::string> Vars,
                     std::optional<ConfigFile> Config = std::nullopt,
                     std::string ExePath = "/usr/bin/app",
                     std::optional<Tolerance> BinaryThread = std::nullopt,
                     std::optional<Tolerance> BinaryProcess = std::nullopt) {
  SettingsInputs In;
  In.Env.Vars = std::move(Vars);
  In.Config = std::move(Config);
  In.ExePath = std::move(ExePath);
  In.BinaryThread = BinaryThread;
  In.BinaryProcess = BinaryProcess;
  return resolveSettings(In);
}

class SettingsFiles : public ::testing::Test {
protected:
  void SetUp() override {
    std::string Pattern =
        (fs::temp_directory_path() / "grid-settings-XXXXXX").string();
    ASSERT_NE(::mkdtemp(Pattern.data()), nullptr);
    Dir = Pattern;
  }
  void TearDown() override { fs::remove_all(Dir); }

  std::string write(const std::string &Relative, const std::string &Text) {
    fs::path Path = Dir / Relative;
    fs::create_directories(Path.parent_path());
    std::ofstream(Path) << Text;
    return Path.string();
  }

  fs::path Dir;
};

//===----------------------------------------------------------------------===//
// Spellings
//===----------------------------------------------------------------------===//

TEST(SettingsSpelling, ToleranceAcceptsDigitsAndNames) {
  EXPECT_EQ(parseTolerance("0"), Tolerance::Local);
  EXPECT_EQ(parseTolerance("1"), Tolerance::Machine);
  EXPECT_EQ(parseTolerance("2"), Tolerance::Near);
  EXPECT_EQ(parseTolerance("3"), Tolerance::Any);
  EXPECT_EQ(parseTolerance("local"), Tolerance::Local);
  EXPECT_EQ(parseTolerance("machine"), Tolerance::Machine);
  EXPECT_EQ(parseTolerance("near"), Tolerance::Near);
  EXPECT_EQ(parseTolerance("any"), Tolerance::Any);
}

TEST(SettingsSpelling, ToleranceRejectsEverythingElse) {
  for (const char *Bad : {"", "4", "-1", "01", " 1", "1 ", "+1", "Local", "ANY",
                          "bogus", "far", "0x1"})
    EXPECT_EQ(parseTolerance(Bad), std::nullopt) << "'" << Bad << "'";
}

TEST(SettingsSpelling, StrategyAndLogLevel) {
  EXPECT_EQ(parseStrategy("balance"), Strategy::Balance);
  EXPECT_EQ(parseStrategy("spread"), Strategy::Spread);
  EXPECT_EQ(parseStrategy("pack"), Strategy::Pack);
  for (const char *Bad : {"", "fast", "Balance", "0"})
    EXPECT_EQ(parseStrategy(Bad), std::nullopt) << Bad;

  EXPECT_EQ(parseLogLevel("warn"), LogLevel::Warn);
  EXPECT_EQ(parseLogLevel("info"), LogLevel::Info);
  EXPECT_EQ(parseLogLevel("debug"), LogLevel::Debug);
  for (const char *Bad : {"", "verbose", "INFO", "2"})
    EXPECT_EQ(parseLogLevel(Bad), std::nullopt) << Bad;
}

TEST(SettingsSpelling, NamesRoundTrip) {
  for (Tolerance T :
       {Tolerance::Local, Tolerance::Machine, Tolerance::Near, Tolerance::Any})
    EXPECT_EQ(parseTolerance(toString(T)), T);
  for (Strategy S : {Strategy::Balance, Strategy::Spread, Strategy::Pack})
    EXPECT_EQ(parseStrategy(toString(S)), S);
  for (LogLevel L : {LogLevel::Warn, LogLevel::Info, LogLevel::Debug})
    EXPECT_EQ(parseLogLevel(toString(L)), L);
  EXPECT_STREQ(AcceptedTolerances, "0-3 or local, machine, near, any");
  EXPECT_STREQ(AcceptedStrategies, "balance, spread, pack");
  EXPECT_STREQ(AcceptedLogLevels, "warn, info, debug");
}

TEST(SettingsSpelling, SourceNamesForGridctl) {
  EXPECT_STREQ(toString(SettingSource::BuiltIn), "built-in");
  EXPECT_STREQ(toString(SettingSource::ConfigDefaults), "config defaults");
  EXPECT_STREQ(toString(SettingSource::Binary), "binary");
  EXPECT_STREQ(toString(SettingSource::ConfigApp), "config app");
  EXPECT_STREQ(toString(SettingSource::Environment), "environment");
  EXPECT_STREQ(toString(SettingSource::Renice), "renice");
}

//===----------------------------------------------------------------------===//
// Environment variables
//===----------------------------------------------------------------------===//

TEST(SettingsEnv, NothingSetGivesBuiltInDefaults) {
  Settings S = resolveWith({});
  EXPECT_EQ(S.ThreadTolerance.Value, Tolerance::Local);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::BuiltIn);
  EXPECT_EQ(S.ThreadTolerance.Origin, "built-in");
  EXPECT_EQ(S.ProcessTolerance.Value, Tolerance::Local);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::BuiltIn);
  EXPECT_EQ(S.Placement.Value, Strategy::Balance);
  EXPECT_EQ(S.Placement.Source, SettingSource::BuiltIn);
  EXPECT_EQ(S.Placement.Origin, "built-in");
  EXPECT_EQ(S.Log, LogLevel::Warn);
  EXPECT_FALSE(S.Stats);
  EXPECT_EQ(S.ConfigPath, "");
}

TEST(SettingsEnv, EveryToleranceSpelling) {
  const std::pair<const char *, Tolerance> Cases[] = {
      {"0", Tolerance::Local},     {"1", Tolerance::Machine},
      {"2", Tolerance::Near},      {"3", Tolerance::Any},
      {"local", Tolerance::Local}, {"machine", Tolerance::Machine},
      {"near", Tolerance::Near},   {"any", Tolerance::Any}};
  for (const auto &[Text, Expected] : Cases) {
    Settings S = resolveWith(
        {{"GRID_THREAD_TOLERANCE", Text}, {"GRID_PROCESS_TOLERANCE", Text}});
    EXPECT_EQ(S.ThreadTolerance.Value, Expected) << Text;
    EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::Environment);
    EXPECT_EQ(S.ThreadTolerance.Origin, "GRID_THREAD_TOLERANCE");
    EXPECT_EQ(S.ProcessTolerance.Value, Expected) << Text;
    EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::Environment);
    EXPECT_EQ(S.ProcessTolerance.Origin, "GRID_PROCESS_TOLERANCE");
  }
}

TEST(SettingsEnv, PlacementLogAndStats) {
  EXPECT_EQ(resolveWith({{"GRID_PLACEMENT", "balance"}}).Placement.Value,
            Strategy::Balance);
  EXPECT_EQ(resolveWith({{"GRID_PLACEMENT", "spread"}}).Placement.Value,
            Strategy::Spread);
  Settings Pack = resolveWith({{"GRID_PLACEMENT", "pack"}});
  EXPECT_EQ(Pack.Placement.Value, Strategy::Pack);
  EXPECT_EQ(Pack.Placement.Source, SettingSource::Environment);
  EXPECT_EQ(Pack.Placement.Origin, "GRID_PLACEMENT");

  EXPECT_EQ(resolveWith({{"GRID_LOG", "warn"}}).Log, LogLevel::Warn);
  EXPECT_EQ(resolveWith({{"GRID_LOG", "info"}}).Log, LogLevel::Info);
  EXPECT_EQ(resolveWith({{"GRID_LOG", "debug"}}).Log, LogLevel::Debug);

  EXPECT_TRUE(resolveWith({{"GRID_STATS", "1"}}).Stats);
  EXPECT_FALSE(resolveWith({{"GRID_STATS", "0"}}).Stats);
}

TEST(SettingsEnv, DsmFaults) {
  EXPECT_TRUE(resolveWith({}).DsmUserfaultfd);
  EXPECT_TRUE(resolveWith({{"GRID_DSM_FAULTS", "uffd"}}).DsmUserfaultfd);
  EXPECT_FALSE(resolveWith({{"GRID_DSM_FAULTS", "signal"}}).DsmUserfaultfd);
  for (const char *Bad : {"UFFD", "sigsegv", "uffd "})
    EXPECT_EQ(errorOf([&] { resolveWith({{"GRID_DSM_FAULTS", Bad}}); }),
              std::string("GRID_DSM_FAULTS='") + Bad +
                  "' is not a fault mechanism; accepted: uffd, signal")
        << Bad;
}

TEST(SettingsEnv, SliceUs) {
  EXPECT_EQ(resolveWith({}).SliceUs, 100u);
  EXPECT_EQ(resolveWith({{"GRID_SLICE_US", "0"}}).SliceUs, 0u);
  EXPECT_EQ(resolveWith({{"GRID_SLICE_US", "100"}}).SliceUs, 100u);
  EXPECT_EQ(resolveWith({{"GRID_SLICE_US", "100000"}}).SliceUs, 100000u);
  for (const char *Bad : {"99", "1", "100001", "-1", "5us", " 200", "short"})
    EXPECT_EQ(errorOf([&] { resolveWith({{"GRID_SLICE_US", Bad}}); }),
              std::string("GRID_SLICE_US='") + Bad +
                  "' is not a time slice; accepted: a whole number of "
                  "microseconds from 100 to 100000, or 0 (the kernel's "
                  "default)")
        << Bad;
}

TEST(SettingsEnv, SpinUs) {
  EXPECT_EQ(resolveWith({}).SpinUs, 50u);
  EXPECT_EQ(resolveWith({{"GRID_SPIN_US", "0"}}).SpinUs, 0u);
  EXPECT_EQ(resolveWith({{"GRID_SPIN_US", "10000"}}).SpinUs, 10000u);
  for (const char *Bad : {"10001", "-1", "5us", " 5", "fast"})
    EXPECT_EQ(errorOf([&] { resolveWith({{"GRID_SPIN_US", Bad}}); }),
              std::string("GRID_SPIN_US='") + Bad +
                  "' is not a spin time; accepted: a whole number of "
                  "microseconds from 0 to 10000")
        << Bad;
}

TEST(SettingsEnv, SharedLines) {
  EXPECT_TRUE(resolveWith({}).SharedLines);
  EXPECT_TRUE(resolveWith({{"GRID_SHARED_LINES", "1"}}).SharedLines);
  EXPECT_FALSE(resolveWith({{"GRID_SHARED_LINES", "0"}}).SharedLines);
  for (const char *Bad : {"yes", "2", " 1", "off"})
    EXPECT_EQ(errorOf([&] { resolveWith({{"GRID_SHARED_LINES", Bad}}); }),
              std::string("GRID_SHARED_LINES='") + Bad +
                  "' is not a switch; accepted: 1 (lines between ranks of "
                  "one host go through shared memory) or 0 (through MPI)")
        << Bad;
}

TEST(SettingsEnv, DsmCachePages) {
  EXPECT_EQ(resolveWith({}).DsmCachePages, 16384u);
  EXPECT_EQ(resolveWith({{"GRID_DSM_CACHE_PAGES", "16"}}).DsmCachePages, 16u);
  EXPECT_EQ(resolveWith({{"GRID_DSM_CACHE_PAGES", "60000"}}).DsmCachePages,
            60000u);
  for (const char *Bad : {"15", "60001", "-5", "1e3", "12 ", "many"})
    EXPECT_EQ(errorOf([&] { resolveWith({{"GRID_DSM_CACHE_PAGES", Bad}}); }),
              std::string("GRID_DSM_CACHE_PAGES='") + Bad +
                  "' is not a page count; accepted: a whole number from 16 "
                  "to 60000")
        << Bad;
}

TEST(SettingsEnv, DsmMigrate) {
  EXPECT_EQ(resolveWith({}).DsmMigrate, 0u);
  EXPECT_EQ(resolveWith({{"GRID_DSM_MIGRATE", "2"}}).DsmMigrate, 2u);
  EXPECT_EQ(resolveWith({{"GRID_DSM_MIGRATE", "0"}}).DsmMigrate, 0u);
  EXPECT_EQ(resolveWith({{"GRID_DSM_MIGRATE", "255"}}).DsmMigrate, 255u);
  for (const char *Bad : {"256", "-1", "2.5", "2 ", "often"})
    EXPECT_EQ(errorOf([&] { resolveWith({{"GRID_DSM_MIGRATE", Bad}}); }),
              std::string("GRID_DSM_MIGRATE='") + Bad +
                  "' is not a count of releases; accepted: a whole number "
                  "from 0 (pages never move) to 255")
        << Bad;
}

TEST(SettingsEnv, EmptyValueCountsAsUnset) {
  Settings S = resolveWith({{"GRID_THREAD_TOLERANCE", ""},
                            {"GRID_PROCESS_TOLERANCE", ""},
                            {"GRID_PLACEMENT", ""},
                            {"GRID_LOG", ""},
                            {"GRID_STATS", ""}},
                           std::nullopt, "/usr/bin/app", Tolerance::Near);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::Binary);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::BuiltIn);
  EXPECT_EQ(S.Placement.Source, SettingSource::BuiltIn);
  EXPECT_EQ(S.Log, LogLevel::Warn);
  EXPECT_FALSE(S.Stats);
}

TEST(SettingsEnv, BadThreadTolerance) {
  EXPECT_EQ(errorOf([] { resolveWith({{"GRID_THREAD_TOLERANCE", "bogus"}}); }),
            "GRID_THREAD_TOLERANCE='bogus' is not a latency tolerance; "
            "accepted: 0-3 or local, machine, near, any");
  EXPECT_EQ(errorOf([] { resolveWith({{"GRID_THREAD_TOLERANCE", "7"}}); }),
            "GRID_THREAD_TOLERANCE='7' is not a latency tolerance; "
            "accepted: 0-3 or local, machine, near, any");
}

TEST(SettingsEnv, BadProcessTolerance) {
  EXPECT_EQ(errorOf([] { resolveWith({{"GRID_PROCESS_TOLERANCE", "Any"}}); }),
            "GRID_PROCESS_TOLERANCE='Any' is not a latency tolerance; "
            "accepted: 0-3 or local, machine, near, any");
}

TEST(SettingsEnv, BadPlacement) {
  EXPECT_EQ(errorOf([] { resolveWith({{"GRID_PLACEMENT", "fast"}}); }),
            "GRID_PLACEMENT='fast' is not a placement strategy; "
            "accepted: balance, spread, pack");
}

TEST(SettingsEnv, BadLogAndStats) {
  EXPECT_EQ(errorOf([] { resolveWith({{"GRID_LOG", "verbose"}}); }),
            "GRID_LOG='verbose' is not a log level; accepted: warn, info, "
            "debug");
  EXPECT_EQ(errorOf([] { resolveWith({{"GRID_STATS", "yes"}}); }),
            "GRID_STATS='yes' is not a switch; accepted: 0, 1");
  EXPECT_EQ(errorOf([] { resolveWith({{"GRID_STATS", "2"}}); }),
            "GRID_STATS='2' is not a switch; accepted: 0, 1");
}

TEST(SettingsEnv, BadValueIsAnErrorEvenWhenAConfigAlsoSetsIt) {
  ConfigFile Config =
      parseConfig("[defaults]\nthread_tolerance = 1\n", "grid.toml");
  std::string Message =
      errorOf([&] { resolveWith({{"GRID_THREAD_TOLERANCE", "far"}}, Config); });
  EXPECT_NE(Message.find("GRID_THREAD_TOLERANCE='far'"), std::string::npos)
      << Message;
}

TEST(SettingsEnv, FromProcessReadsTheRealEnvironment) {
  ASSERT_EQ(::setenv("GRID_SETTINGS_TEST_PROBE", "a=b", 1), 0);
  Environment Env = Environment::fromProcess();
  ::unsetenv("GRID_SETTINGS_TEST_PROBE");
  EXPECT_EQ(Env.get("GRID_SETTINGS_TEST_PROBE"), "a=b");
  EXPECT_EQ(Env.get("GRID_SETTINGS_TEST_ABSENT"), std::nullopt);
}

//===----------------------------------------------------------------------===//
// Config file: accepted input
//===----------------------------------------------------------------------===//

TEST(SettingsConfig, EmptyFileIsValid) {
  ConfigFile C = parseConfig("", "grid.toml");
  EXPECT_EQ(C.Path, "grid.toml");
  EXPECT_FALSE(C.Defaults.ThreadTolerance);
  EXPECT_FALSE(C.Defaults.ProcessTolerance);
  EXPECT_FALSE(C.Defaults.Placement);
  EXPECT_TRUE(C.Apps.empty());
}

TEST(SettingsConfig, EveryToleranceSpelling) {
  const std::pair<const char *, Tolerance> Cases[] = {
      {"0", Tolerance::Local},         {"1", Tolerance::Machine},
      {"2", Tolerance::Near},          {"3", Tolerance::Any},
      {"\"local\"", Tolerance::Local}, {"\"machine\"", Tolerance::Machine},
      {"\"near\"", Tolerance::Near},   {"\"any\"", Tolerance::Any},
      {"\"2\"", Tolerance::Near},      {"'any'", Tolerance::Any}};
  for (const auto &[Text, Expected] : Cases) {
    std::string Toml = std::string("[defaults]\nthread_tolerance = ") + Text +
                       "\nprocess_tolerance = " + Text + "\n";
    ConfigFile C = parseConfig(Toml, "grid.toml");
    ASSERT_TRUE(C.Defaults.ThreadTolerance) << Text;
    EXPECT_EQ(C.Defaults.ThreadTolerance->Value, Expected) << Text;
    ASSERT_TRUE(C.Defaults.ProcessTolerance) << Text;
    EXPECT_EQ(C.Defaults.ProcessTolerance->Value, Expected) << Text;
  }
}

TEST(SettingsConfig, EveryPlacementSpelling) {
  for (Strategy S : {Strategy::Balance, Strategy::Spread, Strategy::Pack}) {
    ConfigFile C = parseConfig(std::string("[defaults]\nplacement = \"") +
                                   toString(S) + "\"\n",
                               "grid.toml");
    ASSERT_TRUE(C.Defaults.Placement);
    EXPECT_EQ(C.Defaults.Placement->Value, S);
  }
}

TEST(SettingsConfig, ValuesRememberFileLineColumnAndTable) {
  ConfigFile C = parseConfig("# Grid settings\n"
                             "[defaults]\n"
                             "thread_tolerance = 1\n"
                             "  placement = \"pack\"\n"
                             "\n"
                             "[app.\"make\"]\n"
                             "process_tolerance = \"any\"\n",
                             "/home/u/.config/grid/grid.toml");
  ASSERT_TRUE(C.Defaults.ThreadTolerance);
  EXPECT_EQ(C.Defaults.ThreadTolerance->Source, SettingSource::ConfigDefaults);
  EXPECT_EQ(C.Defaults.ThreadTolerance->Origin,
            "/home/u/.config/grid/grid.toml:3:1");
  ASSERT_TRUE(C.Defaults.Placement);
  EXPECT_EQ(C.Defaults.Placement->Origin, "/home/u/.config/grid/grid.toml:4:3");
  EXPECT_FALSE(C.Defaults.ProcessTolerance);

  ASSERT_EQ(C.Apps.size(), 1u);
  EXPECT_EQ(C.Apps[0].first, "make");
  const ConfigTable &Make = C.Apps[0].second;
  ASSERT_TRUE(Make.ProcessTolerance);
  EXPECT_EQ(Make.ProcessTolerance->Value, Tolerance::Any);
  EXPECT_EQ(Make.ProcessTolerance->Source, SettingSource::ConfigApp);
  EXPECT_EQ(Make.ProcessTolerance->Origin,
            "/home/u/.config/grid/grid.toml:7:1");
  EXPECT_FALSE(Make.ThreadTolerance);
}

TEST(SettingsConfig, AppTablesKeepFileOrder) {
  // toml++ sorts keys; the config must not ("zeta" comes first here).
  ConfigFile C = parseConfig("[app.\"zeta\"]\n"
                             "[app.\"/opt/x/bin/alpha\"]\n"
                             "[app.mid]\n",
                             "grid.toml");
  ASSERT_EQ(C.Apps.size(), 3u);
  EXPECT_EQ(C.Apps[0].first, "zeta");
  EXPECT_EQ(C.Apps[1].first, "/opt/x/bin/alpha");
  EXPECT_EQ(C.Apps[2].first, "mid");
}

//===----------------------------------------------------------------------===//
// Config file: bad input, reported as path:line:column
//===----------------------------------------------------------------------===//

std::string configError(const std::string &Toml) {
  return errorOf([&] { parseConfig(Toml, "/etc/grid/grid.toml"); });
}

TEST(SettingsConfigErrors, SyntaxError) {
  EXPECT_EQ(configError("[defaults]\nthread_tolerance = \n"),
            "/etc/grid/grid.toml:2:20: error while parsing key-value pair: "
            "expected value, saw '\\n'");
  std::string Header = configError("[defaults\n");
  EXPECT_EQ(Header.rfind("/etc/grid/grid.toml:1:10: ", 0), 0u) << Header;
}

TEST(SettingsConfigErrors, DuplicateKeyIsASyntaxError) {
  std::string Message = configError("[defaults]\n"
                                    "thread_tolerance = 1\n"
                                    "thread_tolerance = 2\n");
  EXPECT_EQ(Message.rfind("/etc/grid/grid.toml:3:", 0), 0u) << Message;
}

TEST(SettingsConfigErrors, ToleranceOutOfRange) {
  EXPECT_EQ(configError("[defaults]\nthread_tolerance = 7\n"),
            "/etc/grid/grid.toml:2:20: thread_tolerance = 7 is not a latency "
            "tolerance; accepted: 0-3 or local, machine, near, any");
  EXPECT_EQ(configError("[app.\"make\"]\nprocess_tolerance = -1\n"),
            "/etc/grid/grid.toml:2:21: process_tolerance = -1 is not a "
            "latency tolerance; accepted: 0-3 or local, machine, near, any");
}

TEST(SettingsConfigErrors, ToleranceUnknownName) {
  EXPECT_EQ(configError("[defaults]\nthread_tolerance = \"fast\"\n"),
            "/etc/grid/grid.toml:2:20: thread_tolerance = 'fast' is not a "
            "latency tolerance; accepted: 0-3 or local, machine, near, any");
}

TEST(SettingsConfigErrors, ToleranceWrongType) {
  EXPECT_EQ(configError("[defaults]\nthread_tolerance = 1.5\n"),
            "/etc/grid/grid.toml:2:20: thread_tolerance = 1.5 is not a "
            "latency tolerance; accepted: 0-3 or local, machine, near, any");
  EXPECT_EQ(configError("[defaults]\nprocess_tolerance = true\n"),
            "/etc/grid/grid.toml:2:21: process_tolerance = true is not a "
            "latency tolerance; accepted: 0-3 or local, machine, near, any");
  EXPECT_EQ(configError("[defaults]\nthread_tolerance = [1]\n"),
            "/etc/grid/grid.toml:2:20: thread_tolerance is an array, not a "
            "latency tolerance; accepted: 0-3 or local, machine, near, any");
}

TEST(SettingsConfigErrors, BadPlacement) {
  EXPECT_EQ(configError("[defaults]\nplacement = \"fast\"\n"),
            "/etc/grid/grid.toml:2:13: placement = 'fast' is not a placement "
            "strategy; accepted: balance, spread, pack");
  EXPECT_EQ(configError("[app.x]\nplacement = 2\n"),
            "/etc/grid/grid.toml:2:13: placement = 2 is not a placement "
            "strategy; accepted: balance, spread, pack");
}

TEST(SettingsConfigErrors, UnknownKey) {
  EXPECT_EQ(configError("[defaults]\nthread_tolerence = 1\n"),
            "/etc/grid/grid.toml:2:1: unknown key 'thread_tolerence' in "
            "[defaults]; accepted keys: thread_tolerance, process_tolerance, "
            "placement");
  EXPECT_EQ(configError("[app.\"make\"]\nplacement = \"pack\"\nnodes = 4\n"),
            "/etc/grid/grid.toml:3:1: unknown key 'nodes' in [app.\"make\"]; "
            "accepted keys: thread_tolerance, process_tolerance, placement");
  // A sub-table of an [app] table is an unknown key of that table.
  EXPECT_EQ(configError("[app.\"make\".extra]\n"),
            "/etc/grid/grid.toml:1:13: unknown key 'extra' in [app.\"make\"]; "
            "accepted keys: thread_tolerance, process_tolerance, placement");
}

TEST(SettingsConfigErrors, UnknownTopLevelTableOrKey) {
  EXPECT_EQ(configError("[defaults]\n[default]\nthread_tolerance = 1\n"),
            "/etc/grid/grid.toml:2:2: unknown table [default]; accepted "
            "tables: [defaults], [app.\"name-or-path\"]");
  EXPECT_EQ(configError("thread_tolerance = 1\n"),
            "/etc/grid/grid.toml:1:1: unknown top-level key "
            "'thread_tolerance'; settings belong in a table, accepted tables: "
            "[defaults], [app.\"name-or-path\"]");
}

TEST(SettingsConfigErrors, FirstErrorInFileOrderIsReported) {
  // toml++ iterates keys sorted; "zz" comes first in the file.
  EXPECT_EQ(configError("[zz]\n[defaults]\nbad = 1\n")
                .rfind("/etc/grid/grid.toml:1:2: unknown table [zz]", 0),
            0u);
}

TEST(SettingsConfigErrors, TablesOfTheWrongShape) {
  EXPECT_EQ(configError("defaults = 3\n"),
            "/etc/grid/grid.toml:1:12: defaults = 3 is not a table; write it "
            "as [defaults] with keys thread_tolerance, process_tolerance, "
            "placement");
  EXPECT_EQ(configError("app = \"make\"\n"),
            "/etc/grid/grid.toml:1:7: app = 'make' is not a table; write "
            "per-program settings as [app.\"name-or-path\"]");
  EXPECT_EQ(configError("[app]\nthread_tolerance = 1\n"),
            "/etc/grid/grid.toml:2:1: 'app.thread_tolerance' is not a table; "
            "write per-program settings as [app.\"name-or-path\"] with keys "
            "thread_tolerance, process_tolerance, placement");
  EXPECT_EQ(configError("[app.\"\"]\n"),
            "/etc/grid/grid.toml:1:6: [app.\"\"] names no program; use a "
            "program name or a path");
}

//===----------------------------------------------------------------------===//
// Precedence (DESIGN.md §2): renice > environment > config app > binary
//                            > config defaults > built-in
//===----------------------------------------------------------------------===//

const char *const FullConfig = "[defaults]\n"                   // 1
                               "thread_tolerance = 1\n"         // 2
                               "process_tolerance = 1\n"        // 3
                               "placement = \"spread\"\n"       // 4
                               "[app.\"app\"]\n"                // 5
                               "thread_tolerance = 2\n"         // 6
                               "process_tolerance = \"near\"\n" // 7
                               "placement = \"pack\"\n";        // 8

TEST(SettingsPrecedence, EnvironmentBeatsConfigApp) {
  Settings S = resolveWith({{"GRID_THREAD_TOLERANCE", "any"},
                            {"GRID_PROCESS_TOLERANCE", "0"},
                            {"GRID_PLACEMENT", "balance"}},
                           parseConfig(FullConfig, "g.toml"), "/usr/bin/app",
                           Tolerance::Machine, Tolerance::Machine);
  EXPECT_EQ(S.ThreadTolerance.Value, Tolerance::Any);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::Environment);
  EXPECT_EQ(S.ProcessTolerance.Value, Tolerance::Local);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::Environment);
  EXPECT_EQ(S.Placement.Value, Strategy::Balance);
  EXPECT_EQ(S.Placement.Source, SettingSource::Environment);
  EXPECT_EQ(S.ConfigPath, "g.toml");
}

TEST(SettingsPrecedence, ConfigAppBeatsBinary) {
  Settings S = resolveWith({}, parseConfig(FullConfig, "g.toml"),
                           "/usr/bin/app", Tolerance::Any, Tolerance::Any);
  EXPECT_EQ(S.ThreadTolerance.Value, Tolerance::Near);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::ConfigApp);
  EXPECT_EQ(S.ThreadTolerance.Origin, "g.toml:6:1");
  EXPECT_EQ(S.ProcessTolerance.Value, Tolerance::Near);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::ConfigApp);
  EXPECT_EQ(S.ProcessTolerance.Origin, "g.toml:7:1");
  EXPECT_EQ(S.Placement.Value, Strategy::Pack);
  EXPECT_EQ(S.Placement.Source, SettingSource::ConfigApp);
  EXPECT_EQ(S.Placement.Origin, "g.toml:8:1");
}

TEST(SettingsPrecedence, BinaryBeatsConfigDefaults) {
  // "/usr/bin/other" matches no [app] table.
  Settings S = resolveWith({}, parseConfig(FullConfig, "g.toml"),
                           "/usr/bin/other", Tolerance::Any, Tolerance::Near);
  EXPECT_EQ(S.ThreadTolerance.Value, Tolerance::Any);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::Binary);
  EXPECT_EQ(S.ThreadTolerance.Origin, "-fgrid-thread-tolerance");
  EXPECT_EQ(S.ProcessTolerance.Value, Tolerance::Near);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::Binary);
  EXPECT_EQ(S.ProcessTolerance.Origin, "-fgrid-process-tolerance");
  // The binary carries no strategy: config defaults still apply.
  EXPECT_EQ(S.Placement.Value, Strategy::Spread);
  EXPECT_EQ(S.Placement.Source, SettingSource::ConfigDefaults);
}

TEST(SettingsPrecedence, ConfigDefaultsBeatBuiltIn) {
  Settings S =
      resolveWith({}, parseConfig(FullConfig, "g.toml"), "/usr/bin/other");
  EXPECT_EQ(S.ThreadTolerance.Value, Tolerance::Machine);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::ConfigDefaults);
  EXPECT_EQ(S.ThreadTolerance.Origin, "g.toml:2:1");
  EXPECT_EQ(S.ProcessTolerance.Value, Tolerance::Machine);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::ConfigDefaults);
  EXPECT_EQ(S.ProcessTolerance.Origin, "g.toml:3:1");
  EXPECT_EQ(S.Placement.Value, Strategy::Spread);
  EXPECT_EQ(S.Placement.Origin, "g.toml:4:1");
}

TEST(SettingsPrecedence, EachSettingFallsThroughOnItsOwn) {
  // The app table sets only the thread tolerance; the rest comes from below.
  ConfigFile C = parseConfig("[defaults]\nplacement = \"pack\"\n"
                             "[app.app]\nthread_tolerance = 3\n",
                             "g.toml");
  Settings S =
      resolveWith({{"GRID_PROCESS_TOLERANCE", "machine"}}, C, "/usr/bin/app");
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::ConfigApp);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::Environment);
  EXPECT_EQ(S.Placement.Source, SettingSource::ConfigDefaults);
  EXPECT_EQ(S.Placement.Value, Strategy::Pack);
}

TEST(SettingsPrecedence, ReniceBeatsEverything) {
  // Every other level sets both tolerances; renice wins over all of them.
  SettingsInputs In;
  In.Env.Vars = {{"GRID_THREAD_TOLERANCE", "any"},
                 {"GRID_PROCESS_TOLERANCE", "any"}};
  In.Config = parseConfig(FullConfig, "g.toml");
  In.ExePath = "/usr/bin/app";
  In.BinaryThread = Tolerance::Any;
  In.BinaryProcess = Tolerance::Any;
  In.ReniceThread = {Tolerance::Local, SettingSource::Renice, "gridctl renice"};
  In.ReniceProcess = {Tolerance::Machine, SettingSource::Renice,
                      "gridctl renice"};
  Settings S = resolveSettings(In);
  EXPECT_EQ(S.ThreadTolerance.Value, Tolerance::Local);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::Renice);
  EXPECT_EQ(S.ThreadTolerance.Origin, "gridctl renice");
  EXPECT_EQ(S.ProcessTolerance.Value, Tolerance::Machine);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::Renice);
  EXPECT_EQ(S.ProcessTolerance.Origin, "gridctl renice");
  // Renice carries no strategy.
  EXPECT_EQ(S.Placement.Source, SettingSource::ConfigApp);
}

TEST(SettingsPrecedence, ReniceOfOneToleranceLeavesTheOther) {
  SettingsInputs In;
  In.Env.Vars = {{"GRID_PROCESS_TOLERANCE", "near"}};
  In.Config = parseConfig(FullConfig, "g.toml");
  In.ExePath = "/usr/bin/other";
  In.BinaryThread = Tolerance::Machine;
  In.ReniceThread = {Tolerance::Any, SettingSource::Renice, "gridctl renice"};
  Settings S = resolveSettings(In);
  EXPECT_EQ(S.ThreadTolerance.Value, Tolerance::Any);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::Renice);
  EXPECT_EQ(S.ProcessTolerance.Value, Tolerance::Near);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::Environment);

  // The same with the renice on processes: the binary default rules threads.
  In.ReniceThread.reset();
  In.ReniceProcess = {Tolerance::Local, SettingSource::Renice,
                      "gridctl renice"};
  S = resolveSettings(In);
  EXPECT_EQ(S.ThreadTolerance.Value, Tolerance::Machine);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::Binary);
  EXPECT_EQ(S.ProcessTolerance.Value, Tolerance::Local);
  EXPECT_EQ(S.ProcessTolerance.Source, SettingSource::Renice);
}

//===----------------------------------------------------------------------===//
// The control sockets' directory (DESIGN.md §8)
//===----------------------------------------------------------------------===//

TEST(SettingsControlDirectory, XdgRuntimeDirWhenSet) {
  Environment Env{{{"XDG_RUNTIME_DIR", "/run/user/1000"}}};
  EXPECT_EQ(controlDirectory(Env, 1000), "/run/user/1000/grid");
  // The uid does not matter then: the directory is already the user's.
  EXPECT_EQ(controlDirectory(Env, 0), "/run/user/1000/grid");
}

TEST(SettingsControlDirectory, TmpPerUidWhenUnsetOrEmpty) {
  EXPECT_EQ(controlDirectory(Environment{}, 1000), "/tmp/grid-1000");
  EXPECT_EQ(controlDirectory(Environment{}, 0), "/tmp/grid-0");
  Environment Empty{{{"XDG_RUNTIME_DIR", ""}}};
  EXPECT_EQ(controlDirectory(Empty, 4242), "/tmp/grid-4242");
}

//===----------------------------------------------------------------------===//
// [app."..."] matching
//===----------------------------------------------------------------------===//

TEST(SettingsMatchApp, ByBasename) {
  ConfigFile C = parseConfig("[app.make]\nthread_tolerance = 1\n", "g.toml");
  EXPECT_EQ(matchApp(C, "/usr/bin/make"), &C.Apps[0].second);
  EXPECT_EQ(matchApp(C, "make"), &C.Apps[0].second);
  EXPECT_EQ(matchApp(C, "./make"), &C.Apps[0].second);
  EXPECT_EQ(matchApp(C, "/usr/bin/gmake"), nullptr);
  EXPECT_EQ(matchApp(C, "/usr/bin/make/x"), nullptr);
  EXPECT_EQ(matchApp(C, ""), nullptr);
}

TEST(SettingsMatchApp, LastMatchingTableWins) {
  ConfigFile C =
      parseConfig("[app.\"/usr/bin/make\"]\n[app.make]\n[app.cc]\n", "g.toml");
  EXPECT_EQ(matchApp(C, "/usr/bin/make"), &C.Apps[1].second);
  EXPECT_EQ(matchApp(C, "/usr/bin/cc"), &C.Apps[2].second);
}

TEST_F(SettingsFiles, MatchAppByPathAsGivenOrResolved) {
  std::string Real = write("bin/tool", "");
  fs::create_symlink(Real, Dir / "link");
  ConfigFile C =
      parseConfig("[app.\"" + Real + "\"]\nthread_tolerance = 2\n", "g.toml");
  const ConfigTable *Table = &C.Apps[0].second;
  EXPECT_EQ(matchApp(C, Real), Table);
  // Through a symlink and through a path with "..": realpath makes them equal.
  EXPECT_EQ(matchApp(C, (Dir / "link").string()), Table);
  EXPECT_EQ(matchApp(C, (Dir / "bin" / ".." / "bin" / "tool").string()), Table);
  // A path key never matches by basename.
  EXPECT_EQ(matchApp(C, "tool"), nullptr);
  EXPECT_EQ(matchApp(C, "/elsewhere/bin/tool"), nullptr);

  Settings S = resolveWith({}, C, (Dir / "link").string());
  EXPECT_EQ(S.ThreadTolerance.Value, Tolerance::Near);
  EXPECT_EQ(S.ThreadTolerance.Source, SettingSource::ConfigApp);
}

TEST_F(SettingsFiles, MatchAppPathKeyThroughASymlink) {
  // The key names a symlink; the runtime may know only the resolved path.
  std::string Real = write("bin/tool-1.2", "");
  fs::create_symlink(Real, Dir / "bin" / "tool");
  std::string Link = (Dir / "bin" / "tool").string();
  ConfigFile C = parseConfig("[app.\"" + Link + "\"]\n", "g.toml");
  EXPECT_EQ(matchApp(C, Real), &C.Apps[0].second);
  EXPECT_EQ(matchApp(C, Link), &C.Apps[0].second);
  write("bin/other", "");
  EXPECT_EQ(matchApp(C, (Dir / "bin" / "other").string()), nullptr);
}

TEST(SettingsMatchApp, PathKeyMatchesAsGivenWhenTheFileDoesNotExist) {
  ConfigFile C = parseConfig("[app.\"/no/such/dir/app\"]\n", "g.toml");
  EXPECT_EQ(matchApp(C, "/no/such/dir/app"), &C.Apps[0].second);
  EXPECT_EQ(matchApp(C, "/no/such/other/app"), nullptr);
}

//===----------------------------------------------------------------------===//
// Where the config file is found
//===----------------------------------------------------------------------===//

std::optional<std::string> systemConfigOrNone() {
  if (fs::exists(SystemConfig))
    return std::string(SystemConfig);
  return std::nullopt;
}

TEST_F(SettingsFiles, GridConfigMustExist) {
  std::string Missing = (Dir / "missing.toml").string();
  Environment Env{{{"GRID_CONFIG", Missing}}};
  std::string Message = errorOf([&] { findConfigFile(Env); });
  EXPECT_EQ(Message, "GRID_CONFIG='" + Missing +
                         "': No such file or directory; accepted: the path "
                         "of an existing TOML config file, or unset "
                         "GRID_CONFIG");
  EXPECT_EQ(errorOf([&] { loadConfig(Env); }), Message);
}

TEST_F(SettingsFiles, GridConfigMustNotBeADirectory) {
  Environment Env{{{"GRID_CONFIG", Dir.string()}}};
  std::string Message = errorOf([&] { findConfigFile(Env); });
  EXPECT_EQ(
      Message.rfind("GRID_CONFIG='" + Dir.string() + "' is a directory", 0), 0u)
      << Message;
}

TEST_F(SettingsFiles, GridConfigDevNullMeansNoSettingsFromFiles) {
  // Documented in docs/settings.md as the way to ignore every config file.
  write("xdg/grid/grid.toml", "[defaults]\nthread_tolerance = 3\n");
  Environment Env{{{"GRID_CONFIG", "/dev/null"},
                   {"XDG_CONFIG_HOME", (Dir / "xdg").string()}}};
  std::optional<ConfigFile> C = loadConfig(Env);
  ASSERT_TRUE(C);
  EXPECT_FALSE(C->Defaults.ThreadTolerance);
  EXPECT_TRUE(C->Apps.empty());
}

TEST_F(SettingsFiles, GridConfigBeatsXdgConfigHome) {
  std::string Explicit = write("explicit.toml", "");
  write("xdg/grid/grid.toml", "");
  Environment Env{
      {{"GRID_CONFIG", Explicit}, {"XDG_CONFIG_HOME", (Dir / "xdg").string()}}};
  EXPECT_EQ(findConfigFile(Env), Explicit);
}

TEST_F(SettingsFiles, EmptyGridConfigCountsAsUnset) {
  std::string User = write("xdg/grid/grid.toml", "");
  Environment Env{
      {{"GRID_CONFIG", ""}, {"XDG_CONFIG_HOME", (Dir / "xdg").string()}}};
  EXPECT_EQ(findConfigFile(Env), User);
}

TEST_F(SettingsFiles, XdgConfigHomeBeatsHomeDotConfig) {
  std::string Xdg = write("xdg/grid/grid.toml", "");
  write("home/.config/grid/grid.toml", "");
  Environment Env{{{"XDG_CONFIG_HOME", (Dir / "xdg").string()},
                   {"HOME", (Dir / "home").string()}}};
  EXPECT_EQ(findConfigFile(Env), Xdg);
}

TEST_F(SettingsFiles, HomeDotConfigWhenXdgConfigHomeUnset) {
  std::string User = write("home/.config/grid/grid.toml", "");
  Environment Env{{{"HOME", (Dir / "home").string()}}};
  EXPECT_EQ(findConfigFile(Env), User);
}

TEST_F(SettingsFiles, XdgConfigHomeWithoutFileFallsToSystemNotHome) {
  // XDG_CONFIG_HOME replaces $HOME/.config; it does not add to it.
  write("home/.config/grid/grid.toml", "");
  fs::create_directories(Dir / "xdg");
  Environment Env{{{"XDG_CONFIG_HOME", (Dir / "xdg").string()},
                   {"HOME", (Dir / "home").string()}}};
  EXPECT_EQ(findConfigFile(Env), systemConfigOrNone());
}

TEST_F(SettingsFiles, LoadConfigParsesTheFileFound) {
  std::string User =
      write("xdg/grid/grid.toml", "[defaults]\nprocess_tolerance = \"any\"\n");
  Environment Env{{{"XDG_CONFIG_HOME", (Dir / "xdg").string()}}};
  std::optional<ConfigFile> C = loadConfig(Env);
  ASSERT_TRUE(C);
  EXPECT_EQ(C->Path, User);
  ASSERT_TRUE(C->Defaults.ProcessTolerance);
  EXPECT_EQ(C->Defaults.ProcessTolerance->Value, Tolerance::Any);
  EXPECT_EQ(C->Defaults.ProcessTolerance->Origin, User + ":2:1");

  SettingsInputs In;
  In.Env = Env;
  In.Config = C;
  In.ExePath = "/usr/bin/app";
  Settings S = resolveSettings(In);
  EXPECT_EQ(S.ConfigPath, User);
  EXPECT_EQ(S.ProcessTolerance.Origin, User + ":2:1");
}

TEST_F(SettingsFiles, LoadConfigErrorNamesTheFile) {
  std::string Bad = write("bad.toml", "[defaults]\nplacement = \"fast\"\n");
  Environment Env{{{"GRID_CONFIG", Bad}}};
  EXPECT_EQ(errorOf([&] { loadConfig(Env); }),
            Bad + ":2:13: placement = 'fast' is not a placement strategy; "
                  "accepted: balance, spread, pack");
}

TEST_F(SettingsFiles, NoUserConfigGivesSystemOrNone) {
  Environment Env{{{"XDG_CONFIG_HOME", (Dir / "none").string()}}};
  EXPECT_EQ(findConfigFile(Env), systemConfigOrNone());
  EXPECT_EQ(loadConfig(Env).has_value(), systemConfigOrNone().has_value());
}

} // namespace
