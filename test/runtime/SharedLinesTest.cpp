// Lines through the memory of one host (cluster/SharedLines.h): the slots
// of a segment, the ring's messages between two processes, the bell, and a
// Line whose messages go partly through the ring and partly through the
// transport, taken in the order they were sent.

#include "cluster/SharedLines.h"
#include "cluster/Cluster.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace grid::cluster;

namespace {

// Zero-filled memory shared with children forked after it is made.
struct Shared {
  explicit Shared(size_t Bytes) : Bytes(Bytes) {
    Base = ::mmap(nullptr, Bytes, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  }
  ~Shared() { ::munmap(Base, Bytes); }
  void *Base;
  size_t Bytes;
};

// A segment of one slot, claimed for line Number from rank 1 (a line that
// ends and another made leave the same slot).
struct OneSlot {
  explicit OneSlot(int Number)
      : M(sizeof(LineSlot)), Slots(M.Base, M.Bytes), Key(lineKey(1, Number)),
        S(Slots.claim(Key)) {}
  Shared M;
  LineSlots Slots;
  uint64_t Key;
  LineSlot *S;
};

std::string messageOf(uint32_t I) {
  // Sizes from 0 to past a page, so the ring's end falls inside headers
  // and bodies alike.
  size_t Size = (I * 37) % 5000;
  std::string S(Size, '\0');
  for (size_t J = 0; J < Size; ++J)
    S[J] = static_cast<char>('a' + (I + J) % 26);
  return S;
}

// Waits for a child and says how it ended.
int childStatus(pid_t Pid) {
  int Status = 0;
  ::waitpid(Pid, &Status, 0);
  return WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status);
}

} // namespace

TEST(SharedLines, ASlotIsFoundByItsKeyUntilReleased) {
  Shared M(8 * sizeof(LineSlot));
  LineSlots Slots(M.Base, M.Bytes);
  ASSERT_EQ(Slots.count(), 8u);
  uint64_t Key = lineKey(1, 42);
  EXPECT_EQ(Slots.find(Key), nullptr);
  LineSlot *S = Slots.claim(Key);
  ASSERT_NE(S, nullptr);
  EXPECT_EQ(Slots.find(Key), S);
  // A second line of that key (its number used again while the first is
  // here) gets none: a sender could not tell the two apart.
  EXPECT_EQ(Slots.claim(Key), nullptr);
  EXPECT_EQ(Slots.find(lineKey(2, 42)), nullptr); // another rank's line 42
  EXPECT_EQ(Slots.find(lineKey(1, 43)), nullptr);
  Slots.release(S);
  EXPECT_EQ(Slots.find(Key), nullptr);
  EXPECT_NE(Slots.claim(Key), nullptr);
}

TEST(SharedLines, AKeyTakesOneOfFewSlotsOrNone) {
  Shared M(4 * sizeof(LineSlot));
  LineSlots Slots(M.Base, M.Bytes);
  for (int N = 1; N <= 4; ++N) {
    ASSERT_NE(Slots.claim(lineKey(0, N)), nullptr) << N;
  }
  EXPECT_EQ(Slots.claim(lineKey(0, 5)), nullptr);
  for (int N = 1; N <= 4; ++N) {
    EXPECT_NE(Slots.find(lineKey(0, N)), nullptr) << N;
  }
  EXPECT_EQ(LineSlots(nullptr, 1 << 20).claim(lineKey(0, 1)), nullptr);
}

