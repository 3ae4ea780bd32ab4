// -Rpass=grid reports address uses in global initializers too, one remark
// per use, naming the global. No instruction holds them: with debug info the
// remark is at the global's line, without it there is no location.
// RUN: %clang -O0 -g -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -Rpass=grid -c %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=LOC --implicit-check-not=remark:
// RUN: %clang -O2 -g -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -Rpass=grid -c %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=LOC --implicit-check-not=remark:
// RUN: %clang -O0 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -Rpass=grid -c %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOLOC --implicit-check-not=remark:
#include <pthread.h>
#include <unistd.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
                         void *(*)(void *), void *);

static create_fn table[] = {pthread_create, 0};
// LOC: remarks-global.c:[[#@LINE-1]]:{{[0-9]+}}: remark: replaced address of pthread_create in the initializer of table with a thunk into __grid_pthread_create [-Rpass=grid]
// NOLOC: {{^}}remark: replaced address of pthread_create in the initializer of table with a thunk into __grid_pthread_create [-Rpass=grid]

struct hooks {
  pid_t (*spawn)(void);
  void (*quit)(void *);
};
struct hooks process_hooks = {fork, pthread_exit};
// LOC-DAG: remarks-global.c:[[#@LINE-1]]:{{[0-9]+}}: remark: replaced address of fork in the initializer of process_hooks with a thunk into __grid_fork [-Rpass=grid]
// LOC-DAG: remarks-global.c:[[#@LINE-2]]:{{[0-9]+}}: remark: replaced address of pthread_exit in the initializer of process_hooks with a thunk into __grid_pthread_exit [-Rpass=grid]
// NOLOC-DAG: {{^}}remark: replaced address of fork in the initializer of process_hooks with a thunk into __grid_fork [-Rpass=grid]
// NOLOC-DAG: {{^}}remark: replaced address of pthread_exit in the initializer of process_hooks with a thunk into __grid_pthread_exit [-Rpass=grid]

create_fn pick(int i) { return table[i]; }
