//===- DsmSignalsTest.cpp - The program's SIGSEGV actions, chained --------===//
//
// api/Signals.cpp compiled in (test/runtime/CMakeLists.txt), so sigaction,
// signal, sysv_signal and sigset here are the ones libgridrt.so gives a
// program. Checked: while a fault range exists, a SIGSEGV or SIGBUS action
// the program installs is chained behind the DSM's handler, which stays the
// kernel's; the program's faults reach its action, faults in the range the
// range's handler; what the calls report is the program's action, never the
// DSM's; a handler may install an action itself; other signals are the C
// library's own calls, and SIGSEGV without a range its sigaction's.
//===----------------------------------------------------------------------===//

#include "dsm/Faults.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <dlfcn.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

extern "C" __sighandler_t sysv_signal(int Sig, __sighandler_t Handler) noexcept;

using namespace grid::dsm;

namespace {
constexpr size_t PB = FaultRange::PageBytes;

// Opens every page read-write, filled with 42s.
class OpenPages : public FaultHandler {
public:
  FaultRange *Range = nullptr;
  std::atomic<int> Faults{0};
  bool onFault(void *Page, bool) override {
    if (!Range || !Range->contains(Page))
      return false;
    ++Faults;
    std::memset(Range->writable(Page), 42, PB);
    return Range->protect(Page, 1, PROT_READ | PROT_WRITE);
  }
};

using SigactionFn = int (*)(int, const struct sigaction *, struct sigaction *);

/// The C library's sigaction, past the interposed one.
SigactionFn realSigaction() {
  static SigactionFn Real =
      reinterpret_cast<SigactionFn>(dlsym(RTLD_NEXT, "sigaction"));
  return Real;
}

/// The kernel's action.
struct sigaction kernelAction(int Sig = SIGSEGV) {
  struct sigaction Now = {};
  realSigaction()(Sig, nullptr, &Now);
  return Now;
}

struct sigaction reported(int Sig = SIGSEGV) {
  struct sigaction Now = {};
  sigaction(Sig, nullptr, &Now);
  return Now;
}

sigjmp_buf Back;
std::atomic<int> InfoCalls{0}, PlainCalls{0}, ReinstallCalls{0};

void infoHandler(int, siginfo_t *, void *) {
  ++InfoCalls;
  siglongjmp(Back, 1);
}

void plainHandler(int) {
  ++PlainCalls;
  siglongjmp(Back, 1);
}

// A crash handler's habit: it installs another action from inside itself.
void reinstallingHandler(int) {
  ++ReinstallCalls;
  signal(SIGSEGV, plainHandler);
  siglongjmp(Back, 1);
}

struct ForeignPage {
  void *P = mmap(nullptr, PB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ~ForeignPage() { munmap(P, PB); }
  /// Touches the page; true if a handler jumped back.
  bool fault() {
    if (sigsetjmp(Back, 1) == 0) {
      *static_cast<volatile char *>(P) = 1;
      return false;
    }
    return true;
  }
};

struct SavedAction {
  int Sig;
  struct sigaction Old;
  explicit SavedAction(int Sig = SIGSEGV) : Sig(Sig), Old(kernelAction(Sig)) {}
  ~SavedAction() { realSigaction()(Sig, &Old, nullptr); }
};

bool isDsm(const struct sigaction &A) {
  return (A.sa_flags & SA_SIGINFO) && A.sa_sigaction != infoHandler &&
         A.sa_handler != plainHandler && A.sa_handler != SIG_DFL;
}

// System V's sigset, deprecated in glibc's headers, but interposed too.
__sighandler_t systemVSigset(int Sig, __sighandler_t Disposition) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return sigset(Sig, Disposition);
#pragma GCC diagnostic pop
}

struct sigaction infoAction() {
  struct sigaction A = {};
  A.sa_sigaction = infoHandler;
  A.sa_flags = SA_SIGINFO;
  sigemptyset(&A.sa_mask);
  return A;
}
} // namespace

