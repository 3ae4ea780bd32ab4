//===- process/AgentJobs.cpp - An agent's remote processes ----------------===//
//
// On an agent's event loop: starts the children home asks for (own process
// group, stdio through pipes, GRID_NODE, the requester's cwd, umask and
// environment), relays their output within the flow-control window once
// the deputy is attached, feeds their stdin, forwards signals, and reports
// the exit status after the last byte of output (docs/design/cluster.md).
//===----------------------------------------------------------------------===//

#include "process/Remote.h"

#include "core/Core.h"
#include "process/RealLibc.h"

#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <initializer_list>
#include <map>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace grid::process {

namespace {

using wire::Msg;

struct Pipe {
  int Fd = -1;
  bool Eof = false;
};

struct RemoteJob {
  pid_t Pid = 0;
  int PidFd = -1;
  int Stdin = -1;
  Pipe Out[2]; // stdout, stderr
  std::string StdinQueue;
  bool StdinEof = false;
  bool Attached = false;
  uint64_t Unacked = 0;
  bool Exited = false;
  bool StdinWanted = false; // told home that the child reads its stdin
  ino_t StdinPipe = 0;      // the inode of the child's stdin pipe
  bool Killed = false;      // home gave up on it: no more messages about it
  int Status = 0;
};

class AgentJobs {
public:
  explicit AgentJobs(cluster::Cluster &C)
      : C(C), Loop(C.loop()), Node(static_cast<unsigned>(C.rank())) {}

  void install();
  unsigned running() const { return static_cast<unsigned>(Jobs.size()); }
  void killAll();

private:
  void watchStdinReaders(bool ScanGroups);
  void start(wire::Reader &R);
  void watchOutput(uint64_t Id);
  void readOutput(uint64_t Id, int Stream);
  void drain(RemoteJob &J, uint64_t Id, int Stream);
  void forget(uint64_t Id);
  void writeStdin(uint64_t Id);
  void exited(uint64_t Id);
  void maybeFinish(uint64_t Id);
  void closeFd(int &Fd);

