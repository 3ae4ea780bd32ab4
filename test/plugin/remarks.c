// -Rpass=grid prints one remark per rewritten call, at the call's source
// line, naming the original and the entry point; address uses get a remark
// naming the thunk.
// RUN: %clang -O0 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -Rpass=grid -c %s -o /dev/null 2>&1 | FileCheck %s --implicit-check-not=remark:
// RUN: %clang -O2 -Xclang -load -Xclang %grid_plugin -fpass-plugin=%grid_plugin -Rpass=grid -c %s -o /dev/null 2>&1 | FileCheck %s --implicit-check-not=remark:
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *worker(void *arg) { return arg; }

int (*volatile exec_hook)(const char *, const char *, ...);

int run(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  // CHECK: remarks.c:[[#@LINE-1]]:3: remark: rewrote call to pthread_create into __grid_pthread_create [-Rpass=grid]
  pthread_join(t, NULL);
  // CHECK: remarks.c:[[#@LINE-1]]:3: remark: rewrote call to pthread_join into __grid_pthread_join [-Rpass=grid]
  int status = system("true");
  // CHECK: remarks.c:[[#@LINE-1]]:16: remark: rewrote call to system into __grid_system [-Rpass=grid]
  exec_hook = execl;
  // CHECK: remarks.c:[[#@LINE-1]]:{{[0-9]+}}: remark: replaced address of execl with a thunk into __grid_vexecl [-Rpass=grid]
  return status;
}
