//===- process/HomeService.cpp - Home's side of remote processes ----------===//
//
// Everything here runs on home's progress thread (the cluster's event loop):
// the home socket's connections, the placement of each child on a node, and
// the relay between deputies and agents (docs/design/cluster.md §5-7).
//===----------------------------------------------------------------------===//

#include "process/Remote.h"

#include "core/Core.h"
#include "placement/NodePolicy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <map>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace grid::process {

namespace {

using cluster::Clock;
using wire::Msg;

/// Seconds a started remote process waits for its deputy before home gives
/// up on it (its requester died between the two steps).
constexpr double AttachTimeoutSeconds = 30;
/// After a node is lost: how long the survivors' output may still arrive,
/// and how long home waits for deputies to take what arrived.
constexpr double LostGraceSeconds = 1.0;
constexpr double FlushSeconds = 2.0;

struct Out {
  std::string Data;
  uint64_t CreditJob = 0; // acknowledge this job's output once written
  uint64_t CreditBytes = 0;
};

struct Conn {
  wire::FrameBuffer In;
  std::deque<Out> Queue;
  size_t Offset = 0;   // into Queue.front().Data
  uint64_t Deputy = 0; // the job this connection is the deputy of
  bool CloseAfter = false;
  uint64_t Generation = 0; // tells reuses of one descriptor apart
  pid_t Peer = 0;          // the connected process (SO_PEERCRED)
};

struct Job {
  unsigned Node = 0;
  int Requester = -1; // until Started is answered
  int Deputy = -1;
  bool Started = false;
  bool Done = false;
  // An early job (Place.early): Started was answered at once; what the node
  // says later goes to the deputy, or waits for it to attach.
  bool Early = false;
  bool StdinWanted = false; // the child reads stdin; the deputy is not here
  std::string Pending;      // a framed Exited or RunLocal for the deputy
  bool Search = false;
  std::string File;
  std::vector<std::string> Argv, Env;
  Clock::time_point Since;
  std::string What;  // for logs: "app.c:12: system"
  uint64_t Work = 0; // its gridctl ps entry
};

class HomeService {
public:
  explicit HomeService(cluster::Cluster &C) : C(C), Loop(C.loop()) {}

  void start();

private:
  // Connections.
  void accept();
  void readable(int Fd);
  void writable(int Fd);
  void queue(int Fd, std::string Data, uint64_t CreditJob = 0,
             uint64_t CreditBytes = 0);
  void close(int Fd);
  void handle(int Fd, const std::string &Body);
  void refuse(int Fd, const std::string &Text);

  // Requests.
  void place(int Fd, std::string Body);
  void answer(int Fd, wire::Outcome O, unsigned Node, uint64_t Job, int Err,
              const std::string &Reason);
  std::vector<placement::NodeView> nodeViews() const;
  void finish(uint64_t Id);
  void earlyOutcome(uint64_t Id, std::string Framed);
  void nodeLost(const cluster::NodeInfo &N);
  void flushAndEnd();

