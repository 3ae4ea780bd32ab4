; sem_wait, _trywait, _timedwait, _clockwait, _post and _getvalue become
; calls of their __grid_ entry points, at -O0 and -O2; sem_init stays.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @sem_init(ptr, i32, i32)
declare i32 @sem_wait(ptr)
declare i32 @sem_trywait(ptr)
declare i32 @sem_timedwait(ptr, ptr)
declare i32 @sem_clockwait(ptr, i32, ptr)
declare i32 @sem_post(ptr)
declare i32 @sem_getvalue(ptr, ptr)

define void @tokens(ptr %s, ptr %t, ptr %v, ptr %out) {
  %i = call i32 @sem_init(ptr %s, i32 0, i32 1)
  store volatile i32 %i, ptr %out
  %a = call i32 @sem_wait(ptr %s)
  store volatile i32 %a, ptr %out
  %b = call i32 @sem_trywait(ptr %s)
  store volatile i32 %b, ptr %out
  %c = call i32 @sem_timedwait(ptr %s, ptr %t)
  store volatile i32 %c, ptr %out
  %d = call i32 @sem_clockwait(ptr %s, i32 1, ptr %t)
  store volatile i32 %d, ptr %out
  %e = call i32 @sem_post(ptr %s)
  store volatile i32 %e, ptr %out
  %f = call i32 @sem_getvalue(ptr %s, ptr %v)
  store volatile i32 %f, ptr %out
  ret void
}

; CHECK: @__grid_sites = private constant [6 x {{.*}} i32 43, i32 0 }, {{.*}} i32 44, i32 1 }, {{.*}} i32 45, i32 2 }, {{.*}} i32 46, i32 3 }, {{.*}} i32 47, i32 4 }, {{.*}} i32 48, i32 5 }]
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22sem_wait\22{{.*}}\22kind\22:\22sem_trywait\22{{.*}}\22kind\22:\22sem_timedwait\22{{.*}}\22kind\22:\22sem_clockwait\22{{.*}}\22kind\22:\22sem_post\22{{.*}}\22kind\22:\22sem_getvalue\22
; CHECK-LABEL: define {{.*}} @tokens(
; CHECK: call i32 @sem_init(ptr %s, i32 0, i32 1)
; CHECK: call i32 @__grid_sem_wait(ptr @__grid_sites, ptr %s)
; CHECK: call i32 @__grid_sem_trywait(ptr getelementptr {{.*}}, ptr %s)
; CHECK: call i32 @__grid_sem_timedwait(ptr getelementptr {{.*}}, ptr %s, ptr %t)
; CHECK: call i32 @__grid_sem_clockwait(ptr getelementptr {{.*}}, ptr %s, i32 1, ptr %t)
; CHECK: call i32 @__grid_sem_post(ptr getelementptr {{.*}}, ptr %s)
; CHECK: call i32 @__grid_sem_getvalue(ptr getelementptr {{.*}}, ptr %s, ptr %v)
; CHECK-NOT: call {{.*}} @sem_{{wait|trywait|timedwait|clockwait|post|getvalue}}(
