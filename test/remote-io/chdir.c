// A thread on another node changes directory and opens a relative path:
// both happen at home, so the file is made in that directory, main (at
// home) sees the new working directory, and a thread on a third node opens
// the file by the same relative path.
//
// RUN: rm -rf %t.dir && mkdir -p %t.dir/work
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: cd %t.dir && %t.plain work > %t.plain.out
// RUN: rm -f %t.dir/work/notes.txt
// RUN: cd %t.dir && %mpirun3t %t.fgrid work > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=FILE < %t.dir/work/notes.txt
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: thread 1 is in {{.*}}/work
// CHECK: main is in {{.*}}/work
// CHECK: thread 2 read: written by thread 1 in work
// FILE: written by thread 1 in work
// STATS: chdir.c:{{[0-9]+}} (main) pthread_create 3 {{.*}}node 1: 1, node 2: 1
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *Sub;

static const char *last(const char *Path) {
  const char *Slash = strrchr(Path, '/');
  return Slash ? Slash + 1 : Path;
}

static void *move(void *P) {
  long Id = (long)P;
  char Cwd[4096];
  if (chdir(Sub) != 0)
    return perror("chdir"), NULL;
  FILE *F = fopen("notes.txt", "w");
  if (!F)
    return perror("fopen"), NULL;
  fprintf(F, "written by thread %ld in %s\n", Id, last(getcwd(Cwd, sizeof Cwd)));
  fclose(F);
  printf("thread %ld is in .../%s\n", Id, last(Cwd));
  return NULL;
}

static void *nothing(void *P) { return P; }

static void *readBack(void *P) {
  long Id = (long)P;
  char Line[256] = "";
  FILE *F = fopen("notes.txt", "r");
  if (!F)
    return perror("fopen"), NULL;
  if (fgets(Line, sizeof Line, F))
    printf("thread %ld read: %s", Id, Line);
  fclose(F);
  return NULL;
}

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  Sub = Argv[1];
  // Spread places threads round robin: at home, node 1, node 2.
  void *(*Steps[3])(void *) = {nothing, move, readBack};
  for (long Id = 0; Id < 3; ++Id) {
    pthread_t T;
    pthread_create(&T, NULL, Steps[Id], (void *)Id);
    pthread_join(T, NULL);
    if (Id == 1) {
      char Cwd[4096];
      printf("main is in .../%s\n", last(getcwd(Cwd, sizeof Cwd)));
    }
  }
  return 0;
}
