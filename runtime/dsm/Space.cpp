//===- dsm/Space.cpp - The address space shared by a job's ranks ----------===//

#include "dsm/Space.h"

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
                                     bool ShareGlobals, std::string *Error,
                                     FaultMechanism M) {
  auto Fail = [&](std::string What) -> std::unique_ptr<Space> {
    if (Error)
      *Error = std::move(What);
    return nullptr;
  };
  if (Ranks == 0 || Ranks > MaxRanks || Rank >= Ranks)
    return Fail("the shared range serves 1 to " + std::to_string(MaxRanks) +
                " ranks");
  std::unique_ptr<Space> S(new Space(Rank, Ranks));
  std::string Why;
  // Reserve first without replacing anything: the address must be free on
  // every rank (address-space randomisation is off, so it is, unless the
  // program mapped something there itself).
  size_t Bytes = size_t(Ranks) * SliceBytes;
  void *Want = reinterpret_cast<void *>(RangeBase);
  void *Got = mmap(
      Want, Bytes, PROT_NONE,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
  if (Got != Want) {
    int E = errno;
    if (Got != MAP_FAILED)
      munmap(Got, Bytes);
    return Fail("cannot reserve the shared range at 0x" + [] {
      char B[32];
      snprintf(B, sizeof B, "%lx", static_cast<unsigned long>(RangeBase));
      return std::string(B);
    }() + ": " + strerror(E));
  }
  S->Range = FaultRange::create(Bytes, *S, M, Want, &Why);
  if (!S->Range) {
    munmap(Want, Bytes);
    return Fail("the shared range: " + Why);
  }
  std::byte *Own = S->Range->base() + size_t(Rank) * SliceBytes;
  if (!S->Range->protect(Own, SliceBytes / PB, PROT_READ | PROT_WRITE))
    return Fail(std::string("opening this rank's slice: ") + strerror(errno));
  S->StackLow = reinterpret_cast<uintptr_t>(Own) + SliceBytes;

  if (ShareGlobals) {
    Segment G;
    dl_iterate_phdr(findGlobals, &G);
    if (G.End > G.Begin) {
      size_t GBytes = G.End - G.Begin;
      std::unique_ptr<std::byte[]> Saved;
      if (Rank == 0) {
        Saved.reset(new std::byte[GBytes]);
        std::memcpy(Saved.get(), reinterpret_cast<void *>(G.Begin), GBytes);
      }
      // From here until the copy back, nothing may touch the executable's
      // globals: only this thread runs, and it runs the runtime's code.
      S->Globals = FaultRange::create(GBytes, *S, M,
                                      reinterpret_cast<void *>(G.Begin), &Why);
      if (!S->Globals)
        return Fail("sharing the program's globals: " + Why);
      if (Rank == 0) {
        std::memcpy(S->Globals->writable(S->Globals->base()), Saved.get(),
                    GBytes);
        if (!S->Globals->protect(S->Globals->base(), GBytes / PB,
                                 PROT_READ | PROT_WRITE))
          return Fail(std::string("opening the globals: ") + strerror(errno));
      }
    }
  }
  return S;
}

Space::~Space() = default;

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

void *Space::allocateStack(size_t Bytes) {
  Bytes = pageUp(std::max<size_t>(Bytes, 16 * PB));
  std::lock_guard<std::mutex> Lock(StackMutex);
  for (auto It = FreeStacks.begin(); It != FreeStacks.end(); ++It)
    if (It->second == Bytes) {
      void *S = It->first;
      FreeStacks.erase(It);
      return S;
    }
  uintptr_t Floor = reinterpret_cast<uintptr_t>(heapBase()) + heapBytes();
  if (StackLow - Floor < Bytes)
    return nullptr;
  StackLow -= Bytes;
  return reinterpret_cast<void *>(StackLow);
}

void Space::freeStack(void *Stack, size_t Bytes) {
  Bytes = pageUp(std::max<size_t>(Bytes, 16 * PB));
  std::lock_guard<std::mutex> Lock(StackMutex);
  FreeStacks.emplace_back(Stack, Bytes);
}

bool Space::onFault(void *PageAddress, bool Write) {
  NodeCache *C = Cache;
  if (!C)
    return false;
  return C->fault(reinterpret_cast<uintptr_t>(PageAddress) / PB, Write);
}

std::byte *Space::address(size_t Page) {
  return reinterpret_cast<std::byte *>(Page * PB);
}

std::byte *Space::writable(size_t Page) {
  FaultRange *R = rangeOf(Page);
  return R ? R->writable(address(Page)) : nullptr;
}

void Space::protect(size_t Page, Access A) {
  if (FaultRange *R = rangeOf(Page))
    R->protect(address(Page), 1,
               A == Access::None   ? PROT_NONE
               : A == Access::Read ? PROT_READ
                                   : PROT_READ | PROT_WRITE);
}

} // namespace grid::dsm
