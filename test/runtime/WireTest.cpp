//===- WireTest.cpp - The encoding of messages between processes ----------===//
//
// What is written reads back the same; truncated, overlong or unknown input
// is rejected, never read past its end; framing over a byte stream.
//===----------------------------------------------------------------------===//

#include "cluster/Wire.h"

#include <gtest/gtest.h>

using namespace grid::wire;

TEST(Wire, FieldsReadBackInOrder) {
  Writer W(Msg::Place);
  W.u32(7).str("app.c:3").u64(1ull << 40).i32(-5).strings({"a", "", "ccc"});
  Reader R(W.body());
  EXPECT_EQ(R.type(), Msg::Place);
  EXPECT_EQ(R.u32(), 7u);
  EXPECT_EQ(R.str(), "app.c:3");
  EXPECT_EQ(R.u64(), 1ull << 40);
  EXPECT_EQ(R.i32(), -5);
  EXPECT_EQ(R.strings(), (std::vector<std::string>{"a", "", "ccc"}));
  EXPECT_TRUE(R.ok());
}

TEST(Wire, BytesWithZerosSurvive) {
  std::string Data("a\0b\0", 4);
  Writer W(Msg::Output);
  W.bytes(Data.data(), Data.size());
  Reader R(W.body());
  EXPECT_EQ(R.str(), Data);
  EXPECT_TRUE(R.ok());
}

TEST(Wire, TruncatedInputFailsWithoutReadingPastItsEnd) {
  Writer W(Msg::Attach);
  W.u64(42).str("hello");
  const std::string &Body = W.body();
  for (size_t Cut = 0; Cut < Body.size(); ++Cut) {
    Reader R(Body.data(), Cut);
    R.u64();
    R.str();
    EXPECT_FALSE(R.ok()) << "cut at " << Cut;
  }
}

TEST(Wire, LeftoverBytesAreAnError) {
  Writer W(Msg::Attach);
  W.u64(1).u32(2);
  Reader R(W.body());
  R.u64();
  EXPECT_FALSE(R.ok());
}

TEST(Wire, UnknownTypeAndAbsurdCountsAreRejected) {
  Writer W(Msg::Place);
  std::string Body = W.body();
  Body[0] = static_cast<char>(0xff);
  Body[1] = static_cast<char>(0xff);
  EXPECT_FALSE(Reader(Body).ok());

  // A list claiming four billion strings in a few bytes.
  Writer List(Msg::Place);
  List.u32(0xffffffffu);
  Reader R(List.body());
  EXPECT_TRUE(R.strings().empty());
  EXPECT_FALSE(R.ok());
}

TEST(Wire, FramesAreReassembledFromAnyChunking) {
  std::string Stream = Writer(Msg::Attach).u64(1).framed() +
                       Writer(Msg::Signal).u64(2).i32(15).framed();
  for (size_t Chunk = 1; Chunk <= Stream.size(); ++Chunk) {
    FrameBuffer F;
    std::vector<std::string> Bodies;
    std::string Body;
    bool Bad = false;
    for (size_t At = 0; At < Stream.size(); At += Chunk) {
      F.append(Stream.data() + At, std::min(Chunk, Stream.size() - At));
      while (F.next(Body, &Bad))
        Bodies.push_back(Body);
      ASSERT_FALSE(Bad);
    }
    ASSERT_EQ(Bodies.size(), 2u) << "chunk " << Chunk;
    EXPECT_EQ(Reader(Bodies[1]).type(), Msg::Signal);
  }
}

TEST(Wire, OversizedFrameIsBad) {
  FrameBuffer F;
  uint32_t Len = MaxMessage + 1;
  F.append(reinterpret_cast<const char *>(&Len), sizeof Len);
  std::string Body;
  bool Bad = false;
  EXPECT_FALSE(F.next(Body, &Bad));
  EXPECT_TRUE(Bad);
}

TEST(Wire, InOrderTakesMessagesInTheSendersOrder) {
  InOrder Order;
  std::string Body;
  EXPECT_FALSE(Order.next(Body)) << "nothing yet";
  EXPECT_TRUE(Order.put(2, "c"));
  EXPECT_TRUE(Order.put(1, "b"));
  EXPECT_FALSE(Order.next(Body)) << "0 has not come";
  EXPECT_TRUE(Order.put(0, "a"));
  std::string Got;
  while (Order.next(Body))
    Got += Body;
  EXPECT_EQ(Got, "abc");
  EXPECT_FALSE(Order.put(1, "b")) << "a repeat of one taken";
  EXPECT_TRUE(Order.put(4, "e"));
  EXPECT_FALSE(Order.put(4, "e")) << "a repeat of one waiting";
  EXPECT_TRUE(Order.put(3, "d"));
  EXPECT_FALSE(Order.put(3, "d")) << "a repeat of the one due";
  ASSERT_TRUE(Order.next(Body));
  EXPECT_EQ(Body, "d");
  EXPECT_FALSE(Order.put(4, "e"))
      << "a repeat of one that came early, now in its turn";
  ASSERT_TRUE(Order.next(Body));
  EXPECT_EQ(Body, "e");
  EXPECT_FALSE(Order.next(Body)) << "5 has not come";
  // In turn, one at a time: each is taken as it comes.
  for (int I = 5; I < 8; ++I) {
    EXPECT_TRUE(Order.put(static_cast<uint64_t>(I), std::to_string(I)));
    ASSERT_TRUE(Order.next(Body));
    EXPECT_EQ(Body, std::to_string(I));
  }
  EXPECT_FALSE(Order.next(Body));
}
