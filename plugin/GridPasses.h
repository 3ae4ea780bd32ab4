//===- GridPasses.h - The passes of the Grid plugin -----------------------===//
//
// Five module passes, one per file, run in this order (GridPlugin.cpp):
//   grid-keep-stdio-calls   (pipeline start) turns glibc's inline stdio
//                           functions (getc_unlocked, putc_unlocked, ...)
//                           into declarations, so their calls stay calls
//                           of the symbols libgridrt.so interposes;
//   grid-inline-std-thread  (pipeline start) marks the C++ library functions
//                           that lead to std::thread::_M_start_thread as
//                           always-inline, so even at -O0 the call lands in
//                           the user's function with the user's line
//                           recorded in its inlinedAt chain;
//   grid-rewrite            (optimizer last) rewrites calls and address uses
//                           of the originals of abi.def into __grid_* calls;
//   grid-atomics            (optimizer last) rewrites atomic instructions
//                           into __grid_atomic_* calls;
//   grid-metadata           (optimizer last) builds the module record, its
//                           constructor and the grid_meta section.
// All are required: they run at every optimisation level, -O0 included.
//===----------------------------------------------------------------------===//
#ifndef GRID_PLUGIN_GRIDPASSES_H
#define GRID_PLUGIN_GRIDPASSES_H

#include "llvm/IR/PassManager.h"

namespace grid {

struct KeepStdioCallsPass : llvm::PassInfoMixin<KeepStdioCallsPass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

struct InlineStdThreadPass : llvm::PassInfoMixin<InlineStdThreadPass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

struct RewritePass : llvm::PassInfoMixin<RewritePass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

struct AtomicsPass : llvm::PassInfoMixin<AtomicsPass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

struct MetadataPass : llvm::PassInfoMixin<MetadataPass> {
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

} // namespace grid

#endif // GRID_PLUGIN_GRIDPASSES_H
