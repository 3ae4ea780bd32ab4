; A variable that holds the result of a guarded call or atomic is described
; by the phi that merges the two sides (a #dbg_value of one side would show
; a debugger garbage whenever the other side ran): the short lock calls of
; grid-rewrite and the atomics of grid-atomics, at -O0 and -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @pthread_mutex_lock(ptr)

define i32 @f(ptr %m, ptr %x) !dbg !5 {
  %r = call i32 @pthread_mutex_lock(ptr %m), !dbg !9
    #dbg_value(i32 %r, !10, !DIExpression(), !9)
  %v = load atomic i32, ptr %x monotonic, align 4, !dbg !9
    #dbg_value(i32 %v, !12, !DIExpression(), !9)
  %s = add i32 %r, %v, !dbg !9
  ret i32 %s, !dbg !9
}

; CHECK-LABEL: define {{.*}} @f(
; CHECK: %r = phi i32 [ %r.cluster, %grid.cold ], [ %r.native, %grid.native ]
; CHECK-NEXT: #dbg_value(i32 %r, ![[R:[0-9]+]],
; CHECK: %v = phi i32 [ %v.cluster, %grid.cold{{[0-9]+}} ], [ %v.native, %grid.native{{[0-9]+}} ]
; CHECK-NEXT: #dbg_value(i32 %v, ![[V:[0-9]+]],
; CHECK-NOT: #dbg_value(i32 %{{[rv]}}.{{cluster|native}}
; CHECK: ret i32
; CHECK: ![[R]] = !DILocalVariable(name: "r"
; CHECK: ![[V]] = !DILocalVariable(name: "v"

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!3, !4}
!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "grid test", isOptimized: true, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "guard-debug.c", directory: "/tmp")
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{i32 7, !"Dwarf Version", i32 5}
!5 = distinct !DISubprogram(name: "f", scope: !1, file: !1, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!6 = !DISubroutineType(types: !7)
!7 = !{null}
!9 = !DILocation(line: 2, column: 3, scope: !5)
!10 = !DILocalVariable(name: "r", scope: !5, file: !1, line: 2, type: !11)
!11 = !DIBasicType(name: "int", size: 32, encoding: DW_ATE_signed)
!12 = !DILocalVariable(name: "v", scope: !5, file: !1, line: 3, type: !11)
