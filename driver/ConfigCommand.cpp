//===- ConfigCommand.cpp - gridctl config check ---------------------------===//
//
// Validates a Grid config file with the runtime's own parser
// (core/Settings.h), so what it accepts is exactly what a program accepts,
// and prints the settings an application would start with: the precedence
// of DESIGN.md §2 applied to this environment, the file, and the defaults
// embedded in the application's binary when --app names one.
//===----------------------------------------------------------------------===//
#include "ControlCommands.h"
#include "GridMeta.h"

#include "core/Settings.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

namespace grid::driver {

using nlohmann::json;

namespace {

ConfigFile readConfig(const std::string &Path) {
  struct stat St;
  if (::stat(Path.c_str(), &St) != 0)
    throw SettingsError(Path + ": " + std::strerror(errno));
  if (S_ISDIR(St.st_mode))
    throw SettingsError(Path + ": is a directory, not a config file");
  std::ifstream In(Path, std::ios::binary);
  if (!In)
    throw SettingsError(Path + ": cannot read: " + std::strerror(errno));
  std::ostringstream Text;
  Text << In.rdbuf();
  return parseConfig(Text.str(), Path);
}

/// The lowest default among the binary's modules, as the runtime takes it.
std::optional<Tolerance> binaryDefault(const std::vector<MetaModule> &Modules,
                                       std::optional<int> MetaModule::*Field) {
  std::optional<int> Lowest;
  for (const MetaModule &M : Modules)
    if (M.*Field && (!Lowest || *(M.*Field) < *Lowest))
      Lowest = M.*Field;
  if (!Lowest || *Lowest < 0 || *Lowest > 3)
    return std::nullopt;
  return static_cast<Tolerance>(*Lowest);
}

json sourcedJson(const char *Value, SettingSource Source,
                 const std::string &Origin) {
  return {{"value", Value}, {"source", toString(Source)}, {"origin", Origin}};
}

std::string counted(size_t N, const char *One, const char *Many) {
  return std::to_string(N) + " " + (N == 1 ? One : Many);
}

} // namespace

void addConfigCommand(CLI::App &App, int &ExitCode) {
  CLI::App *Config = App.add_subcommand("config", "Grid's settings files");
  Config->require_subcommand(1);
  CLI::App *Check = Config->add_subcommand(
      "check", "Validate a config file and print the settings an "
               "application would start with");
  struct Args {
    std::string File, App;
    bool Json = false;
  };
  auto A = std::make_shared<Args>();
  Check->add_option("FILE", A->File,
                    "The file to check (default: GRID_CONFIG, else "
                    "$XDG_CONFIG_HOME/grid/grid.toml, else "
                    "/etc/grid/grid.toml)");
  Check->add_option("--app", A->App,
                    "The application: a program name or a path (a Grid "
                    "binary's path also brings its embedded defaults)");
  Check->add_flag("--json", A->Json, "One JSON document");
  Check->callback([&ExitCode, A] {
    try {
      SettingsInputs In;
      In.Env = Environment::fromProcess();
      if (!A->File.empty())
        In.Config = readConfig(A->File);
      else
        In.Config = loadConfig(In.Env);
      std::vector<std::string> Notes;
      In.ExePath = A->App;
      if (!A->App.empty()) {
        struct stat St;
        if (::stat(A->App.c_str(), &St) == 0 && S_ISREG(St.st_mode)) {
          try {
            std::vector<MetaModule> Modules = readGridMeta(A->App);
            In.BinaryThread =
                binaryDefault(Modules, &MetaModule::ThreadTolerance);
            In.BinaryProcess =
                binaryDefault(Modules, &MetaModule::ProcessTolerance);
          } catch (const MetaError &) {
            Notes.push_back(A->App + " carries no Grid metadata (not built "
                                     "with grid-clang -fgrid): no binary "
                                     "defaults");
          }
        } else if (A->App.find('/') != std::string::npos) {
          Notes.push_back(A->App + " is not a file: matched by name only, "
                                   "binary defaults not read");
        }
      }
      Settings S = resolveSettings(In);
      const ConfigTable *Matched =
          In.Config ? matchApp(*In.Config, A->App) : nullptr;
      std::string MatchedName;
      if (Matched)
        for (const auto &[Key, Table] : In.Config->Apps)
          if (&Table == Matched)
            MatchedName = Key;

      if (A->Json) {
        json Doc = {
            {"version", 1},
            {"file", In.Config ? json(In.Config->Path) : json(nullptr)},
            {"app", A->App.empty() ? json(nullptr) : json(A->App)},
            {"app_table",
             MatchedName.empty() ? json(nullptr) : json(MatchedName)},
            {"thread_tolerance",
             sourcedJson(toString(S.ThreadTolerance.Value),
                         S.ThreadTolerance.Source, S.ThreadTolerance.Origin)},
            {"process_tolerance",
             sourcedJson(toString(S.ProcessTolerance.Value),
                         S.ProcessTolerance.Source, S.ProcessTolerance.Origin)},
            {"placement", sourcedJson(toString(S.Placement.Value),
                                      S.Placement.Source, S.Placement.Origin)},
            {"notes", Notes}};
        std::cout << Doc.dump(2) << "\n";
        ExitCode = 0;
        return;
      }
      if (In.Config) {
        size_t DefaultKeys = (In.Config->Defaults.ThreadTolerance ? 1 : 0) +
                             (In.Config->Defaults.ProcessTolerance ? 1 : 0) +
                             (In.Config->Defaults.Placement ? 1 : 0);
        std::cout << In.Config->Path << ": ok ("
                  << counted(DefaultKeys, "key", "keys") << " in [defaults], "
                  << counted(In.Config->Apps.size(), "[app] table",
                             "[app] tables")
                  << ")\n";
      } else {
        // The places findConfigFile looked, as it looked.
        std::string User = "$XDG_CONFIG_HOME/grid/grid.toml";
        if (auto Home = In.Env.get("XDG_CONFIG_HOME"); Home && !Home->empty())
          User = *Home + "/grid/grid.toml";
        else if (auto HomeDir = In.Env.get("HOME");
                 HomeDir && !HomeDir->empty())
          User = *HomeDir + "/.config/grid/grid.toml";
        std::cout << "no config file (GRID_CONFIG unset; none at " << User
                  << " or /etc/grid/grid.toml)\n";
      }
      std::cout << "effective settings for "
                << (A->App.empty() ? std::string("a program without an [app] "
                                                 "table")
                                   : A->App)
                << " started from this environment";
      if (!MatchedName.empty())
        std::cout << " (matches [app.\"" << MatchedName << "\"])";
      std::cout << ":\n";
      auto Line = [](const char *Name, const char *Value, SettingSource Src,
                     const std::string &Origin) {
        std::cout << "  " << Name << Value << " (" << toString(Src);
        if (Src != SettingSource::BuiltIn)
          std::cout << ": " << Origin;
        std::cout << ")\n";
      };
      Line("thread tolerance   ", toString(S.ThreadTolerance.Value),
           S.ThreadTolerance.Source, S.ThreadTolerance.Origin);
      Line("process tolerance  ", toString(S.ProcessTolerance.Value),
           S.ProcessTolerance.Source, S.ProcessTolerance.Origin);
      Line("placement          ", toString(S.Placement.Value),
           S.Placement.Source, S.Placement.Origin);
      for (const std::string &Note : Notes)
        std::cout << "note: " << Note << "\n";
      ExitCode = 0;
    } catch (const SettingsError &E) {
      // Config errors already read "file:line:column: what"; an environment
      // variable's error names the variable.
      std::string What = E.what();
      std::cerr << (What.rfind("GRID_", 0) == 0 ? "gridctl: error: " : "")
                << What << "\n";
      ExitCode = 1;
    }
  });
}

} // namespace grid::driver
