; Every use of an original's address that is not a call goes through the
; module's one thunk for it: a linkonce_odr __grid_thunk.<original> in a
; comdat of that name, with the original's type, calling the entry with the
; site "address of <original>" (the module's file, line 0). A stored pointer,
; a pointer passed as an argument and a global initializer all get the same
; thunk, so &fork == &fork holds as without Grid. A variadic exec*l gets a
; variadic thunk forwarding its va_list to __grid_v<name>.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s --check-prefix=O2

source_filename = "app.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @fork()
declare i32 @system(ptr)
declare i32 @pthread_create(ptr, ptr, ptr, ptr)
declare i32 @execl(ptr, ptr, ...)
declare void @register(ptr)

; The same original twice in one constant, and in two globals.
@handlers = global [3 x ptr] [ptr @system, ptr @fork, ptr @system]
@spawner = global ptr @fork

define void @take(ptr %slot) {
  store ptr @pthread_create, ptr %slot
  store ptr @fork, ptr %slot
  call void @register(ptr @execl)
  call void @register(ptr @pthread_create)
  ret void
}

; One site per original, naming the module rather than one use.
; CHECK: $__grid_thunk.pthread_create = comdat any
; CHECK: $__grid_thunk.fork = comdat any
; CHECK: @handlers = global [3 x ptr] [ptr @__grid_thunk.system, ptr @__grid_thunk.fork, ptr @__grid_thunk.system]
; CHECK: @spawner = global ptr @__grid_thunk.fork
; CHECK: @__grid_meta = {{.*}}\22sites\22:[{\22file\22:\22app.c\22,\22line\22:0,\22column\22:0,\22function\22:\22address of pthread_create\22,\22kind\22:\22pthread_create\22}
; CHECK-SAME: {\22file\22:\22app.c\22,\22line\22:0,\22column\22:0,\22function\22:\22address of fork\22,\22kind\22:\22fork\22}
; CHECK-SAME: {\22file\22:\22app.c\22,\22line\22:0,\22column\22:0,\22function\22:\22address of execl\22,\22kind\22:\22execl\22}
; CHECK-SAME: {\22file\22:\22app.c\22,\22line\22:0,\22column\22:0,\22function\22:\22address of system\22,\22kind\22:\22system\22}]}

; CHECK-LABEL: define void @take(
; CHECK: store ptr @__grid_thunk.pthread_create, ptr %slot
; CHECK: store ptr @__grid_thunk.fork, ptr %slot
; CHECK: call void @register(ptr @__grid_thunk.execl)
; CHECK: call void @register(ptr @__grid_thunk.pthread_create)

; CHECK-LABEL: define linkonce_odr i32 @__grid_thunk.pthread_create(ptr %0, ptr %1, ptr %2, ptr %3) comdat
; CHECK: %[[R:.*]] = call i32 @__grid_pthread_create(ptr {{.*}}@__grid_sites{{.*}}, ptr %0, ptr %1, ptr %2, ptr %3)
; CHECK: ret i32 %[[R]]

; CHECK-LABEL: define linkonce_odr i32 @__grid_thunk.fork() comdat
; CHECK: call i32 @__grid_fork(

; CHECK-LABEL: define linkonce_odr i32 @__grid_thunk.execl(ptr %0, ptr %1, ...) comdat
; CHECK: %ap = alloca [1 x { i32, i32, ptr, ptr }], align 16
; CHECK: call void @llvm.va_start.p0(ptr %ap)
; CHECK: %[[V:.*]] = call i32 @__grid_vexecl(ptr {{.*}}@__grid_sites{{.*}}, ptr %0, ptr %1, ptr %ap)
; CHECK: call void @llvm.va_end.p0(ptr %ap)
; CHECK: ret i32 %[[V]]

; CHECK-LABEL: define linkonce_odr i32 @__grid_thunk.system(ptr %0) comdat
; CHECK: call i32 @__grid_system(

; CHECK-NOT: define {{.*}}@__grid_thunk.

; O2-NOT: @fork
; O2-NOT: @system(
; O2-NOT: @pthread_create(
; O2-NOT: @execl(
; O2: @__grid_vexecl(
