//===- dsm/Faults.cpp - SIGSEGV and userfaultfd fault detection -----------===//
//
// The signal path reads a fixed table of ranges with atomics (no malloc, no
// lock in the handler). Each slot has a sequence number, odd while it is
// rewritten, so the handler never pairs one range's bounds with another's
// owner. Our action is installed without SA_NODEFER: a fault inside the
// handler itself would otherwise recurse until the stack overflows, while
// with SIGSEGV blocked the kernel kills the process at once. It uses
// SA_ONSTACK so that a thread whose stack lies in a range (Grid threads'
// stacks will) can still take the fault on its alternate stack.
//===----------------------------------------------------------------------===//

#include "dsm/Faults.h"

#include "core/NextSymbol.h"
#include "core/Slices.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <mutex>
#include <new>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

// Linux 6.3 and later; Debian 12's headers predate it.
#ifndef UFFDIO_CONTINUE_MODE_WP
#define UFFDIO_CONTINUE_MODE_WP ((__u64)1 << 1)
#endif

namespace grid::dsm {

FaultHandler::~FaultHandler() = default;

std::string_view mechanismName(FaultMechanism M) {
  return M == FaultMechanism::Signal ? "signal" : "uffd";
}

std::optional<FaultMechanism> parseMechanism(std::string_view Name) {
  if (Name == "signal")
    return FaultMechanism::Signal;
  if (Name == "uffd")
    return FaultMechanism::Userfaultfd;
  return std::nullopt;
}

namespace {
constexpr size_t PB = FaultRange::PageBytes;

//===--- The signal mechanism's table and chained action -----------------===//

struct Slot {
  std::atomic<uint32_t> Seq{0}; // odd while being rewritten
  std::atomic<uintptr_t> Begin{0}, End{0};
  std::atomic<FaultRange *> Owner{nullptr};
};
constexpr int MaxRanges = 64;
Slot Table[MaxRanges];

std::mutex TableMutex; // writers of Table and of the installation
int SignalRanges = 0;
bool Installed = false;

/// TableMutex with every signal blocked: the program's sigaction (through
/// exchangeChainedAction) may run in a signal handler, which must not
/// interrupt a holder on its own thread.
class TableLock {
public:
  TableLock() {
    sigset_t All;
    sigfillset(&All);
    core::realSigmask(SIG_SETMASK, &All, &Saved);
    TableMutex.lock();
  }
  ~TableLock() {
    TableMutex.unlock();
    core::realSigmask(SIG_SETMASK, &Saved, nullptr);
  }
  TableLock(const TableLock &) = delete;
  TableLock &operator=(const TableLock &) = delete;

private:
  sigset_t Saved;
};

// libgridrt.so defines sigaction itself (api/Signals.cpp sends the
// program's SIGSEGV and SIGBUS actions to exchangeChainedAction), so a plain
// call here would bind to that one: ours reach the C library's
// (core::realSigaction).

// The actions faults outside the ranges go to, per signal (0: SIGSEGV,
// 1: SIGBUS, which a userfaultfd range with UFFD_FEATURE_SIGBUS raises).
// Two copies each: a writer fills the one not in use, then publishes its
// index.
// The action a fault outside every range goes to, in two copies: a writer
// fills the one not in use and switches Index. Seq is odd while one
// writes; a writer claims it by moving it from the even value it saw to
// the next (the program's sigaction, under TableLock, and a handler reset
// by SA_RESETHAND, which cannot take the lock), so writers never overlap. A
// reader that copied an action while Seq changed copies it again, since a
// second change may have refilled the copy it read. A writer is never
// interrupted by a handler of its own thread (TableLock blocks every
// signal; the reset runs in the handler itself), so a spin waits only for
// another thread.
struct Chain {
  struct sigaction Action[2];
  std::atomic<int> Index{0};
  std::atomic<uint32_t> Seq{0};

