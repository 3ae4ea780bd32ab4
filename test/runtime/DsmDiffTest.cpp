//===- DsmDiffTest.cpp - Twins and diffs of shared pages ------------------===//
//
// A diff applied to the twin gives the page back; it carries exactly the
// changed bytes, so diffs of two writers of one page merge in either order,
// even when they wrote neighbouring bytes of one word; its size stays within
// the stated bound; a malformed diff is refused and writes nothing.
//===----------------------------------------------------------------------===//

#include "dsm/Diff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

using namespace grid::dsm;

namespace {
using Page = std::vector<std::byte>;
using Runs = std::vector<std::pair<size_t, size_t>>;

Page randomPage(std::mt19937_64 &Rng) {
  Page P(PageSize);
  for (std::byte &B : P)
    B = static_cast<std::byte>(Rng());
  return P;
}

// A value other than Old, as a write that changes the byte.
std::byte otherThan(std::byte Old, std::mt19937_64 &Rng) {
  return Old ^ static_cast<std::byte>(1 + Rng() % 255);
}

std::string header(size_t Offset, size_t Length) {
  return {static_cast<char>(Offset & 0xff), static_cast<char>(Offset >> 8),
          static_cast<char>(Length & 0xff), static_cast<char>(Length >> 8)};
}

std::string run(size_t Offset, size_t Length, char Fill = 'x') {
  return header(Offset, Length) + std::string(Length, Fill);
}

// The runs of a well-formed diff, decoded independently of applyDiff.
Runs decode(const std::string &Diff) {
  Runs Result;
  size_t Pos = 0;
  while (Pos + 4 <= Diff.size()) {
    auto U16 = [&](size_t At) {
      return static_cast<size_t>(static_cast<uint8_t>(Diff[At])) |
             static_cast<size_t>(static_cast<uint8_t>(Diff[At + 1])) << 8;
    };
    size_t Offset = U16(Pos), Length = U16(Pos + 2);
    Result.emplace_back(Offset, Length);
    Pos += 4 + Length;
  }
  EXPECT_EQ(Pos, Diff.size());
  return Result;
}

// The runs cover exactly the bytes where Page differs from Twin, and are
// maximal: two runs never touch.
void expectExactRuns(const Page &Twin, const Page &Changed, const Runs &R) {
  std::vector<bool> Covered(PageSize, false);
  size_t End = 0;
  for (auto [Offset, Length] : R) {
    ASSERT_GT(Length, 0u);
    ASSERT_TRUE(End == 0 || Offset > End) << "runs touch at " << Offset;
    ASSERT_LE(Offset + Length, PageSize);
    for (size_t I = Offset; I < Offset + Length; ++I)
      Covered[I] = true;
    End = Offset + Length;
  }
  for (size_t I = 0; I < PageSize; ++I)
    ASSERT_EQ(Covered[I], Twin[I] != Changed[I]) << "byte " << I;
}

Page applied(const Page &Base, const std::string &Diff) {
  Page Result = Base;
  EXPECT_TRUE(applyDiff(Result.data(), Diff));
  return Result;
}
} // namespace

TEST(DsmDiff, UnchangedPageHasEmptyDiff) {
  std::mt19937_64 Rng(1);
  Page Twin = randomPage(Rng);
  Page Copy = Twin;
  EXPECT_EQ(makeDiff(Twin.data(), Copy.data()), "");
  Page Zeros(PageSize);
  EXPECT_EQ(makeDiff(Zeros.data(), Zeros.data()), "");
}

TEST(DsmDiff, SingleByteIsOneRunOfThatByte) {
  std::mt19937_64 Rng(2);
  for (size_t At : {size_t{0}, size_t{7}, size_t{8}, size_t{2049}, PageSize - 8,
                    PageSize - 1}) {
    Page Twin = randomPage(Rng);
    Page Changed = Twin;
    Changed[At] = otherThan(Twin[At], Rng);
    std::string Diff = makeDiff(Twin.data(), Changed.data());
    EXPECT_EQ(Diff,
              header(At, 1) + std::string(1, static_cast<char>(Changed[At])))
        << "at " << At;
    EXPECT_EQ(applied(Twin, Diff), Changed);
  }
}