TEST(SharedLines, AFullRingRefusesUntilRead) {
  OneSlot One(7);
  uint64_t Key = One.Key;
  LineSlot *S = One.S;
  ASSERT_NE(S, nullptr);
  std::string Body(1000, 'x');
  uint32_t Put = 0;
  while (ringPut(*S, Key, Put + 1, Body))
    ++Put;
  EXPECT_EQ(Put, LineSlot::RingBytes / ringBytes(Body.size()));
  uint32_t Seq = 0;
  ASSERT_TRUE(ringPeek(*S, &Seq));
  EXPECT_EQ(Seq, 1u);
  std::string Got;
  ringTake(*S, &Got);
  EXPECT_EQ(Got, Body);
  EXPECT_TRUE(ringPut(*S, Key, Put + 1, Body));
  // Larger than the whole ring: never.
  EXPECT_FALSE(ringPut(*S, Key, 1, std::string(LineSlot::RingBytes, 'y')));
}

TEST(SharedLines, AWriterOfALineThatEndedIsRefused) {
  OneSlot One(7);
  uint64_t Old = One.Key, New = lineKey(1, 8);
  LineSlot *S = One.S;
  ASSERT_NE(S, nullptr);
  ASSERT_TRUE(ringPut(*S, Old, 1, "left behind"));
  One.Slots.release(S);
  ASSERT_EQ(One.Slots.claim(New), S);
  uint32_t Seq = 0;
  EXPECT_FALSE(ringPeek(*S, &Seq)); // the old line's message is gone
  EXPECT_FALSE(ringPut(*S, Old, 2, "late"));
  ASSERT_TRUE(ringPut(*S, New, 1, "first"));
  ASSERT_TRUE(ringPeek(*S, &Seq));
  std::string Got;
  ringTake(*S, &Got);
  EXPECT_EQ(Got, "first");
}

// A message whose header starts 8 bytes before the ring's end (its commit
// word there, its size and mark wrapped to the start) comes whole.
TEST(SharedLines, AHeaderAcrossTheRingsEndComesWhole) {
  OneSlot One(7);
  LineSlot *S = One.S;
  ASSERT_NE(S, nullptr);
  // 89 messages of 168 bytes (184 with their headers) put and taken: the
  // next starts at RingBytes - 8.
  const std::string Body(168, 'b');
  static_assert((LineSlot::RingBytes - 8) % ringBytes(168) == 0);
  std::string Got;
  uint32_t Mark = 0;
  for (size_t I = 0; I < (LineSlot::RingBytes - 8) / ringBytes(168); ++I) {
    ASSERT_TRUE(ringPut(*S, One.Key, 0, Body));
    ASSERT_TRUE(ringPeek(*S, &Mark));
    ringTake(*S, &Got);
  }
  ASSERT_TRUE(ringPut(*S, One.Key, 42, "across the end"));
  ASSERT_TRUE(ringPeek(*S, &Mark));
  EXPECT_EQ(Mark, 42u);
  ringTake(*S, &Got);
  EXPECT_EQ(Got, "across the end");
  EXPECT_FALSE(ringPeek(*S, &Mark));
}

// Once the ring has gone round, a message of the last lap at the place of
// the next is not taken for it.
TEST(SharedLines, AMessageOfTheLastLapIsNotTakenAgain) {
  OneSlot One(7);
  LineSlot *S = One.S;
  ASSERT_NE(S, nullptr);
  static_assert(LineSlot::RingBytes % ringBytes(48) == 0);
  std::string Got;
  uint32_t Mark = 0;
  for (size_t I = 0; I < LineSlot::RingBytes / ringBytes(48); ++I) {
    ASSERT_TRUE(ringPut(*S, One.Key, 0, std::string(48, 'a')));
    ASSERT_TRUE(ringPeek(*S, &Mark));
    ringTake(*S, &Got);
  }
  EXPECT_FALSE(ringPeek(*S, &Mark)); // the first message's place again
}

