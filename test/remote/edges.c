// Edge cases of remote children found in review, each against what a local
// child does (the plain build, run without mpirun, prints the same):
//  - a forked child of home that calls exit() (runs home's exit handlers);
//  - two system() calls at once (SIGINT's handler must come back);
//  - killpg of a child that leads its own process group reaches the
//    remote group, its children included;
//  - a signal sent with kill() reaches the remote process's handler;
//  - a remote popen stream is not inherited by a later local popen child.
//
// RUN: %clang %s -o %t.plain -pthread
// RUN: %grid-clang -fgrid -g %s -o %t -pthread
// RUN: %t.plain %t.dir > %t.plain.out
// RUN: env GRID_LOG=info %mpirun3 -x GRID_LOG %t %t.dir > %t.out 2> %t.err
// RUN: diff %t.plain.out %t.out
// RUN: FileCheck %s < %t.out
// RUN: FileCheck %s --check-prefix=REMOTE < %t.err

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void onInt(int Sig) { (void)Sig; }

static void *lateSystem(void *Arg) {
  (void)Arg;
  usleep(200 * 1000);
  system("sleep 0.6");
  return NULL;
}

static void awaitLine(FILE *From, const char *Want) {
  char Line[256];
  while (fgets(Line, sizeof Line, From))
    if (strstr(Line, Want))
      return;
}

int main(int Argc, char **Argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *Dir = Argc > 1 ? Argv[1] : "/tmp/grid-edges";
  mkdir(Dir, 0755);

  // A forked child that exits through exit(): home goes on serving.
  pid_t Pid = fork();
  if (Pid == 0)
    exit(7);
  int Status;
  waitpid(Pid, &Status, 0);
  printf("forked child: exit %d\n", WEXITSTATUS(Status));
  // CHECK: forked child: exit 7
  Status = system("exit 5"); // still placed, remotely (REMOTE below)
  printf("system after it: exit %d\n", WEXITSTATUS(Status));
  // CHECK: system after it: exit 5

  // Two system() calls overlapping in time.
  struct sigaction Handler = {0};
  Handler.sa_handler = onInt;
  sigaction(SIGINT, &Handler, NULL);
  pthread_t Thread;
  pthread_create(&Thread, NULL, lateSystem, NULL);
  system("sleep 0.4");
  pthread_join(Thread, NULL);
  struct sigaction Now;
  sigaction(SIGINT, NULL, &Now);
  printf("SIGINT handler after concurrent system(): %s\n",
         Now.sa_handler == onInt ? "restored" : "lost");
  // CHECK: SIGINT handler after concurrent system(): restored

  // kill(): the remote shell's trap runs and it exits 7.
  int Out[2];
  pipe2(Out, O_CLOEXEC);
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_adddup2(&Actions, Out[1], 1);
  char *TrapArgv[] = {"sh", "-c",
                      "trap 'echo got TERM; exit 7' TERM; echo ready; "
                      "while :; do sleep 0.05; done",
                      NULL};
  if (posix_spawnp(&Pid, "sh", &Actions, NULL, TrapArgv, environ))
    printf("posix_spawnp failed\n");
  close(Out[1]);
  FILE *From = fdopen(Out[0], "r");
  awaitLine(From, "ready");
  kill(Pid, SIGTERM);
  awaitLine(From, "got TERM");
  fclose(From);
  waitpid(Pid, &Status, 0);
  printf("trapped TERM: exit %d\n", WEXITSTATUS(Status));
  // CHECK: trapped TERM: exit 7

  // killpg() of a child in its own group: its own child dies too.
  pipe2(Out, O_CLOEXEC);
  posix_spawn_file_actions_destroy(&Actions);
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_adddup2(&Actions, Out[1], 1);
  posix_spawnattr_t Attr;
  posix_spawnattr_init(&Attr);
  posix_spawnattr_setpgroup(&Attr, 0);
  posix_spawnattr_setflags(&Attr, POSIX_SPAWN_SETPGROUP);
  char Script[512];
  snprintf(Script, sizeof Script,
           "sh -c 'echo $$ > %s/grandchild; exec sleep 30' & "
           "while [ ! -s %s/grandchild ]; do sleep 0.02; done; echo ready; "
           "wait",
           Dir, Dir);
  unlink(strcat(strcpy((char[4096]){0}, Dir), "/grandchild"));
  char *GroupArgv[] = {"sh", "-c", Script, NULL};
  int Rc = posix_spawnp(&Pid, "sh", &Actions, &Attr, GroupArgv, environ);
  if (Rc)
    printf("posix_spawnp: %s\n", strerror(Rc));
  close(Out[1]);
  From = fdopen(Out[0], "r");
  awaitLine(From, "ready");
  killpg(Pid, SIGTERM);
  waitpid(Pid, &Status, 0);
  fclose(From);
  char Path[4096];
  snprintf(Path, sizeof Path, "%s/grandchild", Dir);
  FILE *F = fopen(Path, "r");
  int Grandchild = 0;
  if (!F || fscanf(F, "%d", &Grandchild) != 1)
    printf("no grandchild pid\n");
  if (F)
    fclose(F);
  int Gone = 0;
  for (int I = 0; I < 500 && !Gone; ++I) {
    Gone = kill(Grandchild, 0) != 0 && errno == ESRCH;
    usleep(10 * 1000);
  }
  printf("killpg: child %s, its own child %s\n",
         WIFSIGNALED(Status) ? strsignal(WTERMSIG(Status)) : "exited",
         Gone ? "gone" : "still running");
  // CHECK: killpg: child Terminated, its own child gone
  posix_spawn_file_actions_destroy(&Actions);
  posix_spawnattr_destroy(&Attr);

  // A remote popen("w") stream, then a local popen child that reads until
  // its input ends: were the first stream's pipe inherited by that child,
  // wc would never see its end and pclose would wait for ever (the alarm
  // turns that into a failure).
  FILE *Remote = popen("wc -c", "w");
  fputs("12345", Remote);
  FILE *Local = popen("cat > /dev/null", "w"); // spread: home's turn
  alarm(20);
  Status = pclose(Remote);
  printf("pclose of the first stream: exit %d\n", WEXITSTATUS(Status));
  pclose(Local);
  alarm(0);
  // CHECK: 5
  // CHECK: pclose of the first stream: exit 0

  // The child gets the caller's umask (system's shell, on a node).
  mode_t Old = umask(027);
  system("umask");
  umask(Old);
  // CHECK: 0027
  return 0;
}
// REMOTE: edges.c:{{[0-9]+}} (main): system -> node {{[12]}}
