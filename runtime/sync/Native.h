//===- sync/Native.h - The native atomics, inline ---------------*- C++ -*-===//
//
// The __atomic builtins behind every atomic entry point's fast path and
// performAtomic(), inline so that the fast path is one call from the
// program and no further one. Orders are the C ABI's (__ATOMIC_*); an
// order a load or store cannot have is taken as __ATOMIC_SEQ_CST, and
// read-modify-writes pass theirs at run time, which the builtins treat as
// __ATOMIC_SEQ_CST (at least as strong as any, the same lock-prefixed
// instructions on x86-64).
//===----------------------------------------------------------------------===//
#ifndef GRID_SYNC_NATIVE_H
#define GRID_SYNC_NATIVE_H

#include "sync/Sync.h"

#include <cstdint>
#include <type_traits>

namespace grid::sync::native {

template <class T> inline T load(const void *Ptr, int Order) {
  const T *P = static_cast<const T *>(Ptr);
  switch (Order) {
  case __ATOMIC_RELAXED:
    return __atomic_load_n(P, __ATOMIC_RELAXED);
  case __ATOMIC_CONSUME:
  case __ATOMIC_ACQUIRE:
    return __atomic_load_n(P, __ATOMIC_ACQUIRE);
  default:
    return __atomic_load_n(P, __ATOMIC_SEQ_CST);
  }
}

template <class T> inline void store(void *Ptr, T Value, int Order) {
  T *P = static_cast<T *>(Ptr);
  switch (Order) {
  case __ATOMIC_RELAXED:
    __atomic_store_n(P, Value, __ATOMIC_RELAXED);
    return;
  case __ATOMIC_RELEASE:
    __atomic_store_n(P, Value, __ATOMIC_RELEASE);
    return;
  default:
    __atomic_store_n(P, Value, __ATOMIC_SEQ_CST);
    return;
  }
}

inline void fence(int Order) {
  switch (Order) {
  case __ATOMIC_RELAXED:
    return;
  case __ATOMIC_CONSUME:
  case __ATOMIC_ACQUIRE:
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return;
  case __ATOMIC_RELEASE:
    __atomic_thread_fence(__ATOMIC_RELEASE);
    return;
  case __ATOMIC_ACQ_REL:
    __atomic_thread_fence(__ATOMIC_ACQ_REL);
    return;
  default:
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return;
  }
}

/// Replaces *P by Pick(old) in one step; returns the old value.
template <class T, class Pick>
inline T update(T *P, int Order, Pick &&PickNew) {
  T Old = __atomic_load_n(P, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(P, &Old, PickNew(Old), false, Order,
                                      __ATOMIC_RELAXED)) {
  }
  return Old;
}

/// The read-modify-write Op (Xchg ... UMin) on *Ptr; returns the old value.
/// Any other Op returns the old value unchanged (no entry passes one).
template <class T>
[[gnu::always_inline]] inline T readModifyWrite(void *Ptr, AtomicOp Op, T Value,
                                                int Order) {
  static_assert(std::is_unsigned_v<T>);
  using S = std::make_signed_t<T>;
  T *P = static_cast<T *>(Ptr);
  switch (Op) {
  case AtomicOp::Xchg:
    return __atomic_exchange_n(P, Value, Order);
  case AtomicOp::Add:
    return __atomic_fetch_add(P, Value, Order);
  case AtomicOp::Sub:
    return __atomic_fetch_sub(P, Value, Order);
  case AtomicOp::And:
    return __atomic_fetch_and(P, Value, Order);
  case AtomicOp::Nand:
    return __atomic_fetch_nand(P, Value, Order);
  case AtomicOp::Or:
    return __atomic_fetch_or(P, Value, Order);
  case AtomicOp::Xor:
    return __atomic_fetch_xor(P, Value, Order);
  case AtomicOp::Max:
    return update(P, Order, [Value](T Old) {
      return static_cast<S>(Old) < static_cast<S>(Value) ? Value : Old;
    });
  case AtomicOp::Min:
    return update(P, Order, [Value](T Old) {
      return static_cast<S>(Value) < static_cast<S>(Old) ? Value : Old;
    });
  case AtomicOp::UMax:
    return update(P, Order,
                  [Value](T Old) { return Old < Value ? Value : Old; });
  case AtomicOp::UMin:
    return update(P, Order,
                  [Value](T Old) { return Value < Old ? Value : Old; });
  default:
    return __atomic_load_n(P, __ATOMIC_SEQ_CST);
  }
}

/// A strong compare-and-exchange; returns the old value (it succeeded if
/// that equals Expected).
template <class T>
inline T compareExchange(void *Ptr, T Expected, T Desired, int Order,
                         int FailOrder) {
  __atomic_compare_exchange_n(static_cast<T *>(Ptr), &Expected, Desired, false,
                              Order, FailOrder);
  return Expected;
}

} // namespace grid::sync::native

#endif // GRID_SYNC_NATIVE_H
