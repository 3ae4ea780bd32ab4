//===- core/Core.h - Start-up, logging, errors, sites and statistics ------===//
//
// The bottom layer of libgridrt. It resolves the settings (through
// core/Settings.h) at start and again when a module registers its defaults,
// checks each module's ABI version, names call sites, logs to stderr with a
// `grid:` prefix (GRID_LOG), stops the program with a clear message on fatal
// errors, and keeps the per-site statistics that GRID_STATS=1 prints at exit.
// Every other layer may use it; it uses none of them.
//===----------------------------------------------------------------------===//
#ifndef GRID_CORE_CORE_H
#define GRID_CORE_CORE_H

#include "core/Settings.h"
#include "grid/abi.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grid::core {

// --- Errno ---------------------------------------------------------------
/// Restores errno on scope exit, so Grid's bookkeeping around a real call
/// leaves the caller's errno exactly as the real call alone would.
/// While alive, the calling thread blocks every signal but the synchronous
/// faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL), and the threads it creates
/// start so: the runtime's threads, and MPI's, take none of the program's
/// signals (a handler of the program's that ran on one could wait for
/// itself, or for a thread MPI_Finalize joins).
class ProgramSignalsBlocked {
public:
  ProgramSignalsBlocked() {
    sigset_t All;
    sigfillset(&All);
    for (int Fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL})
      sigdelset(&All, Fault);
    pthread_sigmask(SIG_SETMASK, &All, &Old);
  }
  ~ProgramSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &Old, nullptr); }
  ProgramSignalsBlocked(const ProgramSignalsBlocked &) = delete;
  ProgramSignalsBlocked &operator=(const ProgramSignalsBlocked &) = delete;

private:
  sigset_t Old;
};

class ErrnoGuard {
public:
  ErrnoGuard() : Saved(errno) {}
  ~ErrnoGuard() { errno = Saved; }
  ErrnoGuard(const ErrnoGuard &) = delete;
  ErrnoGuard &operator=(const ErrnoGuard &) = delete;

private:
  int Saved;
};

// --- The environment ---------------------------------------------------------
/// getenv, setenv and unsetenv of the C library, never the program's own
/// (bash defines its own, which fail before its main). getEnv reads environ.
const char *getEnv(const char *Name);
void setEnv(const char *Name, const char *Value, bool Overwrite);
void unsetEnv(const char *Name);

/// The per-user directory of Grid's sockets (control sockets, the home
/// socket): $XDG_RUNTIME_DIR/grid, else /tmp/grid-<uid>, created mode 0700.
/// Empty, with Problem set, when it cannot be made or is not private (not a
/// directory, another owner, open to others).
std::optional<std::string> socketDirectory(std::string &Problem);
/// How many CPUs this process may run on (its affinity mask), at least 1.
unsigned allowedCores();
// --- /proc
// -------------------------------------------------------------------- Each
// read opens the file close-on-exec: a child another thread spawns at that
// moment must not inherit the descriptor (it would not move).
/// The text of a small /proc file; "" if it cannot be read.
std::string readProcFile(const std::string &Path);
/// A numeric field of /proc/self/status ("Threads", "Umask"), in Base.
std::optional<long> selfStatusField(const char *Name, int Base);
/// Fields of /proc/PID/stat: state ('R', 'S', 'Z'...), parent, group.
struct ProcStat {
  char State = '?';
  pid_t Parent = 0;
  pid_t Group = 0;
};
std::optional<ProcStat> readProcStat(pid_t Pid);
/// /proc/loadavg: the 1-minute load average (-1 if unreadable) and the
/// tasks runnable now.
struct MachineLoad {
  double OneMinute = -1;
  unsigned Runnable = 0;
};
MachineLoad machineLoad();
/// This program's executable (/proc/self/exe resolved); "" if unknown.
std::string exePath();
/// The process's open file descriptors (from /proc/self/fd).
std::vector<int> openDescriptors();
/// The directory libgridrt.so was loaded from (build/lib, or an installed
/// libdir): its MPI transport is beside it, its internal programs in
/// ../libexec/grid.
const std::string &runtimeDirectory();

