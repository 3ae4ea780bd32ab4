//===- dsm/Heap.h - The program's heap in the shared range ------*- C++ -*-===//
//
// DESIGN.md §6: heap memory lives in the range every rank maps at the same
// address, served by a proven allocator bound to it. The allocator is
// jemalloc (libgridrt.so links it). bindHeap() creates jemalloc arenas whose
// extent hooks carve memory from one part of the range, and api/Malloc.cpp
// (in libgridrt.so only) defines malloc and friends, operator new and
// delete:
//
//  - On a thread that runs on an agent for home (sync::RemoteThread), and
//    outside runtime code (sync::InRuntime), every call goes to the
//    RemoteHeap set here. The remote-threads layer forwards it home, so a
//    remote thread's memory comes from home's heap.
//  - Otherwise the call goes to jemalloc's x-API. After bindHeap() a
//    thread's first call binds it to one of those arenas, so new memory
//    comes from the range.
//
// docs/design/dsm.md ("The heap") says why new arenas are used rather than
// hooks on jemalloc's automatic ones, and why purging is refused.
//===----------------------------------------------------------------------===//
#ifndef GRID_DSM_HEAP_H
#define GRID_DSM_HEAP_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace grid::dsm {

/// From this call on, every allocation made through malloc, operator new
/// and the rest of the family is carved from [Base, Base + Bytes); only
/// the program's data goes there, jemalloc's metadata stays outside. The
/// range must be mapped read-write and zero-filled (a fresh memfd), and
/// Base and Bytes multiples of 4 KiB. Memory allocated before stays valid;
/// freeing it returns it to where it came from, and realloc moves it into
/// the range. When the range is exhausted allocations fail (malloc returns
/// null with ENOMEM, operator new throws) after one warning. Call it once,
/// before the program's threads start: an allocation running concurrently
/// may still be served from before. False, with Error set, if the range is
/// not page-aligned, jemalloc does not serve malloc in this process, the
/// heap is already bound, or jemalloc cannot create an arena.
bool bindHeap(std::byte *Base, size_t Bytes, std::string *Error);

/// True if P lies in the range given to bindHeap().
bool heapContains(const void *P);

/// Bytes of the range handed to jemalloc so far (the high-water mark:
/// jemalloc keeps and reuses what it frees).
size_t heapCarvedBytes();

/// jemalloc's metadata ("stats.metadata"), and the bytes the program has
/// allocated ("stats.allocated"), both refreshed now. The metadata figure
/// of issue 5's "DSM metadata <= 1%" benchmark.
size_t heapMetadataBytes();
size_t heapAllocatedBytes();
/// Whether the page at Page holds part of one block at most: a page of a
/// large allocation (16 KiB and up, jemalloc's extents of their own), or
/// of none; false for a slab of small objects, which may be anybody's
/// (home migration moves only the first kind).
bool heapPageOfOneBlock(const void *Page);

/// The size jemalloc gives a request of Bytes with malloc's alignment (its
/// size class; the same on every rank, which share the library), or 0.
size_t heapSizeClass(size_t Bytes);

/// Where a remote thread's allocations go (implemented by the remote-
/// threads layer, which forwards them home). Align is a power of two, or 0
/// for malloc's own alignment. allocate and reallocate return null when
/// home's heap is exhausted; the caller sets errno. reallocate is never
/// given a null P nor a zero Size. Set it before any thread is remote, and
/// never clear it while one runs.
struct RemoteHeap {
  virtual void *allocate(size_t Size, size_t Align) = 0;
  /// allocate, with the block's bytes zero (calloc, mmap). The default
  /// clears them where the caller runs, through the DSM; home's clears them
  /// at home, in one call.
  virtual void *allocateZeroed(size_t Size, size_t Align) {
    void *P = allocate(Size, Align);
    if (P)
      std::memset(P, 0, Size);
    return P;
  }
  virtual void deallocate(void *P) = 0;
  virtual void *reallocate(void *P, size_t Size) = 0;
  virtual size_t usableSize(void *P) = 0;
  virtual ~RemoteHeap() = default;
};
void setRemoteHeap(RemoteHeap *H);
RemoteHeap *remoteHeap();

// --- For api/Malloc.cpp ------------------------------------------------------
namespace detail {
extern std::atomic<bool> HeapBound;
extern uintptr_t HeapBegin, HeapEnd; // written once, before HeapBound
/// -1 until the thread's first allocation after binding, then its flags.
[[gnu::tls_model("initial-exec")]] extern thread_local int ThreadHeapFlags;
int chooseThreadArena();
} // namespace detail

/// True once bindHeap() has succeeded in this process (home, in a job of
/// several ranks).
inline bool heapBound() {
  return detail::HeapBound.load(std::memory_order_acquire);
}

/// The jemalloc flags an allocation of the calling thread passes. After
/// bindHeap(), a thread's first call binds it to an arena in the range
/// (jemalloc's "thread.arena"), so they stay 0: MALLOCX_ARENA would cost
/// jemalloc's slower path on every call. Should jemalloc refuse the binding,
/// they name the arena instead.
inline int heapAllocationFlags() {
  if (__builtin_expect(!detail::HeapBound.load(std::memory_order_acquire), 1))
    return 0;
  if (__builtin_expect(detail::ThreadHeapFlags >= 0, 1))
    return detail::ThreadHeapFlags;
  return detail::chooseThreadArena();
}

/// True when P was allocated before bindHeap(), outside the range: freeing
/// it must bypass the thread cache, or its memory would serve a later
/// allocation outside the range.
inline bool heapOlderThanBinding(const void *P) {
  if (__builtin_expect(!detail::HeapBound.load(std::memory_order_acquire), 1))
    return false;
  auto A = reinterpret_cast<uintptr_t>(P);
  return A < detail::HeapBegin || A >= detail::HeapEnd;
}

/// Called when an allocation failed. Once the range has refused memory,
/// has jemalloc move the extents it keeps dirty (not yet coalesced: the
/// pages of freed small objects) to where larger requests can reuse them,
/// and returns true: the caller retries once. In an unbound heap, or when
/// the range never refused, false.
bool heapReclaim();
/// Called when an allocation failed for good: warns once if the range ran
/// out.
void heapAllocationFailed(size_t Size);

} // namespace grid::dsm

#endif // GRID_DSM_HEAP_H
