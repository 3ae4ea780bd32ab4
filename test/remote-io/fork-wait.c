// A thread on another node forks: its child is a process of that node (fork
// is not carried home), and the thread's waitpid, wait and kill of it are
// its node's too, while those of children made at home (main's here; a
// remote thread's system, popen and posix_spawn make theirs at home too)
// stay home's. Before, waitpid went home and answered ECHILD,
// and kill went to home's process of that number. The output equals the same
// program run without mpirun.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// The job ends with status 0 (the RUN line above fails otherwise).
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: waitpid of the child: 1, exit status 7
// CHECK-NEXT: kill of the child: 0; waitpid: 1, signal 15
// CHECK-NEXT: waitpid with WNOHANG of a running child: 0
// CHECK-NEXT: waitpid and wait of any child, it and one made at home: 2 (3 and 5)
// CHECK-NEXT: wait with none left: -1 No child processes
// CHECK-NEXT: wait with SIGCHLD ignored: -1 No child processes
// CHECK-NEXT: kill of an ended child with SIGCHLD ignored: fails (No such process); waitpid: -1 No child processes
// CHECK-NEXT: wait4 of its child: 1, exit status 6, usage given
// CHECK-NEXT: wait3: 1, exit status 2
// CHECK-NEXT: waitid of its child: 0, exited, status 8
// CHECK-NEXT: wait4 of a child made at home: 1, exit status 7
// CHECK-NEXT: waitid of a child made at home: 0, status 7
// CHECK-NEXT: waitpid of a child made at home: 1, exit status 5
// STATS-NOT: signal 11
// STATS: fork-wait.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static pid_t HomeChild;

static pid_t child(int Status, int Pause) {
  pid_t P = fork();
  if (P == 0) {
    if (Pause)
      pause(); // until killed
    _exit(Status);
  }
  return P;
}

static char *Argv[] = {"sh", "-c", "exit 5", NULL};

static void *forker(void *Arg) {
  (void)Arg;
  int Status = 0;
  pid_t A = child(7, 0);
  pid_t R = waitpid(A, &Status, 0);
  printf("waitpid of the child: %d, exit status %d\n", R == A,
         WIFEXITED(Status) ? WEXITSTATUS(Status) : -1);
  pid_t B = child(0, 1);
  int K = kill(B, SIGTERM);
  R = waitpid(B, &Status, 0);
  printf("kill of the child: %d; waitpid: %d, signal %d\n", K, R == B,
         WIFSIGNALED(Status) ? WTERMSIG(Status) : -1);
  pid_t D = child(3, 1);
  R = waitpid(D, &Status, WNOHANG);
  printf("waitpid with WNOHANG of a running child: %d\n", R);
  kill(D, SIGKILL);
  waitpid(D, &Status, 0);
  // One child here, one main made at home (HomeChild): waiting for any
  // child finds both.
  pid_t E = child(3, 0), F = HomeChild;
  int Seen = 0, Codes[2] = {0, 0};
  for (int I = 0; I < 2; ++I) {
    R = I == 0 ? waitpid(-1, &Status, 0) : wait(&Status);
    if (R == E || R == F)
      Codes[Seen++] = WEXITSTATUS(Status);
  }
  if (Seen == 2 && Codes[0] > Codes[1]) {
    int T = Codes[0];
    Codes[0] = Codes[1];
    Codes[1] = T;
  }
  printf("waitpid and wait of any child, it and one made at home: %d (%d and "
         "%d)\n",
         Seen, Codes[0], Codes[1]);
  errno = 0;
  R = wait(&Status);
  printf("wait with none left: %d %s\n", R, strerror(errno));
  // With SIGCHLD ignored a child that ends is reaped unseen (by the
  // kernel at home; on a node, where the action is only recorded, by the
  // thread's next look at its children): wait has none left to wait for,
  // and a kill or waitpid of it fails once it has ended (the node keeps the
  // number: at home it could name another process, which one host cannot
  // show).
  signal(SIGCHLD, SIG_IGN);
  child(4, 0);
  errno = 0;
  pid_t After = wait(&Status);
  printf("wait with SIGCHLD ignored: %d %s\n", After, strerror(errno));
  pid_t Gone = child(4, 0);
  int Looks = 0;
  while (kill(Gone, 0) == 0 && Looks < 2000) {
    usleep(1000);
    ++Looks;
  }
  int KillError = errno;
  errno = 0;
  pid_t Waited = waitpid(Gone, &Status, 0);
  printf("kill of an ended child with SIGCHLD ignored: %s (%s); waitpid: "
         "%d %s\n",
         Looks < 2000 ? "fails" : "still finds it", strerror(KillError),
         Waited, strerror(errno));
  signal(SIGCHLD, SIG_DFL);
  // wait4, wait3 and waitid, of the node's children and of home's.
  struct rusage Usage;
  pid_t H = child(6, 0);
  R = wait4(H, &Status, 0, &Usage);
  printf("wait4 of its child: %d, exit status %d, usage %s\n", R == H,
         WIFEXITED(Status) ? WEXITSTATUS(Status) : -1,
         Usage.ru_utime.tv_sec >= 0 ? "given" : "none");
  H = child(2, 0);
  R = wait3(&Status, 0, &Usage);
  printf("wait3: %d, exit status %d\n", R == H,
         WIFEXITED(Status) ? WEXITSTATUS(Status) : -1);
  H = child(8, 0);
  siginfo_t Info;
  memset(&Info, 0, sizeof Info);
  int W = waitid(P_PID, (id_t)H, &Info, WEXITED);
  printf("waitid of its child: %d, %s, status %d\n", W,
         Info.si_code == CLD_EXITED ? "exited" : "?", Info.si_status);
  char *Seven[] = {"sh", "-c", "exit 7", NULL};
  pid_t Home;
  posix_spawn(&Home, "/bin/sh", NULL, NULL, Seven, environ);
  R = wait4(Home, &Status, 0, &Usage);
  printf("wait4 of a child made at home: %d, exit status %d\n", R == Home,
         WIFEXITED(Status) ? WEXITSTATUS(Status) : -1);
  posix_spawn(&Home, "/bin/sh", NULL, NULL, Seven, environ);
  memset(&Info, 0, sizeof Info);
  W = waitid(P_PID, (id_t)Home, &Info, WEXITED);
  printf("waitid of a child made at home: %d, status %d\n", W, Info.si_status);
  // A child the thread makes at home, after its forks: its node ends
  // cleanly after (it crashed in MPI_Finalize, on a library the loader had
  // recorded in the shared heap during the first fork).
  pid_t G;
  posix_spawn(&G, "/bin/sh", NULL, NULL, Argv, environ);
  R = waitpid(G, &Status, 0);
  printf("waitpid of a child made at home: %d, exit status %d\n", R == G,
         WIFEXITED(Status) ? WEXITSTATUS(Status) : -1);
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(void) {
  posix_spawn(&HomeChild, "/bin/sh", NULL, NULL, Argv, environ);
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, forker, NULL);
  pthread_join(T, NULL);
  return 0;
}
