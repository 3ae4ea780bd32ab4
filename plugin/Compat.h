//===- Compat.h - LLVM version differences, in one place ------------------===//
//
// Everything in the plugin that depends on the LLVM major version goes
// through these helpers, so porting to LLVM 20+ touches only this file.
// LLVM 20 passes the LTO phase to optimizer-last callbacks and renames
// Intrinsic::getDeclaration to getOrInsertDeclaration.
//===----------------------------------------------------------------------===//
#ifndef GRID_PLUGIN_COMPAT_H
#define GRID_PLUGIN_COMPAT_H

#include "llvm/Config/llvm-config.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"

#include <functional>

namespace grid::compat {

using ModuleCallback =
    std::function<void(llvm::ModulePassManager &, llvm::OptimizationLevel)>;

inline void registerOptimizerLastEPCallback(llvm::PassBuilder &PB,
                                            ModuleCallback CB) {
#if LLVM_VERSION_MAJOR >= 20
  PB.registerOptimizerLastEPCallback(
      [CB](llvm::ModulePassManager &MPM, llvm::OptimizationLevel Level,
           llvm::ThinOrFullLTOPhase) { CB(MPM, Level); });
#else
  PB.registerOptimizerLastEPCallback(CB);
#endif
}

inline llvm::Function *getIntrinsic(llvm::Module &M, llvm::Intrinsic::ID ID,
                                    llvm::ArrayRef<llvm::Type *> Types) {
#if LLVM_VERSION_MAJOR >= 20
  return llvm::Intrinsic::getOrInsertDeclaration(&M, ID, Types);
#else
  return llvm::Intrinsic::getDeclaration(&M, ID, Types);
#endif
}

} // namespace grid::compat

#endif // GRID_PLUGIN_COMPAT_H
