//===- api/Malloc.cpp - malloc, free, new and delete, through Grid --------===//
//
// libgridrt.so defines the C library's allocation functions and the
// replaceable operator new and delete, so that every allocation of an
// -fgrid program (and of a program gridrun preloads libgridrt.so into),
// its libraries' included, is Grid's to place (dsm/Heap.h):
//
//  - On a thread that runs on an agent for home, outside runtime code, the
//    call goes to the RemoteHeap, which forwards it home.
//  - Otherwise it goes to jemalloc (libjemalloc.so.2, which libgridrt.so
//    links) through its x-API, with the arena flags of heapAllocationFlags().
//
// glibc's semantics are kept where jemalloc's x-API differs: malloc(0) and
// the aligned forms with size 0 return a unique pointer, realloc(P, 0) frees
// P and returns null, failures set errno to ENOMEM, posix_memalign returns
// EINVAL for an alignment that is not a power-of-two multiple of
// sizeof(void *), memalign rounds an odd alignment up. jemalloc defines
// operator new and delete too; ours come first in the lookup order, so a
// remote thread's `new` also goes home whichever of libstdc++ and jemalloc
// the loader meets first.
//
// Only the shared library contains this file (runtime/CMakeLists.txt), and
// DsmHeapTest, which tests it: a unit test linking gridrt_impl would
// otherwise have its own allocations rerouted.
//===----------------------------------------------------------------------===//

#include "dsm/Heap.h"
#include "sync/Sync.h"

#include <jemalloc/jemalloc.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <malloc.h>
#include <new>

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))

namespace {

constexpr size_t PageBytes = 4096;

/// True when the calling thread's allocations go home.
inline bool goesHome() {
  return __builtin_expect(grid::sync::RemoteThread && !grid::sync::InRuntime,
                          0) &&
         grid::dsm::remoteHeap();
}

bool isPowerOfTwo(size_t N) { return N != 0 && (N & (N - 1)) == 0; }

// The paths off the common one stay out of line, so that malloc and free
// save no registers.

[[gnu::noinline, gnu::cold]] void *allocateAtHome(size_t Size, size_t Align,
                                                  bool Zero) {
  void *P = grid::dsm::remoteHeap()->allocate(Size, Align);
  if (!P)
    errno = ENOMEM;
  else if (Zero)
    std::memset(P, 0, Size);
  return P;
}

[[gnu::noinline, gnu::cold]] void *allocationFailed(size_t Size) {
  grid::dsm::heapAllocationFailed(Size);
  errno = ENOMEM;
  return nullptr;
}

/// mallocx failed: once more after the heap reclaimed what it can.
[[gnu::noinline, gnu::cold]] void *allocateAgain(size_t Size, int Flags) {
  if (grid::dsm::heapReclaim())
    if (void *P = mallocx(Size, Flags))
      return P;
  return allocationFailed(Size);
}

/// Size bytes aligned to Align (a power of two, or 0 for malloc's
/// alignment), zeroed if Zero; null with errno ENOMEM on failure.
inline void *allocate(size_t Size, size_t Align, bool Zero) {
  Size += Size == 0;
  if (goesHome()) [[unlikely]]
    return allocateAtHome(Size, Align, Zero);
  int Flags = grid::dsm::heapAllocationFlags();
  if (Align)
    Flags |= MALLOCX_ALIGN(Align);
  if (Zero)
    Flags |= MALLOCX_ZERO;
  void *P = mallocx(Size, Flags);
  if (!P) [[unlikely]]
    return allocateAgain(Size, Flags);
  return P;
}

[[gnu::noinline, gnu::cold]] void deallocateAtHome(void *P) {
  grid::dsm::remoteHeap()->deallocate(P);
}

inline void deallocate(void *P) {
  if (!P)
    return;
  if (goesHome()) [[unlikely]]
    return deallocateAtHome(P);
  dallocx(P, grid::dsm::heapOlderThanBinding(P) ? MALLOCX_TCACHE_NONE : 0);
}

void *reallocate(void *P, size_t Size) {
  if (!P)
    return allocate(Size, 0, false);
  if (Size == 0) {
    deallocate(P);
    return nullptr;
  }
  if (goesHome()) [[unlikely]] {
    void *Moved = grid::dsm::remoteHeap()->reallocate(P, Size);
    if (!Moved)
      errno = ENOMEM;
    return Moved;
  }
  if (grid::dsm::heapOlderThanBinding(P)) [[unlikely]] {
    // Memory from before the heap was bound: growing it in place would keep
    // a live object outside the range, so it moves in.
    void *Moved = allocate(Size, 0, false);
    if (!Moved)
      return nullptr;
    size_t Old = sallocx(P, 0);
    std::memcpy(Moved, P, Old < Size ? Old : Size);
    dallocx(P, MALLOCX_TCACHE_NONE);
    return Moved;
  }
  int Flags = grid::dsm::heapAllocationFlags();
  void *Moved = rallocx(P, Size, Flags);
  if (!Moved && grid::dsm::heapReclaim()) [[unlikely]]
    Moved = rallocx(P, Size, Flags);
  if (!Moved) [[unlikely]]
    return allocationFailed(Size);
  return Moved;
}

size_t usableSize(void *P) {
  if (!P)
    return 0;
  if (goesHome()) [[unlikely]]
    return grid::dsm::remoteHeap()->usableSize(P);
  return sallocx(P, 0);
}

bool multiplyOverflows(size_t A, size_t B, size_t *Product) {
  return __builtin_mul_overflow(A, B, Product);
}

/// operator new: retries through the new-handler, throws when there is none.
void *allocateOrThrow(size_t Size, size_t Align) {
  for (;;) {
    if (void *P = allocate(Size, Align, false))
      return P;
    std::new_handler Handler = std::get_new_handler();
    if (!Handler)
      throw std::bad_alloc();
    Handler();
  }
}

void *allocateOrNull(size_t Size, size_t Align) noexcept {
  try {
    return allocateOrThrow(Size, Align);
  } catch (...) {
    return nullptr;
  }
}

} // namespace

