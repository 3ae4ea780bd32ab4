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
// It also defines the entry points __grid_mmap, __grid_munmap and
// __grid_mremap, which the plugin makes of the program's own calls: in a job
// of several ranks, an anonymous private mapping comes from the same heap
// (the last section below).
//
// Only the shared library contains this file (runtime/CMakeLists.txt), and
// DsmHeapTest, which tests it: a unit test linking gridrt_impl would
// otherwise have its own allocations rerouted.
//===----------------------------------------------------------------------===//

#include "api/RemoteIo.h"
#include "dsm/Heap.h"
#include "dsm/Space.h"
#include "grid/abi.h"
#include "sync/Sync.h"
#include "threads/Threads.h"

#include <jemalloc/jemalloc.h>

#include <cerrno>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <malloc.h>
#include <new>
#include <sys/mman.h>
#include <type_traits>

// ld.so's, which no header declares.
extern "C" void *__tls_get_addr(void *);

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))
#define GRID_EXPORT extern "C" __attribute__((visibility("default")))

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

// The dynamic loader's code (ld.so), found by a constructor. What it
// allocates while a remote thread loads a library (its record of the
// library, the library's thread-local storage) is the node's own loader
// state: made in the node's memory, as the C library's and the runtime's
// own. In home's heap it was read again by the agent's exit (_dl_fini)
// after an acquire had dropped its pages, when no page could come, and the
// agent aborted.
constinit uintptr_t LoaderBegin = 0, LoaderEnd = 0;

[[gnu::constructor(101)]] void findLoader() {
  struct dl_find_object Found = {};
  if (_dl_find_object(reinterpret_cast<void *>(&__tls_get_addr), &Found) == 0) {
    LoaderBegin = reinterpret_cast<uintptr_t>(Found.dlfo_map_start);
    LoaderEnd = reinterpret_cast<uintptr_t>(Found.dlfo_map_end);
  }
}

inline bool fromLoader(const void *Caller) {
  auto A = reinterpret_cast<uintptr_t>(Caller);
  return A >= LoaderBegin && A < LoaderEnd;
}

inline void *allocate(size_t Size, size_t Align, bool Zero,
                      const void *Caller = nullptr);

