; C11's <threads.h> calls become calls of their __grid_ entry points with a
; call-site record first, at -O0 and -O2: glibc builds them on pthread
; calls inside itself, which the plugin cannot reach (api/C11Threads.cpp).
; thrd_create's sites are thread sites (placed), the others sync sites.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s --check-prefix=GONE

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@mtx = global [40 x i8] zeroinitializer
@cnd = global [48 x i8] zeroinitializer
@once = global i32 0
@key = global i32 0

declare i32 @thrd_create(ptr, ptr, ptr)
declare i32 @thrd_join(i64, ptr)
declare i32 @thrd_detach(i64)
declare void @thrd_exit(i32) noreturn
declare i64 @thrd_current()
declare i32 @mtx_init(ptr, i32)
declare i32 @mtx_lock(ptr)
declare i32 @mtx_trylock(ptr)
declare i32 @mtx_timedlock(ptr, ptr)
declare i32 @mtx_unlock(ptr)
declare void @mtx_destroy(ptr)
declare i32 @cnd_init(ptr)
declare i32 @cnd_wait(ptr, ptr)
declare i32 @cnd_timedwait(ptr, ptr, ptr)
declare i32 @cnd_signal(ptr)
declare i32 @cnd_broadcast(ptr)
declare void @cnd_destroy(ptr)
declare void @call_once(ptr, ptr)
declare i32 @tss_create(ptr, ptr)
declare ptr @tss_get(i32)
declare i32 @tss_set(i32, ptr)
declare void @tss_delete(i32)

define internal i32 @start(ptr %a) {
  ret i32 0
}

define internal void @init() {
  ret void
}

define i32 @use(ptr %t, ptr %ts, ptr %res) {
  %c = call i32 @thrd_create(ptr %t, ptr @start, ptr null)
  %id = load i64, ptr %t
  %j = call i32 @thrd_join(i64 %id, ptr %res)
  %d = call i32 @thrd_detach(i64 %id)
  %self = call i64 @thrd_current()
  %i = call i32 @mtx_init(ptr @mtx, i32 1)
  %l = call i32 @mtx_lock(ptr @mtx)
  %tl = call i32 @mtx_trylock(ptr @mtx)
  %tm = call i32 @mtx_timedlock(ptr @mtx, ptr %ts)
  %u = call i32 @mtx_unlock(ptr @mtx)
  call void @mtx_destroy(ptr @mtx)
  %ci = call i32 @cnd_init(ptr @cnd)
  %w = call i32 @cnd_wait(ptr @cnd, ptr @mtx)
  %tw = call i32 @cnd_timedwait(ptr @cnd, ptr @mtx, ptr %ts)
  %s = call i32 @cnd_signal(ptr @cnd)
  %b = call i32 @cnd_broadcast(ptr @cnd)
  call void @cnd_destroy(ptr @cnd)
  call void @call_once(ptr @once, ptr @init)
  %k = call i32 @tss_create(ptr @key, ptr null)
  %kv = load i32, ptr @key
  %g = call ptr @tss_get(i32 %kv)
  %st = call i32 @tss_set(i32 %kv, ptr %g)
  call void @tss_delete(i32 %kv)
  %sum1 = add i32 %c, %j
  %sum2 = add i32 %sum1, %d
  %low = trunc i64 %self to i32
  %sum3 = add i32 %sum2, %low
  %sum4 = add i32 %sum3, %tl
  %sum5 = add i32 %sum4, %tm
  %sum6 = add i32 %sum5, %tw
  %sum7 = add i32 %sum6, %st
  ret i32 %sum7
}

define void @leave(i32 %r) {
  call void @thrd_exit(i32 %r)
  unreachable
}

; CHECK: @__grid_meta = {{.*}}\22kind\22:\22thrd_create\22
; CHECK-LABEL: define {{.*}} @use(
; CHECK: call i32 @__grid_thrd_create(ptr {{.*}}@__grid_sites{{.*}}, ptr %t, ptr {{(nonnull )?}}@start, ptr null)
; CHECK: call i32 @__grid_thrd_join(ptr {{.*}}, i64 %{{.*}}, ptr %res)
; CHECK: call i32 @__grid_thrd_detach(ptr {{.*}}, i64
; CHECK: call i64 @__grid_thrd_current(ptr
; CHECK: call i32 @__grid_mtx_init(ptr {{.*}}, ptr {{(nonnull )?}}@mtx, i32 1)
; CHECK: call i32 @__grid_mtx_lock(ptr {{.*}}, ptr {{(nonnull )?}}@mtx)
; CHECK: call i32 @__grid_mtx_trylock(ptr
; CHECK: call i32 @__grid_mtx_timedlock(ptr {{.*}}, ptr {{(nonnull )?}}@mtx, ptr %ts)
; CHECK: call i32 @__grid_mtx_unlock(ptr
; CHECK: call void @__grid_mtx_destroy(ptr
; CHECK: call i32 @__grid_cnd_init(ptr
; CHECK: call i32 @__grid_cnd_wait(ptr {{.*}}, ptr {{(nonnull )?}}@cnd, ptr {{(nonnull )?}}@mtx)
; CHECK: call i32 @__grid_cnd_timedwait(ptr
; CHECK: call i32 @__grid_cnd_signal(ptr
; CHECK: call i32 @__grid_cnd_broadcast(ptr
; CHECK: call void @__grid_cnd_destroy(ptr
; CHECK: call void @__grid_call_once(ptr {{.*}}, ptr {{(nonnull )?}}@once, ptr {{(nonnull )?}}@init)
; CHECK: call i32 @__grid_tss_create(ptr {{.*}}, ptr {{(nonnull )?}}@key, ptr null)
; CHECK: call ptr @__grid_tss_get(ptr {{.*}}, i32
; CHECK: call i32 @__grid_tss_set(ptr {{.*}}, i32
; CHECK: call void @__grid_tss_delete(ptr {{.*}}, i32
; CHECK-LABEL: define {{.*}} @leave(
; CHECK: call void @__grid_thrd_exit(ptr {{.*}}, i32 %r) #[[NORETURN:[0-9]+]]
; CHECK: declare void @__grid_thrd_exit(ptr, i32) #[[NORETURN]]
; CHECK: attributes #[[NORETURN]] = { noreturn }
; No call of the originals is left.
; GONE-NOT: call {{.*}} @thrd_
; GONE-NOT: call {{.*}} @mtx_
; GONE-NOT: call {{.*}} @cnd_
; GONE-NOT: call {{.*}} @tss_
; GONE-NOT: call {{.*}} @call_once(
