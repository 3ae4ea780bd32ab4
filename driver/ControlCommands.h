//===- ControlCommands.h - gridctl ps, nodes, renice, top, config -*- C++
//-*-===//
//
// The control-plane subcommands of gridctl (DESIGN.md §8): ps, nodes and
// renice (ControlCommands.cpp), top (TopCommand.cpp) and config check
// (ConfigCommand.cpp). Each sets ExitCode when it runs.
//===----------------------------------------------------------------------===//
#ifndef GRID_DRIVER_CONTROLCOMMANDS_H
#define GRID_DRIVER_CONTROLCOMMANDS_H

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace grid::driver {

void addPsCommand(CLI::App &App, int &ExitCode);
void addNodesCommand(CLI::App &App, int &ExitCode);
void addReniceCommand(CLI::App &App, int &ExitCode);
void addTopCommand(CLI::App &App, int &ExitCode);
void addConfigCommand(CLI::App &App, int &ExitCode);

/// "any (renice)" or "near (environment: GRID_THREAD_TOLERANCE)": a value of
/// a ps reply and where it came from.
std::string describeSourced(const nlohmann::json &Value);
/// The table of a nodes reply, one line per node, with a heading.
std::string formatNodes(const nlohmann::json &Nodes);

} // namespace grid::driver

#endif // GRID_DRIVER_CONTROLCOMMANDS_H
