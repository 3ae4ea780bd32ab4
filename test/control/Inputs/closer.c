// A Grid program that closes every descriptor above 2, as daemons do,
// including its control socket's, then sleeps a second and reports whether
// it stayed idle meanwhile (the control server must stop serving, not spin
// on a descriptor that is gone). Prints "ready PID" after closing, waits
// for DIR/STOP, then prints "idle yes|no (<ms> of CPU in 1 s)".
// Usage: closer DIR [N]   (N ignored: the drivers pass it to every program)
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

static void *nothing(void *Arg) { return Arg; } // a module with a site

static long cpuMs(void) {
  struct rusage U;
  getrusage(RUSAGE_SELF, &U);
  return (U.ru_utime.tv_sec + U.ru_stime.tv_sec) * 1000 +
         (U.ru_utime.tv_usec + U.ru_stime.tv_usec) / 1000;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  closefrom(3);
  printf("ready %d\n", (int)getpid());
  fflush(stdout);
  char Stop[4096];
  snprintf(Stop, sizeof Stop, "%s/STOP", argv[1]);
  for (int I = 0; I < 600 && access(Stop, F_OK) != 0; ++I)
    usleep(50 * 1000);
  long Before = cpuMs();
  sleep(1);
  long Used = cpuMs() - Before;
  printf("idle %s (%ld ms of CPU in 1 s)\n", Used < 300 ? "yes" : "no", Used);
  return 0;
}
