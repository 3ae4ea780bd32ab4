// C++ streams on threads on agents: std::cout and std::cerr on node 1; a
// std::ofstream opened by a thread on node 2 (libstdc++ opens with fopen64,
// writes with write) and read back by a std::ifstream on node 1; a
// std::ofstream opened by main at home and appended by node 2; std::cin read
// on node 1. Output and files equal those of the same program without
// mpirun.
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g %s -o %t.fgrid
// RUN: rm -rf %t.plain.dir %t.three.dir && mkdir %t.plain.dir %t.three.dir
// RUN: echo 'alpha beta' > %t.in && echo gamma >> %t.in
// RUN: %t.plain %t.plain.dir < %t.in > %t.plain.out 2> %t.plain.err
// RUN: %mpirun3t %t.fgrid %t.three.dir < %t.in > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: grep -v '^grid:' %t.three.err > %t.three.err.own
// RUN: diff %t.plain.err %t.three.err.own
// RUN: diff -r %t.plain.dir %t.three.dir
// RUN: FileCheck %s < %t.three.out
// RUN: FileCheck %s --check-prefix=HOME-FILE < %t.three.dir/home-report
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: thread 1 on std::cout
// CHECK: thread 4 read back: report of thread 2, 100 lines, sum 4950
// CHECK: thread 7 read from std::cin: alpha beta gamma
// HOME-FILE: main's line
// HOME-FILE-NEXT: appended by thread 5
// STATS: streams.cpp:{{[0-9]+}} (run_all) std::thread 8 {{.*}}node 1: 3, node 2: 2
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

static std::string Dir;
static std::ofstream *HomeFile;

static void write_report(long Id) {
  std::ofstream Out(Dir + "/report");
  Out << "report of thread " << Id << "\n";
  for (int I = 0; I < 100; ++I)
    Out << I << '\n';
}

static void read_report(long Id) {
  std::ifstream In(Dir + "/report");
  std::string First;
  std::getline(In, First);
  long Lines = 0, Sum = 0, Value;
  while (In >> Value) {
    ++Lines;
    Sum += Value;
  }
  std::cout << "thread " << Id << " read back: " << First << ", " << Lines
            << " lines, sum " << Sum << std::endl;
}

static void speak(long Id) {
  std::cout << "thread " << Id << " on std::cout" << std::endl;
  std::cerr << "thread " << Id << " on std::cerr\n";
}

static void read_cin(long Id) {
  std::string Word, All;
  while (std::cin >> Word)
    All += (All.empty() ? "" : " ") + Word;
  std::cout << "thread " << Id << " read from std::cin: " << All << std::endl;
}

static void append_home_file(long Id) {
  *HomeFile << "appended by thread " << Id << std::endl;
}

static void nothing(long) {}

static void run_all() {
  // Spread places threads round robin: at home, node 1, node 2, home...
  void (*Steps[])(long) = {speak,   speak,       write_report,
                           speak,   read_report, append_home_file,
                           nothing, read_cin};
  for (long Id = 0; Id < 8; ++Id)
    std::thread(Steps[Id], Id).join();
}

int main(int Argc, char **Argv) {
  if (Argc != 2)
    return 2;
  Dir = Argv[1];
  HomeFile = new std::ofstream(Dir + "/home-report");
  *HomeFile << "main's line" << std::endl;
  run_all();
  delete HomeFile;
  return 0;
}
