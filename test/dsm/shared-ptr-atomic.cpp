// std::atomic_load, atomic_store, atomic_exchange and
// atomic_compare_exchange_strong of a std::shared_ptr (the free functions)
// lock mutexes of libstdc++.so's own (std::_Sp_locker), out of the plugin's
// reach: each node locked its own, so threads on different nodes changed
// one shared_ptr at once, and its object and count were freed twice (the
// agents crashed). Now a remote thread's locker is taken at home
// (api/RemoteIo.cpp). Also C++20's std::atomic<std::shared_ptr>, which
// libstdc++ 12 builds inline on a lock bit and atomic waits.
//
// Three threads (home, node 1, node 2), each (reading, between its
// operations, a word on the page of the shared_ptrs, so that the lock must
// make its node read them afresh):
//  - stores new objects (value V, check -V) and loads the others': no torn
//    or freed object is seen;
//  - exchanges objects and counts what it took;
//  - adds 1 to a shared counter object with a compare-exchange loop, with
//    the free functions and with std::atomic<std::shared_ptr>: the totals
//    are exact;
// then two threads on the nodes hold a copy of the page when main stores
// a new object, and their atomic_load sees it; at the end every object
// made was destroyed once.
//
// RUN: %clangxx -std=c++20 %s -o %t.plain
// RUN: %grid-clangxx -std=c++20 -fgrid -g -O1 %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK:      stores and loads: bad 0
// CHECK-NEXT: loads on nodes after main's store: stale 0
// CHECK-NEXT: exchanges: taken 300 of 300
// CHECK-NEXT: compare-exchange counter: 300
// CHECK-NEXT: std::atomic<std::shared_ptr> counter: 300
// CHECK-NEXT: objects made: at least 1206 yes, each destroyed once yes
// STATS: shared-ptr-atomic.cpp:{{[0-9]+}} (main) std::thread 3 {{.*}}node 1: 1, node 2: 1
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

namespace {
constexpr int Threads = 3;
constexpr int Rounds = 100;

std::atomic<long> Made{0}, Destroyed{0};

struct Object {
  long Value, Check;
  explicit Object(long V) : Value(V), Check(-V) { Made.fetch_add(1); }
  ~Object() {
    Check = 1; // a second destruction, or a read after it, sees it
    Destroyed.fetch_add(1);
  }
};

// The shared_ptrs share a page with a word each thread reads between its
// operations, so that a node holds a copy of the page when it locks: the
// lock must make it read the pointers afresh.
struct alignas(4096) Shared {
  long Neighbour = 7;
  std::shared_ptr<Object> Slot = std::make_shared<Object>(1);
  std::shared_ptr<Object> Exchanged = std::make_shared<Object>(0);
  std::shared_ptr<const Object> Counter = std::make_shared<const Object>(0);
  std::shared_ptr<Object> Late = std::make_shared<Object>(1);
} Page;
std::shared_ptr<Object> &Slot = Page.Slot;
std::shared_ptr<Object> &Exchanged = Page.Exchanged;
std::shared_ptr<const Object> &Counter = Page.Counter;
std::atomic<std::shared_ptr<const Object>> AtomicCounter{
    std::make_shared<const Object>(0)};

std::atomic<long> Bad{0}, Taken{0};

void lookAtPage() {
  if (*static_cast<volatile long *>(&Page.Neighbour) != 7)
    Bad.fetch_add(1);
}

void work(int T) {
  for (int I = 0; I < Rounds; ++I) {
    long V = (T + 1) * 1000000L + I;
    lookAtPage();
    std::atomic_store(&Slot, std::make_shared<Object>(V));
    lookAtPage();
    std::shared_ptr<Object> Seen = std::atomic_load(&Slot);
    if (!Seen || Seen->Value <= 0 || Seen->Check != -Seen->Value)
      Bad.fetch_add(1);

    lookAtPage();
    std::shared_ptr<Object> Old =
        std::atomic_exchange(&Exchanged, std::make_shared<Object>(V));
    if (Old && Old->Check == -Old->Value)
      Taken.fetch_add(1);

    lookAtPage();
    std::shared_ptr<const Object> Now = std::atomic_load(&Counter);
    do
      lookAtPage();
    while (!std::atomic_compare_exchange_strong(
        &Counter, &Now, std::make_shared<const Object>(Now->Value + 1)));

    std::shared_ptr<const Object> Was = AtomicCounter.load();
    while (!AtomicCounter.compare_exchange_strong(
        Was, std::make_shared<const Object>(Was->Value + 1))) {
    }
  }
}
// A node that holds a copy of the page loads a shared_ptr main stored
// since: it sees main's object, not its copy's. The thread caches the page,
// says so (a release, which keeps the copy), and waits for main's store
// with a relaxed load, which does not drop the copy either; only the
// load's lock can make it read afresh.
std::atomic<int> Cached{0}, Stored{0};
std::atomic<long> Stale{0};

void loadLate(int T) {
  if (T == 0)
    return; // home's: it holds no copy
  lookAtPage();
  Cached.fetch_add(1, std::memory_order_release);
  while (Stored.load(std::memory_order_relaxed) == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::shared_ptr<Object> Seen = std::atomic_load(&Page.Late);
  if (Seen->Value != 2 || Seen->Check != -2)
    Stale.fetch_add(1);
}
} // namespace

int main() {
  std::vector<std::thread> Pool;
  for (int T = 0; T < Threads; ++T)
    Pool.emplace_back(work, T);
  for (std::thread &T : Pool)
    T.join();
  Pool.clear();
  for (int T = 0; T < Threads; ++T)
    Pool.emplace_back(loadLate, T);
  while (Cached.load() != Threads - 1)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::atomic_store(&Page.Late, std::make_shared<Object>(2));
  Stored.store(1, std::memory_order_relaxed);
  for (std::thread &T : Pool)
    T.join();
  std::printf("stores and loads: bad %ld\n", Bad.load());
  std::printf("loads on nodes after main's store: stale %ld\n", Stale.load());
  std::printf("exchanges: taken %ld of %d\n", Taken.load(), Threads * Rounds);
  std::printf("compare-exchange counter: %ld\n", Counter->Value);
  std::printf("std::atomic<std::shared_ptr> counter: %ld\n",
              AtomicCounter.load()->Value);
  Slot.reset();
  Exchanged.reset();
  Counter.reset();
  Page.Late.reset();
  AtomicCounter.store(nullptr);
  // The compare-exchange loops make one object more per retry.
  std::printf("objects made: at least %d %s, each destroyed once %s\n",
              4 * Threads * Rounds + 6,
              Made.load() >= 4 * Threads * Rounds + 6 ? "yes" : "no",
              Made.load() == Destroyed.load() ? "yes" : "no");
}
