; An invoke stays an invoke: the rewritten call keeps its normal and unwind
; destinations (C++ code calling pthread_join inside a try, or std::thread's
; constructor, which cleans up its state if the start throws).
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @pthread_join(i64, ptr)
declare void @_ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(ptr, ptr, ptr)
declare i32 @__gxx_personality_v0(...)
declare void @cleanup()

define i32 @joiner(i64 %t, ptr %thr, ptr %state) personality ptr @__gxx_personality_v0 {
entry:
  invoke void @_ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(ptr %thr, ptr %state, ptr null)
          to label %started unwind label %lpad
started:
  %r = invoke i32 @pthread_join(i64 %t, ptr null)
          to label %ok unwind label %lpad
ok:
  ret i32 %r
lpad:
  %lp = landingpad { ptr, i32 } cleanup
  call void @cleanup()
  resume { ptr, i32 } %lp
}

; CHECK-LABEL: define {{.*}} @joiner(
; CHECK: invoke void @__grid_std_thread_start(ptr @__grid_sites, ptr %thr, ptr %state, ptr null)
; CHECK-NEXT: to label %started unwind label %lpad
; CHECK: %r = invoke i32 @__grid_pthread_join(ptr getelementptr inbounds ({{.*}} @__grid_sites, i32 0, i32 1), i64 %t, ptr null)
; CHECK-NEXT: to label %ok unwind label %lpad
; CHECK: lpad:
; CHECK-NEXT: landingpad
