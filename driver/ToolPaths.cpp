//===- ToolPaths.cpp - Where Grid's tools find Grid's libraries -----------===//
//
// The build tree's layout is tried first, then the installed prefix's; both
// are relative to the executable with its symlinks resolved.
//===----------------------------------------------------------------------===//
#include "ToolPaths.h"

#include "DriverConfig.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <vector>

namespace grid::driver {

namespace {
bool isFile(const std::string &Path) {
  struct stat St;
  return ::stat(Path.c_str(), &St) == 0 && S_ISREG(St.st_mode);
}

/// Path with symlinks and `..` resolved, or nullopt if it does not exist.
std::optional<std::string> realPath(const std::string &Path) {
  char *Resolved = ::realpath(Path.c_str(), nullptr);
  if (!Resolved)
    return std::nullopt;
  std::string Result(Resolved);
  std::free(Resolved);
  return Result;
}
} // namespace

std::optional<std::string>
findLibraryDirectory(const char *File, const char *What, std::string &Error) {
  std::optional<std::string> Self = realPath("/proc/self/exe");
  if (!Self) {
    Error = std::string("cannot locate this program (/proc/self/exe): ") +
            std::strerror(errno);
    return std::nullopt;
  }
  std::string ToolDir = Self->substr(0, Self->rfind('/'));
  std::string Parent = ToolDir.substr(0, ToolDir.rfind('/'));
  std::vector<std::string> Dirs = {Parent +
                                   "/lib"}; // GRID_BUILD_RELATIVE_LIBDIR
  std::optional<std::string> Installed =
      realPath(ToolDir + "/" + GRID_INSTALL_RELATIVE_LIBDIR);
  if (Installed && *Installed != Dirs.front())
    Dirs.push_back(*Installed);
  for (const std::string &Dir : Dirs)
    if (isFile(Dir + "/" + File))
      return Dir;
  std::string Looked;
  for (const std::string &Dir : Dirs)
    Looked += (Looked.empty() ? "" : ", ") + Dir;
  Error = std::string(What) + " " + File + " is not in " + Looked +
          " (Grid's library directory beside " + ToolDir +
          "); build or install Grid completely";
  return std::nullopt;
}

} // namespace grid::driver
