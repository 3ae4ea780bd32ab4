// std::async(std::launch::async, ...) starts its thread deep inside
// <future> (make_shared of the async state, whose constructor builds a
// std::thread); the site names the user's line, at -O0 and -O2.
// RUN: %clangxx -std=c++20 -g -O0 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -S -emit-llvm %s -o - | FileCheck %s
// RUN: %clangxx -std=c++20 -g -O2 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -S -emit-llvm %s -o - | FileCheck %s
#include <future>

static int square(int x) { return x * x; }

int compute() {
  auto f = std::async(std::launch::async, square, 7);
  return f.get();
}

// CHECK: @__grid_meta = {{.*}}\22line\22:[[#@LINE-4]],\22column\22:{{[0-9]+}},\22function\22:\22compute\22,\22kind\22:\22std::thread\22
// CHECK-NOT: {{call|invoke}} {{.*}}@_ZNSt6thread15_M_start_thread
// CHECK: {{call|invoke}} void @__grid_std_thread_start(
