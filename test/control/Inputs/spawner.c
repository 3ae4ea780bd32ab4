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
static const char *Dir;

static int exists(const char *Name) {
  char Path[4096];
  snprintf(Path, sizeof Path, "%s/%s", Dir, Name);
  return access(Path, F_OK) == 0;
}

// The highest N for which DIR/<Prefix><N> exists, 0 if none.
static int highest(const char *Prefix) {
  int P = 0;
  char Name[32];
  for (int I = 1; I < 10; ++I) {
    snprintf(Name, sizeof Name, "%s%d", Prefix, I);
    if (exists(Name))
      P = I;
  }
  return P;
}

// The driver creates BEGIN<N> before renice N and PHASE<N> once it has
// returned: a creation that saw phase N before it started and phase N
// after it ended ran wholly between two renices.
static int phase(void) { return highest("PHASE"); }
static int phaseAfter(void) {
  int Begun = highest("BEGIN"), Done = highest("PHASE");
  return Begun > Done ? Begun : Done;
}

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
