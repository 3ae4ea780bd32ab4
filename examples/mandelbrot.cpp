//===- examples/mandelbrot.cpp - Grid's demo: a tiled Mandelbrot renderer -===//
//
// An ordinary threaded program that knows nothing about Grid. A pool of
// std::threads pulls tiles of the image from a shared counter and computes
// them; each tile is tinted by the CPU core that computed it (sched_getcpu()
// in the worker), so the picture shows where the threads ran. Then a second
// pool checksums the image one row of tiles at a time, each row piped through
// `cksum` in a child process, and compares every child's answer with the CRC
// computed here, so each row's bytes are shown to have made the round trip.
// Built with `grid-clang++ -fgrid` its threads are placed and bound by Grid,
// and under mpirun its children may run on the other ranks; built with plain
// clang++ the threads float wherever the kernel puts them and the children
// run here. See docs/demo.md.
//
//   mandelbrot [--width N] [--height N] [--tile N] [--iterations N]
//              [--threads N] [--output FILE.png]
//===----------------------------------------------------------------------===//

#include <fcntl.h>
#include <png.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace {

struct Options {
  int Width = 1200;
  int Height = 800;
  int Tile = 50;
  int Iterations = 1000;
  int Threads = 0; // 0: twice the hardware threads
  std::string Output = "mandelbrot.png";
};

void printHelp(const char *Argv0) {
  std::printf(
      "Usage: %s [options]\n"
      "\n"
      "Renders the Mandelbrot set with a pool of std::threads that pull\n"
      "tiles from a shared counter. Each tile is tinted by the CPU core that\n"
      "computed it, one hue per core, and a placement summary is printed.\n"
      "Then each row of tiles is checksummed by `cksum` in a child process\n"
      "and checked against the CRC computed in-process. Build it with\n"
      "`grid-clang++ -fgrid` to see Grid place the threads, and run it under\n"
      "mpirun on several ranks to see the children run on other nodes.\n"
      "\n"
      "Options (also accepted as --name=value):\n"
      "  --width N        image width in pixels (default 1200)\n"
      "  --height N       image height in pixels (default 800)\n"
      "  --tile N         tile edge in pixels (default 50)\n"
      "  --iterations N   escape-time iterations per pixel (default 1000)\n"
      "  --threads N      worker threads, for rendering and then for\n"
      "                   checksumming (default 2 x hardware threads = %u)\n"
      "  --output FILE    PNG file to write (default mandelbrot.png)\n"
      "  --help           show this help and exit\n",
      Argv0, 2 * std::max(1u, std::thread::hardware_concurrency()));
}

[[noreturn]] void usageError(const std::string &Message) {
  std::fprintf(stderr, "mandelbrot: %s\nTry 'mandelbrot --help'.\n",
               Message.c_str());
  std::exit(2);
}

int parsePositive(const std::string &Name, const std::string &Text, int Max) {
  char *End = nullptr;
  errno = 0;
  long Value = std::strtol(Text.c_str(), &End, 10);
  if (Text.empty() || *End != '\0' || errno != 0 || Value < 1 || Value > Max)
    usageError(Name + " needs an integer from 1 to " + std::to_string(Max) +
               ", got '" + Text + "'");
  return static_cast<int>(Value);
}

