//===- ClusterGuard.cpp - The native path behind __grid_sync_cluster -----===//
//
// ClusterGuard.h says what this is for.
//===----------------------------------------------------------------------===//
#include "ClusterGuard.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"

using namespace llvm;

namespace grid {

namespace {
constexpr const char *FlagName = "__grid_sync_cluster";
constexpr const char *NativeKind = "grid.native";

// The two sides of a guard, each ending in a branch to the join block,
// which holds what followed the split point.
struct GuardSides {
  Instruction *ColdEnd;
  Instruction *NativeEnd;
  BasicBlock *Join;
};

GuardSides splitOnCluster(Instruction &Before) {
  Module &M = *Before.getModule();
  IRBuilder<> B(&Before);
  auto *Flag =
      dyn_cast<GlobalVariable>(M.getOrInsertGlobal(FlagName, B.getInt8Ty()));
  if (!Flag || Flag->getName() != FlagName)
    report_fatal_error("grid: the module defines __grid_sync_cluster as "
                       "something else than the runtime's byte");
  LoadInst *Load =
      B.CreateAlignedLoad(B.getInt8Ty(), Flag, Align(1), "grid.cluster");
  Load->setAtomic(AtomicOrdering::Monotonic);
  Value *Set = B.CreateICmpNE(Load, B.getInt8(0), "grid.cluster.set");
  GuardSides Sides{};
  SplitBlockAndInsertIfThenElse(
      Set, &Before, &Sides.ColdEnd, &Sides.NativeEnd,
      MDBuilder(M.getContext()).createBranchWeights(1, 1 << 20));
  Sides.Join = Before.getParent();
  Sides.Join->setName("grid.join");
  Sides.ColdEnd->getParent()->setName("grid.cold");
  Sides.NativeEnd->getParent()->setName("grid.native");
  return Sides;
}

PHINode *mergeSides(const GuardSides &Sides, Instruction &Cold,
                    Instruction &Native, StringRef Name) {
  IRBuilder<> B(Sides.Join, Sides.Join->begin());
  PHINode *Merged = B.CreatePHI(Cold.getType(), 2, Name);
  // Debug records too (replaceUsesWithIf leaves them): a #dbg_value of the
  // value names the phi, not one side that the other path never defines.
  // Before the phi takes the two as incoming values, uses outside the sides.
  Cold.replaceUsesOutsideBlock(Merged, Cold.getParent());
  Native.replaceUsesOutsideBlock(Merged, Native.getParent());
  Merged->addIncoming(&Cold, Cold.getParent());
  Merged->addIncoming(&Native, Native.getParent());
  return Merged;
}
} // namespace

void guardSides(Instruction &Cold, Instruction &Native) {
  GuardSides Sides = splitOnCluster(Cold);
  Cold.moveBefore(Sides.ColdEnd);
  if (Native.getParent())
    Native.moveBefore(Sides.NativeEnd);
  else
    Native.insertBefore(Sides.NativeEnd);
  Native.setMetadata(NativeKind, MDNode::get(Native.getContext(), {}));
  if (Cold.getType()->isVoidTy())
    return;
  std::string Name = Cold.getName().str();
  Cold.setName(Name + ".cluster");
  Native.setName(Name + ".native");
  mergeSides(Sides, Cold, Native, Name);
}

bool isNative(const Instruction &I) { return I.getMetadata(NativeKind); }

bool isGuardLoad(const Instruction &I) {
  auto *L = dyn_cast<LoadInst>(&I);
  return L && L->getPointerOperand()->getName() == FlagName;
}

} // namespace grid
