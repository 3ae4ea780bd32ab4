//===- test/cluster/Inputs/hello-mpi.c - what a rig job sees --------------===//
//
// A plain MPI program for the rig's self-test. Rank 0 prints, in rank order:
//   rank R on HOST          each rank's gethostname()
//   rank R answered         rank 0's message came back doubled
//   ring ok                 every rank heard from its left neighbour
//   rank R near|far         the fastest of 9 ping-pong round trips to rank R
//                           took less / at least THRESHOLD_US (argv[1],
//                           default 2000 us)
// The round trip is printed as a class, not a time: with `rig delay hK MS`
// it is at least 2*MS, without it well under a millisecond. The fastest
// round trip, not the median: a delay is a lower bound on every round trip,
// while a busy machine only makes some of them slow.
//
// The rig's hosts share the machine's cores (two in CI), and an MPI rank
// waiting in MPI_Recv spins. So every point-to-point wait here polls with
// MPI_Test and sleeps 20 us in between: a rank waiting for its turn leaves
// the cores to the pair being measured (and to delay-link).
//
//===----------------------------------------------------------------------===//

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { HostLen = 64, Rounds = 9, Warmup = 3 };

static void waitPolitely(MPI_Request *Request) {
  const struct timespec Nap = {0, 20000};
  for (int Done = 0;;) {
    MPI_Test(Request, &Done, MPI_STATUS_IGNORE);
    if (Done)
      return;
    nanosleep(&Nap, NULL);
  }
}

static void sendTo(const void *Buffer, int Count, MPI_Datatype Type, int Peer,
                   int Tag) {
  MPI_Request Request;
  MPI_Isend(Buffer, Count, Type, Peer, Tag, MPI_COMM_WORLD, &Request);
  waitPolitely(&Request);
}

static void receiveFrom(void *Buffer, int Count, MPI_Datatype Type, int Peer,
                        int Tag) {
  MPI_Request Request;
  MPI_Irecv(Buffer, Count, Type, Peer, Tag, MPI_COMM_WORLD, &Request);
  waitPolitely(&Request);
}

// Fastest round trip of one-byte messages between rank 0 and Peer, in
// microseconds; Peer echoes.
static double roundTrip(int Rank, int Peer) {
  double Fastest = 1e12;
  char Byte = 0;
  for (int I = 0; I < Warmup + Rounds; ++I) {
    if (Rank == 0) {
      double Start = MPI_Wtime();
      sendTo(&Byte, 1, MPI_CHAR, Peer, 1);
      receiveFrom(&Byte, 1, MPI_CHAR, Peer, 1);
      double Time = (MPI_Wtime() - Start) * 1e6;
      if (I >= Warmup && Time < Fastest)
        Fastest = Time;
    } else {
      receiveFrom(&Byte, 1, MPI_CHAR, 0, 1);
      sendTo(&Byte, 1, MPI_CHAR, 0, 1);
    }
  }
  return Fastest;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int Rank, Size;
  MPI_Comm_rank(MPI_COMM_WORLD, &Rank);
  MPI_Comm_size(MPI_COMM_WORLD, &Size);
  double Threshold = argc > 1 ? atof(argv[1]) : 2000.0;

  char Host[HostLen] = {0};
  gethostname(Host, HostLen - 1);
  char *Hosts = Rank == 0 ? malloc((size_t)Size * HostLen) : NULL;
  MPI_Gather(Host, HostLen, MPI_CHAR, Hosts, HostLen, MPI_CHAR, 0,
             MPI_COMM_WORLD);
  if (Rank == 0) {
    for (int R = 0; R < Size; ++R)
      printf("rank %d on %s\n", R, Hosts + (size_t)R * HostLen);
    free(Hosts);
  }

  // Point to point: rank 0 with each rank.
  for (int R = 1; R < Size; ++R) {
    if (Rank == 0) {
      int Value = 1000 + R, Answer = 0;
      sendTo(&Value, 1, MPI_INT, R, 0);
      receiveFrom(&Answer, 1, MPI_INT, R, 0);
      printf("rank %d %s\n", R,
             Answer == 2 * Value ? "answered" : "answered wrongly");
    } else if (Rank == R) {
      int Value = 0;
      receiveFrom(&Value, 1, MPI_INT, 0, 0);
      Value *= 2;
      sendTo(&Value, 1, MPI_INT, 0, 0);
    }
  }

  // Every rank with its neighbours, so hosts other than h1 talk directly.
  int Left = (Rank + Size - 1) % Size, Right = (Rank + 1) % Size, Heard = -1;
  MPI_Request Ring[2];
  MPI_Irecv(&Heard, 1, MPI_INT, Left, 2, MPI_COMM_WORLD, &Ring[0]);
  MPI_Isend(&Rank, 1, MPI_INT, Right, 2, MPI_COMM_WORLD, &Ring[1]);
  waitPolitely(&Ring[0]);
  waitPolitely(&Ring[1]);
  int Ok = Heard == Left, AllOk = 0;
  MPI_Reduce(&Ok, &AllOk, 1, MPI_INT, MPI_LAND, 0, MPI_COMM_WORLD);
  if (Rank == 0)
    printf("ring %s\n", AllOk ? "ok" : "broken");

  for (int R = 1; R < Size; ++R) {
    if (Rank != 0 && Rank != R)
      continue;
    double Rtt = roundTrip(Rank, R);
    if (Rank == 0)
      printf("rank %d %s\n", R, Rtt < Threshold ? "near" : "far");
  }
  fflush(stdout);
  MPI_Finalize();
  return 0;
}
