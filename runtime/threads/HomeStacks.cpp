//===- threads/HomeStacks.cpp - Shared stacks for threads at home ---------===//

#include "threads/HomeStacks.h"

#include "core/Core.h"
#include "threads/Threads.h"

#include <cerrno>
#include <csignal>
#include <string>
#include <unistd.h>

namespace grid::threads {

bool HomeStacks::threadAlive(pid_t Tid) {
  int SavedErrno = errno;
  bool Alive = tgkill(getpid(), Tid, 0) == 0 || errno != ESRCH;
  errno = SavedErrno;
  return Alive;
}

HomeStacks::HomeStacks(dsm::Space &S, AliveFn Alive) : S(S), Alive(Alive) {
  auto [Begin, End] = S.stackPart();
  PartBegin = reinterpret_cast<uintptr_t>(Begin);
  PartEnd = reinterpret_cast<uintptr_t>(End);
}

// Stacks still given stay in the space's stack part, as the threads on
// them may still run.
HomeStacks::~HomeStacks() = default;

bool HomeStacks::inStackPart(pthread_t Thread) const {
  auto A = static_cast<uintptr_t>(Thread);
  return A >= PartBegin && A < PartEnd;
}

HomeStacks::Entries::iterator HomeStacks::find(pthread_t Thread) {
  auto A = static_cast<uintptr_t>(Thread);
  auto It = Given.upper_bound(A);
  if (It == Given.begin())
    return Given.end();
  --It;
  return A < It->first + It->second->Bytes ? It : Given.end();
}

void HomeStacks::reuse(Entries::iterator It) {
  if (It->second->Detached)
    --DetachedCount;
  S.freeStack(reinterpret_cast<void *>(It->first), It->second->Bytes);
  Given.erase(It);
}

void HomeStacks::reclaimDetached() {
  if (DetachedCount == 0)
    return;
  for (auto It = Given.begin(); It != Given.end();) {
    Entry &E = *It->second;
    // A thread that has not stored its id yet has not started.
    pid_t Tid = E.Tid.load(std::memory_order_acquire);
    auto Next = std::next(It);
    if (E.Detached && Tid != 0 && !Alive(Tid))
      reuse(It);
    It = Next;
  }
}

HomeStacks::Lease HomeStacks::take(size_t Bytes, bool Detached) {
  Bytes = dsm::Space::stackBytes(Bytes);
  std::lock_guard<std::mutex> Lock(Mutex);
  reclaimDetached();
  void *Base = S.allocateStack(Bytes);
  if (!Base)
    return {};
  auto E = std::make_unique<Entry>();
  E->Bytes = Bytes;
  E->Detached = Detached;
  Lease L{Base, Bytes, &E->Tid};
  Given.emplace(reinterpret_cast<uintptr_t>(Base), std::move(E));
  if (Detached)
    ++DetachedCount;
  return L;
}

HomeStacks::Lease HomeStacks::takeFor(const pthread_attr_t *Attr) {
  size_t Bytes = 0;
  int State = PTHREAD_CREATE_JOINABLE;
  if (Attr) {
    // glibc's pthread_attr_getstack reports the address set minus the
    // size: their sum is the address set, null unless the program gave a
    // stack (pthread_attr_setstack).
    void *Own = nullptr;
    size_t OwnBytes = 0;
    if (pthread_attr_getstack(Attr, &Own, &OwnBytes) != 0 ||
        reinterpret_cast<uintptr_t>(Own) + OwnBytes != 0)
      return {};
    pthread_attr_getdetachstate(Attr, &State);
    pthread_attr_getstacksize(Attr, &Bytes); // glibc's default if not set
  } else {
    pthread_attr_t Defaults;
    if (pthread_attr_init(&Defaults) != 0)
      return {};
    pthread_attr_getstacksize(&Defaults, &Bytes);
    pthread_attr_destroy(&Defaults);
  }
  Lease L = take(Bytes, State == PTHREAD_CREATE_DETACHED);
  if (!L && !Warned.exchange(true))
    core::warn("the part of home's shared memory for thread stacks is full "
               "(" +
               std::to_string(dsm::StackBytes >> 20) +
               " MiB): threads created at home from now on may run on "
               "ordinary stacks, and a thread on another node given a "
               "pointer into such a thread's stack crashes; use smaller "
               "stacks (pthread_attr_setstacksize, ulimit -s)");
  return L;
}

void HomeStacks::giveBack(const Lease &L) {
  std::lock_guard<std::mutex> Lock(Mutex);
  auto It = Given.find(reinterpret_cast<uintptr_t>(L.Base));
  if (It != Given.end())
    reuse(It);
}

void HomeStacks::joined(pthread_t Thread) {
  if (!inStackPart(Thread))
    return;
  std::lock_guard<std::mutex> Lock(Mutex);
  auto It = find(Thread);
  if (It != Given.end())
    reuse(It);
}

int HomeStacks::detach(pthread_t Thread, int (*Detach)(pthread_t)) {
  if (!inStackPart(Thread))
    return Detach(Thread);
  std::lock_guard<std::mutex> Lock(Mutex);
  int Err = Detach(Thread);
  auto It = Err == 0 ? find(Thread) : Given.end();
  if (It != Given.end() && !It->second->Detached) {
    It->second->Detached = true;
    ++DetachedCount;
  }
  return Err;
}

size_t HomeStacks::inUse() const {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Given.size();
}

namespace {
std::atomic<HomeStacks *> Instance{nullptr};
std::atomic<bool> InForkChild{false};

// A fork child's only thread is the forking one; the records are its
// parent's, and the child runs its threads on ordinary stacks.
void forgetInForkChild() {
  InForkChild.store(true);
  Instance.store(nullptr);
}
} // namespace

HomeStacks *homeStacks() {
  if (HomeStacks *H = Instance.load(std::memory_order_acquire))
    return H;
  dsm::Space *S = space();
  // Home only, and not a fork child, which left the DSM (no cache).
  if (!S || S->rank() != 0 || !S->cache() || InForkChild.load())
    return nullptr;
  static std::once_flag Made;
  std::call_once(Made, [S] {
    // Never destroyed: detached threads may end during exit.
    Instance.store(new HomeStacks(*S));
    pthread_atfork(nullptr, nullptr, forgetInForkChild);
  });
  return Instance.load(std::memory_order_acquire);
}

void threadJoined(pthread_t Thread) {
  if (HomeStacks *H = Instance.load(std::memory_order_acquire))
    H->joined(Thread);
}

int detachThread(pthread_t Thread, int (*Detach)(pthread_t)) {
  if (HomeStacks *H = Instance.load(std::memory_order_acquire))
    return H->detach(Thread, Detach);
  return Detach(Thread);
}

} // namespace grid::threads
