//===- dsm/Faults.h - Catching accesses to shared pages ---------*- C++ -*-===//
//
// The coherence layer (dsm/Coherence.h) learns that a thread touched a page
// it may not yet read or write through a FaultRange: a range of memory whose
// pages each have a protection (none, read, read-write), and whose faults
// are handed to a FaultHandler. Two mechanisms serve the same interface:
//
//  - Signal: the pages are mprotect()ed; a SIGSEGV handler finds the range,
//    tells reads from writes by the x86-64 page-fault error code (bit 1 of
//    REG_ERR in the ucontext; ESR's WnR bit on aarch64) and calls the
//    handler on the faulting thread, in the signal handler. Faults outside
//    every range go to the SIGSEGV action installed before ours, or to the
//    one the program installed since (api/Signals.cpp sends the program's
//    sigaction and signal calls for SIGSEGV and SIGBUS to
//    exchangeChainedAction, so ours stays installed).
//  - Userfaultfd: the range is registered with a userfaultfd for missing,
//    minor and write-protect faults; a thread of the range reads the events
//    and calls the handler there while the faulting thread sleeps in the
//    kernel. It also catches accesses made by the kernel for a system call
//    (read() into a closed page), which the signal mechanism turns into
//    EFAULT.
//
// Either way the memory is a memfd mapped twice: the program's view, whose
// pages have the protections, and a view that is always writable, where the
// handler installs a fetched page before opening the program's view to it
// (so no other thread sees it half copied). "Closed" (PROT_NONE) is, for
// userfaultfd, a page whose mapping was zapped: its contents stay in the
// memfd, and the next access is a minor fault.
//
// benchmarks/dsm_faults measures both; the default is the faster one.
//===----------------------------------------------------------------------===//
#ifndef GRID_DSM_FAULTS_H
#define GRID_DSM_FAULTS_H

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace grid::dsm {

/// Receives the faults of one range.
class FaultHandler {
public:
  virtual ~FaultHandler();
  /// A thread touched PageAddress (the first byte of a 4 KiB page of the
  /// range) for writing if Write, else for reading, without the access it
  /// needs. The handler makes the access possible (FaultRange::protect,
  /// after filling FaultRange::writable) and returns true; the access is
  /// then retried. False means the fault is not the range's: with signals
  /// it goes to the program's own SIGSEGV action, with userfaultfd the
  /// program stops with a message (a sleeping thread cannot be chained).
  ///
  /// With signals this runs in a SIGSEGV handler on the faulting thread,
  /// possibly on several threads at once: it must not take a lock the
  /// interrupted code may hold. With userfaultfd it runs on the range's
  /// thread, one fault at a time. Either way it must not touch the range
  /// through the program's view, except reading pages that are readable.
  /// A fault may be reported for a page that another fault has just made
  /// accessible; the handler then returns true without doing anything.
  /// With userfaultfd the faulting thread resumes as soon as protect() has
  /// opened its page: update any bookkeeping before that call.
  virtual bool onFault(void *PageAddress, bool Write) = 0;
};

enum class FaultMechanism : uint8_t { Signal, Userfaultfd };

/// The faster mechanism as measured by benchmarks/dsm_faults.
inline constexpr FaultMechanism DefaultFaultMechanism = FaultMechanism::Signal;

/// "signal" or "uffd" (the values of a future GRID_DSM_FAULTS setting).
std::string_view mechanismName(FaultMechanism M);
std::optional<FaultMechanism> parseMechanism(std::string_view Name);

/// Whether the userfaultfd mechanism works in this process; if not, Why says
/// what the kernel refused (vm.unprivileged_userfaultfd, a feature missing).
bool userfaultfdUsable(std::string *Why = nullptr);

class FaultRange {
public:
  static constexpr size_t PageBytes = 4096;

  /// Maps Bytes (a multiple of 4 KiB) of zeroed memory, every page closed,
  /// and sends its faults to Handler. At Address if not null (MAP_FIXED:
  /// it replaces what is there, normally the caller's own reservation),
  /// else anywhere. Null, with Error set, if the memory or the mechanism
  /// cannot be had.
  static std::unique_ptr<FaultRange>
  create(size_t Bytes, FaultHandler &Handler,
         FaultMechanism Mechanism = DefaultFaultMechanism,
         void *Address = nullptr, std::string *Error = nullptr);

  /// Sends the faults of memory the caller already mapped (Bytes at
  /// Address, page-aligned) to Handler, by signals, leaving its mapping and
  /// protections as they are. Such a range has no writable view
  /// (writable() is null) and is not unmapped by the destructor. Null with
  /// Error set if the handler cannot be installed.
  static std::unique_ptr<FaultRange> adopt(void *Address, size_t Bytes,
                                           FaultHandler &Handler,
                                           std::string *Error = nullptr);

  /// Unmaps the range (unless adopted). No thread may touch it any more or be
  /// in its handler.
  ~FaultRange();
  FaultRange(const FaultRange &) = delete;
  FaultRange &operator=(const FaultRange &) = delete;

  std::byte *base() const { return Base; }
  size_t size() const { return Bytes; }
  FaultMechanism mechanism() const { return Mechanism; }
  bool contains(const void *P) const {
    auto A = reinterpret_cast<uintptr_t>(P);
    auto B = reinterpret_cast<uintptr_t>(Base);
    return A >= B && A - B < Bytes;
  }

  /// The page holding P through the always-writable view (null for an
  /// adopted range).
  std::byte *writable(const void *P) const;

  /// Gives the program's view of Pages pages from Page (page-aligned) the
  /// protection Prot: PROT_NONE, PROT_READ or PROT_READ | PROT_WRITE. A page
  /// opened from closed shows what the writable view holds. Threads waiting
  /// on these pages resume. Async-signal-safe. False (errno set) if the
  /// kernel refused.
  bool protect(void *Page, size_t Pages, int Prot);

private:
  struct Uffd;
  FaultRange(FaultHandler &H, FaultMechanism M);
  bool openUffdPage(uintptr_t Page, bool Write);
  bool registerSignalRange(std::string *Error);
  static void *serveUffd(void *Range); // the userfaultfd thread

  FaultHandler &Handler;
  FaultMechanism Mechanism;
  std::byte *Base = nullptr;
  std::byte *Shadow = nullptr; // the always-writable view
  size_t Bytes = 0;
  int Memfd = -1;
  int Slot = -1; // in the signal handler's table
  bool Adopted = false;
  std::unique_ptr<Uffd> U;

  friend void dispatchSignalFault(int, siginfo_t *, void *);
};

/// For the runtime's sigaction/signal interceptors: while a signal-mechanism
/// range exists our SIGSEGV and SIGBUS handler must stay installed (SIGBUS:
/// userfaultfd ranges that raise signals, dsm/Space.h), so the program's
/// own action for Sig is recorded as the one faults outside the ranges
/// chain to. Returns false (nothing done) when our handler is not installed
/// or Sig is neither; the caller then performs the real sigaction.
/// Otherwise stores New (if not null) and returns the previously recorded
/// action in Old (if not null). It may be called from a signal handler:
/// every signal is blocked while it holds the lock that the ranges'
/// registration takes too.
bool exchangeChainedAction(int Sig, const struct sigaction *New,
                           struct sigaction *Old);
/// exchangeChainedAction(SIGSEGV, New, Old).
bool exchangeChainedSigsegvAction(const struct sigaction *New,
                                  struct sigaction *Old);

} // namespace grid::dsm

#endif // GRID_DSM_FAULTS_H
