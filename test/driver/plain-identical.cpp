// Without a Grid flag grid-clang++ is clang++-19: the same object file and
// assembly, byte for byte.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clangxx -std=c++20 -c %s -o %t/ref.o
// RUN: %grid-clangxx -std=c++20 -c %s -o %t/grid.o
// RUN: cmp %t/ref.o %t/grid.o
// RUN: %clangxx -std=c++20 -O2 -g -c %s -o %t/ref-O2.o
// RUN: %grid-clangxx -std=c++20 -O2 -g -c %s -o %t/grid-O2.o
// RUN: cmp %t/ref-O2.o %t/grid-O2.o
// RUN: %clangxx -std=c++20 -S -O2 %s -o %t/ref.s
// RUN: %grid-clangxx -std=c++20 -S -O2 %s -o %t/grid.s
// RUN: cmp %t/ref.s %t/grid.s
// And it links like clang++ (libstdc++ included).
// RUN: %grid-clangxx -std=c++20 %t/grid.o -o %t/app
// RUN: %t/app | FileCheck %s
// CHECK: 4950
#include <iostream>
#include <numeric>
#include <thread>
#include <vector>

int main() {
  std::vector<int> Values(100);
  std::iota(Values.begin(), Values.end(), 0);
  long Sum = 0;
  std::thread T([&] { Sum = std::accumulate(Values.begin(), Values.end(), 0L); });
  T.join();
  std::cout << Sum << "\n";
}
