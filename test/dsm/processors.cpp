// The processors a program sees (api/RemoteIo.cpp's get_nprocs,
// get_nprocs_conf and sysconf; io::programProcessors): with thread
// tolerance near or any, a job's home counts its own and those of the
// agents the tolerance lets threads go to, and remote threads ask home. So
// a pool sized by std::thread::hardware_concurrency() (libstdc++ 12 asks
// get_nprocs) fills the nodes, as on one machine with that many cores.
// Before, every count was the machine's, wherever the thread ran.
//
//  - main, then three threads (home, node 1, node 2) print the counts;
//  - each thread then pins itself to the last CPU counted (an agent's,
//    where the count includes them), with pthread_setaffinity_np and
//    sched_setaffinity, and a thread is made with it in its attributes:
//    each call succeeds and the thread runs on one CPU, as on one machine;
//  - a fork child of main prints them too: its threads stay on its machine;
//  - after gridctl renice --threads local, main and three threads placed
//    before it (home, node 1, node 2) print them again.
// The expected output is the plain run's with each agent's cores added
// (Inputs/more-cores.awk: `nproc` per agent; --bind-to none) where the
// tolerance reaches agents, and as it is where it does not: tolerance
// local, one rank, and near with a threshold of 1 us (those nodes the run
// measured near, if any, from its log: ranks of one host answer in about
// a microsecond, so some machines may count one).
//
// RUN: %clangxx %s -o %t.plain
// RUN: %grid-clangxx -fgrid -g %s -o %t.fgrid
// RUN: %t.plain > %t.plain.out
// RUN: awk -v AGENTS=0 -f %S/Inputs/more-cores.awk %t.plain.out > %t.none.expected
// RUN: awk -v AGENTS=2 -f %S/Inputs/more-cores.awk %t.plain.out > %t.two.expected
// RUN: not diff %t.none.expected %t.two.expected > /dev/null
//
// RUN: %mpirun3t %t.fgrid > %t.any.out 2> %t.any.err
// RUN: diff %t.two.expected %t.any.out
// RUN: FileCheck %s --check-prefix=REMOTE < %t.any.err
// RUN: %mpirun3t -x GRID_THREAD_TOLERANCE=near -x GRID_NEAR_THRESHOLD_US=60000000 -x GRID_LOG=info %t.fgrid > %t.near.out 2> %t.near.err
// RUN: diff %t.two.expected %t.near.out
// RUN: awk -v LOG=%t.near.err -f %S/Inputs/more-cores.awk %t.plain.out > %t.near.expected
// RUN: diff %t.near.expected %t.near.out
// RUN: FileCheck %s --check-prefix=REMOTE < %t.near.err
// REMOTE: processors.cpp:{{[0-9]+}} (main) std::thread 3 {{.*}}node 1: 1, node 2: 1
//
// RUN: %mpirun3t -x GRID_THREAD_TOLERANCE=local %t.fgrid > %t.local.out
// RUN: diff %t.none.expected %t.local.out
// RUN: %mpirun3t -x GRID_THREAD_TOLERANCE=near -x GRID_NEAR_THRESHOLD_US=1 -x GRID_LOG=info %t.fgrid > %t.far.out 2> %t.far.err
// RUN: awk -v LOG=%t.far.err -f %S/Inputs/more-cores.awk %t.plain.out > %t.far.expected
// RUN: diff %t.far.expected %t.far.out
// RUN: %mpirun1t %t.fgrid > %t.one.out
// RUN: diff %t.none.expected %t.one.out
//
// gridctl renice --threads local while threads wait on the nodes: main and
// those threads then count this machine's only.
// RUN: bash %S/Inputs/processors-renice.sh %t.d %gridctl %mpirun3t %t.fgrid
// RUN: diff %t.two.expected %t.d/before
// RUN: grep -v -e '^fork child' -e 'pins itself' -e 'attributes' %t.none.expected > %t.none.threads
// RUN: diff %t.none.threads %t.d/after
// RUN: FileCheck %s --check-prefix=RENICED < %t.d/out.err
// RENICED: processors.cpp:{{[0-9]+}} (afterRenice) std::thread 3 {{.*}}node 1: 1, node 2: 1
#include <atomic>
#include <pthread.h>
#include <sched.h>
#include <cstdio>
#include <string>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

