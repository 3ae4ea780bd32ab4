//===- ClusterGuard.h - The native path behind __grid_sync_cluster -*- C++ -*-//
//
// While the runtime's __grid_sync_cluster (abi.h) is zero, no thread of the
// process runs on another node and every atomic may take its native path.
// grid-atomics keeps that path inline: before an instruction it splits the
// block on a relaxed load of the byte, puts the runtime's call on the cold
// side (grid.cold) and the native instruction on the other (grid.native,
// marked !grid.native so that a second run leaves it alone), and merges
// the value in grid.join. grid-rewrite puts the same guard around the calls
// of the short locks (abi.def's GRID_NATIVE_INLINE): their native side is
// the libc call itself, the cold side the runtime's entry point.
//===----------------------------------------------------------------------===//
#ifndef GRID_PLUGIN_CLUSTERGUARD_H
#define GRID_PLUGIN_CLUSTERGUARD_H

#include "llvm/IR/Instruction.h"
#include "llvm/IR/Instructions.h"

namespace grid {

/// Puts Cold, which stands in a block, behind a relaxed load of
/// __grid_sync_cluster: the block splits before it, Cold goes to the cold
/// side (the byte set, marked unlikely) and Native, in no block or just
/// after Cold, to the other, marked native. A value of theirs becomes a phi
/// in the join block, named as Cold was (Cold and Native get ".cluster"
/// and ".native"), which takes every use of either outside the two sides,
/// debug records included.
void guardSides(llvm::Instruction &Cold, llvm::Instruction &Native);

/// Whether an instruction is the native side of a guard (a pass skips
/// those).
bool isNative(const llvm::Instruction &I);

/// Whether I loads __grid_sync_cluster (the guard's own atomic).
bool isGuardLoad(const llvm::Instruction &I);

} // namespace grid

#endif // GRID_PLUGIN_CLUSTERGUARD_H