// What the slot's last owner left further on in the ring is not taken for
// the new owner's messages once the new ones reach it.
TEST(SharedLines, AnOlderOwnersMessagesStayUnseen) {
  OneSlot One(7);
  LineSlot *S = One.S;
  ASSERT_NE(S, nullptr);
  for (uint32_t I = 0; I < 3; ++I)
    ASSERT_TRUE(ringPut(*S, One.Key, I, "the old line's"));
  One.Slots.release(S);
  uint64_t New = lineKey(1, 8);
  ASSERT_EQ(One.Slots.claim(New), S);
  std::string Got;
  uint32_t Mark = 0;
  for (int I = 0; I < 3; ++I) {
    EXPECT_FALSE(ringPeek(*S, &Mark)) << I;
    ASSERT_TRUE(ringPut(*S, New, 7, "new"));
    ASSERT_TRUE(ringPeek(*S, &Mark));
    ringTake(*S, &Got);
    EXPECT_EQ(Got, "new");
  }
  EXPECT_FALSE(ringPeek(*S, &Mark));
}

// A child process writes 20000 messages of sizes across the ring's end
// while this one reads: each arrives whole, in order.
TEST(SharedLines, MessagesCrossBetweenProcessesWholeAndInOrder) {
  OneSlot One(3);
  uint64_t Key = One.Key;
  LineSlot *S = One.S;
  ASSERT_NE(S, nullptr);
  constexpr uint32_t Count = 20000;
  pid_t Child = ::fork();
  ASSERT_GE(Child, 0);
  if (Child == 0) {
    for (uint32_t I = 1; I <= Count; ++I) {
      std::string Body = messageOf(I);
      while (!ringPut(*S, Key, I, Body))
        sched_yield();
    }
    ::_exit(0);
  }
  std::string Got;
  uint32_t Next = 1;
  while (Next <= Count) {
    uint32_t Seq = 0;
    if (!ringPeek(*S, &Seq))
      continue;
    ASSERT_EQ(Seq, Next);
    ringTake(*S, &Got);
    ASSERT_EQ(Got, messageOf(Next)) << Next;
    ++Next;
  }
  EXPECT_EQ(childStatus(Child), 0);
}

// The bell wakes a reader asleep on it in another process; unrung, the
// wait ends at its time limit.
TEST(SharedLines, TheBellWakesASleeperInAnotherProcess) {
  OneSlot One(9);
  uint64_t Key = One.Key;
  LineSlot *S = One.S;
  ASSERT_NE(S, nullptr);
  EXPECT_FALSE(ringBell(*S)); // nobody sleeps: no ring
  uint32_t Seen = S->Bell.load();
  EXPECT_FALSE(waitBell(*S, Seen, 0.05));
  S->Sleeping.store(1);
  pid_t Child = ::fork();
  ASSERT_GE(Child, 0);
  if (Child == 0) {
    if (!ringPut(*S, Key, 1, "wake up") || !ringBell(*S))
      ::_exit(1);
    ::_exit(0);
  }
  EXPECT_TRUE(waitBell(*S, Seen, 30.0));
  uint32_t Seq = 0;
  EXPECT_TRUE(ringPeek(*S, &Seq));
  EXPECT_EQ(childStatus(Child), 0);
}

// A ring message's mark against the count of messages taken through MPI,
// across the 32-bit wrap.
TEST(SharedLines, AMarkIsReachedOnceThatManyCameThroughMpi) {
  EXPECT_TRUE(markReached(0, 0));
  EXPECT_FALSE(markReached(1, 0));
  EXPECT_TRUE(markReached(5, 7));
  EXPECT_TRUE(markReached(0xFFFFFFFFu, 0xFFFFFFFFull));
  EXPECT_FALSE(markReached(0, 0xFFFFFFFFull)); // the 2^32nd not yet taken
  EXPECT_TRUE(markReached(0, 0x100000000ull));
  EXPECT_FALSE(markReached(3, 0x100000002ull));
}

TEST(SharedLines, KeysOfOtherRanksOrIdsDiffer) {
  EXPECT_NE(lineKey(0, 1), lineKey(1, 1));
  EXPECT_NE(lineKey(0, 1), lineKey(0, 2));
  EXPECT_NE(lineKey(0, 0), 0u);
}

