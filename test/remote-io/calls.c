// Calls with flags, times, nodes, limits, terminals and advice, made by a
// thread on another node at home: preadv2 and pwritev2 (RWF_APPEND and a
// bad flag passed through), futimes, lutimes, futimesat, lchmod, renameat2
// (RENAME_NOREPLACE, RENAME_EXCHANGE), euidaccess, eaccess, pathconf,
// fpathconf, mknod, mknodat, statx, posix_fadvise, posix_fadvise64,
// tcflush, tcdrain, tcsendbreak, tcgetpgrp, tcflow, tcgetsid, tcsetpgrp
// (on a pseudo-terminal main opened, which is no process's controlling
// terminal, and on a file), ppoll and pselect (with a signal mask) on a
// pipe main writes to while the thread waits, sendfile, copy_file_range,
// splice and tee between home's files and pipes, tmpnam, tmpnam_r and
// tempnam (in home's TMPDIR, a directory relative to home's working
// directory, which the agent lacks). main changed home's working
// directory and moved its descriptors to numbers the agent does not have,
// so relative paths and descriptors mean the same only if the calls run at
// home. Failures (ENOENT, EEXIST, EBADF, ESPIPE, ENOTTY, EINVAL) as local.
//
// RUN: rm -rf %t.dir && mkdir %t.dir
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.dir > %t.plain.out
// RUN: rm -rf %t.dir && mkdir %t.dir
// RUN: %mpirun3t %t.fgrid %t.dir > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: pwritev2 6, RWF_APPEND 3, preadv2 9: abc|defXYZ
// CHECK-NEXT: preadv2 at the file's position 6: defXYZ, now at 9
// CHECK-NEXT: preadv2 bad flag: -1 Operation not supported, bad fd: -1 Bad file descriptor
// CHECK-NEXT: futimes 0: 1000000000.500000000
// CHECK-NEXT: lutimes 0: link 2000000000, file 1000000000
// CHECK-NEXT: futimesat 0: 1500000000, missing: -1 No such file or directory
// CHECK-NEXT: lchmod 0: mode 604, missing: -1 No such file or directory
// CHECK-NEXT: renameat2 noreplace: -1 File exists
// CHECK-NEXT: renameat2 exchange: 0, a holds B
// CHECK-NEXT: renameat2 0: 0, a gone: -1, missing: -1 No such file or directory
// CHECK-NEXT: euidaccess 0, eaccess 0, eaccess missing: -1 No such file or directory
// CHECK-NEXT: pathconf name max 255, missing: -1 No such file or directory
// CHECK-NEXT: pathconf symlink max -1 errno 0
// CHECK-NEXT: fpathconf pipe buf 4096, bad fd: -1 Bad file descriptor
// CHECK-NEXT: mknod 0: fifo yes, mknodat 0: mode 640, again: -1 File exists, no dir: -1 No such file or directory
// CHECK-NEXT: statx 0: size 9 regular yes, by fd 0: size 9, missing: -1 No such file or directory
// CHECK-NEXT: posix_fadvise 0, pipe 29, bad fd 9, bad advice 22
// CHECK-NEXT: terminal: tcflush 0 tcdrain 0 tcsendbreak 0 tcgetpgrp 0
// CHECK-NEXT: file: tcflush -1 Inappropriate ioctl for device, tcdrain -1, tcsendbreak -1, tcgetpgrp -1 Inappropriate ioctl for device
// CHECK-NEXT: terminal: tcflow off 0 on 0 bad -1 Invalid argument, tcgetsid -1 Inappropriate ioctl for device, tcsetpgrp -1 Inappropriate ioctl for device
// CHECK-NEXT: file: tcflow -1 Inappropriate ioctl for device, tcgetsid -1, tcsetpgrp -1
// CHECK-NEXT: ppoll: 1 ready, revents POLLIN, read: x
// CHECK-NEXT: ppoll empty: 0, bad timeout: -1 Invalid argument
// CHECK-NEXT: pselect: 1 ready, read: y
// CHECK-NEXT: pselect empty: 0
// CHECK-NEXT: sendfile 4, offset now 7, without offset 2, file at 2
// CHECK-NEXT: copy_file_range 3, offsets 9 3, bad fd: -1 Bad file descriptor
// CHECK-NEXT: copy holds XYZXab
// CHECK-NEXT: splice 5 from 5, tee 5, splice out 5 to 5: abcde, teed abcde
// CHECK-NEXT: splice of two files: -1 Invalid argument
// CHECK-NEXT: tmpnam: in /tmp yes, free yes, own buffer yes, differ yes, tmpnam_r(NULL) null
// CHECK-NEXT: tempnam: in home's TMPDIR yes, prefix yes, free yes
// STATS: calls.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

