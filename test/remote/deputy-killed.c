// A deputy killed with SIGKILL takes its remote process with it: the
// program sees its child die by SIGKILL, and the process on the other node
// is gone within bounded time (DESIGN.md §5).
//
// RUN: %grid-clang -fgrid %s -o %t
// RUN: rm -f %t.pid
// RUN: %mpirun --bind-to none -np 2 -x GRID_PROCESS_TOLERANCE=any -x GRID_PLACEMENT=spread %t %t.pid | FileCheck %s

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int Argc, char **Argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  char Script[4096];
  snprintf(Script, sizeof Script,
           "echo $GRID_NODE $$ > %s.tmp && mv %s.tmp %s && exec sleep 120",
           Argv[1], Argv[1], Argv[1]);
  char *Args[] = {"sh", "-c", Script, NULL};
  system("true"); // spread: home's turn
  pid_t Deputy;
  if (posix_spawnp(&Deputy, "sh", NULL, NULL, Args, environ))
    return 1;
  int Node = -1, Remote = 0;
  for (int I = 0; I < 1000 && Remote == 0; ++I) {
    FILE *F = fopen(Argv[1], "r");
    if (F) {
      if (fscanf(F, "%d %d", &Node, &Remote) != 2)
        Remote = 0;
      fclose(F);
    }
    usleep(10000);
  }
  printf("remote process on node %d\n", Node);
  // CHECK: remote process on node 1
  kill(Deputy, SIGKILL);
  int Status;
  waitpid(Deputy, &Status, 0);
  printf("child: %s\n", WIFSIGNALED(Status) ? strsignal(WTERMSIG(Status))
                                            : "exited");
  // CHECK: child: Killed
  int Gone = 0;
  for (int I = 0; I < 1000 && !Gone; ++I) {
    Gone = kill(Remote, 0) != 0 && errno == ESRCH;
    usleep(10000);
  }
  printf("remote process gone: %s\n", Gone ? "yes" : "no");
  // CHECK: remote process gone: yes
  return 0;
}
