//===- api/ThreadCalls.cpp - Calls that name a thread, on remote threads --===//
//
// On a thread running on another node, the pthread_t code built with -fgrid
// holds for it is home's: its shadow's (pthread_self answers
// sync::HomeSelf, so that it is the same on every node), and so is the
// pthread_t of every thread Grid made. The C library's calls that take one
// read the thread's descriptor at that address, which on the node is not a
// thread's (an agent crashed on pthread_setname_np(pthread_self(), ...),
// which thread pools call in each worker). A library built without -fgrid
// holds the node's own pthread_t values instead: its pthread_self, and the
// threads it made on the node itself. So libgridrt.so defines these calls
// under their C library names:
//  - the thread's own pthread_t, either, names its pthread on the node (its
//    name, attributes, scheduling, affinity and CPU clock are the node's);
//  - another thread's, if home knows it (api::isHomeThread: main and the
//    threads Grid made), is home's: its name is set and read at home; its
//    attributes, scheduling, affinity and CPU clock answer ESRCH (they are
//    a host's, and the node's would not be the thread's);
//  - any other is the node's (a thread a library made there).
// pthread_kill and pthread_sigqueue too: a signal to the thread itself is
// delivered to its shadow at home (below). And pthread_cancel, which home
// sends to a remote thread's node, with pthread_testcancel and the sleeps
// at which such a thread acts on it (below).
// Every other thread calls the C library's function. Only libgridrt.so
// contains this file.
//===----------------------------------------------------------------------===//

#include "api/RemoteIo.h"
#include "core/NextSymbol.h"
#include "sync/Sync.h"
#include "threads/Threads.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <pthread.h>
#include <sched.h>
#include <string>

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))

namespace {

using namespace grid;
namespace io = grid::api::io;

// The C library's functions, each looked up by a constructor that runs
// before every other of libgridrt.so: looked up on first use instead, in a
// function's static, a shadow's first pthread_setname_np waited in dlsym
// for the loader's lock, which a library's constructor that joins remote
// threads holds (test/dsm/handler-in-constructor.c hung).
// clang-format off
#define GRID_THREAD_CALLS(X)                                                   \
  X(pthread_setname_np) X(pthread_getname_np) X(pthread_getattr_np)            \
  X(pthread_getschedparam) X(pthread_setschedparam) X(pthread_setschedprio)    \
  X(pthread_getaffinity_np) X(pthread_setaffinity_np) X(pthread_getcpuclockid) \
  X(pthread_kill) X(pthread_sigqueue) X(pthread_cancel) X(pthread_testcancel)  \
  X(sleep) X(usleep) X(nanosleep) X(sched_setaffinity)                        \
  X(pthread_attr_setaffinity_np)
// clang-format on
#define GRID_SLOT(Name) constinit decltype(&::Name) Real_##Name = nullptr;
GRID_THREAD_CALLS(GRID_SLOT)
#undef GRID_SLOT
#define GRID_RESOLVE(Name) core::resolveNext(Real_##Name, #Name);
[[gnu::constructor(101)]] void resolveThreadCalls() {
  GRID_THREAD_CALLS(GRID_RESOLVE)
}
#undef GRID_RESOLVE
#define REAL(Name) core::nextFunction(Real_##Name, #Name)

/// Where a call naming Thread goes: the C library's call (Here), the
/// calling remote thread's own pthread on its node (Own: its pthread_t as
/// code built with -fgrid has it, home's, or as a library's pthread_self
/// has it, the node's), or another thread, home's if home knows it (Other).
enum class Named { Here, Own, Other };
Named named(pthread_t Thread) {
  if (!io::remoteCaller())
    return Named::Here;
  if (Thread == sync::HomeSelf || pthread_equal(Thread, pthread_self()))
    return Named::Own;
  return Named::Other;
}

} // namespace

bool grid::api::io::homeKnowsThread(pthread_t Thread) {
  io::HomeCall C(io::Op::ThreadKnown);
  C.args().u64(static_cast<uint64_t>(Thread));
  return C.send().Value == 1;
}

