//===- GridABI.h - The runtime ABI as the plugin sees it ------------------===//
//
// Expands runtime/include/grid/abi.def into what the passes need: the rewrite
// rules (which libc/libstdc++ function becomes which __grid_* entry), the
// call-site kinds, the FunctionCallees of the entry points, and the LLVM
// struct types of the two records (__grid_site, __grid_module) of abi.h.
//===----------------------------------------------------------------------===//
#ifndef GRID_PLUGIN_GRIDABI_H
#define GRID_PLUGIN_GRIDABI_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Module.h"

#include <cstdint>

namespace grid {

enum class SiteKind : uint32_t {
#define GRID_SITE_KIND(Kind, Text, Category) Kind,
#include "grid/abi.def"
};

/// The user-visible name of a kind ("pthread_create", "std::thread").
llvm::StringRef siteKindName(SiteKind Kind);

struct RewriteRule {
  llvm::StringRef Original; // linkage name of the libc/libstdc++ function
  llvm::StringRef Name;     // entry point without the __grid_ prefix
  SiteKind Kind;
  bool NativeInline; // abi.def's GRID_NATIVE_INLINE: Original stays inline,
                     // behind __grid_sync_cluster (ClusterGuard.h)
};

llvm::ArrayRef<RewriteRule> rewriteRules();

/// The linkage name of libstdc++'s std::thread::_M_start_thread.
llvm::StringRef stdThreadStartName();

/// The runtime's entry points and record types, for one module.
class RuntimeABI {
public:
  explicit RuntimeABI(llvm::Module &M);

  /// The callee __grid_<Name>; declares it on first use. Returns a null
  /// callee if abi.def has no such entry.
  llvm::FunctionCallee entry(llvm::StringRef Name);

  /// struct __grid_site { ptr file, function; i32 line, column, kind, index }
  llvm::StructType *siteType() const { return SiteTy; }
  /// struct __grid_module { i32 abi, tt, pt, n; ptr sites, name }
  llvm::StructType *moduleType() const { return ModuleTy; }

private:
  llvm::Module &M;
  llvm::StructType *SiteTy;
  llvm::StructType *ModuleTy;
};

} // namespace grid

#endif // GRID_PLUGIN_GRIDABI_H
