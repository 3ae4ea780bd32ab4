//===- ControlClient.cpp - gridctl's side of the control socket -----------===//

#include "ControlClient.h"

#include "core/Settings.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace grid::driver {

using nlohmann::json;

std::string controlDirectory() {
  return grid::controlDirectory(Environment::fromProcess(), ::getuid());
}

namespace {

/// A connected socket, closed on scope exit.
struct Socket {
  int Fd = -1;
  Socket() = default;
  Socket(const Socket &) = delete;
  Socket &operator=(Socket &&Other) {
    std::swap(Fd, Other.Fd);
    return *this;
  }
  ~Socket() {
    if (Fd >= 0)
      ::close(Fd);
  }
};

/// Connects to Path; returns the errno of a failure, 0 on success.
int connectTo(const std::string &Path, Socket &S) {
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  if (Path.size() >= sizeof Addr.sun_path)
    return ENAMETOOLONG;
  std::strcpy(Addr.sun_path, Path.c_str());
  // Non-blocking: a program that does not accept (stopped) and whose
  // backlog is full answers EAGAIN at once instead of hanging gridctl.
  S.Fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (S.Fd < 0)
    return errno;
  if (::connect(S.Fd, reinterpret_cast<sockaddr *>(&Addr), sizeof Addr) != 0)
    return errno;
  return 0;
}

/// True if Path is a socket (not a file or a link somebody put there):
/// only sockets are ever removed as stale.
bool isSocket(const std::string &Path) {
  struct stat St;
  return ::lstat(Path.c_str(), &St) == 0 && S_ISSOCK(St.st_mode);
}

/// Removes the socket at Path if nobody listens on it (its program died).
bool removeIfStale(const std::string &Path) {
  Socket S;
  if (connectTo(Path, S) != ECONNREFUSED || !isSocket(Path))
    return false;
  return ::unlink(Path.c_str()) == 0;
}

std::string userName(uid_t Uid) {
  if (passwd *P = ::getpwuid(Uid))
    return P->pw_name;
  return "uid " + std::to_string(Uid);
}

std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(In)),
                     std::istreambuf_iterator<char>());
}

/// The control directories where Pid's socket may be: ours, then the one
/// its own environment names. The second finds a program started with
/// another XDG_RUNTIME_DIR (from cron, or another login), and lets root
/// reach another user's program.
std::vector<std::string> candidateDirectories(pid_t Pid) {
  std::vector<std::string> Dirs{controlDirectory()};
  std::string Proc = "/proc/" + std::to_string(Pid);
  struct stat St;
  if (::stat(Proc.c_str(), &St) != 0)
    return Dirs;
  Environment Theirs;
  std::string Environ = readFile(Proc + "/environ");
  for (size_t Start = 0; Start < Environ.size();) {
    size_t End = Environ.find('\0', Start);
    if (End == std::string::npos)
      End = Environ.size();
    std::string Entry = Environ.substr(Start, End - Start);
    size_t Eq = Entry.find('=');
    if (Eq != std::string::npos && Entry.compare(0, Eq, "XDG_RUNTIME_DIR") == 0)
      Theirs.Vars["XDG_RUNTIME_DIR"] = Entry.substr(Eq + 1);
    Start = End + 1;
  }
  std::string Dir = grid::controlDirectory(Theirs, St.st_uid);
  if (Dir != Dirs.front())
    Dirs.push_back(Dir);
  return Dirs;
}

/// True if Pid is a process that has not ended (it exists and is no
/// zombie waiting for its parent).
bool processRuns(pid_t Pid) {
  std::string Stat = readFile("/proc/" + std::to_string(Pid) + "/stat");
  size_t Paren = Stat.rfind(')');
  return Paren != std::string::npos && Paren + 2 < Stat.size() &&
         Stat[Paren + 2] != 'Z' && Stat[Paren + 2] != 'X';
}

/// Why no socket of Pid answers, in words.
std::string whyNoProgram(pid_t Pid, const std::vector<std::string> &Dirs) {
  std::string Proc = "/proc/" + std::to_string(Pid);
  struct stat St;
  if (::stat(Proc.c_str(), &St) != 0)
    return "no process has pid " + std::to_string(Pid);
  std::string Comm = readFile(Proc + "/comm");
  while (!Comm.empty() && Comm.back() == '\n')
    Comm.pop_back();
  std::string Who = "pid " + std::to_string(Pid) + " (" + Comm + ")";
  if (!processRuns(Pid))
    return Who + " has ended (its parent has not reaped it yet)";
  if (St.st_uid != ::getuid() && ::getuid() != 0)
    return Who + " belongs to " + userName(St.st_uid) +
           "; gridctl sees only the programs of " + userName(::getuid());
  std::string Where;
  for (const std::string &Dir : Dirs)
    Where += (Where.empty() ? "" : " or ") + Dir;
  return Who + " serves no control socket in " + Where +
         ": it is not a Grid program (one built with grid-clang -fgrid, or " +
         "home of an mpirun job)";
}

} // namespace

