//===- process/Remote.cpp - The requester side of remote processes --------===//
//
// Runs in the program's threads, and in a forked child before its exec, so
// it takes no lock and keeps no state between calls: one connection to the
// home socket per placement, closed on exec.
//===----------------------------------------------------------------------===//

#include "process/Remote.h"

#include "core/Core.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace grid::process {

namespace {

bool writeAll(int Fd, const std::string &Data) {
  size_t Done = 0;
  while (Done < Data.size()) {
    ssize_t N =
        ::send(Fd, Data.data() + Done, Data.size() - Done, MSG_NOSIGNAL);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return false;
    Done += static_cast<size_t>(N);
  }
  return true;
}

bool readAll(int Fd, void *Data, size_t Size) {
  size_t Done = 0;
  while (Done < Size) {
    ssize_t N = ::read(Fd, static_cast<char *>(Data) + Done, Size - Done);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return false;
    Done += static_cast<size_t>(N);
  }
  return true;
}

/// One framed message body from Fd, or nullopt.
std::optional<std::string> readMessage(int Fd) {
  uint32_t Len = 0;
  if (!readAll(Fd, &Len, sizeof Len) || Len < 2 || Len > wire::MaxMessage)
    return std::nullopt;
  std::string Body(Len, '\0');
  if (!readAll(Fd, Body.data(), Len))
    return std::nullopt;
  return Body;
}

int connectHome(std::string *Why) {
  const char *Path = core::getEnv("GRID_HOME_SOCKET");
  if (!Path || !*Path) {
    *Why = "GRID_HOME_SOCKET is not set";
    return -1;
  }
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  if (std::strlen(Path) >= sizeof Addr.sun_path) {
    *Why = std::string("the home socket path is too long: ") + Path;
    return -1;
  }
  std::strcpy(Addr.sun_path, Path);
  int Fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (Fd < 0) {
    *Why = std::string("cannot create a socket: ") + std::strerror(errno);
    return -1;
  }
  int Rc;
  do
    Rc = ::connect(Fd, reinterpret_cast<sockaddr *>(&Addr), sizeof Addr);
  while (Rc < 0 && errno == EINTR);
  if (Rc < 0) {
    *Why = std::string("cannot reach home at ") + Path + ": " +
           std::strerror(errno);
    ::close(Fd);
    return -1;
  }
  return Fd;
}

std::string currentDirectory() {
  std::string Dir(4096, '\0');
  while (!::getcwd(Dir.data(), Dir.size())) {
    if (errno != ERANGE)
      return "";
    Dir.resize(Dir.size() * 2);
  }
  Dir.resize(std::strlen(Dir.c_str()));
  return Dir;
}

/// The umask, from /proc/self/status: reading it with umask() would set it,
/// and another thread may be creating a file at that instant.
mode_t currentUmask() {
  if (std::optional<long> Mask = core::selfStatusField("Umask", 8))
    return static_cast<mode_t>(*Mask);
  mode_t Mask = ::umask(022);
  ::umask(Mask);
  return Mask;
}

PlaceResult cannotMove(std::string Reason) {
  PlaceResult R;
  R.Outcome = wire::Outcome::CannotMove;
  R.Reason = std::move(Reason);
  return R;
}

} // namespace

bool clusterPresent() {
  cluster::Role R = cluster::role();
  return R == cluster::Role::Home || R == cluster::Role::Descendant;
}

std::optional<std::string> inheritedDescriptor(const std::vector<int> &Except) {
  for (int Fd : core::openDescriptors()) {
    if (Fd <= 2 || std::find(Except.begin(), Except.end(), Fd) != Except.end())
      continue;
    int Flags = ::fcntl(Fd, F_GETFD);
    if (Flags >= 0 && !(Flags & FD_CLOEXEC))
      return "fd " + std::to_string(Fd) + " is inherited";
  }
  return std::nullopt;
}

PlaceResult placeProcess(const LaunchSpec &Spec) {
  core::ErrnoGuard Guard;
  std::string Why;
  int Fd = connectHome(&Why);
  if (Fd < 0)
    return cannotMove(Why);
  wire::Writer W(wire::Msg::Place);
  W.u32(Spec.Kind)
      .str(Spec.Site)
      .u32(static_cast<uint32_t>(Spec.Tol))
      .u32(static_cast<uint32_t>(Spec.Strat))
      .u32(Spec.Search ? 1 : 0)
      .str(Spec.File)
      .strings(Spec.Argv)
      .strings(Spec.Env)
      .str(currentDirectory())
      .u32(currentUmask())
      .u32(Spec.Early ? 1 : 0);
  std::optional<std::string> Body;
  if (writeAll(Fd, W.framed()))
    Body = readMessage(Fd);
  ::close(Fd);
  if (!Body)
    return cannotMove("home did not answer the placement request");
  wire::Reader R(*Body);
  if (R.type() == wire::Msg::Error)
    return cannotMove("home refused the request: " + std::string(R.str()));
  PlaceResult P;
  uint32_t Outcome = R.u32();
  P.Node = R.u32();
  P.Job = R.u64();
  P.Errno = R.i32();
  P.Reason = std::string(R.str());
  if (R.type() != wire::Msg::Placed || !R.ok() || Outcome > 3)
    return cannotMove("home sent a malformed answer");
  P.Outcome = static_cast<wire::Outcome>(Outcome);
  return P;
}

void cancelRemote(uint64_t Job) {
  core::ErrnoGuard Guard;
  std::string Why;
  int Fd = connectHome(&Why);
  if (Fd < 0)
    return;
  writeAll(Fd, wire::Writer(wire::Msg::Cancel).u64(Job).framed());
  ::close(Fd);
}

const std::string &deputyPath() {
  static const std::string Path =
      core::runtimeDirectory() + "/../libexec/grid/grid-deputy";
  return Path;
}

std::vector<std::string> deputyArgs(const PlaceResult &Placed) {
  const char *Socket = core::getEnv("GRID_HOME_SOCKET");
  return {"grid-deputy",
          "--socket",
          Socket ? Socket : "",
          "--job",
          std::to_string(Placed.Job),
          "--node",
          std::to_string(Placed.Node)};
}

} // namespace grid::process