GRID_INTERPOSE int pthread_setname_np(pthread_t Thread,
                                      const char *Name) noexcept {
  auto Real = REAL(pthread_setname_np);
  switch (named(Thread)) {
  case Named::Here:
    return Real(Thread, Name);
  case Named::Own:
    return Real(pthread_self(), Name);
  case Named::Other:
    break;
  }
  io::HomeCall C(io::Op::ThreadName);
  C.args().u32(1).u64(static_cast<uint64_t>(Thread)).str(Name).u64(0);
  int64_t Err = C.send().Value;
  return Err < 0 ? Real(Thread, Name) : static_cast<int>(Err); // the node's
}

GRID_INTERPOSE int pthread_getname_np(pthread_t Thread, char *Name,
                                      size_t Bytes) noexcept {
  auto Real = REAL(pthread_getname_np);
  switch (named(Thread)) {
  case Named::Here:
    return Real(Thread, Name, Bytes);
  case Named::Own:
    return Real(pthread_self(), Name, Bytes);
  case Named::Other:
    break;
  }
  io::HomeCall C(io::Op::ThreadName);
  C.args().u32(0).u64(static_cast<uint64_t>(Thread)).str({}).u64(Bytes);
  threads::HomeAnswer A = C.send();
  if (A.Value < 0) // the node's
    return Real(Thread, Name, Bytes);
  if (A.Value == 0 && A.Data.size() < Bytes) {
    std::memcpy(Name, A.Data.data(), A.Data.size());
    Name[A.Data.size()] = '\0';
  }
  return static_cast<int>(A.Value);
}

// The rest: the thread's own on the node, another's ESRCH (its host's).
#define GRID_OWN_OR_ESRCH(Name, Params, Args)                                  \
  GRID_INTERPOSE int Name(pthread_t Thread GRID_UNPAREN Params) noexcept {     \
    auto Real = REAL(Name);                                                    \
    switch (named(Thread)) {                                                   \
    case Named::Here:                                                          \
      return Real(Thread GRID_UNPAREN Args);                                   \
    case Named::Own:                                                           \
      return Real(pthread_self() GRID_UNPAREN Args);                           \
    case Named::Other:                                                         \
      break;                                                                   \
    }                                                                          \
    return io::homeKnowsThread(Thread) ? ESRCH                                 \
                                       : Real(Thread GRID_UNPAREN Args);       \
  }
#define GRID_UNPAREN(...) __VA_ARGS__

// The C library allocates the attributes' CPU set and has the kernel fill
// it: for the thread's own, in the node's memory (a block of home's heap
// may be a page the node does not hold, which the kernel cannot write:
// EFAULT). pthread_attr_destroy frees it there (threads::HomeHeap).
GRID_INTERPOSE int pthread_getattr_np(pthread_t Thread,
                                      pthread_attr_t *Attr) noexcept {
  auto Real = REAL(pthread_getattr_np);
  switch (named(Thread)) {
  case Named::Here:
    return Real(Thread, Attr);
  case Named::Own: {
    sync::InRuntimeScope Scope;
    return Real(pthread_self(), Attr);
  }
  case Named::Other:
    break;
  }
  if (io::homeKnowsThread(Thread))
    return ESRCH;
  sync::InRuntimeScope Scope;
  return Real(Thread, Attr);
}

GRID_OWN_OR_ESRCH(pthread_getschedparam,
                  (, int *Policy, struct sched_param *Param), (, Policy, Param))
GRID_OWN_OR_ESRCH(pthread_setschedparam,
                  (, int Policy, const struct sched_param *Param),
                  (, Policy, Param))
GRID_OWN_OR_ESRCH(pthread_setschedprio, (, int Priority), (, Priority))
GRID_OWN_OR_ESRCH(pthread_getaffinity_np, (, size_t Bytes, cpu_set_t *Set),
                  (, Bytes, Set))
GRID_OWN_OR_ESRCH(pthread_getcpuclockid, (, clockid_t *Clock), (, Clock))