TEST(DsmDiff, WholePageIsOneRun) {
  std::mt19937_64 Rng(3);
  Page Twin = randomPage(Rng);
  Page Changed = Twin;
  for (std::byte &B : Changed)
    B = otherThan(B, Rng);
  std::string Diff = makeDiff(Twin.data(), Changed.data());
  ASSERT_EQ(Diff.size(), PageSize + 4);
  EXPECT_EQ(decode(Diff), (Runs{{0, PageSize}}));
  EXPECT_EQ(applied(Twin, Diff), Changed);
}

TEST(DsmDiff, AlternatingBytesAreSeparateRuns) {
  // Unchanged bytes between changes are never carried, since another node
  // may have written them: every changed byte is a run of its own.
  std::mt19937_64 Rng(4);
  for (size_t First : {0, 1}) {
    Page Twin = randomPage(Rng);
    Page Changed = Twin;
    for (size_t I = First; I < PageSize; I += 2)
      Changed[I] = otherThan(Twin[I], Rng);
    std::string Diff = makeDiff(Twin.data(), Changed.data());
    EXPECT_EQ(Diff.size(), PageSize / 2 * 5);
    expectExactRuns(Twin, Changed, decode(Diff));
    EXPECT_EQ(applied(Twin, Diff), Changed);
  }
}

TEST(DsmDiff, RunsAreCountedUpToTheLimit) {
  // Whether a diff goes run by run (MPI_Put) or in a message.
  Page Twin(PageSize), Changed(PageSize);
  EXPECT_TRUE(diffRunsAtMost(makeDiff(Twin.data(), Changed.data()), 0));
  for (size_t Run = 0; Run < 9; ++Run)
    Changed[Run * 100] = std::byte{1};
  std::string Nine = makeDiff(Twin.data(), Changed.data());
  EXPECT_FALSE(diffRunsAtMost(Nine, 8));
  EXPECT_TRUE(diffRunsAtMost(Nine, 9));
  std::fill(Changed.begin(), Changed.end(), std::byte{2});
  EXPECT_TRUE(diffRunsAtMost(makeDiff(Twin.data(), Changed.data()), 1));
}

TEST(DsmDiff, LargestDiffMeetsTheStatedBound) {
  // Bytes 0 and 1 changed, then every odd byte: PageSize / 2 runs carrying
  // PageSize / 2 + 1 bytes, the most a diff can hold.
  std::mt19937_64 Rng(5);
  Page Twin = randomPage(Rng);
  Page Changed = Twin;
  Changed[0] = otherThan(Twin[0], Rng);
  for (size_t I = 1; I < PageSize; I += 2)
    Changed[I] = otherThan(Twin[I], Rng);
  std::string Diff = makeDiff(Twin.data(), Changed.data());
  EXPECT_EQ(Diff.size(), MaxDiffSize);
  EXPECT_EQ(MaxDiffSize, 10241u);
  EXPECT_EQ(applied(Twin, Diff), Changed);
}

TEST(DsmDiff, RandomChangesRoundTripExactly) {
  std::mt19937_64 Rng(6);
  for (int Iteration = 0; Iteration < 3000; ++Iteration) {
    Page Twin = randomPage(Rng);
    if (Iteration % 7 == 0) // Twins with long equal stretches, like zeros.
      std::fill(Twin.begin() + Rng() % PageSize, Twin.end(), std::byte{0});
    Page Changed = Twin;
    switch (Iteration % 3) {
    case 0: { // Scattered bytes at a random density.
      size_t Count = Rng() % (PageSize + 1);
      for (size_t I = 0; I < Count; ++I) {
        size_t At = Rng() % PageSize;
        Changed[At] = otherThan(Twin[At], Rng);
      }
      break;
    }
    case 1: { // Stretches of random lengths at random offsets.
      size_t Count = 1 + Rng() % 20;
      for (size_t I = 0; I < Count; ++I) {
        size_t At = Rng() % PageSize;
        size_t Length = 1 + Rng() % std::min<size_t>(PageSize - At, 300);
        for (size_t B = At; B < At + Length; ++B)
          Changed[B] = otherThan(Twin[B], Rng);
      }
      break;
    }
    case 2: // Writes that sometimes store the value already there.
      for (size_t I = 0; I < PageSize; ++I)
        if (Rng() % 4 == 0)
          Changed[I] = static_cast<std::byte>(Rng() % 2);
      break;
    }
    std::string Diff = makeDiff(Twin.data(), Changed.data());
    ASSERT_LE(Diff.size(), MaxDiffSize);
    expectExactRuns(Twin, Changed, decode(Diff));
    ASSERT_EQ(applied(Twin, Diff), Changed) << "iteration " << Iteration;
  }
}

