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
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace grid::cluster {

/// Memory the ranks of a job expose to each other's one-sided reads and
/// writes (MPI windows, passive target): a rank reads and writes another's
/// exposed memory without that rank's threads taking part. Addresses are
/// the target's own. Any thread may call; calls are complete when they
/// return (get) or after flush (put).
class Windows {
public:
  virtual ~Windows() = default;
  /// Copies Bytes at Address of Rank's exposed memory into Out. False if
  /// no exposed region of Rank holds all of them, or MPI failed.
  virtual bool get(int Rank, uintptr_t Address, void *Out, size_t Bytes) = 0;
  /// Starts copying Bytes from From to Address of Rank's exposed memory;
  /// From must stay unchanged until flush returns.
  virtual bool put(int Rank, uintptr_t Address, const void *From,
                   size_t Bytes) = 0;
  /// Completes every put this process started, at their targets.
  virtual bool flush() = 0;
  /// MPI is finalised (the rank is ending): every call fails from now on.
  virtual bool closed() const { return false; }
};

/// One region a rank exposes: may be empty.
struct Region {
  uintptr_t Base = 0;
  size_t Bytes = 0;
};

class Transport {
public:
  virtual ~Transport() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// This rank's host name (MPI's processor name).
  virtual std::string host() const = 0;

  /// Queues a message for Dest; returns at once. Messages between two ranks
  /// arrive in the order they were sent. Callable from any thread; only
  /// the event loop's thread polls.
  virtual void send(int Dest, std::string Body) = 0;
  /// Delivers every message that has arrived, in order, and progresses the
  /// queued sends. Never blocks. Returns how many messages it delivered.
  using Deliver = std::function<void(int Source, std::string_view Body)>;
  virtual size_t poll(const Deliver &To) = 0;
  /// Sends not yet complete.
  virtual size_t pendingSends() = 0;

  /// Lines: numbered channels between two threads of two ranks, on a
  /// communicator of their own, which any thread may send and receive on
  /// (EventLoop's Line). Ordered per line, not against send()'s messages.
  static constexpr int AnyLine = -1;
  /// The highest line number (MPI_TAG_UB); numbers start at 1.
  virtual int maxLine() const = 0;
  /// Rank runs on this host (they share memory).
  virtual bool sameHost(int Rank) const = 0;
  /// Queues Body on line Number to Dest, like send(). True when the send
  /// completed at once: the message is then where Dest's next look at its
  /// lines finds it (shared memory, or the socket to Dest's host).
  virtual bool sendOn(int Dest, int Number, std::string Body) = 0;
  /// Takes a message from Source (or any) on line Number (or AnyLine) into
  /// *Body, with its source and line in *From and *Number; never blocks.
  /// False if none has arrived. Sure: look twice before saying none (a
  /// probe may take in a message it does not yet report).
  virtual bool receiveOn(int Source, int *Number, std::string *Body, int *From,
                         bool Sure) = 0;

  /// Memory shared by the ranks of this host, for lines through it
  /// (cluster/SharedLines.h): Rank's segment of SharedSegmentBytes, mapped
  /// here and zero-filled at first; null for a rank of another host, or
  /// where it could not be made. Mapped until the process ends (MPI's end
  /// does not unmap it).
  static constexpr size_t SharedSegmentBytes = size_t(2) << 20;
  virtual void *sharedSegment(int Rank) const {
    (void)Rank;
    return nullptr;
  }

  /// Collective: every rank calls it once, at the same point of its start,
  /// with as many regions as the others (the i-th regions of all ranks
  /// form one window). Null with *Error set when MPI cannot give one-sided
  /// access between these ranks (Open MPI 4's windows over TCP); every rank
  /// then gets null.
  virtual std::unique_ptr<Windows> expose(const std::vector<Region> &Mine,
                                          std::string *Error) = 0;

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
