//===- benchmarks/kernel.cpp - A thread-heavy kernel, with and without Grid
//===//
//
// Figure 2 of benchmarks/RESULTS.md. The same source is built twice, with
// `grid-clang++ -fgrid` and with plain clang++-19, and benchmarks/run.sh runs
// the two binaries alternately. Each frame starts a fresh pool of 2 x hardware
// threads (std::thread) that pull Mandelbrot tiles from a shared counter and
// sum their escape counts, so thread creation, placement and the compute
// itself are all inside the timed region.
//
//   kernel [--frames N] [--size N] [--iterations N] [--threads N]
// Prints: RESULT seconds=<wall time of all frames> checksum=<sum>
// The checksum must be equal for both builds.
//===----------------------------------------------------------------------===//

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

constexpr int TileEdge = 32;

struct Params {
  int Frames = 12;
  int Size = 512;
  int Iterations = 500;
  int Threads = 0; // 0: twice the hardware threads
};

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "kernel: %s\n", Message.c_str());
  std::exit(1);
}

int parseCount(const std::string &Name, const char *Text) {
  char *End = nullptr;
  long Value = std::strtol(Text, &End, 10);
  if (*Text == '\0' || *End != '\0' || Value < 1 || Value > 100000)
    fail(Name + " needs an integer from 1 to 100000, got '" + Text + "'");
  return static_cast<int>(Value);
}

// Escape counts of one tile of a Size x Size view of [-2, 1] x [-1.5, 1.5],
// zoomed a little further each frame so frames differ.
uint64_t tileSum(const Params &P, int Frame, int Tile) {
  int TilesPerRow = (P.Size + TileEdge - 1) / TileEdge;
  int X0 = (Tile % TilesPerRow) * TileEdge,
      Y0 = (Tile / TilesPerRow) * TileEdge;
  double Scale = 3.0 / P.Size / (1.0 + 0.05 * Frame);
  uint64_t Sum = 0;
  for (int Py = Y0; Py < std::min(Y0 + TileEdge, P.Size); ++Py)
    for (int Px = X0; Px < std::min(X0 + TileEdge, P.Size); ++Px) {
      double Cx = -0.5 + (Px - P.Size / 2.0) * Scale;
      double Cy = (Py - P.Size / 2.0) * Scale;
      double X = 0, Y = 0;
      int N = 0;
      while (N < P.Iterations && X * X + Y * Y <= 4.0) {
        double Xn = X * X - Y * Y + Cx;
        Y = 2 * X * Y + Cy;
        X = Xn;
        ++N;
      }
      Sum += N;
    }
  return Sum;
}

uint64_t frame(const Params &P, int Frame) {
  int TilesPerRow = (P.Size + TileEdge - 1) / TileEdge;
  int Tiles = TilesPerRow * TilesPerRow;
  std::atomic<int> Next{0};
  std::atomic<uint64_t> Total{0};
  std::vector<std::thread> Pool;
  for (int W = 0; W < P.Threads; ++W)
    Pool.emplace_back([&] {
      uint64_t Mine = 0;
      for (int T; (T = Next.fetch_add(1)) < Tiles;)
        Mine += tileSum(P, Frame, T);
      Total += Mine;
    });
  for (std::thread &T : Pool)
    T.join();
  return Total;
}

} // namespace

int main(int Argc, char **Argv) {
  Params P;
  for (int I = 1; I < Argc; ++I) {
    std::string Arg = Argv[I];
    if (Arg == "--help") {
      std::printf("Usage: %s [--frames N] [--size N] [--iterations N] "
                  "[--threads N]\nRenders N frames (default 12) of a size x "
                  "size Mandelbrot view (default 512),\neach with a fresh "
                  "pool of threads (default 2 x hardware threads).\n",
                  Argv[0]);
      return 0;
    }
    int *Target = Arg == "--frames"       ? &P.Frames
                  : Arg == "--size"       ? &P.Size
                  : Arg == "--iterations" ? &P.Iterations
                  : Arg == "--threads"    ? &P.Threads
                                          : nullptr;
    if (!Target || I + 1 >= Argc)
      fail("unknown or incomplete option '" + Arg +
           "'; accepted: --frames N, --size N, --iterations N, --threads N, "
           "--help");
    *Target = parseCount(Arg, Argv[++I]);
  }
  if (P.Threads == 0)
    P.Threads = 2 * std::max(1u, std::thread::hardware_concurrency());

  auto Start = std::chrono::steady_clock::now();
  uint64_t Checksum = 0;
  for (int F = 0; F < P.Frames; ++F)
    Checksum += frame(P, F);
  std::chrono::duration<double> Elapsed =
      std::chrono::steady_clock::now() - Start;
  std::printf("RESULT seconds=%.6f checksum=%llu\n", Elapsed.count(),
              static_cast<unsigned long long>(Checksum));
  return 0;
}