  cluster::Cluster &C;
  cluster::EventLoop &Loop;
  unsigned Node;
  std::map<uint64_t, RemoteJob> Jobs;
};

// The process groups of the running jobs, for a signal handler: when mpirun
// or the agent's daemon ends the agent (SIGTERM, SIGINT, SIGHUP), the remote
// processes, each in its own group, go with it instead of living on.
constexpr size_t MaxTracked = 4096;
std::atomic<pid_t> Groups[MaxTracked];

void track(pid_t Group) {
  for (std::atomic<pid_t> &Slot : Groups) {
    pid_t Free = 0;
    if (Slot.compare_exchange_strong(Free, Group))
      return;
  }
}

void untrack(pid_t Group) {
  for (std::atomic<pid_t> &Slot : Groups) {
    pid_t Expected = Group;
    if (Slot.compare_exchange_strong(Expected, 0))
      return;
  }
}

void killGroupsAndDie(int Signal) {
  for (std::atomic<pid_t> &Slot : Groups)
    if (pid_t Group = Slot.load())
      ::kill(-Group, SIGKILL);
  ::signal(Signal, SIG_DFL);
  ::raise(Signal);
}

/// True if process Pid waits to read from the pipe whose inode is Pipe on
/// its fd 0: blocked in read(0) or readv(0), or waiting in a poll or select
/// with that pipe as its stdin. A process Grid may not inspect counts as
/// reading (the relay then starts, as it always did before on-demand).
bool readsStdinPipe(pid_t Pid, ino_t Pipe) {
  std::string Proc = "/proc/" + std::to_string(Pid);
  struct stat St;
  if (::stat((Proc + "/fd/0").c_str(), &St) != 0 || St.st_ino != Pipe)
    return false; // gone, or its stdin is something else now
  int Fd = ::open((Proc + "/syscall").c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return errno == EACCES || errno == EPERM;
  char Text[256] = {};
  ssize_t N = ::read(Fd, Text, sizeof Text - 1);
  ::close(Fd);
  // "running" for a process on a CPU, "-1 ..." for one blocked outside a
  // system call: neither waits for stdin.
  if (N <= 0 || !std::isdigit(static_cast<unsigned char>(Text[0])))
    return false;
  char *End = nullptr;
  long Nr = std::strtol(Text, &End, 10);
  unsigned long Arg0 = std::strtoul(End, nullptr, 16);
  if (Nr == SYS_read || Nr == SYS_readv)
    return Arg0 == 0;
  switch (Nr) {
  case SYS_ppoll:
  case SYS_pselect6:
  case SYS_epoll_pwait:
#ifdef SYS_poll
  case SYS_poll:
#endif
#ifdef SYS_select
  case SYS_select:
#endif
#ifdef SYS_epoll_wait
  case SYS_epoll_wait:
#endif
    return true;
  default:
    return false;
  }
}

/// The processes of process group Group (a /proc scan).
std::vector<pid_t> groupMembers(pid_t Group) {
  std::vector<pid_t> Members;
  DIR *Dir = ::opendir("/proc");
  if (!Dir)
    return Members;
  while (dirent *Entry = ::readdir(Dir)) {
    char *End = nullptr;
    long Pid = std::strtol(Entry->d_name, &End, 10);
    if (*End || Pid <= 0)
      continue;
    std::optional<core::ProcStat> Stat =
        core::readProcStat(static_cast<pid_t>(Pid));
    if (Stat && Stat->Group == Group)
      Members.push_back(static_cast<pid_t>(Pid));
  }
  ::closedir(Dir);
  return Members;
}

/// PATH search as execvp does it, with the child's PATH; "" if not found.
std::string resolve(const std::string &File, bool Search,
                    const std::vector<std::string> &Env,
                    const std::string &Cwd) {
  auto Exists = [](const std::string &P) {
    struct stat St;
    return ::stat(P.c_str(), &St) == 0 && !S_ISDIR(St.st_mode);
  };
  if (!Search || File.find('/') != std::string::npos) {
    std::string P = File.empty() || File[0] == '/' ? File : Cwd + "/" + File;
    return Exists(P) ? P : "";
  }
  std::string Path = "/bin:/usr/bin";
  for (const std::string &E : Env)
    if (E.rfind("PATH=", 0) == 0)
      Path = E.substr(5);
  size_t Begin = 0;
  for (;;) {
    size_t End = Path.find(':', Begin);
    std::string Dir = Path.substr(Begin, End - Begin);
    if (Dir.empty())
      Dir = Cwd;
    else if (Dir[0] != '/')
      Dir = Cwd + "/" + Dir;
    std::string P = Dir + "/" + File;
    if (Exists(P) && ::access(P.c_str(), X_OK) == 0)
      return P;
    if (End == std::string::npos)
      return "";
    Begin = End + 1;
  }
}

void AgentJobs::closeFd(int &Fd) {
  if (Fd < 0)
    return;
  Loop.unwatch(Fd);
  ::close(Fd);
  Fd = -1;
}

void AgentJobs::install() {
  // Writing to the stdin of a child that has gone must not kill the agent.
  ::signal(SIGPIPE, SIG_IGN);
  for (int Signal : {SIGTERM, SIGINT, SIGHUP})
    ::signal(Signal, killGroupsAndDie);
  Loop.onMessage(Msg::Start, [this](int, wire::Reader &R) { start(R); });
  // stdin on demand: every 20 ms a look at each child that has not read its
  // stdin yet (and at the rest of its process group every 200 ms).
  Loop.every(0.02, [this, Tick = 0u]() mutable {
    watchStdinReaders(++Tick % 10 == 0);
  });
  // Where pidfd_open is missing (kernels before 5.3, or a seccomp profile),
  // children are reaped by looking every 20 ms instead.
  Loop.every(0.02, [this] {
    std::vector<uint64_t> Unwatched;
    for (const auto &[Id, J] : Jobs)
      if (J.PidFd < 0 && !J.Exited)
        Unwatched.push_back(Id);
    for (uint64_t Id : Unwatched)
      exited(Id);
  });
  Loop.onMessage(Msg::Attached, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    It->second.Attached = true;
    watchOutput(Id);
    maybeFinish(Id);
  });
  Loop.onMessage(Msg::OutputCredit, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    uint64_t Count = R.u64();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    It->second.Unacked -= std::min(Count, It->second.Unacked);
    watchOutput(Id);
    maybeFinish(Id);
  });
  Loop.onMessage(Msg::Stdin, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    std::string_view Bytes = R.str();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    It->second.StdinQueue.append(Bytes);
    writeStdin(Id);
  });
  Loop.onMessage(Msg::StdinEof, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    It->second.StdinEof = true;
    writeStdin(Id);
  });
  Loop.onMessage(Msg::Signal, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    int32_t Sig = R.i32();
    auto It = Jobs.find(Id);
    // A negative number is for the process group (the deputy's rule).
    if (R.ok() && It != Jobs.end() && !It->second.Exited && Sig != 0 &&
        Sig > -NSIG && Sig < NSIG)
      ::kill(Sig > 0 ? It->second.Pid : -It->second.Pid, Sig > 0 ? Sig : -Sig);
  });
  Loop.onMessage(Msg::Kill, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    It->second.Killed = true;
    if (It->second.Exited)
      return forget(Id);
    ::kill(-It->second.Pid, SIGKILL);
    ::kill(It->second.Pid, SIGKILL);
  });
}

