//===- GridRun.cpp - gridrun: run an unmodified program under Grid --------===//
//
// `gridrun [options] [--] CMD [ARGS...]` preloads libgridrt.so into CMD, whose
// interposed libc calls (system, popen, posix_spawn, exec*: runtime/api/
// Intercept.cpp) then go through Grid's placement, in CMD and in every
// dynamically linked descendant (they inherit LD_PRELOAD). The options become
// GRID_PROCESS_TOLERANCE and GRID_PLACEMENT; without either a tolerance
// option or GRID_PROCESS_TOLERANCE, the process tolerance defaults to `any`
// through GRID_DEFAULT_PROCESS_TOLERANCE, which the runtime ranks as a
// binary's embedded default (config-file entries for the program still win).
//
// CMD is looked up as execvp does before anything runs, so that what a
// shell would report (not found: 127, cannot run: 126) is reported here with
// the same status, and a statically linked CMD, into which nothing can be
// preloaded, is refused instead of silently running without Grid.
//===----------------------------------------------------------------------===//
#include "DriverConfig.h"
#include "ToolPaths.h"
#include "grid/tolerance.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <iostream>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

// Exit statuses, as a shell's for a command it cannot run.
constexpr int ExitUsage = 2;
constexpr int ExitCannotRun = 126;
constexpr int ExitNotFound = 127;
constexpr int ExitGridMissing = 1;

// The runtime parses GRID_PLACEMENT (core/Settings.cpp); gridrun links no
// runtime code, so it checks the option against the same names.
constexpr const char *Strategies[] = {"balance", "spread", "pack"};
constexpr const char *AcceptedStrategies = "balance, spread, pack";

[[noreturn]] void exitWith(int Status, const std::string &Message) {
  std::cerr << "gridrun: " << Message << "\n";
  std::exit(Status);
}

[[noreturn]] void usageError(const std::string &Message) {
  std::cerr << "gridrun: error: " << Message
            << "\nRun 'gridrun --help' for usage.\n";
  std::exit(ExitUsage);
}

// --- Finding CMD as execvp does ----------------------------------------------

struct Lookup {
  std::string Path; // the file execvp will run, when Error is 0
  int Error = 0;    // ENOENT, EACCES or EISDIR
};

/// Error 0 when Path is a regular file we may execute.
int checkCandidate(const std::string &Path) {
  struct stat St;
  if (::stat(Path.c_str(), &St) != 0)
    return errno == ENOTDIR ? ENOENT : errno;
  if (S_ISDIR(St.st_mode))
    return EISDIR;
  if (!S_ISREG(St.st_mode) || ::access(Path.c_str(), X_OK) != 0)
    return EACCES;
  return 0;
}

/// A name with a slash is used as it is; otherwise the first executable
/// regular file of that name in PATH (an empty entry is the current
/// directory; glibc's default path when PATH is unset). A match that may not
/// be executed only counts when nothing later in PATH may be, as in execvp.
Lookup findCommand(const std::string &Command) {
  if (Command.empty())
    return {"", ENOENT};
  if (Command.find('/') != std::string::npos)
    return {Command, checkCandidate(Command)};
  const char *PathVar = std::getenv("PATH");
  std::string Search = PathVar ? PathVar : "/bin:/usr/bin";
  Lookup Result{"", ENOENT};
  size_t Begin = 0;
  while (true) {
    size_t End = Search.find(':', Begin);
    std::string Dir = Search.substr(
        Begin, End == std::string::npos ? std::string::npos : End - Begin);
    std::string Candidate = (Dir.empty() ? "." : Dir) + "/" + Command;
    int Error = checkCandidate(Candidate);
    if (Error == 0)
      return {Candidate, 0};
    if (Error != ENOENT && Error != EISDIR && Result.Error == ENOENT)
      Result = {Candidate, Error};
    if (End == std::string::npos)
      return Result;
    Begin = End + 1;
  }
}

// --- What kind of program CMD is
// ----------------------------------------------

struct ElfFacts {
  bool IsElf = false;
  unsigned char Class = 0; // ELFCLASS32 / ELFCLASS64
  uint16_t Machine = 0;
  bool HasInterpreter = false; // a PT_INTERP program header
};

template <class Ehdr, class Phdr> void readProgramHeaders(int Fd, ElfFacts &F) {
  Ehdr Header;
  if (::pread(Fd, &Header, sizeof(Header), 0) != sizeof(Header))
    return;
  F.Machine = Header.e_machine;
  for (unsigned I = 0; I < Header.e_phnum; ++I) {
    Phdr Program;
    off_t Offset = static_cast<off_t>(Header.e_phoff) +
                   static_cast<off_t>(I) * Header.e_phentsize;
    if (::pread(Fd, &Program, sizeof(Program), Offset) != sizeof(Program))
      return;
    if (Program.p_type == PT_INTERP)
      F.HasInterpreter = true;
  }
}

