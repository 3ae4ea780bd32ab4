// Children placed on other ranks behave as local children: their output
// names the node they ran on, and stdin, stdout, exit statuses, signals,
// kill, exec failures and the cannot-move cases are as a local child's.
// Under 3 ranks with spread, one node per line is expected; with one rank
// every child runs at home (node 0).
//
// RUN: %grid-clang -fgrid -g %s -o %t
// RUN: %mpirun3 %t %t.dir > %t.three 2>&1
// RUN: FileCheck %s --check-prefixes=CHECK,THREE < %t.three
// What a child writes to stderr travels apart from main's stdout (mpirun
// forwards the two streams separately), so its place among main's lines is
// free: checked on its own.
// RUN: FileCheck %s --check-prefix=THREE-STDERR < %t.three
// The exec that fails for a file that is not executable failed on nodes 1
// and 2 as well as at home (the agents ran it, not a fallback at home); in
// a run of its own, as log lines may land inside a child's output line:
// RUN: %mpirun3 -x GRID_LOG=info %t %t.dir > %t.log 2>&1
// RUN: FileCheck %s --check-prefix=EXECFAIL < %t.log
// EXECFAIL-DAG: remote.c:[[LINE:[0-9]+]] (main): posix_spawn -> home
// EXECFAIL-DAG: remote.c:[[LINE]] (main): posix_spawn -> node 1
// EXECFAIL-DAG: remote.c:[[LINE]] (main): posix_spawn -> node 2
// RUN: %mpirun1 %t %t.dir > %t.one 2>&1
// RUN: FileCheck %s --check-prefixes=CHECK,ONE < %t.one

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void waitFor(const char *What, pid_t Pid) {
  int Status = 0;
  if (waitpid(Pid, &Status, 0) != Pid)
    printf("%s: waitpid failed: %s\n", What, strerror(errno));
  else if (WIFEXITED(Status))
    printf("%s: exit %d\n", What, WEXITSTATUS(Status));
  else if (WIFSIGNALED(Status))
    printf("%s: signal %s\n", What, strsignal(WTERMSIG(Status)));
  fflush(stdout);
}

static pid_t spawnSh(const char *Script, posix_spawn_file_actions_t *Actions) {
  char *Argv[] = {"sh", "-c", (char *)Script, NULL};
  pid_t Pid = -1;
  int Rc = posix_spawnp(&Pid, "sh", Actions, NULL, Argv, environ);
  if (Rc)
    printf("posix_spawnp: %s\n", strerror(Rc));
  return Pid;
}

