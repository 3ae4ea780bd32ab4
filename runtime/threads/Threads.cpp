//===- threads/Threads.cpp - Threads on other nodes -----------------------===//
//
// Threads.h says what this does. How the pieces talk:
//  - A remote thread's calls and their answers travel on the line between
//    the thread and its shadow (cluster::Line), sent and received by the
//    two threads themselves; a call goes through the agent's loop (post)
//    when the loop holds something that must arrive first. Other messages
//    of program threads go through the loop.
//  - Page fetches happen in the SIGSEGV handler of the faulting thread,
//    with MPI_Get from the home's window (cluster::Windows), and a release
//    puts its diffs' runs home with MPI_Put: neither rank's loop takes part.
//    Where MPI has no windows between the ranks (Open MPI 4 over TCP), pages
//    and diffs travel as messages instead, and the faulting thread waits for
//    the loop; the loop never touches the program's view of the shared
//    space (only the always-writable one), so it never faults.
//  - A remote thread makes one call at a time, so its answers need no
//    request numbers: home answers the thread by its id.
//===----------------------------------------------------------------------===//

#include "threads/Threads.h"

#include "core/Core.h"
#include "core/NextSymbol.h"
#include "core/Slices.h"
#include "dsm/Faults.h"
#include "dsm/Heap.h"
#include "local/Threads.h"
#include "placement/NodePolicy.h"
#include "sync/Sync.h"
#include "topology/Topology.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <clocale>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <dlfcn.h>
#include <fcntl.h>
#include <ios>
#include <iterator>
#include <link.h>
#include <linux/futex.h>
#include <malloc.h>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <poll.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <utility>
#include <vector>

namespace grid::threads {

using wire::Msg;

namespace {

constexpr size_t PageBytes = dsm::PageSize;
// A remote thread's stack when its attributes ask for no size: glibc's
// default under the usual RLIMIT_STACK.
constexpr size_t RemoteStackBytes = size_t(8) << 20;

enum class Call : uint16_t {
  Sync,
  Atomic,
  Alloc,
  Free,
  Realloc,
  Usable,
  Create,
  Join,
  Detach,
  Fatal,       // the thread stops the job (remoteFatal)
  AllocZeroed, // Alloc, cleared at home (calloc, mmap)
  Io,          // a descriptor, stream or environment call (callHomeIo)
  Posted,      // a Sync or Atomic whose answer the thread does not wait for
  Settle,      // answered once every call before it is carried out
  AllocBatch,  // blocks of one small size class (a thread's stash)
  FreeBatch,   // the blocks a thread freed since its last release (posted)
};

void waitSem(sem_t *S) {
  while (sem_wait(S) != 0 && errno == EINTR) {
  }
}

using RuntimeScope = sync::InRuntimeScope;

//===----------------------------------------------------------------------===//
// The job's memory: space, cache, and the store that moves pages over MPI.
//===----------------------------------------------------------------------===//

class JobStore final : public dsm::HomeStore {
public:
  explicit JobStore(cluster::EventLoop &Loop) : Loop(Loop) {}

  dsm::Space *S = nullptr;
  /// One-sided access to every rank's slice and rank 0's globals, or null.
  std::unique_ptr<cluster::Windows> Win;

  unsigned homeOf(size_t Page) const override { return S->dataHomeOf(Page); }

  void fetch(size_t Page, std::byte *Out) override { fetchRun(Page, 1, Out); }

  size_t runLimit(size_t Page) override {
    unsigned Home = homeOf(Page);
    std::lock_guard<std::mutex> Lock(WinMutex);
    if (oneSided(Home, Page) && !(Home == 0 && HomeWindowOff))
      return SIZE_MAX;
    // As messages, each page of a run would wait for its new home's loop:
    // measured slower than a page at a time (the loop's 64 KiB answer goes
    // by rendezvous).
    return 1;
  }

  size_t fetchRun(size_t First, size_t Count, std::byte *Out) override {
    for (size_t I = 0; I < Count; ++I)
      settle(First + I);
    unsigned Home = homeOf(First);
    // Under WinMutex no page of the run starts to move: home closes a
    // moving page only once every agent has said, under it, that no call
    // is in flight (a one-sided read of a closed page never returns).
    std::unique_lock<std::mutex> Lock(WinMutex);
    size_t Run = 0;
    while (Run < Count && homeOf(First + Run) == Home &&
           !S->moving(First + Run))
      ++Run;
    if (Run == 0) { // on its way since: wait, and ask its new home
      Lock.unlock();
      return fetchRun(First, 1, Out);
    }
    if (oneSided(Home, First) && !(Home == 0 && HomeWindowOff)) {
      if (Win->get(static_cast<int>(Home), First * PageBytes, Out,
                   Run * PageBytes))
        return Run;
      // The run failed (a page of it the home closed, say): the faulting
      // page alone, whose failure is the one that counts.
      if (Run > 1 &&
          Win->get(static_cast<int>(Home), First * PageBytes, Out, PageBytes))
        return 1;
      stopWindows("a read");
      Run = 1;
    }
    return fetchByMessage(Home, First, Run, Out, Lock);
  }

  void sendDiff(size_t Page, std::string_view Diff) override {
    bool Claim = std::exchange(Claimed, SIZE_MAX) == Page;
    dsm::PageDigest Mine = ClaimedDigest;
    settle(Page);
    std::unique_lock<std::mutex> WinLock(WinMutex);
    while (S->moving(Page)) { // started to move since
      WinLock.unlock();
      settle(Page);
      WinLock.lock();
    }
    unsigned Home = homeOf(Page);
    // A diff of few runs goes straight into home's copy, a put per run. One
    // of many runs (doubles that changed in some bytes each) would be
    // hundreds of puts: it travels in a message per home (several, of
    // BatchBytes each, for a large release), applied by home's loop. So
    // does one that asks for its page.
    if (!Claim && oneSided(Home, Page) && !(Home == 0 && HomeWindowOff) &&
        dsm::diffRunsAtMost(Diff, MaxPutRuns)) {
      // The runs' bytes must stay put until flushDiffs.
      Puts.emplace_back(Diff);
      std::string_view D = Puts.back();
      bool Ok = dsm::forEachRun(
          D, [&](size_t Offset, const std::byte *Bytes, size_t Length) {
            return Win->put(static_cast<int>(Home), Page * PageBytes + Offset,
                            Bytes, Length);
          });
      if (Ok)
        return;
      stopWindows("a write");
      // The runs already put are rewritten by the message: the same bytes.
    }
    auto It = Batches.try_emplace(Home).first;
    Batch &B = It->second;
    if (Claim)
      B.W.u64(Page | ClaimBit).u64(Mine.Low).u64(Mine.High);
    else
      B.W.u64(Page);
    B.W.bytes(Diff.data(), Diff.size());
    B.Claims = B.Claims || Claim;
    // A large release goes in parts: home applies one while this node
    // diffs the next. Not one that asks for pages: their moves would start
    // while this node still diffs, and a settle() on a page another node
    // claimed could wait for that node's release, itself waiting on a page
    // claimed here (the lock page a node keeps open is diffed last, out of
    // the pages' order); and home grants MaxMovePages a message.
    if (!B.Claims && B.W.body().size() >= BatchBytes) {
      postBatchLocked(Home, B.W);
      Batches.erase(It);
    }
  }

  void flushDiffs() override {
    {
      std::lock_guard<std::mutex> WinLock(WinMutex);
      sendDiffsLocked();
    }
    std::unique_lock<std::mutex> Lock(Mutex);
    Acked.wait(Lock, [this] { return Unacked == 0; });
  }

  /// Agent's loop, on HomeWindowOff: one-sided calls to home already made
  /// complete (home waits for the answer), later ones become messages.
  void homeWindowOff() {
    std::lock_guard<std::mutex> Lock(WinMutex);
    HomeWindowOff = true;
    if (Win && !Puts.empty() && !Win->flush())
      core::fatal("grid", "MPI_Win_flush failed", "");
  }

  // Loop thread.
  void install() {
    Loop.onMessage(Msg::PageGet, [this](int Source, wire::Reader &R) {
      uint64_t Id = R.u64();
      uint64_t Page = R.u64();
      uint64_t Count = R.u64();
      unsigned Me = S->rank();
      if (!R.ok() || Count == 0 || !holdsMaster(Page))
        core::fatal("grid",
                    "node " + std::to_string(Source) +
                        " asked for a page this node does not home",
                    "");
      // The asker's run lies in one heap (Space::maxRun).
      size_t Run = 1;
      while (Run < std::min<uint64_t>(Count, dsm::Space::MaxRun) &&
             S->dataHomeOf(Page + Run) == Me && !S->moving(Page + Run))
        ++Run;
      Loop.send(Source, wire::Writer(Msg::PageData)
                            .u64(Id)
                            .bytes(S->writable(Page), Run * PageBytes));
    });
    Loop.onMessage(Msg::PageData, [this](int, wire::Reader &R) {
      uint64_t Id = R.u64();
      std::string_view Data = R.str();
      Waiter *W = nullptr;
      {
        std::lock_guard<std::mutex> Lock(Mutex);
        auto It = Fetches.find(Id);
        if (It != Fetches.end()) {
          W = It->second;
          Fetches.erase(It);
        }
      }
      if (!W || !R.ok() || Data.empty() || Data.size() % PageBytes != 0 ||
          Data.size() / PageBytes > W->Room)
        core::fatal("grid", "a malformed page arrived", "");
      std::memcpy(W->Out, Data.data(), Data.size());
      W->Got = Data.size() / PageBytes;
      sem_post(&W->Done);
    });
    Loop.onMessage(Msg::PageDiff, [this](int Source, wire::Reader &R) {
      std::vector<Claim> Asked;
      unsigned Me = S->rank();
      do {
        uint64_t Entry = R.u64();
        size_t Page = Entry & ~ClaimBit;
        dsm::PageDigest Theirs;
        if (Entry & ClaimBit) {
          Theirs.Low = R.u64();
          Theirs.High = R.u64();
        }
        std::string_view Diff = R.str();
        std::byte *P = (R.ok() || R.more()) && holdsMaster(Page)
                           ? S->writable(Page)
                           : nullptr;
        if (!P || !dsm::applyDiff(P, Diff))
          core::fatal("grid",
                      "a malformed diff arrived from node " +
                          std::to_string(Source),
                      "");
        // Only a page of one large block moves: a slab of small objects
        // may hold home's own (its loop's, MPI's), which home's runtime
        // threads could not reach once the page had gone.
        // At most MaxMovePages at once: their contents travel in one
        // message (the rest are asked for again, two releases later).
        if ((Entry & ClaimBit) && Me == 0 && Source > 0 && S->movable(Page) &&
            MoveAfter > 0 && Asked.size() < MaxMovePages &&
            dsm::heapPageOfOneBlock(S->address(Page)))
          Asked.push_back({Page, Theirs});
      } while (R.more());
      if (Asked.empty())
        Loop.send(Source, wire::Writer(Msg::DiffAck));
      else
        startMove(static_cast<unsigned>(Source), std::move(Asked));
    });
    Loop.onMessage(Msg::DiffAck, [this](int, wire::Reader &R) {
      std::lock_guard<std::mutex> Lock(Mutex);
      if (R.more()) { // with pages this node asked for
        uint64_t Move = R.u64();
        uint32_t Count = R.u32();
        for (uint32_t I = 0; I < Count && R.more(); ++I) {
          uint64_t Entry = R.u64();
          if (Entry & InPlaceBit) { // this node's copy is the master
            Granted.push_back({Entry & ~InPlaceBit, {}, Move});
            continue;
          }
          std::string_view Contents = R.str();
          if (Contents.size() != PageBytes)
            break;
          Granted.push_back({Entry, std::string(Contents), Move});
        }
        if (!R.ok())
          core::fatal("grid", "a malformed grant of pages arrived", "");
      }
      if (Unacked && --Unacked == 0)
        Acked.notify_all();
    });
    Loop.onMessage(Msg::PagesMoving, [this](int, wire::Reader &R) {
      uint64_t Id = R.u64();
      unsigned Node = R.u32();
      std::vector<size_t> Pages = pagesOf(R);
      {
        // What a release under way has put is completed now, and what it
        // batched is posted (its flushDiffs waits for the acknowledgements);
        // later calls see the pages move.
        std::lock_guard<std::mutex> Lock(WinMutex);
        sendDiffsLocked();
        for (size_t Page : Pages)
          S->setDataHome(Page, Node, /*Moving=*/true);
      }
      // After what this node's threads posted before (a PageGet, a batch of
      // diffs, each posted under WinMutex): they reach home first.
      Loop.post([this, Id] {
        Loop.send(0, wire::Writer(Msg::PagesMovingAck).u64(Id));
      });
    });
    Loop.onMessage(Msg::PagesMovingAck, [this](int, wire::Reader &R) {
      uint64_t Id = R.u64();
      auto It = Moves.find(Id);
      if (R.ok() && It != Moves.end() && --It->second.Acks == 0)
        grantMove(Id);
    });
    Loop.onMessage(Msg::PagesMoved, [this](int, wire::Reader &R) {
      unsigned Node = R.u32();
      for (size_t Page : pagesOf(R))
        S->setDataHome(Page, Node, /*Moving=*/false);
      std::lock_guard<std::mutex> Lock(Mutex);
      Settled.notify_all();
    });
    Loop.onMessage(Msg::MoveDone, [this](int, wire::Reader &R) {
      uint64_t Id = R.u64();
      if (R.ok())
        moveDone(Id);
    });
    Loop.onMessage(Msg::HomeWindowOff, [this](int Source, wire::Reader &) {
      homeWindowOff();
      Loop.send(Source, wire::Writer(Msg::HomeWindowOffAck));
    });
    Loop.onMessage(Msg::HomeWindowOffAck, [this](int, wire::Reader &) {
      std::lock_guard<std::mutex> Lock(Mutex);
      ++OffAcks;
      Acked.notify_all();
    });
  }

  /// Home: every agent stops using home's window (mainExiting). Agents that
  /// do not answer within Seconds are taken as gone.
  void switchHomeWindowOff(int Ranks, double Seconds) {
    if (!Win)
      return;
    Loop.post([this, Ranks] {
      for (int Rank = 1; Rank < Ranks; ++Rank)
        Loop.send(Rank, wire::Writer(Msg::HomeWindowOff));
    });
    std::unique_lock<std::mutex> Lock(Mutex);
    Acked.wait_for(Lock, std::chrono::duration<double>(Seconds),
                   [&] { return OffAcks >= Ranks - 1; });
  }

  // Home migration (docs/design/dsm.md, home migration).
  bool claimable(size_t Page) override {
    return S->rank() != 0 && S->homeOf(Page) == 0 && S->movable(Page);
  }
  void claim(size_t Page, const dsm::PageDigest &Mine) override {
    Claimed = Page;
    ClaimedDigest = Mine;
  }
  std::vector<Grant> takeGrants() override {
    std::lock_guard<std::mutex> Lock(Mutex);
    return std::exchange(Granted, {});
  }
  void adopted(const std::vector<Grant> &Placed) override {
    std::vector<uint64_t> Moves;
    for (const Grant &G : Placed) {
      S->setDataHome(G.Page, S->rank(), /*Moving=*/false);
      if (std::find(Moves.begin(), Moves.end(), G.Move) == Moves.end())
        Moves.push_back(G.Move);
    }
    for (uint64_t Move : Moves)
      Loop.post([this, Move] {
        Loop.send(0, wire::Writer(Msg::MoveDone).u64(Move));
      });
  }
  bool movedHere(size_t Page) const override {
    return S->dataHomeOf(Page) == S->rank() && S->homeOf(Page) != S->rank();
  }
  void noteKept(size_t Bytes) { KeptBytes.fetch_add(Bytes); }
  uint64_t keptBytes() const { return KeptBytes.load(); }
  /// Home, as a fork begins: every page of its heap that moved away, once
  /// no move is under way (granted, its pages closed here, and not done:
  /// the child would find them closed, and its first read of one crashed
  /// it) nor held back by the fork before; none is granted from now until
  /// forkDone. The wait comes before the hold: a move under way may need
  /// another grant to its node first (its release waits for every batch of
  /// diffs it sent, each maybe a move's), which a hold would keep back for
  /// ever. Pages move one way, so moves do not go on for ever; one that
  /// does not end within ForkWaitsForMoves (its node lost) is left: its
  /// pages stay closed in the child, which is warned of once.
  std::vector<size_t> movedPagesForFork() {
    std::unique_lock<std::mutex> Lock(Mutex);
    bool Quiet = MovesQuiet.wait_for(Lock, ForkWaitsForMoves, [this] {
      return UnderWay == 0 && Reposted == 0;
    });
    ++Forking;
    std::vector<size_t> Pages = Moved;
    Lock.unlock();
    static std::atomic<bool> Warned{false};
    if (!Quiet && !Warned.exchange(true))
      core::warn("a fork at home went on while pages of its heap were still "
                 "moving to another node after " +
                 std::to_string(ForkWaitsForMoves.count()) +
                 " s: the child cannot read those pages");
    return Pages;
  }
  /// Home, after a fork (parent): the grants it held back are made.
  void forkDone() {
    std::vector<uint64_t> Later;
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      if (Forking && --Forking == 0) {
        Later.swap(HeldBack);
        Reposted += Later.size();
      }
    }
    for (uint64_t Id : Later)
      Loop.post([this, Id] { grantMove(Id, /*HeldBack=*/true); });
  }
  /// Pages of home's heap that moved to each node (GRID_STATS).
  uint64_t movedTo(unsigned Node) const {
    return Node < dsm::MaxRanks ? MovedTo[Node].load() : 0;
  }
  /// Of those, the pages granted without contents (Node's copy was right).
  uint64_t movedInPlace(unsigned Node) const {
    return Node < dsm::MaxRanks ? MovedInPlace[Node].load() : 0;
  }

private:
  // Whether this rank holds Page's master copy, to serve a fetch or apply a
  // diff. A page home is giving away is still home's until it goes: every
  // agent's asks and diffs of it come before the agent's PagesMovingAck.
  bool holdsMaster(size_t Page) const {
    unsigned Me = S->rank();
    return S->dataHomeOf(Page) == Me ||
           (S->moving(Page) && S->homeOf(Page) == Me);
  }

  // Under WinMutex: posts one batch of diffs, acknowledged (Unacked).
  void postBatchLocked(unsigned Home, wire::Writer &Batch) {
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      ++Unacked;
    }
    Loop.post([this, Home, Body = Batch.take()]() mutable {
      Loop.send(static_cast<int>(Home), std::move(Body));
    });
  }

  // Under WinMutex: posts the batched diffs and completes the puts.
  void sendDiffsLocked() {
    for (auto &[Home, B] : Batches)
      postBatchLocked(Home, B.W);
    Batches.clear();
    if (!Puts.empty()) {
      if (!Win || !Win->flush())
        core::fatal("grid",
                    "writes to memory shared with other nodes could not be "
                    "completed (MPI_Win_flush failed)",
                    "");
      Puts.clear();
    }
  }

  // A rank's window holds its own slice (and home's, the globals), and an
  // agent's also home's heap, for the pages that moved to it.
  bool oneSided(unsigned Home, size_t Page) const {
    return Win && Home != S->rank() &&
           (S->homeOf(Page) == Home ||
            (Home != 0 && S->homeOf(Page) == 0 && S->moveOf(Page) != nullptr));
  }

  // Waits while Page is on its way to another home. Never on the loop,
  // which brings the news.
  void settle(size_t Page) {
    if (!S->moving(Page))
      return;
    std::unique_lock<std::mutex> Lock(Mutex);
    while (S->moving(Page))
      Settled.wait_for(Lock, std::chrono::milliseconds(1));
  }

