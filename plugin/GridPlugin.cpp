//===- GridPlugin.cpp - Entry point of GridPlugin-19.so -------------------===//
//
// Registers the Grid passes with the new pass manager:
//   clang: -fpass-plugin=GridPlugin-19.so (plus -Xclang -load -Xclang
//          GridPlugin-19.so so that -mllvm -grid-*-tolerance= parse)
//   opt:   -load-pass-plugin=GridPlugin-19.so -passes=grid (or the single
//          passes grid-keep-stdio-calls, grid-inline-std-thread,
//          grid-rewrite, grid-atomics, grid-metadata), or any default<On>
//          pipeline, which picks up the callbacks below.
//===----------------------------------------------------------------------===//
#include "Compat.h"
#include "GridPasses.h"

#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"
#include "llvm/Transforms/IPO/AlwaysInliner.h"

using namespace llvm;

static void registerGridPasses(PassBuilder &PB) {
  PB.registerPipelineParsingCallback(
      [](StringRef Name, ModulePassManager &MPM,
         ArrayRef<PassBuilder::PipelineElement>) {
        if (Name == "grid-keep-stdio-calls") {
          MPM.addPass(grid::KeepStdioCallsPass());
          return true;
        }
        if (Name == "grid-inline-std-thread") {
          MPM.addPass(grid::InlineStdThreadPass());
          return true;
        }
        if (Name == "grid-rewrite") {
          MPM.addPass(grid::RewritePass());
          return true;
        }
        if (Name == "grid-atomics") {
          MPM.addPass(grid::AtomicsPass());
          return true;
        }
        if (Name == "grid-metadata") {
          MPM.addPass(grid::MetadataPass());
          return true;
        }
        if (Name == "grid") {
          // What -O0 does: keep stdio calls, mark, always-inline, rewrite,
          // describe.
          MPM.addPass(grid::KeepStdioCallsPass());
          MPM.addPass(grid::InlineStdThreadPass());
          MPM.addPass(AlwaysInlinerPass(/*InsertLifetimeIntrinsics=*/false));
          MPM.addPass(grid::RewritePass());
          MPM.addPass(grid::AtomicsPass());
          MPM.addPass(grid::MetadataPass());
          return true;
        }
        return false;
      });

  PB.registerPipelineStartEPCallback(
      [](ModulePassManager &MPM, OptimizationLevel) {
        MPM.addPass(grid::KeepStdioCallsPass());
        MPM.addPass(grid::InlineStdThreadPass());
      });
  // Late, after inlining, so calls from inlined library code sit in the
  // user's functions.
  grid::compat::registerOptimizerLastEPCallback(
      PB, [](ModulePassManager &MPM, OptimizationLevel) {
        MPM.addPass(grid::RewritePass());
        MPM.addPass(grid::AtomicsPass());
        MPM.addPass(grid::MetadataPass());
      });
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "GridPlugin", LLVM_VERSION_STRING,
          registerGridPasses};
}
