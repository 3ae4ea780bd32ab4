// A thread on another node gets home's answers about its process: pid,
// parent pid, environment (set by main before, and by the thread itself,
// which main then sees), locale (the one main chose) and time zone (which
// main set in TZ); gethostname names the host the thread
// runs on (here, every rank's host is this machine).
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: thread 1: home's pid yes, home's parent yes
// CHECK-NEXT: thread 1: GRID_TEST_SET_BY_MAIN=from main, unset by main: absent
// CHECK-NEXT: thread 1: hour of 0 in this zone: 05:30
// CHECK-NEXT: thread 1: host: this machine
// CHECK-NEXT: thread 1: locale C.UTF-8, up to 6 bytes a character
// CHECK-NEXT: thread 1: isatty, tcgetattr and ttyname agree on stdout: yes
// CHECK: main sees GRID_TEST_SET_BY_THREAD_1=thread 1 was here
// STATS: identity.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static pid_t MainPid, MainParent;
static char MainHost[256];

static void *ask(void *P) {
  long Id = (long)P;
  printf("thread %ld: home's pid %s, home's parent %s\n", Id,
         getpid() == MainPid ? "yes" : "no",
         getppid() == MainParent ? "yes" : "no");
  const char *Set = getenv("GRID_TEST_SET_BY_MAIN");
  const char *Unset = getenv("GRID_TEST_UNSET_BY_MAIN");
  printf("thread %ld: GRID_TEST_SET_BY_MAIN=%s, unset by main: %s\n", Id,
         Set ? Set : "(absent)", Unset ? Unset : "absent");
  char Name[64], Value[64];
  snprintf(Name, sizeof Name, "GRID_TEST_SET_BY_THREAD_%ld", Id);
  snprintf(Value, sizeof Value, "thread %ld was here", Id);
  setenv(Name, Value, 1);
  time_t Zero = 0;
  struct tm Tm;
  localtime_r(&Zero, &Tm);
  printf("thread %ld: hour of 0 in this zone: %02d:%02d\n", Id, Tm.tm_hour,
         Tm.tm_min);
  char Host[256];
  gethostname(Host, sizeof Host);
  printf("thread %ld: host: %s\n", Id,
         strcmp(Host, MainHost) == 0 ? "this machine" : Host);
  // MB_CUR_MAX is the C library's answer on the thread's node, in the
  // locale that node has: 1 in "C", 6 in C.UTF-8, which main chose.
  printf("thread %ld: locale %s, up to %d bytes a character\n", Id,
         setlocale(LC_ALL, NULL), (int)MB_CUR_MAX);
  // Under mpirun home's stdout is a terminal (Open MPI's pseudo-terminal),
  // an agent's a pipe: the three answers are one descriptor's only if all
  // are home's.
  struct termios Term;
  int Tty = isatty(1), Attr = tcgetattr(1, &Term) == 0,
      Named = ttyname(1) != NULL;
  printf("thread %ld: isatty, tcgetattr and ttyname agree on stdout: %s\n",
         Id, Tty == Attr && Tty == Named ? "yes" : "no");
  return NULL;
}

int main(void) {
  MainPid = getpid();
  MainParent = getppid();
  gethostname(MainHost, sizeof MainHost);
  setenv("GRID_TEST_SET_BY_MAIN", "from main", 1);
  setenv("GRID_TEST_UNSET_BY_MAIN", "soon gone", 1);
  unsetenv("GRID_TEST_UNSET_BY_MAIN");
  setlocale(LC_ALL, "C.UTF-8");
  // The agents' own TZ is unset (UTC): they must follow home's.
  setenv("TZ", "Asia/Kolkata", 1);
  tzset();
  for (long Id = 0; Id < 3; ++Id) {
    pthread_t T;
    pthread_create(&T, NULL, ask, (void *)Id);
    pthread_join(T, NULL);
  }
  for (long Id = 0; Id < 3; ++Id) {
    char Name[64];
    snprintf(Name, sizeof Name, "GRID_TEST_SET_BY_THREAD_%ld", Id);
    const char *Value = getenv(Name);
    printf("main sees %s=%s\n", Name, Value ? Value : "(absent)");
  }
  return 0;
}
