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
// A remote thread's fork child is a process of the node with one thread,
// the forking one: it keeps that thread's table (the program's keys are
// still not the node's), and at its end runs the destructors home named
// for the keys with values as the thread forked, since it cannot ask home
// any more (a key first set in the child has none).
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

/// In a fork child, on the thread that forked: whether it was remote.
[[gnu::tls_model("initial-exec")]] thread_local bool ChildOfRemote;

[[gnu::constructor(101)]] void resolveKeys() {
  core::resolveNext(RealCreate, "pthread_key_create");
  core::resolveNext(RealDelete, "pthread_key_delete");
  core::resolveNext(RealSet, "pthread_setspecific");
  core::resolveNext(RealGet, "pthread_getspecific");
  // Registered before the threads layer's own, so it runs first in the
  // child, while the thread still reads as remote.
  // (A grandchild's thread is no longer remote, but its parent's was.)
  pthread_atfork(nullptr, nullptr, [] {
    ChildOfRemote = ChildOfRemote || grid::sync::RemoteThread;
  });
}

/// Keys this node's own code made (not the program's).
std::atomic<bool> LocalKey[PTHREAD_KEYS_MAX];

/// On a remote thread: its values of the program's keys, and for a fork
/// child the destructors home named as the thread forked, made on first
/// use in the agent's memory.
struct KeyTable {
  void *Values[PTHREAD_KEYS_MAX];
  void (*Destructors[PTHREAD_KEYS_MAX])(void *);
};
[[gnu::tls_model("initial-exec")]] thread_local KeyTable *Table;

bool programKey(pthread_key_t Key) {
  return Key < PTHREAD_KEYS_MAX && !LocalKey[Key].load();
}

/// Whether the caller's program keys are this file's: a remote thread, or
/// the fork child of one.
bool tableCaller() {
  return io::remoteCaller() || (ChildOfRemote && !sync::InRuntime);
}

/// KeyDelete or KeyDestructor of Key, at home.
int64_t askHome(io::Op O, pthread_key_t Key) {
  io::HomeCall C(O);
  C.args().u32(Key);
  return C.send().Value;
}

} // namespace

namespace grid::api::io {

void fetchKeyDestructorsForFork() {
  if (!Table)
    return;
  for (unsigned Key = 0; Key < PTHREAD_KEYS_MAX; ++Key)
    Table->Destructors[Key] = Table->Values[Key]
                                  ? reinterpret_cast<void (*)(void *)>(
                                        askHome(Op::KeyDestructor, Key))
                                  : nullptr;
}

void runRemoteKeyDestructors() {
  if (!Table)
    return;
  bool Child = !threads::inJobProcess();
  // As the C library does: rounds while destructors set values again.
  for (int Round = 0; Round < PTHREAD_DESTRUCTOR_ITERATIONS; ++Round) {
    bool Ran = false;
    for (unsigned Key = 0; Key < PTHREAD_KEYS_MAX; ++Key) {
      void *Value = Table->Values[Key];
      if (!Value)
        continue;
      Table->Values[Key] = nullptr;
      // Asked now in the job (the key may have been deleted since); a
      // fork child has what home said at the fork, if anything.
      auto Destructor = Child ? Table->Destructors[Key]
                              : reinterpret_cast<void (*)(void *)>(
                                    askHome(Op::KeyDestructor, Key));
      if (Destructor) {
        Destructor(Value);
        Ran = true;
      }
    }
    if (!Ran)
      break;
  }
  sync::InRuntimeScope Scope;
  std::free(Table);
  Table = nullptr;
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
  if (tableCaller() && programKey(Key)) {
    if (Table)
      Table->Values[Key] = nullptr;
    if (ChildOfRemote) // the key stays home's; the child forgets its value
      return 0;
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
  if (tableCaller() && programKey(Key)) {
    if (!Table) {
      sync::InRuntimeScope Scope;
      Table = static_cast<KeyTable *>(std::calloc(1, sizeof *Table));
      if (!Table)
        return ENOMEM;
    }
    Table->Values[Key] = const_cast<void *>(Value);
    return 0;
  }
  return core::nextFunction(RealSet, "pthread_setspecific")(Key, Value);
}

GRID_INTERPOSE void *pthread_getspecific(pthread_key_t Key) noexcept {
  if (tableCaller() && programKey(Key))
    return Table ? Table->Values[Key] : nullptr;
  return core::nextFunction(RealGet, "pthread_getspecific")(Key);
}
