//===- dsm/Space.cpp - The address space shared by a job's ranks ----------===//

#include "dsm/Space.h"

#include "sync/Sync.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <link.h>
#include <sys/mman.h>

namespace grid::dsm {

namespace {
constexpr uintptr_t PB = FaultRange::PageBytes;

uintptr_t pageDown(uintptr_t A) { return A & ~(PB - 1); }
uintptr_t pageUp(uintptr_t A) { return (A + PB - 1) & ~(PB - 1); }

struct Segment {
  uintptr_t Begin = 0, End = 0;
};

// The executable's writable pages that stay writable after relocation: the
// writable PT_LOAD segment without its RELRO part. glibc makes read-only only
// the whole pages of RELRO, so a page RELRO ends inside stays writable and
// belongs here.
int findGlobals(dl_phdr_info *Info, size_t, void *Out) {
  auto *S = static_cast<Segment *>(Out);
  uintptr_t LoadBegin = 0, LoadEnd = 0, RelroEnd = 0;
  for (int I = 0; I < Info->dlpi_phnum; ++I) {
    const ElfW(Phdr) &P = Info->dlpi_phdr[I];
    uintptr_t Begin = Info->dlpi_addr + P.p_vaddr;
    if (P.p_type == PT_LOAD && (P.p_flags & PF_W) && !LoadEnd) {
      LoadBegin = Begin;
      LoadEnd = Begin + P.p_memsz;
    } else if (P.p_type == PT_GNU_RELRO) {
      RelroEnd = Begin + P.p_memsz;
    }
  }
  if (LoadEnd) {
    uintptr_t Begin = pageDown(LoadBegin);
    if (RelroEnd > LoadBegin && RelroEnd <= LoadEnd)
      Begin = pageDown(RelroEnd);
    S->Begin = Begin;
    S->End = pageUp(LoadEnd);
  }
  return 1; // the first object is the executable
}
} // namespace

std::unique_ptr<Space> Space::create(unsigned Rank, unsigned Ranks,
                                     bool ShareGlobals, std::string *Error) {
  auto Fail = [&](std::string What) -> std::unique_ptr<Space> {
    if (Error)
      *Error = std::move(What);
    return nullptr;
  };
  if (Ranks == 0 || Ranks > MaxRanks || Rank >= Ranks)
    return Fail("the shared range serves 1 to " + std::to_string(MaxRanks) +
                " ranks");
  std::unique_ptr<Space> S(new Space(Rank, Ranks));
  // The address must be free on every rank: address-space randomisation is
  // off, so it is, unless the program mapped something there itself.
  size_t Bytes = size_t(Ranks) * SliceBytes;
  void *Want = reinterpret_cast<void *>(RangeBase);
  void *Got = mmap(
      Want, Bytes, PROT_NONE,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
  if (Got != Want) {
    int E = errno;
    if (Got != MAP_FAILED)
      munmap(Got, Bytes);
    char Where[32];
    snprintf(Where, sizeof Where, "0x%lx",
             static_cast<unsigned long>(RangeBase));
    return Fail(std::string("cannot reserve the shared range at ") + Where +
                ": " + strerror(E));
  }
  std::string Why;
  S->Range = FaultRange::adopt(Want, Bytes, *S, &Why);
  if (!S->Range) {
    munmap(Want, Bytes);
    return Fail("the shared range: " + Why);
  }
  std::byte *Own = S->Range->base() + size_t(Rank) * SliceBytes;
  if (mprotect(Own, SliceBytes, PROT_READ | PROT_WRITE) != 0)
    return Fail(std::string("opening this rank's slice: ") + strerror(errno));
  S->StackLow = reinterpret_cast<uintptr_t>(Own) + SliceBytes;

  if (ShareGlobals) {
    Segment G;
    dl_iterate_phdr(findGlobals, &G);
    if (G.End > G.Begin) {
      S->Globals = FaultRange::adopt(reinterpret_cast<void *>(G.Begin),
                                     G.End - G.Begin, *S, &Why);
      if (!S->Globals)
        return Fail("sharing the program's globals: " + Why);
    }
  }
  return S;
}

Space::~Space() {
  Cache.store(nullptr);
  if (Staging)
    munmap(Staging, PB);
  std::byte *Base = Range ? Range->base() : nullptr;
  size_t Bytes = Range ? Range->size() : 0;
  Globals.reset();
  Range.reset(); // an adopted range: unregisters, leaves the mapping
  if (Base)
    munmap(Base, Bytes);
}

FaultRange *Space::rangeOf(size_t Page) const {
  const void *P = reinterpret_cast<const void *>(Page * PB);
  if (Range && Range->contains(P))
    return Range.get();
  if (Globals && Globals->contains(P))
    return Globals.get();
  return nullptr;
}

unsigned Space::homeOf(size_t Page) const {
  uintptr_t A = Page * PB;
  if (A >= RangeBase && A - RangeBase < size_t(Ranks) * SliceBytes)
    return static_cast<unsigned>((A - RangeBase) / SliceBytes);
  return 0; // the globals
}

bool Space::contains(const void *P) const {
  return (Range && Range->contains(P)) || (Globals && Globals->contains(P));
}

std::byte *Space::heapBase() const {
  return Range->base() + size_t(Rank) * SliceBytes;
}

std::pair<std::byte *, std::byte *> Space::globals() const {
  if (!Globals)
    return {nullptr, nullptr};
  return {Globals->base(), Globals->base() + Globals->size()};
}

// Each stack has a closed guard page below it (not counted in Bytes), so an
// overflow faults (a home page: the fault is not the cache's, and the
// program dies by SIGSEGV as it would) instead of running into the next.
size_t Space::stackBytes(size_t Bytes) {
  return pageUp(std::max<size_t>(Bytes, 16 * PB));
}

std::pair<std::byte *, std::byte *> Space::stackPart() const {
  return {heapBase() + heapBytes(), heapBase() + SliceBytes};
}

void *Space::allocateStack(size_t Bytes) {
  Bytes = stackBytes(Bytes);
  std::lock_guard<std::mutex> Lock(StackMutex);
  for (auto It = FreeStacks.begin(); It != FreeStacks.end(); ++It)
    if (It->second == Bytes) {
      void *S = It->first;
      FreeStacks.erase(It);
      return S;
    }
  uintptr_t Floor = reinterpret_cast<uintptr_t>(heapBase()) + heapBytes();
  if (StackLow - Floor < Bytes + PB)
    return nullptr;
  StackLow -= Bytes + PB;
  mprotect(reinterpret_cast<void *>(StackLow), PB, PROT_NONE);
  return reinterpret_cast<void *>(StackLow + PB);
}

void Space::freeStack(void *Stack, size_t Bytes) {
  Bytes = stackBytes(Bytes);
  std::lock_guard<std::mutex> Lock(StackMutex);
  FreeStacks.emplace_back(Stack, Bytes);
}

bool Space::onFault(void *PageAddress, bool Write) {
  NodeCache *C = Cache.load(std::memory_order_acquire);
  if (!C)
    return false;
  // The cache allocates (page state, twins): on a thread of another node's
  // program that must stay here rather than go home (sync::InRuntime).
  ++sync::InRuntime;
  bool Handled = C->fault(reinterpret_cast<uintptr_t>(PageAddress) / PB, Write);
  --sync::InRuntime;
  return Handled;
}

std::byte *Space::address(size_t Page) {
  return reinterpret_cast<std::byte *>(Page * PB);
}

// Home pages are read-write in the program's view; a cached page is only
// read through here while it is readable.
std::byte *Space::writable(size_t Page) { return address(Page); }

namespace {
int protFor(Access A) {
  return A == Access::None   ? PROT_NONE
         : A == Access::Read ? PROT_READ
                             : PROT_READ | PROT_WRITE;
}
} // namespace

std::byte *Space::stage(size_t Page) {
  if (!Staging) {
    void *P = mmap(nullptr, PB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    Staging = P == MAP_FAILED ? nullptr : static_cast<std::byte *>(P);
  }
  if (!Staging)
    return address(Page); // no memory: protect() opens the page in place
  StagedPage = Page;
  return Staging;
}

void Space::protect(size_t Page, Access A) {
  if (!rangeOf(Page))
    return;
  if (Page == StagedPage) {
    StagedPage = SIZE_MAX;
    std::byte *From = Staging;
    Staging = nullptr;
    if (mprotect(From, PB, protFor(A)) == 0 &&
        mremap(From, PB, PB, MREMAP_MAYMOVE | MREMAP_FIXED, address(Page)) !=
            MAP_FAILED)
      return;
    // Out of mappings (vm.max_map_count): copy in place. Other threads of
    // the node could see the page half written only if they touched it in
    // this instant without faulting, which a closed page prevents until the
    // copy below completes its mprotect.
    mprotect(address(Page), PB, PROT_READ | PROT_WRITE);
    std::memcpy(address(Page), From, PB);
    munmap(From, PB);
  }
  if (A == Access::None && homeOf(Page) != Rank) {
    // A dropped copy: a fresh closed page in its place frees its memory and
    // merges back into the reservation's mapping, so mappings and memory
    // stay bounded by the cache, not by every page ever fetched.
    mmap(address(Page), PB, PROT_NONE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    return;
  }
  mprotect(address(Page), PB, protFor(A));
}

void Space::closeGlobals() {
  // Other ranks fetch them from home at first touch. Their own copy is
  // kept aside for their exit (detach()): fetched pages replace it.
  if (!Globals || Rank == 0 || OwnGlobals)
    return;
  OwnGlobals.reset(new std::byte[Globals->size()]);
  std::memcpy(OwnGlobals.get(), Globals->base(), Globals->size());
  mprotect(Globals->base(), Globals->size(), PROT_NONE);
}

void Space::detach() {
  Cache.store(nullptr);
  // The rank's own globals back, for its exit: copy-relocated library data
  // (stderr, environ) lives among them.
  if (Globals && OwnGlobals &&
      mprotect(Globals->base(), Globals->size(), PROT_READ | PROT_WRITE) == 0)
    std::memcpy(Globals->base(), OwnGlobals.get(), Globals->size());
}

} // namespace grid::dsm
