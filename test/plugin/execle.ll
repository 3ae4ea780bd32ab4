; A call of the variadic execle becomes a call of the variadic __grid_execle with
; the site first and every argument, the variadic ones included, after it.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @execle(ptr, ptr, ...)

define i32 @child(ptr %path, ptr %arg0, ptr %arg1) {
  %r = call i32 (ptr, ptr, ...) @execle(ptr %path, ptr %arg0, ptr %arg1, ptr null)
  ret i32 %r
}

; CHECK: @__grid_sites = {{.*}} i32 0, i32 0, i32 9, i32 0 }]
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22execle\22
; CHECK-LABEL: define {{.*}} @child(
; CHECK-NOT: @execle(
; CHECK: call i32 (ptr, ptr, ptr, ...) @__grid_execle(ptr @__grid_sites, ptr %path, ptr %arg0, ptr %arg1, ptr null)
; CHECK: declare i32 @__grid_execle(ptr, ptr, ptr, ...)