static void report(const char *Who) {
  std::printf("%s: get_nprocs %d, get_nprocs_conf %d, sysconf online %ld, "
              "configured %ld, hardware_concurrency %u\n",
              Who, get_nprocs(), get_nprocs_conf(),
              sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_CONF),
              std::thread::hardware_concurrency());
  std::fflush(stdout);
}

static const char *Names[] = {"first thread", "second thread",
                              "third thread"};

// The pinning idiom, thread I on CPU I % hardware_concurrency(): the last
// CPU counted is one of the agents' where the count includes them, which
// the affinity calls fold onto this machine's (api/ThreadCalls.cpp), so
// the pin succeeds as on one machine.
static cpu_set_t lastCpu() {
  cpu_set_t Set;
  CPU_ZERO(&Set);
  CPU_SET(std::thread::hardware_concurrency() - 1, &Set);
  return Set;
}

static const char *yes(bool Fact) { return Fact ? "yes" : "no"; }

static void pinLast(const char *Who) {
  cpu_set_t Last = lastCpu(), Now;
  bool Thread = pthread_setaffinity_np(pthread_self(), sizeof Last, &Last) == 0;
  bool Process = sched_setaffinity(0, sizeof Last, &Last) == 0;
  bool One = pthread_getaffinity_np(pthread_self(), sizeof Now, &Now) == 0 &&
             CPU_COUNT(&Now) == 1;
  std::printf("%s pins itself to the last CPU counted: pthread_setaffinity_np "
              "%s, sched_setaffinity %s, on one CPU %s\n",
              Who, yes(Thread), yes(Process), yes(One));
  std::fflush(stdout);
}

// A thread made with the last CPU counted in its attributes runs there.
static void attributesPin() {
  cpu_set_t Last = lastCpu();
  pthread_attr_t Attr;
  pthread_attr_init(&Attr);
  bool Set = pthread_attr_setaffinity_np(&Attr, sizeof Last, &Last) == 0;
  pthread_t Thread;
  static bool One;
  pthread_create(
      &Thread, &Attr,
      [](void *) -> void * {
        cpu_set_t Now;
        One = pthread_getaffinity_np(pthread_self(), sizeof Now, &Now) == 0 &&
              CPU_COUNT(&Now) == 1;
        return nullptr;
      },
      nullptr);
  pthread_join(Thread, nullptr);
  pthread_attr_destroy(&Attr);
  std::printf("a thread with the last CPU counted in its attributes: "
              "set %s, on one CPU %s\n",
              yes(Set), yes(One));
  std::fflush(stdout);
}

// With a directory: three threads start (home, node 1, node 2) and wait for
// DIR/RENICED, which Inputs/processors-renice.sh makes after its gridctl
// renice; then main and each thread in turn report again.
static void afterRenice(const std::string &Dir) {
  std::string Reniced = Dir + "/RENICED";
  auto Renice = [&Reniced] {
    struct stat St;
    while (stat(Reniced.c_str(), &St) != 0)
      usleep(10000);
  };
  std::atomic<int> Turn{0};
  std::vector<std::thread> Threads;
  for (int I = 0; I < 3; ++I)
    Threads.emplace_back([&, I] {
      Renice();
      while (Turn.load() != I + 1)
        usleep(1000);
      report(Names[I]);
      Turn.store(I + 2);
    });
  std::printf("ready %d\n", static_cast<int>(getpid()));
  std::fflush(stdout);
  Renice();
  report("main");
  Turn.store(1);
  for (std::thread &T : Threads)
    T.join();
}

int main(int Argc, char **Argv) {
  report("main");
  // One at a time, so that the lines come in order.
  for (const char *Name : Names)
    std::thread([Name] {
      report(Name);
      pinLast(Name);
    }).join();
  attributesPin();
  pid_t Child = fork();
  if (Child == 0) {
    report("fork child");
    _exit(0);
  }
  int Status = 0;
  waitpid(Child, &Status, 0);
  if (Argc > 1)
    afterRenice(Argv[1]);
  return WIFEXITED(Status) ? WEXITSTATUS(Status) : 1;
}
