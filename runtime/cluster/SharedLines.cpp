//===- cluster/SharedLines.cpp - Lines through the memory of one host -----===//

#include "cluster/SharedLines.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace grid::cluster {

namespace {

// A key may take one of this many slots, from its hash on.
constexpr size_t Probes = 4;

// Held for a copy of at most a ring's bytes; a holder preempted makes the
// others give the core away.
void lock(LineSlot &S) {
  for (unsigned Round = 0;; ++Round) {
    if (S.Lock.load(std::memory_order_relaxed) == 0 &&
        S.Lock.exchange(1, std::memory_order_acquire) == 0)
      return;
    if (Round >= 64)
      sched_yield();
  }
}

void unlock(LineSlot &S) { S.Lock.store(0, std::memory_order_release); }

size_t hashOf(uint64_t Key, size_t Count) {
  uint64_t H = Key * 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(H >> 32) % Count;
}

// The ring's bytes at Position (counted from its start), wrapping.
void copyIn(LineSlot &S, uint64_t Position, const void *From, size_t Bytes) {
  size_t At = static_cast<size_t>(Position % LineSlot::RingBytes);
  size_t First = std::min(Bytes, LineSlot::RingBytes - At);
  std::memcpy(S.Data + At, From, First);
  std::memcpy(S.Data, static_cast<const unsigned char *>(From) + First,
              Bytes - First);
}

void copyOut(const LineSlot &S, uint64_t Position, void *To, size_t Bytes) {
  size_t At = static_cast<size_t>(Position % LineSlot::RingBytes);
  size_t First = std::min(Bytes, LineSlot::RingBytes - At);
  std::memcpy(To, S.Data + At, First);
  std::memcpy(static_cast<unsigned char *>(To) + First, S.Data, Bytes - First);
}

// The commit word of the message at Position: 8-aligned, never split by
// the ring's end.
std::atomic_ref<uint64_t> commitWord(LineSlot &S, uint64_t Position) {
  return std::atomic_ref<uint64_t>(
      *reinterpret_cast<uint64_t *>(S.Data + Position % LineSlot::RingBytes));
}

// What the commit word of a message at Position holds: a value that the
// bytes of messages before it (wire integers, counts, addresses) will not
// hold there but by a 2^-63 chance.
uint64_t commitOf(uint64_t Generation, uint64_t Position) {
  return mixBits(Position ^ Generation) | 1; // never 0: unwritten memory
}

long futex(std::atomic<uint32_t> &Word, int Op, uint32_t Value,
           const timespec *Timeout) {
  // Not FUTEX_PRIVATE: the word is shared with another process.
  return ::syscall(SYS_futex, reinterpret_cast<uint32_t *>(&Word), Op, Value,
                   Timeout, nullptr, 0);
}

} // namespace

LineSlots::LineSlots(void *Segment, size_t Bytes)
    : Slots(static_cast<LineSlot *>(Segment)),
      Count(Segment ? Bytes / sizeof(LineSlot) : 0) {}

LineSlot *LineSlots::claim(uint64_t Key) {
  // A line of that key still here (its number used again) keeps its slot;
  // a sender could not tell the two apart.
  if (Count == 0 || Key == 0 || find(Key))
    return nullptr;
  size_t First = hashOf(Key, Count);
  for (size_t I = 0; I < Probes && I < Count; ++I) {
    LineSlot &S = Slots[(First + I) % Count];
    if (S.Owner.load(std::memory_order_relaxed) != 0)
      continue;
    lock(S);
    // Under the lock no writer is inside: the ring starts empty.
    if (S.Owner.load(std::memory_order_relaxed) == 0) {
      S.Head.store(0, std::memory_order_relaxed);
      S.Tail.store(0, std::memory_order_relaxed);
      // The last owner's commit words do not pass for this one's.
      uint64_t Generation =
          S.Generation.load(std::memory_order_relaxed) * 0x9E3779B97F4A7C15ull +
          Key;
      S.Generation.store(Generation, std::memory_order_relaxed);
      S.ReaderGeneration.store(Generation, std::memory_order_relaxed);
      S.TailSeen.store(0, std::memory_order_relaxed);
      S.Sleeping.store(0, std::memory_order_relaxed);
      S.Owner.store(Key, std::memory_order_seq_cst);
      unlock(S);
      return &S;
    }
    unlock(S);
  }
  return nullptr;
}

