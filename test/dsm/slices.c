// Time slices (core/Slices.h, docs/design/cluster.md §3, slices): the
// threads whose every wait ends with another rank's message ask the kernel
// for a short slice (GRID_SLICE_US), so that their wake-ups preempt
// CPU-bound work instead of waiting for its slice to end. Under nice 5,
// with GRID_SLICE_US=200:
//  - the threads on nodes 1 and 2 have a 200 us slice, and main's nice;
//    a child one of them forks has main's slice again, as does a command
//    it runs with popen and a thread it creates that is placed at home
//    (its shadow at home starts both);
//    pthread_getschedparam still says SCHED_OTHER;
//  - the thread at home and main keep main's slice: they are the program's;
//  - home's shadows ("grid-shadow-N") and its event loop ("grid-loop")
//    have 200 us; the loop, which the program never sees, gives what it
//    starts the default with SCHED_FLAG_RESET_ON_FORK; a shadow, which is
//    its remote thread at home, goes without the flag, so that
//    pthread_getschedparam of a remote thread at home says SCHED_OTHER.
// With GRID_SLICE_US=0 every thread keeps main's slice. Main first takes
// the kernel's default slice (lit's may differ); nice values are told
// against main's (lit's may not be 0; under nice 5, main's is not, so a
// nice value lost shows).
//
// REQUIRES: custom-slices
// RUN: %grid-clang -fgrid -g %s -o %t.fgrid
// RUN: nice -n 5 %mpirun3t -x GRID_SLICE_US=200 %t.fgrid > %t.short.out
// RUN: FileCheck %s --check-prefix=SHORT < %t.short.out
// RUN: %mpirun3t -x GRID_SLICE_US=0 %t.fgrid > %t.zero.out
// RUN: FileCheck %s --check-prefix=ZERO < %t.zero.out
//
// SHORT:      thread at home: slice main's, nice main's
// SHORT-NEXT: thread on a node: slice 200 us, nice main's, SCHED_OTHER, its child's slice main's, its command's main's; at home SCHED_OTHER
// SHORT-NEXT: thread on a node: slice 200 us, nice main's, SCHED_OTHER, its child's slice main's, its command's main's; at home SCHED_OTHER
// SHORT-NEXT: home's shadows: 2, with a 200 us slice 2, resetting on fork 0
// SHORT-NEXT: home's event loops: 1, with a 200 us slice 1, resetting on fork 1
// SHORT-NEXT: threads made by threads on nodes, at home: [[N:[1-9][0-9]*]], with main's slice [[N]]
//
// ZERO:      thread at home: slice main's, nice main's
// ZERO-NEXT: thread on a node: slice main's, nice main's, SCHED_OTHER, its child's slice main's, its command's main's; at home SCHED_OTHER
// ZERO-NEXT: thread on a node: slice main's, nice main's, SCHED_OTHER, its child's slice main's, its command's main's; at home SCHED_OTHER
// ZERO-NEXT: home's shadows: 2, with a 200 us slice 0, resetting on fork 0
// ZERO-NEXT: home's event loops: 1, with a 200 us slice 0, resetting on fork 0
// ZERO-NEXT: threads made by threads on nodes, at home: [[N:[1-9][0-9]*]], with main's slice [[N]]
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { Threads = 3 };

// The kernel's struct sched_attr (glibc 2.36 has no wrapper).
struct SchedAttr {
  uint32_t Size, Policy;
  uint64_t Flags;
  int32_t Nice;
  uint32_t Priority;
  uint64_t Runtime, Deadline, Period;
  uint32_t UtilMin, UtilMax;
};

// A thread's attributes (Tid 0: the caller's).
static struct SchedAttr attributes(pid_t Tid) {
  struct SchedAttr A;
  memset(&A, 0, sizeof A);
  if (syscall(SYS_sched_getattr, Tid, &A, sizeof A, 0) != 0) {
    perror("sched_getattr");
    exit(1);
  }
  return A;
}

static uint64_t MainSlice;
static pid_t HomePid;
static char Command[4200]; // this program, asked for its slice
static pthread_barrier_t Looked;

struct Report {
  int Remote;
  uint64_t Slice;
  int Nice;
  int Policy;          // as pthread_getschedparam says on its node
  int PolicyAtHome;    // as it says at home (a remote thread's shadow's)
  int ChildKeptMain;   // its forked child's slice was main's
  int CommandKeptMain; // the slice of the command it ran with popen
};
static struct Report Reports[Threads];

// Threads the ones on nodes create (through home, which places them round
// robin: some land at home, created there by the creator's shadow).
enum { Nested = 3 };
static struct Report NestedReports[Threads][Nested];

static void *nested(void *P) {
  struct Report *R = P;
  R->Remote = syscall(SYS_getpid) != HomePid;
  R->Slice = attributes(0).Runtime;
  return NULL;
}

