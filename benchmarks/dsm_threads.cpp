//===- benchmarks/dsm_threads.cpp - Threads on other nodes, measured ------===//
//
// The DSM figures of benchmarks/RESULTS.md (issue 5), and those of remote
// system calls (issue 6), which a thread on node 1 makes. Built with
// `grid-clang++ -fgrid` and run by benchmarks/run.py under `mpirun -np 2`
// with GRID_THREAD_TOLERANCE=any and GRID_PLACEMENT=spread: the program's
// pthread_create calls then go round robin over home (rank 0) and node 1,
// the first to home, the second to node 1, and so on. The runner checks
// with GRID_STATS=1 that threads did run on node 1. Its baselines are
// hand-written MPI programs (dsm_mpi.cpp) or this program run without
// mpirun, in the same rounds.
//
//   dsm_threads fault [--pages N] [--chunks N]
//       Main writes a byte of each page of a global array; a thread on
//       node 1 (the second created: the first, at home, does nothing) then
//       reads one byte of each of N fresh pages (never fetched before), per
//       chunk, timed in the thread, from the last page down (so that Grid's
//       read-ahead of following pages never spares a fault). Prints the median
//       ns per page over the chunks after the first (a warm-up).
//   dsm_threads handoff [--handoffs N]
//       Two threads (home and node 1 under mpirun; both here without it)
//       take strict turns on a pthread mutex and condition variable: each
//       turn locks, waits for its turn, passes it and signals. Prints the
//       microseconds per handoff, timed by the first thread.
//   dsm_threads pi [--samples N] [--threads N]
//       Monte Carlo pi: each thread draws its share of N samples from its
//       own stream (dsm_kernels.h) and returns its hits. Wall time from
//       the first pthread_create to the last join.
//   dsm_threads jacobi [--cells N] [--iterations N] [--threads N]
//       A 1D Jacobi stencil on two arrays main allocates and fills (so all
//       of their pages are homed at rank 0): each thread sweeps its slice,
//       then waits on a pthread barrier. Wall time from the first create to
//       the last join; the checksum must equal dsm_mpi's.
//   dsm_threads metadata [--megabytes N] [--threads N]
//       Main allocates N MiB in 1 MiB blocks and fills them; each thread
//       reads a word of each page of its share of the blocks (under
//       mpirun -np 2, the second half is read on node 1); the blocks stay
//       allocated until exit, where GRID_STATS=1 prints the DSM's metadata
//       ("grid: dsm: ..."), which the runner reads.
//   dsm_threads write --file PATH [--calls N] [--chunks N]
//       Main opens PATH (created, emptied); a thread on node 1 (the second
//       created: the first, at home, does nothing) then writes 1 byte
//       to it with write(2) N times per chunk, which Grid carries out at
//       home, timed in the thread. Main checks that the file holds every
//       byte, and removes it. Prints the median ns per call over the chunks
//       after the first (a warm-up).
//   dsm_threads fwrite --file PATH [--megabytes N] [--first home|remote]
//       A thread at home and one on node 1, in turn (home's first unless
//       --first remote), each fwrite N MiB in calls of 1 MiB, then fflush, to a
//       stream main fopened on PATH (created, emptied), timed in the thread;
//       main checks the file's size and removes it after each. Prints both
//       times.
//
// Each mode prints a final line the runner parses:
//   RESULT key=value ...
//===----------------------------------------------------------------------===//

#include "dsm_kernels.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t PageBytes = 4096;

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "dsm_threads: %s\n", Message.c_str());
  std::exit(1);
}

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

uint64_t parseCount(const std::string &Name, const char *Text, uint64_t Max) {
  return dsmbench::parseCount(Name, Text, Max, fail);
}

void startThread(pthread_t *T, void *(*Start)(void *), void *Arg) {
  if (int Err = pthread_create(T, nullptr, Start, Arg))
    fail(std::string("pthread_create: ") + std::strerror(Err));
}

void *joinThread(pthread_t T) {
  void *Result = nullptr;
  if (int Err = pthread_join(T, &Result))
    fail(std::string("pthread_join: ") + std::strerror(Err));
  return Result;
}

void *idle(void *) { return nullptr; }

//===----------------------------------------------------------------------===//
// fault
//===----------------------------------------------------------------------===//

constexpr size_t MaxFaultPages = 4096; // 16 MiB of globals
constexpr size_t MaxChunks = 64;

