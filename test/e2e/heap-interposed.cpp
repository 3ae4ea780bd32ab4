// Every allocation of a program built with -fgrid goes through libgridrt.so
// (api/Malloc.cpp) to jemalloc, which libgridrt.so links: malloc and the
// rest of the family, and operator new and delete, resolve to libgridrt.so
// whatever the program links first, and jemalloc counts what they allocate.
// The same holds for a C program, and for a plain program gridrun preloads
// libgridrt.so into. (dsm/Heap.h's binding to the shared range and the
// routing of a remote thread's calls home are tested by DsmHeapTest.)
//
// RUN: %grid-clangxx -fgrid %s -o %t -ldl
// RUN: ldd %t | FileCheck %s --check-prefix=LDD
// RUN: %t | FileCheck %s
//
// RUN: %grid-clang -fgrid -x c %s -o %t.c -ldl
// RUN: %t.c | FileCheck %s --check-prefix=C
// RUN: %clang -x c %s -o %t.plain -ldl
// RUN: %gridrun %t.plain | FileCheck %s --check-prefix=C
// RUN: %t.plain | FileCheck %s --check-prefix=PLAIN
//
// LDD: libgridrt.so
// LDD: libjemalloc.so.2

#ifndef _GNU_SOURCE
#define _GNU_SOURCE // dladdr in C
#endif
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*Mallctl)(const char *, void *, size_t *, void *, size_t);

static const char *libraryOf(const char *Symbol) {
  void *Address = dlsym(RTLD_DEFAULT, Symbol);
  Dl_info Info;
  if (!Address || !dladdr(Address, &Info) || !Info.dli_fname)
    return "(none)";
  const char *Slash = strrchr(Info.dli_fname, '/');
  return Slash ? Slash + 1 : Info.dli_fname;
}

// jemalloc's count of the bytes this thread allocated, or 0 without it.
static uint64_t allocatedByJemalloc(void) {
  Mallctl Ctl = (Mallctl)dlsym(RTLD_DEFAULT, "mallctl");
  uint64_t Bytes = 0;
  size_t Size = sizeof Bytes;
  if (!Ctl || Ctl("thread.allocated", &Bytes, &Size, NULL, 0) != 0)
    return 0;
  return Bytes;
}

static void *volatile Kept;

static void check(const char *What, void *P) {
  printf("%s: %s\n", What, P ? "ok" : "failed");
  Kept = P;
}

int main(void) {
  const char *Names[] = {"malloc",
                         "free",
                         "calloc",
                         "realloc",
                         "reallocarray",
                         "posix_memalign",
                         "aligned_alloc",
                         "memalign",
                         "valloc",
                         "pvalloc",
                         "malloc_usable_size"};
  for (size_t I = 0; I < sizeof Names / sizeof *Names; ++I)
    printf("%s in %s\n", Names[I], libraryOf(Names[I]));
  printf("operator new in %s\n", libraryOf("_Znwm"));
  printf("operator delete in %s\n", libraryOf("_ZdlPv"));

  uint64_t Before = allocatedByJemalloc();
  void *P = malloc(1 << 20);
  check("malloc", P);
  P = realloc(P, 2 << 20);
  check("realloc", P);
  printf("usable at least asked: %d\n", malloc_usable_size(P) >= (2 << 20));
  free(P);
  void *Aligned = NULL;
  printf("posix_memalign: %d\n", posix_memalign(&Aligned, 4096, 100));
  printf("aligned: %d\n", (int)((uintptr_t)Aligned % 4096));
  free(Aligned);
  printf("counted by jemalloc: %d\n",
         allocatedByJemalloc() >= Before + (3 << 20));
  return 0;
}

// CHECK: malloc in libgridrt.so
// CHECK-NEXT: free in libgridrt.so
// CHECK-NEXT: calloc in libgridrt.so
// CHECK-NEXT: realloc in libgridrt.so
// CHECK-NEXT: reallocarray in libgridrt.so
// CHECK-NEXT: posix_memalign in libgridrt.so
// CHECK-NEXT: aligned_alloc in libgridrt.so
// CHECK-NEXT: memalign in libgridrt.so
// CHECK-NEXT: valloc in libgridrt.so
// CHECK-NEXT: pvalloc in libgridrt.so
// CHECK-NEXT: malloc_usable_size in libgridrt.so
// CHECK-NEXT: operator new in libgridrt.so
// CHECK-NEXT: operator delete in libgridrt.so
// CHECK-NEXT: malloc: ok
// CHECK-NEXT: realloc: ok
// CHECK-NEXT: usable at least asked: 1
// CHECK-NEXT: posix_memalign: 0
// CHECK-NEXT: aligned: 0
// CHECK-NEXT: counted by jemalloc: 1

// C: malloc in libgridrt.so
// C: pvalloc in libgridrt.so
// C: malloc_usable_size in libgridrt.so
// C: operator new in libgridrt.so
// C: counted by jemalloc: 1

// Without Grid: glibc's malloc, and no jemalloc to count.
// PLAIN: malloc in libc.so.6
// PLAIN: counted by jemalloc: 0
