//===- core/Slices.cpp - Short time slices for the runtime's own threads --===//
//
// core::shortenSlice (Slices.h). glibc before 2.41 has no sched_setattr, so
// the system calls are made directly, with the kernel's struct sched_attr
// (its first version with utilization clamps, 56 bytes, which every kernel
// since 5.3 reads).
//===----------------------------------------------------------------------===//

#include "core/Slices.h"

#include <atomic>
#include <cstdint>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace grid::core {

namespace {
struct SchedAttr {
  uint32_t Size;
  uint32_t Policy;
  uint64_t Flags;
  int32_t Nice;
  uint32_t Priority;
  uint64_t Runtime; // for SCHED_OTHER: the slice, in nanoseconds
  uint64_t Deadline;
  uint64_t Period;
  uint32_t UtilMin;
  uint32_t UtilMax;
};
constexpr uint64_t ResetOnFork = 0x01; // SCHED_FLAG_RESET_ON_FORK
std::atomic<unsigned> SliceUs{0};
thread_local bool ProgramSlice = false; // shortenSlice(ProgramThread)

// The calling thread's attributes, if its policy is SCHED_OTHER.
bool ownAttributes(SchedAttr *A) {
  *A = {};
  return ::syscall(SYS_sched_getattr, 0, A, sizeof *A, 0) == 0 &&
         A->Policy == SCHED_OTHER;
}

void setSlice(SchedAttr A, uint64_t Flags, uint64_t Runtime) {
  A.Size = sizeof A;
  A.Flags = Flags; // and no clamps asked for: the thread's stay
  A.Runtime = Runtime;
  [[maybe_unused]] long Rc = ::syscall(SYS_sched_setattr, 0, &A, 0);
}

// Gives the calling thread the kernel's default slice if shortenSlice gave
// it a program's thread's.
bool dropProgramSlice() {
  SchedAttr A;
  if (!ProgramSlice || !ownAttributes(&A))
    return false;
  setSlice(A, 0, 0); // 0: the kernel's default, which follows its setting
  ProgramSlice = false;
  return true;
}
} // namespace

void setSliceUs(unsigned Us) { SliceUs.store(Us, std::memory_order_relaxed); }

void shortenSlice(SliceOf Whose) {
  unsigned Us = SliceUs.load(std::memory_order_relaxed);
  SchedAttr A;
  if (Us == 0 || !ownAttributes(&A))
    return;
  bool Own = Whose == SliceOf::OwnThread;
  setSlice(A, Own ? ResetOnFork : 0, uint64_t{Us} * 1000);
  ProgramSlice = !Own;
}

bool hasProgramSlice() { return ProgramSlice; }

void defaultSlice() { dropProgramSlice(); }

void defaultSliceInherited() {
  ProgramSlice = true; // the creator's mark, which a new thread lacks
  dropProgramSlice();
}

DefaultSliceWhile::DefaultSliceWhile() : Short(dropProgramSlice()) {}

DefaultSliceWhile::~DefaultSliceWhile() {
  if (Short)
    shortenSlice(SliceOf::ProgramThread);
}

} // namespace grid::core