// Descriptors main made, at numbers an agent does not use.
enum { File = 200, Terminal = 201, DirFd = 202, PipeIn = 203, PipeOut = 204,
       Empty = 205, SpliceIn = 206, SpliceOut = 207, TeeIn = 208,
       TeeOut = 209 };

static const char *err(void) { return strerror(errno); }

static void readFile(const char *Path, char *Buf, size_t Bytes) {
  int Fd = open(Path, O_RDONLY);
  ssize_t N = Fd < 0 ? -1 : read(Fd, Buf, Bytes - 1);
  Buf[N > 0 ? N : 0] = '\0';
  if (Fd >= 0)
    close(Fd);
}

static void vectors(void) {
  struct iovec Out[2] = {{"abc", 3}, {"def", 3}};
  ssize_t N = pwritev2(File, Out, 2, 0, 0);
  struct iovec More = {"XYZ", 3};
  ssize_t Appended = pwritev2(File, &More, 1, 0, RWF_APPEND);
  char A[4] = "", B[16] = "";
  struct iovec In[2] = {{A, 3}, {B, 15}};
  ssize_t Got = preadv2(File, In, 2, 0, 0);
  printf("pwritev2 %zd, RWF_APPEND %zd, preadv2 %zd: %s|%s\n", N, Appended,
         Got, A, B);
  lseek(File, 3, SEEK_SET);
  char C[16] = "";
  struct iovec Here = {C, 15};
  Got = preadv2(File, &Here, 1, -1, 0);
  printf("preadv2 at the file's position %zd: %s, now at %ld\n", Got, C,
         (long)lseek(File, 0, SEEK_CUR));
  Got = preadv2(File, &Here, 1, 0, 0x40000000);
  printf("preadv2 bad flag: %zd %s, ", Got, err());
  Got = preadv2(999, &Here, 1, 0, 0);
  printf("bad fd: %zd %s\n", Got, err());
}

static void times(void) {
  struct timeval T[2] = {{1000000000, 0}, {1000000000, 500000}};
  struct stat St;
  int Rc = futimes(File, T);
  fstat(File, &St);
  printf("futimes %d: %ld.%09ld\n", Rc, (long)St.st_mtim.tv_sec,
         (long)St.st_mtim.tv_nsec);
  symlink("file", "link");
  struct timeval L[2] = {{2000000000, 0}, {2000000000, 0}};
  Rc = lutimes("link", L);
  struct stat Link;
  lstat("link", &Link);
  stat("file", &St);
  printf("lutimes %d: link %ld, file %ld\n", Rc, (long)Link.st_mtim.tv_sec,
         (long)St.st_mtim.tv_sec);
  struct timeval F[2] = {{1500000000, 0}, {1500000000, 0}};
  Rc = futimesat(AT_FDCWD, "file", F);
  stat("file", &St);
  printf("futimesat %d: %ld, ", Rc, (long)St.st_mtim.tv_sec);
  Rc = futimesat(AT_FDCWD, "missing", F);
  printf("missing: %d %s\n", Rc, err());
  Rc = lchmod("file", 0604);
  stat("file", &St);
  printf("lchmod %d: mode %o, ", Rc, St.st_mode & 0777);
  Rc = lchmod("missing", 0600);
  printf("missing: %d %s\n", Rc, err());
}

