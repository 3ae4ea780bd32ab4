// The C library's own messages on stderr (perror, psignal, herror, warn,
// warnx, error, error_at_line with error_one_per_line, backtrace_symbols_fd)
// from threads at home and on the two agents, one thread after another:
// each reaches home's stderr worded as the C library words it and in its
// place among the thread's fprintf lines, as the plain build writes them
// without mpirun, and error_message_count counts them at home.
// Then a child that a thread forks (at home, then on node 1) writes to
// stdout, and the thread prints after waitpid: the child's line comes
// first, as in the plain build's output; once more on node 2 with stdout
// locked (flockfile) from before the fork to after the line. Then err on node 1
// ends the program with its status, and a failed assert on node 1 aborts
// it with its message (mpirun's status 134, SIGABRT's, as the shell's). The runtime's own lines (grid: ..., the statistics
// and any warning) are left out of the order checked.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out 2> %t.plain.err
// RUN: FileCheck %s < %t.plain.err
// RUN: FileCheck %s --check-prefix=OUT < %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.out 2> %t.err
// RUN: grep -v '^grid:' %t.err > %t.err.own
// RUN: FileCheck %s < %t.err.own
// RUN: diff %t.plain.out %t.out
// RUN: FileCheck %s --check-prefix=STATS < %t.err
// RUN: sh -c '%t.plain err > /dev/null 2> %t.plain.err-run; test $? -eq 3'
// RUN: FileCheck %s --check-prefix=ERR < %t.plain.err-run
// RUN: sh -c '%mpirun3t %t.fgrid err > /dev/null 2> %t.err-run; test $? -eq 3'
// RUN: FileCheck %s --check-prefix=ERR < %t.err-run
// RUN: not --crash %t.plain assert > /dev/null 2> %t.plain.assert
// RUN: FileCheck %s --check-prefix=ASSERT < %t.plain.assert
// RUN: sh -c '%mpirun3t %t.fgrid assert > /dev/null 2> %t.assert; test $? -eq 134'
// RUN: FileCheck %s --check-prefix=ASSERT < %t.assert
//
// CHECK: thread 0: before
// CHECK-NEXT: perror: No such file or directory
// CHECK-NEXT: thread 0: after perror
// CHECK-NEXT: psignal: Terminated
// CHECK-NEXT: psignal: Unknown signal 99
// CHECK-NEXT: herror: Unknown host
// CHECK-NEXT: {{^}}messages.c.tmp.{{(plain|fgrid)}}: warn 0: Permission denied
// CHECK-NEXT: {{^}}messages.c.tmp.{{(plain|fgrid)}}: warnx 0
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}: error 0: Bad file descriptor
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}:file.c:42: error_at_line 0
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}:other.c:42: error_at_line 0, another file
// CHECK-NEXT: thread 0: 2 frames
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}(+0x{{[0-9a-f]+}})[0x{{[0-9a-f]+}}]{{$}}
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}(+0x{{[0-9a-f]+}})[0x{{[0-9a-f]+}}]{{$}}
// CHECK-NEXT: thread 0: end
// CHECK: thread 1: before
// CHECK-NEXT: perror: No such file or directory
// CHECK-NEXT: thread 1: after perror
// CHECK-NEXT: psignal: Terminated
// CHECK-NEXT: psignal: Unknown signal 99
// CHECK-NEXT: herror: Unknown host
// CHECK-NEXT: {{^}}messages.c.tmp.{{(plain|fgrid)}}: warn 1: Permission denied
// CHECK-NEXT: {{^}}messages.c.tmp.{{(plain|fgrid)}}: warnx 1
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}: error 1: Bad file descriptor
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}:file.c:43: error_at_line 1
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}:other.c:43: error_at_line 1, another file
// CHECK-NEXT: thread 1: 2 frames
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}(+0x{{[0-9a-f]+}})[0x{{[0-9a-f]+}}]{{$}}
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}(+0x{{[0-9a-f]+}})[0x{{[0-9a-f]+}}]{{$}}
// CHECK-NEXT: thread 1: end
// CHECK: thread 2: before
// CHECK-NEXT: perror: No such file or directory
// CHECK-NEXT: thread 2: after perror
// CHECK-NEXT: psignal: Terminated
// CHECK-NEXT: psignal: Unknown signal 99
// CHECK-NEXT: herror: Unknown host
// CHECK-NEXT: {{^}}messages.c.tmp.{{(plain|fgrid)}}: warn 2: Permission denied
// CHECK-NEXT: {{^}}messages.c.tmp.{{(plain|fgrid)}}: warnx 2
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}: error 2: Bad file descriptor
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}:file.c:44: error_at_line 2
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}:other.c:44: error_at_line 2, another file
// CHECK-NEXT: thread 2: 2 frames
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}(+0x{{[0-9a-f]+}})[0x{{[0-9a-f]+}}]{{$}}
// CHECK-NEXT: {{^/.*}}/messages.c.tmp.{{(plain|fgrid)}}(+0x{{[0-9a-f]+}})[0x{{[0-9a-f]+}}]{{$}}
// CHECK-NEXT: thread 2: end
// CHECK: errors counted: 9
//
// OUT: the child of thread 0 (0), line 0
// OUT: the child of thread 0 (0), line 499
// OUT-NEXT: thread 0 waited for its child (0)
// OUT: the child of thread 1 (19), line 499
// OUT-NEXT: thread 1 waited for its child (19)
// OUT-NEXT: the child of a thread holding stdout
// OUT-NEXT: thread 2, holding stdout, waited for its child
//
// STATS: messages.c:{{[0-9]+}} (run) pthread_create 6 {{.*}}node 1: 2, node 2: 2
// ERR: {{^}}messages.c.tmp.{{(plain|fgrid)}}: err 1: Is a directory
// ASSERT: {{^}}messages.c.tmp.{{(plain|fgrid)}}: {{/.*}}/messages.c:{{[0-9]+}}: {{.*}}speak{{.*}}: Assertion `Id == -1' failed.
#include <assert.h>
#include <err.h>
#include <errno.h>
#include <error.h>
#include <execinfo.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *Mode = "";

