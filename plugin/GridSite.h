//===- GridSite.h - Call-site attribution and __grid_site records ---------===//
//
// A call-site record names the user's code: the file, line and function where
// the user wrote the thread or process creation. Calls that reach the
// original through inlined C++ standard-library code (std::thread,
// std::jthread, std::async) are attributed to the first inlined frame that is
// not library code, so the record names the user's line, not a header's.
//===----------------------------------------------------------------------===//
#ifndef GRID_PLUGIN_GRIDSITE_H
#define GRID_PLUGIN_GRIDSITE_H

#include "GridABI.h"

#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Instruction.h"

#include <string>

namespace grid {

struct SiteInfo {
  std::string File;     // "" without debug info
  std::string Function; // the user's source name of the enclosing function
  unsigned Line = 0;
  unsigned Column = 0;
  SiteKind Kind = SiteKind::PthreadCreate;
  /// The user's frame, for remarks; null without debug info.
  const llvm::DILocation *UserLoc = nullptr;
};

/// True for functions of the C++ standard library (namespace std or
/// __gnu_cxx, by linkage name).
bool isLibraryFunctionName(llvm::StringRef LinkageName);

/// True for a subprogram of the C++ standard library or a system header.
bool isLibrarySubprogram(const llvm::DISubprogram *SP);

/// True if I was written in (or inlined from) standard-library code.
bool isLibraryCode(const llvm::Instruction &I);

/// Where the user wrote the call or address use I.
SiteInfo siteForInstruction(const llvm::Instruction &I, SiteKind Kind);

/// The one site of a module's thunk for Original: every use of Original's
/// address in the module calls through it, so the record names the module
/// (its source file, line 0) and "address of <Original>", not one use.
SiteInfo siteForAddress(const llvm::Module &M, llvm::StringRef Original,
                        SiteKind Kind);

/// Emits a private constant __grid_site for S, tagged !grid.site so that
/// the metadata pass gathers it into the module's site table.
llvm::GlobalVariable *emitSiteRecord(llvm::Module &M, const RuntimeABI &ABI,
                                     const SiteInfo &S);

/// The metadata kind that tags site records.
inline constexpr const char *SiteRecordTag = "grid.site";

/// Instructions of library code that only reference an original to force it
/// to be linked (libstdc++'s std::thread passes &pthread_create along) carry
/// this tag, so the rewrite leaves those references alone.
inline constexpr const char *LibraryReferenceTag = "grid.libref";

} // namespace grid

#endif // GRID_PLUGIN_GRIDSITE_H
