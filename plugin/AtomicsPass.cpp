//===- AtomicsPass.cpp - Route atomic instructions to Grid ----------------===//
//
// Puts every atomic instruction of the module behind a test of the runtime's
// __grid_sync_cluster (abi.h, a relaxed load): while it is zero (no thread
// of the program is remote) the instruction runs as it was; once it is set,
// a call of the runtime's __grid_atomic_* entry points (abi.def) runs
// instead, which goes to the home of the memory (docs/design/dsm.md). The
// native side costs a load and a well-predicted branch, where a call and
// the runtime's own test and dispatch cost several nanoseconds an atomic.
// The calls (a cmpxchg's pair rebuilt; see below):
//   load atomic T, ptr P ord        -> __grid_atomic_load_N(P, ord)
//   store atomic T V, ptr P ord     -> __grid_atomic_store_N(P, V, ord)
//   atomicrmw OP ptr P, T V ord     -> __grid_atomic_rmw_N(P, OP, V, ord)
//   cmpxchg [weak] ptr P, T E, T D s f
//                                   -> Old = __grid_atomic_cmpxchg_N(P, E, D,
//                                      s, f); { Old, Old == E } (strong, so
//                                      a weak one never fails spuriously)
//   fence ord                       -> __grid_atomic_fence(ord)
// N is the size in bytes (1, 2, 4 or 8). Pointers and floating-point values
// travel as the integer of their size; orders are the C ABI's (__ATOMIC_*).
// The calls take no call-site record: atomics are the hot path. The shape:
//   %grid.cluster = load atomic i8, ptr @__grid_sync_cluster monotonic
//   br (icmp ne %grid.cluster, 0), label %cold, label %native  (cold unlikely)
//   grid.cold:   %x.cluster = call @__grid_atomic_...
//   grid.native: %x.native = <I>
//   grid.join:   %x = phi [%x.cluster, %grid.cold], [%x.native, %grid.native]
// The load is atomic, so no pass hoists it out of a loop: a thread that
// spins on an atomic sees the flag change.
//
// Left native, each with a missed remark (-Rpass-missed=grid): atomicrmw on
// floating point (fadd, fsub, fmax, fmin) and uinc_wrap/udec_wrap, atomics of
// 16 bytes, under-aligned atomics and atomics outside address space 0. Fences
// of syncscope("singlethread") (atomic_signal_fence) stay silently: they
// order a thread against its own signal handlers, never against another
// thread.
//
//   opt -load-pass-plugin=GridPlugin-19.so -passes=grid-atomics
//===----------------------------------------------------------------------===//
#include "ClusterGuard.h"
#include "GridABI.h"
#include "GridPasses.h"

#include "grid/abi.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/AtomicOrdering.h"

#include <memory>
#include <optional>
#include <string>

using namespace llvm;

namespace grid {
namespace {

std::optional<int> abiOperation(AtomicRMWInst::BinOp Op) {
  switch (Op) {
  case AtomicRMWInst::Xchg:
    return __grid_atomic_op_Xchg;
  case AtomicRMWInst::Add:
    return __grid_atomic_op_Add;
  case AtomicRMWInst::Sub:
    return __grid_atomic_op_Sub;
  case AtomicRMWInst::And:
    return __grid_atomic_op_And;
  case AtomicRMWInst::Nand:
    return __grid_atomic_op_Nand;
  case AtomicRMWInst::Or:
    return __grid_atomic_op_Or;
  case AtomicRMWInst::Xor:
    return __grid_atomic_op_Xor;
  case AtomicRMWInst::Max:
    return __grid_atomic_op_Max;
  case AtomicRMWInst::Min:
    return __grid_atomic_op_Min;
  case AtomicRMWInst::UMax:
    return __grid_atomic_op_UMax;
  case AtomicRMWInst::UMin:
    return __grid_atomic_op_UMin;
  default:
    return std::nullopt; // floating point, uinc_wrap, udec_wrap...
  }
}

class AtomicsRewriter {
public:
  explicit AtomicsRewriter(Module &M)
      : M(M), Ctx(M.getContext()), DL(M.getDataLayout()), ABI(M) {}