static void *speak(void *P) {
  long Id = (long)P;
  if (*Mode && Id == 0)
    return NULL; // home's turn: err and assert are node 1's
  if (!strcmp(Mode, "err")) {
    errno = EISDIR;
    err(3, "err %ld", Id);
  }
  if (!strcmp(Mode, "assert"))
    assert(Id == -1);
  fprintf(stderr, "thread %ld: before\n", Id);
  errno = ENOENT;
  perror("perror");
  fprintf(stderr, "thread %ld: after perror\n", Id);
  psignal(SIGTERM, "psignal");
  psignal(99, "psignal");
  h_errno = HOST_NOT_FOUND;
  herror("herror");
  errno = EACCES;
  warn("warn %ld", Id);
  warnx("warnx %ld", Id);
  error(0, EBADF, "error %ld", Id);
  // main set error_one_per_line: the second and third are kept back, and
  // the third does not exit; another file on the same line is written.
  error_at_line(0, 0, "file.c", 42 + (unsigned)Id, "error_at_line %ld", Id);
  error_at_line(0, 0, "file.c", 42 + (unsigned)Id, "kept back %ld", Id);
  error_at_line(5, 0, "file.c", 42 + (unsigned)Id, "no exit %ld", Id);
  error_at_line(0, 0, "other.c", 42 + (unsigned)Id,
                "error_at_line %ld, another file", Id);
  void *Frames[2] = {(void *)speak, (void *)speak};
  fprintf(stderr, "thread %ld: 2 frames\n", Id);
  backtrace_symbols_fd(Frames, 2, 2);
  fprintf(stderr, "thread %ld: end\n", Id);
  return NULL;
}

// A child of the thread writes to stdout; the thread prints once it has
// waited for it. Twenty times, 500 lines each: a line out of place shows
// in most runs.
static void *forker(void *P) {
  long Id = (long)P;
  for (int Round = 0; Round < 20; ++Round) {
    char Lines[500 * 64]; // on the stack: the child holds the copy
    size_t Bytes = 0;
    for (int I = 0; I < 500; ++I)
      Bytes += (size_t)snprintf(Lines + Bytes, sizeof Lines - Bytes,
                                "the child of thread %ld (%d), line %d\n", Id,
                                Round, I);
    fflush(stdout);
    pid_t Child = fork();
    if (Child == 0) {
      write(1, Lines, Bytes);
      _exit(0);
    }
    int Status;
    waitpid(Child, &Status, 0);
    printf("thread %ld waited for its child (%d)\n", Id, Round);
    fflush(stdout);
  }
  return NULL;
}

// The same with stdout locked around it (flockfile): the child's lines
// still come first, and nothing waits for the lock the thread holds.
static void *lockedForker(void *P) {
  long Id = (long)P;
  fflush(stdout);
  flockfile(stdout);
  pid_t Child = fork();
  if (Child == 0) {
    static const char Line[] = "the child of a thread holding stdout\n";
    write(1, Line, sizeof Line - 1);
    _exit(0);
  }
  int Status;
  waitpid(Child, &Status, 0);
  printf("thread %ld, holding stdout, waited for its child\n", Id);
  funlockfile(stdout);
  fflush(stdout);
  return NULL;
}

static void run(void *(*Start)(void *), long Id) {
  pthread_t T;
  pthread_create(&T, NULL, Start, (void *)Id);
  pthread_join(T, NULL);
}

int main(int Argc, char **Argv) {
  if (Argc > 1) {
    Mode = Argv[1];
    run(speak, 0);
    run(speak, 1);
    return 0;
  }
  error_one_per_line = 1;
  for (long Id = 0; Id < 3; ++Id)
    run(speak, Id);
  fprintf(stderr, "errors counted: %u\n", error_message_count);
  run(forker, 0); // home
  run(forker, 1); // node 1
  run(lockedForker, 2); // node 2
  return 0;
}
