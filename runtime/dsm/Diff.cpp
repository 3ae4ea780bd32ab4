//===- dsm/Diff.cpp - Twins and diffs of shared pages ---------------------===//
//
// A diff holds exactly the bytes that changed, at byte granularity, and never
// an unchanged byte. Other nodes may have written the unchanged bytes of the
// same page in the same interval: a data-race-free program may have threads
// write neighbouring chars of one array, even alternate ones. A run rounded
// out to whole words, or merged across a gap of unchanged bytes to save a
// 4-byte header, would write this node's stale copy of those bytes home over
// theirs. So runs are the maximal stretches of changed bytes, and two
// diffs of one twin with disjoint changes apply in either order to the same
// page.
//
// The price is the size of scattered changes: a run costs 4 header bytes, so
// with every other byte changed the diff is 2.5 pages. At most PageSize / 2
// runs fit in a page (each but the last is followed by an unchanged byte)
// and the bytes they carry are at most PageSize + 1 - runs, so a diff is never
// longer than PageSize + 1 + 3 * PageSize / 2 = 10241 bytes; a fully changed
// page is one run of 4100.
//
// makeDiff lets libc's memcmp skip equal 512-byte chunks, then reads a
// chunk that differs a word at a time: one carry-free step marks each
// changed byte, and a run boundary is where a byte's mark differs from the
// one before it, so a word changed throughout or not at all costs one
// well-predicted test.
// Runs of up to 15 bytes are copied with fixed-size moves, not memcpy calls.
//===----------------------------------------------------------------------===//

#include "dsm/Diff.h"

#include <array>
#include <bit>
#include <cstring>

// Inlined, so that programs built with -fgrid need no libxxhash at run time.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace grid::dsm {

namespace {
constexpr size_t WordSize = sizeof(uint64_t);
constexpr size_t ChunkSize = 512;
constexpr size_t HeaderSize = 4;
static_assert(PageSize % ChunkSize == 0);
static_assert(PageSize <= 0xffff + 1, "offsets and lengths are u16");

uint64_t load(const std::byte *P) {
  uint64_t V;
  std::memcpy(&V, P, sizeof V);
  if constexpr (std::endian::native == std::endian::big)
    V = __builtin_bswap64(V); // Byte I of memory is byte I of the value.
  return V;
}

constexpr uint64_t Lows = 0x7f7f7f7f7f7f7f7full;
constexpr uint64_t Highs = 0x8080808080808080ull;

// The high bit of every non-zero byte of X, without carries between bytes.
uint64_t nonZeroBytes(uint64_t X) { return (((X & Lows) + Lows) | X) & Highs; }

void putU16(char *Out, size_t V) {
  Out[0] = static_cast<char>(V & 0xff);
  Out[1] = static_cast<char>(V >> 8);
}

// Copies a run. Most runs are a few bytes (a field, a counter), for which a
// call to memcpy would cost more than the copy: two overlapping fixed-size
// moves write exactly Length bytes.
void copyRun(void *To, const void *From, size_t Length) {
  auto *T = static_cast<char *>(To);
  auto *F = static_cast<const char *>(From);
  auto Pair = [&](auto Word) {
    std::memcpy(T, F, sizeof Word);
    std::memcpy(T + Length - sizeof Word, F + Length - sizeof Word,
                sizeof Word);
  };
  if (Length >= 16)
    std::memcpy(T, F, Length);
  else if (Length >= 8)
    Pair(uint64_t{});
  else if (Length >= 4)
    Pair(uint32_t{});
  else if (Length >= 2)
    Pair(uint16_t{});
  else if (Length == 1)
    *T = *F;
}

struct Run {
  uint16_t Offset;
  uint16_t Length;
};
} // namespace

std::string makeDiff(const std::byte *Twin, const std::byte *Page) {
  std::array<Run, PageSize / 2> Runs; // The most a page can hold.
  size_t Count = 0;
  size_t Start = 0;
  bool Open = false; // In a run since Start.
  auto toggle = [&](size_t At) {
    if (Open)
      Runs[Count++] = {static_cast<uint16_t>(Start),
                       static_cast<uint16_t>(At - Start)};
    else
      Start = At;
    Open = !Open;
  };

  for (size_t Chunk = 0; Chunk < PageSize; Chunk += ChunkSize) {
    // libc's memcmp is the fastest way past equal bytes.
    if (std::memcmp(Twin + Chunk, Page + Chunk, ChunkSize) == 0) {
      if (Open)
        toggle(Chunk);
      continue;
    }
    for (size_t At = Chunk; At < Chunk + ChunkSize; At += WordSize) {
      // Each byte's high bit: whether it changed, and whether the byte
      // before it did; a run starts or ends where the two differ.
      uint64_t Changed = nonZeroBytes(load(Twin + At) ^ load(Page + At));
      uint64_t Before = (Changed << 8) | (Open ? 0x80 : 0);
      for (uint64_t Edges = Changed ^ Before; Edges != 0; Edges &= Edges - 1)
        toggle(At + std::countr_zero(Edges) / 8);
    }
  }
  if (Open)
    toggle(PageSize);

  size_t Size = 0;
  for (size_t I = 0; I < Count; ++I)
    Size += HeaderSize + Runs[I].Length;
  std::string Diff(Size, '\0');
  char *Out = Diff.data();
  for (size_t I = 0; I < Count; ++I) {
    const Run &R = Runs[I];
    putU16(Out, R.Offset);
    putU16(Out + 2, R.Length);
    copyRun(Out + HeaderSize, Page + R.Offset, R.Length);
    Out += HeaderSize + R.Length;
  }
  return Diff;
}

bool diffRunsAtMost(std::string_view Diff, size_t Limit) {
  size_t Runs = 0;
  forEachRun(
      Diff, [&](size_t, const std::byte *, size_t) { return ++Runs <= Limit; });
  return Runs <= Limit;
}

bool applyDiff(std::byte *Target, std::string_view Diff) {
  // Validate every run before writing any, so a malformed diff changes
  // nothing: runs in order, not overlapping, inside the page (forEachRun
  // refuses truncated runs and zero lengths, which makeDiff never makes).
  size_t End = 0;
  if (!forEachRun(Diff, [&](size_t Offset, const std::byte *, size_t Length) {
        bool Ok = Offset >= End && Offset + Length <= PageSize;
        End = Offset + Length;
        return Ok;
      }))
    return false;
  forEachRun(Diff, [&](size_t Offset, const std::byte *Bytes, size_t Length) {
    copyRun(Target + Offset, Bytes, Length);
    return true;
  });
  return true;
}

PageDigest pageDigest(const std::byte *Page) {
  XXH128_hash_t H = XXH3_128bits(Page, PageSize);
  return {H.low64, H.high64};
}

} // namespace grid::dsm