// --- The C library's functions -----------------------------------------------

GRID_INTERPOSE void *malloc(size_t Size) noexcept {
  return allocate(Size, 0, false);
}

GRID_INTERPOSE void free(void *P) noexcept { deallocate(P); }

GRID_INTERPOSE void *calloc(size_t Count, size_t Size) noexcept {
  size_t Bytes;
  if (multiplyOverflows(Count, Size, &Bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return allocate(Bytes, 0, true);
}

GRID_INTERPOSE void *realloc(void *P, size_t Size) noexcept {
  return reallocate(P, Size);
}

GRID_INTERPOSE void *reallocarray(void *P, size_t Count, size_t Size) noexcept {
  size_t Bytes;
  if (multiplyOverflows(Count, Size, &Bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return reallocate(P, Bytes);
}

GRID_INTERPOSE int posix_memalign(void **Result, size_t Align,
                                  size_t Size) noexcept {
  if (!isPowerOfTwo(Align) || Align % sizeof(void *) != 0)
    return EINVAL;
  int Saved = errno;
  void *P = allocate(Size, Align, false);
  errno = Saved; // posix_memalign reports through its result only
  if (!P)
    return ENOMEM;
  *Result = P;
  return 0;
}

GRID_INTERPOSE void *aligned_alloc(size_t Align, size_t Size) noexcept {
  if (!isPowerOfTwo(Align)) {
    errno = EINVAL;
    return nullptr;
  }
  return allocate(Size, Align, false);
}

GRID_INTERPOSE void *memalign(size_t Align, size_t Size) noexcept {
  // glibc rounds an alignment that is not a power of two up to one.
  if (Align == 0)
    Align = 1;
  if (!isPowerOfTwo(Align)) {
    if (Align > (SIZE_MAX >> 1) + 1) {
      errno = EINVAL;
      return nullptr;
    }
    Align = size_t(1) << (64 - __builtin_clzl(Align));
  }
  return allocate(Size, Align, false);
}

GRID_INTERPOSE void *valloc(size_t Size) noexcept {
  return allocate(Size, PageBytes, false);
}

GRID_INTERPOSE void *pvalloc(size_t Size) noexcept {
  size_t Rounded = (Size + PageBytes - 1) & ~(PageBytes - 1);
  if (Rounded < Size) {
    errno = ENOMEM;
    return nullptr;
  }
  return allocate(Rounded ? Rounded : PageBytes, PageBytes, false);
}

GRID_INTERPOSE size_t malloc_usable_size(void *P) noexcept {
  return usableSize(P);
}

// --- operator new and delete -------------------------------------------------

void *operator new(size_t Size) { return allocateOrThrow(Size, 0); }
void *operator new[](size_t Size) { return allocateOrThrow(Size, 0); }
void *operator new(size_t Size, const std::nothrow_t &) noexcept {
  return allocateOrNull(Size, 0);
}
void *operator new[](size_t Size, const std::nothrow_t &) noexcept {
  return allocateOrNull(Size, 0);
}
void *operator new(size_t Size, std::align_val_t Align) {
  return allocateOrThrow(Size, size_t(Align));
}
void *operator new[](size_t Size, std::align_val_t Align) {
  return allocateOrThrow(Size, size_t(Align));
}
void *operator new(size_t Size, std::align_val_t Align,
                   const std::nothrow_t &) noexcept {
  return allocateOrNull(Size, size_t(Align));
}
void *operator new[](size_t Size, std::align_val_t Align,
                     const std::nothrow_t &) noexcept {
  return allocateOrNull(Size, size_t(Align));
}

void operator delete(void *P) noexcept { deallocate(P); }
void operator delete[](void *P) noexcept { deallocate(P); }
void operator delete(void *P, const std::nothrow_t &) noexcept {
  deallocate(P);
}
void operator delete[](void *P, const std::nothrow_t &) noexcept {
  deallocate(P);
}
// The sized forms ignore the size: a program that passes a wrong one must
// not corrupt the heap (glibc ignores it too).
void operator delete(void *P, size_t) noexcept { deallocate(P); }
void operator delete[](void *P, size_t) noexcept { deallocate(P); }
void operator delete(void *P, std::align_val_t) noexcept { deallocate(P); }
void operator delete[](void *P, std::align_val_t) noexcept { deallocate(P); }
void operator delete(void *P, std::align_val_t,
                     const std::nothrow_t &) noexcept {
  deallocate(P);
}
void operator delete[](void *P, std::align_val_t,
                       const std::nothrow_t &) noexcept {
  deallocate(P);
}
void operator delete(void *P, size_t, std::align_val_t) noexcept {
  deallocate(P);
}
void operator delete[](void *P, size_t, std::align_val_t) noexcept {
  deallocate(P);
}
