//===- api/Dispatch.h - What each entry point does, in C++ ------*- C++ -*-===//
//
// The top layer: composes core (settings, logging, statistics), topology,
// placement, local and process for each entry point of abi.def. The
// extern "C" functions in EntryPoints.cpp only forward here; every errno a
// caller sees is the one the real call set.
//===----------------------------------------------------------------------===//
#ifndef GRID_API_DISPATCH_H
#define GRID_API_DISPATCH_H

#include "core/Slices.h"
#include "grid/abi.h"

#include <cstdint>

namespace grid::api {

/// A thread through Grid's placement: pthread_create's result, errno as it
/// left it.
int createThread(const __grid_site *Site, uint32_t Kind, pthread_t *Thread,
                 const pthread_attr_t *Attr, void *(*Start)(void *), void *Arg);

/// What libstdc++'s std::thread::_M_start_thread does, through createThread:
/// on success releases *StateOwner (a std::unique_ptr<std::thread::_State>)
/// and writes the native handle into *ThreadObject (a std::thread); on
/// failure leaves both alone and returns pthread_create's error number.
int startStdThread(const __grid_site *Site, void *ThreadObject,
                   void *StateOwner);

/// Home: the threads known to be home's, by pthread_t: main, and every
/// thread Grid made (at home, or as the shadow of a thread on another
/// node), until joined. A remote thread's call naming one of them is
/// carried home (api/ThreadCalls.cpp); one naming a thread home does not
/// know (a thread a library made on the node, not through Grid) is the
/// node's.
void noteHomeThread(pthread_t Thread);
void forgetHomeThread(pthread_t Thread);
bool isHomeThread(pthread_t Thread);

/// For the duration of a process creation (system, popen, posix_spawn,
/// exec), what Grid changed of the calling thread is undone, so the child
/// inherits what it would have without Grid: a caller Grid pinned to a
/// core is unpinned (its CPU affinity), and a shadow gives up its short
/// time slice (core/Slices.h). A fork child undoes both itself
/// (pthread_atfork handlers). errno is preserved.
class ChildStartScope {
public:
  ChildStartScope();
  ~ChildStartScope();
  ChildStartScope(const ChildStartScope &) = delete;
  ChildStartScope &operator=(const ChildStartScope &) = delete;

private:
  bool Unpinned = false;
  core::DefaultSliceWhile Slice;
};

} // namespace grid::api

#endif // GRID_API_DISPATCH_H
