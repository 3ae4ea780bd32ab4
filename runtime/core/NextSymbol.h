//===- core/NextSymbol.h - The definition after libgridrt's -----*- C++ -*-===//
//
// libgridrt.so defines some of the C library's own names (sigaction,
// pthread_join, read, system, ...): a call of such a name inside the runtime
// binds to Grid's function, not to the C library's. Every place that must
// reach the C library's (or another preloaded interposer's) finds it here,
// through dlsym(RTLD_NEXT), once per function: later calls are a relaxed
// atomic load (every thread finds the same pointer) and an indirect call.
// dlsym is not async-signal-safe, so code that may run in a signal handler
// or a fork child resolves its functions early (a constructor).
//===----------------------------------------------------------------------===//
#ifndef GRID_CORE_NEXTSYMBOL_H
#define GRID_CORE_NEXTSYMBOL_H

#include <csignal>

namespace grid::core {

/// The next definition of Name after libgridrt.so's, or null.
void *nextDefinition(const char *Name);

/// Stops the program because the C library lacks Name: "grid: error:
/// cannot find the C library's <Name> after libgridrt.so; ...". Uses only
/// write and _exit (callable anywhere, before the runtime is set up too).
[[noreturn]] void missingDefinition(const char *Name);

/// The next definition of Name, found once and kept in Slot (a function
/// pointer, zero until then). Stops the program if there is none.
template <typename Fn> inline Fn nextFunction(Fn &Slot, const char *Name) {
  Fn F = __atomic_load_n(&Slot, __ATOMIC_RELAXED);
  if (__builtin_expect(F == nullptr, 0)) {
    F = reinterpret_cast<Fn>(nextDefinition(Name));
    if (!F)
      missingDefinition(Name);
    __atomic_store_n(&Slot, F, __ATOMIC_RELAXED);
  }
  return F;
}

/// Fills Slot now, with the next definition or null (a constructor's
/// eager look-up; a null slot is looked up again, and fatal, when used).
template <typename Fn> inline void resolveNext(Fn &Slot, const char *Name) {
  __atomic_store_n(&Slot, reinterpret_cast<Fn>(nextDefinition(Name)),
                   __ATOMIC_RELAXED);
}

/// The C library's pthread_sigmask: the runtime's own masks (a fault
/// handler's, a lock's), never a remote thread's mask as the program sees
/// it, which libgridrt's pthread_sigmask keeps (api/Signals.cpp). Found
/// by a constructor: it runs in signal handlers.
int realSigmask(int How, const sigset_t *Set, sigset_t *Old);

/// The C library's sigaction: the runtime's own actions (the DSM's fault
/// handler, the cancellation's SIGURG), never the program's, which
/// libgridrt's sigaction chains or sends home (api/Signals.cpp). Found by
/// a constructor: it runs in signal handlers and under the runtime's
/// locks, where dlsym's loader lock could deadlock.
int realSigaction(int Sig, const struct sigaction *New, struct sigaction *Old);

} // namespace grid::core

#endif // GRID_CORE_NEXTSYMBOL_H