  // Count pages from First, all of Home, asked of Home's loop. The ask is
  // posted under WinMutex (WinLock, released before the wait): an agent's
  // PagesMovingAck, posted under it too, follows it to home.
  size_t fetchByMessage(unsigned Home, size_t First, size_t Count,
                        std::byte *Out, std::unique_lock<std::mutex> &WinLock) {
    // The loop carries the answer: waiting for it on the loop would never
    // end.
    if (Loop.onLoopThread())
      core::fatal(
          "grid",
          "the runtime's own thread touched memory shared with "
          "other nodes (page 0x" +
              [&] {
                char B[32];
                snprintf(B, sizeof B, "%zx", First * PageBytes);
                return std::string(B);
              }() +
              ")",
          "this is a bug in Grid; please report it with the program");
    Waiter W;
    W.Out = Out;
    W.Room = Count;
    sem_init(&W.Done, 0, 0);
    uint64_t Id;
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      Id = ++NextFetch;
      Fetches[Id] = &W;
    }
    Loop.post([this, Home, Id, First, Count] {
      Loop.send(static_cast<int>(Home),
                wire::Writer(Msg::PageGet).u64(Id).u64(First).u64(Count));
    });
    WinLock.unlock();
    waitSem(&W.Done);
    sem_destroy(&W.Done);
    return W.Got;
  }

  // Home's loop: Node asked for pages with its diffs, each with the digest
  // of its copy; the other agents stop touching them first (startMove),
  // then Node gets them (grantMove).
  struct Claim {
    size_t Page;
    dsm::PageDigest Theirs;
  };
  struct Move {
    unsigned Node;
    std::vector<size_t> Pages;           // in order
    std::vector<dsm::PageDigest> Theirs; // by Pages' index
    size_t InPlace = 0;                  // granted with no contents
    int Acks = 0;
  };
  void startMove(unsigned Node, std::vector<Claim> Asked) {
    {
      // A page pinned since the test stays (its object is served here).
      std::lock_guard<std::mutex> Lock(WinMutex);
      std::erase_if(
          Asked, [&](const Claim &C) { return !S->startMoving(C.Page, Node); });
    }
    if (Asked.empty()) {
      Loop.send(static_cast<int>(Node), wire::Writer(Msg::DiffAck));
      return;
    }
    std::sort(Asked.begin(), Asked.end(),
              [](const Claim &L, const Claim &R) { return L.Page < R.Page; });
    uint64_t Id = ++NextMove;
    Move &M = Moves[Id];
    M.Node = Node;
    for (const Claim &C : Asked) {
      M.Pages.push_back(C.Page);
      M.Theirs.push_back(C.Theirs);
    }
    wire::Writer W(Msg::PagesMoving);
    W.u64(Id).u32(Node).u32(static_cast<uint32_t>(M.Pages.size()));
    for (size_t Page : M.Pages)
      W.u64(Page);
    for (unsigned Rank = 1; Rank < S->ranks(); ++Rank)
      if (Rank != Node) {
        Loop.send(static_cast<int>(Rank), W.body());
        ++M.Acks;
      }
    if (M.Acks == 0)
      grantMove(Id);
  }
  // No other rank reads or writes the pages now: home closes them (a write
  // at home meanwhile waits in its fault for the page's arrival) and sends
  // the master copies with the diffs' acknowledgement, but for a page whose
  // master has the digest of Node's copy: Node keeps that (in a rewritten
  // array, every page unless another node or home wrote it meanwhile).
  void grantMove(uint64_t Id, bool WasHeldBack = false) {
    Move &M = Moves[Id];
    {
      // A fork under way lists the pages that moved: it must not find these
      // closed and not listed (movedPagesForFork).
      std::lock_guard<std::mutex> Lock(Mutex);
      if (WasHeldBack)
        --Reposted;
      if (Forking) {
        HeldBack.push_back(Id);
        return;
      }
      ++UnderWay;
    }
    wire::Writer W(Msg::DiffAck);
    W.u64(Id).u32(static_cast<uint32_t>(M.Pages.size()));
    // Runs of neighbours in one mprotect each way.
    for (size_t I = 0; I < M.Pages.size();) {
      size_t First = M.Pages[I], Count = 1;
      while (I + Count < M.Pages.size() && M.Pages[I + Count] == First + Count)
        ++Count;
      S->closeOwn(First, Count, dsm::Access::Read);
      for (size_t K = I; K < I + Count; ++K) {
        const std::byte *Master = S->address(M.Pages[K]);
        if (dsm::pageDigest(Master) == M.Theirs[K]) {
          W.u64(M.Pages[K] | InPlaceBit);
          ++M.InPlace;
        } else {
          W.u64(M.Pages[K]).bytes(Master, PageBytes);
        }
      }
      S->closeOwn(First, Count, dsm::Access::None);
      I += Count;
    }
    Loop.send(static_cast<int>(M.Node), W.body());
  }
  void moveDone(uint64_t Id) {
    auto It = Moves.find(Id);
    if (It == Moves.end())
      return;
    Move M = std::move(It->second);
    Moves.erase(It);
    for (size_t Page : M.Pages)
      S->setDataHome(Page, M.Node, /*Moving=*/false);
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      Settled.notify_all();
    }
    wire::Writer W(Msg::PagesMoved);
    W.u32(M.Node).u32(static_cast<uint32_t>(M.Pages.size()));
    for (size_t Page : M.Pages)
      W.u64(Page);
    for (unsigned Rank = 1; Rank < S->ranks(); ++Rank)
      if (Rank != M.Node)
        Loop.send(static_cast<int>(Rank), W.body());
    if (M.Node < dsm::MaxRanks) {
      MovedTo[M.Node].fetch_add(M.Pages.size());
      MovedInPlace[M.Node].fetch_add(M.InPlace);
    }
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      Moved.insert(Moved.end(), M.Pages.begin(), M.Pages.end());
      --UnderWay;
    }
    MovesQuiet.notify_all();
  }
  // Pages of a PagesMoving or PagesMoved message.
  static std::vector<size_t> pagesOf(wire::Reader &R) {
    uint32_t Count = R.u32();
    std::vector<size_t> Pages;
    for (uint32_t I = 0; I < Count && R.more(); ++I)
      Pages.push_back(R.u64());
    if (!R.ok() || Pages.size() != Count)
      core::fatal("grid", "a malformed message about moving pages arrived", "");
    return Pages;
  }

  // Called under WinMutex and the cache's lock.
  void stopWindows(const char *What) {
    // The rank is ending (MPI finalised under a thread that still runs):
    // no page comes any more, and nothing is wrong to say. The thread
    // waits for the process's end.
    if (Win && Win->closed())
      for (;;)
        pause();
    core::warn(std::string("MPI's one-sided ") + What +
               " of memory shared with another node failed; pages and "
               "diffs travel as messages from now on");
    if (!Puts.empty() && !Win->flush())
      core::fatal("grid", "MPI_Win_flush failed", "");
    Puts.clear();
    Win.reset();
  }

  struct Waiter {
    std::byte *Out;
    size_t Room = 1; // pages Out holds
    size_t Got = 0;  // pages that came
    sem_t Done;
  };
  // Window calls (under the cache's lock too), and the loop's switch.
  std::mutex WinMutex;
  bool HomeWindowOff = false;
  // Diffs put, not yet flushed: MPI may read them until the flush, so they
  // never move (a deque, not a vector: a short string lives inside its
  // object).
  std::deque<std::string> Puts;
  struct Batch {
    wire::Writer W{Msg::PageDiff};
    bool Claims = false; // asks for a page
  };
  std::map<unsigned, Batch> Batches; // diffs to send, by home
  static constexpr size_t BatchBytes = size_t(256) << 10;
  static constexpr size_t MaxPutRuns = 8;
  cluster::EventLoop &Loop;
  std::mutex Mutex;
  std::condition_variable Acked;
  uint64_t NextFetch = 0;
  std::map<uint64_t, Waiter *> Fetches;
  size_t Unacked = 0;
  int OffAcks = 0;
  // Home migration: a diff's page number with this bit asks for the page.
  static constexpr uint64_t ClaimBit = uint64_t(1) << 63;
  // A grant's page number with this bit comes without contents: the node's
  // copy had the master's digest.
  static constexpr uint64_t InPlaceBit = uint64_t(1) << 63;
  // 64 MiB a release, in one DiffAck (and as much again as the node places
  // them): 4096 (16 MiB) took twice as long to move a rewritten 128 MiB
  // array (12 sweeps: 6.5 s, 3.3 s).
  static constexpr size_t MaxMovePages = 16384;
  size_t Claimed = SIZE_MAX;       // under the cache's lock
  dsm::PageDigest ClaimedDigest;   // of Claimed, the same
  std::vector<Grant> Granted;      // under Mutex
  std::condition_variable Settled; // with Mutex: pages arrived
  std::map<uint64_t, Move> Moves;  // home's loop
  uint64_t NextMove = 0;           // home's loop
  std::atomic<uint64_t> MovedTo[dsm::MaxRanks] = {};
  std::atomic<uint64_t> MovedInPlace[dsm::MaxRanks] = {}; // of MovedTo
  std::vector<size_t> Moved;                              // under Mutex
  // Under Mutex: forks at home under way, moves granted and not done,
  // grants held back until the forks are done and those of them not made
  // since (movedPagesForFork).
  static constexpr std::chrono::seconds ForkWaitsForMoves{5};
  unsigned Forking = 0, UnderWay = 0;
  size_t Reposted = 0;
  std::vector<uint64_t> HeldBack;
  std::condition_variable MovesQuiet;
  std::atomic<uint64_t> KeptBytes{0};

public:
  /// Whether home grants pages asked for (GRID_DSM_MIGRATE, home's).
  unsigned MoveAfter = 0;
};

struct Shadow;
struct Remote;

// Everything lives here, made by startHome/startAgent: an agent never
// returns from libgridrt's constructor, so this file's static initialisers
// may never run there.
struct Job {
  cluster::Cluster &C;
  JobStore Store;
  std::unique_ptr<dsm::Space> Space;
  std::unique_ptr<dsm::NodeCache> Cache;
  bool Home;
  // Home: the shadows by id, and what agents' threads wrote not yet in
  // home's streams (loop thread).
  std::mutex ShadowsMutex;
  std::map<uint64_t, Shadow *> Shadows;
  uint64_t NextShadow = 0;
  struct Output {
    int Fd;
    std::string Text;
    int Node; // where it was written
  };
  // PendingOutput: pushed by the loop, written by flushOutput, which one
  // thread at a time runs (Flushing) and which holds PendingMutex only to
  // look at the queue and pop it, never while it writes: a write may wait
  // for a full pipe, and the loop must not wait for it.
  std::mutex PendingMutex;
  std::atomic<bool> Flushing{false};
  std::atomic<uint64_t> OutputWritten{0}; // entries flushOutput has taken
  std::deque<Output> PendingOutput;
  // Home, at exit (flushRemoteOutputAtExit): the parts of the agents'
  // HeldFlushed answers, while it waits for them.
  std::mutex HeldMutex;
  std::condition_variable HeldArrived;
  bool HeldWaiting = false;
  std::vector<std::pair<int, std::string>> HeldParts;
  unsigned HeldNodesDone = 0; // last parts among them

  explicit Job(cluster::Cluster &C)
      : C(C), Store(C.loop()), Home(C.rank() == 0) {}
};

Job *TheJob = nullptr;
CreateFn Creator = nullptr;
IoServer ServeIo = nullptr;
FlushFn HeldOutputFlush = nullptr;
TakeHeldFn HeldOutputTake = nullptr;

void sendFromLoop(int Dest, std::string Body, bool Stamped = false);
bool flushOutput();
void waitForOutput(unsigned Node, uint64_t Before);

// A fork child is a process of its own: it keeps a copy of the memory its
// parent held and takes no part in the DSM (its parent's loop thread, which
// would carry its messages, does not exist in it). CacheHeld: the fork
// held the node's cache (forkPrepare), whose record of the pages held the
// child may trust. Also the agent's exit, with its own globals back.
void leaveDsm(bool CacheHeld) {
  sync::setClusterPath(nullptr);
  sync::HomeCaching.store(false);
  sync::setClusterCalls(false);
  // A child forked by a remote thread allocates and synchronises locally.
  sync::RemoteThread = false;
  dsm::setRemoteHeap(nullptr);
  if (TheJob && TheJob->Space)
    TheJob->Space->detach(CacheHeld);
}
void leaveDsmAtExit() { leaveDsm(false); }

// A fork: handlers that run in the child before leaveDsm (jemalloc's,
// registered at the first malloc, run first) make mutexes, which are the
// child's own and must not go home (api's init interposers test InRuntime):
// the forking thread counts as runtime code from before the fork until the
// child has left the DSM.
// A remote thread's signal mask as the program sees it: its creator's at
// home when it started, then as its pthread_sigmask and sigprocmask change
// it (api/Signals.cpp; programMask). The thread itself keeps every signal
// blocked but its faults (remoteMain); the children it forks take this one
// (forkChild).
thread_local sigset_t CreatorMask;

// Touches each page of [P, P + Bytes) this rank does not hold (another
// home's, or one of its own that moved away): a read, or an atomic add of
// 0, which cannot undo another thread's write of the same byte.
void touchAbsent(const void *P, size_t Bytes, bool Write) {
  auto A = reinterpret_cast<uintptr_t>(P);
  if (!TheJob || !TheJob->Home || !Bytes ||
      !sync::HomeCaching.load(std::memory_order_relaxed) ||
      !TheJob->Space->contains(P))
    return;
  unsigned Me = TheJob->Space->rank();
  uintptr_t OwnEnd =
                reinterpret_cast<uintptr_t>(TheJob->Space->stackPart().second),
            OwnBegin = OwnEnd - dsm::SliceBytes;
  uintptr_t End = Bytes > UINTPTR_MAX - A ? UINTPTR_MAX : A + Bytes;
  bool Moved = dsm::PagesMovedAway.load(std::memory_order_relaxed);
  for (uintptr_t Page = A / PageBytes; Page * PageBytes < End; ++Page) {
    auto *B = reinterpret_cast<char *>(std::max(A, Page * PageBytes));
    if (!TheJob->Space->contains(B))
      break; // the range and the globals are apart: the rest is outside
    if (!Moved && Page * PageBytes >= OwnBegin && Page * PageBytes < OwnEnd) {
      Page = OwnEnd / PageBytes - 1; // this rank's own slice: all here
      continue;
    }
    if (TheJob->Space->dataHomeOf(Page) == Me)
      continue;
    if (Write)
      __atomic_fetch_add(B, 0, __ATOMIC_RELAXED);
    else
      (void)*reinterpret_cast<volatile char *>(B);
  }
}

// Set before the first fork of a thread on this node (sendToShadow): before
// the child exists, so any thread that learns of the child sees it.
std::atomic<bool> NodeForked{false};

// A signal's action as home's program has it (homeThreadActions), sent with
// each thread start.
struct ThreadAction {
  int Sig = 0;
  uint64_t Handler = 0, Flags = 0;
  sigset_t Mask{};
  std::string Module; // the file its handler lies in, or empty
  uint64_t Base = 0;  // where that file is loaded
};

// Agent: the handler of each signal last taken from home
// (takeThreadActions), which a remote thread's fork child keeps.
std::atomic<uintptr_t> TakenHandler[64];

// A remote thread's fork: the child keeps the pages of the globals its node
// holds (Space::detach), home's, so the fork brings in the others first, as
// far as the cache has room, and holds the cache's lock until the parent's
// and the child's handlers, so that the child's record of what its node
// held is whole (before 2026-11-28 the child read every global as it was
// before main: test/dsm/fork-globals.c).
// Home: a fork child takes no part in the DSM, so the pages that moved away
// are brought back first, writable (the child may write them), and stay so
// until the fork is done: the cache's lock is held from here to the parent's
// and the child's handlers, or another thread's acquire could drop them
// (or a release write-protect them) before the fork, and the child crash on
// its first touch (a thread at home that synchronised in a loop made every
// child so in test/dsm/fork-after-move.c). No move starts meanwhile
// (JobStore::movedPagesForFork). With no page moved, the lock is not held.
thread_local bool ForkHoldsCache = false, ForkHoldsMoves = false;
// The next fork of this thread is a vfork carried out as a fork: its child
// may only exec or _exit (POSIX), so a remote thread brings in no globals
// for it.
thread_local bool NextForkIsVfork = false;
void forkPrepare() {
  if (sync::RemoteThread)
    NodeForked.store(true, std::memory_order_seq_cst);
  ++sync::InRuntime;
  if (TheJob && TheJob->Home && inJobProcess()) {
    ForkHoldsMoves = true;
    std::vector<size_t> Pages = TheJob->Store.movedPagesForFork();
    if (!Pages.empty()) {
      TheJob->Cache->holdForFork(Pages);
      ForkHoldsCache = true;
    }
  } else if (sync::RemoteThread && TheJob && TheJob->Cache && TheJob->Space &&
             !std::exchange(NextForkIsVfork, false)) {
    auto [Begin, End] = TheJob->Space->globals();
    if (Begin != End) {
      size_t Missing = TheJob->Cache->holdRangeForFork(
          reinterpret_cast<uintptr_t>(Begin) / PageBytes,
          static_cast<size_t>(End - Begin) / PageBytes);
      ForkHoldsCache = true;
      static std::atomic<bool> Warned{false};
      if (Missing && !Warned.exchange(true))
        core::warn("a thread on node " + std::to_string(TheJob->C.rank()) +
                   " forked while its node's cache (GRID_DSM_CACHE_PAGES) "
                   "had no room for " +
                   std::to_string(Missing) +
                   " pages of the program's globals: the child reads "
                   "those as they were before main");
    }
  }
}
void forkParent() {
  NextForkIsVfork = false;
  if (std::exchange(ForkHoldsCache, false))
    TheJob->Cache->unlockAfterFork();
  if (std::exchange(ForkHoldsMoves, false))
    TheJob->Store.forkDone();
  --sync::InRuntime;
}
void unpinRemoteChild();
void forkChild() {
  // A remote thread's child is the program's process, not the agent's: the
  // agent's own handlers (which kill the processes it runs for home, and
  // ignore SIGPIPE) and Open MPI's (which print a backtrace; its SIGSEGV
  // and SIGBUS ones sit in the DSM's chain, api/Signals.cpp, and stay)
  // give way to the defaults, and the child takes the mask its thread's
  // creator had at home, not the thread's own (every signal blocked).
  bool CacheHeld = std::exchange(ForkHoldsCache, false);
  if (CacheHeld)
    TheJob->Cache->unlockAfterFork();
  ForkHoldsMoves = false; // the child makes no grant
  // A remote thread's short slice (or a shadow's, forking in the program's
  // exit handlers) is Grid's doing, not the child's.
  core::defaultSlice();
  bool Remote = sync::RemoteThread;
  if (Remote) {
    unpinRemoteChild();
    for (int Signal :
         {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGABRT, SIGFPE, SIGILL}) {
      // A handler the program set at home, which its thread's node took
      // (takeThreadActions), stays: the child would have it at home too.
      struct sigaction Now = {};
      if (TakenHandler[Signal].load() != 0 &&
          sigaction(Signal, nullptr, &Now) == 0 &&
          reinterpret_cast<uintptr_t>(Now.sa_handler) ==
              TakenHandler[Signal].load())
        continue;
      ::signal(Signal, SIG_DFL);
    }
  }
  leaveDsm(CacheHeld);
  if (Remote)
    core::realSigmask(SIG_SETMASK, &CreatorMask, nullptr);
  --sync::InRuntime;
}

void openSpace(Job &J, bool ShareGlobals) {
  std::string Error;
  J.Space = dsm::Space::create(
      static_cast<unsigned>(J.C.rank()), static_cast<unsigned>(J.C.size()),
      ShareGlobals, &Error,
      core::currentSettings().DsmUserfaultfd ? dsm::FaultMechanism::Userfaultfd
                                             : dsm::FaultMechanism::Signal);
  if (!J.Space)
    core::fatal("grid", "cannot map the memory threads share: " + Error,
                "threads need the same free addresses on every rank; "
                "see docs/design/dsm.md");
  J.Store.S = J.Space.get();
  std::vector<cluster::Region> Exposed{
      {reinterpret_cast<uintptr_t>(J.Space->heapBase()), dsm::SliceBytes}};
  auto [Begin, End] = J.Space->globals();
  if (J.C.rank() == 0 && Begin != End)
    Exposed.push_back(
        {reinterpret_cast<uintptr_t>(Begin), static_cast<size_t>(End - Begin)});
  else
    Exposed.push_back({});
  // An agent's window over home's heap, where pages that moved to it are
  // read and written one-sided (JobStore::oneSided; only those: the rest is
  // missing memory here, which a one-sided read would wait for forever).
  if (J.C.rank() != 0)
    Exposed.push_back({dsm::RangeBase, J.Space->heapBytes()});
  else
    Exposed.push_back({});
  J.Store.Win = J.C.loop().transport().expose(Exposed, &Error);
  if (!J.Store.Win)
    core::log(LogLevel::Info, "pages travel as messages: " + Error);
  J.Cache = std::make_unique<dsm::NodeCache>(
      static_cast<unsigned>(J.C.rank()), J.Store, *J.Space, SIZE_MAX,
      core::currentSettings().DsmCachePages);
  J.Space->attach(J.Cache.get());
  J.Cache->setMoveAfter(core::currentSettings().DsmMigrate);
  J.Store.MoveAfter = core::currentSettings().DsmMigrate;
  J.Store.install();
  pthread_atfork(forkPrepare, forkParent, forkChild);
}

//===----------------------------------------------------------------------===//
// Home: shadows
//===----------------------------------------------------------------------===//

// Home: the node of the remote thread the calling shadow serves (0 on any
// other thread).
thread_local unsigned ServedNode = 0;

struct Shadow {
  uint64_t Id = 0;
  unsigned Node = 0;
  void *(*Start)(void *) = nullptr;
  void *Arg = nullptr;
  const __grid_site *Site = nullptr;
  size_t StackBytes = 0; // what the program's attributes ask for, or 0
  // To the remote thread: its calls and their answers. ThreadCall and
  // ThreadDone bodies that come through the loop are handed over to it.
  std::unique_ptr<cluster::Line> Line;
  // Home's actions for the signals a thread raises itself, read as it was
  // created (with its Id: in creation order).
  std::vector<ThreadAction> Actions;
  // The thread's pthread_t at home (this shadow's), set under ShadowsMutex
  // as its start is sent.
  pthread_t Self{};
  // Cancellation (cancelRemote): asked for and not yet seen by a condition
  // wait the shadow serves; the condition it waits on for the thread now.
  // WaitingOn changes, and is woken, under WaitMutex: a broadcast after
  // the wait ended could reach a condition the program has freed.
  std::atomic<bool> CancelAsked{false};
  std::mutex WaitMutex;
  pthread_cond_t *WaitingOn = nullptr;
  // Serving a descriptor or wait call a cancellation may interrupt (the
  // thread asked so: ioRequest's Cancellable): kickCancelledCall's signal
  // ends it with EINTR.
  std::atomic<bool> InCancellableCall{false};
};

// A line's number for a thread's id (the same at home and on its node).
int lineNumber(uint64_t Id) {
  auto Max = static_cast<uint64_t>(TheJob->C.loop().transport().maxLine());
  return static_cast<int>(1 + (Id - 1) % Max);
}