alignas(PageBytes) unsigned char FaultPages[MaxFaultPages * PageBytes];
size_t FaultChunkPages, FaultChunks;
double ChunkNs[MaxChunks];
bool FaultWrong;

unsigned char faultByte(size_t Page) {
  return static_cast<unsigned char>(Page * 31 + 7);
}

void *readFreshPages(void *) {
  double Ns[MaxChunks];
  bool Wrong = false;
  volatile const unsigned char *Base = FaultPages;
  // Downwards, chunks and pages: Grid reads ahead the pages that follow a
  // faulting one, and here they are always held already, so every page is
  // a fault of its own, as in the baseline.
  for (size_t C = FaultChunks; C-- > 0;) {
    size_t First = C * FaultChunkPages;
    unsigned Sum = 0, Expected = 0;
    double Start = now();
    for (size_t P = First + FaultChunkPages; P-- > First;)
      Sum += Base[P * PageBytes + 64];
    Ns[C] = (now() - Start) * 1e9 / static_cast<double>(FaultChunkPages);
    for (size_t P = First; P < First + FaultChunkPages; ++P)
      Expected += faultByte(P);
    Wrong |= Sum != Expected;
  }
  // Written after the timing: this page is fetched and twinned too.
  std::memcpy(ChunkNs, Ns, sizeof(double) * FaultChunks);
  FaultWrong = Wrong;
  return nullptr;
}

int runFault(size_t Pages, size_t Chunks) {
  if (Pages * Chunks > MaxFaultPages || Chunks > MaxChunks || Chunks < 2)
    fail("fault: pages x chunks must be at most " +
         std::to_string(MaxFaultPages) + ", chunks from 2 to " +
         std::to_string(MaxChunks));
  FaultChunkPages = Pages;
  FaultChunks = Chunks;
  for (size_t P = 0; P < Pages * Chunks; ++P)
    FaultPages[P * PageBytes + 64] = faultByte(P);
  pthread_t Home, Reader;
  startThread(&Home, idle, nullptr); // spread: home's turn
  joinThread(Home);
  startThread(&Reader, readFreshPages, nullptr); // node 1's turn
  joinThread(Reader);
  if (FaultWrong)
    fail("fault: the thread read other values than main wrote");
  // The warm-up chunk is the last (read first).
  std::vector<double> Measured(ChunkNs, ChunkNs + Chunks - 1);
  std::printf("chunks (ns per page):");
  for (size_t C = 0; C < Chunks; ++C)
    std::printf(" %.0f", ChunkNs[C]);
  std::printf("\nRESULT ns_per_page=%.0f pages=%zu chunks=%zu\n",
              dsmbench::median(Measured), Pages, Chunks - 1);
  return 0;
}

//===----------------------------------------------------------------------===//
// handoff
//===----------------------------------------------------------------------===//

pthread_mutex_t TurnLock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t TurnChanged = PTHREAD_COND_INITIALIZER;
int Turn;
long Turns, WarmTurns;
double HandoffStart, HandoffEnd; // written by thread 0

void *takeTurns(void *P) {
  int Me = static_cast<int>(reinterpret_cast<intptr_t>(P));
  for (long I = 0; I < Turns; ++I) {
    if (Me == 0 && I == WarmTurns)
      HandoffStart = now();
    pthread_mutex_lock(&TurnLock);
    while (Turn != Me)
      pthread_cond_wait(&TurnChanged, &TurnLock);
    Turn = 1 - Me;
    pthread_cond_signal(&TurnChanged);
    pthread_mutex_unlock(&TurnLock);
  }
  if (Me == 0)
    HandoffEnd = now();
  return nullptr;
}

int runHandoff(long Handoffs) {
  Turns = Handoffs / 2 + 20;
  WarmTurns = 20;
  pthread_t T[2];
  for (intptr_t I = 0; I < 2; ++I)
    startThread(&T[I], takeTurns, reinterpret_cast<void *>(I));
  for (pthread_t Thread : T)
    joinThread(Thread);
  // Each turn of thread 0 after the warm-up is one handoff to thread 1 and
  // one back.
  double Us = (HandoffEnd - HandoffStart) * 1e6 / (2.0 * (Turns - WarmTurns));
  std::printf("RESULT us_per_handoff=%.2f handoffs=%ld\n", Us,
              2 * (Turns - WarmTurns));
  return 0;
}

//===----------------------------------------------------------------------===//
// pi
//===----------------------------------------------------------------------===//

struct PiShare {
  unsigned Index;
  uint64_t Samples;
};

