// GRID_LOG traces each placement decision: the site, the tolerance and
// strategy, the chosen core and why. debug adds the settings, the topology
// and the loads; the default prints nothing.
//
// RUN: %clang -DUSE_GRID -I%S/Inputs %gridrt_include %s -o %t %gridrt_link
// RUN: env GRID_LOG=debug %t 2>&1 | FileCheck --check-prefix=DEBUG %s
// RUN: env GRID_LOG=info %t 2>&1 | FileCheck --check-prefix=INFO --implicit-check-not=debug: %s
// RUN: env GRID_LOG=info GRID_THREAD_TOLERANCE=any GRID_PROCESS_TOLERANCE=near %t 2>&1 | FileCheck --check-prefix=ANY %s
// RUN: env GRID_LOG=info GRID_PLACEMENT=pack GRID_THREAD_TOLERANCE=1 %t 2>&1 | FileCheck --check-prefix=PACK %s
// RUN: %t 2>&1 | FileCheck --check-prefix=QUIET --implicit-check-not=grid: %s

#include "grid-or-plain.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *work(void *Arg) { return Arg; }

int main(void) {
  pthread_t T;
  CREATE(&T, NULL, work, NULL);
  JOIN(T, NULL);
  pid_t Pid = FORK();
  if (Pid == 0)
    _exit(0);
  waitpid(Pid, NULL, 0);
  puts("done");
  return 0;
}

// DEBUG: grid: debug: settings: thread tolerance local (built-in), process tolerance local (built-in), placement balance (built-in), log debug, stats off, config none
// DEBUG: grid: debug: topology: {{[0-9]+}} cores
// DEBUG: grid: debug: log.c:23 (main): pthread_create: live Grid threads per core [0
// DEBUG: grid: info: log.c:23 (main): pthread_create -> core {{[0-9]+}} (thread tolerance local, strategy balance): balance: free core {{[0-9]+}} (0 live Grid threads) of the creator's NUMA node {{[0-9]+}}
// DEBUG: grid: info: log.c:25 (main): fork -> local (process tolerance local): local mode runs every process on this machine

// INFO: grid: info: log.c:23 (main): pthread_create -> core
// INFO: grid: info: log.c:25 (main): fork -> local
// INFO: done

// ANY: pthread_create -> core {{[0-9]+}} (thread tolerance any, strategy balance): tolerance any permits other nodes, but local mode has no cluster: placed as machine; balance: free core {{[0-9]+}} (0 live Grid threads) of the machine
// ANY: fork -> local (process tolerance near): tolerance near permits other nodes, but local mode has no cluster; local mode runs every process on this machine

// PACK: pthread_create -> core 0 (thread tolerance machine, strategy pack): pack: first core of the machine with a free PU, core 0 (0 live Grid threads)

// QUIET: done
