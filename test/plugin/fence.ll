; Fences become calls of __grid_atomic_fence(order); fences of
; syncscope("singlethread") (atomic_signal_fence), which order a thread
; against its own signal handlers only, stay. At -O0 and -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @fences(ptr %p) {
  fence acquire
  store volatile i32 1, ptr %p
  fence release
  store volatile i32 2, ptr %p
  fence acq_rel
  store volatile i32 3, ptr %p
  fence seq_cst
  store volatile i32 4, ptr %p
  fence syncscope("singlethread") seq_cst
  ret void
}

; CHECK-LABEL: define {{.*}} @fences(
; CHECK-NEXT: call void @__grid_atomic_fence(i32 2)
; CHECK-NEXT: store volatile i32 1
; CHECK-NEXT: call void @__grid_atomic_fence(i32 3)
; CHECK-NEXT: store volatile i32 2
; CHECK-NEXT: call void @__grid_atomic_fence(i32 4)
; CHECK-NEXT: store volatile i32 3
; CHECK-NEXT: call void @__grid_atomic_fence(i32 5)
; CHECK-NEXT: store volatile i32 4
; CHECK-NEXT: fence syncscope("singlethread") seq_cst
; CHECK-NEXT: ret void
; CHECK: declare void @__grid_atomic_fence(i32) #[[A:[0-9]+]]
; CHECK: attributes #[[A]] = { nounwind }
