// The exact flags grid-clang passes: -Xclang -load makes the plugin's
// options exist before -mllvm is parsed, -fpass-plugin adds its passes; the
// plugin is loaded once (no "registered more than once"), the tolerances
// reach the object at -O0 and -O2, for C and C++, with -c and with -flto.
// RUN: %clang -O0 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -mllvm -grid-thread-tolerance=2 -mllvm -grid-process-tolerance=any -g -c %s -o %t.o 2>&1 | count 0
// RUN: llvm-objcopy --dump-section=grid_meta=%t.meta %t.o && FileCheck %s --input-file=%t.meta
// RUN: %clang -O2 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -mllvm -grid-thread-tolerance=2 -mllvm -grid-process-tolerance=any -g -c %s -o %t.o 2>&1 | count 0
// RUN: llvm-objcopy --dump-section=grid_meta=%t.meta %t.o && FileCheck %s --input-file=%t.meta
// RUN: %clangxx -x c++ -O2 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -mllvm -grid-thread-tolerance=2 -mllvm -grid-process-tolerance=any -g -c %s -o %t.o 2>&1 | count 0
// RUN: llvm-objcopy --dump-section=grid_meta=%t.meta %t.o && FileCheck %s --input-file=%t.meta
// RUN: %clang -O2 -flto -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -mllvm -grid-thread-tolerance=2 -mllvm -grid-process-tolerance=any -c %s -o %t.bc
// RUN: llvm-dis %t.bc -o - | FileCheck %s --check-prefix=LTO
// A bad value stops the compilation with a clang error and no object.
// RUN: rm -f %t.bad.o
// RUN: not %clang -O2 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -mllvm -grid-thread-tolerance=far -c %s -o %t.bad.o 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not ls %t.bad.o
#include <unistd.h>

int spawn(void) { return fork(); }

// CHECK: GRIDMETA
// CHECK-SAME: "thread_tolerance":2,"process_tolerance":3,"sites":[{"file":"{{.*}}clang-flags.c","line":[[#@LINE-3]],{{.*}}"function":"spawn","kind":"fork"}]}
// LTO: \22thread_tolerance\22:2,\22process_tolerance\22:3
// LTO: call i32 @__grid_fork(
// BAD: error: Grid: invalid value 'far' for -grid-thread-tolerance: expected 0, 1, 2, 3, local, machine, near or any
