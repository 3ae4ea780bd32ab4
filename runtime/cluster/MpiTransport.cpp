//===- cluster/MpiTransport.cpp - Transport over Open MPI -----------------===//
//
// Built into libgridrt-cluster.so only. Every message of send() travels
// with one tag as MPI_BYTE (lines: their number as the tag, on a
// communicator of their own); receiving uses MPI_Improbe + MPI_Mrecv so a
// message of any size is taken whole. Sends are MPI_Isend with the body kept
// alive until MPI_Test completes it. Only the event loop's thread receives
// send()'s messages; any thread may send, receive on lines (a remote thread and
// its shadow), and use the windows of expose() (MPI_THREAD_MULTIPLE).
//===----------------------------------------------------------------------===//

#include "cluster/Transport.h"

#include <mpi.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <list>
#include <mutex>
#include <shared_mutex>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace grid::cluster;

constexpr int Tag = 0x6772; // "gr"

/// One MPI window per region index, over a duplicate of MPI_COMM_WORLD,
/// each in a passive-target epoch (MPI_Win_lock_all) for the job's life.
class MpiWindows final : public Windows {
public:
  struct Window {
    MPI_Win Win = MPI_WIN_NULL;
    std::vector<Region> Of; // by rank
    bool Written = false;
  };

  /// Finalizing and Closed are the transport's: a window call holds the
  /// first shared, and finds the second set once MPI is finalised.
  MpiWindows(std::vector<Window> Ws, std::shared_mutex &Finalizing,
             const bool &Closed)
      : Ws(std::move(Ws)), Finalizing(Finalizing), Closed(Closed) {}

  // After MPI_Finalize a call fails (a thread that still faults while its
  // rank ends: it waits for a page that never comes, until the process
  // exits), never calling MPI: an agent crashed so, its remote thread
  // inside MPI_Get while MPI_Finalize unloaded the components.
  bool get(int Rank, uintptr_t Address, void *Out, size_t Bytes) override {
    std::shared_lock<std::shared_mutex> Open(Finalizing);
    if (Closed)
      return false;
    MPI_Aint Disp;
    Window *W = find(Rank, Address, Bytes, &Disp);
    return W &&
           MPI_Get(Out, static_cast<int>(Bytes), MPI_BYTE, Rank, Disp,
                   static_cast<int>(Bytes), MPI_BYTE, W->Win) == MPI_SUCCESS &&
           MPI_Win_flush(Rank, W->Win) == MPI_SUCCESS;
  }

  bool put(int Rank, uintptr_t Address, const void *From,
           size_t Bytes) override {
    std::shared_lock<std::shared_mutex> Open(Finalizing);
    if (Closed)
      return false;
    MPI_Aint Disp;
    Window *W = find(Rank, Address, Bytes, &Disp);
    if (!W)
      return false;
    W->Written = true;
    return MPI_Put(From, static_cast<int>(Bytes), MPI_BYTE, Rank, Disp,
                   static_cast<int>(Bytes), MPI_BYTE, W->Win) == MPI_SUCCESS;
  }

  bool flush() override {
    std::shared_lock<std::shared_mutex> Open(Finalizing);
    if (Closed)
      return false;
    bool Ok = true;
    for (Window &W : Ws)
      if (W.Written) {
        W.Written = false;
        Ok = MPI_Win_flush_all(W.Win) == MPI_SUCCESS && Ok;
      }
    return Ok;
  }

  bool closed() const override {
    std::shared_lock<std::shared_mutex> Open(Finalizing);
    return Closed;
  }

private:
  Window *find(int Rank, uintptr_t Address, size_t Bytes, MPI_Aint *Disp) {
    for (Window &W : Ws) {
      if (Rank < 0 || static_cast<size_t>(Rank) >= W.Of.size())
        return nullptr;
      const Region &R = W.Of[Rank];
      if (Address >= R.Base && Bytes <= R.Bytes &&
          Address - R.Base <= R.Bytes - Bytes) {
        *Disp = static_cast<MPI_Aint>(Address - R.Base);
        return &W;
      }
    }
    return nullptr;
  }

  std::vector<Window> Ws;
  std::shared_mutex &Finalizing;
  const bool &Closed;
};

