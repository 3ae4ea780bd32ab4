//===- grid/tolerance.h - Latency tolerance names -------------*- C++ -*-===//
//
// The spellings of a latency tolerance (DESIGN.md §2), in one place for every
// part that reads one: the driver (-fgrid-*-tolerance=), the plugin (its
// -grid-*-tolerance options) and the runtime's settings. Header-only and
// dependency-free, so the plugin can use it without linking the runtime.
//===----------------------------------------------------------------------===//
#ifndef GRID_TOLERANCE_H
#define GRID_TOLERANCE_H

#include <optional>
#include <string_view>

namespace grid {

/// Latency tolerance: how far a new thread or child process may go.
enum class Tolerance : int { Local = 0, Machine = 1, Near = 2, Any = 3 };

/// For error messages.
inline constexpr const char *AcceptedToleranceSpellings =
    "0-3 or local, machine, near, any";

/// "local", "machine", "near", "any".
constexpr const char *toleranceName(Tolerance T) {
  switch (T) {
  case Tolerance::Local:
    return "local";
  case Tolerance::Machine:
    return "machine";
  case Tolerance::Near:
    return "near";
  case Tolerance::Any:
    return "any";
  }
  return "?";
}

/// "0".."3" or a name, exactly as spelled above.
constexpr std::optional<Tolerance> parseToleranceText(std::string_view Text) {
  for (int Level = 0; Level <= 3; ++Level) {
    auto T = static_cast<Tolerance>(Level);
    if (Text == toleranceName(T) ||
        (Text.size() == 1 && Text[0] == static_cast<char>('0' + Level)))
      return T;
  }
  return std::nullopt;
}

} // namespace grid

#endif // GRID_TOLERANCE_H