// --- Call sites -------------------------------------------------------------
/// "app.c:42 (worker)"; "worker" without debug info; "unknown site" for null.
std::string describeSite(const __grid_site *Site);
/// The user-visible name of a site kind ("pthread_create", "std::thread").
const char *kindName(uint32_t Kind);
/// True for the thread kinds of abi.def, false for the process and
/// synchronisation kinds.
bool isThreadKind(uint32_t Kind);
/// True for the synchronisation kinds of abi.def (pthread_mutex_lock,
/// sem_wait, syscall...).
bool isSyncKind(uint32_t Kind);
/// True for the kinds whose call creates a thread or a process that Grid
/// places (not pthread_join, pthread_detach, pthread_exit, pclose, nor any
/// synchronisation kind): the call sites a renice --site can name.
bool isPlacementKind(uint32_t Kind);

// --- Logging and fatal errors ------------------------------------------------
/// True when GRID_LOG asks for messages of this level.
bool logEnabled(LogLevel Level);
/// Writes "grid: <level>: <Message>\n" to stderr in one write, if enabled.
void log(LogLevel Level, std::string_view Message);
/// Writes "grid: warning: <Message>" to stderr (always).
void warn(std::string_view Message);
/// The line warn writes for Message, to be written later or elsewhere (an
/// agent's loop sends it home as output).
std::string warningLine(std::string_view Message);
/// Writes Text to stderr whole (a write at a time, retried on EINTR);
/// errno is preserved.
void writeStderr(std::string_view Text);
/// Writes "grid: error: <Message>" to stderr (always) and goes on; for an
/// error the caller handles by ending in its own way.
void error(std::string_view Message);
/// Writes "grid: error: <Where>: <What>; <ToDo>" (Where omitted when empty),
/// flushes the program's streams and exits with status 1.
[[noreturn]] void fatal(std::string_view Where, std::string_view What,
                        std::string_view ToDo);
[[noreturn]] void fatal(const __grid_site *Site, std::string_view What,
                        std::string_view ToDo);

// --- Start-up and settings ---------------------------------------------------
/// Resolves the settings from this process (environment, config file,
/// /proc/self/exe) once; on SettingsError prints "grid: error: <message>" and
/// exits non-zero. Called from libgridrt's constructor and, defensively, from
/// every entry that needs settings.
void initialize();
/// As initialize(), from given inputs; throws SettingsError (tests use it).
void initializeFrom(SettingsInputs Inputs);
/// Checks the module's ABI version (fatal on mismatch), records its call
/// sites and its default tolerances, and re-resolves the settings.
void registerModule(const __grid_module *Module);
/// The modules registered so far, in registration order.
std::vector<const __grid_module *> registeredModules();
/// A copy of the settings in force.
Settings currentSettings();
/// True in a child made by fork() (or vfork) that has not exec'd yet: the
/// first exec* there is where a forked child's process is placed.
bool isForkChild();
/// This process's pid, from the kernel: the C library's getpid answers
/// home's pid on a thread running on another node (api/RemoteIo.cpp).
int ownPid();
/// The settings placement reads on every creation, without locking.
Tolerance threadTolerance();
Tolerance processTolerance();
Strategy placementStrategy();

// --- The runtime's own threads ----------------------------------------------
/// A program whose main thread ends with pthread_exit ends when its last
/// thread does (glibc then calls exit(0)); the runtime's own threads (the
/// control server, the cluster's progress thread) must not keep it alive.
/// Each of them calls runtimeThreadStarted() first thing.
void runtimeThreadStarted();
/// Be told (Wake, an eventfd, is written to, unless it is -1) when the main
/// thread ends by pthread_exit. Watching starts with the first call from
/// the main thread; later calls only change Wake.
void watchMainThread(int Wake);
/// True once the main thread has ended by pthread_exit.
bool mainThreadGone();
/// True when, besides, only the runtime's own threads are left: the
/// program is over, and the caller should exit(0) as glibc would have.
bool programThreadsGone();

