//===- cluster/Transport.h - Messages between the ranks of a job -*- C++
//-*-===//
//
// The cluster layer's view of MPI: reliable, ordered messages between ranks,
// never blocking. The MPI implementation lives in libgridrt-cluster.so
// (MpiTransport.cpp), which libgridrt loads only in a job of more than one
// rank, so a local program never loads Open MPI (docs/design/cluster.md §2).
//===----------------------------------------------------------------------===//
#ifndef GRID_CLUSTER_TRANSPORT_H
#define GRID_CLUSTER_TRANSPORT_H

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace grid::cluster {

class Transport {
public:
  virtual ~Transport() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// This rank's host name (MPI's processor name).
  virtual std::string host() const = 0;

  /// Queues a message for Dest; returns at once. Messages between two ranks
  /// arrive in the order they were sent.
  virtual void send(int Dest, std::string Body) = 0;
  /// Delivers every message that has arrived, in order, and progresses the
  /// queued sends. Never blocks. Returns how many messages it delivered.
  using Deliver = std::function<void(int Source, std::string_view Body)>;
  virtual size_t poll(const Deliver &To) = 0;
  /// Sends not yet complete.
  virtual size_t pendingSends() = 0;

  /// Ends MPI after the queued sends complete (or after Timeout seconds).
  virtual void finalize(double TimeoutSeconds) = 0;
  /// Ends every rank of the job with Status (MPI_Abort).
  [[noreturn]] virtual void abort(int Status) = 0;
};

/// The entry point libgridrt-cluster.so exports: initialises MPI with
/// MPI_THREAD_MULTIPLE and returns the transport, or null with *Error set.
using OpenTransportFn = Transport *(*)(std::string *Error);
inline constexpr const char *OpenTransportSymbol = "grid_cluster_open_mpi";

} // namespace grid::cluster

#endif // GRID_CLUSTER_TRANSPORT_H
