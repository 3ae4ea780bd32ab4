; A module with nothing to rewrite still gets its __grid_module record, the
; constructor that registers it, and its grid_meta frame ("GRIDMETA", the
; little-endian JSON length, the JSON), kept by llvm.used, alignment 1, so
; gridctl inspect shows the ABI version and tolerances of every -fgrid
; object. The object file carries the section.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes=grid %s -o %t.bc && %clang -c %t.bc -o %t.o
; RUN: llvm-readelf -S %t.o | FileCheck %s --check-prefix=ELF
; RUN: llvm-objcopy --dump-section=grid_meta=%t.meta %t.o && FileCheck %s --check-prefix=FRAME --input-file=%t.meta
; Running the passes twice describes the module once.
; RUN: %opt -passes=grid,grid-metadata -S %s | FileCheck %s --check-prefix=ONCE

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

define i32 @main() {
  ret i32 0
}

; CHECK: @__grid_module = private constant { i32, i32, i32, i32, ptr, ptr } { i32 2, i32 -1, i32 -1, i32 0, ptr null, ptr @__grid_module.name }, align 8
; CHECK: @llvm.global_ctors = appending global [1 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 101, ptr @grid.module_ctor, ptr null }]
; CHECK: @__grid_meta = private constant [{{[0-9]+}} x i8] c"GRIDMETA{{(\\[0-9A-F][0-9A-F]|.)}}\00\00\00{\22abi\22:2,\22module\22:\22{{.*}}metadata.ll\22,\22thread_tolerance\22:null,\22process_tolerance\22:null,\22sites\22:[]}", section "grid_meta", align 1
; CHECK: @llvm.used = appending global [1 x ptr] [ptr @__grid_meta]
; CHECK: define internal void @grid.module_ctor()
; CHECK-NEXT: entry:
; CHECK-NEXT: call void @__grid_register_module(ptr @__grid_module)

; ELF: grid_meta PROGBITS {{.*}} AR 0 0 1

; FRAME: GRIDMETA
; FRAME-SAME: {"abi":2,"module":"{{.*}}metadata.ll","thread_tolerance":null,"process_tolerance":null,"sites":[]}

; ONCE-COUNT-1: @__grid_module = private
; ONCE-NOT: @__grid_module.{{[0-9]}} = private constant {