// ThreadOutput messages home has written into its streams from each node:
// a call that comes over its line waits until home has written what its
// node sent before (the loop carries output, the line the call, and MPI
// orders neither against the other; and output that waits for a stream
// another thread holds must still go first).
std::atomic<uint64_t> OutputSeen[dsm::MaxRanks];

std::atomic<unsigned> RemoteLive[dsm::MaxRanks];

// GRID_STATS: what an agent reported of its cache as one of its threads
// ended (ThreadDone), the largest of each per node: its metadata and pages
// held, its directory of moved pages (dsm::Space::directoryBytes), the lock
// pages it fetched in place (NodeCache::setSolo) and of those the ones the
// lock's answer carried, and what it did (dsm::CacheCounts, the node's
// totals). ThreadDone carries them in this order.
enum class AgentStat : unsigned {
  CacheBytes,
  CachePages,
  DirectoryBytes,
  InPlace,
  Carried,
  Fetches,
  ReadAhead,
  Twins,
  Diffs,
  DiffBytes,
  Invalidated,
  Evicted,
  Rewrites,
};
constexpr unsigned AgentStats = unsigned(AgentStat::Rewrites) + 1;
struct CacheReport {
  std::array<uint64_t, AgentStats> Values{};
  uint64_t operator[](AgentStat Stat) const { return Values[unsigned(Stat)]; }
};
std::atomic<uint64_t> AgentReport[dsm::MaxRanks][AgentStats];

// This rank's cache as a report: what an agent sends with each ThreadDone,
// and home's own at its exit.
CacheReport cacheReport() {
  dsm::CacheCounts C = TheJob->Cache->counts();
  return {{TheJob->Cache->metadataBytes(), TheJob->Cache->cachedPages(),
           TheJob->Space->directoryBytes(), C.InPlace, C.Carried, C.Fetches,
           C.ReadAhead, C.Twins, C.Diffs, C.DiffBytes, C.Invalidated, C.Evicted,
           C.Rewrites}};
}

// Home: node Node's cache, its own or as its agent last reported it.
CacheReport reportOf(unsigned Node) {
  if (Node == 0)
    return cacheReport();
  CacheReport R;
  for (unsigned Stat = 0; Stat < AgentStats; ++Stat)
    R.Values[Stat] = AgentReport[Node][Stat].load();
  return R;
}

// GRID_STATS with migration off: a node that sent at least this many large
// diffs of pages that could move gets a line saying GRID_DSM_MIGRATE would
// move them (a page rewritten at 256 releases, or 256 pages at one).
constexpr uint64_t RewritesWorthMoving = 256;

// A node's cache activity, for GRID_STATS; empty if it did nothing.
std::string cacheActivity(unsigned Node, const CacheReport &R) {
  using S = AgentStat;
  if (!R[S::Fetches] && !R[S::Twins])
    return "";
  return "grid: dsm: node " + std::to_string(Node) + " fetched " +
         std::to_string(R[S::Fetches]) + " pages (" +
         std::to_string(R[S::ReadAhead]) + " read ahead), twinned " +
         std::to_string(R[S::Twins]) + ", sent " + std::to_string(R[S::Diffs]) +
         " diffs (" + std::to_string(R[S::DiffBytes]) + " B), dropped " +
         std::to_string(R[S::Invalidated]) + " at acquires and " +
         std::to_string(R[S::Evicted]) + " to stay within its bound\n";
}

// Home: the CPU time of the remote threads (remoteCpu). An ended thread's
// is exact, as its ThreadDone carried it; a running thread's is what its
// node last reported (NodeCpu), as user time, kept per thread so that its
// ThreadDone replaces it and a remote caller's own is left out. A report
// its node sent before a thread ended may arrive after its ThreadDone: the
// thread's id waits in JustEnded until a report without it (its node's
// reports arrive in order) says that none will name it again. Changes are
// made under Mutex with every signal blocked (a shadow runs the program's
// handlers, which may read the process's time); the totals are read
// without the lock, by their sequence number (odd while they change).
struct CpuBook {
  struct Entry {
    unsigned Node;
    uint64_t Ns;
  };
  std::mutex Mutex;
  std::unordered_map<uint64_t, Entry> Running;      // by thread id
  std::unordered_map<uint64_t, unsigned> JustEnded; // id -> its node
  std::atomic<uint64_t> Seq{0}, EndedUserNs{0}, EndedSystemNs{0}, RunningNs{0};

  template <typename F> void change(F &&Fn) {
    sigset_t All, Was;
    sigfillset(&All);
    core::realSigmask(SIG_SETMASK, &All, &Was);
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      Seq.fetch_add(1, std::memory_order_acq_rel);
      Fn();
      Seq.fetch_add(1, std::memory_order_release);
    }
    core::realSigmask(SIG_SETMASK, &Was, nullptr);
  }
  void setRunning(uint64_t Id, unsigned Node, uint64_t Ns) {
    Entry &E = Running.try_emplace(Id, Entry{Node, 0}).first->second;
    if (Ns > E.Ns) {
      RunningNs.fetch_add(Ns - E.Ns, std::memory_order_relaxed);
      E.Ns = Ns;
    }
  }
  void ended(uint64_t Id, unsigned Node, uint64_t User, uint64_t System) {
    change([&] {
      if (auto It = Running.find(Id); It != Running.end()) {
        RunningNs.fetch_sub(It->second.Ns, std::memory_order_relaxed);
        Running.erase(It);
      }
      JustEnded[Id] = Node;
      EndedUserNs.fetch_add(User, std::memory_order_relaxed);
      EndedSystemNs.fetch_add(System, std::memory_order_relaxed);
    });
  }
  void reported(unsigned Node,
                const std::vector<std::pair<uint64_t, uint64_t>> &Threads) {
    change([&] {
      for (auto It = JustEnded.begin(); It != JustEnded.end();) {
        bool Named = std::any_of(Threads.begin(), Threads.end(),
                                 [&](auto &T) { return T.first == It->first; });
        if (It->second == Node && !Named)
          It = JustEnded.erase(It);
        else
          ++It;
      }
      for (auto [Id, Ns] : Threads)
        if (!JustEnded.count(Id))
          setRunning(Id, Node, Ns);
    });
  }
};
CpuBook *TheCpuBook = new CpuBook; // lives on: read during exit

void raiseTo(std::atomic<uint64_t> &Max, uint64_t Value) {
  uint64_t Now = Max.load();
  while (Now < Value && !Max.compare_exchange_weak(Now, Value)) {
  }
}

// At exit, with GRID_STATS=1, in a job where threads ran on agents: the DSM's
// metadata against the shared memory in use (issue 5's figure). Registered
// at the first remote thread, after the cluster's own exit handler, so it
// runs while home's loop still serves pages.
void printDsmStats() {
  if (!core::currentSettings().Stats || core::isForkChild())
    return;
  using S = AgentStat;
  unsigned Nodes = std::min<unsigned>(TheJob->Space->ranks(), dsm::MaxRanks);
  std::vector<CacheReport> Reports;
  for (unsigned N = 0; N < Nodes; ++N)
    Reports.push_back(reportOf(N));
  auto [GlobalsBegin, GlobalsEnd] = TheJob->Space->globals();
  std::string Text =
      "grid: dsm: in use: heap " + std::to_string(dsm::heapAllocatedBytes()) +
      " B, globals " + std::to_string(GlobalsEnd - GlobalsBegin) +
      " B; metadata: heap " + std::to_string(dsm::heapMetadataBytes()) + " B";
  for (unsigned N = 0; N < Nodes; ++N)
    Text += ", node " + std::to_string(N) + " cache " +
            std::to_string(Reports[N][S::CacheBytes]) + " B (" +
            std::to_string(Reports[N][S::CachePages]) + " pages) directory " +
            std::to_string(Reports[N][S::DirectoryBytes]) + " B";
  Text += " (agents' as their threads ended, the largest)\n";
  std::string InPlace;
  for (unsigned N = 1; N < Nodes; ++N)
    if (uint64_t Pages = Reports[N][S::InPlace])
      InPlace += (InPlace.empty() ? "" : ", ") + std::string("node ") +
                 std::to_string(N) + " " + std::to_string(Pages) + " (" +
                 std::to_string(Reports[N][S::Carried]) + " carried)";
  if (!InPlace.empty())
    Text += "grid: dsm: lock pages fetched in place, one thread on the node: " +
            InPlace + "\n";
  // What each node's cache did (home's: other ranks' memory it read, the
  // pages of its heap that moved away among them).
  std::string Movable;
  for (unsigned N = 0; N < Nodes; ++N) {
    Text += cacheActivity(N, Reports[N]);
    if (Reports[N][S::Rewrites] >= RewritesWorthMoving)
      Movable += (Movable.empty() ? "" : ", ") + std::string("node ") +
                 std::to_string(N) + " " +
                 std::to_string(Reports[N][S::Rewrites]);
  }
  if (!Movable.empty() && core::currentSettings().DsmMigrate == 0)
    Text += "grid: dsm: diffs of an eighth of a page or more of pages home "
            "may move: " +
            Movable +
            "; with GRID_DSM_MIGRATE=2 those of blocks of 16 KiB or more that "
            "hold no lock or atomic move to the node that writes them "
            "(docs/design/dsm.md, home migration)\n";
  std::string Moved;
  for (unsigned N = 1; N < TheJob->Space->ranks() && N < dsm::MaxRanks; ++N)
    if (uint64_t Pages = TheJob->Store.movedTo(N))
      Moved += (Moved.empty() ? "" : ", ") + std::string("node ") +
               std::to_string(N) + " " + std::to_string(Pages) + " (" +
               std::to_string(TheJob->Store.movedInPlace(N)) + " in place)";
  if (!Moved.empty())
    Text +=
        "grid: dsm: pages of home's heap moved to their writer: " + Moved +
        "; freed blocks kept: " + std::to_string(TheJob->Store.keptBytes()) +
        " B\n";
  // Which way the messages of home's lines went (those of the threads that
  // ended), both ways: shared memory between ranks of one host.
  cluster::EventLoop::LineCounts Lines = TheJob->C.loop().lineCounts();
  Text += "grid: lines: home sent " + std::to_string(Lines.SentShared) +
          " messages through shared memory, " + std::to_string(Lines.SentMpi) +
          " through MPI; took " + std::to_string(Lines.TookShared) +
          " through shared memory, " + std::to_string(Lines.TookMpi) +
          " through MPI\n";
  // How pages move and how home notices touches (all ranks choose alike).
  Text += std::string("grid: dsm: pages move ") +
          (TheJob->Store.Win ? "one-sided (MPI windows)" : "as messages") +
          ", faults by " +
          (TheJob->Space->mechanism() == dsm::FaultMechanism::Userfaultfd
               ? "userfaultfd"
               : "signals") +
          "\n";
  core::writeStderr(Text);
}

void deliverToShadow(std::string_view Body) {
  wire::Reader R(Body);
  uint64_t Id = R.u64();
  std::lock_guard<std::mutex> Lock(TheJob->ShadowsMutex);
  auto It = TheJob->Shadows.find(Id);
  if (It == TheJob->Shadows.end())
    return; // not ours (a malformed message): nobody waits for it
  // Under ShadowsMutex, which keeps the shadow from going away.
  It->second->Line->deliver(std::string(Body));
}

// Home: an object locks, waits and atomics work on keeps its page at home
// (never moves: docs/design/dsm.md, home migration). Home serves every
// operation on it natively, on a page it holds, where a page that moved
// away would be dropped at home's acquires under a waiter's futex call.
void pinObject(const void *Object) {
  if (TheJob->Home && TheJob->Space->contains(Object))
    TheJob->Space->pin(reinterpret_cast<uintptr_t>(Object) / PageBytes);
}

// A lock or atomic of a thread on node S.Node in another node's slice (a
// remote thread's stack): that node performs its own threads' operations
// there, and home performs the others' on its copy, so they do not see
// each other (docs/design/dsm.md, what is not supported). Said once, as it
// first happens: a program that waits on such an object may hang.
void warnIfOnAnotherNodesStack(const Shadow &S, const void *Object) {
  if (!TheJob->Home || !TheJob->Space->contains(Object))
    return;
  unsigned Node =
      TheJob->Space->homeOf(reinterpret_cast<uintptr_t>(Object) / PageBytes);
  if (Node == 0 || Node == S.Node)
    return;
  static std::atomic<bool> Said{false};
  if (Said.exchange(true))
    return;
  char Address[32];
  snprintf(Address, sizeof Address, "%p", Object);
  core::warn(std::string("a thread on node ") + std::to_string(S.Node) +
             " locks, waits on or operates atomically on " + Address +
             ", on the stack of a thread on node " + std::to_string(Node) +
             ": threads of different nodes cannot share a lock, condition, "
             "semaphore or atomic there (each node sees its own copy; the "
             "program may hang or miss updates); put it in a global or the "
             "heap");
}

// Data, when there is some, follows as a string. Over the line, from the
// shadow's own thread: no event loop in the way.
void reply(Shadow &S, int64_t Value, int Errno, uint64_t Extra = 0,
           std::string_view Data = {}) {
  // What the call wrote at home into pages home holds of another node (a
  // block calloc cleared, realloc moved, a list glob built, in pages that
  // moved to their writer) is there before the thread reads it.
  if (dsm::PagesMovedAway.load(std::memory_order_relaxed) &&
      TheJob->Cache->written())
    release();
  wire::Writer W(Msg::ThreadReply);
  W.u64(S.Id).u64(static_cast<uint64_t>(Value)).i32(Errno).u64(Extra);
  if (!Data.empty())
    W.str(Data);
  S.Line->send(W.take());
}

// What a lock's answer carries of the lock's page the node keeps open
// (NodeCache::keptPage), read now: a byte, then the page as a diff against a
// page of zeros, if that is at most CarriedAtMost bytes and Page is one of
// this rank's own pages; else nothing, and the node fetches it. A page of a
// few objects beside a lock travels in a small message; a dense one would
// cost more in the answer than its fetch (4 KiB in the answer were measured
// slower than the MPI_Get they spared).
constexpr size_t CarriedAtMost = 1024;
std::string lockPageContents(uint64_t Page) {
  dsm::Space &Sp = *TheJob->Space;
  unsigned Me = static_cast<unsigned>(TheJob->C.rank());
  if (Page == UINT64_MAX || !Sp.contains(Sp.address(Page)) ||
      Sp.dataHomeOf(Page) != Me || Sp.moving(Page))
    return {};
  static const std::byte Zeros[PageBytes] = {};
  std::byte Now[PageBytes];
  std::memcpy(Now, Sp.writable(Page), PageBytes);
  std::string Diff = dsm::makeDiff(Zeros, Now);
  if (Diff.size() > CarriedAtMost)
    return {};
  return std::string(1, '\1') + Diff;
}

// Home's answer to a lock carries the mutex's kind, plus 1 (0: no mutex).
uint64_t mutexKindAnswer(sync::Op O, const sync::Args &A) {
  if (!sync::locksMutex(O))
    return 0;
  return 1 + static_cast<uint64_t>(static_cast<uint32_t>(sync::mutexKind(
                 static_cast<pthread_mutex_t *>(sync::lockedObject(O, A)))));
}

// A posted call failed, which postable() rules out for glibc's primitives.
// Nobody waits for its answer: say so once.
void postedFailed(Shadow &S, sync::Op O, int Err) {
  static std::atomic<bool> Said{false};
  if (Said.exchange(true))
    return;
  core::warn("a synchronisation call (operation " +
             std::to_string(static_cast<unsigned>(O)) + ") a thread on node " +
             std::to_string(S.Node) +
             " did not wait for failed at home: " + std::strerror(Err));
}

// A condition wait's answer whose thread was cancelled meanwhile carries
// this in place of errno (which a pthread_* call leaves alone): the thread
// takes the cancellation from it, on its line, in order with the answer,
// whether or not Msg::ThreadCancel has reached its node yet.
constexpr int CancelledWait = -1;

// The flags of a Call::Io (ioRequest).
constexpr uint32_t IoShared = 1, IoCancellable = 2;

// A remote thread's operation, carried out here. A condition wait is one a
// cancellation of the thread wakes (cancelRemote): the shadow says where it
// waits first, and a cancellation asked for before it waited answers at
// once, holding the mutex, as a spurious wake-up does. Either way the
// answer says so (Cancelled) and the thread acts on it at its node
// (cancellationPointAfterWait); the mark is taken only by an answer that
// says it. A wait that ended so may have taken a pthread_cond_signal meant
// for a thread that goes on waiting: it is passed on (a spurious wake-up
// for another waiter at worst), as glibc's cancelled waiter does.
sync::Result serveSemWait(Shadow &S, sync::Op O, const sync::Args &A,
                          bool &Cancelled);

sync::Result serveWait(Shadow &S, sync::Op O, const sync::Args &A,
                       bool &Cancelled) {
  Cancelled = false;
  if (O == sync::Op::SemWait || O == sync::Op::SemTimedwait ||
      O == sync::Op::SemClockwait)
    return serveSemWait(S, O, A, Cancelled);
  if (!sync::isCondWait(O))
    return sync::perform(O, A);
  auto *Cond = static_cast<pthread_cond_t *>(A.Object);
  {
    std::lock_guard<std::mutex> Lock(S.WaitMutex);
    S.WaitingOn = Cond;
  }
  sync::Result Res{0, 0};
  bool Waited = !S.CancelAsked.load();
  if (Waited)
    Res = sync::perform(O, A);
  {
    std::lock_guard<std::mutex> Lock(S.WaitMutex);
    S.WaitingOn = nullptr;
    Cancelled = S.CancelAsked.exchange(false);
  }
  if (Cancelled && Waited && Res.Value == 0)
    pthread_cond_signal(Cond);
  return Res;
}

// A join of a remote thread (pthread_join, or pthread_clockjoin_np until
// Until of Clock): a cancellation point, which nothing but the end of the
// joined thread ends, so the shadow waits in slices of SemSliceNs and
// looks at the cancellation mark between them, as for a semaphore. Cancelled,
// it answers with no join made (the thread is still joinable) and says so;
// a thread that cannot act on it then joins again (remoteJoin).
int serveJoin(Shadow &S, pthread_t Thread, void **Result, clockid_t Clock,
              const timespec *Until, bool &Cancelled);

// A semaphore wait of a remote thread: nothing but a post or a signal
// handler ends a sem_wait, so the shadow waits in slices of SemSliceNs
// (CLOCK_MONOTONIC's; the last is the call itself, up to its own time
// limit on its own clock) and looks at the cancellation mark between them.
// Cancelled, it answers -1 and EINTR, having taken no count, and says so
// (CancelledWait); a thread that cannot act on it then (cancellation
// disabled, or already unwinding) waits again (api's semCancellable), as
// glibc's sem_wait would have gone on waiting.
constexpr long SemSliceNs = 50'000'000;

// The time of clock Of one slice from now, in T; false if Of cannot be read.
bool sliceFromNow(clockid_t Of, timespec &T) {
  if (clock_gettime(Of, &T) != 0)
    return false;
  T.tv_nsec += SemSliceNs;
  if (T.tv_nsec >= 1000000000) {
    T.tv_nsec -= 1000000000;
    ++T.tv_sec;
  }
  return true;
}

// Whether a wait sliced so (serveSemWait, serveJoin) is at its last slice:
// at most a slice before Until of Clock (null: no limit), or a clock or
// time the C library refuses (it takes only these two clocks). The call
// itself then runs, with its own limit, clock and errors.
bool lastSlice(clockid_t Clock, const timespec *Until) {
  if (Clock != CLOCK_REALTIME && Clock != CLOCK_MONOTONIC)
    return true;
  if (!Until)
    return false;
  timespec End;
  return Until->tv_nsec < 0 || Until->tv_nsec >= 1000000000 ||
         !sliceFromNow(Clock, End) || End.tv_sec > Until->tv_sec ||
         (End.tv_sec == Until->tv_sec && End.tv_nsec >= Until->tv_nsec);
}

sync::Result serveSemWait(Shadow &S, sync::Op O, const sync::Args &A,
                          bool &Cancelled) {
  // The call's own clock, for its own time limit; the slices are
  // CLOCK_MONOTONIC's, which no one sets back.
  clockid_t Clock = O == sync::Op::SemClockwait ? static_cast<clockid_t>(A.C)
                                                : CLOCK_REALTIME;
  for (;;) {
    if (S.CancelAsked.exchange(false)) {
      Cancelled = true;
      return {-1, EINTR};
    }
    if (O != sync::Op::SemWait && lastSlice(Clock, &A.Time))
      return sync::perform(O, A);
    sync::Args Slice = A;
    Slice.C = CLOCK_MONOTONIC;
    Slice.HasTime = sliceFromNow(CLOCK_MONOTONIC, Slice.Time);
    sync::Result Res = sync::perform(sync::Op::SemClockwait, Slice);
    if (Res.Value == 0 || Res.Errno != ETIMEDOUT)
      return Res;
  }
}

int serveJoin(Shadow &S, pthread_t Thread, void **Result, clockid_t Clock,
              const timespec *Until, bool &Cancelled) {
  for (;;) {
    if (S.CancelAsked.exchange(false)) {
      Cancelled = true;
      return EINTR; // not the program's: the node acts on the mark
    }
    if (lastSlice(Clock, Until))
      return pthread_clockjoin_np(Thread, Result, Clock, Until);
    timespec Slice;
    sliceFromNow(CLOCK_MONOTONIC, Slice);
    int Err = pthread_clockjoin_np(Thread, Result, CLOCK_MONOTONIC, &Slice);
    if (Err != ETIMEDOUT)
      return Err;
  }
}

