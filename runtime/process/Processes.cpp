//===- process/Processes.cpp - Local process creation ---------------------===//
//
// The real calls, nothing added: their results are the program's results.
//===----------------------------------------------------------------------===//

#include "process/Processes.h"

#include "process/RealLibc.h"

#include <cstdlib>
#include <unistd.h>

extern char **environ;

namespace grid::process {

pid_t forkLocal() { return ::fork(); }

int execLocal(ExecKind Kind, const char *Path, char *const Argv[],
              char *const Env[]) {
  switch (Kind) {
  case ExecKind::Path:
    return real::execv(Path, Argv);
  case ExecKind::Search:
    return real::execvp(Path, Argv);
  case ExecKind::PathEnv:
    return real::execve(Path, Argv, Env);
  case ExecKind::SearchEnv:
    return real::execvpe(Path, Argv, Env);
  }
  return real::execve(Path, Argv, environ);
}

int fexecveLocal(int Fd, char *const Argv[], char *const Env[]) {
  return ::fexecve(Fd, Argv, Env);
}

int spawnLocal(bool SearchPath, pid_t *Pid, const char *Path,
               const posix_spawn_file_actions_t *Actions,
               const posix_spawnattr_t *Attr, char *const Argv[],
               char *const Env[]) {
  return SearchPath ? real::posix_spawnp(Pid, Path, Actions, Attr, Argv, Env)
                    : real::posix_spawn(Pid, Path, Actions, Attr, Argv, Env);
}

int systemLocal(const char *Command) { return real::system(Command); }

int pcloseLocal(FILE *Stream) { return real::pclose(Stream); }

} // namespace grid::process
