// More calls a thread on another node makes at home: symbolic and hard
// links, readlink, chmod and fchmod, and waiting with poll and select on a
// pipe main made (and writes to while the thread waits).
//
// RUN: rm -rf %t.dir && mkdir %t.dir && echo data > %t.dir/file
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.dir > %t.plain.out
// RUN: rm -f %t.dir/sym %t.dir/hard
// RUN: %mpirun3t %t.fgrid %t.dir > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: symlink 0, readlink: file
// CHECK-NEXT: link 0, links now 2
// CHECK-NEXT: chmod 0 fchmod 0, mode 640
// CHECK-NEXT: poll: 1 ready, revents POLLIN, read: x
// CHECK-NEXT: select: 1 ready, read: y
// STATS: files.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *Dir;
static int Ends[2];

static void *work(void *P) {
  (void)P;
  char Path[512], Other[512], Target[64] = "";
  snprintf(Path, sizeof Path, "%s/sym", Dir);
  int Rc = symlink("file", Path);
  ssize_t N = readlink(Path, Target, sizeof Target - 1);
  Target[N > 0 ? N : 0] = '\0';
  printf("symlink %d, readlink: %s\n", Rc, Target);
  snprintf(Path, sizeof Path, "%s/file", Dir);
  snprintf(Other, sizeof Other, "%s/hard", Dir);
  Rc = link(Path, Other);
  struct stat St;
  stat(Path, &St);
  printf("link %d, links now %ld\n", Rc, (long)St.st_nlink);
  int Fd = open(Path, O_RDONLY);
  Rc = chmod(Path, 0600);
  int Rc2 = fchmod(Fd, 0640);
  fstat(Fd, &St);
  close(Fd);
  printf("chmod %d fchmod %d, mode %o\n", Rc, Rc2, St.st_mode & 0777);
  struct pollfd Wait = {Ends[0], POLLIN, 0};
  int Ready = poll(&Wait, 1, 10000); // main writes after 100 ms
  char C = 0;
  read(Ends[0], &C, 1);
  printf("poll: %d ready, revents %s, read: %c\n", Ready,
         Wait.revents == POLLIN ? "POLLIN" : "other", C);
  fd_set Set;
  FD_ZERO(&Set);
  FD_SET(Ends[0], &Set);
  struct timeval Timeout = {10, 0};
  Ready = select(Ends[0] + 1, &Set, NULL, NULL, &Timeout);
  read(Ends[0], &C, 1);
  printf("select: %d ready, read: %c\n", FD_ISSET(Ends[0], &Set) ? Ready : -1,
         C);
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(int Argc, char **Argv) {
  if (Argc != 2 || pipe(Ends) != 0)
    return 2;
  Dir = Argv[1];
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, work, NULL);
  usleep(100000);
  write(Ends[1], "x", 1);
  usleep(100000);
  write(Ends[1], "y", 1);
  pthread_join(T, NULL);
  return 0;
}