//===----------------------------------------------------------------------===//
// A Line over a transport of two ranks in this process
//===----------------------------------------------------------------------===//

namespace {

// Two ranks of one host whose line messages wait in queues ("MPI") and
// whose segments are memory of this process.
struct Wires {
  std::mutex Mutex;
  std::deque<std::pair<int, std::string>> ToRank[2]; // (line, body)
  Shared Segment[2] = {Shared(Transport::SharedSegmentBytes),
                       Shared(Transport::SharedSegmentBytes)};
};

class FakeTransport final : public Transport {
public:
  FakeTransport(Wires &W, int Rank) : W(W), Rank(Rank) {}
  int rank() const override { return Rank; }
  int size() const override { return 2; }
  std::string host() const override { return "here"; }
  void send(int, std::string) override {}
  size_t poll(const Deliver &) override { return 0; }
  size_t pendingSends() override { return 0; }
  int maxLine() const override { return 1000; }
  bool sameHost(int) const override { return true; }
  bool sendOn(int Dest, int Number, std::string Body) override {
    std::lock_guard<std::mutex> Lock(W.Mutex);
    W.ToRank[Dest].emplace_back(Number, std::move(Body));
    ++MpiSent;
    return true;
  }
  bool receiveOn(int, int *Number, std::string *Body, int *From,
                 bool) override {
    if (BeforeLook)
      std::exchange(BeforeLook, nullptr)();
    std::lock_guard<std::mutex> Lock(W.Mutex);
    auto &Q = W.ToRank[Rank];
    for (auto It = Q.begin(); It != Q.end(); ++It)
      if (*Number == AnyLine || It->first == *Number) {
        *Number = It->first;
        *Body = std::move(It->second);
        if (From)
          *From = 1 - Rank;
        Q.erase(It);
        return true;
      }
    return false;
  }
  void *sharedSegment(int R) const override { return W.Segment[R].Base; }
  std::unique_ptr<Windows> expose(const std::vector<Region> &,
                                  std::string *) override {
    return nullptr;
  }
  void finalize(double) override {}
  [[noreturn]] void abort(int) override { std::abort(); }

  Wires &W;
  int Rank;
  int MpiSent = 0;
  std::function<void()> BeforeLook; // once, at the next receiveOn
};

// Two ranks of one host and a line between them, from rank 1 to rank 0;
// Set adjusts rank 0's loop before the line is made.
struct TwoRanks {
  explicit TwoRanks(const std::function<void(EventLoop &)> &Set = {})
      : T0(W, 0), T1(W, 1), L0(T0), L1(T1) {
    if (Set)
      Set(L0);
    Receiver.emplace(L0, 1, 5, 77);
    Sender.emplace(L1, 0, 5, 77);
  }
  Wires W;
  FakeTransport T0, T1;
  EventLoop L0, L1;
  std::optional<Line> Receiver, Sender;
};

} // namespace

// Messages too large for the ring go the transport's way, the others
// through the ring; the receiver takes them all in the order sent.
TEST(SharedLines, ALineTakesItsMessagesInOrderWhicheverWayTheyWent) {
  TwoRanks R;
  Line &Receiver = *R.Receiver, &Sender = *R.Sender;
  std::vector<std::string> Sent;
  size_t Taken = 0;
  for (uint32_t I = 1; I <= 40; ++I) {
    // Every third is larger than a ring.
    std::string Body = I % 3 == 0 ? std::string(LineSlot::RingBytes + I, 'L')
                                  : messageOf(I) + "!";
    Sent.push_back(Body);
    Sender.send(Body);
    if (I % 10 == 0) { // some taken while more come
      for (int K = 0; K < 5; ++K, ++Taken) {
        ASSERT_EQ(Receiver.receive(), Sent[Taken]) << Taken + 1;
      }
    }
  }
  EXPECT_GT(R.T1.MpiSent, 0);
  EXPECT_LT(R.T1.MpiSent, 40);
  for (; Taken < Sent.size(); ++Taken) {
    ASSERT_EQ(Receiver.receive(), Sent[Taken]) << Taken + 1;
  }
}

