//===- cluster/Wire.h - Messages between nodes and processes ----*- C++ -*-===//
//
// Every message exchanged by requesters, deputies, the home service and the
// agents (docs/design/cluster.md §5): a u16 type, then fields written in the
// order the table gives, integers little-endian of fixed width, strings and
// byte blocks as a u32 length and the bytes, string lists as a u32 count and
// the strings. Over the home socket each message is preceded by its u32
// length (framing); over MPI it is not.
//
// Header-only and free of exceptions, so grid-deputy can use it without
// linking libstdc++'s shared library. A reader that runs past the end or
// meets an absurd length marks itself failed; callers check ok() once at
// the end of a message.
//===----------------------------------------------------------------------===//
#ifndef GRID_CLUSTER_WIRE_H
#define GRID_CLUSTER_WIRE_H

#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace grid::wire {

// Integers are copied in the machine's order, which the format fixes as
// little-endian: a big-endian port must swap them here.
static_assert(std::endian::native == std::endian::little,
              "the wire format is little-endian");

enum class Msg : uint16_t {
  // Requester / deputy <-> home (the home socket).
  Place = 1,
  Placed,
  Cancel,
  Attach,
  Error,
  // Relayed between deputy, home and agent.
  Stdin,
  StdinEof,
  StdinCredit,
  Output,
  Signal,
  Exited,
  // Home <-> agents (MPI).
  Hello,
  Ping,
  Pong,
  Load,
  Start,
  Started,
  StartFailed,
  CantMove,
  Attached,
  OutputCredit,
  Kill,
  Shutdown,
  // Home -> deputy, for a child placed before its node accepted it.
  RunLocal,
  // Agent -> home -> deputy: the child waits to read its stdin; the deputy
  // starts relaying it (until then it reads nothing, so a child that never
  // reads stdin takes nothing from a stdin it shares with its parent).
  StdinWanted,
  // The shared memory of threads placed on other nodes (threads/, any rank
  // to any rank): a page's contents; diffs applied at their home (PageDiff
  // holds one or more pages' diffs, answered by one DiffAck).
  PageGet,
  PageData,
  PageDiff,
  DiffAck,
  // Home -> agents: stop reading and writing home's memory one-sided (its
  // main thread is about to end by pthread_exit, after which MPI's
  // single-copy reads of the process fail); agent -> home: done.
  HomeWindowOff,
  HomeWindowOffAck,
  // Home -> agent: run a thread; agent -> home: its calls, its end; home ->
  // agent: a call's answer; agent -> home: what its threads wrote to
  // stdout/stderr.
  ThreadStart,
  ThreadCall,
  ThreadReply,
  ThreadDone,
  ThreadOutput,
  // Home -> agent, as home begins to exit: send what your threads hold of
  // their output; agent -> home: it (one or more parts, the last marked).
  HeldFlush,
  HeldFlushed,
  // Home migration (docs/design/dsm.md), home -> the other agents: pages
  // of home's heap are moving to a node (fetch nothing of them, send no
  // diff of them until they arrive); agent -> home: done, no window call
  // on them in flight. Home -> agents: they arrived. The node that asked
  // gets them in its DiffAck, and answers MoveDone once they are placed.
  PagesMoving,
  PagesMovingAck,
  PagesMoved,
  MoveDone,
  // Home -> agents: the program's actions of the signals a thread raises
  // itself changed at home since threads started (docs/design/dsm.md).
  ThreadActions,
  // Home -> agent: pthread_cancel of one of its threads (docs/design/dsm.md,
  // cancellation).
  ThreadCancel,
  // Agent -> home, every tenth of a second while it has threads: the CPU
  // time of the program's threads there, ended and running (user, system;
  // threads::remoteCpu).
  NodeCpu,
  Last = NodeCpu
};

/// Placed.outcome.
enum class Outcome : uint32_t {
  LocalByChoice = 0, // run it here: the strategy chose home
  CannotMove = 1,    // run it here: reason says why it cannot move
  Started = 2,       // running on node, as job; start the deputy
  ExecFailed = 3,    // the exec failed on node with errno
};

/// The largest message either side accepts (an environment and arguments
/// fit; output travels in chunks of OutputChunk).
inline constexpr uint32_t MaxMessage = 64u << 20;
inline constexpr uint32_t OutputChunk = 256u << 10;
/// Unacknowledged bytes allowed in flight per job.
inline constexpr uint64_t OutputWindow = 4u << 20;
inline constexpr uint64_t StdinWindow = 1u << 20;

/// Body with its u32 length in front: a message received over MPI passed on
/// over the home socket as it is, in one copy.
inline std::string frame(std::string_view Body) {
  uint32_t Len = static_cast<uint32_t>(Body.size());
  std::string Out;
  Out.reserve(sizeof Len + Body.size());
  Out.append(reinterpret_cast<const char *>(&Len), sizeof Len);
  Out.append(Body);
  return Out;
}

class Writer {
public:
  explicit Writer(Msg Type) { u16(static_cast<uint16_t>(Type)); }

