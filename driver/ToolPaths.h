//===- ToolPaths.h - Where Grid's tools find Grid's libraries ---*- C++ -*-===//
//
// grid-clang finds the plugin and the runtime, and gridrun the runtime,
// relative to the running executable (/proc/self/exe), so the tools work
// through symlinks, from the build tree (bin/../lib) and from an installed
// prefix (bin/<relative libdir>).
//===----------------------------------------------------------------------===//
#ifndef GRID_DRIVER_TOOLPATHS_H
#define GRID_DRIVER_TOOLPATHS_H

#include <optional>
#include <string>

namespace grid::driver {

/// The directory of Grid's library directory that holds File
/// (GRID_RUNTIME_FILE, GRID_PLUGIN_FILE). On failure returns std::nullopt and
/// sets Error to a message that names What, File and where it looked.
std::optional<std::string>
findLibraryDirectory(const char *File, const char *What, std::string &Error);

} // namespace grid::driver

#endif // GRID_DRIVER_TOOLPATHS_H