// CPUs of the job beyond this machine's. With thread tolerance near or any
// the processors a program counts include the agents' cores
// (io::programProcessors), so a program that pins its thread I to CPU
// I % std::thread::hardware_concurrency() names CPUs this machine does not
// have, and the kernel refuses a set of only such CPUs (EINVAL). Where the
// count is the job's (at home when it includes agents, and on a remote
// thread), a CPU of a set that is not one this process may run on (its
// mask when it was loaded: AllowedCpus) is folded onto the (id modulo
// their number)-th of those: the thread is pinned where it runs, as the
// machine's own count would have had it. Sets larger than cpu_set_t pass
// as they are.
namespace {
// Zero until findAllowedCpus, which runs before any dynamic initialiser
// (constinit: none resets it).
struct Cpus {
  cpu_set_t Set;
  unsigned Count;
  unsigned short Ids[CPU_SETSIZE];
};
constinit Cpus AllowedCpus{};

[[gnu::constructor(101)]] void findAllowedCpus() {
  if (sched_getaffinity(0, sizeof AllowedCpus.Set, &AllowedCpus.Set) != 0)
    return;
  for (unsigned Id = 0; Id < CPU_SETSIZE; ++Id)
    if (CPU_ISSET(Id, &AllowedCpus.Set))
      AllowedCpus.Ids[AllowedCpus.Count++] = static_cast<unsigned short>(Id);
}

class MachineCpus {
public:
  MachineCpus(size_t Bytes, const cpu_set_t *Set) : Given(Set) {
    if (!Set || Bytes > sizeof Folded || AllowedCpus.Count == 0 ||
        (!io::remoteCaller() && io::agentProcessors() == 0))
      return;
    size_t Ids = Bytes * 8;
    bool Beyond = false;
    for (size_t Id = 0; Id < Ids && !Beyond; ++Id)
      Beyond = CPU_ISSET_S(Id, Bytes, Set) && !CPU_ISSET(Id, &AllowedCpus.Set);
    if (!Beyond)
      return;
    std::memset(&Folded, 0, sizeof Folded);
    for (size_t Id = 0; Id < Ids; ++Id)
      if (CPU_ISSET_S(Id, Bytes, Set))
        CPU_SET_S(CPU_ISSET(Id, &AllowedCpus.Set)
                      ? Id
                      : AllowedCpus.Ids[Id % AllowedCpus.Count],
                  Bytes, &Folded);
    Given = &Folded;
  }
  /// The set to give the C library (valid while this object lives).
  const cpu_set_t *get() const { return Given; }

private:
  cpu_set_t Folded;
  const cpu_set_t *Given;
};
} // namespace

GRID_OWN_OR_ESRCH(pthread_setaffinity_np,
                  (, size_t Bytes, const cpu_set_t *Set),
                  (, Bytes, MachineCpus(Bytes, Set).get()))

// A remote thread's process is home's: another thread or process it names
// is not one of its node's (getpid() is home's pid there, which on the
// node's host names another process), so only its own thread (0, or its
// id on the node) is pinned; any other answers ESRCH, as a thread home
// does not know does in the calls above.
GRID_INTERPOSE int sched_setaffinity(pid_t Pid, size_t Bytes,
                                     const cpu_set_t *Set) noexcept {
  if (Pid != 0 && io::remoteCaller() && Pid != gettid()) {
    errno = ESRCH;
    return -1;
  }
  return REAL(sched_setaffinity)(Pid, Bytes, MachineCpus(Bytes, Set).get());
}

// A thread made with such a set in its attributes is pinned on the CPU it
// folds onto, at home: a thread with an affinity of its own stays home
// (api::createThread).
GRID_INTERPOSE int pthread_attr_setaffinity_np(pthread_attr_t *Attr,
                                               size_t Bytes,
                                               const cpu_set_t *Set) noexcept {
  return REAL(pthread_attr_setaffinity_np)(Attr, Bytes,
                                           MachineCpus(Bytes, Set).get());
}

// A signal sent to a thread. The thread's own is delivered to its shadow at
// home, where the program's actions are, and its handler runs there before
// the call returns (a shared call: the thread then reads what the handler
// wrote), unless it is one the thread raises itself on its node
// (threads::actionStaysOnNode). Another thread's goes home if home knows
// the thread (it answers -1 for one it does not: the node's).
namespace {
int signalThread(pthread_t Thread, int Signal, bool Queued,
                 union sigval Value) {
  io::HomeCall C(io::Op::PthreadKill, /*Shared=*/true);
  C.args()
      .u64(static_cast<uint64_t>(Thread))
      .i32(Signal)
      .u32(Queued)
      .u64(reinterpret_cast<uint64_t>(Value.sival_ptr));
  return static_cast<int>(C.send().Value);
}
} // namespace

