// poll and ppoll in a library built by GCC with _FORTIFY_SOURCE call glibc's
// __poll_chk and __ppoll_chk (clang's fortified headers call poll and
// ppoll themselves): a thread on another node still waits at home, on a
// pipe main made at a number the agent does not have, while main writes.
//
// RUN: gcc -DLIBRARY -O2 -D_FORTIFY_SOURCE=2 -shared -fPIC %s -o %t.so
// RUN: nm -D %t.so | FileCheck %s --check-prefix=SYMS
// RUN: %clang %s %t.so -o %t.plain
// RUN: %grid-clang -fgrid -g %s %t.so -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// SYMS-DAG: U __poll_chk
// SYMS-DAG: U __ppoll_chk
// CHECK: __poll_chk: 1 ready, revents POLLIN, read: x
// CHECK-NEXT: __ppoll_chk: 1 ready, revents POLLIN, read: y
// CHECK-NEXT: empty: 0 0
// STATS: fortified.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#define _GNU_SOURCE
#include <poll.h>
#include <stddef.h>

int libraryPoll(int Fd, nfds_t Count, int Timeout, short *Revents);
int libraryPpoll(int Fd, nfds_t Count, const struct timespec *Timeout,
                 short *Revents);

#ifdef LIBRARY
int libraryPoll(int Fd, nfds_t Count, int Timeout, short *Revents) {
  struct pollfd Wait[1] = {{Fd, POLLIN, 0}};
  int Ready = poll(Wait, Count, Timeout);
  *Revents = Wait[0].revents;
  return Ready;
}

int libraryPpoll(int Fd, nfds_t Count, const struct timespec *Timeout,
                 short *Revents) {
  struct pollfd Wait[1] = {{Fd, POLLIN, 0}};
  int Ready = ppoll(Wait, Count, Timeout, NULL);
  *Revents = Wait[0].revents;
  return Ready;
}
#else
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

enum { PipeIn = 210, PipeOut = 211, Empty = 212 };

static void *work(void *P) {
  (void)P;
  short Revents = 0;
  char C = 0;
  int Ready = libraryPoll(PipeIn, 1, 10000, &Revents); // main writes at 100 ms
  if (read(PipeIn, &C, 1) != 1)
    C = '?';
  printf("__poll_chk: %d ready, revents %s, read: %c\n", Ready,
         Revents == POLLIN ? "POLLIN" : "other", C);
  struct timespec Long = {10, 0}, Short = {0, 1000000};
  Ready = libraryPpoll(PipeIn, 1, &Long, &Revents);
  if (read(PipeIn, &C, 1) != 1)
    C = '?';
  printf("__ppoll_chk: %d ready, revents %s, read: %c\n", Ready,
         Revents == POLLIN ? "POLLIN" : "other", C);
  int A = libraryPoll(Empty, 1, 1, &Revents);
  int B = libraryPpoll(Empty, 1, &Short, &Revents);
  printf("empty: %d %d\n", A, B);
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(void) {
  int Ends[2], Others[2];
  if (pipe(Ends) != 0 || pipe(Others) != 0 || dup2(Ends[0], PipeIn) < 0 ||
      dup2(Ends[1], PipeOut) < 0 || dup2(Others[0], Empty) < 0)
    return 2;
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, work, NULL);
  usleep(100000);
  if (write(PipeOut, "x", 1) != 1)
    return 3;
  usleep(200000);
  if (write(PipeOut, "y", 1) != 1)
    return 3;
  pthread_join(T, NULL);
  return 0;
}
#endif
