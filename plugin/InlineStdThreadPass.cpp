//===- InlineStdThreadPass.cpp - Inline the way to _M_start_thread --------===//
//
// std::thread, std::jthread and std::async(std::launch::async) reach
// libstdc++'s std::thread::_M_start_thread from inline functions of the
// standard headers. For the call-site record to name the user's line, those
// functions must be inlined into the user's code before the rewrite runs,
// including at -O0, where clang marks every function optnone and noinline.
// This pass, run at pipeline start, finds the library functions from which
// _M_start_thread is reachable through direct calls and marks them
// alwaysinline; the always-inliner of every pipeline then does the rest.
// It also tags the library's own references to originals (std::thread
// passes &pthread_create only to force linking it) so the rewrite keeps them.
//
//   opt -load-pass-plugin=GridPlugin-19.so -passes=grid-inline-std-thread
//===----------------------------------------------------------------------===//
#include "GridABI.h"
#include "GridPasses.h"
#include "GridSite.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/InstrTypes.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace grid {

static void tagLibraryReferences(Function &F) {
  LLVMContext &Ctx = F.getContext();
  for (Instruction &I : instructions(F)) {
    for (const Use &Op : I.operands()) {
      auto *Callee = dyn_cast<Function>(Op.get());
      if (!Callee)
        continue;
      if (auto *CB = dyn_cast<CallBase>(&I); CB && CB->isCallee(&Op))
        continue;
      for (const RewriteRule &R : rewriteRules())
        if (Callee->getName() == R.Original)
          I.setMetadata(LibraryReferenceTag, MDNode::get(Ctx, {}));
    }
  }
}

PreservedAnalyses InlineStdThreadPass::run(Module &M, ModuleAnalysisManager &) {
  Function *Start = M.getFunction(stdThreadStartName());
  if (!Start)
    return PreservedAnalyses::all();

  SmallPtrSet<Function *, 16> Seen;
  SmallVector<Function *, 16> Work{Start};
  bool Changed = false;
  while (!Work.empty()) {
    Function *Callee = Work.pop_back_val();
    for (User *U : Callee->users()) {
      auto *CB = dyn_cast<CallBase>(U);
      if (!CB || CB->getCalledOperand() != Callee)
        continue;
      Function *Caller = CB->getFunction();
      if (!Seen.insert(Caller).second || Caller->isDeclaration() ||
          !isLibraryFunctionName(Caller->getName()))
        continue;
      Caller->removeFnAttr(Attribute::OptimizeNone);
      Caller->removeFnAttr(Attribute::NoInline);
      Caller->addFnAttr(Attribute::AlwaysInline);
      tagLibraryReferences(*Caller);
      Work.push_back(Caller);
      Changed = true;
    }
  }
  return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
}

} // namespace grid
