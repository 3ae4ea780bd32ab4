//===- api/Signals.cpp - The program's SIGSEGV and SIGBUS actions ---------===//
//
// The DSM learns of page faults through its own SIGSEGV and SIGBUS handler
// (dsm/Faults.h; SIGBUS is what userfaultfd ranges that raise signals
// deliver), and sends faults outside its ranges on to the action that was
// installed before it. A program that installs its own handler for either
// after start (a crash reporter, a recovery with siglongjmp) would replace
// the DSM's, and the next fault on a shared page would reach the program's
// handler instead of fetching the page. So libgridrt.so defines sigaction,
// signal and their aliases under their C library names: while the DSM's
// handler is installed (dsm::exchangeChainedAction returns true), the
// program's SIGSEGV or SIGBUS action becomes the one the DSM chains to, and
// the action the call reports back is the one the program (or whoever came
// before the DSM) installed, never the DSM's. While the DSM is not
// installed (one rank, before start, after a fork child left the DSM),
// their actions are the C library's sigaction's to set (signal and the
// others are built on it as glibc builds them).
//
// On a thread running on another node, every signal's action but those of
// the signals it raises itself there (threads::actionStaysOnNode: its
// faults, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS) is home's: the
// program's process is home's, which signals from outside reach and where
// the thread's descriptor calls run. Its sigaction of one goes home
// (io::sigactionAtHome), and signal and the others (sigignore and
// siginterrupt included, which the C library builds on its own sigaction
// inside it) are built on that;
// SIGCHLD's is recorded on the node as well, for the children the thread
// forks there (threads::noteChildrenAction).
// Every other call is the C library's own.
//
// This applies to every caller in the process, Open MPI and the other
// libraries included: whoever installs a SIGSEGV or SIGBUS handler while
// the DSM's is installed is chained behind it, so faults in the shared
// range always reach the DSM first. The runtime's own calls
// (dsm/Faults.cpp) go to the C library directly.
//
// The C library's functions are looked up with dlsym(RTLD_NEXT) by a
// constructor that runs before every other of libgridrt.so, so a call from
// a signal handler (sigaction is async-signal-safe, and programs reset
// their handler in it) never reaches dlsym. Only the shared library
// contains this file (runtime/CMakeLists.txt).
//===----------------------------------------------------------------------===//

#include "api/RemoteIo.h"
#include "core/NextSymbol.h"
#include "dsm/Faults.h"
#include "threads/Threads.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))

extern "C" {
// glibc's exported aliases, which its headers do not declare.
int __sigaction(int Sig, const struct sigaction *New, struct sigaction *Old);
__sighandler_t bsd_signal(int Sig, __sighandler_t Handler) noexcept;
__sighandler_t __sysv_signal(int Sig, __sighandler_t Handler) noexcept;
}

