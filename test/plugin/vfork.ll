; vfork becomes __grid_vfork; call and entry keep returns_twice, which stops the
; optimizer from moving code across the second return.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @vfork() returns_twice

define i32 @spawn() {
  %pid = call i32 @vfork() #0
  ret i32 %pid
}

attributes #0 = { returns_twice }

; CHECK: @__grid_sites = {{.*}} i32 0, i32 0, i32 6, i32 0 }]
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22vfork\22
; CHECK-LABEL: define {{.*}} @spawn(
; CHECK-NOT: @vfork(
; CHECK: %pid = call i32 @__grid_vfork(ptr @__grid_sites) #[[ATTR:[0-9]+]]
; CHECK: declare i32 @__grid_vfork(ptr) #[[ATTR]]
; CHECK: attributes #[[ATTR]] = { returns_twice }
