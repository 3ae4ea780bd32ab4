// C++ statics a function makes on first use, reached at once by threads on
// several nodes: one thread makes the static, the others wait until it is
// made, and all see it made (the C++ runtime's guard, __cxa_guard_acquire
// and __cxa_guard_release, taken at home for a remote thread: api/
// RemoteIo.cpp). Before, a thread on another node waited on the guard's
// futex, which the maker's wake never reached, for ever.
//
// Six threads (two at home, two on each agent) start together and each
// reads a static whose constructor takes 100 ms, then one whose
// constructor throws the first time it runs (the guard is abandoned,
// __cxa_guard_abort, and the next thread makes it). The threads at home
// start 400 ms late, so that remote threads make, throw and wait. main prints what they
// saw once all have joined; the output equals the plain run's.
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
//
// CHECK-NOT: warning
// CHECK: static-init.cpp:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>

namespace {

std::atomic<int> SlowMade{0}, FlakyTries{0}, FlakyMade{0};

struct Slow {
  int Value;
  Slow() : Value(42) {
    SlowMade.fetch_add(1);
    usleep(100000);
  }
};

struct Flaky {
  int Value;
  Flaky() : Value(7) {
    if (FlakyTries.fetch_add(1) == 0) {
      usleep(50000);
      throw std::runtime_error("first try");
    }
    FlakyMade.fetch_add(1);
  }
};

int slow() {
  static Slow S;
  return S.Value;
}

int flaky() {
  for (;;) {
    try {
      static Flaky F;
      return F.Value;
    } catch (const std::runtime_error &) {
    }
  }
}

int Seen[6][2];

void *work(void *P) {
  long I = reinterpret_cast<long>(P);
  // The threads at home (0 and 3, with spread over three ranks) come last,
  // so that threads on other nodes make the statics, throw, and wait for
  // each other.
  if (I % 3 == 0)
    usleep(400000);
  Seen[I][0] = slow();
  Seen[I][1] = flaky();
  return nullptr;
}

} // namespace

int main() {
  pthread_t Threads[6];
  for (long I = 0; I < 6; ++I)
    if (pthread_create(&Threads[I], nullptr, work,
                       reinterpret_cast<void *>(I)) != 0)
      return 1;
  for (pthread_t T : Threads)
    pthread_join(T, nullptr);
  for (int I = 0; I < 6; ++I)
    std::printf("thread %d saw %d and %d\n", I, Seen[I][0], Seen[I][1]);
  std::printf("slow made %d time(s); flaky tried %d times, made %d\n",
              SlowMade.load(), FlakyTries.load(), FlakyMade.load());
  return 0;
}