  cluster::Cluster &C;
  cluster::EventLoop &Loop;
  int Listen = -1;
  std::string Path;
  std::map<int, Conn> Conns;
  std::map<uint64_t, Job> Jobs;
  std::vector<unsigned> LivePerNode;
  uint64_t NextJob = 1;
  uint64_t Accepted = 0;
  placement::NodePolicy Policy;
  bool Ending = false;
  std::string EndingWhy;
  Clock::time_point EndingSince;
};

HomeService *TheService = nullptr;

void HomeService::start() {
  std::string Problem;
  std::optional<std::string> Dir = core::socketDirectory(Problem);
  if (!Dir)
    core::fatal("", Problem,
                "remove it, or set XDG_RUNTIME_DIR to a private directory");
  Path = *Dir + "/home-" + std::to_string(::getpid()) + ".sock";
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  if (Path.size() >= sizeof Addr.sun_path)
    core::fatal("", "the home socket path is too long: " + Path,
                "set XDG_RUNTIME_DIR to a shorter directory");
  std::strcpy(Addr.sun_path, Path.c_str());
  ::unlink(Path.c_str()); // a dead program's, with our pid
  Listen = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (Listen < 0 ||
      ::bind(Listen, reinterpret_cast<sockaddr *>(&Addr), sizeof Addr) != 0 ||
      ::listen(Listen, 128) != 0)
    core::fatal("", "cannot serve " + Path + ": " + std::strerror(errno), "");
  core::setEnv("GRID_HOME_SOCKET", Path.c_str(), true);
  core::setEnv("GRID_NODE", "0", true);
  // Home's socket goes with home, not with a forked child that exits.
  static pid_t Home = ::getpid();
  std::atexit([] {
    if (TheService && ::getpid() == Home)
      ::unlink(TheService->Path.c_str());
  });

  LivePerNode.assign(static_cast<size_t>(C.size()), 0);
  Loop.watch(Listen, POLLIN, [this](short) { accept(); });

  // Answers from agents.
  Loop.onMessage(Msg::Started, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    int32_t Pid = R.i32();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    Job &J = It->second;
    J.Started = true;
    J.Since = Clock::now();
    if (J.Early) {
      if (J.Deputy >= 0)
        Loop.send(static_cast<int>(J.Node),
                  wire::Writer(Msg::Attached).u64(Id));
      return;
    }
    core::log(LogLevel::Debug, J.What + ": started on node " +
                                   std::to_string(J.Node) + " as pid " +
                                   std::to_string(Pid) + ", job " +
                                   std::to_string(Id));
    answer(J.Requester, wire::Outcome::Started, J.Node, Id, 0, "");
    J.Requester = -1;
  });
  Loop.onMessage(Msg::StartFailed, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    int32_t Err = R.i32();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    answer(It->second.Requester, wire::Outcome::ExecFailed, It->second.Node, Id,
           Err, "");
    finish(Id);
  });
  Loop.onMessage(Msg::CantMove, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    std::string Reason(R.str());
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    if (It->second.Early) {
      Job &J = It->second;
      core::log(LogLevel::Info, J.What + ": node " + std::to_string(J.Node) +
                                    " cannot take it (" + Reason +
                                    "); its deputy runs it here");
      return earlyOutcome(Id, wire::Writer(Msg::RunLocal)
                                  .u64(Id)
                                  .u32(J.Search ? 1 : 0)
                                  .str(J.File)
                                  .strings(J.Argv)
                                  .strings(J.Env)
                                  .framed());
    }
    answer(It->second.Requester, wire::Outcome::CannotMove, It->second.Node, 0,
           0, Reason);
    finish(Id);
  });
  Loop.onMessage(Msg::Output, [this](int Source, wire::Reader &R) {
    uint64_t Id = R.u64();
    R.u32(); // the stream: the deputy reads it
    std::string_view Bytes = R.str();
    if (!R.ok())
      return;
    auto It = Jobs.find(Id);
    if (It == Jobs.end() || It->second.Deputy < 0) {
      // Nobody to deliver to (the deputy died): acknowledge, so the agent
      // does not stall before it is told to kill.
      Loop.send(Source,
                wire::Writer(Msg::OutputCredit).u64(Id).u64(Bytes.size()));
      return;
    }
    // The agent's message is the deputy's as it is: framed in one copy.
    queue(It->second.Deputy, wire::frame(R.whole()), Id, Bytes.size());
  });
  Loop.onMessage(Msg::StdinWanted, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    if (It->second.Deputy >= 0)
      queue(It->second.Deputy, wire::Writer(Msg::StdinWanted).u64(Id).framed());
    else
      It->second.StdinWanted = true; // told when the deputy attaches
  });
  Loop.onMessage(Msg::StdinCredit, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    uint64_t Count = R.u64();
    auto It = Jobs.find(Id);
    if (R.ok() && It != Jobs.end() && It->second.Deputy >= 0)
      queue(It->second.Deputy,
            wire::Writer(Msg::StdinCredit).u64(Id).u64(Count).framed());
  });
  Loop.onMessage(Msg::Exited, [this](int, wire::Reader &R) {
    uint64_t Id = R.u64();
    int32_t Status = R.i32();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end())
      return;
    if (It->second.Deputy >= 0)
      queue(It->second.Deputy,
            wire::Writer(Msg::Exited).u64(Id).i32(Status).framed());
    core::log(LogLevel::Debug, It->second.What + ": job " + std::to_string(Id) +
                                   " on node " +
                                   std::to_string(It->second.Node) +
                                   " ended, status " + std::to_string(Status));
    finish(Id);
  });

  // Started processes whose deputy never came.
  Loop.every(1.0, [this] {
    auto Limit = std::chrono::duration<double>(AttachTimeoutSeconds);
    std::vector<uint64_t> Stale;
    for (const auto &[Id, J] : Jobs)
      if (J.Started && J.Deputy < 0 && Clock::now() - J.Since > Limit)
        Stale.push_back(Id);
    for (uint64_t Id : Stale) {
      core::warn(Jobs[Id].What + ": the deputy of job " + std::to_string(Id) +
                 " never came; killing the remote process");
      Loop.send(static_cast<int>(Jobs[Id].Node),
                wire::Writer(Msg::Kill).u64(Id));
      finish(Id);
    }
  });
  Loop.every(0.05, [this] {
    if (!Ending)
      return;
    bool Survivors = false;
    for (const auto &[Id, J] : Jobs)
      Survivors |= J.Started && !C.nodes()[J.Node].Lost;
    auto Waited = std::chrono::duration<double>(Clock::now() - EndingSince);
    if (!Survivors || Waited.count() > LostGraceSeconds)
      flushAndEnd();
  });
  C.onNodeLost([this](const cluster::NodeInfo &N) { nodeLost(N); });
}

