//===- benchmarks/dsm_kernels.h - Compute shared by the DSM figures -------===//
//
// The Monte Carlo pi and Jacobi kernels of the issue-5 figures (and the
// median both sides report, the timing of calls in chunks, and their option
// parsing), included by both dsm_threads.cpp (threads, built with -fgrid)
// and dsm_mpi.cpp (the hand-written MPI versions), so that the two sides run
// the same code built by the same compiler with the same flags, and their
// results must be equal to the bit.
//===----------------------------------------------------------------------===//
#ifndef GRID_BENCHMARKS_DSM_KERNELS_H
#define GRID_BENCHMARKS_DSM_KERNELS_H

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace dsmbench {

/// Text (the value of option Name) as a whole number from 1 to Max, or
/// Fail(message), which does not return.
template <typename FailFn>
uint64_t parseCount(const std::string &Name, const char *Text, uint64_t Max,
                    FailFn &&Fail) {
  char *End = nullptr;
  unsigned long long Value = std::strtoull(Text, &End, 10);
  if (*Text == '\0' || *End != '\0' || Value < 1 || Value > Max)
    Fail(Name + " needs an integer from 1 to " + std::to_string(Max) +
         ", got '" + Text + "'");
  return Value;
}

/// The median of the samples of a figure (both sides report medians).
inline double median(std::vector<double> V) {
  std::sort(V.begin(), V.end());
  size_t N = V.size();
  return N % 2 ? V[N / 2] : (V[N / 2 - 1] + V[N / 2]) / 2;
}

/// The median ns per call of Call() over Chunks chunks of Calls calls each,
/// the first chunk (a warm-up) left out.
template <typename CallFn>
double nsPerCall(uint64_t Chunks, uint64_t Calls, CallFn &&Call) {
  std::vector<double> Ns;
  for (uint64_t C = 0; C < Chunks; ++C) {
    auto Start = std::chrono::steady_clock::now();
    for (uint64_t I = 0; I < Calls; ++I)
      Call();
    std::chrono::duration<double, std::nano> Spent =
        std::chrono::steady_clock::now() - Start;
    if (C > 0)
      Ns.push_back(Spent.count() / static_cast<double>(Calls));
  }
  return median(Ns);
}

inline uint64_t splitmix64(uint64_t &State) {
  uint64_t Z = (State += 0x9e3779b97f4a7c15ULL);
  Z = (Z ^ (Z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  Z = (Z ^ (Z >> 27)) * 0x94d049bb133111ebULL;
  return Z ^ (Z >> 31);
}

/// Points of the unit square inside the quarter circle, of Samples drawn
/// from the stream of worker Index (one stream per thread or rank).
inline uint64_t piHits(unsigned Index, uint64_t Samples) {
  uint64_t State = 0x1234567ULL * (Index + 1);
  uint64_t Hits = 0;
  for (uint64_t I = 0; I < Samples; ++I) {
    double X = static_cast<double>(splitmix64(State) >> 11) * 0x1p-53;
    double Y = static_cast<double>(splitmix64(State) >> 11) * 0x1p-53;
    Hits += X * X + Y * Y < 1.0;
  }
  return Hits;
}

/// The initial value of cell I of a 1D Jacobi grid (cells 0 and N+1 are the
/// fixed boundary).
inline double jacobiInitial(size_t I) {
  return static_cast<double>((I * 7919) % 1000) / 1000.0;
}

/// One sweep over cells [Begin, End): each becomes the mean of itself and
/// its two neighbours in In.
inline void jacobiSweep(const double *In, double *Out, size_t Begin,
                        size_t End) {
  for (size_t I = Begin; I < End; ++I)
    Out[I] = (In[I - 1] + In[I] + In[I + 1]) / 3.0;
}

/// A weighted sum of cells 1..N, in one order on both sides.
inline double jacobiChecksum(const double *A, size_t N) {
  double Sum = 0;
  for (size_t I = 1; I <= N; ++I)
    Sum += A[I] * static_cast<double>(I % 7 + 1);
  return Sum;
}

} // namespace dsmbench

#endif // GRID_BENCHMARKS_DSM_KERNELS_H
