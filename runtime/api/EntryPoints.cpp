//===- api/EntryPoints.cpp - The extern "C" entry points of abi.def -------===//
//
// One thin function per GRID_RTL of abi.def, forwarding to Dispatch (or to
// core for registration). No C++ exception leaves through here: an
// unexpected one stops the program with a message naming the call site.
// Two things do pass, deliberately:
//  - the forced unwind of pthread_exit and of cancellation (pthread_join,
//    system, pclose... are cancellation points), rethrown as glibc requires;
//  - __grid_std_thread_start throws std::system_error when the thread cannot
//    be created, exactly as libstdc++'s std::thread::_M_start_thread, which
//    it replaces, does; its callers are C++ (std::thread's constructors).
//===----------------------------------------------------------------------===//

#include "api/Dispatch.h"
#include "api/Launch.h"
#include "control/Server.h"
#include "core/Core.h"
#include "grid/abi.h"
#include "process/Processes.h"
#include "sync/Sync.h"
#include "threads/Threads.h"

#include <cxxabi.h>
#include <exception>
#include <system_error>
#include <type_traits>
#include <vector>

#define GRID_EXPORT extern "C" __attribute__((visibility("default")))

using namespace grid;

namespace {
template <class Body>
auto boundary(const __grid_site *Site, const char *Entry, Body &&Run)
    -> decltype(Run()) {
  try {
    return Run();
  } catch (abi::__forced_unwind &) {
    throw;
  } catch (const std::exception &E) {
    core::fatal(Site,
                std::string("internal error in ") + Entry + ": " + E.what(),
                "please report this to the Grid developers");
  } catch (...) {
    core::fatal(Site, std::string("internal error in ") + Entry,
                "please report this to the Grid developers");
  }
}

/// The argument list of an exec*l call: Arg0 and the variadic arguments up
/// to the terminating null pointer; for execle, the envp after it.
struct ExecList {
  std::vector<char *> Argv;
  char *const *Env = nullptr;
};

// abi.h spells the va_list parameter `struct __va_list_tag *`; in C++, g++
// makes that a type of its own, distinct from its builtin va_list element.
// Both describe the same object (the caller's va_list), hence the casts.
using BuiltinVaListPtr = std::decay_t<va_list>;

ExecList gatherExecList(const char *Arg0, __grid_type_VaList GridArgs,
                        bool WithEnv) {
  BuiltinVaListPtr Args = reinterpret_cast<BuiltinVaListPtr>(GridArgs);
  ExecList L;
  for (const char *Arg = Arg0; Arg; Arg = va_arg(Args, const char *))
    L.Argv.push_back(const_cast<char *>(Arg));
  L.Argv.push_back(nullptr);
  if (WithEnv)
    L.Env = va_arg(Args, char *const *);
  return L;
}

int execFromList(const __grid_site *Site, uint32_t Kind, process::ExecKind How,
                 const char *Path, const ExecList &L) {
  return api::execProcess(Site, Kind, How, Path, L.Argv.data(), L.Env);
}

int execVector(const __grid_site *Site, uint32_t Kind, process::ExecKind How,
               const char *Path, char *const *Argv, char *const *Env) {
  return api::execProcess(Site, Kind, How, Path, Argv, Env);
}
} // namespace

// --- Start-up ----------------------------------------------------------------
GRID_EXPORT void __grid_register_module(const __grid_module *Module) {
  boundary(nullptr, "__grid_register_module", [&] {
    core::registerModule(Module);
    // A program built with -fgrid can be reniced and watched.
    control::startServer();
  });
}

// --- Threads -----------------------------------------------------------------
GRID_EXPORT int __grid_pthread_create(const __grid_site *Site,
                                      pthread_t *Thread,
                                      const pthread_attr_t *Attr,
                                      void *(*Start)(void *), void *Arg) {
  return boundary(Site, "pthread_create", [&] {
    return api::createThread(Site, __grid_kind_PthreadCreate, Thread, Attr,
                             Start, Arg);
  });
}

// C11's thrd_create (api/C11Threads.cpp): its thread is placed as
// pthread_create's, and reported as a thrd_create.
int createC11Thread(const __grid_site *Site, pthread_t *Thread,
                    void *(*Start)(void *), void *Arg) {
  return boundary(Site, "thrd_create", [&] {
    return api::createThread(Site, __grid_kind_ThrdCreate, Thread, nullptr,
                             Start, Arg);
  });
}

GRID_EXPORT int __grid_pthread_join(const __grid_site *, pthread_t Thread,
                                    void **Result) {
  if (sync::RemoteThread)
    return threads::remoteJoin(Thread, Result);
  int Err = pthread_join(Thread, Result);
  if (Err == 0 && sync::clusterPath())
    threads::acquire(); // join is an acquire
  return Err;
}

GRID_EXPORT int __grid_pthread_detach(const __grid_site *, pthread_t Thread) {
  if (sync::RemoteThread)
    return threads::remoteDetach(Thread);
  return pthread_detach(Thread);
}

// Not wrapped in boundary(): pthread_exit unwinds this frame by design.
GRID_EXPORT void __grid_pthread_exit(const __grid_site *, void *Result) {
  if (sync::RemoteThread)
    threads::remoteExiting(Result);
  else if (gettid() == getpid())
    threads::mainExiting();
  pthread_exit(Result);
}

GRID_EXPORT void __grid_std_thread_start(const __grid_site *Site,
                                         void *ThreadObject, void *StateOwner,
                                         void (*)(void)) {
  int Err = boundary(Site, "std::thread", [&] {
    return api::startStdThread(Site, ThreadObject, StateOwner);
  });
  if (Err)
    throw std::system_error(Err, std::generic_category());
}

