//===- core/Slices.h - Short time slices ----------------------*- C++ -*-===//
//
// The threads whose every wait ends with another rank's message ask the
// kernel for a short time slice (GRID_SLICE_US, docs/design/cluster.md §3,
// slices): the runtime's that sleep between short answers (the cluster's
// event loop, a shadow, the fault server) and the remote threads, whose
// calls wait for home. Linux's EEVDF scheduler (6.12 and later) lets a
// thread that wakes with a shorter slice than the running one's preempt
// it; otherwise the woken thread waits for that slice to end, while the
// other core may stand idle. No settings here: the fault server is built
// without them (benchmarks/dsm_faults).
//===----------------------------------------------------------------------===//
#ifndef GRID_CORE_SLICES_H
#define GRID_CORE_SLICES_H

namespace grid::core {

/// The slice shortenSlice asks for, in microseconds (GRID_SLICE_US, set at
/// start); 0, until then, asks for none.
void setSliceUs(unsigned Us);

/// Gives the calling thread the slice set. A thread of the runtime's own
/// (OwnThread), which the program never sees, has what it starts later
/// (threads, processes) get the kernel's default slice
/// (SCHED_FLAG_RESET_ON_FORK), as does a negative nice value there, which
/// only root can set. The flag shows in the policy sched_getscheduler and
/// pthread_getschedparam report, so a thread the program sees (a remote
/// thread, or its shadow, which is that thread at home) goes without it
/// and gives what it starts the default itself (defaultSlice,
/// DefaultSliceWhile, where the runtime starts threads and processes). A thread
/// whose policy is not SCHED_OTHER (the user's chrt) is left as it is; its
/// nice value is kept. A kernel without custom slices (before 6.12)
/// ignores the slice; a refusal is ignored too.
enum class SliceOf { OwnThread, ProgramThread };
void shortenSlice(SliceOf Whose);

/// Whether the calling thread has the short slice
/// shortenSlice(ProgramThread) gave it, which what it starts would inherit:
/// a thread-local mark, no system call (a thread's creation asks).
bool hasProgramSlice();

/// Gives the calling thread the kernel's default slice again if it has
/// that short one (a slice the program chose stays): a fork child
/// (threads::forkChild), whose thread it is.
void defaultSlice();

/// A new thread whose creator hasProgramSlice() (a shadow creating a
/// thread for its remote thread; local::LocalThreads) inherited it: the
/// kernel's default slice.
void defaultSliceInherited();

/// While it lives, the calling thread has the kernel's default slice if it
/// had that short one: a shadow starting a process (api's
/// ChildStartScope) or a timer (glibc's SIGEV_THREAD helper, which starts
/// the notification threads) for its remote thread.
class DefaultSliceWhile {
public:
  DefaultSliceWhile();
  ~DefaultSliceWhile();
  DefaultSliceWhile(const DefaultSliceWhile &) = delete;
  DefaultSliceWhile &operator=(const DefaultSliceWhile &) = delete;

private:
  bool Short = false;
};

} // namespace grid::core

#endif // GRID_CORE_SLICES_H
