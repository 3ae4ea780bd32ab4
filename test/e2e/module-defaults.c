// Registered modules carry the defaults of -fgrid-*-tolerance=; they apply
// below the environment and the config file's [app] entries. When modules
// disagree the lowest wins, and GRID_LOG=info says so.
//
// RUN: %clang %gridrt_include -DTHREAD_DEFAULT=1 -DPROCESS_DEFAULT=3 -c %S/Inputs/module-defaults.c -o %t.one.o
// RUN: %clang %gridrt_include -DTHREAD_DEFAULT=0 -DPROCESS_DEFAULT=-1 -c %S/Inputs/module-defaults.c -o %t.zero.o
// RUN: %clang %gridrt_include %s %t.one.o -o %t.single %gridrt_link
// RUN: %clang %gridrt_include %s %t.one.o %t.zero.o -o %t.both %gridrt_link
// RUN: env GRID_LOG=debug %t.single 2>&1 | FileCheck --check-prefix=SINGLE %s
// RUN: env GRID_LOG=debug GRID_THREAD_TOLERANCE=near %t.single 2>&1 | FileCheck --check-prefix=ENV %s
// RUN: env GRID_LOG=info %t.both 2>&1 | FileCheck --check-prefix=BOTH %s
// RUN: env GRID_LOG=debug %t.both 2>&1 | FileCheck --check-prefix=BOTHSET %s

// SINGLE: grid: debug: registered module module-1.c (1 call sites)
// SINGLE: grid: debug: settings: thread tolerance machine (binary: -fgrid-thread-tolerance), process tolerance any (binary: -fgrid-process-tolerance)
// SINGLE: main ran
// ENV: settings: thread tolerance near (environment: GRID_THREAD_TOLERANCE), process tolerance any (binary
// BOTH: grid: info: modules disagree on the thread default (module-1.c: machine, module-0.c: local); using the lowest, local
// BOTH: main ran
// BOTHSET: settings: thread tolerance local (binary: -fgrid-thread-tolerance), process tolerance any (binary

#include <stdio.h>

int main(void) {
  puts("main ran");
  return 0;
}
