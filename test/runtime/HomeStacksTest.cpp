//===- HomeStacksTest.cpp - Stacks of home's threads and their reuse ------===//
//
// threads/HomeStacks.h over a real one-rank Space, with real threads
// started by LocalThreads on the stacks it leases: a thread runs on its
// stack with the attributes it was given; a joinable thread's stack is
// reused after its join, never before; a detached thread's (by attribute
// or pthread_detach) once the kernel no longer knows its id, never while it
// runs; a reused kernel id only delays reuse; a program's own stack is
// left alone; exhaustion gives nothing and warns once.
// (libgridrt.so's pthread_join and pthread_detach make the calls joined()
// and detach() stand for here; test/dsm/home-stacks.c runs them.)
//===----------------------------------------------------------------------===//

#include "threads/HomeStacks.h"

#include "local/Threads.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <semaphore.h>
#include <unistd.h>

using grid::dsm::Space;
using grid::local::LocalThreads;
using grid::threads::HomeStacks;
using grid::topology::Topology;

namespace {

struct HomeStackReuse : ::testing::Test {
  void SetUp() override {
    std::string Error;
    S = Space::create(0, 1, false, &Error);
    ASSERT_TRUE(S) << Error;
    Topo = Topology::fromMachine();
    Threads = std::make_unique<LocalThreads>(*Topo);
  }

  std::unique_ptr<Space> S;
  std::unique_ptr<Topology> Topo;
  std::unique_ptr<LocalThreads> Threads;
};

/// What a thread saw of itself.
struct Seen {
  sem_t Go;      // posted by the test to let the thread end
  sem_t Started; // posted by the thread
  char *Local = nullptr;
  pid_t Tid = 0;
  sigset_t Mask;
  int DetachState = -1;
  bool Wait = false;
  bool DetachItself = false;

  Seen() {
    sem_init(&Go, 0, 0);
    sem_init(&Started, 0, 0);
  }
  ~Seen() {
    sem_destroy(&Go);
    sem_destroy(&Started);
  }
};

void *look(void *P) {
  auto *W = static_cast<Seen *>(P);
  char Here = 0;
  W->Local = &Here;
  W->Tid = gettid();
  pthread_sigmask(SIG_BLOCK, nullptr, &W->Mask);
  pthread_attr_t A;
  if (pthread_getattr_np(pthread_self(), &A) == 0) {
    pthread_attr_getdetachstate(&A, &W->DetachState);
    pthread_attr_destroy(&A);
  }
  if (W->DetachItself)
    pthread_detach(pthread_self());
  sem_post(&W->Started);
  if (W->Wait)
    while (sem_wait(&W->Go) != 0) {
    }
  return P;
}

bool within(const void *P, const HomeStacks::Lease &L) {
  auto *B = static_cast<const char *>(L.Base);
  auto *C = static_cast<const char *>(P);
  return C >= B && C < B + L.Bytes;
}

// Waits, without a deadline, until the kernel no longer knows Tid.
void waitGone(pid_t Tid) {
  while (HomeStacks::threadAlive(Tid))
    usleep(1000);
}

int start(LocalThreads &Threads, pthread_t *T, const pthread_attr_t *Attr,
          Seen &W, HomeStacks::Lease &L) {
  LocalThreads::GivenStack Given{L.Base, L.Bytes, L.Tid};
  int Err = Threads.create(T, Attr, look, &W, std::nullopt, 0, &Given);
  EXPECT_TRUE(Given.Used);
  return Err;
}

} // namespace