// The receiver finds the ring empty and looks at MPI; meanwhile its peer
// puts a message in the ring and then sends one too large for it: the
// ring's goes first.
TEST(SharedLines, AMessageInTheRingGoesBeforeALaterOneThroughMpi) {
  TwoRanks R;
  Line &Receiver = *R.Receiver, &Sender = *R.Sender;
  std::string Large(LineSlot::RingBytes + 1, 'L');
  R.T0.BeforeLook = [&] {
    Sender.send("small");
    Sender.send(Large);
  };
  EXPECT_EQ(Receiver.receive(), "small");
  EXPECT_EQ(Receiver.receive(), Large);
  EXPECT_EQ(R.T1.MpiSent, 1);
}

// What deliver() hands over (a call that came through the loops) is taken
// first, and leaves the line's own order as it was.
TEST(SharedLines, AMessageHandedOverComesFirstAndKeepsTheOrder) {
  TwoRanks R;
  Line &Receiver = *R.Receiver, &Sender = *R.Sender;
  std::string Large(LineSlot::RingBytes + 1, 'L');
  Sender.send("one");
  Sender.send(Large);
  Sender.send("three");
  Receiver.deliver("handed over");
  EXPECT_EQ(Receiver.receive(), "handed over");
  EXPECT_EQ(Receiver.receive(), "one");
  EXPECT_EQ(Receiver.receive(), Large);
  EXPECT_EQ(Receiver.receive(), "three");
}

namespace {

// A receiver asleep on its slot's bell (no spin), in a thread of its own:
// Wake is called once it sleeps, and must wake it with Expected.
void sleepThenWake(
    const std::function<void(Line &Sender, Line &Receiver)> &Wake,
    const std::string &Expected) {
  TwoRanks R([](EventLoop &L) { L.setSpin(std::chrono::microseconds(0)); });
  Line &Receiver = *R.Receiver, &Sender = *R.Sender;
  LineSlot *Slot =
      LineSlots(R.W.Segment[0].Base, R.W.Segment[0].Bytes).find(lineKey(1, 77));
  ASSERT_NE(Slot, nullptr);
  std::string Got;
  std::thread Sleeper([&] { Got = Receiver.receive(); });
  auto Until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Slot->Sleeping.load() == 0 && std::chrono::steady_clock::now() < Until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(Slot->Sleeping.load(), 1u);
  // Asleep on the bell, not yet timed out (a second): the wake must ring.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto Rung = std::chrono::steady_clock::now();
  Wake(Sender, Receiver);
  Sleeper.join();
  EXPECT_EQ(Got, Expected);
  EXPECT_LT(std::chrono::steady_clock::now() - Rung,
            std::chrono::milliseconds(900));
}

} // namespace

TEST(SharedLines, ASleeperWakesForAMessageInItsRing) {
  sleepThenWake([](Line &Sender, Line &) { Sender.send("through the ring"); },
                "through the ring");
}

TEST(SharedLines, ASleeperWakesForAMessageHandedOver) {
  sleepThenWake([](Line &, Line &Receiver) { Receiver.deliver("handed"); },
                "handed");
}

// A line whose receiver could take no slot (or turned them off) works
// through the transport alone.
TEST(SharedLines, ALineWithoutSlotsGoesThroughTheTransport) {
  TwoRanks R([](EventLoop &L) { L.setSharedLines(false); });
  Line &Receiver = *R.Receiver, &Sender = *R.Sender;
  for (uint32_t I = 1; I <= 10; ++I)
    Sender.send(messageOf(I) + "!");
  EXPECT_EQ(R.T1.MpiSent, 10);
  for (uint32_t I = 1; I <= 10; ++I) {
    ASSERT_EQ(Receiver.receive(), messageOf(I) + "!") << I;
  }
}
