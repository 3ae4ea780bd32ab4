; pthread_exit becomes __grid_pthread_exit; the call and the entry keep
; noreturn, so the code after it stays unreachable.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare void @pthread_exit(ptr) noreturn

define void @worker(ptr %p) {
  call void @pthread_exit(ptr %p) #0
  unreachable
}

attributes #0 = { noreturn }

; CHECK: @__grid_meta = {{.*}}\22kind\22:\22pthread_exit\22
; CHECK-LABEL: define {{.*}} @worker(
; CHECK-NOT: @pthread_exit(
; CHECK: call void @__grid_pthread_exit(ptr @__grid_sites, ptr %p) #[[ATTR:[0-9]+]]
; CHECK-NEXT: unreachable
; CHECK: declare void @__grid_pthread_exit(ptr, ptr) #[[ATTR]]
; CHECK: attributes #[[ATTR]] = { noreturn }
