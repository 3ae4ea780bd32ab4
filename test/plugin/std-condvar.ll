; libstdc++'s out-of-line std::condition_variable::wait(unique_lock<mutex>&),
; notify_one() and notify_all() become calls of __grid_std_condvar_wait,
; _notify_one and _notify_all with the object (and the lock) after the site,
; invokes staying invokes (at -O2 the trivial landing pad is gone first);
; the constructor stays. At -O0 and -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s --check-prefixes=CHECK,O0
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare void @_ZNSt18condition_variableC1Ev(ptr)
declare void @_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE(ptr, ptr)
declare void @_ZNSt18condition_variable10notify_oneEv(ptr) nounwind
declare void @_ZNSt18condition_variable10notify_allEv(ptr) nounwind
declare i32 @__gxx_personality_v0(...)

define void @handoff(ptr %cv, ptr %lock) personality ptr @__gxx_personality_v0 {
  call void @_ZNSt18condition_variableC1Ev(ptr %cv)
  invoke void @_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE(ptr %cv, ptr %lock)
          to label %ok unwind label %lp
ok:
  call void @_ZNSt18condition_variable10notify_oneEv(ptr %cv) nounwind
  call void @_ZNSt18condition_variable10notify_allEv(ptr %cv) nounwind
  ret void
lp:
  %e = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %e
}

; CHECK: @__grid_sites = private constant [3 x {{.*}} i32 52, i32 0 }, {{.*}} i32 53, i32 1 }, {{.*}} i32 54, i32 2 }]
; CHECK: @__grid_meta = {{.*}}\22kind\22:\22std::condition_variable::wait\22{{.*}}\22kind\22:\22std::condition_variable::notify_one\22{{.*}}\22kind\22:\22std::condition_variable::notify_all\22
; CHECK-LABEL: define {{.*}} @handoff(
; CHECK: call void @_ZNSt18condition_variableC1Ev(ptr %cv)
; CHECK: {{invoke|call}} void @__grid_std_condvar_wait(ptr @__grid_sites, ptr %cv, ptr %lock)
; O0-NEXT: to label %ok unwind label %lp
; CHECK: call void @__grid_std_condvar_notify_one(ptr getelementptr {{.*}}, ptr %cv)
; CHECK: call void @__grid_std_condvar_notify_all(ptr getelementptr {{.*}}, ptr %cv)
; CHECK-NOT: @_ZNSt18condition_variable{{4wait|10notify}}
