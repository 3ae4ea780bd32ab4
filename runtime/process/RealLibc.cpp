//===- process/RealLibc.cpp - The C library's own process calls -----------===//
//
// One slot per function, filled by core::nextFunction from a
// constructor that runs before libgridrt's other constructors (priority
// 101; the others have the default), so that the start-up code, and the
// agent loop run from a constructor, find them resolved.
//===----------------------------------------------------------------------===//

#include "process/RealLibc.h"

#include "core/NextSymbol.h"

#include <cstdlib>
#include <type_traits>
#include <unistd.h>

namespace grid::process::real {

namespace {
using SpawnFn = int (*)(pid_t *, const char *,
                        const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[],
                        char *const[]);
using ExecFn = int (*)(const char *, char *const[]);
using ExecEnvFn = int (*)(const char *, char *const[], char *const[]);

// Name and pointer type of each function (spelled out: decltype(&::execve)
// would carry glibc's nonnull attributes, which templates drop).
#define GRID_REAL_FUNCTIONS(X)                                                 \
  X(system, int (*)(const char *))                                             \
  X(pclose, int (*)(FILE *))                                                   \
  X(posix_spawn, SpawnFn)                                                      \
  X(posix_spawnp, SpawnFn)                                                     \
  X(execv, ExecFn)                                                             \
  X(execvp, ExecFn)                                                            \
  X(execve, ExecEnvFn)                                                         \
  X(execvpe, ExecEnvFn)

// Zero-initialised at load time: usable before any constructor has run.
struct Slots {
#define GRID_SLOT(Name, Type) std::type_identity_t<Type> Name = nullptr;
  GRID_REAL_FUNCTIONS(GRID_SLOT)
#undef GRID_SLOT
};
constinit Slots Table;

#define GRID_RESOLVE(Name) core::nextFunction(Table.Name, #Name)

__attribute__((constructor(101))) void resolveAtStart() { resolveAll(); }
} // namespace

void resolveAll() {
#define GRID_RESOLVE_NOW(Name, Type) GRID_RESOLVE(Name);
  GRID_REAL_FUNCTIONS(GRID_RESOLVE_NOW)
#undef GRID_RESOLVE_NOW
}

int system(const char *Command) { return GRID_RESOLVE(system)(Command); }

int pclose(FILE *Stream) { return GRID_RESOLVE(pclose)(Stream); }

int posix_spawn(pid_t *Pid, const char *Path,
                const posix_spawn_file_actions_t *Actions,
                const posix_spawnattr_t *Attr, char *const Argv[],
                char *const Env[]) {
  return GRID_RESOLVE(posix_spawn)(Pid, Path, Actions, Attr, Argv, Env);
}

int posix_spawnp(pid_t *Pid, const char *File,
                 const posix_spawn_file_actions_t *Actions,
                 const posix_spawnattr_t *Attr, char *const Argv[],
                 char *const Env[]) {
  return GRID_RESOLVE(posix_spawnp)(Pid, File, Actions, Attr, Argv, Env);
}

int execv(const char *Path, char *const Argv[]) {
  return GRID_RESOLVE(execv)(Path, Argv);
}

int execvp(const char *File, char *const Argv[]) {
  return GRID_RESOLVE(execvp)(File, Argv);
}

int execve(const char *Path, char *const Argv[], char *const Env[]) {
  return GRID_RESOLVE(execve)(Path, Argv, Env);
}

int execvpe(const char *File, char *const Argv[], char *const Env[]) {
  return GRID_RESOLVE(execvpe)(File, Argv, Env);
}

} // namespace grid::process::real
