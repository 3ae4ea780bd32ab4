; Every use of an original's address that is not a call goes through an
; internal thunk with the original's type, which calls the entry with a site
; naming where the address was taken: a stored pointer, a pointer passed as
; an argument, a global initializer; a variadic exec*l gets a variadic thunk
; forwarding its va_list to __grid_v<name>.
; RUN: %opt -passes=grid -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s --check-prefix=O2

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @fork()
declare i32 @system(ptr)
declare i32 @pthread_create(ptr, ptr, ptr, ptr)
declare i32 @execl(ptr, ptr, ...)
declare void @register(ptr)

@handlers = global [2 x ptr] [ptr @system, ptr @fork]

define void @take(ptr %slot) {
  store ptr @pthread_create, ptr %slot
  call void @register(ptr @execl)
  ret void
}

; One site per address use, named after the function or global using it.
; CHECK: @handlers = global [2 x ptr] [ptr @__grid_thunk.system, ptr @__grid_thunk.fork]
; CHECK: @__grid_meta = {{.*}}\22function\22:\22take\22,\22kind\22:\22pthread_create\22
; CHECK-SAME: \22function\22:\22handlers\22,\22kind\22:\22fork\22
; CHECK-SAME: \22function\22:\22take\22,\22kind\22:\22execl\22
; CHECK-SAME: \22function\22:\22handlers\22,\22kind\22:\22system\22

; CHECK-LABEL: define void @take(
; CHECK: store ptr @__grid_thunk.pthread_create, ptr %slot
; CHECK: call void @register(ptr @__grid_thunk.execl)

; CHECK-LABEL: define internal i32 @__grid_thunk.pthread_create(ptr %0, ptr %1, ptr %2, ptr %3)
; CHECK: %[[R:.*]] = call i32 @__grid_pthread_create(ptr {{.*}}@__grid_sites{{.*}}, ptr %0, ptr %1, ptr %2, ptr %3)
; CHECK: ret i32 %[[R]]

; CHECK-LABEL: define internal i32 @__grid_thunk.fork()
; CHECK: call i32 @__grid_fork(

; CHECK-LABEL: define internal i32 @__grid_thunk.execl(ptr %0, ptr %1, ...)
; CHECK: %ap = alloca [1 x { i32, i32, ptr, ptr }], align 16
; CHECK: call void @llvm.va_start.p0(ptr %ap)
; CHECK: %[[V:.*]] = call i32 @__grid_vexecl(ptr {{.*}}@__grid_sites{{.*}}, ptr %0, ptr %1, ptr %ap)
; CHECK: call void @llvm.va_end.p0(ptr %ap)
; CHECK: ret i32 %[[V]]

; CHECK-LABEL: define internal i32 @__grid_thunk.system(ptr %0)
; CHECK: call i32 @__grid_system(

; O2-NOT: @fork
; O2-NOT: @system(
; O2-NOT: @pthread_create(
; O2-NOT: @execl(
; O2: @__grid_vexecl(
