// The handlers main installs for a thread's own faults reach its threads on
// other nodes: each thread start carries home's SIGSEGV, SIGBUS, SIGFPE and
// SIGILL actions to the thread's node (docs/design/dsm.md, signal
// handlers). Only main installs them, before creating the threads; each
// thread then reads address 0x10 and divides by zero, and recovers from both
// with siglongjmp in the program's handlers, and sigaction reports the
// program's handlers there. Without the actions travelling, a thread on an
// agent would reach the agent's own action (Open MPI's, or the default) and
// the job would end.
//
// Each thread also forks a child that divides by zero: the child keeps the
// program's handler (its exit status says which caught it), as it would at
// home, rather than the defaults a remote thread's child otherwise gets.
//
// Then main installs another SIGFPE handler: threads created after it get
// the new one. The same runs again with pages moved by signals.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// RUN: %mpirun3t -x GRID_DSM_FAULTS=signal %t.fgrid > %t.signal.out 2> %t.signal.err
// RUN: diff %t.plain.out %t.signal.out
// RUN: FileCheck %s < %t.signal.err
//
// CHECK-NOT: warning
// CHECK: handlers-travel.c:{{[0-9]+}} (run) pthread_create 9 {{.*}}node 1: 3, node 2: 3
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 6

static __thread sigjmp_buf Recover;
static __thread volatile sig_atomic_t Armed;
static volatile int Zero = 0;

static void unexpected(void) {
  static const char Text[] = "unexpected signal: the handler got a fault "
                             "that was not the program's own\n";
  ssize_t Written = write(2, Text, sizeof Text - 1);
  (void)Written;
  _exit(3);
}

static void onSegv(int Sig, siginfo_t *Info, void *Context) {
  (void)Context;
  if (!Armed || Sig != SIGSEGV || Info->si_addr != (void *)0x10)
    unexpected();
  Armed = 0;
  siglongjmp(Recover, 1);
}

static void onFpe(int Sig) {
  if (!Armed || Sig != SIGFPE)
    unexpected();
  Armed = 0;
  siglongjmp(Recover, 2);
}

static void onFpeAgain(int Sig) {
  if (!Armed || Sig != SIGFPE)
    unexpected();
  Armed = 0;
  siglongjmp(Recover, 3);
}

static void installFpe(void (*Handler)(int)) {
  struct sigaction A;
  memset(&A, 0, sizeof A);
  A.sa_handler = Handler;
  sigemptyset(&A.sa_mask);
  if (sigaction(SIGFPE, &A, NULL) != 0)
    perror("sigaction");
}

static void install(void) {
  struct sigaction A;
  memset(&A, 0, sizeof A);
  A.sa_sigaction = onSegv;
  A.sa_flags = SA_SIGINFO;
  sigemptyset(&A.sa_mask);
  if (sigaction(SIGSEGV, &A, NULL) != 0)
    perror("sigaction");
  installFpe(onFpe);
}

// What the handler that caught a read of 0x10 said (1: onSegv), or 0.
static int readBadAddress(void) {
  int Caught = sigsetjmp(Recover, 1);
  if (Caught == 0) {
    Armed = 1;
    volatile int *Bad = (volatile int *)0x10;
    int V = *Bad;
    (void)V;
    Armed = 0;
  }
  return Caught;
}

// What the handler that caught a division by zero said (2: onFpe, 3:
// onFpeAgain), or 0.
static int divideByZero(void) {
  int Caught = sigsetjmp(Recover, 1);
  if (Caught == 0) {
    Armed = 1;
    volatile int Q = 7 / Zero;
    (void)Q;
    Armed = 0;
  }
  return Caught;
}

static void *work(void *P) {
  (void)P;
  struct sigaction Segv, Fpe;
  int Reported = sigaction(SIGSEGV, NULL, &Segv) == 0 &&
                 sigaction(SIGFPE, NULL, &Fpe) == 0 &&
                 Segv.sa_sigaction == onSegv &&
                 (Fpe.sa_handler == onFpe || Fpe.sa_handler == onFpeAgain);
  int Segv1 = readBadAddress();
  int Fpe1 = divideByZero();
  int Segv2 = readBadAddress(); // a second time: the handler stays
  int Child = 0;
  pid_t Pid = fork();
  if (Pid == 0)
    _exit(divideByZero());
  int Status;
  if (Pid > 0 && waitpid(Pid, &Status, 0) == Pid)
    Child = WIFEXITED(Status)     ? WEXITSTATUS(Status)
            : WIFSIGNALED(Status) ? 10 + WTERMSIG(Status)
                                  : 9;
  return (void *)(long)(Child * 10000 + Reported * 1000 + Segv1 * 100 +
                        Fpe1 * 10 + Segv2);
}

static void run(int Count) {
  pthread_t T[THREADS];
  for (long I = 0; I < Count; ++I)
    pthread_create(&T[I], NULL, work, NULL);
  for (int I = 0; I < Count; ++I) {
    void *R;
    pthread_join(T[I], &R);
    long V = (long)R;
    printf("thread %d: handlers reported %s, read of 0x10 caught by %ld, "
           "division by zero by %ld, read again by %ld; its child's "
           "division by zero by %ld\n",
           I, V / 1000 % 10 ? "the program's" : "others", V / 100 % 10,
           V / 10 % 10, V % 10, V / 10000);
  }
}

int main(void) {
  install();
  printf("main: read of 0x10 caught by %d, division by zero by %d\n",
         readBadAddress(), divideByZero());
  run(THREADS);
  installFpe(onFpeAgain);
  run(3);
  return 0;
}