TEST_F(HomeStackReuse, AJoinedThreadsStackIsReusedAfterItsJoinOnly) {
  HomeStacks H(*S);
  HomeStacks::Lease L = H.take(1 << 20, false);
  ASSERT_TRUE(L);
  EXPECT_EQ(L.Bytes, size_t(1) << 20);
  auto [Begin, End] = S->stackPart();
  EXPECT_GE(static_cast<std::byte *>(L.Base), Begin);
  EXPECT_LE(static_cast<std::byte *>(L.Base) + L.Bytes, End);

  Seen W;
  pthread_t T;
  ASSERT_EQ(start(*Threads, &T, nullptr, W, L), 0);
  sem_wait(&W.Started);
  EXPECT_TRUE(within(W.Local, L)); // its frame is on the leased stack
  // glibc's descriptor (the pthread_t) lies in it too: that is how a join
  // or detach finds the stack.
  EXPECT_TRUE(within(reinterpret_cast<void *>(T), L));
  EXPECT_EQ(L.Tid->load(), W.Tid);
  EXPECT_EQ(W.DetachState, PTHREAD_CREATE_JOINABLE);

  // Ended but not joined: its descriptor is still to be read by the join.
  waitGone(W.Tid);
  HomeStacks::Lease Other = H.take(1 << 20, false);
  EXPECT_NE(Other.Base, L.Base);
  H.giveBack(Other);
  EXPECT_EQ(H.inUse(), 1u);

  void *R = nullptr;
  ASSERT_EQ(pthread_join(T, &R), 0);
  EXPECT_EQ(R, &W);
  H.joined(T);
  EXPECT_EQ(H.inUse(), 0u);
  HomeStacks::Lease Again = H.take(1 << 20, false);
  EXPECT_TRUE(Again.Base == L.Base || Again.Base == Other.Base);
}

TEST_F(HomeStackReuse, ADetachedThreadsStackIsReusedOnceItIsGone) {
  HomeStacks H(*S);
  HomeStacks::Lease L = H.take(1 << 20, true);
  ASSERT_TRUE(L);
  pthread_attr_t Detached;
  pthread_attr_init(&Detached);
  pthread_attr_setdetachstate(&Detached, PTHREAD_CREATE_DETACHED);
  Seen W;
  W.Wait = true;
  pthread_t T;
  ASSERT_EQ(start(*Threads, &T, &Detached, W, L), 0);
  pthread_attr_destroy(&Detached);
  sem_wait(&W.Started);
  EXPECT_EQ(W.DetachState, PTHREAD_CREATE_DETACHED);

  // Still running: never reused.
  HomeStacks::Lease While = H.take(1 << 20, false);
  ASSERT_TRUE(While);
  EXPECT_NE(While.Base, L.Base);
  H.giveBack(While);

  pid_t Tid = W.Tid;
  sem_post(&W.Go);
  waitGone(Tid);
  // Reclaimed when a stack is wanted: the freed one of the same size is
  // either of the two.
  HomeStacks::Lease After = H.take(1 << 20, false);
  HomeStacks::Lease Next = H.take(1 << 20, false);
  EXPECT_TRUE(After.Base == L.Base || Next.Base == L.Base);
  EXPECT_EQ(H.inUse(), 2u);
}

TEST_F(HomeStackReuse, ThreadsDetachedLaterOrByThemselvesAreReclaimed) {
  HomeStacks H(*S);
  // Detached by its creator after creation.
  HomeStacks::Lease L1 = H.take(1 << 20, false);
  Seen W1;
  W1.Wait = true;
  pthread_t T1;
  ASSERT_EQ(start(*Threads, &T1, nullptr, W1, L1), 0);
  sem_wait(&W1.Started);
  EXPECT_EQ(H.detach(T1, pthread_detach), 0);
  // Detached by itself, possibly before pthread_create returned.
  HomeStacks::Lease L2 = H.take(1 << 20, false);
  Seen W2;
  W2.DetachItself = true;
  W2.Wait = true;
  pthread_t T2;
  // The thread's own pthread_detach here is glibc's: mark it as
  // libgridrt's would, from inside the thread's stack.
  ASSERT_EQ(start(*Threads, &T2, nullptr, W2, L2), 0);
  sem_wait(&W2.Started);
  EXPECT_EQ(H.detach(T2, [](pthread_t) { return 0; }), 0);
  EXPECT_NE(L1.Base, L2.Base);

  sem_post(&W1.Go);
  sem_post(&W2.Go);
  waitGone(W1.Tid);
  waitGone(W2.Tid);
  EXPECT_EQ(H.inUse(), 2u);
  HomeStacks::Lease Next = H.take(1 << 20, false);
  EXPECT_TRUE(Next.Base == L1.Base || Next.Base == L2.Base);
  EXPECT_EQ(H.inUse(), 1u); // both reclaimed, one given again
}