void HomeService::accept() {
  for (;;) {
    int Fd = ::accept4(Listen, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (Fd < 0)
      return;
    Conns[Fd].Generation = ++Accepted;
    ucred Cred{};
    socklen_t Len = sizeof Cred;
    if (::getsockopt(Fd, SOL_SOCKET, SO_PEERCRED, &Cred, &Len) == 0)
      Conns[Fd].Peer = Cred.pid;
    Loop.watch(Fd, POLLIN, [this, Fd](short Revents) {
      if (Revents & POLLOUT)
        writable(Fd);
      if (Conns.count(Fd) && (Revents & (POLLIN | POLLHUP | POLLERR)))
        readable(Fd);
    });
  }
}

void HomeService::readable(int Fd) {
  char Buf[64 * 1024];
  for (;;) {
    ssize_t N = ::read(Fd, Buf, sizeof Buf);
    if (N > 0) {
      Conn &Cn = Conns[Fd];
      Cn.In.append(Buf, static_cast<size_t>(N));
      std::string Body;
      bool Bad = false;
      while (Conns.count(Fd) && Conns[Fd].In.next(Body, &Bad))
        handle(Fd, Body);
      if (Bad && Conns.count(Fd))
        refuse(Fd, "a message longer than the limit");
      if (!Conns.count(Fd))
        return;
      continue;
    }
    if (N < 0 && (errno == EAGAIN || errno == EINTR))
      return;
    close(Fd); // end of file or error
    return;
  }
}

void HomeService::writable(int Fd) {
  auto It = Conns.find(Fd);
  if (It == Conns.end())
    return;
  Conn &Cn = It->second;
  while (!Cn.Queue.empty()) {
    Out &O = Cn.Queue.front();
    ssize_t N = ::send(Fd, O.Data.data() + Cn.Offset, O.Data.size() - Cn.Offset,
                       MSG_NOSIGNAL);
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0 && errno == EAGAIN)
      break;
    if (N <= 0) {
      close(Fd);
      return;
    }
    Cn.Offset += static_cast<size_t>(N);
    if (Cn.Offset < O.Data.size())
      continue;
    if (O.CreditBytes) {
      auto J = Jobs.find(O.CreditJob);
      unsigned Node = J != Jobs.end() ? J->second.Node : 0;
      if (Node)
        Loop.send(static_cast<int>(Node), wire::Writer(Msg::OutputCredit)
                                              .u64(O.CreditJob)
                                              .u64(O.CreditBytes));
    }
    Cn.Queue.pop_front();
    Cn.Offset = 0;
  }
  if (Cn.Queue.empty() && Cn.CloseAfter) {
    close(Fd);
    return;
  }
  Loop.setEvents(Fd, Cn.Queue.empty() ? POLLIN : POLLIN | POLLOUT);
}

