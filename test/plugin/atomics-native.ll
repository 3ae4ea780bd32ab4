; Atomics the runtime has no entry for stay native, each with a missed
; remark naming why: floating-point atomicrmw (fadd, fsub, fmax, fmin),
; uinc_wrap, 16-byte atomics, under-aligned atomics and atomics outside
; address space 0. Nothing else in the module changes.
; RUN: %opt -passes='default<O0>' -pass-remarks-missed=grid -S %s -o - 2>%t.remarks | FileCheck %s
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define void @native(ptr %p, float %f, double %d, i128 %w, i32 %v, ptr addrspace(256) %gs, ptr %out) {
  %fadd = atomicrmw fadd ptr %p, float %f seq_cst
  store volatile float %fadd, ptr %out
  %fsub = atomicrmw fsub ptr %p, double %d seq_cst
  store volatile double %fsub, ptr %out
  %fmax = atomicrmw fmax ptr %p, float %f seq_cst
  store volatile float %fmax, ptr %out
  %fmin = atomicrmw fmin ptr %p, float %f seq_cst
  store volatile float %fmin, ptr %out
  %inc = atomicrmw uinc_wrap ptr %p, i32 %v seq_cst
  store volatile i32 %inc, ptr %out
  %wide = load atomic i128, ptr %p seq_cst, align 16
  store volatile i128 %wide, ptr %out
  %cx = cmpxchg ptr %p, i128 %w, i128 0 seq_cst seq_cst
  %cxv = extractvalue { i128, i1 } %cx, 0
  store volatile i128 %cxv, ptr %out
  %under = load atomic i32, ptr %p seq_cst, align 2
  store volatile i32 %under, ptr %out
  %seg = load atomic i32, ptr addrspace(256) %gs seq_cst, align 4
  store volatile i32 %seg, ptr %out
  ret void
}

; CHECK-LABEL: define {{.*}} @native(
; CHECK: atomicrmw fadd ptr %p, float %f seq_cst
; CHECK: atomicrmw fsub ptr %p, double %d seq_cst
; CHECK: atomicrmw fmax ptr %p, float %f seq_cst
; CHECK: atomicrmw fmin ptr %p, float %f seq_cst
; CHECK: atomicrmw uinc_wrap ptr %p, i32 %v seq_cst
; CHECK: load atomic i128, ptr %p seq_cst, align 16
; CHECK: cmpxchg ptr %p, i128 %w, i128 0 seq_cst seq_cst
; CHECK: load atomic i32, ptr %p seq_cst, align 2
; CHECK: load atomic i32, ptr addrspace(256) %gs seq_cst, align 4
; CHECK-NOT: @__grid_atomic_

; REMARK: remark: {{.*}} left atomicrmw native: the runtime has no atomicrmw fadd on floating point
; REMARK: remark: {{.*}} left atomicrmw native: the runtime has no atomicrmw fsub on floating point
; REMARK: remark: {{.*}} left atomicrmw native: the runtime has no atomicrmw fmax on floating point
; REMARK: remark: {{.*}} left atomicrmw native: the runtime has no atomicrmw fmin on floating point
; REMARK: remark: {{.*}} left atomicrmw native: the runtime has no atomicrmw uinc_wrap on this type
; REMARK: remark: {{.*}} left load native: the runtime has no atomics of 16 bytes
; REMARK: remark: {{.*}} left cmpxchg native: the runtime has no atomics of 16 bytes
; REMARK: remark: {{.*}} left load native: it is under-aligned (2 bytes for a 4-byte access)
; REMARK: remark: {{.*}} left load native: its pointer is in address space 256
