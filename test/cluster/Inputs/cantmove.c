// Children whose working directory exists only on h1 (the rig's private
// directory): on h2 and h3 they cannot run, so they run at home instead,
// and the statistics say why.
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
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

  // An executable only h1 has, run from a directory every host has.
  char Program[4096];
  snprintf(Program, sizeof Program, "%s/program", Argv[1]);
  FILE *Script = fopen(Program, "w");
  fputs("#!/bin/sh\necho program on node $GRID_NODE\n", Script);
  fclose(Script);
  chmod(Program, 0755);
  if (chdir("/") != 0)
    return 2;
  char *Direct[] = {Program, NULL};
  for (int I = 0; I < 3; ++I) {
    pid_t Pid;
    int Status;
    if (posix_spawn(&Pid, Program, NULL, NULL, Direct, environ) == 0)
      waitpid(Pid, &Status, 0);
  }
  return 0;
}
