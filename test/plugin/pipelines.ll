; opt's default<O0> and default<O2> pipelines pick up the plugin's callbacks
; (the ones clang uses): the passes are required, so they run at -O0, where
; clang marks every function optnone.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O3>' -S %s | FileCheck %s
; RUN: %opt -passes='thinlto-pre-link<O2>' -S %s | FileCheck %s
; RUN: %opt -passes='lto-pre-link<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @system(ptr)

define i32 @main(ptr %cmd) #0 {
  %r = call i32 @system(ptr %cmd)
  ret i32 %r
}

attributes #0 = { noinline optnone }

; CHECK: @__grid_module = private constant
; CHECK: section "grid_meta"
; CHECK-LABEL: define {{.*}} @main(
; CHECK-NEXT: call i32 @__grid_system(ptr @__grid_sites, ptr %cmd)
