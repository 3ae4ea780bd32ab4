// A local Grid program that holds work for gridctl to look at: N threads
// from one call site (SITE_WORKER), 2 from another (SITE_HELPER), and one
// forked child (SITE_FORK), all waiting until the file DIR/STOP appears (or
// 60 s pass), and a popen child (SITE_POPEN: cat, whose pid it writes to
// DIR/popen.pid) until the end. Prints "ready PID" once everything has
// started, and "done" at the end. Usage: holder DIR [N]
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char Stop[4096];

static void waitForStop(void) {
  for (int I = 0; I < 1200 && access(Stop, F_OK) != 0; ++I)
    usleep(50 * 1000);
}

static void *worker(void *Arg) {
  waitForStop();
  return Arg;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: holder DIR [N]\n");
    return 2;
  }
  snprintf(Stop, sizeof Stop, "%s/STOP", argv[1]);
  int N = argc > 2 ? atoi(argv[2]) : 3;
  pthread_t *Threads = calloc((size_t)N + 2, sizeof(pthread_t));
  for (int I = 0; I < N; ++I)
    pthread_create(&Threads[I], NULL, worker, NULL); // SITE_WORKER
  for (int I = N; I < N + 2; ++I)
    pthread_create(&Threads[I], NULL, worker, NULL); // SITE_HELPER
  pid_t Child = fork();                              // SITE_FORK
  if (Child == 0) {
    waitForStop();
    _exit(0);
  }
  char Command[12800];
  snprintf(Command, sizeof Command,
           "echo $$ > %s/popen.tmp && mv %s/popen.tmp %s/popen.pid; exec cat",
           argv[1], argv[1], argv[1]);
  FILE *Pipe = popen(Command, "w"); // SITE_POPEN
  if (!Pipe) {
    perror("popen");
    return 1;
  }
  char PidFile[4200];
  snprintf(PidFile, sizeof PidFile, "%s/popen.pid", argv[1]);
  for (int I = 0; I < 1200 && access(PidFile, F_OK) != 0; ++I)
    usleep(10 * 1000);
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  for (int I = 0; I < N + 2; ++I)
    pthread_join(Threads[I], NULL);
  waitpid(Child, NULL, 0);
  pclose(Pipe);
  printf("done\n");
  return 0;
}