static void *report(void *P) {
  struct Report *R = P;
  struct SchedAttr A = attributes(0);
  R->Remote = syscall(SYS_getpid) != HomePid; // the kernel's: this node's
  R->Slice = A.Runtime;
  R->Nice = A.Nice;
  struct sched_param Param;
  pthread_getschedparam(pthread_self(), &R->Policy, &Param);
  // Main looks at home's threads while the shadows live.
  pthread_barrier_wait(&Looked);
  pthread_barrier_wait(&Looked);
  if (R->Remote) {
    // Read before the fork: a child has only what its node held.
    uint64_t Expected = MainSlice;
    pid_t Child = fork();
    if (Child == 0)
      _exit(attributes(0).Runtime == Expected ? 0 : 1);
    int Status = 0;
    R->ChildKeptMain = Child > 0 && waitpid(Child, &Status, 0) == Child &&
                       WIFEXITED(Status) && WEXITSTATUS(Status) == 0;
    FILE *Out = popen(Command, "r");
    unsigned long long Slice = 0;
    R->CommandKeptMain = Out && fscanf(Out, "%llu", &Slice) == 1 &&
                         Slice == Expected;
    if (Out)
      pclose(Out);
    pthread_t Made[Nested];
    struct Report *Mine = NestedReports[R - Reports];
    for (int I = 0; I < Nested; ++I)
      pthread_create(&Made[I], NULL, nested, &Mine[I]);
    for (int I = 0; I < Nested; ++I)
      pthread_join(Made[I], NULL);
  }
  return NULL;
}

static const char *policy(int Policy) {
  return Policy == SCHED_OTHER ? "SCHED_OTHER" : "another policy";
}

static void describe(const char *What, uint64_t Slice) {
  if (Slice == MainSlice)
    printf("%s main's", What);
  else
    printf("%s %llu us", What, (unsigned long long)(Slice / 1000));
}

// Home's threads named Prefix...: how many, how many have Slice, and how
// many give what they start the default (SCHED_FLAG_RESET_ON_FORK).
static void countNamed(const char *Prefix, uint64_t Slice, int *All,
                       int *With, int *Resetting) {
  *All = *With = *Resetting = 0;
  DIR *Tasks = opendir("/proc/self/task");
  struct dirent *E;
  while (Tasks && (E = readdir(Tasks))) {
    if (E->d_name[0] == '.')
      continue;
    char Path[64], Name[32] = "";
    snprintf(Path, sizeof Path, "/proc/self/task/%s/comm", E->d_name);
    FILE *F = fopen(Path, "r");
    if (!F)
      continue;
    if (fgets(Name, sizeof Name, F) &&
        strncmp(Name, Prefix, strlen(Prefix)) == 0) {
      struct SchedAttr A = attributes(atoi(E->d_name));
      ++*All;
      *With += A.Runtime == Slice;
      *Resetting += (A.Flags & 1) != 0; // SCHED_FLAG_RESET_ON_FORK
    }
    fclose(F);
  }
  if (Tasks)
    closedir(Tasks);
}

int main(int Argc, char **Argv) {
  if (Argc > 1 && strcmp(Argv[1], "--slice") == 0) { // popen's command
    printf("%llu\n", (unsigned long long)attributes(0).Runtime);
    return 0;
  }
  struct SchedAttr Main = attributes(0);
  Main.Size = sizeof Main;
  Main.Flags = 0;
  Main.Runtime = 0; // the kernel's default slice
  if (syscall(SYS_sched_setattr, 0, &Main, 0) != 0) {
    perror("sched_setattr");
    return 1;
  }
  Main = attributes(0);
  MainSlice = Main.Runtime;
  HomePid = getpid();
  char Self[4096];
  ssize_t N = readlink("/proc/self/exe", Self, sizeof Self - 1);
  Self[N > 0 ? N : 0] = '\0';
  snprintf(Command, sizeof Command, "'%s' --slice", Self);
  pthread_barrier_init(&Looked, NULL, Threads + 1);
  pthread_t Ids[Threads];
  for (int I = 0; I < Threads; ++I)
    pthread_create(&Ids[I], NULL, report, &Reports[I]);
  pthread_barrier_wait(&Looked);
  int Shadows, ShortShadows, ResettingShadows;
  int Loops, ShortLoops, ResettingLoops;
  countNamed("grid-shadow-", 200000, &Shadows, &ShortShadows,
             &ResettingShadows);
  countNamed("grid-loop", 200000, &Loops, &ShortLoops, &ResettingLoops);
  for (int I = 0; I < Threads; ++I) {
    struct sched_param Param;
    pthread_getschedparam(Ids[I], &Reports[I].PolicyAtHome, &Param);
  }
  pthread_barrier_wait(&Looked);
  for (int I = 0; I < Threads; ++I)
    pthread_join(Ids[I], NULL);

  for (int Remote = 0; Remote <= 1; ++Remote)
    for (int I = 0; I < Threads; ++I) {
      struct Report *R = &Reports[I];
      if (R->Remote != Remote)
        continue;
      describe(Remote ? "thread on a node: slice" : "thread at home: slice",
               R->Slice);
      if (R->Nice == Main.Nice)
        printf(", nice main's");
      else
        printf(", nice %d against main's %d", R->Nice, Main.Nice);
      if (Remote)
        printf(", %s, its child's slice %s, its command's %s; at home %s",
               policy(R->Policy), R->ChildKeptMain ? "main's" : "another",
               R->CommandKeptMain ? "main's" : "another",
               policy(R->PolicyAtHome));
      printf("\n");
    }
  printf("home's shadows: %d, with a 200 us slice %d, resetting on fork %d\n",
         Shadows, ShortShadows, ResettingShadows);
  printf("home's event loops: %d, with a 200 us slice %d, resetting on fork "
         "%d\n",
         Loops, ShortLoops, ResettingLoops);
  int AtHome = 0, AtHomeWithMain = 0;
  for (int I = 0; I < Threads; ++I)
    for (int J = 0; Reports[I].Remote && J < Nested; ++J)
      if (!NestedReports[I][J].Remote) {
        ++AtHome;
        AtHomeWithMain += NestedReports[I][J].Slice == MainSlice;
      }
  printf("threads made by threads on nodes, at home: %d, with main's slice "
         "%d\n",
         AtHome, AtHomeWithMain);
  return 0;
}
