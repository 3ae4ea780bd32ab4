//===- threads/HomeStacks.h - Shared stacks for threads at home -*- C++ -*-===//
//
// DESIGN.md §6: the threads Grid starts at home in a job run on stacks in
// the shared space, as main and remote threads do, so that a pointer into
// such a thread's frame (or its thread_local data) works on every node.
//  - A stack comes from the stack part of home's slice
//    (dsm::Space::allocateStack, a closed guard page below it), as large as
//    the thread's attributes ask, or glibc's default (RLIMIT_STACK, or 2 MiB
//    when unlimited). glibc is given it with pthread_attr_setstack and puts
//    the thread's descriptor and static TLS at its top, as on its own.
//  - A thread whose attributes carry a stack of the program's own keeps it.
//    When the stack part is exhausted, a thread gets an ordinary stack and
//    one warning says so.
// A stack is reused only when no thread runs on it and nothing will read
// the descriptor on it again:
//  - a joinable thread's once a join of it returned 0 (api/JoinDetach.cpp
//    interposes pthread_join and its try, timed and clock forms, so joins
//    inside libstdc++, std::thread::join, count too);
//  - a detached thread's (by its attributes or pthread_detach, interposed
//    too) once the kernel no longer knows its id: tgkill(getpid(), Tid, 0)
//    fails with ESRCH only after the kernel's last write to the descriptor
//    (CLONE_CHILD_CLEARTID), and a reused id only delays the reuse. This is
//    checked when a new stack is wanted.
// A thread joined or detached some other way (C11's thrd_join) keeps its
// stack. The thread of a join or detach is found by its pthread_t, the
// address of its descriptor, which lies in its stack: so a thread that
// detaches itself before its creator's pthread_create has returned is
// found too.
//===----------------------------------------------------------------------===//
#ifndef GRID_THREADS_HOMESTACKS_H
#define GRID_THREADS_HOMESTACKS_H

#include "dsm/Space.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <sys/types.h>

namespace grid::threads {

class HomeStacks {
public:
  /// Whether the thread of kernel id Tid may still run (tgkill's answer).
  using AliveFn = bool (*)(pid_t Tid);
  static bool threadAlive(pid_t Tid);

  explicit HomeStacks(dsm::Space &S, AliveFn Alive = threadAlive);
  ~HomeStacks();
  HomeStacks(const HomeStacks &) = delete;
  HomeStacks &operator=(const HomeStacks &) = delete;

  struct Lease {
    void *Base = nullptr; // null: no stack, the thread gets an ordinary one
    size_t Bytes = 0;
    /// The new thread stores its kernel id here before anything else.
    std::atomic<pid_t> *Tid = nullptr;
    explicit operator bool() const { return Base != nullptr; }
  };

  /// A stack of at least Bytes for a thread about to be created (Detached:
  /// by its attributes), after reclaiming those of detached threads that
  /// are gone; empty when the stack part is exhausted.
  Lease take(size_t Bytes, bool Detached);
  /// take() for a thread created with Attr (null: the defaults): empty if
  /// Attr carries a stack of its own; on exhaustion, warns once.
  Lease takeFor(const pthread_attr_t *Attr);
  /// The thread could not be created on the lease's stack: reusable now.
  void giveBack(const Lease &L);

  /// A join of Thread returned 0: its stack is reusable.
  void joined(pthread_t Thread);
  /// Detach(Thread), with the mark it makes. Run under the lock, so that
  /// the thread's stack cannot be reused by another thread in between.
  int detach(pthread_t Thread, int (*Detach)(pthread_t));

  /// Stacks given to threads and not reusable yet.
  size_t inUse() const;

private:
  struct Entry {
    size_t Bytes;
    bool Detached;
    std::atomic<pid_t> Tid{0};
  };
  using Entries = std::map<uintptr_t, std::unique_ptr<Entry>>; // by base

  bool inStackPart(pthread_t Thread) const;
  Entries::iterator find(pthread_t Thread); // under Mutex
  void reuse(Entries::iterator It);         // under Mutex
  void reclaimDetached();                   // under Mutex

  dsm::Space &S;
  AliveFn Alive;
  uintptr_t PartBegin, PartEnd;
  mutable std::mutex Mutex;
  Entries Given;
  size_t DetachedCount = 0;
  std::atomic<bool> Warned{false};
};

/// Home in a job of several ranks: the stacks of its threads; null
/// elsewhere, and in a fork child (it takes no part in the DSM, and the
/// parent's threads are not its own).
HomeStacks *homeStacks();
/// What api/JoinDetach.cpp tells after a successful join of Thread, and
/// how it detaches one (no-ops outside a job).
void threadJoined(pthread_t Thread);
int detachThread(pthread_t Thread, int (*Detach)(pthread_t));

} // namespace grid::threads

#endif // GRID_THREADS_HOMESTACKS_H
