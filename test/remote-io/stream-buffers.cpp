// The standard streams' buffers main changes are the ones threads on other
// nodes read and write (api/Streams.cpp):
//  - after std::ios::sync_with_stdio(false), each stream has a buffer of
//    its own: what remote threads write with std::cout and std::wcout lands
//    in it, between main's lines, and what they read with std::cin comes
//    from the input main's std::cin has already buffered;
//  - std::cout.rdbuf() redirected to a std::ostringstream's buffer and to
//    a std::ofstream's: the threads' lines are in the string and the file;
//  - std::cout.rdbuf(nullptr): the threads' writes fail, as main's do;
//    and a buffer of the program's that throws: their streams go bad;
//  - tellp of the redirected std::cout answers home's buffer's position;
//  - a thread on node 1 that runs while main redirects std::cout to a
//    string and back writes where main's std::cout writes each time.
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
// CHECK-NEXT: a throwing buffer: thread 0 failed yes, thread 1 failed yes, thread 2 failed yes
// CHECK-NEXT: printer: before
// CHECK-NEXT: printer: after
// CHECK-NEXT: while a thread ran: [B into the string|printer: into the string|]
// CHECK-NEXT: in the string: [thread 0 to the string|thread 1 to the string|thread 2 to the string|], told at 23 46 69
// CHECK-NEXT: in the file: [thread 0 to the file|thread 1 to the file|thread 2 to the file|]
// CHECK-NEXT: with no buffer: thread 0 failed yes, thread 1 failed yes, thread 2 failed yes
// CHECK-NEXT: main: last
// CHECK-NEXT: wide: main
// CHECK-NEXT: wide: thread 0
// CHECK-NEXT: wide: thread 1
// CHECK-NEXT: wide: thread 2
// STATS-DAG: stream-buffers.cpp:{{[0-9]+}} (eachThread) pthread_create 21 {{.*}}node 1: 7, node 2: 7
// STATS-DAG: stream-buffers.cpp:{{[0-9]+}} (onNode1) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#include <atomic>
#include <fstream>
#include <stdexcept>
#include <unistd.h>
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
static bool Failed[3], Thrown[3];
static long Told[3];

// A stream buffer that throws on output, as a program's own may.
struct Thrower : std::streambuf {
  int_type overflow(int_type) override { throw std::runtime_error("full"); }
  std::streamsize xsputn(const char *, std::streamsize) override {
    throw std::runtime_error("full");
  }
};

// A thread on node 1 that writes while main changes std::cout's buffer
// under it: one line per turn main gives.
static std::atomic<int> Turn, Done;
static void *printer(void *) {
  const char *Lines[] = {"printer: before\n", "printer: into the string|",
                         "printer: after\n"};
  for (int T = 1; T <= 3; ++T) {
    while (Turn.load() != T)
      usleep(1000);
    std::cout << Lines[T - 1];
    Done.store(T);
  }
  return nullptr;
}
static void *nothing(void *) { return nullptr; }
static void *intoString(void *) {
  std::cout << "B into the string|";
  return nullptr;
}
static void turn(int T) {
  Turn.store(T);
  while (Done.load() != T)
    usleep(1000);
}
// Three threads (home, node 1, node 2), the one on node 1 running Fn.
static void onNode1(void *(*Fn)(void *), pthread_t *Middle) {
  pthread_t T[3];
  for (int I = 0; I < 3; ++I)
    pthread_create(&T[I], nullptr, I == 1 ? Fn : nothing, nullptr);
  for (int I = 0; I < 3; ++I)
    if (I != 1 || !Middle)
      pthread_join(T[I], nullptr);
  if (Middle)
    *Middle = T[1];
}

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
  eachThread([](long Id) {
    std::cout << "thread " << Id << " to the string|";
    Told[Id] = static_cast<long>(std::cout.tellp()); // home's buffer's
  });
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
  Thrower Throws;
  std::cout.rdbuf(&Throws);
  eachThread([](long Id) {
    std::cout.clear(); // what thread 0's throw set
    std::cout << "thrown";
    Thrown[Id] = std::cout.bad();
  });
  std::cout.rdbuf(Terminal);
  std::cout << "a throwing buffer: thread 0 failed " << (Thrown[0] ? "yes" : "no")
            << ", thread 1 failed " << (Thrown[1] ? "yes" : "no")
            << ", thread 2 failed " << (Thrown[2] ? "yes" : "no") << "\n";

  pthread_t Printer;
  onNode1(printer, &Printer);
  turn(1);
  std::cout.flush();
  std::ostringstream Later;
  std::cout.rdbuf(Later.rdbuf());
  onNode1(intoString, nullptr); // node 1 learns of the change
  turn(2);
  std::cout.rdbuf(Terminal);
  turn(3);
  pthread_join(Printer, nullptr);
  std::cout << "while a thread ran: [" << Later.str() << "]\n";

  std::ifstream File(Argv[1]);
  std::string InFile((std::istreambuf_iterator<char>(File)),
                     std::istreambuf_iterator<char>());
  std::cout << "in the string: [" << String.str() << "], told at "
            << Told[0] << " " << Told[1] << " " << Told[2] << "\n"
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
