//===- api/ThreadKeys.cpp - pthread keys of threads on other nodes --------===//
//
// A key of pthread_key_create is an index into a table of the process, and
// an agent is another process: a key main made is nothing there, and the C
// library refuses it. So on a thread running on another node, the values of
// the program's keys live in a table of the thread's own, and their
// destructors (asked of home, which records every key made there) run at
// the thread's end, after its cleanup handlers. A key the thread makes is
// made at home, so that it is one key for every thread of the program.
//
// Keys the node's own libraries and runtime made (recorded here as they are
// made, by threads that are not the program's) keep the C library's values:
// libstdc++'s, jemalloc's. A program key whose index one of those took on
// the agent is not told apart (docs/design/remote-io.md). Only the shared
// library contains this file, as RemoteIo.cpp.
//===----------------------------------------------------------------------===//

#include "api/RemoteIo.h"
#include "core/NextSymbol.h"
#include "threads/Threads.h"

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <pthread.h>

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))

namespace {

using namespace grid;
namespace io = grid::api::io;

decltype(&::pthread_key_create) RealCreate = nullptr;
decltype(&::pthread_key_delete) RealDelete = nullptr;
decltype(&::pthread_setspecific) RealSet = nullptr;
decltype(&::pthread_getspecific) RealGet = nullptr;

[[gnu::constructor(101)]] void resolveKeys() {
  core::resolveNext(RealCreate, "pthread_key_create");
  core::resolveNext(RealDelete, "pthread_key_delete");
  core::resolveNext(RealSet, "pthread_setspecific");
  core::resolveNext(RealGet, "pthread_getspecific");
}

/// Keys this node's own code made (not the program's).
std::atomic<bool> LocalKey[PTHREAD_KEYS_MAX];

/// On a remote thread: its values of the program's keys, made on first use
/// in the agent's memory.
[[gnu::tls_model("initial-exec")]] thread_local void **Values;

bool programKey(pthread_key_t Key) {
  return Key < PTHREAD_KEYS_MAX && !LocalKey[Key].load();
}

/// KeyDelete or KeyDestructor of Key, at home.
int64_t askHome(io::Op O, pthread_key_t Key) {
  io::HomeCall C(O);
  C.args().u32(Key);
  return C.send().Value;
}

} // namespace

namespace grid::api::io {

void runRemoteKeyDestructors() {
  if (!Values)
    return;
  // As the C library does: rounds while destructors set values again.
  for (int Round = 0; Round < PTHREAD_DESTRUCTOR_ITERATIONS; ++Round) {
    bool Ran = false;
    for (unsigned Key = 0; Key < PTHREAD_KEYS_MAX; ++Key) {
      void *Value = Values[Key];
      if (!Value)
        continue;
      Values[Key] = nullptr;
      auto Destructor =
          reinterpret_cast<void (*)(void *)>(askHome(Op::KeyDestructor, Key));
      if (Destructor) {
        Destructor(Value);
        Ran = true;
      }
    }
    if (!Ran)
      break;
  }
  sync::InRuntimeScope Scope;
  std::free(Values);
  Values = nullptr;
}

} // namespace grid::api::io

GRID_INTERPOSE int pthread_key_create(pthread_key_t *Key,
                                      void (*Destructor)(void *)) noexcept {
  if (io::remoteCaller()) {
    io::HomeCall C(io::Op::KeyCreate);
    C.args().u64(reinterpret_cast<uint64_t>(Destructor));
    threads::HomeAnswer A = C.send();
    if (A.Value < 0)
      return A.Errno;
    *Key = static_cast<pthread_key_t>(A.Value);
    return 0;
  }
  int Err =
      core::nextFunction(RealCreate, "pthread_key_create")(Key, Destructor);
  if (Err == 0 && *Key < PTHREAD_KEYS_MAX) {
    // Made here: on an agent, the node's own; at home, the program's,
    // whose destructor a remote thread asks for.
    LocalKey[*Key].store(true);
    io::recordKey(*Key, Destructor);
  }
  return Err;
}

GRID_INTERPOSE int pthread_key_delete(pthread_key_t Key) noexcept {
  if (io::remoteCaller() && programKey(Key)) {
    if (Values)
      Values[Key] = nullptr;
    return static_cast<int>(askHome(io::Op::KeyDelete, Key));
  }
  int Err = core::nextFunction(RealDelete, "pthread_key_delete")(Key);
  if (Err == 0 && Key < PTHREAD_KEYS_MAX) {
    LocalKey[Key].store(false);
    io::forgetKey(Key);
  }
  return Err;
}

GRID_INTERPOSE int pthread_setspecific(pthread_key_t Key,
                                       const void *Value) noexcept {
  if (io::remoteCaller() && programKey(Key)) {
    if (!Values) {
      sync::InRuntimeScope Scope;
      Values =
          static_cast<void **>(std::calloc(PTHREAD_KEYS_MAX, sizeof *Values));
      if (!Values)
        return ENOMEM;
    }
    Values[Key] = const_cast<void *>(Value);
    return 0;
  }
  return core::nextFunction(RealSet, "pthread_setspecific")(Key, Value);
}

GRID_INTERPOSE void *pthread_getspecific(pthread_key_t Key) noexcept {
  if (io::remoteCaller() && programKey(Key))
    return Values ? Values[Key] : nullptr;
  return core::nextFunction(RealGet, "pthread_getspecific")(Key);
}