void HomeService::queue(int Fd, std::string Data, uint64_t CreditJob,
                        uint64_t CreditBytes) {
  auto It = Conns.find(Fd);
  if (It == Conns.end())
    return;
  It->second.Queue.push_back({std::move(Data), CreditJob, CreditBytes});
  writable(Fd);
}

void HomeService::close(int Fd) {
  auto It = Conns.find(Fd);
  if (It == Conns.end())
    return;
  uint64_t Deputy = It->second.Deputy;
  Loop.unwatch(Fd);
  ::close(Fd);
  Conns.erase(It);
  // A requester that went away before its answer: the descriptor number may
  // be reused by another connection, which must not get that answer. Its
  // process, if it starts, is killed then (nobody will run its deputy).
  std::vector<uint64_t> Orphans;
  for (auto &[Id, J] : Jobs)
    if (J.Requester == Fd) {
      J.Requester = -1;
      Orphans.push_back(Id);
    }
  for (uint64_t Id : Orphans) {
    Loop.send(static_cast<int>(Jobs[Id].Node), wire::Writer(Msg::Kill).u64(Id));
    finish(Id);
  }
  if (!Deputy)
    return;
  auto J = Jobs.find(Deputy);
  if (J == Jobs.end())
    return;
  // The deputy is gone (killed, even by SIGKILL) before its process ended:
  // so must the process be (docs/design/cluster.md §7).
  core::log(LogLevel::Info, J->second.What + ": the deputy of job " +
                                std::to_string(Deputy) +
                                " went away; killing the remote process");
  Loop.send(static_cast<int>(J->second.Node),
            wire::Writer(Msg::Kill).u64(Deputy));
  finish(Deputy);
}

void HomeService::refuse(int Fd, const std::string &Text) {
  queue(Fd, wire::Writer(Msg::Error).str(Text).framed());
  if (Conns.count(Fd)) {
    Conns[Fd].CloseAfter = true;
    writable(Fd);
  }
}

void HomeService::handle(int Fd, const std::string &Body) {
  wire::Reader R(Body);
  Conn &Cn = Conns[Fd];
  switch (R.type()) {
  case Msg::Place:
    // Placement waits until every node has said hello and been measured
    // (home's start-up waits for that too, so this is rare). The connection
    // is named by its generation: its descriptor may be reused meanwhile.
    return C.whenReady([this, Fd, Body, Generation = Cn.Generation] {
      auto It = Conns.find(Fd);
      if (It != Conns.end() && It->second.Generation == Generation)
        place(Fd, Body);
    });
  case Msg::Cancel: {
    uint64_t Id = R.u64();
    auto It = Jobs.find(Id);
    if (R.ok() && It != Jobs.end() && It->second.Deputy < 0) {
      Loop.send(static_cast<int>(It->second.Node),
                wire::Writer(Msg::Kill).u64(Id));
      finish(Id);
    }
    return;
  }
  case Msg::Attach: {
    uint64_t Id = R.u64();
    auto It = Jobs.find(Id);
    if (!R.ok() || It == Jobs.end() ||
        !(It->second.Started || It->second.Early) || It->second.Deputy >= 0 ||
        Cn.Deputy)
      return refuse(Fd, "no remote process with job " + std::to_string(Id) +
                            " is waiting for its deputy");
    It->second.Deputy = Fd;
    Cn.Deputy = Id;
    if (!It->second.Pending.empty()) { // the node has already answered
      std::string Pending = std::move(It->second.Pending);
      finish(Id);
      queue(Fd, std::move(Pending));
      return;
    }
    if (It->second.StdinWanted)
      queue(Fd, wire::Writer(Msg::StdinWanted).u64(Id).framed());
    if (It->second.Started)
      Loop.send(static_cast<int>(It->second.Node),
                wire::Writer(Msg::Attached).u64(Id));
    return;
  }
  case Msg::Stdin:
  case Msg::StdinEof:
  case Msg::Signal: {
    uint64_t Id = R.u64();
    auto It = Jobs.find(Id);
    if (Id != Cn.Deputy || It == Jobs.end())
      return; // a late message for a process that has ended
    Loop.send(static_cast<int>(It->second.Node), Body);
    return;
  }
  default:
    return refuse(Fd, "unexpected message type " +
                          std::to_string(static_cast<int>(R.type())));
  }
}