static void names(void) {
  char Text[16];
  int Rc = renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE);
  printf("renameat2 noreplace: %d %s\n", Rc, err());
  Rc = renameat2(AT_FDCWD, "a", DirFd, "b", RENAME_EXCHANGE);
  readFile("a", Text, sizeof Text);
  printf("renameat2 exchange: %d, a holds %s\n", Rc, Text);
  Rc = renameat2(AT_FDCWD, "a", AT_FDCWD, "c", 0);
  int Gone = access("a", F_OK);
  int Missing = renameat2(AT_FDCWD, "missing", AT_FDCWD, "d", 0);
  printf("renameat2 0: %d, a gone: %d, missing: %d %s\n", Rc, Gone, Missing,
         err());
  // "file" is in home's working directory only: the agent's answers
  // would be -1 ENOENT.
  Rc = euidaccess("file", R_OK | W_OK);
  int Rc3 = eaccess("file", R_OK);
  int Rc2 = eaccess("missing", F_OK);
  printf("euidaccess %d, eaccess %d, eaccess missing: %d %s\n", Rc, Rc3, Rc2,
         err());
  long Max = pathconf("file", _PC_NAME_MAX);
  long None = pathconf("missing", _PC_NAME_MAX);
  printf("pathconf name max %ld, missing: %ld %s\n", Max, None, err());
  errno = 0;
  long NoLimit = pathconf(".", _PC_SYMLINK_MAX);
  printf("pathconf symlink max %ld errno %d\n", NoLimit, errno);
  long PipeBuf = fpathconf(PipeIn, _PC_PIPE_BUF);
  long Bad = fpathconf(999, _PC_NAME_MAX);
  printf("fpathconf pipe buf %ld, bad fd: %ld %s\n", PipeBuf, Bad, err());
}

static void nodes(void) {
  struct stat St;
  int Rc = mknod("fifo", S_IFIFO | 0600, 0);
  stat("fifo", &St);
  printf("mknod %d: fifo %s, ", Rc, S_ISFIFO(St.st_mode) ? "yes" : "no");
  mode_t Old = umask(0);
  Rc = mknodat(DirFd, "fifo2", S_IFIFO | 0640, 0);
  umask(Old);
  stat("fifo2", &St);
  printf("mknodat %d: mode %o, ", Rc, St.st_mode & 0777);
  Rc = mknod("fifo", S_IFIFO | 0600, 0);
  printf("again: %d %s, ", Rc, err());
  Rc = mknod("nodir/x", S_IFIFO | 0600, 0);
  printf("no dir: %d %s\n", Rc, err());
  struct statx Sx;
  Rc = statx(AT_FDCWD, "file", 0, STATX_SIZE | STATX_MODE, &Sx);
  printf("statx %d: size %llu regular %s, ", Rc,
         (unsigned long long)Sx.stx_size, S_ISREG(Sx.stx_mode) ? "yes" : "no");
  memset(&Sx, 0, sizeof Sx);
  Rc = statx(File, "", AT_EMPTY_PATH, STATX_SIZE, &Sx);
  printf("by fd %d: size %llu, ", Rc, (unsigned long long)Sx.stx_size);
  Rc = statx(AT_FDCWD, "missing", 0, STATX_SIZE, &Sx);
  printf("missing: %d %s\n", Rc, err());
  printf("posix_fadvise %d, pipe %d, bad fd %d, bad advice %d\n",
         posix_fadvise(File, 0, 0, POSIX_FADV_SEQUENTIAL),
         posix_fadvise(PipeIn, 0, 0, POSIX_FADV_NORMAL),
         posix_fadvise64(999, 0, 0, POSIX_FADV_NORMAL),
         posix_fadvise64(File, 0, 0, 1234));
}

