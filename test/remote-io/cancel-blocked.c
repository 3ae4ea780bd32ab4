// pthread_cancel of threads blocked in calls carried out at home: the
// shadow's call is interrupted (SIGURG, threads::kickCancelledCall), ends
// with no effect, and the thread acts on the cancellation as it returns.
// Before, the thread acted only once the call returned by itself: a read
// of an empty pipe, a pause or a waitpid of a child that never ends held
// main's join for ever.
//
// Each kind runs on home (native) and both agents (spread), blocked at
// once, cancelled and joined one after another: read, poll, ppoll, select
// and pselect of an empty pipe, write to a full one, waitpid and waitid
// of a child that sleeps, pause, sigsuspend, sigwait and sigtimedwait of
// a blocked signal, open of a FIFO no one writes. Every join answers
// PTHREAD_CANCELED after its cleanup handler ran, and no call returned to
// its thread (it acts as the call ends, not at a later point).
//  - A thread blocked in a read with cancellation disabled is not
//    interrupted: it reads the byte main writes later, then enables
//    cancellation and acts on it.
//  - A thread cancelled while it computes acts at pthread_testcancel; its
//    cleanup handler's write then goes through (home's mark of the
//    cancellation must not end it).
//  - Threads cancelled just as they write to a stream main opened and then
//    read an empty pipe: the lines they wrote are in the file (the held
//    output sent before the read is not the call the cancellation ends).
//
// RUN: rm -f %t.fifo && mkfifo %t.fifo
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.fifo %t.plain.log > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.fifo %t.three.log > %t.three.out 2> %t.three.err
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
// CHECK-NEXT: computing: thread 0 canceled yes, cleaned yes, its write 3, the pipe has "bye"{{$}}
// CHECK-NEXT: computing: thread 1 canceled yes, cleaned yes, its write 3, the pipe has "bye"{{$}}
// CHECK-NEXT: computing: thread 2 canceled yes, cleaned yes, its write 3, the pipe has "bye"{{$}}
// CHECK-NEXT: held output: 20 rounds, every join canceled yes, the lines in the file 40 40 40
// STATS-NOT: warning
// STATS: cancel-blocked.c:{{[0-9]+}} (startAll) pthread_create 105 {{.*}}node 1: 35, node 2: 35
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { Threads = 3, HeldRounds = 20 };
enum Kind {
  Read,
  Poll,
  Ppoll,
  Select,
  Pselect,
  Write,
  Waitpid,
  Waitid,
  Pause,
  Sigsuspend,
  Sigwait,
  Sigtimedwait,
  OpenFifo,
  Disabled,
  Computing,
  Held,
};
static const char *const Names[] = {
    "read",    "poll",       "ppoll",  "select",       "pselect",
    "write",   "waitpid",    "waitid", "pause",        "sigsuspend",
    "sigwait", "sigtimedwait", "open of a FIFO", "disabled", "computing",
    "held output"};

static enum Kind Blocking;
static int Pipes[Threads][2];
static pid_t Child;
static const char *Fifo;
static FILE *Log;
static atomic_int Ready, Go;
static int Cleaned[Threads], BytesRead[Threads], Returned[Threads];
static long Wrote[Threads];

static void clean(void *P) {
  long Id = (long)P;
  Cleaned[Id] = 1;
  if (Blocking == Computing)
    Wrote[Id] = write(Pipes[Id][1], "bye", 3);
}

static void *block(void *P) {
  long Id = (long)P;
  char Byte;
  sigset_t Usr1;
  sigemptyset(&Usr1);
  sigaddset(&Usr1, SIGUSR1);
  pthread_cleanup_push(clean, P);
  if (Blocking == Disabled)
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
  atomic_fetch_add(&Ready, 1);
  switch (Blocking) {
  case Read:
    read(Pipes[Id][0], &Byte, 1);
    break;
  case Poll:
  case Ppoll: {
    struct pollfd Fd = {Pipes[Id][0], POLLIN, 0};
    if (Blocking == Poll)
      poll(&Fd, 1, -1);
    else
      ppoll(&Fd, 1, NULL, NULL);
    break;
  }
  case Select:
  case Pselect: {
    fd_set Set;
    FD_ZERO(&Set);
    FD_SET(Pipes[Id][0], &Set);
    if (Blocking == Select)
      select(Pipes[Id][0] + 1, &Set, NULL, NULL, NULL);
    else
      pselect(Pipes[Id][0] + 1, &Set, NULL, NULL, NULL, NULL);
    break;
  }
  case Write: {
    static char Big[1 << 16];
    for (;;) // until the pipe is full and the write waits
      write(Pipes[Id][1], Big, sizeof Big);
  }
  case Waitpid:
    waitpid(Child, NULL, 0);
    break;
  case Waitid: {
    siginfo_t Info;
    waitid(P_PID, (id_t)Child, &Info, WEXITED);
    break;
  }
  case Pause:
    pause();
    break;
  case Sigsuspend:
    sigsuspend(&Usr1);
    break;
  case Sigwait: {
    int Got;
    sigwait(&Usr1, &Got);
    break;
  }
  case Sigtimedwait:
    sigtimedwait(&Usr1, NULL, NULL);
    break;
  case OpenFifo:
    open(Fifo, O_RDONLY);
    break;
  case Disabled:
    BytesRead[Id] = (int)read(Pipes[Id][0], &Byte, 1);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    pthread_testcancel();
    break;
  case Computing:
    for (volatile unsigned long I = 0;; ++I)
      if (I % 1024 == 0)
        pthread_testcancel();
  case Held:
    while (!atomic_load(&Go))
      ;
    fprintf(Log, "thread %ld\n", Id); // the first goes home at once,
    fprintf(Log, "thread %ld\n", Id); // the second is held until the read
    read(Pipes[Id][0], &Byte, 1);
    break;
  }
  Returned[Id] = 1; // no cancellation point since the call
  printf("%s: thread %ld was not canceled\n", Names[Blocking], Id);
  pthread_cleanup_pop(0);
  return NULL;
}

