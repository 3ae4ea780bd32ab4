//===- control/Server.cpp - The program's control socket ------------------===//
//
// One thread polls the listening socket and its clients, all non-blocking.
// A client's request is answered when its line is complete; a line longer
// than MaxRequestBytes is answered with an error and skipped up to its
// newline. A client of another user is told so and disconnected. Replies
// are built from snapshots of core's settings and work registry and of the
// cluster's node table, so the program's own threads never wait for us.
//===----------------------------------------------------------------------===//

#include "control/Server.h"

#include "cluster/Cluster.h"
#include "core/Core.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <mutex>
#include <poll.h>
#include <pwd.h>
#include <set>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace grid::control {

using nlohmann::json;

namespace {

/// Clients served at once; one more is told to come back later.
constexpr size_t MaxClients = 512;
/// A client whose replies pile up unread beyond this is disconnected.
constexpr size_t MaxPendingReply = 32u << 20;
/// A client silent this long is disconnected (it holds a slot).
constexpr auto IdleLimit = std::chrono::seconds(60);
/// How long a ps or nodes request waits for the cluster's loop.
constexpr double NodesWaitSeconds = 0.5;

std::string readText(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::string Text((std::istreambuf_iterator<char>(In)),
                   std::istreambuf_iterator<char>());
  return Text;
}

std::string hostName() {
  char Host[256] = {};
  if (::gethostname(Host, sizeof Host - 1) != 0)
    return "localhost";
  return Host;
}

/// The program's command line, arguments joined by spaces.
std::string commandLine() {
  std::string Raw = readText("/proc/self/cmdline");
  while (!Raw.empty() && Raw.back() == '\0')
    Raw.pop_back();
  std::replace(Raw.begin(), Raw.end(), '\0', ' ');
  constexpr size_t Longest = 400;
  if (Raw.size() > Longest)
    Raw = Raw.substr(0, Longest) + "...";
  return Raw;
}

std::string exePath() {
  char Buf[4096];
  ssize_t N = ::readlink("/proc/self/exe", Buf, sizeof Buf - 1);
  return N > 0 ? std::string(Buf, static_cast<size_t>(N)) : std::string();
}

std::string baseName(const std::string &Path) {
  size_t Slash = Path.rfind('/');
  return Slash == std::string::npos ? Path : Path.substr(Slash + 1);
}

/// A local child is listed while it runs: it exists, is ours, and is not a
/// zombie waiting to be reaped.
bool childRuns(pid_t Pid) {
  std::string Stat = readText("/proc/" + std::to_string(Pid) + "/stat");
  size_t Paren = Stat.rfind(')');
  if (Paren == std::string::npos || Paren + 4 > Stat.size())
    return false;
  char State = Stat[Paren + 2];
  long Parent = std::strtol(Stat.c_str() + Paren + 4, nullptr, 10);
  return State != 'Z' && State != 'X' && Parent == ::getpid();
}

/// The work registry, less the local children that have ended (nobody
/// tells the registry when a child of fork or posix_spawn ends).
std::vector<std::pair<uint64_t, core::WorkItem>> liveWork() {
  std::vector<std::pair<uint64_t, core::WorkItem>> Work = core::workSnapshot();
  std::erase_if(Work, [](const auto &Entry) {
    const core::WorkItem &W = Entry.second;
    if (W.Thread || W.Pid <= 0 || childRuns(W.Pid))
      return false;
    core::removeWork(Entry.first);
    return true;
  });
  return Work;
}

json sourced(const Sourced<Tolerance> &T) {
  return {{"value", toString(T.Value)},
          {"level", static_cast<int>(T.Value)},
          {"source", toString(T.Source)},
          {"origin", T.Origin}};
}

const char *className(const cluster::NodeInfo &N) {
  if (N.Rank == 0)
    return "home";
  return N.Near ? "near" : "far";
}

const char *stateName(const cluster::NodeInfo &N) {
  if (N.Lost)
    return "lost";
  return N.HelloSeen ? "up" : "joining";
}

/// The job's node table; for a program without a cluster, this machine.
std::vector<cluster::NodeInfo> nodeTable() {
  if (cluster::role() == cluster::Role::Home)
    if (cluster::Cluster *C = cluster::Cluster::current()) {
      std::vector<cluster::NodeInfo> Nodes = C->nodesSnapshot(NodesWaitSeconds);
      if (!Nodes.empty())
        return Nodes;
    }
  cluster::NodeInfo Self;
  Self.Host = hostName();
  Self.Pid = ::getpid();
  Self.Cores = core::allowedCores();
  Self.LoadAverage = core::loadAverage();
  Self.HelloSeen = true;
  return {Self};
}

json nodesJson(const std::vector<cluster::NodeInfo> &Nodes) {
  // What this program (at home: the job) runs on each node.
  std::vector<unsigned> Threads(Nodes.size()), Processes(Nodes.size());
  for (const auto &[Id, W] : liveWork())
    if (W.Node < Nodes.size())
      ++(W.Thread ? Threads : Processes)[W.Node];
  json List = json::array();
  for (size_t I = 0; I < Nodes.size(); ++I) {
    const cluster::NodeInfo &N = Nodes[I];
    List.push_back({{"node", I},
                    {"rank", N.Rank},
                    {"host", N.Host},
                    {"pid", N.Pid},
                    {"cores", N.Cores},
                    {"load", N.LoadAverage},
                    {"grid_threads", Threads[I]},
                    {"grid_processes", Processes[I]},
                    {"class", className(N)},
                    {"rtt_us", N.RoundTripUs},
                    {"state", stateName(N)}});
  }
  return List;
}

json programJson() {
  Settings S = core::currentSettings();
  std::vector<cluster::NodeInfo> Nodes = nodeTable();
  std::string Exe = exePath();
  json Program = {
      {"pid", ::getpid()},
      {"uid", ::getuid()},
      {"name", baseName(Exe)},
      {"exe", Exe},
      {"command", commandLine()},
      {"role", cluster::toString(cluster::role())},
      {"thread_tolerance", sourced(S.ThreadTolerance)},
      {"process_tolerance", sourced(S.ProcessTolerance)},
      {"placement",
       {{"value", toString(S.Placement.Value)},
        {"source", toString(S.Placement.Source)},
        {"origin", S.Placement.Origin}}},
      {"config", S.ConfigPath.empty() ? json(nullptr) : json(S.ConfigPath)}};

  json Renices = json::array();
  for (const core::SiteRenice &R : core::siteRenices())
    Renices.push_back(
        {{"site", core::describeSite(R.Site)},
         {"threads", R.Thread ? json(toString(*R.Thread)) : json(nullptr)},
         {"processes",
          R.Process ? json(toString(*R.Process)) : json(nullptr)}});
  Program["site_renices"] = std::move(Renices);

  // Threads are grouped per node, site, kind and bound; processes listed.
  struct Group {
    unsigned Node;
    std::string Site;
    std::string Kind;
    bool Beyond;
    bool operator<(const Group &O) const {
      return std::tie(Node, Site, Kind, Beyond) <
             std::tie(O.Node, O.Site, O.Kind, O.Beyond);
    }
  };
  std::map<Group, unsigned> Threads;
  std::map<unsigned, json> Processes;
  std::map<const __grid_site *, std::string> SiteNames;
  auto siteName = [&](const core::WorkItem &W) -> const std::string & {
    if (!W.Site)
      return W.SiteText;
    auto [It, New] = SiteNames.try_emplace(W.Site);
    if (New)
      It->second = core::describeSite(W.Site);
    return It->second;
  };
  for (const auto &[Id, W] : liveWork()) {
    Tolerance Bound = W.Thread ? core::threadTolerance(W.Site)
                               : core::processTolerance(W.Site);
    bool Beyond = W.Distance > Bound;
    if (W.Thread) {
      ++Threads[{W.Node, siteName(W), core::kindName(W.Kind), Beyond}];
      continue;
    }
    json Entry = {{"site", siteName(W)},
                  {"kind", core::kindName(W.Kind)},
                  {"pid", W.Pid > 0 ? json(W.Pid) : json(nullptr)},
                  {"beyond_bound", Beyond}};
    if (W.ForProgram)
      Entry["for_program"] = W.ForProgram;
    json &List = Processes[W.Node];
    if (List.is_null())
      List = json::array();
    List.push_back(std::move(Entry));
  }

  json PerNode = json::array();
  for (size_t I = 0; I < Nodes.size(); ++I) {
    json ThreadList = json::array();
    for (const auto &[G, Count] : Threads)
      if (G.Node == I)
        ThreadList.push_back({{"site", G.Site},
                              {"kind", G.Kind},
                              {"count", Count},
                              {"beyond_bound", G.Beyond}});
    auto P = Processes.find(static_cast<unsigned>(I));
    PerNode.push_back(
        {{"node", I},
         {"host", Nodes[I].Host},
         {"threads", std::move(ThreadList)},
         {"processes", P == Processes.end() ? json::array() : P->second}});
  }
  Program["nodes"] = std::move(PerNode);
  return Program;
}

std::string okReply(json Body) {
  Body["version"] = ProtocolVersion;
  Body["ok"] = true;
  return Body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string listSites(size_t Most) {
  std::set<std::pair<std::string, uint32_t>> Sites;
  for (const __grid_module *M : core::registeredModules())
    for (uint32_t I = 0; I < M->num_sites; ++I) {
      const __grid_site &Site = M->sites[I];
      if (Site.file && *Site.file && Site.line &&
          core::isPlacementKind(Site.kind))
        Sites.emplace(Site.file, Site.line);
    }
  if (Sites.empty())
    return "it has no call site with a file and line (built without -g?)";
  std::string Text;
  size_t Shown = 0;
  for (const auto &[File, Line] : Sites) {
    if (Shown++ == Most)
      break;
    Text += (Text.empty() ? "" : ", ") + File + ":" + std::to_string(Line);
  }
  if (Sites.size() > Most)
    Text += ", ... (" + std::to_string(Sites.size()) + " in all)";
  return "its call sites: " + Text;
}

std::string renice(const Request &R) {
  if (!R.Site) {
    core::renice(R.Threads, R.Processes);
    return okReply({{"program", programJson()}});
  }
  std::vector<const __grid_site *> Sites =
      core::findSites(R.Site->File, R.Site->Line);
  std::string Named = R.Site->File + ":" + std::to_string(R.Site->Line);
  if (Sites.empty())
    return errorReply("no call site at " + Named + " in this program; " +
                      listSites(12));
  // Each tolerance given must govern some site there: a thread tolerance
  // a thread site, a process tolerance a process site.
  const __grid_site *ThreadSite = nullptr, *ProcessSite = nullptr;
  for (const __grid_site *Site : Sites)
    (core::isThreadKind(Site->kind) ? ThreadSite : ProcessSite) = Site;
  auto Mismatch = [&](const __grid_site *Other, const char *Drop) {
    return errorReply(
        Named + " creates " +
        (core::isThreadKind(Other->kind) ? "threads" : "processes") + " (" +
        core::kindName(Other->kind) + "), not " +
        (ThreadSite ? "processes" : "threads") + "; drop " + Drop);
  };
  if (R.Threads && !ThreadSite)
    return Mismatch(ProcessSite, "--threads");
  if (R.Processes && !ProcessSite)
    return Mismatch(ThreadSite, "--processes");
  for (const __grid_site *Site : Sites) {
    bool Thread = core::isThreadKind(Site->kind);
    if (Thread ? R.Threads.has_value() : R.Processes.has_value())
      core::reniceSite(Site, Thread ? R.Threads : std::nullopt,
                       Thread ? std::nullopt : R.Processes);
  }
  return okReply({{"program", programJson()}});
}

std::string userName(uid_t Uid) {
  if (passwd *P = ::getpwuid(Uid))
    return P->pw_name;
  return "uid " + std::to_string(Uid);
}

} // namespace

std::string answer(std::string_view Line, uid_t PeerUid) {
  if (PeerUid != ::getuid() && PeerUid != 0)
    return errorReply("refused: this program (pid " +
                      std::to_string(::getpid()) + ") belongs to " +
                      userName(::getuid()) + "; " + userName(PeerUid) +
                      " may not inspect or control it");
  auto Parsed = parseRequest(Line);
  if (auto *Err = std::get_if<std::string>(&Parsed))
    return errorReply(*Err);
  const Request &R = std::get<Request>(Parsed);
  try {
    switch (R.What) {
    case Request::Op::Ps:
      return okReply({{"program", programJson()}});
    case Request::Op::Nodes:
      return okReply({{"pid", ::getpid()}, {"nodes", nodesJson(nodeTable())}});
    case Request::Op::Renice:
      return renice(R);
    }
  } catch (const std::exception &E) {
    return errorReply(std::string("internal error: ") + E.what());
  }
  return errorReply("unhandled request");
}

namespace {

struct Client {
  uid_t Uid = 0;
  std::string In;
  std::string Out;
  bool Skipping = false; // inside an oversized line, up to its newline
  bool CloseAfter = false;
  std::chrono::steady_clock::time_point LastHeard;
};

class Server {
public:
  bool open();
  void run();
  const std::string &path() const { return Path; }
  int listenFd() const { return Listen; }

private:
  /// False when the listening socket is gone.
  bool accept();
  void readFrom(int Fd, Client &C);
  bool writeTo(int Fd, Client &C);

