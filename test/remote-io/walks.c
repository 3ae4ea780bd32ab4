// A thread on another node matches patterns with glob and walks a tree with
// nftw and ftw, after main changed home's working directory (so the
// relative paths mean the tree only at home), and asks for its process
// group and session, which are home's. The output equals that of the same
// program without mpirun, line for line: the walks visit entries in the
// order home's directories give them.
//
// RUN: rm -rf %t.dir && mkdir -p %t.dir/tree/sub/deep %t.dir/tree/other
// RUN: touch %t.dir/tree/a.txt %t.dir/tree/b.txt %t.dir/tree/c.log %t.dir/tree/sub/d.txt %t.dir/tree/sub/deep/e.txt %t.dir/tree/other/f.txt
// RUN: ln -s sub %t.dir/tree/link && ln -s nowhere %t.dir/tree/dangling
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.dir > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.dir > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: glob tree/*.txt: 0, 2: tree/a.txt tree/b.txt
// CHECK-NEXT: glob tree/*.none: nomatch, 0
// CHECK-NEXT: glob with offsets and append: 0, 2 after 2 empty: tree/c.log tree/sub/d.txt
// CHECK-NEXT: glob marked: tree/link/ tree/other/ tree/sub/
// CHECK-NEXT: glob nocheck: tree/zz*
// CHECK-NEXT: glob braces: 0, 2: tree/a.txt tree/c.log
// CHECK-NEXT: glob under a file: nomatch, 0
// CHECK-NEXT: glob error: tree/missing: No such file or directory (errno: No such file or directory)
// CHECK-NEXT: glob told to stop: aborted
// CHECK-NEXT: glob without a pattern: -1 Invalid argument
// CHECK: nftw physical:
// CHECK-DAG: 0 d tree
// CHECK-DAG: 1 sl tree/link
// CHECK-DAG: 1 sl tree/dangling
// CHECK-DAG: 3 f tree/sub/deep/e.txt
// CHECK: nftw physical: 0
// CHECK: nftw depth-first:
// CHECK: 0 dp tree
// CHECK-NEXT: nftw depth-first: 0
// CHECK: nftw following links:
// CHECK-DAG: 1 sln tree/dangling
// CHECK: nftw following links: 0
// CHECK: nftw skipping sub:
// CHECK-NOT: tree/sub/
// CHECK: nftw skipping sub: 0
// CHECK: nftw stopping at b.txt: 7
// CHECK: nftw changing directory:
// CHECK-DAG: 2 f tree/sub/d.txt in sub
// CHECK: nftw changing directory: 0, back in {{.*}}.dir
// CHECK: nftw one stream:
// CHECK: nftw one stream: 0
// CHECK: ftw:
// CHECK: ftw: 0
// CHECK: nftw of nothing: -1 No such file or directory
// CHECK-NEXT: nftw with a flag it does not know: -1 Invalid argument
// CHECK-NEXT: same process group: yes
// CHECK-NEXT: a walk ended its thread: 42
// STATS: walks.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
// STATS: walks.c:{{[0-9]+}} (main) pthread_create 1 node 2: 1
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pid_t HomeGroup;

static void printGlob(const char *What, int Result, glob_t *G) {
  printf("%s: %s, %zu", What, Result == GLOB_NOMATCH ? "nomatch" : Result ? "error" : "0",
         G->gl_pathc);
  if (G->gl_pathc)
    printf(":");
  for (size_t I = 0; I < G->gl_pathc; ++I)
    printf(" %s", G->gl_pathv[G->gl_offs + I]);
  printf("\n");
}

static int Stop;
static int globError(const char *Path, int Errno) {
  int Seen = errno;
  printf("glob error: %s: %s (errno: %s)\n", Path, strerror(Errno),
         strerror(Seen));
  return Stop;
}

static const char *kind(int Flag) {
  switch (Flag) {
  case FTW_F: return "f";
  case FTW_D: return "d";
  case FTW_DNR: return "dnr";
  case FTW_NS: return "ns";
  case FTW_SL: return "sl";
  case FTW_DP: return "dp";
  case FTW_SLN: return "sln";
  }
  return "?";
}

static int show(const char *Path, const struct stat *St, int Flag, struct FTW *F) {
  (void)St;
  printf("%d %s %s\n", F->level, kind(Flag), Path);
  return 0;
}

static int skipSub(const char *Path, const struct stat *St, int Flag, struct FTW *F) {
  show(Path, St, Flag, F);
  return strcmp(Path + F->base, "sub") == 0 ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
}

static int stopAtB(const char *Path, const struct stat *St, int Flag, struct FTW *F) {
  (void)St, (void)Flag;
  return strcmp(Path + F->base, "b.txt") == 0 ? 7 : 0;
}

static int inDirectory(const char *Path, const struct stat *St, int Flag, struct FTW *F) {
  (void)St;
  char Cwd[4096];
  const char *Here = getcwd(Cwd, sizeof Cwd) ? strrchr(Cwd, '/') + 1 : "?";
  printf("%d %s %s in %s\n", F->level, kind(Flag), Path, Here);
  return 0;
}

static int oldKind(const char *Path, const struct stat *St, int Flag) {
  (void)St;
  printf("%s %s\n", kind(Flag), Path);
  return 0;
}

static void *walk(void *P) {
  (void)P;
  glob_t G;
  int R = glob("tree/*.txt", 0, NULL, &G);
  printGlob("glob tree/*.txt", R, &G);
  globfree(&G);
  R = glob("tree/*.none", 0, NULL, &G);
  printGlob("glob tree/*.none", R, &G);
  G.gl_offs = 2;
  R = glob("tree/*.log", GLOB_DOOFFS, NULL, &G);
  if (R == 0)
    R = glob("tree/sub/*.txt", GLOB_DOOFFS | GLOB_APPEND, NULL, &G);
  printf("glob with offsets and append: %d, %zu after %s: %s %s\n", R, G.gl_pathc,
         !G.gl_pathv[0] && !G.gl_pathv[1] ? "2 empty" : "no room",
         G.gl_pathv[2], G.gl_pathv[3]);
  globfree(&G);
  R = glob("tree/[losz]*", GLOB_MARK | GLOB_ONLYDIR, NULL, &G);
  printf("glob marked:");
  for (size_t I = 0; R == 0 && I < G.gl_pathc; ++I)
    printf(" %s", G.gl_pathv[I]);
  printf("\n");
  globfree(&G);
  R = glob("tree/zz*", GLOB_NOCHECK, NULL, &G);
  printf("glob nocheck: %s\n", R == 0 && G.gl_pathc == 1 ? G.gl_pathv[0] : "none");
  globfree(&G);
  R = glob("tree/{a.txt,c.log}", GLOB_BRACE, NULL, &G);
  printGlob("glob braces", R, &G);
  globfree(&G);
  R = glob("tree/a.txt/*", 0, globError, &G);
  printGlob("glob under a file", R, &G);
  globfree(&G);
  Stop = 1;
  R = glob("tree/missing/*", 0, globError, &G);
  printf("glob told to stop: %s\n", R == GLOB_ABORTED ? "aborted" : "went on");
  if (R != GLOB_NOMATCH)
    globfree(&G);
  errno = 0;
  R = glob(NULL, 0, NULL, &G);
  printf("glob without a pattern: %d %s\n", R, strerror(errno));

  printf("nftw physical:\n");
  printf("nftw physical: %d\n", nftw("tree", show, 8, FTW_PHYS));
  printf("nftw depth-first:\n");
  printf("nftw depth-first: %d\n", nftw("tree/", show, 8, FTW_PHYS | FTW_DEPTH));
  printf("nftw following links:\n");
  printf("nftw following links: %d\n", nftw("tree", show, 8, 0));
  printf("nftw skipping sub:\n");
  printf("nftw skipping sub: %d\n", nftw("tree", skipSub, 8, FTW_PHYS | FTW_ACTIONRETVAL));
  printf("nftw stopping at b.txt: %d\n", nftw("tree", stopAtB, 8, FTW_PHYS));
  printf("nftw changing directory:\n");
  int C = nftw("tree", inDirectory, 8, FTW_PHYS | FTW_CHDIR);
  char Cwd[4096];
  printf("nftw changing directory: %d, back in %s\n", C,
         getcwd(Cwd, sizeof Cwd) ? strrchr(Cwd, '/') + 1 : "?");
  printf("nftw one stream:\n");
  printf("nftw one stream: %d\n", nftw("tree", show, 1, FTW_PHYS));
  printf("ftw:\n");
  printf("ftw: %d\n", ftw("tree", oldKind, 4));
  errno = 0;
  int N = nftw("nothing", show, 4, 0);
  printf("nftw of nothing: %d %s\n", N, strerror(errno));
  errno = 0;
  N = nftw("tree", show, 4, 0x100);
  printf("nftw with a flag it does not know: %d %s\n", N, strerror(errno));
  printf("same process group: %s\n",
         getpgrp() == HomeGroup && getpgid(0) == HomeGroup ? "yes" : "no");
  return NULL;
}

static int endThread(const char *Path, const struct stat *St, int Flag,
                     struct FTW *F) {
  (void)Path, (void)St, (void)F;
  if (Flag == FTW_F)
    pthread_exit((void *)42);
  return 0;
}

// The callback ends its thread halfway through the walk.
static void *walkAndEnd(void *P) {
  nftw("tree", endThread, 4, FTW_PHYS);
  return P;
}

static void *nothing(void *P) { return P; }

int main(int Argc, char **Argv) {
  if (Argc != 2 || chdir(Argv[1]) != 0)
    return 2;
  HomeGroup = getpgrp();
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, walk, NULL);
  pthread_join(T, NULL);
  void *Ended = NULL;
  pthread_create(&T, NULL, walkAndEnd, NULL);
  pthread_join(T, &Ended);
  printf("a walk ended its thread: %ld\n", (long)Ended);
  return 0;
}