void *drawSamples(void *P) {
  const PiShare &S = *static_cast<const PiShare *>(P);
  return reinterpret_cast<void *>(
      static_cast<uintptr_t>(dsmbench::piHits(S.Index, S.Samples)));
}

int runPi(uint64_t Samples, unsigned Threads) {
  std::vector<PiShare> Shares(Threads);
  std::vector<pthread_t> T(Threads);
  for (unsigned I = 0; I < Threads; ++I)
    Shares[I] = {I, Samples / Threads};
  double Start = now();
  for (unsigned I = 0; I < Threads; ++I)
    startThread(&T[I], drawSamples, &Shares[I]);
  uint64_t Hits = 0;
  for (unsigned I = 0; I < Threads; ++I)
    Hits += reinterpret_cast<uintptr_t>(joinThread(T[I]));
  double Seconds = now() - Start;
  double Pi = 4.0 * static_cast<double>(Hits) /
              static_cast<double>(Samples / Threads * Threads);
  std::printf("RESULT seconds=%.6f hits=%llu pi=%.6f\n", Seconds,
              static_cast<unsigned long long>(Hits), Pi);
  return 0;
}

//===----------------------------------------------------------------------===//
// jacobi
//===----------------------------------------------------------------------===//

pthread_barrier_t SweepDone;

struct Slice {
  double *A, *B;
  size_t Begin, End;
  unsigned Iterations;
};

void *sweep(void *P) {
  Slice S = *static_cast<const Slice *>(P);
  for (unsigned I = 0; I < S.Iterations; ++I) {
    dsmbench::jacobiSweep(S.A, S.B, S.Begin, S.End);
    pthread_barrier_wait(&SweepDone);
    std::swap(S.A, S.B);
  }
  return nullptr;
}

int runJacobi(size_t Cells, unsigned Iterations, unsigned Threads) {
  if (Cells % Threads)
    fail("jacobi: the cells must divide evenly among the threads");
  auto *A = static_cast<double *>(std::malloc((Cells + 2) * sizeof(double)));
  auto *B = static_cast<double *>(std::malloc((Cells + 2) * sizeof(double)));
  if (!A || !B)
    fail("jacobi: out of memory");
  for (size_t I = 0; I < Cells + 2; ++I)
    A[I] = B[I] = dsmbench::jacobiInitial(I);
  pthread_barrier_init(&SweepDone, nullptr, Threads);
  std::vector<Slice> Slices(Threads);
  std::vector<pthread_t> T(Threads);
  for (unsigned I = 0; I < Threads; ++I)
    Slices[I] = {A, B, 1 + I * (Cells / Threads),
                 1 + (I + 1) * (Cells / Threads), Iterations};
  double Start = now();
  for (unsigned I = 0; I < Threads; ++I)
    startThread(&T[I], sweep, &Slices[I]);
  for (unsigned I = 0; I < Threads; ++I)
    joinThread(T[I]);
  double Seconds = now() - Start;
  const double *Final = Iterations % 2 ? B : A;
  std::printf("RESULT seconds=%.6f checksum=%.17g\n", Seconds,
              dsmbench::jacobiChecksum(Final, Cells));
  pthread_barrier_destroy(&SweepDone);
  return 0;
}

//===----------------------------------------------------------------------===//
// metadata
//===----------------------------------------------------------------------===//

constexpr size_t BlockBytes = size_t(1) << 20;

struct Share {
  uint64_t *const *Blocks;
  size_t Count;
  uint64_t Sum;
};

void *readBlocks(void *P) {
  const Share &S = *static_cast<const Share *>(P);
  uint64_t Sum = 0;
  for (size_t B = 0; B < S.Count; ++B)
    for (size_t W = 0; W < BlockBytes / 8; W += PageBytes / 8)
      Sum += S.Blocks[B][W];
  return reinterpret_cast<void *>(static_cast<uintptr_t>(Sum != S.Sum));
}

