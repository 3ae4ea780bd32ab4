//===- dsm/Heap.cpp - jemalloc bound to the shared range ------------------===//
//
// Extent hooks that carve jemalloc's memory from the range bindHeap() is
// given, and the arenas that use them. Only program data lives in the
// range: the arenas keep their metadata in jemalloc's own memory (their
// base uses the default hooks), so it neither fragments the range nor
// travels between nodes. The range is the job's shared range, private
// anonymous memory (docs/design/dsm.md, private memory), whose pages and
// protections belong to the coherence layer:
//
//  - alloc bumps a pointer (lock-free), aligned as jemalloc asks. This
//    rank's slice is open and its fresh pages read as zero, so the memory
//    is reported zeroed and committed.
//  - dalloc refuses: jemalloc keeps the extent (it retains by default on
//    Linux) and reuses it, split and merged as it likes.
//  - commit succeeds and decommit refuses: committing means nothing on a
//    slice that is always mapped, and decommitting would change
//    protections the coherence layer owns.
//  - purging refuses: a purge would drop or zero pages behind the
//    coherence layer, whose state for them (closed at home, moved to the
//    node that writes them, cached on others) it would then contradict.
//    So the heap keeps its high-water mark resident until exit; jemalloc
//    reuses it.
//===----------------------------------------------------------------------===//

#include "dsm/Heap.h"

#include <jemalloc/jemalloc.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <pthread.h>
#include <unistd.h>