  /// Installs New if Seq is still Seen (or whatever it is, with Seen
  /// UINT32_MAX, waiting for a writer to finish); false if another write
  /// came first.
  bool write(const struct sigaction &New, uint32_t Seen = UINT32_MAX) {
    uint32_t Now = Seq.load(std::memory_order_relaxed);
    for (;;) {
      if (Seen != UINT32_MAX && Now != Seen)
        return false;
      if (!(Now & 1) &&
          Seq.compare_exchange_weak(Now, Now + 1, std::memory_order_acquire,
                                    std::memory_order_relaxed))
        break;
      Now = Seq.load(std::memory_order_relaxed);
    }
    std::atomic_thread_fence(std::memory_order_release);
    int Next = 1 - Index.load(std::memory_order_relaxed);
    Action[Next] = New;
    Index.store(Next, std::memory_order_release);
    Seq.store(Now + 2, std::memory_order_release);
    return true;
  }
  /// The action in use, and in Seen the count it was read at.
  struct sigaction read(uint32_t &Seen) const {
    struct sigaction Copy;
    for (;;) {
      Seen = Seq.load(std::memory_order_acquire);
      memcpy(&Copy, &Action[Index.load(std::memory_order_acquire)],
             sizeof Copy);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (!(Seen & 1) && Seq.load(std::memory_order_relaxed) == Seen)
        return Copy;
    }
  }
  struct sigaction read() const {
    uint32_t Seen;
    return read(Seen);
  }
};
Chain Chains[2];
constexpr int FaultSignals[2] = {SIGSEGV, SIGBUS};
Chain &chainOf(int Sig) { return Chains[Sig == SIGBUS ? 1 : 0]; }

FaultRange *findRange(uintptr_t Addr) {
  for (Slot &S : Table) {
    uint32_t Before = S.Seq.load(std::memory_order_acquire);
    if (Before & 1)
      continue;
    uintptr_t B = S.Begin.load(std::memory_order_relaxed);
    uintptr_t E = S.End.load(std::memory_order_relaxed);
    FaultRange *O = S.Owner.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (S.Seq.load(std::memory_order_relaxed) != Before)
      continue; // rewritten meanwhile: it was not a live range of ours
    if (O && Addr >= B && Addr < E)
      return O;
  }
  return nullptr;
}

void writeSlot(int I, uintptr_t B, uintptr_t E, FaultRange *O) {
  Slot &S = Table[I];
  S.Seq.fetch_add(1, std::memory_order_acq_rel);
  std::atomic_thread_fence(std::memory_order_release);
  S.Begin.store(B, std::memory_order_relaxed);
  S.End.store(E, std::memory_order_relaxed);
  S.Owner.store(O, std::memory_order_relaxed);
  S.Seq.fetch_add(1, std::memory_order_release);
}

// Page-fault error code bit 1 (x86-64): the access was a write. On aarch64
// the ESR record's WnR bit (6) says the same for data aborts.
bool isWrite(void *Context) {
  auto *UC = static_cast<ucontext_t *>(Context);
#if defined(__x86_64__)
  return (UC->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#elif defined(__aarch64__)
  auto *Head = reinterpret_cast<_aarch64_ctx *>(UC->uc_mcontext.__reserved);
  while (Head->magic) {
    if (Head->magic == ESR_MAGIC)
      return (reinterpret_cast<esr_context *>(Head)->esr >> 6) & 1;
    Head = reinterpret_cast<_aarch64_ctx *>(reinterpret_cast<char *>(Head) +
                                            Head->size);
  }
  return true; // unknown: a write fault also serves a read
#else
#error "dsm/Faults.cpp: tell read from write faults on this architecture"
#endif
}

// Dies by Sig as the program would have without us: default action, then
// the signal again (delivered when the handler returns, since Sig is
// blocked while it runs; a kernel-made fault would also recur).
void dieBy(int Sig) {
  struct sigaction Default = {};
  Default.sa_handler = SIG_DFL;
  sigemptyset(&Default.sa_mask);
  core::realSigaction(Sig, &Default, nullptr);
  // The kernel's pid, as core::ownPid (getpid on a remote thread answers
  // home's; this file stands alone in the dsm_faults benchmark).
  syscall(SYS_tgkill, syscall(SYS_getpid), gettid(), Sig);
}

void chain(int Sig, siginfo_t *Info, void *Context) {
  Chain &C = chainOf(Sig);
  uint32_t Seen;
  struct sigaction Prev = C.read(Seen);
  bool UserSent = Info->si_code <= 0; // kill, tgkill, sigqueue
  if (!(Prev.sa_flags & SA_SIGINFO)) {
    if (Prev.sa_handler == SIG_IGN) {
      // A fault cannot be ignored: the kernel would have killed the program.
      if (!UserSent)
        dieBy(Sig);
      return;
    }
    if (Prev.sa_handler == SIG_DFL) {
      dieBy(Sig);
      return;
    }
  }
  if (Prev.sa_flags & SA_RESETHAND) {
    // Unless the program changed the action since it was read.
    struct sigaction Default = {};
    Default.sa_handler = SIG_DFL;
    C.write(Default, Seen);
  }
  // Run it under the mask it asked for (ours blocks Sig only).
  sigset_t Block = Prev.sa_mask;
  if (Prev.sa_flags & SA_NODEFER) {
    sigset_t Own;
    sigemptyset(&Own);
    sigaddset(&Own, Sig);
    core::realSigmask(SIG_UNBLOCK, &Own, nullptr);
  }
  core::realSigmask(SIG_BLOCK, &Block, nullptr);
  if (Prev.sa_flags & SA_SIGINFO)
    Prev.sa_sigaction(Sig, Info, Context);
  else
    Prev.sa_handler(Sig);
}
} // namespace

void dispatchSignalFault(int Sig, siginfo_t *Info, void *Context) {
  int SavedErrno = errno;
  // A closed page (SIGSEGV), or a missing or write-protected page of a
  // userfaultfd range that raises signals (SIGBUS).
  if ((Sig == SIGSEGV && Info->si_code == SEGV_ACCERR) ||
      (Sig == SIGBUS && Info->si_code == BUS_ADRERR)) {
    auto Addr = reinterpret_cast<uintptr_t>(Info->si_addr);
    if (FaultRange *R = findRange(Addr)) {
      void *Page = reinterpret_cast<void *>(Addr & ~(PB - 1));
      if (R->Handler.onFault(Page, isWrite(Context))) {
        errno = SavedErrno;
        return;
      }
    }
  }
  errno = SavedErrno;
  chain(Sig, Info, Context);
  errno = SavedErrno;
}

namespace {
// A fork child has only the thread that forked: another thread's write of
// the chain or of the table cannot finish there. Its mutex is made anew,
// and a chain whose count a vanished writer left odd is even again (the
// copy in use is whole: a writer switches to its copy only once written).
// Registered at the first install, before the threads layer's own fork
// handlers, so it runs first in the child.
void afterForkInChild() {
  new (&TableMutex) std::mutex;
  for (Chain &C : Chains) {
    uint32_t Now = C.Seq.load(std::memory_order_relaxed);
    if (Now & 1)
      C.Seq.store(Now + 1, std::memory_order_relaxed);
  }
}

bool installSignalHandler(std::string *Error) {
  static std::once_flag AtFork;
  std::call_once(AtFork,
                 [] { pthread_atfork(nullptr, nullptr, afterForkInChild); });
  struct sigaction Ours = {};
  Ours.sa_sigaction = dispatchSignalFault;
  Ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&Ours.sa_mask);
  for (int Sig : FaultSignals) {
    struct sigaction Prev;
    if (core::realSigaction(Sig, &Ours, &Prev) != 0) {
      if (Error)
        *Error = std::string("sigaction(") + sigabbrev_np(Sig) +
                 "): " + strerror(errno);
      return false;
    }
    chainOf(Sig).write(Prev);
  }
  Installed = true;
  return true;
}

void uninstallSignalHandler() {
  for (int Sig : FaultSignals) {
    struct sigaction Now;
    core::realSigaction(Sig, nullptr, &Now);
    // Someone replaced ours without exchangeChainedSigsegvAction: leave
    // theirs.
    Chain &C = chainOf(Sig);
    if ((Now.sa_flags & SA_SIGINFO) &&
        Now.sa_sigaction == dispatchSignalFault) {
      struct sigaction Chained = C.read();
      core::realSigaction(Sig, &Chained, nullptr);
    }
  }
  Installed = false;
}
} // namespace

bool exchangeChainedAction(int Sig, const struct sigaction *New,
                           struct sigaction *Old) {
  if (Sig != SIGSEGV && Sig != SIGBUS)
    return false;
  // Copied first: a caller may pass one object as New and Old. Old is
  // written only after the lock (which blocks every signal) is let go: it
  // may lie in shared memory not yet open here, whose fault must be served.
  struct sigaction Wanted, Previous;
  if (New)
    Wanted = *New;
  {
    TableLock Lock;
    if (!Installed)
      return false;
    Chain &C = chainOf(Sig);
    Previous = C.read();
    if (New)
      C.write(Wanted);
  }
  if (Old)
    *Old = Previous;
  return true;
}

bool exchangeChainedSigsegvAction(const struct sigaction *New,
                                  struct sigaction *Old) {
  return exchangeChainedAction(SIGSEGV, New, Old);
}

//===--- The userfaultfd mechanism ---------------------------------------===//

namespace {
// Set on the range's thread when a protect() it made woke the faulting
// threads; otherwise the thread wakes them itself after the handler.
thread_local bool WokeWaiters = false;

int openUserfaultfd(std::string *Why) {
  // Without UFFD_USER_MODE_ONLY the kernel's own accesses (a read() into a
  // closed page) are served too; a process without the privilege for that
  // still gets faults of user code.
  int Fd = static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
  if (Fd < 0 && errno == EPERM)
    Fd = static_cast<int>(
        syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY));
  if (Fd < 0) {
    if (Why)
      *Why = std::string("userfaultfd(): ") + strerror(errno) +
             (errno == EPERM ? " (vm.unprivileged_userfaultfd is 0 and the "
                               "process lacks CAP_SYS_PTRACE)"
                             : "");
    return -1;
  }
  uffdio_api Api = {};
  Api.api = UFFD_API;
  Api.features = UFFD_FEATURE_MISSING_SHMEM | UFFD_FEATURE_MINOR_SHMEM |
                 UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
  if (ioctl(Fd, UFFDIO_API, &Api) != 0) {
    if (Why)
      *Why = std::string("UFFDIO_API with missing, minor and write-protect "
                         "faults on shared memory (Linux 5.19): ") +
             strerror(errno);
    close(Fd);
    return -1;
  }
  return Fd;
}

bool registerRange(int Fd, void *Base, size_t Bytes, std::string *Why) {
  uffdio_register Reg = {};
  Reg.range.start = reinterpret_cast<uintptr_t>(Base);
  Reg.range.len = Bytes;
  Reg.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_MINOR |
             UFFDIO_REGISTER_MODE_WP;
  if (ioctl(Fd, UFFDIO_REGISTER, &Reg) != 0) {
    if (Why)
      *Why = std::string("UFFDIO_REGISTER (missing, minor, wp) on a memfd "
                         "mapping: ") +
             strerror(errno);
    return false;
  }
  uint64_t Need = (1ULL << _UFFDIO_CONTINUE) | (1ULL << _UFFDIO_WRITEPROTECT) |
                  (1ULL << _UFFDIO_WAKE);
  if ((Reg.ioctls & Need) != Need) {
    if (Why)
      *Why = "the kernel offers no UFFDIO_CONTINUE or UFFDIO_WRITEPROTECT on "
             "shared memory";
    return false;
  }
  return true;
}

bool probeUserfaultfd(std::string *Why) {
  int Fd = openUserfaultfd(Why);
  if (Fd < 0)
    return false;
  bool Ok = false;
  int Mem = memfd_create("grid-dsm-probe", MFD_CLOEXEC);
  void *View = MAP_FAILED, *Shadow = MAP_FAILED;
  if (Mem >= 0 && ftruncate(Mem, PB) == 0) {
    View = mmap(nullptr, PB, PROT_READ | PROT_WRITE, MAP_SHARED, Mem, 0);
    Shadow = mmap(nullptr, PB, PROT_READ | PROT_WRITE, MAP_SHARED, Mem, 0);
  }
  if (View == MAP_FAILED || Shadow == MAP_FAILED) {
    if (Why)
      *Why = std::string("memfd mapping: ") + strerror(errno);
  } else if (registerRange(Fd, View, PB, Why)) {
    // Opening a page read-only in one step needs UFFDIO_CONTINUE_MODE_WP
    // (Linux 6.3); without it a thread could write between two ioctls.
    static_cast<volatile char *>(Shadow)[0] = 1;
    uffdio_continue C = {};
    C.range.start = reinterpret_cast<uintptr_t>(View);
    C.range.len = PB;
    C.mode = UFFDIO_CONTINUE_MODE_WP;
    if (ioctl(Fd, UFFDIO_CONTINUE, &C) == 0)
      Ok = true;
    else if (Why)
      *Why = std::string("UFFDIO_CONTINUE_MODE_WP (Linux 6.3): ") +
             strerror(errno);
  }
  if (View != MAP_FAILED)
    munmap(View, PB);
  if (Shadow != MAP_FAILED)
    munmap(Shadow, PB);
  if (Mem >= 0)
    close(Mem);
  close(Fd);
  return Ok;
}
} // namespace

