//===- ClangCommandLine.cpp - What a clang command line will do ----------===//
//
// Option matching follows llvm::opt::OptTable: the longest option spelling
// that accepts the argument wins, and the option's kind says how many of the
// following arguments are its values. The table is clang-19's own
// (clang/Driver/Options.inc), restricted to what the `clang` driver accepts.
//===----------------------------------------------------------------------===//
#include "ClangCommandLine.h"

#include "clang/Driver/Options.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace grid::driver {

std::vector<std::string> tokenizeResponseFile(std::string_view Src) {
  auto IsSpace = [](char C) {
    return C == ' ' || C == '\t' || C == '\r' || C == '\n';
  };
  std::vector<std::string> Tokens;
  std::string Token;
  for (size_t I = 0, E = Src.size(); I != E; ++I) {
    if (Token.empty()) {
      while (I != E && IsSpace(Src[I]))
        ++I;
      if (I == E)
        break;
    }
    char C = Src[I];
    if (C == '\\' && I + 1 < E) {
      Token.push_back(Src[++I]);
      continue;
    }
    if (C == '"' || C == '\'') {
      for (++I; I != E && Src[I] != C; ++I) {
        if (Src[I] == '\\' && I + 1 != E)
          ++I;
        Token.push_back(Src[I]);
      }
      if (I == E)
        break;
      continue;
    }
    if (IsSpace(C)) {
      if (!Token.empty())
        Tokens.push_back(std::move(Token));
      Token.clear();
      continue;
    }
    Token.push_back(C);
  }
  if (!Token.empty())
    Tokens.push_back(std::move(Token));
  return Tokens;
}

static void expandInto(const std::vector<std::string> &Args,
                       const std::string &BaseDir, int Depth,
                       std::vector<std::string> &Out) {
  for (const std::string &Arg : Args) {
    if (Arg.size() < 2 || Arg[0] != '@' || Depth > 20) {
      Out.push_back(Arg);
      continue;
    }
    std::string Path = Arg.substr(1);
    if (Path[0] != '/' && !BaseDir.empty())
      Path = BaseDir + "/" + Path;
    std::ifstream In(Path, std::ios::binary);
    std::stringstream Text;
    if (!In || !(Text << In.rdbuf())) {
      Out.push_back(Arg);
      continue;
    }
    std::string Dir;
    if (size_t Slash = Path.rfind('/'); Slash != std::string::npos)
      Dir = Path.substr(0, Slash);
    expandInto(tokenizeResponseFile(Text.str()), Dir, Depth + 1, Out);
  }
}

std::vector<std::string>
expandResponseFiles(const std::vector<std::string> &Args) {
  std::vector<std::string> Out;
  expandInto(Args, "", 0, Out);
  return Out;
}