namespace grid::dsm {

namespace detail {
std::atomic<bool> HeapBound{false};
uintptr_t HeapBegin = 0, HeapEnd = 0;
thread_local int ThreadHeapFlags = -1;
} // namespace detail

namespace {

using detail::HeapBegin;
using detail::HeapEnd;

std::atomic<bool> BindCalled{false};
std::atomic<uintptr_t> Next{0};    // the first byte not yet given to jemalloc
std::atomic<uint64_t> Refusals{0}; // allocations the range could not serve
std::atomic<bool> Warned{false};
std::atomic<RemoteHeap *> Remote{nullptr};

// The arenas allocations go to after binding, created on first use: a
// thread takes the next slot round-robin. As many slots as jemalloc has
// automatic arenas (4 per CPU by default).
constexpr unsigned MaxArenaSlots = 1024;
std::atomic<unsigned> Arenas[MaxArenaSlots]; // arena index + 1; 0: not yet
unsigned ArenaSlots = 1;
std::atomic<unsigned> NextSlot{0};
std::mutex CreateMutex;

void *allocHook(extent_hooks_t *, void *NewAddress, size_t Size,
                size_t Alignment, bool *Zero, bool *Commit, unsigned) {
  if (Alignment == 0)
    Alignment = 1;
  uintptr_t Current = Next.load(std::memory_order_relaxed);
  uintptr_t Address;
  do {
    if (NewAddress) {
      // Growing an extent in place: only possible at the bump pointer.
      Address = reinterpret_cast<uintptr_t>(NewAddress);
      if (Address != Current || Address % Alignment != 0)
        return nullptr;
    } else {
      Address = (Current + Alignment - 1) & ~(Alignment - 1);
    }
    if (Address < Current || Address > HeapEnd || HeapEnd - Address < Size) {
      Refusals.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
  } while (!Next.compare_exchange_weak(Current, Address + Size,
                                       std::memory_order_relaxed));
  *Zero = true;
  *Commit = true;
  return reinterpret_cast<void *>(Address);
}

// Every extent these hooks see lies in the range: only the arenas created
// here use them.

bool deallocHook(extent_hooks_t *, void *, size_t, bool, unsigned) {
  return true; // keep it for reuse
}

void destroyHook(extent_hooks_t *, void *, size_t, bool, unsigned) {}

bool commitHook(extent_hooks_t *, void *, size_t, size_t, size_t, unsigned) {
  return false; // always accessible
}

bool refuse(extent_hooks_t *, void *, size_t, size_t, size_t, unsigned) {
  return true;
}

bool splitHook(extent_hooks_t *, void *, size_t, size_t, size_t, bool,
               unsigned) {
  return false;
}

bool mergeHook(extent_hooks_t *, void *, size_t, void *, size_t, bool,
               unsigned) {
  return false;
}

extent_hooks_t Hooks = {allocHook, deallocHook, destroyHook, commitHook,
                        refuse, // decommit
                        refuse, // purge_lazy
                        refuse, // purge_forced
                        splitHook, mergeHook};

bool fail(std::string *Error, std::string Message) {
  if (Error)
    *Error = std::move(Message);
  return false;
}

template <typename T> bool readCtl(const char *Name, T *Value) {
  size_t Size = sizeof(T);
  return mallctl(Name, Value, &Size, nullptr, 0) == 0 && Size == sizeof(T);
}

/// jemalloc's arena_config_t ("experimental.arenas_create_ext", 5.3).
struct ArenaConfig {
  extent_hooks_t *ExtentHooks;
  bool MetadataUseHooks;
};

/// A new arena with the hooks; 0 on failure, else its index + 1. Its
/// metadata stays out of the range where jemalloc allows it.
unsigned createArena() {
  unsigned Index = 0;
  size_t Size = sizeof Index;
  ArenaConfig Config = {&Hooks, false};
  if (mallctl("experimental.arenas_create_ext", &Index, &Size, &Config,
              sizeof Config) == 0)
    return Index + 1;
  extent_hooks_t *New = &Hooks;
  Size = sizeof Index;
  if (mallctl("arenas.create", &Index, &Size, &New, sizeof New) != 0)
    return 0;
  return Index + 1;
}

/// Whether malloc reaches this jemalloc: its per-thread count of allocated
/// bytes must grow.
bool jemallocServesMalloc() {
  uint64_t Before = 0, After = 0;
  if (!readCtl("thread.allocated", &Before))
    return false;
  void *volatile P = std::malloc(4096);
  bool Grew = readCtl("thread.allocated", &After) && After >= Before + 4096;
  std::free(P);
  return Grew;
}

size_t refreshedStat(const char *Name) {
  uint64_t Epoch = 1;
  size_t Size = sizeof Epoch;
  mallctl("epoch", &Epoch, &Size, &Epoch, Size);
  size_t Value = 0;
  return readCtl(Name, &Value) ? Value : 0;
}

} // namespace

int detail::chooseThreadArena() {
  // Objects this thread cached before binding lie outside the range.
  mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
  unsigned Slot = NextSlot.fetch_add(1, std::memory_order_relaxed) % ArenaSlots;
  unsigned Arena = Arenas[Slot].load(std::memory_order_acquire);
  if (Arena == 0) {
    std::lock_guard<std::mutex> Lock(CreateMutex);
    Arena = Arenas[Slot].load(std::memory_order_relaxed);
    if (Arena == 0) {
      Arena = createArena();
      if (Arena == 0) // jemalloc is out of arenas or memory: share slot 0's
        Arena = Arenas[0].load(std::memory_order_relaxed);
      else
        Arenas[Slot].store(Arena, std::memory_order_release);
    }
  }
  // Bound to a manual arena, the thread takes even sizes past jemalloc's
  // oversize threshold from it, never from the automatic "huge" arena.
  unsigned Index = Arena - 1;
  if (mallctl("thread.arena", nullptr, nullptr, &Index, sizeof Index) == 0)
    ThreadHeapFlags = 0;
  else
    ThreadHeapFlags = MALLOCX_ARENA(Index);
  return ThreadHeapFlags;
}

bool bindHeap(std::byte *Base, size_t Bytes, std::string *Error) {
  auto Begin = reinterpret_cast<uintptr_t>(Base);
  if (!Base || Bytes == 0 || Begin % 4096 != 0 || Bytes % 4096 != 0 ||
      Begin + Bytes < Begin)
    return fail(Error, "the heap range must be a non-empty, page-aligned "
                       "range of whole pages");
  if (BindCalled.exchange(true))
    return fail(Error, "the heap is already bound to a range");
  if (!jemallocServesMalloc())
    return fail(Error, "malloc is not served by jemalloc in this process "
                       "(libjemalloc must come before libc in the lookup "
                       "order, as libgridrt.so's malloc does)");

  HeapBegin = Begin;
  HeapEnd = Begin + Bytes;
  Next.store(Begin, std::memory_order_relaxed);

  unsigned Automatic = 0;
  if (!readCtl("opt.narenas", &Automatic) || Automatic == 0)
    Automatic = 1;
  ArenaSlots = Automatic < MaxArenaSlots ? Automatic : MaxArenaSlots;
  unsigned First = createArena();
  if (First == 0)
    return fail(Error, "jemalloc could not create an arena in the heap range "
                       "(arenas.create failed)");
  Arenas[0].store(First, std::memory_order_relaxed);

  // A fork child has only the thread that forked: were another thread
  // creating an arena meanwhile, the child's first allocation would wait
  // for it for ever. So the forking thread is bound to its arena before the
  // fork (the fork handlers that run in the child before this one allocate),
  // and the child makes the lock anew. The lock is not held across the fork:
  // a thread holding a lock another fork handler waits for (the settings')
  // may need it for its own first allocation. An arena that was being made
  // is made again by the child if it needs one.
  pthread_atfork([] { heapAllocationFlags(); }, nullptr,
                 [] { new (&CreateMutex) std::mutex; });
  detail::HeapBound.store(true, std::memory_order_release);
  detail::chooseThreadArena();
  return true;
}

bool heapContains(const void *P) {
  if (!detail::HeapBound.load(std::memory_order_acquire))
    return false;
  auto A = reinterpret_cast<uintptr_t>(P);
  return A >= HeapBegin && A < HeapEnd;
}

size_t heapCarvedBytes() {
  if (!detail::HeapBound.load(std::memory_order_acquire))
    return 0;
  return Next.load(std::memory_order_relaxed) - HeapBegin;
}

size_t heapMetadataBytes() { return refreshedStat("stats.metadata"); }

bool heapPageOfOneBlock(const void *Page) {
  // jemalloc 5.3: the extent of the pointer, {nfree, nregs, size}; an
  // interior page of a large extent (not in jemalloc's map) gives zeros,
  // its first and last pages one region. The look-up assumes the map has
  // a leaf for the pointer's GiB of address space, and dereferences null
  // where it has none (helper-47: a page inside a 2.2 GiB block): only
  // the heap's first GiB is sure to have one (the first extent's).
  auto A = reinterpret_cast<uintptr_t>(Page);
  if (A < HeapBegin || A - HeapBegin >= (size_t(1) << 30) ||
      HeapBegin % (size_t(1) << 30) != 0)
    return false;
  size_t Out[3] = {0, 0, 0};
  size_t OutBytes = sizeof Out;
  const void *In[1] = {Page};
  if (mallctl("experimental.utilization.batch_query", Out, &OutBytes,
              const_cast<void **>(In), sizeof In) != 0 ||
      OutBytes != sizeof Out)
    return false;
  return Out[1] <= 1;
}

size_t heapAllocatedBytes() { return refreshedStat("stats.allocated"); }

size_t heapSizeClass(size_t Bytes) { return nallocx(Bytes ? Bytes : 1, 0); }

void setRemoteHeap(RemoteHeap *H) {
  Remote.store(H, std::memory_order_release);
}
RemoteHeap *remoteHeap() { return Remote.load(std::memory_order_acquire); }

bool heapReclaim() {
  if (!detail::HeapBound.load(std::memory_order_acquire) ||
      Refusals.load(std::memory_order_relaxed) == 0)
    return false;
  // Purging is refused in the range, so this only ages every dirty extent
  // into the retained ones, which jemalloc coalesces at once.
  mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
  char Name[64];
  std::snprintf(Name, sizeof Name, "arena.%u.purge", MALLCTL_ARENAS_ALL);
  return mallctl(Name, nullptr, nullptr, nullptr, 0) == 0;
}

void heapAllocationFailed(size_t Size) {
  if (!detail::HeapBound.load(std::memory_order_acquire) ||
      Refusals.load(std::memory_order_relaxed) == 0 || Warned.exchange(true))
    return;
  // Written directly: the heap is exhausted, so core::warn's string could
  // not be allocated.
  char Line[320];
  int Length = std::snprintf(
      Line, sizeof Line,
      "grid: warning: the heap in the shared range is exhausted (%zu bytes "
      "asked; %zu MiB of %zu MiB given out); allocations now fail with "
      "ENOMEM\n",
      Size, heapCarvedBytes() >> 20, size_t(HeapEnd - HeapBegin) >> 20);
  if (Length > 0) {
    int Saved = errno;
    ssize_t Ignored = write(2, Line, std::min<size_t>(Length, sizeof Line - 1));
    (void)Ignored;
    errno = Saved;
  }
}

} // namespace grid::dsm
