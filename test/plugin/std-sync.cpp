// std::mutex, std::condition_variable, std::shared_mutex, std::timed_mutex,
// std::barrier, std::latch, std::counting_semaphore, std::call_once,
// std::atomic (wait/notify included) and std::this_thread::get_id reach
// pthread calls, futex syscalls and atomic instructions from inline
// library code: built with grid-clang++ -fgrid, at -O0 and -O2, none of the
// calls is left in the module but the short locks' on the native side of a
// test of __grid_sync_cluster (marked !grid.native), and the entry points
// are called instead; every atomic instruction and short lock call left (a
// signal fence aside) is the native side of such a test, in a block
// grid.native (awk prints any other, with the block it is in).
// RUN: %grid-clangxx -fgrid -std=c++20 -O0 -fno-discard-value-names -S -emit-llvm %s -o %t.O0.ll
// RUN: %grid-clangxx -fgrid -std=c++20 -O2 -fno-discard-value-names -S -emit-llvm %s -o %t.O2.ll
// RUN: cat %t.O0.ll %t.O2.ll | grep -v "[!]grid[.]native" | not grep -E "(call|invoke) .*@(pthread_(mutex|cond|rwlock|barrier|spin)_[a-z]*(lock|wait|signal|broadcast)|pthread_once|pthread_self|sem_(wait|trywait|timedwait|clockwait|post)|syscall|_ZNSt18condition_variable(4wait|10notify))\("
// RUN: awk '/^define /{b=""} /^[A-Za-z0-9_.$-]+:/{b=$1} /(= atomicrmw |= cmpxchg |load atomic |store atomic |^ *fence (acquire|release|acq_rel|seq_cst)|call .*@pthread_(mutex|rwlock|spin)_[a-z]*lock[(])/ && !/@__grid_sync_cluster/ && b !~ /^grid[.]native/ {print b, $0; n++} END {exit n > 0}' %t.O0.ll %t.O2.ll
// RUN: grep -c "grid.native" %t.O2.ll | grep -v "^0$"
// RUN: grep -E "call .*@pthread_mutex_lock\(.*[!]grid[.]native" %t.O0.ll
// RUN: grep -E "call .*@pthread_mutex_lock\(.*[!]grid[.]native" %t.O2.ll
// RUN: grep -E "call .*@pthread_rwlock_wrlock\(.*[!]grid[.]native" %t.O2.ll
// RUN: FileCheck %s < %t.O0.ll
// RUN: FileCheck %s < %t.O2.ll
#include <atomic>
#include <barrier>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <semaphore>
#include <shared_mutex>
#include <thread>

std::mutex M;
std::timed_mutex TM;
std::condition_variable CV;
std::shared_mutex SM;
std::atomic<int> Counter;
std::atomic<long> Wide;
std::atomic<short> Narrow;
std::atomic<char> Tiny;
std::once_flag Once;
bool Ready;

int use() {
  std::latch L(1);
  std::barrier B(1);
  std::counting_semaphore<4> S(0);
  {
    std::unique_lock Lock(M);
    CV.wait(Lock, [] { return Ready; });
    CV.wait_for(Lock, std::chrono::milliseconds(1));
    CV.notify_one();
    CV.notify_all();
  }
  { std::shared_lock R(SM); }
  { std::unique_lock W(SM); }
  if (TM.try_lock_for(std::chrono::milliseconds(1)))
    TM.unlock();
  std::call_once(Once, [] { Counter++; });
  L.count_down();
  L.wait();
  B.arrive_and_wait();
  S.release();
  S.acquire();
  Counter.fetch_add(1);
  Counter.wait(0);
  Counter.notify_all();
  int Expected = 1;
  Counter.compare_exchange_weak(Expected, 2);
  Wide.store(3, std::memory_order_release);
  Narrow.fetch_or(1);
  Tiny.exchange('x');
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return std::this_thread::get_id() == std::thread::id() ? Wide.load() : 0;
}

// CHECK-DAG: @__grid_pthread_mutex_lock(
// CHECK-DAG: @__grid_pthread_mutex_unlock(
// CHECK-DAG: @__grid_pthread_mutex_clocklock(
// CHECK-DAG: @__grid_pthread_cond_clockwait(
// CHECK-DAG: @__grid_pthread_rwlock_rdlock(
// CHECK-DAG: @__grid_pthread_rwlock_wrlock(
// CHECK-DAG: @__grid_pthread_rwlock_unlock(
// CHECK-DAG: @__grid_pthread_once(
// CHECK-DAG: @__grid_pthread_self(
// CHECK-DAG: @__grid_syscall(
// CHECK-DAG: @__grid_std_condvar_wait(
// CHECK-DAG: @__grid_std_condvar_notify_one(
// CHECK-DAG: @__grid_std_condvar_notify_all(
// CHECK-DAG: @__grid_atomic_rmw_4(
// CHECK-DAG: @__grid_atomic_rmw_2(
// CHECK-DAG: @__grid_atomic_rmw_1(
// CHECK-DAG: @__grid_atomic_cmpxchg_4(
// CHECK-DAG: @__grid_atomic_store_8(
// CHECK-DAG: @__grid_atomic_load_8(
// CHECK-DAG: @__grid_atomic_fence(