  bool run();

private:
  bool rewrite(Instruction &I);
  bool rewriteLoad(LoadInst &LI);
  bool rewriteStore(StoreInst &SI);
  bool rewriteRMW(AtomicRMWInst &RMW);
  bool rewriteCmpXchg(AtomicCmpXchgInst &CX);
  bool rewriteFence(FenceInst &FI);
  /// Puts I on the cold side of the test of __grid_sync_cluster, where the
  /// caller then rewrites it into the call, with a copy of I on the native
  /// side and the two results merged after.
  void guard(Instruction &I);

  /// The size in bytes that names the entry for an access of type Ty at
  /// Ptr with alignment A, or nothing (and a missed remark) if it stays
  /// native.
  std::optional<unsigned> entrySize(Instruction &I, Type *Ty, Value *Ptr,
                                    Align A);
  FunctionCallee entry(const Twine &Name);
  Value *toInteger(IRBuilder<> &B, Value *V, Type *IntTy);
  Value *fromInteger(IRBuilder<> &B, Value *V, Type *Ty);
  ConstantInt *order(AtomicOrdering O);
  CallInst *call(IRBuilder<> &B, Instruction &I, FunctionCallee Callee,
                 ArrayRef<Value *> Args);

  OptimizationRemarkEmitter &remarks(Function &F);
  void remarkDone(Instruction &I, StringRef What, const Twine &Entry);
  void remarkMissed(Instruction &I, const Twine &Why);

