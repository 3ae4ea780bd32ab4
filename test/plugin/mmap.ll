; The program's mmap, mmap64, munmap and mremap calls become calls of
; __grid_mmap, __grid_munmap and __grid_mremap with the site first (mmap64 is
; __grid_mmap too: off_t is 64 bits either way), whatever their arguments:
; the runtime sends only anonymous private read-write mappings to the shared
; heap and passes the rest to the C library. mremap is variadic (its new
; address comes only with MREMAP_FIXED), so its call stays variadic, and its
; address is a thunk forwarding the va_list to __grid_vmremap; the address
; of mmap is a thunk calling __grid_mmap.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@mapper = global ptr null
@remapper = global ptr null

declare ptr @mmap(ptr, i64, i32, i32, i32, i64)
declare ptr @mmap64(ptr, i64, i32, i32, i32, i64)
declare i32 @munmap(ptr, i64)
declare ptr @mremap(ptr, i64, i64, i32, ...)

define ptr @calls(i64 %n, i32 %fd) {
  %anon = call ptr @mmap(ptr null, i64 %n, i32 3, i32 34, i32 -1, i64 0)
  %file = call ptr @mmap64(ptr null, i64 %n, i32 1, i32 2, i32 %fd, i64 4096)
  %grown = call ptr (ptr, i64, i64, i32, ...) @mremap(ptr %anon, i64 %n, i64 8192, i32 1)
  %moved = call ptr (ptr, i64, i64, i32, ...) @mremap(ptr %grown, i64 8192, i64 8192, i32 3, ptr %file)
  %r = call i32 @munmap(ptr %moved, i64 8192)
  store volatile ptr @mmap, ptr @mapper
  store volatile ptr @mremap, ptr @remapper
  ret ptr %file
}

; CHECK: @__grid_sites = private constant [7 x {{.*}} i32 55, i32 0 }, {{.*}} i32 55, i32 1 }, {{.*}} i32 57, i32 2 }, {{.*}} i32 57, i32 3 }, {{.*}} i32 56, i32 4 }, {{.*}} i32 55, i32 5 }, {{.*}} i32 57, i32 6 }]
; CHECK: \22function\22:\22address of mmap\22,\22kind\22:\22mmap\22
; CHECK: \22function\22:\22address of mremap\22,\22kind\22:\22mremap\22
; CHECK-LABEL: define {{.*}} @calls(
; CHECK-NOT: call {{.*}} @mmap(
; CHECK-NOT: call {{.*}} @mmap64(
; CHECK: call ptr @__grid_mmap(ptr @__grid_sites, ptr null, i64 %n, i32 3, i32 34, i32 -1, i64 0)
; CHECK: call ptr @__grid_mmap(ptr getelementptr {{.*}}, ptr null, i64 %n, i32 1, i32 2, i32 %fd, i64 4096)
; CHECK: call ptr (ptr, ptr, i64, i64, i32, ...) @__grid_mremap(ptr getelementptr {{.*}}, ptr %{{.*}}, i64 %n, i64 8192, i32 1)
; CHECK: call ptr (ptr, ptr, i64, i64, i32, ...) @__grid_mremap(ptr getelementptr {{.*}}, ptr %{{.*}}, i64 8192, i64 8192, i32 3, ptr %file)
; CHECK: call i32 @__grid_munmap(ptr getelementptr {{.*}}, ptr %{{.*}}, i64 8192)
; CHECK: store volatile ptr @__grid_thunk.mmap, ptr @mapper
; CHECK: store volatile ptr @__grid_thunk.mremap, ptr @remapper
; CHECK-NOT: call {{.*}} @munmap(
; CHECK-NOT: call {{.*}} @mremap(
; CHECK: define linkonce_odr ptr @__grid_thunk.mmap(ptr {{.*}}, i64 {{.*}}, i32 {{.*}}, i32 {{.*}}, i32 {{.*}}, i64 {{.*}})
; CHECK: call ptr @__grid_mmap(ptr getelementptr {{.*}}
; CHECK: define linkonce_odr ptr @__grid_thunk.mremap(ptr {{.*}}, i64 {{.*}}, i64 {{.*}}, i32 {{.*}}, ...)
; CHECK: call void @llvm.va_start
; CHECK: call ptr @__grid_vmremap(ptr getelementptr {{.*}}, ptr %{{.*}}, i64 %{{.*}}, i64 %{{.*}}, i32 %{{.*}}, ptr %ap)
