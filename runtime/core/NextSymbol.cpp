//===- core/NextSymbol.cpp - The definition after libgridrt's -------------===//

#include "core/NextSymbol.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <unistd.h>

namespace grid::core {

void *nextDefinition(const char *Name) {
  int Saved = errno;
  void *F = ::dlsym(RTLD_NEXT, Name);
  errno = Saved;
  return F;
}

void missingDefinition(const char *Name) {
  auto Say = [](const char *Text) {
    ssize_t Written = ::write(STDERR_FILENO, Text, std::strlen(Text));
    (void)Written;
  };
  Say("grid: error: cannot find the C library's ");
  Say(Name);
  Say(" after libgridrt.so; load libgridrt.so as a shared library, through "
      "grid-clang -fgrid or gridrun\n");
  ::_exit(1);
}

namespace {
using SigmaskFn = int (*)(int, const sigset_t *, sigset_t *);
using SigactionFn = int (*)(int, const struct sigaction *, struct sigaction *);
SigmaskFn RealSigmask = nullptr;
SigactionFn RealSigaction = nullptr;
[[gnu::constructor(101)]] void resolveSignalCalls() {
  resolveNext(RealSigmask, "pthread_sigmask");
  resolveNext(RealSigaction, "sigaction");
}
} // namespace

int realSigmask(int How, const sigset_t *Set, sigset_t *Old) {
  return nextFunction(RealSigmask, "pthread_sigmask")(How, Set, Old);
}

int realSigaction(int Sig, const struct sigaction *New, struct sigaction *Old) {
  return nextFunction(RealSigaction, "sigaction")(Sig, New, Old);
}

} // namespace grid::core