namespace {

using SigactionFn = int (*)(int, const struct sigaction *, struct sigaction *);
using SignalFn = __sighandler_t (*)(int, __sighandler_t);
using SigignoreFn = int (*)(int);
using SiginterruptFn = int (*)(int, int);
using SigmaskFn = int (*)(int, const sigset_t *, sigset_t *);

// The C library's functions, each found by its own name (in glibc signal,
// bsd_signal and ssignal are one function, as are sysv_signal and
// __sysv_signal); sigaction and pthread_sigmask are core's
// (core::realSigaction, core::realSigmask), as the rest of the runtime reaches
// them.
#define GRID_SIGNAL_FUNCTIONS(X)                                               \
  X(sigprocmask, SigmaskFn)                                                    \
  X(__sigaction, SigactionFn)                                                  \
  X(signal, SignalFn)                                                          \
  X(bsd_signal, SignalFn)                                                      \
  X(ssignal, SignalFn)                                                         \
  X(sysv_signal, SignalFn)                                                     \
  X(__sysv_signal, SignalFn)                                                   \
  X(sigset, SignalFn)                                                          \
  X(sigignore, SigignoreFn)                                                    \
  X(siginterrupt, SiginterruptFn)

struct Slots {
#define GRID_SLOT(Name, Type) Type Name = nullptr;
  GRID_SIGNAL_FUNCTIONS(GRID_SLOT)
#undef GRID_SLOT
};
constinit Slots Real;

#define REAL(Name) grid::core::nextFunction(Real.Name, #Name)

// Before every other constructor of libgridrt.so (priority 101, as the
// other look-ups of libc functions): dlsym is not async-signal-safe, and
// these calls are made in signal handlers.
[[gnu::constructor(101)]] void resolveSignalCalls() {
#define GRID_RESOLVE(Name, Type) REAL(Name);
  GRID_SIGNAL_FUNCTIONS(GRID_RESOLVE)
#undef GRID_RESOLVE
}

/// The signals whose actions the DSM chains.
inline bool faultSignal(int Sig) { return Sig == SIGSEGV || Sig == SIGBUS; }

/// On a thread running on another node, the signals whose actions are
/// home's: all but those the thread raises itself there.
inline bool actionAtHome(int Sig) {
  // A vfork child of a remote thread shares its thread-locals: its actions
  // are its own.
  return grid::api::io::remoteCaller() &&
         !grid::threads::actionStaysOnNode(Sig) &&
         &grid::api::io::sigactionAtHome && grid::threads::inJobProcess();
}

/// The signals whose sigaction is not simply the C library's.
inline bool routed(int Sig) { return faultSignal(Sig) || actionAtHome(Sig); }

/// sigaction as the program sees it: SIGSEGV's and SIGBUS's actions go
/// into the DSM's chains while its handler is installed, and a remote
/// thread's action of a signal home's process owns goes home.
int exchange(int Sig, const struct sigaction *New, struct sigaction *Old) {
  if (actionAtHome(Sig))
    return grid::api::io::sigactionAtHome(Sig, New, Old);
  if (faultSignal(Sig) && grid::dsm::exchangeChainedAction(Sig, New, Old))
    return 0;
  return grid::core::realSigaction(Sig, New, Old);
}

/// glibc's signal() variants for the routed signals, built on exchange() as
/// glibc builds them on sigaction.
__sighandler_t installAction(int Sig, __sighandler_t Handler, int Flags,
                             bool MaskSelf) {
  if (Handler == SIG_ERR) {
    errno = EINVAL;
    return SIG_ERR;
  }
  struct sigaction New = {};
  New.sa_handler = Handler;
  sigemptyset(&New.sa_mask);
  if (MaskSelf)
    sigaddset(&New.sa_mask, Sig);
  New.sa_flags = Flags;
  struct sigaction Old;
  if (exchange(Sig, &New, &Old) < 0)
    return SIG_ERR;
  return Old.sa_handler;
}

// glibc's signal (= bsd_signal, ssignal): the signal blocked in its own
// handler, interrupted system calls restarted (siginterrupt does not apply
// to a fault, and on a remote thread it is not followed).
__sighandler_t bsdSignal(int Sig, __sighandler_t Handler) {
  return installAction(Sig, Handler, SA_RESTART, true);
}

// glibc's sysv_signal: reset to the default on delivery, not blocked in its
// handler, no restart.
__sighandler_t sysvSignal(int Sig, __sighandler_t Handler) {
  return installAction(Sig, Handler, SA_RESETHAND | SA_NODEFER, false);
}

// System V's sigset, as glibc implements it: SIG_HOLD blocks the signal and
// reports its action; any other disposition is installed (no flags, empty
// mask) and the signal unblocked. SIG_HOLD is returned for a signal that was
// blocked. On a thread on another node the mask is the one the program
// sees (remoteSigmask), which its shadow at home takes, and the action is
// home's (exchange).
__sighandler_t sigsetBuilt(int Sig, __sighandler_t Disposition) {
  sigset_t Set, Before;
  sigemptyset(&Set);
  sigaddset(&Set, Sig);
  struct sigaction Old;
  if (Disposition == SIG_HOLD) {
    if (sigprocmask(SIG_BLOCK, &Set, &Before) < 0)
      return SIG_ERR;
    if (sigismember(&Before, Sig))
      return SIG_HOLD;
    if (exchange(Sig, nullptr, &Old) < 0)
      return SIG_ERR;
    return Old.sa_handler;
  }
  struct sigaction New = {};
  New.sa_handler = Disposition;
  sigemptyset(&New.sa_mask);
  if (exchange(Sig, &New, &Old) < 0)
    return SIG_ERR;
  if (sigprocmask(SIG_UNBLOCK, &Set, &Before) < 0)
    return SIG_ERR;
  return sigismember(&Before, Sig) ? SIG_HOLD : Old.sa_handler;
}

} // namespace

/// A remote thread's pthread_sigmask and sigprocmask: the mask the
/// program sees is threads::programMask(), which the thread's shadow takes
/// at home (Op::Sigmask), where signals sent to the thread or its process
/// reach it; the thread itself keeps every signal but its faults blocked
/// on its node (its synchronous signals cannot be blocked there either:
/// the kernel would end the agent). Before, the program read the agent's
/// mask, every signal blocked, and a sigsuspend with it waited for ever.
/// Answers an error number.
int remoteSigmask(int How, const sigset_t *Set, sigset_t *Old) {
  sigset_t &Mask = grid::threads::programMask();
  sigset_t Was = Mask;
  if (Set) {
    sigset_t New = Mask;
    switch (How) {
    case SIG_BLOCK:
      sigorset(&New, &Mask, Set);
      break;
    case SIG_UNBLOCK:
      for (int Sig = 1; Sig < NSIG; ++Sig)
        if (sigismember(Set, Sig) == 1)
          sigdelset(&New, Sig);
      break;
    case SIG_SETMASK:
      New = *Set;
      break;
    default:
      return EINVAL;
    }
    // What the kernel and glibc never block.
    for (int Sig : {SIGKILL, SIGSTOP, SIGRTMIN - 2, SIGRTMIN - 1})
      sigdelset(&New, Sig);
    // The signals the thread raises itself are delivered on its node, to
    // handlers run with the kernel's mask: one a handler unblocks (to
    // longjmp out, then fault again) is unblocked there too. None is ever
    // blocked there: the DSM's own faults would end the agent.
    sigset_t OnNode;
    sigemptyset(&OnNode);
    bool Opens = false;
    for (int Sig = 1; Sig < NSIG; ++Sig)
      if (grid::threads::actionStaysOnNode(Sig) &&
          sigismember(&New, Sig) == 0) {
        sigaddset(&OnNode, Sig);
        Opens = true;
      }
    if (Opens)
      grid::core::realSigmask(SIG_UNBLOCK, &OnNode, nullptr);
    bool Changed = false, Unblocks = false;
    for (int Sig = 1; Sig < NSIG; ++Sig) {
      bool Before = sigismember(&Mask, Sig) == 1;
      bool After = sigismember(&New, Sig) == 1;
      Changed |= Before != After;
      Unblocks |= Before && !After;
    }
    if (Changed) {
      Mask = New;
      // Unblocking may deliver a pending signal at once, whose handler
      // runs on the shadow: the thread then reads what it wrote.
      grid::api::io::HomeCall C(grid::api::io::Op::Sigmask, Unblocks);
      C.args().bytes(&New, sizeof New);
      C.send();
    }
  }
  if (Old)
    *Old = Was;
  return 0;
}

