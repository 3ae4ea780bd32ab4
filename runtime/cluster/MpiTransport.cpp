//===- cluster/MpiTransport.cpp - Transport over Open MPI -----------------===//
//
// Built into libgridrt-cluster.so only. Every message travels with one tag
// as MPI_BYTE; receiving uses MPI_Improbe + MPI_Mrecv so a message of any
// size is taken whole. Sends are MPI_Isend with the body kept alive until
// MPI_Test completes it. Only the event loop's thread calls in here.
//===----------------------------------------------------------------------===//

#include "cluster/Transport.h"

#include <mpi.h>

#include <chrono>
#include <list>
#include <thread>

namespace {

using namespace grid::cluster;

constexpr int Tag = 0x6772; // "gr"

class MpiTransport final : public Transport {
public:
  MpiTransport() {
    MPI_Comm_rank(MPI_COMM_WORLD, &Rank);
    MPI_Comm_size(MPI_COMM_WORLD, &Size);
    char Name[MPI_MAX_PROCESSOR_NAME];
    int Len = 0;
    MPI_Get_processor_name(Name, &Len);
    Host.assign(Name, Len);
  }

  int rank() const override { return Rank; }
  int size() const override { return Size; }
  std::string host() const override { return Host; }

  void send(int Dest, std::string Body) override {
    Sends.push_back({std::move(Body), MPI_REQUEST_NULL});
    Pending &P = Sends.back();
    MPI_Isend(P.Body.data(), static_cast<int>(P.Body.size()), MPI_BYTE, Dest,
              Tag, MPI_COMM_WORLD, &P.Request);
  }

  size_t poll(const Deliver &To) override {
    progressSends();
    size_t Delivered = 0;
    // Open MPI's probe looks for a matched message before it progresses the
    // transports, and answers "none" even when that progress has just taken
    // one in: only two misses in a row mean nothing has arrived.
    for (int Misses = 0; Misses < 2;) {
      int Flag = 0;
      MPI_Message Msg;
      MPI_Status Status;
      MPI_Improbe(MPI_ANY_SOURCE, Tag, MPI_COMM_WORLD, &Flag, &Msg, &Status);
      if (!Flag) {
        ++Misses;
        continue;
      }
      Misses = 0;
      int Count = 0;
      MPI_Get_count(&Status, MPI_BYTE, &Count);
      Buffer.resize(static_cast<size_t>(Count));
      MPI_Mrecv(Buffer.data(), Count, MPI_BYTE, &Msg, MPI_STATUS_IGNORE);
      To(Status.MPI_SOURCE, std::string_view(Buffer.data(), Buffer.size()));
      ++Delivered;
    }
    return Delivered;
  }

  size_t pendingSends() override {
    progressSends();
    return Sends.size();
  }

  void finalize(double TimeoutSeconds) override {
    auto Deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration<double>(TimeoutSeconds);
    while (pendingSends() && std::chrono::steady_clock::now() < Deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    MPI_Finalize();
  }

  [[noreturn]] void abort(int Status) override {
    MPI_Abort(MPI_COMM_WORLD, Status);
    std::_Exit(Status);
  }

private:
  struct Pending {
    std::string Body;
    MPI_Request Request;
  };

  void progressSends() {
    for (auto It = Sends.begin(); It != Sends.end();) {
      int Done = 0;
      MPI_Test(&It->Request, &Done, MPI_STATUS_IGNORE);
      It = Done ? Sends.erase(It) : std::next(It);
    }
  }

  int Rank = 0;
  int Size = 1;
  std::string Host;
  std::list<Pending> Sends; // stable addresses for the in-flight bodies
  std::string Buffer;
};

} // namespace

extern "C" __attribute__((visibility("default"))) Transport *
grid_cluster_open_mpi(std::string *Error) {
  int Provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &Provided) !=
      MPI_SUCCESS) {
    *Error = "MPI_Init_thread failed";
    return nullptr;
  }
  if (Provided < MPI_THREAD_MULTIPLE) {
    *Error = "this MPI library does not provide MPI_THREAD_MULTIPLE";
    return nullptr;
  }
  // A rank that dies must not leave the others waiting on MPI errors.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return new MpiTransport();
}
