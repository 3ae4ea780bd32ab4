// The standard streams' buffers main changes are the ones threads on other
// nodes read and write (api/Streams.cpp):
//  - after std::ios::sync_with_stdio(false), each stream has a buffer of
//    its own: what remote threads write with std::cout and std::wcout lands
//    in it, between main's lines, and what they read with std::cin comes
//    from the input main's std::cin has already buffered;
//  - std::cout.rdbuf() redirected to a std::ostringstream's buffer and to
//    a std::ofstream's: the threads' lines are in the string and the file;
//  - std::cout.rdbuf(nullptr): the threads' writes fail, as main's do.
// Before, a remote thread's std::cout wrote to the C library's stdout
// whatever main had set: its lines came before main's buffered ones, went
// to the terminal instead of the string or file, and its std::cin read
// what main's buffer had not taken.
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g %s -o %t.fgrid
// RUN: printf '10 20 30 40\nsecond line\nthird line\n' | %t.plain %t.plain.file > %t.plain.out
// RUN: printf '10 20 30 40\nsecond line\nthird line\n' | %mpirun3t %t.fgrid %t.three.file > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK:      main: first
// CHECK-NEXT: thread 0 writes through main's buffer
// CHECK-NEXT: main: after thread 0
// CHECK-NEXT: thread 1 writes through main's buffer
// CHECK-NEXT: main: after thread 1
// CHECK-NEXT: thread 2 writes through main's buffer
// CHECK-NEXT: main: after thread 2
// CHECK-NEXT: main read 10
// CHECK-NEXT: thread 0 read 20
// CHECK-NEXT: thread 1 read 30
// CHECK-NEXT: thread 2 read 40 and the line "second line"
// CHECK-NEXT: main's next line: "third line"
// CHECK-NEXT: in the string: [thread 0 to the string|thread 1 to the string|thread 2 to the string|]
// CHECK-NEXT: in the file: [thread 0 to the file|thread 1 to the file|thread 2 to the file|]
// CHECK-NEXT: with no buffer: thread 0 failed yes, thread 1 failed yes, thread 2 failed yes
// CHECK-NEXT: main: last
// CHECK-NEXT: wide: main
// CHECK-NEXT: wide: thread 0
// CHECK-NEXT: wide: thread 1
// CHECK-NEXT: wide: thread 2
// STATS: stream-buffers.cpp:{{[0-9]+}} (eachThread) pthread_create 18 {{.*}}node 1: 6, node 2: 6
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <sstream>
#include <string>

static void (*Step)(long);

static void *runStep(void *Id) {
  Step((long)Id);
  return nullptr;
}

// Threads 0, 1 and 2 (home, node 1, node 2 under spread), one at a time.
static void eachThread(void (*S)(long), void (*Between)(long) = nullptr) {
  Step = S;
  for (long I = 0; I < 3; ++I) {
    pthread_t T;
    pthread_create(&T, nullptr, runStep, (void *)I);
    pthread_join(T, nullptr);
    if (Between)
      Between(I);
  }
}

static int Read[3];
static std::string Line;
static bool Failed[3];

int main(int Argc, char **Argv) {
  if (Argc != 2) {
    std::cerr << "usage: " << Argv[0] << " FILE\n";
    return 2;
  }
  std::ios::sync_with_stdio(false);
  std::cin.tie(nullptr);
  std::cout << "main: first\n";
  eachThread(
      [](long Id) { std::cout << "thread " << Id << " writes through main's buffer\n"; },
      [](long Id) { std::cout << "main: after thread " << Id << "\n"; });

  int First;
  std::cin >> First; // main's buffer holds all the input now
  eachThread([](long Id) {
    std::cin >> Read[Id];
    if (Id == 2) {
      std::cin >> std::ws;
      std::getline(std::cin, Line);
    }
  });
  std::cout << "main read " << First << "\n";
  for (int I = 0; I < 3; ++I)
    std::cout << "thread " << I << " read " << Read[I]
              << (I == 2 ? " and the line \"" + Line + "\"" : "") << "\n";
  std::getline(std::cin, Line);
  std::cout << "main's next line: \"" << Line << "\"\n";

  std::streambuf *Terminal = std::cout.rdbuf();
  std::ostringstream String;
  std::cout.rdbuf(String.rdbuf());
  eachThread([](long Id) { std::cout << "thread " << Id << " to the string|"; });
  {
    std::ofstream File(Argv[1]);
    std::cout.rdbuf(File.rdbuf());
    eachThread([](long Id) { std::cout << "thread " << Id << " to the file|"; });
    std::cout.rdbuf(nullptr);
    eachThread([](long Id) {
      std::cout << "lost";
      Failed[Id] = std::cout.bad();
    });
  }
  std::cout.rdbuf(Terminal);
  std::ifstream File(Argv[1]);
  std::string InFile((std::istreambuf_iterator<char>(File)),
                     std::istreambuf_iterator<char>());
  std::cout << "in the string: [" << String.str() << "]\n"
            << "in the file: [" << InFile << "]\n"
            << "with no buffer: thread 0 failed " << (Failed[0] ? "yes" : "no")
            << ", thread 1 failed " << (Failed[1] ? "yes" : "no")
            << ", thread 2 failed " << (Failed[2] ? "yes" : "no") << "\n"
            << "main: last\n";
  std::cout.flush();

  std::wcout << L"wide: main\n";
  eachThread([](long Id) { std::wcout << L"wide: thread " << Id << L"\n"; });
  return 0;
}