bool userfaultfdUsable(std::string *Why) {
  static std::string Reason;
  static const bool Usable = probeUserfaultfd(&Reason);
  if (!Usable && Why)
    *Why = Reason;
  return Usable;
}

struct FaultRange::Uffd {
  int Fd = -1;
  int StopFd = -1;
  pthread_t Thread{};
  bool Running = false;
};

namespace {
[[noreturn]] void unservedFault(uintptr_t Addr, bool Write) {
  char Text[200];
  int N = snprintf(Text, sizeof Text,
                   "grid: the %s fault at %#lx in a shared range was not "
                   "served by its handler; stopping\n",
                   Write ? "write" : "read", static_cast<unsigned long>(Addr));
  if (N > 0 && write(STDERR_FILENO, Text, static_cast<size_t>(N)) < 0)
    N = 0;
  abort();
}
} // namespace

FaultRange::FaultRange(FaultHandler &H, FaultMechanism M)
    : Handler(H), Mechanism(M) {}

std::unique_ptr<FaultRange> FaultRange::create(size_t Bytes,
                                               FaultHandler &Handler,
                                               FaultMechanism Mechanism,
                                               void *Address,
                                               std::string *Error) {
  auto Fail = [&](std::string What) -> std::unique_ptr<FaultRange> {
    if (Error)
      *Error = std::move(What);
    return nullptr;
  };
  if (Bytes == 0 || Bytes % PB != 0 ||
      reinterpret_cast<uintptr_t>(Address) % PB)
    return Fail("a fault range is a non-empty whole number of 4 KiB pages");
  if (sysconf(_SC_PAGESIZE) != static_cast<long>(PB))
    return Fail("the system's page size is not 4 KiB");
  std::string Why;
  if (Mechanism == FaultMechanism::Userfaultfd && !userfaultfdUsable(&Why))
    return Fail("userfaultfd cannot be used: " + Why);

  std::unique_ptr<FaultRange> R(new FaultRange(Handler, Mechanism));
  R->Memfd = memfd_create("grid-dsm", MFD_CLOEXEC);
  if (R->Memfd < 0 || ftruncate(R->Memfd, static_cast<off_t>(Bytes)) != 0)
    return Fail(std::string("memfd for the shared range: ") + strerror(errno));
  // userfaultfd closes a page by zapping its mapping; the mapping itself
  // stays read-write.
  int Prot =
      Mechanism == FaultMechanism::Signal ? PROT_NONE : PROT_READ | PROT_WRITE;
  void *Base = mmap(Address, Bytes, Prot,
                    MAP_SHARED | (Address ? MAP_FIXED : 0), R->Memfd, 0);
  if (Base == MAP_FAILED)
    return Fail(std::string("mapping the shared range: ") + strerror(errno));
  R->Base = static_cast<std::byte *>(Base);
  R->Bytes = Bytes;
  void *Shadow =
      mmap(nullptr, Bytes, PROT_READ | PROT_WRITE, MAP_SHARED, R->Memfd, 0);
  if (Shadow == MAP_FAILED)
    return Fail(std::string("mapping the writable view: ") + strerror(errno));
  R->Shadow = static_cast<std::byte *>(Shadow);

  if (Mechanism == FaultMechanism::Signal)
    return R->registerSignalRange(Error) ? std::move(R) : nullptr;

  R->U = std::make_unique<Uffd>();
  R->U->Fd = openUserfaultfd(&Why);
  if (R->U->Fd < 0 || !registerRange(R->U->Fd, R->Base, Bytes, &Why))
    return Fail("userfaultfd: " + Why);
  R->U->StopFd = eventfd(0, EFD_CLOEXEC);
  if (R->U->StopFd < 0)
    return Fail(std::string("eventfd: ") + strerror(errno));
  // The program's signals must not land on the range's thread.
  sigset_t All, Old;
  sigfillset(&All);
  core::realSigmask(SIG_SETMASK, &All, &Old);
  int Err = pthread_create(&R->U->Thread, nullptr, serveUffd, R.get());
  core::realSigmask(SIG_SETMASK, &Old, nullptr);
  if (Err != 0)
    return Fail(std::string("the userfaultfd thread: ") + strerror(Err));
  R->U->Running = true;
  return R;
}

