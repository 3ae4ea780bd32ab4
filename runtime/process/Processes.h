//===- process/Processes.h - Creating processes on this machine -*- C++ -*-===//
//
// Local mode runs every process creation here, through the real libc call,
// so pids, waitpid statuses, return values and errno are exactly those of a
// program built without Grid. Later issues add remote placement (deputies,
// DESIGN.md §5) behind the same functions.
//===----------------------------------------------------------------------===//
#ifndef GRID_PROCESS_PROCESSES_H
#define GRID_PROCESS_PROCESSES_H

#include <cstdio>
#include <spawn.h>
#include <sys/types.h>
#include <vector>

namespace grid::process {

/// fork(). vfork() also runs as fork: a conforming vfork child only calls
/// _exit or exec*, which behave the same in a forked child.
pid_t forkLocal();

/// How exec finds the program and which environment it passes.
enum class ExecKind {
  Path,      // execv: Path as given, environ
  Search,    // execvp: search PATH, environ
  PathEnv,   // execve: Path as given, Env
  SearchEnv, // execvpe: search PATH, Env
};
/// Returns only on failure, with exec's -1 and errno.
int execLocal(ExecKind Kind, const char *Path, char *const Argv[],
              char *const Env[]);
int fexecveLocal(int Fd, char *const Argv[], char *const Env[]);

int spawnLocal(bool SearchPath, pid_t *Pid, const char *Path,
               const posix_spawn_file_actions_t *Actions,
               const posix_spawnattr_t *Attr, char *const Argv[],
               char *const Env[]);
int systemLocal(const char *Command);
int pcloseLocal(FILE *Stream);

} // namespace grid::process

#endif // GRID_PROCESS_PROCESSES_H
