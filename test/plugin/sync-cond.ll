; pthread_cond_wait, _timedwait, _clockwait, _signal and _broadcast become
; calls of their __grid_ entry points, at -O0 and -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @pthread_cond_wait(ptr, ptr)
declare i32 @pthread_cond_timedwait(ptr, ptr, ptr)
declare i32 @pthread_cond_clockwait(ptr, ptr, i32, ptr)
declare i32 @pthread_cond_signal(ptr)
declare i32 @pthread_cond_broadcast(ptr)

define void @waits(ptr %c, ptr %m, ptr %t, ptr %out) {
  %a = call i32 @pthread_cond_wait(ptr %c, ptr %m)
  store volatile i32 %a, ptr %out
  %b = call i32 @pthread_cond_timedwait(ptr %c, ptr %m, ptr %t)
  store volatile i32 %b, ptr %out
  %d = call i32 @pthread_cond_clockwait(ptr %c, ptr %m, i32 1, ptr %t)
  store volatile i32 %d, ptr %out
  %e = call i32 @pthread_cond_signal(ptr %c)
  store volatile i32 %e, ptr %out
  %f = call i32 @pthread_cond_broadcast(ptr %c)
  store volatile i32 %f, ptr %out
  ret void
}

; CHECK: @__grid_sites = private constant [5 x {{.*}} i32 25, i32 0 }, {{.*}} i32 26, i32 1 }, {{.*}} i32 27, i32 2 }, {{.*}} i32 28, i32 3 }, {{.*}} i32 29, i32 4 }]
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22pthread_cond_wait\22{{.*}}\22kind\22:\22pthread_cond_timedwait\22{{.*}}\22kind\22:\22pthread_cond_clockwait\22{{.*}}\22kind\22:\22pthread_cond_signal\22{{.*}}\22kind\22:\22pthread_cond_broadcast\22
; CHECK-LABEL: define {{.*}} @waits(
; CHECK-NOT: call {{.*}} @pthread_cond_
; CHECK: call i32 @__grid_pthread_cond_wait(ptr @__grid_sites, ptr %c, ptr %m)
; CHECK: call i32 @__grid_pthread_cond_timedwait(ptr getelementptr {{.*}}, ptr %c, ptr %m, ptr %t)
; CHECK: call i32 @__grid_pthread_cond_clockwait(ptr getelementptr {{.*}}, ptr %c, ptr %m, i32 1, ptr %t)
; CHECK: call i32 @__grid_pthread_cond_signal(ptr getelementptr {{.*}}, ptr %c)
; CHECK: call i32 @__grid_pthread_cond_broadcast(ptr getelementptr {{.*}}, ptr %c)
; CHECK-NOT: call {{.*}} @pthread_cond_
; CHECK: declare i32 @__grid_pthread_cond_clockwait(ptr, ptr, ptr, i32, ptr)
