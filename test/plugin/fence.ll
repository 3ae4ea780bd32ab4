; Fences go behind a relaxed load of __grid_sync_cluster: while it is zero
; the fence runs as it was (grid.native), once it is set a call of
; __grid_atomic_fence(order) runs instead (grid.cold). Fences of
; syncscope("singlethread") (atomic_signal_fence), which order a thread
; against its own signal handlers only, stay as they are. At -O0 and -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s
; A second run leaves the guards as they are (IR the plugin wrote, optimised
; again, or at an LTO link): its own load of the flag is no atomic to guard.
; RUN: %opt -passes='grid-atomics,grid-atomics' -S %s | FileCheck %s --check-prefix=TWICE
; TWICE-COUNT-4: load atomic i8, ptr @__grid_sync_cluster monotonic
; TWICE-NOT: @__grid_sync_cluster
; TWICE-NOT: .native.native
; TWICE-NOT: grid.cold{{.*}}grid.cold

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
; CHECK-NEXT: %grid.cluster = load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK-NEXT: %grid.cluster.set = icmp ne i8 %grid.cluster, 0
; CHECK-NEXT: br i1 %grid.cluster.set, label %grid.cold, label %grid.native
; CHECK: grid.cold:
; CHECK-NEXT: call void @__grid_atomic_fence(i32 2)
; CHECK: grid.native:
; CHECK-NEXT: fence acquire
; CHECK: grid.join:
; CHECK-NEXT: store volatile i32 1
; CHECK: call void @__grid_atomic_fence(i32 3)
; CHECK: fence release
; CHECK: store volatile i32 2
; CHECK: call void @__grid_atomic_fence(i32 4)
; CHECK: fence acq_rel
; CHECK: store volatile i32 3
; CHECK: call void @__grid_atomic_fence(i32 5)
; CHECK: fence seq_cst
; CHECK: grid.join{{[0-9]+}}:
; CHECK-NEXT: store volatile i32 4
; CHECK-NEXT: fence syncscope("singlethread") seq_cst
; CHECK-NEXT: ret void
; CHECK: declare void @__grid_atomic_fence(i32) #[[A:[0-9]+]]
; CHECK: attributes #[[A]] = { nounwind }
