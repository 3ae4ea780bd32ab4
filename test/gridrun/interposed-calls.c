// Every libc name libgridrt.so interposes, called by a program built with
// plain clang (no -fgrid) and run under gridrun: each call goes through Grid
// (its log line names it) and returns exactly what the C library's would.
//
// RUN: %clang %s -o %t
// RUN: env GRID_LOG=info GRID_STATS=1 %gridrun %t > %t.out 2> %t.log
// RUN: FileCheck %s --check-prefix=RESULTS < %t.out
// RUN: FileCheck %s --check-prefix=LOG < %t.log
// RUN: FileCheck %s --check-prefix=STATS < %t.log
//
// The same program without gridrun prints the same results.
// RUN: %t | diff - %t.out

#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *ShArgv[] = {"sh", "-c", "exit $CODE", NULL};
static char *ShEnv[] = {"CODE=7", NULL};

static void report(const char *What, int Status) {
  if (WIFEXITED(Status))
    printf("%s: exit %d\n", What, WEXITSTATUS(Status));
  else
    printf("%s: status %#x\n", What, Status);
}

static int waitFor(pid_t Pid) {
  int Status = -1;
  while (waitpid(Pid, &Status, 0) < 0 && errno == EINTR)
    ;
  return Status;
}

// Forks; the child runs Exec, and exits with exec's errno if it returns.
#define FORK_EXEC(What, Exec)                                                  \
  do {                                                                         \
    fflush(stdout);                                                            \
    pid_t Pid = fork();                                                        \
    if (Pid == 0) {                                                            \
      Exec;                                                                    \
      _exit(100 + errno);                                                      \
    }                                                                          \
    report(What, waitFor(Pid));                                                \
  } while (0)

int main(void) {
  setenv("CODE", "3", 1);
  report("system", system("exit $CODE"));

  FILE *Pipe = popen("echo from popen", "r");
  char Line[64] = "";
  fgets(Line, sizeof(Line), Pipe);
  printf("popen read: %s", Line);
  report("pclose", pclose(Pipe));

  pid_t Pid;
  char *TrueArgv[] = {"true", NULL};
  printf("posix_spawn: %d\n",
         posix_spawn(&Pid, "/bin/sh", NULL, NULL, ShArgv, ShEnv));
  report("posix_spawn child", waitFor(Pid));
  printf("posix_spawnp: %d\n",
         posix_spawnp(&Pid, "true", NULL, NULL, TrueArgv, environ));
  report("posix_spawnp child", waitFor(Pid));
  printf("posix_spawnp missing: %s\n",
         strerror(posix_spawnp(&Pid, "no-such-grid-command", NULL, NULL,
                               TrueArgv, environ)));

  FORK_EXEC("execl", execl("/bin/sh", "sh", "-c", "exit $CODE", (char *)0));
  FORK_EXEC("execlp", execlp("sh", "sh", "-c", "exit $CODE", (char *)0));
  FORK_EXEC("execle",
            execle("/bin/sh", "sh", "-c", "exit $CODE", (char *)0, ShEnv));
  FORK_EXEC("execv", execv("/bin/sh", ShArgv));
  FORK_EXEC("execvp", execvp("sh", ShArgv));
  FORK_EXEC("execve", execve("/bin/sh", ShArgv, ShEnv));
  FORK_EXEC("execvpe", execvpe("sh", ShArgv, ShEnv));
  // 100 + ENOENT: exec's errno is the C library's.
  FORK_EXEC("execvp missing", execvp("no-such-grid-command", ShArgv));
  return 0;
}

// RESULTS:      system: exit 3
// RESULTS-NEXT: popen read: from popen
// RESULTS-NEXT: pclose: exit 0
// RESULTS-NEXT: posix_spawn: 0
// RESULTS-NEXT: posix_spawn child: exit 7
// RESULTS-NEXT: posix_spawnp: 0
// RESULTS-NEXT: posix_spawnp child: exit 0
// RESULTS-NEXT: posix_spawnp missing: No such file or directory
// RESULTS-NEXT: execl: exit 3
// RESULTS-NEXT: execlp: exit 3
// RESULTS-NEXT: execle: exit 7
// RESULTS-NEXT: execv: exit 3
// RESULTS-NEXT: execvp: exit 3
// RESULTS-NEXT: execve: exit 7
// RESULTS-NEXT: execvpe: exit 7
// RESULTS-NEXT: execvp missing: exit 102

// LOG: grid: info: interposed: system -> local (process tolerance any)
// LOG: grid: info: interposed: popen -> local (process tolerance any)
// LOG: grid: info: interposed: posix_spawn -> local (process tolerance any)
// LOG: grid: info: interposed: posix_spawnp -> local (process tolerance any)
// LOG: grid: info: interposed: posix_spawnp -> local (process tolerance any)
// LOG: grid: info: interposed: execl -> local (process tolerance any)
// LOG: grid: info: interposed: execlp -> local (process tolerance any)
// LOG: grid: info: interposed: execle -> local (process tolerance any)
// LOG: grid: info: interposed: execv -> local (process tolerance any)
// LOG: grid: info: interposed: execvp -> local (process tolerance any)
// LOG: grid: info: interposed: execve -> local (process tolerance any)
// LOG: grid: info: interposed: execvpe -> local (process tolerance any)
// LOG: grid: info: interposed: execvp -> local (process tolerance any)

// Forked children are not counted (fork is not interposed, and an exec
// creates no process); the failed posix_spawnp created nothing.
// STATS:      grid: statistics for pid {{[0-9]+}}: threads created 0, processes created 4
// STATS-NEXT: grid:   site{{ +}}kind{{ +}}count  places
// STATS-NEXT: grid:   interposed  popen{{ +}}1{{ +}}local: 1
// STATS-NEXT: grid:   interposed  posix_spawn{{ +}}1{{ +}}local: 1
// STATS-NEXT: grid:   interposed  posix_spawnp{{ +}}1{{ +}}local: 1
// STATS-NEXT: grid:   interposed  system{{ +}}1{{ +}}local: 1
// STATS-NOT:  grid:   interposed