// --- Processes ---------------------------------------------------------------
GRID_EXPORT pid_t __grid_fork(const __grid_site *Site) {
  return boundary(Site, "fork",
                  [&] { return api::forkProcess(Site, __grid_kind_Fork); });
}

GRID_EXPORT pid_t __grid_vfork(const __grid_site *Site) {
  return boundary(Site, "vfork",
                  [&] { return api::forkProcess(Site, __grid_kind_Vfork); });
}

extern "C" char **environ;

GRID_EXPORT int __grid_vexecl(const __grid_site *Site, const char *Path,
                              const char *Arg0, __grid_type_VaList Args) {
  return boundary(Site, "execl", [&] {
    return execFromList(Site, __grid_kind_Execl, process::ExecKind::PathEnv,
                        Path, [&] {
                          ExecList L = gatherExecList(Arg0, Args, false);
                          L.Env = environ;
                          return L;
                        }());
  });
}

GRID_EXPORT int __grid_vexeclp(const __grid_site *Site, const char *File,
                               const char *Arg0, __grid_type_VaList Args) {
  return boundary(Site, "execlp", [&] {
    return execFromList(Site, __grid_kind_Execlp, process::ExecKind::Search,
                        File, gatherExecList(Arg0, Args, false));
  });
}

GRID_EXPORT int __grid_vexecle(const __grid_site *Site, const char *Path,
                               const char *Arg0, __grid_type_VaList Args) {
  return boundary(Site, "execle", [&] {
    return execFromList(Site, __grid_kind_Execle, process::ExecKind::PathEnv,
                        Path, gatherExecList(Arg0, Args, true));
  });
}

GRID_EXPORT int __grid_execl(const __grid_site *Site, const char *Path,
                             const char *Arg0, ...) {
  va_list Args;
  va_start(Args, Arg0);
  int Result = __grid_vexecl(Site, Path, Arg0,
                             reinterpret_cast<__grid_type_VaList>(Args));
  va_end(Args);
  return Result;
}

GRID_EXPORT int __grid_execlp(const __grid_site *Site, const char *File,
                              const char *Arg0, ...) {
  va_list Args;
  va_start(Args, Arg0);
  int Result = __grid_vexeclp(Site, File, Arg0,
                              reinterpret_cast<__grid_type_VaList>(Args));
  va_end(Args);
  return Result;
}

GRID_EXPORT int __grid_execle(const __grid_site *Site, const char *Path,
                              const char *Arg0, ...) {
  va_list Args;
  va_start(Args, Arg0);
  int Result = __grid_vexecle(Site, Path, Arg0,
                              reinterpret_cast<__grid_type_VaList>(Args));
  va_end(Args);
  return Result;
}

GRID_EXPORT int __grid_execv(const __grid_site *Site, const char *Path,
                             char *const *Argv) {
  return boundary(Site, "execv", [&] {
    return execVector(Site, __grid_kind_Execv, process::ExecKind::Path, Path,
                      Argv, nullptr);
  });
}

GRID_EXPORT int __grid_execvp(const __grid_site *Site, const char *File,
                              char *const *Argv) {
  return boundary(Site, "execvp", [&] {
    return execVector(Site, __grid_kind_Execvp, process::ExecKind::Search, File,
                      Argv, nullptr);
  });
}

GRID_EXPORT int __grid_execve(const __grid_site *Site, const char *Path,
                              char *const *Argv, char *const *Env) {
  return boundary(Site, "execve", [&] {
    return execVector(Site, __grid_kind_Execve, process::ExecKind::PathEnv,
                      Path, Argv, Env);
  });
}

GRID_EXPORT int __grid_execvpe(const __grid_site *Site, const char *File,
                               char *const *Argv, char *const *Env) {
  return boundary(Site, "execvpe", [&] {
    return execVector(Site, __grid_kind_Execvpe, process::ExecKind::SearchEnv,
                      File, Argv, Env);
  });
}

GRID_EXPORT int __grid_fexecve(const __grid_site *Site, int Fd,
                               char *const *Argv, char *const *Env) {
  return boundary(Site, "fexecve",
                  [&] { return api::fexecveProcess(Site, Fd, Argv, Env); });
}

GRID_EXPORT int __grid_posix_spawn(const __grid_site *Site, pid_t *Pid,
                                   const char *Path,
                                   const posix_spawn_file_actions_t *Actions,
                                   const posix_spawnattr_t *Attr,
                                   char *const *Argv, char *const *Env) {
  return boundary(Site, "posix_spawn", [&] {
    return api::spawnProcess(Site, __grid_kind_PosixSpawn, false, Pid, Path,
                             Actions, Attr, Argv, Env);
  });
}

GRID_EXPORT int __grid_posix_spawnp(const __grid_site *Site, pid_t *Pid,
                                    const char *File,
                                    const posix_spawn_file_actions_t *Actions,
                                    const posix_spawnattr_t *Attr,
                                    char *const *Argv, char *const *Env) {
  return boundary(Site, "posix_spawnp", [&] {
    return api::spawnProcess(Site, __grid_kind_PosixSpawnp, true, Pid, File,
                             Actions, Attr, Argv, Env);
  });
}

GRID_EXPORT int __grid_system(const __grid_site *Site, const char *Command) {
  return boundary(Site, "system",
                  [&] { return api::systemProcess(Site, Command); });
}

GRID_EXPORT FILE *__grid_popen(const __grid_site *Site, const char *Command,
                               const char *Mode) {
  return boundary(Site, "popen",
                  [&] { return api::popenProcess(Site, Command, Mode); });
}

GRID_EXPORT int __grid_pclose(const __grid_site *Site, FILE *Stream) {
  return boundary(Site, "pclose",
                  [&] { return api::pcloseProcess(Site, Stream); });
}
