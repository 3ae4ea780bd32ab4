//===- api/HomeIo.cpp - Home carries out a remote thread's calls ----------===//
//
// The shadow of a remote thread (threads/Threads.cpp) hands each Io call
// here; it runs the C library's function on home's descriptors, streams and
// environment, on the shadow's own pthread, so a call that blocks (a read of
// an empty pipe) blocks that thread only, as it would have at home, and a
// FILE lock taken by flockfile stays with the thread that took it. The
// encoding is api/RemoteIo.h's. The functions called here pass through
// libgridrt's interposers (RemoteIo.cpp), which cost a thread-local test on
// a home thread.
//===----------------------------------------------------------------------===//

#include "api/Dispatch.h"
#include "api/Launch.h"
#include "api/RemoteIo.h"
#include "cluster/Cluster.h"
#include "cluster/Wire.h"
#include "core/Core.h"
#include "core/NextSymbol.h"
#include "core/Slices.h"
#include "sync/Sync.h"
#include "threads/Threads.h"
#include "topology/Topology.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <clocale>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <cxxabi.h>
#include <dirent.h>
#include <error.h>
#include <fcntl.h>
#include <glob.h>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <poll.h>
#include <pthread.h>
#include <set>
#include <stdio_ext.h>
#include <string>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>
#include <vector>

extern "C" {
// The C library's registrations behind atexit, at_quick_exit and C++'s
// static destructors, which no header declares.
int __cxa_atexit(void (*Function)(void *), void *Argument,
                 void *Handle) noexcept;
int __cxa_at_quick_exit(void (*Function)(void *), void *Handle) noexcept;
// pthread_atfork's registration (glibc's libc_nonshared calls it).
int __register_atfork(void (*Prepare)(), void (*Parent)(), void (*Child)(),
                      void *Handle) noexcept;
}

