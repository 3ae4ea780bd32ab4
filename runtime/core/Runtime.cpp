//===- core/Runtime.cpp - Start-up, ABI check, modules and settings -------===//
//
// Holds the process's resolved settings. They are resolved once at start
// (libgridrt's constructor), then again each time a module registers the
// defaults embedded by -fgrid-*-tolerance=. The values placement reads on
// every creation are mirrored in atomics so that path takes no lock.
//===----------------------------------------------------------------------===//

#include "core/Core.h"
#include "core/Slices.h"

#include <tbb/concurrent_vector.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <new>
#include <pthread.h>
#include <shared_mutex>
#include <sys/syscall.h>
#include <unistd.h>

namespace grid::core {

namespace {
struct State {
  std::once_flag ProcessInit;
  std::once_flag ExitHooks;
  std::mutex Mutex; // guards Inputs and Current
  SettingsInputs Inputs;
  Settings Current{{Tolerance::Local, SettingSource::BuiltIn, "built-in"},
                   {Tolerance::Local, SettingSource::BuiltIn, "built-in"},
                   {Strategy::Balance, SettingSource::BuiltIn, "built-in"},
                   LogLevel::Warn,
                   false,
                   ""};
  std::string LoggedSettings; // the last settings line GRID_LOG=debug printed
  tbb::concurrent_vector<const __grid_module *> Modules;
  std::atomic<Tolerance> Thread{Tolerance::Local};
  std::atomic<Tolerance> Process{Tolerance::Local};
  std::atomic<Strategy> Placement{Strategy::Balance};
  std::atomic<LogLevel> Log{LogLevel::Warn};
  std::atomic<bool> Stats{false};
  // The pid a fork child had when its atfork handler ran; 0 in the parent.
  // A vfork child runs no atfork handler, so it never matches.
  std::atomic<pid_t> ForkChild{0};
  // gridctl renice --site: few entries, read under the shared lock only
  // once AnySite is set.
  std::shared_mutex SiteMutex;
  std::vector<SiteRenice> Sites;
  std::atomic<bool> AnySite{false};
};

// Never destroyed: threads the program leaves running may still create
// threads while exit() runs the destructors of static objects.
State &state() {
  static State *S = new State;
  return *S;
}

void printStatsAtExit() {
  State &S = state();
  if (!S.Stats.load() || isForkChild())
    return;
  // A program under gridrun that started nothing (ls, cat, a compiler's
  // helpers...) says nothing: only a program built with -fgrid, which asked
  // for Grid, always prints its table.
  if (S.Modules.empty() && stats().rows().empty())
    return;
  writeStderr(stats().format());
}

void markForkChild() { state().ForkChild.store(ownPid()); }

void lockSettingsForFork() {
  state().Mutex.lock();
  state().SiteMutex.lock();
}

void unlockSettingsAfterFork() {
  state().SiteMutex.unlock();
  state().Mutex.unlock();
}

// In the child the forking thread has another id, and glibc's rwlock takes
// an unlock by a thread that is not its writer for a reader's: the site
// lock is made anew instead (nobody else holds it there).
void unlockSettingsInForkChild() {
  new (&state().SiteMutex) std::shared_mutex;
  state().Mutex.unlock();
}

std::string describeSettings(const Settings &S) {
  auto Part = [](const char *Name, const char *Value, const auto &Sourced) {
    std::string Text =
        std::string(Name) + " " + Value + " (" + toString(Sourced.Source);
    if (Sourced.Source != SettingSource::BuiltIn)
      Text += ": " + Sourced.Origin;
    return Text + ")";
  };
  std::string Text =
      "settings: " +
      Part("thread tolerance", toString(S.ThreadTolerance.Value),
           S.ThreadTolerance) +
      ", " +
      Part("process tolerance", toString(S.ProcessTolerance.Value),
           S.ProcessTolerance) +
      ", " + Part("placement", toString(S.Placement.Value), S.Placement) +
      ", log " + toString(S.Log) + ", stats " + (S.Stats ? "on" : "off") +
      ", config " + (S.ConfigPath.empty() ? "none" : S.ConfigPath);
  return Text;
}

// Caller holds S.Mutex.
void publish(State &S, Settings Resolved) {
  S.Current = std::move(Resolved);
  S.Thread.store(S.Current.ThreadTolerance.Value);
  S.Process.store(S.Current.ProcessTolerance.Value);
  S.Placement.store(S.Current.Placement.Value);
  S.Log.store(S.Current.Log);
  S.Stats.store(S.Current.Stats);
}

const char *moduleName(const __grid_module *M) {
  return M->name && *M->name ? M->name : "a module compiled with -fgrid";
}

/// The lowest of the modules' embedded defaults for one tolerance; logs the
/// disagreement when modules differ (the lowest is the safe choice: it never
/// sends work further than any module's author allowed).
std::optional<Tolerance>
binaryDefault(const tbb::concurrent_vector<const __grid_module *> &Modules,
              int32_t __grid_module::*Field, const char *What) {
  std::optional<int32_t> Lowest;
  bool Disagree = false;
  std::string Listing;
  for (const __grid_module *M : Modules) {
    int32_t Value = M->*Field;
    if (Value == GRID_TOLERANCE_UNSET)
      continue;
    if (Lowest && *Lowest != Value)
      Disagree = true;
    if (!Lowest || Value < *Lowest)
      Lowest = Value;
    if (!Listing.empty())
      Listing += ", ";
    Listing += std::string(moduleName(M)) + ": " +
               toString(static_cast<Tolerance>(Value));
  }
  if (!Lowest)
    return std::nullopt;
  Tolerance Result = static_cast<Tolerance>(*Lowest);
  if (Disagree)
    log(LogLevel::Info, std::string("modules disagree on the ") + What +
                            " default (" + Listing + "); using the lowest, " +
                            toString(Result));
  return Result;
}
} // namespace

bool logEnabled(LogLevel Level) {
  return static_cast<int>(Level) <= static_cast<int>(state().Log.load());
}

Tolerance threadTolerance() { return state().Thread.load(); }
Tolerance processTolerance() { return state().Process.load(); }
Strategy placementStrategy() { return state().Placement.load(); }

namespace {
std::atomic<int> RuntimeThreads{0};
std::atomic<bool> MainGone{false};
std::atomic<int> MainWake{-1};
pthread_key_t MainKey;

void mainThreadEnded(void *) {
  MainGone.store(true);
  int Fd = MainWake.load();
  if (Fd >= 0) {
    uint64_t One = 1;
    [[maybe_unused]] ssize_t N = ::write(Fd, &One, sizeof One);
  }
}

} // namespace

void runtimeThreadStarted() { RuntimeThreads.fetch_add(1); }

void watchMainThread(int Wake) {
  static std::once_flag Once;
  MainWake.store(Wake);
  if (::gettid() != ::getpid())
    return;
  std::call_once(Once, [] {
    if (::pthread_key_create(&MainKey, mainThreadEnded) == 0)
      ::pthread_setspecific(MainKey, &MainKey);
  });
}

bool mainThreadGone() { return MainGone.load(); }

bool programThreadsGone() {
  if (!MainGone.load())
    return false;
  // "Threads:" is one atomic count. It still counts the main thread, which
  // ended but stays until the process ends: less that one.
  std::optional<long> Count = selfStatusField("Threads", 10);
  return Count && *Count > 0 && *Count - 1 <= RuntimeThreads.load();
}

void renice(std::optional<Tolerance> Thread, std::optional<Tolerance> Process) {
  State &S = state();
  std::string Description;
  {
    std::lock_guard<std::mutex> Lock(S.Mutex);
    if (Thread)
      S.Inputs.ReniceThread =
          Sourced<Tolerance>{*Thread, SettingSource::Renice, "gridctl renice"};
    if (Process)
      S.Inputs.ReniceProcess =
          Sourced<Tolerance>{*Process, SettingSource::Renice, "gridctl renice"};
    try {
      publish(S, resolveSettings(S.Inputs));
    } catch (const SettingsError &) {
      // The other inputs were valid at start and have not changed; a renice
      // alone cannot make them invalid. Set the reniced values directly.
      if (Thread)
        S.Thread.store(*Thread);
      if (Process)
        S.Process.store(*Process);
    }
    Description = describeSettings(S.Current);
    S.LoggedSettings = Description;
  }
  log(LogLevel::Info, "reniced; " + Description);
}

void reniceSite(const __grid_site *Site, std::optional<Tolerance> Thread,
                std::optional<Tolerance> Process) {
  State &S = state();
  {
    std::unique_lock<std::shared_mutex> Lock(S.SiteMutex);
    auto It = std::find_if(S.Sites.begin(), S.Sites.end(),
                           [&](const SiteRenice &R) { return R.Site == Site; });
    if (It == S.Sites.end())
      It = S.Sites.insert(S.Sites.end(), SiteRenice{Site, {}, {}});
    if (Thread)
      It->Thread = Thread;
    if (Process)
      It->Process = Process;
    S.AnySite.store(true);
  }
  log(LogLevel::Info,
      "reniced call site " + describeSite(Site) + ": thread tolerance " +
          (Thread ? toString(*Thread) : "unchanged") + ", process tolerance " +
          (Process ? toString(*Process) : "unchanged"));
}

std::vector<SiteRenice> siteRenices() {
  State &S = state();
  std::shared_lock<std::shared_mutex> Lock(S.SiteMutex);
  return S.Sites;
}

namespace {
template <class Field>
Tolerance siteTolerance(const __grid_site *Site, Field F,
                        const std::atomic<Tolerance> &Program) {
  State &S = state();
  if (Site && S.AnySite.load(std::memory_order_acquire)) {
    std::shared_lock<std::shared_mutex> Lock(S.SiteMutex);
    for (const SiteRenice &R : S.Sites)
      if (R.Site == Site && R.*F)
        return *(R.*F);
  }
  return Program.load();
}

/// True when Suffix is Path or its last path components.
bool pathEndsWith(std::string_view Path, std::string_view Suffix) {
  if (Suffix.empty() || Path.size() < Suffix.size() ||
      Path.substr(Path.size() - Suffix.size()) != Suffix)
    return false;
  return Path.size() == Suffix.size() ||
         Path[Path.size() - Suffix.size() - 1] == '/';
}
} // namespace

Tolerance threadTolerance(const __grid_site *Site) {
  return siteTolerance(Site, &SiteRenice::Thread, state().Thread);
}

Tolerance processTolerance(const __grid_site *Site) {
  return siteTolerance(Site, &SiteRenice::Process, state().Process);
}

std::vector<const __grid_site *> findSites(std::string_view File,
                                           uint32_t Line) {
  std::vector<const __grid_site *> Found;
  while (File.substr(0, 2) == "./")
    File.remove_prefix(2);
  for (const __grid_module *M : state().Modules)
    for (uint32_t I = 0; I < M->num_sites; ++I) {
      const __grid_site &Site = M->sites[I];
      if (Site.line == Line && Site.file && isPlacementKind(Site.kind) &&
          (pathEndsWith(Site.file, File) || pathEndsWith(File, Site.file)))
        Found.push_back(&Site);
    }
  return Found;
}

Settings currentSettings() {
  State &S = state();
  std::lock_guard<std::mutex> Lock(S.Mutex);
  return S.Current;
}

void initializeFrom(SettingsInputs Inputs) {
  State &S = state();
  Settings Resolved = resolveSettings(Inputs);
  std::string Description = describeSettings(Resolved);
  setSliceUs(Resolved.SliceUs);
  {
    std::lock_guard<std::mutex> Lock(S.Mutex);
    S.LoggedSettings = Description;
    S.Inputs = std::move(Inputs);
    publish(S, std::move(Resolved));
  }
  std::call_once(S.ExitHooks, [] {
    std::atexit(printStatsAtExit);
    // fork() while the control server holds a settings lock (a renice)
    // would leave it locked for ever in the child: fork waits for it.
    ::pthread_atfork(lockSettingsForFork, unlockSettingsAfterFork,
                     unlockSettingsInForkChild);
    ::pthread_atfork(nullptr, nullptr, markForkChild);
  });
  log(LogLevel::Debug, Description);
}

// Children inherit their parent's tolerances through the environment, as
// they inherit a nice value (DESIGN.md §2), whatever level the parent's came
// from. Settings are re-resolved from the environment captured at start, so
// what is exported here never counts as the user's own environment. Called
// before main (start-up and module constructors), while setenv is safe.
// A built-in default is not exported: a parent nobody configured leaves its
// children to their own settings.
static void exportTolerancesForChildren(const Settings &S) {
  auto Export = [](const char *Name, const Sourced<Tolerance> &T) {
    if (T.Source == SettingSource::Environment ||
        T.Source == SettingSource::BuiltIn)
      return; // the user's own value, already there; or nobody's
    std::string Value = std::to_string(static_cast<int>(T.Value));
    const char *Now = getEnv(Name);
    if (!Now || Value != Now)
      setEnv(Name, Value.c_str(), true);
  };
  Export("GRID_THREAD_TOLERANCE", S.ThreadTolerance);
  Export("GRID_PROCESS_TOLERANCE", S.ProcessTolerance);
}

void initialize() {
  std::call_once(state().ProcessInit, [] {
    // Start-up looks for config files that need not exist; main must still
    // begin with the errno a plain build has.
    ErrnoGuard Guard;
    try {
      SettingsInputs In;
      In.Env = Environment::fromProcess();
      In.Config = loadConfig(In.Env);
      In.ExePath = exePath();
      initializeFrom(std::move(In));
    } catch (const SettingsError &E) {
      fatal("", E.what(), "");
    }
    exportTolerancesForChildren(currentSettings());
  });
}

void registerModule(const __grid_module *Module) {
  ErrnoGuard Guard;
  initialize();
  if (!Module)
    fatal("", "__grid_register_module was called without a module record",
          "rebuild the program with grid-clang -fgrid");
  const char *Name = moduleName(Module);
  if (Module->abi_version != GRID_ABI_VERSION)
    fatal(Name,
          "was built for Grid ABI " + std::to_string(Module->abi_version) +
              " and this runtime (libgridrt.so) implements ABI " +
              std::to_string(GRID_ABI_VERSION),
          "rebuild it with this Grid's grid-clang -fgrid");
  for (int32_t Value : {Module->thread_tolerance, Module->process_tolerance})
    if (Value != GRID_TOLERANCE_UNSET && (Value < 0 || Value > 3))
      fatal(Name,
            "carries an embedded tolerance of " + std::to_string(Value) +
                ", accepted values are " + AcceptedTolerances,
            "rebuild it with this Grid's grid-clang -fgrid");

  State &S = state();
  S.Modules.push_back(Module);
  log(LogLevel::Debug, std::string("registered module ") + Name + " (" +
                           std::to_string(Module->num_sites) + " call sites)");

  std::string Description;
  {
    std::lock_guard<std::mutex> Lock(S.Mutex);
    S.Inputs.BinaryThread =
        binaryDefault(S.Modules, &__grid_module::thread_tolerance, "thread");
    S.Inputs.BinaryProcess =
        binaryDefault(S.Modules, &__grid_module::process_tolerance, "process");
    try {
      publish(S, resolveSettings(S.Inputs));
    } catch (const SettingsError &E) {
      fatal(Name, E.what(), "fix the setting named above");
    }
    Description = describeSettings(S.Current);
    exportTolerancesForChildren(S.Current);
    // Said once at start; again only when a module's defaults changed it.
    if (Description == S.LoggedSettings)
      Description.clear();
    else
      S.LoggedSettings = Description;
  }
  if (!Description.empty())
    log(LogLevel::Debug, Description);
}

std::vector<const __grid_module *> registeredModules() {
  const auto &Modules = state().Modules;
  return {Modules.begin(), Modules.end()};
}

bool isForkChild() { return state().ForkChild.load() == ownPid(); }

int ownPid() { return static_cast<int>(::syscall(SYS_getpid)); }

void recordCreation(const __grid_site *Site, std::string_view Place) {
  if (isForkChild())
    return;
  stats().record(Site, Place);
}

} // namespace grid::core
