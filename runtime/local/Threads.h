//===- local/Threads.h - Pinned pthreads on this machine -------*- C++ -*-===//
//
// Starts real pthreads, with the program's own attributes, through a
// trampoline that keeps the count of live Grid threads per core (the load
// placement reads). A thread created without attributes gets its core's
// affinity in the attributes Grid passes (the kernel then starts it there:
// no migration after start, which costs more than the creation itself); a
// thread with the program's own attributes binds itself with hwloc first
// thing in the trampoline. The count
// is taken when the thread is created, so a burst of creations sees the
// earlier ones, and released when the thread ends: by returning, by
// pthread_exit or by cancellation.
//===----------------------------------------------------------------------===//
#ifndef GRID_LOCAL_THREADS_H
#define GRID_LOCAL_THREADS_H

#include "topology/Topology.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <pthread.h>
#include <sched.h>
#include <sys/types.h>
#include <vector>

namespace grid::local {

class LocalThreads {
public:
  explicit LocalThreads(const topology::Topology &Topo);
  ~LocalThreads();

  /// Live Grid threads per core (a snapshot; index = core index).
  std::vector<unsigned> liveThreadsPerCore() const;

  /// A stack Grid gives a new thread (threads/HomeStacks.h): the thread runs
  /// on it and stores its kernel thread id in *Tid before anything else.
  struct GivenStack {
    void *Base;
    size_t Bytes;
    std::atomic<pid_t> *Tid;
    /// Set by create: false if the thread was not started on it (its
    /// attributes could not be copied), so the stack is still the giver's.
    bool Used = false;
  };

  /// pthread_create(Thread, Attr, Start, Arg), the new thread bound to Core,
  /// and on Stack if given (a copy of Attr's settings with that stack). A
  /// thread whose Attr has an affinity of its own runs where it puts it,
  /// never bound by Grid, and counts as live on ownAffinityCore(Attr)
  /// (Core is ignored). Returns exactly what pthread_create returns; errno
  /// is left as it set it. WorkId (core::addWork), if not 0, is removed
  /// when the thread ends or if it cannot be created.
  int create(pthread_t *Thread, const pthread_attr_t *Attr,
             void *(*Start)(void *), void *Arg, std::optional<unsigned> Core,
             uint64_t WorkId = 0, GivenStack *Stack = nullptr);

  /// True if Attr carries a CPU affinity of its own
  /// (pthread_attr_setaffinity_np), which Grid then respects.
  static bool hasOwnAffinity(const pthread_attr_t *Attr);

  /// The core holding the lowest CPU of Attr's own affinity that the
  /// topology knows, where such a thread counts as live; empty if Attr has
  /// no affinity of its own or the topology knows none of its CPUs. A set
  /// as wide as the process's charges its thread to one core all the same.
  std::optional<unsigned> ownAffinityCore(const pthread_attr_t *Attr) const;

  /// The core of the calling thread if Grid started it on one.
  static std::optional<unsigned> currentGridCore();

  /// A child process must inherit the CPU affinity it would have without
  /// Grid (the mask the process had when this object was made), not the pin
  /// of the thread that creates it. Around system, popen, posix_spawn and
  /// exec, the creator is unpinned, then pinned again; both are no-ops in
  /// threads Grid did not pin. errno is preserved.
  void unpinCallingThread() const;
  void repinCallingThread() const;

  /// In a fork child only the forking thread exists: forget every live
  /// count and unpin that thread, which is no longer one Grid placed.
  void forgetThreadsAfterFork();

private:
  struct Launch;
  static void *trampoline(void *Box);
  static void release(void *Box);
  static int spawn(pthread_t *Thread, const pthread_attr_t *Attr, Launch *L,
                   GivenStack *Stack);

  const topology::Topology &Topo;
  std::unique_ptr<std::atomic<unsigned>[]> Live;
  /// Bumped by forgetThreadsAfterFork: threads of an older generation were
  /// the parent's, and their counts are not ours to release.
  std::atomic<unsigned> Generation{0};
  cpu_set_t Unpinned;
  /// Default attributes plus one core's affinity, per core; read-only after
  /// construction, so concurrent creations share them.
  std::vector<pthread_attr_t> CoreAttrs;
};

} // namespace grid::local

#endif // GRID_LOCAL_THREADS_H
