//===- GridClang.cpp - grid-clang and grid-clang++ ------------------------===//
//
// clang-19 with Grid's flags. Without any Grid flag it execs clang-19 (or
// clang++) with exactly the arguments it was given, so builds are
// byte-identical to plain clang. With -fgrid it removes the Grid flags, loads
// the Grid plugin into the compiler, passes the default tolerances to it, and,
// when the command links, adds libgridrt.so with an rpath.
//
// Built twice from this file: GRID_DRIVER_CXX selects clang++. The plugin and
// the runtime are found relative to the executable itself (ToolPaths.h), so
// the tools work through symlinks and from an installed prefix.
//===----------------------------------------------------------------------===//
#include "ClangCommandLine.h"
#include "DriverConfig.h"
#include "ToolPaths.h"
#include "grid/tolerance.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

using namespace grid::driver;

namespace {

#ifdef GRID_DRIVER_CXX
constexpr const char *ToolName = "grid-clang++";
constexpr const char *DefaultClang = GRID_CLANG_CXX_PATH;
constexpr const char *ClangEnvVar = "GRID_CLANGXX";
#else
constexpr const char *ToolName = "grid-clang";
constexpr const char *DefaultClang = GRID_CLANG_C_PATH;
constexpr const char *ClangEnvVar = "GRID_CLANG";
#endif

constexpr const char *ThreadToleranceFlag = "-fgrid-thread-tolerance=";
constexpr const char *ProcessToleranceFlag = "-fgrid-process-tolerance=";

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "%s: error: %s\n", ToolName, Message.c_str());
  std::exit(1);
}

bool startsWith(std::string_view S, std::string_view Prefix) {
  return S.substr(0, Prefix.size()) == Prefix;
}

/// Grid's own flags; everything else belongs to clang.
bool isGridFlag(std::string_view Arg) {
  return Arg == "-fgrid" || Arg == "-fno-grid" || startsWith(Arg, "-fgrid-") ||
         startsWith(Arg, "-fgrid=");
}

/// "0".."3" or a tolerance name (DESIGN.md §2), as the number to pass on.
std::optional<int> parseTolerance(std::string_view Text) {
  if (std::optional<grid::Tolerance> T = grid::parseToleranceText(Text))
    return static_cast<int>(*T);
  return std::nullopt;
}

struct GridOptions {
  bool Enabled = false; // the last of -fgrid / -fno-grid
  std::optional<int> ThreadTolerance;
  std::optional<int> ProcessTolerance;
  std::string FirstToleranceFlag; // for "requires -fgrid"
};

GridOptions parseGridFlags(const std::vector<std::string> &Args) {
  GridOptions Options;
  for (const std::string &Arg : Args) {
    if (!isGridFlag(Arg))
      continue;
    if (Arg == "-fgrid" || Arg == "-fno-grid") {
      Options.Enabled = Arg == "-fgrid";
      continue;
    }
    std::optional<int> *Target = nullptr;
    std::string_view Flag;
    if (startsWith(Arg, ThreadToleranceFlag)) {
      Target = &Options.ThreadTolerance;
      Flag = ThreadToleranceFlag;
    } else if (startsWith(Arg, ProcessToleranceFlag)) {
      Target = &Options.ProcessTolerance;
      Flag = ProcessToleranceFlag;
    } else {
      fail("unknown argument: '" + Arg +
           "' (Grid's flags are -fgrid, -fno-grid, " + ThreadToleranceFlag +
           "N, " + ProcessToleranceFlag + "N; see " + ToolName +
           " --grid-help)");
    }
    std::string Value = Arg.substr(Flag.size());
    *Target = parseTolerance(Value);
    if (!*Target)
      fail("invalid value '" + Value + "' in '" + Arg +
           "' (accepted: " + grid::AcceptedToleranceSpellings + ")");
    if (Options.FirstToleranceFlag.empty())
      Options.FirstToleranceFlag = Arg;
  }
  if (!Options.Enabled && !Options.FirstToleranceFlag.empty())
    fail("'" + Options.FirstToleranceFlag +
         "' requires -fgrid (the tolerance is a default embedded by the Grid "
         "plugin)");
  return Options;
}

void printGridHelp() {
  std::printf(
      "OVERVIEW: %s %s: clang-19 with Grid\n\n"
      "USAGE: %s [clang options] [-fgrid [Grid options]] file...\n\n"
      "Without a Grid flag this is exactly %s; see `%s --help` for clang's\n"
      "options. Give -fgrid when compiling and when linking, as with "
      "-fsanitize.\n\n"
      "GRID OPTIONS:\n"
      "  -fgrid                       Rewrite thread and process creation "
      "into Grid\n"
      "                               calls and link libgridrt.so\n"
      "  -fno-grid                    Cancel an earlier -fgrid\n"
      "  -fgrid-thread-tolerance=N    Default thread tolerance embedded in "
      "the binary\n"
      "  -fgrid-process-tolerance=N   Default process tolerance embedded in "
      "the binary\n"
      "                               N: 0 local, 1 machine, 2 near, 3 any\n"
      "  --grid-help                  Print this help\n\n"
      "ENVIRONMENT:\n"
      "  %-28s Path of the clang to run (default %s)\n\n"
      "See grid-clang(1).\n",
      ToolName, GRID_VERSION_STRING, ToolName, DefaultClang, ToolName,
      ClangEnvVar, DefaultClang);
}

