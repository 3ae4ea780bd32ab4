//===- core/Work.cpp - What this program runs where -----------------------===//
//
// The registry gridctl ps reads: every thread Grid placed and every child
// process it started, until it ends. Threads add themselves when created and
// remove themselves when they end; a local child process is removed when
// the control layer finds it gone; home's remote jobs when they end.
//===----------------------------------------------------------------------===//

#include "core/Core.h"

#include <mutex>
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
} // namespace

uint64_t addWork(WorkItem Item) {
  Registry &R = registry();
  std::lock_guard<std::mutex> Lock(R.Mutex);
  uint64_t Id = R.Next++;
  R.Items.emplace(Id, std::move(Item));
  return Id;
}

void removeWork(uint64_t Id) {
  Registry &R = registry();
  std::lock_guard<std::mutex> Lock(R.Mutex);
  R.Items.erase(Id);
}

std::vector<std::pair<uint64_t, WorkItem>> workSnapshot() {
  Registry &R = registry();
  std::lock_guard<std::mutex> Lock(R.Mutex);
  return {R.Items.begin(), R.Items.end()};
}

} // namespace grid::core
