//===- benchmarks/dsm_mpi.cpp - Hand-written MPI baselines of the DSM -----===//
//
// The baselines of the DSM figures of benchmarks/RESULTS.md (issue 5), and
// of the remote write figure (issue 6): what
// a programmer writing MPI by hand gets on the same ranks. Built with
// clang++-19 and the same flags as dsm_threads (no -fgrid), linked with
// Open MPI, and run by benchmarks/run.py under `mpirun -np 2` in the same
// rounds as dsm_threads. The compute is dsm_kernels.h, shared with
// dsm_threads.
//
//   dsm_mpi fault [--pages N] [--chunks N]
//       The floor of a remote read fault, in two parts measured on rank 1,
//       per page, over N pages per chunk: a raw fault (a load from a
//       PROT_NONE page, SIGSEGV, a handler that mprotects the page
//       readable, the load again), and a raw 4 KiB MPI_Get from rank 0's
//       window (MPI_Win_allocate, passive target: MPI_Win_lock_all once,
//       then MPI_Get + MPI_Win_flush per page) of a page not read before
//       (each chunk reads a chunk of the window of its own, from its last
//       page down, as dsm_threads' fault reads fresh pages; rank 1 touches
//       its mapping of the window first, untimed). Prints the
//       medians over the chunks after the first (a warm-up), and their
//       sum. Also the same MPI_Get from a window over rank 0's private
//       memory (MPI_Win_create, the kind of window Grid's slices are),
//       which Open MPI reads with a copy between processes (CMA) rather
//       than from memory the ranks share, and, outside the sum, a write to
//       a page of memory never touched (placed_page_ns: the page the
//       kernel allocates, as it does for each page a fault places).
//   dsm_mpi pi [--samples N]
//       Monte Carlo pi: each rank draws its share of N samples from its own
//       stream, MPI_Reduce sums the hits at rank 0. Time from a barrier to
//       the end of the reduce, at rank 0.
//   dsm_mpi jacobi [--cells N] [--iterations N]
//       The 1D Jacobi stencil, each rank its slice with one halo cell on
//       each side (MPI_Sendrecv with its neighbours per iteration), the
//       result gathered at rank 0. Time from a barrier after the set-up to
//       the end of the gather, at rank 0.
//   dsm_mpi write --file PATH [--calls N] [--chunks N]
//       The floor of a write(2) carried home, in two parts, per call, over
//       N calls per chunk: a round trip of 1 byte (MPI_Send, then MPI_Recv
//       of rank 0's echo) timed on rank 1, and a 1-byte write to PATH
//       (created, emptied; checked and removed after) timed on rank 0. Prints
//       the medians over the chunks after the first (a warm-up), and their
//       sum.
//
// Rank 0 prints a final line the runner parses:
//   RESULT key=value ...
//===----------------------------------------------------------------------===//

#include "dsm_kernels.h"

#include <fcntl.h>
#include <mpi.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t PageBytes = 4096;
int Rank, Ranks;

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "dsm_mpi (rank %d): %s\n", Rank, Message.c_str());
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

uint64_t parseCount(const std::string &Name, const char *Text, uint64_t Max) {
  return dsmbench::parseCount(Name, Text, Max, fail);
}

//===----------------------------------------------------------------------===//
// fault
//===----------------------------------------------------------------------===//

void openPage(int, siginfo_t *Info, void *) {
  auto Page = reinterpret_cast<uintptr_t>(Info->si_addr) & ~(PageBytes - 1);
  if (mprotect(reinterpret_cast<void *>(Page), PageBytes, PROT_READ) != 0)
    std::abort();
}

// The byte at offset 64 of page P of rank 0's windows, as dsm_threads'
// main writes it into the pages its thread on node 1 reads.
unsigned char faultByte(size_t Page) {
  return static_cast<unsigned char>(Page * 31 + 7);
}

// Per page, the time of MPI_Get + MPI_Win_flush of each page of chunk C of
// Win into Buffer, from the chunk's last page down (as dsm_threads reads
// its chunks): pages not read before, as each of a fault's fetches is.
double getChunk(MPI_Win Win, size_t C, size_t Pages,
                std::vector<unsigned char> &Buffer, const char *What) {
  unsigned Sum = 0, Expected = 0;
  double Start = MPI_Wtime();
  for (size_t P = (C + 1) * Pages; P-- > C * Pages;) {
    MPI_Get(Buffer.data(), PageBytes, MPI_BYTE, 0,
            static_cast<MPI_Aint>(P * PageBytes), PageBytes, MPI_BYTE, Win);
    MPI_Win_flush(0, Win);
    Sum += Buffer[64];
  }
  double Ns = (MPI_Wtime() - Start) * 1e9 / static_cast<double>(Pages);
  for (size_t P = C * Pages; P < (C + 1) * Pages; ++P)
    Expected += faultByte(P);
  if (Sum != Expected)
    fail(std::string("MPI_Get from ") + What + " brought wrong values");
  return Ns;
}

