//===- ClusterGuard.h - The native path behind __grid_sync_cluster -*- C++ -*-//
//
// While the runtime's __grid_sync_cluster (abi.h) is zero, no thread of the
// process runs on another node and every atomic may take its native path.
// grid-atomics keeps that path inline: before an instruction it splits the
// block on a relaxed load of the byte, puts the runtime's call on the cold
// side (grid.cold) and the native instruction on the other (grid.native,
// marked !grid.native so that a second run leaves it alone), and merges
// the value in grid.join. (The same for the short pthread calls, lock and
// unlock, showed no difference measurable on this machine against their
// entry points' own test and tail jump, so they stay calls of the entries.)
//===----------------------------------------------------------------------===//
#ifndef GRID_PLUGIN_CLUSTERGUARD_H
#define GRID_PLUGIN_CLUSTERGUARD_H

#include "llvm/IR/Instruction.h"
#include "llvm/IR/Instructions.h"

namespace grid {

/// The two sides of a guard, each ending in a branch to the join block,
/// which holds what followed the split point.
struct GuardSides {
  llvm::Instruction *ColdEnd;
  llvm::Instruction *NativeEnd;
  llvm::BasicBlock *Join;
};

/// Splits the block before Before on a relaxed load of __grid_sync_cluster,
/// the cold side (the byte set) marked unlikely.
GuardSides splitOnCluster(llvm::Instruction &Before);

/// Marks Native as the native side of a guard, and tells whether an
/// instruction is one (a pass skips those).
void markNative(llvm::Instruction &Native);
bool isNative(const llvm::Instruction &I);

/// Whether I loads __grid_sync_cluster (the guard's own atomic).
bool isGuardLoad(const llvm::Instruction &I);

/// After Sides: a phi in the join block of Cold (from the cold side) and
/// Native (from the native side), which takes Name and every use of Cold
/// and Native outside the two sides.
llvm::PHINode *mergeSides(const GuardSides &Sides, llvm::Instruction &Cold,
                          llvm::Instruction &Native, llvm::StringRef Name);

} // namespace grid

#endif // GRID_PLUGIN_CLUSTERGUARD_H
