//===- api/MainStack.cpp - main runs on a stack in the shared space -------===//
//
// DESIGN.md §6: the stack main runs on is in the shared space, so a thread
// on another node can be given a pointer to main's locals (&args[i]). The C
// library calls main from __libc_start_main; libgridrt, loaded before it,
// interposes that function and, at home in a job, hands the real one a
// main that switches to a stack from home's slice first. The constructors
// and exit handlers still run on the original stack; as main returns, what
// remote threads hold of their output is written into home's streams
// (threads::flushRemoteOutputAtExit). pthread_exit in main
// unwinds to the C library's own frame on the original stack, as without
// Grid. Only libgridrt.so contains this file.
//===----------------------------------------------------------------------===//

#include "cluster/Cluster.h"
#include "core/NextSymbol.h"
#include "threads/Threads.h"

#include <algorithm>
#include <sys/resource.h>
#include <ucontext.h>

namespace {

using MainFn = int (*)(int, char **, char **);
using StartMainFn = int (*)(MainFn, int, char **, void (*)(), void (*)(),
                            void (*)(), void *);

MainFn RealMain;
int MainArgc;
char **MainArgv;
char **MainEnvp;
int MainResult;
ucontext_t Original, Shared;

void runMain() { MainResult = RealMain(MainArgc, MainArgv, MainEnvp); }

// The size main's stack would have had: RLIMIT_STACK, at least 8 MiB and at
// most 256 MiB.
__attribute__((noinline)) size_t mainStackBytes() {
  rlimit Limit{};
  size_t Bytes = size_t(8) << 20;
  if (getrlimit(RLIMIT_STACK, &Limit) == 0 && Limit.rlim_cur != RLIM_INFINITY)
    Bytes = std::max<size_t>(
        Bytes, std::min<size_t>(Limit.rlim_cur, size_t(256) << 20));
  return Bytes;
}

// Prepares the context outside the frame that calls swapcontext (no local
// of that frame lives across it).
__attribute__((noinline)) bool prepare(int Argc, char **Argv, char **Envp) {
  size_t Bytes = mainStackBytes();
  void *Stack = grid::threads::space()->allocateStack(Bytes);
  if (!Stack || getcontext(&Shared) != 0)
    return false;
  MainArgc = Argc;
  MainArgv = Argv;
  MainEnvp = Envp;
  Shared.uc_stack.ss_sp = Stack;
  Shared.uc_stack.ss_size = Bytes;
  return true;
}

int mainOnSharedStack(int Argc, char **Argv, char **Envp) {
  if (!prepare(Argc, Argv, Envp))
    return RealMain(Argc, Argv, Envp);
  Shared.uc_link = &Original;
  makecontext(&Shared, runMain, 0);
  swapcontext(&Original, &Shared);
  // Exit begins: what threads on other nodes hold of their output goes into
  // home's streams before the program's exit handlers write theirs.
  grid::threads::flushRemoteOutputAtExit();
  return MainResult;
}

} // namespace

extern "C" __attribute__((visibility("default"))) int
__libc_start_main(MainFn Main, int Argc, char **Argv, void (*Init)(),
                  void (*Fini)(), void (*RtldFini)(), void *StackEnd) {
  StartMainFn Real = nullptr;
  grid::core::nextFunction(Real, "__libc_start_main");
  if (grid::cluster::role() == grid::cluster::Role::Home &&
      grid::threads::space()) {
    RealMain = Main;
    Main = mainOnSharedStack;
  }
  return Real(Main, Argc, Argv, Init, Fini, RtldFini, StackEnd);
}