namespace {

enum class Kind {
  Group,
  Input,
  Unknown,
  Flag,
  Joined,
  Values,
  Separate,
  RemainingArgs,
  RemainingArgsJoined,
  CommaJoined,
  MultiArg,
  JoinedOrSeparate,
  JoinedAndSeparate
};

struct OptionSpelling {
  std::string Spelling; // with its prefix, e.g. "-o", "--output"
  std::string_view Id;  // the option (or the option it aliases)
  Kind OptKind;
  unsigned NumValues; // MultiArg only
};

#define PREFIX(NAME, VALUE)                                                    \
  static constexpr llvm::StringLiteral NAME##_init[] = VALUE;                  \
  static constexpr llvm::ArrayRef<llvm::StringLiteral> NAME(                   \
      NAME##_init, std::size(NAME##_init) - 1);
#include "clang/Driver/Options.inc"
#undef PREFIX

// Plain pointers and constexpr: GCC compiles thousands of dynamically
// initialised entries very slowly.
struct OptionInfo {
  llvm::ArrayRef<llvm::StringLiteral> Prefixes;
  const char *PrefixedName;
  const char *Id;
  const char *AliasId;
  Kind OptKind;
  unsigned Visibility;
  unsigned Param;
};

using namespace clang::driver::options;
using llvm::opt::DefaultVis;

constexpr OptionInfo AllOptions[] = {
#define OPTION(PREFIX, NAME, ID, KIND, GROUP, ALIAS, ALIASARGS, FLAGS,         \
               VISIBILITY, PARAM, ...)                                         \
  {PREFIX, NAME, #ID, #ALIAS, Kind::KIND, VISIBILITY, PARAM},
#include "clang/Driver/Options.inc"
#undef OPTION
};

/// Every spelling the clang driver accepts, longest first.
const std::vector<OptionSpelling> &clangSpellings() {
  static const std::vector<OptionSpelling> Spellings = [] {
    std::vector<OptionSpelling> List;
    for (const OptionInfo &O : AllOptions) {
      if (O.OptKind == Kind::Group || O.OptKind == Kind::Input ||
          O.OptKind == Kind::Unknown || !(O.Visibility & DefaultVis) ||
          O.Prefixes.empty())
        continue;
      std::string_view Id =
          std::string_view(O.AliasId) == "INVALID" ? O.Id : O.AliasId;
      std::string_view Name =
          std::string_view(O.PrefixedName).substr(O.Prefixes[0].size());
      for (const llvm::StringLiteral &Prefix : O.Prefixes)
        List.push_back(
            {std::string(Prefix.data(), Prefix.size()) + std::string(Name), Id,
             O.OptKind, O.Param});
    }
    std::stable_sort(List.begin(), List.end(),
                     [](const OptionSpelling &A, const OptionSpelling &B) {
                       return A.Spelling.size() > B.Spelling.size();
                     });
    return List;
  }();
  return Spellings;
}

/// How many arguments, starting at Args[I], option O takes if it accepts
/// Args[I]; 0 if it does not.
size_t acceptedArgs(const OptionSpelling &O,
                    const std::vector<std::string> &Args, size_t I) {
  const std::string &Arg = Args[I];
  bool Exact = Arg.size() == O.Spelling.size();
  switch (O.OptKind) {
  case Kind::Flag:
    return Exact ? 1 : 0;
  case Kind::Joined:
  case Kind::CommaJoined:
  case Kind::Values:
    return 1;
  case Kind::Separate:
    return Exact ? 2 : 0;
  case Kind::JoinedOrSeparate:
    return Exact ? 2 : 1;
  case Kind::JoinedAndSeparate:
    return 2;
  case Kind::MultiArg:
    return Exact ? 1 + O.NumValues : 0;
  case Kind::RemainingArgs:
    return Exact ? Args.size() - I : 0;
  case Kind::RemainingArgsJoined:
    return Args.size() - I;
  default:
    return 0;
  }
}

/// Suffixes clang compiles, preprocesses or assembles (clang/Driver/Types.def);
/// anything else goes to the linker.
bool isSourceSuffix(std::string_view Path) {
  size_t Dot = Path.rfind('.');
  if (Dot == std::string_view::npos || Path.find('/', Dot) != Path.npos)
    return false;
  static const char *const Suffixes[] = {
      "c",   "i",    "m",   "mi",  "M",    "mm",  "mii", "cc", "cp",    "cxx",
      "cpp", "CPP",  "c++", "C",   "CC",   "ii",  "h",   "hh", "hpp",   "hxx",
      "H",   "inc",  "s",   "S",   "sx",   "ll",  "bc",  "cl", "clcpp", "cu",
      "hip", "cppm", "ixx", "cui", "hipi", "pcm", "ast", "ifs"};
  std::string_view Suffix = Path.substr(Dot + 1);
  return std::any_of(std::begin(Suffixes), std::end(Suffixes),
                     [&](const char *S) { return Suffix == S; });
}

bool stopsBeforeLink(std::string_view Id) {
  static const char *const Actions[] = {"c",
                                        "S",
                                        "E",
                                        "fsyntax_only",
                                        "emit_llvm",
                                        "M",
                                        "MM",
                                        "emit_ast",
                                        "_precompile",
                                        "_analyze",
                                        "emit_interface_stubs",
                                        "extract_api",
                                        "module_file_info",
                                        "rewrite_objc",
                                        "rewrite_legacy_objc",
                                        "fdriver_only"};
  return std::any_of(std::begin(Actions), std::end(Actions),
                     [&](const char *A) { return Id == A; });
}

} // namespace

CommandLineFacts analyzeClangCommandLine(const std::vector<std::string> &Args) {
  CommandLineFacts Facts;
  std::string Language; // the last -x, "" or "none" for "by suffix"
  auto CountInput = [&](const std::string &Path) {
    ++Facts.NumInputs;
    if ((!Language.empty() && Language != "none") || isSourceSuffix(Path))
      ++Facts.NumSourceInputs;
  };
  const auto &Spellings = clangSpellings();
  for (size_t I = 0; I < Args.size();) {
    const std::string &Arg = Args[I];
    if (Arg.empty() || Arg[0] != '-' || Arg == "-") {
      CountInput(Arg);
      ++I;
      continue;
    }
    size_t Taken = 0;
    for (const OptionSpelling &O : Spellings) {
      if (Arg.compare(0, O.Spelling.size(), O.Spelling) != 0)
        continue;
      Taken = acceptedArgs(O, Args, I);
      if (Taken == 0)
        continue;
      if (O.Id == "_DASH_DASH") {
        Facts.DashDashIndex = static_cast<int>(I);
        for (size_t J = I + 1; J < Args.size(); ++J)
          CountInput(Args[J]);
      } else if (O.Id == "x") {
        Language = Arg.size() > O.Spelling.size()
                       ? Arg.substr(O.Spelling.size())
                       : (I + 1 < Args.size() ? Args[I + 1] : "");
      } else if (stopsBeforeLink(O.Id)) {
        Facts.StopsBeforeLink = true;
      } else if ((O.Id == "static" || O.Id == "static_pie") &&
                 Facts.StaticFlag.empty()) {
        Facts.StaticFlag = Arg;
      }
      break;
    }
    // An unknown option is one argument; clang itself will report it.
    I += Taken ? Taken : 1;
  }
  return Facts;
}

} // namespace grid::driver
