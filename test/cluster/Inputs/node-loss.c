//===- test/cluster/Inputs/node-loss.c - a job that loses a host ----------===//
//
// Usage: node-loss MODE
//
// Every rank but 0 sends rank 0 a heartbeat every 50 ms until rank 0 says
// stop. Rank 0 prints "ready" once it has had ReadyBeats heartbeats from
// every rank (the test then cuts a host's link), and "rank R silent" once it
// has not heard from rank R for a second. Then, by MODE:
//   abort     MPI_Abort(MPI_COMM_WORLD, 3)
//   exit      exit(3) without MPI_Finalize
//   exit0     exit(0) without MPI_Finalize
//   finalize  tell the ranks it still hears to stop, then MPI_Finalize
//   wait      go on listening (to see whether mpirun notices on its own)
// That is the runtime's situation when a node is lost (docs/design/cluster.md
// 4): home notices the silence and ends the job; what mpirun does next is
// what the test is about.
//
//===----------------------------------------------------------------------===//

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Ten beats, half a second: by then mpirun's start-up messages to the daemons
// have been acknowledged. A cut while one is unacknowledged turns the loss
// into a retransmission time-out (~15 minutes) for mpirun, which is not what
// the test wants to look at.
enum { HeartbeatTag = 1, StopTag = 2, MaxRanks = 64, ReadyBeats = 10 };

static double now(void) { return MPI_Wtime(); }

static void nap(long Nanoseconds) {
  struct timespec T = {0, Nanoseconds};
  nanosleep(&T, NULL);
}

static int runPeer(void) {
  int Stop = 0, Beat = 0, StopFlag = 0;
  MPI_Request StopRequest;
  MPI_Irecv(&Stop, 1, MPI_INT, 0, StopTag, MPI_COMM_WORLD, &StopRequest);
  while (!StopFlag) {
    MPI_Request Request;
    MPI_Isend(&Beat, 1, MPI_INT, 0, HeartbeatTag, MPI_COMM_WORLD, &Request);
    MPI_Request_free(&Request);
    ++Beat;
    for (int I = 0; I < 50 && !StopFlag; ++I) {
      MPI_Test(&StopRequest, &StopFlag, MPI_STATUS_IGNORE);
      nap(1000000);
    }
  }
  MPI_Finalize();
  return 0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int Rank, Size;
  MPI_Comm_rank(MPI_COMM_WORLD, &Rank);
  MPI_Comm_size(MPI_COMM_WORLD, &Size);
  const char *Mode = argc > 1 ? argv[1] : "abort";
  if (Size > MaxRanks) {
    if (Rank == 0)
      fprintf(stderr, "node-loss: at most %d ranks\n", MaxRanks);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  if (Rank != 0)
    return runPeer();

  int Beats[MaxRanks], BeatsHeard[MaxRanks];
  double LastHeard[MaxRanks];
  MPI_Request Requests[MaxRanks];
  int Ready = 1, Silent = -1;
  for (int R = 1; R < Size; ++R) {
    LastHeard[R] = -1;
    BeatsHeard[R] = 0;
    MPI_Irecv(&Beats[R], 1, MPI_INT, R, HeartbeatTag, MPI_COMM_WORLD,
              &Requests[R]);
  }
  while (Silent < 0) {
    double Now = now();
    for (int R = 1; R < Size; ++R) {
      int Done = 0;
      MPI_Test(&Requests[R], &Done, MPI_STATUS_IGNORE);
      if (Done) {
        if (++BeatsHeard[R] == ReadyBeats && ++Ready == Size) {
          printf("ready\n");
          fflush(stdout);
        }
        LastHeard[R] = Now;
        MPI_Irecv(&Beats[R], 1, MPI_INT, R, HeartbeatTag, MPI_COMM_WORLD,
                  &Requests[R]);
      } else if (LastHeard[R] >= 0 && Now - LastHeard[R] > 1.0) {
        Silent = R;
      }
    }
    nap(1000000);
  }
  printf("rank %d silent\n", Silent);
  fflush(stdout);

  if (strcmp(Mode, "abort") == 0)
    MPI_Abort(MPI_COMM_WORLD, 3);
  if (strcmp(Mode, "exit") == 0)
    exit(3);
  if (strcmp(Mode, "exit0") == 0)
    exit(0);
  if (strcmp(Mode, "finalize") == 0) {
    int Stop = 1;
    for (int R = 1; R < Size; ++R) {
      MPI_Cancel(&Requests[R]);
      MPI_Wait(&Requests[R], MPI_STATUS_IGNORE);
      if (R != Silent)
        MPI_Send(&Stop, 1, MPI_INT, R, StopTag, MPI_COMM_WORLD);
    }
    printf("finalizing\n");
    fflush(stdout);
    MPI_Finalize();
    printf("finalized\n");
    return 0;
  }
  for (;;) // wait
    nap(100000000);
}
