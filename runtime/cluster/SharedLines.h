//===- cluster/SharedLines.h - Lines through the memory of one host -*- C++
//-*-===//
//
// Between ranks of one host a line's messages go through shared memory
// instead of MPI (docs/design/cluster.md §3, lines): every rank has a
// segment the transport maps into every rank of its host
// (Transport::sharedSegment), divided into slots. A line's receiver claims
// a slot of its own rank's segment for the line; its peer finds the slot
// there and appends its messages to the slot's ring, and rings the slot's
// bell (a futex word) when the receiver sleeps on it. A message that does
// not fit, or a line without a slot, goes through MPI; each message in the
// ring carries how many went through MPI before it, so the receiver takes
// them in the order they were sent whichever way each came.
//
// One writer at a time (a lock per slot: a writer of a line that ended may
// still hold the slot's address), one reader (the line's owner).
//===----------------------------------------------------------------------===//
#ifndef GRID_CLUSTER_SHAREDLINES_H
#define GRID_CLUSTER_SHAREDLINES_H

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace grid::cluster {

/// One line's way into a rank: the ring of messages its peer sends, and the
/// bell its owner sleeps on. Lives in shared memory; the atomics are
/// lock-free, hence usable between processes.
struct alignas(64) LineSlot {
  // A multiple of 8: a message's commit word never wraps.
  static constexpr size_t RingBytes = 16384;
  // The writers' cache line, which the reader writes only to claim and to
  // sleep: a send finds it in its cache.
  std::atomic<uint32_t> Lock;       // held by a writer, or by the claim
  std::atomic<uint32_t> Sleeping;   // the reader waits on Bell
  std::atomic<uint64_t> Owner;      // the line's key (lineKey), 0 when free
  std::atomic<uint64_t> TailSeen;   // Tail as a writer last read it
  std::atomic<uint64_t> Head;       // bytes ever written
  std::atomic<uint64_t> Generation; // drawn at each claim
  // The reader's:
  alignas(64) std::atomic<uint64_t> Tail; // bytes ever read
  std::atomic<uint32_t> Bell;             // a futex word, rung by writers
  std::atomic<uint64_t> ReaderGeneration; // Generation, on this line
  // The messages, each a header (the word that commits it, a hash of its
  // position in the ring's bytes ever written and of Generation, which no
  // older message's bytes at that place will hold; its size; its mark)
  // and its bytes. The reader spins on the next message's commit word,
  // where the message itself arrives, instead of on a Head of the writer's:
  // a round trip of two 60-byte messages between two processes took 1300
  // cycles so against 1600 (a bare cache line's: 800), and a forwarded
  // write 1.25 us against 1.53. Messages start 8-aligned; whole cache lines
  // each measured no faster.
  alignas(64) unsigned char Data[RingBytes];
};
static_assert(LineSlot::RingBytes % 8 == 0);
static_assert(std::atomic<uint64_t>::is_always_lock_free &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "line slots need lock-free atomics to be shared between "
              "processes");

/// A 64-bit mix (splitmix64's finaliser, a bijection) of K: the slots'
/// keys and the commit words of their messages.
constexpr uint64_t mixBits(uint64_t K) {
  K = (K ^ (K >> 30)) * 0xBF58476D1CE4E5B9ull;
  K = (K ^ (K >> 27)) * 0x94D049BB133111EBull;
  return K ^ (K >> 31);
}

/// The key of the line whose messages come from rank From, as its slot's
/// Owner holds it: a mix of the rank and the line's Id (a thread's id, the
/// same on both sides, never used again, where line numbers wrap), never 0
/// (a free slot). Two live lines of one key (about 2^-63) would share it.
inline uint64_t lineKey(int From, uint64_t Id) {
  return mixBits(Id +
                 0x9E3779B97F4A7C15ull *
                     (static_cast<uint64_t>(static_cast<uint32_t>(From)) + 1)) |
         1;
}

/// Whether a message in a ring marked Mark (how many of its line's
/// messages went through MPI before it) is next, Took of those having been
/// taken. The count wraps at 32 bits; a message's turn never lies 2^31
/// messages away.
inline bool markReached(uint32_t Mark, uint64_t Took) {
  return static_cast<int32_t>(Mark - static_cast<uint32_t>(Took)) <= 0;
}

/// The slots of one rank's segment (a view: the memory is the transport's).
class LineSlots {
public:
  LineSlots() = default;
  /// Segment: zero-filled shared memory of Bytes, or null (no slots).
  LineSlots(void *Segment, size_t Bytes);

  size_t count() const { return Count; }
  /// Receiver: a free slot for Key, reset and owned; null if the few slots
  /// Key may take are all in use.
  LineSlot *claim(uint64_t Key);
  /// Receiver: gives the slot back; what is still in its ring is dropped.
  void release(LineSlot *Slot);
  /// Sender: the slot Key owns now, or null.
  LineSlot *find(uint64_t Key) const;

private:
  LineSlot *Slots = nullptr;
  size_t Count = 0;
};

/// The size a message of Bytes takes in a ring: its 16-byte header and its
/// bytes, padded to 8.
constexpr size_t ringBytes(size_t Bytes) {
  return 16 + ((Bytes + 7) & ~size_t(7));
}

/// Sender: appends Body with Mark (a Line's count of its messages through
/// MPI before this one), if Slot still belongs to Key and the ring has
/// room; false otherwise (the message must go another way). The receiver
/// sees it whole or not at all.
bool ringPut(LineSlot &Slot, uint64_t Key, uint32_t Mark,
             std::string_view Body);
/// Receiver: the mark of the oldest message in the ring, if any.
bool ringPeek(LineSlot &Slot, uint32_t *Mark);
/// Receiver: takes the oldest message (ringPeek found one) into *Body.
void ringTake(LineSlot &Slot, std::string *Body);

/// Sender, after a message went the receiver's way (either way) and a full
/// fence: wakes the receiver if it sleeps on Slot's bell. True if it did.
bool ringBell(LineSlot &Slot);
/// Any thread of the receiver's process: wakes a sleeper on the bell (a
/// message came another way).
void wakeBell(LineSlot &Slot);
/// Receiver: waits until the bell is no longer Seen or Seconds pass; false
/// on the timeout.
bool waitBell(LineSlot &Slot, uint32_t Seen, double Seconds);

} // namespace grid::cluster

#endif // GRID_CLUSTER_SHAREDLINES_H