static void terminals(void) {
  int Flush = tcflush(Terminal, TCIOFLUSH);
  int Drain = tcdrain(Terminal);
  int Break = tcsendbreak(Terminal, 0);
  int Group = tcgetpgrp(Terminal);
  printf("terminal: tcflush %d tcdrain %d tcsendbreak %d tcgetpgrp %d\n",
         Flush, Drain, Break, Group);
  Flush = tcflush(File, TCIOFLUSH);
  printf("file: tcflush %d %s, ", Flush, err());
  Drain = tcdrain(File);
  Break = tcsendbreak(File, 0);
  Group = tcgetpgrp(File);
  printf("tcdrain %d, tcsendbreak %d, tcgetpgrp %d %s\n", Drain, Break, Group,
         err());
  int Off = tcflow(Terminal, TCOOFF);
  int On = tcflow(Terminal, TCOON);
  int Bad = tcflow(Terminal, 99);
  printf("terminal: tcflow off %d on %d bad %d %s, ", Off, On, Bad, err());
  pid_t Session = tcgetsid(Terminal);
  printf("tcgetsid %d %s, ", (int)Session, err());
  int Set = tcsetpgrp(Terminal, tcgetpgrp(Terminal));
  printf("tcsetpgrp %d %s\n", Set, err());
  int Flow = tcflow(File, TCOON);
  printf("file: tcflow %d %s, ", Flow, err());
  Session = tcgetsid(File);
  Set = tcsetpgrp(File, 0);
  printf("tcgetsid %d, tcsetpgrp %d\n", (int)Session, Set);
}

static void waits(void) {
  sigset_t Mask;
  sigemptyset(&Mask);
  struct pollfd Wait = {PipeIn, POLLIN, 0};
  struct timespec Long = {10, 0};
  int Ready = ppoll(&Wait, 1, &Long, &Mask); // main writes after 100 ms
  char C = 0;
  read(PipeIn, &C, 1);
  printf("ppoll: %d ready, revents %s, read: %c\n", Ready,
         Wait.revents == POLLIN ? "POLLIN" : "other", C);
  struct pollfd Nothing = {Empty, POLLIN, 0};
  struct timespec Short = {0, 1000000}, Bad = {0, -1};
  Ready = ppoll(&Nothing, 1, &Short, NULL);
  int Refused = ppoll(&Nothing, 1, &Bad, NULL);
  printf("ppoll empty: %d, bad timeout: %d %s\n", Ready, Refused, err());
  fd_set Set;
  FD_ZERO(&Set);
  FD_SET(PipeIn, &Set);
  Ready = pselect(PipeIn + 1, &Set, NULL, NULL, &Long, &Mask);
  read(PipeIn, &C, 1);
  printf("pselect: %d ready, read: %c\n", FD_ISSET(PipeIn, &Set) ? Ready : -1,
         C);
  FD_ZERO(&Set);
  FD_SET(Empty, &Set);
  Ready = pselect(Empty + 1, &Set, NULL, NULL, &Short, NULL);
  printf("pselect empty: %d\n", Ready);
}

// The bytes move at home, between descriptors the agent does not have.
static void transfers(void) {
  int Copy = open("copy", O_RDWR | O_CREAT | O_TRUNC, 0644);
  off_t At = 3;
  ssize_t N = sendfile(Copy, File, &At, 4);
  printf("sendfile %zd, offset now %ld, ", N, (long)At);
  lseek(File, 0, SEEK_SET);
  N = sendfile(Copy, File, NULL, 2);
  printf("without offset %zd, file at %ld\n", N,
         (long)lseek(File, 0, SEEK_CUR));
  loff_t In = 6, Out = 0;
  N = copy_file_range(File, &In, Copy, &Out, 3, 0);
  printf("copy_file_range %zd, offsets %ld %ld, ", N, (long)In, (long)Out);
  N = copy_file_range(File, NULL, 999, NULL, 3, 0);
  printf("bad fd: %zd %s\n", N, err());
  close(Copy);
  char Text[16];
  readFile("copy", Text, sizeof Text);
  printf("copy holds %s\n", Text);
  loff_t From = 0, To = 0;
  N = splice(File, &From, SpliceOut, NULL, 5, 0);
  ssize_t Teed = tee(SpliceIn, TeeOut, 5, 0);
  int Spliced = open("spliced", O_RDWR | O_CREAT | O_TRUNC, 0644);
  ssize_t Out2 = splice(SpliceIn, NULL, Spliced, &To, 5, 0);
  close(Spliced);
  char Tee[8] = "";
  read(TeeIn, Tee, 5);
  readFile("spliced", Text, sizeof Text);
  printf("splice %zd from %ld, tee %zd, splice out %zd to %ld: %s, teed %s\n",
         N, (long)From, Teed, Out2, (long)To, Text, Tee);
  Spliced = open("spliced", O_WRONLY);
  N = splice(File, &From, Spliced, NULL, 1, 0);
  printf("splice of two files: %zd %s\n", N, err());
  close(Spliced);
}

