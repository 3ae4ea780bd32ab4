//===- process/RealLibc.h - The C library's own process calls ---*- C++ -*-===//
//
// libgridrt.so exports system, popen, pclose, posix_spawn, posix_spawnp and
// the exec* family itself (api/Intercept.cpp), so inside libgridrt a plain
// call such as ::posix_spawn binds to Grid's interposed function, not to the
// C library's: from the runtime it would be placed a second time, or
// recurse. Every call of those names in the runtime goes through
// grid::process::real instead, which reaches the next definition after
// libgridrt (the C library's, or another preloaded interposer's) through
// dlsym(RTLD_NEXT).
//
// The addresses are resolved once, eagerly, by a constructor of libgridrt,
// so a forked child never calls dlsym (which may allocate or lock); a call
// after that is an atomic load and an indirect call, async-signal-safe as
// the function itself is. A call that comes before the constructor (from
// another library's constructor) resolves its function on the spot.
//===----------------------------------------------------------------------===//
#ifndef GRID_PROCESS_REALLIBC_H
#define GRID_PROCESS_REALLIBC_H

#include <cstdio>
#include <spawn.h>
#include <sys/types.h>

namespace grid::process::real {

/// Resolves every function below now (the constructor does it at start).
/// Stops the program with a message if one cannot be found.
void resolveAll();

int system(const char *Command);
int pclose(FILE *Stream);
int posix_spawn(pid_t *Pid, const char *Path,
                const posix_spawn_file_actions_t *Actions,
                const posix_spawnattr_t *Attr, char *const Argv[],
                char *const Env[]);
int posix_spawnp(pid_t *Pid, const char *File,
                 const posix_spawn_file_actions_t *Actions,
                 const posix_spawnattr_t *Attr, char *const Argv[],
                 char *const Env[]);
int execv(const char *Path, char *const Argv[]);
int execvp(const char *File, char *const Argv[]);
int execve(const char *Path, char *const Argv[], char *const Env[]);
int execvpe(const char *File, char *const Argv[], char *const Env[]);

} // namespace grid::process::real

#endif // GRID_PROCESS_REALLIBC_H