// One call of a remote thread, carried out natively here. A posted one
// (Call::Posted, then the call) is not answered.
void serveCall(Shadow &S, wire::Reader &R) {
  auto C = static_cast<Call>(R.u16());
  bool Posted = C == Call::Posted;
  if (Posted) {
    C = static_cast<Call>(R.u16());
    if (C != Call::Sync && C != Call::Atomic && C != Call::FreeBatch)
      C = Call::Posted; // malformed, below
  }
  errno = 0;
  switch (C) {
  case Call::Sync: {
    auto O = static_cast<sync::Op>(R.u16());
    std::string_view Raw = R.str();
    sync::Args A;
    if (Raw.size() != sizeof A)
      break;
    std::memcpy(&A, Raw.data(), sizeof A);
    if (A.HasTime) {
      timespec Now;
      clock_gettime(CLOCK_MONOTONIC, &Now);
      sync::shiftDeadline(O, A, Now);
    }
    // The page of the lock the node keeps open (NodeCache::keptPage), whose
    // contents the answer carries once the lock is taken: only the page of
    // the object the operation locks, which home has just touched.
    uint64_t Kept = !Posted && R.more() ? R.u64() : UINT64_MAX;
    if (Kept !=
        reinterpret_cast<uintptr_t>(sync::lockedObject(O, A)) / PageBytes)
      Kept = UINT64_MAX;
    pinObject(A.Object);
    warnIfOnAnotherNodesStack(S, A.Object);
    bool Cancelled;
    sync::Result Res = serveWait(S, O, A, Cancelled);
    if (!Posted)
      return reply(S, Res.Value, Cancelled ? CancelledWait : Res.Errno,
                   mutexKindAnswer(O, A),
                   sync::acquired(O, A, Res) ? lockPageContents(Kept)
                                             : std::string());
    if (Res.Value != 0)
      postedFailed(S, O, static_cast<int>(Res.Value));
    return;
  }
  case Call::Atomic: {
    std::string_view Raw = R.str();
    sync::AtomicArgs A;
    if (Raw.size() != sizeof A)
      break;
    std::memcpy(&A, Raw.data(), sizeof A);
    pinObject(A.Ptr);
    warnIfOnAnotherNodesStack(S, A.Ptr);
    sync::AtomicResult Res = sync::performAtomic(A);
    if (Posted)
      return;
    return reply(S, static_cast<int64_t>(Res.Value), 0, Res.Success);
  }
  case Call::Settle: // every call before it is carried out
    return reply(S, 0, 0);
  case Call::Posted:
    break;
  case Call::Alloc:
  case Call::AllocZeroed: {
    uint64_t Size = R.u64(), Align = R.u64();
    void *P = nullptr;
    int Err = 0;
    if (Align > alignof(std::max_align_t))
      Err = posix_memalign(&P, Align, Size);
    else if (!(P = malloc(Size)))
      Err = ENOMEM;
    if (P && C == Call::AllocZeroed)
      std::memset(P, 0, Size); // here, not page by page through the DSM
    return reply(S, reinterpret_cast<int64_t>(P), Err,
                 P ? malloc_usable_size(P) : 0);
  }
  case Call::Free:
    free(reinterpret_cast<void *>(R.u64()));
    return reply(S, 0, 0);
  case Call::AllocBatch: {
    uint64_t Size = R.u64(), Count = std::min<uint64_t>(R.u64(), 64);
    std::vector<uint64_t> Blocks;
    for (uint64_t I = 0; I < Count; ++I)
      if (void *P = malloc(Size))
        Blocks.push_back(reinterpret_cast<uint64_t>(P));
      else
        break;
    return reply(S, static_cast<int64_t>(Blocks.size()),
                 Blocks.empty() ? ENOMEM : 0, 0,
                 std::string_view(reinterpret_cast<const char *>(Blocks.data()),
                                  Blocks.size() * sizeof(uint64_t)));
  }
  case Call::FreeBatch: {
    std::string_view Raw = R.str();
    for (size_t At = 0; At + sizeof(uint64_t) <= Raw.size();
         At += sizeof(uint64_t)) {
      uint64_t P;
      std::memcpy(&P, Raw.data() + At, sizeof P);
      free(reinterpret_cast<void *>(P));
    }
    if (Posted)
      return;
    return reply(S, 0, 0);
  }
  case Call::Realloc: {
    void *Old = reinterpret_cast<void *>(R.u64());
    uint64_t Size = R.u64();
    // Home's copy of a page that moved may be older than what the thread
    // released before the call: dropped, the copy reads the new home's.
    if (dsm::PagesMovedAway.load(std::memory_order_relaxed))
      acquire();
    void *P = realloc(Old, Size);
    int Err = P || !Size ? 0 : ENOMEM;
    return reply(S, reinterpret_cast<int64_t>(P), Err,
                 P ? malloc_usable_size(P) : 0);
  }
  case Call::Usable:
    return reply(S, 0, 0,
                 malloc_usable_size(reinterpret_cast<void *>(R.u64())));
  case Call::Create: {
    auto *Site = reinterpret_cast<const __grid_site *>(R.u64());
    uint32_t Kind = R.u32();
    auto *Start = reinterpret_cast<void *(*)(void *)>(R.u64());
    auto *Arg = reinterpret_cast<void *>(R.u64());
    bool Detached = R.u32() != 0;
    pthread_attr_t Attr;
    pthread_attr_init(&Attr);
    if (Detached)
      pthread_attr_setdetachstate(&Attr, PTHREAD_CREATE_DETACHED);
    pthread_t T{};
    acquire(); // the new thread may start here: it must see the creator's
               // writes (released before the call), wherever they are homed
    int Err = Creator(Site, Kind, &T, Detached ? &Attr : nullptr, Start, Arg);
    pthread_attr_destroy(&Attr);
    return reply(S, Err, 0, static_cast<uint64_t>(T));
  }
  case Call::Join: {
    auto Thread = static_cast<pthread_t>(R.u64());
    auto How = static_cast<JoinWait::Kind>(R.u32());
    auto Clock = static_cast<clockid_t>(R.u32());
    bool HasTime = R.u32() != 0;
    timespec Time, SentAt;
    Time.tv_sec = static_cast<time_t>(R.u64());
    Time.tv_nsec = static_cast<long>(R.u64());
    SentAt.tv_sec = static_cast<time_t>(R.u64());
    SentAt.tv_nsec = static_cast<long>(R.u64());
    void *Result = nullptr;
    bool Cancelled = false;
    int Err;
    if (How == JoinWait::Try) {
      Err = pthread_tryjoin_np(Thread, &Result);
    } else {
      // The node read its CLOCK_MONOTONIC; the machines' real-time clocks
      // are taken to agree. A time the call refuses is left as it is.
      if (How == JoinWait::Until && HasTime && Clock == CLOCK_MONOTONIC) {
        timespec Here;
        clock_gettime(CLOCK_MONOTONIC, &Here);
        sync::moveTime(Time, SentAt, Here);
      }
      Err = serveJoin(
          S, Thread, &Result, How == JoinWait::Until ? Clock : CLOCK_REALTIME,
          How == JoinWait::Until && HasTime ? &Time : nullptr, Cancelled);
    }
    if (Err == 0)
      acquire();
    return reply(S, Err, Cancelled ? CancelledWait : 0,
                 reinterpret_cast<uint64_t>(Result));
  }
  case Call::Detach:
    return reply(S, pthread_detach(static_cast<pthread_t>(R.u64())), 0);
  case Call::Io: {
    uint32_t Flags = R.u32();
    bool Shared = Flags & IoShared, Cancellable = Flags & IoCancellable;
    if (!ServeIo)
      break;
    if (Shared)
      acquire(); // what the thread wrote before the call, wherever homed
    HomeAnswer A;
    if (Cancellable) {
      // Cancelled before it began, or while it waits here (EINTR), the
      // call ends with no effect, and the thread acts on the cancellation
      // as it returns. Store, then load, here and in cancelRemote: one of
      // the two sees the other's.
      S.InCancellableCall.store(true);
      bool Served = !S.CancelAsked.load();
      if (Served)
        A = ServeIo(R);
      {
        // Kicks are sent under WaitMutex: none reaches the thread's next
        // call, which may be one an EINTR would harm (a stream's).
        std::lock_guard<std::mutex> Waiting(S.WaitMutex);
        S.InCancellableCall.store(false);
      }
      if ((!Served || (A.Value < 0 && A.Errno == EINTR)) &&
          S.CancelAsked.exchange(false))
        A = {-1, CancelledWait, {}};
    } else {
      A = ServeIo(R);
    }
    if (Shared)
      release(); // what the call wrote, before the thread reads it
    return reply(S, A.Value, A.Errno, 0, A.Data);
  }
  case Call::Fatal: {
    std::string What(R.str()), ToDo(R.str());
    if (!R.ok())
      break;
    // What the thread wrote before is in home's streams already
    // (waitForOutput, before the shadow served this).
    core::fatal("", What, ToDo);
  }
  }
  core::fatal(S.Site,
              "a malformed call arrived from node " + std::to_string(S.Node),
              "");
}

// What the agent's C library reads itself on a remote thread's behalf must
// be home's: the locale (printf's digits are formatted there) and TZ
// (localtime). Sent with each thread start as "LC_ALL name\0TZ value" (TZ
// absent: no \0).
std::string homeLocale() {
  const char *Name = setlocale(LC_ALL, nullptr);
  std::string Text = Name ? Name : "C";
  if (const char *Tz = getenv("TZ"))
    Text.append(1, '\0').append(Tz);
  return Text;
}

// Agent, on the loop, at a thread start: takes home's locale and TZ when
// they changed since the last thread. (The C library does not allow this
// while another thread formats or reads the time zone; a change happens
// only when home changed its own between two thread starts.)
void followHomeLocale(std::string_view Text) {
  // Nothing matches at first: an agent's inherited TZ must go too.
  static std::string Last = std::string(1, '\1');
  if (Text == Last)
    return;
  Last = Text;
  size_t Zero = Text.find('\0');
  std::string Name(Text.substr(0, Zero));
  setlocale(LC_ALL, Name.c_str());
  if (Zero == std::string_view::npos)
    unsetenv("TZ");
  else
    setenv("TZ", std::string(Text.substr(Zero + 1)).c_str(), 1);
  tzset();
}

// The standard C++ streams' state, carried with each thread start
// (api/Streams.cpp, setStreamState).
StreamStateFn HomeStreamState = nullptr;
FollowStreamsFn FollowStreamState = nullptr;

// The signals a thread raises by its own execution, whose actions the
// program set at home go with each thread start to its node: a remote
// thread's fault outside the shared memory, or its division by zero,
// reaches the program's handler there (docs/design/dsm.md, signals).
// Others (abort's SIGABRT, SIGTRAP, SIGSYS) stay with the node's actions;
// signals from outside are delivered to home's process, whose actions are
// home's, and a remote thread's sigaction of one of them is carried out
// there (actionStaysOnNode, api/Signals.cpp).
constexpr int ThreadSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
bool threadSignal(int Sig) {
  return std::find(std::begin(ThreadSignals), std::end(ThreadSignals), Sig) !=
         std::end(ThreadSignals);
}
// The actions that travel with thread starts and ticks: ThreadSignals',
// installed on the node, and SIGCHLD's, only recorded there
// (ChildrenIgnored): installed, SIG_IGN would make the agent's kernel reap
// the children of the agent's own jobs (process/AgentJobs.cpp) unseen.
constexpr int TravellingSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGCHLD};

// Node: whether the program's SIGCHLD is ignored (SIG_IGN or
// SA_NOCLDWAIT), as home's last start or tick brought it or a remote
// thread of this node set it; the stamp of that thread's change, before
// which a start or tick read at home is not taken (ChildrenMutex).
std::atomic<bool> ChildrenIgnored{false};
std::mutex ChildrenMutex;
ActionsStamp ChildrenNoted{0, 0};
std::string ChildrenTaken; // SIGCHLD's action as last taken from home
// The kernel's flag for the C library's own return trampoline, which each
// process's sigaction sets itself.
constexpr uint64_t RestorerFlag = 0x04000000;

// Home, as a thread is created (in the order of its id) and on each tick
// of the loop (sendChangedThreadActions): each of ThreadSignals' actions
// as the program sees it (SIGSEGV's and SIGBUS's are the ones the DSM
// chains to), and the module each handler lies in.
std::vector<ThreadAction> homeThreadActions() {
  std::vector<ThreadAction> Actions;
  for (int Sig : TravellingSignals) {
    struct sigaction A = {};
    if (!dsm::exchangeChainedAction(Sig, nullptr, &A))
      sigaction(Sig, nullptr, &A);
    ThreadAction T;
    T.Sig = Sig;
    T.Handler = reinterpret_cast<uintptr_t>(A.sa_handler);
    T.Flags = static_cast<uint64_t>(A.sa_flags) & ~RestorerFlag;
    // Only the signals in it: glibc leaves the bytes of sa_mask past the
    // kernel's set as they were, which would look like a change.
    sigemptyset(&T.Mask);
    for (int Member = 1; Member < NSIG; ++Member)
      if (sigismember(&A.sa_mask, Member) == 1)
        sigaddset(&T.Mask, Member);
    if (A.sa_handler != SIG_DFL && A.sa_handler != SIG_IGN)
      moduleOf(T.Handler, T.Module, T.Base);
    Actions.push_back(std::move(T));
  }
  return Actions;
}

void writeThreadActions(wire::Writer &W,
                        const std::vector<ThreadAction> &Actions) {
  W.u32(static_cast<uint32_t>(Actions.size()));
  for (const ThreadAction &T : Actions)
    W.u32(static_cast<uint32_t>(T.Sig))
        .u64(T.Handler)
        .u64(T.Flags)
        .bytes(&T.Mask, sizeof T.Mask)
        .str(T.Module)
        .u64(T.Base);
}

// Agent, on the loop, at the start of thread Id (Gen 0) or when home's
// actions changed after threads started (ThreadActions: Id the newest
// thread's, Gen counting the changes): installs home's actions, each only
// if it changed at home since this node last took it (a handler a remote
// thread installed here stays until then). Actions read at home before
// those last taken are ignored: (Id, Gen) orders them as home read them.
// A handler this node does not have at the same address of the same
// module (a library home loaded and this node did not, or loaded
// elsewhere) is not installed, and stays so until home's action changes
// again: the warning lines returned say so, once per signal (a starting
// thread writes them; the loop sends those of a tick home itself, since it
// must not write to the pipe it empties).
std::string takeThreadActions(wire::Reader &R, uint64_t Id, uint64_t Gen) {
  static bool Warned[64];
  static std::string Taken[64]; // home's action as last taken, or empty
  static std::pair<uint64_t, uint64_t> Newest{0, 0}; // the last taken
  bool Older = std::make_pair(Id, Gen) < Newest;
  if (!Older)
    Newest = {Id, Gen};
  std::string Warnings;
  uint32_t Count = R.u32();
  for (uint32_t I = 0; I < Count; ++I) {
    int Sig = static_cast<int>(R.u32());
    uint64_t Handler = R.u64(), Flags = R.u64();
    std::string_view Mask = R.str(), Module = R.str();
    uint64_t Base = R.u64();
    bool Read = I + 1 < Count ? R.more() : R.ok(); // the start's last part
    if (!Read || Mask.size() != sizeof(sigset_t) ||
        std::find(std::begin(TravellingSignals), std::end(TravellingSignals),
                  Sig) == std::end(TravellingSignals))
      core::fatal("grid", "malformed signal actions arrived from home", "");
    std::string Action = std::to_string(Handler) + ' ' + std::to_string(Flags) +
                         ' ' + std::string(Mask);
    if (Sig == SIGCHLD) {
      std::lock_guard<std::mutex> Lock(ChildrenMutex);
      // Read before a change a thread here made since, or no change.
      if (Older || std::make_pair(Id, Gen) <= ChildrenNoted ||
          Action == ChildrenTaken)
        continue;
      ChildrenTaken = std::move(Action);
      // A note of a thread here older than this is not taken after it.
      ChildrenNoted = std::max(ChildrenNoted, std::make_pair(Id, Gen));
      ChildrenIgnored.store(reinterpret_cast<__sighandler_t>(Handler) ==
                                SIG_IGN ||
                            (Flags & SA_NOCLDWAIT) != 0);
      continue;
    }
    if (Older || Action == Taken[Sig])
      continue;
    Taken[Sig] = std::move(Action);
    struct sigaction A = {};
    A.sa_handler = reinterpret_cast<__sighandler_t>(Handler);
    A.sa_flags = static_cast<int>(Flags);
    std::memcpy(&A.sa_mask, Mask.data(), sizeof A.sa_mask);
    if (A.sa_handler != SIG_DFL && A.sa_handler != SIG_IGN) {
      if (!atSamePlace(Handler, Module, Base)) {
        if (!Warned[Sig])
          Warnings += core::warningLine(
              std::string("the program's SIG") + sigabbrev_np(Sig) +
              " handler is not at the same place on node " +
              std::to_string(TheJob->C.rank()) +
              (Base == 0 ? std::string(" (home could not tell where "
                                       "it lies)")
                         : " (its module " +
                               (Module.empty() ? std::string("the program")
                                               : std::string(Module)) +
                               ")") +
              ": that node keeps its own");
        Warned[Sig] = true;
        continue;
      }
    }
    if (!dsm::exchangeChainedAction(Sig, &A, nullptr))
      sigaction(Sig, &A, nullptr);
    TakenHandler[Sig].store(Handler);
  }
  return Warnings;
}

// Home, under ShadowsMutex: the actions each node was last sent, by a
// thread start or by sendChangedThreadActions (empty for a node no thread
// went to), and the count of changes sent. Never destroyed: the loop
// ticks during exit.
struct SentActions {
  std::vector<std::vector<ThreadAction>> ToNode;
  uint64_t Gen = 0;
};
SentActions &sentActions() {
  static auto *Sent = new SentActions;
  return *Sent;
}

bool sameActions(const std::vector<ThreadAction> &A,
                 const std::vector<ThreadAction> &B) {
  if (A.size() != B.size())
    return false;
  for (size_t I = 0; I < A.size(); ++I)
    if (A[I].Sig != B[I].Sig || A[I].Handler != B[I].Handler ||
        A[I].Flags != B[I].Flags ||
        std::memcmp(&A[I].Mask, &B[I].Mask, sizeof A[I].Mask) != 0)
      return false;
  return true;
}

// Home, on the loop every tick once a thread ran on another node: sends
// the program's actions of ThreadSignals to each node a thread went to
// whose last ones they no longer are (changed by sigaction, signal, or the
// kernel's reset of an SA_RESETHAND handler), so that threads already
// running there take them too; a node's next thread start brings them
// anyway. The actions are read under ShadowsMutex, in the order of the
// threads' starts, and compared with what each node was sent last, so a
// change undone within a tick still reaches the node a start in between
// brought it to. Nothing here takes the loader's lock (moduleOf).
void sendChangedThreadActions() {
  std::vector<ThreadAction> Actions;
  std::vector<int> To;
  uint64_t Id, Gen;
  {
    std::lock_guard<std::mutex> Lock(TheJob->ShadowsMutex);
    if (TheJob->NextShadow == 0)
      return;
    Actions = homeThreadActions();
    SentActions &Sent = sentActions();
    for (size_t Node = 1; Node < Sent.ToNode.size(); ++Node)
      if (!Sent.ToNode[Node].empty() &&
          !sameActions(Sent.ToNode[Node], Actions)) {
        Sent.ToNode[Node] = Actions;
        To.push_back(static_cast<int>(Node));
      }
    if (To.empty())
      return;
    Id = TheJob->NextShadow;
    Gen = ++Sent.Gen;
  }
  std::vector<cluster::NodeInfo> Nodes = TheJob->C.nodesSnapshot(0); // loop
  for (int Node : To) {
    if (static_cast<size_t>(Node) < Nodes.size() && Nodes[Node].Lost)
      continue;
    wire::Writer W(Msg::ThreadActions);
    W.u64(Id).u64(Gen);
    writeThreadActions(W, Actions);
    sendFromLoop(Node, W.body());
  }
}

} // namespace

// The signal that ends a cancelled thread's descriptor or wait call at
// home (Shadow::InCancellableCall) with EINTR: SIGURG, whose default action
// is to ignore it and which programs rarely use (Go's runtime preempts
// with it for the same reasons). Its handler does nothing and restarts no
// call. Installed at the first such cancellation, only while SIGURG's
// action is the default; a program that set its own keeps it, and its
// threads' blocked calls then end only as they would have (docs).
void ignoreKick(int) {}

// kickReady runs under ShadowsMutex: core::realSigaction was found at load.
bool kickReady() {
  static std::mutex Installing;
  std::lock_guard<std::mutex> Lock(Installing);
  struct sigaction Now = {};
  if (core::realSigaction(SIGURG, nullptr, &Now) != 0)
    return false;
  if (!(Now.sa_flags & SA_SIGINFO) && Now.sa_handler == ignoreKick)
    return true;
  if ((Now.sa_flags & SA_SIGINFO) || Now.sa_handler != SIG_DFL)
    return false; // the program's
  struct sigaction Ours = {};
  Ours.sa_handler = ignoreKick;
  sigemptyset(&Ours.sa_mask);
  return core::realSigaction(SIGURG, &Ours, nullptr) == 0;
}

