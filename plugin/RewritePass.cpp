//===- RewritePass.cpp - Route thread and process creation to Grid --------===//
//
// For every GRID_REWRITE(Original, Name, Kind) of abi.def:
//  - each call or invoke of Original becomes a call or invoke of
//    __grid_<Name> with a constant __grid_site record first; attributes,
//    calling convention, operand bundles, the unwind edge and the debug
//    location are kept;
//  - each other use of Original's address (stored, passed, in a global's
//    initializer) is replaced by the module's one thunk for Original, a
//    linkonce_odr function __grid_thunk.<Original> of Original's type that
//    calls __grid_<Name> with the site "address of <Original>"; one thunk
//    keeps &Original a single pointer, as without Grid. A variadic Original
//    (execl, execlp, execle) gets a variadic thunk that forwards its va_list
//    to __grid_v<Name>.
//  - a call (not an invoke) of a GRID_NATIVE_INLINE original stays where it
//    was on the native side of a guard on __grid_sync_cluster
//    (ClusterGuard.h), marked !grid.native so that a second run leaves it,
//    and the call of __grid_<Name> goes on the cold side, the two results
//    merged after:
//      %grid.cluster = load atomic i8, ptr @__grid_sync_cluster monotonic
//      br (icmp ne %grid.cluster, 0), label %grid.cold, label %grid.native
//      grid.cold:   %r.cluster = call @__grid_<Name>(site, args...)
//      grid.native: %r.native = call @<Original>(args...), !grid.native
//      grid.join:   %r = phi [%r.cluster, %grid.cold], [%r.native, ...]
// -Rpass=grid prints one remark per rewrite at the user's line (for a
// global's initializer, at the global's line when debug info has it).
//
//   opt -load-pass-plugin=GridPlugin-19.so -passes=grid-rewrite
//===----------------------------------------------------------------------===//
#include "ClusterGuard.h"
#include "Compat.h"
#include "Diagnostics.h"
#include "GridABI.h"
#include "GridPasses.h"
#include "GridSite.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Module.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>

using namespace llvm;

namespace grid {
namespace {

class Rewriter {
public:
  explicit Rewriter(Module &M) : M(M), Ctx(M.getContext()), ABI(M) {}

  bool run();

private:
  bool rewriteAddressUses(Function &Original, const RewriteRule &Rule);
  bool rewriteCall(CallBase &CB, const RewriteRule &Rule);
  Function *thunkFor(Function &Original, const RewriteRule &Rule);
  Function *makeThunk(Function &Original, const RewriteRule &Rule);
  void remarkThunk(User &Usr, Function &Thunk, Function &Original,
                   const RewriteRule &Rule);
  bool isLibraryLinkReference(const Use &U) const;
  OptimizationRemarkEmitter &remarks(Function &F);
  void remarkMissed(Instruction &I, const RewriteRule &Rule, const Twine &Why);

