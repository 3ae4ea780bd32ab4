; Every integer atomicrmw operation, of every size, becomes a call of
; __grid_atomic_rmw_N(ptr, op, value, order) returning the old value; op is
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
; CHECK: %xchg = call i32 @__grid_atomic_rmw_4(ptr %p, i32 0, i32 %v, i32 5)
; CHECK: %add = call i32 @__grid_atomic_rmw_4(ptr %p, i32 1, i32 %v, i32 0)
; CHECK: %sub = call i32 @__grid_atomic_rmw_4(ptr %p, i32 2, i32 %v, i32 3)
; CHECK: %and = call i32 @__grid_atomic_rmw_4(ptr %p, i32 3, i32 %v, i32 2)
; CHECK: %nand = call i32 @__grid_atomic_rmw_4(ptr %p, i32 4, i32 %v, i32 4)
; CHECK: %or = call i32 @__grid_atomic_rmw_4(ptr %p, i32 5, i32 %v, i32 5)
; CHECK: %xor = call i32 @__grid_atomic_rmw_4(ptr %p, i32 6, i32 %v, i32 5)
; CHECK: %max = call i32 @__grid_atomic_rmw_4(ptr %p, i32 7, i32 %v, i32 5)
; CHECK: %min = call i32 @__grid_atomic_rmw_4(ptr %p, i32 8, i32 %v, i32 5)
; CHECK: %umax = call i32 @__grid_atomic_rmw_4(ptr %p, i32 9, i32 %v, i32 5)
; CHECK: %umin = call i32 @__grid_atomic_rmw_4(ptr %p, i32 10, i32 %v, i32 5)
; CHECK-NOT: atomicrmw

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
; CHECK: %ra = call i8 @__grid_atomic_rmw_1(ptr %p, i32 1, i8 %a, i32 5)
; CHECK: %rb = call i16 @__grid_atomic_rmw_2(ptr %p, i32 9, i16 %b, i32 5)
; CHECK: %rd = call i64 @__grid_atomic_rmw_8(ptr %p, i32 8, i64 %d, i32 5)
; CHECK: [[EI:%.*]] = ptrtoint ptr %e to i64
; CHECK: [[RE:%.*]] = call i64 @__grid_atomic_rmw_8(ptr %p, i32 0, i64 [[EI]], i32 5)
; CHECK: %re = inttoptr i64 [[RE]] to ptr
; CHECK: [[FI:%.*]] = bitcast float %f to i32
; CHECK: [[RF:%.*]] = call i32 @__grid_atomic_rmw_4(ptr %p, i32 0, i32 [[FI]], i32 5)
; CHECK: %rf = bitcast i32 [[RF]] to float
; CHECK-NOT: atomicrmw
; CHECK-DAG: declare zeroext i8 @__grid_atomic_rmw_1(ptr, i32, i8 zeroext, i32)
; CHECK-DAG: declare i64 @__grid_atomic_rmw_8(ptr, i32, i64, i32)
