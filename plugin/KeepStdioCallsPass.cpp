//===- KeepStdioCallsPass.cpp - glibc inline stdio calls stay calls -------===//
//
// When optimising, glibc's <stdio.h> includes <bits/stdio.h>, whose extern
// inline (gnu_inline) getc_unlocked, putc_unlocked, getchar and the rest
// reach LLVM as available_externally bodies. Inlined, getc_unlocked and
// putc_unlocked read and move the FILE's buffer pointers in the caller, and
// getchar and putchar read the calling process's stdin and stdout: a remote
// thread would work on its agent's copy of the stream, and libgridrt.so,
// which interposes the C library's stdio symbols to send a remote thread's
// stream calls home where the FILE lives, would never see the call. This
// pass, run at pipeline start before any inliner, turns exactly those bodies
// into declarations, so every call binds to the exported symbol, as it does
// at -O0. A program that defines a function of one of these names itself is
// left alone. The _FORTIFY_SOURCE wrappers of <bits/stdio2.h> need nothing:
// clang emits them as internal copies (vprintf.inline) that call exported
// functions (__vfprintf_chk, getc_unlocked).
//
//   opt -load-pass-plugin=GridPlugin-19.so -passes=grid-keep-stdio-calls
//===----------------------------------------------------------------------===//
#include "GridPasses.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace grid {

// Every function <bits/stdio.h> defines (glibc 2.36).
static constexpr StringLiteral InlineStdioFunctions[] = {
    "vprintf",          "getchar", "fgetc_unlocked", "getc_unlocked",
    "getchar_unlocked", "putchar", "fputc_unlocked", "putc_unlocked",
    "putchar_unlocked", "getline", "feof_unlocked",  "ferror_unlocked"};

PreservedAnalyses KeepStdioCallsPass::run(Module &M, ModuleAnalysisManager &) {
  bool Changed = false;
  for (StringRef Name : InlineStdioFunctions) {
    Function *F = M.getFunction(Name);
    if (!F || !F->hasAvailableExternallyLinkage())
      continue;
    F->deleteBody();
    Changed = true;
  }
  return Changed ? PreservedAnalyses::none() : PreservedAnalyses::all();
}

} // namespace grid
