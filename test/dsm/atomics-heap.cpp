// Atomics and the heap across nodes: atomic counters, a lock-free stack
// pushed with compare-and-swap by threads on every node, std::thread lambdas
// capturing references to main's locals, memory allocated on one node and
// freed on another, and a barrier-synchronised Jacobi stencil equal to the
// sequential result. The output equals the same program run without mpirun.
//
// RUN: %clangxx -std=c++20 -O1 %s -o %t.plain
// RUN: %grid-clangxx -fgrid -std=c++20 -O1 -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: %mpirun3t %t.fgrid > %t.three.out 2> %t.three.err
// RUN: diff %t.plain.out %t.three.out
// RUN: FileCheck %s < %t.three.err
// The same with closed pages and SIGSEGV instead of userfaultfd, and with
// pages and diffs as messages (Open MPI 4 has no windows over TCP).
// RUN: %mpirun3t -x GRID_DSM_FAULTS=signal %t.fgrid > %t.signal.out 2> %t.signal.err
// RUN: diff %t.plain.out %t.signal.out
// RUN: FileCheck %s --check-prefixes=CHECK,SIGNAL < %t.signal.err
// RUN: %mpirun3t %tcp %t.fgrid > %t.tcp.out 2> %t.tcp.err
// RUN: diff %t.plain.out %t.tcp.out
// RUN: FileCheck %s --check-prefixes=CHECK,TCP < %t.tcp.err
// SIGNAL: grid: dsm: pages move one-sided (MPI windows), faults by signals
// TCP: grid: dsm: pages move as messages, faults by userfaultfd
// CHECK-DAG: atomics-heap.cpp:{{[0-9]+}} (atomics) std::thread 6 {{.*}}node 1: 2, node 2: 2
// CHECK-DAG: atomics-heap.cpp:{{[0-9]+}} (heap) std::thread 6 {{.*}}node 1: 2, node 2: 2
// CHECK-DAG: atomics-heap.cpp:{{[0-9]+}} (jacobi) std::thread 3 {{.*}}node 1: 1, node 2: 1
#include <atomic>
#include <barrier>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct Node {
  long Value;
  Node *Next;
};

static std::atomic<long> Hits{0};
static std::atomic<Node *> Top{nullptr};

static void atomics() {
  long Local = 0; // main's local, captured by reference
  std::mutex LocalLock;
  std::vector<std::thread> T;
  for (int I = 0; I < 6; ++I)
    T.emplace_back([I, &Local, &LocalLock] {
      for (int K = 0; K < 50; ++K) {
        Hits.fetch_add(1);
        Node *N = new Node{I * 100 + K, Top.load()};
        while (!Top.compare_exchange_weak(N->Next, N)) {
        }
      }
      std::lock_guard<std::mutex> G(LocalLock);
      Local += I;
    });
  for (auto &Th : T)
    Th.join();
  long Sum = 0, Count = 0;
  for (Node *N = Top.load(); N;) {
    Sum += N->Value;
    ++Count;
    Node *Next = N->Next;
    delete N; // allocated on whichever node pushed it
    N = Next;
  }
  std::printf("atomics: hits %ld, stack %ld nodes summing to %ld, local %ld\n",
              Hits.load(), Count, Sum, Local);
}

static void heap() {
  // Each thread allocates a string and a block for the next one to free.
  std::vector<std::string *> Strings(6);
  std::vector<int *> Blocks(6);
  std::vector<std::thread> T;
  for (int I = 0; I < 6; ++I)
    T.emplace_back([I, &Strings, &Blocks] {
      Strings[I] = new std::string("string made by thread " + std::to_string(I));
      Blocks[I] = static_cast<int *>(std::calloc(1000, sizeof(int)));
      for (int K = 0; K < 1000; ++K)
        Blocks[I][K] += K * I;
      Blocks[I] = static_cast<int *>(std::realloc(Blocks[I], 2000 * sizeof(int)));
    });
  for (auto &Th : T)
    Th.join();
  long Sum = 0;
  for (int I = 0; I < 6; ++I) {
    std::printf("%s\n", Strings[I]->c_str());
    delete Strings[I]; // freed at home, made elsewhere
    for (int K = 0; K < 1000; ++K)
      Sum += Blocks[I][K];
    std::free(Blocks[I]);
  }
  std::printf("heap: blocks sum %ld\n", Sum);
}

static void jacobi() {
  constexpr int N = 3000, Steps = 20, Parts = 3;
  std::vector<double> A(N + 2, 0.0), B(N + 2, 0.0), Seq(N + 2, 0.0);
  A[0] = B[0] = Seq[0] = 1.0;
  A[N + 1] = B[N + 1] = Seq[N + 1] = 2.0;
  std::vector<double> SeqNext = Seq;
  for (int S = 0; S < Steps; ++S) {
    for (int I = 1; I <= N; ++I)
      SeqNext[I] = (Seq[I - 1] + Seq[I] + Seq[I + 1]) / 3;
    std::swap(Seq, SeqNext);
  }
  std::barrier Sync(Parts);
  std::vector<std::thread> T;
  for (int P = 0; P < Parts; ++P)
    T.emplace_back([&, P] {
      int Lo = 1 + P * N / Parts, Hi = (P + 1) * N / Parts;
      std::vector<double> *From = &A, *To = &B;
      for (int S = 0; S < Steps; ++S) {
        for (int I = Lo; I <= Hi; ++I)
          (*To)[I] = ((*From)[I - 1] + (*From)[I] + (*From)[I + 1]) / 3;
        Sync.arrive_and_wait();
        std::swap(From, To);
      }
    });
  for (auto &Th : T)
    Th.join();
  const std::vector<double> &Result = Steps % 2 ? B : A;
  int Same = 0;
  for (int I = 0; I <= N + 1; ++I)
    Same += Result[I] == Seq[I];
  std::printf("jacobi: %d of %d values equal the sequential result\n", Same,
              N + 2);
}

int main() {
  atomics();
  heap();
  jacobi();
  return 0;
}
