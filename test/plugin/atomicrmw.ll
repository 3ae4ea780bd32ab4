; Every integer atomicrmw operation, of every size, goes behind a relaxed
; load of __grid_sync_cluster: while it is zero it runs as it was
; (grid.native, %x.native); once it is set a call of
; __grid_atomic_rmw_N(ptr, op, value, order) returning the old value runs
; instead (grid.cold, %x.cluster), and a phi (%x) takes the old value; op is
; abi.def's GRID_ATOMIC_OP order (xchg 0, add 1, sub 2, and 3, nand 4, or 5,
; xor 6, max 7, min 8, umax 9, umin 10). xchg of a pointer or a float moves
; the bits as an integer. At -O0 and -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @ops(ptr %p, i32 %v, ptr %out) {
  %xchg = atomicrmw xchg ptr %p, i32 %v seq_cst
  store volatile i32 %xchg, ptr %out
  %add = atomicrmw add ptr %p, i32 %v monotonic
  store volatile i32 %add, ptr %out
  %sub = atomicrmw sub ptr %p, i32 %v release
  store volatile i32 %sub, ptr %out
  %and = atomicrmw and ptr %p, i32 %v acquire
  store volatile i32 %and, ptr %out
  %nand = atomicrmw nand ptr %p, i32 %v acq_rel
  store volatile i32 %nand, ptr %out
  %or = atomicrmw or ptr %p, i32 %v seq_cst
  store volatile i32 %or, ptr %out
  %xor = atomicrmw xor ptr %p, i32 %v seq_cst
  store volatile i32 %xor, ptr %out
  %max = atomicrmw max ptr %p, i32 %v seq_cst
  store volatile i32 %max, ptr %out
  %min = atomicrmw min ptr %p, i32 %v seq_cst
  store volatile i32 %min, ptr %out
  %umax = atomicrmw umax ptr %p, i32 %v seq_cst
  store volatile i32 %umax, ptr %out
  %umin = atomicrmw umin ptr %p, i32 %v seq_cst
  store volatile i32 %umin, ptr %out
  ret void
}

