//===- GridCtl.cpp - gridctl, Grid's control tool -------------------------===//
//
// One subcommand per file (InspectCommand.cpp, ...); this file only builds
// the command line, runs the chosen subcommand, and reports usage errors as
// "gridctl: error: ..." with exit status 2.
//===----------------------------------------------------------------------===//
#include "ControlCommands.h"
#include "DriverConfig.h"
#include "InspectCommand.h"
#include "grid/abi.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// The subcommand names, for "accepted: ..." in messages.
std::string subcommandNames(CLI::App &App) {
  std::string Names;
  for (const CLI::App *Sub : App.get_subcommands({}))
    Names += (Names.empty() ? "" : ", ") + Sub->get_name();
  return Names;
}

int usageError(const std::string &Message, const std::string &HelpCommand) {
  std::cerr << "gridctl: error: " << Message << "\nRun '" << HelpCommand
            << " --help' for usage.\n";
  return 2;
}

/// A usage error before any subcommand was recognised. CLI11 reports all of
/// them as "A subcommand is required", which hides the actual mistake (a
/// misspelt subcommand or an unknown option); this names it. Returns -1 if
/// the command line holds no such mistake.
int topLevelUsageError(CLI::App &App, int Argc, char **Argv) {
  for (int I = 1; I < Argc; ++I) {
    std::string Arg = Argv[I];
    if (Arg.size() > 1 && Arg[0] == '-') {
      if (!App.get_option_no_throw(Arg))
        return usageError("unknown option '" + Arg +
                              "' before the subcommand (accepted: -h, "
                              "--help, --version)",
                          "gridctl");
      continue;
    }
    // The first positional argument is the subcommand.
    std::vector<CLI::App *> Known = App.get_subcommands(
        [&Arg](CLI::App *Sub) { return Sub->check_name(Arg); });
    if (Known.empty())
      return usageError("unknown subcommand '" + Arg +
                            "'; accepted: " + subcommandNames(App),
                        "gridctl");
    return -1;
  }
  if (Argc == 1) {
    // Bare `gridctl`: show what it can do, but as a usage error, so that a
    // script calling it without a subcommand does not take it for success.
    std::cerr << App.help();
    std::cerr << "gridctl: error: no subcommand given; accepted: "
              << subcommandNames(App) << "\n";
    return 2;
  }
  return -1;
}

} // namespace

int main(int Argc, char **Argv) {
  CLI::App App("gridctl: watch and steer running Grid programs (ps, nodes, "
               "top, renice), check settings files, inspect binaries",
               "gridctl");
  App.set_version_flag("--version", std::string("gridctl (Grid) ") +
                                        GRID_VERSION_STRING +
                                        "\nGrid ABI version " +
                                        std::to_string(GRID_ABI_VERSION));
  App.footer("See gridctl(1). gridctl talks to your own programs only, "
             "through their sockets in $XDG_RUNTIME_DIR/grid (else "
             "/tmp/grid-$UID).");
  App.require_subcommand(1);
  int ExitCode = 0;
  grid::driver::addPsCommand(App, ExitCode);
  grid::driver::addNodesCommand(App, ExitCode);
  grid::driver::addTopCommand(App, ExitCode);
  grid::driver::addReniceCommand(App, ExitCode);
  grid::driver::addConfigCommand(App, ExitCode);
  grid::driver::addInspectCommand(App, ExitCode);
  try {
    App.parse(Argc, Argv);
  } catch (const CLI::Success &E) {
    return App.exit(E);
  } catch (const CLI::ParseError &E) {
    std::vector<CLI::App *> Parsed = App.get_subcommands();
    if (Parsed.empty())
      if (int Status = topLevelUsageError(App, Argc, Argv); Status >= 0)
        return Status;
    // Name the innermost subcommand given ("gridctl config check").
    std::string HelpCommand = "gridctl";
    CLI::App *Deepest = nullptr;
    for (std::vector<CLI::App *> Level = Parsed; !Level.empty();
         Level = Level.front()->get_subcommands()) {
      Deepest = Level.front();
      HelpCommand += " " + Deepest->get_name();
    }
    std::string Message = E.what();
    // "A subcommand is required" does not say which ones there are.
    if (Deepest && Deepest->get_subcommands().empty() &&
        !Deepest->get_subcommands({}).empty() &&
        Message.find("subcommand") != std::string::npos)
      Message = "no subcommand given; accepted: " + subcommandNames(*Deepest);
    return usageError(Message, HelpCommand);
  }
  return ExitCode;
}
