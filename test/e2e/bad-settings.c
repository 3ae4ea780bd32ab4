// A bad GRID_* value stops the program before main, with a message naming
// the variable and the accepted values, and a non-zero exit status.
//
// RUN: %clang -DUSE_GRID %gridrt_include %s -o %t %gridrt_link
// RUN: env GRID_THREAD_TOLERANCE=bogus not %t > %t.out 2>&1
// RUN: FileCheck --check-prefix=TOL --implicit-check-not="main ran" %s < %t.out
// RUN: env GRID_PLACEMENT=fast not %t > %t.out 2>&1
// RUN: FileCheck --check-prefix=PLACE --implicit-check-not="main ran" %s < %t.out
// RUN: env GRID_PROCESS_TOLERANCE=7 not %t > %t.out 2>&1
// RUN: FileCheck --check-prefix=PTOL --implicit-check-not="main ran" %s < %t.out
// RUN: env GRID_LOG=loud not %t > %t.out 2>&1
// RUN: FileCheck --check-prefix=LOG --implicit-check-not="main ran" %s < %t.out
// And a good value runs main:
// RUN: env GRID_THREAD_TOLERANCE=machine GRID_PLACEMENT=pack %t | FileCheck --check-prefix=GOOD %s

// TOL: grid: error: GRID_THREAD_TOLERANCE='bogus' {{.*}}0-3 or local, machine, near, any
// PLACE: grid: error: GRID_PLACEMENT='fast' {{.*}}balance, spread, pack
// PTOL: grid: error: GRID_PROCESS_TOLERANCE='7' {{.*}}0-3 or local, machine, near, any
// LOG: grid: error: GRID_LOG='loud' {{.*}}warn, info, debug
// GOOD: main ran

#include "grid/abi.h"

#include <stdio.h>

// Makes the program depend on libgridrt, as -fgrid code does.
void (*volatile KeepRuntime)(const struct __grid_module *) =
    __grid_register_module;

int main(void) {
  puts("main ran");
  return 0;
}