bool FaultRange::registerSignalRange(std::string *Error) {
  TableLock Lock;
  int Free = -1;
  for (int I = 0; I < MaxRanges && Free < 0; ++I)
    if (!Table[I].Owner.load(std::memory_order_relaxed))
      Free = I;
  if (Free < 0) {
    if (Error)
      *Error = "more than 64 fault ranges";
    return false;
  }
  if (SignalRanges == 0 && !installSignalHandler(Error))
    return false;
  ++SignalRanges;
  auto B = reinterpret_cast<uintptr_t>(Base);
  writeSlot(Free, B, B + Bytes, this);
  Slot = Free;
  return true;
}

std::unique_ptr<FaultRange> FaultRange::adopt(void *Address, size_t Bytes,
                                              FaultHandler &Handler,
                                              std::string *Error) {
  if (Bytes == 0 || Bytes % PB != 0 ||
      reinterpret_cast<uintptr_t>(Address) % PB) {
    if (Error)
      *Error = "a fault range is a non-empty whole number of 4 KiB pages";
    return nullptr;
  }
  std::unique_ptr<FaultRange> R(
      new FaultRange(Handler, FaultMechanism::Signal));
  R->Base = static_cast<std::byte *>(Address);
  R->Bytes = Bytes;
  R->Adopted = true;
  if (!R->registerSignalRange(Error)) {
    R->Base = nullptr;
    return nullptr;
  }
  return R;
}

