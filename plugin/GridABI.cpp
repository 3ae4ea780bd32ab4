//===- GridABI.cpp - Expand abi.def into LLVM types and callees -----------===//
//
// abi.def names types by token (GRID_TYPE(Token, CType)); a token whose C type
// is a pointer becomes `ptr`, the scalar ones are mapped below. Entry points
// are declared with the attributes their originals need to stay correct
// (pthread_exit never returns; fork and vfork return twice), and with zeroext
// on 8- and 16-bit integers, as clang declares unsigned char and short.
//===----------------------------------------------------------------------===//
#include "GridABI.h"

#include "grid/abi.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/IR/Attributes.h"
#include "llvm/IR/Function.h"
#include "llvm/Support/ErrorHandling.h"

#include <cstddef>

using namespace llvm;

namespace grid {

// The LLVM struct types built below must match abi.h's layout.
static_assert(offsetof(__grid_site, line) == 16 &&
                  offsetof(__grid_site, index) == 28 &&
                  sizeof(__grid_site) == 32,
              "__grid_site layout changed: update RuntimeABI::siteType");
static_assert(offsetof(__grid_module, sites) == 16 &&
                  offsetof(__grid_module, name) == 24,
              "__grid_module layout changed: update RuntimeABI::moduleType");

namespace {

struct TypeToken {
  StringRef Token;
  StringRef CType;
};

const TypeToken TypeTokens[] = {
#define GRID_TYPE(Token, CType) {#Token, #CType},
#include "grid/abi.def"
};

struct EntryDesc {
  StringRef Name;
  StringRef Ret;
  StringRef Params; // "(Site, PthreadT, ...)" as written in abi.def
  bool VarArg;
};

const EntryDesc Entries[] = {
#define GRID_RTL(Name, Ret, Params) {#Name, #Ret, #Params, false},
#define GRID_RTL_VARARG(Name, Ret, Params) {#Name, #Ret, #Params, true},
#define GRID_RTL_NOSITE(Name, Ret, Params) {#Name, #Ret, #Params, false},
#include "grid/abi.def"
};

const StringRef NativeInline[] = {
#define GRID_NATIVE_INLINE(Original) #Original,
#include "grid/abi.def"
};

bool isNativeInline(StringRef Original) {
  for (StringRef Name : NativeInline)
    if (Name == Original)
      return true;
  return false;
}

const RewriteRule Rules[] = {
#define GRID_REWRITE(Original, Name, Kind)                                     \
  {#Original, #Name, SiteKind::Kind, isNativeInline(#Original)},
#include "grid/abi.def"
};

const StringRef KindNames[] = {
#define GRID_SITE_KIND(Kind, Text, Category) Text,
#include "grid/abi.def"
};

Type *typeForToken(StringRef Token, Module &M) {
  LLVMContext &Ctx = M.getContext();
  const auto *It =
      find_if(TypeTokens, [&](const TypeToken &T) { return T.Token == Token; });
  if (It == std::end(TypeTokens))
    report_fatal_error("grid/abi.def uses the undeclared type token '" + Token +
                       "'");
  if (It->CType.contains('*'))
    return PointerType::getUnqual(Ctx);
  Type *Scalar = StringSwitch<Type *>(It->CType)
                     .Case("void", Type::getVoidTy(Ctx))
                     .Case("int", Type::getInt32Ty(Ctx))
                     .Case("pid_t", Type::getInt32Ty(Ctx))
                     .Case("pthread_t", M.getDataLayout().getIntPtrType(Ctx))
                     .Case("long", M.getDataLayout().getIntPtrType(Ctx))
                     .Case("size_t", M.getDataLayout().getIntPtrType(Ctx))
                     .Case("off_t", Type::getInt64Ty(Ctx))
                     .Case("clockid_t", Type::getInt32Ty(Ctx))
                     .Case("uint8_t", Type::getInt8Ty(Ctx))
                     .Case("uint16_t", Type::getInt16Ty(Ctx))
                     .Case("uint32_t", Type::getInt32Ty(Ctx))
                     .Case("uint64_t", Type::getInt64Ty(Ctx))
                     .Default(nullptr);
  if (!Scalar)
    report_fatal_error("grid/abi.def type '" + It->CType +
                       "' has no LLVM mapping in the Grid plugin");
  return Scalar;
}

} // namespace

StringRef siteKindName(SiteKind Kind) {
  return KindNames[static_cast<uint32_t>(Kind)];
}

ArrayRef<RewriteRule> rewriteRules() {
  static const bool Checked = [] {
    for (StringRef Name : NativeInline)
      if (none_of(Rules,
                  [&](const RewriteRule &R) { return R.Original == Name; }))
        report_fatal_error("grid/abi.def: GRID_NATIVE_INLINE(" + Name +
                           ") names no GRID_REWRITE original");
    return true;
  }();
  (void)Checked;
  return Rules;
}

StringRef stdThreadStartName() {
  for (const RewriteRule &R : Rules)
    if (R.Kind == SiteKind::StdThread)
      return R.Original;
  llvm_unreachable("abi.def has no std::thread rewrite");
}

RuntimeABI::RuntimeABI(Module &M) : M(M) {
  LLVMContext &Ctx = M.getContext();
  Type *Ptr = PointerType::getUnqual(Ctx);
  Type *I32 = Type::getInt32Ty(Ctx);
  SiteTy = StructType::get(Ctx, {Ptr, Ptr, I32, I32, I32, I32});
  ModuleTy = StructType::get(Ctx, {I32, I32, I32, I32, Ptr, Ptr});
}

FunctionCallee RuntimeABI::entry(StringRef Name) {
  const auto *It =
      find_if(Entries, [&](const EntryDesc &E) { return E.Name == Name; });
  if (It == std::end(Entries))
    return FunctionCallee();

  SmallVector<Type *, 8> Params;
  SmallVector<StringRef, 8> Tokens;
  It->Params.trim("() ").split(Tokens, ',', -1, /*KeepEmpty=*/false);
  for (StringRef Token : Tokens)
    Params.push_back(typeForToken(Token.trim(), M));
  FunctionType *FT =
      FunctionType::get(typeForToken(It->Ret, M), Params, It->VarArg);

  std::string Symbol = ("__grid_" + Name).str();
  FunctionCallee Callee = M.getOrInsertFunction(Symbol, FT);
  if (auto *F = dyn_cast<Function>(Callee.getCallee())) {
    // uint8_t and uint16_t travel zero-extended, as the C ABI passes them.
    auto Narrow = [](Type *T) {
      return T->isIntegerTy(8) || T->isIntegerTy(16);
    };
    for (unsigned I = 0; I != FT->getNumParams(); ++I)
      if (Narrow(FT->getParamType(I)))
        F->addParamAttr(I, Attribute::ZExt);
    if (Narrow(FT->getReturnType()))
      F->addRetAttr(Attribute::ZExt);
    if (Name == "pthread_exit" || Name == "thrd_exit")
      F->addFnAttr(Attribute::NoReturn);
    if (Name == "fork" || Name == "vfork")
      F->addFnAttr(Attribute::ReturnsTwice);
  }
  return Callee;
}

} // namespace grid
