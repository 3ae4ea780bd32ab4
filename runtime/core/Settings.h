//===- core/Settings.h - Grid's settings, parsed in one place ---*- C++ -*-===//
//
// Every setting a Grid program takes (GRID_* environment variables, the TOML
// config file, defaults embedded by -fgrid) is parsed and validated here and
// nowhere else (STYLE.md 6). Precedence, strongest first (DESIGN.md §2):
//   renice > environment > config [app."..."] > binary default
//          > config [defaults] > built-in default.
// Bad values raise SettingsError with a message that names the variable (or
// file:line:column) and the accepted values; callers print it and stop.
//===----------------------------------------------------------------------===//
#ifndef GRID_CORE_SETTINGS_H
#define GRID_CORE_SETTINGS_H

#include "grid/tolerance.h"

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace grid {

/// How a place is chosen among the allowed ones.
enum class Strategy { Balance, Spread, Pack };
/// GRID_LOG: Warn prints only warnings and errors (the default).
enum class LogLevel { Warn, Info, Debug };
/// Where an effective value came from (gridctl ps shows it).
enum class SettingSource {
  BuiltIn,
  ConfigDefaults,
  Binary,
  ConfigApp,
  Environment,
  Renice
};

const char *toString(Tolerance T);     // "local", "machine", "near", "any"
const char *toString(Strategy S);      // "balance", "spread", "pack"
const char *toString(LogLevel L);      // "warn", "info", "debug"
const char *toString(SettingSource S); // "built-in", "config defaults",
                                       // "binary", "config app",
                                       // "environment", "renice"

/// "0".."3" or "local", "machine", "near", "any" (exactly these spellings).
std::optional<Tolerance> parseTolerance(std::string_view Text);
std::optional<Strategy> parseStrategy(std::string_view Text);
std::optional<LogLevel> parseLogLevel(std::string_view Text);
/// The accepted spellings, for error messages:
/// "0-3 or local, machine, near, any".
extern const char *const AcceptedTolerances;
extern const char *const AcceptedStrategies; // "balance, spread, pack"
extern const char *const AcceptedLogLevels;  // "warn, info, debug"

class SettingsError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A value and where it came from. Origin is human-readable: the variable
/// name ("GRID_THREAD_TOLERANCE"), "file:line:column" of a config entry,
/// "-fgrid-thread-tolerance", or "built-in".
template <class T> struct Sourced {
  T Value;
  SettingSource Source;
  std::string Origin;
};

/// One table of the config file: [defaults] or [app."name-or-path"].
/// Keys: thread_tolerance, process_tolerance (integer 0-3 or a name),
/// placement (a strategy name). Each present value keeps its position.
struct ConfigTable {
  std::optional<Sourced<Tolerance>> ThreadTolerance;
  std::optional<Sourced<Tolerance>> ProcessTolerance;
  std::optional<Sourced<Strategy>> Placement;
};

struct ConfigFile {
  std::string Path;
  ConfigTable Defaults;
  /// [app."key"] tables in file order. A key containing '/' matches the
  /// program's path (as given, or after realpath); otherwise its basename.
  std::vector<std::pair<std::string, ConfigTable>> Apps;
};

/// The process environment, or a fake one in tests.
struct Environment {
  std::map<std::string, std::string> Vars;
  static Environment fromProcess();
  std::optional<std::string> get(const std::string &Name) const;
};

/// Parses config text. Errors (TOML syntax, unknown table or key, bad value)
/// raise SettingsError as "path:line:column: what".
ConfigFile parseConfig(std::string_view Text, std::string_view Path);

/// GRID_CONFIG if set (the file must exist), else
/// $XDG_CONFIG_HOME/grid/grid.toml (XDG_CONFIG_HOME defaulting to
/// $HOME/.config), else /etc/grid/grid.toml; nullopt if none exists.
std::optional<std::string> findConfigFile(const Environment &Env);

/// findConfigFile + read + parseConfig; nullopt when there is no file.
std::optional<ConfigFile> loadConfig(const Environment &Env);

/// The [app."..."] table that applies to the program at ExePath, if any
/// (the last matching table wins).
const ConfigTable *matchApp(const ConfigFile &Config, std::string_view ExePath);

struct SettingsInputs {
  Environment Env;
  std::optional<ConfigFile> Config;
  std::string ExePath;
  /// Defaults embedded by -fgrid-thread-tolerance= / -fgrid-process-tolerance=.
  std::optional<Tolerance> BinaryThread;
  std::optional<Tolerance> BinaryProcess;
  /// gridctl renice on the running program: the strongest level.
  std::optional<Sourced<Tolerance>> ReniceThread;
  std::optional<Sourced<Tolerance>> ReniceProcess;
};

struct Settings {
  Sourced<Tolerance> ThreadTolerance;
  Sourced<Tolerance> ProcessTolerance;
  Sourced<Strategy> Placement;
  LogLevel Log = LogLevel::Warn; // GRID_LOG
  bool Stats = false;            // GRID_STATS: 0 or 1
  std::string ConfigPath;        // "" when no config file applies
  /// GRID_NEAR_THRESHOLD_US: a node whose round trip to home is below this
  /// many microseconds is "near" (DESIGN.md §2). Positive integer.
  unsigned NearThresholdUs = 50;
  /// GRID_NODE_TIMEOUT: seconds without a message before home declares a
  /// node lost and ends the job. Positive number, decimals allowed.
  double NodeTimeoutSeconds = 5.0;
  /// GRID_DSM_CACHE_PAGES: at most this many 4 KiB pages of other nodes'
  /// memory stay cached on a node (threads on other nodes, DESIGN.md §6);
  /// beyond it the oldest clean page is dropped. Each cached page can be a
  /// mapping of its own, so it stays well below vm.max_map_count.
  unsigned DsmCachePages = 16384;
  /// GRID_DSM_FAULTS: how a node notices a touch of a page it does not hold
  /// (docs/design/dsm.md): "uffd" (userfaultfd raising SIGBUS; falls back to
  /// "signal" where the kernel refuses) or "signal" (closed pages, SIGSEGV).
  bool DsmUserfaultfd = true;
  /// GRID_DSM_MIGRATE: a page of home's heap moves to the node that
  /// changed an eighth of it or more in this many releases (home
  /// migration, docs/design/dsm.md); 0, the default, keeps every page at
  /// home (migration is opt-in until pages can come back). 0 to 255.
  unsigned DsmMigrate = 0;
  /// GRID_SPIN_US: a thread waiting for an answer from another node (a
  /// remote thread's call home, its shadow waiting for the next call) spins
  /// this many microseconds before it sleeps and lets the event loop wake
  /// it (docs/design/cluster.md §3, lines), unless its waits lately lasted
  /// longer than that (cluster::SpinPolicy). 0 to 10000; 0 sleeps after a
  /// few looks.
  unsigned SpinUs = 50;
  /// GRID_SLICE_US: the time slice, in microseconds, that the threads whose
  /// waits end with another rank's message (the cluster's event loop, a
  /// shadow, the fault server, a remote thread) ask of the kernel
  /// (core/Slices.h), so that their wake-ups do not wait behind other
  /// work's slice. 100 to 100000; 0 asks for none.
  unsigned SliceUs = 100;
  /// GRID_SHARED_LINES: whether the messages of a line between two ranks of
  /// one host go through memory they share (1, the default) or through MPI
  /// (0) (docs/design/cluster.md §3, lines).
  bool SharedLines = true;
};

/// The directory of the control sockets (DESIGN.md §8): $XDG_RUNTIME_DIR/grid
/// when XDG_RUNTIME_DIR is set, else /tmp/grid-<uid>.
std::string controlDirectory(const Environment &Env, uid_t Uid);

/// Applies the precedence above. Environment variables read:
/// GRID_THREAD_TOLERANCE, GRID_PROCESS_TOLERANCE, GRID_PLACEMENT, GRID_LOG,
/// GRID_STATS, GRID_NEAR_THRESHOLD_US, GRID_NODE_TIMEOUT,
/// GRID_DSM_CACHE_PAGES, GRID_DSM_FAULTS, GRID_DSM_MIGRATE, GRID_SPIN_US,
/// GRID_SLICE_US, GRID_SHARED_LINES, and
/// GRID_DEFAULT_PROCESS_TOLERANCE (set by gridrun: ranks as a binary default
/// for a program that embeds none). An empty value counts as unset.
Settings resolveSettings(const SettingsInputs &In);

} // namespace grid

#endif // GRID_CORE_SETTINGS_H
