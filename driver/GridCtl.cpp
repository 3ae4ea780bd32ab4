//===- GridCtl.cpp - gridctl, Grid's control tool -------------------------===//
//
// One subcommand per file (InspectCommand.cpp, ...); this file only builds
// the command line and runs the chosen subcommand.
//===----------------------------------------------------------------------===//
#include "DriverConfig.h"
#include "InspectCommand.h"
#include "grid/abi.h"

#include <CLI/CLI.hpp>

int main(int Argc, char **Argv) {
  CLI::App App("gridctl: inspect and (later) control programs built with "
               "grid-clang -fgrid",
               "gridctl");
  App.set_version_flag("--version", std::string("gridctl (Grid) ") +
                                        GRID_VERSION_STRING +
                                        "\nGrid ABI version " +
                                        std::to_string(GRID_ABI_VERSION));
  App.footer("See gridctl(1). The commands that control running programs "
             "come with the cluster runtime.");
  App.require_subcommand(1);
  int ExitCode = 0;
  grid::driver::addInspectCommand(App, ExitCode);
  try {
    App.parse(Argc, Argv);
  } catch (const CLI::Success &E) {
    return App.exit(E);
  } catch (const CLI::ParseError &E) {
    App.exit(E);
    return 2;
  }
  return ExitCode;
}
