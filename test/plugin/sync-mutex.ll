; pthread_mutex_lock, _trylock, _timedlock, _clocklock and _unlock become
; calls of their __grid_ entry points with a call-site record first, at -O0
; and -O2; the sites are synchronisation sites of their own kinds. The short
; ones (lock, trylock, unlock: abi.def's GRID_NATIVE_INLINE) keep their libc
; call on the native side of a test of __grid_sync_cluster, the entry point's
; call on the cold side; a second run of the pass leaves the native call.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s
; RUN: %opt -passes='grid-rewrite,grid-rewrite' -S %s | FileCheck %s --check-prefix=TWICE

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_trylock(ptr)
declare i32 @pthread_mutex_timedlock(ptr, ptr)
declare i32 @pthread_mutex_clocklock(ptr, i32, ptr)
declare i32 @pthread_mutex_unlock(ptr)

define i32 @critical(ptr %m, ptr %t) {
  %a = call i32 @pthread_mutex_lock(ptr %m)
  %b = call i32 @pthread_mutex_trylock(ptr %m)
  %c = call i32 @pthread_mutex_timedlock(ptr %m, ptr %t)
  %d = call i32 @pthread_mutex_clocklock(ptr %m, i32 1, ptr %t)
  %e = call i32 @pthread_mutex_unlock(ptr %m)
  %ab = add i32 %a, %b
  %cd = add i32 %c, %d
  %abcd = add i32 %ab, %cd
  %r = add i32 %abcd, %e
  ret i32 %r
}

; [[clang::musttail]] return pthread_mutex_lock(m): neither side can keep
; musttail (the entry takes a parameter more, the native call is no longer
; before the ret), so both are tail calls and the module stays valid (opt
; verifies its output).
define i32 @tail_lock(ptr %m) {
  %r = musttail call i32 @pthread_mutex_lock(ptr %m)
  ret i32 %r
}

; Kinds 20-24 in abi.def's order.
; CHECK: @__grid_sites = private constant [6 x {{.*}} i32 20, i32 0 }, {{.*}} i32 21, i32 1 }, {{.*}} i32 22, i32 2 }, {{.*}} i32 23, i32 3 }, {{.*}} i32 24, i32 4 }, {{.*}} i32 20, i32 5 }]
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22pthread_mutex_lock\22{{.*}}\22kind\22:\22pthread_mutex_trylock\22{{.*}}\22kind\22:\22pthread_mutex_timedlock\22{{.*}}\22kind\22:\22pthread_mutex_clocklock\22{{.*}}\22kind\22:\22pthread_mutex_unlock\22
; CHECK-LABEL: define {{.*}} @critical(
; CHECK: %grid.cluster = load atomic i8, ptr @__grid_sync_cluster monotonic, align 1
; CHECK-NEXT: %grid.cluster.set = icmp ne i8 %grid.cluster, 0
; CHECK-NEXT: br i1 %grid.cluster.set, label %grid.cold, label %grid.native, !prof ![[UNLIKELY:[0-9]+]]
; CHECK: grid.cold:
; CHECK-NEXT: %a.cluster = {{(tail )?}}call i32 @__grid_pthread_mutex_lock(ptr @__grid_sites, ptr %m)
; CHECK: grid.native:
; CHECK-NEXT: %a.native = {{(tail )?}}call i32 @pthread_mutex_lock(ptr %m), !grid.native
; CHECK: %a = phi i32 [ %a.cluster, %grid.cold ], [ %a.native, %grid.native ]
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %b.cluster = {{(tail )?}}call i32 @__grid_pthread_mutex_trylock(ptr getelementptr {{.*}}@__grid_sites, i32 0, i32 1), ptr %m)
; CHECK: %b.native = {{(tail )?}}call i32 @pthread_mutex_trylock(ptr %m), !grid.native
; CHECK: %b = phi i32 [ %b.cluster, %grid.cold{{[0-9]+}} ], [ %b.native, %grid.native{{[0-9]+}} ]
; CHECK-NOT: @pthread_mutex_
; CHECK: call i32 @__grid_pthread_mutex_timedlock(ptr getelementptr {{.*}}@__grid_sites, i32 0, i32 2), ptr %m, ptr %t)
; CHECK-NOT: @pthread_mutex_
; CHECK: call i32 @__grid_pthread_mutex_clocklock(ptr getelementptr {{.*}}@__grid_sites, i32 0, i32 3), ptr %m, i32 1, ptr %t)
; CHECK: load atomic i8, ptr @__grid_sync_cluster monotonic
; CHECK: %e.cluster = {{(tail )?}}call i32 @__grid_pthread_mutex_unlock(ptr getelementptr {{.*}}@__grid_sites, i32 0, i32 4), ptr %m)
; CHECK: %e.native = {{(tail )?}}call i32 @pthread_mutex_unlock(ptr %m), !grid.native
; CHECK: %e = phi i32 [ %e.cluster, %grid.cold{{[0-9]+}} ], [ %e.native, %grid.native{{[0-9]+}} ]
; CHECK-NOT: call {{.*}} @pthread_mutex_
; CHECK-LABEL: define {{.*}} @tail_lock(
; CHECK-NOT: musttail
; CHECK: ret i32
; CHECK: declare i32 @__grid_pthread_mutex_lock(ptr, ptr)
; CHECK: declare i32 @__grid_pthread_mutex_clocklock(ptr, ptr, i32, ptr)
; CHECK: ![[UNLIKELY]] = !{!"branch_weights", i32 1, i32 1048576}

; A second run rewrites nothing more: one guard per call, one entry call each.
; TWICE-LABEL: define {{.*}} @critical(
; TWICE-COUNT-3: load atomic i8, ptr @__grid_sync_cluster
; TWICE-NOT: load atomic i8, ptr @__grid_sync_cluster
; TWICE: call i32 @pthread_mutex_unlock(ptr %m), !grid.native
; TWICE-NOT: load atomic i8, ptr @__grid_sync_cluster
; TWICE: ret i32
