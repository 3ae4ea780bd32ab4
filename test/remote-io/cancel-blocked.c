// pthread_cancel of threads blocked in calls carried out at home: the
// shadow's call is interrupted (SIGURG, threads::kickCancelledCall), ends
// with no effect, and the thread acts on the cancellation as it returns.
// Before, the thread acted only once the call returned by itself: a read
// of an empty pipe, a pause or a waitpid of a child that never ends held
// main's join for ever.
//
// Each kind runs on home (native) and both agents (spread), blocked at
// once, cancelled and joined one after another: read, poll and select of
// an empty pipe, waitpid of a child that sleeps, pause, sigwait of a
// blocked signal, open of a FIFO no one writes. Every join answers
// PTHREAD_CANCELED after its cleanup handler ran, and no call returned
// to the thread (the thread acts as the call ends, not at a later point). A thread blocked in a
// read with cancellation disabled is not interrupted: it reads the byte
// main writes later, then enables cancellation and acts on it.
//
// RUN: rm -f %t.fifo && mkfifo %t.fifo
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.fifo > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.fifo > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK:      read: thread 0 canceled yes, cleaned yes{{$}}
// CHECK-NEXT: read: thread 1 canceled yes, cleaned yes{{$}}
// CHECK-NEXT: read: thread 2 canceled yes, cleaned yes{{$}}
// CHECK:      open of a FIFO: thread 2 canceled yes, cleaned yes{{$}}
// CHECK-NEXT: disabled: thread 0 read 1 byte(s), then canceled yes, cleaned yes{{$}}
// CHECK-NEXT: disabled: thread 1 read 1 byte(s), then canceled yes, cleaned yes{{$}}
// CHECK-NEXT: disabled: thread 2 read 1 byte(s), then canceled yes, cleaned yes{{$}}
// STATS-NOT: warning
// STATS: cancel-blocked.c:{{[0-9]+}} (blockAll) pthread_create 24 {{.*}}node 1: 8, node 2: 8
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { Threads = 3 };
enum Kind { Read, Poll, Select, Waitpid, Pause, Sigwait, OpenFifo, Disabled };
static const char *const Names[] = {"read",  "poll",    "select",
                                    "waitpid", "pause", "sigwait",
                                    "open of a FIFO", "disabled"};

static enum Kind Blocking;
static int Pipes[Threads][2];
static pid_t Child;
static const char *Fifo;
static atomic_int Ready;
static int Cleaned[Threads], BytesRead[Threads], Returned[Threads];

static void clean(void *Id) { Cleaned[(long)Id] = 1; }

static void *block(void *P) {
  long Id = (long)P;
  char Byte;
  pthread_cleanup_push(clean, P);
  if (Blocking == Disabled)
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
  atomic_fetch_add(&Ready, 1);
  switch (Blocking) {
  case Read:
    read(Pipes[Id][0], &Byte, 1);
    break;
  case Poll: {
    struct pollfd Fd = {Pipes[Id][0], POLLIN, 0};
    poll(&Fd, 1, -1);
    break;
  }
  case Select: {
    fd_set Set;
    FD_ZERO(&Set);
    FD_SET(Pipes[Id][0], &Set);
    select(Pipes[Id][0] + 1, &Set, NULL, NULL, NULL);
    break;
  }
  case Waitpid:
    waitpid(Child, NULL, 0);
    break;
  case Pause:
    pause();
    break;
  case Sigwait: {
    sigset_t Set;
    int Got;
    sigemptyset(&Set);
    sigaddset(&Set, SIGUSR1);
    sigwait(&Set, &Got);
    break;
  }
  case OpenFifo:
    open(Fifo, O_RDONLY);
    break;
  case Disabled:
    BytesRead[Id] = (int)read(Pipes[Id][0], &Byte, 1);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    pthread_testcancel();
    break;
  }
  Returned[Id] = 1; // no cancellation point since the call
  printf("%s: thread %ld was not canceled\n", Names[Blocking], Id);
  pthread_cleanup_pop(0);
  return NULL;
}

// Threads 0, 1 and 2 (home, node 1, node 2) block; each is cancelled in
// turn once all have had the time to block.
static void blockAll(enum Kind K) {
  pthread_t T[Threads];
  Blocking = K;
  atomic_store(&Ready, 0);
  for (long I = 0; I < Threads; ++I) {
    Cleaned[I] = Returned[I] = 0;
    pipe(Pipes[I]);
    pthread_create(&T[I], NULL, block, (void *)I);
  }
  while (atomic_load(&Ready) < Threads)
    usleep(1000);
  usleep(200000); // into their calls
  for (int I = 0; I < Threads; ++I) {
    pthread_cancel(T[I]);
    if (K == Disabled) {
      usleep(100000); // still blocked: nothing ends the read
      write(Pipes[I][1], "x", 1);
    }
    void *Result;
    pthread_join(T[I], &Result);
    printf("%s: thread %d ", Names[K], I);
    if (K == Disabled)
      printf("read %d byte(s), then ", BytesRead[I]);
    printf("canceled %s, cleaned %s%s\n",
           Result == PTHREAD_CANCELED ? "yes" : "no", Cleaned[I] ? "yes" : "no",
           Returned[I] ? ", but its call returned" : "");
    close(Pipes[I][0]);
    close(Pipes[I][1]);
  }
}

int main(int Argc, char **Argv) {
  if (Argc != 2) {
    fprintf(stderr, "usage: %s FIFO\n", Argv[0]);
    return 2;
  }
  Fifo = Argv[1];
  setvbuf(stdout, NULL, _IOLBF, 0);
  sigset_t Usr1;
  sigemptyset(&Usr1);
  sigaddset(&Usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &Usr1, NULL); // for sigwait, in every thread

  blockAll(Read);
  blockAll(Poll);
  blockAll(Select);
  char *Sleep[] = {"sleep", "60", NULL};
  posix_spawnp(&Child, "sleep", NULL, NULL, Sleep, NULL);
  blockAll(Waitpid);
  kill(Child, SIGKILL);
  waitpid(Child, NULL, 0);
  blockAll(Pause);
  blockAll(Sigwait);
  blockAll(OpenFifo);
  blockAll(Disabled);
  return 0;
}
