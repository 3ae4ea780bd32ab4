// _exit, _Exit and quick_exit end the program as on one machine, wherever
// the thread that calls them runs: with its status, none of the program's
// exit handlers (quick_exit's own at_quick_exit handlers, registered by
// main, run at home), and under mpirun no report of a failed rank. Before,
// _exit(0) anywhere failed the job with status 1 and mpirun's message that
// a rank exited without finalising; on a remote thread it ended only the
// agent.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: sh -c 'for How in remote-_exit remote-_Exit remote-quick home-_exit home-handler; do %t.plain $How; echo "status $?"; done' > %t.plain.out
// RUN: sh -c 'for How in remote-_exit remote-_Exit remote-quick home-_exit home-handler; do %mpirun3t %t.fgrid $How; echo "status $?"; done' > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=ERR < %t.three.err
// CHECK: remote-_exit: the thread ends the program
// CHECK-NEXT: status 0
// CHECK-NEXT: remote-_Exit: the thread ends the program
// CHECK-NEXT: status 6
// CHECK-NEXT: remote-quick: the thread ends the program
// CHECK-NEXT: quick_exit handler ran
// CHECK-NEXT: status 4
// CHECK-NEXT: home-_exit: main ends the program
// CHECK-NEXT: status 0
// CHECK-NEXT: home-handler: a signal handler ends the program
// CHECK-NEXT: status 0
// The threads that end it ran in another process than home (spread sends
// the first home; _exit prints no statistics), and no rank is reported
// gone without finalising:
// ERR-COUNT-3: remote-{{.*}}: runs in another process: yes
// ERR-NOT: exiting improperly
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *How;

static void bye(void) { printf("exit handler ran\n"); }
static void onAlarm(int Signal) {
  (void)Signal;
  _exit(0); // async-signal-safe, with Grid too
}
static void quickBye(void) {
  printf("quick_exit handler ran\n");
  fflush(stdout);
}

static void *wait(void *P) {
  sleep(30); // longer than the test: the end of the process ends it
  return P;
}

static void *end(void *P) {
  // The kernel's pid, which no call carries home, against home's.
  fprintf(stderr, "%s: runs in another process: %s\n", How,
          syscall(SYS_getpid) != getpid() ? "yes" : "no");
  printf("%s: the thread ends the program\n", How);
  fflush(stdout);
  if (!strcmp(How, "remote-_exit"))
    _exit(0);
  if (!strcmp(How, "remote-_Exit"))
    _Exit(6);
  quick_exit(4);
  return P;
}

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  How = Argv[1];
  atexit(bye);
  at_quick_exit(quickBye);
  pthread_t Home, Remote;
  if (!strcmp(How, "home-handler")) {
    signal(SIGALRM, onAlarm);
    pthread_create(&Remote, NULL, wait, NULL);
    pthread_create(&Home, NULL, wait, NULL);
    printf("%s: a signal handler ends the program\n", How);
    fflush(stdout);
    alarm(1);
    for (;;)
      pause();
  }
  if (!strcmp(How, "home-_exit")) {
    // A thread elsewhere first, so that the job's other ranks take part.
    pthread_create(&Remote, NULL, wait, NULL);
    pthread_create(&Home, NULL, wait, NULL);
    printf("%s: main ends the program\n", How);
    fflush(stdout);
    _exit(0);
  }
  pthread_create(&Home, NULL, wait, NULL);
  pthread_create(&Remote, NULL, end, NULL);
  pthread_join(Remote, NULL);
  return 1;
}
