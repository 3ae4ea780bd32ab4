; cmpxchg of 1, 2, 4 and 8 bytes (integers and pointers, strong and weak)
; goes behind a relaxed load of __grid_sync_cluster: while it is zero the
; cmpxchg runs as it was (grid.native); once it is set, a call of
; __grid_atomic_cmpxchg_N(ptr, expected, desired, success order, failure
; order) returning the old value runs instead (grid.cold), the success flag
; old == expected (a weak one is strong: it never fails spuriously), and
; a phi of the two pairs reaches the users. At -O0 and -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @exchange(ptr %p, i8 %a, i8 %a2, i16 %b, i16 %b2, i32 %c, i32 %c2, i64 %d, i64 %d2, ptr %out) {
  %ra = cmpxchg ptr %p, i8 %a, i8 %a2 seq_cst seq_cst
  %va = extractvalue { i8, i1 } %ra, 0
  %sa = extractvalue { i8, i1 } %ra, 1
  store volatile i8 %va, ptr %out
  store volatile i1 %sa, ptr %out
  %rb = cmpxchg ptr %p, i16 %b, i16 %b2 acq_rel acquire
  %vb = extractvalue { i16, i1 } %rb, 0
  store volatile i16 %vb, ptr %out
  %rc = cmpxchg weak ptr %p, i32 %c, i32 %c2 release monotonic
  %sc = extractvalue { i32, i1 } %rc, 1
  store volatile i1 %sc, ptr %out
  %rd = cmpxchg ptr %p, i64 %d, i64 %d2 acquire acquire
  %vd = extractvalue { i64, i1 } %rd, 0
  %sd = extractvalue { i64, i1 } %rd, 1
  store volatile i64 %vd, ptr %out
  store volatile i1 %sd, ptr %out
  ret void
}

; CHECK-LABEL: define {{.*}} @exchange(
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: grid.cold:
; CHECK-NEXT: [[OA:%.*]] = call i8 @__grid_atomic_cmpxchg_1(ptr %p, i8 %a, i8 %a2, i32 5, i32 5)
; CHECK-NEXT: [[SA:%.*]] = icmp eq i8 [[OA]], %a
; CHECK-NEXT: [[PA:%.*]] = insertvalue { i8, i1 } poison, i8 [[OA]], 0
; CHECK-NEXT: %ra.cluster = insertvalue { i8, i1 } [[PA]], i1 [[SA]], 1
; CHECK: grid.native:
; CHECK-NEXT: %ra.native = cmpxchg ptr %p, i8 %a, i8 %a2 seq_cst seq_cst
; CHECK: %ra = phi { i8, i1 } [ %ra.cluster, %grid.cold ], [ %ra.native, %grid.native ]
; CHECK-NEXT: %va = extractvalue { i8, i1 } %ra, 0
; CHECK-NEXT: %sa = extractvalue { i8, i1 } %ra, 1
; CHECK: call i16 @__grid_atomic_cmpxchg_2(ptr %p, i16 %b, i16 %b2, i32 4, i32 2)
; CHECK: %rb.native = cmpxchg ptr %p, i16 %b, i16 %b2 acq_rel acquire
; CHECK: [[OC:%.*]] = call i32 @__grid_atomic_cmpxchg_4(ptr %p, i32 %c, i32 %c2, i32 3, i32 0)
; CHECK-NEXT: icmp eq i32 [[OC]], %c
; CHECK: %rc.native = cmpxchg weak ptr %p, i32 %c, i32 %c2 release monotonic
; CHECK: call i64 @__grid_atomic_cmpxchg_8(ptr %p, i64 %d, i64 %d2, i32 2, i32 2)
; CHECK: %rd.native = cmpxchg ptr %p, i64 %d, i64 %d2 acquire acquire
; CHECK: %rd = phi { i64, i1 } [ %rd.cluster, %grid.cold{{[0-9]+}} ], [ %rd.native, %grid.native{{[0-9]+}} ]
; CHECK: store volatile i1 %sd, ptr %out

define ptr @pointers(ptr %p, ptr %expected, ptr %desired, ptr %ok) {
  %r = cmpxchg ptr %p, ptr %expected, ptr %desired seq_cst seq_cst
  %old = extractvalue { ptr, i1 } %r, 0
  %success = extractvalue { ptr, i1 } %r, 1
  store i1 %success, ptr %ok
  ret ptr %old
}

; CHECK-LABEL: define {{.*}} @pointers(
; CHECK: grid.cold:
; CHECK-NEXT: [[E:%.*]] = ptrtoint ptr %expected to i64
; CHECK-NEXT: [[D:%.*]] = ptrtoint ptr %desired to i64
; CHECK-NEXT: [[O:%.*]] = call i64 @__grid_atomic_cmpxchg_8(ptr %p, i64 [[E]], i64 [[D]], i32 5, i32 5)
; CHECK-NEXT: [[OP:%.*]] = inttoptr i64 [[O]] to ptr
; CHECK-NEXT: [[S:%.*]] = icmp eq i64 [[O]], [[E]]
; CHECK-NEXT: [[P:%.*]] = insertvalue { ptr, i1 } poison, ptr [[OP]], 0
; CHECK-NEXT: %r.cluster = insertvalue { ptr, i1 } [[P]], i1 [[S]], 1
; CHECK: grid.native:
; CHECK-NEXT: %r.native = cmpxchg ptr %p, ptr %expected, ptr %desired seq_cst seq_cst
; CHECK: %r = phi { ptr, i1 } [ %r.cluster, %grid.cold ], [ %r.native, %grid.native ]
; CHECK-NEXT: %old = extractvalue { ptr, i1 } %r, 0
; CHECK: ret ptr %old

; A use of the whole pair takes the phi.
define { i32, i1 } @pair(ptr %p, i32 %e, i32 %d) {
  %r = cmpxchg ptr %p, i32 %e, i32 %d seq_cst seq_cst
  ret { i32, i1 } %r
}

; CHECK-LABEL: define {{.*}} @pair(
; CHECK: [[O:%.*]] = call i32 @__grid_atomic_cmpxchg_4(ptr %p, i32 %e, i32 %d, i32 5, i32 5)
; CHECK: %r.native = cmpxchg ptr %p, i32 %e, i32 %d seq_cst seq_cst
; CHECK: %r = phi { i32, i1 } [ %r.cluster, %grid.cold ], [ %r.native, %grid.native ]
; CHECK-NEXT: ret { i32, i1 } %r
; CHECK: declare zeroext i8 @__grid_atomic_cmpxchg_1(ptr, i8 zeroext, i8 zeroext, i32, i32)
; CHECK-DAG: declare i64 @__grid_atomic_cmpxchg_8(ptr, i64, i64, i32, i32)