int runMetadata(size_t Megabytes, unsigned Threads) {
  if (Megabytes % Threads)
    fail("metadata: the megabytes must divide evenly among the threads");
  // Never freed: the runtime reports the memory in use at exit.
  auto *All = new std::vector<uint64_t *>;
  std::vector<Share> Shares(Threads);
  size_t PerThread = Megabytes / Threads;
  for (size_t I = 0; I < Megabytes; ++I) {
    auto *Block = static_cast<uint64_t *>(std::malloc(BlockBytes));
    if (!Block)
      fail("metadata: out of memory");
    for (size_t W = 0; W < BlockBytes / 8; ++W)
      Block[W] = I * 1000003 + W;
    All->push_back(Block);
    Share &S = Shares[I / PerThread];
    for (size_t W = 0; W < BlockBytes / 8; W += PageBytes / 8)
      S.Sum += Block[W];
  }
  for (unsigned I = 0; I < Threads; ++I) {
    Shares[I].Blocks = All->data() + I * PerThread;
    Shares[I].Count = PerThread;
  }
  std::vector<pthread_t> T(Threads);
  double Start = now();
  for (unsigned I = 0; I < Threads; ++I)
    startThread(&T[I], readBlocks, &Shares[I]);
  for (unsigned I = 0; I < Threads; ++I)
    if (joinThread(T[I]))
      fail("metadata: a thread read other values than main wrote");
  std::printf("RESULT seconds=%.3f megabytes=%zu\n", now() - Start, Megabytes);
  return 0;
}

//===----------------------------------------------------------------------===//
// write
//===----------------------------------------------------------------------===//

int WriteFd;
uint64_t WriteCalls, WriteChunks;
double WriteNs;
int WriteErrno; // of the first write that failed; main reports it

void *writeBytes(void *) {
  WriteNs = dsmbench::nsPerCall(WriteChunks, WriteCalls, [] {
    if (write(WriteFd, "x", 1) != 1 && !WriteErrno)
      WriteErrno = errno ? errno : EIO;
  });
  return nullptr;
}

/// The size of the file at Path, which is then removed.
uint64_t sizeThenRemove(const std::string &Path) {
  struct stat St;
  if (stat(Path.c_str(), &St) != 0 || unlink(Path.c_str()) != 0)
    fail(Path + ": " + std::strerror(errno));
  return static_cast<uint64_t>(St.st_size);
}

