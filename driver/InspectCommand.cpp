//===- InspectCommand.cpp - gridctl inspect -------------------------------===//
//
// Prints what grid-clang -fgrid embedded in a binary: the ABI version, the
// default tolerances, the modules and the call sites, as text or as the JSON
// document described in gridctl(1). Synchronisation sites (pthread_mutex_lock,
// sem_wait, syscall... : abi.def's Sync kinds) are many and place nothing, so
// the text counts them by kind and the JSON lists them apart.
//===----------------------------------------------------------------------===//
#include "InspectCommand.h"

#include "GridMeta.h"
#include "grid/abi.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <tuple>

namespace grid::driver {

namespace {

const char *toleranceName(int Level) {
  static const char *const Names[] = {"local", "machine", "near", "any"};
  return Names[Level];
}

/// The binary's default for one tolerance: the value its modules set, unset
/// if none sets one, and every value if they disagree.
struct ToleranceSummary {
  std::set<int> Values;
  std::vector<std::string> SetBy;
};

ToleranceSummary summarize(const std::vector<MetaModule> &Modules,
                           std::optional<int> MetaModule::*Field) {
  ToleranceSummary Summary;
  for (const MetaModule &M : Modules)
    if (M.*Field) {
      Summary.Values.insert(*(M.*Field));
      Summary.SetBy.push_back(M.Name);
    }
  return Summary;
}

std::string describe(std::optional<int> Value) {
  if (!Value)
    return "unset";
  return std::to_string(*Value) + " (" + toleranceName(*Value) + ")";
}

std::string describe(const ToleranceSummary &Summary) {
  if (Summary.Values.empty())
    return "unset";
  if (Summary.Values.size() == 1)
    return describe(*Summary.Values.begin());
  std::string Text;
  for (int V : Summary.Values)
    Text += (Text.empty() ? "" : " or ") + describe(V);
  return Text + ": the modules disagree (see Modules)";
}

nlohmann::ordered_json toJson(std::optional<int> Value) {
  if (!Value)
    return nullptr;
  return {{"value", *Value}, {"name", toleranceName(*Value)}};
}

nlohmann::ordered_json toJson(const ToleranceSummary &Summary) {
  if (Summary.Values.size() == 1)
    return toJson(*Summary.Values.begin());
  if (Summary.Values.empty())
    return nullptr;
  nlohmann::ordered_json Conflict = {{"value", nullptr},
                                     {"name", "conflicting"}};
  Conflict["values"] = nlohmann::ordered_json::array();
  for (int V : Summary.Values)
    Conflict["values"].push_back(toJson(V));
  return Conflict;
}

/// A site's source file; the module's when it was built without debug info.
const std::string &siteFile(const MetaSite &S) {
  return S.File.empty() ? S.Module : S.File;
}

#define GRID_SYNC_KIND_Thread(Text)
#define GRID_SYNC_KIND_Process(Text)
#define GRID_SYNC_KIND_Sync(Text) Text,
const std::set<std::string> SyncKinds = {
#define GRID_SITE_KIND(Kind, Text, Category) GRID_SYNC_KIND_##Category(Text)
#include "grid/abi.def"
};

bool isSyncSite(const MetaSite &S) { return SyncKinds.count(S.Kind) != 0; }

size_t countSyncSites(const MetaModule &M) {
  return std::count_if(M.Sites.begin(), M.Sites.end(), isSyncSite);
}

nlohmann::ordered_json toJson(const std::vector<MetaSite> &Sites) {
  nlohmann::ordered_json List = nlohmann::ordered_json::array();
  for (const MetaSite &S : Sites)
    List.push_back({{"file", S.File},
                    {"line", S.Line},
                    {"column", S.Column},
                    {"function", S.Function},
                    {"kind", S.Kind},
                    {"module", S.Module}});
  return List;
}

std::string siteLocation(const MetaSite &S) {
  const std::string &File = siteFile(S);
  if (S.Line == 0)
    return File;
  return File + ":" + std::to_string(S.Line);
}

int inspect(const std::string &Path, bool Json) {
  std::vector<MetaModule> Modules;
  try {
    Modules = readGridMeta(Path);
  } catch (const MetaError &E) {
    std::fprintf(stderr, "gridctl: error: %s\n", E.what());
    return 1;
  }
  std::sort(
      Modules.begin(), Modules.end(),
      [](const MetaModule &A, const MetaModule &B) { return A.Name < B.Name; });
  std::vector<MetaSite> Sites;
  std::set<uint32_t> AbiVersions;
  for (const MetaModule &M : Modules) {
    Sites.insert(Sites.end(), M.Sites.begin(), M.Sites.end());
    AbiVersions.insert(M.AbiVersion);
  }
  std::sort(
      Sites.begin(), Sites.end(), [](const MetaSite &A, const MetaSite &B) {
        return std::tie(siteFile(A), A.Line, A.Column, A.Function, A.Kind,
                        A.Module) < std::tie(siteFile(B), B.Line, B.Column,
                                             B.Function, B.Kind, B.Module);
      });
  std::vector<MetaSite> SyncSites;
  auto FirstSync =
      std::stable_partition(Sites.begin(), Sites.end(),
                            [](const MetaSite &S) { return !isSyncSite(S); });
  SyncSites.assign(FirstSync, Sites.end());
  Sites.erase(FirstSync, Sites.end());
  ToleranceSummary Threads = summarize(Modules, &MetaModule::ThreadTolerance);
  ToleranceSummary Processes =
      summarize(Modules, &MetaModule::ProcessTolerance);

  if (Json) {
    nlohmann::ordered_json Doc;
    Doc["binary"] = Path;
    Doc["abi_versions"] = AbiVersions;
    Doc["runtime_abi_version"] = GRID_ABI_VERSION;
    Doc["thread_tolerance"] = toJson(Threads);
    Doc["process_tolerance"] = toJson(Processes);
    Doc["modules"] = nlohmann::ordered_json::array();
    for (const MetaModule &M : Modules) {
      size_t Sync = countSyncSites(M);
      Doc["modules"].push_back(
          {{"name", M.Name},
           {"abi_version", M.AbiVersion},
           {"thread_tolerance", toJson(M.ThreadTolerance)},
           {"process_tolerance", toJson(M.ProcessTolerance)},
           {"sites", M.Sites.size() - Sync},
           {"sync_sites", Sync}});
    }
    Doc["sites"] = toJson(Sites);
    Doc["sync_sites"] = toJson(SyncSites);
    std::cout << Doc.dump(2) << "\n";
    return 0;
  }

  std::string Abi;
  for (uint32_t V : AbiVersions)
    Abi += (Abi.empty() ? "" : ", ") + std::to_string(V);
  std::cout << Path << ": Grid binary\n";
  std::cout << "ABI version:       " << Abi;
  if (AbiVersions.size() != 1 || *AbiVersions.begin() != GRID_ABI_VERSION)
    std::cout << " (this Grid's runtime has ABI " << GRID_ABI_VERSION
              << "; rebuild the modules that differ with this grid-clang)";
  std::cout << "\n";
  std::cout << "Thread tolerance:  " << describe(Threads) << "\n";
  std::cout << "Process tolerance: " << describe(Processes) << "\n";
  size_t NameWidth = 0;
  for (const MetaModule &M : Modules)
    NameWidth = std::max(NameWidth, M.Name.size());
  std::cout << "Modules (" << Modules.size() << "):\n";
  for (const MetaModule &M : Modules) {
    size_t Sync = countSyncSites(M);
    size_t Calls = M.Sites.size() - Sync;
    std::cout << "  " << M.Name << std::string(NameWidth - M.Name.size(), ' ')
              << "  abi " << M.AbiVersion << ", thread "
              << describe(M.ThreadTolerance) << ", process "
              << describe(M.ProcessTolerance) << ", " << Calls
              << (Calls == 1 ? " site" : " sites");
    if (Sync)
      std::cout << ", " << Sync << " synchronisation"
                << (Sync == 1 ? " site" : " sites");
    std::cout << "\n";
  }
  std::cout << "Call sites (" << Sites.size() << "):\n";
  for (const MetaSite &S : Sites)
    std::cout << "  " << siteLocation(S) << " (" << S.Function << ") " << S.Kind
              << "\n";
  if (!SyncSites.empty()) {
    std::map<std::string, size_t> ByKind;
    for (const MetaSite &S : SyncSites)
      ++ByKind[S.Kind];
    std::cout << "Synchronisation sites (" << SyncSites.size() << "):";
    const char *Separator = " ";
    for (const auto &[Kind, Count] : ByKind) {
      std::cout << Separator << Kind << " " << Count;
      Separator = ", ";
    }
    std::cout << "\n";
  }
  return 0;
}

} // namespace

void addInspectCommand(CLI::App &App, int &ExitCode) {
  CLI::App *Inspect = App.add_subcommand(
      "inspect", "Print the Grid metadata embedded in a binary built with "
                 "grid-clang -fgrid: ABI version, default tolerances, "
                 "modules and call sites");
  auto Path = std::make_shared<std::string>();
  auto Json = std::make_shared<bool>(false);
  Inspect
      ->add_option("BINARY", *Path, "Executable, shared object or object file")
      ->required();
  Inspect->add_flag("--json", *Json,
                    "Print a JSON document (described in gridctl(1))");
  Inspect->callback(
      [Path, Json, &ExitCode] { ExitCode = inspect(*Path, *Json); });
}

} // namespace grid::driver