  Module &M;
  LLVMContext &Ctx;
  RuntimeABI ABI;
  DenseMap<Function *, std::unique_ptr<OptimizationRemarkEmitter>> ORE;
  DenseMap<Function *, Function *> Thunks; // original -> its thunk, or null
};

// Whether the call's arguments and result fit the entry point after its
// leading Site parameter.
bool fitsEntry(const CallBase &CB, FunctionType *Entry) {
  unsigned Fixed = Entry->getNumParams() - 1;
  if (CB.arg_size() < Fixed || (!Entry->isVarArg() && CB.arg_size() != Fixed))
    return false;
  for (unsigned I = 0; I != Fixed; ++I)
    if (CB.getArgOperand(I)->getType() != Entry->getParamType(I + 1))
      return false;
  return CB.getType() == Entry->getReturnType();
}

bool fitsEntry(const FunctionType *Original, FunctionType *Entry) {
  if (Original->getNumParams() + 1 != Entry->getNumParams() ||
      Original->getReturnType() != Entry->getReturnType())
    return false;
  for (unsigned I = 0; I != Original->getNumParams(); ++I)
    if (Original->getParamType(I) != Entry->getParamType(I + 1))
      return false;
  return true;
}

// Call attributes with an empty slot for the Site parameter in front.
AttributeList shiftedAttributes(LLVMContext &Ctx, const AttributeList &AL,
                                unsigned NumArgs) {
  SmallVector<AttributeSet, 8> Params{AttributeSet()};
  for (unsigned I = 0; I != NumArgs; ++I)
    Params.push_back(AL.getParamAttrs(I));
  return AttributeList::get(Ctx, AL.getFnAttrs(), AL.getRetAttrs(), Params);
}

// Attributes the entry's callers need whatever the original call carried.
void addSemanticAttributes(CallBase &Call, StringRef Name) {
  if (Name == "pthread_exit" || Name == "thrd_exit")
    Call.addFnAttr(Attribute::NoReturn);
  if (Name == "fork" || Name == "vfork")
    Call.addFnAttr(Attribute::ReturnsTwice);
}

} // namespace

OptimizationRemarkEmitter &Rewriter::remarks(Function &F) {
  auto &Slot = ORE[&F];
  if (!Slot)
    Slot = std::make_unique<OptimizationRemarkEmitter>(&F);
  return *Slot;
}

void Rewriter::remarkMissed(Instruction &I, const RewriteRule &Rule,
                            const Twine &Why) {
  std::string Text = Why.str();
  remarks(*I.getFunction()).emit([&] {
    return OptimizationRemarkMissed("grid", "NotRewritten", &I)
           << "did not rewrite use of " << Rule.Original << ": " << Text;
  });
}

bool Rewriter::run() {
  DenseMap<const Value *, const RewriteRule *> Originals;
  for (const RewriteRule &Rule : rewriteRules()) {
    Function *Original = M.getFunction(Rule.Original);
    // A definition is the program's own function of that name, not libc's.
    if (Original && Original->isDeclaration())
      Originals[Original] = &Rule;
  }
  if (Originals.empty())
    return false;

  // Calls first, in source order, so the site table reads like the program.
  bool Changed = false;
  SmallVector<std::pair<CallBase *, const RewriteRule *>, 16> Calls;
  for (Function &F : M)
    for (Instruction &I : instructions(F))
      if (auto *CB = dyn_cast<CallBase>(&I); CB && !isNative(*CB))
        if (const RewriteRule *Rule = Originals.lookup(CB->getCalledOperand()))
          Calls.emplace_back(CB, Rule);
  for (auto [CB, Rule] : Calls)
    Changed |= rewriteCall(*CB, *Rule);

  for (const RewriteRule &Rule : rewriteRules())
    if (Function *Original = M.getFunction(Rule.Original);
        Original && Originals.count(Original))
      Changed |= rewriteAddressUses(*Original, Rule);
  return Changed;
}

// libstdc++'s std::thread constructor passes &pthread_create to
// _M_start_thread only so that pthread_create gets linked; such references
// in library code are not the user taking an address.
bool Rewriter::isLibraryLinkReference(const Use &U) const {
  auto *I = dyn_cast<Instruction>(U.getUser());
  if (!I)
    return false;
  if (auto *CB = dyn_cast<CallBase>(I)) {
    if (const Function *Callee = CB->getCalledFunction()) {
      StringRef Name = Callee->getName();
      if (Name == stdThreadStartName() || Name == "__grid_std_thread_start")
        return true;
    }
  }
  return isLibraryCode(*I);
}

// The source name of a global, for a remark: debug info's, else the
// demangled symbol (a function's static variable is then "run.table").
static std::string globalName(const GlobalVariable &GV) {
  SmallVector<DIGlobalVariableExpression *, 1> GVEs;
  GV.getDebugInfo(GVEs);
  if (!GVEs.empty() && !GVEs.front()->getVariable()->getName().empty())
    return GVEs.front()->getVariable()->getName().str();
  return demangle(GV.getName());
}

// Where a global's initializer takes an address, for a remark. A
// DiagnosticLocation is made from a DebugLoc or a DISubprogram only, and a
// global has neither; a declaration-only subprogram at the DIGlobalVariable's
// file and line carries the same location. It is not attached to the module.
static DiagnosticLocation globalLocation(const GlobalVariable &GV) {
  SmallVector<DIGlobalVariableExpression *, 1> GVEs;
  GV.getDebugInfo(GVEs);
  if (GVEs.empty())
    return DiagnosticLocation();
  DIGlobalVariable *Var = GVEs.front()->getVariable();
  if (!Var->getFile() || !Var->getLine())
    return DiagnosticLocation();
  return DiagnosticLocation(DISubprogram::get(
      GV.getContext(), Var->getFile(), Var->getName(), "", Var->getFile(),
      Var->getLine(), nullptr, Var->getLine(), nullptr, 0, 0, DINode::FlagZero,
      DISubprogram::SPFlagZero, nullptr));
}

void Rewriter::remarkThunk(User &Usr, Function &Thunk, Function &Original,
                           const RewriteRule &Rule) {
  std::string Entry =
      ("__grid_" + Twine(Original.isVarArg() ? "v" : "") + Rule.Name).str();
  if (auto *I = dyn_cast<Instruction>(&Usr)) {
    SiteInfo Site = siteForInstruction(*I, Rule.Kind);
    remarks(*I->getFunction()).emit([&] {
      DiagnosticLocation Loc = Site.UserLoc
                                   ? DiagnosticLocation(Site.UserLoc)
                                   : DiagnosticLocation(I->getDebugLoc());
      return OptimizationRemark("grid", "Thunk", Loc, I->getParent())
             << "replaced address of " << siteKindName(Rule.Kind)
             << " with a thunk into " << Entry;
    });
    return;
  }
  // A global's initializer is in no function: the remark belongs to the
  // thunk, at the global's line when debug info has one.
  auto &GV = cast<GlobalVariable>(Usr);
  remarks(Thunk).emit([&] {
    return OptimizationRemark("grid", "Thunk", globalLocation(GV),
                              &Thunk.getEntryBlock())
           << "replaced address of " << siteKindName(Rule.Kind)
           << " in the initializer of " << globalName(GV)
           << " with a thunk into " << Entry;
  });
}

bool Rewriter::rewriteAddressUses(Function &Original, const RewriteRule &Rule) {
  bool Changed = false;
  SmallVector<Use *, 8> AddressUses;
  for (Use &U : Original.uses()) {
    User *Usr = U.getUser();
    if (auto *CB = dyn_cast<CallBase>(Usr); CB && CB->isCallee(&U))
      continue; // a call rewriteCall could not rewrite
    if (isa<Instruction>(Usr) || isa<GlobalVariable>(Usr))
      AddressUses.push_back(&U);
  }

  for (Use *U : AddressUses) {
    if (isLibraryLinkReference(*U))
      continue;
    if (auto *GV = dyn_cast<GlobalVariable>(U->getUser());
        GV && GV->getName().starts_with("llvm."))
      continue;
    Function *Thunk = thunkFor(Original, Rule);
    if (!Thunk)
      return Changed;
    U->set(Thunk);
    Changed = true;
    remarkThunk(*U->getUser(), *Thunk, Original, Rule);
  }

  // Aggregates and constant expressions (a table of function pointers).
  // Replacing the original in one constant makes a new constant and destroys
  // the old one, which may be a user of another constant on the list; so take
  // the users afresh after each replacement.
  SmallPtrSet<const Constant *, 4> Kept;
  for (;;) {
    Constant *C = nullptr;
    for (User *Usr : Original.users())
      if (auto *UC = dyn_cast<Constant>(Usr);
          UC && !isa<GlobalValue>(UC) && !Kept.count(UC)) {
        C = UC;
        break;
      }
    if (!C)
      break;

    // The global or instruction the constant belongs to, for the remark.
    User *Owner = nullptr;
    SmallVector<User *, 8> Work{C};
    while (!Work.empty() && !Owner) {
      User *Cur = Work.pop_back_val();
      for (User *Up : Cur->users()) {
        if (isa<GlobalVariable>(Up) || isa<Instruction>(Up)) {
          Owner = Up;
          break;
        }
        Work.push_back(Up);
      }
    }
    if (auto *GV = dyn_cast_or_null<GlobalVariable>(Owner);
        GV && GV->getName().starts_with("llvm.")) {
      Kept.insert(C);
      continue;
    }
    Function *Thunk = thunkFor(Original, Rule);
    if (!Thunk)
      return Changed;
    unsigned Uses = count(C->operands(), &Original);
    C->handleOperandChange(&Original, Thunk);
    Changed = true;
    if (Owner)
      for (unsigned I = 0; I != Uses; ++I)
        remarkThunk(*Owner, *Thunk, Original, Rule);
  }
  return Changed;
}

bool Rewriter::rewriteCall(CallBase &CB, const RewriteRule &Rule) {
  FunctionCallee Entry = ABI.entry(Rule.Name);
  if (!Entry) {
    remarkMissed(CB, Rule, "abi.def has no entry __grid_" + Rule.Name);
    return false;
  }
  if (!fitsEntry(CB, Entry.getFunctionType())) {
    remarkMissed(CB, Rule, "its arguments do not match __grid_" + Rule.Name);
    return false;
  }

  SiteInfo Site = siteForInstruction(CB, Rule.Kind);
  GlobalVariable *Record = emitSiteRecord(M, ABI, Site);
  SmallVector<Value *, 8> Args{Record};
  Args.append(CB.arg_begin(), CB.arg_end());
  SmallVector<OperandBundleDef, 1> Bundles;
  CB.getOperandBundlesAsDefs(Bundles);

  IRBuilder<> B(&CB);
  CallBase *New;
  if (auto *II = dyn_cast<InvokeInst>(&CB)) {
    New = B.CreateInvoke(Entry, II->getNormalDest(), II->getUnwindDest(), Args,
                         Bundles);
  } else if (auto *CI = dyn_cast<CallInst>(&CB)) {
    auto *Call = B.CreateCall(Entry, Args, Bundles);
    // musttail cannot hold for a callee with a parameter more ([[clang::
    // musttail]] return pthread_mutex_lock(m)): the call stays a tail call,
    // which the back end makes a jump where the arguments allow.
    Call->setTailCallKind(CI->isMustTailCall() ? CallInst::TCK_Tail
                                               : CI->getTailCallKind());
    New = Call;
  } else {
    remarkMissed(CB, Rule, "callbr is not supported");
    return false;
  }
  New->setAttributes(shiftedAttributes(Ctx, CB.getAttributes(), CB.arg_size()));
  addSemanticAttributes(*New, Rule.Name);
  New->setCallingConv(CB.getCallingConv());
  New->copyMetadata(CB);
  New->takeName(&CB);

  remarks(*CB.getFunction()).emit([&] {
    DiagnosticLocation Loc = Site.UserLoc
                                 ? DiagnosticLocation(Site.UserLoc)
                                 : DiagnosticLocation(CB.getDebugLoc());
    return OptimizationRemark("grid", "Rewrite", Loc, CB.getParent())
           << "rewrote call to " << siteKindName(Rule.Kind) << " into __grid_"
           << Rule.Name;
  });

  if (auto *CI = dyn_cast<CallInst>(&CB); CI && Rule.NativeInline) {
    // The original call stays, on the native side; no longer just before
    // a ret, it may not be musttail.
    if (CI->isMustTailCall())
      CI->setTailCallKind(CallInst::TCK_Tail);
    guardSides(*New, CB);
    return true;
  }
  CB.replaceAllUsesWith(New);
  CB.eraseFromParent();
  return true;
}

Function *Rewriter::thunkFor(Function &Original, const RewriteRule &Rule) {
  // A failed thunk is remembered too, so its error is reported once.
  auto [It, Inserted] = Thunks.try_emplace(&Original, nullptr);
  if (Inserted)
    It->second = makeThunk(Original, Rule);
  return It->second;
}

Function *Rewriter::makeThunk(Function &Original, const RewriteRule &Rule) {
  FunctionType *FT = Original.getFunctionType();
  bool VarArg = FT->isVarArg();
  FunctionCallee Entry =
      ABI.entry(VarArg ? ("v" + Rule.Name).str() : Rule.Name.str());
  if (!Entry) {
    diagnose(Ctx,
             "the address of " + Rule.Original +
                 " is taken, but abi.def has no entry to forward it to",
             DS_Error);
    return nullptr;
  }
  Triple TT(M.getTargetTriple());
  if (VarArg && TT.getArch() != Triple::x86_64) {
    diagnose(Ctx,
             "taking the address of the variadic " + Rule.Original +
                 " is supported on x86_64 only (abi.def passes a va_list as "
                 "struct __va_list_tag *), not on " +
                 TT.str(),
             DS_Error);
    return nullptr;
  }

  // Check the thunk can forward its parameters (the va_list aside).
  Type *Ptr = PointerType::getUnqual(Ctx);
  FunctionType *EntryTy = Entry.getFunctionType();
  SmallVector<Type *, 8> Forwarded(FT->params());
  if (VarArg)
    Forwarded.push_back(Ptr);
  if (!fitsEntry(FunctionType::get(FT->getReturnType(), Forwarded, false),
                 EntryTy)) {
    diagnose(Ctx,
             "the address of " + Rule.Original +
                 " is taken with a type that does not match __grid_" +
                 (VarArg ? "v" : "") + Rule.Name,
             DS_Warning);
    return nullptr;
  }

  // linkonce_odr in a comdat of its fixed name: the linker keeps one
  // __grid_thunk.<original> per executable or shared object, so &fork is the
  // same pointer in every module of it, as it is without Grid. The copies
  // differ only in which module's "address of" site they pass, and the
  // program cannot tell one from another.
  std::string Name = ("__grid_thunk." + Original.getName()).str();
  Function *Thunk =
      Function::Create(FT, GlobalValue::LinkOnceODRLinkage, Name, M);
  if (Triple(M.getTargetTriple()).supportsCOMDAT())
    Thunk->setComdat(M.getOrInsertComdat(Thunk->getName()));
  Thunk->setAttributes(Original.getAttributes());
  Thunk->removeFnAttr(Attribute::Builtin);
  BasicBlock *Entry_ = BasicBlock::Create(Ctx, "entry", Thunk);
  IRBuilder<> B(Entry_);

  GlobalVariable *Record =
      emitSiteRecord(M, ABI, siteForAddress(M, Original.getName(), Rule.Kind));
  SmallVector<Value *, 8> Args{Record};
  for (Argument &A : Thunk->args())
    Args.push_back(&A);

  Value *VaList = nullptr;
  if (VarArg) {
    // x86-64 SysV: va_list is __va_list_tag[1], { i32, i32, ptr, ptr }.
    Type *I32 = Type::getInt32Ty(Ctx);
    Type *Tag = StructType::get(Ctx, {I32, I32, Ptr, Ptr});
    AllocaInst *AP = B.CreateAlloca(ArrayType::get(Tag, 1), nullptr, "ap");
    AP->setAlignment(Align(16));
    B.CreateCall(compat::getIntrinsic(M, Intrinsic::vastart, {Ptr}), {AP});
    Args.push_back(AP);
    VaList = AP;
  }
  CallInst *Call = B.CreateCall(Entry, Args);
  addSemanticAttributes(*Call, Rule.Name);
  if (VaList)
    B.CreateCall(compat::getIntrinsic(M, Intrinsic::vaend, {Ptr}), {VaList});
  if (Rule.Name == "pthread_exit" || Rule.Name == "thrd_exit")
    B.CreateUnreachable();
  else if (FT->getReturnType()->isVoidTy())
    B.CreateRetVoid();
  else
    B.CreateRet(Call);
  return Thunk;
}

PreservedAnalyses RewritePass::run(Module &M, ModuleAnalysisManager &) {
  return Rewriter(M).run() ? PreservedAnalyses::none()
                           : PreservedAnalyses::all();
}

} // namespace grid
