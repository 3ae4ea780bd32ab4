//===- MetadataPass.cpp - Per-module Grid metadata ------------------------===//
//
// Gives every module compiled with -fgrid, whether or not it rewrote a call:
//  - the site table __grid_sites, gathered from the records the rewrite
//    emitted (tagged !grid.site), numbered in module order;
//  - the constant __grid_module record (ABI version, the default tolerances
//    of -grid-thread-tolerance= / -grid-process-tolerance=, the sites, the
//    module's name) and a constructor that passes it to
//    __grid_register_module;
//  - one frame in the ELF section grid_meta ("GRIDMETA", a 4-byte
//    little-endian length, JSON; see abi.h), kept by llvm.used, so tools
//    read the metadata without running the program.
//
//   opt -load-pass-plugin=GridPlugin-19.so -passes=grid-metadata
//       -grid-thread-tolerance=any
//===----------------------------------------------------------------------===//
#include "Diagnostics.h"
#include "GridABI.h"
#include "GridPasses.h"
#include "GridSite.h"

#include "grid/abi.h"
#include "grid/tolerance.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <optional>

using namespace llvm;

static cl::opt<std::string>
    ThreadTolerance("grid-thread-tolerance",
                    cl::desc("Default thread tolerance embedded in the module "
                             "(0-3 or local, machine, near, any)"),
                    cl::value_desc("tolerance"), cl::init(""));

static cl::opt<std::string> ProcessTolerance(
    "grid-process-tolerance",
    cl::desc("Default process tolerance embedded in the module "
             "(0-3 or local, machine, near, any)"),
    cl::value_desc("tolerance"), cl::init(""));

