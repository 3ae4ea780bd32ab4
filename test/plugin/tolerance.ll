; -grid-thread-tolerance= and -grid-process-tolerance= accept 0-3 or the
; names local, machine, near, any, and are embedded in the module record and
; the grid_meta frame; unset stays -1 / null. A bad value is a clean error
; naming the option and the accepted values.
; RUN: %opt -passes=grid -grid-thread-tolerance=any -grid-process-tolerance=1 -S %s | FileCheck %s --check-prefix=SET
; RUN: %opt -passes=grid -grid-thread-tolerance=0 -grid-process-tolerance=near -S %s | FileCheck %s --check-prefix=SET2
; RUN: %opt -passes=grid -grid-process-tolerance=machine -S %s | FileCheck %s --check-prefix=HALF
; RUN: not %opt -passes=grid -grid-thread-tolerance=7 -S %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
; RUN: not %opt -passes=grid -grid-process-tolerance=abc -S %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADNAME
; Spellings are exact, as everywhere else Grid reads a tolerance.
; RUN: not %opt -passes=grid -grid-thread-tolerance=Near -S %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADCASE

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define i32 @main() {
  ret i32 0
}

; SET: @__grid_module = private constant {{.*}} { i32 2, i32 3, i32 1, i32 0,
; SET: \22thread_tolerance\22:3,\22process_tolerance\22:1,
; SET2: @__grid_module = private constant {{.*}} { i32 2, i32 0, i32 2, i32 0,
; SET2: \22thread_tolerance\22:0,\22process_tolerance\22:2,
; HALF: @__grid_module = private constant {{.*}} { i32 2, i32 -1, i32 1, i32 0,
; HALF: \22thread_tolerance\22:null,\22process_tolerance\22:1,
; BAD: error: Grid: invalid value '7' for -grid-thread-tolerance: expected 0, 1, 2, 3, local, machine, near or any
; BADNAME: error: Grid: invalid value 'abc' for -grid-process-tolerance: expected 0, 1, 2, 3, local, machine, near or any
; BADCASE: error: Grid: invalid value 'Near' for -grid-thread-tolerance: expected 0, 1, 2, 3, local, machine, near or any