/// The ELF facts of Path; IsElf false for scripts and anything else that is
/// not an ELF file (or cannot be read: exec will say why).
ElfFacts readElf(const std::string &Path) {
  ElfFacts F;
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return F;
  unsigned char Ident[EI_NIDENT];
  if (::pread(Fd, Ident, sizeof(Ident), 0) == sizeof(Ident) &&
      std::memcmp(Ident, ELFMAG, SELFMAG) == 0) {
    F.IsElf = true;
    F.Class = Ident[EI_CLASS];
    if (F.Class == ELFCLASS64)
      readProgramHeaders<Elf64_Ehdr, Elf64_Phdr>(Fd, F);
    else if (F.Class == ELFCLASS32)
      readProgramHeaders<Elf32_Ehdr, Elf32_Phdr>(Fd, F);
  }
  ::close(Fd);
  return F;
}

/// Stops with status 126 when libgridrt.so cannot be preloaded into Path.
void checkPreloadable(const std::string &Command, const std::string &Path) {
  ElfFacts Program = readElf(Path);
  if (!Program.IsElf)
    return; // a script: its interpreter gets the preload
  ElfFacts Self = readElf("/proc/self/exe");
  if (Program.Class != Self.Class || Program.Machine != Self.Machine)
    exitWith(ExitCannotRun,
             "error: '" + Command +
                 "' is built for another architecture than " GRID_RUNTIME_FILE
                 ", so it cannot be preloaded into it");
  if (!Program.HasInterpreter)
    exitWith(ExitCannotRun,
             "error: '" + Command +
                 "' is statically linked: preloading " GRID_RUNTIME_FILE
                 " cannot work; link it dynamically, or rebuild it with "
                 "grid-clang -fgrid");
}

/// The loader ignores LD_PRELOAD for a set-user-ID or set-group-ID program
/// that changes our identity, and removes it from that program's
/// environment, so neither it nor its children run under Grid.
void warnIfSecureExec(const std::string &Command, const std::string &Path) {
  struct stat St;
  if (::stat(Path.c_str(), &St) != 0)
    return;
  bool ChangesUser = (St.st_mode & S_ISUID) && St.st_uid != ::geteuid();
  bool ChangesGroup = (St.st_mode & S_ISGID) && St.st_gid != ::getegid();
  if (ChangesUser || ChangesGroup)
    std::cerr << "gridrun: warning: '" << Command << "' is set-"
              << (ChangesUser ? "user" : "group")
              << "-ID: the loader ignores LD_PRELOAD for it, so it and its "
                 "children run without Grid\n";
}

// --- The environment CMD gets
// ----------------------------------------------------

/// True if List (LD_PRELOAD: entries separated by spaces or colons) already
/// names Library.
bool listsLibrary(const std::string &List, const std::string &Library) {
  size_t Begin = 0;
  while (Begin <= List.size()) {
    size_t End = List.find_first_of(" :", Begin);
    if (End == std::string::npos)
      End = List.size();
    if (List.compare(Begin, End - Begin, Library) == 0)
      return true;
    Begin = End + 1;
  }
  return false;
}

/// Appends the runtime to LD_PRELOAD: a library the user preloads (a
/// sanitizer runtime, another interposer) stays first, and its calls of
/// the interposed names still reach Grid through RTLD_NEXT.
std::string runtimeDirectory() {
  std::string Error;
  std::optional<std::string> Dir = grid::driver::findLibraryDirectory(
      GRID_RUNTIME_FILE, "the Grid runtime", Error);
  if (!Dir)
    exitWith(ExitGridMissing, "error: " + Error);
  return *Dir;
}

void preloadRuntime() {
  std::string Library = runtimeDirectory() + "/" + GRID_RUNTIME_FILE;
  if (Library.find_first_of(" :") != std::string::npos)
    exitWith(ExitGridMissing,
             "error: cannot preload " + Library +
                 ": LD_PRELOAD cannot name a path with a space or a colon; "
                 "install Grid under another directory");
  const char *Existing = std::getenv("LD_PRELOAD");
  std::string Value = Existing ? Existing : "";
  if (listsLibrary(Value, Library))
    return;
  if (!Value.empty())
    Value += ":";
  Value += Library;
  ::setenv("LD_PRELOAD", Value.c_str(), 1);
}

