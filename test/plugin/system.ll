; Every call of system becomes a call of __grid_system with a constant
; call-site record first, at -O0 (the `grid` pipeline) and in the -O2
; pipeline; the module's site table and grid_meta frame list the site.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @system(ptr)

define i32 @caller(ptr %a, ptr %b, i64 %t) {
  %r = call i32 @system(ptr %a)
  ret i32 %r
}

; No debug info: file "" and line 0, the enclosing function by name.
; CHECK: c"caller\00"
; CHECK: @__grid_sites = private constant [1 x { ptr, ptr, i32, i32, i32, i32 }] [{ ptr, ptr, i32, i32, i32, i32 } { ptr @{{[^,]+}}, ptr @{{[^,]+}}, i32 0, i32 0, i32 17, i32 0 }]
; CHECK: @__grid_module = private constant {{.*}} { i32 2, i32 -1, i32 -1, i32 1, ptr @__grid_sites,
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22system\22{{.*}} section "grid_meta", align 1
; CHECK-LABEL: define {{.*}} @caller(
; CHECK-NOT: @system(
; CHECK: call i32 @__grid_system(ptr @__grid_sites, ptr %{{.*}})
; CHECK: declare i32 @__grid_system(ptr, ptr)
