; Atomic loads and stores of 1, 2, 4 and 8 bytes go behind a relaxed load of
; __grid_sync_cluster: while it is zero the access runs as it was (grid.native),
; once it is set a call of __grid_atomic_load_N/__grid_atomic_store_N runs
; instead (grid.cold), with the C ABI's memory order (relaxed 0, acquire 2,
; release 3, seq_cst 5; unordered and monotonic are relaxed), and a phi
; takes the loaded value. Pointers and floating-point values travel as
; integers of their size. Plain loads and stores stay. At -O0 and -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @loads(ptr %p, ptr %out) {
  %a = load atomic i8, ptr %p monotonic, align 1
  store volatile i8 %a, ptr %out
  %b = load atomic i16, ptr %p acquire, align 2
  store volatile i16 %b, ptr %out
  %c = load atomic i32, ptr %p seq_cst, align 4
  store volatile i32 %c, ptr %out
  %d = load atomic i64, ptr %p unordered, align 8
  store volatile i64 %d, ptr %out
  %e = load atomic ptr, ptr %p acquire, align 8
  store volatile ptr %e, ptr %out
  %f = load atomic float, ptr %p seq_cst, align 4
  store volatile float %f, ptr %out
  %g = load atomic double, ptr %p monotonic, align 8
  store volatile double %g, ptr %out
  %plain = load i32, ptr %p
  store volatile i32 %plain, ptr %out
  ret void
}

; CHECK-LABEL: define {{.*}} @loads(
; CHECK: %grid.cluster = load atomic i8, ptr @__grid_sync_cluster monotonic, align 1
; CHECK-NEXT: %grid.cluster.set = icmp ne i8 %grid.cluster, 0
; CHECK-NEXT: br i1 %grid.cluster.set, label %grid.cold, label %grid.native, !prof ![[UNLIKELY:[0-9]+]]
; CHECK: grid.cold:
; CHECK-NEXT: %a.cluster = call i8 @__grid_atomic_load_1(ptr %p, i32 0)
; CHECK: grid.native:
; CHECK-NEXT: %a.native = load atomic i8, ptr %p monotonic, align 1
; CHECK: grid.join:
; CHECK-NEXT: %a = phi i8 [ %a.cluster, %grid.cold ], [ %a.native, %grid.native ]
; CHECK-NEXT: store volatile i8 %a, ptr %out
; CHECK: %b.cluster = call i16 @__grid_atomic_load_2(ptr %p, i32 2)
; CHECK: %b.native = load atomic i16, ptr %p acquire, align 2
; CHECK: %b = phi i16 [ %b.cluster, %grid.cold{{[0-9]+}} ], [ %b.native, %grid.native{{[0-9]+}} ]
; CHECK: %c.cluster = call i32 @__grid_atomic_load_4(ptr %p, i32 5)
; CHECK: %c.native = load atomic i32, ptr %p seq_cst, align 4
; CHECK: %c = phi i32
; CHECK: %d.cluster = call i64 @__grid_atomic_load_8(ptr %p, i32 0)
; CHECK: %d.native = load atomic i64, ptr %p unordered, align 8
; CHECK: %d = phi i64
; CHECK: [[E:%.*]] = call i64 @__grid_atomic_load_8(ptr %p, i32 2)
; CHECK-NEXT: %e.cluster = inttoptr i64 [[E]] to ptr
; CHECK: %e.native = load atomic ptr, ptr %p acquire, align 8
; CHECK: %e = phi ptr [ %e.cluster, %grid.cold{{[0-9]+}} ], [ %e.native, %grid.native{{[0-9]+}} ]
; CHECK: [[F:%.*]] = call i32 @__grid_atomic_load_4(ptr %p, i32 5)
; CHECK-NEXT: %f.cluster = bitcast i32 [[F]] to float
; CHECK: %f.native = load atomic float, ptr %p seq_cst, align 4
; CHECK: %f = phi float
; CHECK: [[G:%.*]] = call i64 @__grid_atomic_load_8(ptr %p, i32 0)
; CHECK-NEXT: %g.cluster = bitcast i64 [[G]] to double
; CHECK: %g.native = load atomic double, ptr %p monotonic, align 8
; CHECK: %g = phi double
; The plain load is not guarded: the last test of the flag comes before %g.
; CHECK-NOT: @__grid_sync_cluster
; CHECK: load i32, ptr %p
; CHECK: ret void

define void @stores(ptr %p, i8 %a, i16 %b, i32 %c, i64 %d, ptr %e, float %f, double %g) {
  store atomic i8 %a, ptr %p monotonic, align 1
  store atomic i16 %b, ptr %p release, align 2
  store atomic i32 %c, ptr %p seq_cst, align 4
  store atomic i64 %d, ptr %p unordered, align 8
  store atomic ptr %e, ptr %p release, align 8
  store atomic float %f, ptr %p seq_cst, align 4
  store atomic double %g, ptr %p release, align 8
  ret void
}

; CHECK-LABEL: define {{.*}} @stores(
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: call void @__grid_atomic_store_1(ptr %p, i8 %a, i32 0)
; CHECK: store atomic i8 %a, ptr %p monotonic, align 1
; CHECK: call void @__grid_atomic_store_2(ptr %p, i16 %b, i32 3)
; CHECK: store atomic i16 %b, ptr %p release, align 2
; CHECK: call void @__grid_atomic_store_4(ptr %p, i32 %c, i32 5)
; CHECK: store atomic i32 %c, ptr %p seq_cst, align 4
; CHECK: call void @__grid_atomic_store_8(ptr %p, i64 %d, i32 0)
; CHECK: store atomic i64 %d, ptr %p unordered, align 8
; CHECK: [[EI:%.*]] = ptrtoint ptr %e to i64
; CHECK: call void @__grid_atomic_store_8(ptr %p, i64 [[EI]], i32 3)
; CHECK: store atomic ptr %e, ptr %p release, align 8
; CHECK: [[FI:%.*]] = bitcast float %f to i32
; CHECK: call void @__grid_atomic_store_4(ptr %p, i32 [[FI]], i32 5)
; CHECK: store atomic float %f, ptr %p seq_cst, align 4
; CHECK: [[GI:%.*]] = bitcast double %g to i64
; CHECK: call void @__grid_atomic_store_8(ptr %p, i64 [[GI]], i32 3)
; CHECK: store atomic double %g, ptr %p release, align 8
; CHECK: ret void

; 8- and 16-bit values are zero-extended, as C passes uint8_t and uint16_t;
; no atomic entry unwinds.
; CHECK-DAG: declare zeroext i8 @__grid_atomic_load_1(ptr, i32) #[[NOUNWIND:[0-9]+]]
; CHECK-DAG: declare zeroext i16 @__grid_atomic_load_2(ptr, i32)
; CHECK-DAG: declare i32 @__grid_atomic_load_4(ptr, i32)
; CHECK-DAG: declare void @__grid_atomic_store_1(ptr, i8 zeroext, i32)
; CHECK-DAG: declare void @__grid_atomic_store_2(ptr, i16 zeroext, i32)
; CHECK-DAG: declare void @__grid_atomic_store_8(ptr, i64, i32)
; CHECK-DAG: attributes #[[NOUNWIND]] = { nounwind }
; The cluster path is the unlikely one.
; CHECK: ![[UNLIKELY]] = !{!"branch_weights", i32 1, i32 1048576}
