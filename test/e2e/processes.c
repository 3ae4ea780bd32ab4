// Process creation through libgridrt gives exactly the results of the plain
// calls: pids that waitpid accepts, exit statuses, return values and errno,
// for fork, vfork, the exec family, fexecve, posix_spawn[p], system, popen
// and pclose.
//
// RUN: %clang -I%S/Inputs %s -o %t.plain
// RUN: %clang -DUSE_GRID -I%S/Inputs %gridrt_include %s -o %t.grid %gridrt_link
// RUN: %t.plain > %t.plain.out
// RUN: %t.grid > %t.grid.out
// RUN: diff %t.plain.out %t.grid.out
// RUN: FileCheck %s < %t.grid.out
// RUN: env GRID_PROCESS_TOLERANCE=any %t.grid > %t.any.out
// RUN: diff %t.plain.out %t.any.out
// Built with grid-clang -fgrid, the plain calls are rewritten by the plugin:
// RUN: %grid-clang -fgrid -I%S/Inputs %s -o %t.fgrid
// RUN: %t.fgrid > %t.fgrid.out
// RUN: diff %t.plain.out %t.fgrid.out

#define _GNU_SOURCE
#include "grid-or-plain.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void report(const char *What, pid_t Pid) {
  int Status = 0;
  pid_t Waited = waitpid(Pid, &Status, 0);
  if (WIFEXITED(Status))
    printf("%s: waitpid matches %d, exit %d\n", What, Waited == Pid,
           WEXITSTATUS(Status));
  else
    printf("%s: waitpid matches %d, signal %d\n", What, Waited == Pid,
           WTERMSIG(Status));
  fflush(stdout);
}

