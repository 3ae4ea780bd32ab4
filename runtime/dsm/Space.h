//===- dsm/Space.h - The address space shared by a job's ranks --*- C++ -*-===//
//
// DESIGN.md §6: one range at the same address on every rank of a job, one
// slice per rank, plus the executable's writable globals, all kept coherent
// by a NodeCache (dsm/Coherence.h). A pointer into either is valid on every
// node, so a thread started elsewhere can be given it.
//
//  - The range starts at RangeBase; rank r's slice is SliceBytes long from
//    RangeBase + r * SliceBytes. The slice's low part is the rank's heap
//    (dsm/Heap.h binds the allocator to it), its top StackBytes the stacks
//    of threads the rank runs (and, at home, the stack main runs on).
//  - The executable's writable globals (the writable PT_LOAD segment above
//    its RELRO part) are homed at rank 0: home keeps them as they are,
//    other ranks close them.
//  - Page numbers are addresses >> 12, so one cache covers both.
// All of it is ordinary private memory, so fork() gives a child a copy of
// what its parent holds, as without Grid (a child does not take part in the
// DSM: its faults on pages it never had are plain crashes). A page fetched
// from its home is written into a staging page and moved into place with
// mremap(), so no other thread of the node sees it half written.
// Nothing here speaks MPI: the job's HomeStore is given by the caller
// (threads/, over the cluster's messages).
//===----------------------------------------------------------------------===//
#ifndef GRID_DSM_SPACE_H
#define GRID_DSM_SPACE_H

#include "dsm/Coherence.h"
#include "dsm/Faults.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <vector>

namespace grid::dsm {

inline constexpr uintptr_t RangeBase = 0x200000000000; // 32 TiB
inline constexpr size_t SliceBytes = size_t(4) << 30;  // per rank
inline constexpr size_t StackBytes = size_t(1) << 30;  // top of each slice
inline constexpr unsigned MaxRanks = 256;

/// Home: whether a page of its heap ever moved to another node (home
/// migration). Until then freeing and reallocating pay one relaxed load.
extern std::atomic<bool> PagesMovedAway;

class Space final : public FaultHandler, public PageAccess {
public:
  /// Maps the range for Rank of Ranks (its own slice read-write, the others
  /// closed) and, if ShareGlobals, the executable's writable globals (home:
  /// as they are; other ranks: closed). Null with Error set on failure.
  /// Mechanism Uffd: other ranks' pages are missing memory of a
  /// userfaultfd that raises SIGBUS (a fetch is one UFFDIO_COPY, read-only
  /// copies are write-protected), falling back to Signal (closed pages,
  /// SIGSEGV, mprotect) where the kernel cannot.
  static std::unique_ptr<Space>
  create(unsigned Rank, unsigned Ranks, bool ShareGlobals, std::string *Error,
         FaultMechanism Mechanism = FaultMechanism::Userfaultfd);
  ~Space() override;

  unsigned rank() const { return Rank; }
  unsigned ranks() const { return Ranks; }
  /// The rank Page (an address >> 12) belongs to: its slice's rank, or 0
  /// for the globals. Its objects (locks, atomics) are served there, and
  /// its memory is that rank's heap or stacks, wherever the page's master
  /// copy has moved.
  unsigned homeOf(size_t Page) const;
  /// The rank whose copy of Page is the master. A page of rank 0's heap
  /// moves to the node that rewrites it (home migration,
  /// docs/design/dsm.md); every other page's is homeOf's.
  unsigned dataHomeOf(size_t Page) const;
  /// Whether Page is on its way to another home: fetches and diffs wait.
  bool moving(size_t Page) const;
  /// Whether Page may still move: a page of the first GiB of rank 0's heap
  /// (the most home's grant looks up, dsm::heapPageOfOneBlock), never moved
  /// nor pinned. Home also grants only a page of one block (of 16 KiB or
  /// more), which a node cannot tell.
  bool movable(size_t Page) const;
  /// Page's entry in the directory of moved pages, or null: Page is not in
  /// rank 0's heap, and never moves.
  std::atomic<uint16_t> *moveOf(size_t Page) const;
  /// The bytes of the directory in memory: only the entries of pages that
  /// were pinned or moved are ever written (issue 5's metadata figure).
  size_t directoryBytes() const;
  /// Keeps Page where it is if it has not moved (a page holding a lock).
  void pin(size_t Page);
  /// Marks Page on its way to Node if it is still movable (no pin came
  /// between the test and the move); false otherwise.
  bool startMoving(size_t Page, unsigned Node);
  /// Records Page's master copy at Node, arrived or (Moving) on its way.
  void setDataHome(size_t Page, unsigned Node, bool Moving);
  /// Protects Count pages of this rank's own slice from First in its view,
  /// as home gives them away (its loop: no cache state is involved).
  void closeOwn(size_t First, size_t Count, Access A);
  bool contains(const void *P) const;

  /// This rank's heap part of its slice.
  std::byte *heapBase() const;
  size_t heapBytes() const { return SliceBytes - StackBytes; }
  /// The executable's shared globals ([begin, end), empty if not shared).
  std::pair<std::byte *, std::byte *> globals() const;

  /// A stack of Bytes (rounded up by stackBytes) from this rank's stack
  /// part, or null when it is exhausted; freeStack makes it reusable.
  void *allocateStack(size_t Bytes);
  void freeStack(void *Stack, size_t Bytes);
  /// The size of the stack allocateStack gives for Bytes: whole pages, at
  /// least 64 KiB.
  static size_t stackBytes(size_t Bytes);
  /// This rank's stack part of its slice ([begin, end)).
  std::pair<std::byte *, std::byte *> stackPart() const;