namespace grid::api::io {
namespace {

using api::pcloseProcess;
using api::popenProcess;
using api::spawnProcess;
using api::systemProcess;

using threads::HomeAnswer;

/// A path or mode: a string of the request, NUL-terminated.
std::string text(wire::Reader &R) { return std::string(R.str()); }

FILE *stream(wire::Reader &R) { return reinterpret_cast<FILE *>(R.u64()); }

/// The answer of a call returning Value, which failed if Failed.
HomeAnswer answer(int64_t Value, bool Failed, std::string Data = {}) {
  return {Value, Failed ? errno : 0, std::move(Data)};
}
HomeAnswer answerInt(int64_t Value) { return answer(Value, Value < 0); }
HomeAnswer answerStream(FILE *F) {
  return answer(reinterpret_cast<int64_t>(F), F == nullptr);
}
/// A call that fills a structure: the structure comes back.
template <class T> HomeAnswer answerStruct(int Result, const T &Out) {
  if (Result < 0)
    return answer(Result, true);
  return {Result, 0,
          std::string(reinterpret_cast<const char *>(&Out), sizeof Out)};
}

/// glibc's flags of a FILE (its libio.h, not installed): a stream with
/// neither is fully buffered once it has written, unless on a terminal.
constexpr int IoUnbuffered = 0x0002, IoNoWrites = 0x0008, IoErrorSeen = 0x0020,
              IoLineBuffered = 0x0200;

/// Whether what is written to F waits in its buffer (the remote thread may
/// then hold small writes itself, RemoteIo.cpp).
bool fullyBuffered(FILE *F) {
  return !(F->_flags & (IoUnbuffered | IoLineBuffered)) && !isatty(fileno(F));
}

/// A remote thread's sigaction of a signal whose action is home's
/// (RemoteIo.cpp, sigactionAtHome). Its handler must lie at the same place
/// here, in the same module loaded at the same address, or home would jump
/// into something else when the signal comes: refused otherwise (EINVAL,
/// and a warning once per signal), as an agent refuses a handler of home's
/// it does not have (threads/Threads.cpp, takeThreadActions).
HomeAnswer sigactionHere(wire::Reader &R) {
  static std::atomic<bool> Warned[NSIG];
  int Sig = R.i32();
  bool HasNew = R.u32() != 0;
  struct sigaction New = {}, Old = {};
  if (HasNew) {
    uint64_t Handler = R.u64();
    New.sa_handler = reinterpret_cast<__sighandler_t>(Handler);
    New.sa_flags = static_cast<int>(static_cast<uint32_t>(R.u64()));
    std::string_view Mask = R.str();
    std::string Module(R.str());
    uint64_t Base = R.u64();
    if (Mask.size() != sizeof New.sa_mask || threads::actionStaysOnNode(Sig)) {
      errno = EINVAL;
      return answer(-1, true);
    }
    std::memcpy(&New.sa_mask, Mask.data(), sizeof New.sa_mask);
    std::string Here;
    uintptr_t HereBase = 0;
    // A handler in no module the node has (Base 0) came from home (an
    // action it read here before, say, now put back): home's if home has
    // a module there.
    if (New.sa_handler != SIG_DFL && New.sa_handler != SIG_IGN &&
        (Base != 0 ? !threads::atSamePlace(Handler, Module, Base)
                   : !threads::moduleOf(Handler, Here, HereBase))) {
      if (Sig > 0 && Sig < NSIG && !Warned[Sig].exchange(true))
        core::warn(std::string("a thread on another node installed a SIG") +
                   (sigabbrev_np(Sig) ? sigabbrev_np(Sig) : "?") +
                   " handler that home does not have at the same place (" +
                   (Base == 0 ? std::string("in no module home or its node "
                                            "has")
                              : "its module " +
                                    (Module.empty() ? std::string("the program")
                                                    : Module)) +
                   "): sigaction refused it (EINVAL)");
      errno = EINVAL;
      return answer(-1, true);
    }
  }
  if (!HasNew || Sig != SIGCHLD)
    return answerStruct(sigaction(Sig, HasNew ? &New : nullptr, &Old), Old);
  // The node records SIGCHLD's action (threads::noteChildrenAction): after
  // the old action, where home's stand, so that a start or tick read before
  // this change does not undo it there.
  int Result = 0;
  threads::ActionsStamp Stamp =
      threads::changeChildrenAction(&New, &Old, Result);
  HomeAnswer A = answerStruct(Result, Old);
  if (Result == 0) {
    A.Data.append(reinterpret_cast<const char *>(&Stamp.first),
                  sizeof Stamp.first);
    A.Data.append(reinterpret_cast<const char *>(&Stamp.second),
                  sizeof Stamp.second);
  }
  return A;
}

/// Home's actions of the signals that are home's, for the child a remote
/// thread forks (RemoteIo.cpp, takeSignalActionsInChild). Only the records
/// of the writer's body count (its type is unused).
HomeAnswer signalActions() {
  wire::Writer W(wire::Msg::ThreadActions);
  for (int Sig = 1; Sig < NSIG; ++Sig) {
    struct sigaction A = {};
    if (threads::actionStaysOnNode(Sig) || Sig == SIGKILL || Sig == SIGSTOP ||
        sigaction(Sig, nullptr, &A) != 0)
      continue;
    uint64_t Mask = 0;
    for (int Member = 1; Member <= 64 && Member < NSIG; ++Member)
      if (sigismember(&A.sa_mask, Member) == 1)
        Mask |= uint64_t(1) << (Member - 1);
    auto Handler = reinterpret_cast<uintptr_t>(A.sa_handler);
    std::string Module;
    uintptr_t Base = 0;
    if (A.sa_handler != SIG_DFL && A.sa_handler != SIG_IGN)
      threads::moduleOf(Handler, Module, Base);
    W.i32(Sig)
        .u64(Handler)
        .u64(static_cast<uint32_t>(A.sa_flags))
        .u64(Mask)
        .str(Module)
        .u64(Base);
  }
  return {0, 0, W.take()};
}

/// A remote thread's atexit, at_quick_exit or __cxa_atexit (a function-
/// local static's destructor, registered once it is made): registered
/// here, where the program exits, for home's exit to run in its turn. Its
/// function must lie at the same place here, as a signal handler's must
/// (sigactionHere); the node keeps one that does not (RemoteIo.cpp).
HomeAnswer atexitHere(wire::Reader &R) {
  bool Quick = R.u32() != 0;
  auto Function = reinterpret_cast<void (*)(void *)>(R.u64());
  auto *Argument = reinterpret_cast<void *>(R.u64());
  auto *Handle = reinterpret_cast<void *>(R.u64());
  std::string Module(R.str());
  uint64_t Base = R.u64();
  if (!threads::atSamePlace(reinterpret_cast<uintptr_t>(Function), Module,
                            Base)) {
    errno = ENOENT; // the node keeps it
    return answer(-1, true);
  }
  return answerInt(Quick ? __cxa_at_quick_exit(Function, Handle)
                         : __cxa_atexit(Function, Argument, Handle));
}

} // namespace

namespace {
std::mutex TimerClocksMutex;
std::map<timer_t, clockid_t> &timerClocks() {
  static auto *Clocks = new std::map<timer_t, clockid_t>; // lives until exit
  return *Clocks;
}
} // namespace

clockid_t timerClock(timer_t Timer) {
  std::lock_guard<std::mutex> Lock(TimerClocksMutex);
  auto It = timerClocks().find(Timer);
  return It == timerClocks().end() ? CLOCK_REALTIME : It->second;
}

int createTimer(int (*Create)(clockid_t, struct sigevent *, timer_t *),
                clockid_t Clock, struct sigevent *Event, timer_t *Timer) {
  std::lock_guard<std::mutex> Lock(TimerClocksMutex);
  int Made = Create(Clock, Event, Timer);
  if (Made == 0)
    timerClocks()[*Timer] = Clock;
  return Made;
}

int deleteTimer(int (*Delete)(timer_t), timer_t Timer) {
  std::lock_guard<std::mutex> Lock(TimerClocksMutex);
  int Deleted = Delete(Timer);
  if (Deleted == 0)
    timerClocks().erase(Timer);
  return Deleted;
}

long agentProcessors() {
  // A fork child's threads stay on its machine; an agent's own calls,
  // everything before the nodes are measured, and hwloc reading this
  // machine for the runtime see this machine.
  cluster::Cluster *C = cluster::Cluster::current();
  if (!C || C->rank() != 0 || core::isForkChild() ||
      topology::Topology::readingThisMachine())
    return 0;
  Tolerance Tol = core::threadTolerance();
  if (Tol != Tolerance::Near && Tol != Tolerance::Any)
    return 0;
  return static_cast<long>(C->agentCores(Tol == Tolerance::Near));
}

long programProcessors(long Native) {
  return Native > 0 ? Native + agentProcessors() : Native;
}

namespace {

/// An absolute time of a node's CLOCK_MONOTONIC or CLOCK_BOOTTIME (Clock),
/// which count from its boot, moved onto this machine's by the difference
/// of their readings (There: the node's as the call left). A time
/// timer_settime refuses, or a disarm (zero), stays as it is.
void shiftTimerTime(clockid_t Clock, timespec &Time, const timespec &There) {
  timespec Here;
  if (Clock == CLOCK_BOOTTIME_ALARM) // the same clock, which wakes the host
    Clock = CLOCK_BOOTTIME;
  if ((Clock != CLOCK_MONOTONIC && Clock != CLOCK_BOOTTIME) ||
      (There.tv_sec == 0 && There.tv_nsec == 0) ||
      (Time.tv_sec == 0 && Time.tv_nsec == 0) ||
      clock_gettime(Clock, &Here) != 0)
    return;
  // Past on the node: it expires at once here too, at a time that is not
  // zero (which would disarm it).
  if (sync::moveTime(Time, There, Here) && Time.tv_sec == 0 &&
      Time.tv_nsec == 0)
    Time.tv_nsec = 1;
}

/// A remote thread's POSIX timer calls (RemoteIo.cpp): the timers are the
/// process's, home's, whose signals reach home and whose SIGEV_THREAD
/// function (the executable's) runs here.
HomeAnswer timerHere(wire::Reader &R) {
  auto Call = static_cast<TimerCall>(R.u32());
  if (Call == TimerCall::Create) {
    // glibc starts its SIGEV_THREAD helper, whose threads run the
    // program's functions, from the first such creation's thread.
    core::DefaultSliceWhile Default;
    auto Clock = static_cast<clockid_t>(R.i32());
    bool HasEvent = R.u32() != 0;
    struct sigevent Event = {};
    Event.sigev_notify = R.i32();
    Event.sigev_signo = R.i32();
    Event.sigev_value.sival_ptr = reinterpret_cast<void *>(R.u64());
    uint64_t Function = R.u64();
    if (HasEvent && Event.sigev_notify == SIGEV_THREAD) {
      if (!threads::inExecutable(Function)) {
        errno = EINVAL;
        return answer(-1, true);
      }
      Event.sigev_notify_function =
          reinterpret_cast<void (*)(union sigval)>(Function);
    }
    timer_t Timer = nullptr; // its clock noted (api's timer_create)
    return answerStruct(
        timer_create(Clock, HasEvent ? &Event : nullptr, &Timer), Timer);
  }
  auto Timer = reinterpret_cast<timer_t>(R.u64());
  switch (Call) {
  case TimerCall::Set: {
    int Flags = R.i32();
    std::string_view Bytes = R.str();
    struct itimerspec New = {}, Old = {};
    if (Bytes.size() != sizeof New) {
      errno = EINVAL;
      return answer(-1, true);
    }
    std::memcpy(&New, Bytes.data(), sizeof New);
    std::string_view Clocks = R.str();
    timespec There[2] = {};
    if (Clocks.size() == sizeof There)
      std::memcpy(There, Clocks.data(), sizeof There);
    if (Flags & TIMER_ABSTIME) {
      clockid_t Clock = timerClock(Timer);
      bool Boot = Clock == CLOCK_BOOTTIME || Clock == CLOCK_BOOTTIME_ALARM;
      shiftTimerTime(Clock, New.it_value, There[Boot ? 1 : 0]);
    }
    return answerStruct(timer_settime(Timer, Flags, &New, &Old), Old);
  }
  case TimerCall::Get: {
    struct itimerspec Now = {};
    return answerStruct(timer_gettime(Timer, &Now), Now);
  }
  case TimerCall::Overrun:
    return answerInt(timer_getoverrun(Timer));
  case TimerCall::Delete:
    return answerInt(timer_delete(Timer)); // its clock forgotten there
  case TimerCall::Create:
    break;
  }
  errno = EINVAL;
  return answer(-1, true);
}

/// A remote thread's sigwait, sigwaitinfo or sigtimedwait: the shadow waits
/// here, where the program's signals from outside arrive, with the thread's
/// mask (threads::programMask, which Op::Sigmask gave it).
HomeAnswer sigwaitHere(wire::Reader &R) {
  std::string_view Set = R.str();
  bool HasTimeout = R.u32() != 0;
  std::string_view Time = R.str();
  sigset_t Signals;
  struct timespec Timeout = {};
  if (Set.size() != sizeof Signals ||
      (HasTimeout && Time.size() != sizeof Timeout)) {
    errno = EINVAL;
    return answer(-1, true);
  }
  std::memcpy(&Signals, Set.data(), sizeof Signals);
  if (HasTimeout)
    std::memcpy(&Timeout, Time.data(), sizeof Timeout);
  siginfo_t Info = {};
  int Sig = sigtimedwait(&Signals, &Info, HasTimeout ? &Timeout : nullptr);
  return answerStruct(Sig, Info);
}

HomeAnswer readFd(wire::Reader &R) {
  int Fd = R.i32();
  size_t Bytes = std::min<uint64_t>(R.u64(), Chunk);
  uint64_t Offset = R.u64();
  bool More = R.u32() != 0;
  // A later part of a large read must not wait where one read would have
  // returned what it had: only a regular file's read never blocks.
  struct stat St;
  if (More && (fstat(Fd, &St) != 0 || !S_ISREG(St.st_mode)))
    return {-1, EAGAIN, {}};
  std::string Data(Bytes, '\0');
  ssize_t N = Offset ? pread(Fd, Data.data(), Bytes, off_t(Offset - 1))
                     : read(Fd, Data.data(), Bytes);
  Data.resize(N > 0 ? size_t(N) : 0);
  return answer(N, N < 0, std::move(Data));
}

HomeAnswer writeFd(wire::Reader &R) {
  int Fd = R.i32();
  uint64_t Offset = R.u64();
  std::string_view Data = R.str();
  ssize_t N = Offset ? pwrite(Fd, Data.data(), Data.size(), off_t(Offset - 1))
                     : write(Fd, Data.data(), Data.size());
  return answerInt(N);
}

bool locksRecord(int Command) {
  return Command == F_GETLK || Command == F_SETLK || Command == F_SETLKW ||
         Command == F_OFD_GETLK || Command == F_OFD_SETLK ||
         Command == F_OFD_SETLKW;
}

HomeAnswer fcntlFd(wire::Reader &R) {
  int Fd = R.i32(), Command = R.i32();
  uint64_t Arg = R.u64();
  std::string_view Record = R.str();
  if (locksRecord(Command)) {
    struct flock Lock{};
    if (Record.size() != sizeof Lock)
      return {-1, EINVAL, {}};
    std::memcpy(&Lock, Record.data(), sizeof Lock);
    int Result = fcntl(Fd, Command, &Lock);
    if (Result < 0)
      return answer(Result, true);
    return answerStruct(Result, Lock);
  }
  return answerInt(fcntl(Fd, Command, static_cast<long>(Arg)));
}

HomeAnswer scan(wire::Reader &R) {
  FILE *F = stream(R);
  std::string Format = text(R);
  std::string_view Raw = R.str();
  va_list Args;
  if (Raw.size() != sizeof Args)
    return {-1, EINVAL, {}};
  // The va_list's areas, and the targets they point to, are the remote
  // thread's memory: read and written here through the DSM (the shadow
  // acquired before and releases after).
  std::memcpy(&Args, Raw.data(), sizeof Args);
  int Count = vfscanf(F, Format.c_str(), Args);
  return answer(Count, Count == EOF);
}

template <class T> T *pointer(wire::Reader &R) {
  return reinterpret_cast<T *>(R.u64());
}

/// A copy of a null-terminated array of strings (argv, envp).
struct Strings {
  std::vector<std::string> Text;
  std::vector<char *> Pointers;
  explicit Strings(char *const *List) {
    for (; List && *List; ++List)
      Text.emplace_back(*List);
    for (std::string &S : Text)
      Pointers.push_back(S.data());
    Pointers.push_back(nullptr);
  }
};

HomeAnswer spawn(wire::Reader &R) {
  auto *Site = pointer<const __grid_site>(R);
  uint32_t Kind = R.u32();
  bool Search = R.u32() != 0;
  auto *Pid = pointer<pid_t>(R);
  std::string File = text(R);
  auto *Actions = pointer<const posix_spawn_file_actions_t>(R);
  auto *Attr = pointer<const posix_spawnattr_t>(R);
  auto *Argv = pointer<char *const>(R);
  auto *Env = pointer<char *const>(R);
  // The arrays and structures are the thread's memory, read here through
  // the DSM (the shadow acquired before). They are copied into memory of
  // this process first: the child of posix_spawn shares it until its exec,
  // and a page it touched that had to come from another node would fault
  // in the child, where no DSM runs. (The list of file actions is in
  // home's heap, brought back below if a page of it moved to a node; the
  // structure that points to it is usually on the thread's stack.)
  Strings Args(Argv), Vars(Env ? Env : environ);
  posix_spawnattr_t AttrCopy;
  if (Attr)
    std::memcpy(&AttrCopy, Attr, sizeof AttrCopy);
  posix_spawn_file_actions_t ActionsCopy;
  if (Actions) {
    std::memcpy(&ActionsCopy, Actions, sizeof ActionsCopy);
    // glibc's struct __spawn_action is 32 bytes (a tag, then at most a
    // descriptor, a path, flags and a mode); the paths are strdup'd at
    // home when the list is built, by the shadow's allocation.
    if (ActionsCopy.__used > 0)
      threads::homeKernelReads(ActionsCopy.__actions,
                               static_cast<size_t>(ActionsCopy.__used) * 32);
  }
  pid_t Child = 0;
  int Err =
      spawnProcess(Site, Kind, Search, &Child, File.c_str(),
                   Actions ? &ActionsCopy : nullptr, Attr ? &AttrCopy : nullptr,
                   Args.Pointers.data(), Vars.Pointers.data());
  if (Err == 0 && Pid)
    *Pid = Child; // released to the thread's node after the call
  return {Err, 0, {}};
}

HomeAnswer pollFds(wire::Reader &R) {
  std::string Fds(R.str());
  int Timeout = R.i32();
  if (Fds.size() % sizeof(pollfd))
    return {-1, EINVAL, {}};
  int N = poll(reinterpret_cast<pollfd *>(Fds.data()),
               Fds.size() / sizeof(pollfd), Timeout);
  return answer(N, N < 0, std::move(Fds));
}

/// select's and pselect's request: the count, three sets (each present or
/// not, of the bytes its first Count descriptors take), a timeout of
/// TimeBytes (or none). False if malformed. A count above FD_SETSIZE is
/// capped, as the kernel caps it at the size of the descriptor table.
struct Sets {
  int Count = 0;
  fd_set Of[3] = {};
  bool Present[3] = {};
  bool HasTimeout = false;
  std::string_view Time;
  fd_set *operator[](int I) { return Present[I] ? &Of[I] : nullptr; }
};

bool readSets(wire::Reader &R, Sets &S, size_t TimeBytes) {
  S.Count = R.i32();
  if (S.Count < 0)
    return false;
  S.Count = std::min(S.Count, FD_SETSIZE);
  for (int I = 0; I < 3; ++I) {
    S.Present[I] = R.u32() != 0;
    std::string_view Set = R.str();
    if (S.Present[I] && Set.size() > sizeof(fd_set))
      return false;
    if (S.Present[I])
      std::memcpy(&S.Of[I], Set.data(), Set.size());
  }
  S.HasTimeout = R.u32() != 0;
  S.Time = R.str();
  return !S.HasTimeout || S.Time.size() == TimeBytes;
}

HomeAnswer selectFds(wire::Reader &R) {
  Sets S;
  timeval Timeout{};
  if (!readSets(R, S, sizeof Timeout))
    return {-1, EINVAL, {}};
  if (S.HasTimeout)
    std::memcpy(&Timeout, S.Time.data(), sizeof Timeout);
  int N = select(S.Count, S[0], S[1], S[2], S.HasTimeout ? &Timeout : nullptr);
  int Errno = errno; // before the answer's allocation
  std::string Out(reinterpret_cast<char *>(S.Of), sizeof S.Of);
  Out.append(reinterpret_cast<char *>(&Timeout), sizeof Timeout);
  return {N, N < 0 ? Errno : 0, std::move(Out)};
}

/// preadv2 and pwritev2 with their flags, on one buffer of at most Chunk.
/// A later part of a large read is asked of a regular file only, as
/// readFd's.
HomeAnswer readFd2(wire::Reader &R) {
  int Fd = R.i32();
  size_t Bytes = std::min<uint64_t>(R.u64(), Chunk);
  auto Offset = static_cast<off_t>(R.u64());
  int Flags = R.i32();
  bool More = R.u32() != 0;
  struct stat St;
  if (More && (fstat(Fd, &St) != 0 || !S_ISREG(St.st_mode)))
    return {-1, EAGAIN, {}};
  std::string Data(Bytes, '\0');
  iovec Part{Data.data(), Bytes};
  ssize_t N = preadv2(Fd, &Part, 1, Offset, Flags);
  int Errno = errno;
  Data.resize(N > 0 ? size_t(N) : 0);
  return {N, N < 0 ? Errno : 0, std::move(Data)};
}

HomeAnswer writeFd2(wire::Reader &R) {
  int Fd = R.i32();
  auto Offset = static_cast<off_t>(R.u64());
  int Flags = R.i32();
  std::string_view Data = R.str();
  iovec Part{const_cast<char *>(Data.data()), Data.size()};
  return answerInt(pwritev2(Fd, &Part, 1, Offset, Flags));
}

/// The signal mask ppoll and pselect wait with, if the thread gave one:
/// false if malformed. The shadow is the thread among home's threads, so a
/// signal the mask lets through ends the wait there, its handler run.
bool readWaitMask(wire::Reader &R, sigset_t &Mask, bool &Has) {
  Has = R.u32() != 0;
  std::string_view Bytes = R.str();
  if (!Has)
    return true;
  if (Bytes.size() != sizeof Mask)
    return false;
  std::memcpy(&Mask, Bytes.data(), sizeof Mask);
  threads::fitShadowMask(&Mask);
  return true;
}

/// ppoll and pselect, with the thread's timeout and signal mask.
HomeAnswer ppollFds(wire::Reader &R) {
  std::string Fds(R.str());
  bool HasTimeout = R.u32() != 0;
  std::string_view Time = R.str();
  sigset_t Mask;
  bool HasMask;
  if (Fds.size() % sizeof(pollfd) ||
      (HasTimeout && Time.size() != sizeof(timespec)) ||
      !readWaitMask(R, Mask, HasMask))
    return {-1, EINVAL, {}};
  timespec Timeout{};
  if (HasTimeout)
    std::memcpy(&Timeout, Time.data(), sizeof Timeout);
  int N =
      ppoll(reinterpret_cast<pollfd *>(Fds.data()), Fds.size() / sizeof(pollfd),
            HasTimeout ? &Timeout : nullptr, HasMask ? &Mask : nullptr);
  return answer(N, N < 0, std::move(Fds));
}

HomeAnswer pselectFds(wire::Reader &R) {
  Sets S;
  timespec Timeout{};
  sigset_t Mask;
  bool HasMask;
  if (!readSets(R, S, sizeof Timeout) || !readWaitMask(R, Mask, HasMask))
    return {-1, EINVAL, {}};
  if (S.HasTimeout)
    std::memcpy(&Timeout, S.Time.data(), sizeof Timeout);
  int N = pselect(S.Count, S[0], S[1], S[2], S.HasTimeout ? &Timeout : nullptr,
                  HasMask ? &Mask : nullptr);
  int Errno = errno; // before the answer's allocation
  return {N, N < 0 ? Errno : 0,
          std::string(reinterpret_cast<char *>(S.Of), sizeof S.Of)};
}

/// The C library's generators of random numbers, whose state is one per
/// process: home's, so that every thread draws from the sequence main
/// seeded, wherever it runs.
HomeAnswer randomHere(wire::Reader &R) {
  auto Call = static_cast<RandomCall>(R.u32());
  uint64_t A = R.u64(), B = R.u64(), C = R.u64();
  std::string_view Bytes = R.str();
  unsigned short Shorts[7] = {};
  std::memcpy(Shorts, Bytes.data(), std::min(Bytes.size(), sizeof Shorts));
  switch (Call) {
  case RandomCall::Rand:
    return {rand(), 0, {}};
  case RandomCall::Srand:
    srand(unsigned(A));
    return {0, 0, {}};
  case RandomCall::Random:
    return {random(), 0, {}};
  case RandomCall::Srandom:
    srandom(unsigned(A));
    return {0, 0, {}};
  case RandomCall::Initstate: {
    char *Old = initstate(unsigned(A), reinterpret_cast<char *>(B), size_t(C));
    return answer(reinterpret_cast<int64_t>(Old), Old == nullptr);
  }
  case RandomCall::Setstate: {
    char *Old = setstate(reinterpret_cast<char *>(B));
    return answer(reinterpret_cast<int64_t>(Old), Old == nullptr);
  }
  case RandomCall::Drand48: {
    double Value = drand48();
    int64_t Bits;
    std::memcpy(&Bits, &Value, sizeof Bits);
    return {Bits, 0, {}};
  }
  case RandomCall::Lrand48:
    return {lrand48(), 0, {}};
  case RandomCall::Mrand48:
    return {mrand48(), 0, {}};
  case RandomCall::Srand48:
    srand48(long(A));
    return {0, 0, {}};
  case RandomCall::Seed48: {
    if (Bytes.size() != 3 * sizeof(unsigned short))
      break;
    const unsigned short *Old = seed48(Shorts);
    return {0, 0,
            std::string(reinterpret_cast<const char *>(Old),
                        3 * sizeof(unsigned short))};
  }
  case RandomCall::Lcong48:
    if (Bytes.size() != sizeof Shorts)
      break;
    lcong48(Shorts);
    return {0, 0, {}};
  }
  return {-1, EINVAL, {}};
}

HomeAnswer ints(wire::Reader &R) {
  auto Call = static_cast<IntCall>(R.i32());
  int Fd = R.i32();
  std::string Path = text(R);
  uint64_t A = R.u64(), B = R.u64(), C = R.u64();
  switch (Call) {
  case IntCall::Flock:
    return answerInt(flock(Fd, int(A)));
  case IntCall::Lockf:
    return answerInt(lockf(Fd, int(A), off_t(B)));
  case IntCall::Fallocate:
    return answerInt(fallocate(Fd, int(A), off_t(B), off_t(C)));
  case IntCall::PosixFallocate:
    return {posix_fallocate(Fd, off_t(A), off_t(B)), 0, {}};
  case IntCall::Fchown:
    return answerInt(fchown(Fd, uid_t(A), gid_t(B)));
  case IntCall::Fchownat:
    return answerInt(fchownat(Fd, Path.c_str(), uid_t(A), gid_t(B), int(C)));
  case IntCall::Umask:
    return {umask(mode_t(A)), 0, {}};
  case IntCall::Exit:
    // The process's exit, as on one machine: home's exit handlers and
    // stdio's buffers, then the job ends (the thread that asked waits).
    exit(int(A));
  case IntCall::FastExit:
    // _exit's: no handler of the program's runs, no buffer is written;
    // the other ranks end with home.
    threads::endJobNow(int(A));
    _exit(int(A));
  case IntCall::QuickExit:
    // The program's at_quick_exit handlers, then endJobNow (registered
    // before them, so it runs last).
    quick_exit(int(A));
  case IntCall::CloseRange:
    return answerInt(close_range(unsigned(Fd), unsigned(A), int(B)));
  case IntCall::Mknodat:
    return answerInt(mknodat(Fd, Path.c_str(), mode_t(A), dev_t(B)));
  case IntCall::PosixFadvise:
    return {posix_fadvise(Fd, off_t(A), off_t(B), int(C)), 0, {}};
  case IntCall::Euidaccess:
    return answerInt(euidaccess(Path.c_str(), int(A)));
  case IntCall::Pathconf:
    // -1 with errno untouched (0 here) means no limit: errno travels only
    // when set.
    return answerInt(pathconf(Path.c_str(), int(A)));
  case IntCall::Fpathconf:
    return answerInt(fpathconf(Fd, int(A)));
  case IntCall::Tcflush:
    return answerInt(tcflush(Fd, int(A)));
  case IntCall::Tcdrain:
    return answerInt(tcdrain(Fd));
  case IntCall::Tcsendbreak:
    return answerInt(tcsendbreak(Fd, int(A)));
  case IntCall::Tcgetpgrp:
    return answerInt(tcgetpgrp(Fd));
  case IntCall::Tcsetpgrp:
    return answerInt(tcsetpgrp(Fd, pid_t(A)));
  case IntCall::Tcgetsid:
    return answerInt(tcgetsid(Fd));
  case IntCall::Tcflow:
    return answerInt(tcflow(Fd, int(A)));
  case IntCall::Tee:
    return answerInt(tee(Fd, int(A), size_t(B), unsigned(C)));
  case IntCall::Getpgid:
    return answerInt(getpgid(pid_t(A)));
  case IntCall::Getsid:
    return answerInt(getsid(pid_t(A)));
  case IntCall::Setpgid:
    return answerInt(setpgid(pid_t(A), pid_t(B)));
  case IntCall::Setsid:
    return answerInt(setsid());
  case IntCall::Sigqueue: {
    union sigval Value;
    Value.sival_ptr = reinterpret_cast<void *>(C);
    return answerInt(sigqueue(pid_t(A), int(B), Value));
  }
  case IntCall::Killpg:
    return answerInt(killpg(pid_t(A), int(B)));
  case IntCall::Alarm:
    return {alarm(unsigned(A)), 0, {}};
  case IntCall::Processors:
    return {programProcessors(
                __sysconf(A ? _SC_NPROCESSORS_CONF : _SC_NPROCESSORS_ONLN)),
            0,
            {}};
  case IntCall::Ualarm: {
    useconds_t Left = ualarm(useconds_t(A), useconds_t(B));
    return answer(Left == useconds_t(-1) ? -1 : int64_t(Left),
                  Left == useconds_t(-1));
  }
  }
  return {-1, ENOSYS, {}};
}

/// sendfile, copy_file_range and splice: the bytes go from descriptor to
/// descriptor here; the offsets given come back as the calls left them.
HomeAnswer sendFile(wire::Reader &R) {
  int Out = R.i32(), In = R.i32();
  bool HasOffset = R.u32() != 0;
  auto Offset = static_cast<off_t>(R.u64());
  size_t Bytes = R.u64();
  ssize_t N = sendfile(Out, In, HasOffset ? &Offset : nullptr, Bytes);
  return answer(N, N < 0,
                std::string(reinterpret_cast<char *>(&Offset), sizeof Offset));
}

HomeAnswer copyRange(Op O, wire::Reader &R) {
  loff_t Offsets[2];
  int In = R.i32();
  bool HasIn = R.u32() != 0;
  Offsets[0] = static_cast<loff_t>(R.u64());
  int Out = R.i32();
  bool HasOut = R.u32() != 0;
  Offsets[1] = static_cast<loff_t>(R.u64());
  size_t Bytes = R.u64();
  unsigned Flags = R.u32();
  loff_t *InAt = HasIn ? &Offsets[0] : nullptr;
  loff_t *OutAt = HasOut ? &Offsets[1] : nullptr;
  ssize_t N = O == Op::Splice
                  ? splice(In, InAt, Out, OutAt, Bytes, Flags)
                  : copy_file_range(In, InAt, Out, OutAt, Bytes, Flags);
  int Errno = errno; // before the answer's allocation
  return {N, N < 0 ? Errno : 0,
          std::string(reinterpret_cast<char *>(Offsets), sizeof Offsets)};
}

/// The *xattr calls: a value or list comes back (none for a size query).
HomeAnswer xattr(wire::Reader &R) {
  auto Call = static_cast<XattrCall>(R.u32());
  auto On = static_cast<XattrOn>(R.u32());
  int Fd = R.i32();
  std::string Path = text(R), Name = text(R);
  std::string_view Value = R.str();
  size_t Size = std::min<uint64_t>(R.u64(), Chunk);
  int Flags = R.i32();
  const char *P = Path.c_str(), *N = Name.c_str();
  std::string Out(Call == XattrCall::Get || Call == XattrCall::List ? Size : 0,
                  '\0');
  char *Buf = Out.empty() ? nullptr : Out.data();
  ssize_t Result = -1;
  errno = EINVAL;
  switch (Call) {
  case XattrCall::Get:
    Result = On == XattrOn::Fd     ? fgetxattr(Fd, N, Buf, Size)
             : On == XattrOn::Link ? lgetxattr(P, N, Buf, Size)
                                   : getxattr(P, N, Buf, Size);
    break;
  case XattrCall::List:
    Result = On == XattrOn::Fd     ? flistxattr(Fd, Buf, Size)
             : On == XattrOn::Link ? llistxattr(P, Buf, Size)
                                   : listxattr(P, Buf, Size);
    break;
  case XattrCall::Set:
    Result = On == XattrOn::Fd
                 ? fsetxattr(Fd, N, Value.data(), Value.size(), Flags)
             : On == XattrOn::Link
                 ? lsetxattr(P, N, Value.data(), Value.size(), Flags)
                 : setxattr(P, N, Value.data(), Value.size(), Flags);
    break;
  case XattrCall::Remove:
    Result = On == XattrOn::Fd     ? fremovexattr(Fd, N)
             : On == XattrOn::Link ? lremovexattr(P, N)
                                   : removexattr(P, N);
    break;
  }
  Out.resize(Result > 0 && Buf ? std::min(size_t(Result), Out.size()) : 0);
  return answer(Result, Result < 0, std::move(Out));
}

/// tmpnam's and tempnam's names, made here: home's TMPDIR and directories.
/// The C library's functions are looked up, not linked: the linker warns
/// of every program that links them.
decltype(&::tmpnam_r) RealTmpnamR = nullptr;
decltype(&::tempnam) RealTempnam = nullptr;

HomeAnswer tempName(wire::Reader &R) {
  bool Tempnam = R.u32() != 0;
  bool HasDir = R.u32() != 0;
  std::string Dir = text(R);
  bool HasPrefix = R.u32() != 0;
  std::string Prefix = text(R);
  if (!Tempnam) {
    char Name[L_tmpnam];
    if (!core::nextFunction(RealTmpnamR, "tmpnam_r")(Name))
      return answer(-1, true);
    return {0, 0, Name};
  }
  char *Name = core::nextFunction(RealTempnam, "tempnam")(
      HasDir ? Dir.c_str() : nullptr, HasPrefix ? Prefix.c_str() : nullptr);
  if (!Name)
    return answer(-1, true);
  HomeAnswer A{0, 0, Name};
  free(Name);
  return A;
}

/// glob: the pattern is matched here, in home's file system and working
/// directory (GLOB_TILDE with home's HOME). The thread's errfunc is its own
/// code: each error is recorded (and glob told to go on, unless GLOB_ERR
/// stops it) for the thread to call its errfunc with, in order. GLOB_APPEND
/// and GLOB_DOOFFS shape the thread's glob_t, and are the thread's to apply.
/// The answer carries glob's errno, which the thread sees after its call.
thread_local std::string *GlobErrors = nullptr;

int recordGlobError(const char *Path, int Errno) {
  GlobErrors->append("e" + std::to_string(Errno) + " ").append(Path);
  GlobErrors->push_back('\0');
  return 0;
}

HomeAnswer globAt(wire::Reader &R) {
  std::string Pattern = text(R);
  int Flags = R.i32() & ~(GLOB_APPEND | GLOB_DOOFFS | GLOB_ALTDIRFUNC);
  bool HasErrfunc = R.u32() != 0;
  std::string Errors;
  GlobErrors = &Errors;
  glob_t Found{};
  // glob leaves gl_flags as they were when it finds nothing or stops
  // early: the thread's then stay too.
  Found.gl_flags = -1;
  int Result = glob(Pattern.c_str(), Flags,
                    HasErrfunc ? recordGlobError : nullptr, &Found);
  int Errno = errno;
  GlobErrors = nullptr;
  std::string Data;
  if (Found.gl_flags != -1)
    Data.append("f" + std::to_string(Found.gl_flags)).push_back('\0');
  Data += Errors;
  for (size_t I = 0; I < Found.gl_pathc; ++I)
    if (Found.gl_pathv[I])
      Data.append("p").append(Found.gl_pathv[I]).push_back('\0');
  globfree(&Found);
  return {Result, Errno, std::move(Data)};
}

HomeAnswer utimens(wire::Reader &R) {
  int Dir = R.i32();
  bool HasPath = R.u32() != 0;
  std::string Path = text(R);
  std::string_view Times = R.str();
  int Flags = R.i32();
  timespec Two[2];
  bool Given = Times.size() == sizeof Two;
  if (Given)
    std::memcpy(Two, Times.data(), sizeof Two);
  int Result = HasPath
                   ? utimensat(Dir, Path.c_str(), Given ? Two : nullptr, Flags)
                   : futimens(Dir, Given ? Two : nullptr);
  return answerInt(Result);
}

HomeAnswer statFs(wire::Reader &R) {
  bool Vfs = R.u32() != 0;
  int Fd = R.i32();
  std::string Path = text(R);
  if (Vfs) {
    struct statvfs St{};
    return answerStruct(
        Fd >= 0 ? fstatvfs(Fd, &St) : statvfs(Path.c_str(), &St), St);
  }
  struct statfs St{};
  return answerStruct(Fd >= 0 ? fstatfs(Fd, &St) : statfs(Path.c_str(), &St),
                      St);
}

// The keys made at home, with their destructors: a remote thread's key
// values live on its node (api/ThreadKeys.cpp), which runs the destructors
// at the thread's end and asks here which they are.
struct KeyEntry {
  std::atomic<bool> Made{false};
  std::atomic<void (*)(void *)> Destructor{nullptr};
};
KeyEntry Keys[PTHREAD_KEYS_MAX];

} // namespace

void recordKey(unsigned Key, void (*Destructor)(void *)) {
  if (Key >= PTHREAD_KEYS_MAX)
    return;
  Keys[Key].Destructor.store(Destructor);
  Keys[Key].Made.store(true);
}

void forgetKey(unsigned Key) {
  if (Key < PTHREAD_KEYS_MAX)
    Keys[Key].Made.store(false);
}

// Op::Error: home's error or error_at_line, with status 0; answers whether
// it wrote the message (error_one_per_line may keep it back). glibc keeps
// the last file name's pointer to compare the next with, so each name
// stays, once, for the process's life. The C library's functions, looked
// up: a program may define an error of its own, which the executable then
// exports in their stead.
HomeAnswer errorAtHome(wire::Reader &R) {
  static decltype(&::error) ErrorSlot = nullptr;
  static decltype(&::error_at_line) ErrorAtLineSlot = nullptr;
  int Errnum = R.i32();
  bool At = R.u32();
  bool HasFile = R.u32();
  std::string File = text(R);
  unsigned Line = R.u32();
  std::string Message = text(R);
  if (!At) {
    core::nextFunction(ErrorSlot, "error")(0, Errnum, "%s", Message.c_str());
    return {1, 0, {}};
  }
  static std::mutex NamesMutex;
  static auto *Names = new std::set<std::string>;
  const char *Name = nullptr;
  if (HasFile) {
    std::lock_guard<std::mutex> Lock(NamesMutex);
    Name = Names->insert(File).first->c_str();
  }
  unsigned Before = error_message_count;
  core::nextFunction(ErrorAtLineSlot, "error_at_line")(0, Errnum, Name, Line,
                                                       "%s", Message.c_str());
  return {error_message_count != Before, 0, {}};
}

HomeAnswer serve(wire::Reader &R) {
  auto O = static_cast<Op>(R.u16());
  errno = 0;
  switch (O) {
  case Op::Open: {
    int Dir = R.i32();
    std::string Path = text(R);
    int Flags = R.i32();
    auto Mode = static_cast<mode_t>(R.u32());
    return answerInt(openat(Dir, Path.c_str(), Flags, Mode));
  }
  case Op::Close:
    return answerInt(close(R.i32()));
  case Op::Read:
    return readFd(R);
  case Op::Write:
    return writeFd(R);
  case Op::Lseek: {
    int Fd = R.i32();
    auto Offset = static_cast<off_t>(R.u64());
    return answerInt(lseek(Fd, Offset, R.i32()));
  }
  case Op::Fstat: {
    struct stat St{};
    return answerStruct(fstat(R.i32(), &St), St);
  }
  case Op::Stat: {
    int Dir = R.i32();
    std::string Path = text(R);
    struct stat St{};
    return answerStruct(fstatat(Dir, Path.c_str(), &St, R.i32()), St);
  }
  case Op::Access: {
    int Dir = R.i32();
    std::string Path = text(R);
    int Mode = R.i32();
    return answerInt(faccessat(Dir, Path.c_str(), Mode, R.i32()));
  }
  case Op::Fsync: {
    int Fd = R.i32();
    return answerInt(R.u32() ? fdatasync(Fd) : fsync(Fd));
  }
  case Op::Ftruncate: {
    int Fd = R.i32();
    return answerInt(ftruncate(Fd, static_cast<off_t>(R.u64())));
  }
  case Op::Truncate: {
    std::string Path = text(R);
    return answerInt(truncate(Path.c_str(), static_cast<off_t>(R.u64())));
  }
  case Op::Unlink: {
    int Dir = R.i32();
    std::string Path = text(R);
    return answerInt(unlinkat(Dir, Path.c_str(), R.i32()));
  }
  case Op::Rename: {
    int FromDir = R.i32();
    std::string From = text(R);
    int ToDir = R.i32();
    std::string To = text(R);
    return answerInt(renameat(FromDir, From.c_str(), ToDir, To.c_str()));
  }
  case Op::Mkdir: {
    int Dir = R.i32();
    std::string Path = text(R);
    return answerInt(mkdirat(Dir, Path.c_str(), static_cast<mode_t>(R.u32())));
  }
  case Op::Getcwd: {
    std::string Path(std::min<uint64_t>(R.u64(), Chunk), '\0');
    if (!getcwd(Path.data(), Path.size()))
      return answer(-1, true);
    Path.resize(std::strlen(Path.c_str()));
    return {0, 0, std::move(Path)};
  }
  case Op::Chdir:
    return answerInt(chdir(text(R).c_str()));
  case Op::Fchdir:
    return answerInt(fchdir(R.i32()));
  case Op::Dup: {
    int Fd = R.i32(), To = R.i32(), Flags = R.i32();
    if (To < 0)
      return answerInt(dup(Fd));
    return answerInt(Flags ? dup3(Fd, To, Flags) : dup2(Fd, To));
  }
  case Op::Fcntl:
    return fcntlFd(R);
  case Op::Pipe: {
    int Fds[2];
    return answerStruct(pipe2(Fds, R.i32()), Fds);
  }
  case Op::Isatty: {
    int Yes = isatty(R.i32());
    return answer(Yes, !Yes);
  }
  case Op::Getpid:
    return {getpid(), 0, {}};
  case Op::Getppid:
    return {getppid(), 0, {}};
  case Op::Getenv: {
    const char *Value = getenv(text(R).c_str());
    return Value ? HomeAnswer{1, 0, Value} : HomeAnswer{0, 0, {}};
  }
  case Op::Setenv: {
    std::string Name = text(R), Value = text(R);
    return answerInt(setenv(Name.c_str(), Value.c_str(), R.i32()));
  }
  case Op::Unsetenv:
    return answerInt(unsetenv(text(R).c_str()));
  case Op::Setlocale: {
    int Category = R.i32();
    bool Query = R.u32() != 0;
    std::string Locale = text(R);
    const char *Name = setlocale(Category, Query ? nullptr : Locale.c_str());
    return Name ? HomeAnswer{1, 0, Name} : answer(0, true);
  }
  case Op::Fopen: {
    std::string Path = text(R), Mode = text(R);
    return answerStream(fopen(Path.c_str(), Mode.c_str()));
  }
  case Op::Fdopen: {
    int Fd = R.i32();
    return answerStream(fdopen(Fd, text(R).c_str()));
  }
  case Op::Freopen: {
    bool HasPath = R.u32() != 0;
    std::string Path = text(R), Mode = text(R);
    return answerStream(
        freopen(HasPath ? Path.c_str() : nullptr, Mode.c_str(), stream(R)));
  }
  case Op::Fclose: {
    int Result = fclose(stream(R));
    return answer(Result, Result == EOF);
  }
  case Op::Fflush: {
    int Result = fflush(stream(R));
    return answer(Result, Result == EOF);
  }
  case Op::Fwrite: {
    FILE *F = stream(R);
    std::string_view Data = R.str();
    size_t N = fwrite(Data.data(), 1, Data.size(), F);
    HomeAnswer A = answer(static_cast<int64_t>(N), N < Data.size());
    A.Data = fullyBuffered(F) ? "1" : "0";
    return A;
  }
  case Op::Fread: {
    FILE *F = stream(R);
    std::string Data(std::min<uint64_t>(R.u64(), Chunk), '\0');
    size_t N = fread(Data.data(), 1, Data.size(), F);
    bool Short = N < Data.size();
    Data.resize(N);
    return answer(static_cast<int64_t>(N), Short, std::move(Data));
  }
  case Op::Fgets: {
    FILE *F = stream(R);
    int Bytes = std::clamp<int>(R.i32(), 1, int(Chunk));
    std::string Line(size_t(Bytes), '\0');
    if (!fgets(Line.data(), Bytes, F))
      return answer(0, true);
    Line.resize(std::strlen(Line.c_str()));
    return {1, 0, std::move(Line)};
  }
  case Op::Fgetc: {
    int C = fgetc(stream(R));
    return answer(C, C == EOF);
  }
  case Op::Fputc: {
    FILE *F = stream(R);
    int C = fputc(R.i32(), F);
    return answer(C, C == EOF);
  }
  case Op::Ungetc: {
    FILE *F = stream(R);
    int C = ungetc(R.i32(), F);
    return answer(C, C == EOF);
  }
  case Op::Getdelim: {
    FILE *F = stream(R);
    int Delimiter = R.i32();
    char *Line = nullptr;
    size_t Bytes = 0;
    ssize_t N = getdelim(&Line, &Bytes, Delimiter, F);
    HomeAnswer A =
        answer(N, N < 0, N > 0 ? std::string(Line, size_t(N)) : std::string());
    free(Line);
    return A;
  }
  case Op::Fseek: {
    FILE *F = stream(R);
    auto Offset = static_cast<off_t>(R.u64());
    return answerInt(fseeko(F, Offset, R.i32()));
  }
  case Op::Ftell:
    return answerInt(ftello(stream(R)));
  case Op::Rewind:
    rewind(stream(R));
    return {0, 0, {}};
  case Op::Feof:
    return {feof(stream(R)), 0, {}};
  case Op::Ferror:
    return {ferror(stream(R)), 0, {}};
  case Op::Clearerr:
    clearerr(stream(R));
    return {0, 0, {}};
  case Op::Fileno:
    return answerInt(fileno(stream(R)));
  case Op::Flockfile:
    flockfile(stream(R));
    return {0, 0, {}};
  case Op::Funlockfile:
    funlockfile(stream(R));
    return {0, 0, {}};
  case Op::Ftrylockfile:
    return {ftrylockfile(stream(R)), 0, {}};
  case Op::Vfscanf:
    return scan(R);
  case Op::Spawn:
    return spawn(R);
  case Op::System: {
    auto *Site = pointer<const __grid_site>(R);
    bool HasCommand = R.u32() != 0;
    std::string Command = text(R);
    int Status = systemProcess(Site, HasCommand ? Command.c_str() : nullptr);
    return answer(Status, Status == -1);
  }
  case Op::Popen: {
    auto *Site = pointer<const __grid_site>(R);
    std::string Command = text(R), Mode = text(R);
    return answerStream(popenProcess(Site, Command.c_str(), Mode.c_str()));
  }
  case Op::Pclose: {
    auto *Site = pointer<const __grid_site>(R);
    int Status = pcloseProcess(Site, stream(R));
    return answer(Status, Status == -1);
  }
  case Op::Kill: {
    pid_t Pid = R.i32();
    return answerInt(kill(Pid, R.i32()));
  }
  case Op::Sigaction:
    return sigactionHere(R);
  case Op::Sigwait:
    return sigwaitHere(R);
  case Op::SignalActions:
    return signalActions();
  case Op::Atexit:
    return atexitHere(R);
  case Op::Atfork: {
    using Handler = void (*)();
    Handler Calls[3];
    for (Handler &Call : Calls)
      Call = reinterpret_cast<Handler>(R.u64());
    auto *Handle = reinterpret_cast<void *>(R.u64());
    for (Handler Call : Calls) {
      if (Call && !threads::inExecutable(reinterpret_cast<uintptr_t>(Call))) {
        errno = ENOENT; // the node keeps it
        return answer(-1, true);
      }
    }
    return answerInt(__register_atfork(Calls[0], Calls[1], Calls[2], Handle));
  }
  case Op::AtforkList:
    return {0, 0, executableForkHandlers()};
  case Op::Timer:
    return timerHere(R);
  case Op::Random:
    return randomHere(R);
  case Op::Stream:
    return streamHere(R);
  case Op::SpLocker: {
    // libstdc++'s own mutexes, which home's threads lock in the same
    // std::_Sp_locker: taken and released by this shadow, which serves
    // the thread's calls one at a time (api/RemoteIo.cpp).
    static_assert(sizeof(std::_Sp_locker) == 2);
    alignas(std::_Sp_locker) unsigned char Locker[2];
    uint32_t Call = R.u32();
    if (Call == 0) {
      const void *First = reinterpret_cast<const void *>(R.u64());
      const void *Second = reinterpret_cast<const void *>(R.u64());
      new (Locker) std::_Sp_locker(First, Second);
      return {Locker[0] | Locker[1] << 8, 0, {}};
    }
    uint32_t Keys = R.u32();
    Locker[0] = static_cast<unsigned char>(Keys);
    Locker[1] = static_cast<unsigned char>(Keys >> 8);
    std::launder(reinterpret_cast<std::_Sp_locker *>(Locker))->~_Sp_locker();
    return {0, 0, {}};
  }
  case Op::CpuTime: {
    // The kernel's (not libgridrt's getrusage), with the remote threads'
    // time but the caller's, which it adds itself (api/CpuTime.cpp).
    int Who = R.i32();
    uint64_t Caller = R.u64();
    struct rusage Used = {};
    if (Who != RUSAGE_SELF && Who != RUSAGE_CHILDREN)
      return {-1, EINVAL, {}};
    if (syscall(SYS_getrusage, Who, &Used) != 0)
      return answer(-1, true);
    if (Who == RUSAGE_SELF)
      threads::addCpu(&Used, threads::remoteCpuBut(Caller));
    return answerStruct(0, Used);
  }
  case Op::Sigmask: {
    // The shadow stands for the thread among home's threads: signals sent
    // to it, or to the process, find it with the thread's mask. Never its
    // faults' signals, which the DSM needs on every thread.
    std::string_view Mask = R.str();
    sigset_t Set;
    if (Mask.size() != sizeof Set)
      return {-1, EINVAL, {}};
    std::memcpy(&Set, Mask.data(), sizeof Set);
    threads::fitShadowMask(&Set);
    return {core::realSigmask(SIG_SETMASK, &Set, nullptr), 0, {}};
  }
  case Op::ThreadKnown:
    return {api::isHomeThread(static_cast<pthread_t>(R.u64())), 0, {}};
  case Op::PthreadCancel: {
    auto Thread = static_cast<pthread_t>(R.u64());
    if (threads::cancelRemote(Thread))
      return {0, 0, {}};
    if (!api::isHomeThread(Thread))
      return {-1, 0, {}}; // the node's
    return {pthread_cancel(Thread), 0, {}};
  }
  case Op::ThreadName: {
    bool Set = R.u32() != 0;
    auto Thread = static_cast<pthread_t>(R.u64());
    std::string Name = text(R);
    size_t Bytes = std::min<uint64_t>(R.u64(), 256);
    if (!api::isHomeThread(Thread))
      return {-1, 0, {}}; // the node's
    if (Set)
      return {pthread_setname_np(Thread, Name.c_str()), 0, {}};
    std::string Read(Bytes ? Bytes : 1, '\0');
    int Err = pthread_getname_np(Thread, Read.data(), Bytes);
    Read.resize(Err == 0 ? std::strlen(Read.c_str()) : 0);
    return {Err, 0, std::move(Read)};
  }
  case Op::Guard: {
    // The C++ runtime's own protocol, on home's memory: every thread that
    // makes or waits for the static does it here, a remote one on its
    // shadow, so the guard's futex wakes them all.
    uint32_t Call = R.u32();
    auto *Guard = reinterpret_cast<__cxxabiv1::__guard *>(R.u64());
    if (Call == 0)
      return {__cxxabiv1::__cxa_guard_acquire(Guard), 0, {}};
    if (Call == 1)
      __cxxabiv1::__cxa_guard_release(Guard);
    else
      __cxxabiv1::__cxa_guard_abort(Guard);
    return {0, 0, {}};
  }
  // The shadow stands in for the thread: a signal the thread raises, or
  // sends to itself, is delivered to the shadow, whose handler runs here
  // before the answer goes back, as it runs before raise returns.
  case Op::Raise:
    return answerInt(raise(R.i32()));
  case Op::PthreadKill: {
    auto Thread = static_cast<pthread_t>(R.u64());
    if (!api::isHomeThread(Thread))
      return {-1, 0, {}}; // the node's
    int Sig = R.i32();
    bool Queued = R.u32() != 0;
    union sigval Value;
    Value.sival_ptr = reinterpret_cast<void *>(R.u64());
    return {Queued ? pthread_sigqueue(Thread, Sig, Value)
                   : pthread_kill(Thread, Sig),
            0,
            {}};
  }
  case Op::Sigsuspend: {
    bool HasMask = R.u32() != 0;
    std::string_view Mask = R.str();
    sigset_t Set;
    if (!HasMask)
      return answerInt(pause());
    if (Mask.size() != sizeof Set) {
      errno = EINVAL;
      return answer(-1, true);
    }
    std::memcpy(&Set, Mask.data(), sizeof Set);
    threads::fitShadowMask(&Set);
    return answerInt(sigsuspend(&Set));
  }
  case Op::Itimer: {
    auto Which = static_cast<__itimer_which_t>(R.i32());
    bool HasNew = R.u32() != 0;
    std::string_view Bytes = R.str();
    struct itimerval New = {}, Old = {};
    if (!HasNew)
      return answerStruct(getitimer(Which, &Old), Old);
    if (Bytes.size() != sizeof New) {
      errno = EINVAL;
      return answer(-1, true);
    }
    std::memcpy(&New, Bytes.data(), sizeof New);
    return answerStruct(setitimer(Which, &New, &Old), Old);
  }
  case Op::Waitpid: // no longer sent (Wait4)
    break;
  case Op::Wait4: {
    pid_t Pid = R.i32();
    int Options = R.i32();
    struct {
      int Status;
      struct rusage Usage;
    } Out{};
    return answerStruct(wait4(Pid, &Out.Status, Options, &Out.Usage), Out);
  }
  case Op::Waitid: {
    auto Type = static_cast<idtype_t>(R.i32());
    auto Id = static_cast<id_t>(R.u64());
    int Options = R.i32();
    siginfo_t Info{};
    return answerStruct(waitid(Type, Id, &Info, Options), Info);
  }
  case Op::Poll:
    return pollFds(R);
  case Op::Select:
    return selectFds(R);
  case Op::Readlink: {
    int Dir = R.i32();
    std::string Path = text(R);
    std::string Target(std::min<uint64_t>(R.u64(), Chunk), '\0');
    ssize_t N = readlinkat(Dir, Path.c_str(), Target.data(), Target.size());
    Target.resize(N > 0 ? size_t(N) : 0);
    return answer(N, N < 0, std::move(Target));
  }
  case Op::Symlink: {
    std::string Target = text(R);
    int Dir = R.i32();
    std::string Path = text(R);
    return answerInt(symlinkat(Target.c_str(), Dir, Path.c_str()));
  }
  case Op::Link: {
    int FromDir = R.i32();
    std::string From = text(R);
    int ToDir = R.i32();
    std::string To = text(R);
    return answerInt(linkat(FromDir, From.c_str(), ToDir, To.c_str(), R.i32()));
  }
  case Op::Chmod: {
    int Dir = R.i32();
    std::string Path = text(R);
    auto Mode = static_cast<mode_t>(R.u32());
    return answerInt(fchmodat(Dir, Path.c_str(), Mode, R.i32()));
  }
  case Op::Tmpfile:
    return answerStream(tmpfile());
  case Op::Mkstemp: {
    std::string Template = text(R);
    int Flags = R.i32(), Suffix = R.i32();
    int Fd = mkostemps(Template.data(), Suffix, Flags);
    if (Fd < 0)
      return answer(Fd, true);
    return {Fd, 0, std::move(Template)};
  }
  case Op::Mkdtemp: {
    std::string Template = text(R);
    if (!mkdtemp(Template.data()))
      return answer(-1, true);
    return {0, 0, std::move(Template)};
  }
  case Op::Remove:
    return answerInt(remove(text(R).c_str()));
  case Op::Realpath: {
    char Resolved[PATH_MAX];
    if (!realpath(text(R).c_str(), Resolved))
      return answer(-1, true);
    return {0, 0, Resolved};
  }
  case Op::Mkfifo: {
    int Dir = R.i32();
    std::string Path = text(R);
    return answerInt(mkfifoat(Dir, Path.c_str(), static_cast<mode_t>(R.u32())));
  }
  case Op::Setvbuf: {
    FILE *F = stream(R);
    int Mode = R.i32();
    // Home's buffer: the thread's would be memory home cannot write into.
    return answerInt(setvbuf(F, nullptr, Mode, static_cast<size_t>(R.u64())));
  }
  case Op::Fwide: {
    FILE *F = stream(R);
    return {fwide(F, R.i32()), 0, {}};
  }
  case Op::Fpurge:
    __fpurge(stream(R));
    return {0, 0, {}};
  case Op::Ints:
    return ints(R);
  case Op::Utimens:
    return utimens(R);
  case Op::Statfs:
    return statFs(R);
  case Op::Opendir: {
    bool ByFd = R.u32() != 0;
    int Fd = R.i32();
    std::string Path = text(R);
    DIR *D = ByFd ? fdopendir(Fd) : opendir(Path.c_str());
    return answer(reinterpret_cast<int64_t>(D), D == nullptr);
  }
  case Op::Readdir: {
    errno = 0;
    struct dirent64 *E = readdir64(pointer<DIR>(R));
    if (!E)
      return answer(0, errno != 0);
    return answerStruct(1, *E);
  }
  case Op::Closedir:
    return answerInt(closedir(pointer<DIR>(R)));
  case Op::Rewinddir:
    rewinddir(pointer<DIR>(R));
    return {0, 0, {}};
  case Op::Dirfd:
    return answerInt(dirfd(pointer<DIR>(R)));
  case Op::Scandir: {
    // Every entry: the thread filters and sorts them itself (its filter
    // and comparison are its code, with its data).
    int Dir = R.i32();
    std::string Path = text(R);
    int Fd = openat(Dir, Path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *D = Fd < 0 ? nullptr : fdopendir(Fd);
    if (!D) {
      HomeAnswer A = answer(-1, true);
      if (Fd >= 0)
        close(Fd);
      return A;
    }
    std::string Entries;
    int64_t Count = 0;
    while (struct dirent64 *E = readdir64(D)) {
      Entries.append(reinterpret_cast<char *>(E), sizeof *E);
      ++Count;
    }
    closedir(D);
    return {Count, 0, std::move(Entries)};
  }
  case Op::Tcgetattr: {
    struct termios Term{};
    return answerStruct(tcgetattr(R.i32(), &Term), Term);
  }
  case Op::Tcsetattr: {
    int Fd = R.i32(), When = R.i32();
    std::string_view Raw = R.str();
    struct termios Term;
    if (Raw.size() != sizeof Term)
      return {-1, EINVAL, {}};
    std::memcpy(&Term, Raw.data(), sizeof Term);
    return answerInt(tcsetattr(Fd, When, &Term));
  }
  case Op::Ttyname: {
    char Name[PATH_MAX];
    int Err = ttyname_r(R.i32(), Name, sizeof Name);
    if (Err)
      return {-1, Err, {}};
    return {0, 0, Name};
  }
  case Op::KeyCreate: {
    auto *Destructor = reinterpret_cast<void (*)(void *)>(R.u64());
    pthread_key_t Key;
    int Err = pthread_key_create(&Key, Destructor); // recorded there
    return {Err ? -1 : static_cast<int64_t>(Key), Err, {}};
  }
  case Op::KeyDelete:
    return {pthread_key_delete(static_cast<pthread_key_t>(R.u32())), 0, {}};
  case Op::KeyDestructor: {
    uint32_t Key = R.u32();
    if (Key >= PTHREAD_KEYS_MAX || !Keys[Key].Made.load())
      return {0, 0, {}};
    return {reinterpret_cast<int64_t>(Keys[Key].Destructor.load()), 0, {}};
  }
  case Op::Fchmod: {
    int Fd = R.i32();
    return answerInt(fchmod(Fd, static_cast<mode_t>(R.u32())));
  }
  case Op::Preadv2:
    return readFd2(R);
  case Op::Pwritev2:
    return writeFd2(R);
  case Op::Renameat2: {
    int FromDir = R.i32();
    std::string From = text(R);
    int ToDir = R.i32();
    std::string To = text(R);
    return answerInt(
        renameat2(FromDir, From.c_str(), ToDir, To.c_str(), R.u32()));
  }
  case Op::Statx: {
    int Dir = R.i32();
    std::string Path = text(R);
    int Flags = R.i32();
    struct statx St{};
    return answerStruct(statx(Dir, Path.c_str(), Flags, R.u32(), &St), St);
  }
  case Op::Ppoll:
    return ppollFds(R);
  case Op::Pselect:
    return pselectFds(R);
  case Op::Sendfile:
    return sendFile(R);
  case Op::CopyFileRange:
  case Op::Splice:
    return copyRange(O, R);
  case Op::Xattr:
    return xattr(R);
  case Op::Tmpnam:
    return tempName(R);
  case Op::Glob:
    return globAt(R);
  case Op::Error:
    return errorAtHome(R);
  }
  return {-1, ENOSYS, {}};
}

void serveRemoteCalls() {
  threads::setIoServer(serve);
  threads::setStreamState(homeStreams, followHomeStreams);
}

} // namespace grid::api::io