namespace grid {
namespace {

// Registered before the program's own static constructors (priority 65535)
// so that threads started by those already find the module registered.
constexpr int ModuleCtorPriority = 101;
constexpr const char *ModuleRecordTag = "grid.module";

// The tolerance an option names: GRID_TOLERANCE_UNSET if it was not given,
// std::nullopt if its value is not one of the accepted ones.
std::optional<int32_t> parseTolerance(StringRef Value) {
  if (Value.empty())
    return GRID_TOLERANCE_UNSET;
  if (std::optional<grid::Tolerance> T = grid::parseToleranceText(
          std::string_view(Value.data(), Value.size())))
    return static_cast<int32_t>(*T);
  return std::nullopt;
}

StringRef cString(Constant *C) {
  if (auto *GV = dyn_cast<GlobalVariable>(C->stripPointerCasts()))
    if (auto *Data =
            dyn_cast_or_null<ConstantDataSequential>(GV->getInitializer()))
      if (Data->isCString())
        return Data->getAsCString();
  return "";
}

uint32_t field(Constant *C, unsigned Index) {
  return cast<ConstantInt>(C->getAggregateElement(Index))->getZExtValue();
}

void writeTolerance(json::OStream &J, StringRef Key, int32_t Value) {
  if (Value == GRID_TOLERANCE_UNSET)
    J.attribute(Key, nullptr);
  else
    J.attribute(Key, Value);
}

} // namespace

PreservedAnalyses MetadataPass::run(Module &M, ModuleAnalysisManager &) {
  LLVMContext &Ctx = M.getContext();
  for (const GlobalVariable &GV : M.globals())
    if (GV.getMetadata(ModuleRecordTag))
      return PreservedAnalyses::all(); // already described

  std::optional<int32_t> Thread = parseTolerance(ThreadTolerance);
  std::optional<int32_t> Process = parseTolerance(ProcessTolerance);
  bool Bad = false;
  for (auto [Opt, Parsed] : {std::pair{&ThreadTolerance, Thread},
                             std::pair{&ProcessTolerance, Process}}) {
    if (Parsed)
      continue;
    diagnose(Ctx, "invalid value '" + *Opt + "' for -" + Opt->ArgStr +
                      ": expected 0, 1, 2, 3, local, machine, near or any");
    Bad = true;
  }
  if (Bad)
    return PreservedAnalyses::all();

  RuntimeABI ABI(M);
  Type *I32 = Type::getInt32Ty(Ctx);
  Type *Ptr = PointerType::getUnqual(Ctx);

  // The site table, and the JSON frame that describes it.
  SmallVector<GlobalVariable *, 16> Records;
  for (GlobalVariable &GV : M.globals())
    if (GV.getMetadata(SiteRecordTag))
      Records.push_back(&GV);

  std::string JSON;
  raw_string_ostream OS(JSON);
  json::OStream J(OS);
  std::string ModuleName = M.getSourceFileName();
  SmallVector<Constant *, 16> Rows;
  J.object([&] {
    J.attribute("abi", GRID_ABI_VERSION);
    J.attribute("module", ModuleName);
    writeTolerance(J, "thread_tolerance", *Thread);
    writeTolerance(J, "process_tolerance", *Process);
    J.attributeArray("sites", [&] {
      for (GlobalVariable *GV : Records) {
        Constant *Old = GV->getInitializer();
        uint32_t Kind = field(Old, 4);
        J.object([&] {
          J.attribute("file", cString(Old->getAggregateElement(0u)));
          J.attribute("line", field(Old, 2));
          J.attribute("column", field(Old, 3));
          J.attribute("function", cString(Old->getAggregateElement(1u)));
          J.attribute("kind", siteKindName(static_cast<SiteKind>(Kind)));
        });
        Rows.push_back(ConstantStruct::get(
            ABI.siteType(),
            {Old->getAggregateElement(0u), Old->getAggregateElement(1u),
             Old->getAggregateElement(2u), Old->getAggregateElement(3u),
             Old->getAggregateElement(4u),
             ConstantInt::get(I32, Rows.size())}));
      }
    });
  });
  OS.flush();

  Constant *Table = ConstantPointerNull::get(cast<PointerType>(Ptr));
  if (!Rows.empty()) {
    auto *TableTy = ArrayType::get(ABI.siteType(), Rows.size());
    auto *TableGV = new GlobalVariable(
        M, TableTy, /*isConstant=*/true, GlobalValue::PrivateLinkage,
        ConstantArray::get(TableTy, Rows), "__grid_sites");
    TableGV->setAlignment(Align(8));
    for (auto [Index, GV] : enumerate(Records)) {
      Constant *Row = ConstantExpr::getInBoundsGetElementPtr(
          TableTy, TableGV,
          ArrayRef<Constant *>{ConstantInt::get(I32, 0),
                               ConstantInt::get(I32, Index)});
      GV->replaceAllUsesWith(Row);
      GV->eraseFromParent();
    }
    Table = TableGV;
  }

  // The module record and its constructor.
  Constant *NameData = ConstantDataArray::getString(Ctx, ModuleName);
  auto *NameGV = new GlobalVariable(M, NameData->getType(), /*isConstant=*/true,
                                    GlobalValue::PrivateLinkage, NameData,
                                    "__grid_module.name");
  NameGV->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
  NameGV->setAlignment(Align(1));
  auto *Record = new GlobalVariable(
      M, ABI.moduleType(), /*isConstant=*/true, GlobalValue::PrivateLinkage,
      ConstantStruct::get(ABI.moduleType(),
                          {ConstantInt::get(I32, GRID_ABI_VERSION),
                           ConstantInt::get(I32, *Thread),
                           ConstantInt::get(I32, *Process),
                           ConstantInt::get(I32, Rows.size()), Table, NameGV}),
      "__grid_module");
  Record->setAlignment(Align(8));
  Record->setMetadata(ModuleRecordTag, MDNode::get(Ctx, {}));

  Function *Ctor =
      Function::Create(FunctionType::get(Type::getVoidTy(Ctx), false),
                       GlobalValue::InternalLinkage, "grid.module_ctor", M);
  Ctor->addFnAttr(Attribute::NoUnwind);
  IRBuilder<> B(BasicBlock::Create(Ctx, "entry", Ctor));
  B.CreateCall(ABI.entry("register_module"), {Record});
  B.CreateRetVoid();
  appendToGlobalCtors(M, Ctor, ModuleCtorPriority);

  // The grid_meta frame: magic, little-endian payload length, JSON.
  std::string Frame = GRID_META_MAGIC;
  uint32_t Length = JSON.size();
  for (int Shift = 0; Shift < 32; Shift += 8)
    Frame.push_back(static_cast<char>((Length >> Shift) & 0xff));
  Frame += JSON;
  Constant *FrameData =
      ConstantDataArray::getString(Ctx, Frame, /*AddNull=*/false);
  auto *Meta =
      new GlobalVariable(M, FrameData->getType(), /*isConstant=*/true,
                         GlobalValue::PrivateLinkage, FrameData, "__grid_meta");
  Meta->setSection(GRID_META_SECTION);
  Meta->setAlignment(Align(1));
  appendToUsed(M, {Meta});
  return PreservedAnalyses::none();
}

} // namespace grid