/// True in a process mpirun started as a rank of a job of several ranks
/// (not in a child of such a rank, which inherits OMPI_* too): the rule of
/// cluster::startRole in the runtime, which gridrun does not link.
bool isMpiRank() {
  const char *Size = std::getenv("OMPI_COMM_WORLD_SIZE");
  const char *RankPid = std::getenv("GRID_RANK_PID");
  return Size && std::atoi(Size) > 1 &&
         (!RankPid || std::atol(RankPid) == static_cast<long>(::getpid()));
}

/// CLI11's usage line knows nothing of the command after the options.
class UsageFormatter : public CLI::Formatter {
public:
  std::string make_usage(const CLI::App *, std::string) const override {
    return "Usage: gridrun [OPTIONS] [--] CMD [ARGS...]\n";
  }
};

} // namespace

int main(int Argc, char **Argv) {
  CLI::App App("gridrun: run an unmodified, dynamically linked program with "
               "Grid placing the processes it starts",
               "gridrun");
  App.formatter(std::make_shared<UsageFormatter>());
  App.set_version_flag("--version",
                       std::string("gridrun (Grid) ") + GRID_VERSION_STRING);
  std::string ToleranceText, StrategyText;
  App.add_option("--process-tolerance", ToleranceText,
                 "How far processes started under CMD may go: 0-3 or local, "
                 "machine, near, any (default any)")
      ->type_name("T");
  App.add_option("--placement", StrategyText,
                 "Placement strategy: balance, spread, pack")
      ->type_name("S");
  // Options end at CMD: `gridrun make -j4` gives -j4 to make.
  App.prefix_command();
  App.footer(
      "CMD is searched in PATH as a shell does: exit status 127 if it is not "
      "found, 126 if it cannot be run (not executable, statically linked); "
      "otherwise gridrun becomes CMD and exits as it does. See gridrun(1).");
  try {
    App.parse(Argc, Argv);
  } catch (const CLI::Success &E) {
    return App.exit(E);
  } catch (const CLI::ParseError &E) {
    usageError(E.what());
  }

  // CLI11 leaves `--` and any unknown option before CMD in the remainder.
  std::vector<std::string> Command = App.remaining();
  if (!Command.empty() && Command.front() == "--")
    Command.erase(Command.begin());
  else if (!Command.empty() && Command.front().size() > 1 &&
           Command.front()[0] == '-')
    usageError("unknown option '" + Command.front() +
               "' (accepted: --process-tolerance, --placement, --help, "
               "--version; put -- before a command whose name starts with -)");
  if (Command.empty())
    usageError("no command given");

  if (App.count("--process-tolerance")) {
    std::optional<grid::Tolerance> T = grid::parseToleranceText(ToleranceText);
    if (!T)
      usageError("invalid value '" + ToleranceText +
                 "' for --process-tolerance (accepted: " +
                 grid::AcceptedToleranceSpellings + ")");
    ::setenv("GRID_PROCESS_TOLERANCE", grid::toleranceName(*T), 1);
  } else {
    const char *FromEnv = std::getenv("GRID_PROCESS_TOLERANCE");
    if (!FromEnv || !*FromEnv)
      ::setenv("GRID_DEFAULT_PROCESS_TOLERANCE",
               grid::toleranceName(grid::Tolerance::Any), 1);
  }
  if (App.count("--placement")) {
    bool Known = false;
    for (const char *Name : Strategies)
      Known |= StrategyText == Name;
    if (!Known)
      usageError("invalid value '" + StrategyText +
                 "' for --placement (accepted: " + AcceptedStrategies + ")");
    ::setenv("GRID_PLACEMENT", StrategyText.c_str(), 1);
  }

  const std::string &Name = Command.front();
  Lookup Found = findCommand(Name);
  if (Found.Error == ENOENT)
    exitWith(ExitNotFound, Name.find('/') == std::string::npos
                               ? Name + ": command not found"
                               : Name + ": " + std::strerror(ENOENT));
  if (Found.Error)
    exitWith(ExitCannotRun, Name + ": " + std::strerror(Found.Error));
  checkPreloadable(Name, Found.Path);
  warnIfSecureExec(Name, Found.Path);
  preloadRuntime();

  // Under mpirun every rank runs grid-rank, which becomes home (and runs
  // CMD as its child) or an agent: CMD itself is never a rank.
  if (isMpiRank()) {
    std::string Rank = runtimeDirectory() + "/../libexec/grid/grid-rank";
    Command.insert(Command.begin(), Rank);
  }
  std::vector<char *> Args;
  for (std::string &Arg : Command)
    Args.push_back(Arg.data());
  Args.push_back(nullptr);
  ::execvp(Args[0], Args.data());
  int Error = errno;
  exitWith(Error == ENOENT ? ExitNotFound : ExitCannotRun,
           Name + ": " + std::strerror(Error));
}