TEST(DsmSignals, ProgramActionsAreChainedWhileARangeExists) {
  SavedAction Saved;
  // No range: the C library's sigaction.
  ASSERT_NE(signal(SIGSEGV, plainHandler), SIG_ERR);
  EXPECT_EQ(kernelAction().sa_handler, plainHandler);

  OpenPages H;
  std::string Error;
  auto R =
      FaultRange::create(2 * PB, H, FaultMechanism::Signal, nullptr, &Error);
  ASSERT_TRUE(R) << Error;
  H.Range = R.get();
  ASSERT_TRUE(isDsm(kernelAction()));
  // What came before the DSM is what the program sees.
  EXPECT_EQ(reported().sa_handler, plainHandler);

  // sigaction: chained, the previous one reported.
  struct sigaction Info = infoAction(), Old = {};
  ASSERT_EQ(sigaction(SIGSEGV, &Info, &Old), 0);
  EXPECT_EQ(Old.sa_handler, plainHandler);
  ASSERT_TRUE(isDsm(kernelAction())); // else the range's fault is lost
  EXPECT_EQ(reported().sa_sigaction, infoHandler);
  ForeignPage Foreign;
  InfoCalls = 0;
  EXPECT_TRUE(Foreign.fault());
  EXPECT_EQ(InfoCalls, 1);
  EXPECT_EQ(static_cast<volatile char *>(static_cast<void *>(R->base()))[0],
            42); // the range's fault is still the DSM's
  EXPECT_EQ(H.Faults, 1);

  // signal: the same, with glibc's BSD flags.
  // (sa_handler and sa_sigaction share their storage.)
  EXPECT_EQ(reinterpret_cast<void *>(signal(SIGSEGV, reinstallingHandler)),
            reinterpret_cast<void *>(infoHandler));
  struct sigaction Bsd = reported();
  EXPECT_TRUE(Bsd.sa_flags & SA_RESTART);
  EXPECT_TRUE(sigismember(&Bsd.sa_mask, SIGSEGV));
  // A handler that installs another from inside itself.
  ReinstallCalls = PlainCalls = 0;
  EXPECT_TRUE(Foreign.fault());
  EXPECT_EQ(ReinstallCalls, 1);
  EXPECT_EQ(reported().sa_handler, plainHandler);
  EXPECT_TRUE(Foreign.fault());
  EXPECT_EQ(PlainCalls, 1);
  EXPECT_TRUE(isDsm(kernelAction()));

  // sysv_signal: reset to the default once delivered.
  EXPECT_EQ(sysv_signal(SIGSEGV, plainHandler), plainHandler);
  EXPECT_TRUE(reported().sa_flags & SA_RESETHAND);
  EXPECT_TRUE(Foreign.fault());
  EXPECT_EQ(reported().sa_handler, SIG_DFL);

  // sigset: SIG_HOLD blocks and reports; another disposition unblocks.
  EXPECT_EQ(systemVSigset(SIGSEGV, plainHandler), SIG_DFL);
  EXPECT_EQ(systemVSigset(SIGSEGV, SIG_HOLD), plainHandler);
  sigset_t Mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &Mask);
  EXPECT_TRUE(sigismember(&Mask, SIGSEGV));
  EXPECT_EQ(systemVSigset(SIGSEGV, plainHandler), SIG_HOLD);
  pthread_sigmask(SIG_SETMASK, nullptr, &Mask);
  EXPECT_FALSE(sigismember(&Mask, SIGSEGV));
  EXPECT_TRUE(isDsm(kernelAction()));

  // Other signals are the C library's.
  struct sigaction Usr = {}, OldUsr = {};
  Usr.sa_handler = SIG_IGN;
  sigemptyset(&Usr.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &Usr, &OldUsr), 0);
  EXPECT_EQ(reported(SIGUSR1).sa_handler, SIG_IGN);
  sigaction(SIGUSR1, &OldUsr, nullptr);

  // The range gone: the program's action is the kernel's again, and calls
  // reach the C library.
  R.reset();
  EXPECT_EQ(kernelAction().sa_handler, plainHandler);
  EXPECT_EQ(sigaction(SIGSEGV, &Info, nullptr), 0);
  EXPECT_EQ(kernelAction().sa_sigaction, infoHandler);
}

