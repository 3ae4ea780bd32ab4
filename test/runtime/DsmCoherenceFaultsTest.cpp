//===- DsmCoherenceFaultsTest.cpp - Coherence over real page faults -------===//
//
// dsm/Coherence.h driven by dsm/Faults.h, in one process: each simulated
// node has its own FaultRange (its view of the shared range, with real
// protections and real faults), LocalHomeStore holds the homes, and real
// threads of each node run a data-race-free program whose lock calls
// acquire after locking and release before unlocking, as the sync layer
// will. The program's result must be what one machine gives.
//===----------------------------------------------------------------------===//

#include "dsm/Coherence.h"
#include "dsm/Faults.h"

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace grid::dsm;

namespace {

/// A node's view: its FaultRange, whose faults go to its NodeCache.
class RangeView : public PageAccess, public FaultHandler {
public:
  RangeView(size_t Pages, FaultMechanism M) {
    std::string Error;
    Range = FaultRange::create(Pages * PageSize, *this, M, nullptr, &Error);
    EXPECT_TRUE(Range) << Error;
  }
  std::byte *address(size_t Page) override {
    return Range->base() + Page * PageSize;
  }
  std::byte *writable(size_t Page) override {
    return Range->writable(address(Page));
  }
  void protect(size_t Page, Access A) override {
    int Prot = A == Access::None   ? PROT_NONE
               : A == Access::Read ? PROT_READ
                                   : PROT_READ | PROT_WRITE;
    EXPECT_TRUE(Range->protect(address(Page), 1, Prot));
  }
  // Faults come only from the program's accesses, never from a thread that
  // holds the cache's lock (the cache works through writable()).
  bool onFault(void *Page, bool Write) override {
    NodeCache *C = Cache.load();
    return C && C->fault(static_cast<size_t>(static_cast<std::byte *>(Page) -
                                             Range->base()) /
                             PageSize,
                         Write);
  }
  std::unique_ptr<FaultRange> Range;
  std::atomic<NodeCache *> Cache{nullptr};
};

struct Job {
  static constexpr unsigned Nodes = 3;
  static constexpr size_t Pages = 6; // node n homes pages 2n, 2n+1
  LocalHomeStore Homes{Pages, Nodes};
  std::vector<std::unique_ptr<RangeView>> Views;
  std::vector<std::unique_ptr<NodeCache>> Caches;

  explicit Job(FaultMechanism M) {
    for (unsigned N = 0; N < Nodes; ++N) {
      Views.push_back(std::make_unique<RangeView>(Pages, M));
      Homes.attach(N, *Views.back());
    }
    for (unsigned N = 0; N < Nodes; ++N) {
      Caches.push_back(std::make_unique<NodeCache>(N, Pages, Homes, *Views[N]));
      Views[N]->Cache.store(Caches.back().get());
    }
  }
  ~Job() {
    for (auto &V : Views)
      V->Cache.store(nullptr);
  }
  /// Offset Offset of the shared range as node N's threads see it.
  template <class T> T *at(unsigned N, size_t Offset) {
    return reinterpret_cast<T *>(Views[N]->address(0) + Offset);
  }
};

void lockedCounterAcrossNodes(FaultMechanism M) {
  if (M == FaultMechanism::Userfaultfd) {
    std::string Why;
    ASSERT_TRUE(userfaultfdUsable(&Why)) << Why;
  }
  Job J(M);
  // The counter lives in a page homed at node 0, each thread's own slot in
  // pages homed at node 2; one lock for the whole job.
  constexpr size_t Counter = 100, Slots = 4 * PageSize + 8;
  constexpr unsigned PerNode = 2, Rounds = 300;
  std::mutex Lock;
  std::vector<std::thread> Threads;
  for (unsigned N = 0; N < Job::Nodes; ++N)
    for (unsigned T = 0; T < PerNode; ++T)
      Threads.emplace_back([&, N, T] {
        unsigned Me = N * PerNode + T;
        for (unsigned R = 0; R < Rounds; ++R) {
          Lock.lock();
          J.Caches[N]->acquire();
          ++*J.at<uint64_t>(N, Counter);
          J.at<uint32_t>(N, Slots)[Me] += Me + 1;
          J.Caches[N]->release();
          Lock.unlock();
        }
      });
  for (std::thread &T : Threads)
    T.join();
  for (unsigned N = 0; N < Job::Nodes; ++N) {
    J.Caches[N]->acquire(); // as join does
    EXPECT_EQ(*J.at<uint64_t>(N, Counter),
              uint64_t{Job::Nodes * PerNode} * Rounds)
        << "node " << N;
    for (unsigned Me = 0; Me < Job::Nodes * PerNode; ++Me)
      EXPECT_EQ(J.at<uint32_t>(N, Slots)[Me], (Me + 1) * Rounds)
          << "node " << N << " slot " << Me;
  }
  EXPECT_GT(J.Caches[1]->counts().Fetches, 0u) << "node 1 really faulted";
  EXPECT_GT(J.Caches[1]->counts().Diffs, 0u);
}

} // namespace

TEST(DsmCoherenceFaults, LockedCounterAcrossNodesWithSignals) {
  lockedCounterAcrossNodes(FaultMechanism::Signal);
}

TEST(DsmCoherenceFaults, LockedCounterAcrossNodesWithUserfaultfd) {
  lockedCounterAcrossNodes(FaultMechanism::Userfaultfd);
}
