; glibc's <stdio.h>, when optimising, gives extern inline bodies of
; getc_unlocked, putc_unlocked, getchar and others that work on the FILE's
; buffer pointers and on the calling process's stdin and stdout. A user
; relies on every such call staying a call of the C library's symbol, which
; libgridrt.so interposes, so that a remote thread's stream calls reach
; home: at -O0 and -O2 the bodies are gone and the calls stay calls.
; Another header's extern inline function (atoi) is still inlined.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s --check-prefixes=CHECK,O0
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s --check-prefixes=CHECK,O2
; RUN: %opt -passes=grid -S %s | FileCheck %s --check-prefixes=CHECK,O0

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@stdin = external global ptr
@stdout = external global ptr

declare i32 @__uflow(ptr)
declare i32 @__overflow(ptr, i32)
declare i32 @getc(ptr)
declare i32 @putc(i32, ptr)
declare i64 @strtol(ptr, ptr, i32)

; Each body as clang emits it from <bits/stdio.h> and <bits/types/struct_FILE.h>:
; _IO_read_ptr at offset 8, _IO_read_end 16, _IO_write_ptr 40, _IO_write_end 48.
define available_externally i32 @getc_unlocked(ptr %fp) #0 {
  %endp = getelementptr inbounds i8, ptr %fp, i64 16
  %end = load ptr, ptr %endp
  %curp = getelementptr inbounds i8, ptr %fp, i64 8
  %cur = load ptr, ptr %curp
  %empty = icmp uge ptr %cur, %end
  br i1 %empty, label %refill, label %take

refill:
  %r = call i32 @__uflow(ptr %fp)
  ret i32 %r

take:
  %next = getelementptr inbounds i8, ptr %cur, i64 1
  store ptr %next, ptr %curp
  %ch = load i8, ptr %cur
  %c = zext i8 %ch to i32
  ret i32 %c
}

define available_externally i32 @putc_unlocked(i32 %c, ptr %fp) #0 {
  %endp = getelementptr inbounds i8, ptr %fp, i64 48
  %end = load ptr, ptr %endp
  %curp = getelementptr inbounds i8, ptr %fp, i64 40
  %cur = load ptr, ptr %curp
  %full = icmp uge ptr %cur, %end
  br i1 %full, label %flush, label %put

flush:
  %r = call i32 @__overflow(ptr %fp, i32 %c)
  ret i32 %r

put:
  %next = getelementptr inbounds i8, ptr %cur, i64 1
  store ptr %next, ptr %curp
  %ch = trunc i32 %c to i8
  store i8 %ch, ptr %cur
  %u = zext i8 %ch to i32
  ret i32 %u
}

define available_externally i32 @getchar() #0 {
  %in = load ptr, ptr @stdin
  %c = call i32 @getc(ptr %in)
  ret i32 %c
}

define available_externally i32 @putchar(i32 %c) #0 {
  %out = load ptr, ptr @stdout
  %r = call i32 @putc(i32 %c, ptr %out)
  ret i32 %r
}

define available_externally i32 @feof_unlocked(ptr %fp) #0 {
  %flags = load i32, ptr %fp
  %eof = and i32 %flags, 16
  %r = icmp ne i32 %eof, 0
  %z = zext i1 %r to i32
  ret i32 %z
}

; <stdlib.h>'s extern inline atoi is not a stream function.
define available_externally i32 @atoi(ptr %s) #0 {
  %l = call i64 @strtol(ptr %s, ptr null, i32 10)
  %i = trunc i64 %l to i32
  ret i32 %i
}

define i32 @copy(ptr %in, ptr %out) {
entry:
  br label %loop

loop:
  %c = call i32 @getc_unlocked(ptr %in)
  %eof = icmp eq i32 %c, -1
  br i1 %eof, label %done, label %put

put:
  %r = call i32 @putc_unlocked(i32 %c, ptr %out)
  br label %loop

done:
  %e = call i32 @feof_unlocked(ptr %in)
  ret i32 %e
}

define i32 @echo() {
  %c = call i32 @getchar()
  %r = call i32 @putchar(i32 %c)
  ret i32 %r
}

define i32 @parse(ptr %s) {
  %i = call i32 @atoi(ptr %s)
  ret i32 %i
}

attributes #0 = { inlinehint nounwind }

; A function is either defined or declared: these declarations mean the
; bodies are gone.
; CHECK-DAG: declare {{.*}}i32 @getc_unlocked(ptr
; CHECK-DAG: declare {{.*}}i32 @putc_unlocked(i32
; CHECK-DAG: declare {{.*}}i32 @getchar()
; CHECK-DAG: declare {{.*}}i32 @putchar(i32
; CHECK-DAG: declare {{.*}}i32 @feof_unlocked(ptr
; O0-DAG: define available_externally i32 @atoi(
; CHECK-LABEL: define {{.*}} @copy(
; CHECK-NOT: @__uflow
; CHECK: call i32 @getc_unlocked(ptr %in)
; CHECK-NOT: @__overflow
; CHECK: call i32 @putc_unlocked(i32 %{{.*}}, ptr %out)
; CHECK-NOT: @__uflow
; CHECK: call i32 @feof_unlocked(ptr %in)
; CHECK-NOT: @__uflow
; CHECK-NOT: @__overflow
; CHECK-LABEL: define {{.*}} @echo(
; CHECK-NOT: @stdin
; CHECK: %c = {{.*}}call i32 @getchar()
; CHECK-NOT: @stdout
; CHECK: call i32 @putchar(i32 %c)
; CHECK-NOT: @stdout
; CHECK-LABEL: define {{.*}} @parse(
; O0: call i32 @atoi(ptr %s)
; O2-NOT: @atoi
; O2: call i64 @strtol(ptr {{.*}}%s, ptr null, i32 10)
