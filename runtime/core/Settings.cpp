//===- core/Settings.cpp - Grid's settings, parsed in one place -----------===//
//
// Parses and validates every setting a Grid program takes: the GRID_*
// environment variables and the TOML config file (via toml++), then applies
// the precedence of DESIGN.md §2. Nothing else in the runtime reads GRID_*
// variables or the config file (STYLE.md 6).
//===----------------------------------------------------------------------===//

#include "core/Settings.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

extern char **environ;

namespace grid {

const char *const AcceptedTolerances = AcceptedToleranceSpellings;
const char *const AcceptedStrategies = "balance, spread, pack";
const char *const AcceptedLogLevels = "warn, info, debug";

const char *toString(Tolerance T) { return toleranceName(T); }

const char *toString(Strategy S) {
  switch (S) {
  case Strategy::Balance:
    return "balance";
  case Strategy::Spread:
    return "spread";
  case Strategy::Pack:
    return "pack";
  }
  return "?";
}

const char *toString(LogLevel L) {
  switch (L) {
  case LogLevel::Warn:
    return "warn";
  case LogLevel::Info:
    return "info";
  case LogLevel::Debug:
    return "debug";
  }
  return "?";
}

const char *toString(SettingSource S) {
  switch (S) {
  case SettingSource::BuiltIn:
    return "built-in";
  case SettingSource::ConfigDefaults:
    return "config defaults";
  case SettingSource::Binary:
    return "binary";
  case SettingSource::ConfigApp:
    return "config app";
  case SettingSource::Environment:
    return "environment";
  case SettingSource::Renice:
    return "renice";
  }
  return "?";
}

std::optional<Tolerance> parseTolerance(std::string_view Text) {
  return parseToleranceText(Text);
}

std::optional<Strategy> parseStrategy(std::string_view Text) {
  for (Strategy S : {Strategy::Balance, Strategy::Spread, Strategy::Pack})
    if (Text == toString(S))
      return S;
  return std::nullopt;
}

std::optional<LogLevel> parseLogLevel(std::string_view Text) {
  for (LogLevel L : {LogLevel::Warn, LogLevel::Info, LogLevel::Debug})
    if (Text == toString(L))
      return L;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Environment
//===----------------------------------------------------------------------===//

Environment Environment::fromProcess() {
  Environment Env;
  for (char **Entry = environ; Entry && *Entry; ++Entry) {
    std::string_view Text(*Entry);
    size_t Eq = Text.find('=');
    if (Eq == std::string_view::npos)
      continue;
    Env.Vars.emplace(std::string(Text.substr(0, Eq)),
                     std::string(Text.substr(Eq + 1)));
  }
  return Env;
}

std::optional<std::string> Environment::get(const std::string &Name) const {
  auto It = Vars.find(Name);
  if (It == Vars.end())
    return std::nullopt;
  return It->second;
}

//===----------------------------------------------------------------------===//
// Config file
//===----------------------------------------------------------------------===//

namespace {

const char *const AcceptedKeys = "thread_tolerance, process_tolerance, "
                                 "placement";
const char *const AcceptedTables = "[defaults], [app.\"name-or-path\"]";

std::string position(std::string_view Path, const toml::source_region &Where) {
  std::string Text(Path);
  // Implicitly created tables have no position; the file name still helps.
  if (Where.begin.line == 0)
    return Text;
  return Text + ":" + std::to_string(Where.begin.line) + ":" +
         std::to_string(Where.begin.column);
}

[[noreturn]] void fail(std::string_view Path, const toml::source_region &Where,
                       const std::string &What) {
  throw SettingsError(position(Path, Where) + ": " + What);
}

bool before(const toml::source_region &A, const toml::source_region &B) {
  if (A.begin.line != B.begin.line)
    return A.begin.line < B.begin.line;
  return A.begin.column < B.begin.column;
}

/// toml++ keeps tables sorted by key; the user thinks in file order, both
/// for "the first error" and for "the last matching [app] wins".
std::vector<std::pair<const toml::key *, const toml::node *>>
inFileOrder(const toml::table &Table) {
  std::vector<std::pair<const toml::key *, const toml::node *>> Entries;
  for (const auto &[Key, Node] : Table)
    Entries.emplace_back(&Key, &Node);
  std::stable_sort(Entries.begin(), Entries.end(),
                   [](const auto &A, const auto &B) {
                     return before(A.first->source(), B.first->source());
                   });
  return Entries;
}

/// "KEY = VALUE is not WHAT" with the value as the user wrote it
/// (thread_tolerance = 7), or "KEY is an array, not WHAT".
std::string notA(std::string_view KeyName, const toml::node &Node,
                 std::string_view What) {
  std::ostringstream Out;
  Out << KeyName;
  Node.visit([&](const auto &Value) {
    if constexpr (toml::is_table<decltype(Value)>)
      Out << " is a table, not ";
    else if constexpr (toml::is_array<decltype(Value)>)
      Out << " is an array, not ";
    else
      Out << " = " << Value << " is not ";
  });
  Out << What;
  return Out.str();
}

std::string quote(std::string_view Key) {
  return "\"" + std::string(Key) + "\"";
}

Sourced<Tolerance> toleranceValue(std::string_view Path,
                                  std::string_view KeyName,
                                  const toml::node &Node,
                                  const std::string &Origin,
                                  SettingSource Source) {
  std::optional<Tolerance> T;
  if (auto Int = Node.value_exact<int64_t>()) {
    if (*Int >= 0 && *Int <= 3)
      T = static_cast<Tolerance>(*Int);
  } else if (auto Str = Node.value_exact<std::string>()) {
    T = parseTolerance(*Str);
  }
  if (!T)
    fail(Path, Node.source(),
         notA(KeyName, Node, "a latency tolerance") +
             "; accepted: " + AcceptedTolerances);
  return {*T, Source, Origin};
}

Sourced<Strategy> strategyValue(std::string_view Path, std::string_view KeyName,
                                const toml::node &Node,
                                const std::string &Origin,
                                SettingSource Source) {
  std::optional<Strategy> S;
  if (auto Str = Node.value_exact<std::string>())
    S = parseStrategy(*Str);
  if (!S)
    fail(Path, Node.source(),
         notA(KeyName, Node, "a placement strategy") +
             "; accepted: " + AcceptedStrategies);
  return {*S, Source, Origin};
}

/// Node is the table written [TableName], reached through key KeyName.
ConfigTable parseTable(std::string_view Path, std::string_view KeyName,
                       const toml::node &Node, const std::string &TableName,
                       SettingSource Source) {
  const toml::table *Table = Node.as_table();
  if (!Table)
    fail(Path, Node.source(),
         notA(KeyName, Node, "a table") + "; write it as " + TableName +
             " with keys " + AcceptedKeys);
  ConfigTable Result;
  for (const auto &[Key, Value] : inFileOrder(*Table)) {
    std::string Origin = position(Path, Key->source());
    std::string_view Name = Key->str();
    if (Name == "thread_tolerance")
      Result.ThreadTolerance =
          toleranceValue(Path, Name, *Value, Origin, Source);
    else if (Name == "process_tolerance")
      Result.ProcessTolerance =
          toleranceValue(Path, Name, *Value, Origin, Source);
    else if (Name == "placement")
      Result.Placement = strategyValue(Path, Name, *Value, Origin, Source);
    else
      fail(Path, Key->source(),
           "unknown key '" + std::string(Name) + "' in " + TableName +
               "; accepted keys: " + AcceptedKeys);
  }
  return Result;
}

} // namespace

ConfigFile parseConfig(std::string_view Text, std::string_view Path) {
  toml::table Root;
  try {
    Root = toml::parse(Text, Path);
  } catch (const toml::parse_error &Err) {
    std::string What(Err.description());
    // toml++ capitalises ("Error while parsing ..."); our messages do not.
    if (!What.empty())
      What[0] =
          static_cast<char>(std::tolower(static_cast<unsigned char>(What[0])));
    fail(Path, Err.source(), What);
  }

  ConfigFile Config;
  Config.Path = std::string(Path);
  for (const auto &[Key, Node] : inFileOrder(Root)) {
    std::string_view Name = Key->str();
    if (Name == "defaults") {
      Config.Defaults = parseTable(Path, Name, *Node, "[defaults]",
                                   SettingSource::ConfigDefaults);
      continue;
    }
    if (Name != "app") {
      if (Node->is_table())
        fail(Path, Key->source(),
             "unknown table [" + std::string(Name) +
                 "]; accepted tables: " + AcceptedTables);
      fail(Path, Key->source(),
           "unknown top-level key '" + std::string(Name) +
               "'; settings belong in a table, accepted tables: " +
               AcceptedTables);
    }
    const toml::table *Apps = Node->as_table();
    if (!Apps)
      fail(Path, Node->source(),
           notA("app", *Node, "a table") + "; write per-program settings as "
                                           "[app.\"name-or-path\"]");
    for (const auto &[AppKey, AppNode] : inFileOrder(*Apps)) {
      std::string AppName(AppKey->str());
      if (!AppNode->is_table())
        fail(Path, AppKey->source(),
             "'app." + AppName +
                 "' is not a table; write per-program settings as "
                 "[app.\"name-or-path\"] with keys " +
                 AcceptedKeys);
      if (AppName.empty())
        fail(Path, AppKey->source(),
             "[app.\"\"] names no program; use a program name or a path");
      Config.Apps.emplace_back(
          AppName,
          parseTable(Path, "app." + quote(AppName), *AppNode,
                     "[app." + quote(AppName) + "]", SettingSource::ConfigApp));
    }
  }
  return Config;
}

namespace {

bool exists(const std::string &Path) {
  struct stat St;
  return ::stat(Path.c_str(), &St) == 0;
}

/// An environment variable's value, with an empty value counting as unset.
std::optional<std::string> nonEmpty(const Environment &Env,
                                    const std::string &Name) {
  std::optional<std::string> Value = Env.get(Name);
  if (Value && Value->empty())
    return std::nullopt;
  return Value;
}

} // namespace

std::optional<std::string> findConfigFile(const Environment &Env) {
  if (std::optional<std::string> Explicit = nonEmpty(Env, "GRID_CONFIG")) {
    struct stat St;
    if (::stat(Explicit->c_str(), &St) != 0) {
      std::string Reason = std::strerror(errno);
      throw SettingsError("GRID_CONFIG='" + *Explicit + "': " + Reason +
                          "; accepted: the path of an existing TOML config "
                          "file, or unset GRID_CONFIG");
    }
    if (S_ISDIR(St.st_mode))
      throw SettingsError("GRID_CONFIG='" + *Explicit +
                          "' is a directory; accepted: the path of an "
                          "existing TOML config file, or unset GRID_CONFIG");
    return Explicit;
  }

  std::optional<std::string> ConfigHome = nonEmpty(Env, "XDG_CONFIG_HOME");
  if (!ConfigHome)
    if (std::optional<std::string> Home = nonEmpty(Env, "HOME"))
      ConfigHome = *Home + "/.config";
  if (ConfigHome) {
    std::string User = *ConfigHome + "/grid/grid.toml";
    if (exists(User))
      return User;
  }

  std::string System = "/etc/grid/grid.toml";
  if (exists(System))
    return System;
  return std::nullopt;
}

std::optional<ConfigFile> loadConfig(const Environment &Env) {
  std::optional<std::string> Path = findConfigFile(Env);
  if (!Path)
    return std::nullopt;
  std::ifstream In(*Path, std::ios::binary);
  if (!In)
    throw SettingsError(
        *Path + ": cannot read the Grid config file: " + std::strerror(errno));
  std::ostringstream Text;
  Text << In.rdbuf();
  if (In.bad())
    throw SettingsError(
        *Path + ": cannot read the Grid config file: " + std::strerror(errno));
  return parseConfig(Text.str(), *Path);
}

namespace {

/// realpath(3) as a string; "" when the path does not resolve.
std::string resolved(const std::string &Path) {
  char Buffer[PATH_MAX];
  if (Path.empty() || !::realpath(Path.c_str(), Buffer))
    return "";
  return Buffer;
}

} // namespace

const ConfigTable *matchApp(const ConfigFile &Config,
                            std::string_view ExePath) {
  std::string Given(ExePath);
  size_t Slash = Given.rfind('/');
  std::string Base =
      Slash == std::string::npos ? Given : Given.substr(Slash + 1);
  std::optional<std::string> Real; // resolved on first use
  auto samePath = [&](const std::string &Key) {
    if (Key == Given)
      return true;
    if (!Real)
      Real = resolved(Given);
    // The runtime may only know the resolved path (/proc/self/exe), and the
    // user may have written a symlink: compare the files both name.
    return !Real->empty() && (Key == *Real || resolved(Key) == *Real);
  };

  const ConfigTable *Match = nullptr;
  for (const auto &[Key, Table] : Config.Apps) {
    bool IsPath = Key.find('/') != std::string::npos;
    if (IsPath ? samePath(Key) : Key == Base)
      Match = &Table;
  }
  return Match;
}

std::string controlDirectory(const Environment &Env, uid_t Uid) {
  if (std::optional<std::string> Runtime = nonEmpty(Env, "XDG_RUNTIME_DIR"))
    return *Runtime + "/grid";
  return "/tmp/grid-" + std::to_string(Uid);
}

//===----------------------------------------------------------------------===//
// Precedence
//===----------------------------------------------------------------------===//

namespace {

std::optional<Sourced<Tolerance>> envTolerance(const Environment &Env,
                                               const std::string &Name) {
  std::optional<std::string> Text = nonEmpty(Env, Name);
  if (!Text)
    return std::nullopt;
  std::optional<Tolerance> T = parseTolerance(*Text);
  if (!T)
    throw SettingsError(
        Name + "='" + *Text +
        "' is not a latency tolerance; accepted: " + AcceptedTolerances);
  return Sourced<Tolerance>{*T, SettingSource::Environment, Name};
}

Sourced<Tolerance>
resolveTolerance(const Environment &Env, const std::string &Variable,
                 const ConfigTable *App, const ConfigTable *Defaults,
                 std::optional<Sourced<Tolerance>> ConfigTable::*Field,
                 std::optional<Tolerance> Binary, const char *BinaryFlag,
                 const std::optional<Sourced<Tolerance>> &Reniced) {
  if (Reniced)
    return *Reniced;
  if (auto FromEnv = envTolerance(Env, Variable))
    return *FromEnv;
  if (App && App->*Field)
    return *(App->*Field);
  if (Binary)
    return {*Binary, SettingSource::Binary, BinaryFlag};
  if (Defaults && Defaults->*Field)
    return *(Defaults->*Field);
  return {Tolerance::Local, SettingSource::BuiltIn, "built-in"};
}

} // namespace

Settings resolveSettings(const SettingsInputs &In) {
  const ConfigTable *App = nullptr;
  const ConfigTable *Defaults = nullptr;
  if (In.Config) {
    App = matchApp(*In.Config, In.ExePath);
    Defaults = &In.Config->Defaults;
  }

  Settings S;
  S.ThreadTolerance =
      resolveTolerance(In.Env, "GRID_THREAD_TOLERANCE", App, Defaults,
                       &ConfigTable::ThreadTolerance, In.BinaryThread,
                       "-fgrid-thread-tolerance", In.ReniceThread);
  // gridrun stands in for -fgrid-process-tolerance= in programs it preloads.
  std::optional<Tolerance> BinaryProcess = In.BinaryProcess;
  const char *BinaryProcessFlag = "-fgrid-process-tolerance";
  if (!BinaryProcess)
    if (auto FromRun = envTolerance(In.Env, "GRID_DEFAULT_PROCESS_TOLERANCE")) {
      BinaryProcess = FromRun->Value;
      BinaryProcessFlag = "gridrun (GRID_DEFAULT_PROCESS_TOLERANCE)";
    }
  S.ProcessTolerance =
      resolveTolerance(In.Env, "GRID_PROCESS_TOLERANCE", App, Defaults,
                       &ConfigTable::ProcessTolerance, BinaryProcess,
                       BinaryProcessFlag, In.ReniceProcess);
  S.Placement = {Strategy::Balance, SettingSource::BuiltIn, "built-in"};

  // The binary embeds no strategy, so placement has one level fewer.
  if (std::optional<std::string> Text = nonEmpty(In.Env, "GRID_PLACEMENT")) {
    std::optional<Strategy> Parsed = parseStrategy(*Text);
    if (!Parsed)
      throw SettingsError(
          "GRID_PLACEMENT='" + *Text +
          "' is not a placement strategy; accepted: " + AcceptedStrategies);
    S.Placement = {*Parsed, SettingSource::Environment, "GRID_PLACEMENT"};
  } else if (App && App->Placement) {
    S.Placement = *App->Placement;
  } else if (Defaults && Defaults->Placement) {
    S.Placement = *Defaults->Placement;
  }

  if (std::optional<std::string> Text = nonEmpty(In.Env, "GRID_LOG")) {
    std::optional<LogLevel> Parsed = parseLogLevel(*Text);
    if (!Parsed)
      throw SettingsError(
          "GRID_LOG='" + *Text +
          "' is not a log level; accepted: " + AcceptedLogLevels);
    S.Log = *Parsed;
  }

  if (std::optional<std::string> Text = nonEmpty(In.Env, "GRID_STATS")) {
    if (*Text != "0" && *Text != "1")
      throw SettingsError("GRID_STATS='" + *Text +
                          "' is not a switch; accepted: 0, 1");
    S.Stats = *Text == "1";
  }

  if (std::optional<std::string> Text =
          nonEmpty(In.Env, "GRID_NEAR_THRESHOLD_US")) {
    char *End = nullptr;
    errno = 0;
    unsigned long Value = std::strtoul(Text->c_str(), &End, 10);
    if (*End || errno || Value == 0 || Value > 60'000'000 ||
        !std::isdigit(static_cast<unsigned char>((*Text)[0])))
      throw SettingsError("GRID_NEAR_THRESHOLD_US='" + *Text +
                          "' is not a round-trip threshold; accepted: a "
                          "whole number of microseconds from 1 to 60000000");
    S.NearThresholdUs = static_cast<unsigned>(Value);
  }

  if (std::optional<std::string> Text = nonEmpty(In.Env, "GRID_NODE_TIMEOUT")) {
    char *End = nullptr;
    errno = 0;
    double Value = std::strtod(Text->c_str(), &End);
    if (*End || errno || !(Value >= 0.1 && Value <= 3600) ||
        !std::isdigit(static_cast<unsigned char>((*Text)[0])))
      throw SettingsError("GRID_NODE_TIMEOUT='" + *Text +
                          "' is not a time-out; accepted: seconds from 0.1 "
                          "to 3600, decimals allowed");
    S.NodeTimeoutSeconds = Value;
  }

  if (std::optional<std::string> Text =
          nonEmpty(In.Env, "GRID_DSM_CACHE_PAGES")) {
    char *End = nullptr;
    errno = 0;
    unsigned long Value = std::strtoul(Text->c_str(), &End, 10);
    if (*End || errno || Value < 16 || Value > 60'000 ||
        !std::isdigit(static_cast<unsigned char>((*Text)[0])))
      throw SettingsError("GRID_DSM_CACHE_PAGES='" + *Text +
                          "' is not a page count; accepted: a whole number "
                          "from 16 to 60000");
    S.DsmCachePages = static_cast<unsigned>(Value);
  }
  if (std::optional<std::string> Text = nonEmpty(In.Env, "GRID_DSM_MIGRATE")) {
    char *End = nullptr;
    errno = 0;
    unsigned long Value = std::strtoul(Text->c_str(), &End, 10);
    if (*End || errno || Value > 255 ||
        !std::isdigit(static_cast<unsigned char>((*Text)[0])))
      throw SettingsError("GRID_DSM_MIGRATE='" + *Text +
                          "' is not a count of releases; accepted: a whole "
                          "number from 0 (pages never move) to 255");
    S.DsmMigrate = static_cast<unsigned>(Value);
  }
  if (std::optional<std::string> Text = nonEmpty(In.Env, "GRID_DSM_FAULTS")) {
    if (*Text != "uffd" && *Text != "signal")
      throw SettingsError("GRID_DSM_FAULTS='" + *Text +
                          "' is not a fault mechanism; accepted: uffd, "
                          "signal");
    S.DsmUserfaultfd = *Text == "uffd";
  }

  if (std::optional<std::string> Text = nonEmpty(In.Env, "GRID_SPIN_US")) {
    char *End = nullptr;
    errno = 0;
    unsigned long Value = std::strtoul(Text->c_str(), &End, 10);
    if (*End || errno || Value > 10'000 ||
        !std::isdigit(static_cast<unsigned char>((*Text)[0])))
      throw SettingsError("GRID_SPIN_US='" + *Text +
                          "' is not a spin time; accepted: a whole number "
                          "of microseconds from 0 to 10000");
    S.SpinUs = static_cast<unsigned>(Value);
  }
  if (std::optional<std::string> Text = nonEmpty(In.Env, "GRID_SLICE_US")) {
    char *End = nullptr;
    errno = 0;
    unsigned long Value = std::strtoul(Text->c_str(), &End, 10);
    if (*End || errno || (Value != 0 && (Value < 100 || Value > 100'000)) ||
        !std::isdigit(static_cast<unsigned char>((*Text)[0])))
      throw SettingsError("GRID_SLICE_US='" + *Text +
                          "' is not a time slice; accepted: a whole number "
                          "of microseconds from 100 to 100000, or 0 (the "
                          "kernel's default)");
    S.SliceUs = static_cast<unsigned>(Value);
  }
  if (std::optional<std::string> Text = nonEmpty(In.Env, "GRID_SHARED_LINES")) {
    if (*Text != "0" && *Text != "1")
      throw SettingsError("GRID_SHARED_LINES='" + *Text +
                          "' is not a switch; accepted: 1 (lines between "
                          "ranks of one host go through shared memory) or "
                          "0 (through MPI)");
    S.SharedLines = *Text == "1";
  }

  if (In.Config)
    S.ConfigPath = In.Config->Path;
  return S;
}

} // namespace grid