namespace {
bool KernelSaysAlive = true;
bool fakeAlive(pid_t) { return KernelSaysAlive; }
} // namespace

TEST_F(HomeStackReuse, AReusedThreadIdOnlyDelaysReuse) {
  HomeStacks H(*S, fakeAlive);
  HomeStacks::Lease L = H.take(1 << 20, true);
  L.Tid->store(12345);    // as the thread would at its start
  KernelSaysAlive = true; // its id, or another thread's that reused it
  HomeStacks::Lease Other = H.take(1 << 20, false);
  EXPECT_NE(Other.Base, L.Base);
  H.giveBack(Other);
  KernelSaysAlive = false;
  HomeStacks::Lease Again = H.take(1 << 20, false);
  EXPECT_TRUE(Again.Base == L.Base || Again.Base == Other.Base);
  // A detached thread that has not stored its id has not started.
  HomeStacks::Lease Unstarted = H.take(2 << 20, true);
  HomeStacks::Lease Next = H.take(2 << 20, false);
  EXPECT_NE(Next.Base, Unstarted.Base);
}

TEST_F(HomeStackReuse, AttributesAreKeptOnTheGivenStack) {
  HomeStacks H(*S);
  pthread_attr_t A;
  pthread_attr_init(&A);
  pthread_attr_setstacksize(&A, 3 << 20);
  sigset_t Mask;
  sigemptyset(&Mask);
  sigaddset(&Mask, SIGUSR2);
  pthread_attr_setsigmask_np(&A, &Mask);
  HomeStacks::Lease L = H.takeFor(&A);
  ASSERT_TRUE(L);
  EXPECT_EQ(L.Bytes, size_t(3) << 20); // the size asked for
  Seen W;
  pthread_t T;
  ASSERT_EQ(start(*Threads, &T, &A, W, L), 0);
  pthread_attr_destroy(&A);
  ASSERT_EQ(pthread_join(T, nullptr), 0);
  H.joined(T);
  EXPECT_TRUE(within(W.Local, L));
  EXPECT_TRUE(sigismember(&W.Mask, SIGUSR2));
  EXPECT_FALSE(sigismember(&W.Mask, SIGUSR1));
}

TEST_F(HomeStackReuse, DefaultSizeOwnStacksAndExhaustion) {
  HomeStacks H(*S);
  pthread_attr_t Defaults;
  pthread_attr_init(&Defaults);
  size_t Default = 0;
  pthread_attr_getstacksize(&Defaults, &Default);
  HomeStacks::Lease L = H.takeFor(nullptr);
  ASSERT_TRUE(L);
  EXPECT_EQ(L.Bytes, Space::stackBytes(Default)); // glibc's own default
  H.giveBack(L);

  // A stack of the program's own is left alone.
  static char Own[1 << 16];
  pthread_attr_setstack(&Defaults, Own, sizeof Own);
  EXPECT_FALSE(H.takeFor(&Defaults));
  pthread_attr_destroy(&Defaults);

  // The part exhausted: nothing, and one warning.
  pthread_attr_t Huge;
  pthread_attr_init(&Huge);
  pthread_attr_setstacksize(&Huge, grid::dsm::StackBytes);
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(H.takeFor(&Huge));
  EXPECT_FALSE(H.takeFor(&Huge));
  std::string Err = ::testing::internal::GetCapturedStderr();
  pthread_attr_destroy(&Huge);
  EXPECT_NE(Err.find("grid: warning: the part of home's shared memory for "
                     "thread stacks is full"),
            std::string::npos)
      << Err;
  EXPECT_EQ(Err.find("warning", Err.find("warning") + 1), std::string::npos)
      << Err;
  EXPECT_EQ(H.inUse(), 0u);
}
