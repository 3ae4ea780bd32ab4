// A program's own SIGSEGV and SIGBUS handler, installed after start, is
// chained behind the DSM's (api/Signals.cpp) instead of replacing it: the
// program's faults (a read of address 0x10) reach its handler, which
// recovers with siglongjmp, and faults on shared pages still reach the DSM,
// at home and on the agents, whichever signal they raise (SIGBUS under
// userfaultfd, the default; SIGSEGV under GRID_DSM_FAULTS=signal).
// sigaction reports the program's handler, never the DSM's.
//
// Each thread installs the handler too, first thing: on an agent that is
// the process's first install there, before the thread's first read of
// shared memory (the global table). main reads the threads' stacks (homed
// on their agents) after its own install. Without the chaining, the first
// of these reads reaches the program's handler, which finds no recovery
// armed and ends the program.
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
// CHECK: sigsegv-handler.c:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define THREADS 6
#define N 3000 // several pages
#define LOCAL 2048

static long Table[N]; // filled by main, read by the threads
static long *Locals[THREADS]; // each thread's stack array, read by main
static pthread_barrier_t Filled, Read;

static __thread sigjmp_buf Recover;
static __thread volatile sig_atomic_t Armed;

static void onSegv(int Sig, siginfo_t *Info, void *Context) {
  (void)Sig;
  (void)Context;
  if (!Armed || Info->si_addr != (void *)0x10) {
    static const char Text[] = "unexpected SIGSEGV: the program's handler got "
                               "a fault that was not its own\n";
    ssize_t Written = write(2, Text, sizeof Text - 1);
    (void)Written;
    _exit(3);
  }
  Armed = 0;
  siglongjmp(Recover, 1);
}

static void install(void) {
  struct sigaction A;
  memset(&A, 0, sizeof A);
  A.sa_sigaction = onSegv;
  A.sa_flags = SA_SIGINFO;
  sigemptyset(&A.sa_mask);
  if (sigaction(SIGSEGV, &A, NULL) != 0 || sigaction(SIGBUS, &A, NULL) != 0)
    perror("sigaction");
}

// The handler sigaction reports, for both signals, is the program's.
static int handlerIsOurs(void) {
  struct sigaction Segv, Bus;
  if (sigaction(SIGSEGV, NULL, &Segv) != 0 || sigaction(SIGBUS, NULL, &Bus))
    return 0;
  return (Segv.sa_flags & SA_SIGINFO) && Segv.sa_sigaction == onSegv &&
         (Bus.sa_flags & SA_SIGINFO) && Bus.sa_sigaction == onSegv;
}

// Reads address 0x10; 1 if the handler got the fault and jumped back.
static int faultAndRecover(void) {
  if (sigsetjmp(Recover, 1) == 0) {
    Armed = 1;
    volatile int *Bad = (volatile int *)0x10;
    int V = *Bad;
    (void)V;
    Armed = 0;
    return 0;
  }
  return 1;
}

static void *work(void *P) {
  install();
  long Index = (long)P;
  long Sum = 0;
  for (long I = 0; I < N / 2; ++I)
    Sum += Table[I] * (Index + 1);
  int Recovered = faultAndRecover();
  // Shared memory still faults in through the DSM after the program's
  // fault: the second half of the table was never read here.
  for (long I = N / 2; I < N; ++I)
    Sum += Table[I];
  long Local[LOCAL];
  for (long I = 0; I < LOCAL; ++I)
    Local[I] = I * (Index + 1);
  Locals[Index] = Local;
  pthread_barrier_wait(&Filled);
  pthread_barrier_wait(&Read); // main has read Local
  return (void *)(Sum * 10 + Recovered * 2 + handlerIsOurs());
}

int main(void) {
  install();
  printf("main: handler reported: %s\n", handlerIsOurs() ? "ours" : "not ours");
  printf("main: recovered from a fault at 0x10: %s\n",
         faultAndRecover() ? "yes" : "no");
  printf("main: again: %s\n", faultAndRecover() ? "yes" : "no");

  for (long I = 0; I < N; ++I)
    Table[I] = I % 97;
  pthread_barrier_init(&Filled, NULL, THREADS + 1);
  pthread_barrier_init(&Read, NULL, THREADS + 1);
  pthread_t T[THREADS];
  for (long I = 0; I < THREADS; ++I)
    pthread_create(&T[I], NULL, work, (void *)I);
  pthread_barrier_wait(&Filled);
  for (int I = 0; I < THREADS; ++I) {
    long Sum = 0;
    for (long J = 0; J < LOCAL; ++J)
      Sum += Locals[I][J];
    printf("thread %d: its stack array sums to %ld\n", I, Sum);
  }
  pthread_barrier_wait(&Read);
  for (int I = 0; I < THREADS; ++I) {
    void *R;
    pthread_join(T[I], &R);
    long V = (long)R;
    int Recovered = (int)(V % 10) / 2, Ours = (int)(V % 10) % 2;
    printf("thread %d: sum %ld, recovered %s, handler reported %s\n", I,
           V / 10, Recovered ? "yes" : "no", Ours ? "ours" : "not ours");
  }
  printf("main: recovered after the threads: %s\n",
         faultAndRecover() ? "yes" : "no");
  printf("main: handler reported: %s\n", handlerIsOurs() ? "ours" : "not ours");
  return 0;
}
