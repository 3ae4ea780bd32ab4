#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/syscall.h>
namespace grid::trace {
struct Ev { uint64_t Ns; uint32_t Tid; uint16_t E; uint16_t A; };
inline Ev *buf() {
  static Ev *B = [] {
    char N[64]; std::snprintf(N, sizeof N, "/tmp/tr/t.%ld", syscall(SYS_getpid));
    int Fd = syscall(SYS_openat, AT_FDCWD, N, O_RDWR | O_CREAT | O_TRUNC, 0644);
    syscall(SYS_ftruncate, Fd, (1 << 22) * sizeof(Ev));
    void *P = (void *)syscall(SYS_mmap, nullptr, (1 << 22) * sizeof(Ev), PROT_READ | PROT_WRITE, MAP_SHARED, Fd, 0);
    syscall(SYS_close, Fd);
    return static_cast<Ev *>(P);
  }();
  return B;
}
inline std::atomic<uint32_t> &idx() { static std::atomic<uint32_t> I{0}; return I; }
inline void stamp(uint16_t E, uint16_t A = 0) {
  static bool On = [] { for (char **E = ::environ; *E; ++E) if (!strncmp(*E, "GRID_TR=", 8)) return true; return false; }(); if (!On) return;
  timespec T; clock_gettime(CLOCK_MONOTONIC, &T);
  uint32_t I = idx().fetch_add(1) & ((1 << 22) - 1);
  Ev *B = buf();
  B[I] = {uint64_t(T.tv_sec) * 1000000000 + T.tv_nsec, uint32_t(syscall(SYS_gettid)), E, A};
}
}