FaultRange::~FaultRange() {
  if (Slot >= 0) {
    TableLock Lock;
    writeSlot(Slot, 0, 0, nullptr);
    if (--SignalRanges == 0)
      uninstallSignalHandler();
  }
  if (U) {
    if (U->Running) {
      uint64_t One = 1;
      if (write(U->StopFd, &One, sizeof One) == sizeof One)
        pthread_join(U->Thread, nullptr);
    }
    if (U->StopFd >= 0)
      close(U->StopFd);
    if (U->Fd >= 0)
      close(U->Fd);
  }
  if (Base && !Adopted)
    munmap(Base, Bytes);
  if (Shadow)
    munmap(Shadow, Bytes);
  if (Memfd >= 0)
    close(Memfd);
}

std::byte *FaultRange::writable(const void *P) const {
  if (!Shadow)
    return nullptr;
  auto Offset =
      reinterpret_cast<uintptr_t>(P) - reinterpret_cast<uintptr_t>(Base);
  return Shadow + (Offset & ~(PB - 1));
}

bool FaultRange::protect(void *Page, size_t Pages, int Prot) {
  if (Mechanism == FaultMechanism::Signal)
    return mprotect(Page, Pages * PB, Prot) == 0;
  if (Prot == PROT_NONE)
    return madvise(Page, Pages * PB, MADV_DONTNEED) == 0;
  auto First = reinterpret_cast<uintptr_t>(Page);
  for (size_t I = 0; I < Pages; ++I)
    if (!openUffdPage(First + I * PB, (Prot & PROT_WRITE) != 0))
      return false;
  return true;
}

