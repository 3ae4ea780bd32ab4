// A program that starts children in a loop, from two call sites (A and B),
// until the file STOP appears. Each child reports the node it ran on
// (GRID_NODE); the program prints "<before> <after> <site> <node>" per child,
// the phases read before the child was started and after it ended (see
// phase()): a child with before == after == N ran wholly in phase N. Before the
// loop it starts 3 long-running children (sleep), killed at the end, so that
// gridctl ps has remote children to show beyond the bound after a renice.
// Argument: the directory of the control files.
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
#include "phases.h"

static void report(FILE *Child, int Before, const char *Site) {
  char Node[64] = "?";
  if (!fgets(Node, sizeof Node, Child))
    strcpy(Node, "none\n");
  pclose(Child);
  printf("%d %d %s %s", Before, phaseAfter(), Site, Node);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: spawner DIR\n");
    return 2;
  }
  Dir = argv[1];
  pid_t Held[3];
  char *HeldArgv[] = {"sleep", "600", NULL};
  for (int I = 0; I < 3; ++I)
    if (posix_spawnp(&Held[I], "sleep", NULL, NULL, HeldArgv, environ) != 0)
      return 1;
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  while (!exists("STOP")) {
    int P = phase();
    report(popen("echo $GRID_NODE", "r"), P, "A"); // SITE_A
    P = phase();
    report(popen("echo $GRID_NODE", "r"), P, "B"); // SITE_B
  }
  for (int I = 0; I < 3; ++I) {
    kill(Held[I], SIGKILL);
    waitpid(Held[I], NULL, 0);
  }
  printf("done\n");
  return 0;
}
