// A program that starts children in a loop, from two call sites, until the
// file STOP appears. Each child reports the node it ran on (GRID_NODE); the
// program prints "<phase> <site> <node>" per child, the phase being the
// highest N for which the file PHASE<N> existed before the child was
// started. Before the loop it starts one long-running child (site "held"),
// killed at the end, so that gridctl ps has something beyond the bound after
// a renice. Argument: the directory of the control files.
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static const char *Dir;

static int exists(const char *Name) {
  char Path[4096];
  snprintf(Path, sizeof Path, "%s/%s", Dir, Name);
  return access(Path, F_OK) == 0;
}

static int phase(void) {
  int P = 0;
  char Name[32];
  for (int I = 1; I < 10; ++I) {
    snprintf(Name, sizeof Name, "PHASE%d", I);
    if (exists(Name))
      P = I;
  }
  return P;
}

static void report(FILE *Child, int Phase, const char *Site) {
  char Node[64] = "?";
  if (!fgets(Node, sizeof Node, Child))
    strcpy(Node, "none\n");
  pclose(Child);
  printf("%d %s %s", Phase, Site, Node);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: spawner DIR\n");
    return 2;
  }
  Dir = argv[1];
  pid_t Held;
  char *HeldArgv[] = {"sleep", "600", NULL};
  if (posix_spawnp(&Held, "sleep", NULL, NULL, HeldArgv, environ) != 0)
    return 1;
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  while (!exists("STOP")) {
    int P = phase();
    report(popen("echo $GRID_NODE", "r"), P, "A"); // SITE_A
    P = phase();
    report(popen("echo $GRID_NODE", "r"), P, "B"); // SITE_B
  }
  kill(Held, SIGKILL);
  waitpid(Held, NULL, 0);
  printf("done\n");
  return 0;
}
