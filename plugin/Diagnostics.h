//===- Diagnostics.h - Errors and warnings of the Grid plugin -------------===//
//
// Reported through LLVMContext::diagnose with a plugin diagnostic kind, so
// clang prints "error: ..." and fails the compilation cleanly and opt prints
// the message and exits non-zero; never errs() + abort().
//===----------------------------------------------------------------------===//
#ifndef GRID_PLUGIN_DIAGNOSTICS_H
#define GRID_PLUGIN_DIAGNOSTICS_H

#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/LLVMContext.h"

#include <string>

namespace grid {

class GridDiagnostic : public llvm::DiagnosticInfo {
public:
  GridDiagnostic(const llvm::Twine &Message, llvm::DiagnosticSeverity Severity)
      : DiagnosticInfo(kind(), Severity), Message(Message.str()) {}

  void print(llvm::DiagnosticPrinter &DP) const override {
    DP << "Grid: " << Message;
  }

  static int kind() {
    static const int Kind = llvm::getNextAvailablePluginDiagnosticKind();
    return Kind;
  }

private:
  std::string Message;
};

inline void diagnose(llvm::LLVMContext &Ctx, const llvm::Twine &Message,
                     llvm::DiagnosticSeverity Severity = llvm::DS_Error) {
  Ctx.diagnose(GridDiagnostic(Message, Severity));
}

} // namespace grid

#endif // GRID_PLUGIN_DIAGNOSTICS_H
