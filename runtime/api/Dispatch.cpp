//===- api/Dispatch.cpp - Placement decisions for each entry point --------===//
//
// The machine (topology, policy, live-thread counts) is built on the first
// thread creation, so programs that only fork and exec never load hwloc.
//===----------------------------------------------------------------------===//

#include "api/Dispatch.h"

#include "cluster/Cluster.h"
#include "core/Core.h"
#include "local/Threads.h"
#include "placement/Placement.h"
#include "sync/Sync.h"
#include "threads/HomeStacks.h"
#include "threads/Threads.h"
#include "topology/Topology.h"

#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <unordered_set>

namespace grid::api {

namespace {
struct Machine {
  const topology::Topology *Topo; // this machine's, shared with threads
  placement::PlacementPolicy Policy;
  local::LocalThreads Threads;

  explicit Machine(const topology::Topology &T)
      : Topo(&T), Policy(T), Threads(T) {}
};

// Never destroyed: detached threads may end after exit() has begun. Built
// by the first thread creation without a lock or a guarded static, which a
// fork child would find held by a thread it does not have (the reading of
// the topology is fork-safe itself, Topology::thisMachine). Two first
// creations at once both build; the first to publish wins.
constinit std::atomic<Machine *> TheMachine{nullptr};

// Registered at load, so that building the machine never calls
// pthread_atfork (whose lock a fork holds while its handlers run); by a
// constructor, which runs on an agent too (see Topology::thisMachine).
__attribute__((constructor(101))) void registerForgetParentThreads() {
  ::pthread_atfork(nullptr, nullptr, [] {
    if (Machine *M = TheMachine.load(std::memory_order_acquire))
      M->Threads.forgetThreadsAfterFork();
  });
}

Machine &machine() {
  if (Machine *M = TheMachine.load(std::memory_order_acquire))
    return *M;
  std::unique_ptr<Machine> Mine;
  try {
    Mine = std::make_unique<Machine>(topology::Topology::thisMachine());
  } catch (const std::exception &E) {
    core::fatal("",
                std::string("cannot read this machine's topology: ") + E.what(),
                "check that hwloc works here (lstopo-no-graphics)");
  }
  Machine *Expected = nullptr;
  if (!TheMachine.compare_exchange_strong(Expected, Mine.get(),
                                          std::memory_order_acq_rel))
    return *Expected;
  core::log(LogLevel::Debug, "topology: " + Mine->Topo->summary());
  return *Mine.release();
}

std::string placeName(unsigned Core) { return "core " + std::to_string(Core); }

placement::Creator creator(const Machine &M) {
  if (std::optional<unsigned> Core = local::LocalThreads::currentGridCore())
    return {M.Topo->cores()[*Core].Numa, std::nullopt}; // counted in loads
  std::optional<unsigned> Core = M.Topo->coreOfCallingThread();
  return {Core ? M.Topo->cores()[*Core].Numa : M.Topo->numaOfCallingThread(),
          Core};
}

std::string loadsText(const std::vector<unsigned> &Loads) {
  std::string Text = "live Grid threads per core [";
  for (size_t I = 0; I < Loads.size(); ++I)
    Text += (I ? ", " : "") + std::to_string(Loads[I]);
  return Text + "]";
}

void *runStdThreadState(void *State) {
  std::unique_ptr<std::thread::_State> Owned(
      static_cast<std::thread::_State *>(State));
  Owned->_M_run();
  return nullptr;
}
} // namespace

namespace {
// The threads home knows: main and those Grid created at home, whose join
// or detach a remote thread carries home. Made at load (noteMainThread), so
// that no fork finds its guard held.
struct HomeThreads {
  std::mutex M;
  std::unordered_set<pthread_t> Known;
  pthread_t Main; // main, or in a fork child the thread that forked
  bool MainKnown; // until Main is joined or detached
};
HomeThreads &homeThreads() {
  static auto *Threads = new HomeThreads{{}, {}, pthread_self(), true};
  return *Threads;
}
[[gnu::constructor(101)]] void noteMainThread() {
  homeThreads();
  // A fork child has only the thread that forked, and a lock another
  // thread may have held, with the set half changed: it starts anew
  // (the parent's records are left behind), without allocating, since
  // the allocator's own handler may not have run yet. Until 2026-11-28 a
  // child whose parent was noting a creation waited for ever at its
  // first (about 1 run in 100 of e2e/fork-during-first-create.c).
  ::pthread_atfork(nullptr, nullptr, [] {
    new (&homeThreads()) HomeThreads{{}, {}, pthread_self(), true};
  });
}
} // namespace

void noteHomeThread(pthread_t Thread) {
  HomeThreads &H = homeThreads();
  std::lock_guard<std::mutex> Lock(H.M);
  H.Known.insert(Thread);
}

void forgetHomeThread(pthread_t Thread) {
  HomeThreads &H = homeThreads();
  std::lock_guard<std::mutex> Lock(H.M);
  H.Known.erase(Thread);
  if (pthread_equal(Thread, H.Main))
    H.MainKnown = false;
}

bool isHomeThread(pthread_t Thread) {
  HomeThreads &H = homeThreads();
  std::lock_guard<std::mutex> Lock(H.M);
  return (H.MainKnown && pthread_equal(Thread, H.Main)) ||
         H.Known.count(Thread) != 0;
}

int createThread(const __grid_site *Site, uint32_t Kind, pthread_t *Thread,
                 const pthread_attr_t *Attr, void *(*Start)(void *),
                 void *Arg) {
  // A thread running on another node creates its threads through home.
  if (sync::RemoteThread)
    return threads::remoteCreate(Site, Kind, Thread, Attr, Start, Arg);
  std::optional<unsigned> Core;
  std::string Place;
  Machine *M;
  core::WorkItem Work;
  Work.Thread = true;
  Work.Kind = Kind;
  Work.Site = Site;
  {
    core::ErrnoGuard Guard;
    core::initialize();
    M = &machine();
    // Formatted only when a log line will use it: creation is a hot path.
    auto Where = [&] {
      return core::describeSite(Site) + ": " + core::kindName(Kind);
    };
    if (local::LocalThreads::hasOwnAffinity(Attr)) {
      Place = "user affinity";
      core::log(LogLevel::Info, Where() + " -> the affinity set in its "
                                          "pthread attributes (respected)");
    } else {
      Tolerance Tol = core::threadTolerance(Site);
      Strategy Strat = core::placementStrategy();
      bool ClusterKeptHome = false;
      std::string ClusterWhy; // why, when the log shows it
      std::vector<unsigned> Loads = M->Threads.liveThreadsPerCore();
      if (Tol > Tolerance::Machine && threads::space()) {
        std::string Why;
        unsigned HomeLoad = 0;
        for (unsigned Live : Loads)
          HomeLoad += Live;
        unsigned Node = threads::chooseNode(Tol, Strat, HomeLoad, Why);
        if (Node != 0) {
          if (core::logEnabled(LogLevel::Info))
            core::log(LogLevel::Info,
                      Where() + " -> node " + std::to_string(Node) +
                          " (thread tolerance " + toString(Tol) +
                          ", strategy " + toString(Strat) + "): " + Why);
          Work.Node = Node;
          Work.Distance = Tol;
          uint64_t WorkId = core::addWork(std::move(Work));
          int Result =
              threads::startRemote(Site, Node, Thread, Attr, Start, Arg);
          if (Result == 0) {
            noteHomeThread(*Thread); // its shadow's
            core::recordCreation(Site, "node " + std::to_string(Node));
          } else if (WorkId)
            core::removeWork(WorkId);
          return Result;
        }
        if (core::logEnabled(LogLevel::Info))
          ClusterWhy = "cluster: " + Why + "; ";
        ClusterKeptHome = true;
      } else if (Tol > Tolerance::Machine &&
                 cluster::role() == cluster::Role::Descendant) {
        if (core::logEnabled(LogLevel::Info))
          ClusterWhy = "cluster: only the job's program places threads on "
                       "other nodes, and this process is one it started; ";
        ClusterKeptHome = true;
      }
      if (core::logEnabled(LogLevel::Debug))
        core::log(LogLevel::Debug, Where() + ": " + loadsText(Loads));
      placement::Creator From = creator(*M);
      // Once the cluster kept it home, the machine is its scope: the
      // decision's reason must not say that there is no cluster.
      placement::Decision D = M->Policy.choose(
          ClusterKeptHome ? Tolerance::Machine : Tol, Strat, From, Loads);
      Core = D.Core;
      Work.Core = static_cast<int>(D.Core);
      Work.Distance = M->Topo->cores()[D.Core].Numa == From.Numa
                          ? Tolerance::Local
                          : Tolerance::Machine;
      Place = placeName(D.Core);
      if (core::logEnabled(LogLevel::Info))
        core::log(LogLevel::Info, Where() + " -> " + Place +
                                      " (thread tolerance " + toString(Tol) +
                                      ", strategy " + toString(Strat) +
                                      "): " + ClusterWhy + D.why());
    }
  }
  uint64_t WorkId;
  threads::HomeStacks *Stacks;
  threads::HomeStacks::Lease Lease;
  {
    core::ErrnoGuard Guard;
    WorkId = core::addWork(std::move(Work));
    // In a job, a thread at home runs on a stack other nodes can reach.
    if ((Stacks = threads::homeStacks()))
      Lease = Stacks->takeFor(Attr);
  }
  local::LocalThreads::GivenStack Given{Lease.Base, Lease.Bytes, Lease.Tid};
  int Result = M->Threads.create(Thread, Attr, Start, Arg, Core, WorkId,
                                 Lease ? &Given : nullptr);
  if (Lease && !Given.Used) {
    core::ErrnoGuard Guard;
    Stacks->giveBack(Lease);
  }
  if (Result == 0) {
    core::ErrnoGuard Guard;
    noteHomeThread(*Thread);
    core::recordCreation(Site, Place);
  }
  return Result;
}

int startStdThread(const __grid_site *Site, void *ThreadObject,
                   void *StateOwner) {
  // std::thread holds exactly its id, which holds exactly the native handle;
  // libstdc++ itself creates the thread straight into that field.
  static_assert(sizeof(std::thread) == sizeof(pthread_t));
  static_assert(sizeof(std::thread::id) == sizeof(pthread_t));
  auto *Owner = static_cast<std::unique_ptr<std::thread::_State> *>(StateOwner);
  auto *Native = static_cast<pthread_t *>(ThreadObject);
  int Err = createThread(Site, __grid_kind_StdThread, Native, nullptr,
                         runStdThreadState, Owner->get());
  if (Err == 0)
    Owner->release();
  return Err;
}

// Only a thread Grid pinned needs unpinning, and such a thread exists only
// once the machine has been built.
ChildStartScope::ChildStartScope() {
  if (local::LocalThreads::currentGridCore()) {
    machine().Threads.unpinCallingThread();
    Unpinned = true;
  }
}

ChildStartScope::~ChildStartScope() {
  if (Unpinned)
    machine().Threads.repinCallingThread();
}

} // namespace grid::api
