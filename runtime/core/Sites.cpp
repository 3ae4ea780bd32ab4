//===- core/Sites.cpp - Names of call sites and site kinds ----------------===//
//
// Turns the constant call-site records the plugin emits into the text that
// errors, logs and statistics show ("app.c:42 (worker)").
//===----------------------------------------------------------------------===//

#include "core/Core.h"

namespace grid::core {

namespace {
enum class Category { Thread, Process, Sync };

struct KindInfo {
  const char *Name;
  Category Cat;
};

constexpr KindInfo Kinds[] = {
#define GRID_SITE_KIND(Kind, Text, Cat) {Text, Category::Cat},
#include "grid/abi.def"
};
static_assert(sizeof(Kinds) / sizeof(Kinds[0]) == __grid_kind_count);
} // namespace

std::string describeSite(const __grid_site *Site) {
  if (!Site)
    return "unknown site";
  std::string Function = Site->function ? Site->function : "";
  if (!Site->file || !*Site->file)
    return Function.empty() ? "unknown site" : Function;
  std::string Text = Site->file;
  if (Site->line)
    Text += ":" + std::to_string(Site->line);
  if (!Function.empty())
    Text += " (" + Function + ")";
  return Text;
}

const char *kindName(uint32_t Kind) {
  return Kind < __grid_kind_count ? Kinds[Kind].Name : "unknown kind";
}

bool isThreadKind(uint32_t Kind) {
  return Kind < __grid_kind_count && Kinds[Kind].Cat == Category::Thread;
}

bool isSyncKind(uint32_t Kind) {
  return Kind < __grid_kind_count && Kinds[Kind].Cat == Category::Sync;
}

bool isPlacementKind(uint32_t Kind) {
  switch (Kind) {
  case __grid_kind_PthreadJoin:
  case __grid_kind_PthreadDetach:
  case __grid_kind_PthreadExit:
  case __grid_kind_ThrdJoin:
  case __grid_kind_ThrdDetach:
  case __grid_kind_ThrdExit:
  case __grid_kind_Pclose:
    return false;
  default:
    return Kind < __grid_kind_count && !isSyncKind(Kind);
  }
}

} // namespace grid::core