// Threads 0, 1 and 2: home, node 1, node 2 under spread.
static void startAll(enum Kind K, pthread_t *T) {
  Blocking = K;
  atomic_store(&Ready, 0);
  atomic_store(&Go, 0);
  for (long I = 0; I < Threads; ++I) {
    Cleaned[I] = Returned[I] = 0;
    pipe(Pipes[I]);
    pthread_create(&T[I], NULL, block, (void *)I);
  }
  while (atomic_load(&Ready) < Threads)
    usleep(1000);
}

static void closePipes(void) {
  for (int I = 0; I < Threads; ++I) {
    close(Pipes[I][0]);
    close(Pipes[I][1]);
  }
}

// Each thread is cancelled in turn once all have had the time to block.
static void blockAll(enum Kind K) {
  pthread_t T[Threads];
  startAll(K, T);
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
    printf("canceled %s, cleaned %s", Result == PTHREAD_CANCELED ? "yes" : "no",
           Cleaned[I] ? "yes" : "no");
    if (K == Computing) {
      char Buf[8] = {0};
      fcntl(Pipes[I][0], F_SETFL, O_NONBLOCK);
      read(Pipes[I][0], Buf, sizeof Buf - 1);
      printf(", its write %ld, the pipe has \"%s\"", Wrote[I], Buf);
    }
    printf("%s\n", Returned[I] ? ", but its call returned" : "");
  }
  closePipes();
}

// Rounds of threads cancelled as they write to Log and go to read.
static void heldRounds(const char *LogPath) {
  int Canceled = 0;
  for (int R = 0; R < HeldRounds; ++R) {
    pthread_t T[Threads];
    startAll(Held, T);
    for (int I = 0; I < Threads; ++I)
      pthread_cancel(T[I]);
    atomic_store(&Go, 1);
    for (int I = 0; I < Threads; ++I) {
      void *Result;
      pthread_join(T[I], &Result);
      Canceled += Result == PTHREAD_CANCELED;
    }
    closePipes();
  }
  fclose(Log);
  int Lines[Threads] = {0};
  FILE *In = fopen(LogPath, "r");
  long Id;
  while (fscanf(In, "thread %ld\n", &Id) == 1)
    if (Id >= 0 && Id < Threads)
      ++Lines[Id];
  fclose(In);
  printf("held output: %d rounds, every join canceled %s, the lines in the "
         "file %d %d %d\n",
         HeldRounds, Canceled == HeldRounds * Threads ? "yes" : "no", Lines[0],
         Lines[1], Lines[2]);
}

int main(int Argc, char **Argv) {
  if (Argc != 3) {
    fprintf(stderr, "usage: %s FIFO LOG\n", Argv[0]);
    return 2;
  }
  Fifo = Argv[1];
  Log = fopen(Argv[2], "w");
  setvbuf(stdout, NULL, _IOLBF, 0);
  sigset_t Usr1;
  sigemptyset(&Usr1);
  sigaddset(&Usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &Usr1, NULL); // for sigwait, in every thread

  blockAll(Read);
  blockAll(Poll);
  blockAll(Ppoll);
  blockAll(Select);
  blockAll(Pselect);
  blockAll(Write);
  char *Sleep[] = {"sleep", "60", NULL};
  posix_spawnp(&Child, "sleep", NULL, NULL, Sleep, NULL);
  blockAll(Waitpid);
  blockAll(Waitid);
  kill(Child, SIGKILL);
  waitpid(Child, NULL, 0);
  blockAll(Pause);
  blockAll(Sigsuspend);
  blockAll(Sigwait);
  blockAll(Sigtimedwait);
  blockAll(OpenFifo);
  blockAll(Disabled);
  blockAll(Computing);
  heldRounds(Argv[2]);
  return 0;
}
