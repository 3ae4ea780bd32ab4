//===- benchmarks/thread_create.cpp - Thread create+join: Grid vs raw -----===//
//
// Figure 1 of benchmarks/RESULTS.md. Built with `grid-clang++ -fgrid`, so its
// ordinary pthread_create/pthread_join calls are rewritten by the plugin into
// the runtime's __grid_* entry points (the "grid" path). The "raw" path calls
// glibc's own pthread_create/pthread_join through pointers looked up with
// dlsym in libc.so.6 at run time, which the plugin cannot see, so both paths
// run in the same process, interleaved round by round.
//
//   thread_create [--rounds N] [--threads N]
// Prints one line per round and a final line the runner parses:
//   RESULT baseline_ns=<raw> subject_ns=<grid> ratio=<median grid/raw>
//===----------------------------------------------------------------------===//

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using CreateFn = int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                         void *);
using JoinFn = int (*)(pthread_t, void **);

void *emptyBody(void *Arg) { return Arg; }

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "thread_create: %s\n", Message.c_str());
  std::exit(1);
}

// Nanoseconds per create+join of Count threads, one at a time.
template <typename Create, typename Join>
double timeCreateJoin(int Count, Create &&CreateOne, Join &&JoinOne) {
  auto Start = std::chrono::steady_clock::now();
  for (int I = 0; I < Count; ++I) {
    pthread_t T;
    if (int Err = CreateOne(&T))
      fail(std::string("pthread_create failed: ") + std::strerror(Err));
    if (int Err = JoinOne(T))
      fail(std::string("pthread_join failed: ") + std::strerror(Err));
  }
  std::chrono::duration<double, std::nano> Elapsed =
      std::chrono::steady_clock::now() - Start;
  return Elapsed.count() / Count;
}

double median(std::vector<double> V) {
  std::sort(V.begin(), V.end());
  size_t N = V.size();
  return N % 2 ? V[N / 2] : (V[N / 2 - 1] + V[N / 2]) / 2;
}

int parseCount(const char *Name, const char *Text) {
  char *End = nullptr;
  long Value = std::strtol(Text, &End, 10);
  if (*Text == '\0' || *End != '\0' || Value < 1 || Value > 1000000)
    fail(std::string(Name) + " needs an integer from 1 to 1000000, got '" +
         Text + "'");
  return static_cast<int>(Value);
}

} // namespace

int main(int Argc, char **Argv) {
  int Rounds = 21, Threads = 500;
  for (int I = 1; I < Argc; ++I) {
    std::string Arg = Argv[I];
    if (Arg == "--help") {
      std::printf("Usage: %s [--rounds N] [--threads N]\n"
                  "Times create+join of N threads (default 500) through Grid "
                  "and through glibc directly,\ninterleaved, for the given "
                  "number of rounds (default 21); prints the medians.\n",
                  Argv[0]);
      return 0;
    }
    if ((Arg == "--rounds" || Arg == "--threads") && I + 1 < Argc)
      (Arg == "--rounds" ? Rounds : Threads) = parseCount(Argv[I], Argv[I + 1]);
    else
      fail("unknown or incomplete option '" + Arg +
           "'; accepted: --rounds N, --threads N, --help");
    ++I;
  }

  // Without the runtime the "grid" path would be the raw one: refuse.
  if (!dlsym(RTLD_DEFAULT, "__grid_pthread_create"))
    fail("libgridrt is not loaded; build this program with grid-clang++ "
         "-fgrid");
  void *Libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  if (!Libc)
    fail(std::string("cannot open libc.so.6: ") + dlerror());
  auto RawCreate = reinterpret_cast<CreateFn>(dlsym(Libc, "pthread_create"));
  auto RawJoin = reinterpret_cast<JoinFn>(dlsym(Libc, "pthread_join"));
  if (!RawCreate || !RawJoin)
    fail("cannot find pthread_create/pthread_join in libc.so.6");

  auto Raw = [&] {
    return timeCreateJoin(
        Threads,
        [&](pthread_t *T) { return RawCreate(T, nullptr, emptyBody, nullptr); },
        [&](pthread_t T) { return RawJoin(T, nullptr); });
  };
  // The floor for any bound thread: glibc's own pthread_create given an
  // affinity (each core in turn), which makes the kernel hand the new thread
  // over to its core before it runs. Grid binds every thread it places, so
  // it cannot be cheaper than this.
  std::vector<pthread_attr_t> CoreAttrs;
  for (int Cpu = 0; Cpu < CPU_SETSIZE; ++Cpu) {
    cpu_set_t Allowed;
    if (sched_getaffinity(0, sizeof(Allowed), &Allowed) != 0)
      fail("sched_getaffinity failed");
    if (!CPU_ISSET(Cpu, &Allowed))
      continue;
    cpu_set_t One;
    CPU_ZERO(&One);
    CPU_SET(Cpu, &One);
    CoreAttrs.emplace_back();
    pthread_attr_init(&CoreAttrs.back());
    pthread_attr_setaffinity_np(&CoreAttrs.back(), sizeof(One), &One);
  }
  size_t NextCore = 0;
  auto Pinned = [&] {
    return timeCreateJoin(
        Threads,
        [&](pthread_t *T) {
          const pthread_attr_t *Attr =
              &CoreAttrs[NextCore++ % CoreAttrs.size()];
          return RawCreate(T, Attr, emptyBody, nullptr);
        },
        [&](pthread_t T) { return RawJoin(T, nullptr); });
  };
  auto Grid = [&] {
    return timeCreateJoin(
        Threads,
        [](pthread_t *T) {
          return pthread_create(T, nullptr, emptyBody, nullptr);
        },
        [](pthread_t T) { return pthread_join(T, nullptr); });
  };

  // One unrecorded round of each warms caches, the allocator and the
  // runtime's per-site tables.
  Raw();
  Grid();
  Pinned();
  std::vector<double> RawNs, GridNs, Ratios, PinnedRatios;
  for (int R = 0; R < Rounds; ++R) {
    // Alternate which path goes first so neither always runs on a warmer
    // machine.
    double A, B;
    if (R % 2) {
      B = Grid();
      A = Raw();
    } else {
      A = Raw();
      B = Grid();
    }
    double P = Pinned();
    RawNs.push_back(A);
    GridNs.push_back(B);
    Ratios.push_back(B / A);
    PinnedRatios.push_back(P / A);
    std::printf("round %2d  raw %9.0f ns  grid %9.0f ns  pinned raw %9.0f ns  "
                "ratio %.3f\n",
                R, A, B, P, B / A);
  }
  std::printf("RESULT baseline_ns=%.0f subject_ns=%.0f ratio=%.4f "
              "pinned_ratio=%.4f\n",
              median(RawNs), median(GridNs), median(Ratios),
              median(PinnedRatios));
  return 0;
}