TEST(DsmSignals, SigbusActionsAreChainedToo) {
  // userfaultfd ranges that raise signals deliver SIGBUS, which the DSM's
  // handler serves as well.
  SavedAction Saved(SIGBUS);
  ASSERT_NE(signal(SIGBUS, plainHandler), SIG_ERR);
  OpenPages H;
  auto R = FaultRange::create(PB, H, FaultMechanism::Signal);
  ASSERT_TRUE(R);
  H.Range = R.get();
  ASSERT_TRUE(isDsm(kernelAction(SIGBUS)));
  EXPECT_EQ(reported(SIGBUS).sa_handler, plainHandler);

  struct sigaction Info = infoAction(), Old = {};
  ASSERT_EQ(sigaction(SIGBUS, &Info, &Old), 0);
  EXPECT_EQ(Old.sa_handler, plainHandler);
  ASSERT_TRUE(isDsm(kernelAction(SIGBUS)));
  EXPECT_EQ(reported(SIGBUS).sa_sigaction, infoHandler);

  // The program's own SIGBUS: a touch past the end of a file it mapped.
  int Fd = memfd_create("grid-signals-test", MFD_CLOEXEC);
  ASSERT_GE(Fd, 0);
  ASSERT_EQ(ftruncate(Fd, PB), 0);
  void *File = mmap(nullptr, 2 * PB, PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
  ASSERT_NE(File, MAP_FAILED);
  InfoCalls = 0;
  if (sigsetjmp(Back, 1) == 0)
    static_cast<volatile char *>(File)[PB] = 1;
  EXPECT_EQ(InfoCalls, 1);
  munmap(File, 2 * PB);
  close(Fd);

  EXPECT_EQ(reinterpret_cast<void *>(signal(SIGBUS, plainHandler)),
            reinterpret_cast<void *>(infoHandler));
  R.reset();
  EXPECT_EQ(kernelAction(SIGBUS).sa_handler, plainHandler);
}

TEST(DsmSignals, BadArgumentsAreRefused) {
  errno = 0;
  EXPECT_EQ(signal(SIGSEGV, SIG_ERR), SIG_ERR);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(signal(0, plainHandler), SIG_ERR);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(systemVSigset(NSIG, plainHandler), SIG_ERR);
  EXPECT_EQ(errno, EINVAL);
}

TEST(DsmSignals, OtherSignalsAreTheCLibrarys) {
  // glibc's signal() remembers siginterrupt(): no SA_RESTART for it then.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  siginterrupt(SIGUSR2, 1);
#pragma GCC diagnostic pop
  __sighandler_t Before = signal(SIGUSR2, plainHandler);
  ASSERT_NE(Before, SIG_ERR);
  EXPECT_FALSE(reported(SIGUSR2).sa_flags & SA_RESTART);
  EXPECT_EQ(systemVSigset(SIGUSR2, Before), plainHandler);
  signal(SIGUSR2, Before);
}

namespace {
void crashReporter(int) {
  // Report, restore the default, return: the fault happens again and kills.
  signal(SIGSEGV, SIG_DFL);
}
} // namespace

TEST(DsmSignalsDeathTest, DefaultRestoredByAHandlerKillsBySigsegv) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        OpenPages H;
        auto R = FaultRange::create(PB, H, FaultMechanism::Signal);
        if (!R)
          _exit(3);
        H.Range = R.get();
        signal(SIGSEGV, crashReporter);
        if (!isDsm(kernelAction()))
          _exit(4);
        ForeignPage Foreign;
        *static_cast<volatile char *>(Foreign.P) = 1;
        _exit(5);
      },
      testing::KilledBySignal(SIGSEGV), "");
}

namespace {
thread_local sigjmp_buf ThreadBack;
std::atomic<long> FirstCalls{0}, SecondCalls{0};
void firstHandler(int, siginfo_t *, void *) {
  ++FirstCalls;
  siglongjmp(ThreadBack, 1);
}
void secondHandler(int) {
  ++SecondCalls;
  siglongjmp(ThreadBack, 1);
}
/// Touches P, closed; true if a handler jumped back.
[[gnu::noinline]] bool faultOnce(void *P) {
  if (sigsetjmp(ThreadBack, 1) == 0) {
    *static_cast<volatile char *>(P) = 1;
    return false;
  }
  return true;
}
} // namespace

// The chained action changes (sigaction, one thread) while faults run on
// another: every fault reaches one whole action of the two, never half of
// one, and neither side waits for ever (dsm/Faults.cpp's sequence count).
TEST(DsmSignals, ChangesWhileFaultsRunReachAWholeAction) {
  SavedAction Saved;
  OpenPages H;
  auto R = FaultRange::create(PB, H, FaultMechanism::Signal);
  ASSERT_TRUE(R);
  H.Range = R.get();
  struct sigaction First = infoAction(), Second = {};
  First.sa_sigaction = firstHandler;
  Second.sa_handler = secondHandler;
  sigemptyset(&Second.sa_mask);
  ASSERT_EQ(sigaction(SIGSEGV, &First, nullptr), 0);
  FirstCalls = SecondCalls = 0;
  std::atomic<bool> Done{false};
  std::thread Changer([&] {
    for (long I = 0; !Done.load(); ++I)
      sigaction(SIGSEGV, I % 2 ? &First : &Second, nullptr);
  });
  ForeignPage Foreign;
  constexpr long Faults = 20000;
  long Caught = 0;
  for (long I = 0; I < Faults; ++I)
    Caught += faultOnce(Foreign.P);
  Done = true;
  Changer.join();
  EXPECT_EQ(Caught, Faults);
  EXPECT_EQ(FirstCalls + SecondCalls, Faults);
  EXPECT_TRUE(isDsm(kernelAction()));
}
