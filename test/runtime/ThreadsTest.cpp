//===- ThreadsTest.cpp - Pinned threads and their live counts -------------===//
//
// LocalThreads on the real machine: a thread runs on the core it was given,
// counts as live there until it ends however it ends (return, pthread_exit,
// cancellation), returns its value, and starts with errno 0; a thread of
// its own affinity runs on its set and counts on its first core.
//===----------------------------------------------------------------------===//

#include "local/Threads.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <sched.h>
#include <semaphore.h>

using grid::local::LocalThreads;
using grid::topology::Topology;

namespace {
struct Probe {
  const Topology *Topo;
  LocalThreads *Threads;
  unsigned Core;
  bool OnCore = false;
  unsigned LiveInside = 0;
  int ErrnoAtStart = -1;
  std::optional<unsigned> GridCore = std::nullopt;
};

void *probe(void *P) {
  auto *Pr = static_cast<Probe *>(P);
  Pr->ErrnoAtStart = errno;
  cpu_set_t Set;
  sched_getaffinity(0, sizeof(Set), &Set);
  const auto &Pus = Pr->Topo->cores()[Pr->Core].Pus;
  Pr->OnCore = static_cast<size_t>(CPU_COUNT(&Set)) == Pus.size();
  for (unsigned Pu : Pus)
    Pr->OnCore = Pr->OnCore && CPU_ISSET(Pu, &Set);
  Pr->LiveInside = Pr->Threads->liveThreadsPerCore()[Pr->Core];
  Pr->GridCore = LocalThreads::currentGridCore();
  return reinterpret_cast<void *>(static_cast<intptr_t>(42));
}

void *exitsEarly(void *) {
  pthread_exit(reinterpret_cast<void *>(static_cast<intptr_t>(7)));
}

void *waitsForCancel(void *P) {
  sem_post(static_cast<sem_t *>(P));
  for (;;)
    pause(); // a cancellation point
}
} // namespace

TEST(LocalThreads, RunsOnItsCoreAndCountsWhileLive) {
  std::unique_ptr<Topology> T = Topology::fromMachine();
  LocalThreads Threads(*T);
  Probe P{T.get(), &Threads, static_cast<unsigned>(T->cores().size() - 1)};
  pthread_t Th;
  errno = 1234;
  ASSERT_EQ(Threads.create(&Th, nullptr, probe, &P, P.Core), 0);
  void *Result = nullptr;
  ASSERT_EQ(pthread_join(Th, &Result), 0);
  EXPECT_EQ(Result, reinterpret_cast<void *>(static_cast<intptr_t>(42)));
  EXPECT_TRUE(P.OnCore);
  EXPECT_EQ(P.LiveInside, 1u);
  EXPECT_EQ(P.ErrnoAtStart, 0);
  EXPECT_EQ(P.GridCore, P.Core);
  EXPECT_EQ(Threads.liveThreadsPerCore()[P.Core], 0u);
}

TEST(LocalThreads, PthreadExitReleasesTheCount) {
  std::unique_ptr<Topology> T = Topology::fromMachine();
  LocalThreads Threads(*T);
  pthread_t Th;
  ASSERT_EQ(Threads.create(&Th, nullptr, exitsEarly, nullptr, 0u), 0);
  void *Result = nullptr;
  ASSERT_EQ(pthread_join(Th, &Result), 0);
  EXPECT_EQ(Result, reinterpret_cast<void *>(static_cast<intptr_t>(7)));
  EXPECT_EQ(Threads.liveThreadsPerCore()[0], 0u);
}

TEST(LocalThreads, CancellationReleasesTheCount) {
  std::unique_ptr<Topology> T = Topology::fromMachine();
  LocalThreads Threads(*T);
  sem_t Started;
  sem_init(&Started, 0, 0);
  pthread_t Th;
  ASSERT_EQ(Threads.create(&Th, nullptr, waitsForCancel, &Started, 0u), 0);
  sem_wait(&Started);
  EXPECT_EQ(Threads.liveThreadsPerCore()[0], 1u);
  ASSERT_EQ(pthread_cancel(Th), 0);
  void *Result = nullptr;
  ASSERT_EQ(pthread_join(Th, &Result), 0);
  EXPECT_EQ(Result, PTHREAD_CANCELED);
  EXPECT_EQ(Threads.liveThreadsPerCore()[0], 0u);
  sem_destroy(&Started);
}

TEST(LocalThreads, FailedCreateReturnsTheRealErrorAndLeavesNoCount) {
  std::unique_ptr<Topology> T = Topology::fromMachine();
  LocalThreads Threads(*T);
  pthread_attr_t Attr;
  pthread_attr_init(&Attr);
  // A 1 PiB stack cannot be mapped: pthread_create itself fails (EAGAIN).
  ASSERT_EQ(pthread_attr_setstacksize(&Attr, size_t(1) << 50), 0);
  pthread_t Th;
  EXPECT_EQ(Threads.create(&Th, &Attr, exitsEarly, nullptr, 0u), EAGAIN);
  EXPECT_EQ(Threads.liveThreadsPerCore()[0], 0u);
  pthread_attr_destroy(&Attr);
}