std::vector<pid_t> runningPrograms() {
  std::string Dir = controlDirectory();
  std::vector<pid_t> Pids;
  DIR *D = ::opendir(Dir.c_str());
  if (!D)
    return Pids;
  while (dirent *E = ::readdir(D)) {
    std::string Name = E->d_name;
    std::string Path = Dir + "/" + Name;
    if (std::optional<pid_t> Pid = control::pidOfSocketName(Name)) {
      if (!removeIfStale(Path))
        Pids.push_back(*Pid);
    } else if (Name.rfind("home-", 0) == 0 &&
               control::pidOfSocketName(Name.substr(5))) {
      removeIfStale(Path); // a killed job's home socket
    }
  }
  ::closedir(D);
  std::sort(Pids.begin(), Pids.end());
  return Pids;
}

pid_t parsePid(const std::string &Text) {
  pid_t Pid = 0;
  auto [End, Err] =
      std::from_chars(Text.data(), Text.data() + Text.size(), Pid);
  if (Err != std::errc() || End != Text.data() + Text.size() || Pid <= 0)
    throw ControlError("'" + Text + "' is not a process id (a positive number)",
                       2);
  return Pid;
}

json request(pid_t Pid, const control::Request &R, double TimeoutSeconds) {
  std::vector<std::string> Dirs = candidateDirectories(Pid);
  Socket S;
  int Err = ENOENT;
  std::string Path;
  for (const std::string &Dir : Dirs) {
    Path = Dir + "/" + control::socketName(Pid);
    S = Socket();
    Err = connectTo(Path, S);
    if (Err == ECONNREFUSED && isSocket(Path))
      ::unlink(Path.c_str()); // its program died without removing it
    if (Err == 0)
      break;
  }
  if (Err == ENOENT || Err == ENOTDIR || Err == EACCES || Err == ECONNREFUSED)
    throw ControlError(whyNoProgram(Pid, Dirs));
  if (Err == EAGAIN)
    throw ControlError("pid " + std::to_string(Pid) +
                       " does not accept connections (it may be stopped, or "
                       "too busy)");
  if (Err != 0)
    throw ControlError("cannot reach pid " + std::to_string(Pid) + " at " +
                       Path + ": " + std::strerror(Err));

  std::string Line = control::encodeRequest(R);
  for (size_t Sent = 0; Sent < Line.size();) {
    ssize_t N =
        ::send(S.Fd, Line.data() + Sent, Line.size() - Sent, MSG_NOSIGNAL);
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0)
      break; // a refusal closes early; its reason is still to be read
    Sent += static_cast<size_t>(N);
  }

  auto Deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(TimeoutSeconds);
  std::string Reply;
  for (;;) {
    size_t Newline = Reply.find('\n');
    if (Newline != std::string::npos) {
      Reply.resize(Newline);
      break;
    }
    auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
        Deadline - std::chrono::steady_clock::now());
    pollfd P{S.Fd, POLLIN, 0};
    int Ready =
        Left.count() > 0 ? ::poll(&P, 1, static_cast<int>(Left.count())) : 0;
    if (Ready < 0 && errno == EINTR)
      continue;
    if (Ready == 0)
      throw ControlError(
          "pid " + std::to_string(Pid) + " did not answer within " +
          std::to_string(static_cast<int>(TimeoutSeconds)) + " s");
    char Buf[64 * 1024];
    ssize_t N = ::read(S.Fd, Buf, sizeof Buf);
    if (N < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (N <= 0)
      throw ControlError("pid " + std::to_string(Pid) +
                         " closed the connection without answering (it may "
                         "have ended)");
    Reply.append(Buf, static_cast<size_t>(N));
  }
  json Doc = json::parse(Reply, nullptr, false);
  if (Doc.is_discarded() || !Doc.is_object())
    throw ControlError("pid " + std::to_string(Pid) +
                       " sent a reply that is not a JSON object");
  const json *Version = Doc.contains("version") ? &Doc["version"] : nullptr;
  if (!Version || !Version->is_number_integer() ||
      Version->get<int64_t>() != control::ProtocolVersion)
    throw ControlError("pid " + std::to_string(Pid) + " speaks control " +
                       "protocol version " +
                       (Version ? Version->dump() : std::string("(none)")) +
                       ", this gridctl " +
                       std::to_string(control::ProtocolVersion) +
                       "; use the gridctl of the Grid it was built with");
  const json *Ok = Doc.contains("ok") ? &Doc["ok"] : nullptr;
  if (!Ok || !Ok->is_boolean() || !Ok->get<bool>()) {
    const json *Error = Doc.contains("error") ? &Doc["error"] : nullptr;
    throw ControlError("pid " + std::to_string(Pid) + ": " +
                       (Error && Error->is_string()
                            ? Error->get<std::string>()
                            : std::string("unexplained error")));
  }
  return Doc;
}

json requestIfRunning(pid_t Pid, const control::Request &R) {
  try {
    // A listing (and each refresh of top) must not stall long on one
    // program that cannot answer (stopped, say): 2 s, not 5.
    return request(Pid, R, 2.0);
  } catch (const ControlError &) {
    // Gone between the listing and the request (its socket removed, or
    // the process ended): a listing shows what runs now.
    std::string Path = controlDirectory() + "/" + control::socketName(Pid);
    struct stat St;
    if (::stat(Path.c_str(), &St) != 0 || !processRuns(Pid))
      return nullptr;
    throw;
  }
}

} // namespace grid::driver
