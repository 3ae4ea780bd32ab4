//===- core/Stats.cpp - Per-call-site creation statistics -----------------===//
//
// One entry per call-site record (keyed by its address, which is constant),
// in a oneTBB concurrent_hash_map: creators at different sites never
// contend, and creators at one site serialise only on that site's entry.
//===----------------------------------------------------------------------===//

#include "core/Core.h"

#include <tbb/concurrent_hash_map.h>

#include <algorithm>
#include <array>
#include <map>
#include <tuple>
#include <unistd.h>

namespace grid::core {

namespace {
struct Entry {
  uint32_t Kind = __grid_kind_count;
  uint64_t Count = 0;
  std::map<std::string, uint64_t, std::less<>> Places;
};

// Counts made with no site record (never emitted by the plugin, but a direct
// caller of the ABI may pass null) share one entry.
const __grid_site UnknownSite = {"", "", 0, 0, __grid_kind_count, 0};
} // namespace

struct StatsTable::Impl {
  tbb::concurrent_hash_map<const __grid_site *, Entry> Sites;
};

StatsTable::StatsTable() : P(std::make_unique<Impl>()) {}
StatsTable::~StatsTable() = default;

void StatsTable::record(const __grid_site *Site, std::string_view Place) {
  if (!Site)
    Site = &UnknownSite;
  decltype(P->Sites)::accessor Access;
  P->Sites.insert(Access, Site);
  Entry &E = Access->second;
  E.Kind = Site->kind;
  ++E.Count;
  auto It = E.Places.find(Place);
  if (It == E.Places.end())
    E.Places.emplace(std::string(Place), 1);
  else
    ++It->second;
}

// Iterating a concurrent_hash_map is not safe against concurrent inserts;
// rows() runs at exit, when the program has stopped creating threads. The
// walk reads the entries in place: a find() during it would rehash buckets
// lazily and the walk could then visit an entry twice.
//
// Records that name the same source line and kind are one row: a single
// line of source can hold several calls (vector::emplace_back inlines both
// of its std::thread constructions), and the user wrote one.
std::vector<SiteRow> StatsTable::rows() const {
  std::map<std::pair<std::string, std::string>, SiteRow> ByName;
  for (auto It = P->Sites.begin(); It != P->Sites.end(); ++It) {
    const Entry &E = It->second;
    std::string Name = describeSite(It->first);
    std::string Kind = kindName(E.Kind);
    SiteRow &Row = ByName[{Name, Kind}];
    Row.Site = std::move(Name);
    Row.Kind = std::move(Kind);
    Row.Thread = isThreadKind(E.Kind);
    Row.Count += E.Count;
    for (const auto &[Place, Count] : E.Places) {
      auto Found =
          std::find_if(Row.Places.begin(), Row.Places.end(),
                       [&](const auto &P) { return P.first == Place; });
      if (Found == Row.Places.end())
        Row.Places.emplace_back(Place, Count);
      else
        Found->second += Count;
    }
  }
  std::vector<SiteRow> Rows;
  for (auto &[Key, Row] : ByName) {
    std::sort(Row.Places.begin(), Row.Places.end());
    Rows.push_back(std::move(Row));
  }
  return Rows;
}

std::string StatsTable::format() const {
  std::vector<SiteRow> Rows = rows();
  const std::string Headers[] = {"site", "kind", "count", "places"};
  std::vector<std::array<std::string, 4>> Cells;
  uint64_t Threads = 0, Processes = 0;
  for (const SiteRow &Row : Rows) {
    std::string Places;
    for (const auto &[Place, Count] : Row.Places) {
      if (!Places.empty())
        Places += ", ";
      Places += Place + ": " + std::to_string(Count);
    }
    Cells.push_back({Row.Site, Row.Kind, std::to_string(Row.Count), Places});
    (Row.Thread ? Threads : Processes) += Row.Count;
  }

  size_t Width[3] = {Headers[0].size(), Headers[1].size(), Headers[2].size()};
  for (const auto &Row : Cells)
    for (size_t I = 0; I < 3; ++I)
      Width[I] = std::max(Width[I], Row[I].size());
  auto Line = [&](const std::string *Cell) {
    std::string Text = "grid:   ";
    for (size_t I = 0; I < 3; ++I) {
      Text += Cell[I];
      Text.append(Width[I] - Cell[I].size() + 2, ' ');
    }
    Text += Cell[3];
    while (!Text.empty() && Text.back() == ' ')
      Text.pop_back();
    return Text + "\n";
  };

  std::string Out = "grid: statistics for pid " + std::to_string(::getpid()) +
                    ": threads created " + std::to_string(Threads) +
                    ", processes created " + std::to_string(Processes) + "\n";
  Out += Line(Headers);
  for (const auto &Row : Cells)
    Out += Line(Row.data());
  return Out;
}

StatsTable &stats() {
  static StatsTable *Table = new StatsTable;
  return *Table;
}

} // namespace grid::core