int runFault(size_t Pages, size_t Chunks) {
  if (Ranks != 2)
    fail("fault runs on exactly 2 ranks");
  // As dsm_threads fault, whose pages are 16 MiB of globals.
  if (Chunks < 2 || Chunks > 64 || Pages * Chunks > 4096)
    fail("fault: pages x chunks must be at most 4096, chunks from 2 to 64");
  size_t Bytes = Pages * PageBytes;
  // Rank 0's windows hold a fresh chunk of pages for each chunk, the byte
  // at 64 of each written (as dsm_threads' main writes the pages its thread
  // reads), so that no MPI_Get reads a page an earlier one read.
  size_t WindowBytes = Bytes * Chunks;
  unsigned char *Window = nullptr;
  MPI_Win Win;
  MPI_Win_allocate(static_cast<MPI_Aint>(WindowBytes), 1, MPI_INFO_NULL,
                   MPI_COMM_WORLD, &Window, &Win);
  auto *Private = static_cast<unsigned char *>(
      mmap(nullptr, WindowBytes, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (Private == MAP_FAILED)
    fail("mmap failed");
  for (size_t P = 0; P < Pages * Chunks; ++P)
    Window[P * PageBytes + 64] = Private[P * PageBytes + 64] = faultByte(P);
  MPI_Win Created;
  MPI_Win_create(Private, static_cast<MPI_Aint>(WindowBytes), 1, MPI_INFO_NULL,
                 MPI_COMM_WORLD, &Created);
  MPI_Barrier(MPI_COMM_WORLD); // rank 0's windows are filled
  std::vector<double> FaultNs, GetNs, CreatedNs, PlaceNs;
  if (Rank == 1) {
    struct sigaction Action = {};
    Action.sa_sigaction = openPage;
    Action.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &Action, nullptr);
    // Populated pages, so a fault costs the signal and mprotect only.
    auto *Closed = static_cast<unsigned char *>(
        mmap(nullptr, Bytes, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0));
    // Not in the sum: memory never touched, a chunk of it per chunk, for
    // the cost of a page the kernel allocates at a write (what a fault
    // that places a fetched page pays beyond the raw fault's mprotect; a
    // fault of its own too, so raw fault + this counts two traps).
    auto *Fresh = static_cast<unsigned char *>(
        mmap(nullptr, WindowBytes, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (Closed == MAP_FAILED || Fresh == MAP_FAILED)
      fail("mmap failed");
    madvise(Fresh, WindowBytes, MADV_NOHUGEPAGE);
    std::memset(Closed, 1, Bytes);
    std::vector<unsigned char> Buffer(PageBytes);
    MPI_Win_lock_all(0, Win);
    MPI_Win_lock_all(0, Created);
    // Rank 0's part of the allocated window is memory the ranks share,
    // mapped here but not yet touched: untimed, a byte of each page (away
    // from the line the checks read), so that the timed MPI_Gets take no
    // page faults of this process, as a fault's fetch (process_vm_readv
    // of home's memory) takes none.
    for (size_t P = 0; P < Pages * Chunks; ++P) {
      MPI_Get(Buffer.data(), 1, MPI_BYTE, 0,
              static_cast<MPI_Aint>(P * PageBytes + 4000), 1, MPI_BYTE, Win);
      MPI_Win_flush(0, Win);
    }
    for (size_t C = 0; C < Chunks; ++C) {
      mprotect(Closed, Bytes, PROT_NONE);
      volatile const unsigned char *Base = Closed;
      unsigned Sum = 0;
      double Start = MPI_Wtime();
      for (size_t P = 0; P < Pages; ++P)
        Sum += Base[P * PageBytes + 64];
      FaultNs.push_back((MPI_Wtime() - Start) * 1e9 / Pages);
      if (Sum != Pages)
        fail("the faulting loads read wrong values");
      GetNs.push_back(getChunk(Win, C, Pages, Buffer, "the allocated window"));
      CreatedNs.push_back(
          getChunk(Created, C, Pages, Buffer, "the created window"));
      volatile unsigned char *Placed = Fresh + C * Bytes;
      Start = MPI_Wtime();
      for (size_t P = Pages; P-- > 0;)
        Placed[P * PageBytes + 64] = 1;
      PlaceNs.push_back((MPI_Wtime() - Start) * 1e9 / Pages);
    }
    MPI_Win_unlock_all(Created);
    MPI_Win_unlock_all(Win);
    munmap(Fresh, WindowBytes);
    munmap(Closed, Bytes);
  }
  double Medians[4] = {0, 0, 0, 0};
  if (Rank == 1) {
    std::vector<double> *Parts[4] = {&FaultNs, &GetNs, &CreatedNs, &PlaceNs};
    for (int I = 0; I < 4; ++I) {
      Parts[I]->erase(Parts[I]->begin()); // the warm-up chunk
      Medians[I] = dsmbench::median(*Parts[I]);
    }
    MPI_Send(Medians, 4, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD);
  } else {
    MPI_Recv(Medians, 4, MPI_DOUBLE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
  MPI_Win_free(&Created);
  munmap(Private, WindowBytes);
  MPI_Win_free(&Win);
  if (Rank == 0)
    std::printf("RESULT fault_ns=%.0f get_ns=%.0f ns_per_page=%.0f "
                "created_get_ns=%.0f placed_page_ns=%.0f pages=%zu "
                "chunks=%zu\n",
                Medians[0], Medians[1], Medians[0] + Medians[1], Medians[2],
                Medians[3], Pages, Chunks - 1);
  return 0;
}

//===----------------------------------------------------------------------===//
// pi
//===----------------------------------------------------------------------===//

int runPi(uint64_t Samples) {
  MPI_Barrier(MPI_COMM_WORLD);
  double Start = MPI_Wtime();
  unsigned long long Mine = dsmbench::piHits(
      static_cast<unsigned>(Rank), Samples / static_cast<unsigned>(Ranks));
  unsigned long long Hits = 0;
  MPI_Reduce(&Mine, &Hits, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0,
             MPI_COMM_WORLD);
  double Seconds = MPI_Wtime() - Start;
  if (Rank == 0)
    std::printf("RESULT seconds=%.6f hits=%llu pi=%.6f\n", Seconds, Hits,
                4.0 * static_cast<double>(Hits) /
                    static_cast<double>(Samples / Ranks * Ranks));
  return 0;
}

//===----------------------------------------------------------------------===//
// jacobi
//===----------------------------------------------------------------------===//

int runJacobi(size_t Cells, unsigned Iterations) {
  if (Cells % static_cast<size_t>(Ranks))
    fail("jacobi: the cells must divide evenly among the ranks");
  size_t Own = Cells / static_cast<size_t>(Ranks);
  size_t First = 1 + static_cast<size_t>(Rank) * Own; // global index of 1
  // Local cell J is global cell First - 1 + J; 0 and Own + 1 are halos
  // (or the fixed boundary at either end).
  std::vector<double> A(Own + 2), B(Own + 2);
  for (size_t J = 0; J < Own + 2; ++J)
    A[J] = B[J] = dsmbench::jacobiInitial(First - 1 + J);
  int Left = Rank > 0 ? Rank - 1 : MPI_PROC_NULL;
  int Right = Rank + 1 < Ranks ? Rank + 1 : MPI_PROC_NULL;
  std::vector<double> Whole(Rank == 0 ? Cells + 2 : 0);
  MPI_Barrier(MPI_COMM_WORLD);
  double Start = MPI_Wtime();
  double *In = A.data(), *Out = B.data();
  for (unsigned I = 0; I < Iterations; ++I) {
    MPI_Sendrecv(&In[1], 1, MPI_DOUBLE, Left, 0, &In[Own + 1], 1, MPI_DOUBLE,
                 Right, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv(&In[Own], 1, MPI_DOUBLE, Right, 1, &In[0], 1, MPI_DOUBLE, Left,
                 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    dsmbench::jacobiSweep(In, Out, 1, Own + 1);
    std::swap(In, Out);
  }
  MPI_Gather(&In[1], static_cast<int>(Own), MPI_DOUBLE,
             Rank == 0 ? &Whole[1] : nullptr, static_cast<int>(Own), MPI_DOUBLE,
             0, MPI_COMM_WORLD);
  double Seconds = MPI_Wtime() - Start;
  if (Rank == 0)
    std::printf("RESULT seconds=%.6f checksum=%.17g\n", Seconds,
                dsmbench::jacobiChecksum(Whole.data(), Cells));
  return 0;
}

//===----------------------------------------------------------------------===//
// write
//===----------------------------------------------------------------------===//

int runWrite(const std::string &Path, uint64_t Calls, uint64_t Chunks) {
  if (Ranks != 2)
    fail("write runs on exactly 2 ranks");
  if (Chunks < 2)
    fail("write needs at least 2 chunks");
  char Byte = 'x';
  double Medians[2] = {0, 0}; // round trip, local write
  if (Rank == 1) {
    Medians[0] = dsmbench::nsPerCall(Chunks, Calls, [&] {
      MPI_Send(&Byte, 1, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
      MPI_Recv(&Byte, 1, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    });
    MPI_Send(Medians, 2, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD);
    // Asleep while rank 0 writes: a blocking MPI call would spin on a core
    // the writes may need.
    MPI_Request Done;
    MPI_Ibarrier(MPI_COMM_WORLD, &Done);
    for (int Finished = 0; !Finished; usleep(1000))
      MPI_Test(&Done, &Finished, MPI_STATUS_IGNORE);
    return 0;
  }
  for (uint64_t I = 0; I < Calls * Chunks; ++I) {
    MPI_Recv(&Byte, 1, MPI_CHAR, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Send(&Byte, 1, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
  }
  MPI_Recv(Medians, 2, MPI_DOUBLE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  int Fd = open(Path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (Fd < 0)
    fail(Path + ": " + std::strerror(errno));
  Medians[1] = dsmbench::nsPerCall(Chunks, Calls, [&] {
    if (write(Fd, &Byte, 1) != 1)
      fail(std::string("write: ") + std::strerror(errno));
  });
  close(Fd);
  struct stat St;
  if (stat(Path.c_str(), &St) != 0 || unlink(Path.c_str()) != 0)
    fail(Path + ": " + std::strerror(errno));
  if (static_cast<uint64_t>(St.st_size) != Calls * Chunks)
    fail("write: " + Path + " does not hold every byte written");
  // Rank 1's barrier is non-blocking, which only a non-blocking one matches.
  MPI_Request Done;
  MPI_Ibarrier(MPI_COMM_WORLD, &Done);
  MPI_Wait(&Done, MPI_STATUS_IGNORE);
  std::printf("RESULT pingpong_ns=%.0f write_ns=%.0f ns_per_call=%.0f "
              "calls=%llu chunks=%llu\n",
              Medians[0], Medians[1], Medians[0] + Medians[1],
              static_cast<unsigned long long>(Calls),
              static_cast<unsigned long long>(Chunks - 1));
  return 0;
}

void usage(const char *Program) {
  if (Rank == 0)
    std::printf("Usage: %s fault [--pages N] [--chunks N]\n"
                "       %s pi [--samples N]\n"
                "       %s jacobi [--cells N] [--iterations N]\n"
                "       %s write --file PATH [--calls N] [--chunks N]\n"
                "The MPI baselines of the DSM figures (see the banner); run "
                "under mpirun -np 2.\n",
                Program, Program, Program, Program);
}

} // namespace

int main(int Argc, char **Argv) {
  MPI_Init(&Argc, &Argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &Rank);
  MPI_Comm_size(MPI_COMM_WORLD, &Ranks);
  std::string Mode = Argc > 1 ? Argv[1] : "";
  uint64_t Pages = 256, Chunks = 9, Samples = 200000000, Cells = 131072,
           Iterations = 20, Calls = 1000;
  std::string File;
  bool Bad =
      Mode != "fault" && Mode != "pi" && Mode != "jacobi" && Mode != "write";
  for (int I = 2; I < Argc && !Bad; I += 2) {
    std::string A = Argv[I];
    if (I + 1 >= Argc) {
      Bad = true;
      break;
    }
    const char *V = Argv[I + 1];
    if (A == "--pages")
      Pages = parseCount(A, V, 1 << 20);
    else if (A == "--chunks")
      Chunks = parseCount(A, V, 1000);
    else if (A == "--samples")
      Samples = parseCount(A, V, uint64_t(1) << 40);
    else if (A == "--cells")
      Cells = parseCount(A, V, uint64_t(1) << 28);
    else if (A == "--iterations")
      Iterations = parseCount(A, V, 100000);
    else if (A == "--calls")
      Calls = parseCount(A, V, 100000000);
    else if (A == "--file")
      File = V;
    else
      Bad = true;
  }
  Bad = Bad || (Mode == "write" && File.empty());
  int Status = 2;
  if (Bad)
    usage(Argv[0]);
  else if (Mode == "fault")
    Status = runFault(Pages, Chunks);
  else if (Mode == "pi")
    Status = runPi(Samples);
  else if (Mode == "write")
    Status = runWrite(File, Calls, Chunks);
  else
    Status = runJacobi(Cells, static_cast<unsigned>(Iterations));
  MPI_Finalize();
  return Status;
}