// --- Renice (gridctl renice) -------------------------------------------------
/// Sets the program's thread and/or process tolerance as the strongest level
/// of the precedence (source "renice"); an empty value is left as it is.
/// The very next placement sees it.
void renice(std::optional<Tolerance> Thread, std::optional<Tolerance> Process);
/// A tolerance for the creations at one call site only; it overrides the
/// program's. An empty value leaves that one as it is.
void reniceSite(const __grid_site *Site, std::optional<Tolerance> Thread,
                std::optional<Tolerance> Process);
struct SiteRenice {
  const __grid_site *Site = nullptr;
  std::optional<Tolerance> Thread;
  std::optional<Tolerance> Process;
};
/// The call sites reniced so far, in the order they were first reniced.
std::vector<SiteRenice> siteRenices();
/// The tolerance for a creation at Site: its site's renice, else the
/// program's. One atomic load while no site was ever reniced.
Tolerance threadTolerance(const __grid_site *Site);
Tolerance processTolerance(const __grid_site *Site);
/// The placement call sites of the registered modules written at
/// File:Line (isPlacementKind). File
/// and the site's file name match when one is the other's last path
/// components ("app.c" matches a site in "src/app.c", and
/// "/home/u/src/app.c" one in "src/app.c").
std::vector<const __grid_site *> findSites(std::string_view File,
                                           uint32_t Line);

// --- Work: what this program runs where (gridctl ps) -------------------------
/// A thread or a child process Grid placed and that still runs.
struct WorkItem {
  bool Thread = false;
  uint32_t Kind = 0;
  const __grid_site *Site = nullptr;
  /// The site as text when there is no record (home's jobs for another
  /// program of the job).
  std::string SiteText;
  unsigned Node = 0; // 0: home (this machine)
  /// Where it runs, as the least tolerance that permits it there: local on
  /// the creator's NUMA node, machine elsewhere on this machine, near or
  /// any on another node by its latency class.
  Tolerance Distance = Tolerance::Local;
  int Core = -1;        // a thread: the core Grid placed it on
  pid_t Pid = 0;        // a local child process
  pid_t ForProgram = 0; // placed by home for this other program of the job
};
/// Keeps the registry from now on (the control server calls it when it
/// starts): a program nobody can ask pays nothing and keeps nothing.
void keepWork();
/// Adds Item; returns its id for removeWork, or 0 when nothing is kept
/// (before keepWork, or in a fork child). Any thread.
uint64_t addWork(WorkItem Item);
void removeWork(uint64_t Id);
/// Gives item Id the pid of the child it stands for, once started (an item
/// added before its child, so as not to take the registry's lock where a
/// fork waits for another).
void setWorkPid(uint64_t Id, pid_t Pid);
/// The live items with their ids.
std::vector<std::pair<uint64_t, WorkItem>> workSnapshot();

// --- Statistics --------------------------------------------------------------
/// Per call site: what kind of creation, how many, and where they went.
struct SiteRow {
  std::string Site; // describeSite()
  std::string Kind; // kindName()
  bool Thread = false;
  uint64_t Count = 0;
  std::vector<std::pair<std::string, uint64_t>> Places; // sorted by place
};

/// Creations counted per call site, safe to update from any thread (oneTBB
/// concurrent_hash_map; the per-site entry is updated under its accessor).
class StatsTable {
public:
  StatsTable();
  ~StatsTable();
  StatsTable(const StatsTable &) = delete;
  StatsTable &operator=(const StatsTable &) = delete;

  /// Counts one creation at Site that went to Place ("core 1", "local").
  void record(const __grid_site *Site, std::string_view Place);
  /// The rows, ordered by site then kind. Call it once creations stop.
  std::vector<SiteRow> rows() const;
  /// The table GRID_STATS=1 prints, every line prefixed with "grid: ".
  std::string format() const;

private:
  struct Impl;
  std::unique_ptr<Impl> P;
};

/// The process's table (never destroyed: detached threads may still count
/// while the program exits).
StatsTable &stats();
/// stats().record, unless this process is a fork child that has not exec'd
/// (its counts would never be printed, and locks may be held from the fork).
void recordCreation(const __grid_site *Site, std::string_view Place);

} // namespace grid::core

#endif // GRID_CORE_CORE_H