void fitShadowMask(sigset_t *Mask) {
  sigdelset(Mask, SIGSEGV);
  sigdelset(Mask, SIGBUS);
  struct sigaction Now = {};
  if (core::realSigaction(SIGURG, nullptr, &Now) == 0 &&
      !(Now.sa_flags & SA_SIGINFO) &&
      (Now.sa_handler == SIG_DFL || Now.sa_handler == ignoreKick))
    sigdelset(Mask, SIGURG);
}

// Home, under ShadowsMutex: a cancelled thread's call the shadow serves is
// interrupted; again on each tick (wakeCancelledWaits) until it returns,
// since a signal sent just before the shadow entered the system call is
// lost on it.
void kickCancelledCall(Shadow &S) {
  if (S.CancelAsked.load() && S.InCancellableCall.load() && kickReady())
    pthread_kill(S.Self, SIGURG);
}

bool cancelRemote(pthread_t Thread) {
  if (!TheJob || !TheJob->Home)
    return false;
  uint64_t Id = 0;
  unsigned Node = 0;
  {
    std::lock_guard<std::mutex> Lock(TheJob->ShadowsMutex);
    for (auto &[ShadowId, S] : TheJob->Shadows)
      if (pthread_equal(S->Self, Thread)) {
        Id = ShadowId;
        Node = S->Node;
        std::lock_guard<std::mutex> Waiting(S->WaitMutex);
        S->CancelAsked.store(true);
        if (S->WaitingOn)
          pthread_cond_broadcast(S->WaitingOn);
        kickCancelledCall(*S);
        break;
      }
  }
  if (Id == 0)
    return false;
  wire::Writer W(Msg::ThreadCancel);
  W.u64(Id);
  sendFromLoop(static_cast<int>(Node), W.body());
  return true;
}

namespace {

// Home, on the loop every tick: a condition wait a shadow began just after
// its thread's cancellation looked (cancelRemote) missed that wake-up; it
// gets another (waiters wake spuriously, which POSIX allows).
void wakeCancelledWaits() {
  std::lock_guard<std::mutex> Lock(TheJob->ShadowsMutex);
  for (auto &[Id, S] : TheJob->Shadows)
    if (S->CancelAsked.load()) {
      std::lock_guard<std::mutex> Waiting(S->WaitMutex);
      if (S->CancelAsked.load() && S->WaitingOn)
        pthread_cond_broadcast(S->WaitingOn);
      kickCancelledCall(*S);
    }
}

// Home, on the creating thread once the shadow exists (its pthread_t is
// the thread's pthread_self): thread creation is a release, then the start
// goes to the node. Sent here, not by the shadow, so that the node starts
// the thread while the shadow is still being scheduled. The creator's
// signal mask is the shadow's, as the thread would have had it at home:
// the thread starts with it on its node.
void sendStart(Shadow &S, pthread_t Self) {
  {
    std::lock_guard<std::mutex> Lock(TheJob->ShadowsMutex);
    S.Self = Self;
  }
  release(); // what home wrote is visible to the thread
  sigset_t Mask;
  core::realSigmask(SIG_BLOCK, nullptr, &Mask);
  wire::Writer Start(Msg::ThreadStart);
  Start.u64(S.Id)
      .u64(reinterpret_cast<uint64_t>(S.Start))
      .u64(reinterpret_cast<uint64_t>(S.Arg))
      .u64(static_cast<uint64_t>(Self))
      .u64(S.StackBytes)
      .str(homeLocale())
      .str(HomeStreamState ? HomeStreamState() : std::string())
      .bytes(&Mask, sizeof Mask);
  writeThreadActions(Start, S.Actions);
  sendFromLoop(static_cast<int>(S.Node), Start.body());
}

void *shadowMain(void *Box) {
  Shadow &S = *static_cast<Shadow *>(Box);
  ServedNode = S.Node;
  // Its thread waits for each answer; pthread_getschedparam of the thread
  // at home reports the shadow's policy (core::SliceOf).
  core::shortenSlice(core::SliceOf::ProgramThread);
  // Cancelling the shadow would not cancel the remote thread, and would
  // leave it waiting for answers forever: pthread_cancel of a thread on
  // another node is not supported (dsm.md), so the shadow ignores it.
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, nullptr);
  // Named for top -H, gdb and /proc: "grid-shadow-N" serves a thread on
  // node N.
  std::string Name = "grid-shadow-" + std::to_string(S.Node);
  pthread_setname_np(pthread_self(), Name.substr(0, 15).c_str());
  sync::setClusterCalls(true);
  sync::HomeCaching.store(true);
  void *Result = nullptr;
  // The thread's messages come over its line or through the loops, and a
  // posted call is not waited for: one may overtake another. Each carries
  // its place in the thread's order, and is served in it.
  wire::InOrder Order;
  for (;;) {
    std::string Body;
    while (!Order.next(Body)) {
      std::string Got = S.Line->receive();
      wire::Reader R(Got);
      R.u64(); // the id
      uint64_t Seq = R.u64();
      bool Malformed = !R.more();
      R.u64(); // the output stamp (of a call or of the thread's end)
      if (!Malformed && R.type() == Msg::ThreadCall &&
          static_cast<Call>(R.u16()) == Call::Fatal) {
        // At once: a thread that fails inside a send (its stack overflows)
        // leaves a gap before it.
        wire::Reader F(Got);
        F.u64(), F.u64();
        waitForOutput(S.Node, F.u64()); // what it wrote before, first
        serveCall(S, F);
      }
      if (Malformed || !Order.put(Seq, std::move(Got)))
        core::fatal(S.Site,
                    "a malformed or repeated message arrived from node " +
                        std::to_string(S.Node),
                    "");
    }
    wire::Reader R(Body);
    R.u64(); // the id
    R.u64(); // its place
    if (R.type() == Msg::ThreadCall || R.type() == Msg::ThreadDone)
      waitForOutput(S.Node, R.u64()); // what the node sent before is written
    if (R.type() == Msg::ThreadDone) {
      Result = reinterpret_cast<void *>(R.u64());
      uint64_t UserNs = R.u64(), SystemNs = R.u64();
      CacheReport Report;
      for (uint64_t &Value : Report.Values)
        Value = R.u64();
      if (R.ok() && S.Node < dsm::MaxRanks) {
        for (unsigned Stat = 0; Stat < AgentStats; ++Stat)
          raiseTo(AgentReport[S.Node][Stat], Report.Values[Stat]);
        TheCpuBook->ended(S.Id, S.Node, UserNs, SystemNs);
      }
      break;
    }
    serveCall(S, R);
  }
  acquire(); // the thread's end: its writes are home, drop stale copies
  {
    std::lock_guard<std::mutex> Lock(TheJob->ShadowsMutex);
    TheJob->Shadows.erase(S.Id);
  }
  RemoteLive[S.Node].fetch_sub(1);
  delete &S;
  return Result;
}

//===----------------------------------------------------------------------===//
// Home: stdout and stderr of the agents' threads
//===----------------------------------------------------------------------===//

// Written into home's own streams, so they keep their order with what home
// writes itself. A stream another thread holds is written on a later tick,
// or by a shadow that waits for it (waitForOutput). In order: an entry
// with nothing to write (a malformed message's) is counted in its turn.

bool flushOutput() {
  if (TheJob->Flushing.exchange(true))
    return false; // another thread flushes
  bool Held = false;
  for (;;) {
    Job::Output *Next;
    {
      std::lock_guard<std::mutex> Lock(TheJob->PendingMutex);
      if (TheJob->PendingOutput.empty())
        break;
      Next = &TheJob->PendingOutput.front(); // stays put: pushes go behind
    }
    if (Next->Fd == 1 || Next->Fd == 2) {
      FILE *F = Next->Fd == 2 ? stderr : stdout;
      if (ftrylockfile(F) != 0) {
        Held = true;
        break;
      }
      fwrite_unlocked(Next->Text.data(), 1, Next->Text.size(), F);
      if (Next->Fd == 2)
        fflush_unlocked(F);
      funlockfile(F);
    }
    int Node = Next->Node;
    {
      std::lock_guard<std::mutex> Lock(TheJob->PendingMutex);
      TheJob->PendingOutput.pop_front();
    }
    OutputSeen[Node].fetch_add(1); // the node's next call may go on
    TheJob->OutputWritten.fetch_add(1);
  }
  TheJob->Flushing.store(false);
  return Held;
}

// A shadow, before it serves a call or a thread's end: until home has
// written the Before output messages Node sent first. It writes them itself
// where it can (FILE locks are recursive: the shadow may hold the stream,
// for a remote flockfile). Once a stream another thread holds has stopped
// the writes for OutputPatience, nothing written meanwhile, it goes on: a home
// thread that holds the stream and waits for this thread would wait for ever;
// the output then comes after the call, and while nothing has been written
// since (StuckAt) the node's later calls do not wait again. Output that has not
// arrived yet is waited for without limit: it is on its way.
constexpr std::chrono::milliseconds OutputPatience{1000};
std::atomic<uint64_t> StuckAt[dsm::MaxRanks];

