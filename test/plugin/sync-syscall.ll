; Every call of the variadic syscall becomes a call of the variadic
; __grid_syscall with the site first and every argument after it, whatever
; the number: the runtime sends only SYS_futex (202) to the cluster path and
; passes any other number to the native syscall. The address of syscall is
; one thunk that forwards its va_list to __grid_vsyscall.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@hook = global ptr null

declare i64 @syscall(i64, ...)

define i64 @calls(ptr %word) {
  %wait = call i64 (i64, ...) @syscall(i64 202, ptr %word, i32 128, i32 0, ptr null)
  %wake = call i64 (i64, ...) @syscall(i64 202, ptr %word, i32 129, i32 2147483647)
  %tid = call i64 (i64, ...) @syscall(i64 186)
  store volatile ptr @syscall, ptr @hook
  %a = add i64 %wait, %wake
  %r = add i64 %a, %tid
  ret i64 %r
}

; CHECK: @__grid_sites = private constant [4 x {{.*}} i32 51, i32 0 }, {{.*}} i32 51, i32 1 }, {{.*}} i32 51, i32 2 }, {{.*}} i32 51, i32 3 }]
; CHECK: \22function\22:\22address of syscall\22,\22kind\22:\22syscall\22
; CHECK-LABEL: define {{.*}} @calls(
; CHECK-NOT: call {{.*}} @syscall(
; CHECK: call i64 (ptr, i64, ...) @__grid_syscall(ptr @__grid_sites, i64 202, ptr %word, i32 128, i32 0, ptr null)
; CHECK: call i64 (ptr, i64, ...) @__grid_syscall(ptr getelementptr {{.*}}, i64 202, ptr %word, i32 129, i32 2147483647)
; CHECK: call i64 (ptr, i64, ...) @__grid_syscall(ptr getelementptr {{.*}}, i64 186)
; CHECK: store volatile ptr @__grid_thunk.syscall, ptr @hook
; CHECK: declare i64 @__grid_syscall(ptr, i64, ...)
; CHECK: define linkonce_odr i64 @__grid_thunk.syscall(i64 {{.*}}, ...)
; CHECK: call void @llvm.va_start
; CHECK: call i64 @__grid_vsyscall(ptr getelementptr {{.*}}, i64 %{{.*}}, ptr %ap)
