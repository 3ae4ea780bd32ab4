//===- local/Threads.cpp - The thread trampoline --------------------------===//
//
// The new thread runs trampoline(): record its kernel id if it runs on a
// stack Grid gave it, bind, run the program's start routine, return its
// value untouched. The live count is released by a cleanup handler, which
// runs on return, on pthread_exit and on cancellation alike (glibc runs it
// during the forced unwind of both).
//===----------------------------------------------------------------------===//

#include "local/Threads.h"

#include "core/Core.h"
#include "core/Slices.h"

#include <cerrno>
#include <cstring>
#include <new>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

namespace grid::local {

namespace {
// -1 in threads Grid did not start, or started with the user's affinity.
thread_local int CurrentCore = -1;
} // namespace

struct LocalThreads::Launch {
  LocalThreads *Owner;
  void *(*Start)(void *);
  void *Arg;
  int Core; // -1: not counted, not bound
  unsigned Generation;
  bool BindInThread; // false when the attributes already carry the core
  bool Own;          // the attributes' own affinity: counted, never bound
  uint64_t WorkId;   // gridctl ps's entry, 0 if none
  std::atomic<pid_t> *Tid = nullptr; // GivenStack's, when it runs on one
  // Its creator had a program thread's short slice (a shadow creating a
  // thread for its remote thread), which the thread inherited.
  bool DefaultSlice = false;
};

LocalThreads::LocalThreads(const topology::Topology &Topo)
    : Topo(Topo), Live(new std::atomic<unsigned>[Topo.cores().size()]) {
  for (size_t I = 0; I < Topo.cores().size(); ++I)
    Live[I].store(0);
  CPU_ZERO(&Unpinned);
  if (sched_getaffinity(0, sizeof(Unpinned), &Unpinned) != 0)
    std::memset(&Unpinned, 0xff, sizeof(Unpinned));
  CoreAttrs.resize(Topo.cores().size());
  for (size_t I = 0; I < CoreAttrs.size(); ++I) {
    cpu_set_t Set = Topo.cpuSetOf(static_cast<unsigned>(I));
    pthread_attr_init(&CoreAttrs[I]);
    pthread_attr_setaffinity_np(&CoreAttrs[I], sizeof(Set), &Set);
  }
}

LocalThreads::~LocalThreads() {
  for (pthread_attr_t &A : CoreAttrs)
    pthread_attr_destroy(&A);
}

void LocalThreads::unpinCallingThread() const {
  if (CurrentCore < 0)
    return;
  int SavedErrno = errno;
  pthread_setaffinity_np(pthread_self(), sizeof(Unpinned), &Unpinned);
  errno = SavedErrno;
}

void LocalThreads::repinCallingThread() const {
  if (CurrentCore < 0)
    return;
  int SavedErrno = errno;
  Topo.bindCallingThread(static_cast<unsigned>(CurrentCore));
  errno = SavedErrno;
}

void LocalThreads::forgetThreadsAfterFork() {
  unpinCallingThread();
  CurrentCore = -1;
  Generation.fetch_add(1);
  for (size_t I = 0; I < Topo.cores().size(); ++I)
    Live[I].store(0);
}

std::vector<unsigned> LocalThreads::liveThreadsPerCore() const {
  std::vector<unsigned> Loads(Topo.cores().size());
  for (size_t I = 0; I < Loads.size(); ++I)
    Loads[I] = Live[I].load(std::memory_order_relaxed);
  return Loads;
}

std::optional<unsigned>
LocalThreads::ownAffinityCore(const pthread_attr_t *Attr) const {
  cpu_set_t Set;
  if (!hasOwnAffinity(Attr) ||
      pthread_attr_getaffinity_np(Attr, sizeof(Set), &Set) != 0)
    return std::nullopt;
  for (unsigned Pu = 0; Pu < CPU_SETSIZE; ++Pu)
    if (CPU_ISSET(Pu, &Set))
      if (std::optional<unsigned> Core = Topo.coreOfPu(Pu))
        return Core;
  return std::nullopt;
}

bool LocalThreads::hasOwnAffinity(const pthread_attr_t *Attr) {
  if (!Attr)
    return false;
  // glibc reports every CPU as set when the attr has no affinity of its own.
  cpu_set_t Set;
  if (pthread_attr_getaffinity_np(Attr, sizeof(Set), &Set) != 0)
    return false;
  cpu_set_t All;
  std::memset(&All, 0xff, sizeof(All));
  return !CPU_EQUAL(&Set, &All);
}

std::optional<unsigned> LocalThreads::currentGridCore() {
  if (CurrentCore < 0)
    return std::nullopt;
  return static_cast<unsigned>(CurrentCore);
}

void LocalThreads::release(void *Box) {
  auto *L = static_cast<Launch *>(Box);
  if (L->Core >= 0 && L->Generation == L->Owner->Generation.load())
    L->Owner->Live[L->Core].fetch_sub(1, std::memory_order_relaxed);
  if (L->WorkId)
    core::removeWork(L->WorkId);
  delete L;
}

void *LocalThreads::trampoline(void *Box) {
  auto *L = static_cast<Launch *>(Box);
  if (L->Tid)
    L->Tid->store(gettid(), std::memory_order_release);
  void *(*Start)(void *) = L->Start;
  void *Arg = L->Arg;
  void *Result;
  // A new thread starts with errno 0; binding must not change what the
  // start routine sees.
  int SavedErrno = errno;
  if (L->DefaultSlice)
    core::defaultSliceInherited();
  // A thread of its own affinity is counted on its core, not Grid's to pin
  // (unpinCallingThread around a child's start would widen its mask).
  if (L->Core >= 0 && !L->Own) {
    CurrentCore = L->Core;
    // If binding fails (a cpuset changed under us) the thread still runs,
    // unbound, as it would without Grid.
    if (L->BindInThread)
      L->Owner->Topo.bindCallingThread(static_cast<unsigned>(L->Core));
  }
  errno = SavedErrno;
  pthread_cleanup_push(release, L);
  Result = Start(Arg);
  pthread_cleanup_pop(1);
  return Result;
}

namespace {
// Attr's settings (the defaults if null) on the stack [Base, Base + Bytes),
// in To. pthread_attr_t cannot be copied, so each setting goes through its
// get and set calls; the guard size does not apply to a given stack.
bool copyWithStack(const pthread_attr_t *Attr, void *Base, size_t Bytes,
                   pthread_attr_t *To) {
  if (pthread_attr_init(To) != 0)
    return false;
  bool Ok = true;
  if (Attr) {
    int I;
    sched_param Param;
    cpu_set_t Cpus;
    sigset_t Mask;
    Ok = pthread_attr_getdetachstate(Attr, &I) == 0 &&
         pthread_attr_setdetachstate(To, I) == 0 &&
         pthread_attr_getinheritsched(Attr, &I) == 0 &&
         pthread_attr_setinheritsched(To, I) == 0 &&
         pthread_attr_getschedpolicy(Attr, &I) == 0 &&
         pthread_attr_setschedpolicy(To, I) == 0 &&
         pthread_attr_getschedparam(Attr, &Param) == 0 &&
         pthread_attr_setschedparam(To, &Param) == 0 &&
         pthread_attr_getscope(Attr, &I) == 0 &&
         pthread_attr_setscope(To, I) == 0;
    if (Ok && LocalThreads::hasOwnAffinity(Attr))
      Ok = pthread_attr_getaffinity_np(Attr, sizeof Cpus, &Cpus) == 0 &&
           pthread_attr_setaffinity_np(To, sizeof Cpus, &Cpus) == 0;
    int Got = Ok ? pthread_attr_getsigmask_np(Attr, &Mask) : -1;
    if (Got == 0)
      Ok = pthread_attr_setsigmask_np(To, &Mask) == 0;
    else
      Ok = Ok && Got == PTHREAD_ATTR_NO_SIGMASK_NP;
  }
  Ok = Ok && pthread_attr_setstack(To, Base, Bytes) == 0;
  if (!Ok)
    pthread_attr_destroy(To);
  return Ok;
}
} // namespace

int LocalThreads::spawn(pthread_t *Thread, const pthread_attr_t *Attr,
                        Launch *L, GivenStack *Stack) {
  pthread_attr_t OnStack;
  if (!Stack || !copyWithStack(Attr, Stack->Base, Stack->Bytes, &OnStack)) {
    L->Tid = nullptr;
    return pthread_create(Thread, Attr, trampoline, L);
  }
  L->Tid = Stack->Tid;
  int Result = pthread_create(Thread, &OnStack, trampoline, L);
  int SavedErrno = errno;
  pthread_attr_destroy(&OnStack);
  errno = SavedErrno;
  Stack->Used = Result == 0;
  return Result;
}

int LocalThreads::create(pthread_t *Thread, const pthread_attr_t *Attr,
                         void *(*Start)(void *), void *Arg,
                         std::optional<unsigned> Core, uint64_t WorkId,
                         GivenStack *Stack) {
  if (Stack)
    Stack->Used = false;
  bool Own = hasOwnAffinity(Attr);
  auto *L = new (std::nothrow)
      Launch{this, Start, Arg, -1, Generation.load(), Attr != nullptr && !Own,
             Own,  WorkId};
  if (!L) {
    if (WorkId)
      core::removeWork(WorkId);
    return EAGAIN; // what pthread_create reports when it lacks resources
  }
  L->DefaultSlice = core::hasProgramSlice();
  if (Own)
    Core = ownAffinityCore(Attr);
  if (Core && *Core < Topo.cores().size()) {
    L->Core = static_cast<int>(*Core);
    Live[*Core].fetch_add(1, std::memory_order_relaxed);
    if (!Attr)
      Attr = &CoreAttrs[*Core];
  }
  int Result = spawn(Thread, Attr, L, Stack);
  if (Result == EINVAL && !Own && !L->BindInThread && L->Core >= 0) {
    // The core's affinity no longer fits the process's cpuset (it changed
    // under us): start the thread as the program asked, binding best-effort.
    L->BindInThread = true;
    Result = spawn(Thread, nullptr, L, Stack);
  }
  if (Result != 0) {
    int SavedErrno = errno;
    release(L);
    errno = SavedErrno;
  }
  return Result;
}

} // namespace grid::local
