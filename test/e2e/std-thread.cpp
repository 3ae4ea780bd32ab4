// __grid_std_thread_start does what libstdc++'s std::thread::_M_start_thread
// does: the std::thread it fills in is joinable, joins, has the native
// handle of a real pthread, and the state's _M_run runs exactly once and is
// then deleted.
//
// RUN: %clangxx -DUSE_GRID %gridrt_include %s -o %t %gridrt_link
// RUN: %t | FileCheck %s
// RUN: env GRID_LOG=info %t 2>&1 >/dev/null | FileCheck --check-prefix=LOG %s

#include "grid/abi.h"

#include <cstdio>
#include <memory>
#include <thread>

namespace {
int Runs = 0, Deleted = 0;
std::thread::native_handle_type SeenInside;

struct Work : std::thread::_State {
  int Value;
  explicit Work(int V) : Value(V) {}
  ~Work() override { ++Deleted; }
  void _M_run() override {
    ++Runs;
    SeenInside = pthread_self();
    std::printf("running with %d\n", Value);
  }
};

const __grid_site Site = {"std-thread.cpp", "main", 42, 0,
                          __grid_kind_StdThread, 0};
} // namespace

int main() {
  std::thread T;
  std::unique_ptr<std::thread::_State> State(new Work(7));
  __grid_std_thread_start(&Site, &T, &State, nullptr);
  std::printf("state released %d, joinable %d\n", State == nullptr,
              T.joinable());
  std::thread::native_handle_type Handle = T.native_handle();
  T.join();
  std::printf("runs %d, deleted %d, handle matches %d, joinable %d\n", Runs,
              Deleted, pthread_equal(Handle, SeenInside) != 0, T.joinable());
  // CHECK-DAG: running with 7
  // CHECK-DAG: state released 1, joinable 1
  // CHECK: runs 1, deleted 1, handle matches 1, joinable 0
  // LOG: grid: info: std-thread.cpp:42 (main): std::thread -> core {{[0-9]+}}
  return 0;
}