void AgentJobs::start(wire::Reader &R) {
  uint64_t Id = R.u64();
  R.u32(); // kind: home logs it
  bool Search = R.u32() != 0;
  std::string File(R.str());
  std::vector<std::string> Argv = R.strings();
  std::vector<std::string> Env = R.strings();
  std::string Cwd(R.str());
  mode_t Umask = static_cast<mode_t>(R.u32());
  if (!R.ok())
    return;
  std::string Here = "node " + std::to_string(Node);

  // Cannot move: the child would not find its place here (DESIGN.md §5).
  struct stat St;
  if (Cwd.empty() || ::stat(Cwd.c_str(), &St) != 0 || !S_ISDIR(St.st_mode)) {
    Loop.send(0,
              wire::Writer(Msg::CantMove)
                  .u64(Id)
                  .str("its working directory " + Cwd + " is not on " + Here));
    return;
  }
  std::string Exe = resolve(File, Search, Env, Cwd);
  if (Exe.empty()) {
    Loop.send(
        0,
        wire::Writer(Msg::CantMove).u64(Id).str(File + " is not on " + Here));
    return;
  }

  // The child's environment: the requester's, with this node's identity;
  // without the home socket its own children stay on this node.
  std::vector<std::string> ChildEnv;
  for (const std::string &E : Env)
    if (E.rfind("GRID_HOME_SOCKET=", 0) && E.rfind("GRID_NODE=", 0) &&
        E.rfind("GRID_RANK_PID=", 0))
      ChildEnv.push_back(E);
  ChildEnv.push_back("GRID_NODE=" + std::to_string(Node));
  ChildEnv.push_back("GRID_RANK_PID=0");
  std::vector<char *> ArgvP, EnvP;
  for (std::string &A : Argv)
    ArgvP.push_back(A.data());
  ArgvP.push_back(nullptr);
  for (std::string &E : ChildEnv)
    EnvP.push_back(E.data());
  EnvP.push_back(nullptr);

  int In[2], Out[2], Err[2];
  if (::pipe2(In, O_CLOEXEC) || ::pipe2(Out, O_CLOEXEC) ||
      ::pipe2(Err, O_CLOEXEC)) {
    Loop.send(0, wire::Writer(Msg::StartFailed).u64(Id).i32(errno));
    return;
  }
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_adddup2(&Actions, In[0], 0);
  posix_spawn_file_actions_adddup2(&Actions, Out[1], 1);
  posix_spawn_file_actions_adddup2(&Actions, Err[1], 2);
  posix_spawn_file_actions_addchdir_np(&Actions, Cwd.c_str());
  // Nothing of the agent's (MPI's sockets) leaks into the child.
  posix_spawn_file_actions_addclosefrom_np(&Actions, 3);
  posix_spawnattr_t Attr;
  posix_spawnattr_init(&Attr);
  sigset_t Empty, All;
  sigemptyset(&Empty);
  sigfillset(&All);
  posix_spawnattr_setsigmask(&Attr, &Empty);
  posix_spawnattr_setsigdefault(&Attr, &All);
  posix_spawnattr_setpgroup(&Attr, 0);
  posix_spawnattr_setflags(&Attr, POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  // The agent's own threads (MPI's) create no files, so its umask can stand
  // in for the child's for the instant of the spawn.
  mode_t Saved = ::umask(Umask);
  pid_t Pid = 0;
  int Rc = real::posix_spawn(&Pid, Exe.c_str(), &Actions, &Attr, ArgvP.data(),
                             EnvP.data());
  ::umask(Saved);
  posix_spawn_file_actions_destroy(&Actions);
  posix_spawnattr_destroy(&Attr);
  ::close(In[0]);
  ::close(Out[1]);
  ::close(Err[1]);
  if (Rc != 0) {
    ::close(In[1]);
    ::close(Out[0]);
    ::close(Err[0]);
    Loop.send(0, wire::Writer(Msg::StartFailed).u64(Id).i32(Rc));
    return;
  }
  track(Pid);
  RemoteJob &J = Jobs[Id];
  J.Pid = Pid;
  struct stat PipeSt;
  if (::fstat(In[1], &PipeSt) == 0)
    J.StdinPipe = PipeSt.st_ino;
  J.Stdin = In[1];
  J.Out[0].Fd = Out[0];
  J.Out[1].Fd = Err[0];
  for (int Fd : {In[1], Out[0], Err[0]})
    ::fcntl(Fd, F_SETFL, ::fcntl(Fd, F_GETFL) | O_NONBLOCK);
  // Larger output pipes: each read then fills a whole chunk, and fewer,
  // larger messages cross to home (a 64 KiB pipe caps every read at that).
  for (int Fd : {Out[0], Err[0]})
    ::fcntl(Fd, F_SETPIPE_SZ, static_cast<int>(wire::OutputChunk));
  J.PidFd = static_cast<int>(::syscall(SYS_pidfd_open, Pid, 0));
  if (J.PidFd >= 0)
    Loop.watch(J.PidFd, POLLIN, [this, Id](short) { exited(Id); });
  core::log(LogLevel::Debug, Here + ": job " + std::to_string(Id) + " is pid " +
                                 std::to_string(Pid) + ": " + Exe);
  Loop.send(0, wire::Writer(Msg::Started).u64(Id).i32(Pid));
}

void AgentJobs::watchOutput(uint64_t Id) {
  auto It = Jobs.find(Id);
  if (It == Jobs.end() || !It->second.Attached)
    return;
  RemoteJob &J = It->second;
  for (int S = 0; S < 2; ++S) {
    if (J.Out[S].Fd < 0)
      continue;
    if (J.Unacked < wire::OutputWindow)
      Loop.watch(J.Out[S].Fd, POLLIN,
                 [this, Id, S](short) { readOutput(Id, S); });
    else
      Loop.unwatch(J.Out[S].Fd);
  }
}

void AgentJobs::readOutput(uint64_t Id, int S) {
  auto It = Jobs.find(Id);
  if (It == Jobs.end())
    return;
  drain(It->second, Id, S);
  watchOutput(Id);
  maybeFinish(Id);
}

void AgentJobs::forget(uint64_t Id) {
  auto It = Jobs.find(Id);
  if (It == Jobs.end())
    return;
  for (Pipe &P : It->second.Out)
    closeFd(P.Fd);
  closeFd(It->second.Stdin);
  closeFd(It->second.PidFd);
  Jobs.erase(It);
}

/// Reads what the pipe holds, within the window, and sends it home. Each
/// read goes straight into the Output message that carries it.
void AgentJobs::drain(RemoteJob &J, uint64_t Id, int S) {
  // Output{job, stream, bytes}: u16 type, u64, u32, u32 length, the bytes.
  constexpr size_t Header = 2 + 8 + 4 + 4;
  while (J.Out[S].Fd >= 0 && J.Unacked < wire::OutputWindow) {
    std::string Message(Header + wire::OutputChunk, '\0');
    ssize_t N = ::read(J.Out[S].Fd, Message.data() + Header, wire::OutputChunk);
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0 && errno == EAGAIN)
      break;
    if (N <= 0) {
      J.Out[S].Eof = true;
      closeFd(J.Out[S].Fd);
      break;
    }
    J.Unacked += static_cast<uint64_t>(N);
    std::string Head = wire::Writer(Msg::Output)
                           .u64(Id)
                           .u32(static_cast<uint32_t>(S + 1))
                           .u32(static_cast<uint32_t>(N))
                           .body();
    Message.replace(0, Header, Head);
    Message.resize(Header + static_cast<size_t>(N));
    Loop.send(0, std::move(Message));
  }
}

