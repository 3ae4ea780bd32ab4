// std::jthread's constructor reaches _M_start_thread through
// jthread::_S_create and std::thread's constructor, all inline in <thread>;
// the site names the user's line, at -O0 and -O2.
// RUN: %clangxx -std=c++20 -g -O0 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -S -emit-llvm %s -o - | FileCheck %s
// RUN: %clangxx -std=c++20 -g -O2 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -S -emit-llvm %s -o - | FileCheck %s
#include <thread>

int main() {
  std::jthread worker([](std::stop_token) {});
  return 0;
}

// CHECK: @__grid_meta = {{.*}}\22line\22:[[#@LINE-4]],\22column\22:{{[0-9]+}},\22function\22:\22main\22,\22kind\22:\22std::thread\22
// CHECK-NOT: {{call|invoke}} {{.*}}@_ZNSt6thread15_M_start_thread
// CHECK: {{call|invoke}} void @__grid_std_thread_start(
