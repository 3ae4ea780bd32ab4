// A thread on another node lists a directory main made, after main changed
// home's working directory (so the relative path means the directory only
// at home): opendir, readdir, rewinddir, dirfd and closedir on home's DIR,
// and scandir with the thread's own filter and alphasort.
// The names, sorted, equal those of the same program without mpirun.
//
// RUN: rm -rf %t.dir && mkdir -p %t.dir/listed/sub && touch %t.dir/listed/a %t.dir/listed/b
// RUN: %clang %s -o %t.plain
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: %t.plain %t.dir > %t.plain.out
// RUN: %mpirun3t %t.fgrid %t.dir > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: thread 1 lists: . .. a b sub
// CHECK-NEXT: again after rewinddir: 5 entries, a directory by dirfd: yes
// CHECK-NEXT: closedir: 0
// CHECK-NEXT: scandir without dot entries: 3: a b sub
// STATS: dirs.c:{{[0-9]+}} (main) pthread_create 1 node 1: 1
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int byName(const void *A, const void *B) {
  return strcmp(*(char *const *)A, *(char *const *)B);
}

static int noDots(const struct dirent *E) { return E->d_name[0] != '.'; }

static void *list(void *P) {
  long Id = (long)P;
  DIR *D = opendir("listed");
  if (!D)
    return perror("opendir"), NULL;
  char *Names[16];
  int N = 0;
  struct dirent *E;
  while (N < 16 && (E = readdir(D)))
    Names[N++] = strdup(E->d_name);
  qsort(Names, (size_t)N, sizeof *Names, byName);
  printf("thread %ld lists:", Id);
  for (int I = 0; I < N; ++I) {
    printf(" %s", Names[I]);
    free(Names[I]);
  }
  printf("\n");
  rewinddir(D);
  int Again = 0;
  while (readdir(D))
    ++Again;
  struct stat St;
  int IsDir = fstat(dirfd(D), &St) == 0 && S_ISDIR(St.st_mode);
  printf("again after rewinddir: %d entries, a directory by dirfd: %s\n", Again,
         IsDir ? "yes" : "no");
  printf("closedir: %d\n", closedir(D));
  struct dirent **List;
  int Count = scandir("listed", &List, noDots, alphasort);
  printf("scandir without dot entries: %d:", Count);
  for (int I = 0; I < Count; ++I) {
    printf(" %s", List[I]->d_name);
    free(List[I]);
  }
  printf("\n");
  if (Count >= 0)
    free(List);
  return NULL;
}

static void *nothing(void *P) { return P; }

int main(int Argc, char **Argv) {
  if (Argc != 2 || chdir(Argv[1]) != 0)
    return 2;
  // Spread places threads round robin: at home, then node 1.
  pthread_t T;
  pthread_create(&T, NULL, nothing, NULL);
  pthread_join(T, NULL);
  pthread_create(&T, NULL, list, (void *)1);
  pthread_join(T, NULL);
  return 0;
}
