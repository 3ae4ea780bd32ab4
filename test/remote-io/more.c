// More of what a thread on another node does at home, after main changed
// home's working directory (so a relative path means the same only if the
// call runs at home): tmpfile, mkstemp, remove, realpath, getcwd(NULL, 0),
// statvfs, flock; setvbuf and fgetpos/fsetpos on a stream main opened,
// which main writes after; a 3 MiB file read with one read(); getenv's
// string handed back to main; and a memory stream, which is the thread's
// own (open_memstream).
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
// CHECK: tmpfile: read back: kept for later
// CHECK-NEXT: mkstemp: made notes-XXXXXX filled in, 5 bytes, removed: yes
// CHECK-NEXT: realpath: ends in the directory: yes
// CHECK-NEXT: getcwd: ends in the directory: yes
// CHECK-NEXT: statvfs: yes, flock: 0
// CHECK-NEXT: after the first line at 11, fsetpos back to 0
// CHECK-NEXT: read 3145728 bytes at once, all in order: yes
// CHECK-NEXT: memory stream: 'in the thread's memory 42'
// CHECK-NEXT: main: thread's getenv: from main
// CHECK-NEXT: main: shared.txt: line of the thread
// CHECK-NEXT: main: shared.txt: line of main
// STATS: more.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

enum { Big = 3 << 20 };
static const char *Dir;
static FILE *Shared;
static const char *FromEnv;

static int endsInDir(const char *Path) {
  const char *Slash = strrchr(Dir, '/');
  const char *Last = Slash ? Slash + 1 : Dir;
  size_t N = strlen(Path), L = strlen(Last);
  return N >= L && strcmp(Path + N - L, Last) == 0;
}

static void *work(void *P) {
  (void)P;
  char Line[64] = "";
  FILE *T = tmpfile();
  fputs("kept for later\n", T);
  rewind(T);
  fgets(Line, sizeof Line, T);
  fclose(T);
  printf("tmpfile: read back: %s", Line);

  char Name[] = "notes-XXXXXX";
  int Fd = mkstemp(Name);
  ssize_t Wrote = write(Fd, "notes", 5);
  close(Fd);
  struct stat St;
  int Made = stat(Name, &St) == 0 && St.st_size == 5;
  int Removed = remove(Name) == 0 && access(Name, F_OK) != 0;
  printf("mkstemp: made %s, %zd bytes, removed: %s\n",
         Made && strlen(Name) == 12 && strcmp(Name, "notes-XXXXXX")
             ? "notes-XXXXXX filled in"
             : "nothing",
         Wrote, Removed ? "yes" : "no");

  char *Real = realpath(".", NULL);
  printf("realpath: ends in the directory: %s\n",
         Real && endsInDir(Real) ? "yes" : "no");
  free(Real);
  char *Cwd = getcwd(NULL, 0);
  printf("getcwd: ends in the directory: %s\n",
         Cwd && endsInDir(Cwd) ? "yes" : "no");
  free(Cwd);

  struct statvfs Vfs;
  Fd = open("big", O_RDONLY);
  printf("statvfs: %s, flock: %d\n",
         statvfs(".", &Vfs) == 0 && Vfs.f_bsize > 0 ? "yes" : "no",
         flock(Fd, LOCK_EX));

  setvbuf(Shared, NULL, _IOFBF, 4096);
  fpos_t Where;
  fgetpos(Shared, &Where);
  fputs("first line\n", Shared);
  long At = ftell(Shared);
  fsetpos(Shared, &Where); // the next line replaces the first
  fputs("line of the thread\n", Shared);
  fflush(Shared);
  printf("after the first line at %ld, fsetpos back to %ld\n", At,
         ftell(Shared) - 19);

  unsigned char *Buf = malloc(Big);
  ssize_t N = read(Fd, Buf, Big);
  int InOrder = N == Big;
  for (ssize_t I = 0; InOrder && I < N; ++I)
    InOrder = Buf[I] == (unsigned char)(I * 7 + I / 1000);
  free(Buf);
  close(Fd);
  printf("read %zd bytes at once, all in order: %s\n", N, InOrder ? "yes" : "no");

  char *Mem = NULL;
  size_t Bytes = 0;
  FILE *M = open_memstream(&Mem, &Bytes);
  fprintf(M, "in the thread's memory %d", 42);
  fclose(M);
  printf("memory stream: '%s'\n", Mem);
  free(Mem);

  FromEnv = getenv("GRID_TEST_FOR_MAIN");
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(int Argc, char **Argv) {
  if (Argc != 2 || chdir(Argv[1]) != 0)
    return 2;
  Dir = Argv[1];
  setenv("GRID_TEST_FOR_MAIN", "from main", 1);
  FILE *Out = fopen("big", "w");
  for (long I = 0; I < Big; ++I)
    fputc((unsigned char)(I * 7 + I / 1000), Out);
  fclose(Out);
  Shared = fopen("shared.txt", "w+");
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, work, NULL);
  pthread_join(T, NULL);
  printf("main: thread's getenv: %s\n", FromEnv ? FromEnv : "(null)");
  fputs("line of main\n", Shared);
  rewind(Shared);
  char Line[64];
  fgets(Line, sizeof Line, Shared); // the thread's, over "first line"
  printf("main: shared.txt: %s", Line);
  fgets(Line, sizeof Line, Shared);
  printf("main: shared.txt: %s", Line);
  fclose(Shared);
  return 0;
}
