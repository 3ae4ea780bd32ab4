//===- core/Work.cpp - What this program runs where -----------------------===//
//
// The registry gridctl ps reads: every thread Grid placed and every child
// process it started, until it ends. Threads add themselves when created and
// remove themselves when they end; a local child process is removed when
// the control layer finds it gone; home's remote jobs when they end.
//===----------------------------------------------------------------------===//

#include "core/Core.h"

#include <atomic>
#include <mutex>
#include <pthread.h>
#include <unordered_map>

namespace grid::core {

namespace {
struct Registry {
  std::mutex Mutex;
  uint64_t Next = 1;
  std::unordered_map<uint64_t, WorkItem> Items;
};

// Never destroyed: detached threads may end after exit() has begun.
Registry &registry() {
  static Registry *R = new Registry;
  return *R;
}

std::atomic<bool> Keeping{false};

// fork() while another thread holds the registry's mutex would leave it
// locked for ever in the child: fork waits for it instead. Registered as
// the library loads, before any handler of the runtime's that waits for
// another thread: a fork's prepare handlers run in the reverse order, so
// this lock is taken after they return. Registered when the control
// server started (after home's forkPrepare, threads/Threads.cpp), it was
// taken first, and held while forkPrepare waited for the event loop to
// bring pages that moved, where the loop may add or remove a remote
// child's entry.
void lockForFork() { registry().Mutex.lock(); }
void unlockAfterFork() { registry().Mutex.unlock(); }
__attribute__((constructor(101))) void registerRegistryForFork() {
  registry();
  ::pthread_atfork(lockForFork, unlockAfterFork, unlockAfterFork);
}
} // namespace

void keepWork() { Keeping.store(true); }

uint64_t addWork(WorkItem Item) {
  if (!Keeping.load(std::memory_order_relaxed) || isForkChild())
    return 0;
  Registry &R = registry();
  std::lock_guard<std::mutex> Lock(R.Mutex);
  uint64_t Id = R.Next++;
  R.Items.emplace(Id, std::move(Item));
  return Id;
}

void removeWork(uint64_t Id) {
  if (!Id)
    return;
  Registry &R = registry();
  std::lock_guard<std::mutex> Lock(R.Mutex);
  R.Items.erase(Id);
}

void setWorkPid(uint64_t Id, pid_t Pid) {
  if (!Id)
    return;
  Registry &R = registry();
  std::lock_guard<std::mutex> Lock(R.Mutex);
  auto It = R.Items.find(Id);
  if (It != R.Items.end())
    It->second.Pid = Pid;
}

std::vector<std::pair<uint64_t, WorkItem>> workSnapshot() {
  Registry &R = registry();
  std::lock_guard<std::mutex> Lock(R.Mutex);
  return {R.Items.begin(), R.Items.end()};
}

} // namespace grid::core
