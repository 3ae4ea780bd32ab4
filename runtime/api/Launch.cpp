//===- api/Launch.cpp - Every way a program starts a process --------------===//

#include "api/Launch.h"

#include "api/Dispatch.h"
#include "api/RemoteIo.h"
#include "core/Core.h"
#include "process/Remote.h"
#include "sync/Sync.h"
#include "threads/Threads.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace grid::api {

namespace {

/// Where a child went, as statistics name it: "local", "node 2",
/// "local (cannot move: ...)"; empty when no child was created.
struct Where {
  process::PlaceResult Placed;
  std::string Place = "local";
  bool remote() const { return Placed.Outcome == wire::Outcome::Started; }
  bool failed() const { return Placed.Outcome == wire::Outcome::ExecFailed; }
};

std::vector<std::string> toStrings(char *const List[]) {
  std::vector<std::string> Out;
  for (size_t I = 0; List && List[I]; ++I)
    Out.emplace_back(List[I]);
  return Out;
}

std::vector<char *> toPointers(std::vector<std::string> &List) {
  std::vector<char *> Out;
  for (std::string &S : List)
    Out.push_back(S.data());
  Out.push_back(nullptr);
  return Out;
}

// The streams popen opened, each with its child (local or a deputy), which
// pclose (or fclose, as with glibc) waits for, and its gridctl ps entry
// (local children). popen opens every pipe itself (openPipe), never
// through glibc's: glibc 2.36's keeps a lock that a fork child inherits
// held while another thread was in popen, and the child's own popen then
// waits for ever. A fork waits for PipesMutex instead, which is taken with
// no other lock of the runtime held. Constant-initialised and never
// destroyed: an agent never returns from libgridrt's constructor, so no
// initialiser of this file runs there (a remote thread's fork child may
// popen), and threads may run during exit.
constinit std::mutex PipesMutex;
struct Pipe {
  int Fd;
  pid_t Pid;
  uint64_t Work; // its gridctl ps entry, or 0
};
using PipeMap = std::map<FILE *, Pipe>;
constinit PipeMap *Pipes = nullptr; // under PipesMutex; made on first use
constinit std::atomic<size_t> OpenPipes{0}; // Pipes->size(), read unlocked

PipeMap &pipesLocked() {
  if (!Pipes)
    Pipes = new PipeMap;
  return *Pipes;
}

// Before gridStartup (which never returns on an agent).
__attribute__((constructor(101))) void registerPipesForFork() {
  ::pthread_atfork([] { PipesMutex.lock(); }, [] { PipesMutex.unlock(); },
                   [] { PipesMutex.unlock(); });
}

// The descriptors of the open popen streams, which a new popen child must
// not keep (as POSIX asks). Under PipesMutex.
std::vector<int> pipeFdsLocked() {
  std::vector<int> Fds;
  for (const auto &Entry : pipesLocked())
    Fds.push_back(Entry.second.Fd);
  return Fds;
}

std::vector<int> popenFds() {
  std::lock_guard<std::mutex> Lock(PipesMutex);
  return pipeFdsLocked();
}

/// popen's mode as glibc reads it: 'r' or 'w', exactly one of them, and 'e'
/// for a close-on-exec stream, in any order; nothing else.
struct PipeMode {
  bool Read = false;
  bool CloseOnExec = false;
};
std::optional<PipeMode> pipeMode(const char *Mode) {
  if (!Mode)
    return std::nullopt;
  bool Read = false, Write = false, CloseOnExec = false;
  for (const char *C = Mode; *C; ++C) {
    if (*C == 'r')
      Read = true;
    else if (*C == 'w')
      Write = true;
    else if (*C == 'e')
      CloseOnExec = true;
    else
      return std::nullopt;
  }
  if (Read == Write)
    return std::nullopt;
  return PipeMode{Read, CloseOnExec};
}

/// popen's child and stream: a pipe whose far end Spawn (a posix_spawn
/// given the file actions and the pid to fill) makes the child's stdout
/// ("r") or stdin ("w"), the streams of earlier popen calls closed in it.
/// The stream is registered under Work before any other popen can start,
/// so that every later child closes it; its pid goes to *ChildPid. Null
/// with errno set, the child ended, if anything fails.
template <typename SpawnFn>
FILE *openPipe(const PipeMode &M, uint64_t Work, pid_t *ChildPid,
               SpawnFn Spawn) {
  int Fds[2];
  if (::pipe2(Fds, O_CLOEXEC) != 0)
    return nullptr;
  int Parent = M.Read ? Fds[0] : Fds[1];
  int Child = M.Read ? Fds[1] : Fds[0];
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  std::lock_guard<std::mutex> Lock(PipesMutex);
  for (int Fd : pipeFdsLocked())
    posix_spawn_file_actions_addclose(&Actions, Fd);
  posix_spawn_file_actions_adddup2(&Actions, Child, M.Read ? 1 : 0);
  pid_t Pid = 0;
  int Rc = Spawn(&Actions, &Pid);
  posix_spawn_file_actions_destroy(&Actions);
  ::close(Child);
  FILE *Stream = nullptr;
  if (Rc == 0) {
    // Inherited by later children unless the mode says 'e', as glibc's
    // (popen children close it all the same).
    if (!M.CloseOnExec)
      ::fcntl(Parent, F_SETFD, 0);
    Stream = ::fdopen(Parent, M.Read ? "r" : "w");
    Rc = Stream ? 0 : errno;
    if (!Stream) {
      ::kill(Pid, SIGKILL);
      while (::waitpid(Pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  if (!Stream) {
    ::close(Parent);
    errno = Rc;
    return nullptr;
  }
  pipesLocked()[Stream] = {Parent, Pid, Work};
  OpenPipes.store(Pipes->size(), std::memory_order_relaxed);
  *ChildPid = Pid;
  return Stream;
}

/// Logs (GRID_LOG=info) that a creation at Site stays on this machine, and
/// why: in a cluster, InCluster; in local mode, that there is no cluster.
void logLocal(const __grid_site *Site, uint32_t Kind, const char *InCluster) {
  core::ErrnoGuard Guard;
  core::initialize();
  if (!core::logEnabled(LogLevel::Info))
    return;
  Tolerance Tol = core::processTolerance(Site);
  std::string Why = InCluster;
  if (!process::clusterPresent()) {
    Why = "local mode runs every process on this machine";
    if (Tol >= Tolerance::Near)
      Why = std::string("tolerance ") + toString(Tol) +
            " permits other nodes, but local mode has no cluster; " + Why;
  }
  core::log(LogLevel::Info,
            core::describeSite(Site) + ": " + core::kindName(Kind) +
                " -> local (process tolerance " + toString(Tol) + "): " + Why);
}

/// Asks where a child runs. Local mode, or a tolerance that keeps children
/// on this machine, answers at once without asking anybody.
Where decide(const __grid_site *Site, uint32_t Kind, bool Search,
             const char *File, char *const Argv[], char *const Env[],
             const std::vector<int> &ClosedInChild = {}, bool Early = false) {
  core::ErrnoGuard Guard;
  core::initialize();
  Where W;
  Tolerance Tol = core::processTolerance(Site);
  auto Describe = [&] {
    return core::describeSite(Site) + ": " + core::kindName(Kind);
  };
  if (!process::clusterPresent() || Tol < Tolerance::Near) {
    logLocal(Site, Kind, "it keeps processes on this machine");
    return W;
  }
  if (std::optional<std::string> Why =
          process::inheritedDescriptor(ClosedInChild)) {
    W.Placed.Outcome = wire::Outcome::CannotMove;
    W.Placed.Reason = *Why;
  } else {
    process::LaunchSpec Spec;
    Spec.Kind = Kind;
    Spec.Site = core::describeSite(Site);
    Spec.Tol = Tol;
    Spec.Strat = core::placementStrategy();
    Spec.Search = Search;
    Spec.File = File ? File : "";
    Spec.Argv = toStrings(Argv);
    Spec.Env = toStrings(Env ? Env : environ);
    Spec.Early = Early;
    W.Placed = process::placeProcess(Spec);
  }
  switch (W.Placed.Outcome) {
  case wire::Outcome::LocalByChoice:
    break;
  case wire::Outcome::CannotMove:
    W.Place = "local (cannot move: " + W.Placed.Reason + ")";
    core::log(LogLevel::Info, Describe() + " -> " + W.Place);
    break;
  case wire::Outcome::Started:
    W.Place = "node " + std::to_string(W.Placed.Node);
    break;
  case wire::Outcome::ExecFailed:
    W.Place.clear();
    break;
  }
  return W;
}

void record(const __grid_site *Site, const Where &W) {
  core::ErrnoGuard Guard;
  core::recordCreation(Site, W.Place);
}

/// A child started on this machine, for gridctl ps: with its pid, it stays
/// listed until the control layer finds it gone; without, until the caller
/// removes it. A remote child is listed by home's service instead.
uint64_t trackLocal(const __grid_site *Site, uint32_t Kind, pid_t Pid) {
  core::ErrnoGuard Guard;
  if (core::isForkChild())
    return 0;
  core::WorkItem Item;
  Item.Kind = Kind;
  Item.Site = Site;
  Item.Pid = Pid;
  return core::addWork(std::move(Item));
}

/// posix_spawn of the deputy for a started job, with the program's own file
/// actions and attributes; on failure home kills the remote process.
int spawnDeputy(const Where &W, pid_t *Pid,
                const posix_spawn_file_actions_t *Actions,
                const posix_spawnattr_t *Attr, char *const Env[]) {
  std::vector<std::string> Args = process::deputyArgs(W.Placed);
  std::vector<char *> Argv = toPointers(Args);
  pid_t Ignored;
  int Rc = process::spawnLocal(false, Pid ? Pid : &Ignored,
                               process::deputyPath().c_str(), Actions, Attr,
                               Argv.data(), Env ? Env : environ);
  if (Rc != 0)
    process::cancelRemote(W.Placed.Job);
  return Rc;
}

/// SIGINT and SIGQUIT ignored while any remote system() waits, and restored
/// when the last concurrent one returns, as glibc counts its own calls.
class SystemSignals {
public:
  SystemSignals() {
    std::lock_guard<std::mutex> Lock(M);
    if (Depth++ == 0) {
      struct sigaction Ignore{};
      Ignore.sa_handler = SIG_IGN;
      sigemptyset(&Ignore.sa_mask);
      ::sigaction(SIGINT, &Ignore, &Int);
      ::sigaction(SIGQUIT, &Ignore, &Quit);
    }
  }
  ~SystemSignals() {
    std::lock_guard<std::mutex> Lock(M);
    if (--Depth == 0) {
      ::sigaction(SIGINT, &Int, nullptr);
      ::sigaction(SIGQUIT, &Quit, nullptr);
    }
  }
  SystemSignals(const SystemSignals &) = delete;
  SystemSignals &operator=(const SystemSignals &) = delete;
  const struct sigaction &savedInt() const { return Int; }
  const struct sigaction &savedQuit() const { return Quit; }

private:
  static inline std::mutex M;
  static inline int Depth = 0;
  static inline struct sigaction Int{}, Quit{};
};

} // namespace

// The children remote threads of this node forked (io::rememberNodeChild):
// a few, so a small array under a mutex, constant-initialised (an agent
// never returns from libgridrt's constructor: no initialiser of this file
// may need to run there).
namespace {
using io::MaxNodeChildren;
constinit std::mutex NodeChildrenMutex;
constinit pid_t NodeChildPids[MaxNodeChildren] = {};
constinit size_t NodeChildCount = 0;
// The last children reapIgnoredNodeChildren reaped unseen: their numbers
// stay the node's (a kill or wait of one answers as the kernel would, on
// the node), not home's, where another process may have them.
constinit pid_t ReapedPids[MaxNodeChildren] = {};
constinit size_t ReapedNext = 0;

void forgetReaped(pid_t Child) {
  for (pid_t &P : ReapedPids)
    if (P == Child)
      P = 0;
}
} // namespace

void io::rememberNodeChild(pid_t Child) {
  std::lock_guard<std::mutex> Lock(NodeChildrenMutex);
  forgetReaped(Child); // the number came round again
  if (NodeChildCount < MaxNodeChildren)
    NodeChildPids[NodeChildCount++] = Child;
  else
    core::warn("more than " + std::to_string(MaxNodeChildren) +
               " children of threads of this node are not waited for; "
               "waitpid of the later ones goes home");
}

namespace {
// Under NodeChildrenMutex.
void forgetLocked(pid_t Child) {
  for (size_t I = 0; I < NodeChildCount; ++I)
    if (NodeChildPids[I] == Child) {
      NodeChildPids[I] = NodeChildPids[--NodeChildCount];
      return;
    }
}
} // namespace

void io::forgetNodeChild(pid_t Child) {
  std::lock_guard<std::mutex> Lock(NodeChildrenMutex);
  forgetLocked(Child);
}

void io::reapIgnoredNodeChildren() {
  if (!threads::programIgnoresChildren())
    return;
  // Reaped and recorded under the list's lock: another thread's kill finds
  // the child alive or recorded, never between.
  std::lock_guard<std::mutex> Lock(NodeChildrenMutex);
  for (size_t I = 0; I < NodeChildCount;) {
    pid_t Child = NodeChildPids[I];
    siginfo_t Info = {};
    // The raw call: the C library's name is the interposer, which would
    // come back here.
    if (::syscall(SYS_waitid, P_PID, Child, &Info, WEXITED | WNOHANG,
                  nullptr) == 0 &&
        Info.si_pid == Child) {
      NodeChildPids[I] = NodeChildPids[--NodeChildCount];
      ReapedPids[ReapedNext++ % MaxNodeChildren] = Child;
    } else {
      ++I;
    }
  }
}

void io::forgetReapedNodeChild(pid_t Child) {
  std::lock_guard<std::mutex> Lock(NodeChildrenMutex);
  forgetLocked(Child);
  ReapedPids[ReapedNext++ % MaxNodeChildren] = Child;
}

bool io::reapedNodeChild(pid_t Child) {
  if (Child <= 0)
    return false;
  std::lock_guard<std::mutex> Lock(NodeChildrenMutex);
  return std::find(std::begin(ReapedPids), std::end(ReapedPids), Child) !=
         std::end(ReapedPids);
}

bool io::isNodeChild(pid_t Child) {
  std::lock_guard<std::mutex> Lock(NodeChildrenMutex);
  return std::find(NodeChildPids, NodeChildPids + NodeChildCount, Child) !=
         NodeChildPids + NodeChildCount;
}

size_t io::nodeChildren(pid_t *Out, size_t Max) {
  std::lock_guard<std::mutex> Lock(NodeChildrenMutex);
  size_t Count = std::min(Max, NodeChildCount);
  std::copy(NodeChildPids, NodeChildPids + Count, Out);
  return Count;
}

pid_t forkProcess(const __grid_site *Site, uint32_t Kind) {
  // On a remote thread, what the bookkeeping allocates is the node's: TBB's
  // first use loads its allocator, and a library the loader records in the
  // shared heap is read again at MPI_Finalize, when no page can come (the
  // agent crashed there once the page had been dropped). The fork itself
  // is outside: the program's atfork handlers are the program's code.
  {
    sync::InRuntimeScope Scope;
    logLocal(Site, Kind,
             "a forked child is placed by its exec, if it calls one");
  }
  bool Remote = io::remoteCaller();
  // Children that ended while the program ignores SIGCHLD go first, as the
  // kernel would have reaped them (a server that forks and never waits).
  if (Remote)
    io::reapIgnoredNodeChildren();
  if (Remote && &io::fetchKeyDestructorsForFork)
    io::fetchKeyDestructorsForFork();
  if (Remote && &io::fetchForkHandlersForFork)
    io::fetchForkHandlersForFork(); // the program's, which this fork runs
  bool Actions = Remote && &io::fetchSignalActionsForFork;
  if (Actions)
    io::fetchSignalActionsForFork();
  if (Kind == __grid_kind_Vfork)
    threads::nextForkIsVfork();
  pid_t Pid = process::forkLocal();
  if (Actions)
    Pid == 0 ? io::takeSignalActionsInChild() : io::dropSignalActionsForFork();
  if (Pid > 0) {
    sync::InRuntimeScope Scope;
    record(Site, Where{});
    trackLocal(Site, Kind, Pid);
    if (sync::RemoteThread)
      io::rememberNodeChild(Pid);
  }
  return Pid;
}

int execProcess(const __grid_site *Site, uint32_t Kind, process::ExecKind How,
                const char *File, char *const Argv[], char *const Env[]) {
  bool Search =
      How == process::ExecKind::Search || How == process::ExecKind::SearchEnv;
  // Only the first exec of a forked child is a new process being placed; a
  // program replacing itself stays where it is.
  if (core::isForkChild()) {
    Where W = decide(Site, Kind, Search, File, Argv, Env);
    if (W.failed()) {
      errno = W.Placed.Errno;
      return -1;
    }
    if (W.remote()) {
      std::vector<std::string> Args = process::deputyArgs(W.Placed);
      std::vector<char *> DeputyArgv = toPointers(Args);
      process::execLocal(process::ExecKind::PathEnv,
                         process::deputyPath().c_str(), DeputyArgv.data(),
                         Env ? Env : environ);
      int Err = errno;
      process::cancelRemote(W.Placed.Job);
      errno = Err;
      return -1;
    }
  } else {
    logLocal(Site, Kind, "the program replaces itself and stays where it is");
  }
  ChildStartScope Starting;
  if (!Env && How == process::ExecKind::PathEnv)
    Env = environ;
  return process::execLocal(How, File, Argv, Env);
}

int fexecveProcess(const __grid_site *Site, int Fd, char *const Argv[],
                   char *const Env[]) {
  // A descriptor names no file another node could open: always local.
  logLocal(Site, __grid_kind_Fexecve, "cannot move: it executes a descriptor");
  ChildStartScope Starting;
  return process::fexecveLocal(Fd, Argv, Env);
}

//===----------------------------------------------------------------------===//
// A thread on another node starts its processes at home (api/RemoteIo.h):
// its descriptors are home's, and so are the children it waits for.
//===----------------------------------------------------------------------===//

namespace {

uint64_t word(const void *P) { return reinterpret_cast<uint64_t>(P); }

int spawnAtHome(const __grid_site *Site, uint32_t Kind, bool Search, pid_t *Pid,
                const char *File, const posix_spawn_file_actions_t *Actions,
                const posix_spawnattr_t *Attr, char *const Argv[],
                char *const Env[]) {
  io::HomeCall C(io::Op::Spawn, /*Shared=*/true);
  // environ here is home's (copied into the executable, shared) or the
  // agent's own: either way the thread means its process's, home's.
  C.args()
      .u64(word(Site))
      .u32(Kind)
      .u32(Search)
      .u64(word(Pid))
      .str(File ? File : "")
      .u64(word(Actions))
      .u64(word(Attr))
      .u64(word(Argv))
      .u64(Env == environ ? 0 : word(Env));
  return static_cast<int>(C.send().Value);
}

} // namespace

int spawnProcess(const __grid_site *Site, uint32_t Kind, bool Search,
                 pid_t *Pid, const char *File,
                 const posix_spawn_file_actions_t *Actions,
                 const posix_spawnattr_t *Attr, char *const Argv[],
                 char *const Env[]) {
  if (io::remoteCaller())
    return spawnAtHome(Site, Kind, Search, Pid, File, Actions, Attr, Argv, Env);
  Where W = decide(Site, Kind, Search, File, Argv, Env);
  if (W.failed())
    return W.Placed.Errno;
  int Rc;
  if (W.remote()) {
    Rc = spawnDeputy(W, Pid, Actions, Attr, Env);
  } else {
    pid_t Child = 0;
    {
      ChildStartScope Starting;
      Rc = process::spawnLocal(Search, &Child, File, Actions, Attr, Argv, Env);
    }
    if (Rc == 0) {
      if (Pid)
        *Pid = Child;
      trackLocal(Site, Kind, Child);
    }
  }
  if (Rc == 0)
    record(Site, W);
  return Rc;
}

int systemProcess(const __grid_site *Site, const char *Command) {
  if (io::remoteCaller()) {
    io::HomeCall C(io::Op::System);
    C.args()
        .u64(word(Site))
        .u32(Command != nullptr)
        .str(Command ? Command : "");
    threads::HomeAnswer A = C.send();
    return static_cast<int>(io::answered(A, A.Value == -1));
  }
  // system(NULL) only asks whether a shell exists.
  Where W;
  if (Command) {
    const char *Argv[] = {"sh", "-c", Command, nullptr};
    // Early: the deputy starts while the node starts the shell.
    W = decide(Site, __grid_kind_System, false, "/bin/sh",
               const_cast<char *const *>(Argv), nullptr, {}, true);
  }
  if (!W.remote() && !W.failed()) {
    int Result;
    uint64_t Work = Command ? trackLocal(Site, __grid_kind_System, 0) : 0;
    {
      ChildStartScope Starting;
      Result = process::systemLocal(Command);
    }
    if (Work) {
      core::ErrnoGuard Guard;
      core::removeWork(Work);
    }
    if (Command && Result != -1)
      record(Site, W);
    return Result;
  }
  if (W.failed())
    return W_EXITCODE(127, 0); // as a shell that could not be executed

  // As glibc's system(): the caller ignores SIGINT and SIGQUIT and blocks
  // SIGCHLD while it waits; the child gets them back. Concurrent calls
  // share one saved disposition, restored when the last one returns.
  SystemSignals Signals;
  const struct sigaction &OldInt = Signals.savedInt();
  const struct sigaction &OldQuit = Signals.savedQuit();
  sigset_t Chld, OldMask;
  sigemptyset(&Chld);
  sigaddset(&Chld, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &Chld, &OldMask);
  posix_spawnattr_t Attr;
  posix_spawnattr_init(&Attr);
  sigset_t Defaults;
  sigemptyset(&Defaults);
  if (OldInt.sa_handler != SIG_IGN)
    sigaddset(&Defaults, SIGINT);
  if (OldQuit.sa_handler != SIG_IGN)
    sigaddset(&Defaults, SIGQUIT);
  posix_spawnattr_setsigdefault(&Attr, &Defaults);
  posix_spawnattr_setsigmask(&Attr, &OldMask);
  posix_spawnattr_setflags(&Attr,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t Pid = 0;
  int Rc = spawnDeputy(W, &Pid, nullptr, &Attr, nullptr);
  posix_spawnattr_destroy(&Attr);
  int Status = -1;
  if (Rc == 0) {
    record(Site, W);
    while (::waitpid(Pid, &Status, 0) < 0 && errno == EINTR) {
    }
  }
  ::sigprocmask(SIG_SETMASK, &OldMask, nullptr);
  if (Rc != 0) {
    errno = Rc;
    return -1;
  }
  return Status;
}

FILE *popenProcess(const __grid_site *Site, const char *Command,
                   const char *Mode) {
  if (io::remoteCaller()) {
    if (!Command || !Mode) {
      errno = EINVAL;
      return nullptr;
    }
    io::HomeCall C(io::Op::Popen);
    C.args().u64(word(Site)).str(Command).str(Mode);
    threads::HomeAnswer A = C.send();
    return reinterpret_cast<FILE *>(io::answered(A, A.Value == 0));
  }
  std::optional<PipeMode> M = pipeMode(Mode);
  if (!M) {
    errno = EINVAL;
    return nullptr;
  }
  Where W;
  if (Command) {
    const char *Argv[] = {"sh", "-c", Command, nullptr};
    W = decide(Site, __grid_kind_Popen, false, "/bin/sh",
               const_cast<char *const *>(Argv), nullptr, popenFds(), true);
  }
  if (W.failed()) {
    errno = W.Placed.Errno;
    return nullptr;
  }
  FILE *Stream;
  pid_t Child = 0;
  if (!W.remote()) {
    // Its gridctl ps entry first, its pid after: the registry's lock, which
    // a fork holds, is never taken under PipesMutex.
    uint64_t Work = trackLocal(Site, __grid_kind_Popen, 0);
    char *Argv[] = {const_cast<char *>("sh"), const_cast<char *>("-c"),
                    const_cast<char *>(Command), nullptr};
    {
      ChildStartScope Starting;
      Stream = openPipe(*M, Work, &Child, [&](auto *Actions, pid_t *Pid) {
        return process::spawnLocal(false, Pid, "/bin/sh", Actions, nullptr,
                                   Argv, environ);
      });
    }
    core::ErrnoGuard Guard;
    if (Stream)
      core::setWorkPid(Work, Child);
    else
      core::removeWork(Work);
  } else {
    // spawnDeputy's spawn, without its cancelRemote on failure: that talks
    // to the cluster, which must not happen under PipesMutex (below).
    std::vector<std::string> Args = process::deputyArgs(W.Placed);
    std::vector<char *> Argv = toPointers(Args);
    std::string Deputy = process::deputyPath();
    // Close-on-exec even without "e": a later child that inherited it
    // could not move (a descriptor cannot travel), nor could any after it.
    PipeMode Remote = *M;
    Remote.CloseOnExec = true;
    Stream = openPipe(Remote, 0, &Child, [&](auto *Actions, pid_t *Pid) {
      return process::spawnLocal(false, Pid, Deputy.c_str(), Actions, nullptr,
                                 Argv.data(), environ);
    });
    if (!Stream) {
      core::ErrnoGuard Guard;
      process::cancelRemote(W.Placed.Job);
    }
  }
  if (Stream)
    record(Site, W);
  return Stream;
}

int pcloseProcess(const __grid_site *Site, FILE *Stream) {
  if (io::remoteCaller()) {
    io::HomeCall C(io::Op::Pclose);
    C.args().u64(word(Site)).u64(word(Stream));
    threads::HomeAnswer A = C.send();
    return static_cast<int>(io::answered(A, A.Value == -1));
  }
  int Result;
  if (closePopenStream(Stream, &Result))
    return Result;
  return process::pcloseLocal(Stream); // not popen's: glibc's answer
}

bool closePopenStream(FILE *Stream, int *Result) {
  if (OpenPipes.load(std::memory_order_relaxed) == 0)
    return false;
  Pipe Entry{-1, -1, 0};
  {
    std::lock_guard<std::mutex> Lock(PipesMutex);
    auto It = pipesLocked().find(Stream);
    if (It == Pipes->end())
      return false;
    Entry = It->second;
    Pipes->erase(It);
    OpenPipes.store(Pipes->size(), std::memory_order_relaxed);
  }
  // As glibc's pclose: no cancellation point (the child would be left
  // unreaped), the child's status, else the failure of the last flush.
  int OldState;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &OldState);
  int Flushed = ::fclose(Stream); // no longer popen's: the C library's
  int FlushErrno = errno;
  int Status = -1;
  pid_t Got;
  do
    Got = ::waitpid(Entry.Pid, &Status, 0);
  while (Got < 0 && errno == EINTR);
  pthread_setcancelstate(OldState, nullptr);
  {
    core::ErrnoGuard Guard;
    // Not under PipesMutex: a fork holds the work registry (core/Work.cpp).
    core::removeWork(Entry.Work);
  }
  if (Got != Entry.Pid)
    *Result = -1;
  else if (Status != 0 || Flushed != EOF)
    *Result = Status;
  else {
    errno = FlushErrno;
    *Result = -1;
  }
  return true;
}

} // namespace grid::api
