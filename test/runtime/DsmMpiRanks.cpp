//===- DsmMpiRanks.cpp - The coherence protocol on real MPI ranks ---------===//
//
// GoogleTest run under `mpirun -np 3` (ctest: DsmMpiRanks): rank 0 is home
// and runs the tests, ranks 1 and 2 are agents serving it, as in a job.
// Threads are started on agents through threads::startRemote and make
// their synchronisation calls through the cluster path, as a -fgrid
// program's entry points do; shared data lives in home's slice of the
// shared space (and, for one test, on an agent's stack). The runtime is
// linked into this executable, so its globals are not shared
// (ShareGlobals=false).
//===----------------------------------------------------------------------===//

#include "cluster/Cluster.h"
#include "core/Core.h"
#include "dsm/Space.h"
#include "process/Remote.h"
#include "sync/Sync.h"
#include "threads/Threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <pthread.h>

using namespace grid;

namespace {

/// Shared memory for a test: a region of home's slice (the stack part).
template <class T> T *sharedBlock(size_t Count = 1) {
  void *P = threads::space()->allocateStack(sizeof(T) * Count + 4096);
  EXPECT_NE(P, nullptr);
  std::memset(P, 0, sizeof(T) * Count);
  return static_cast<T *>(P);
}

pthread_t startOn(unsigned Node, void *(*Start)(void *), void *Arg) {
  pthread_t T;
  EXPECT_EQ(threads::startRemote(nullptr, Node, &T, nullptr, Start, Arg), 0);
  return T;
}

void *joined(pthread_t T) {
  void *R = nullptr;
  EXPECT_EQ(pthread_join(T, &R), 0);
  threads::acquire(); // join is an acquire, as __grid_pthread_join does
  return R;
}

void lock(pthread_mutex_t *M) {
  sync::Args A;
  A.Object = M;
  sync::clusterCall(nullptr, sync::Op::MutexLock, A);
}
void unlock(pthread_mutex_t *M) {
  sync::Args A;
  A.Object = M;
  sync::clusterCall(nullptr, sync::Op::MutexUnlock, A);
}

constexpr size_t Pages = 16, Longs = Pages * 4096 / sizeof(long);

// --- Writes of a remote thread are seen at home after join ----------------
void *writeAll(void *P) {
  auto *Data = static_cast<long *>(P);
  for (size_t I = 0; I < Longs; ++I)
    Data[I] = static_cast<long>(I * 3 + 1);
  return reinterpret_cast<void *>(sync::RemoteThread ? 1L : 0L);
}

TEST(DsmMpiRanks, RemoteWritesAreHomeAfterJoin) {
  auto *Data = sharedBlock<long>(Longs);
  void *Ran = joined(startOn(1, writeAll, Data));
  EXPECT_EQ(Ran, reinterpret_cast<void *>(1L)) << "the thread ran at home";
  size_t Wrong = 0;
  for (size_t I = 0; I < Longs; ++I)
    Wrong += Data[I] != static_cast<long>(I * 3 + 1);
  EXPECT_EQ(Wrong, 0u);
}

// --- Home's writes before the start are seen by the remote thread ---------
void *sumAll(void *P) {
  auto *Data = static_cast<long *>(P);
  long Sum = 0;
  for (size_t I = 0; I < Longs; ++I)
    Sum += Data[I];
  return reinterpret_cast<void *>(Sum);
}

TEST(DsmMpiRanks, HomeWritesAreSeenByARemoteThread) {
  auto *Data = sharedBlock<long>(Longs);
  long Expected = 0;
  for (size_t I = 0; I < Longs; ++I)
    Expected += Data[I] = static_cast<long>(I % 7);
  EXPECT_EQ(reinterpret_cast<long>(joined(startOn(2, sumAll, Data))),
            Expected);
  // A second round after home changed the data: the agent's cached copy
  // from the first round must not be used.
  Expected = 0;
  for (size_t I = 0; I < Longs; ++I)
    Expected += Data[I] = static_cast<long>(I % 11);
  EXPECT_EQ(reinterpret_cast<long>(joined(startOn(2, sumAll, Data))),
            Expected);
}

// --- A mutex-protected counter on three nodes ------------------------------
struct Counter {
  pthread_mutex_t Lock;
  long Value;
  long PerThread;
};

void *addMany(void *P) {
  auto *C = static_cast<Counter *>(P);
  for (long I = 0; I < C->PerThread; ++I) {
    lock(&C->Lock);
    ++C->Value;
    unlock(&C->Lock);
  }
  return nullptr;
}

TEST(DsmMpiRanks, MutexCounterOnThreeNodes) {
  auto *C = sharedBlock<Counter>();
  pthread_mutex_init(&C->Lock, nullptr);
  C->PerThread = 100;
  pthread_t A = startOn(1, addMany, C), B = startOn(2, addMany, C);
  sync::HomeCaching.store(true); // as once any thread is remote
  addMany(C);                     // home takes part
  joined(A);
  joined(B);
  EXPECT_EQ(C->Value, 300);
}

// --- Atomics from every node -----------------------------------------------
void *bump(void *P) {
  sync::AtomicArgs A;
  A.Op = sync::AtomicOp::Add;
  A.Size = 8;
  A.Ptr = P;
  A.Value = 1;
  for (int I = 0; I < 100; ++I)
    sync::clusterAtomic(A);
  return nullptr;
}

TEST(DsmMpiRanks, AtomicAddsFromThreeNodes) {
  auto *Word = sharedBlock<long>();
  pthread_t A = startOn(1, bump, Word), B = startOn(2, bump, Word);
  bump(Word);
  joined(A);
  joined(B);
  EXPECT_EQ(*Word, 300);
}

// --- A page an agent homes (its thread's stack), read at home ---------------
struct Handoff {
  pthread_mutex_t Lock;
  pthread_cond_t Changed;
  long *OnAgentStack; // set by the remote thread
  bool Read;          // set by home once it has read
};

void *offerStack(void *P) {
  auto *H = static_cast<Handoff *>(P);
  long Mine[1024];
  for (long I = 0; I < 1024; ++I)
    Mine[I] = I * I;
  lock(&H->Lock);
  H->OnAgentStack = Mine;
  sync::Args S;
  S.Object = &H->Changed;
  sync::clusterCall(nullptr, sync::Op::CondBroadcast, S);
  S.Object2 = &H->Lock;
  while (!H->Read)
    sync::clusterCall(nullptr, sync::Op::CondWait, S);
  unlock(&H->Lock);
  return nullptr;
}

TEST(DsmMpiRanks, HomeReadsAPageAnAgentHomes) {
  auto *H = sharedBlock<Handoff>();
  pthread_mutex_init(&H->Lock, nullptr);
  pthread_cond_init(&H->Changed, nullptr);
  pthread_t T = startOn(1, offerStack, H);
  sync::HomeCaching.store(true);
  lock(&H->Lock);
  sync::Args S;
  S.Object = &H->Changed;
  S.Object2 = &H->Lock;
  while (!H->OnAgentStack)
    sync::clusterCall(nullptr, sync::Op::CondWait, S);
  long *Theirs = H->OnAgentStack;
  EXPECT_EQ(threads::space()->homeOf(reinterpret_cast<uintptr_t>(Theirs) /
                                     4096),
            1u);
  long Sum = 0;
  for (long I = 0; I < 1024; ++I)
    Sum += Theirs[I]; // fetched from node 1
  H->Read = true;
  S.Object2 = nullptr;
  sync::clusterCall(nullptr, sync::Op::CondBroadcast, S);
  unlock(&H->Lock);
  joined(T);
  long Expected = 0;
  for (long I = 0; I < 1024; ++I)
    Expected += I * I;
  EXPECT_EQ(Sum, Expected);
}

} // namespace

int main(int Argc, char **Argv) {
  cluster::Role Role = cluster::startRole();
  if (Role != cluster::Role::Home && Role != cluster::Role::Agent) {
    std::fprintf(stderr, "DsmMpiRanks: run it under mpirun -np 3\n");
    return 2;
  }
  core::initialize();
  Settings S = core::currentSettings();
  cluster::Cluster &C = cluster::Cluster::open(
      {S.NearThresholdUs, S.NodeTimeoutSeconds, core::allowedCores()});
  if (C.size() != 3) {
    std::fprintf(stderr, "DsmMpiRanks: run it with 3 ranks\n");
    return 2;
  }
  if (Role == cluster::Role::Agent) {
    threads::startAgent(C, /*ShareGlobals=*/false);
    process::runAgent(C);
  }
  threads::startHome(C, /*ShareGlobals=*/false);
  process::startHomeService(C);
  C.startHome();
  ::testing::InitGoogleTest(&Argc, Argv);
  int Result = RUN_ALL_TESTS();
  std::fflush(stdout);
  std::exit(Result); // the cluster's exit handler ends the agents
}
