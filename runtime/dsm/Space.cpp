//===- dsm/Space.cpp - The address space shared by a job's ranks ----------===//

#include "dsm/Space.h"

#include "core/Core.h"
#include "sync/Sync.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <link.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

namespace grid::dsm {

namespace {
constexpr uintptr_t PB = FaultRange::PageBytes;
// The directory of moved pages: an entry per page of rank 0's heap.
constexpr size_t MovesBytes =
    (SliceBytes - StackBytes) / PB * sizeof(std::atomic<uint16_t>);

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

// Calls Fn(relocation, symbol table, string table) for each relocation of
// an object's DT_RELA table. glibc has already relocated the pointers of the
// dynamic section it keeps in writable memory; one that it did not is taken as
// an offset.
template <typename F> void forEachRela(const dl_phdr_info *Info, F &&Fn) {
  uintptr_t Bias = Info->dlpi_addr;
  auto Absolute = [Bias](uintptr_t V) { return V < Bias ? V + Bias : V; };
  const ElfW(Dyn) *Dynamic = nullptr;
  for (int I = 0; I < Info->dlpi_phnum; ++I)
    if (Info->dlpi_phdr[I].p_type == PT_DYNAMIC)
      Dynamic = reinterpret_cast<const ElfW(Dyn) *>(Bias +
                                                    Info->dlpi_phdr[I].p_vaddr);
  if (!Dynamic)
    return;
  uintptr_t Rela = 0, Symbols = 0, Strings = 0;
  size_t RelaBytes = 0, RelaEntry = sizeof(ElfW(Rela));
  for (const ElfW(Dyn) *D = Dynamic; D->d_tag != DT_NULL; ++D) {
    if (D->d_tag == DT_RELA)
      Rela = Absolute(D->d_un.d_ptr);
    else if (D->d_tag == DT_RELASZ)
      RelaBytes = D->d_un.d_val;
    else if (D->d_tag == DT_RELAENT)
      RelaEntry = D->d_un.d_val;
    else if (D->d_tag == DT_SYMTAB)
      Symbols = Absolute(D->d_un.d_ptr);
    else if (D->d_tag == DT_STRTAB)
      Strings = Absolute(D->d_un.d_ptr);
  }
  if (!Rela || !Symbols || !Strings || RelaEntry < sizeof(ElfW(Rela)))
    return;
  for (size_t At = 0; At + sizeof(ElfW(Rela)) <= RelaBytes; At += RelaEntry)
    Fn(*reinterpret_cast<const ElfW(Rela) *>(Rela + At),
       reinterpret_cast<const ElfW(Sym) *>(Symbols),
       reinterpret_cast<const char *>(Strings));
}

using Copies = std::vector<std::pair<uintptr_t, size_t>>;

// The C library's objects that the executable may hold copies of
// (R_X86_64_COPY: code built without -fPIC, such as GCC's PIE or any
// -no-pie build, reading `environ` directly), and that are the process's
// own state rather than the program's: pointers into its own memory (its
// environment, its name in its arguments, the time zone's names) that the
// C library itself changes (setenv, tzset). Every library reaches such an
// object through its GOT, at the executable's copy. Others (stdout,
// optind) are the program's, and stay shared with home.
bool processState(const char *Name) {
  static constexpr const char *Names[] = {"environ",
                                          "__environ",
                                          "_environ",
                                          "tzname",
                                          "__tzname",
                                          "timezone",
                                          "__timezone",
                                          "daylight",
                                          "__daylight",
                                          "program_invocation_name",
                                          "program_invocation_short_name"};
  for (const char *N : Names)
    if (std::strcmp(Name, N) == 0)
      return true;
  return false;
}

// Those copies, as [address, bytes).
int findLibraryCopies(dl_phdr_info *Info, size_t, void *Out) {
  forEachRela(Info, [&](const ElfW(Rela) & R, const ElfW(Sym) * Symbols,
                        const char *Strings) {
    const ElfW(Sym) &Symbol = Symbols[ELF64_R_SYM(R.r_info)];
    if (ELF64_R_TYPE(R.r_info) == R_X86_64_COPY && Symbol.st_size &&
        processState(Strings + Symbol.st_name))
      static_cast<Copies *>(Out)->emplace_back(Info->dlpi_addr + R.r_offset,
                                               Symbol.st_size);
  });
  return 1; // the first object is the executable
}

struct Redirect {
  const Copies *From; // the executable's copies
  intptr_t Shift;     // from a copy's address to its stand-in's
  std::vector<Space::GotPatch> *Patched;
  size_t Seen = 0; // objects, the executable first
};

// Writes Value into a GOT slot, opening its page for the write if it lies
// in the object's RELRO part (read-only since relocation).
void writeSlot(const Space::GotPatch &P, uintptr_t Value) {
  auto *Page = reinterpret_cast<void *>(pageDown(P.Slot));
  if (P.Relro && mprotect(Page, PB, PROT_READ | PROT_WRITE) != 0)
    return;
  __atomic_store_n(reinterpret_cast<uintptr_t *>(P.Slot), Value,
                   __ATOMIC_RELAXED);
  if (P.Relro)
    mprotect(Page, PB, PROT_READ);
}

// Points every GOT slot (R_X86_64_GLOB_DAT) of the shared objects, not the
// executable, that holds the address of an object in Redirect::From at its
// stand-in, and records it.
int redirectLibraryCopies(dl_phdr_info *Info, size_t, void *Out) {
  auto *R = static_cast<Redirect *>(Out);
  if (R->Seen++ == 0)
    return 0; // the executable's own code keeps its copies
  uintptr_t RelroBegin = 0, RelroEnd = 0;
  for (int I = 0; I < Info->dlpi_phnum; ++I)
    if (Info->dlpi_phdr[I].p_type == PT_GNU_RELRO) {
      RelroBegin = pageDown(Info->dlpi_addr + Info->dlpi_phdr[I].p_vaddr);
      RelroEnd = pageDown(Info->dlpi_addr + Info->dlpi_phdr[I].p_vaddr +
                          Info->dlpi_phdr[I].p_memsz);
    }
  forEachRela(Info,
              [&](const ElfW(Rela) & Rel, const ElfW(Sym) *, const char *) {
                if (ELF64_R_TYPE(Rel.r_info) != R_X86_64_GLOB_DAT)
                  return;
                uintptr_t Slot = Info->dlpi_addr + Rel.r_offset;
                uintptr_t Value = *reinterpret_cast<const uintptr_t *>(Slot);
                for (auto [Address, Size] : *R->From) {
                  if (Value >= Address && Value < Address + Size) {
                    Space::GotPatch P{Slot, Value,
                                      pageDown(Slot) >= RelroBegin &&
                                          pageDown(Slot) < RelroEnd};
                    writeSlot(P, Value + R->Shift);
                    R->Patched->push_back(P);
                    return;
                  }
                }
              });
  return 0;
}

// A userfaultfd whose faults raise SIGBUS in the faulting thread, with
// UFFDIO_COPY and write protection of anonymous memory (Linux 5.7), or -1
// with Why set.
int openUffd(std::string *Why) {
  int Fd = static_cast<int>(
      syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY));
  if (Fd < 0) {
    *Why = std::string("userfaultfd: ") + strerror(errno);
    return -1;
  }
  uffdio_api Api = {};
  Api.api = UFFD_API;
  Api.features = UFFD_FEATURE_SIGBUS;
  if (ioctl(Fd, UFFDIO_API, &Api) != 0 ||
      !(Api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
    *Why = "this kernel's userfaultfd cannot raise signals or write-protect "
           "anonymous memory";
    close(Fd);
    return -1;
  }
  return Fd;
}

bool registerUffd(int Fd, uintptr_t Begin, uintptr_t End, std::string *Why) {
  if (End <= Begin)
    return true;
  uffdio_register Reg = {};
  Reg.range.start = Begin;
  Reg.range.len = End - Begin;
  Reg.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
  uint64_t Need = (1ULL << _UFFDIO_COPY) | (1ULL << _UFFDIO_WRITEPROTECT);
  if (ioctl(Fd, UFFDIO_REGISTER, &Reg) != 0 || (Reg.ioctls & Need) != Need) {
    *Why = std::string("UFFDIO_REGISTER (missing, write-protect): ") +
           strerror(errno);
    return false;
  }
  return true;
}

int protFor(Access A) {
  return A == Access::None   ? PROT_NONE
         : A == Access::Read ? PROT_READ
                             : PROT_READ | PROT_WRITE;
}

[[noreturn]] void failPage(const char *What, size_t Page) {
  char Line[160];
  int N = snprintf(Line, sizeof Line,
                   "grid: error: %s of shared page 0x%zx failed: %s\n", What,
                   Page * PB, strerror(errno));
  if (write(2, Line, N > 0 ? static_cast<size_t>(N) : 0) < 0) {
  }
  abort();
}
} // namespace

std::unique_ptr<Space> Space::create(unsigned Rank, unsigned Ranks,
                                     bool ShareGlobals, std::string *Error,
                                     FaultMechanism Mechanism) {
  auto Fail = [&](std::string What) -> std::unique_ptr<Space> {
    if (Error)
      *Error = std::move(What);
    return nullptr;
  };
  if (Ranks == 0 || Ranks > MaxRanks || Rank >= Ranks)
    return Fail("the shared range serves 1 to " + std::to_string(MaxRanks) +
                " ranks");
  std::unique_ptr<Space> S(new Space(Rank, Ranks));
  S->Owner = core::ownPid();
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
  // Only the entries of pages that move are ever touched.
  void *Moves = mmap(nullptr, MovesBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (Moves == MAP_FAILED)
    return Fail(std::string("mapping the pages' directory: ") +
                strerror(errno));
  S->Moves = static_cast<std::atomic<uint16_t> *>(Moves);
  if (Mechanism == FaultMechanism::Userfaultfd) {
    // Other ranks' slices become open but missing memory whose faults the
    // userfaultfd turns into SIGBUS: a fetched page is placed whole in one
    // UFFDIO_COPY, read-only by write protection, and a dropped copy is
    // simply discarded. Without userfaultfd they stay closed (SIGSEGV).
    S->Uffd = openUffd(&Why);
    uintptr_t B = RangeBase, O = reinterpret_cast<uintptr_t>(Own),
              E = RangeBase + Bytes;
    if (S->Uffd >= 0 && (mprotect(Want, O - B, PROT_READ | PROT_WRITE) != 0 ||
                         mprotect(Own + SliceBytes, E - O - SliceBytes,
                                  PROT_READ | PROT_WRITE) != 0 ||
                         !registerUffd(S->Uffd, B, O, &Why) ||
                         !registerUffd(S->Uffd, O + SliceBytes, E, &Why))) {
      close(S->Uffd); // unregisters
      S->Uffd = -1;
      mprotect(Want, O - B, PROT_NONE);
      mprotect(Own + SliceBytes, E - O - SliceBytes, PROT_NONE);
    }
  }

  if (ShareGlobals) {
    Segment G;
    dl_iterate_phdr(findGlobals, &G);
    if (G.End > G.Begin) {
      S->Globals = FaultRange::adopt(reinterpret_cast<void *>(G.Begin),
                                     G.End - G.Begin, *S, &Why);
      if (!S->Globals)
        return Fail("sharing the program's globals: " + Why);
      dl_iterate_phdr(findLibraryCopies, &S->LibraryCopies);
      std::erase_if(S->LibraryCopies, [&](auto Copy) {
        return Copy.first < G.Begin || Copy.first + Copy.second > G.End;
      });
    }
  }
  return S;
}

Space::~Space() {
  Cache.store(nullptr);
  if (Moves)
    munmap(Moves, MovesBytes);
  if (Staging)
    munmap(Staging, StagingBytes);
  if (Uffd >= 0)
    close(Uffd); // unregisters
  std::byte *Base = Range ? Range->base() : nullptr;
  size_t Bytes = Range ? Range->size() : 0;
  Globals.reset();
  Range.reset(); // an adopted range: unregisters, leaves the mapping
  if (Base)
    munmap(Base, Bytes);
}

// This rank's own slice is never registered: a page of it that moved away
// is closed with mprotect, and faults by SIGSEGV.
bool Space::viaUffd(FaultRange *R, size_t Page) const {
  if (Uffd < 0 || !R)
    return false;
  return R == Range.get() ? homeOf(Page) != Rank : GlobalsRegistered.load();
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

std::atomic<bool> PagesMovedAway{false};

std::atomic<uint16_t> *Space::moveOf(size_t Page) const {
  uintptr_t A = Page * PB;
  if (!Moves || A < RangeBase || A - RangeBase >= SliceBytes - StackBytes)
    return nullptr;
  return &Moves[(A - RangeBase) / PB];
}

size_t Space::directoryBytes() const {
  if (!Moves)
    return 0;
  // A page of entries only read maps the shared zero page, which mincore
  // calls resident: a page counts if it also holds a written entry (an
  // entry never returns to 0).
  size_t Pages = (MovesBytes + PB - 1) / PB, Written = 0;
  std::vector<unsigned char> In(Pages);
  if (mincore(Moves, MovesBytes, In.data()) != 0)
    return 0;
  constexpr size_t PerPage = PB / sizeof(std::atomic<uint16_t>);
  for (size_t Page = 0; Page < Pages; ++Page) {
    if (!(In[Page] & 1))
      continue;
    const std::atomic<uint16_t> *E = Moves + Page * PerPage;
    size_t N = std::min(PerPage, MovesBytes / sizeof *E - Page * PerPage);
    for (size_t I = 0; I < N; ++I)
      if (E[I].load(std::memory_order_relaxed) != 0) {
        ++Written;
        break;
      }
  }
  return Written * PB;
}

unsigned Space::dataHomeOf(size_t Page) const {
  if (std::atomic<uint16_t> *M = moveOf(Page))
    if (uint16_t V = M->load(std::memory_order_acquire))
      return V & 0x3fff;
  return homeOf(Page);
}

bool Space::moving(size_t Page) const {
  std::atomic<uint16_t> *M = moveOf(Page);
  return M && (M->load(std::memory_order_acquire) & OnItsWay);
}

bool Space::movable(size_t Page) const {
  std::atomic<uint16_t> *M = moveOf(Page);
  return M && Page * PB - RangeBase < (size_t(1) << 30) &&
         M->load(std::memory_order_acquire) == 0;
}

void Space::pin(size_t Page) {
  std::atomic<uint16_t> *M = moveOf(Page);
  uint16_t Now = 0;
  if (M && M->load(std::memory_order_relaxed) == 0)
    M->compare_exchange_strong(Now, static_cast<uint16_t>(Arrived | Rank));
}

bool Space::startMoving(size_t Page, unsigned Node) {
  std::atomic<uint16_t> *M = moveOf(Page);
  uint16_t Now = 0;
  if (!M ||
      !M->compare_exchange_strong(Now, static_cast<uint16_t>(OnItsWay | Node)))
    return false;
  if (Rank == 0 && Node != 0)
    PagesMovedAway.store(true, std::memory_order_relaxed);
  return true;
}

void Space::setDataHome(size_t Page, unsigned Node, bool Moving) {
  if (std::atomic<uint16_t> *M = moveOf(Page))
    M->store(static_cast<uint16_t>((Moving ? OnItsWay : Arrived) | Node),
             std::memory_order_release);
}

void Space::closeOwn(size_t First, size_t Count, Access A) {
  if (mprotect(address(First), Count * PB, protFor(A)) != 0)
    failPage("closing a page given away", First);
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
  if (!Handled)
    if (OwnFaultHook Hook = OwnHook.load(std::memory_order_acquire))
      Hook(PageAddress); // may not return
  return Handled;
}

std::byte *Space::address(size_t Page) {
  return reinterpret_cast<std::byte *>(Page * PB);
}

// Home pages are read-write in the program's view; a cached page is only
// read through here while it is readable.
std::byte *Space::writable(size_t Page) { return address(Page); }

std::byte *Space::stage(size_t Page) { return stageRun(Page, 1); }

std::byte *Space::stageRun(size_t Page, size_t Count) {
  // Under signals the staging pages move into place, so new ones are made
  // each time; under userfaultfd the buffer stays and is copied from.
  size_t Bytes = (Uffd >= 0 ? MaxRun : 1) * PB;
  if (!Staging) {
    void *P = mmap(nullptr, Bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    Staging = P == MAP_FAILED ? nullptr : static_cast<std::byte *>(P);
    StagingBytes = Bytes;
  }
  if (!Staging) {
    if (Uffd >= 0)
      failPage("staging a fetch", Page);
    return address(Page); // no memory: protect() opens the page in place
  }
  if (Count * PB > Bytes)
    failPage("staging a run", Page);
  StagedPage = Page;
  return Staging;
}

size_t Space::maxRun(size_t Page) {
  // A run needs the buffer userfaultfd's staging keeps. Pages of this
  // rank's own slice that moved away come one at a time: each would be an
  // mremap of its own (and a TLB shootdown), and the whole run dropped at
  // the next acquire, an mprotect each.
  if (Uffd < 0 || homeOf(Page) == Rank)
    return 1;
  uintptr_t A = Page * PB, End;
  if (Range->contains(reinterpret_cast<void *>(A))) {
    uintptr_t Slice = pageDown(A - RangeBase) / SliceBytes * SliceBytes;
    End = RangeBase + Slice + (SliceBytes - StackBytes);
    if (A >= End)
      return 1; // a stack part
  } else if (Globals && GlobalsRegistered &&
             Globals->contains(reinterpret_cast<void *>(A))) {
    End = reinterpret_cast<uintptr_t>(Globals->base()) + Globals->size();
  } else {
    return 1;
  }
  return std::min<size_t>(MaxRun, (End - A) / PB);
}

void Space::placeRun(size_t First, size_t Count, Access A) {
  // The pages after the staged one, in one copy.
  if (Uffd < 0 || StagedPage != First - 1 || Count + 1 > MaxRun)
    failPage("placing a run", First);
  if (!viaUffd(rangeOf(First), First)) {
    // Pages of the own slice, back from their new home: each staging page
    // moves into place (protect() of the first unmaps the buffer's rest).
    for (size_t I = 0; I < Count; ++I) {
      std::byte *From = Staging + (I + 1) * PB;
      if (mprotect(From, PB, protFor(A)) != 0 ||
          mremap(From, PB, PB, MREMAP_MAYMOVE | MREMAP_FIXED,
                 address(First + I)) == MAP_FAILED)
        failPage("placing a fetched run", First + I);
    }
    return;
  }
  uffdio_copy Copy = {};
  Copy.dst = reinterpret_cast<uintptr_t>(address(First));
  Copy.src = reinterpret_cast<uintptr_t>(Staging + PB);
  Copy.len = Count * PB;
  Copy.mode = A == Access::Read ? UFFDIO_COPY_MODE_WP : 0;
  if (ioctl(Uffd, UFFDIO_COPY, &Copy) != 0)
    failPage("placing a fetched run", First);
}

void Space::protectRun(size_t First, size_t Count, Access A) {
  FaultRange *R = rangeOf(First);
  if (Count > 1 && Uffd >= 0 && R && R == rangeOf(First + Count - 1) &&
      (R == Range.get() || GlobalsRegistered) && First != StagedPage &&
      homeOf(First) == homeOf(First + Count - 1) && homeOf(First) != Rank) {
    protectUffd(First, Count, A);
    return;
  }
  for (size_t I = 0; I < Count; ++I)
    protect(First + I, A);
}

void Space::protect(size_t Page, Access A) {
  FaultRange *R = rangeOf(Page);
  if (!R)
    return;
  if (viaUffd(R, Page)) {
    protectUffd(Page, 1, A);
    return;
  }
  if (Page == StagedPage) {
    StagedPage = SIZE_MAX;
    std::byte *From = Staging;
    Staging = nullptr;
    if (StagingBytes > PB) // a run's buffer (userfaultfd for the slices)
      munmap(From + PB, StagingBytes - PB);
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

// Pages of a userfaultfd range: missing (None), present and write-protected
// (Read), present and writable (ReadWrite). Nothing splits the mapping.
void Space::protectUffd(size_t Page, size_t Count, Access A) {
  auto Addr = reinterpret_cast<uintptr_t>(address(Page));
  if (Page == StagedPage) {
    StagedPage = SIZE_MAX;
    uffdio_copy Copy = {};
    Copy.dst = Addr;
    Copy.src = reinterpret_cast<uintptr_t>(Staging);
    Copy.len = PB;
    Copy.mode = A == Access::Read ? UFFDIO_COPY_MODE_WP : 0;
    if (ioctl(Uffd, UFFDIO_COPY, &Copy) != 0)
      failPage("placing a fetched copy", Page);
    return;
  }
  if (A == Access::None) {
    if (homeOf(Page) != Rank &&
        madvise(address(Page), Count * PB, MADV_DONTNEED) != 0)
      failPage("dropping a copy", Page);
    return;
  }
  uffdio_writeprotect W = {};
  W.range.start = Addr;
  W.range.len = Count * PB;
  W.mode = A == Access::Read ? UFFDIO_WRITEPROTECT_MODE_WP : 0;
  if (ioctl(Uffd, UFFDIO_WRITEPROTECT, &W) != 0)
    failPage("write-protecting", Page);
}

// The rank's own pages of the globals move to Save (as long), mapping by
// mapping, leaving closed memory in their place (MREMAP_DONTUNMAP, Linux
// 5.13 for file mappings): constant time, where a copy costs a page fault
// per page. False, with nothing moved, where the kernel refuses.
bool Space::moveGlobalsAside() {
  auto Begin = reinterpret_cast<uintptr_t>(Globals->base());
  uintptr_t End = Begin + Globals->size();
  std::vector<std::pair<uintptr_t, uintptr_t>> Pieces;
  if (FILE *Maps = std::fopen("/proc/self/maps", "r")) {
    unsigned long Low, High;
    char Line[512];
    while (std::fgets(Line, sizeof Line, Maps))
      if (std::sscanf(Line, "%lx-%lx", &Low, &High) == 2 && High > Begin &&
          Low < End)
        Pieces.emplace_back(std::max<uintptr_t>(Low, Begin),
                            std::min<uintptr_t>(High, End));
    std::fclose(Maps);
  }
  if (Pieces.empty())
    return false;
  void *Save = mmap(nullptr, Globals->size(), PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (Save == MAP_FAILED)
    return false;
  auto *To = static_cast<std::byte *>(Save);
  mprotect(Globals->base(), Globals->size(), PROT_NONE);
  size_t Moved = 0;
  for (; Moved < Pieces.size(); ++Moved) {
    auto [Low, High] = Pieces[Moved];
    if (mremap(reinterpret_cast<void *>(Low), High - Low, High - Low,
               MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
               To + (Low - Begin)) == MAP_FAILED)
      break;
  }
  if (Moved == Pieces.size()) {
    SavedGlobals = To;
    SavedPieces = std::move(Pieces);
    return true;
  }
  for (size_t I = 0; I < Moved; ++I) { // back where they were
    auto [Low, High] = Pieces[I];
    mremap(To + (Low - Begin), High - Low, High - Low,
           MREMAP_MAYMOVE | MREMAP_FIXED, reinterpret_cast<void *>(Low));
  }
  munmap(Save, Globals->size());
  mprotect(Globals->base(), Globals->size(), PROT_READ | PROT_WRITE);
  return false;
}

void Space::closeGlobals() {
  // Other ranks fetch them from home at first touch. Their own copy is
  // kept aside for their exit (detach()): fetched pages replace it. A
  // touch meanwhile by another thread of the rank faults and waits for the
  // cache, whose lock the change holds.
  NodeCache *C = Cache.load();
  if (!Globals || Rank == 0 || GlobalsClosed || !C)
    return;
  GlobalsClosed = true;
  // Outside the cache's lock: dl_iterate_phdr takes the loader's, which a
  // thread in dlopen holds while it faults.
  keepLibraryCopiesOwn();
  C->exclusive([&] { closeGlobalsLocked(); });
}

void Space::closeGlobalsLocked() {
  if (!moveGlobalsAside()) {
    OwnGlobals.reset(new std::byte[Globals->size()]);
    std::memcpy(OwnGlobals.get(), Globals->base(), Globals->size());
  }
  if (Uffd >= 0) {
    // Anonymous missing memory in their place (the executable's data is a
    // private file mapping, which userfaultfd does not serve): closed while
    // it is registered, so that another thread's touch meanwhile (libc
    // reading a copy-relocated `environ`) faults and is served, rather than
    // making a page of zeros no fault ever replaces.
    std::string Why;
    if (mmap(Globals->base(), Globals->size(), PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
             0) == Globals->base() &&
        registerUffd(Uffd, reinterpret_cast<uintptr_t>(Globals->base()),
                     reinterpret_cast<uintptr_t>(Globals->base()) +
                         Globals->size(),
                     &Why)) {
      GlobalsRegistered.store(true);
      if (mprotect(Globals->base(), Globals->size(), PROT_READ | PROT_WRITE) ==
          0)
        return;
      GlobalsRegistered.store(false); // closed: served as signals
      uffdio_range Range = {};
      Range.start = reinterpret_cast<uintptr_t>(Globals->base());
      Range.len = Globals->size();
      ioctl(Uffd, UFFDIO_UNREGISTER, &Range);
    }
  }
  mprotect(Globals->base(), Globals->size(), PROT_NONE);
}

// Closes the pages of [Begin, End) that are not in memory (mincore), in
// runs, a chunk at a time: the range may be terabytes, nearly all absent.
// (A page swapped out counts as absent and is closed too.)
void Space::closeAbsent(std::byte *Begin, std::byte *End) {
  constexpr size_t ChunkPages = 16384;
  std::vector<unsigned char> Resident(ChunkPages);
  std::byte *RunStart = nullptr; // of absent pages not yet closed
  for (std::byte *Chunk = Begin; Chunk < End; Chunk += ChunkPages * PB) {
    size_t Pages = std::min<size_t>(ChunkPages, (End - Chunk) / PB);
    if (mincore(Chunk, Pages * PB, Resident.data()) != 0)
      std::fill(Resident.begin(), Resident.begin() + Pages, 0);
    for (size_t I = 0; I < Pages; ++I) {
      std::byte *Page = Chunk + I * PB;
      if (!(Resident[I] & 1)) {
        if (!RunStart)
          RunStart = Page;
      } else if (RunStart) {
        mprotect(RunStart, Page - RunStart, PROT_NONE);
        RunStart = nullptr;
      }
    }
  }
  if (RunStart)
    mprotect(RunStart, End - RunStart, PROT_NONE);
}

void Space::detach(bool CacheHeld) {
  NodeCache *Was = Cache.exchange(nullptr);
  // A fault in progress completes before the globals change under it (it
  // would place a page where nothing is registered any more). Not in a
  // fork child, where a thread that held the cache's lock does not exist.
  if (Was && core::ownPid() == Owner)
    Was->waitIdle(std::chrono::seconds(1));
  if (Uffd >= 0 && core::ownPid() != Owner) {
    // A fork child: its copy of the userfaultfd registration is gone, so
    // pages its parent did not hold would read as zeros. Closed, they
    // crash as under the signal mechanism; the copies it holds stay.
    auto *Own = Range->base() + size_t(Rank) * SliceBytes;
    closeAbsent(Range->base(), Own);
    closeAbsent(Own + SliceBytes, Range->base() + Range->size());
  }
  // The rank's own globals back, for its exit: copy-relocated library data
  // (stderr, environ) lives among them.
  if (!Globals || (!OwnGlobals && !SavedGlobals))
    return;
  if (GlobalsRegistered && core::ownPid() == Owner) {
    uffdio_range Range = {};
    Range.start = reinterpret_cast<uintptr_t>(Globals->base());
    Range.len = Globals->size();
    ioctl(Uffd, UFFDIO_UNREGISTER, &Range);
  }
  // A fork child has no registration (no UFFD_FEATURE_EVENT_FORK), and its
  // ioctls on the inherited descriptor would act on its parent's memory.
  GlobalsRegistered = false;
  if (CacheHeld && Was && core::ownPid() != Owner) {
    keepHeldGlobals(*Was);
    return;
  }
  if (SavedGlobals) {
    auto Begin = reinterpret_cast<uintptr_t>(Globals->base());
    for (auto [Low, High] : SavedPieces)
      mremap(SavedGlobals + (Low - Begin), High - Low, High - Low,
             MREMAP_MAYMOVE | MREMAP_FIXED, reinterpret_cast<void *>(Low));
    SavedGlobals = nullptr;
    mprotect(Globals->base(), Globals->size(), PROT_READ | PROT_WRITE);
  } else if (mprotect(Globals->base(), Globals->size(),
                      PROT_READ | PROT_WRITE) == 0) {
    std::memcpy(Globals->base(), OwnGlobals.get(), Globals->size());
  }
  takeLibraryCopiesBack();
}

// The C library's process state that the executable holds copies of
// (`environ`...) is the node's, but lies among the program's globals,
// which the node shares with home: its own threads reached it through
// closed pages (an agent's loop, resetting `TZ` as a thread starts, could
// not fetch the page, and the job ended). The node's libraries are given
// stand-ins with the node's own values, through their GOTs, before the
// globals close; the program's code, which reads the executable's copies
// directly, keeps home's. The stand-ins lie where the copies do in a
// mapping of the globals' size, of which only their pages are touched.
void Space::keepLibraryCopiesOwn() {
  if (LibraryCopies.empty() || StandIns)
    return;
  void *Memory = mmap(nullptr, Globals->size(), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (Memory == MAP_FAILED)
    return;
  StandIns = static_cast<std::byte *>(Memory);
  for (auto [Address, Size] : LibraryCopies)
    std::memcpy(standIn(Address), reinterpret_cast<const void *>(Address),
                Size);
  Redirect R{&LibraryCopies,
             reinterpret_cast<intptr_t>(StandIns) -
                 reinterpret_cast<intptr_t>(Globals->base()),
             &Patched};
  dl_iterate_phdr(redirectLibraryCopies, &R);
}

std::byte *Space::standIn(uintptr_t Copy) const {
  return StandIns + (Copy - reinterpret_cast<uintptr_t>(Globals->base()));
}

// As the node leaves the DSM (a fork child, its exit): its values of the
// libraries' objects go into the executable's copies, and the libraries'
// GOT slots point at the copies again, so the program's code and its
// libraries share them as without Grid (a child's setenv, say, then
// changes the environment both read). No dl_iterate_phdr here: a fork
// child may not take the loader's locks.
void Space::takeLibraryCopiesBack() {
  if (!StandIns)
    return;
  for (auto [Address, Size] : LibraryCopies)
    std::memcpy(reinterpret_cast<void *>(Address), standIn(Address), Size);
  for (const GotPatch &P : Patched)
    writeSlot(P, P.Original);
  Patched.clear();
  StandIns = nullptr; // left mapped: a thread may have read a slot
}

// A fork child's globals: the pages its node held are home's as the forking
// thread saw them (the parent's fork handler fetched what it could and held
// the cache's lock, so Held is whole), and the program reads on in them;
// the others come from the node's own globals, kept aside since they were
// closed, and the libraries' objects from their stand-ins.
void Space::keepHeldGlobals(const NodeCache &Held) {
  std::byte *Base = Globals->base();
  size_t Bytes = Globals->size();
  // The pages moved aside are closed (moveGlobalsAside closes them first).
  const std::byte *Own = SavedGlobals ? SavedGlobals : OwnGlobals.get();
  if (mprotect(Base, Bytes, PROT_READ | PROT_WRITE) != 0 ||
      (SavedGlobals && mprotect(SavedGlobals, Bytes, PROT_READ) != 0))
    return;
  for (size_t Offset = 0; Offset < Bytes; Offset += PB)
    if (Held.access(reinterpret_cast<uintptr_t>(Base + Offset) / PB) ==
        Access::None)
      std::memcpy(Base + Offset, Own + Offset, PB);
  takeLibraryCopiesBack();
  if (SavedGlobals)
    munmap(SavedGlobals, Bytes);
  SavedGlobals = nullptr;
  OwnGlobals.reset();
}

} // namespace grid::dsm