void AgentJobs::writeStdin(uint64_t Id) {
  auto It = Jobs.find(Id);
  if (It == Jobs.end())
    return;
  RemoteJob &J = It->second;
  uint64_t Written = 0;
  while (J.Stdin >= 0 && !J.StdinQueue.empty()) {
    ssize_t N = ::write(J.Stdin, J.StdinQueue.data(), J.StdinQueue.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0 && errno == EAGAIN)
      break;
    if (N < 0) {
      // The child closed its stdin (EPIPE): what is left is discarded, as
      // a local pipe would, and acknowledged so the deputy does not stall.
      Written += J.StdinQueue.size();
      J.StdinQueue.clear();
      closeFd(J.Stdin);
      break;
    }
    Written += static_cast<uint64_t>(N);
    J.StdinQueue.erase(0, static_cast<size_t>(N));
  }
  if (J.Stdin < 0) {
    Written += J.StdinQueue.size();
    J.StdinQueue.clear();
  }
  if (Written)
    Loop.send(0, wire::Writer(Msg::StdinCredit).u64(Id).u64(Written));
  if (J.Stdin >= 0) {
    if (J.StdinQueue.empty() && J.StdinEof)
      closeFd(J.Stdin);
    else if (!J.StdinQueue.empty())
      Loop.watch(J.Stdin, POLLOUT, [this, Id](short) { writeStdin(Id); });
    else
      Loop.unwatch(J.Stdin);
  }
}

