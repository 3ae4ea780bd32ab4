// The *xattr calls of a thread on another node run at home: getxattr,
// lgetxattr, fgetxattr, setxattr, lsetxattr, fsetxattr, listxattr,
// llistxattr, flistxattr, removexattr, lremovexattr, fremovexattr, on a
// file, a symbolic link to it (relative to home's working directory) and a
// descriptor at a number the agent does not have; size queries, too small
// a buffer, flags and failures (ENODATA, ERANGE, EEXIST, ENOENT, EPERM) as
// local. The build tree's file system must keep user extended attributes
// (lit's user-xattr feature, test/lit.cfg.py).
//
// REQUIRES: user-xattr
// RUN: rm -rf %t.dir && mkdir %t.dir
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.dir > %t.plain.out
// RUN: rm -rf %t.dir && mkdir %t.dir
// RUN: %mpirun3t %t.fgrid %t.dir > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: setxattr 0, fsetxattr 0, again with XATTR_CREATE: -1 File exists
// CHECK-NEXT: lsetxattr on the link: -1 Operation not permitted
// CHECK-NEXT: getxattr size 4, through the link: 4 blue, of the link: -1 No data available
// CHECK-NEXT: fgetxattr 1 9, too small: -1 Numerical result out of range
// CHECK-NEXT: listxattr 21: user.color user.size; llistxattr 0; flistxattr size 21
// CHECK-NEXT: removexattr 0, lremovexattr -1 Operation not permitted, fremovexattr 0, again -1 No data available
// CHECK-NEXT: after: listxattr 0, getxattr missing file -1 No such file or directory
// STATS: xattrs.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

enum { File = 200 }; // a number the agent does not use

static const char *err(void) { return strerror(errno); }

// The names of a list, sorted (the file system's order is its own).
static void printList(const char *List, ssize_t Bytes) {
  const char *Names[8];
  int Count = 0;
  for (ssize_t At = 0; At < Bytes && Count < 8; At += strlen(List + At) + 1)
    Names[Count++] = List + At;
  for (int I = 1; I < Count; ++I)
    for (int J = I; J > 0 && strcmp(Names[J - 1], Names[J]) > 0; --J) {
      const char *T = Names[J];
      Names[J] = Names[J - 1];
      Names[J - 1] = T;
    }
  for (int I = 0; I < Count; ++I)
    printf("%s%s", I ? " " : "", Names[I]);
}

static void *work(void *P) {
  (void)P;
  char Buf[64];
  int Set = setxattr("file", "user.color", "blue", 4, 0);
  int FdSet = fsetxattr(File, "user.size", "9", 1, XATTR_CREATE);
  int Again = fsetxattr(File, "user.size", "8", 1, XATTR_CREATE);
  printf("setxattr %d, fsetxattr %d, again with XATTR_CREATE: %d %s\n", Set,
         FdSet, Again, err());
  // User attributes are not allowed on a symbolic link itself.
  int Link = lsetxattr("link", "user.color", "red", 3, 0);
  printf("lsetxattr on the link: %d %s\n", Link, err());
  ssize_t Size = getxattr("file", "user.color", NULL, 0);
  memset(Buf, 0, sizeof Buf);
  ssize_t Through = getxattr("link", "user.color", Buf, sizeof Buf);
  printf("getxattr size %zd, through the link: %zd %s, ", Size, Through, Buf);
  ssize_t Of = lgetxattr("link", "user.color", Buf, sizeof Buf);
  printf("of the link: %zd %s\n", Of, err());
  memset(Buf, 0, sizeof Buf);
  ssize_t ByFd = fgetxattr(File, "user.size", Buf, sizeof Buf);
  printf("fgetxattr %zd %s, ", ByFd, Buf);
  ssize_t Small = fgetxattr(File, "user.color", Buf, 2);
  printf("too small: %zd %s\n", Small, err());
  ssize_t Listed = listxattr("file", Buf, sizeof Buf);
  printf("listxattr %zd: ", Listed);
  printList(Buf, Listed);
  ssize_t LinkList = llistxattr("link", Buf, sizeof Buf);
  ssize_t ListSize = flistxattr(File, NULL, 0);
  printf("; llistxattr %zd; flistxattr size %zd\n", LinkList, ListSize);
  int Removed = removexattr("file", "user.color");
  int LinkRemoved = lremovexattr("link", "user.color");
  printf("removexattr %d, lremovexattr %d %s, ", Removed, LinkRemoved, err());
  int FdRemoved = fremovexattr(File, "user.size");
  int Twice = fremovexattr(File, "user.size");
  printf("fremovexattr %d, again %d %s\n", FdRemoved, Twice, err());
  Listed = listxattr("file", Buf, sizeof Buf);
  ssize_t Missing = getxattr("missing", "user.color", Buf, sizeof Buf);
  printf("after: listxattr %zd, getxattr missing file %zd %s\n", Listed,
         Missing, err());
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(int Argc, char **Argv) {
  if (Argc != 2 || chdir(Argv[1]) != 0)
    return 2;
  int Fd = open("file", O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (Fd < 0 || dup2(Fd, File) != File || symlink("file", "link") != 0)
    return 2;
  close(Fd);
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, work, NULL);
  pthread_join(T, NULL);
  fflush(stdout);
  return 0;
}
