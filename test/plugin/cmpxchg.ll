; cmpxchg of 1, 2, 4 and 8 bytes (integers and pointers, strong and weak)
; becomes a call of __grid_atomic_cmpxchg_N(ptr, expected, desired,
; success order, failure order) returning the old value; the success flag
; is old == expected (a weak one is strong: it never fails spuriously), and
; both results reach their users. At -O0 and -O2.
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
; CHECK: [[OA:%.*]] = call i8 @__grid_atomic_cmpxchg_1(ptr %p, i8 %a, i8 %a2, i32 5, i32 5)
; CHECK: icmp eq i8 [[OA]], %a
; CHECK: [[OB:%.*]] = call i16 @__grid_atomic_cmpxchg_2(ptr %p, i16 %b, i16 %b2, i32 4, i32 2)
; CHECK: [[OC:%.*]] = call i32 @__grid_atomic_cmpxchg_4(ptr %p, i32 %c, i32 %c2, i32 3, i32 0)
; CHECK: icmp eq i32 [[OC]], %c
; CHECK: [[OD:%.*]] = call i64 @__grid_atomic_cmpxchg_8(ptr %p, i64 %d, i64 %d2, i32 2, i32 2)
; CHECK: [[SD:%.*]] = icmp eq i64 [[OD]], %d
; CHECK: store volatile i64 [[OD]], ptr %out
; CHECK: store volatile i1 [[SD]], ptr %out
; CHECK-NOT: cmpxchg

define ptr @pointers(ptr %p, ptr %expected, ptr %desired, ptr %ok) {
  %r = cmpxchg ptr %p, ptr %expected, ptr %desired seq_cst seq_cst
  %old = extractvalue { ptr, i1 } %r, 0
  %success = extractvalue { ptr, i1 } %r, 1
  store i1 %success, ptr %ok
  ret ptr %old
}

; CHECK-LABEL: define {{.*}} @pointers(
; CHECK-DAG: [[E:%.*]] = ptrtoint ptr %expected to i64
; CHECK-DAG: [[D:%.*]] = ptrtoint ptr %desired to i64
; CHECK: [[O:%.*]] = call i64 @__grid_atomic_cmpxchg_8(ptr %p, i64 [[E]], i64 [[D]], i32 5, i32 5)
; CHECK-DAG: [[S:%.*]] = icmp eq i64 [[O]], [[E]]
; CHECK-DAG: [[OP:%.*]] = inttoptr i64 [[O]] to ptr
; CHECK-DAG: store i1 [[S]], ptr %ok
; CHECK: ret ptr [[OP]]
; CHECK-NOT: cmpxchg

; A use of the whole pair gets it rebuilt.
define { i32, i1 } @pair(ptr %p, i32 %e, i32 %d) {
  %r = cmpxchg ptr %p, i32 %e, i32 %d seq_cst seq_cst
  ret { i32, i1 } %r
}

; CHECK-LABEL: define {{.*}} @pair(
; CHECK: [[O:%.*]] = call i32 @__grid_atomic_cmpxchg_4(ptr %p, i32 %e, i32 %d, i32 5, i32 5)
; CHECK: [[S:%.*]] = icmp eq i32 [[O]], %e
; CHECK: [[P:%.*]] = insertvalue { i32, i1 } poison, i32 [[O]], 0
; CHECK: %r = insertvalue { i32, i1 } [[P]], i1 [[S]], 1
; CHECK: ret { i32, i1 } %r
; CHECK: declare zeroext i8 @__grid_atomic_cmpxchg_1(ptr, i8 zeroext, i8 zeroext, i32, i32)
; CHECK-DAG: declare i64 @__grid_atomic_cmpxchg_8(ptr, i64, i64, i32, i32)
