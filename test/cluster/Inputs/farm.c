// A process farm for the rig (built with grid-clang -fgrid):
//   farm N         N children one after another, each printing the node it
//                  ran on and its host's name
//   farm forever   three children printing numbered lines until killed, one
//                  per node under spread; "ready" once they run
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pid_t start(const char *Script) {
  char *Argv[] = {"sh", "-c", (char *)Script, NULL};
  pid_t Pid;
  int Rc = posix_spawnp(&Pid, "sh", NULL, NULL, Argv, environ);
  if (Rc) {
    fprintf(stderr, "posix_spawnp: %s\n", strerror(Rc));
    exit(1);
  }
  return Pid;
}

int main(int Argc, char **Argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (Argc > 1 && !strcmp(Argv[1], "forever")) {
    pid_t Pids[3];
    for (int I = 0; I < 3; ++I)
      Pids[I] = start("i=0; while :; do i=$((i+1)); echo \"$GRID_NODE $i\"; "
                      "sleep 0.01; done");
    sleep(1);
    printf("ready\n");
    for (int I = 0; I < 3; ++I)
      waitpid(Pids[I], NULL, 0);
    return 0;
  }
  int N = Argc > 1 ? atoi(Argv[1]) : 3;
  for (int I = 0; I < N; ++I) {
    int Status;
    waitpid(start("echo \"node $GRID_NODE on $(hostname)\""), &Status, 0);
  }
  return 0;
}