static FILE *Waited;
static volatile int WaitedReturned;
static void *closeWaited(void *Arg) {
  (void)Arg;
  PCLOSE(Waited);
  WaitedReturned = 1;
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pid_t Pid = FORK();
  if (Pid == 0)
    _exit(3);
  report("fork", Pid);
  // CHECK: fork: waitpid matches 1, exit 3

  Pid = VFORK();
  if (Pid == 0)
    _exit(4);
  report("vfork", Pid);
  // CHECK: vfork: waitpid matches 1, exit 4

  if ((Pid = FORK()) == 0) {
    EXECL("/bin/sh", "sh", "-c", "echo execl ran; exit 5", (char *)NULL);
    _exit(127);
  }
  report("execl", Pid);
  // CHECK: execl ran
  // CHECK: execl: waitpid matches 1, exit 5

  if ((Pid = FORK()) == 0) {
    EXECLP("sh", "sh", "-c", "exit 6", (char *)NULL);
    _exit(127);
  }
  report("execlp", Pid);
  // CHECK: execlp: waitpid matches 1, exit 6

  if ((Pid = FORK()) == 0) {
    char *Env[] = {"GREETING=from execle", NULL};
    EXECLE("/bin/sh", "sh", "-c", "echo $GREETING; exit 7", (char *)NULL, Env);
    _exit(127);
  }
  report("execle", Pid);
  // CHECK: from execle
  // CHECK: execle: waitpid matches 1, exit 7

  char *Argv[] = {"sh", "-c", "echo \"$0 ${GREETING:-no greeting}\"; exit 8",
                  NULL};
  char *Env[] = {"GREETING=hello", NULL};
  if ((Pid = FORK()) == 0) {
    EXECV("/bin/sh", Argv);
    _exit(127);
  }
  report("execv", Pid);
  if ((Pid = FORK()) == 0) {
    EXECVP("sh", Argv);
    _exit(127);
  }
  report("execvp", Pid);
  if ((Pid = FORK()) == 0) {
    EXECVE("/bin/sh", Argv, Env);
    _exit(127);
  }
  report("execve", Pid);
  if ((Pid = FORK()) == 0) {
    EXECVPE("sh", Argv, Env);
    _exit(127);
  }
  report("execvpe", Pid);
  // CHECK: sh no greeting
  // CHECK: execv: waitpid matches 1, exit 8
  // CHECK: execvpe: waitpid matches 1, exit 8

  int Fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);
  if ((Pid = FORK()) == 0) {
    FEXECVE(Fd, Argv, Env);
    _exit(127);
  }
  report("fexecve", Pid);
  close(Fd);
  // CHECK: sh hello
  // CHECK: fexecve: waitpid matches 1, exit 8

  // Failing execs return -1 with the real errno, in the calling process.
  errno = 0;
  int Rc = EXECV("/nonexistent/program", Argv);
  printf("execv missing: rc %d errno %s\n", Rc, strerror(errno));
  errno = 0;
  Rc = EXECVP("grid-no-such-program", Argv);
  printf("execvp missing: rc %d errno %s\n", Rc, strerror(errno));
  errno = 0;
  Rc = EXECL("/", "root", (char *)NULL);
  printf("execl a directory: rc %d errno %s\n", Rc, strerror(errno));
  // CHECK: execv missing: rc -1 errno No such file or directory
  // CHECK: execvp missing: rc -1 errno No such file or directory
  // CHECK: execl a directory: rc -1 errno Permission denied

  // The child writes to our stdout: print only once it has been waited for.
  Rc = POSIX_SPAWN(&Pid, "/bin/sh", NULL, NULL, Argv, Env);
  report("posix_spawn", Pid);
  printf("posix_spawn rc %d\n", Rc);
  Rc = POSIX_SPAWNP(&Pid, "sh", NULL, NULL, Argv, environ);
  report("posix_spawnp", Pid);
  printf("posix_spawnp rc %d\n", Rc);
  Rc = POSIX_SPAWN(&Pid, "/nonexistent/program", NULL, NULL, Argv, Env);
  printf("posix_spawn missing: %s\n", strerror(Rc));
  // CHECK: posix_spawn: waitpid matches 1, exit 8
  // CHECK: posix_spawn rc 0
  // CHECK: posix_spawnp: waitpid matches 1, exit 8
  // CHECK: posix_spawnp rc 0
  // CHECK: posix_spawn missing: No such file or directory

  Rc = SYSTEM("exit 9");
  printf("system: exited %d status %d\n", WIFEXITED(Rc), WEXITSTATUS(Rc));
  printf("system(NULL): shell available %d\n", SYSTEM(NULL) != 0);
  // CHECK: system: exited 1 status 9
  // CHECK: system(NULL): shell available 1

  FILE *P = POPEN("echo from popen; exit 10", "r");
  char Line[64] = "";
  if (fgets(Line, sizeof(Line), P))
    printf("popen read: %s", Line);
  Rc = PCLOSE(P);
  printf("pclose: exited %d status %d\n", WIFEXITED(Rc), WEXITSTATUS(Rc));
  // CHECK: popen read: from popen
  // CHECK: pclose: exited 1 status 10

  errno = 0;
  P = POPEN("true", "x");
  printf("popen bad mode: %s errno %s\n", P ? "stream" : "NULL",
         strerror(errno));
  // CHECK: popen bad mode: NULL errno Invalid argument
  errno = 0;
  P = POPEN("true", "rw");
  printf("popen rw: %s errno %s\n", P ? "stream" : "NULL", strerror(errno));
  // CHECK: popen rw: NULL errno Invalid argument

  // "e" (in any place) makes the stream close-on-exec, and only it; a
  // popen child never keeps an earlier popen stream, close-on-exec or not.
  FILE *Kept = POPEN("cat", "w");
  FILE *Closed = POPEN("true", "er");
  printf("close-on-exec: w %d, er %d\n",
         (fcntl(fileno(Kept), F_GETFD) & FD_CLOEXEC) != 0,
         (fcntl(fileno(Closed), F_GETFD) & FD_CLOEXEC) != 0);
  // CHECK: close-on-exec: w 0, er 1
  char Probe[128];
  snprintf(Probe, sizeof(Probe),
           "test -e /proc/self/fd/%d && echo held || echo not held",
           fileno(Kept));
  P = POPEN(Probe, "r");
  if (fgets(Line, sizeof(Line), P))
    printf("the first stream in a later popen child: %s", Line);
  PCLOSE(P);
  // CHECK: the first stream in a later popen child: not held
  Rc = PCLOSE(Closed);
  printf("pclose er: exited %d status %d\n", WIFEXITED(Rc), WEXITSTATUS(Rc));
  fflush(stdout); // cat writes to the same file
  fputs("to cat\n", Kept);
  Rc = PCLOSE(Kept);
  printf("pclose w: exited %d status %d\n", WIFEXITED(Rc), WEXITSTATUS(Rc));
  // CHECK: pclose er: exited 1 status 0
  // CHECK: to cat
  // CHECK: pclose w: exited 1 status 0

  // fclose of a popen stream waits for the child and answers its status.
  Rc = fclose(POPEN("exit 3", "r"));
  printf("fclose of a popen stream: exited %d status %d\n", WIFEXITED(Rc),
         WEXITSTATUS(Rc));
  // CHECK: fclose of a popen stream: exited 1 status 3

  // pclose answers -1 with the flush's errno when the flush failed and the
  // child exited 0 (here it closed its stdin: the pipe has no reader).
  signal(SIGPIPE, SIG_IGN);
  P = POPEN("exec 0<&-; sleep 0.1", "w");
  fputs("never read\n", P); // in the stream's buffer until pclose
  struct pollfd Out = {fileno(P), POLLOUT, 0};
  while (!(Out.revents & POLLERR) && poll(&Out, 1, -1) >= 0)
    ;
  errno = 0;
  Rc = PCLOSE(P);
  printf("pclose of an unread pipe: %d (%s)\n", Rc, strerror(errno));
  signal(SIGPIPE, SIG_DFL);
  // CHECK: pclose of an unread pipe: -1 (Broken pipe)

  // pclose is no cancellation point: a thread cancelled while it waits
  // still reaps its child and returns.
  Waited = POPEN("sleep 0.5", "r");
  pthread_t Closer;
  pthread_create(&Closer, NULL, closeWaited, NULL);
  usleep(100000);
  pthread_cancel(Closer);
  pthread_join(Closer, NULL);
  printf("pclose while cancelled: returned %d\n", WaitedReturned);
  // CHECK: pclose while cancelled: returned 1
  return 0;
}