void AgentJobs::exited(uint64_t Id) {
  auto It = Jobs.find(Id);
  if (It == Jobs.end())
    return;
  RemoteJob &J = It->second;
  int Status = 0;
  pid_t Got;
  do
    Got = ::waitpid(J.Pid, &Status, WNOHANG);
  while (Got < 0 && errno == EINTR);
  if (Got != J.Pid)
    return;
  untrack(J.Pid);
  J.Exited = true;
  J.Status = Status;
  closeFd(J.PidFd);
  if (J.Killed)
    return forget(Id);
  maybeFinish(Id);
}

// Exited goes after the last byte: once the child has exited, its pipes are
// read until they are empty (or closed). A grandchild that keeps them open
// does not hold the exit status back, as it would not locally either.
void AgentJobs::maybeFinish(uint64_t Id) {
  auto It = Jobs.find(Id);
  if (It == Jobs.end())
    return;
  RemoteJob &J = It->second;
  if (!J.Exited || !J.Attached)
    return;
  for (int S = 0; S < 2; ++S)
    drain(J, Id, S);
  if (J.Unacked >= wire::OutputWindow) {
    watchOutput(Id);
    return; // more may be waiting; the next credit comes back here
  }
  Loop.send(0, wire::Writer(Msg::Exited).u64(Id).i32(J.Status));
  forget(Id);
}

// A deputy relays stdin only once its remote child reads it: until then a
// child that never reads stdin takes nothing from a stdin its parent shares
// (`while read x; do cmd; done`). Once wanted, stdin flows as through a
// local pipe's buffer.
void AgentJobs::watchStdinReaders(bool ScanGroups) {
  std::vector<pid_t> Members;
  for (auto &[Id, J] : Jobs) {
    if (J.StdinWanted || J.Exited || J.Stdin < 0 || !J.StdinPipe)
      continue;
    bool Wants = readsStdinPipe(J.Pid, J.StdinPipe);
    if (!Wants && ScanGroups)
      for (pid_t Member : groupMembers(J.Pid))
        if (Member != J.Pid && readsStdinPipe(Member, J.StdinPipe)) {
          Wants = true;
          break;
        }
    if (!Wants)
      continue;
    J.StdinWanted = true;
    Loop.send(0, wire::Writer(Msg::StdinWanted).u64(Id));
  }
}

void AgentJobs::killAll() {
  for (auto &[Id, J] : Jobs)
    if (!J.Exited) {
      ::kill(-J.Pid, SIGKILL);
      ::kill(J.Pid, SIGKILL);
    }
}

} // namespace

void runAgent(cluster::Cluster &C) {
  auto *Jobs = new AgentJobs(C); // lives until the agent exits
  Jobs->install();
  C.runAgent([Jobs] { return Jobs->running(); }, [Jobs] { Jobs->killAll(); });
}

} // namespace grid::process