Options parseOptions(int Argc, char **Argv) {
  Options Opts;
  for (int I = 1; I < Argc; ++I) {
    std::string Arg = Argv[I];
    if (Arg == "--help" || Arg == "-h") {
      printHelp(Argv[0]);
      std::exit(0);
    }
    std::string Name = Arg, Value;
    bool HasValue = false;
    if (auto Eq = Arg.find('='); Arg.rfind("--", 0) == 0 && Eq != Arg.npos) {
      Name = Arg.substr(0, Eq);
      Value = Arg.substr(Eq + 1);
      HasValue = true;
    }
    static const std::set<std::string> Known = {"--width",   "--height",
                                                "--tile",    "--iterations",
                                                "--threads", "--output"};
    if (!Known.count(Name))
      usageError("unknown option '" + Arg +
                 "'; accepted: --width, --height, --tile, --iterations, "
                 "--threads, --output, --help");
    if (!HasValue) {
      if (I + 1 >= Argc)
        usageError(Name + " needs a value");
      Value = Argv[++I];
    }
    if (Name == "--width")
      Opts.Width = parsePositive(Name, Value, 16384);
    else if (Name == "--height")
      Opts.Height = parsePositive(Name, Value, 16384);
    else if (Name == "--tile")
      Opts.Tile = parsePositive(Name, Value, 16384);
    else if (Name == "--iterations")
      Opts.Iterations = parsePositive(Name, Value, 1000000);
    else if (Name == "--threads")
      Opts.Threads = parsePositive(Name, Value, 4096);
    else if (Value.empty())
      usageError("--output needs a file name");
    else
      Opts.Output = Value;
  }
  if (Opts.Threads == 0)
    Opts.Threads = 2 * std::max(1u, std::thread::hardware_concurrency());
  return Opts;
}

// What one tile's worker saw: the core it started on, and whether the kernel
// moved it to another core before the tile was finished.
struct TileRecord {
  int Cpu = -1;
  bool Moved = false;
  int Worker = -1;
};

// Escape time with the usual smoothing; -1 for points inside the set.
double escapeTime(double Cx, double Cy, int MaxIter) {
  double X = 0, Y = 0;
  for (int N = 0; N < MaxIter; ++N) {
    double X2 = X * X, Y2 = Y * Y;
    if (X2 + Y2 > 256.0)
      return N + 1 - std::log2(std::log2(X2 + Y2) / 2.0);
    Y = 2 * X * Y + Cy;
    X = X2 - Y2 + Cx;
  }
  return -1;
}

struct Rgb {
  uint8_t R, G, B;
};

Rgb hsv(double HueDeg, double S, double V) {
  double C = V * S;
  double H = std::fmod(HueDeg, 360.0) / 60.0;
  double X = C * (1 - std::fabs(std::fmod(H, 2.0) - 1));
  double R = 0, G = 0, B = 0;
  if (H < 1)
    R = C, G = X;
  else if (H < 2)
    R = X, G = C;
  else if (H < 3)
    G = C, B = X;
  else if (H < 4)
    G = X, B = C;
  else if (H < 5)
    R = X, B = C;
  else
    R = C, B = X;
  double M = V - C;
  auto Byte = [](double F) {
    return static_cast<uint8_t>(std::lround(std::clamp(F, 0.0, 1.0) * 255));
  };
  return {Byte(R + M), Byte(G + M), Byte(B + M)};
}

class Renderer {
public:
  explicit Renderer(const Options &Opts)
      : Opts(Opts), TilesX((Opts.Width + Opts.Tile - 1) / Opts.Tile),
        TilesY((Opts.Height + Opts.Tile - 1) / Opts.Tile),
        Escape(static_cast<size_t>(Opts.Width) * Opts.Height),
        Tiles(static_cast<size_t>(TilesX) * TilesY) {}

  int tileCount() const { return TilesX * TilesY; }
  const std::vector<TileRecord> &tiles() const { return Tiles; }

  // The worker loop: take the next tile until none are left.
  void work(int Worker) {
    for (;;) {
      int T = NextTile.fetch_add(1, std::memory_order_relaxed);
      if (T >= tileCount())
        return;
      TileRecord &Rec = Tiles[T];
      Rec.Worker = Worker;
      Rec.Cpu = sched_getcpu();
      computeTile(T);
      Rec.Moved = sched_getcpu() != Rec.Cpu;
    }
  }

  // Hue of each core: evenly spaced around the colour wheel.
  double hueOf(int Cpu, int NumCpus) const {
    return 360.0 * Cpu / std::max(1, NumCpus);
  }

