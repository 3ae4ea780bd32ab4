//===- api/Intercept.cpp - libc's process calls, through Grid -------------===//
//
// libgridrt.so defines system, popen, pclose, posix_spawn, posix_spawnp and
// the exec* family under their libc names, so the calls the plugin did not
// rewrite reach Grid too: every call in an unmodified program run by
// gridrun (which preloads libgridrt.so), and, in an -fgrid program, the
// calls made by its libraries. Each forwards to the __grid_* entry point of
// the same name with a call-site record of its own, which logs and
// statistics show as "interposed" (there is no source location).
//
// Only the shared library contains this file (runtime/CMakeLists.txt): a
// unit test linking gridrt_impl statically would otherwise have its own
// system() and posix_spawn() calls rerouted. The runtime reaches the real
// functions through process/RealLibc.h, never by these names.
//===----------------------------------------------------------------------===//

#include "grid/abi.h"

#include <cstdarg>
#include <cstdlib>
#include <spawn.h>
#include <unistd.h>

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))

namespace {
constexpr const char *Interposed = "interposed";

constexpr __grid_site site(uint32_t Kind) {
  return {nullptr, Interposed, 0, 0, Kind, 0};
}

constexpr __grid_site ExeclSite = site(__grid_kind_Execl);
constexpr __grid_site ExeclpSite = site(__grid_kind_Execlp);
constexpr __grid_site ExecleSite = site(__grid_kind_Execle);
constexpr __grid_site ExecvSite = site(__grid_kind_Execv);
constexpr __grid_site ExecvpSite = site(__grid_kind_Execvp);
constexpr __grid_site ExecveSite = site(__grid_kind_Execve);
constexpr __grid_site ExecvpeSite = site(__grid_kind_Execvpe);
constexpr __grid_site PosixSpawnSite = site(__grid_kind_PosixSpawn);
constexpr __grid_site PosixSpawnpSite = site(__grid_kind_PosixSpawnp);
constexpr __grid_site SystemSite = site(__grid_kind_System);
constexpr __grid_site PopenSite = site(__grid_kind_Popen);
constexpr __grid_site PcloseSite = site(__grid_kind_Pclose);

// abi.h spells the va_list parameter `struct __va_list_tag *`, which C++
// keeps apart from the builtin va_list's element type; both name the same
// object (as in EntryPoints.cpp).
__grid_type_VaList gridVaList(va_list Args) {
  return reinterpret_cast<__grid_type_VaList>(Args);
}
} // namespace

// --- exec* -------------------------------------------------------------------
// glibc declares them noexcept in C++, so these definitions must be too. They
// also run in vfork children (dash starts commands with vfork), which share
// the parent's memory: nothing here may leave state behind.

GRID_INTERPOSE int execl(const char *Path, const char *Arg0, ...) noexcept {
  va_list Args;
  va_start(Args, Arg0);
  int Result = __grid_vexecl(&ExeclSite, Path, Arg0, gridVaList(Args));
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int execlp(const char *File, const char *Arg0, ...) noexcept {
  va_list Args;
  va_start(Args, Arg0);
  int Result = __grid_vexeclp(&ExeclpSite, File, Arg0, gridVaList(Args));
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int execle(const char *Path, const char *Arg0, ...) noexcept {
  va_list Args;
  va_start(Args, Arg0);
  int Result = __grid_vexecle(&ExecleSite, Path, Arg0, gridVaList(Args));
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int execv(const char *Path, char *const Argv[]) noexcept {
  return __grid_execv(&ExecvSite, Path, Argv);
}

GRID_INTERPOSE int execvp(const char *File, char *const Argv[]) noexcept {
  return __grid_execvp(&ExecvpSite, File, Argv);
}

GRID_INTERPOSE int execve(const char *Path, char *const Argv[],
                          char *const Env[]) noexcept {
  return __grid_execve(&ExecveSite, Path, Argv, Env);
}

GRID_INTERPOSE int execvpe(const char *File, char *const Argv[],
                           char *const Env[]) noexcept {
  return __grid_execvpe(&ExecvpeSite, File, Argv, Env);
}

// --- posix_spawn, system, popen, pclose
// ---------------------------------------

GRID_INTERPOSE int posix_spawn(pid_t *Pid, const char *Path,
                               const posix_spawn_file_actions_t *Actions,
                               const posix_spawnattr_t *Attr,
                               char *const Argv[], char *const Env[]) {
  return __grid_posix_spawn(&PosixSpawnSite, Pid, Path, Actions, Attr, Argv,
                            Env);
}

GRID_INTERPOSE int posix_spawnp(pid_t *Pid, const char *File,
                                const posix_spawn_file_actions_t *Actions,
                                const posix_spawnattr_t *Attr,
                                char *const Argv[], char *const Env[]) {
  return __grid_posix_spawnp(&PosixSpawnpSite, Pid, File, Actions, Attr, Argv,
                             Env);
}

GRID_INTERPOSE int system(const char *Command) {
  return __grid_system(&SystemSite, Command);
}

GRID_INTERPOSE FILE *popen(const char *Command, const char *Mode) {
  return __grid_popen(&PopenSite, Command, Mode);
}

GRID_INTERPOSE int pclose(FILE *Stream) {
  return __grid_pclose(&PcloseSite, Stream);
}
