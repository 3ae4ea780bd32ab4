//===- core/Environment.cpp - The environment and the runtime's place -----===//
//
// A program may define getenv, setenv and unsetenv itself, and calls from
// libgridrt (and from libraries it loads) then bind to those: bash's do not
// work before its main has set up its variables (a setenv there leaves every
// later getenv returning null). The runtime reads `environ` directly and
// changes it through the C library's own setenv/unsetenv.
//===----------------------------------------------------------------------===//

#include "core/Core.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <gnu/lib-names.h>
#include <sched.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace grid::core {

namespace {
template <class Fn> Fn libcFunction(const char *Name) {
  static void *Libc = ::dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
  void *Address = Libc ? ::dlsym(Libc, Name) : nullptr;
  if (!Address)
    Address = ::dlsym(RTLD_DEFAULT, Name); // no libc.so.6: a static test
  return reinterpret_cast<Fn>(Address);
}
} // namespace

const char *getEnv(const char *Name) {
  size_t Len = std::strlen(Name);
  for (char **Entry = environ; Entry && *Entry; ++Entry)
    if (!std::strncmp(*Entry, Name, Len) && (*Entry)[Len] == '=')
      return *Entry + Len + 1;
  return nullptr;
}

void setEnv(const char *Name, const char *Value, bool Overwrite) {
  using SetEnv = int (*)(const char *, const char *, int);
  static SetEnv Set = libcFunction<SetEnv>("setenv");
  Set(Name, Value, Overwrite ? 1 : 0);
}

void unsetEnv(const char *Name) {
  using UnsetEnv = int (*)(const char *);
  static UnsetEnv Unset = libcFunction<UnsetEnv>("unsetenv");
  Unset(Name);
}

std::vector<int> openDescriptors() {
  std::vector<int> Fds;
  if (DIR *Dir = ::opendir("/proc/self/fd")) {
    int Own = ::dirfd(Dir);
    while (dirent *Entry = ::readdir(Dir)) {
      char *End = nullptr;
      long Fd = std::strtol(Entry->d_name, &End, 10);
      if (Entry->d_name[0] != '.' && !*End && Fd != Own)
        Fds.push_back(static_cast<int>(Fd));
    }
    ::closedir(Dir);
  }
  return Fds;
}

const std::string &runtimeDirectory() {
  static const std::string Dir = [] {
    Dl_info Self{};
    if (!::dladdr(reinterpret_cast<void *>(&getEnv), &Self) || !Self.dli_fname)
      return std::string(".");
    std::string Path = Self.dli_fname;
    size_t Slash = Path.rfind('/');
    return Slash == std::string::npos ? std::string(".")
                                      : Path.substr(0, Slash);
  }();
  return Dir;
}

std::optional<std::string> socketDirectory(std::string &Problem) {
  std::string Dir = controlDirectory(Environment::fromProcess(), ::getuid());
  if (::mkdir(Dir.c_str(), 0700) != 0 && errno != EEXIST) {
    Problem = "cannot create " + Dir + ": " + std::strerror(errno);
    return std::nullopt;
  }
  struct stat St;
  if (::lstat(Dir.c_str(), &St) != 0 || !S_ISDIR(St.st_mode) ||
      St.st_uid != ::getuid() || (St.st_mode & 077)) {
    Problem = Dir +
              " is not a private directory of this user (it must be "
              "a directory owned by uid " +
              std::to_string(::getuid()) + " with mode 0700)";
    return std::nullopt;
  }
  return Dir;
}

unsigned allowedCores() {
  cpu_set_t Set;
  if (::sched_getaffinity(0, sizeof Set, &Set) != 0)
    return 1;
  int Count = CPU_COUNT(&Set);
  return Count > 0 ? static_cast<unsigned>(Count) : 1;
}

std::string readProcFile(const std::string &Path) {
  std::string Text;
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return Text;
  char Buf[4096];
  for (;;) {
    ssize_t N = ::read(Fd, Buf, sizeof Buf);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      break;
    Text.append(Buf, static_cast<size_t>(N));
  }
  ::close(Fd);
  return Text;
}

std::optional<long> selfStatusField(const char *Name, int Base) {
  std::string Text = readProcFile("/proc/self/status");
  std::string Key = std::string("\n") + Name + ":";
  size_t At = Text.find(Key);
  if (At == std::string::npos)
    return std::nullopt;
  return std::strtol(Text.c_str() + At + Key.size(), nullptr, Base);
}

std::optional<ProcStat> readProcStat(pid_t Pid) {
  std::string Text = readProcFile("/proc/" + std::to_string(Pid) + "/stat");
  // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
  size_t Close = Text.rfind(')');
  ProcStat Stat;
  long Parent, Group;
  if (Close == std::string::npos ||
      std::sscanf(Text.c_str() + Close + 1, " %c %ld %ld", &Stat.State, &Parent,
                  &Group) != 3)
    return std::nullopt;
  Stat.Parent = static_cast<pid_t>(Parent);
  Stat.Group = static_cast<pid_t>(Group);
  return Stat;
}

MachineLoad machineLoad() {
  MachineLoad Load;
  std::string Text = readProcFile("/proc/loadavg");
  double Five, Fifteen;
  unsigned Runnable;
  if (std::sscanf(Text.c_str(), "%lf %lf %lf %u/", &Load.OneMinute, &Five,
                  &Fifteen, &Runnable) == 4)
    Load.Runnable = Runnable;
  else
    Load.OneMinute = -1;
  return Load;
}

std::string exePath() {
  char Buf[PATH_MAX];
  ssize_t N = ::readlink("/proc/self/exe", Buf, sizeof(Buf) - 1);
  return N > 0 ? std::string(Buf, static_cast<size_t>(N)) : std::string();
}

} // namespace grid::core