// Maps the memfd's page (read-only: write-protected) if it is not mapped,
// else changes its write protection. Both ioctls wake the waiting threads,
// except setting write protection, which nobody waits for.
bool FaultRange::openUffdPage(uintptr_t Page, bool Write) {
  for (int Attempt = 0; Attempt < 3; ++Attempt) {
    uffdio_continue C = {};
    C.range.start = Page;
    C.range.len = PB;
    C.mode = Write ? 0 : UFFDIO_CONTINUE_MODE_WP;
    if (ioctl(U->Fd, UFFDIO_CONTINUE, &C) == 0) {
      WokeWaiters = true;
      return true;
    }
    if (errno == EEXIST) {
      uffdio_writeprotect W = {};
      W.range.start = Page;
      W.range.len = PB;
      W.mode = Write ? 0 : UFFDIO_WRITEPROTECT_MODE_WP;
      if (ioctl(U->Fd, UFFDIO_WRITEPROTECT, &W) != 0)
        return false;
      WokeWaiters |= Write;
      return true;
    }
    if (errno == EAGAIN)
      continue;
    // The memfd has no page there yet (never written): make it, leaving its
    // bytes as they are (an atomic or of zero cannot undo a concurrent fill).
    __atomic_fetch_or(reinterpret_cast<unsigned char *>(
                          writable(reinterpret_cast<void *>(Page))),
                      0, __ATOMIC_RELAXED);
  }
  return false;
}

