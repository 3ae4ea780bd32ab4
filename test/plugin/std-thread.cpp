// std::thread reaches _M_start_thread from an inline constructor in
// <thread>; the site must name the user's line here, at -O0 and -O2, with
// and without debug info (without it, by the user's function).
// RUN: %clangxx -std=c++20 -g -O0 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -S -emit-llvm %s -o - | FileCheck %s
// RUN: %clangxx -std=c++20 -g -O2 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -S -emit-llvm %s -o - | FileCheck %s
// RUN: %clangxx -std=c++20 -O0 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -S -emit-llvm %s -o - | FileCheck %s --check-prefix=NODEBUG
#include <thread>

static void work(int) {}

void launch() {
  std::thread t(work, 1);
  t.join();
}

// CHECK: @__grid_meta = {{.*}}\22file\22:\22{{[^\\]*}}std-thread.cpp\22,\22line\22:[[#@LINE-4]],\22column\22:{{[0-9]+}},\22function\22:\22launch\22,\22kind\22:\22std::thread\22
// CHECK-NOT: {{call|invoke}} {{.*}}@_ZNSt6thread15_M_start_thread
// CHECK: {{call|invoke}} void @__grid_std_thread_start(ptr {{.*}}@__grid_sites

// NODEBUG: @__grid_meta = {{.*}}\22line\22:0,\22column\22:0,\22function\22:\22launch\22,\22kind\22:\22std::thread\22
// NODEBUG: {{call|invoke}} void @__grid_std_thread_start(