TEST(DsmDiff, TwoWritersOfOnePageMergeInEitherOrder) {
  std::mt19937_64 Rng(7);
  for (int Iteration = 0; Iteration < 1000; ++Iteration) {
    Page Twin = randomPage(Rng);
    Page A = Twin, B = Twin, Merged = Twin;
    for (size_t I = 0; I < PageSize; ++I) {
      // Half the iterations split bytes of every word between the writers
      // (as threads writing alternate chars of one array); the others give
      // each byte to A, B or neither at random.
      unsigned Owner = Iteration % 2 ? (I % 2) + 1 : Rng() % 3;
      if (Owner == 1)
        Merged[I] = A[I] = otherThan(Twin[I], Rng);
      else if (Owner == 2)
        Merged[I] = B[I] = otherThan(Twin[I], Rng);
    }
    std::string DiffA = makeDiff(Twin.data(), A.data());
    std::string DiffB = makeDiff(Twin.data(), B.data());
    ASSERT_EQ(applied(applied(Twin, DiffA), DiffB), Merged);
    ASSERT_EQ(applied(applied(Twin, DiffB), DiffA), Merged);
  }
}

TEST(DsmDiff, EmptyAndTouchingRunsApply) {
  std::mt19937_64 Rng(8);
  Page Target = randomPage(Rng);
  Page Before = Target;
  EXPECT_TRUE(applyDiff(Target.data(), ""));
  EXPECT_EQ(Target, Before);
  // The format allows runs that touch, though makeDiff merges them.
  EXPECT_TRUE(applyDiff(Target.data(), run(10, 2, 'a') + run(12, 3, 'b') +
                                           run(PageSize - 1, 1, 'c')));
  Before[10] = Before[11] = std::byte{'a'};
  Before[12] = Before[13] = Before[14] = std::byte{'b'};
  Before[PageSize - 1] = std::byte{'c'};
  EXPECT_EQ(Target, Before);
}

TEST(DsmDiff, MalformedDiffsAreRefusedAndWriteNothing) {
  // Each starts with a valid run, so a diff applied before it is checked
  // would show in the target.
  std::string Valid = run(0, 8, 'v');
  const std::pair<const char *, std::string> Cases[] = {
      {"truncated header", Valid + header(100, 1).substr(0, 3)},
      {"one byte of header", Valid + std::string(1, '\x10')},
      {"truncated data", Valid + header(100, 5) + "abcd"},
      {"data missing", Valid + header(100, 1)},
      {"run past the end", Valid + run(PageSize - 6, 7)},
      {"run at the end", Valid + run(PageSize, 1)},
      {"run longer than a page", Valid + run(8, PageSize)},
      {"largest offset and length", Valid + run(0xffff, 0xffff)},
      {"overlapping runs", Valid + run(4, 8)},
      {"same run twice", Valid + Valid},
      {"runs out of order", run(100, 4) + run(50, 4)},
      {"zero-length run", Valid + run(20, 0)},
      {"zero-length run alone", run(20, 0)},
  };
  std::mt19937_64 Rng(9);
  for (const auto &[Name, Diff] : Cases) {
    Page Target = randomPage(Rng);
    Page Before = Target;
    EXPECT_FALSE(applyDiff(Target.data(), Diff)) << Name;
    EXPECT_EQ(Target, Before) << Name;
  }
}

TEST(DsmDiff, EveryTruncationOfARealDiffIsRefused) {
  std::mt19937_64 Rng(10);
  Page Twin = randomPage(Rng);
  Page Changed = Twin;
  for (size_t At : {3, 4, 5, 100, 101, 900, 4000})
    Changed[At] = otherThan(Twin[At], Rng);
  std::string Diff = makeDiff(Twin.data(), Changed.data());
  std::vector<bool> RunEnd(Diff.size() + 1, false);
  size_t Pos = 0;
  RunEnd[0] = true;
  for (const auto &R : decode(Diff))
    RunEnd[Pos += 4 + R.second] = true;
  for (size_t Cut = 1; Cut < Diff.size(); ++Cut) {
    if (RunEnd[Cut]) // A prefix ending between runs is a valid diff.
      continue;
    Page Target = Twin;
    EXPECT_FALSE(
        applyDiff(Target.data(), std::string_view(Diff).substr(0, Cut)))
        << "cut at " << Cut;
    EXPECT_EQ(Target, Twin) << "cut at " << Cut;
  }
}