  /// Called (on the faulting thread, in its signal handler) with a fault
  /// the space does not serve: a closed page of this rank's own, such as a
  /// stack's guard page. It may end the program with a message; if it
  /// returns, the fault goes to the program's handler as usual.
  using OwnFaultHook = void (*)(void *PageAddress);
  void setOwnFaultHook(OwnFaultHook Hook) { OwnHook.store(Hook); }

  /// The cache that faults go to (created by the caller over its store).
  void attach(NodeCache *C) { Cache.store(C); }
  NodeCache *cache() const { return Cache.load(); }

  // FaultHandler
  bool onFault(void *PageAddress, bool Write) override;
  // PageAccess (pages are addresses >> 12)
  std::byte *address(size_t Page) override;
  std::byte *writable(size_t Page) override;
  void protect(size_t Page, Access A) override;
  std::byte *stage(size_t Page) override;
  /// Under userfaultfd: up to MaxRun pages of one heap, or of the globals
  /// (a stack part has guard pages at its home: no read-ahead there).
  size_t maxRun(size_t Page) override;
  std::byte *stageRun(size_t Page, size_t Count) override;
  void placeRun(size_t First, size_t Count, Access A) override;
  void protectRun(size_t First, size_t Count, Access A) override;
  static constexpr size_t MaxRun = 16;
  /// The mechanism in use: Uffd, or Signal (asked for, or the fallback).
  FaultMechanism mechanism() const {
    return Uffd >= 0 ? FaultMechanism::Userfaultfd : FaultMechanism::Signal;
  }

  /// Other ranks than home: closes the globals, so that the next access
  /// fetches them from home. Done when the first thread arrives, not at
  /// start: until then the runtime may run the program's code (template
  /// instances the C++ library binds to) without waiting for home.
  void closeGlobals();

  /// Stops taking part in the DSM (a fork child, an agent at exit): faults
  /// are no longer served, and closed globals are opened with the rank's
  /// own contents. A fork child whose parent held the cache's lock across
  /// the fork (CacheHeld: NodeCache::holdRangeForFork) keeps instead the
  /// pages of the globals its node held, home's; the others are the
  /// rank's own. Either way the C library's process state copied into
  /// the executable (R_X86_64_COPY: `environ`...), for which the rank's
  /// libraries use stand-ins while the globals are closed, takes the
  /// rank's values, and the libraries read it there again.
  void detach(bool CacheHeld = false);

private:
  Space(unsigned Rank, unsigned Ranks) : Rank(Rank), Ranks(Ranks) {}
  FaultRange *rangeOf(size_t Page) const;
  /// Whether Page's protection is userfaultfd's (another rank's slice, or
  /// registered globals) rather than mprotect's.
  bool viaUffd(FaultRange *R, size_t Page) const;
  void protectUffd(size_t Page, size_t Count, Access A);
  bool moveGlobalsAside();
  static void closeAbsent(std::byte *Begin, std::byte *End);
  void closeGlobalsLocked();
  void keepHeldGlobals(const NodeCache &Held);

public:
  /// A GOT slot of a library pointed at a stand-in, with the address it
  /// held (an object in the executable) and whether it lies in RELRO.
  struct GotPatch {
    uintptr_t Slot;
    uintptr_t Original;
    bool Relro;
  };

private:
  void keepLibraryCopiesOwn();
  void takeLibraryCopiesBack();
  std::byte *standIn(uintptr_t Copy) const;

  unsigned Rank, Ranks;
  std::unique_ptr<FaultRange> Range;   // RangeBase, Ranks slices
  std::unique_ptr<FaultRange> Globals; // the executable's, or null
  // Other ranks' own globals while closed: moved aside (SavedGlobals, the
  // mappings' pieces as [low, high) at their own addresses), else a copy.
  std::unique_ptr<std::byte[]> OwnGlobals;
  std::byte *SavedGlobals = nullptr;
  std::vector<std::pair<uintptr_t, uintptr_t>> SavedPieces;
  bool GlobalsClosed = false;
  // The C library's process state copied into the globals (environ...),
  // [address, bytes), and (other ranks, once the globals closed) the
  // node's own values of it, which its libraries use instead until the
  // node leaves the DSM: a mapping as large as the globals, each stand-in
  // where its copy lies in them (standIn).
  std::vector<std::pair<uintptr_t, size_t>> LibraryCopies;
  std::byte *StandIns = nullptr;
  std::vector<GotPatch> Patched; // the slots pointed at the stand-ins
  std::atomic<NodeCache *> Cache{nullptr};
  std::atomic<OwnFaultHook> OwnHook{nullptr};
  std::byte *Staging = nullptr; // under the cache's lock
  size_t StagedPage = SIZE_MAX;
  int Uffd = -1;   // other slices (and closed globals)
  pid_t Owner = 0; // the process Uffd acts on
  std::atomic<bool> GlobalsRegistered{false}; // closed globals are Uffd's
  // Where pages of rank 0's heap moved: 0 (not moved), Arrived | rank, or
  // OnItsWay | rank, one entry per page, mapped untouched (NORESERVE).
  std::atomic<uint16_t> *Moves = nullptr;
  static constexpr uint16_t Arrived = 0x4000, OnItsWay = 0x8000;
  size_t StagingBytes = 0;

  std::mutex StackMutex;
  uintptr_t StackLow = 0; // stacks are carved downwards from the slice top
  std::vector<std::pair<void *, size_t>> FreeStacks;
};

} // namespace grid::dsm

#endif // GRID_DSM_SPACE_H