void LineSlots::release(LineSlot *S) {
  if (!S)
    return;
  lock(*S);
  S->Owner.store(0, std::memory_order_seq_cst);
  unlock(*S);
}

LineSlot *LineSlots::find(uint64_t Key) const {
  if (Count == 0 || Key == 0)
    return nullptr;
  size_t First = hashOf(Key, Count);
  for (size_t I = 0; I < Probes && I < Count; ++I) {
    LineSlot &S = Slots[(First + I) % Count];
    if (S.Owner.load(std::memory_order_seq_cst) == Key)
      return &S;
  }
  return nullptr;
}

bool ringPut(LineSlot &S, uint64_t Key, uint32_t Mark, std::string_view Body) {
  size_t Need = ringBytes(Body.size());
  if (Need > LineSlot::RingBytes || Body.size() > UINT32_MAX)
    return false;
  lock(S);
  if (S.Owner.load(std::memory_order_relaxed) != Key) {
    unlock(S);
    return false;
  }
  // The reader's Tail is read only when the ring looks full: it is on the
  // reader's cache line, a miss each time.
  uint64_t Head = S.Head.load(std::memory_order_relaxed);
  uint64_t Tail = S.TailSeen.load(std::memory_order_relaxed);
  if (Head - Tail + Need > LineSlot::RingBytes) {
    Tail = S.Tail.load(std::memory_order_acquire);
    S.TailSeen.store(Tail, std::memory_order_relaxed);
    if (Head - Tail + Need > LineSlot::RingBytes) {
      unlock(S);
      return false;
    }
  }
  // The size and mark, the bytes, then the commit word.
  uint32_t Header[2] = {static_cast<uint32_t>(Body.size()), Mark};
  copyIn(S, Head + 8, Header, sizeof Header);
  copyIn(S, Head + 16, Body.data(), Body.size());
  commitWord(S, Head).store(
      commitOf(S.Generation.load(std::memory_order_relaxed), Head),
      std::memory_order_release);
  S.Head.store(Head + Need, std::memory_order_relaxed);
  unlock(S);
  return true;
}

bool ringPeek(LineSlot &S, uint32_t *Mark) {
  uint64_t Tail = S.Tail.load(std::memory_order_relaxed);
  if (commitWord(S, Tail).load(std::memory_order_acquire) !=
      commitOf(S.ReaderGeneration.load(std::memory_order_relaxed), Tail))
    return false;
  uint32_t Header[2];
  copyOut(S, Tail + 8, Header, sizeof Header);
  *Mark = Header[1];
  return true;
}

void ringTake(LineSlot &S, std::string *Body) {
  uint64_t Tail = S.Tail.load(std::memory_order_relaxed);
  uint32_t Header[2];
  copyOut(S, Tail + 8, Header, sizeof Header);
  Body->resize(Header[0]);
  copyOut(S, Tail + 16, Body->data(), Header[0]);
  S.Tail.store(Tail + ringBytes(Header[0]), std::memory_order_release);
}

bool ringBell(LineSlot &S) {
  if (S.Sleeping.load(std::memory_order_seq_cst) == 0)
    return false;
  wakeBell(S);
  return true;
}

void wakeBell(LineSlot &S) {
  S.Bell.fetch_add(1, std::memory_order_seq_cst);
  futex(S.Bell, FUTEX_WAKE, INT_MAX, nullptr);
}

bool waitBell(LineSlot &S, uint32_t Seen, double Seconds) {
  timespec Timeout;
  Timeout.tv_sec = static_cast<time_t>(Seconds);
  Timeout.tv_nsec = static_cast<long>((Seconds - Timeout.tv_sec) * 1e9);
  while (S.Bell.load(std::memory_order_seq_cst) == Seen) {
    if (futex(S.Bell, FUTEX_WAIT, Seen, &Timeout) != 0 && errno == ETIMEDOUT)
      return S.Bell.load(std::memory_order_seq_cst) != Seen;
  }
  return true;
}

} // namespace grid::cluster