int runWrite(const std::string &Path, uint64_t Calls, uint64_t Chunks) {
  if (Chunks < 2)
    fail("write: chunks must be at least 2");
  WriteFd = open(Path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (WriteFd < 0)
    fail(Path + ": " + std::strerror(errno));
  WriteCalls = Calls;
  WriteChunks = Chunks;
  pthread_t Home, Writer;
  startThread(&Home, idle, nullptr); // spread: home's turn
  joinThread(Home);
  startThread(&Writer, writeBytes, nullptr); // node 1's turn
  joinThread(Writer);
  close(WriteFd);
  if (WriteErrno)
    fail(std::string("write: ") + std::strerror(WriteErrno));
  if (sizeThenRemove(Path) != Calls * Chunks)
    fail("write: " + Path + " does not hold every byte written");
  std::printf("RESULT ns_per_call=%.0f calls=%llu chunks=%llu\n", WriteNs,
              static_cast<unsigned long long>(Calls),
              static_cast<unsigned long long>(Chunks - 1));
  return 0;
}

//===----------------------------------------------------------------------===//
// fwrite
//===----------------------------------------------------------------------===//

struct Stream {
  FILE *F;
  uint64_t Megabytes;
  double Seconds;
  std::string Error; // main reports it
};

// Failures are left to main to report: the thread may run on node 1.
void *fwriteBlocks(void *P) {
  Stream &S = *static_cast<Stream *>(P);
  std::vector<char> Block(BlockBytes);
  for (size_t I = 0; I < BlockBytes; ++I)
    Block[I] = static_cast<char>(I * 131);
  double Start = now();
  for (uint64_t M = 0; M < S.Megabytes && S.Error.empty(); ++M)
    if (std::fwrite(Block.data(), 1, BlockBytes, S.F) != BlockBytes)
      S.Error = std::string("fwrite: ") + std::strerror(errno);
  if (S.Error.empty() && std::fflush(S.F) != 0)
    S.Error = std::string("fflush: ") + std::strerror(errno);
  S.Seconds = now() - Start;
  return nullptr;
}

/// The seconds a thread (created after one that does nothing, if IdleFirst)
/// takes to fwrite Megabytes to a stream on Path.
double timeFwrite(const std::string &Path, uint64_t Megabytes, bool IdleFirst) {
  if (IdleFirst) {
    pthread_t Idle;
    startThread(&Idle, idle, nullptr);
    joinThread(Idle);
  }
  Stream S{std::fopen(Path.c_str(), "w"), Megabytes, 0, {}};
  if (!S.F)
    fail(Path + ": " + std::strerror(errno));
  pthread_t Writer;
  startThread(&Writer, fwriteBlocks, &S);
  joinThread(Writer);
  if (!S.Error.empty())
    fail(S.Error);
  if (std::fclose(S.F) != 0)
    fail(Path + ": " + std::strerror(errno));
  if (sizeThenRemove(Path) != Megabytes * BlockBytes)
    fail("fwrite: " + Path + " does not hold every byte written");
  return S.Seconds;
}

int runFwrite(const std::string &Path, uint64_t Megabytes,
              const std::string &First) {
  if (First != "home" && First != "remote")
    fail("fwrite: --first needs home or remote, got '" + First + "'");
  // Spread places created threads at home and on node 1 in turn, home's
  // first: an idle thread takes home's turn when node 1 goes first.
  double Home, Remote;
  if (First == "home") {
    Home = timeFwrite(Path, Megabytes, false);
    Remote = timeFwrite(Path, Megabytes, false);
  } else {
    Remote = timeFwrite(Path, Megabytes, true);
    Home = timeFwrite(Path, Megabytes, false);
  }
  std::printf("RESULT home_seconds=%.6f remote_seconds=%.6f megabytes=%llu\n",
              Home, Remote, static_cast<unsigned long long>(Megabytes));
  return 0;
}

[[noreturn]] void usage(const char *Program, int Status) {
  std::printf(
      "Usage: %s fault [--pages N] [--chunks N]\n"
      "       %s handoff [--handoffs N]\n"
      "       %s pi [--samples N] [--threads N]\n"
      "       %s jacobi [--cells N] [--iterations N] [--threads N]\n"
      "       %s metadata [--megabytes N] [--threads N]\n"
      "       %s write --file PATH [--calls N] [--chunks N]\n"
      "       %s fwrite --file PATH [--megabytes N] [--first home|remote]\n"
      "The DSM and remote system call figures of benchmarks/RESULTS.md; run\n"
      "under mpirun -np 2 with GRID_THREAD_TOLERANCE=any "
      "GRID_PLACEMENT=spread\n"
      "(see the banner).\n",
      Program, Program, Program, Program, Program, Program, Program);
  std::exit(Status);
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc < 2)
    usage(Argv[0], 2);
  std::string Mode = Argv[1];
  if (Mode == "--help")
    usage(Argv[0], 0);
  uint64_t Pages = 256, Chunks = 9, Handoffs = 2000, Samples = 200000000,
           Threads = 2, Cells = 131072, Iterations = 20, Megabytes = 256,
           Calls = 1000;
  std::string File, First = "home";
  for (int I = 2; I < Argc; ++I) {
    std::string A = Argv[I];
    if (I + 1 >= Argc)
      usage(Argv[0], 2);
    const char *V = Argv[++I];
    if (A == "--pages")
      Pages = parseCount(A, V, MaxFaultPages);
    else if (A == "--chunks")
      Chunks = parseCount(A, V, MaxChunks);
    else if (A == "--handoffs")
      Handoffs = parseCount(A, V, 100000000);
    else if (A == "--samples")
      Samples = parseCount(A, V, uint64_t(1) << 40);
    else if (A == "--threads")
      Threads = parseCount(A, V, 256);
    else if (A == "--cells")
      Cells = parseCount(A, V, uint64_t(1) << 28);
    else if (A == "--iterations")
      Iterations = parseCount(A, V, 100000);
    else if (A == "--megabytes")
      Megabytes = parseCount(A, V, 2048);
    else if (A == "--calls")
      Calls = parseCount(A, V, 100000000);
    else if (A == "--file")
      File = V;
    else if (A == "--first")
      First = V;
    else
      usage(Argv[0], 2);
  }
  if (Mode == "fault")
    return runFault(Pages, Chunks);
  if (Mode == "handoff")
    return runHandoff(static_cast<long>(Handoffs));
  if (Mode == "pi")
    return runPi(Samples, static_cast<unsigned>(Threads));
  if (Mode == "jacobi")
    return runJacobi(Cells, static_cast<unsigned>(Iterations),
                     static_cast<unsigned>(Threads));
  if (Mode == "metadata")
    return runMetadata(Megabytes, static_cast<unsigned>(Threads));
  if ((Mode == "write" || Mode == "fwrite") && File.empty())
    fail(Mode + " needs --file PATH");
  if (Mode == "write")
    return runWrite(File, Calls, Chunks);
  if (Mode == "fwrite")
    return runFwrite(File, Megabytes, First);
  usage(Argv[0], 2);
}