/// A remote thread's own call, in the job's process (not a vfork child's,
/// which shares its thread-locals).
inline bool remoteMask() {
  return grid::api::io::remoteCaller() && grid::threads::inJobProcess();
}

// Every other signal is the C library's own call.

GRID_INTERPOSE int sigaction(int Sig, const struct sigaction *New,
                             struct sigaction *Old) noexcept {
  return exchange(Sig, New, Old);
}

GRID_INTERPOSE int pthread_sigmask(int How, const sigset_t *Set,
                                   sigset_t *Old) noexcept {
  if (remoteMask())
    return remoteSigmask(How, Set, Old);
  return grid::core::realSigmask(How, Set, Old);
}

GRID_INTERPOSE int sigprocmask(int How, const sigset_t *Set,
                               sigset_t *Old) noexcept {
  if (remoteMask()) {
    if (int Err = remoteSigmask(How, Set, Old)) {
      errno = Err;
      return -1;
    }
    return 0;
  }
  return REAL(sigprocmask)(How, Set, Old);
}

GRID_INTERPOSE int __sigaction(int Sig, const struct sigaction *New,
                               struct sigaction *Old) {
  if (routed(Sig))
    return exchange(Sig, New, Old);
  return REAL(__sigaction)(Sig, New, Old);
}

GRID_INTERPOSE __sighandler_t signal(int Sig, __sighandler_t Handler) noexcept {
  return routed(Sig) ? bsdSignal(Sig, Handler) : REAL(signal)(Sig, Handler);
}

GRID_INTERPOSE __sighandler_t bsd_signal(int Sig,
                                         __sighandler_t Handler) noexcept {
  return routed(Sig) ? bsdSignal(Sig, Handler) : REAL(bsd_signal)(Sig, Handler);
}

GRID_INTERPOSE __sighandler_t ssignal(int Sig,
                                      __sighandler_t Handler) noexcept {
  return routed(Sig) ? bsdSignal(Sig, Handler) : REAL(ssignal)(Sig, Handler);
}

GRID_INTERPOSE __sighandler_t sysv_signal(int Sig,
                                          __sighandler_t Handler) noexcept {
  return routed(Sig) ? sysvSignal(Sig, Handler)
                     : REAL(sysv_signal)(Sig, Handler);
}

GRID_INTERPOSE __sighandler_t __sysv_signal(int Sig,
                                            __sighandler_t Handler) noexcept {
  return routed(Sig) ? sysvSignal(Sig, Handler)
                     : REAL(__sysv_signal)(Sig, Handler);
}

GRID_INTERPOSE __sighandler_t sigset(int Sig,
                                     __sighandler_t Disposition) noexcept {
  return routed(Sig) ? sigsetBuilt(Sig, Disposition)
                     : REAL(sigset)(Sig, Disposition);
}

// sigignore and siginterrupt call the C library's sigaction inside it,
// which no interposer sees: built here on exchange() for the routed
// signals, as glibc builds them (siginterrupt's record for a later
// signal() is not kept: signal always restarts).
GRID_INTERPOSE int sigignore(int Sig) noexcept {
  if (!routed(Sig))
    return REAL(sigignore)(Sig);
  struct sigaction New = {};
  New.sa_handler = SIG_IGN;
  sigemptyset(&New.sa_mask);
  return exchange(Sig, &New, nullptr);
}

GRID_INTERPOSE int siginterrupt(int Sig, int Interrupt) noexcept {
  if (!routed(Sig))
    return REAL(siginterrupt)(Sig, Interrupt);
  struct sigaction Action;
  if (exchange(Sig, nullptr, &Action) < 0)
    return -1;
  if (Interrupt)
    Action.sa_flags &= ~SA_RESTART;
  else
    Action.sa_flags |= SA_RESTART;
  return exchange(Sig, &Action, nullptr);
}
