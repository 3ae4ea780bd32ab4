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
#include <map>
#include <mutex>
#include <poll.h>
#include <pwd.h>
#include <set>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace grid::control {

using nlohmann::json;

namespace {

/// Clients served at once; one more is told to come back later. Each holds
/// one of the program's descriptors.
constexpr size_t MaxClients = 32;
/// A client whose replies pile up unread beyond this is disconnected.
constexpr size_t MaxPendingReply = 32u << 20;
/// A client silent this long is disconnected (it holds a slot).
constexpr auto IdleLimit = std::chrono::seconds(60);
/// How long a ps or nodes request waits for the cluster's loop.
constexpr double NodesWaitSeconds = 0.5;

/// The server's descriptors live at high numbers, away from the ones the
/// program allocates (lowest free first), and are checked by identity: a
/// program may close descriptors it did not open (closefrom) and reuse the
/// numbers, and the server must never act on the program's descriptors.
struct OwnFd {
  int Fd = -1;
  dev_t Dev = 0;
  ino_t Ino = 0;
  /// Fd moved to a high number (close-on-exec) and remembered; the low
  /// one closed. -1 if that fails (Fd closed).
  static OwnFd adopt(int Fd) {
    OwnFd Own;
    if (Fd < 0)
      return Own;
    rlimit Limit{};
    long Floor = 256;
    if (::getrlimit(RLIMIT_NOFILE, &Limit) == 0 &&
        Limit.rlim_cur != RLIM_INFINITY)
      Floor =
          std::clamp<long>(static_cast<long>(Limit.rlim_cur) * 3 / 4, 3, 1000);
    int High = ::fcntl(Fd, F_DUPFD_CLOEXEC, static_cast<int>(Floor));
    if (High < 0)
      High = ::fcntl(Fd, F_DUPFD_CLOEXEC, 3);
    ::close(Fd);
    struct stat St;
    if (High < 0 || ::fstat(High, &St) != 0) {
      if (High >= 0)
        ::close(High);
      return Own;
    }
    Own.Fd = High;
    Own.Dev = St.st_dev;
    Own.Ino = St.st_ino;
    return Own;
  }
  /// True while Fd is still the file we opened. Async-signal-safe.
  bool stillOurs() const {
    struct stat St;
    return Fd >= 0 && ::fstat(Fd, &St) == 0 && St.st_dev == Dev &&
           St.st_ino == Ino;
  }
};

std::string hostName() {
  char Host[256] = {};
  if (::gethostname(Host, sizeof Host - 1) != 0)
    return "localhost";
  return Host;
}

/// The program's command line, arguments joined by spaces.
std::string commandLine() {
  std::string Raw = core::readProcFile("/proc/self/cmdline");
  while (!Raw.empty() && Raw.back() == '\0')
    Raw.pop_back();
  std::replace(Raw.begin(), Raw.end(), '\0', ' ');
  constexpr size_t Longest = 400;
  if (Raw.size() > Longest)
    Raw = Raw.substr(0, Longest) + "...";
  return Raw;
}

std::string baseName(const std::string &Path) {
  size_t Slash = Path.rfind('/');
  return Slash == std::string::npos ? Path : Path.substr(Slash + 1);
}

/// A local child is listed while it runs: it exists, is ours, and is not a
/// zombie waiting to be reaped.
bool childRuns(pid_t Pid) {
  std::optional<core::ProcStat> Stat = core::readProcStat(Pid);
  return Stat && Stat->State != 'Z' && Stat->State != 'X' &&
         Stat->Parent == ::getpid();
}

/// The work registry, less the local children that have ended (nobody
/// tells the registry when a child of fork, posix_spawn or popen ends).
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
  Self.LoadAverage = core::machineLoad().OneMinute;
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
  std::string Exe = core::exePath();
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
  OwnFd Own;
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
  const OwnFd &listening() const { return Listen; }

private:
  /// False when the listening socket is gone.
  bool accept();
  void readFrom(int Fd, Client &C);
  bool writeTo(int Fd, Client &C);
  /// One round of poll and service; false when there is nothing left to
  /// serve.
  bool serveOnce();
  void stopServing();

