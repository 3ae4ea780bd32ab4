// Failing calls made on another node fail as they do at home, with the same
// errno: each is carried out at home and home's errno comes back.
//
// RUN: rm -rf %t.dir && mkdir -p %t.dir/full && touch %t.dir/full/file %t.dir/plain
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.dir > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.dir > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: thread 1: open missing: ENOENT
// CHECK: thread 1: close 999: EBADF
// CHECK: thread 1: read -1: EBADF
// CHECK: thread 1: write 999: EBADF
// CHECK: thread 1: fopen missing: ENOENT
// CHECK: thread 1: stat missing: ENOENT
// CHECK: thread 1: mkdir existing: EEXIST
// CHECK: thread 1: rmdir not empty: ENOTEMPTY
// CHECK: thread 1: unlink directory: EISDIR
// CHECK: thread 1: chdir file: ENOTDIR
// CHECK: thread 1: lseek pipe: ESPIPE
// CHECK: thread 1: dup2 999: EBADF
// CHECK: thread 1: access missing: ENOENT
// CHECK: thread 1: fcntl 999: EBADF
// CHECK: thread 1: rename missing: ENOENT
// CHECK: thread 1: getline on write-only stream: EBADF
// STATS: errno.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *Dir;

static const char *name(int E) {
  switch (E) {
  case 0: return "no error";
  case ENOENT: return "ENOENT";
  case EBADF: return "EBADF";
  case EEXIST: return "EEXIST";
  case ENOTEMPTY: return "ENOTEMPTY";
  case EISDIR: return "EISDIR";
  case ENOTDIR: return "ENOTDIR";
  case ESPIPE: return "ESPIPE";
  default: return strerror(E);
  }
}

static void report(long Id, const char *What, int Failed) {
  printf("thread %ld: %s: %s\n", Id, What, Failed ? name(errno) : "succeeded");
}

static void *probe(void *P) {
  long Id = (long)P;
  char Path[512], To[512];
  struct stat St;
  snprintf(Path, sizeof Path, "%s/missing", Dir);
  errno = 0;
  report(Id, "open missing", open(Path, O_RDONLY) < 0);
  report(Id, "close 999", close(999) < 0);
  char Byte;
  report(Id, "read -1", read(-1, &Byte, 1) < 0);
  report(Id, "write 999", write(999, "x", 1) < 0);
  report(Id, "fopen missing", fopen(Path, "r") == NULL);
  report(Id, "stat missing", stat(Path, &St) < 0);
  snprintf(Path, sizeof Path, "%s/full", Dir);
  report(Id, "mkdir existing", mkdir(Path, 0755) < 0);
  report(Id, "rmdir not empty", rmdir(Path) < 0);
  report(Id, "unlink directory", unlink(Path) < 0);
  snprintf(Path, sizeof Path, "%s/plain", Dir);
  report(Id, "chdir file", chdir(Path) < 0);
  int Ends[2];
  if (pipe(Ends) == 0) {
    report(Id, "lseek pipe", lseek(Ends[0], 0, SEEK_SET) < 0);
    close(Ends[0]);
    close(Ends[1]);
  }
  report(Id, "dup2 999", dup2(999, 50) < 0);
  snprintf(Path, sizeof Path, "%s/missing", Dir);
  report(Id, "access missing", access(Path, R_OK) < 0);
  report(Id, "fcntl 999", fcntl(999, F_GETFL) < 0);
  snprintf(To, sizeof To, "%s/elsewhere", Dir);
  report(Id, "rename missing", rename(Path, To) < 0);
  snprintf(Path, sizeof Path, "%s/written-by-%ld", Dir, Id);
  FILE *F = fopen(Path, "w");
  char *Line = NULL;
  size_t Bytes = 0;
  errno = 0;
  report(Id, "getline on write-only stream", getline(&Line, &Bytes, F) < 0);
  free(Line);
  fclose(F);
  return NULL;
}

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  Dir = Argv[1];
  for (long Id = 0; Id < 3; ++Id) {
    pthread_t T;
    pthread_create(&T, NULL, probe, (void *)Id);
    pthread_join(T, NULL);
  }
  return 0;
}