  int Listen = -1;
  int Wake = -1; // written when the main thread ends by pthread_exit
  std::string Path;
  std::map<int, Client> Clients;
};

bool Server::open() {
  std::string Problem;
  std::optional<std::string> Dir = core::socketDirectory(Problem);
  if (!Dir) {
    core::warn("no control socket for gridctl: " + Problem);
    return false;
  }
  Path = *Dir + "/" + socketName(::getpid());
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  if (Path.size() >= sizeof Addr.sun_path) {
    core::warn("no control socket for gridctl: the path " + Path +
               " is too long; set XDG_RUNTIME_DIR to a shorter directory");
    return false;
  }
  std::strcpy(Addr.sun_path, Path.c_str());
  Listen = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (Listen < 0) {
    core::warn(std::string("no control socket for gridctl: socket: ") +
               std::strerror(errno));
    return false;
  }
  ::unlink(Path.c_str()); // a dead program's that had our pid
  if (::bind(Listen, reinterpret_cast<sockaddr *>(&Addr), sizeof Addr) != 0 ||
      ::chmod(Path.c_str(), 0600) != 0 || ::listen(Listen, 128) != 0) {
    core::warn("no control socket for gridctl: " + Path + ": " +
               std::strerror(errno));
    ::close(Listen);
    Listen = -1;
    return false;
  }
  Wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  core::watchMainThread(Wake);
  return true;
}

bool Server::accept() {
  for (;;) {
    int Fd = ::accept4(Listen, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (Fd < 0)
      // The program closed our socket (and perhaps reused its number).
      return errno != EBADF && errno != ENOTSOCK && errno != EINVAL;
    ucred Cred{};
    socklen_t Len = sizeof Cred;
    if (::getsockopt(Fd, SOL_SOCKET, SO_PEERCRED, &Cred, &Len) != 0) {
      ::close(Fd);
      continue;
    }
    Client &C = Clients[Fd];
    C.Uid = Cred.uid;
    C.LastHeard = std::chrono::steady_clock::now();
    if (Clients.size() > MaxClients) {
      C.Out = errorReply("busy: " + std::to_string(MaxClients) +
                         " clients are connected; try again");
      C.CloseAfter = true;
    } else if (C.Uid != ::getuid() && C.Uid != 0) {
      // Said at once, before any request, and nothing else is read.
      C.Out = answer("", C.Uid);
      C.CloseAfter = true;
    }
  }
}

void Server::readFrom(int Fd, Client &C) {
  char Buf[16 * 1024];
  for (;;) {
    ssize_t N = ::read(Fd, Buf, sizeof Buf);
    if (N == 0) {
      C.CloseAfter = true;
      return;
    }
    if (N < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN)
        C.CloseAfter = true;
      return;
    }
    C.LastHeard = std::chrono::steady_clock::now();
    std::string_view Data(Buf, static_cast<size_t>(N));
    while (!Data.empty() && !C.CloseAfter) {
      size_t Newline = Data.find('\n');
      std::string_view Part = Data.substr(0, Newline);
      if (C.Skipping) {
        if (Newline != std::string_view::npos)
          C.Skipping = false;
      } else if (C.In.size() + Part.size() > MaxRequestBytes) {
        C.Out += errorReply("request longer than " +
                            std::to_string(MaxRequestBytes) +
                            " bytes; skipped up to its newline");
        C.In.clear();
        C.Skipping = Newline == std::string_view::npos;
      } else {
        C.In.append(Part);
        if (Newline != std::string_view::npos) {
          std::string Line = std::move(C.In);
          C.In.clear();
          if (!Line.empty() && Line.back() == '\r')
            Line.pop_back();
          if (!Line.empty())
            C.Out += answer(Line, C.Uid);
        }
      }
      if (Newline == std::string_view::npos)
        break;
      Data.remove_prefix(Newline + 1);
    }
    if (C.Out.size() > MaxPendingReply) {
      C.Out.clear();
      C.CloseAfter = true;
      return;
    }
  }
}

/// False when the client is done with (all sent and closing, or gone).
bool Server::writeTo(int Fd, Client &C) {
  while (!C.Out.empty()) {
    ssize_t N = ::send(Fd, C.Out.data(), C.Out.size(), MSG_NOSIGNAL);
    if (N < 0) {
      if (errno == EINTR)
        continue;
      return errno == EAGAIN;
    }
    C.Out.erase(0, static_cast<size_t>(N));
  }
  return !C.CloseAfter;
}

void Server::run() {
  core::runtimeThreadStarted();
  std::vector<pollfd> Fds;
  for (;;) {
    // A program whose main thread ended by pthread_exit ends with its last
    // thread; this one must not keep it alive (glibc's exit(0) is ours to
    // make then).
    if (core::programThreadsGone())
      std::exit(0);
    Fds.clear();
    Fds.push_back({Wake, POLLIN, 0});
    Fds.push_back({Listen, POLLIN, 0});
    for (auto &[Fd, C] : Clients)
      Fds.push_back({Fd,
                     static_cast<short>((C.CloseAfter ? 0 : POLLIN) |
                                        (C.Out.empty() ? 0 : POLLOUT)),
                     0});
    // Once main is gone, look for the last thread's end often.
    int Ready =
        ::poll(Fds.data(), Fds.size(), core::mainThreadGone() ? 20 : 1000);
    if (Ready < 0 && errno != EINTR)
      return;
    // A program may close descriptors it did not open (closefrom, a
    // daemon's clean-up). Ours are then forgotten, never closed: their
    // numbers may already be the program's again. Without the listening
    // socket there is nothing left to serve (gridctl will find the socket
    // stale and remove it).
    if (Fds[1].revents & POLLNVAL) {
      core::warn("the program closed its control socket; gridctl can no "
                 "longer reach it");
      return;
    }
    if (Fds[0].revents & POLLNVAL)
      Wake = -1;
    if (Fds[0].revents & POLLIN) {
      uint64_t Count;
      [[maybe_unused]] ssize_t N = ::read(Wake, &Count, sizeof Count);
    }
    auto Now = std::chrono::steady_clock::now();
    for (size_t I = 2; I < Fds.size(); ++I) {
      int Fd = Fds[I].fd;
      if (Fds[I].revents & POLLNVAL) {
        Clients.erase(Fd);
        continue;
      }
      Client &C = Clients[Fd];
      if (Fds[I].revents & (POLLIN | POLLHUP | POLLERR))
        readFrom(Fd, C);
      bool Keep = writeTo(Fd, C);
      if (!C.Out.empty() && (Fds[I].revents & (POLLHUP | POLLERR)))
        Keep = false; // the peer is gone: nobody reads what is left
      if (Keep && Now - C.LastHeard < IdleLimit)
        continue;
      ::close(Fd);
      Clients.erase(Fd);
    }
    if ((Fds[1].revents & POLLIN) && !accept()) {
      core::warn("the program closed its control socket; gridctl can no "
                 "longer reach it");
      return;
    }
  }
}

/// What the exit handler and the fork handler need. On the heap and reached
/// through a function: startServer may run from libgridrt's constructor,
/// before this file's own static objects are constructed.
struct ServerState {
  std::once_flag Started;
  pid_t Pid = 0;
  std::string Path;
  int ListenFd = -1;
};

ServerState &serverState() {
  static ServerState *S = new ServerState;
  return *S;
}

/// A forked child has no server thread: it must not hold the listening
/// socket, or connections to a program that died would hang instead of
/// being refused (and gridctl could not tell its socket is stale).
void closeInForkChild() {
  ServerState &St = serverState();
  if (St.ListenFd >= 0)
    ::close(St.ListenFd);
  St.ListenFd = -1;
}

void removeSocket() {
  // A forked child runs the same exit handlers: the socket is its parent's.
  ServerState &St = serverState();
  if (::getpid() == St.Pid)
    ::unlink(St.Path.c_str());
}

} // namespace

void startServer() {
  std::call_once(serverState().Started, [] {
    ServerState &St = serverState();
    core::ErrnoGuard Guard;
    auto *S = new Server; // lives as long as the process
    if (!S->open()) {
      delete S;
      return;
    }
    St.Pid = ::getpid();
    St.Path = S->path();
    St.ListenFd = S->listenFd();
    std::atexit(removeSocket);
    ::pthread_atfork(nullptr, nullptr, closeInForkChild);
    // The program's signals are for its own threads, never this one.
    sigset_t All, Old;
    sigfillset(&All);
    ::pthread_sigmask(SIG_SETMASK, &All, &Old);
    try {
      std::thread([S] { S->run(); }).detach();
    } catch (const std::system_error &E) {
      core::warn(std::string("no control socket for gridctl: ") + E.what());
      ::unlink(St.Path.c_str());
    }
    ::pthread_sigmask(SIG_SETMASK, &Old, nullptr);
    core::log(LogLevel::Debug, "control socket " + St.Path);
  });
}

} // namespace grid::control
