// GRID_STATS=1 prints, at exit, one row per call site: the site, its kind,
// how many threads or processes it created and where they went.
//
// RUN: %clang -DUSE_GRID -I%S/Inputs %gridrt_include %s -o %t %gridrt_link
// RUN: env GRID_STATS=1 %t 2>&1 >/dev/null | FileCheck %s
// RUN: env GRID_STATS=1 GRID_PLACEMENT=spread GRID_THREAD_TOLERANCE=machine %t 2>&1 >/dev/null | FileCheck --check-prefix=SPREAD %s
// RUN: %t 2>&1 | FileCheck --allow-empty --implicit-check-not=grid: --check-prefix=OFF %s
// OFF-NOT: statistics

#include "grid-or-plain.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *work(void *Arg) { return Arg; }

int main(void) {
  pthread_t T[4];
  for (int I = 0; I < 4; ++I)
    CREATE(&T[I], NULL, work, NULL);
  for (int I = 0; I < 4; ++I)
    JOIN(T[I], NULL);

  for (int I = 0; I < 2; ++I) {
    pid_t Pid = FORK();
    if (Pid == 0)
      _exit(0); // a fork child prints no table of its own
    waitpid(Pid, NULL, 0);
  }
  SYSTEM("true");
  return 0;
}

// CHECK: grid: statistics for pid {{[0-9]+}}: threads created 4, processes created 3
// CHECK-NEXT: grid:   site{{ +}}kind{{ +}}count  places
// CHECK-NEXT: grid:   stats.c:23 (main){{ +}}pthread_create  4{{ +}}core 0: {{[0-9]}}
// CHECK-NEXT: grid:   stats.c:28 (main){{ +}}fork{{ +}}2{{ +}}local: 2
// CHECK-NEXT: grid:   stats.c:33 (main){{ +}}system{{ +}}1{{ +}}local: 1
// CHECK-NOT: grid:

// Round-robin over the allowed cores: each gets its turn.
// SPREAD: stats.c:23 (main){{ +}}pthread_create  4{{ +}}core 0: {{[1-4]}}