  std::vector<Rgb> image(int NumCpus) const {
    std::vector<Rgb> Pixels(Escape.size());
    double LogMax = std::log(Opts.Iterations + 1.0);
    for (int Py = 0; Py < Opts.Height; ++Py) {
      for (int Px = 0; Px < Opts.Width; ++Px) {
        const TileRecord &Rec =
            Tiles[(Py / Opts.Tile) * TilesX + Px / Opts.Tile];
        double Hue = hueOf(std::max(Rec.Cpu, 0), NumCpus);
        double E = Escape[static_cast<size_t>(Py) * Opts.Width + Px];
        // Inside the set: a dark shade of the core's hue; outside: brighter
        // the longer the point took to escape.
        double V =
            E < 0 ? 0.22
                  : 0.30 + 0.70 * std::log(std::max(E, 0.0) + 1.0) / LogMax;
        bool Edge = Px % Opts.Tile == 0 || Py % Opts.Tile == 0;
        Pixels[static_cast<size_t>(Py) * Opts.Width + Px] =
            hsv(Hue, Edge ? 0.3 : 0.85, Edge ? 0.1 : V);
      }
    }
    return Pixels;
  }

private:
  void computeTile(int T) {
    int X0 = (T % TilesX) * Opts.Tile, Y0 = (T / TilesX) * Opts.Tile;
    int X1 = std::min(X0 + Opts.Tile, Opts.Width);
    int Y1 = std::min(Y0 + Opts.Tile, Opts.Height);
    // The view [-2.2, 0.8] x [-1.2, 1.2], stretched to keep pixels square.
    double Scale = std::max(3.0 / Opts.Width, 2.4 / Opts.Height);
    double CenterX = -0.7, CenterY = 0.0;
    for (int Py = Y0; Py < Y1; ++Py)
      for (int Px = X0; Px < X1; ++Px)
        Escape[static_cast<size_t>(Py) * Opts.Width + Px] = escapeTime(
            CenterX + (Px - Opts.Width / 2.0) * Scale,
            CenterY + (Py - Opts.Height / 2.0) * Scale, Opts.Iterations);
  }

  const Options &Opts;
  const int TilesX, TilesY;
  std::vector<double> Escape;
  std::vector<TileRecord> Tiles;
  std::atomic<int> NextTile{0};
};

bool writePng(const std::string &Path, int Width, int Height,
              const std::vector<Rgb> &Pixels) {
  png_image Image;
  std::memset(&Image, 0, sizeof Image);
  Image.version = PNG_IMAGE_VERSION;
  Image.width = Width;
  Image.height = Height;
  Image.format = PNG_FORMAT_RGB;
  if (png_image_write_to_file(&Image, Path.c_str(), 0, Pixels.data(), Width * 3,
                              nullptr))
    return true;
  std::fprintf(stderr, "mandelbrot: cannot write '%s': %s\n", Path.c_str(),
               Image.message);
  return false;
}

// The CRC of POSIX `cksum` (without options): CRC-32 with the polynomial
// 0x04C11DB7, most significant bit first, over the data and then over its
// length (least significant byte first, as few bytes as it takes), and
// complemented. Computed here to check what a child's cksum reports.
class PosixCrc {
public:
  PosixCrc() {
    for (uint32_t I = 0; I < 256; ++I) {
      uint32_t C = I << 24;
      for (int Bit = 0; Bit < 8; ++Bit)
        C = (C & 0x80000000u) ? (C << 1) ^ 0x04C11DB7u : C << 1;
      Table[I] = C;
    }
  }

  uint32_t operator()(const uint8_t *Data, size_t Size) const {
    uint32_t Crc = 0;
    for (size_t I = 0; I < Size; ++I)
      Crc = (Crc << 8) ^ Table[(Crc >> 24) ^ Data[I]];
    for (size_t N = Size; N != 0; N >>= 8)
      Crc = (Crc << 8) ^ Table[((Crc >> 24) ^ N) & 0xFF];
    return ~Crc;
  }

private:
  uint32_t Table[256];
};

// One row of tiles of the image, checksummed by a child process.
struct RowCheck {
  int FirstLine = 0, EndLine = 0; // pixel rows [FirstLine, EndLine)
  size_t Bytes = 0;
  uint32_t Expected = 0; // the CRC computed in this process
  uint32_t Crc = 0;      // what the child's cksum printed
  unsigned long long Length = 0;
  std::string Node;  // the child's GRID_NODE; "-" when it was not set
  std::string Error; // why the child gave no checksum, when it gave none