GRID_INTERPOSE int pthread_kill(pthread_t Thread, int Signal) noexcept {
  auto Real = REAL(pthread_kill);
  Named Where = named(Thread);
  if (Where == Named::Here ||
      (Where == Named::Own && threads::actionStaysOnNode(Signal)))
    return Real(Where == Named::Own ? pthread_self() : Thread, Signal);
  int Err = signalThread(Where == Named::Own ? sync::HomeSelf : Thread, Signal,
                         false, {});
  return Err >= 0 ? Err : Real(Thread, Signal);
}

GRID_INTERPOSE int pthread_sigqueue(pthread_t Thread, int Signal,
                                    const union sigval Value) noexcept {
  auto Real = REAL(pthread_sigqueue);
  Named Where = named(Thread);
  if (Where == Named::Here ||
      (Where == Named::Own && threads::actionStaysOnNode(Signal)))
    return Real(Where == Named::Own ? pthread_self() : Thread, Signal, Value);
  int Err = signalThread(Where == Named::Own ? sync::HomeSelf : Thread, Signal,
                         true, Value);
  return Err >= 0 ? Err : Real(Thread, Signal, Value);
}

// Cancellation (docs/design/dsm.md). pthread_cancel of a thread on another
// node (its pthread_t is its shadow's at home) goes to its node
// (threads::cancelRemote), where the thread acts on it at its next
// cancellation point that Grid sees: a condition or semaphore wait (home
// wakes the condition wait its shadow serves), a sleep below, or
// pthread_testcancel. glibc's own cancellation is never sent to it, so none
// acts inside the runtime or MPI. A remote thread's pthread_cancel of
// itself is its own; of another thread, home's if home knows it.
GRID_INTERPOSE int pthread_cancel(pthread_t Thread) {
  auto Real = REAL(pthread_cancel);
  switch (named(Thread)) {
  case Named::Here:
    return threads::cancelRemote(Thread) ? 0 : Real(Thread);
  case Named::Own: {
    threads::cancelSelf();
    int Type; // asynchronous: acted on at once, as glibc does
    pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &Type);
    pthread_setcanceltype(Type, nullptr);
    if (Type == PTHREAD_CANCEL_ASYNCHRONOUS)
      threads::cancellationPoint();
    return 0;
  }
  case Named::Other:
    break;
  }
  io::HomeCall C(io::Op::PthreadCancel);
  C.args().u64(static_cast<uint64_t>(Thread));
  int64_t Err = C.send().Value;
  return Err >= 0 ? static_cast<int>(Err) : Real(Thread); // -1: the node's
}

GRID_INTERPOSE void pthread_testcancel() {
  threads::cancellationPoint();
  REAL(pthread_testcancel)();
}

// A remote thread's sleeps wait for its cancellation too. Its signals are
// blocked on its node (threads/Threads.cpp, remoteMain), so no handler
// interrupts them there: each sleeps whole unless cancelled.
GRID_INTERPOSE unsigned sleep(unsigned Seconds) {
  if (!io::remoteCaller())
    return REAL(sleep)(Seconds);
  threads::sleepCancellable(uint64_t(Seconds) * 1000000000ULL);
  return 0;
}

GRID_INTERPOSE int usleep(useconds_t Microseconds) {
  if (!io::remoteCaller())
    return REAL(usleep)(Microseconds);
  threads::sleepCancellable(uint64_t(Microseconds) * 1000ULL);
  return 0;
}

GRID_INTERPOSE int nanosleep(const struct timespec *For,
                             struct timespec *Left) {
  if (!io::remoteCaller() || !For || For->tv_sec < 0 || For->tv_nsec < 0 ||
      For->tv_nsec >= 1000000000L)
    return REAL(nanosleep)(For, Left); // its EFAULT and EINVAL
  threads::sleepCancellable(uint64_t(For->tv_sec) * 1000000000ULL +
                            uint64_t(For->tv_nsec));
  if (Left)
    *Left = {0, 0};
  return 0;
}
