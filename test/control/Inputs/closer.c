// A Grid program that closes every descriptor above 2, as daemons do,
// including its control socket's, then reuses the numbers. Reports:
//  - "fork child wrote: yes" (a file opened after closefrom, written by a
//    fork child: Grid's fork handler must not close it);
//  - "own accept: yes" (a Unix socket of its own, made after closefrom,
//    accepts its connection: Grid's server must not take it);
//  - "idle yes (<ms> of CPU in 1 s)" (the server does not spin).
// Prints "ready PID" after closing and waits for DIR/STOP before the last.
// Usage: closer DIR [N]   (N ignored: the drivers pass it to every program)
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
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
  // The lowest numbers again, now the program's own.
  char Log[4096];
  snprintf(Log, sizeof Log, "%s/log", argv[1]);
  int File = open(Log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int Listen = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un Addr = {.sun_family = AF_UNIX};
  snprintf(Addr.sun_path, sizeof Addr.sun_path, "%s/own.sock", argv[1]);
  unlink(Addr.sun_path);
  bind(Listen, (struct sockaddr *)&Addr, sizeof Addr);
  listen(Listen, 4);
  sleep(2); // the control server's next rounds see what happened
  pid_t Child = fork();
  if (Child == 0)
    _exit(write(File, "x", 1) == 1 ? 0 : 1);
  int Status = 0;
  waitpid(Child, &Status, 0);
  printf("fork child wrote: %s\n",
         WIFEXITED(Status) && WEXITSTATUS(Status) == 0 ? "yes" : "no");
  int Peer = socket(AF_UNIX, SOCK_STREAM, 0);
  connect(Peer, (struct sockaddr *)&Addr, sizeof Addr);
  int Flags = fcntl(Listen, F_GETFL);
  fcntl(Listen, F_SETFL, Flags | O_NONBLOCK);
  int Accepted = -1;
  for (int I = 0; I < 20 && Accepted < 0; ++I) {
    Accepted = accept(Listen, NULL, NULL);
    if (Accepted < 0)
      usleep(50 * 1000);
  }
  printf("own accept: %s\n", Accepted >= 0 ? "yes" : "no");
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
