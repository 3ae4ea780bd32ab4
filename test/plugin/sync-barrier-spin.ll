; pthread_barrier_wait and the pthread_spin_ lock calls become calls of their
; __grid_ entry points, at -O0 and -O2; pthread_barrier_init and
; pthread_spin_init, which synchronise nothing, stay. The spin lock calls
; keep their libc call on the native side of a test of __grid_sync_cluster.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @pthread_barrier_init(ptr, ptr, i32)
declare i32 @pthread_barrier_wait(ptr)
declare i32 @pthread_spin_init(ptr, i32)
declare i32 @pthread_spin_lock(ptr)
declare i32 @pthread_spin_trylock(ptr)
declare i32 @pthread_spin_unlock(ptr)

define void @phases(ptr %b, ptr %s, ptr %out) {
  %i = call i32 @pthread_barrier_init(ptr %b, ptr null, i32 4)
  store volatile i32 %i, ptr %out
  %j = call i32 @pthread_spin_init(ptr %s, i32 0)
  store volatile i32 %j, ptr %out
  %a = call i32 @pthread_barrier_wait(ptr %b)
  store volatile i32 %a, ptr %out
  %c = call i32 @pthread_spin_lock(ptr %s)
  store volatile i32 %c, ptr %out
  %d = call i32 @pthread_spin_trylock(ptr %s)
  store volatile i32 %d, ptr %out
  %e = call i32 @pthread_spin_unlock(ptr %s)
  store volatile i32 %e, ptr %out
  ret void
}

; CHECK: @__grid_sites = private constant [4 x {{.*}} i32 39, i32 0 }, {{.*}} i32 40, i32 1 }, {{.*}} i32 41, i32 2 }, {{.*}} i32 42, i32 3 }]
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22pthread_barrier_wait\22{{.*}}\22kind\22:\22pthread_spin_lock\22{{.*}}\22kind\22:\22pthread_spin_trylock\22{{.*}}\22kind\22:\22pthread_spin_unlock\22
; CHECK-LABEL: define {{.*}} @phases(
; CHECK: call i32 @pthread_barrier_init(ptr %b, ptr null, i32 4)
; CHECK: call i32 @pthread_spin_init(ptr %s, i32 0)
; CHECK-NOT: @pthread_barrier_wait(
; CHECK: call i32 @__grid_pthread_barrier_wait(ptr @__grid_sites, ptr %b)
; CHECK-NOT: @pthread_barrier_wait(
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %c.cluster = {{(tail )?}}call i32 @__grid_pthread_spin_lock(ptr getelementptr {{.*}}, ptr %s)
; CHECK: %c.native = {{(tail )?}}call i32 @pthread_spin_lock(ptr %s), !grid.native
; CHECK: %c = phi i32
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %d.cluster = {{(tail )?}}call i32 @__grid_pthread_spin_trylock(ptr getelementptr {{.*}}, ptr %s)
; CHECK: %d.native = {{(tail )?}}call i32 @pthread_spin_trylock(ptr %s), !grid.native
; CHECK: %d = phi i32
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %e.cluster = {{(tail )?}}call i32 @__grid_pthread_spin_unlock(ptr getelementptr {{.*}}, ptr %s)
; CHECK: %e.native = {{(tail )?}}call i32 @pthread_spin_unlock(ptr %s), !grid.native
; CHECK: %e = phi i32
; CHECK-NOT: call {{.*}} @pthread_spin_{{lock|trylock|unlock}}(
