// Start-up leaves no trace a plain build would not have: main begins with
// errno 0 although Grid looked for config files that do not exist. Children
// inherit the parent's tolerances through the environment, whatever level
// they came from (here the binary's default and a config [app] entry), and
// a failed exec creates no process, so it is not counted.
//
// RUN: %clang -g %s -o %t.plain
// RUN: %t.plain | FileCheck --check-prefix=PLAIN %s
// RUN: %grid-clang -fgrid -fgrid-process-tolerance=machine -g %s -o %t.grid
// RUN: env GRID_STATS=1 %t.grid > %t.out 2> %t.err
// RUN: FileCheck --check-prefix=GRID %s < %t.out
// RUN: FileCheck --check-prefix=STATS %s < %t.err
//
// A config entry for this program reaches its children too; the user's own
// environment is passed on as given.
// RUN: printf '[app."%t.grid"]\nthread_tolerance = "any"\n' > %t.toml
// RUN: env GRID_CONFIG=%t.toml GRID_PROCESS_TOLERANCE=near %t.grid | FileCheck --check-prefix=CONFIG %s
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  printf("errno at main %d\n", errno);
  fflush(stdout);
  system("env | grep '^GRID_[A-Z]*_TOLERANCE' | sort");
  execl("/nonexistent/program", "program", (char *)0);
  printf("execl failed: errno %d\n", errno);
  return 0;
}

// PLAIN: errno at main 0
// PLAIN-NEXT: execl failed: errno 2

// GRID: errno at main 0
// GRID-NEXT: GRID_PROCESS_TOLERANCE=1
// GRID-NEXT: execl failed: errno 2

// STATS: threads created 0, processes created 1
// STATS-NOT: execl
// STATS: inherit-and-errno.c:26 (main)  system  1  local: 1
// STATS-NOT: execl

// CONFIG: errno at main 0
// CONFIG-NEXT: GRID_PROCESS_TOLERANCE=near
// CONFIG-NEXT: GRID_THREAD_TOLERANCE=3
