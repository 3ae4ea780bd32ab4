// Threads on other nodes register exit work, as any thread may: atexit
// handlers, at_quick_exit handlers, and the destructors of C++ statics a
// function makes on first use (the compiler registers each once it is
// made, __cxa_atexit). The program exits at home, so they are registered
// there (docs/design/remote-io.md, the calls) and run in their turn with
// home's own, as on one machine. Before, they were registered in the
// agent's process and never ran.
//
// Threads are made one at a time (spread: home, node 1, node 2, ...).
// Each registers a handler of its own, and the first to call registry()
// makes its static (thread 1, on node 1), whose destructor prints what
// every thread added to it: home reads the object the node made. In
// "quick" mode the threads register at_quick_exit handlers, and main
// ends with quick_exit.
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// RUN: %t.plain quick > %t.plain-quick.out
// RUN: %mpirun3t %t.fgrid quick > %t.quick.out 2> %t.quick.err
// RUN: diff %t.plain-quick.out %t.quick.out
// RUN: FileCheck %s --check-prefix=QUICK --allow-empty < %t.quick.err
//
// CHECK-NOT: warning
// CHECK: atexit.cpp:{{[0-9]+}} (main) pthread_create 6 {{.*}}node 1: 2, node 2: 2
// (quick_exit prints no statistics)
// QUICK-NOT: warning
#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct Registry {
  std::string Names;
  Registry() { std::printf("registry made\n"); }
  ~Registry() { std::printf("registry destroyed: %s\n", Names.c_str()); }
};

Registry &registry() {
  static Registry R;
  return R;
}

template <int I> void bye() { std::printf("exit handler of thread %d\n", I); }
template <int I> void quickBye() {
  std::printf("quick exit handler of thread %d\n", I);
  std::fflush(stdout);
}

void (*const Handlers[])() = {bye<0>, bye<1>, bye<2>, bye<3>, bye<4>, bye<5>};
void (*const QuickHandlers[])() = {quickBye<0>, quickBye<1>, quickBye<2>,
                                   quickBye<3>, quickBye<4>, quickBye<5>};
bool Quick;

void *work(void *P) {
  long I = reinterpret_cast<long>(P);
  if (I > 0) {
    // Long enough that the string's bytes are a heap block (made by
    // threads on several nodes, freed by the destructor at home's exit).
    char Name[32];
    std::snprintf(Name, sizeof Name, " thread-%ld", I);
    registry().Names += Name;
  }
  int Registered =
      Quick ? at_quick_exit(QuickHandlers[I]) : std::atexit(Handlers[I]);
  std::printf("thread %ld registered: %d\n", I, Registered);
  return nullptr;
}

} // namespace

int main(int Argc, char **Argv) {
  Quick = Argc > 1 && std::strcmp(Argv[1], "quick") == 0;
  for (long I = 0; I < 6; ++I) {
    pthread_t T;
    if (pthread_create(&T, nullptr, work, reinterpret_cast<void *>(I)) != 0 ||
        pthread_join(T, nullptr) != 0)
      return 1;
  }
  std::printf("main ends\n");
  std::fflush(stdout);
  if (Quick)
    std::quick_exit(0);
  return 0;
}
