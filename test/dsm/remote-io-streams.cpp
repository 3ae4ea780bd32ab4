// C++ streams on a thread on an agent: std::cout and std::cerr reach home's
// stdout and stderr; a std::ofstream, opened by the thread (libstdc++ opens
// with fopen64) or by main at home (libstdc++ writes with write), stops the
// job with a message that names the call, libstdc++'s function and the
// program's. Without mpirun all of it works.
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g %s -o %t.fgrid
// RUN: %t.plain cout > %t.plain.out 2> %t.plain.err
// RUN: %mpirun3t %t.fgrid cout > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: grep -v '^grid:' %t.three.err > %t.three.err.own
// RUN: diff %t.plain.err %t.three.err.own
//
// RUN: rm -rf %t.dir && mkdir %t.dir
// RUN: not %mpirun3t %t.fgrid open %t.dir/report > %t.open.out 2> %t.open.err
// RUN: FileCheck %s --check-prefix=OPEN < %t.open.err
// RUN: not test -e %t.dir/report
// OPEN: grid: error: fopen64 from a thread running on node 2 (called from std::__basic_file<char>::open({{.*}}) in libstdc++.so.6, from write_report(long) in remote-io-streams.cpp.tmp.fgrid): descriptor calls of threads on other nodes are not supported yet
//
// RUN: not %mpirun3t %t.fgrid home-file %t.dir/home-report > %t.home.out 2> %t.home.err
// RUN: FileCheck %s --check-prefix=HOME < %t.home.err
// HOME: grid: error: write from a thread running on node 2 (called from std::__basic_file<char>::{{.*}} in libstdc++.so.6, from append_report(long) in remote-io-streams.cpp.tmp.fgrid): descriptor calls
//
// RUN: %t.fgrid open %t.dir/report-at-home
// RUN: FileCheck %s --check-prefix=FILE < %t.dir/report-at-home
// RUN: %t.fgrid home-file %t.dir/home-report-at-home
// RUN: FileCheck %s --check-prefix=HOME-FILE < %t.dir/home-report-at-home
// FILE: report of thread 2
// HOME-FILE: main's line
// HOME-FILE-NEXT: appended by thread 2
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

static std::string Mode, Path;
static std::ofstream *HomeFile;

void write_report(long Id) {
  std::ofstream Out(Path);
  Out << "report of thread " << Id << "\n";
}

void append_report(long Id) {
  *HomeFile << "appended by thread " << Id << std::endl;
}

static void run(long Id) {
  // Spread places thread 0 at home, 1 on node 1, 2 on node 2.
  if (Id < 2 || Mode == "cout") {
    std::cout << "thread " << Id << " on std::cout" << std::endl;
    std::cerr << "thread " << Id << " on std::cerr\n";
  } else if (Mode == "open") {
    write_report(Id);
  } else {
    append_report(Id);
  }
}

int main(int Argc, char **Argv) {
  if (Argc < 2)
    return 2;
  Mode = Argv[1];
  Path = Argc > 2 ? Argv[2] : "";
  if (Mode == "home-file") {
    HomeFile = new std::ofstream(Path);
    *HomeFile << "main's line" << std::endl;
  }
  for (long Id = 0; Id < 3; ++Id)
    std::thread(run, Id).join();
  delete HomeFile;
  return 0;
}
