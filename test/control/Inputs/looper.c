// A local Grid program that creates and joins threads in a loop, from two
// call sites (A and B), until the file DIR/STOP appears. Around each
// creation it writes "phase <before>" and "after <after>" to stderr (see
// phase()); with GRID_LOG=info
// the runtime's line for the creation, naming the thread tolerance it
// applied, comes between the two. Usage: looper DIR
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

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

static void *work(void *Arg) { return Arg; }

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  Dir = argv[1];
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  pthread_t T;
  while (!exists("STOP")) {
    fprintf(stderr, "phase %d A\n", phase());
    pthread_create(&T, NULL, work, NULL); // SITE_A
    pthread_join(T, NULL);
    fprintf(stderr, "after %d\n", phaseAfter());
    fprintf(stderr, "phase %d B\n", phase());
    pthread_create(&T, NULL, work, NULL); // SITE_B
    pthread_join(T, NULL);
    fprintf(stderr, "after %d\n", phaseAfter());
    usleep(2000);
  }
  return 0;
}