std::vector<placement::NodeView> HomeService::nodeViews() const {
  std::vector<placement::NodeView> Views;
  for (const cluster::NodeInfo &N : C.nodes()) {
    placement::NodeView V;
    V.Cores = N.Cores ? N.Cores : 1;
    V.Load = LivePerNode[N.Rank];
    V.Near = N.Near;
    V.Usable = !N.Lost && N.HelloSeen;
    Views.push_back(V);
  }
  // Home's own load is what runs on it now, Grid's or not: the runnable
  // tasks, less the one reading them.
  if (core::MachineLoad Load = core::machineLoad(); Load.OneMinute >= 0)
    Views[0].Load = Load.Runnable > 0 ? Load.Runnable - 1 : 0;
  return Views;
}

void HomeService::place(int Fd, std::string Body) {
  wire::Reader R(Body);
  uint32_t Kind = R.u32();
  std::string Site(R.str());
  uint32_t Tol = R.u32();
  uint32_t Strat = R.u32();
  uint32_t Search = R.u32();
  std::string File(R.str());
  std::vector<std::string> Argv = R.strings();
  std::vector<std::string> Env = R.strings();
  std::string Cwd(R.str());
  uint32_t Umask = R.u32();
  bool Early = R.u32() != 0;
  if (!R.ok() || Tol > 3 || Strat > 2)
    return refuse(Fd, "a malformed placement request");
  if (Ending)
    return answer(Fd, wire::Outcome::CannotMove, 0, 0, 0, EndingWhy);

  // A renice of home bounds the whole job: the requests of the other
  // programs it started carry the tolerance they inherited at their start.
  pid_t Peer = Conns.count(Fd) ? Conns[Fd].Peer : 0;
  pid_t ForProgram = Peer != ::getpid() ? Peer : 0;
  if (ForProgram) {
    Sourced<Tolerance> Home = core::currentSettings().ProcessTolerance;
    if (Home.Source == SettingSource::Renice &&
        static_cast<uint32_t>(Home.Value) < Tol)
      Tol = static_cast<uint32_t>(Home.Value);
  }

  std::string What = Site + ": " + core::kindName(Kind);
  placement::NodeDecision D = Policy.choose(
      static_cast<Tolerance>(Tol), static_cast<Strategy>(Strat), nodeViews());
  core::log(LogLevel::Info,
            What + " -> " +
                (D.Node ? "node " + std::to_string(D.Node) : "home") +
                " (process tolerance " + toString(static_cast<Tolerance>(Tol)) +
                ", strategy " + toString(static_cast<Strategy>(Strat)) +
                "): " + D.Why);
  if (D.Node == 0)
    return answer(Fd, wire::Outcome::LocalByChoice, 0, 0, 0, D.Why);

  uint64_t Id = NextJob++;
  Job &J = Jobs[Id];
  J.Node = D.Node;
  J.Requester = Fd;
  J.Since = Clock::now();
  J.What = What;
  ++LivePerNode[D.Node];
  {
    core::WorkItem Item;
    Item.Kind = Kind;
    Item.SiteText = Site;
    Item.Node = D.Node;
    Item.Distance = C.nodes()[D.Node].Near ? Tolerance::Near : Tolerance::Any;
    Item.ForProgram = ForProgram;
    J.Work = core::addWork(std::move(Item));
  }
  if (Early) {
    J.Early = true;
    J.Search = Search != 0;
    J.File = File;
    J.Argv = Argv;
    J.Env = Env;
    J.Requester = -1;
    answer(Fd, wire::Outcome::Started, D.Node, Id, 0, "");
  }
  Loop.send(static_cast<int>(D.Node), wire::Writer(Msg::Start)
                                          .u64(Id)
                                          .u32(Kind)
                                          .u32(Search)
                                          .str(File)
                                          .strings(Argv)
                                          .strings(Env)
                                          .str(Cwd)
                                          .u32(Umask));
}