static int startsWith(const char *Text, const char *Prefix) {
  return strncmp(Text, Prefix, strlen(Prefix)) == 0;
}

// Names made at home: in home's TMPDIR (relative to home's working
// directory), free there.
static void temporaryNames(void) {
  char Mine[L_tmpnam], Other[L_tmpnam];
  char *Static = tmpnam(NULL);
  char *Given = tmpnam(Mine);
  char *Reentrant = tmpnam_r(Other);
  printf("tmpnam: in /tmp %s, free %s, own buffer %s, differ %s, "
         "tmpnam_r(NULL) %s\n",
         Static && startsWith(Static, "/tmp/") ? "yes" : "no",
         Static && access(Static, F_OK) != 0 && errno == ENOENT ? "yes" : "no",
         Given == Mine && Reentrant == Other ? "yes" : "no",
         Static && strcmp(Static, Mine) && strcmp(Mine, Other) ? "yes" : "no",
         tmpnam_r(NULL) ? "not null" : "null");
  char *Name = tempnam(NULL, "grd");
  printf("tempnam: in home's TMPDIR %s, prefix %s, free %s\n",
         Name && startsWith(Name, "tmpdir/") ? "yes" : "no",
         Name && startsWith(Name, "tmpdir/grd") ? "yes" : "no",
         Name && access(Name, F_OK) != 0 ? "yes" : "no");
  free(Name);
}

static void *work(void *P) {
  (void)P;
  vectors();
  times();
  names();
  nodes();
  terminals();
  waits();
  transfers();
  temporaryNames();
  return NULL;
}

static void *nothing(void *P) { return P; }

static void moveTo(int Fd, int To) {
  if (Fd < 0 || dup2(Fd, To) != To)
    exit(3);
  close(Fd);
}

int main(int Argc, char **Argv) {
  if (Argc != 2 || chdir(Argv[1]) != 0)
    return 2;
  moveTo(open("file", O_RDWR | O_CREAT | O_TRUNC, 0644), File);
  int Pty = posix_openpt(O_RDWR | O_NOCTTY);
  if (Pty < 0 || grantpt(Pty) != 0 || unlockpt(Pty) != 0)
    return 4;
  moveTo(Pty, Terminal);
  moveTo(open(".", O_RDONLY | O_DIRECTORY), DirFd);
  int Ends[2], Others[2], Splice[2], Tee[2];
  if (pipe(Ends) != 0 || pipe(Others) != 0 || pipe(Splice) != 0 ||
      pipe(Tee) != 0)
    return 2;
  moveTo(Ends[0], PipeIn);
  moveTo(Ends[1], PipeOut);
  moveTo(Others[0], Empty);
  moveTo(Splice[0], SpliceIn);
  moveTo(Splice[1], SpliceOut);
  moveTo(Tee[0], TeeIn);
  moveTo(Tee[1], TeeOut);
  // Home's own: the agent has neither the variable nor the directory.
  if (mkdir("tmpdir", 0755) != 0 || setenv("TMPDIR", "tmpdir", 1) != 0)
    return 2;
  FILE *F = fopen("a", "w");
  fputs("A", F);
  fclose(F);
  F = fopen("b", "w");
  fputs("B", F);
  fclose(F);
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, work, NULL);
  usleep(100000);
  write(PipeOut, "x", 1);
  usleep(100000);
  write(PipeOut, "y", 1);
  pthread_join(T, NULL);
  fflush(stdout);
  return 0;
}
