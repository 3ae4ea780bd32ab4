; A program that defines its own getc_unlocked keeps it: only glibc's
; available_externally stdio bodies become declarations (stdio-inline.ll),
; so the program's definition stays and its callers still inline it at -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s --check-prefixes=CHECK,O0
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s --check-prefixes=CHECK,O2

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @next_byte(ptr)

define i32 @getc_unlocked(ptr %source) {
  %c = call i32 @next_byte(ptr %source)
  ret i32 %c
}

define i32 @read_one(ptr %source) {
  %c = call i32 @getc_unlocked(ptr %source)
  ret i32 %c
}

; CHECK-LABEL: define {{.*}}i32 @getc_unlocked(ptr {{.*}}%source)
; CHECK: call i32 @next_byte(ptr {{.*}}%source)
; CHECK-LABEL: define {{.*}} @read_one(
; O0: call i32 @getc_unlocked(ptr %source)
; O2: call i32 @next_byte(ptr {{.*}}%source)