  bool verified() const {
    return Error.empty() && Crc == Expected && Length == Bytes;
  }
};

// The child: cksum reads the row's bytes on stdin and prints "CRC LENGTH",
// then the shell prints the node it ran on. Grid's runtime sets GRID_NODE
// in a cluster job (0 at home, the rank on another node); elsewhere it is
// unset.
constexpr const char *ChecksumScript = "cksum && echo \"node ${GRID_NODE:--}\"";

bool writeAll(int Fd, const uint8_t *Data, size_t Size) {
  while (Size > 0) {
    ssize_t N = write(Fd, Data, Size);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return false;
    Data += N;
    Size -= static_cast<size_t>(N);
  }
  return true;
}

std::string describeStatus(int Status) {
  if (WIFEXITED(Status))
    return "exited with status " + std::to_string(WEXITSTATUS(Status));
  if (WIFSIGNALED(Status))
    return std::string("was killed by ") + strsignal(WTERMSIG(Status));
  return "ended with wait status " + std::to_string(Status);
}

// Pipes the bytes through `sh -c ChecksumScript` and records what the child
// printed. Both pipes are close-on-exec and reach the child only as its stdin
// and stdout, so the child holds nothing of this process but those two
// streams and Grid may start it on another node.
void checksumInChild(const uint8_t *Data, RowCheck &Check) {
  int In[2], Out[2];
  if (pipe2(In, O_CLOEXEC) != 0) {
    Check.Error = std::string("pipe: ") + std::strerror(errno);
    return;
  }
  if (pipe2(Out, O_CLOEXEC) != 0) {
    Check.Error = std::string("pipe: ") + std::strerror(errno);
    close(In[0]);
    close(In[1]);
    return;
  }
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_adddup2(&Actions, In[0], 0);
  posix_spawn_file_actions_adddup2(&Actions, Out[1], 1);
  // main() ignores SIGPIPE, so that a child which stops reading is an error
  // reported here; the child gets the default action back.
  posix_spawnattr_t Attr;
  posix_spawnattr_init(&Attr);
  sigset_t Default;
  sigemptyset(&Default);
  sigaddset(&Default, SIGPIPE);
  posix_spawnattr_setsigdefault(&Attr, &Default);
  posix_spawnattr_setflags(&Attr, POSIX_SPAWN_SETSIGDEF);
  char Sh[] = "sh", Dash[] = "-c";
  std::string Script = ChecksumScript;
  char *Argv[] = {Sh, Dash, Script.data(), nullptr};
  pid_t Pid = -1;
  int Rc = posix_spawnp(&Pid, "sh", &Actions, &Attr, Argv, environ);
  posix_spawnattr_destroy(&Attr);
  posix_spawn_file_actions_destroy(&Actions);
  close(In[0]);
  close(Out[1]);
  if (Rc != 0) {
    Check.Error = std::string("cannot start sh: ") + std::strerror(Rc);
    close(In[1]);
    close(Out[0]);
    return;
  }

  // cksum reads all of its input before it prints, so writing everything
  // first and reading afterwards cannot deadlock.
  bool Wrote = writeAll(In[1], Data, Check.Bytes);
  int WriteErrno = errno;
  close(In[1]);
  std::string Text;
  char Buf[256];
  for (;;) {
    ssize_t N = read(Out[0], Buf, sizeof Buf);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      break;
    Text.append(Buf, static_cast<size_t>(N));
  }
  close(Out[0]);
  int Status = 0;
  pid_t Waited;
  while ((Waited = waitpid(Pid, &Status, 0)) < 0 && errno == EINTR) {
  }

  unsigned long Crc = 0;
  char Node[32] = "";
  if (Waited != Pid)
    Check.Error = std::string("waitpid: ") + std::strerror(errno);
  else if (!WIFEXITED(Status) || WEXITSTATUS(Status) != 0)
    Check.Error = "the child " + describeStatus(Status);
  else if (!Wrote)
    Check.Error =
        std::string("writing to the child: ") + std::strerror(WriteErrno);
  else if (std::sscanf(Text.c_str(), "%lu %llu node %31s", &Crc, &Check.Length,
                       Node) != 3)
    Check.Error = "the child printed '" + Text + "'";
  else {
    Check.Crc = static_cast<uint32_t>(Crc);
    Check.Node = Node;
  }
}

