// What a thread on another node cannot do with home's descriptors, and how
// it learns so. Sockets and descriptors of kernel objects (eventfd...) are
// not carried home: the first such call stops the job with a message naming
// the call and its caller, before it touches any descriptor of the agent (fd 5 there is not
// the one home has as 5), after what the threads wrote before arrived.
// ioctl, whose argument has no known shape, fails with ENOTTY and one
// warning. Without mpirun the same calls just work.
//
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: rm -rf %t.dir && mkdir %t.dir
//
// RUN: not %mpirun3t %t.fgrid socket > %t.socket.out 2> %t.socket.err
// RUN: FileCheck %s --check-prefix=SOCKET < %t.socket.err
// RUN: FileCheck %s --check-prefix=BEFORE < %t.socket.out
// SOCKET: grid: error: socket from a thread running on node 2 (called from use_socket in refused.c): sockets and descriptors of kernel objects (eventfd, epoll...) stay on the node a thread runs on, and a thread on another node cannot use home's (docs/design/remote-io.md); run it with GRID_THREAD_TOLERANCE=machine or lower to keep it home
// BEFORE: thread 0 speaks
// BEFORE-NEXT: thread 1 speaks
// BEFORE-NOT: socket made
//
// RUN: not %mpirun3t %t.fgrid eventfd > %t.event.out 2> %t.event.err
// RUN: FileCheck %s --check-prefix=EVENTFD < %t.event.err
// EVENTFD: grid: error: eventfd from a thread running on node 2 (called from make_eventfd in refused.c): sockets and
//
// RUN: %mpirun3t %t.fgrid ioctl > %t.ioctl.out 2> %t.ioctl.err
// RUN: FileCheck %s --check-prefix=IOCTL < %t.ioctl.out
// RUN: FileCheck %s --check-prefix=IOCTL-WARN < %t.ioctl.err
// IOCTL: thread 2: ioctl fails: Inappropriate ioctl for device
// IOCTL-WARN: grid: warn: ioctl from a thread on another node (called from ask_ioctl in refused.c) is not forwarded home; it fails with ENOTTY
//
// mmap of a descriptor (home's, not the agent's) fails with ENODEV.
// RUN: echo data > %t.dir/mapped
// RUN: %mpirun3t %t.fgrid mmap %t.dir/mapped > %t.mmap.out 2> %t.mmap.err
// RUN: FileCheck %s --check-prefix=MMAP < %t.mmap.out
// MMAP: thread 2: mmap of a descriptor fails: No such device
//
// Without mpirun, the interposed calls are the C library's.
// RUN: %t.fgrid socket | FileCheck %s --check-prefix=LOCAL-SOCKET
// RUN: %t.fgrid eventfd | FileCheck %s --check-prefix=LOCAL-EVENTFD
// RUN: %t.fgrid mmap %t.dir/mapped | FileCheck %s --check-prefix=LOCAL-MMAP
// LOCAL-SOCKET: socket made
// LOCAL-EVENTFD: eventfd made
// LOCAL-MMAP: thread 2: mapped: data
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *Mode;
static const char *Path;

static void use_socket(void) {
  int Fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (Fd >= 0)
    printf("socket made\n");
  close(Fd);
}

static void make_eventfd(void) {
  int Fd = eventfd(0, 0);
  if (Fd >= 0)
    printf("eventfd made\n");
  close(Fd);
}

static void ask_ioctl(long Id) {
  int Bytes;
  if (ioctl(0, FIONREAD, &Bytes) != 0)
    printf("thread %ld: ioctl fails: %s\n", Id, strerror(errno));
}

static void map_file(long Id) {
  int Fd = open(Path, O_RDONLY);
  char *P = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, Fd, 0);
  if (P == MAP_FAILED)
    printf("thread %ld: mmap of a descriptor fails: %s\n", Id,
           strerror(errno));
  else
    printf("thread %ld: mapped: %.4s\n", Id, P);
  close(Fd);
}

static void *run(void *P) {
  long Id = (long)P;
  // Spread places thread 0 at home, 1 on node 1, 2 on node 2.
  if (Id < 2) {
    printf("thread %ld speaks\n", Id);
    fflush(stdout);
  } else if (strcmp(Mode, "socket") == 0) {
    use_socket();
  } else if (strcmp(Mode, "eventfd") == 0) {
    make_eventfd();
  } else if (strcmp(Mode, "mmap") == 0) {
    map_file(Id);
  } else {
    ask_ioctl(Id);
  }
  return NULL;
}

int main(int Argc, char **Argv) {
  if (Argc < 2)
    return 2;
  Mode = Argv[1];
  Path = Argc > 2 ? Argv[2] : ".";
  for (long Id = 0; Id < 3; ++Id) {
    pthread_t T;
    pthread_create(&T, NULL, run, (void *)Id);
    pthread_join(T, NULL);
  }
  return 0;
}