  OwnFd Listen;
  OwnFd Wake; // written when the main thread ends by pthread_exit
  std::string Path;
  std::map<int, Client> Clients;
  std::chrono::steady_clock::time_point LastPrune;
  bool AcceptPaused = false; // out of descriptors: accept again later
  std::chrono::steady_clock::time_point AcceptAgain;
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
  // Bound under a temporary name and renamed once it listens, so that a
  // gridctl listing at that moment never finds it refusing (and removes it).
  std::string Temporary = Path + ".new";
  if (Temporary.size() >= sizeof Addr.sun_path)
    Temporary = Path;
  std::strcpy(Addr.sun_path, Temporary.c_str());
  Listen = OwnFd::adopt(
      ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (Listen.Fd < 0) {
    core::warn(std::string("no control socket for gridctl: socket: ") +
               std::strerror(errno));
    return false;
  }
  ::unlink(Temporary.c_str());
  if (::bind(Listen.Fd, reinterpret_cast<sockaddr *>(&Addr), sizeof Addr) !=
          0 ||
      ::chmod(Temporary.c_str(), 0600) != 0 ||
      ::listen(Listen.Fd, SOMAXCONN) != 0 ||
      (Temporary != Path && ::rename(Temporary.c_str(), Path.c_str()) != 0)) {
    core::warn("no control socket for gridctl: " + Path + ": " +
               std::strerror(errno));
    ::unlink(Temporary.c_str());
    ::close(Listen.Fd);
    Listen = OwnFd();
    return false;
  }
  Wake = OwnFd::adopt(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  core::watchMainThread(Wake.Fd);
  return true;
}

bool Server::accept() {
  // Backpressure: with MaxClients connected, the rest wait in the listening
  // socket's queue (SOMAXCONN deep) until one leaves.
  while (Clients.size() < MaxClients) {
    int Raw =
        ::accept4(Listen.Fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (Raw < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
          errno == ENOBUFS) {
        // The program is at its descriptor limit: leave the connection
        // waiting rather than spin on it.
        AcceptPaused = true;
        AcceptAgain =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
        return true;
      }
      // The program closed our socket (and perhaps reused its number).
      return errno != EBADF && errno != ENOTSOCK && errno != EINVAL;
    }
    OwnFd Own = OwnFd::adopt(Raw);
    if (Own.Fd < 0)
      continue;
    ucred Cred{};
    socklen_t Len = sizeof Cred;
    if (::getsockopt(Own.Fd, SOL_SOCKET, SO_PEERCRED, &Cred, &Len) != 0) {
      ::close(Own.Fd);
      continue;
    }
    Client &C = Clients[Own.Fd] = Client{};
    C.Own = Own;
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
  return true;
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

void Server::stopServing() {
  core::warn("the program closed its control socket; gridctl can no longer "
             "reach it");
  // Forgotten, never closed: the numbers may be the program's now.
  Clients.clear();
  Listen = OwnFd();
  Wake = OwnFd();
  core::watchMainThread(-1);
}

bool Server::serveOnce() {
  // A program whose main thread ended by pthread_exit ends with its last
  // thread; this one must not keep it alive (glibc's exit(0) is ours to
  // make then).
  if (core::programThreadsGone())
    std::exit(0);
  // A program may close descriptors it did not open (closefrom, a daemon's
  // clean-up) and reuse the numbers. Ours are then forgotten, never closed
  // or used. Without the listening socket there is nothing left to serve
  // (gridctl will find the socket stale and remove it).
  if (!Listen.stillOurs()) {
    stopServing();
    return false;
  }
  if (Wake.Fd >= 0 && !Wake.stillOurs()) {
    Wake = OwnFd();
    core::watchMainThread(-1);
  }
  std::erase_if(
      Clients, [](const auto &Entry) { return !Entry.second.Own.stillOurs(); });

  auto Now = std::chrono::steady_clock::now();
  if (AcceptPaused && Now >= AcceptAgain)
    AcceptPaused = false;
  std::vector<pollfd> Fds;
  Fds.push_back({Wake.Fd, POLLIN, 0});
  Fds.push_back({AcceptPaused || Clients.size() >= MaxClients ? -1 : Listen.Fd,
                 POLLIN, 0});
  for (auto &[Fd, C] : Clients)
    // A client's next request is read only once its replies are sent.
    Fds.push_back({Fd,
                   static_cast<short>(
                       C.Out.empty() ? (C.CloseAfter ? 0 : POLLIN) : POLLOUT),
                   0});
  // Once main is gone, look for the last thread's end often.
  int Timeout = core::mainThreadGone() ? 20 : AcceptPaused ? 100 : 1000;
  int Ready = ::poll(Fds.data(), Fds.size(), Timeout);
  if (Ready < 0 && errno != EINTR) {
    stopServing();
    return false;
  }
  if (Fds[1].revents & POLLNVAL) {
    stopServing();
    return false;
  }
  if ((Fds[0].revents & POLLIN) && Wake.stillOurs()) {
    uint64_t Count;
    [[maybe_unused]] ssize_t N = ::read(Wake.Fd, &Count, sizeof Count);
  }
  Now = std::chrono::steady_clock::now();
  for (size_t I = 2; I < Fds.size(); ++I) {
    int Fd = Fds[I].fd;
    auto It = Clients.find(Fd);
    if (It == Clients.end())
      continue;
    Client &C = It->second;
    if ((Fds[I].revents & POLLNVAL) || !C.Own.stillOurs()) {
      Clients.erase(It); // forgotten, never closed
      continue;
    }
    if (Fds[I].revents & (POLLIN | POLLHUP | POLLERR))
      readFrom(Fd, C);
    bool Keep = writeTo(Fd, C);
    if (!C.Out.empty() && (Fds[I].revents & (POLLHUP | POLLERR)))
      Keep = false; // the peer is gone: nobody reads what is left
    if (Keep && Now - C.LastHeard < IdleLimit)
      continue;
    ::close(Fd);
    Clients.erase(It);
  }
  if ((Fds[1].revents & POLLIN) && !accept()) {
    stopServing();
    return false;
  }
  // Local children that ended leave the registry even when nobody asks.
  if (Now - LastPrune > std::chrono::seconds(5)) {
    LastPrune = Now;
    liveWork();
  }
  return true;
}

void Server::run() {
  core::runtimeThreadStarted();
  for (;;) {
    try {
      if (!serveOnce())
        break;
    } catch (const std::exception &E) {
      // Out of memory, most likely: drop the clients, never the program.
      for (auto &[Fd, C] : Clients)
        if (C.Own.stillOurs())
          ::close(Fd);
      Clients.clear();
      core::warn(std::string("control socket: ") + E.what() +
                 "; its clients were dropped");
    }
  }
  // Nothing left to serve; the program may still need its end seen to.
  while (!core::programThreadsGone())
    std::this_thread::sleep_for(
        std::chrono::milliseconds(core::mainThreadGone() ? 20 : 1000));
  std::exit(0);
}

/// What the exit handler and the fork handler need. On the heap and reached
/// through a function: startServer may run from libgridrt's constructor,
/// before this file's own static objects are constructed.
struct ServerState {
  std::once_flag Started;
  pid_t Pid = 0;
  std::string Path;
  OwnFd Listening;
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
  // Only if the number is still our socket: the program may have closed it
  // and reused the number. fstat is async-signal-safe.
  if (St.Listening.stillOurs())
    ::close(St.Listening.Fd);
  St.Listening = OwnFd();
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
    St.Listening = S->listening();
    core::keepWork();
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