int rowsOfTiles(const Options &Opts) {
  return (Opts.Height + Opts.Tile - 1) / Opts.Tile;
}

// Checksums the image one row of tiles at a time: a pool of Workers threads
// takes rows from a shared counter, and each row goes through its own child.
std::vector<RowCheck>
checksumRows(const Options &Opts, const std::vector<Rgb> &Pixels, int Workers) {
  static_assert(sizeof(Rgb) == 3, "the image is packed RGB, as in the PNG");
  const auto *Bytes = reinterpret_cast<const uint8_t *>(Pixels.data());
  const size_t LineBytes = static_cast<size_t>(Opts.Width) * sizeof(Rgb);
  std::vector<RowCheck> Checks(rowsOfTiles(Opts));
  for (size_t Row = 0; Row < Checks.size(); ++Row) {
    RowCheck &C = Checks[Row];
    C.FirstLine = static_cast<int>(Row) * Opts.Tile;
    C.EndLine = std::min(C.FirstLine + Opts.Tile, Opts.Height);
    C.Bytes = LineBytes * (C.EndLine - C.FirstLine);
  }

  const PosixCrc Crc;
  std::atomic<size_t> Next{0};
  auto Work = [&] {
    for (;;) {
      size_t Row = Next.fetch_add(1, std::memory_order_relaxed);
      if (Row >= Checks.size())
        return;
      RowCheck &C = Checks[Row];
      const uint8_t *Data = Bytes + LineBytes * C.FirstLine;
      checksumInChild(Data, C);
      C.Expected = Crc(Data, C.Bytes);
    }
  };
  std::vector<std::thread> Pool;
  Pool.reserve(Workers);
  for (int W = 0; W < Workers; ++W)
    Pool.emplace_back(Work);
  for (std::thread &T : Pool)
    T.join();
  return Checks;
}

std::string nodeName(const std::string &Node) {
  return Node == "-" ? "no cluster (GRID_NODE unset)" : "node " + Node;
}

// Prints one line per row of tiles and the rows per node; returns how many
// checksums did not match the in-process CRC.
int printChecks(const std::vector<RowCheck> &Checks, int Workers,
                double Seconds) {
  std::printf("\nchecksums: %zu rows of tiles, each piped through cksum in a "
              "child process (%d at a time), in %.3f s\n",
              Checks.size(), Workers, Seconds);
  std::printf("row  pixel rows     bytes       cksum  node  check\n");
  std::map<std::string, int> PerNode;
  int Bad = 0;
  for (size_t Row = 0; Row < Checks.size(); ++Row) {
    const RowCheck &C = Checks[Row];
    std::string Range =
        std::to_string(C.FirstLine) + "-" + std::to_string(C.EndLine - 1);
    std::printf("%3zu  %10s  %8zu  ", Row, Range.c_str(), C.Bytes);
    if (!C.Error.empty()) {
      std::printf("%10s  %4s  FAILED: %s\n", "-", "-", C.Error.c_str());
      ++Bad;
      continue;
    }
    std::printf("%10u  %4s  ", C.Crc, C.Node.c_str());
    ++PerNode[C.Node];
    if (C.verified()) {
      std::printf("ok\n");
    } else {
      std::printf("WRONG: expected %u for %zu bytes; cksum counted %llu\n",
                  C.Expected, C.Bytes, C.Length);
      ++Bad;
    }
  }
  std::printf("rows checksummed per node:");
  const char *Sep = " ";
  for (const auto &[Node, Count] : PerNode) {
    std::printf("%s%s: %d", Sep, nodeName(Node).c_str(), Count);
    Sep = ", ";
  }
  std::printf("%s\n", PerNode.empty() ? " none" : "");
  std::printf("checksums equal to the in-process CRC: %d of %zu\n",
              static_cast<int>(Checks.size()) - Bad, Checks.size());
  return Bad;
}

