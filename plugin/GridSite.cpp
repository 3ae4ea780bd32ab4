//===- GridSite.cpp - Call-site attribution and __grid_site records -------===//
#include "GridSite.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DebugInfo.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace grid {

bool isLibraryFunctionName(StringRef Name) {
  // Mangled names of entities in namespace std (incl. std::__cxx11, libc++'s
  // std::__1) and libstdc++'s __gnu_cxx.
  return Name.starts_with("_ZSt") || Name.starts_with("_ZNSt") ||
         Name.starts_with("_ZNKSt") || Name.starts_with("_ZN9__gnu_cxx") ||
         Name.starts_with("_ZNK9__gnu_cxx");
}

static bool isSystemHeaderPath(StringRef Path) {
  return Path.starts_with("/usr/include/") || Path.contains("/include/c++/");
}

bool isLibrarySubprogram(const DISubprogram *SP) {
  if (!SP)
    return false;
  if (isLibraryFunctionName(SP->getLinkageName()))
    return true;
  const DIFile *File = SP->getFile();
  if (!File)
    return false;
  StringRef Name = File->getFilename();
  if (isSystemHeaderPath(Name))
    return true;
  return !Name.starts_with("/") &&
         isSystemHeaderPath((File->getDirectory() + "/" + Name).str());
}

bool isLibraryCode(const Instruction &I) {
  if (I.getMetadata(LibraryReferenceTag))
    return true;
  if (isLibraryFunctionName(I.getFunction()->getName()))
    return true;
  if (const DILocation *Loc = I.getDebugLoc())
    return isLibrarySubprogram(Loc->getScope()->getSubprogram());
  return false;
}

static std::string demangledFunctionName(StringRef Mangled) {
  ItaniumPartialDemangler D;
  if (!D.partialDemangle(Mangled.str().c_str())) {
    if (char *Buf = D.getFunctionName(nullptr, nullptr)) {
      std::string Name(Buf);
      std::free(Buf);
      return Name;
    }
  }
  return demangle(Mangled);
}

static std::string sourceName(const DISubprogram *SP) {
  if (!SP->getName().empty())
    return SP->getName().str();
  return demangledFunctionName(SP->getLinkageName());
}

SiteInfo siteForInstruction(const Instruction &I, SiteKind Kind) {
  SiteInfo S;
  S.Kind = Kind;
  const DILocation *Loc = I.getDebugLoc();
  if (!Loc) {
    S.Function = demangledFunctionName(I.getFunction()->getName());
    return S;
  }
  // Walk outward through inlined frames to the first one in user code. If
  // every frame is library code (it was not inlined), keep the innermost.
  const DILocation *User = Loc;
  for (const DILocation *L = Loc; L; L = L->getInlinedAt()) {
    if (!isLibrarySubprogram(L->getScope()->getSubprogram())) {
      User = L;
      break;
    }
  }
  S.UserLoc = User;
  S.File = User->getFilename().str();
  S.Line = User->getLine();
  S.Column = User->getColumn();
  S.Function = sourceName(User->getScope()->getSubprogram());
  return S;
}

SiteInfo siteForAddress(const Module &M, StringRef Original, SiteKind Kind) {
  SiteInfo S;
  S.Kind = Kind;
  S.File = M.getSourceFileName();
  S.Function = ("address of " + Original).str();
  return S;
}

GlobalVariable *emitSiteRecord(Module &M, const RuntimeABI &ABI,
                               const SiteInfo &S) {
  LLVMContext &Ctx = M.getContext();
  auto String = [&](StringRef Text, const Twine &Name) -> Constant * {
    Constant *Data = ConstantDataArray::getString(Ctx, Text);
    auto *GV = new GlobalVariable(M, Data->getType(), /*isConstant=*/true,
                                  GlobalValue::PrivateLinkage, Data, Name);
    GV->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    GV->setAlignment(Align(1));
    return GV;
  };
  Type *I32 = Type::getInt32Ty(Ctx);
  Constant *Init = ConstantStruct::get(
      ABI.siteType(),
      {String(S.File, "__grid_site.file"), String(S.Function, "__grid_site.fn"),
       ConstantInt::get(I32, S.Line), ConstantInt::get(I32, S.Column),
       ConstantInt::get(I32, static_cast<uint32_t>(S.Kind)),
       ConstantInt::get(I32, 0)});
  auto *Site =
      new GlobalVariable(M, ABI.siteType(), /*isConstant=*/true,
                         GlobalValue::PrivateLinkage, Init, "__grid_site");
  Site->setAlignment(Align(8));
  Site->setMetadata(SiteRecordTag, MDNode::get(Ctx, {}));
  return Site;
}

} // namespace grid