; CHECK-LABEL: define {{.*}} @ops(
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %xchg.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 0, i32 %v, i32 5)
; CHECK: %xchg.native = atomicrmw xchg ptr %p, i32 %v seq_cst
; CHECK: %xchg = phi i32 [ %xchg.cluster, %grid.cold{{[0-9]*}} ], [ %xchg.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %add.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 1, i32 %v, i32 0)
; CHECK: %add.native = atomicrmw add ptr %p, i32 %v monotonic
; CHECK: %add = phi i32 [ %add.cluster, %grid.cold{{[0-9]*}} ], [ %add.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %sub.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 2, i32 %v, i32 3)
; CHECK: %sub.native = atomicrmw sub ptr %p, i32 %v release
; CHECK: %sub = phi i32 [ %sub.cluster, %grid.cold{{[0-9]*}} ], [ %sub.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %and.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 3, i32 %v, i32 2)
; CHECK: %and.native = atomicrmw and ptr %p, i32 %v acquire
; CHECK: %and = phi i32 [ %and.cluster, %grid.cold{{[0-9]*}} ], [ %and.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %nand.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 4, i32 %v, i32 4)
; CHECK: %nand.native = atomicrmw nand ptr %p, i32 %v acq_rel
; CHECK: %nand = phi i32 [ %nand.cluster, %grid.cold{{[0-9]*}} ], [ %nand.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %or.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 5, i32 %v, i32 5)
; CHECK: %or.native = atomicrmw or ptr %p, i32 %v seq_cst
; CHECK: %or = phi i32 [ %or.cluster, %grid.cold{{[0-9]*}} ], [ %or.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %xor.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 6, i32 %v, i32 5)
; CHECK: %xor.native = atomicrmw xor ptr %p, i32 %v seq_cst
; CHECK: %xor = phi i32 [ %xor.cluster, %grid.cold{{[0-9]*}} ], [ %xor.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %max.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 7, i32 %v, i32 5)
; CHECK: %max.native = atomicrmw max ptr %p, i32 %v seq_cst
; CHECK: %max = phi i32 [ %max.cluster, %grid.cold{{[0-9]*}} ], [ %max.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %min.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 8, i32 %v, i32 5)
; CHECK: %min.native = atomicrmw min ptr %p, i32 %v seq_cst
; CHECK: %min = phi i32 [ %min.cluster, %grid.cold{{[0-9]*}} ], [ %min.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %umax.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 9, i32 %v, i32 5)
; CHECK: %umax.native = atomicrmw umax ptr %p, i32 %v seq_cst
; CHECK: %umax = phi i32 [ %umax.cluster, %grid.cold{{[0-9]*}} ], [ %umax.native, %grid.native{{[0-9]*}} ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %umin.cluster = call i32 @__grid_atomic_rmw_4(ptr %p, i32 10, i32 %v, i32 5)
; CHECK: %umin.native = atomicrmw umin ptr %p, i32 %v seq_cst
; CHECK: %umin = phi i32 [ %umin.cluster, %grid.cold{{[0-9]*}} ], [ %umin.native, %grid.native{{[0-9]*}} ]

define void @sizes(ptr %p, i8 %a, i16 %b, i64 %d, ptr %e, float %f, ptr %out) {
  %ra = atomicrmw add ptr %p, i8 %a seq_cst
  store volatile i8 %ra, ptr %out
  %rb = atomicrmw umax ptr %p, i16 %b seq_cst
  store volatile i16 %rb, ptr %out
  %rd = atomicrmw min ptr %p, i64 %d seq_cst
  store volatile i64 %rd, ptr %out
  %re = atomicrmw xchg ptr %p, ptr %e seq_cst
  store volatile ptr %re, ptr %out
  %rf = atomicrmw xchg ptr %p, float %f seq_cst
  store volatile float %rf, ptr %out
  ret void
}

; CHECK-LABEL: define {{.*}} @sizes(
; CHECK: %ra.cluster = call i8 @__grid_atomic_rmw_1(ptr %p, i32 1, i8 %a, i32 5)
; CHECK: %ra.native = atomicrmw add ptr %p, i8 %a seq_cst
; CHECK: %rb.cluster = call i16 @__grid_atomic_rmw_2(ptr %p, i32 9, i16 %b, i32 5)
; CHECK: %rb.native = atomicrmw umax ptr %p, i16 %b seq_cst
; CHECK: %rd.cluster = call i64 @__grid_atomic_rmw_8(ptr %p, i32 8, i64 %d, i32 5)
; CHECK: %rd.native = atomicrmw min ptr %p, i64 %d seq_cst
; CHECK: [[EI:%.*]] = ptrtoint ptr %e to i64
; CHECK-NEXT: [[RE:%.*]] = call i64 @__grid_atomic_rmw_8(ptr %p, i32 0, i64 [[EI]], i32 5)
; CHECK-NEXT: %re.cluster = inttoptr i64 [[RE]] to ptr
; CHECK: %re.native = atomicrmw xchg ptr %p, ptr %e seq_cst
; CHECK: %re = phi ptr
; CHECK: [[FI:%.*]] = bitcast float %f to i32
; CHECK-NEXT: [[RF:%.*]] = call i32 @__grid_atomic_rmw_4(ptr %p, i32 0, i32 [[FI]], i32 5)
; CHECK-NEXT: %rf.cluster = bitcast i32 [[RF]] to float
; CHECK: %rf.native = atomicrmw xchg ptr %p, float %f seq_cst
; CHECK: %rf = phi float
; CHECK-DAG: declare zeroext i8 @__grid_atomic_rmw_1(ptr, i32, i8 zeroext, i32)
; CHECK-DAG: declare i64 @__grid_atomic_rmw_8(ptr, i32, i64, i32)