TEST(LocalThreads, RecognisesAnAttrWithItsOwnAffinity) {
  pthread_attr_t Attr;
  pthread_attr_init(&Attr);
  EXPECT_FALSE(LocalThreads::hasOwnAffinity(nullptr));
  EXPECT_FALSE(LocalThreads::hasOwnAffinity(&Attr));
  cpu_set_t Set;
  CPU_ZERO(&Set);
  CPU_SET(0, &Set);
  ASSERT_EQ(pthread_attr_setaffinity_np(&Attr, sizeof(Set), &Set), 0);
  EXPECT_TRUE(LocalThreads::hasOwnAffinity(&Attr));
  pthread_attr_destroy(&Attr);
}

// A thread of its own affinity (the PUs of the last core and of core 0):
// it runs on its set, not pinned by Grid (no Grid core, so nothing pins it
// again after a child's start), whatever core the caller names, and counts
// as live on the core of the set's lowest PU.
TEST(LocalThreads, CountsAThreadOfItsOwnAffinityOnItsFirstCore) {
  std::unique_ptr<Topology> T = Topology::fromMachine();
  LocalThreads Threads(*T);
  unsigned Last = static_cast<unsigned>(T->cores().size() - 1);
  cpu_set_t Own;
  CPU_ZERO(&Own);
  for (unsigned Core : {0u, Last})
    for (unsigned Pu : T->cores()[Core].Pus)
      CPU_SET(Pu, &Own);
  unsigned Lowest = CPU_SETSIZE;
  for (unsigned Pu = 0; Pu < CPU_SETSIZE && Lowest == CPU_SETSIZE; ++Pu)
    if (CPU_ISSET(Pu, &Own))
      Lowest = Pu;
  unsigned Counted = 0;
  for (const auto &C : T->cores())
    for (unsigned Pu : C.Pus)
      if (Pu == Lowest)
        Counted = C.Index;
  pthread_attr_t Attr;
  pthread_attr_init(&Attr);
  ASSERT_EQ(pthread_attr_setaffinity_np(&Attr, sizeof(Own), &Own), 0);
  EXPECT_EQ(Threads.ownAffinityCore(&Attr), Counted);
  Probe P{T.get(), &Threads, Counted};
  struct Seen {
    Probe *P;
    cpu_set_t Set;
  } S{&P, {}};
  auto Run = [](void *Arg) -> void * {
    auto *S = static_cast<Seen *>(Arg);
    sched_getaffinity(0, sizeof(S->Set), &S->Set);
    return probe(S->P);
  };
  pthread_t Th;
  ASSERT_EQ(Threads.create(&Th, &Attr, Run, &S, Last), 0);
  ASSERT_EQ(pthread_join(Th, nullptr), 0);
  pthread_attr_destroy(&Attr);
  EXPECT_TRUE(CPU_EQUAL(&S.Set, &Own));
  EXPECT_EQ(P.LiveInside, 1u);
  EXPECT_EQ(P.GridCore, std::nullopt);
  EXPECT_EQ(Threads.liveThreadsPerCore()[Counted], 0u);
}

// The core of the set's lowest PU, whatever order the cores' PUs interleave
// in (SMT siblings numbered apart, sockets taking turns); a set of PUs no
// core has, or no set, counts nowhere.
TEST(LocalThreads, OwnAffinityCoreIsTheLowestPusCore) {
  Topology T({{0, 0, {0, 2}}, {1, 0, {1, 3}}}, 1);
  LocalThreads Threads(T);
  pthread_attr_t Attr;
  pthread_attr_init(&Attr);
  EXPECT_EQ(Threads.ownAffinityCore(&Attr), std::nullopt);
  EXPECT_EQ(Threads.ownAffinityCore(nullptr), std::nullopt);
  cpu_set_t Set;
  CPU_ZERO(&Set);
  CPU_SET(1, &Set);
  CPU_SET(2, &Set);
  ASSERT_EQ(pthread_attr_setaffinity_np(&Attr, sizeof(Set), &Set), 0);
  EXPECT_EQ(Threads.ownAffinityCore(&Attr), 1u);
  CPU_ZERO(&Set);
  CPU_SET(9, &Set);
  CPU_SET(2, &Set);
  ASSERT_EQ(pthread_attr_setaffinity_np(&Attr, sizeof(Set), &Set), 0);
  EXPECT_EQ(Threads.ownAffinityCore(&Attr), 0u);
  CPU_ZERO(&Set);
  CPU_SET(9, &Set);
  ASSERT_EQ(pthread_attr_setaffinity_np(&Attr, sizeof(Set), &Set), 0);
  EXPECT_EQ(Threads.ownAffinityCore(&Attr), std::nullopt);
  pthread_attr_destroy(&Attr);
}