  Module &M;
  LLVMContext &Ctx;
  const DataLayout &DL;
  RuntimeABI ABI;
  DenseMap<Function *, std::unique_ptr<OptimizationRemarkEmitter>> ORE;
};

OptimizationRemarkEmitter &AtomicsRewriter::remarks(Function &F) {
  auto &Slot = ORE[&F];
  if (!Slot)
    Slot = std::make_unique<OptimizationRemarkEmitter>(&F);
  return *Slot;
}

void AtomicsRewriter::remarkDone(Instruction &I, StringRef What,
                                 const Twine &Entry) {
  std::string Name = Entry.str();
  remarks(*I.getFunction()).emit([&] {
    return OptimizationRemark("grid", "Atomic", &I)
           << "rewrote " << What << " into " << Name;
  });
}

void AtomicsRewriter::remarkMissed(Instruction &I, const Twine &Why) {
  std::string Text = Why.str();
  remarks(*I.getFunction()).emit([&] {
    return OptimizationRemarkMissed("grid", "AtomicNotRewritten", &I)
           << "left " << I.getOpcodeName() << " native: " << Text;
  });
}

FunctionCallee AtomicsRewriter::entry(const Twine &Name) {
  FunctionCallee Callee = ABI.entry(Name.str());
  if (auto *F = dyn_cast_or_null<Function>(Callee.getCallee()))
    F->setDoesNotThrow();
  return Callee;
}

std::optional<unsigned> AtomicsRewriter::entrySize(Instruction &I, Type *Ty,
                                                   Value *Ptr, Align A) {
  if (Ptr->getType()->getPointerAddressSpace() != 0) {
    remarkMissed(I, "its pointer is in address space " +
                        Twine(Ptr->getType()->getPointerAddressSpace()));
    return std::nullopt;
  }
  if (!Ty->isIntegerTy() && !Ty->isPointerTy() && !Ty->isFloatingPointTy()) {
    remarkMissed(I, "its type is not an integer, pointer or floating point");
    return std::nullopt;
  }
  uint64_t Size = DL.getTypeStoreSize(Ty);
  if (Size != 1 && Size != 2 && Size != 4 && Size != 8) {
    remarkMissed(I, "the runtime has no atomics of " + Twine(Size) + " bytes");
    return std::nullopt;
  }
  if (A.value() < Size) {
    remarkMissed(I, "it is under-aligned (" + Twine(A.value()) +
                        " bytes for a " + Twine(Size) + "-byte access)");
    return std::nullopt;
  }
  return static_cast<unsigned>(Size);
}

Value *AtomicsRewriter::toInteger(IRBuilder<> &B, Value *V, Type *IntTy) {
  if (V->getType()->isPointerTy())
    return B.CreatePtrToInt(V, IntTy);
  if (V->getType()->isFloatingPointTy())
    return B.CreateBitCast(V, IntTy);
  return V;
}

Value *AtomicsRewriter::fromInteger(IRBuilder<> &B, Value *V, Type *Ty) {
  if (Ty->isPointerTy())
    return B.CreateIntToPtr(V, Ty);
  if (Ty->isFloatingPointTy())
    return B.CreateBitCast(V, Ty);
  return V;
}

void AtomicsRewriter::guard(Instruction &I) { guardSides(I, *I.clone()); }

ConstantInt *AtomicsRewriter::order(AtomicOrdering O) {
  return ConstantInt::get(Type::getInt32Ty(Ctx), static_cast<int>(toCABI(O)));
}

CallInst *AtomicsRewriter::call(IRBuilder<> &B, Instruction &I,
                                FunctionCallee Callee, ArrayRef<Value *> Args) {
  CallInst *Call = B.CreateCall(Callee, Args);
  Call->setDoesNotThrow();
  Call->setDebugLoc(I.getDebugLoc());
  return Call;
}

bool AtomicsRewriter::rewriteLoad(LoadInst &LI) {
  Type *Ty = LI.getType();
  std::optional<unsigned> Size =
      entrySize(LI, Ty, LI.getPointerOperand(), LI.getAlign());
  if (!Size)
    return false;
  std::string Name = ("atomic_load_" + Twine(*Size)).str();
  FunctionCallee Callee = entry(Name);
  guard(LI);
  IRBuilder<> B(&LI);
  CallInst *Call =
      call(B, LI, Callee, {LI.getPointerOperand(), order(LI.getOrdering())});
  Value *Result = fromInteger(B, Call, Ty);
  remarkDone(LI, "load atomic", "__grid_" + Name);
  Result->takeName(&LI);
  LI.replaceAllUsesWith(Result);
  LI.eraseFromParent();
  return true;
}

bool AtomicsRewriter::rewriteStore(StoreInst &SI) {
  Value *V = SI.getValueOperand();
  std::optional<unsigned> Size =
      entrySize(SI, V->getType(), SI.getPointerOperand(), SI.getAlign());
  if (!Size)
    return false;
  std::string Name = ("atomic_store_" + Twine(*Size)).str();
  FunctionCallee Callee = entry(Name);
  guard(SI);
  IRBuilder<> B(&SI);
  Type *IntTy = B.getIntNTy(*Size * 8);
  call(B, SI, Callee,
       {SI.getPointerOperand(), toInteger(B, V, IntTy),
        order(SI.getOrdering())});
  remarkDone(SI, "store atomic", "__grid_" + Name);
  SI.eraseFromParent();
  return true;
}

bool AtomicsRewriter::rewriteRMW(AtomicRMWInst &RMW) {
  std::optional<int> Op = abiOperation(RMW.getOperation());
  Type *Ty = RMW.getType();
  // xchg moves bits, so it serves floating point too; arithmetic on
  // floating point has no entry.
  if (!Op || (Ty->isFloatingPointTy() && *Op != __grid_atomic_op_Xchg)) {
    remarkMissed(
        RMW, "the runtime has no atomicrmw " +
                 AtomicRMWInst::getOperationName(RMW.getOperation()) + " on " +
                 (Ty->isFloatingPointTy() ? "floating point" : "this type"));
    return false;
  }
  std::optional<unsigned> Size =
      entrySize(RMW, Ty, RMW.getPointerOperand(), RMW.getAlign());
  if (!Size)
    return false;
  std::string Name = ("atomic_rmw_" + Twine(*Size)).str();
  FunctionCallee Callee = entry(Name);
  guard(RMW);
  IRBuilder<> B(&RMW);
  Type *IntTy = B.getIntNTy(*Size * 8);
  CallInst *Call = call(B, RMW, Callee,
                        {RMW.getPointerOperand(), B.getInt32(*Op),
                         toInteger(B, RMW.getValOperand(), IntTy),
                         order(RMW.getOrdering())});
  Value *Result = fromInteger(B, Call, Ty);
  remarkDone(
      RMW,
      ("atomicrmw " + AtomicRMWInst::getOperationName(RMW.getOperation()))
          .str(),
      "__grid_" + Name);
  Result->takeName(&RMW);
  RMW.replaceAllUsesWith(Result);
  RMW.eraseFromParent();
  return true;
}

bool AtomicsRewriter::rewriteCmpXchg(AtomicCmpXchgInst &CX) {
  Type *Ty = CX.getCompareOperand()->getType();
  std::optional<unsigned> Size =
      entrySize(CX, Ty, CX.getPointerOperand(), CX.getAlign());
  if (!Size)
    return false;
  std::string Name = ("atomic_cmpxchg_" + Twine(*Size)).str();
  FunctionCallee Callee = entry(Name);
  guard(CX);
  IRBuilder<> B(&CX);
  Type *IntTy = B.getIntNTy(*Size * 8);
  Value *Expected = toInteger(B, CX.getCompareOperand(), IntTy);
  CallInst *Old =
      call(B, CX, Callee,
           {CX.getPointerOperand(), Expected,
            toInteger(B, CX.getNewValOperand(), IntTy),
            order(CX.getSuccessOrdering()), order(CX.getFailureOrdering())});
  Value *OldValue = fromInteger(B, Old, Ty);
  Value *Success = B.CreateICmpEQ(Old, Expected, "grid.cmpxchg.success");
  remarkDone(CX, CX.isWeak() ? "cmpxchg weak" : "cmpxchg", "__grid_" + Name);
  // The pair, for the merge after the native side's cmpxchg.
  Value *Pair = PoisonValue::get(CX.getType());
  Pair = B.CreateInsertValue(Pair, OldValue, 0);
  Pair = B.CreateInsertValue(Pair, Success, 1);
  Pair->takeName(&CX);
  CX.replaceAllUsesWith(Pair);
  CX.eraseFromParent();
  return true;
}

bool AtomicsRewriter::rewriteFence(FenceInst &FI) {
  if (FI.getSyncScopeID() == SyncScope::SingleThread)
    return false;
  FunctionCallee Callee = entry("atomic_fence");
  guard(FI);
  IRBuilder<> B(&FI);
  call(B, FI, Callee, {order(FI.getOrdering())});
  remarkDone(FI, "fence", "__grid_atomic_fence");
  FI.eraseFromParent();
  return true;
}

bool AtomicsRewriter::rewrite(Instruction &I) {
  if (auto *LI = dyn_cast<LoadInst>(&I))
    return rewriteLoad(*LI);
  if (auto *SI = dyn_cast<StoreInst>(&I))
    return rewriteStore(*SI);
  if (auto *RMW = dyn_cast<AtomicRMWInst>(&I))
    return rewriteRMW(*RMW);
  if (auto *CX = dyn_cast<AtomicCmpXchgInst>(&I))
    return rewriteCmpXchg(*CX);
  if (auto *FI = dyn_cast<FenceInst>(&I))
    return rewriteFence(*FI);
  return false;
}

bool AtomicsRewriter::run() {
  // The guard's own load and the native side (!grid.native) are left as
  // they are: a module the pass saw already (IR grid-clang -fgrid wrote,
  // optimised again, or at an LTO link) keeps its shape.
  SmallVector<Instruction *, 32> Atomics;
  for (Function &F : M)
    for (Instruction &I : instructions(F))
      if (I.isAtomic() && !isNative(I) && !isGuardLoad(I))
        Atomics.push_back(&I);
  bool Changed = false;
  for (Instruction *I : Atomics)
    Changed |= rewrite(*I);
  return Changed;
}

} // namespace

PreservedAnalyses AtomicsPass::run(Module &M, ModuleAnalysisManager &) {
  return AtomicsRewriter(M).run() ? PreservedAnalyses::none()
                                  : PreservedAnalyses::all();
}

} // namespace grid
