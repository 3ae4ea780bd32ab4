// A local Grid program that creates and joins threads in a loop, from two
// call sites (A and B), until the file DIR/STOP appears. Around each
// creation it writes "phase <before>" and "after <after>" to stderr (see
// phase()); with GRID_LOG=info
// the runtime's line for the creation, naming the thread tolerance it
// applied, comes between the two. Usage: looper DIR
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "phases.h"

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
