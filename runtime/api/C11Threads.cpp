//===- api/C11Threads.cpp - C11's <threads.h> on Grid's pthread calls -----===//
//
// glibc builds thrd_create, mtx_lock, cnd_wait, call_once and the rest on its
// pthread functions, called inside itself where the plugin cannot rewrite
// them: a C11 program's threads all stayed at home, and its locks were the
// C library's. The plugin rewrites the C11 calls of -fgrid code instead
// (abi.def), and each is its pthread counterpart here: thrd_create a thread
// Grid places (its int-returning start routine called by startC11, on
// whichever node), mtx_lock a lock served at the memory's home once a thread
// is remote, and so on. Results are C11's codes, mapped as glibc maps them.
// mtx_init, cnd_init, the destroys and the tss calls call libgridrt's
// pthread_mutex_init, pthread_cond_init (api/SyncEntryPoints.cpp),
// pthread_key_create... (api/ThreadKeys.cpp), which glibc's internal calls
// would bypass: a key tss_create made at home is then known on every node.
//===----------------------------------------------------------------------===//

#include "grid/abi.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <pthread.h>
#include <threads.h>

#define GRID_EXPORT extern "C" __attribute__((visibility("default")))

// api/EntryPoints.cpp: pthread_create's path, with thrd_create's kind.
int createC11Thread(const __grid_site *Site, pthread_t *Thread,
                    void *(*Start)(void *), void *Arg);

namespace {

int c11Result(int Err) {
  switch (Err) {
  case 0:
    return thrd_success;
  case ENOMEM:
    return thrd_nomem;
  case ETIMEDOUT:
    return thrd_timedout;
  case EBUSY:
    return thrd_busy;
  default:
    return thrd_error;
  }
}

// What a C11 thread starts with: its start routine returns an int, which
// glibc hands to the join as a pointer-sized integer.
struct C11Start {
  int (*Start)(void *);
  void *Arg;
};

void *startC11(void *Box) {
  C11Start Start = *static_cast<C11Start *>(Box);
  std::free(Box);
  return reinterpret_cast<void *>(
      static_cast<intptr_t>(Start.Start(Start.Arg)));
}

pthread_mutex_t *mutex(void *M) { return static_cast<pthread_mutex_t *>(M); }
pthread_cond_t *cond(void *C) { return static_cast<pthread_cond_t *>(C); }

} // namespace

GRID_EXPORT int __grid_thrd_create(const __grid_site *Site, pthread_t *Thread,
                                   int (*Start)(void *), void *Arg) {
  // In the program's heap (this is the program's call, not the runtime's
  // work), which every node shares: the thread may start elsewhere.
  auto *Box = static_cast<C11Start *>(std::malloc(sizeof(C11Start)));
  if (!Box)
    return thrd_nomem;
  *Box = {Start, Arg};
  int Err = createC11Thread(Site, Thread, startC11, Box);
  if (Err)
    std::free(Box);
  return c11Result(Err);
}

GRID_EXPORT int __grid_thrd_join(const __grid_site *Site, pthread_t Thread,
                                 int *Result) {
  void *Value = nullptr;
  int Err = __grid_pthread_join(Site, Thread, &Value);
  if (Err == 0 && Result)
    *Result = static_cast<int>(reinterpret_cast<intptr_t>(Value));
  return c11Result(Err);
}

GRID_EXPORT int __grid_thrd_detach(const __grid_site *Site, pthread_t Thread) {
  return c11Result(__grid_pthread_detach(Site, Thread));
}

GRID_EXPORT void __grid_thrd_exit(const __grid_site *Site, int Result) {
  __grid_pthread_exit(Site,
                      reinterpret_cast<void *>(static_cast<intptr_t>(Result)));
  __builtin_unreachable();
}

GRID_EXPORT pthread_t __grid_thrd_current(const __grid_site *Site) {
  return __grid_pthread_self(Site);
}

GRID_EXPORT int __grid_mtx_init(const __grid_site *, void *M, int Type) {
  pthread_mutexattr_t Attr;
  pthread_mutexattr_init(&Attr);
  // As glibc: recursive only when asked with mtx_plain or mtx_timed.
  if (Type == (mtx_plain | mtx_recursive) ||
      Type == (mtx_timed | mtx_recursive))
    pthread_mutexattr_settype(&Attr, PTHREAD_MUTEX_RECURSIVE);
  int Err = pthread_mutex_init(mutex(M), &Attr);
  pthread_mutexattr_destroy(&Attr);
  return c11Result(Err);
}

GRID_EXPORT int __grid_mtx_lock(const __grid_site *Site, void *M) {
  return c11Result(__grid_pthread_mutex_lock(Site, mutex(M)));
}

GRID_EXPORT int __grid_mtx_trylock(const __grid_site *Site, void *M) {
  return c11Result(__grid_pthread_mutex_trylock(Site, mutex(M)));
}

GRID_EXPORT int __grid_mtx_timedlock(const __grid_site *Site, void *M,
                                     const struct timespec *Deadline) {
  return c11Result(__grid_pthread_mutex_timedlock(Site, mutex(M), Deadline));
}

GRID_EXPORT int __grid_mtx_unlock(const __grid_site *Site, void *M) {
  return c11Result(__grid_pthread_mutex_unlock(Site, mutex(M)));
}

GRID_EXPORT void __grid_mtx_destroy(const __grid_site *, void *M) {
  pthread_mutex_destroy(mutex(M));
}

GRID_EXPORT int __grid_cnd_init(const __grid_site *, void *C) {
  return c11Result(pthread_cond_init(cond(C), nullptr));
}

GRID_EXPORT int __grid_cnd_wait(const __grid_site *Site, void *C, void *M) {
  return c11Result(__grid_pthread_cond_wait(Site, cond(C), mutex(M)));
}

GRID_EXPORT int __grid_cnd_timedwait(const __grid_site *Site, void *C, void *M,
                                     const struct timespec *Deadline) {
  return c11Result(
      __grid_pthread_cond_timedwait(Site, cond(C), mutex(M), Deadline));
}

GRID_EXPORT int __grid_cnd_signal(const __grid_site *Site, void *C) {
  return c11Result(__grid_pthread_cond_signal(Site, cond(C)));
}

GRID_EXPORT int __grid_cnd_broadcast(const __grid_site *Site, void *C) {
  return c11Result(__grid_pthread_cond_broadcast(Site, cond(C)));
}

GRID_EXPORT void __grid_cnd_destroy(const __grid_site *, void *C) {
  pthread_cond_destroy(cond(C));
}

GRID_EXPORT void __grid_call_once(const __grid_site *Site, void *Flag,
                                  void (*Init)(void)) {
  __grid_pthread_once(Site, static_cast<pthread_once_t *>(Flag), Init);
}

GRID_EXPORT int __grid_tss_create(const __grid_site *, void *Key,
                                  void (*Destructor)(void *)) {
  return c11Result(
      pthread_key_create(static_cast<pthread_key_t *>(Key), Destructor));
}

GRID_EXPORT void *__grid_tss_get(const __grid_site *, unsigned Key) {
  return pthread_getspecific(Key);
}

GRID_EXPORT int __grid_tss_set(const __grid_site *, unsigned Key, void *Value) {
  return c11Result(pthread_setspecific(Key, Value));
}

GRID_EXPORT void __grid_tss_delete(const __grid_site *, unsigned Key) {
  pthread_key_delete(Key);
}
