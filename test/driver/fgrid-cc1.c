// What clang-19 itself runs for grid-clang -fgrid (-###): the plugin is
// loaded into the compiler and its pass added, the tolerance reaches it as a
// number, and only the link step gets libgridrt.so and its rpath, with no
// "unused argument" warnings anywhere.
// RUN: %grid-clang -### -fgrid -fgrid-thread-tolerance=any -c %s -o %t.o 2>&1 \
// RUN:   | FileCheck %s --check-prefix=COMPILE --implicit-check-not=warning:
// COMPILE: "-cc1"
// COMPILE-SAME: "-fpass-plugin=[[PLUGIN:[^"]*/GridPlugin-19.so]]"
// COMPILE-SAME: "-load" "[[PLUGIN]]"
// COMPILE-SAME: "-mllvm" "-grid-thread-tolerance=3"
// COMPILE-NOT: gridrt
//
// RUN: %grid-clang -### -fgrid -fgrid-process-tolerance=near %s -o %t 2>&1 \
// RUN:   | FileCheck %s --check-prefix=LINK --implicit-check-not=warning:
// LINK: "-cc1"
// LINK-SAME: "-mllvm" "-grid-process-tolerance=2"
// LINK: "{{.*}}ld"
// LINK-SAME: "-L[[LIBDIR:[^"]*]]"
// LINK-SAME: "-lgridrt" "-rpath" "[[LIBDIR]]"
// LINK-SAME: "-lpthread"
//
// RUN: %grid-clang -c %s -o %t.o
// RUN: %grid-clang -### -fgrid -fgrid-thread-tolerance=1 %t.o -o %t 2>&1 \
// RUN:   | FileCheck %s --check-prefix=LINK-ONLY --implicit-check-not=warning:
// LINK-ONLY-NOT: "-cc1"
// LINK-ONLY: "-lgridrt"
int main(void) { return 0; }
