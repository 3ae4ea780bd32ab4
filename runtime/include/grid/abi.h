//===- grid/abi.h - The ABI between -fgrid code and libgridrt -*- C -*-----===//
//
// Declares, from abi.def, every __grid_* entry point, plus the two constant
// records the plugin emits: the call-site record passed to every entry, and
// the per-module record passed to __grid_register_module.
//
// The plugin also embeds, in the ELF section GRID_META_SECTION of each
// object, a self-contained copy of the module's metadata that tools read
// without running the program (gridctl inspect). Each module contributes one
// frame: the 8 bytes GRID_META_MAGIC, a 4-byte little-endian payload length,
// then that many bytes of UTF-8 JSON:
//   {"abi":2,"module":"app.cpp","thread_tolerance":null|0..3,
//    "process_tolerance":null|0..3,
//    "sites":[{"file":"app.cpp","line":42,"column":7,"function":"worker",
//              "kind":"pthread_create"}, ...]}
// The linker concatenates frames; readers skip zero bytes between frames.
//===----------------------------------------------------------------------===//
#ifndef GRID_ABI_H
#define GRID_ABI_H

#include <pthread.h>
#include <semaphore.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#define GRID_ABI_VERSION 2
#define GRID_META_SECTION "grid_meta"
#define GRID_META_MAGIC "GRIDMETA"
#define GRID_TOLERANCE_UNSET (-1)

#ifdef __cplusplus
extern "C" {
#endif

enum __grid_site_kind {
#define GRID_SITE_KIND(Kind, Text, Category) __grid_kind_##Kind,
#include "grid/abi.def"
  __grid_kind_count
};

// The `op` argument of __grid_atomic_rmw_<N>.
enum __grid_atomic_op {
#define GRID_ATOMIC_OP(Op) __grid_atomic_op_##Op,
#include "grid/abi.def"
  __grid_atomic_op_count
};

// One per rewritten call (or address use); constant, in .rodata.
struct __grid_site {
  const char *file;     // source file, "" when the module has no debug info
  const char *function; // the enclosing user function's source name
  uint32_t line;        // 0 when unknown
  uint32_t column;      // 0 when unknown
  uint32_t kind;        // enum __grid_site_kind
  uint32_t index;       // position in the module's site table
};

// One per module compiled with -fgrid; constant.
struct __grid_module {
  uint32_t abi_version;     // GRID_ABI_VERSION the module was built for
  int32_t thread_tolerance; // -fgrid-thread-tolerance=, or GRID_TOLERANCE_UNSET
  int32_t
      process_tolerance; // -fgrid-process-tolerance=, or GRID_TOLERANCE_UNSET
  uint32_t num_sites;
  const struct __grid_site *sites; // the module's call sites, in index order
  const char *name;                // the module's source file name
};

// __typeof__ lets CType be any type name, function pointers included.
#define GRID_TYPE(Token, CType) typedef __typeof__(CType) __grid_type_##Token;
#include "grid/abi.def"

#define GRID_EXPAND_PARAMS_1(a) __grid_type_##a
#define GRID_EXPAND_PARAMS_2(a, b) __grid_type_##a, __grid_type_##b
#define GRID_EXPAND_PARAMS_3(a, b, c)                                          \
  __grid_type_##a, __grid_type_##b, __grid_type_##c
#define GRID_EXPAND_PARAMS_4(a, b, c, d)                                       \
  __grid_type_##a, __grid_type_##b, __grid_type_##c, __grid_type_##d
#define GRID_EXPAND_PARAMS_5(a, b, c, d, e)                                    \
  __grid_type_##a, __grid_type_##b, __grid_type_##c, __grid_type_##d,          \
      __grid_type_##e
#define GRID_EXPAND_PARAMS_6(a, b, c, d, e, f)                                 \
  __grid_type_##a, __grid_type_##b, __grid_type_##c, __grid_type_##d,          \
      __grid_type_##e, __grid_type_##f
#define GRID_EXPAND_PARAMS_7(a, b, c, d, e, f, g)                              \
  __grid_type_##a, __grid_type_##b, __grid_type_##c, __grid_type_##d,          \
      __grid_type_##e, __grid_type_##f, __grid_type_##g
#define GRID_NARGS_(_1, _2, _3, _4, _5, _6, _7, N, ...) N
#define GRID_NARGS(...) GRID_NARGS_(__VA_ARGS__, 7, 6, 5, 4, 3, 2, 1, 0)
#define GRID_CAT_(a, b) a##b
#define GRID_CAT(a, b) GRID_CAT_(a, b)
#define GRID_PARAMS_(...)                                                      \
  GRID_CAT(GRID_EXPAND_PARAMS_, GRID_NARGS(__VA_ARGS__))(__VA_ARGS__)
#define GRID_PARAMS(P) GRID_PARAMS_ P

#define GRID_RTL(Name, Ret, Params)                                            \
  __grid_type_##Ret __grid_##Name(GRID_PARAMS(Params));
#define GRID_RTL_VARARG(Name, Ret, Params)                                     \
  __grid_type_##Ret __grid_##Name(GRID_PARAMS(Params), ...);
#define GRID_RTL_NOSITE(Name, Ret, Params)                                     \
  __grid_type_##Ret __grid_##Name(GRID_PARAMS(Params));
#include "grid/abi.def"

// Zero while every synchronisation call and atomic of this process may take
// the native path: no thread of the program runs on another node, and home
// caches no page of another. Code compiled with -fgrid loads it (relaxed)
// before each atomic instruction it rewrites and before each call of a
// GRID_NATIVE_INLINE function (abi.def: the short locks), and performs the
// atomic or makes the libc call itself while it is zero, calling the
// __grid_ entry point only once it is set. Defined by libgridrt.so, which
// sets it before the first thread goes to another node (home) or arrives
// (agent); a fork child clears its copy, and an agent as it exits.
extern unsigned char __grid_sync_cluster;

#ifdef __cplusplus
} // extern "C"
#endif

#endif // GRID_ABI_H
