//===- benchmarks/control_plane.cpp - What gridctl talks to ---------------===//
//
// The control-plane figures of benchmarks/RESULTS.md (issue 4). Built with
// `grid-clang++ -fgrid`; benchmarks/run.py runs it and drives it with
// build/bin/gridctl, whose timings are taken by the runner.
//
//   control_plane spawn --stop PATH
//       Under mpirun as home (GRID_PROCESS_TOLERANCE=any,
//       GRID_PLACEMENT=spread): starts short children one after another,
//       posix_spawnp of `sh -c 'exit $GRID_NODE'` then waitpid, until the
//       file PATH exists. The exit status names the node each child ran on.
//       Prints "ready PID" once warm, then at the end one line per child:
//         child START_NS END_NS NODE
//       START_NS is CLOCK_MONOTONIC just before posix_spawnp (the clock of
//       Python's time.monotonic()), END_NS just after waitpid. The runner
//       renices the program meanwhile and matches its own clock against
//       these lines.
//   control_plane threads --threads N
//       Creates N threads (pthread_create, through Grid) that wait on a
//       condition variable, prints "ready PID" once all of them run, and
//       waits for its stdin to reach end of file; then releases and joins
//       them and prints "RESULT threads=N".
//===----------------------------------------------------------------------===//

#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char **environ;

namespace {

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "control_plane: %s\n", Message.c_str());
  std::exit(1);
}

long long monotonicNs() {
  timespec T;
  clock_gettime(CLOCK_MONOTONIC, &T);
  return static_cast<long long>(T.tv_sec) * 1000000000LL + T.tv_nsec;
}

int parseCount(const std::string &Name, const char *Text, long Max) {
  char *End = nullptr;
  long Value = std::strtol(Text, &End, 10);
  if (*Text == '\0' || *End != '\0' || Value < 1 || Value > Max)
    fail(Name + " needs an integer from 1 to " + std::to_string(Max) +
         ", got '" + Text + "'");
  return static_cast<int>(Value);
}

//===----------------------------------------------------------------------===//
// spawn: children in a loop, each stamped and classified by node
//===----------------------------------------------------------------------===//

struct Child {
  long long StartNs, EndNs;
  int Node;
};

/// One child through Grid (the plugin rewrites posix_spawnp), waited for.
Child runChild() {
  char *Argv[] = {const_cast<char *>("sh"), const_cast<char *>("-c"),
                  const_cast<char *>("exit $GRID_NODE"), nullptr};
  Child C;
  C.StartNs = monotonicNs();
  pid_t Pid = 0;
  if (int Rc = posix_spawnp(&Pid, "sh", nullptr, nullptr, Argv, environ))
    fail(std::string("posix_spawnp failed: ") + std::strerror(Rc));
  int Status = 0;
  pid_t Got;
  do
    Got = waitpid(Pid, &Status, 0);
  while (Got < 0 && errno == EINTR);
  if (Got < 0)
    fail(std::string("waitpid failed: ") + std::strerror(errno));
  C.EndNs = monotonicNs();
  if (!WIFEXITED(Status) || WEXITSTATUS(Status) > 64)
    fail("a child failed (wait status " + std::to_string(Status) + ")");
  C.Node = WEXITSTATUS(Status);
  return C;
}

void benchSpawn(const std::string &Stop) {
  if (!getenv("GRID_HOME_SOCKET"))
    fail("not running as home of a Grid job; run under mpirun -np 2 with "
         "GRID_PROCESS_TOLERANCE=any and GRID_PLACEMENT=spread");
  // Warm-up: the shell's pages, home's and the agent's event loops; and
  // proof that children do leave home before the runner renices anything.
  bool Remote = false;
  for (int I = 0; I < 8; ++I)
    Remote |= runChild().Node != 0;
  if (!Remote)
    fail("no child ran on another node; run under mpirun -np 2 with "
         "GRID_PROCESS_TOLERANCE=any and GRID_PLACEMENT=spread");
  std::printf("ready %d\n", static_cast<int>(getpid()));
  std::fflush(stdout);
  std::vector<Child> Children;
  Children.reserve(1 << 16);
  while (access(Stop.c_str(), F_OK) != 0)
    Children.push_back(runChild());
  for (const Child &C : Children)
    std::printf("child %lld %lld %d\n", C.StartNs, C.EndNs, C.Node);
  std::printf("RESULT children=%zu\n", Children.size());
}

//===----------------------------------------------------------------------===//
// threads: N live threads for gridctl ps to list
//===----------------------------------------------------------------------===//

pthread_mutex_t Mutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t Changed = PTHREAD_COND_INITIALIZER;
int Running = 0;
bool Release = false;

void *waitForRelease(void *) {
  pthread_mutex_lock(&Mutex);
  ++Running;
  pthread_cond_broadcast(&Changed);
  while (!Release)
    pthread_cond_wait(&Changed, &Mutex);
  pthread_mutex_unlock(&Mutex);
  return nullptr;
}

void benchThreads(int Count) {
  // Small stacks: a thousand threads need no 8 MiB each.
  pthread_attr_t Attr;
  pthread_attr_init(&Attr);
  pthread_attr_setstacksize(&Attr, 64 << 10);
  std::vector<pthread_t> Threads(static_cast<size_t>(Count));
  for (pthread_t &T : Threads)
    if (int Err = pthread_create(&T, &Attr, waitForRelease, nullptr))
      fail(std::string("pthread_create failed: ") + std::strerror(Err));
  pthread_attr_destroy(&Attr);
  pthread_mutex_lock(&Mutex);
  while (Running < Count)
    pthread_cond_wait(&Changed, &Mutex);
  pthread_mutex_unlock(&Mutex);
  std::printf("ready %d\n", static_cast<int>(getpid()));
  std::fflush(stdout);

  char Buf[256];
  for (;;) {
    ssize_t N = read(STDIN_FILENO, Buf, sizeof Buf);
    if (N == 0 || (N < 0 && errno != EINTR))
      break;
  }
  pthread_mutex_lock(&Mutex);
  Release = true;
  pthread_cond_broadcast(&Changed);
  pthread_mutex_unlock(&Mutex);
  for (pthread_t T : Threads)
    pthread_join(T, nullptr);
  std::printf("RESULT threads=%d\n", Count);
}

const char *Usage =
    "Usage: control_plane MODE [options]\n"
    "  spawn --stop PATH       children in a loop until PATH exists (under\n"
    "                          mpirun, as home)\n"
    "  threads --threads N     N waiting threads until stdin ends\n";

} // namespace

int main(int Argc, char **Argv) {
  if (Argc < 2 || std::string(Argv[1]) == "--help") {
    std::fputs(Usage, Argc < 2 ? stderr : stdout);
    return Argc < 2 ? 2 : 0;
  }
  std::string Mode = Argv[1], Stop;
  int Threads = 1000;
  for (int I = 2; I < Argc; ++I) {
    std::string Arg = Argv[I];
    if (I + 1 >= Argc)
      fail("option '" + Arg + "' needs a value\n" + Usage);
    if (Arg == "--stop")
      Stop = Argv[++I];
    else if (Arg == "--threads")
      Threads = parseCount(Arg, Argv[++I], 100000);
    else
      fail("unknown option '" + Arg + "'\n" + Usage);
  }
  if (Mode == "spawn") {
    if (Stop.empty())
      fail("spawn needs --stop PATH");
    benchSpawn(Stop);
  } else if (Mode == "threads")
    benchThreads(Threads);
  else
    fail("unknown mode '" + Mode + "'\n" + Usage);
  return 0;
}
