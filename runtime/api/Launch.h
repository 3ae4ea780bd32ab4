//===- api/Launch.h - Every way a program starts a process ------*- C++ -*-===//
//
// The process entry points of abi.def, composed from core, the local calls
// (process/Processes.h) and remote placement (process/Remote.h): each asks
// home where the child goes when the program is part of a job and its
// process tolerance permits other nodes, and runs grid-deputy in the
// child's place when it goes elsewhere (DESIGN.md §5). Results and errno
// are exactly those of the real call whichever way the child went.
//===----------------------------------------------------------------------===//
#ifndef GRID_API_LAUNCH_H
#define GRID_API_LAUNCH_H

#include "grid/abi.h"
#include "process/Processes.h"

namespace grid::api {

/// fork and vfork: always local (a plain fork stays home; its exec* is
/// where the child is placed).
pid_t forkProcess(const __grid_site *Site, uint32_t Kind);
/// Every exec*: Env null means environ. Returns only on failure.
int execProcess(const __grid_site *Site, uint32_t Kind, process::ExecKind How,
                const char *File, char *const Argv[], char *const Env[]);
int fexecveProcess(const __grid_site *Site, int Fd, char *const Argv[],
                   char *const Env[]);
int spawnProcess(const __grid_site *Site, uint32_t Kind, bool Search,
                 pid_t *Pid, const char *File,
                 const posix_spawn_file_actions_t *Actions,
                 const posix_spawnattr_t *Attr, char *const Argv[],
                 char *const Env[]);
int systemProcess(const __grid_site *Site, const char *Command);
FILE *popenProcess(const __grid_site *Site, const char *Command,
                   const char *Mode);
int pcloseProcess(const __grid_site *Site, FILE *Stream);
/// If Stream is a popen stream of this process: closes it, waits for its
/// child and sets *Result as pclose answers (glibc's fclose of a popen
/// stream does the same); false, and nothing done, otherwise.
bool closePopenStream(FILE *Stream, int *Result);

} // namespace grid::api

#endif // GRID_API_LAUNCH_H
