//===- api/JoinDetach.cpp - Joins and detaches free home stacks -----------===//
//
// The stack of a thread Grid started at home in a job is in the shared
// space (threads/HomeStacks.h) and is reused once the thread is joined, or
// detached and gone. libgridrt, before the C library in the loader's
// lookup order, defines pthread_join, its try, timed and clock forms, and
// pthread_detach under their own names, so that every join and detach is
// seen: the program's (through __grid_pthread_join), libstdc++'s
// (std::thread::join and detach), and home's on behalf of a remote thread.
// Each calls the C library's function, found with dlsym(RTLD_NEXT), and
// returns what it returns, errno untouched. Only libgridrt.so contains this
// file.
//===----------------------------------------------------------------------===//

#include "api/Dispatch.h"
#include "api/RemoteIo.h"
#include "threads/HomeStacks.h"
#include "threads/Threads.h"

#include "core/NextSymbol.h"

#include <pthread.h>
#include <time.h>

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))

namespace {
// The C library's functions, looked up by a constructor that runs before
// every other of libgridrt.so: on first use (in a function's static) a
// thread's first join waited in dlsym for the loader's lock while another
// thread, inside dlopen, waited for it.
// clang-format off
#define GRID_JOIN_CALLS(X)                                                     \
  X(pthread_join) X(pthread_tryjoin_np) X(pthread_timedjoin_np)                \
  X(pthread_clockjoin_np) X(pthread_detach)
// clang-format on
#define GRID_SLOT(Name) constinit decltype(&::Name) Real_##Name = nullptr;
GRID_JOIN_CALLS(GRID_SLOT)
#undef GRID_SLOT
#define GRID_RESOLVE(Name) grid::core::resolveNext(Real_##Name, #Name);
[[gnu::constructor(101)]] void resolveJoinCalls() {
  GRID_JOIN_CALLS(GRID_RESOLVE)
}
#undef GRID_RESOLVE
#define REAL(Name) grid::core::nextFunction(Real_##Name, #Name)

// The join succeeded: no thread runs on the stack, and the descriptor on it
// is freed.
int joinedIfZero(int Err, pthread_t Thread) {
  if (Err == 0) {
    grid::threads::threadJoined(Thread);
    grid::api::forgetHomeThread(Thread);
  }
  return Err;
}
} // namespace

// On a thread running on another node, libstdc++'s std::thread::join and
// detach name a thread by home's pthread_t, as the program's own calls do
// (__grid_pthread_join): the join or detach is home's, for a thread home
// knows (a thread a library made on the node, not through Grid, is the
// node's). Until 2026-11-28 the C library's ran on the node, on a
// pthread_t of home's, and a std::thread a remote thread made and joined
// crashed its agent.
namespace {
bool homesThread(pthread_t Thread) {
  return grid::api::io::remoteCaller() &&
         grid::api::io::homeKnowsThread(Thread);
}
} // namespace

GRID_INTERPOSE int pthread_join(pthread_t Thread, void **Result) {
  if (homesThread(Thread))
    return grid::threads::remoteJoin(Thread, Result);
  auto Real = REAL(pthread_join);
  return joinedIfZero(Real(Thread, Result), Thread);
}

GRID_INTERPOSE int pthread_tryjoin_np(pthread_t Thread,
                                      void **Result) noexcept {
  if (homesThread(Thread))
    return grid::threads::remoteJoin(Thread, Result,
                                     {grid::threads::JoinWait::Try});
  auto Real = REAL(pthread_tryjoin_np);
  return joinedIfZero(Real(Thread, Result), Thread);
}

namespace {
// A join with a time limit, home's for a thread home knows.
int joinUntil(pthread_t Thread, void **Result, clockid_t Clock,
              const struct timespec *Until) {
  if (!homesThread(Thread))
    return -1;
  grid::threads::JoinWait Wait{grid::threads::JoinWait::Until, Clock,
                               Until != nullptr};
  if (Until) // a null limit waits for ever, as the C library's does
    Wait.Time = *Until;
  return grid::threads::remoteJoin(Thread, Result, Wait);
}
} // namespace

GRID_INTERPOSE int pthread_timedjoin_np(pthread_t Thread, void **Result,
                                        const struct timespec *Until) {
  int Err = joinUntil(Thread, Result, CLOCK_REALTIME, Until);
  if (Err >= 0)
    return Err;
  auto Real = REAL(pthread_timedjoin_np);
  return joinedIfZero(Real(Thread, Result, Until), Thread);
}

GRID_INTERPOSE int pthread_clockjoin_np(pthread_t Thread, void **Result,
                                        clockid_t Clock,
                                        const struct timespec *Until) {
  int Err = joinUntil(Thread, Result, Clock, Until);
  if (Err >= 0)
    return Err;
  auto Real = REAL(pthread_clockjoin_np);
  return joinedIfZero(Real(Thread, Result, Clock, Until), Thread);
}

GRID_INTERPOSE int pthread_detach(pthread_t Thread) noexcept {
  if (homesThread(Thread))
    return grid::threads::remoteDetach(Thread);
  auto Real = REAL(pthread_detach);
  return grid::threads::detachThread(Thread, Real);
}
