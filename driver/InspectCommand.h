//===- InspectCommand.h - gridctl inspect -------------------------*- C++
//-*-===//
//
// `gridctl inspect BINARY [--json]`: the Grid metadata embedded in a binary.
//===----------------------------------------------------------------------===//
#ifndef GRID_DRIVER_INSPECTCOMMAND_H
#define GRID_DRIVER_INSPECTCOMMAND_H

#include <CLI/CLI.hpp>

namespace grid::driver {

/// Adds the `inspect` subcommand to App; it sets ExitCode when it runs.
void addInspectCommand(CLI::App &App, int &ExitCode);

} // namespace grid::driver

#endif // GRID_DRIVER_INSPECTCOMMAND_H
