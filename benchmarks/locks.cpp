//===- benchmarks/locks.cpp - A lock-heavy kernel, with and without Grid --===//
//
// The lock-heavy figure of benchmarks/RESULTS.md (issue 5). The same source
// is built twice, with `grid-clang++ -fgrid` (every pthread mutex, barrier
// and atomic below becomes a runtime call that takes the native path while
// no thread is remote) and with plain clang++-19, and benchmarks/run.sh runs
// the two binaries alternately, locally (no mpirun).
//
// 2 x hardware threads run phases separated by a pthread barrier. In each
// phase every thread makes its operations: draw a number from its own
// stream, lock one of 64 striped pthread mutexes, update that stripe's
// count and sum, unlock, and count the operation on a shared std::atomic.
//
//   locks [--phases N] [--operations N] [--threads N]
// Prints: RESULT seconds=<wall time, first create to last join>
//         checksum=<stripes' counts and sums>
// The checksum must be equal for both builds.
//===----------------------------------------------------------------------===//

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr unsigned Stripes = 64;

struct alignas(64) Stripe {
  pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
  uint64_t Count = 0;
  uint64_t Sum = 0;
};

Stripe Table[Stripes];
std::atomic<uint64_t> Operations{0};
pthread_barrier_t PhaseDone;
unsigned Phases = 40, PerPhase = 100000;

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "locks: %s\n", Message.c_str());
  std::exit(1);
}

unsigned parseCount(const std::string &Name, const char *Text) {
  char *End = nullptr;
  long Value = std::strtol(Text, &End, 10);
  if (*Text == '\0' || *End != '\0' || Value < 1 || Value > 100000000)
    fail(Name + " needs an integer from 1 to 100000000, got '" + Text + "'");
  return static_cast<unsigned>(Value);
}

void *work(void *P) {
  uint64_t State = 0x2545f4914f6cdd1dULL * (reinterpret_cast<uintptr_t>(P) + 1);
  for (unsigned Phase = 0; Phase < Phases; ++Phase) {
    for (unsigned I = 0; I < PerPhase; ++I) {
      State ^= State << 13;
      State ^= State >> 7;
      State ^= State << 17;
      Stripe &S = Table[State % Stripes];
      pthread_mutex_lock(&S.Lock);
      ++S.Count;
      S.Sum += State >> 40;
      pthread_mutex_unlock(&S.Lock);
      Operations.fetch_add(1, std::memory_order_relaxed);
    }
    pthread_barrier_wait(&PhaseDone);
  }
  return nullptr;
}

} // namespace

int main(int Argc, char **Argv) {
  unsigned Threads = 2 * std::max(1u, std::thread::hardware_concurrency());
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A == "--phases" && I + 1 < Argc)
      Phases = parseCount(A, Argv[++I]);
    else if (A == "--operations" && I + 1 < Argc)
      PerPhase = parseCount(A, Argv[++I]);
    else if (A == "--threads" && I + 1 < Argc)
      Threads = parseCount(A, Argv[++I]);
    else {
      std::printf("Usage: %s [--phases N] [--operations N] [--threads N]\n"
                  "A lock-heavy kernel (see the banner); prints its wall "
                  "time and checksum.\n",
                  Argv[0]);
      return A == "--help" ? 0 : 2;
    }
  }
  pthread_barrier_init(&PhaseDone, nullptr, Threads);
  std::vector<pthread_t> T(Threads);
  auto Start = std::chrono::steady_clock::now();
  for (unsigned I = 0; I < Threads; ++I)
    if (pthread_create(&T[I], nullptr, work,
                       reinterpret_cast<void *>(static_cast<uintptr_t>(I))))
      fail("pthread_create failed");
  for (pthread_t Thread : T)
    pthread_join(Thread, nullptr);
  double Seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();
  uint64_t Checksum = 0;
  for (const Stripe &S : Table)
    Checksum = Checksum * 1000003 + S.Count * 31 + S.Sum;
  if (Operations.load() != uint64_t(Threads) * Phases * PerPhase)
    fail("lost operations");
  std::printf("RESULT seconds=%.6f checksum=%llu\n", Seconds,
              static_cast<unsigned long long>(Checksum));
  return 0;
}