  Writer &u16(uint16_t V) { return raw(&V, sizeof V); }
  Writer &u32(uint32_t V) { return raw(&V, sizeof V); }
  Writer &i32(int32_t V) { return raw(&V, sizeof V); }
  Writer &u64(uint64_t V) { return raw(&V, sizeof V); }
  Writer &str(std::string_view S) {
    u32(static_cast<uint32_t>(S.size()));
    return raw(S.data(), S.size());
  }
  Writer &bytes(const void *Data, size_t Size) {
    u32(static_cast<uint32_t>(Size));
    return raw(Data, Size);
  }
  Writer &strings(const std::vector<std::string> &List) {
    u32(static_cast<uint32_t>(List.size()));
    for (const std::string &S : List)
      str(S);
    return *this;
  }

  /// The message without framing (MPI).
  const std::string &body() const { return Buf; }
  /// The same, moved out (the writer is empty after).
  std::string take() { return std::move(Buf); }
  /// The message with its u32 length in front (the home socket).
  std::string framed() const;

private:
  Writer &raw(const void *Data, size_t Size) {
    Buf.append(static_cast<const char *>(Data), Size);
    return *this;
  }
  std::string Buf;
};

inline std::string Writer::framed() const { return frame(Buf); }

class Reader {
public:
  Reader(const void *Data, size_t Size)
      : Begin(static_cast<const char *>(Data)), P(Begin), End(P + Size) {
    uint16_t T = u16();
    Type = (T >= 1 && T <= static_cast<uint16_t>(Msg::Last))
               ? static_cast<Msg>(T)
               : (Failed = true, Msg::Error);
  }
  explicit Reader(std::string_view Body) : Reader(Body.data(), Body.size()) {}

  Msg type() const { return Type; }
  /// The whole message, type included (to pass it on unchanged).
  std::string_view whole() const {
    return std::string_view(Begin, static_cast<size_t>(End - Begin));
  }
  /// Every read succeeded and nothing is left over.
  bool ok() const { return !Failed && P == End; }
  /// Every read succeeded and something is left (a list read to its end).
  bool more() const { return !Failed && P < End; }

  uint16_t u16() { return num<uint16_t>(); }
  uint32_t u32() { return num<uint32_t>(); }
  int32_t i32() { return num<int32_t>(); }
  uint64_t u64() { return num<uint64_t>(); }
  std::string_view str() {
    uint32_t Len = u32();
    if (Failed || Len > static_cast<size_t>(End - P)) {
      Failed = true;
      return {};
    }
    std::string_view S(P, Len);
    P += Len;
    return S;
  }
  std::vector<std::string> strings() {
    uint32_t Count = u32();
    std::vector<std::string> List;
    // Each string takes at least its 4-byte length.
    if (Failed || Count > static_cast<size_t>(End - P) / 4) {
      Failed = true;
      return List;
    }
    List.reserve(Count);
    for (uint32_t I = 0; I < Count && !Failed; ++I)
      List.emplace_back(str());
    return List;
  }

private:
  template <class T> T num() {
    T V{};
    if (Failed || static_cast<size_t>(End - P) < sizeof V) {
      Failed = true;
      return V;
    }
    std::memcpy(&V, P, sizeof V);
    P += sizeof V;
    return V;
  }

  const char *Begin;
  const char *P;
  const char *End;
  Msg Type = Msg::Error;
  bool Failed = false;
};

/// Collects framed messages from a byte stream (the home socket). Feed it
/// what read() returned; next() yields complete message bodies in order.
class FrameBuffer {
public:
  void append(const char *Data, size_t Size) { Buf.append(Data, Size); }
  /// The next complete body, if any. Fails (returns false and sets *Bad)
  /// on a length above MaxMessage.
  bool next(std::string &Body, bool *Bad) {
    *Bad = false;
    if (Buf.size() - Pos < 4)
      return compact(), false;
    uint32_t Len;
    std::memcpy(&Len, Buf.data() + Pos, 4);
    if (Len < 2 || Len > MaxMessage) {
      *Bad = true;
      return false;
    }
    if (Buf.size() - Pos - 4 < Len)
      return compact(), false;
    Body.assign(Buf, Pos + 4, Len);
    Pos += 4 + Len;
    return true;
  }

private:
  void compact() {
    if (Pos) {
      Buf.erase(0, Pos);
      Pos = 0;
    }
  }
  std::string Buf;
  size_t Pos = 0;
};

/// Messages a sender numbers 0, 1, 2... and that may arrive in another
/// order (they travel different ways), taken in the sender's order.
class InOrder {
public:
  /// Takes message Seq. False if Seq was taken already: a repeat.
  bool put(uint64_t Seq, std::string Body) {
    if (Seq < Next)
      return false;
    if (Seq == Next) {
      // Its turn (as nearly every message is): no map node.
      if (HasDue || (!Early.empty() && Early.count(Seq)))
        return false;
      Due = std::move(Body);
      HasDue = true;
      return true;
    }
    return Early.emplace(Seq, std::move(Body)).second;
  }
  /// Moves the next message in order into Body, if it has arrived.
  bool next(std::string &Body) {
    if (HasDue) {
      Body = std::move(Due);
      HasDue = false;
    } else {
      auto It = Early.find(Next);
      if (It == Early.end())
        return false;
      Body = std::move(It->second);
      Early.erase(It);
    }
    ++Next;
    return true;
  }

private:
  uint64_t Next = 0;
  std::string Due; // message Next, when HasDue
  bool HasDue = false;
  std::map<uint64_t, std::string> Early; // arrived before their turn
};

} // namespace grid::wire

#endif // GRID_CLUSTER_WIRE_H
