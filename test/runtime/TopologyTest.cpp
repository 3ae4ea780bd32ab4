//===- TopologyTest.cpp - The topology of the real machine ----------------===//
//
// What hwloc reports must stay within the CPUs this process may use, and
// binding a thread to a core must leave it on exactly that core's PUs.
//===----------------------------------------------------------------------===//

#include "topology/Topology.h"

#include <gtest/gtest.h>

#include <sched.h>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using grid::topology::Core;
using grid::topology::Topology;

namespace {
std::set<unsigned> affinityOfCallingThread() {
  cpu_set_t Set;
  CPU_ZERO(&Set);
  EXPECT_EQ(sched_getaffinity(0, sizeof(Set), &Set), 0);
  std::set<unsigned> Cpus;
  for (unsigned Cpu = 0; Cpu < CPU_SETSIZE; ++Cpu)
    if (CPU_ISSET(Cpu, &Set))
      Cpus.insert(Cpu);
  return Cpus;
}
} // namespace

TEST(Topology, CoversExactlyTheAllowedCpus) {
  std::unique_ptr<Topology> T = Topology::fromMachine();
  ASSERT_FALSE(T->cores().empty());
  std::set<unsigned> Allowed = affinityOfCallingThread();
  std::set<unsigned> Seen;
  for (size_t I = 0; I < T->cores().size(); ++I) {
    const Core &C = T->cores()[I];
    EXPECT_EQ(C.Index, I);
    EXPECT_LT(C.Numa, T->numaNodes());
    ASSERT_FALSE(C.Pus.empty());
    for (unsigned Pu : C.Pus) {
      EXPECT_TRUE(Allowed.count(Pu)) << "PU " << Pu << " is not allowed";
      EXPECT_TRUE(Seen.insert(Pu).second) << "PU " << Pu << " listed twice";
      EXPECT_EQ(T->coreOfPu(Pu), C.Index);
    }
  }
  EXPECT_EQ(Seen, Allowed);
}

TEST(Topology, TheProcessAffinityNarrowsTheCores) {
  // taskset or mpirun --bind-to narrows the whole process: here a forked
  // child, whose one thread is its main thread, so this process keeps its
  // mask.
  pid_t Child = fork();
  ASSERT_GE(Child, 0);
  if (Child == 0) {
    std::set<unsigned> Allowed = affinityOfCallingThread();
    unsigned Only = *Allowed.begin();
    cpu_set_t Set;
    CPU_ZERO(&Set);
    CPU_SET(Only, &Set);
    if (sched_setaffinity(0, sizeof(Set), &Set) != 0)
      _exit(2);
    std::unique_ptr<Topology> T = Topology::fromMachine();
    bool Narrowed = T->cores().size() == 1 &&
                    T->cores()[0].Pus == std::vector<unsigned>{Only} &&
                    T->numaNodes() == 1;
    _exit(Narrowed ? 0 : 1);
  }
  int Status = 0;
  ASSERT_EQ(waitpid(Child, &Status, 0), Child);
  ASSERT_TRUE(WIFEXITED(Status));
  EXPECT_EQ(WEXITSTATUS(Status), 0);
}

TEST(Topology, APinnedCallingThreadDoesNotNarrowTheCores) {
  // Grid pins the threads it creates: one of them may be the first to ask
  // (a shadow's creator at home), and must see the process's cores.
  std::unique_ptr<Topology> Whole = Topology::fromMachine();
  std::set<unsigned> Allowed = affinityOfCallingThread();
  if (Allowed.size() < 2)
    GTEST_SKIP() << "one CPU: a pinned thread sees the process's cores anyway";
  auto PusOf = [](const Topology &T) {
    std::vector<std::vector<unsigned>> Pus;
    for (const Core &C : T.cores())
      Pus.push_back(C.Pus);
    return Pus;
  };
  std::thread([&] {
    cpu_set_t Set;
    CPU_ZERO(&Set);
    CPU_SET(*Allowed.begin(), &Set);
    ASSERT_EQ(sched_setaffinity(0, sizeof(Set), &Set), 0);
    std::unique_ptr<Topology> T = Topology::fromMachine();
    EXPECT_EQ(PusOf(*T), PusOf(*Whole));
  }).join();
}

TEST(Topology, BindsTheCallingThreadToACore) {
  std::unique_ptr<Topology> T = Topology::fromMachine();
  const Core &Last = T->cores().back();
  std::thread([&] {
    ASSERT_TRUE(T->bindCallingThread(Last.Index));
    std::set<unsigned> Want(Last.Pus.begin(), Last.Pus.end());
    EXPECT_EQ(affinityOfCallingThread(), Want);
    EXPECT_EQ(T->coreOfCallingThread(), Last.Index);
    EXPECT_EQ(T->numaOfCallingThread(), Last.Numa);
  }).join();
}

TEST(Topology, ByHandCannotBind) {
  Topology T({{0, 0, {0}}, {1, 1, {4, 5}}}, 2);
  EXPECT_FALSE(T.bindCallingThread(0));
  EXPECT_EQ(T.coresOfNuma(1), std::vector<unsigned>{1});
  EXPECT_EQ(T.coreOfPu(5), 1u);
  EXPECT_EQ(T.coreOfPu(2), std::nullopt);
  EXPECT_EQ(T.summary(), "2 cores (PUs 0 | 4,5) on 2 NUMA nodes");
}