const char *colourName(double Hue) {
  static const char *Names[] = {"red",   "orange", "yellow",  "lime",
                                "green", "teal",   "cyan",    "azure",
                                "blue",  "violet", "magenta", "rose"};
  return Names[static_cast<int>(std::lround(Hue / 30.0)) % 12];
}

void printSummary(const Options &Opts, const Renderer &R, int NumCpus,
                  double Seconds) {
  struct CoreUse {
    int Tiles = 0;
    std::set<int> Workers;
  };
  std::map<int, CoreUse> Cores;
  std::vector<std::set<int>> CoresOfWorker(Opts.Threads);
  std::vector<int> TilesOfWorker(Opts.Threads);
  int Moved = 0;
  for (const TileRecord &Rec : R.tiles()) {
    Cores[Rec.Cpu].Tiles++;
    Cores[Rec.Cpu].Workers.insert(Rec.Worker);
    CoresOfWorker[Rec.Worker].insert(Rec.Cpu);
    TilesOfWorker[Rec.Worker]++;
    Moved += Rec.Moved;
  }

  std::printf("mandelbrot: %dx%d pixels, %d tiles of %dx%d, %d iterations, "
              "%d threads\n",
              Opts.Width, Opts.Height, R.tileCount(), Opts.Tile, Opts.Tile,
              Opts.Iterations, Opts.Threads);
  std::printf("rendered in %.3f s; image written to %s\n\n", Seconds,
              Opts.Output.c_str());
  std::printf("core  tint               tiles  threads\n");
  for (const auto &[Cpu, Use] : Cores) {
    double Hue = R.hueOf(Cpu, NumCpus);
    std::printf("%4d  %-7s (%3.0f deg)  %5d  %7zu\n", Cpu, colourName(Hue), Hue,
                Use.Tiles, Use.Workers.size());
  }

  std::printf("\nthread  tiles  cores\n");
  int Pinned = 0, Idle = 0;
  for (int W = 0; W < Opts.Threads; ++W) {
    std::string List;
    for (int Cpu : CoresOfWorker[W])
      List += (List.empty() ? "" : ",") + std::to_string(Cpu);
    std::printf("%6d  %5d  %s\n", W, TilesOfWorker[W],
                List.empty() ? "-" : List.c_str());
    Pinned += CoresOfWorker[W].size() == 1;
    Idle += CoresOfWorker[W].empty();
  }
  std::printf("\nthreads that computed all their tiles on one core: %d of %d",
              Pinned, Opts.Threads - Idle);
  if (Idle)
    std::printf(" (%d threads found no tile left)", Idle);
  std::printf("\ntiles whose thread changed core mid-tile: %d of %d\n", Moved,
              R.tileCount());
}

} // namespace

int main(int Argc, char **Argv) {
  Options Opts = parseOptions(Argc, Argv);
  // Hues are spread over every configured core, so a core keeps its colour
  // whatever subset of the machine the program may use.
  int NumCpus = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_CONF)));

  Renderer R(Opts);
  auto Start = std::chrono::steady_clock::now();
  std::vector<std::thread> Pool;
  Pool.reserve(Opts.Threads);
  for (int W = 0; W < Opts.Threads; ++W)
    Pool.emplace_back([&R, W] { R.work(W); });
  for (std::thread &T : Pool)
    T.join();
  double Seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();

  std::vector<Rgb> Pixels = R.image(NumCpus);
  if (!writePng(Opts.Output, Opts.Width, Opts.Height, Pixels))
    return 1;
  printSummary(Opts, R, NumCpus, Seconds);
  std::fflush(stdout);

  // A child that dies before it has read its row must not end the program
  // with SIGPIPE: the write fails instead, and the row is reported.
  signal(SIGPIPE, SIG_IGN);
  Start = std::chrono::steady_clock::now();
  int Workers = std::min(Opts.Threads, rowsOfTiles(Opts));
  std::vector<RowCheck> Checks = checksumRows(Opts, Pixels, Workers);
  Seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();
  if (int Bad = printChecks(Checks, Workers, Seconds)) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "mandelbrot: %d of %zu rows did not come back with the "
                 "checksum computed here\n",
                 Bad, Checks.size());
    return 1;
  }
  return 0;
}