void *FaultRange::serveUffd(void *Arg) {
  auto *R = static_cast<FaultRange *>(Arg);
  core::shortenSlice(core::SliceOf::OwnThread); // faulting threads wait
  int Fd = R->U->Fd;
  pollfd Fds[2] = {{Fd, POLLIN, 0}, {R->U->StopFd, POLLIN, 0}};
  uffd_msg Msgs[16];
  for (;;) {
    if (poll(Fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (Fds[1].revents)
      break;
    ssize_t N = read(Fd, Msgs, sizeof Msgs);
    if (N < 0) {
      if (errno == EAGAIN || errno == EINTR)
        continue;
      break;
    }
    for (size_t I = 0; I < static_cast<size_t>(N) / sizeof(uffd_msg); ++I) {
      if (Msgs[I].event != UFFD_EVENT_PAGEFAULT)
        continue;
      uint64_t Addr = Msgs[I].arg.pagefault.address;
      bool Write = Msgs[I].arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE;
      uintptr_t Page = Addr & ~(PB - 1);
      WokeWaiters = false;
      if (!R->Handler.onFault(reinterpret_cast<void *>(Page), Write))
        unservedFault(Addr, Write);
      if (!WokeWaiters) {
        uffdio_range Wake = {Page, PB};
        ioctl(Fd, UFFDIO_WAKE, &Wake);
      }
    }
  }
  return nullptr;
}

} // namespace grid::dsm
