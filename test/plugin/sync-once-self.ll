; pthread_once and pthread_self become calls of __grid_pthread_once and
; __grid_pthread_self, at -O0 and -O2. pthread_self keeps its attributes
; (memory(none): constant on a thread, as home's answer for a remote one is).
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@once = global i32 0

declare i32 @pthread_once(ptr, ptr)
declare i64 @pthread_self() #0

define internal void @init() {
  ret void
}

define i64 @start() {
  %r = call i32 @pthread_once(ptr @once, ptr @init)
  %self = call i64 @pthread_self() #0
  %z = zext i32 %r to i64
  %sum = add i64 %self, %z
  ret i64 %sum
}

attributes #0 = { nounwind willreturn memory(none) }

; CHECK: @__grid_sites = private constant [2 x {{.*}} i32 49, i32 0 }, {{.*}} i32 50, i32 1 }]
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22pthread_once\22{{.*}}\22kind\22:\22pthread_self\22
; CHECK-LABEL: define {{.*}} @start(
; CHECK: call i32 @__grid_pthread_once(ptr @__grid_sites, ptr {{(nonnull )?}}@once, ptr {{(nonnull )?}}@init)
; CHECK: call i64 @__grid_pthread_self(ptr getelementptr {{.*}}) #[[SELF:[0-9]+]]
; CHECK-NOT: @pthread_self(
; CHECK: attributes #[[SELF]] = { {{.*}}memory(none)
