//===- ClangCommandLine.h - What a clang command line will do ----*- C++
//-*-===//
//
// The driver must know whether a clang-19 command line compiles sources and
// whether it links, without running clang. This reads the command line the
// way clang's own driver does: response files (@file, GNU quoting) and
// clang's option table (Options.inc from libclang-19-dev, compiled in), so an
// option's separate value (`-o x.c`, `-Xlinker -c`) is never taken for an
// input or an action.
//===----------------------------------------------------------------------===//
#ifndef GRID_DRIVER_CLANGCOMMANDLINE_H
#define GRID_DRIVER_CLANGCOMMANDLINE_H

#include <string>
#include <string_view>
#include <vector>

namespace grid::driver {

/// Splits the contents of a response file as clang does on Linux
/// (llvm::cl::TokenizeGNUCommandLine): whitespace separates, quotes group,
/// a backslash escapes the next character.
std::vector<std::string> tokenizeResponseFile(std::string_view Text);

/// Expands `@file` arguments recursively (nested names relative to the
/// including file, as clang does). An @file that cannot be read stays as it
/// is, as in clang.
std::vector<std::string>
expandResponseFiles(const std::vector<std::string> &Args);

struct CommandLineFacts {
  /// Positional inputs (files, `-` for stdin), whatever their type.
  unsigned NumInputs = 0;
  /// Inputs clang compiles or preprocesses (by -x or by file suffix), as
  /// opposed to objects and libraries it only passes to the linker.
  unsigned NumSourceInputs = 0;
  /// Whether an option stops clang before the link step (-c, -S, -E,
  /// -fsyntax-only, -emit-llvm, -M, -MM, --precompile, ...).
  bool StopsBeforeLink = false;
  /// Index in the argument list of `--` (after which everything is an
  /// input), or -1.
  int DashDashIndex = -1;
  /// The first -static or -static-pie (as spelt, e.g. `--static`), or "":
  /// a static link cannot take libgridrt.so.
  std::string StaticFlag;

  bool links() const { return NumInputs > 0 && !StopsBeforeLink; }
};

/// Analyses an already expanded argument list (argv[0] excluded).
CommandLineFacts analyzeClangCommandLine(const std::vector<std::string> &Args);

} // namespace grid::driver

#endif // GRID_DRIVER_CLANGCOMMANDLINE_H
