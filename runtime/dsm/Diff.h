//===- dsm/Diff.h - Twins and diffs of shared pages -------------*- C++ -*-===//
//
// Multiple-writer coherence (DESIGN.md §6, docs/design/dsm.md): before a
// node first writes a cached page it keeps a copy (the twin); at release it
// sends home only the bytes it changed (the diff), so that writers of
// disjoint parts of one page on different nodes do not overwrite each other.
//
// A diff is a sequence of runs, each: offset (u16, little-endian), length
// (u16, at least 1), then that many bytes. Runs are in increasing offset
// order and do not overlap; a page that did not change has the empty diff.
// A run holds exactly changed bytes, never an unchanged one: a merged run
// would carry this node's stale copy of the gap, which another node may
// legally have written meanwhile (threads writing alternate chars of one
// array), and would overwrite it at home. So diffs of writers of different
// bytes of one page, even of one word, apply in either order.
//===----------------------------------------------------------------------===//
#ifndef GRID_DSM_DIFF_H
#define GRID_DSM_DIFF_H

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace grid::dsm {

/// The unit of coherence. Always 4 KiB (the base page of x86-64 and of
/// aarch64 as Debian configures it); checked against sysconf at start.
inline constexpr size_t PageSize = 4096;

/// The largest diff: 2048 runs of one byte (every other byte changed),
/// 4 header bytes each, plus one.
inline constexpr size_t MaxDiffSize = PageSize + 1 + 3 * PageSize / 2;

/// The bytes of Page that differ from Twin (both PageSize bytes), as runs.
/// Page must not change meanwhile (write-protect it first).
std::string makeDiff(const std::byte *Twin, const std::byte *Page);

/// Writes Diff's runs into Target (PageSize bytes). False, with Target
/// untouched, if Diff is malformed (a run past the page end, runs out of
/// order or overlapping, a truncated run).
bool applyDiff(std::byte *Target, std::string_view Diff);

/// Whether Diff (as makeDiff made it) holds at most Limit runs; reads no
/// further than the run past the limit (a dense page's diff holds
/// hundreds).
bool diffRunsAtMost(std::string_view Diff, size_t Limit);

/// A 128-bit digest of a page's contents (XXH3). Home migration compares
/// the one a claiming node sends of its copy with home's master copy: equal,
/// the node keeps its copy and no contents travel back (docs/design/dsm.md,
/// home migration). Two different pages share one with probability 2^-128.
struct PageDigest {
  uint64_t Low = 0, High = 0;
  bool operator==(const PageDigest &) const = default;
};
/// The digest of the PageSize bytes at Page.
PageDigest pageDigest(const std::byte *Page);

/// Calls Run(Offset, Bytes, Length) for each run of Diff, in order, while
/// it returns true. False if one returned false, or if Diff is not a
/// sequence of runs (a truncated header or run, a zero length). The one
/// decoder of the format: applyDiff checks offsets on top of it.
template <typename Fn> bool forEachRun(std::string_view Diff, Fn &&Run) {
  for (size_t Pos = 0; Pos < Diff.size();) {
    if (Diff.size() - Pos < 4)
      return false;
    uint32_t Header;
    std::memcpy(&Header, Diff.data() + Pos, sizeof Header);
    if constexpr (std::endian::native == std::endian::big)
      Header = __builtin_bswap32(Header);
    size_t Offset = Header & 0xffff, Length = Header >> 16;
    Pos += 4;
    if (!Length || Length > Diff.size() - Pos ||
        !Run(Offset, reinterpret_cast<const std::byte *>(Diff.data() + Pos),
             Length))
      return false;
    Pos += Length;
  }
  return true;
}

} // namespace grid::dsm

#endif // GRID_DSM_DIFF_H