class MpiTransport final : public Transport {
public:
  MpiTransport() {
    MPI_Comm_rank(MPI_COMM_WORLD, &Rank);
    MPI_Comm_size(MPI_COMM_WORLD, &Size);
    char Name[MPI_MAX_PROCESSOR_NAME];
    int Len = 0;
    MPI_Get_processor_name(Name, &Len);
    Host.assign(Name, Len);
    // Every rank makes its transport right after MPI_Init_thread: the
    // duplicate for lines is made collectively there.
    MPI_Comm_dup(MPI_COMM_WORLD, &Lines);
    MPI_Comm_set_errhandler(Lines, MPI_ERRORS_RETURN);
    int *Ub = nullptr, Found = 0;
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &Ub, &Found);
    TagUb = Found && Ub ? *Ub : 32767;
    // The ranks of this host: those of the shared-memory communicator.
    Local.assign(static_cast<size_t>(Size), false);
    MPI_Comm Host;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, Rank,
                            MPI_INFO_NULL, &Host) == MPI_SUCCESS) {
      int HostSize = 0;
      MPI_Comm_size(Host, &HostSize);
      std::vector<int> Mine(static_cast<size_t>(HostSize));
      MPI_Allgather(&Rank, 1, MPI_INT, Mine.data(), 1, MPI_INT, Host);
      for (int R : Mine)
        if (R >= 0 && R < Size)
          Local[static_cast<size_t>(R)] = true;
      mapSegments(Host, Mine);
      MPI_Comm_free(&Host);
    }
  }

  // Collective on the host's communicator (Ranks: its ranks, in order):
  // each rank makes a segment under a name of its own (the job's, its
  // rank's and its pid), allocates its pages (a full /dev/shm fails here,
  // not as a SIGBUS at a ring's first touch), writes a token into the page
  // after it, maps the others' and checks their tokens (a rank that sees a
  // segment of the same name but not the same memory, as in another mount
  // namespace, fails), and removes its name once all have mapped it. Only
  // if every rank of the host mapped every segment are they used: a line's
  // receiver relies on its peer seeing its slot.
  void mapSegments(MPI_Comm Host, const std::vector<int> &Ranks) {
    struct Token {
      uint64_t Rank, Pid, Random;
      bool operator==(const Token &O) const {
        return Rank == O.Rank && Pid == O.Pid && Random == O.Random;
      }
    };
    constexpr size_t Mapped = SharedSegmentBytes + 4096; // + the token's page
    Segments.assign(static_cast<size_t>(Size), nullptr);
    if (Ranks.size() < 2)
      return; // alone on its host: no line would use it

    Token Mine{
        static_cast<uint64_t>(Rank), static_cast<uint64_t>(::getpid()),
        static_cast<uint64_t>(
            std::chrono::steady_clock::now().time_since_epoch().count()) ^
            (static_cast<uint64_t>(::getpid()) << 32)};
    std::vector<Token> Tokens(Ranks.size());
    MPI_Allgather(&Mine, sizeof Mine, MPI_BYTE, Tokens.data(), sizeof Mine,
                  MPI_BYTE, Host);
    std::string Job;
    const char *Id = std::getenv("PMIX_NAMESPACE");
    for (const char *C = Id ? Id : ""; *C && Job.size() < 64; ++C)
      Job += std::isalnum(static_cast<unsigned char>(*C)) ? *C : '_';
    auto NameOf = [&](const Token &T) {
      return "/grid-lines-" + Job + "-" + std::to_string(T.Rank) + "-" +
             std::to_string(T.Pid);
    };
    std::string Own = NameOf(Mine);
    ::shm_unlink(Own.c_str()); // a process of this rank and pid that died
    // GRID_SHARED_LINES=0 on any rank of the host: no segment for any (the
    // runtime validates the value; /dev/shm may be small).
    const char *Wanted = std::getenv("GRID_SHARED_LINES");
    int Fd = Wanted && std::strcmp(Wanted, "0") == 0
                 ? -1
                 : ::shm_open(Own.c_str(),
                              O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int Ok = Fd >= 0 && ::posix_fallocate(Fd, 0, Mapped) == 0 &&
             ::pwrite(Fd, &Mine, sizeof Mine, SharedSegmentBytes) ==
                 static_cast<ssize_t>(sizeof Mine);
    if (Fd >= 0)
      ::close(Fd);
    MPI_Barrier(Host); // every segment is made (or failed)
    std::vector<void *> Maps(Ranks.size(), nullptr);
    for (size_t I = 0; Ok && I < Ranks.size(); ++I) {
      int Peer = ::shm_open(NameOf(Tokens[I]).c_str(), O_RDWR | O_CLOEXEC, 0);
      void *At = Peer < 0 ? MAP_FAILED
                          : ::mmap(nullptr, Mapped, PROT_READ | PROT_WRITE,
                                   MAP_SHARED, Peer, 0);
      if (Peer >= 0)
        ::close(Peer);
      if (At == MAP_FAILED) {
        Ok = 0;
        continue;
      }
      Maps[I] = At;
      Token Seen;
      std::memcpy(&Seen, static_cast<char *>(At) + SharedSegmentBytes,
                  sizeof Seen);
      if (!(Seen == Tokens[I]))
        Ok = 0;
    }
    int All = 0;
    MPI_Allreduce(&Ok, &All, 1, MPI_INT, MPI_MIN, Host);
    ::shm_unlink(Own.c_str()); // every rank has mapped it, or none uses it
    for (size_t I = 0; I < Ranks.size(); ++I) {
      if (All && Ranks[I] >= 0 && Ranks[I] < Size)
        Segments[static_cast<size_t>(Ranks[I])] = Maps[I];
      else if (Maps[I])
        ::munmap(Maps[I], Mapped);
    }
  }

  void *sharedSegment(int R) const override {
    return R >= 0 && static_cast<size_t>(R) < Segments.size()
               ? Segments[static_cast<size_t>(R)]
               : nullptr;
  }

  int rank() const override { return Rank; }
  int size() const override { return Size; }
  std::string host() const override { return Host; }

  void send(int Dest, std::string Body) override {
    isend(Dest, Tag, MPI_COMM_WORLD, std::move(Body));
  }

  int maxLine() const override { return TagUb; }
  bool sameHost(int R) const override {
    return R >= 0 && R < Size && Local[static_cast<size_t>(R)];
  }

  bool sendOn(int Dest, int Number, std::string Body) override {
    return isend(Dest, Number, Lines, std::move(Body));
  }

  bool receiveOn(int Source, int *Number, std::string *Body, int *From,
                 bool Sure) override {
    // Shared with other receivers; finalize() waits for them.
    std::shared_lock<std::shared_mutex> Open(Finalizing);
    if (Closed)
      return false;
    int Flag = 0;
    MPI_Message Msg;
    MPI_Status Status;
    int Tag = *Number == AnyLine ? MPI_ANY_TAG : *Number;
    for (int Looks = Sure ? 2 : 1; !Flag && Looks > 0; --Looks)
      MPI_Improbe(Source < 0 ? MPI_ANY_SOURCE : Source, Tag, Lines, &Flag, &Msg,
                  &Status);
    if (!Flag)
      return false;
    int Count = 0;
    MPI_Get_count(&Status, MPI_BYTE, &Count);
    Body->resize(static_cast<size_t>(Count));
    MPI_Mrecv(Body->data(), Count, MPI_BYTE, &Msg, MPI_STATUS_IGNORE);
    *Number = Status.MPI_TAG;
    if (From)
      *From = Status.MPI_SOURCE;
    return true;
  }

  size_t poll(const Deliver &To) override {
    {
      std::lock_guard<std::mutex> Lock(SendsMutex);
      progressSends();
    }
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
    std::lock_guard<std::mutex> Lock(SendsMutex);
    progressSends();
    return Sends.size();
  }

  std::unique_ptr<Windows> expose(const std::vector<Region> &Mine,
                                  std::string *Error) override {
    // Collective calls of the runtime go over a communicator of their own,
    // so they never meet the program's on MPI_COMM_WORLD.
    MPI_Comm Comm;
    if (MPI_Comm_dup(MPI_COMM_WORLD, &Comm) != MPI_SUCCESS) {
      *Error = "MPI_Comm_dup failed";
      return nullptr;
    }
    std::vector<MpiWindows::Window> Ws;
    for (const Region &R : Mine) {
      // Every rank learns every rank's region, then all make the window
      // and agree that all succeeded.
      uint64_t Own[2] = {R.Base, R.Bytes};
      std::vector<uint64_t> All(2 * static_cast<size_t>(Size));
      MpiWindows::Window W;
      int Made = MPI_Allgather(Own, 2, MPI_UINT64_T, All.data(), 2,
                               MPI_UINT64_T, Comm) == MPI_SUCCESS &&
                 MPI_Win_create(reinterpret_cast<void *>(R.Base),
                                static_cast<MPI_Aint>(R.Bytes), 1,
                                MPI_INFO_NULL, Comm, &W.Win) == MPI_SUCCESS;
      int AllMade = 0;
      if (MPI_Allreduce(&Made, &AllMade, 1, MPI_INT, MPI_MIN, Comm) !=
              MPI_SUCCESS ||
          !AllMade) {
        // Windows made so far stay (freeing one is collective, and a rank
        // without it would never join): a few descriptors until exit.
        *Error = "this MPI cannot make windows between these ranks (no "
                 "one-sided transport; Open MPI 4 has none over TCP)";
        return nullptr;
      }
      MPI_Win_set_errhandler(W.Win, MPI_ERRORS_RETURN);
      MPI_Win_lock_all(MPI_MODE_NOCHECK, W.Win);
      for (int Rank = 0; Rank < Size; ++Rank)
        W.Of.push_back({static_cast<uintptr_t>(All[2 * Rank]),
                        static_cast<size_t>(All[2 * Rank + 1])});
      Ws.push_back(std::move(W));
    }
    return std::make_unique<MpiWindows>(std::move(Ws), Finalizing, Closed);
  }

  void finalize(double TimeoutSeconds) override {
    auto Deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration<double>(TimeoutSeconds);
    while (pendingSends() && std::chrono::steady_clock::now() < Deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    std::lock_guard<std::mutex> Lock(SendsMutex);
    std::unique_lock<std::shared_mutex> NoReceiver(Finalizing);
    Closed = true;
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

  /// Starts sending Body; true if the send completed at once (or was
  /// dropped). A thread that still runs while the rank shuts down (a remote
  /// thread of a job whose home ended) must not call MPI after
  /// MPI_Finalize: its message is dropped, and it waits for an answer until
  /// the rank exits.
  bool isend(int Dest, int MsgTag, MPI_Comm Comm, std::string Body) {
    std::lock_guard<std::mutex> Lock(SendsMutex);
    if (Closed)
      return true;
    Sends.push_back({std::move(Body), MPI_REQUEST_NULL});
    Pending &P = Sends.back();
    MPI_Isend(P.Body.data(), static_cast<int>(P.Body.size()), MPI_BYTE, Dest,
              MsgTag, Comm, &P.Request);
    int Done = 0;
    MPI_Test(&P.Request, &Done, MPI_STATUS_IGNORE);
    if (Done)
      Sends.pop_back();
    return Done != 0;
  }

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
  MPI_Comm Lines = MPI_COMM_NULL; // sendOn/receiveOn, tag = line number
  int TagUb = 32767;
  std::vector<bool> Local;      // by rank: on this host
  std::vector<void *> Segments; // by rank: its line segment, mapped here
  std::mutex SendsMutex;        // Sends, and the MPI_Isend that adds to it
  std::shared_mutex Finalizing; // held shared by receiveOn
  bool Closed = false; // MPI_Finalize has been called (under SendsMutex and
                       // Finalizing)
  std::list<Pending> Sends; // stable addresses for the in-flight bodies
  std::string Buffer;
};

} // namespace

extern "C" __attribute__((visibility("default"))) Transport *
grid_cluster_open_mpi(std::string *Error) {
  // A page travels in one message of 4 KiB and a header. Above vader's
  // eager limit (4 KiB) the receiver copies it out of the sender with
  // process_vm_readv, which fails once the sender's main thread has ended
  // by pthread_exit (the kernel finds the process's memory through that
  // thread): Open MPI then prints an error and falls back. Sent eagerly,
  // pages never need it. A value the user set stays.
  setenv("OMPI_MCA_btl_vader_eager_limit", "8192", 0);
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