void HomeService::answer(int Fd, wire::Outcome O, unsigned Node, uint64_t Job,
                         int Err, const std::string &Reason) {
  if (Fd < 0)
    return;
  queue(Fd, wire::Writer(Msg::Placed)
                .u32(static_cast<uint32_t>(O))
                .u32(Node)
                .u64(Job)
                .i32(Err)
                .str(Reason)
                .framed());
}

void HomeService::finish(uint64_t Id) {
  auto It = Jobs.find(Id);
  if (It == Jobs.end())
    return;
  if (LivePerNode[It->second.Node])
    --LivePerNode[It->second.Node];
  core::removeWork(It->second.Work);
  if (It->second.Deputy >= 0 && Conns.count(It->second.Deputy))
    Conns[It->second.Deputy].Deputy = 0; // its closing no longer kills
  Jobs.erase(It);
}

/// What the node said of an early job, for its deputy: delivered now, or
/// when the deputy attaches.
void HomeService::earlyOutcome(uint64_t Id, std::string Framed) {
  auto It = Jobs.find(Id);
  if (It == Jobs.end())
    return;
  int Deputy = It->second.Deputy;
  if (Deputy < 0) {
    It->second.Pending = std::move(Framed);
    It->second.Started = true; // no longer starting: the deputy may attach
    return;
  }
  finish(Id);
  queue(Deputy, std::move(Framed));
}

// A lost node ends the job (DESIGN.md §4): the survivors' output that is on
// its way still gets delivered, within bounded time.
void HomeService::nodeLost(const cluster::NodeInfo &N) {
  if (Ending)
    return;
  Ending = true;
  EndingSince = Clock::now();
  EndingWhy = "the job is ending: node " + std::to_string(N.Rank) + " (host " +
              N.Host + ") was lost";
  std::vector<uint64_t> Gone;
  for (const auto &[Id, J] : Jobs)
    if (J.Node == static_cast<unsigned>(N.Rank))
      Gone.push_back(Id);
  for (uint64_t Id : Gone) {
    // Copied: queue() and answer() may close a connection and finish jobs.
    Job J = Jobs[Id];
    finish(Id);
    core::error(J.What + ": its process on node " + std::to_string(N.Rank) +
                " is lost with the node");
    if (J.Deputy >= 0)
      queue(J.Deputy, wire::Writer(Msg::Error)
                          .str("node " + std::to_string(N.Rank) + " (host " +
                               N.Host + ") was lost")
                          .framed());
    answer(J.Requester, wire::Outcome::CannotMove, J.Node, 0, 0, EndingWhy);
  }
}

void HomeService::flushAndEnd() {
  auto Deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(FlushSeconds));
  for (;;) {
    bool Left = false;
    for (auto &[Fd, Cn] : Conns)
      Left |= !Cn.Queue.empty();
    if (!Left || Clock::now() > Deadline)
      break;
    std::vector<int> Fds;
    for (auto &[Fd, Cn] : Conns)
      if (!Cn.Queue.empty())
        Fds.push_back(Fd);
    for (int Fd : Fds)
      writable(Fd);
    ::usleep(1000);
  }
  core::error(EndingWhy);
  C.abortJob(1);
}

} // namespace

void startHomeService(cluster::Cluster &C) {
  TheService = new HomeService(C); // lives until exit
  TheService->start();
}

} // namespace grid::process