int main(int Argc, char **Argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *Dir = Argc > 1 ? Argv[1] : "/tmp/grid-remote-test";

  // Each path names the node its child ran on. Spread takes turns over
  // home (0) and the agents (1, 2), one turn per placement.
  waitFor("spawn", spawnSh("echo spawn on node $GRID_NODE", NULL));
  // THREE: spawn on node 0
  // ONE: spawn on node 0
  // CHECK: spawn: exit 0
  int Rc = system("echo system on node $GRID_NODE; exit 3");
  printf("system: exit %d\n", WEXITSTATUS(Rc));
  // THREE: system on node 1
  // ONE: system on node 0
  // CHECK: system: exit 3
  pid_t Pid = fork();
  if (Pid == 0) {
    execlp("sh", "sh", "-c", "echo fork+exec on node $GRID_NODE; exit 4",
           (char *)NULL);
    _exit(127);
  }
  waitFor("fork+exec", Pid);
  // THREE: fork+exec on node 2
  // ONE: fork+exec on node 0
  // CHECK: fork+exec: exit 4

  // popen in both directions (turns 0 and 1).
  FILE *P = popen("echo popen-r on node $GRID_NODE; seq 1 20000 | tail -1",
                  "r");
  char Line[128];
  while (fgets(Line, sizeof Line, P))
    printf("read: %s", Line);
  printf("pclose r: exit %d\n", WEXITSTATUS(pclose(P)));
  // THREE: read: popen-r on node 0
  // ONE: read: popen-r on node 0
  // CHECK: read: 20000
  // CHECK: pclose r: exit 0
  P = popen("printf 'popen-w on node %s read ' $GRID_NODE; wc -c", "w");
  for (int I = 0; I < 1000; ++I)
    fputs("0123456789", P);
  printf("pclose w: exit %d\n", WEXITSTATUS(pclose(P)));
  // THREE: popen-w on node 1 read 10000
  // ONE: popen-w on node 0 read 10000
  // CHECK: pclose w: exit 0

  // Signals: a child killed by a signal, and kill() of a remote child (turns
  // 2 and 0: the killed one is the next on an agent).
  waitFor("raise", spawnSh("kill -SEGV $$", NULL));
  // CHECK: raise: signal Segmentation fault
  spawnSh("true", NULL) > 0 ? (void)wait(NULL) : (void)0; // turn 0
  Pid = spawnSh("echo sleeper on node $GRID_NODE; exec sleep 60", NULL);
  usleep(300 * 1000);
  kill(Pid, SIGTERM);
  waitFor("kill", Pid);
  // THREE: sleeper on node 1
  // CHECK: kill: signal Terminated

  // stdin and stdout through pipes, 64 MiB through a remote cat, byte for
  // byte (turn 2).
  int In[2], Out[2];
  pipe2(In, O_CLOEXEC);
  pipe2(Out, O_CLOEXEC);
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_adddup2(&Actions, In[0], 0);
  posix_spawn_file_actions_adddup2(&Actions, Out[1], 1);
  Pid = spawnSh("echo cat on node $GRID_NODE >&2; exec cat", &Actions);
  posix_spawn_file_actions_destroy(&Actions);
  close(In[0]);
  close(Out[1]);
  const size_t Total = 64u << 20;
  pid_t Writer = fork();
  if (Writer == 0) { // the writer: a pattern that shows any lost byte
    close(Out[0]);
    static unsigned char Block[65536];
    for (size_t Done = 0; Done < Total; Done += sizeof Block) {
      for (size_t I = 0; I < sizeof Block; ++I)
        Block[I] = (unsigned char)((Done + I) * 2654435761u >> 13);
      if (write(In[1], Block, sizeof Block) != (ssize_t)sizeof Block)
        _exit(1);
    }
    _exit(0);
  }
  close(In[1]);
  size_t Got = 0, Wrong = 0;
  static unsigned char Buf[65536];
  ssize_t N;
  while ((N = read(Out[0], Buf, sizeof Buf)) > 0) {
    for (ssize_t I = 0; I < N; ++I)
      Wrong += Buf[I] != (unsigned char)((Got + I) * 2654435761u >> 13);
    Got += (size_t)N;
  }
  close(Out[0]);
  waitpid(Writer, NULL, 0);
  printf("cat: %zu bytes back, %zu wrong\n", Got, Wrong);
  waitFor("cat", Pid);
  // THREE-STDERR: cat on node 2
  // CHECK: cat: 67108864 bytes back, 0 wrong
  // CHECK: cat: exit 0

  // Exec failures, as locally: a file that exists but is not executable
  // (the exec fails on the node), and one that does not exist.
  mkdir(Dir, 0755);
  char NotExe[4096];
  snprintf(NotExe, sizeof NotExe, "%s/not-executable", Dir);
  close(open(NotExe, O_CREAT | O_WRONLY, 0644));
  char *NoArgs[] = {"x", NULL};
  for (int I = 0; I < 3; ++I) { // one turn on each node
    Rc = posix_spawn(&Pid, NotExe, NULL, NULL, NoArgs, environ);
    printf("posix_spawn not executable: %s\n", strerror(Rc));
  }
  // CHECK-COUNT-3: posix_spawn not executable: Permission denied
  Pid = fork();
  if (Pid == 0) {
    execv(NotExe, NoArgs);
    printf("execv not executable in a forked child: %s\n", strerror(errno));
    _exit(0);
  }
  waitFor("child", Pid);
  // CHECK: execv not executable in a forked child: Permission denied
  Rc = system("exec /nonexistent/program 2>/dev/null");
  printf("system missing program: exit %d\n", WEXITSTATUS(Rc));
  // CHECK: system missing program: exit 127

  // Cannot move: an inherited descriptor keeps the child local, and the
  // child can use it.
  char Shared[4096];
  snprintf(Shared, sizeof Shared, "%s/shared", Dir);
  int Fd = open(Shared, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  char Script[256];
  snprintf(Script, sizeof Script,
           "echo inherited fd on node $GRID_NODE; echo written >>/dev/fd/%d",
           Fd);
  for (int I = 0; I < 3; ++I)
    waitFor("inherited", spawnSh(Script, NULL));
  close(Fd);
  // CHECK: inherited fd on node 0
  // CHECK-NEXT: inherited: exit 0
  // CHECK-NEXT: inherited fd on node 0
  // CHECK-NEXT: inherited: exit 0
  // CHECK-NEXT: inherited fd on node 0
  // CHECK-NEXT: inherited: exit 0
  FILE *Written = fopen(Shared, "r");
  int Lines = 0;
  while (fgets(Line, sizeof Line, Written))
    Lines += strcmp(Line, "written\n") == 0;
  fclose(Written);
  printf("lines written through the inherited fd: %d\n", Lines);
  // CHECK: lines written through the inherited fd: 3
  return 0;
}
