// The standard streams' formatting main sets (std::fixed, setprecision,
// showpos, boolalpha, fill; std::cin's base, std::cerr's, std::clog's and
// std::wcout's) is what threads on other nodes format with, as on one
// machine, and a change main makes between two thread starts reaches the
// threads started after it. Before, each agent's streams kept their
// defaults: 2.71828 and 1 where main had asked for +2.718 and true.
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck --strict-whitespace %s < %t.three.out
// RUN: FileCheck %s --check-prefix=STATS < %t.three.err
// CHECK: round +1, thread +0: [****+2.718] true; cerr +10, clog scientific yes, cin hex yes, wcout +7
// CHECK-NEXT: round +1, thread +1: [****+5.437] true; cerr +10, clog scientific yes, cin hex yes, wcout +7
// CHECK-NEXT: round +1, thread +2: [****+8.155] true; cerr +10, clog scientific yes, cin hex yes, wcout +7
// CHECK-NEXT: round 2, thread 0: [     2.718] 1; cerr 4, clog scientific no, cin hex no, wcout 6
// CHECK-NEXT: round 2, thread 1: [     5.437] 1; cerr 4, clog scientific no, cin hex no, wcout 6
// CHECK-NEXT: round 2, thread 2: [     8.155] 1; cerr 4, clog scientific no, cin hex no, wcout 6
// STATS: stream-format.cpp:{{[0-9]+}} (round) pthread_create 6 {{.*}}node 1: 2, node 2: 2
#include <iomanip>
#include <iostream>
#include <pthread.h>

static int Round;

static void *print(void *P) {
  long Id = (long)P;
  std::cout << "round " << Round << ", thread " << Id << ": [" << std::setw(10)
            << 2.718281828 * (Id + 1) << "] " << true << "; cerr "
            << std::cerr.precision() << ", clog scientific "
            << ((std::clog.flags() & std::ios::floatfield) == std::ios::scientific
                    ? "yes"
                    : "no")
            << ", cin hex "
            << ((std::cin.flags() & std::ios::basefield) == std::ios::hex ? "yes"
                                                                       : "no")
            << ", wcout " << std::wcout.precision() << std::endl;
  return nullptr;
}

// Threads 0, 1 and 2: home, node 1, node 2 under spread; one at a time.
static void round() {
  ++Round;
  for (long I = 0; I < 3; ++I) {
    pthread_t T;
    pthread_create(&T, nullptr, print, (void *)I);
    pthread_join(T, nullptr);
  }
}

int main() {
  std::cout << std::fixed << std::setprecision(3) << std::showpos
            << std::boolalpha << std::setfill('*');
  std::cerr.precision(10);
  std::clog << std::scientific;
  std::cin >> std::hex;
  std::wcout.precision(7);
  round();

  std::cout << std::defaultfloat << std::setprecision(4) << std::noshowpos
            << std::noboolalpha << std::setfill(' ');
  std::cerr.precision(4);
  std::clog << std::defaultfloat;
  std::cin >> std::dec;
  std::wcout.precision(6);
  round();
  return 0;
}
