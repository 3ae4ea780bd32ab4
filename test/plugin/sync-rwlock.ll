; Every pthread_rwlock_ lock and unlock call becomes a call of its __grid_
; entry point, at -O0 and -O2. The short ones (rdlock, wrlock, tryrdlock,
; trywrlock, unlock) keep their libc call on the native side of a test of
; __grid_sync_cluster; the timed and clock ones are calls of the entry only.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @pthread_rwlock_rdlock(ptr)
declare i32 @pthread_rwlock_wrlock(ptr)
declare i32 @pthread_rwlock_tryrdlock(ptr)
declare i32 @pthread_rwlock_trywrlock(ptr)
declare i32 @pthread_rwlock_timedrdlock(ptr, ptr)
declare i32 @pthread_rwlock_timedwrlock(ptr, ptr)
declare i32 @pthread_rwlock_clockrdlock(ptr, i32, ptr)
declare i32 @pthread_rwlock_clockwrlock(ptr, i32, ptr)
declare i32 @pthread_rwlock_unlock(ptr)

define void @locks(ptr %l, ptr %t, ptr %out) {
  %a = call i32 @pthread_rwlock_rdlock(ptr %l)
  store volatile i32 %a, ptr %out
  %b = call i32 @pthread_rwlock_wrlock(ptr %l)
  store volatile i32 %b, ptr %out
  %c = call i32 @pthread_rwlock_tryrdlock(ptr %l)
  store volatile i32 %c, ptr %out
  %d = call i32 @pthread_rwlock_trywrlock(ptr %l)
  store volatile i32 %d, ptr %out
  %e = call i32 @pthread_rwlock_timedrdlock(ptr %l, ptr %t)
  store volatile i32 %e, ptr %out
  %f = call i32 @pthread_rwlock_timedwrlock(ptr %l, ptr %t)
  store volatile i32 %f, ptr %out
  %g = call i32 @pthread_rwlock_clockrdlock(ptr %l, i32 1, ptr %t)
  store volatile i32 %g, ptr %out
  %h = call i32 @pthread_rwlock_clockwrlock(ptr %l, i32 1, ptr %t)
  store volatile i32 %h, ptr %out
  %i = call i32 @pthread_rwlock_unlock(ptr %l)
  store volatile i32 %i, ptr %out
  ret void
}

; Kinds 30-38 in abi.def's order.
; CHECK: @__grid_sites = private constant [9 x {{.*}} i32 30, i32 0 }, {{.*}} i32 31, i32 1 }, {{.*}} i32 32, i32 2 }, {{.*}} i32 33, i32 3 }, {{.*}} i32 34, i32 4 }, {{.*}} i32 35, i32 5 }, {{.*}} i32 36, i32 6 }, {{.*}} i32 37, i32 7 }, {{.*}} i32 38, i32 8 }]
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22pthread_rwlock_rdlock\22{{.*}}\22kind\22:\22pthread_rwlock_clockwrlock\22{{.*}}\22kind\22:\22pthread_rwlock_unlock\22
; CHECK-LABEL: define {{.*}} @locks(
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %a.cluster = {{(tail )?}}call i32 @__grid_pthread_rwlock_rdlock(ptr @__grid_sites, ptr %l)
; CHECK: %a.native = {{(tail )?}}call i32 @pthread_rwlock_rdlock(ptr %l), !grid.native
; CHECK: %a = phi i32
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %b.cluster = {{(tail )?}}call i32 @__grid_pthread_rwlock_wrlock(ptr getelementptr {{.*}}, ptr %l)
; CHECK: %b.native = {{(tail )?}}call i32 @pthread_rwlock_wrlock(ptr %l), !grid.native
; CHECK: %b = phi i32
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %c.cluster = {{(tail )?}}call i32 @__grid_pthread_rwlock_tryrdlock(ptr getelementptr {{.*}}, ptr %l)
; CHECK: %c.native = {{(tail )?}}call i32 @pthread_rwlock_tryrdlock(ptr %l), !grid.native
; CHECK: %c = phi i32
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %d.cluster = {{(tail )?}}call i32 @__grid_pthread_rwlock_trywrlock(ptr getelementptr {{.*}}, ptr %l)
; CHECK: %d.native = {{(tail )?}}call i32 @pthread_rwlock_trywrlock(ptr %l), !grid.native
; CHECK: %d = phi i32
; CHECK-NOT: @pthread_rwlock_
; CHECK: call i32 @__grid_pthread_rwlock_timedrdlock(ptr getelementptr {{.*}}, ptr %l, ptr %t)
; CHECK-NOT: @pthread_rwlock_
; CHECK: call i32 @__grid_pthread_rwlock_timedwrlock(ptr getelementptr {{.*}}, ptr %l, ptr %t)
; CHECK-NOT: @pthread_rwlock_
; CHECK: call i32 @__grid_pthread_rwlock_clockrdlock(ptr getelementptr {{.*}}, ptr %l, i32 1, ptr %t)
; CHECK-NOT: @pthread_rwlock_
; CHECK: call i32 @__grid_pthread_rwlock_clockwrlock(ptr getelementptr {{.*}}, ptr %l, i32 1, ptr %t)
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %i.cluster = {{(tail )?}}call i32 @__grid_pthread_rwlock_unlock(ptr getelementptr {{.*}}, ptr %l)
; CHECK: %i.native = {{(tail )?}}call i32 @pthread_rwlock_unlock(ptr %l), !grid.native
; CHECK: %i = phi i32
; CHECK-NOT: call {{.*}} @pthread_rwlock_