/// The directory beside the tools that holds File (ToolPaths.h).
std::string findLibraryFile(const char *File, const char *What) {
  std::string Error;
  if (std::optional<std::string> Dir = findLibraryDirectory(File, What, Error))
    return *Dir;
  fail(Error);
}

[[noreturn]] void execClang(const std::vector<std::string> &Args) {
  const char *Env = std::getenv(ClangEnvVar);
  std::string Clang = Env && *Env ? Env : DefaultClang;
  std::vector<char *> Argv;
  Argv.push_back(Clang.data());
  for (const std::string &Arg : Args)
    Argv.push_back(const_cast<char *>(Arg.c_str()));
  Argv.push_back(nullptr);
  ::execv(Clang.c_str(), Argv.data());
  fail("cannot run '" + Clang + "': " + std::strerror(errno) + " (set " +
       ClangEnvVar + " to the path of clang-19" +
#ifdef GRID_DRIVER_CXX
       "'s clang++" +
#endif
       ")");
}

} // namespace

int main(int Argc, char **Argv) {
  std::vector<std::string> Args(Argv + 1, Argv + Argc);
  for (const std::string &Arg : Args)
    if (Arg == "--grid-help") {
      printGridHelp();
      return 0;
    }

  // Grid flags may hide in response files (CMake and libtool write them);
  // such a file is replaced by its expansion without the Grid flags.
  std::vector<std::vector<std::string>> Expanded;
  bool AnyGridFlag = false;
  for (const std::string &Arg : Args) {
    Expanded.push_back(expandResponseFiles({Arg}));
    for (const std::string &Token : Expanded.back())
      AnyGridFlag |= isGridFlag(Token);
  }
  if (!AnyGridFlag)
    execClang(Args);

  std::vector<std::string> AllTokens;
  for (const auto &Tokens : Expanded)
    AllTokens.insert(AllTokens.end(), Tokens.begin(), Tokens.end());
  GridOptions Options = parseGridFlags(AllTokens);

  std::vector<std::string> ClangArgs;
  for (size_t I = 0; I < Args.size(); ++I) {
    bool HasGridFlag = false;
    for (const std::string &Token : Expanded[I])
      HasGridFlag |= isGridFlag(Token);
    if (!HasGridFlag) {
      ClangArgs.push_back(Args[I]);
      continue;
    }
    for (const std::string &Token : Expanded[I])
      if (!isGridFlag(Token))
        ClangArgs.push_back(Token);
  }
  if (!Options.Enabled)
    execClang(ClangArgs);

  CommandLineFacts Facts =
      analyzeClangCommandLine(expandResponseFiles(ClangArgs));
  // The runtime exists only as a shared library (its globals must stay apart
  // from the program's, which the DSM shares; DESIGN.md §3), so a static link
  // would end in a bare "cannot find -lgridrt" from the linker. Say why
  // before running anything; compile-only commands may keep -static.
  if (Facts.links() && !Facts.StaticFlag.empty())
    fail("-fgrid needs dynamic linking (" + std::string(GRID_RUNTIME_FILE) +
         "); " + Facts.StaticFlag +
         " is not supported (drop it from the link command; compiling with "
         "-c may keep it)");
  std::vector<std::string> Added;
  std::string Plugin = findLibraryFile(GRID_PLUGIN_FILE, "the Grid plugin") +
                       "/" + GRID_PLUGIN_FILE;
  // -load registers the plugin's options (for -mllvm); -fpass-plugin adds its
  // passes to the pipeline.
  Added.insert(Added.end(), {"-Xclang", "-load", "-Xclang", Plugin,
                             "-fpass-plugin=" + Plugin});
  // Tolerances only matter where code is generated; on a link-only command
  // clang would warn that -mllvm is unused.
  if (Facts.NumSourceInputs > 0) {
    if (Options.ThreadTolerance)
      Added.insert(Added.end(),
                   {"-mllvm", "-grid-thread-tolerance=" +
                                  std::to_string(*Options.ThreadTolerance)});
    if (Options.ProcessTolerance)
      Added.insert(Added.end(),
                   {"-mllvm", "-grid-process-tolerance=" +
                                  std::to_string(*Options.ProcessTolerance)});
  }
  if (Facts.links()) {
    std::string LibDir = findLibraryFile(GRID_RUNTIME_FILE, "the Grid runtime");
    // -z now: the lazy-binding GOT would be writable data among the
    // program's globals, which threads on other nodes share (DSM); bound
    // at start it is read-only, and the runtime can run the program's code
    // without touching shared pages.
    Added.insert(Added.end(),
                 {"-L" + LibDir, "-lgridrt", "-Wl,-rpath," + LibDir, "-pthread",
                  "-Wl,-z,relro,-z,now"});
  }
  // Everything after `--` is an input, so Grid's flags go before it (its
  // index counts expanded response files, hence the expansion).
  auto Where = ClangArgs.end();
  if (Facts.DashDashIndex >= 0) {
    ClangArgs = expandResponseFiles(ClangArgs);
    Where = ClangArgs.begin() + Facts.DashDashIndex;
  }
  ClangArgs.insert(Where, Added.begin(), Added.end());
  execClang(ClangArgs);
}
