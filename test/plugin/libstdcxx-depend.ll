; Where libstdc++ defines GTHR_ACTIVE_PROXY, std::thread's constructor passes
; &pthread_create to _M_start_thread only so that pthread_create is linked.
; That reference is library code, not the user taking an address: no thunk
; and no site for it, at -O0 (the reference is a store to a local) and -O2.
; RUN: %opt -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt -passes='default<O2>' -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

declare i32 @pthread_create(ptr, ptr, ptr, ptr)
declare void @_ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(ptr, ptr, ptr)

; A stand-in for std::thread::thread<F>(F&&), as clang emits it at -O0.
define linkonce_odr void @_ZNSt6threadC2IRFviEJiEvEEOT_DpOT0_(ptr %this, ptr %state) #0 {
  %depend = alloca ptr
  store ptr @pthread_create, ptr %depend
  %d = load ptr, ptr %depend
  call void @_ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(ptr %this, ptr %state, ptr %d)
  ret void
}

define void @launch(ptr %t, ptr %s) #0 {
  call void @_ZNSt6threadC2IRFviEJiEvEEOT_DpOT0_(ptr %t, ptr %s)
  ret void
}

attributes #0 = { noinline optnone }

; CHECK-NOT: __grid_thunk
; CHECK: @__grid_sites = private constant [1 x
; CHECK-SAME: i32 4, i32 0 }]
; CHECK: \22function\22:\22launch\22,\22kind\22:\22std::thread\22}]}
; CHECK-LABEL: define void @launch(
; CHECK: call void @__grid_std_thread_start(ptr @__grid_sites, ptr %t, ptr %s, ptr
; CHECK-NOT: __grid_thunk