void waitForOutput(unsigned Node, uint64_t Before) {
  if (Node >= dsm::MaxRanks)
    return;
  uint64_t Seen = OutputSeen[Node].load();
  if (Seen >= Before || StuckAt[Node].load() == Seen + 1)
    return;
  // Since when a held stream has stopped the writes, nothing of anyone's
  // written meanwhile (OutputWritten). Another thread's flush (the loop's
  // tick) neither starts nor ends it.
  std::optional<std::chrono::steady_clock::time_point> HeldSince;
  uint64_t Written = TheJob->OutputWritten.load();
  for (;;) {
    bool Held = flushOutput();
    Seen = OutputSeen[Node].load();
    if (Seen >= Before)
      return;
    uint64_t Now = TheJob->OutputWritten.load();
    if (Now != Written) {
      HeldSince.reset();
      Written = Now;
    }
    if (Held && !HeldSince)
      HeldSince = std::chrono::steady_clock::now();
    if (HeldSince &&
        std::chrono::steady_clock::now() - *HeldSince >= OutputPatience) {
      StuckAt[Node].store(Seen + 1); // + 1: 0 is never stuck
      core::log(LogLevel::Debug,
                "node " + std::to_string(Node) +
                    "'s output waits for a stream another thread holds; "
                    "its thread's calls go first until it is written");
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

//===----------------------------------------------------------------------===//
// Agent: remote threads
//===----------------------------------------------------------------------===//

struct Remote {
  uint64_t Id = 0;
  // Messages sent to the shadow, which serves them in this order whichever
  // way each travels (the line or the loop); ThreadDone carries the count.
  uint64_t Sent = 0;
  // Posted calls sent since the last answer: not yet known carried out.
  uint64_t Posted = 0;
  // The lock page home last answered without its contents (too dense to
  // carry, lockPageContents): not asked for again.
  size_t DensePage = SIZE_MAX;
  // The mutexes it holds and their kinds (noteHeld): an unlock is posted
  // only for one of them whose kind's unlock cannot fail.
  struct HeldMutex {
    const void *Mutex = nullptr;
    int Kind = 0;
  };
  HeldMutex Held[8];
  unsigned NextHeld = 0;
  void *(*Start)(void *) = nullptr;
  void *Arg = nullptr;
  pthread_t HomeSelf{};
  void *Result = nullptr;
  std::unique_ptr<cluster::Line> Line; // to its shadow at home
  void *Stack = nullptr;
  size_t StackBytes = RemoteStackBytes;
  pthread_t Self{};
  sigset_t Mask{};      // its creator's signal mask at home
  std::string Warnings; // to write as it starts (takeThreadActions)
  // Whether its messages look at the node's output pipes first, as every
  // thread's do once the node forked: it wrote there itself (its warnings).
  bool LookAtPipes = false;
  // The CPU time it used, user and system, as it ended (ThreadDone), and
  // its CPU clock while it runs (0 until it has started): NodeCpu.
  uint64_t UserNs = 0, SystemNs = 0;
  std::atomic<clockid_t> CpuClock{0};
  // 1 once its cancellation is asked for (Msg::ThreadCancel, or its own
  // pthread_cancel) and not yet acted on; a futex word, which its
  // cancellable sleeps wait on.
  std::atomic<uint32_t> CancelWord{0};
  // Its small allocations (HomeHeap): blocks of home's heap allocated for
  // it in batches, by size class, not yet handed out; and the blocks of
  // home's heap it freed since its last release, which go home with the
  // next release (releaseCache). Agent's memory (RuntimeScope).
  std::vector<std::pair<size_t, std::vector<void *>>> Stash;
  std::vector<void *> Freed;
};

// Agent: the threads started here and not yet ended, by id, for
// Msg::ThreadCancel and NodeCpu.
std::mutex RunningMutex;
std::map<uint64_t, Remote *> &running() {
  static auto *Running = new std::map<uint64_t, Remote *>; // lives on
  return *Running;
}
// Agent: whether a thread ended here since the last NodeCpu.
bool EndedSinceReport = false;

// Agent, on the loop: the CPU time so far of each of the program's threads
// running here, to home, which adds it to its process's until the thread's
// ThreadDone brings the exact time (remoteCpu). Sent while threads run
// here, and once after the last ended (home then forgets their ids).
void reportNodeCpu() {
  wire::Writer W(Msg::NodeCpu);
  {
    std::lock_guard<std::mutex> Lock(RunningMutex);
    if (running().empty() && !EndedSinceReport)
      return;
    EndedSinceReport = false;
    W.u32(static_cast<uint32_t>(running().size()));
    for (auto &[Id, R] : running()) {
      timespec T = {};
      clockid_t Clock = R->CpuClock.load(std::memory_order_acquire);
      if (Clock == 0 || clock_gettime(Clock, &T) != 0)
        T = {};
      W.u64(Id).u64(uint64_t(T.tv_sec) * 1000000000u + uint64_t(T.tv_nsec));
    }
  }
  TheJob->C.loop().send(0, W);
}

// The agent's thread starter (see launch()), which also takes what the
// threads hold of their output when home exits (HeldFlush).
struct Starter {
  std::mutex Mutex;
  std::condition_variable Wake;
  std::deque<Remote *> ToStart;
  std::vector<Remote *> Ended;
  bool HeldAsked = false;
};
Starter *TheStarter;

// Initial-exec: read in the fault handler (stackOverflowed), where a
// dynamic TLS access could allocate.
__attribute__((tls_model("initial-exec"))) thread_local Remote *Current =
    nullptr;

// The remote thread's last condition wait ended for its cancellation (its
// answer said CancelledWait): cancellationPointAfterWait acts on it.
thread_local bool WaitCancelled = false;

// Space's hook for faults on the agent's own closed pages: a remote
// thread that touches its stack's guard page ran out of stack. Without an
// alternate signal stack the kernel would end the agent with no word; with
// one, home says which thread and what to do.
void stackOverflowed(void *Page) {
  RuntimeScope Scope; // the message's strings stay on this node
  Remote *R = Current;
  auto *Guard = static_cast<std::byte *>(R ? R->Stack : nullptr);
  if (!Guard || static_cast<std::byte *>(Page) != Guard - 4096)
    return;
  remoteFatal("a thread on node " + std::to_string(TheJob->C.rank()) +
                  " overflowed its stack (" +
                  std::to_string(R->StackBytes >> 10) + " KiB)",
              "give it a larger stack (pthread_attr_setstacksize), or use "
              "less of it");
}

int OutputPipes[3] = {-1, -1, -1}; // read ends for fds 1 and 2

// Forwards what the agent's threads wrote so far (loop thread).
// Held while output is read from the pipes and sent, and while a thread
// decides to send straight home: output read is always sent before a
// thread's later direct message (callHome).
std::mutex OutputOrder;
uint64_t OutputSent = 0; // ThreadOutput messages sent (under OutputOrder)

void drainOutputLocked() {
  char Buf[65536];
  for (int Fd : {1, 2}) {
    int P = OutputPipes[Fd];
    if (P < 0)
      continue;
    for (;;) {
      ssize_t N = ::read(P, Buf, sizeof Buf);
      if (N <= 0)
        break;
      TheJob->C.loop().send(0, wire::Writer(Msg::ThreadOutput)
                                   .u32(static_cast<uint32_t>(Fd))
                                   .bytes(Buf, static_cast<size_t>(N)));
      ++OutputSent;
    }
  }
}

void drainOutput() {
  std::lock_guard<std::mutex> Lock(OutputOrder);
  drainOutputLocked();
}

// Agent, on the loop: takes the actions a ThreadActions brought, and sends
// home at once, as output on stderr after what the threads wrote before,
// the warnings about those it could not install (the loop must not write
// to the pipe it empties; until 2026-11-27 they waited for the next thread
// start on the node, and were never written without one). Under
// OutputOrder: a thread that sees an action taken here and then calls
// home stamps its call after the warnings (sendToShadow).
void takeChangedActions(wire::Reader &R) {
  uint64_t Id = R.u64(), Gen = R.u64();
  std::lock_guard<std::mutex> Lock(OutputOrder);
  drainOutputLocked();
  std::string Warnings = takeThreadActions(R, Id, Gen);
  if (Warnings.empty())
    return;
  TheJob->C.loop().send(0, wire::Writer(Msg::ThreadOutput)
                               .u32(2)
                               .bytes(Warnings.data(), Warnings.size()));
  ++OutputSent;
}

// Where callMessage puts the message's place in its thread's order, and
// the count of output messages sent before it.
constexpr size_t SeqAt = sizeof(uint16_t) + sizeof(uint64_t);
constexpr size_t OutputStampAt = SeqAt + sizeof(uint64_t);

// Posted sends from program threads. On an agent, output written before
// the message goes first; a Stamped message (a thread's call or its end)
// then carries the count of output messages sent before it, this one's
// included, which home writes before it serves the message.
void sendFromLoop(int Dest, std::string Body, bool Stamped) {
  TheJob->C.loop().post([Dest, Stamped, Body = std::move(Body)]() mutable {
    if (!TheJob->Home)
      drainOutput();
    if (Stamped && Body.size() >= OutputStampAt + sizeof OutputSent) {
      std::lock_guard<std::mutex> Lock(OutputOrder);
      std::memcpy(Body.data() + OutputStampAt, &OutputSent, sizeof OutputSent);
    }
    TheJob->C.loop().send(Dest, std::move(Body));
  });
}

struct Answer {
  int64_t Value = 0;
  int Errno = 0;
  uint64_t Extra = 0;
  std::string Data; // when the answer carries some (agent's own memory)
};

// What a child a thread of this node forked wrote to fds 1 and 2 (the
// agent's pipes), not yet forwarded: the loop sends it before the thread's
// next message. Asked of an epoll set of the two pipes (OutputReady), which
// answers an empty ready list without looking at each pipe: a third of a
// poll(2) of both. A write to a pipe puts it on the list before the write
// returns, and the loop's read takes it off by the next look, so the
// answer is the pipes' own. Asked only once this node's threads have
// forked (NodeForked): the C library's messages a thread writes (perror,
// error, warn, assert...) go home in order as calls of their own
// (api/RemoteIo.cpp). What else of a thread's still reaches the pipes
// (wide-character streams, psiginfo, the C library's fatal messages)
// arrives in no set place (docs/design/remote-io.md). The look cost
// 0.13 us of a 1.2 us forwarded write.
int OutputReady = -1;

bool outputWaiting() {
  epoll_event Event;
  return OutputReady >= 0 && ::epoll_wait(OutputReady, &Event, 1, 0) > 0;
}

// What api holds back of the thread's output goes home now (setHeldOutput;
// api's flush knows its own call home). At the thread's end the key
// destructors run inside, and their calls send what it holds first.
void flushHeld(bool Final = false) {
  if (!Current || !HeldOutputFlush)
    return;
  core::ErrnoGuard Guard; // a failed write is the stream's error, not errno's
  HeldOutputFlush(Final);
}

// Takes W's body and gives it the next place in R's order.
std::string inOrder(Remote &R, wire::Writer &W) {
  std::string Body = W.take();
  uint64_t Seq = R.Sent++;
  std::memcpy(Body.data() + SeqAt, &Seq, sizeof Seq);
  return Body;
}

// Over the thread's line, no event loop in the way, unless something the
// loop holds must go first.
void sendToShadow(Remote &R, wire::Writer &W) {
  cluster::EventLoop &Loop = TheJob->C.loop();
  std::string Body = inOrder(R, W);
  std::unique_lock<std::mutex> Lock(OutputOrder);
  std::memcpy(Body.data() + OutputStampAt, &OutputSent, sizeof OutputSent);
  if (!Loop.hasPosted() &&
      !((NodeForked.load(std::memory_order_relaxed) || R.LookAtPipes) &&
        outputWaiting())) {
    R.Line->send(std::move(Body));
  } else {
    Lock.unlock();
    sendFromLoop(0, std::move(Body), /*Stamped=*/true);
  }
}

// Sends a call and waits for its answer. The shadow serves the thread's
// messages in order, so every call posted before is carried out by then.
Answer exchange(Remote &R, wire::Writer &W) {
  sendToShadow(R, W);
  std::string Got = R.Line->receive();
  R.Posted = 0;
  wire::Reader M(Got);
  Answer A;
  uint64_t Id = M.u64();
  A.Value = static_cast<int64_t>(M.u64());
  A.Errno = M.i32();
  A.Extra = M.u64();
  if (M.more())
    A.Data = M.str();
  if (M.type() != Msg::ThreadReply || Id != R.Id || !M.ok())
    core::fatal("grid",
                "a malformed answer came from home to a thread on node " +
                    std::to_string(TheJob->C.rank()),
                "");
  return A;
}

void releaseCache(Remote *R);

Answer callHome(wire::Writer &W) {
  flushHeld();
  RuntimeScope Scope; // the line's buffers are this node's
  // What the thread freed goes home before it waits for home (a lock, a
  // read of a pipe may wait long): HomeHeap, postFrees.
  if (!Current->Freed.empty())
    releaseCache(Current);
  return exchange(*Current, W);
}

// A call the thread does not wait for (postable()): home carries it out
// before anything the thread sends later.
void postHome(wire::Writer &W) {
  flushHeld();
  RuntimeScope Scope;
  Remote &R = *Current;
  sendToShadow(R, W);
  ++R.Posted;
}

// A call of R's, its place and output count filled in when it is sent.
wire::Writer callMessage(Call C, const Remote &R = *Current) {
  wire::Writer W(Msg::ThreadCall);
  W.u64(R.Id).u64(0).u64(0).u16(static_cast<uint16_t>(C));
  return W;
}

// Diffs reach home by another way than the line (one-sided, or the loop):
// before they may be applied there, R's posted calls must have been carried
// out, or a write the thread made after an unlock it posted (destroying the
// mutex, say) could land before that unlock. Only a release that sends a
// diff while calls are posted pays the round trip.
// Synchronisation the thread carries out on its node (an atomic of the
// node's own memory, a fence) settles whether or not it has diffs: another
// thread of the node that synchronises with it may next ask home for what
// the posted call changed (Always).
void settle(Remote &R, bool Always = false) {
  if (R.Posted == 0 || (!Always && !TheJob->Cache->written()))
    return;
  wire::Writer W = callMessage(Call::Settle, R);
  exchange(R, W);
}

// The node's cache releases (or acquires, which releases first) on behalf
// of a remote thread (the calling one; the starter's for one that ended),
// or of a thread at home (none).
void postFrees(Remote &R);

void releaseCache(Remote *R = Current) {
  if (R)
    settle(*R);
  TheJob->Cache->release();
  if (R)
    postFrees(*R);
}
void acquireCache(size_t Prefetch = SIZE_MAX,
                  const std::string *Carried = nullptr) {
  if (Current)
    settle(*Current);
  TheJob->Cache->acquire(Prefetch, Carried);
}

// The thread's end: the starter joins it, so that its thread_local
// destructors (which may write shared memory, or call home) have run before
// the release and ThreadDone (finish()).
void remoteFinished(void *Box) {
  auto &R = *static_cast<Remote *>(Box);
  // After the program's cleanup handlers and the unwind of pthread_exit,
  // however the thread ends; what key destructors write after goes home
  // unheld.
  flushHeld(/*Final=*/true);
  // Its CPU time, which home adds to the process's (remoteCpu): its key
  // destructors' after this are not in it.
  struct rusage Used = {};
  if (getrusage(RUSAGE_THREAD, &Used) == 0) {
    CpuTime Own = cpuTimeOf(Used);
    R.UserNs = Own.UserNs;
    R.SystemNs = Own.SystemNs;
  }
  // In a fork child the thread is the process's last: it ends with it,
  // and the node's starter is not there to join it.
  if (!inJobProcess())
    return;
  RuntimeScope Scope; // the list's memory is the agent's own
  {
    std::lock_guard<std::mutex> Lock(RunningMutex);
    running().erase(R.Id);
    EndedSinceReport = true;
  }
  std::lock_guard<std::mutex> Lock(TheStarter->Mutex);
  TheStarter->Ended.push_back(&R);
  TheStarter->Wake.notify_one();
}

// On the starter, once R's pthread has ended: thread exit is a release (the
// cache is the node's, so this sends the ended thread's writes too), and
// the blocks of its stash go back with those it freed.
void finish(Remote &R) {
  {
    RuntimeScope Scope;
    for (auto &[Class, Blocks] : R.Stash)
      R.Freed.insert(R.Freed.end(), Blocks.begin(), Blocks.end());
    R.Stash.clear();
  }
  releaseCache(&R); // R's line is the starter's now
  wire::Writer W(Msg::ThreadDone);
  W.u64(R.Id)
      .u64(0) // its place (sendToShadow)
      .u64(0) // the output stamp
      .u64(reinterpret_cast<uint64_t>(R.Result))
      .u64(R.UserNs)
      .u64(R.SystemNs);
  // GRID_STATS: its node's cache, in AgentStat's order.
  for (uint64_t Value : cacheReport().Values)
    W.u64(Value);
  // What the node's pipes hold (the C library's writes no call catches, a
  // warning written on the thread) goes before the thread's end, whether or
  // not a thread of the node forked: through the loop, which drains them.
  R.LookAtPipes = true;
  sendToShadow(R, W);
}

void *remoteMain(void *Box) {
  auto &R = *static_cast<Remote *>(Box);
  Current = &R;
  // The fault handler runs here when the stack is full (stackOverflowed).
  stack_t Alt = {};
  Alt.ss_size = size_t(256) << 10;
  Alt.ss_sp = mmap(nullptr, Alt.ss_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (Alt.ss_sp != MAP_FAILED)
    sigaltstack(&Alt, nullptr);
  // The thread keeps the starter's mask, every signal blocked but its
  // faults: a handler of the program's run while the thread holds the
  // node's cache or is inside MPI would wait for itself (a SIGPROF timer
  // deadlocked the thread so). A child it forks takes its creator's mask
  // instead (forkChild), as it would have at home.
  CreatorMask = R.Mask;
  clockid_t Clock;
  if (pthread_getcpuclockid(pthread_self(), &Clock) == 0)
    R.CpuClock.store(Clock, std::memory_order_release);
  sync::RemoteThread = true;
  // Its every call waits for home's answer, whose wake-up must not wait
  // behind other work's slice: the short slice the runtime's threads have.
  // (Compute threads alone on a core lose nothing: slices end at the
  // tick. Two sharing one core took 0.81-0.83 s either way.)
  core::shortenSlice(core::SliceOf::ProgramThread);
  sync::HomeSelf = R.HomeSelf;
  if (!R.Warnings.empty()) {
    RuntimeScope Scope;
    core::writeStderr(R.Warnings);
    // Its next message goes after them (sendToShadow).
    R.LookAtPipes = true;
  }
  {
    RuntimeScope Scope;
    acquireCache(); // thread start is an acquire
  }
  pthread_cleanup_push(remoteFinished, &R);
  R.Result = R.Start(R.Arg);
  pthread_cleanup_pop(1);
  // (After pthread_exit the alternate stack stays mapped: 64 KiB a thread.)
  if (Alt.ss_sp != MAP_FAILED) {
    stack_t Off = {};
    Off.ss_flags = SS_DISABLE;
    sigaltstack(&Off, nullptr);
    munmap(Alt.ss_sp, Alt.ss_size);
  }
  return nullptr;
}

// Threads are started (and joined once ended) by a starter thread, not by
// the loop: pthread_create takes the dynamic loader's lock, which a remote
// thread may hold while it waits for the loop (its allocations during a
// dlopen go home), so the loop must never wait for it.

// The node's cores (starter thread). A thread is pinned to the least busy
// core, as home pins its own, by the same local::LocalThreads (which counts
// the threads per core until each ends, and unpins a fork child), ties
// going from this rank's share of its host's cores on: ranks of one host
// start on different cores. Unpinned, a node's thread that spins for its
// shadow's answer shared a core with home's pinned thread in about half
// the runs of the lock handoff figure, which took 40 us a handoff then
// against 4 (benchmarks/RESULTS.md).
struct NodeCores {
  std::unique_ptr<local::LocalThreads> Threads; // null: threads unpinned
  unsigned First = 0;
};

// This host's cores (the process's one reading of them, which home's
// placement shares), or null if hwloc cannot tell: an agent's for its
// threads (nodeCores), home's for its shadows (pinShadow).
const topology::Topology *hostTopology() {
  // No guarded static around the reading (see Topology::thisMachine): a
  // failure is logged once and asked again next time.
  static std::atomic<bool> Logged{false};
  try {
    return &topology::Topology::thisMachine();
  } catch (const std::exception &E) {
    if (!Logged.exchange(true))
      core::log(LogLevel::Info,
                std::string("threads of this rank stay unpinned: ") + E.what());
    return nullptr;
  }
}

// The core rank Rank of this host starts pinning its threads from: its
// share of the host's Cores, in the order of the host's ranks.
unsigned firstCoreOf(int Rank, size_t Cores) {
  cluster::Transport &T = TheJob->C.loop().transport();
  unsigned Index = 0, OnHost = 0;
  for (int R = 0; R < T.size(); ++R)
    if (R == T.rank() || T.sameHost(R)) {
      Index += R < Rank;
      ++OnHost;
    }
  return static_cast<unsigned>(Cores * Index / OnHost);
}

NodeCores &nodeCores() {
  static NodeCores *C = [] {
    auto *N = new NodeCores; // lives until exit, as the starter does
    const topology::Topology *Topo = hostTopology();
    if (!Topo)
      return N;
    N->Threads = std::make_unique<local::LocalThreads>(*Topo);
    N->First =
        firstCoreOf(TheJob->C.loop().transport().rank(), Topo->cores().size());
    return N;
  }();
  return *C;
}

// A fork child of a remote thread is no thread the node placed: it takes
// the process's CPUs, as a child of a thread home pinned does.
void unpinRemoteChild() {
  if (local::LocalThreads *Threads = nodeCores().Threads.get())
    Threads->forgetThreadsAfterFork();
}

// Home: a shadow of a thread on a node of this host runs on any core but
// the one that node pins its first thread to (launch), where that thread
// spins for the shadow's answers. Left to the scheduler, a shadow that
// landed there, both spinning, made 3 runs of 8 of the lock handoff figure
// take 7-12 us a handoff against 3.3 (8 of 8 at 3.3-3.4 us so). Only the
// first thread's core is known here: a node's later threads go to its
// least busy cores, which their shadows may share.
void pinShadow(pthread_attr_t *Attr, unsigned Node) {
  if (!TheJob->C.loop().transport().sameHost(static_cast<int>(Node)))
    return;
  const topology::Topology *Topo = hostTopology();
  if (!Topo || Topo->cores().size() < 2)
    return;
  size_t Cores = Topo->cores().size();
  unsigned Theirs = firstCoreOf(static_cast<int>(Node), Cores);
  cpu_set_t Set;
  CPU_ZERO(&Set);
  for (unsigned C = 0; C < Cores; ++C)
    if (C != Theirs) {
      cpu_set_t Of = Topo->cpuSetOf(C);
      CPU_OR(&Set, &Set, &Of);
    }
  if (CPU_COUNT(&Set) > 0)
    pthread_attr_setaffinity_np(Attr, sizeof Set, &Set);
}

void launch(Remote *R) {
  NodeCores &N = nodeCores();
  int Err;
  if (N.Threads) {
    std::vector<unsigned> Live = N.Threads->liveThreadsPerCore();
    size_t Best = N.First % Live.size();
    for (size_t I = 1; I < Live.size(); ++I) {
      size_t C = (N.First + I) % Live.size();
      if (Live[C] < Live[Best])
        Best = C;
    }
    local::LocalThreads::GivenStack Given{R->Stack, R->StackBytes, nullptr};
    Err = N.Threads->create(&R->Self, nullptr, remoteMain, R,
                            static_cast<unsigned>(Best), 0, &Given);
    if (Err == 0 && !Given.Used)
      core::fatal("grid",
                  "a thread on node " + std::to_string(TheJob->C.rank()) +
                      " started off the stack the shared range gave it",
                  "");
  } else {
    pthread_attr_t Attr;
    pthread_attr_init(&Attr);
    pthread_attr_setstack(&Attr, R->Stack, R->StackBytes);
    Err = pthread_create(&R->Self, &Attr, remoteMain, R);
    pthread_attr_destroy(&Attr);
  }
  if (Err != 0)
    core::fatal("grid",
                std::string("cannot start a thread on node ") +
                    std::to_string(TheJob->C.rank()) + ": " + strerror(Err),
                "");
}

// Joins the ended threads (their cleanup handler has run; what is left is
// their thread-local destructors), reports their end, and reuses their
// stacks.
size_t reap(std::vector<Remote *> &Ended) {
  size_t Joined = 0;
  for (auto It = Ended.begin(); It != Ended.end();) {
    Remote *R = *It;
    void *Value = nullptr;
    if (pthread_join(R->Self, &Value) != 0) {
      ++It;
      continue;
    }
    if (Value == PTHREAD_CANCELED) // its start routine never returned
      R->Result = PTHREAD_CANCELED;
    finish(*R);
    TheJob->Space->freeStack(R->Stack, R->StackBytes);
    delete R;
    It = Ended.erase(It);
    ++Joined;
  }
  return Joined;
}

// Home's exit waits this long at most for the agents' answers (HeldFlush),
// and an agent this long at most for a thread that is sending what it held.
constexpr double HeldAtExitSeconds = 5.0, HeldTakeSeconds = 3.0;
// The bytes a HeldFlushed part carries at most (a node's threads may hold
// 64 KiB each).
constexpr size_t HeldPartBytes = size_t(4) << 20;

// Sends home what the node's threads held (api's take, while none of them
// can send): in parts, each counted as output sent, so that a thread's next
// call waits at home until home has written them (shadowMain).
void sendHeldHome(std::vector<HeldBytes> &Held, unsigned Left) {
  RuntimeScope Scope;
  size_t First = 0;
  do {
    size_t End = First, Bytes = 0;
    while (End < Held.size() &&
           (End == First || Bytes + Held[End].Bytes.size() <= HeldPartBytes))
      Bytes += Held[End++].Bytes.size();
    bool Last = End == Held.size();
    wire::Writer W(Msg::HeldFlushed);
    W.u32(Last).u32(Last ? Left : 0);
    for (size_t I = First; I < End; ++I)
      W.u64(Held[I].Stream).str(Held[I].Bytes);
    {
      std::lock_guard<std::mutex> Lock(OutputOrder);
      ++OutputSent;
    }
    sendFromLoop(0, W.take());
    First = End;
  } while (First < Held.size());
}

void *starterMain(void *) {
  // Read the host's cores before the first thread comes (hwloc takes about
  // 2 ms here, which the first remote thread's start used to pay).
  nodeCores();
  std::vector<Remote *> Ended;
  size_t Running = 0; // threads of the program started here, not joined
  bool Solo = false;
  std::unique_lock<std::mutex> Lock(TheStarter->Mutex);
  for (;;) {
    TheStarter->Wake.wait_for(Lock, std::chrono::milliseconds(500), [] {
      return !TheStarter->ToStart.empty() || !TheStarter->Ended.empty() ||
             TheStarter->HeldAsked;
    });
    std::deque<Remote *> Start;
    Start.swap(TheStarter->ToStart);
    Ended.insert(Ended.end(), TheStarter->Ended.begin(),
                 TheStarter->Ended.end());
    TheStarter->Ended.clear();
    bool HeldAsked = std::exchange(TheStarter->HeldAsked, false);
    Lock.unlock();
    if (HeldAsked) {
      std::vector<HeldBytes> None;
      if (HeldOutputTake)
        HeldOutputTake(HeldTakeSeconds, sendHeldHome);
      else
        sendHeldHome(None, 0);
    }
    // The node's cache may keep a lock page open while one thread of the
    // program runs here (NodeCache::setSolo), never once a second starts.
    for (Remote *R : Start) {
      if (std::exchange(Solo, false))
        TheJob->Cache->setSolo(false);
      launch(R);
      ++Running;
    }
    Running -= reap(Ended);
    if (Solo != (Running == 1)) {
      Solo = Running == 1;
      TheJob->Cache->setSolo(Solo);
    }
    Lock.lock();
  }
  return nullptr;
}

void startStarter() {
  TheStarter = new Starter;
  // The program's signals must not land on it (it never ends); faults
  // must, as on any thread that may touch shared pages.
  pthread_t T;
  int Err;
  {
    core::ProgramSignalsBlocked Blocked;
    Err = pthread_create(&T, nullptr, starterMain, nullptr);
  }
  if (Err != 0)
    core::fatal(
        "grid",
        std::string("cannot start the thread starter: ") + strerror(Err), "");
  pthread_detach(T);
}

void startThread(wire::Reader &M) {
  static bool GlobalsClosed = false;
  if (!GlobalsClosed) {
    TheJob->Space->closeGlobals();
    GlobalsClosed = true;
  }
  auto *R = new Remote;
  R->Id = M.u64();
  R->Start = reinterpret_cast<void *(*)(void *)>(M.u64());
  R->Arg = reinterpret_cast<void *>(M.u64());
  R->HomeSelf = static_cast<pthread_t>(M.u64());
  if (uint64_t Asked = M.u64())
    R->StackBytes =
        std::max<size_t>((Asked + 4095) & ~size_t(4095), PTHREAD_STACK_MIN);
  followHomeLocale(M.str());
  std::string_view Streams = M.str();
  if (FollowStreamState && !Streams.empty())
    FollowStreamState(Streams);
  std::string_view Mask = M.str();
  if (Mask.size() == sizeof R->Mask)
    std::memcpy(&R->Mask, Mask.data(), sizeof R->Mask);
  R->Warnings = takeThreadActions(M, R->Id, 0);
  R->Line = std::make_unique<cluster::Line>(TheJob->C.loop(), 0,
                                            lineNumber(R->Id), R->Id);
  R->Stack = TheJob->Space->allocateStack(R->StackBytes);
  if (!R->Stack)
    core::fatal("grid",
                "no room left for another thread's stack on node " +
                    std::to_string(TheJob->C.rank()),
                "");
  {
    std::lock_guard<std::mutex> Lock(RunningMutex);
    running()[R->Id] = R;
  }
  std::lock_guard<std::mutex> Lock(TheStarter->Mutex);
  TheStarter->ToStart.push_back(R);
  TheStarter->Wake.notify_one();
}

// Agent: home asks to cancel one of its threads (cancelRemote). The thread
// acts on it at its next cancellation point (cancellationPoint); a sleep
// of its is woken.
void takeCancel(wire::Reader &M) {
  uint64_t Id = M.u64();
  std::lock_guard<std::mutex> Lock(RunningMutex);
  auto It = running().find(Id);
  if (!M.ok() || It == running().end())
    return; // it has ended
  It->second->CancelWord.store(1);
  syscall(SYS_futex, &It->second->CancelWord, FUTEX_WAKE_PRIVATE, INT_MAX,
          nullptr, nullptr, 0);
}

// glibc's pthread_cancel and pthread_testcancel (libgridrt.so defines both
// names: api/ThreadCalls.cpp), found before any thread runs.
constinit decltype(&::pthread_cancel) Real_pthread_cancel = nullptr;
constinit decltype(&::pthread_testcancel) Real_pthread_testcancel = nullptr;
[[gnu::constructor(101)]] void resolveCancel() {
  core::resolveNext(Real_pthread_cancel, "pthread_cancel");
  core::resolveNext(Real_pthread_testcancel, "pthread_testcancel");
}

} // namespace

void cancellationPoint() {
  Remote *R = sync::RemoteThread ? Current : nullptr;
  // Never inside the runtime's own work (a sleep of its own on the thread).
  if (!R || R->CancelWord.load(std::memory_order_relaxed) == 0 ||
      sync::InRuntime != 0)
    return;
  int Old;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &Old);
  if (Old != PTHREAD_CANCEL_ENABLE)
    return; // kept until the program enables it again
  R->CancelWord.store(0);
  // glibc's own cancellation, acted on at once: the thread unwinds from
  // here, outside the runtime's work, and its join answers PTHREAD_CANCELED.
  core::nextFunction(Real_pthread_cancel, "pthread_cancel")(pthread_self());
  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, nullptr);
  core::nextFunction(Real_pthread_testcancel, "pthread_testcancel")();
}

bool cancellationPointAfterWait() {
  if (!WaitCancelled)
    return false;
  WaitCancelled = false;
  cancelSelf();
  cancellationPoint();
  return true; // it could not act now
}

void cancelSelf() {
  if (Remote *R = sync::RemoteThread ? Current : nullptr)
    R->CancelWord.store(1);
}

uint64_t sleepCancellable(uint64_t Ns) {
  Remote *R = sync::RemoteThread ? Current : nullptr;
  if (R && !R->Freed.empty()) {
    RuntimeScope Scope;
    releaseCache(R); // what it freed goes home before it sleeps
  }
  core::ErrnoGuard KeepErrno; // a sleep slept whole leaves errno alone
  timespec Start;
  clock_gettime(CLOCK_MONOTONIC, &Start);
  auto Left = [&]() -> uint64_t {
    timespec Now;
    clock_gettime(CLOCK_MONOTONIC, &Now);
    uint64_t Gone =
        static_cast<uint64_t>(Now.tv_sec - Start.tv_sec) * 1000000000ULL +
        static_cast<uint64_t>(Now.tv_nsec) -
        static_cast<uint64_t>(Start.tv_nsec);
    return Gone >= Ns ? 0 : Ns - Gone;
  };
  for (uint64_t Rest = Ns; Rest > 0; Rest = Left()) {
    cancellationPoint(); // returns if none is asked for, or it is disabled
    timespec For = {static_cast<time_t>(Rest / 1000000000ULL),
                    static_cast<long>(Rest % 1000000000ULL)};
    if (!R || R->CancelWord.load() != 0) {
      // Asked for while the program disables it: a plain sleep (not
      // libgridrt's nanosleep, which would come back here).
      clock_nanosleep(CLOCK_MONOTONIC, 0, &For, nullptr);
      continue;
    }
    syscall(SYS_futex, &R->CancelWord, FUTEX_WAIT_PRIVATE, 0, &For, nullptr, 0);
  }
  return 0;
}

namespace {

void redirectOutput() {
  for (int Fd : {1, 2}) {
    int P[2];
    if (pipe2(P, O_CLOEXEC) != 0)
      continue;
    fcntl(P[0], F_SETFL, O_NONBLOCK);
    fflush(Fd == 1 ? stdout : stderr);
    if (dup2(P[1], Fd) < 0) {
      close(P[0]);
      close(P[1]);
      continue;
    }
    close(P[1]);
    OutputPipes[Fd] = P[0];
    if (OutputReady < 0)
      OutputReady = epoll_create1(EPOLL_CLOEXEC);
    epoll_event Event = {};
    Event.events = EPOLLIN;
    Event.data.fd = P[0];
    if (OutputReady < 0 ||
        epoll_ctl(OutputReady, EPOLL_CTL_ADD, P[0], &Event) != 0)
      core::fatal("grid",
                  std::string("cannot watch the agent's output pipes: ") +
                      strerror(errno),
                  "");
    TheJob->C.loop().watch(P[0], POLLIN, [](short) { drainOutput(); });
  }
  // Each write reaches the pipe at once: once a thread of the node has
  // forked, it is forwarded before the writing thread's next message
  // (sendToShadow).
  setvbuf(stdout, nullptr, _IONBF, 0);
}

//===----------------------------------------------------------------------===//
// Home's exit: what the agents' threads hold of their output
//===----------------------------------------------------------------------===//

// Writes what a thread held into home's stream F; false if another thread
// kept F locked until Deadline.
bool writeHeld(FILE *F, std::string_view Bytes,
               std::chrono::steady_clock::time_point Deadline) {
  while (ftrylockfile(F) != 0) {
    if (std::chrono::steady_clock::now() >= Deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  fwrite_unlocked(Bytes.data(), 1, Bytes.size(), F);
  funlockfile(F);
  return true;
}

// Asks the nodes that run threads for what those hold and waits for the
// answers, at most HeldAtExitSeconds: the parts that came, by node.
std::vector<std::pair<int, std::string>>
askHeldOutput(const std::vector<int> &Nodes) {
  std::vector<std::pair<int, std::string>> Parts;
  std::unique_lock<std::mutex> Lock(TheJob->HeldMutex);
  TheJob->HeldWaiting = true;
  TheJob->C.loop().post([Nodes] {
    for (int N : Nodes)
      TheJob->C.loop().send(N, wire::Writer(Msg::HeldFlush));
  });
  TheJob->HeldArrived.wait_for(
      Lock, std::chrono::duration<double>(HeldAtExitSeconds),
      [&] { return TheJob->HeldNodesDone >= Nodes.size(); });
  TheJob->HeldWaiting = false;
  Parts.swap(TheJob->HeldParts);
  return Parts;
}

//===----------------------------------------------------------------------===//
// The cluster path of synchronisation, and the remote heap
//===----------------------------------------------------------------------===//

bool ordersRelease(int Order) {
  return Order == __ATOMIC_RELEASE || Order == __ATOMIC_ACQ_REL ||
         Order == __ATOMIC_SEQ_CST;
}
bool ordersAcquire(int Order) {
  return Order == __ATOMIC_ACQUIRE || Order == __ATOMIC_CONSUME ||
         Order == __ATOMIC_ACQ_REL || Order == __ATOMIC_SEQ_CST;
}

// The mutexes the thread holds, as home's answers to its locks said (a
// lock, a trylock or timed lock that succeeded, the end of a condition
// wait), with their kinds; an unlock lets go. A held mutex cannot change
// its kind, so its unlock may be posted when the kind's unlock cannot fail.
Remote::HeldMutex *findHeld(Remote &R, const void *Mutex) {
  for (Remote::HeldMutex &H : R.Held)
    if (H.Mutex == Mutex)
      return &H;
  return nullptr;
}

void noteHeld(Remote &R, sync::Op O, const sync::Args &A,
              const sync::Result &Res, uint64_t KindAnswer) {
  if (O == sync::Op::MutexUnlock || O == sync::Op::MutexDestroy ||
      O == sync::Op::MutexInit) {
    if (Remote::HeldMutex *H = findHeld(R, A.Object))
      *H = {};
    return;
  }
  // A condition wait holds the mutex again whatever it answers (a timeout
  // too); a lock only when it succeeded.
  bool Holds = sync::isCondWait(O) || Res.Value == 0;
  if (!sync::locksMutex(O) || KindAnswer == 0 || !Holds)
    return;
  const void *Mutex = sync::lockedObject(O, A);
  int Kind = static_cast<int>(static_cast<uint32_t>(KindAnswer - 1));
  Remote::HeldMutex *H = findHeld(R, Mutex);
  if (!H)
    H = findHeld(R, nullptr);
  if (!H) // more held than kept: the oldest one's unlock will ask
    H = &R.Held[R.NextHeld++ % std::size(R.Held)];
  *H = {Mutex, Kind};
}

// Whether P lies in shared memory another node is home of. The node's own
// memory (its home pages, or memory outside the range: jemalloc's own
// mutexes) is the node's: its bytes here are the master copy, its atomics
// run here, and its objects are made here.
bool homedAway(const void *P) {
  size_t Page = reinterpret_cast<uintptr_t>(P) / PageBytes;
  return TheJob->Space->contains(P) &&
         TheJob->Space->homeOf(Page) != static_cast<unsigned>(TheJob->C.rank());
}

void forgetBlock(void *P, size_t Bytes);

// Whether the thread may go on without the answer: an operation that only
// releases and whose result is known, 0. Its release went before it, and
// home carries it out before the thread's next call (docs/design/dsm.md,
// posted calls).
bool postable(const Remote &R, sync::Op O, const sync::Args &A) {
  switch (O) {
  case sync::Op::CondSignal: // glibc's never fail
  case sync::Op::CondBroadcast:
  case sync::Op::RwUnlock:
  case sync::Op::SpinUnlock:
    return true;
  case sync::Op::MutexUnlock:
    for (const Remote::HeldMutex &H : R.Held)
      if (H.Mutex == A.Object)
        return sync::unlockCannotFail(H.Kind);
    return false; // not held by this thread, as far as it knows: ask
  default:
    return false;
  }
}

// The page of the lock a remote thread has just taken, which it fetches
// with the acquire (NodeCache::acquire): what a lock guards usually lies
// near it, and the fault it spares costs more than the fetch (dsm.md).
size_t lockPage(sync::Op O, const sync::Args &A) {
  const void *Lock = sync::lockedObject(O, A);
  if (!TheJob->Space->contains(Lock))
    return SIZE_MAX;
  return reinterpret_cast<uintptr_t>(Lock) / PageBytes;
}

class Path final : public sync::ClusterPath {
public:
  sync::Result call(const __grid_site *, sync::Op O,
                    const sync::Args &A) override {
    RuntimeScope Scope;
    if (sync::releases(O, A))
      releaseCache();
    sync::Result Res;
    if (sync::RemoteThread && postable(*Current, O, A)) {
      wire::Writer W = callMessage(Call::Posted);
      W.u16(static_cast<uint16_t>(Call::Sync))
          .u16(static_cast<uint16_t>(O))
          .bytes(&A, sizeof A);
      postHome(W);
      noteHeld(*Current, O, A, {0, 0}, 0); // an unlock lets go
      return {0, 0};                       // acquires nothing
    }
    // The lock page's contents, if the answer carried them: a diff against
    // a page of zeros (after a byte that says they are there).
    std::optional<std::string> Carried;
    if (sync::RemoteThread &&
        (!sync::makesOrDestroys(O) || homedAway(A.Object))) {
      wire::Writer W = callMessage(Call::Sync);
      sync::Args Sent = A;
      if (Sent.HasTime) // a time of its own clock: home moves it onto its
        clock_gettime(CLOCK_MONOTONIC, &Sent.SentAt);
      W.u16(static_cast<uint16_t>(O)).bytes(&Sent, sizeof Sent);
      // The node keeps this lock's page open: home sends its contents with
      // the answer, which spares the fetch (NodeCache::acquire), unless
      // they came back too dense to carry the last time.
      size_t Kept = TheJob->Cache->keptPage();
      bool Ask = Kept != SIZE_MAX && Kept == lockPage(O, A) &&
                 Kept != Current->DensePage;
      if (Ask)
        W.u64(Kept);
      Answer An = callHome(W);
      Res = {An.Value, An.Errno};
      if (Res.Errno == CancelledWait) {
        // A condition wait woken (0, the mutex held) or a semaphore wait
        // ended (-1, EINTR, no count taken) for the thread's cancellation,
        // acted on as the wait returns.
        Res.Errno = sync::isCondWait(O) ? 0 : EINTR;
        WaitCancelled = true;
      }
      if (!An.Data.empty())
        Carried = An.Data.substr(1);
      else if (Ask && sync::acquired(O, A, Res))
        Current->DensePage = Kept;
      noteHeld(*Current, O, A, Res, An.Extra);
      if (sync::makesOrDestroys(O))
        forgetBlock(A.Object, A.D); // home changed its bytes
    } else {
      if (!sync::RemoteThread)
        pinObject(A.Object);
      Res = sync::perform(O, A);
      if (sync::RemoteThread)
        noteHeld(*Current, O, A, Res, 0); // a mutex made again here
    }
    if (sync::acquired(O, A, Res))
      acquireCache(sync::RemoteThread ? lockPage(O, A) : SIZE_MAX,
                   Carried ? &*Carried : nullptr);
    return Res;
  }

  sync::AtomicResult atomic(const sync::AtomicArgs &A) override {
    RuntimeScope Scope;
    bool Rel = A.Op != sync::AtomicOp::Load && ordersRelease(A.Order);
    bool Acq = A.Op != sync::AtomicOp::Store &&
               (ordersAcquire(A.Order) || (A.Op == sync::AtomicOp::CmpXchg &&
                                           ordersAcquire(A.FailOrder)));
    if (Rel) {
      flushHeld();
      releaseCache();
    }
    sync::AtomicResult Res;
    bool Here = A.Op == sync::AtomicOp::Fence || !homedAway(A.Ptr);
    if (sync::RemoteThread && Here && (Rel || Acq))
      settle(*Current, /*Always=*/true);
    if (!sync::RemoteThread || Here) {
      if (!sync::RemoteThread)
        pinObject(A.Ptr);
      Res = sync::performAtomic(A);
    } else if (A.Op == sync::AtomicOp::Store) { // answers nothing
      wire::Writer W = callMessage(Call::Posted);
      W.u16(static_cast<uint16_t>(Call::Atomic)).bytes(&A, sizeof A);
      postHome(W);
    } else {
      wire::Writer W = callMessage(Call::Atomic);
      W.bytes(&A, sizeof A);
      Answer An = callHome(W);
      Res.Value = static_cast<uint64_t>(An.Value);
      Res.Success = An.Extra != 0;
    }
    if (Acq)
      acquireCache();
    return Res;
  }
};

Path *ThePath;

// Drops this node's copies of a block home has just (re)allocated.
void forgetBlock(void *P, size_t Bytes) {
  if (!P || !Bytes)
    return;
  auto First = reinterpret_cast<uintptr_t>(P) / PageBytes;
  auto Last = (reinterpret_cast<uintptr_t>(P) + Bytes - 1) / PageBytes;
  TheJob->Cache->invalidate(First, Last - First + 1);
}

// A block of home's heap (the rest of what a remote thread frees was made
// on this node, by the C library or the loader for it).
bool homeHeapBlock(void *P) {
  return TheJob->Space->contains(P) &&
         TheJob->Space->homeOf(reinterpret_cast<uintptr_t>(P) / PageBytes) == 0;
}

// A remote thread's small blocks. Each malloc and free was a round trip
// home (and each free a release: 2.4 us a pair against 0.012 at home), so
// a thread keeps a stash per size class, filled by one call for several
// blocks (fromStash), and its frees wait for its next release, which sends
// them in one posted call (postFrees): a block it freed stays allocated at
// home until then, so no one is given it while a diff of the thread's
// writes to it may still arrive (the release sends those first). A
// release comes with the thread's next synchronisation, its end, its
// FreedBeforeSend-th free, and before any call it makes home (callHome: an
// allocation that needs home, a refill, a lock, a read of a pipe) or a
// sleep (sleepCancellable): what it freed is back before it takes more,
// and a thread that waits holds nothing. A freed block does not go back into
// the stash: the thread does not know whose size class a block someone else
// allocated has.
constexpr size_t StashLargest = 1024;   // bytes: larger ones go home each
constexpr size_t FreedBeforeSend = 256; // frees held at most

void postFrees(Remote &R) {
  if (R.Freed.empty())
    return;
  RuntimeScope Scope;
  wire::Writer W = callMessage(Call::Posted, R);
  W.u16(static_cast<uint16_t>(Call::FreeBatch))
      .str(std::string_view(reinterpret_cast<const char *>(R.Freed.data()),
                            R.Freed.size() * sizeof(void *)));
  R.Freed.clear();
  // In order with its calls, as any posted call; not counted in R.Posted:
  // a diff applied before the frees are carried out is of other memory
  // (settle).
  sendToShadow(R, W);
}

void *fromStash(Remote &R, size_t Class) {
  RuntimeScope Scope;
  auto It = std::find_if(R.Stash.begin(), R.Stash.end(),
                         [&](const auto &E) { return E.first == Class; });
  if (It == R.Stash.end()) {
    R.Stash.emplace_back(Class, std::vector<void *>());
    It = std::prev(R.Stash.end());
  }
  std::vector<void *> &Blocks = It->second;
  if (Blocks.empty()) {
    size_t Count = std::clamp<size_t>(4096 / Class, 4, 32);
    wire::Writer W = callMessage(Call::AllocBatch, R);
    W.u64(Class).u64(Count);
    Answer A = callHome(W);
    for (size_t At = 0; At + sizeof(uint64_t) <= A.Data.size();
         At += sizeof(uint64_t)) {
      uint64_t P;
      std::memcpy(&P, A.Data.data() + At, sizeof P);
      forgetBlock(reinterpret_cast<void *>(P), Class);
      Blocks.push_back(reinterpret_cast<void *>(P));
    }
    if (Blocks.empty()) {
      errno = A.Errno ? A.Errno : ENOMEM;
      return nullptr;
    }
    // Handed out in the order home made them.
    std::reverse(Blocks.begin(), Blocks.end());
  }
  void *P = Blocks.back();
  Blocks.pop_back();
  return P;
}

class HomeHeap final : public dsm::RemoteHeap {
public:
  void *allocate(size_t Size, size_t Align) override {
    if (Current && Size <= StashLargest && Align == 0) { // malloc's own
      size_t Class;
      {
        // jemalloc may make its mutexes here (a thread's first call): the
        // runtime's, not the program's (madeOnCluster, api/SyncEntryPoints).
        RuntimeScope Scope;
        Class = dsm::heapSizeClass(Size);
      }
      if (Class && Class <= StashLargest)
        return fromStash(*Current, Class);
    }
    return allocateAtHome(Call::Alloc, Size, Align);
  }
  void *allocateZeroed(size_t Size, size_t Align) override {
    return allocateAtHome(Call::AllocZeroed, Size, Align);
  }
  void deallocate(void *P) override {
    if (!P)
      return;
    RuntimeScope Scope;
    if (!homeHeapBlock(P))
      return free(P); // the runtime's or the C library's, made here
    if (Current) {
      // Home frees it after the thread's next release, which sends its
      // writes to it first: no diff may reach the block after its reuse.
      Current->Freed.push_back(P);
      if (Current->Freed.size() >= FreedBeforeSend)
        releaseCache();
      return;
    }
    releaseCache(); // no diff may reach the block after its reuse
    wire::Writer W = callMessage(Call::Free);
    W.u64(reinterpret_cast<uint64_t>(P));
    callHome(W);
  }
  void *reallocate(void *Old, size_t Size) override {
    RuntimeScope Scope;
    if (!homeHeapBlock(Old))
      return realloc(Old, Size);
    releaseCache(); // the old block's contents move at home
    wire::Writer W = callMessage(Call::Realloc);
    W.u64(reinterpret_cast<uint64_t>(Old)).u64(Size);
    Answer A = callHome(W);
    auto *P = reinterpret_cast<void *>(A.Value);
    forgetBlock(P, A.Extra);
    if (!P && Size)
      errno = A.Errno ? A.Errno : ENOMEM;
    return P;
  }
  size_t usableSize(void *P) override {
    if (!P)
      return 0;
    RuntimeScope Scope;
    if (!homeHeapBlock(P))
      return malloc_usable_size(P);
    wire::Writer W = callMessage(Call::Usable);
    W.u64(reinterpret_cast<uint64_t>(P));
    return callHome(W).Extra;
  }

private:
  void *allocateAtHome(Call How, size_t Size, size_t Align) {
    RuntimeScope Scope;
    wire::Writer W = callMessage(How);
    W.u64(Size).u64(Align);
    Answer A = callHome(W);
    auto *P = reinterpret_cast<void *>(A.Value);
    forgetBlock(P, A.Extra);
    if (!P)
      errno = A.Errno ? A.Errno : ENOMEM;
    return P;
  }
};

HomeHeap *TheHeap;

} // namespace

// _dl_find_object, unlike dladdr, takes no lock: this runs on home's loop
// and under ShadowsMutex, and the loader's lock is held by a thread inside
// dlopen, whose constructors may wait for either.
namespace {
// The module's name (the program's own "") and load address, or false.
bool findModule(uint64_t Address, const char *&Name, uintptr_t &Base) {
  struct dl_find_object Found = {};
  if (_dl_find_object(reinterpret_cast<void *>(Address), &Found) != 0 ||
      !Found.dlfo_link_map)
    return false;
  Name = Found.dlfo_link_map->l_name ? Found.dlfo_link_map->l_name : "";
  Base = reinterpret_cast<uintptr_t>(Found.dlfo_map_start);
  return true;
}
} // namespace

bool moduleOf(uint64_t Address, std::string &Module, uintptr_t &Base) {
  const char *Name;
  if (!findModule(Address, Name, Base))
    return false;
  Module = Name;
  return true;
}

bool inExecutable(uint64_t Address) {
  const char *Name;
  uintptr_t Base;
  return findModule(Address, Name, Base) && Name[0] == '\0';
}

bool atSamePlace(uint64_t Address, std::string_view Module, uint64_t Base) {
  const char *Name;
  uintptr_t Here;
  return findModule(Address, Name, Here) && Module == Name && Here == Base;
}

bool programIgnoresChildren() { return ChildrenIgnored.load(); }

ActionsStamp changeChildrenAction(const struct sigaction *New,
                                  struct sigaction *Old, int &Result) {
  if (!TheJob) { // no job (a unit test's serve)
    Result = sigaction(SIGCHLD, New, Old);
    return {0, 0};
  }
  std::lock_guard<std::mutex> Lock(TheJob->ShadowsMutex);
  Result = sigaction(SIGCHLD, New, Old);
  SentActions &Sent = sentActions();
  if (Result == 0 && ServedNode < Sent.ToNode.size()) {
    ThreadAction Unknown;
    Unknown.Sig = -1;
    Sent.ToNode[ServedNode] = {Unknown};
  }
  return {TheJob->NextShadow, Sent.Gen};
}

void noteChildrenAction(const struct sigaction &A, ActionsStamp Stamp) {
  std::lock_guard<std::mutex> Lock(ChildrenMutex);
  if (Stamp < ChildrenNoted)
    return; // a later change was noted already
  ChildrenNoted = Stamp;
  ChildrenTaken.clear(); // home's next start or tick is taken
  ChildrenIgnored.store(A.sa_handler == SIG_IGN ||
                        (A.sa_flags & SA_NOCLDWAIT) != 0);
}

bool actionStaysOnNode(int Sig) {
  return threadSignal(Sig) || Sig == SIGABRT || Sig == SIGTRAP || Sig == SIGSYS;
}

//===----------------------------------------------------------------------===//
// Interface
//===----------------------------------------------------------------------===//

dsm::Space *space() { return TheJob ? TheJob->Space.get() : nullptr; }

void setCreate(CreateFn Create) { Creator = Create; }

sigset_t &programMask() { return CreatorMask; }

void setIoServer(IoServer Serve) { ServeIo = Serve; }

void setStreamState(StreamStateFn Home, FollowStreamsFn Follow) {
  HomeStreamState = Home;
  FollowStreamState = Follow;
}

void setHeldOutput(FlushFn Flush, TakeHeldFn Take) {
  HeldOutputFlush = Flush;
  HeldOutputTake = Take;
}

// The next call home is the cancellation point's own (CancellableScope):
// not the held output sent before it (flushHeld), nor a large transfer's
// later parts, which a cancellation must not cut off once bytes moved.
thread_local bool CancellableNext = false;
CancellableScope::CancellableScope() { CancellableNext = true; }
CancellableScope::~CancellableScope() { CancellableNext = false; }

wire::Writer ioRequest(bool Shared) {
  wire::Writer W = callMessage(Call::Io);
  // Only a call the thread can act on a cancellation after: one whose
  // thread has cancellation enabled (its state cannot change while it
  // waits for the answer).
  int State = PTHREAD_CANCEL_DISABLE;
  if (CancellableNext) {
    CancellableNext = false;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &State);
    pthread_setcancelstate(State, nullptr);
  }
  W.u32((Shared ? IoShared : 0) |
        (State == PTHREAD_CANCEL_ENABLE ? IoCancellable : 0));
  return W;
}

HomeAnswer callHomeIo(wire::Writer &Request, bool Shared) {
  RuntimeScope Scope;
  if (Shared)
    releaseCache();
  Answer A = callHome(Request);
  HomeAnswer Out{A.Value, A.Errno, std::move(A.Data)};
  if (Out.Errno == CancelledWait) {
    // Home ended the call for the thread's cancellation: it acts on it as
    // the call returns (cancellationPointAfterWait).
    Out.Errno = EINTR;
    WaitCancelled = true;
  }
  if (Shared)
    acquireCache();
  return Out;
}

// The rank's process: a vfork child (which runs no atfork handler, so is
// no fork child to core::isForkChild) shares its memory, TheJob included.
int JobPid = 0;
std::atomic<int> QuickExitStatus{0};

void endJobAtQuickExit() { endJobNow(QuickExitStatus.load()); }

void startHome(cluster::Cluster &C, bool ShareGlobals) {
  TheJob = new Job(C); // lives until exit: threads may run during exit
  openSpace(*TheJob, ShareGlobals);
  std::string Error;
  if (!dsm::bindHeap(TheJob->Space->heapBase(), TheJob->Space->heapBytes(),
                     &Error))
    core::fatal("grid", "cannot place the heap in the shared memory: " + Error,
                "");
  cluster::EventLoop &Loop = C.loop();
  Loop.onMessage(Msg::ThreadCall,
                 [](int, wire::Reader &R) { deliverToShadow(R.whole()); });
  Loop.onMessage(Msg::ThreadDone,
                 [](int, wire::Reader &R) { deliverToShadow(R.whole()); });
  Loop.onMessage(Msg::NodeCpu, [](int Source, wire::Reader &R) {
    std::vector<std::pair<uint64_t, uint64_t>> Threads(
        std::min<uint32_t>(R.u32(), 65536));
    for (auto &[Id, Ns] : Threads) {
      Id = R.u64();
      Ns = R.u64();
    }
    if (R.ok() && Source > 0 && Source < static_cast<int>(dsm::MaxRanks))
      TheCpuBook->reported(static_cast<unsigned>(Source), Threads);
  });
  Loop.onMessage(Msg::ThreadOutput, [](int Source, wire::Reader &R) {
    uint32_t Fd = R.u32();
    std::string_view Text = R.str();
    if (Source <= 0 || Source >= static_cast<int>(dsm::MaxRanks))
      return;
    bool Writable = R.ok() && (Fd == 1 || Fd == 2);
    {
      std::lock_guard<std::mutex> Lock(TheJob->PendingMutex);
      TheJob->PendingOutput.push_back( // counted as sent, whatever it holds
          {Writable ? static_cast<int>(Fd) : 0,
           Writable ? std::string(Text) : std::string(), Source});
    }
    flushOutput(); // counts it once written
  });
  Loop.every(0.01, [] {
    flushOutput();
    sendChangedThreadActions();
    wakeCancelledWaits();
  });
  Loop.onMessage(Msg::HeldFlushed, [](int Source, wire::Reader &R) {
    flushOutput(); // what the node wrote before, first where it can be
    bool Last = R.u32() != 0;
    std::lock_guard<std::mutex> Lock(TheJob->HeldMutex);
    if (TheJob->HeldWaiting) {
      TheJob->HeldParts.emplace_back(Source, std::string(R.whole()));
      TheJob->HeldNodesDone += Last;
      TheJob->HeldArrived.notify_all();
    } else if (Source > 0 && Source < static_cast<int>(dsm::MaxRanks)) {
      // Too late: home's exit went on. Counted in its turn, behind what
      // the node sent before.
      std::lock_guard<std::mutex> Lock(TheJob->PendingMutex);
      TheJob->PendingOutput.push_back({0, std::string(), Source});
    }
  });
  ThePath = new Path;
  sync::setClusterPath(ThePath);
  // Registered before main: quick_exit runs it after the program's own.
  JobPid = core::ownPid();
  at_quick_exit(endJobAtQuickExit);
}

void startAgent(cluster::Cluster &C, bool ShareGlobals) {
  TheJob = new Job(C);
  JobPid = core::ownPid();
  // Every program thread here is remote: its atomics go home.
  sync::setClusterCalls(true);
  openSpace(*TheJob, ShareGlobals);
  cluster::EventLoop &Loop = C.loop();
  Loop.onMessage(Msg::ThreadStart,
                 [](int, wire::Reader &R) { startThread(R); });
  Loop.onMessage(Msg::ThreadActions,
                 [](int, wire::Reader &R) { takeChangedActions(R); });
  Loop.onMessage(Msg::ThreadCancel,
                 [](int, wire::Reader &R) { takeCancel(R); });
  Loop.every(0.1, reportNodeCpu);
  Loop.onMessage(Msg::HeldFlush, [](int, wire::Reader &) {
    std::lock_guard<std::mutex> Lock(TheStarter->Mutex);
    TheStarter->HeldAsked = true;
    TheStarter->Wake.notify_one();
  });
  TheJob->Space->setOwnFaultHook(stackOverflowed);
  startStarter();
  // pthread_exit loads libgcc_s on first use; loaded now, a remote thread's
  // exit needs no loader lock.
  dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NOLOAD) ||
      dlopen("libgcc_s.so.1", RTLD_NOW);
  // The program's constructors never run here, among them (libstdc++ 12)
  // the ios_base::Init of every unit that includes <iostream>, which makes
  // std::cout, std::cerr and std::cin: remote threads use them too.
  static std::ios_base::Init StandardStreams;
  redirectOutput();
  // The agent's own exit runs the executable's finalisers: they read its
  // globals, which must not wait for a home that is gone.
  atexit(leaveDsmAtExit);
  ThePath = new Path;
  sync::setClusterPath(ThePath);
  TheHeap = new HomeHeap;
  dsm::setRemoteHeap(TheHeap);
}

unsigned chooseNode(Tolerance Tol, Strategy Strat, unsigned HomeLoad,
                    std::string &Why) {
  // A fork child left the DSM: its threads are its own (and the loop whose
  // lock a node snapshot takes is not there).
  if (!TheJob || !TheJob->Home || core::isForkChild()) {
    Why = core::isForkChild() ? "a fork child's threads stay on its machine"
                              : "only home places threads on nodes";
    return 0;
  }
  static placement::NodePolicy Policy;
  std::vector<cluster::NodeInfo> Nodes = TheJob->C.nodesSnapshot(2.0);
  if (Nodes.empty()) {
    Why = "no node is known";
    return 0;
  }
  std::vector<placement::NodeView> Views(Nodes.size());
  for (size_t I = 0; I < Nodes.size(); ++I) {
    Views[I].Cores = std::max(1u, Nodes[I].Cores);
    Views[I].Near = Nodes[I].Near;
    Views[I].Usable = !Nodes[I].Lost && (I == 0 || Nodes[I].HelloSeen);
    Views[I].Load = I < dsm::MaxRanks ? RemoteLive[I].load() : 0;
  }
  // A node's load is the threads placed there; home's, those at home
  // (RemoteLive[0] counts none: until 2026-11-28 home's load was 0, so
  // balance and pack kept every thread home).
  Views[0].Load = HomeLoad;
  placement::NodeDecision D = Policy.choose(Tol, Strat, Views);
  Why = D.Why;
  return D.Node;
}

int startRemote(const __grid_site *Site, unsigned Node, pthread_t *Thread,
                const pthread_attr_t *Attr, void *(*Start)(void *), void *Arg) {
  auto *S = new Shadow;
  S->Node = Node;
  S->Start = Start;
  S->Arg = Arg;
  S->Site = Site;
  {
    std::lock_guard<std::mutex> Lock(TheJob->ShadowsMutex);
    // Line numbers wrap (MPI's tag bound): one a live thread still uses
    // is skipped.
    do
      S->Id = ++TheJob->NextShadow;
    while (TheJob->C.loop().lineInUse(lineNumber(S->Id)));
    S->Actions = homeThreadActions();
    SentActions &Sent = sentActions();
    if (Sent.ToNode.size() <= Node)
      Sent.ToNode.resize(Node + 1);
    Sent.ToNode[Node] = S->Actions;
    S->Line = std::make_unique<cluster::Line>(
        TheJob->C.loop(), static_cast<int>(Node), lineNumber(S->Id), S->Id);
    TheJob->Shadows[S->Id] = S;
  }
  RemoteLive[Node].fetch_add(1);
  sync::setClusterCalls(true);
  sync::HomeCaching.store(true);
  static std::once_flag StatsAtExit;
  std::call_once(StatsAtExit, [] {
    std::atexit(printDsmStats);
    // Runs first, while the loop still runs (and before exit writes the
    // streams' buffers), when exit is not main's return (which flushes
    // already, api/MainStack.cpp).
    std::atexit(flushRemoteOutputAtExit);
  });
  // The shadow only waits: the smallest stack that serves its calls, and
  // the program's detach state. The stack size the program asked for goes
  // to the remote thread (a stack the program gave cannot travel: the
  // remote thread gets one of that size).
  pthread_attr_t Own;
  pthread_attr_init(&Own);
  pthread_attr_setstacksize(&Own, size_t(256) << 10);
  if (Attr) {
    int Detach = PTHREAD_CREATE_JOINABLE;
    size_t Bytes = 0;
    void *Given = nullptr;
    pthread_attr_getdetachstate(Attr, &Detach);
    pthread_attr_setdetachstate(&Own, Detach);
    if (pthread_attr_getstack(Attr, &Given, &Bytes) != 0 || !Given)
      pthread_attr_getstacksize(Attr, &Bytes);
    S->StackBytes = Bytes;
  }
  pinShadow(&Own, Node);
  int Err = pthread_create(Thread, &Own, shadowMain, S);
  cpu_set_t Process;
  if (Err == EINVAL && sched_getaffinity(0, sizeof Process, &Process) == 0) {
    // The CPUs are not this process's to use: the creator's, as unpinned.
    pthread_attr_setaffinity_np(&Own, sizeof Process, &Process);
    Err = pthread_create(Thread, &Own, shadowMain, S);
  }
  pthread_attr_destroy(&Own);
  if (Err == 0)
    sendStart(*S, *Thread);
  if (Err != 0) {
    std::lock_guard<std::mutex> Lock(TheJob->ShadowsMutex);
    TheJob->Shadows.erase(S->Id);
    RemoteLive[Node].fetch_sub(1);
    // The start recorded as sent never went: what the node holds is not
    // known, so the next tick sends it home's actions.
    ThreadAction Unknown;
    Unknown.Sig = -1;
    sentActions().ToNode[Node] = {Unknown};
    delete S;
  }
  return Err;
}

int remoteCreate(const __grid_site *Site, uint32_t Kind, pthread_t *Thread,
                 const pthread_attr_t *Attr, void *(*Start)(void *),
                 void *Arg) {
  RuntimeScope Scope;
  int Detached = PTHREAD_CREATE_JOINABLE;
  if (Attr)
    pthread_attr_getdetachstate(Attr, &Detached);
  releaseCache(); // creation is a release
  wire::Writer W = callMessage(Call::Create);
  W.u64(reinterpret_cast<uint64_t>(Site))
      .u32(Kind)
      .u64(reinterpret_cast<uint64_t>(Start))
      .u64(reinterpret_cast<uint64_t>(Arg))
      .u32(Detached == PTHREAD_CREATE_DETACHED);
  Answer A = callHome(W);
  if (A.Value == 0)
    *Thread = static_cast<pthread_t>(A.Extra);
  return static_cast<int>(A.Value);
}

namespace {
int joinOnce(pthread_t Thread, void **Result, const JoinWait &Wait,
             bool &Cancelled) {
  RuntimeScope Scope;
  releaseCache();
  wire::Writer W = callMessage(Call::Join);
  timespec SentAt{};
  if (Wait.How == JoinWait::Until)
    clock_gettime(CLOCK_MONOTONIC, &SentAt);
  W.u64(static_cast<uint64_t>(Thread))
      .u32(Wait.How)
      .u32(static_cast<uint32_t>(Wait.Clock))
      .u32(Wait.HasTime)
      .u64(static_cast<uint64_t>(Wait.Time.tv_sec))
      .u64(static_cast<uint64_t>(Wait.Time.tv_nsec))
      .u64(static_cast<uint64_t>(SentAt.tv_sec))
      .u64(static_cast<uint64_t>(SentAt.tv_nsec));
  Answer A = callHome(W);
  Cancelled = A.Errno == CancelledWait;
  if (Cancelled)
    WaitCancelled = true; // no join made: acted on as the call returns
  else if (A.Value == 0) {
    acquireCache();
    if (Result)
      *Result = reinterpret_cast<void *>(A.Extra);
  }
  return static_cast<int>(A.Value);
}
} // namespace

int remoteJoin(pthread_t Thread, void **Result, const JoinWait &Wait) {
  // A cancellation point (but a tryjoin, which never waits), before the
  // wait and while it waits at home; a thread that cannot act on a
  // cancellation home ended the wait for joins again.
  bool Cancelled = false;
  if (Wait.How == JoinWait::Try)
    return joinOnce(Thread, Result, Wait, Cancelled);
  cancellationPoint();
  for (;;) {
    // Only this answer's mark counts: one another call left is not a
    // reason to join a joined thread again.
    int Err = joinOnce(Thread, Result, Wait, Cancelled);
    if (!Cancelled)
      return Err;
    cancellationPointAfterWait(); // returns if it could not act: again
  }
}

int remoteDetach(pthread_t Thread) {
  RuntimeScope Scope;
  wire::Writer W = callMessage(Call::Detach);
  W.u64(static_cast<uint64_t>(Thread));
  return static_cast<int>(callHome(W).Value);
}

void remoteExiting(void *Result) {
  if (Current)
    Current->Result = Result;
}

void mainExiting() {
  if (!TheJob || !TheJob->Home || core::isForkChild())
    return;
  static std::once_flag Once;
  std::call_once(
      Once, [] { TheJob->Store.switchHomeWindowOff(TheJob->C.size(), 10.0); });
}

bool inJobProcess() { return TheJob && core::ownPid() == JobPid; }

CpuTime remoteCpu() {
  // A fork child's process is its own (and the book's lock may be held).
  if (!inJobProcess())
    return {};
  CpuBook &B = *TheCpuBook;
  for (;;) {
    uint64_t Seq = B.Seq.load(std::memory_order_acquire);
    if (Seq & 1) {
      sched_yield();
      continue;
    }
    CpuTime Now{B.EndedUserNs.load(std::memory_order_relaxed) +
                    B.RunningNs.load(std::memory_order_relaxed),
                B.EndedSystemNs.load(std::memory_order_relaxed)};
    std::atomic_thread_fence(std::memory_order_acquire);
    if (B.Seq.load(std::memory_order_relaxed) == Seq)
      return Now;
  }
}

CpuTime remoteCpuBut(uint64_t Thread) {
  if (!inJobProcess())
    return {};
  CpuBook &B = *TheCpuBook;
  std::lock_guard<std::mutex> Lock(B.Mutex);
  CpuTime Now{B.EndedUserNs.load() + B.RunningNs.load(),
              B.EndedSystemNs.load()};
  if (auto It = B.Running.find(Thread); It != B.Running.end())
    Now.UserNs -= It->second.Ns;
  return Now;
}

uint64_t remoteThreadId() { return Current ? Current->Id : 0; }

void nextForkIsVfork() { NextForkIsVfork = true; }

CpuTime cpuTimeOf(const struct rusage &Usage) {
  auto Ns = [](const timeval &T) {
    return uint64_t(T.tv_sec) * 1000000000u + uint64_t(T.tv_usec) * 1000u;
  };
  return {Ns(Usage.ru_utime), Ns(Usage.ru_stime)};
}

void addCpu(struct rusage *Usage, CpuTime Add) {
  auto Plus = [](timeval &T, uint64_t Ns) {
    uint64_t Us = uint64_t(T.tv_usec) + Ns / 1000 % 1000000;
    T.tv_sec += static_cast<time_t>(Ns / 1000000000 + Us / 1000000);
    T.tv_usec = static_cast<suseconds_t>(Us % 1000000);
  };
  Plus(Usage->ru_utime, Add.UserNs);
  Plus(Usage->ru_stime, Add.SystemNs);
}

void noteQuickExit(int Status) { QuickExitStatus.store(Status); }

void endJobNow(int Status) {
  if (!TheJob || !TheJob->Home || !inJobProcess() || !TheJob->C.endWith(Status))
    return;
  // The loop ends the process; should it not, the caller does.
  for (int Waited = 0; Waited < 1000; ++Waited) {
    struct timespec Pause = {0, 10000000};
    nanosleep(&Pause, nullptr);
  }
}

void flushRemoteOutputAtExit() {
  if (!TheJob || !TheJob->Home || core::isForkChild() || !inJobProcess())
    return;
  static std::atomic<bool> Done{false};
  if (Done.exchange(true))
    return;
  // What the agents' pipes brought that waits for a stream (held when it
  // came, by the thread now exiting say): written now, before exit's own
  // buffers, or it would be lost with the process. What is queued now, not
  // what keeps coming; a second at most, for a stream another thread keeps.
  uint64_t Queued;
  {
    std::lock_guard<std::mutex> Lock(TheJob->PendingMutex);
    Queued = TheJob->PendingOutput.size();
  }
  uint64_t Target = TheJob->OutputWritten.load() + Queued;
  auto Waited = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (TheJob->OutputWritten.load() < Target) {
    flushOutput();
    if (TheJob->OutputWritten.load() >= Target)
      break;
    if (std::chrono::steady_clock::now() >= Waited) {
      core::warn("output of threads on other nodes could not be written "
                 "before the exit: another thread held stdout or stderr");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::vector<int> Nodes;
  unsigned Ranks = std::min<unsigned>(TheJob->C.size(), dsm::MaxRanks);
  for (unsigned N = 1; N < Ranks; ++N)
    if (RemoteLive[N].load() > 0)
      Nodes.push_back(static_cast<int>(N));
  if (Nodes.empty())
    return;
  std::vector<std::pair<int, std::string>> Parts = askHeldOutput(Nodes);
  // Written here, before exit writes the streams' buffers; each part then
  // counts as the node's output seen, which the threads' later calls wait
  // for.
  auto Deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  unsigned Sending = 0;
  uint64_t Unwritten = 0;
  std::vector<int> Answered;
  for (auto &[Node, Body] : Parts) {
    wire::Reader R(Body);
    if (R.u32())
      Answered.push_back(Node);
    Sending += R.u32();
    while (R.more()) {
      auto *F = reinterpret_cast<FILE *>(R.u64());
      std::string_view Bytes = R.str();
      if (F && !writeHeld(F, Bytes, Deadline))
        Unwritten += Bytes.size();
    }
    OutputSeen[Node].fetch_add(1);
  }
  std::string Lost;
  for (int N : Nodes)
    if (std::find(Answered.begin(), Answered.end(), N) == Answered.end())
      Lost += "; node " + std::to_string(N) + " did not answer within " +
              std::to_string(static_cast<int>(HeldAtExitSeconds)) + " s";
  if (Sending)
    Lost += "; " + std::to_string(Sending) +
            " threads were still sending theirs after " +
            std::to_string(static_cast<int>(HeldTakeSeconds)) + " s";
  if (Unwritten)
    Lost += "; " + std::to_string(Unwritten) +
            " bytes were for streams another thread kept locked";
  if (!Lost.empty())
    core::warn("at exit, what threads on other nodes had written could not "
               "all be written to home's streams (up to 64 KiB a thread): " +
               Lost.substr(2));
}

void remoteFatal(std::string_view What, std::string_view ToDo) {
  RuntimeScope Scope;
  if (Current) {
    wire::Writer W = callMessage(Call::Fatal);
    W.str(What).str(ToDo);
    sendFromLoop(0, inOrder(*Current, W), /*Stamped=*/true); // after its output
    // Home exits, and mpirun then ends this rank. Should that not happen
    // (home gone already), this rank ends itself a while later.
    // (Not nanosleep, which a cancellation of the thread would end.)
    struct timespec Left = {30, 0};
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &Left, &Left) == EINTR) {
    }
  }
  core::fatal("", What, ToDo);
}

bool keepMovedBlock(void *P) {
  if (!TheJob || !TheJob->Home || !TheJob->Space->contains(P))
    return false;
  size_t Bytes = malloc_usable_size(P);
  auto A = reinterpret_cast<uintptr_t>(P);
  for (uintptr_t Page = A / PageBytes; Page * PageBytes < A + Bytes; ++Page)
    if (TheJob->Space->dataHomeOf(Page) != 0) { // moved, or on its way
      TheJob->Store.noteKept(Bytes);
      return true;
    }
  return false;
}

void homeKernelReads(const void *P, size_t Bytes) {
  touchAbsent(P, Bytes, false);
}
void homeKernelWrites(void *P, size_t Bytes) { touchAbsent(P, Bytes, true); }
void homeKernelReadsIov(const struct iovec *Iov, int Count) {
  for (int I = 0; Iov && I < Count; ++I)
    touchAbsent(Iov[I].iov_base, Iov[I].iov_len, false);
}
void homeKernelWritesIov(const struct iovec *Iov, int Count) {
  for (int I = 0; Iov && I < Count; ++I)
    touchAbsent(Iov[I].iov_base, Iov[I].iov_len, true);
}

void acquire() {
  if (TheJob && sync::clusterPath()) {
    RuntimeScope Scope;
    acquireCache();
  }
}

void release() {
  if (TheJob && sync::clusterPath()) {
    RuntimeScope Scope;
    releaseCache();
  }
}

} // namespace grid::threads
