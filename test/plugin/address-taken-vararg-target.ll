; abi.def passes a va_list as struct __va_list_tag * (x86-64). Taking the
; address of a variadic exec*l on another target is a clear error, not a
; silently wrong thunk.
; RUN: not %opt -passes=grid -S %s -o /dev/null 2>&1 | FileCheck %s

target datalayout = "e-m:e-i8:8:32-i16:16:32-i64:64-i128:128-n32:64-S128"
target triple = "aarch64-unknown-linux-gnu"

declare i32 @execlp(ptr, ptr, ...)
declare void @register(ptr)

define void @take() {
  call void @register(ptr @execlp)
  ret void
}

; CHECK: error: Grid: taking the address of the variadic execlp is supported on x86_64 only (abi.def passes a va_list as struct __va_list_tag *), not on aarch64-unknown-linux-gnu
