//===- api/CpuTime.cpp - The process's CPU time, on every node ------------===//
//
// The CPU time a process reads (clock, times, getrusage's RUSAGE_SELF,
// clock_gettime's CLOCK_PROCESS_CPUTIME_ID) is its kernel's, which knows
// nothing of the program's threads that ran on other nodes: a program that
// timed its work with clock() read only home's share of it. libgridrt.so
// defines these calls under their C library names:
//  - at home, the C library's answer plus the CPU time of the remote
//    threads (threads::remoteCpu): each one's as its node measured it at
//    its end, so a program that joins its threads and then reads its CPU
//    time reads all of it, as on one machine; a thread still running as
//    its node last reported it, a tenth of a second ago at most.
//  - on a remote thread, home's answer (Op::CpuTime), with the remote
//    threads but the caller, plus the caller's own time so far, fresher
//    than its node's last report: the process is home's. RUSAGE_THREAD and
//    CLOCK_THREAD_CPUTIME_ID stay the thread's own, on its node.
// getrusage's other fields (memory, faults, switches) are home's process's
// alone. Only libgridrt.so contains this file.
//===----------------------------------------------------------------------===//

#include "api/RemoteIo.h"
#include "core/NextSymbol.h"
#include "threads/Threads.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/resource.h>
#include <sys/times.h>
#include <unistd.h>

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))

namespace {

using namespace grid;
namespace io = grid::api::io;

// The C library's, looked up before any other constructor of libgridrt.so
// runs: clock_gettime is called everywhere, early too.
#define GRID_CPU_CALLS(X) X(clock_gettime) X(getrusage) X(times)
#define GRID_SLOT(Name) constinit decltype(&::Name) Real_##Name = nullptr;
GRID_CPU_CALLS(GRID_SLOT)
#undef GRID_SLOT
#define GRID_RESOLVE(Name) core::resolveNext(Real_##Name, #Name);
[[gnu::constructor(101)]] void resolveCpuCalls() {
  GRID_CPU_CALLS(GRID_RESOLVE)
}
#undef GRID_RESOLVE
#define REAL(Name) core::nextFunction(Real_##Name, #Name)

constexpr uint64_t NsPerSecond = 1000000000;

// What the process's kernel does not see: at home, the remote threads; on
// a remote thread, nothing (home's answer has them).
threads::CpuTime unseen() {
  if (io::remoteCaller())
    return {};
  return threads::remoteCpu();
}

// On a remote thread: home's getrusage of Who, with the remote threads but
// this one, whose own time so far is added here (home has only what its
// node last reported). False (errno set) if home cannot answer.
bool usageAtHome(int Who, struct rusage *Out) {
  threads::HomeAnswer A;
  {
    io::HomeCall C(io::Op::CpuTime);
    C.args().i32(Who).u64(threads::remoteThreadId());
    A = C.send();
  }
  if (A.Value != 0 || A.Data.size() != sizeof *Out) {
    errno = A.Errno ? A.Errno : EIO;
    return false;
  }
  std::memcpy(Out, A.Data.data(), sizeof *Out);
  struct rusage Own = {};
  if (Who == RUSAGE_SELF && REAL(getrusage)(RUSAGE_THREAD, &Own) == 0)
    threads::addCpu(Out, threads::cpuTimeOf(Own));
  return true;
}

// The process's CPU time, in nanoseconds, wherever it is read: at home the
// kernel's with the remote threads', on a remote thread home's.
bool processNs(uint64_t *Ns) {
  if (io::remoteCaller()) {
    struct rusage Used = {};
    if (!usageAtHome(RUSAGE_SELF, &Used))
      return false;
    threads::CpuTime Time = threads::cpuTimeOf(Used);
    *Ns = Time.UserNs + Time.SystemNs;
    return true;
  }
  timespec Here;
  if (REAL(clock_gettime)(CLOCK_PROCESS_CPUTIME_ID, &Here) != 0)
    return false;
  threads::CpuTime Remote = unseen();
  *Ns = uint64_t(Here.tv_sec) * NsPerSecond + uint64_t(Here.tv_nsec) +
        Remote.UserNs + Remote.SystemNs;
  return true;
}

} // namespace

GRID_INTERPOSE int getrusage(int Who, struct rusage *Usage) noexcept {
  if (io::remoteCaller() && (Who == RUSAGE_SELF || Who == RUSAGE_CHILDREN))
    return usageAtHome(Who, Usage) ? 0 : -1;
  int Result = REAL(getrusage)(Who, Usage);
  if (Result == 0 && Who == RUSAGE_SELF)
    threads::addCpu(Usage, unseen());
  return Result;
}

GRID_INTERPOSE clock_t clock() noexcept {
  uint64_t Ns;
  if (!processNs(&Ns))
    return clock_t(-1);
  return static_cast<clock_t>(Ns / (NsPerSecond / CLOCKS_PER_SEC));
}

GRID_INTERPOSE int clock_gettime(clockid_t Clock,
                                 struct timespec *Time) noexcept {
  if (__builtin_expect(Clock != CLOCK_PROCESS_CPUTIME_ID, 1))
    return REAL(clock_gettime)(Clock, Time);
  uint64_t Ns;
  if (!processNs(&Ns))
    return -1;
  Time->tv_sec = static_cast<time_t>(Ns / NsPerSecond);
  Time->tv_nsec = static_cast<long>(Ns % NsPerSecond);
  return 0;
}

GRID_INTERPOSE clock_t times(struct tms *Buffer) noexcept {
  clock_t Now = REAL(times)(Buffer);
  if (Now == clock_t(-1) || !Buffer)
    return Now;
  long Ticks = sysconf(_SC_CLK_TCK);
  auto ticks = [Ticks](uint64_t Ns) {
    return static_cast<clock_t>(Ns / (NsPerSecond / uint64_t(Ticks)));
  };
  if (io::remoteCaller()) {
    struct rusage Self = {}, Children = {};
    if (!usageAtHome(RUSAGE_SELF, &Self) ||
        !usageAtHome(RUSAGE_CHILDREN, &Children))
      return clock_t(-1);
    threads::CpuTime Own = threads::cpuTimeOf(Self),
                     Waited = threads::cpuTimeOf(Children);
    Buffer->tms_utime = ticks(Own.UserNs);
    Buffer->tms_stime = ticks(Own.SystemNs);
    Buffer->tms_cutime = ticks(Waited.UserNs);
    Buffer->tms_cstime = ticks(Waited.SystemNs);
    return Now;
  }
  threads::CpuTime Remote = unseen();
  Buffer->tms_utime += ticks(Remote.UserNs);
  Buffer->tms_stime += ticks(Remote.SystemNs);
  return Now;
}
