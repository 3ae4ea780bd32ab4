// Children whose working directory exists only on h1 (the rig's private
// directory): on h2 and h3 they cannot run, so they run at home instead,
// and the statistics say why.
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int Argc, char **Argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (Argc < 2 || chdir(Argv[1]) != 0)
    return 2;
  char *Args[] = {"sh", "-c", "echo spawned on node $GRID_NODE", NULL};
  for (int I = 0; I < 3; ++I) {
    pid_t Pid;
    int Status;
    if (posix_spawnp(&Pid, "sh", NULL, NULL, Args, environ) == 0)
      waitpid(Pid, &Status, 0);
  }
  for (int I = 0; I < 3; ++I)
    system("echo system on node $GRID_NODE");
  return 0;
}