[[gnu::noinline, gnu::cold]] void *
allocateAtHome(size_t Size, size_t Align, bool Zero, const void *Caller) {
  if (Caller && fromLoader(Caller)) {
    grid::sync::InRuntimeScope Scope; // the node's memory
    return allocate(Size, Align, Zero);
  }
  grid::dsm::RemoteHeap *Home = grid::dsm::remoteHeap();
  void *P =
      Zero ? Home->allocateZeroed(Size, Align) : Home->allocate(Size, Align);
  if (!P)
    errno = ENOMEM;
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
/// alignment), zeroed if Zero; null with errno ENOMEM on failure. Caller:
/// the C library function's caller, where it is known.
inline void *allocate(size_t Size, size_t Align, bool Zero,
                      const void *Caller) {
  Size += Size == 0;
  if (goesHome()) [[unlikely]]
    return allocateAtHome(Size, Align, Zero, Caller);
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

// A block with a page that moved to another node (home migration): never
// given back to jemalloc (threads::keepMovedBlock).
inline bool keptForMovedPages(void *P) {
  return grid::dsm::PagesMovedAway.load(std::memory_order_relaxed) &&
         grid::threads::keepMovedBlock(P);
}

// Moved, a new block, given P's contents (as many of Size bytes as P
// holds); null if there was no new block.
void *copiedFrom(void *P, void *Moved, size_t Size) {
  if (Moved) {
    size_t Old = sallocx(P, 0);
    std::memcpy(Moved, P, Old < Size ? Old : Size);
  }
  return Moved;
}

inline void deallocate(void *P) {
  if (!P)
    return;
  if (goesHome()) [[unlikely]]
    return deallocateAtHome(P);
  if (keptForMovedPages(P)) [[unlikely]]
    return;
  dallocx(P, grid::dsm::heapOlderThanBinding(P) ? MALLOCX_TCACHE_NONE : 0);
}

void *reallocate(void *P, size_t Size, const void *Caller = nullptr) {
  if (!P)
    return allocate(Size, 0, false, Caller);
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
    void *Moved = copiedFrom(P, allocate(Size, 0, false), Size);
    if (Moved)
      dallocx(P, MALLOCX_TCACHE_NONE);
    return Moved;
  }
  if (keptForMovedPages(P)) [[unlikely]] // copied through the DSM, kept
    return copiedFrom(P, allocate(Size, 0, false), Size);
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
  return allocate(Size, 0, false, __builtin_return_address(0));
}

GRID_INTERPOSE void free(void *P) noexcept { deallocate(P); }

GRID_INTERPOSE void *calloc(size_t Count, size_t Size) noexcept {
  size_t Bytes;
  if (multiplyOverflows(Count, Size, &Bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return allocate(Bytes, 0, true, __builtin_return_address(0));
}

GRID_INTERPOSE void *realloc(void *P, size_t Size) noexcept {
  return reallocate(P, Size, __builtin_return_address(0));
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

// --- The program's anonymous mmap (abi.def's Memory section) -----------------
//
// The plugin rewrites the program's mmap, mmap64, munmap and mremap calls to
// the entry points below (only code compiled with -fgrid: the runtime's and
// Open MPI's own mappings never come here). In a job of several ranks (the
// heap is bound at home; a remote thread's heap is home's), an anonymous
// private read-write mapping the kernel could place anywhere comes from the
// heap instead, page-aligned and zero-filled, so that a pointer into it
// works on every node:
//
//   [ header page | the program's pages ... ]
//
// The header page (never the program's) says where the block starts and how
// many bytes it has now; munmap and mremap read it, on any node, through the
// DSM like any other heap memory. A block is freed by a munmap that covers it
// from its first byte; a munmap of part of a block, or of memory in the
// shared space that no mmap gave, leaves the memory as it is and succeeds
// (docs/design/dsm.md, "Memory the program maps itself"). Everything else
// (MAP_FIXED, MAP_SHARED, a descriptor, an address hint, other protections
// or flags, one rank, memory outside the shared space) is the C library's
// call. When the heap cannot serve a mapping, the C library's mmap does, as
// without Grid.

namespace {

struct MappedBlock {
  uint64_t Magic;
  uintptr_t Start; // the first byte the program got
  size_t Bytes;    // its length now, in whole pages
};
constexpr uint64_t MappedMagic = 0x50414d4d44495247; // "GRIDMMAP"

constexpr int IgnoredMapFlags = MAP_NORESERVE | MAP_POPULATE | MAP_STACK;

/// Whether the calling thread's mappings come from the heap.
inline bool heapServesMappings() {
  return grid::dsm::heapBound() || goesHome();
}

bool fromHeap(void *Address, size_t Length, int Prot, int Flags, int Fd,
              off_t Offset) {
  return !Address && Length && Length <= SIZE_MAX / 2 &&
         Prot == (PROT_READ | PROT_WRITE) &&
         (Flags & ~IgnoredMapFlags) == (MAP_PRIVATE | MAP_ANONYMOUS) &&
         Fd == -1 && Offset == 0;
}

size_t pageUp(size_t Bytes) {
  return (Bytes + PageBytes - 1) & ~(PageBytes - 1);
}

/// The whole shared space (every rank's slice), or the bound heap (a test's
/// range): a munmap or mremap there is never the C library's.
bool inSharedSpace(uintptr_t A) {
  using namespace grid::dsm;
  return (A >= RangeBase && A - RangeBase < size_t(MaxRanks) * SliceBytes) ||
         heapContains(reinterpret_cast<void *>(A));
}

/// Home's heap, where every block lives; reading it is safe on every node.
bool inHomeHeap(uintptr_t A) {
  using namespace grid::dsm;
  return (A >= RangeBase && A - RangeBase < SliceBytes - StackBytes) ||
         heapContains(reinterpret_cast<void *>(A));
}

/// The header of the block that starts at Address, or null.
MappedBlock *blockAt(void *Address) {
  auto A = reinterpret_cast<uintptr_t>(Address);
  if (A % PageBytes || A < PageBytes || !inHomeHeap(A - PageBytes))
    return nullptr;
  auto *B = reinterpret_cast<MappedBlock *>(A - PageBytes);
  if (B->Magic != MappedMagic || B->Start != A)
    return nullptr;
  return B;
}

/// Heap memory without the warning of an exhausted heap: a mapping the heap
/// cannot serve goes to the C library instead.
void *allocateForMapping(size_t Size) {
  if (goesHome())
    return grid::dsm::remoteHeap()->allocateZeroed(Size, PageBytes);
  int Flags = grid::dsm::heapAllocationFlags() | MALLOCX_ALIGN(PageBytes) |
              MALLOCX_ZERO;
  void *P = mallocx(Size, Flags);
  if (!P && grid::dsm::heapReclaim())
    P = mallocx(Size, Flags);
  return P;
}

void *reallocateForMapping(void *P, size_t Size) {
  if (goesHome())
    return grid::dsm::remoteHeap()->reallocate(P, Size);
  if (keptForMovedPages(P)) [[unlikely]] // copied through the DSM, kept
    return copiedFrom(P, allocateForMapping(Size), Size);
  int Flags = grid::dsm::heapAllocationFlags() | MALLOCX_ALIGN(PageBytes);
  void *Moved = rallocx(P, Size, Flags);
  if (!Moved && grid::dsm::heapReclaim())
    Moved = rallocx(P, Size, Flags);
  return Moved;
}

void *mapFromHeap(size_t Length) {
  size_t Bytes = pageUp(Length);
  auto *Base = static_cast<std::byte *>(allocateForMapping(Bytes + PageBytes));
  if (!Base)
    return nullptr;
  auto *B = reinterpret_cast<MappedBlock *>(Base);
  B->Start = reinterpret_cast<uintptr_t>(Base + PageBytes);
  B->Bytes = Bytes;
  B->Magic = MappedMagic;
  return Base + PageBytes;
}

void *remapBlock(MappedBlock *B, size_t NewLength, int Flags) {
  size_t Bytes = pageUp(NewLength);
  auto *Start = reinterpret_cast<std::byte *>(B->Start);
  if (Bytes <= B->Bytes) {
    // The pages cut off stay allocated until the block is unmapped.
    B->Bytes = Bytes;
    return Start;
  }
  void *Base = B;
  size_t Usable = usableSize(Base) - PageBytes;
  if (Bytes <= Usable) {
    std::memset(Start + B->Bytes, 0, Bytes - B->Bytes);
    B->Bytes = Bytes;
    return Start;
  }
  if (!(Flags & MREMAP_MAYMOVE)) {
    errno = ENOMEM;
    return MAP_FAILED;
  }
  size_t Old = B->Bytes;
  auto *Moved =
      static_cast<std::byte *>(reallocateForMapping(Base, Bytes + PageBytes));
  if (!Moved) {
    errno = ENOMEM;
    return MAP_FAILED;
  }
  if (reinterpret_cast<uintptr_t>(Moved) % PageBytes) {
    // Home's realloc keeps no alignment it was not asked for (it does keep
    // it for these sizes); copy into an aligned block then.
    auto *Aligned =
        static_cast<std::byte *>(allocateForMapping(Bytes + PageBytes));
    if (Aligned)
      std::memcpy(Aligned, Moved, Old + PageBytes);
    deallocate(Moved);
    if (!Aligned) {
      errno = ENOMEM;
      return MAP_FAILED;
    }
    Moved = Aligned;
  }
  B = reinterpret_cast<MappedBlock *>(Moved);
  B->Start = reinterpret_cast<uintptr_t>(Moved + PageBytes);
  std::memset(Moved + PageBytes + Old, 0, Bytes - Old);
  B->Bytes = Bytes;
  return Moved + PageBytes;
}

void *remap(void *Old, size_t OldLength, size_t NewLength, int Flags,
            void *NewAddress) {
  if (!heapServesMappings() || !inSharedSpace(reinterpret_cast<uintptr_t>(Old)))
    return ::mremap(Old, OldLength, NewLength, Flags, NewAddress);
  MappedBlock *B = blockAt(Old);
  // Only a whole block, moved where the heap likes: MREMAP_FIXED and
  // MREMAP_DONTUNMAP name places the heap cannot give.
  if (!B || pageUp(OldLength) != B->Bytes || NewLength == 0 ||
      NewLength > SIZE_MAX / 2 || (Flags & ~MREMAP_MAYMOVE)) {
    errno = EINVAL;
    return MAP_FAILED;
  }
  return remapBlock(B, NewLength, Flags);
}

void *fixedAddress(int Flags, va_list Args) {
  return (Flags & MREMAP_FIXED) ? va_arg(Args, void *) : nullptr;
}

} // namespace

GRID_EXPORT void *__grid_mmap(const __grid_site *, void *Address, size_t Length,
                              int Prot, int Flags, int Fd, off_t Offset) {
  if (heapServesMappings() &&
      fromHeap(Address, Length, Prot, Flags, Fd, Offset))
    if (void *P = mapFromHeap(Length))
      return P;
  // A thread on another node names home's descriptors: mapping one here
  // would map the agent's (docs/design/remote-io.md).
  if (grid::api::io::remoteCaller() && !(Flags & MAP_ANONYMOUS)) {
    errno = ENODEV;
    return MAP_FAILED;
  }
  return ::mmap(Address, Length, Prot, Flags, Fd, Offset);
}

GRID_EXPORT int __grid_munmap(const __grid_site *, void *Address,
                              size_t Length) {
  auto A = reinterpret_cast<uintptr_t>(Address);
  if (!heapServesMappings() || !inSharedSpace(A))
    return ::munmap(Address, Length);
  if (A % PageBytes || Length == 0) {
    errno = EINVAL;
    return -1;
  }
  if (MappedBlock *B = blockAt(Address); B && pageUp(Length) >= B->Bytes) {
    B->Magic = 0;
    deallocate(B);
  }
  return 0;
}

GRID_EXPORT void *__grid_mremap(const __grid_site *, void *Old,
                                size_t OldLength, size_t NewLength, int Flags,
                                ...) {
  va_list Args;
  va_start(Args, Flags);
  void *NewAddress = fixedAddress(Flags, Args);
  va_end(Args);
  return remap(Old, OldLength, NewLength, Flags, NewAddress);
}

// abi.h spells the va_list `struct __va_list_tag *`, a type of its own in
// C++; it is the caller's va_list (as in api/EntryPoints.cpp).
GRID_EXPORT void *__grid_vmremap(const __grid_site *, void *Old,
                                 size_t OldLength, size_t NewLength, int Flags,
                                 __grid_type_VaList Args) {
  void *NewAddress =
      fixedAddress(Flags, reinterpret_cast<std::decay_t<va_list>>(Args));
  return remap(Old, OldLength, NewLength, Flags, NewAddress);
}
