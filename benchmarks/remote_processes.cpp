//===- benchmarks/remote_processes.cpp - Remote children vs local ones ----===//
//
// The remote-process figures of benchmarks/RESULTS.md (issue 3). Built with
// `grid-clang++ -fgrid` and run by benchmarks/run.py under mpirun, as home
// (rank 0) with GRID_PROCESS_TOLERANCE=any and GRID_PLACEMENT=spread, so its
// ordinary system/posix_spawnp calls are placed round robin over home and
// the agents. The baseline ("raw") calls glibc's own system/posix_spawnp
// through pointers looked up with dlsym in libc.so.6, which neither the
// plugin nor the interposer sees: what the call costs when the child simply
// runs here. Both series run in the same process, interleaved.
//
// Every measured child tells where it ran: its command ends in
// `exit $GRID_NODE` (a shell builtin, as cheap as `true`), so its exit
// status is the node, and each call is classified by that status rather
// than by assuming the round-robin order.
//
//   remote_processes system [--rounds N] [--calls N]
//       system("exit $GRID_NODE") round trips: raw, and through Grid (every
//       other call goes to node 1 under -np 2).
//   remote_processes jobs [--rounds N] [--commands N] [--jobs N]
//       N short commands (sh -c 'exit $GRID_NODE') started with posix_spawnp,
//       --jobs of them in flight as make -j keeps them, waitpid as they end:
//       raw, and through Grid (spread over home and the agents). Wall time.
//   remote_processes relay --file PATH [--rounds N]
//       `cat PATH` read through a pipe: raw, and through Grid (once at home,
//       once on node 1 under -np 2). Throughput.
//   remote_processes idle [--rounds N] [--seconds S]
//       The resident memory of a deputy while its remote child (sleep) runs,
//       then the CPU time (utime+stime, /proc/PID/stat) of the agent that
//       ran it, and of home, over S seconds while home sleeps.
//
// Each mode prints one line per round and a final line the runner parses:
//   RESULT key=value ...
//===----------------------------------------------------------------------===//

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace {

using SystemFn = int (*)(const char *);
using SpawnFn = int (*)(pid_t *, const char *,
                        const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[],
                        char *const[]);

SystemFn RawSystem;
SpawnFn RawSpawnp;

[[noreturn]] void fail(const std::string &Message) {
  std::fprintf(stderr, "remote_processes: %s\n", Message.c_str());
  std::exit(1);
}

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> V) {
  if (V.empty())
    return 0;
  std::sort(V.begin(), V.end());
  size_t N = V.size();
  return N % 2 ? V[N / 2] : (V[N / 2 - 1] + V[N / 2]) / 2;
}

double mean(const std::vector<double> &V) {
  double Sum = 0;
  for (double X : V)
    Sum += X;
  return V.empty() ? 0 : Sum / static_cast<double>(V.size());
}

int parseCount(const std::string &Name, const char *Text, long Max) {
  char *End = nullptr;
  long Value = std::strtol(Text, &End, 10);
  if (*Text == '\0' || *End != '\0' || Value < 1 || Value > Max)
    fail(Name + " needs an integer from 1 to " + std::to_string(Max) +
         ", got '" + Text + "'");
  return static_cast<int>(Value);
}

/// The node a child ran on, from the status of `... exit $GRID_NODE`.
int nodeOf(int Status, const char *What) {
  if (!WIFEXITED(Status))
    fail(std::string(What) + ": the child did not exit normally (status " +
         std::to_string(Status) + ")");
  int Node = WEXITSTATUS(Status);
  if (Node > 64)
    fail(std::string(What) + ": the child failed with exit status " +
         std::to_string(Node));
  return Node;
}

int waitChild(pid_t Pid) {
  int Status = 0;
  pid_t Got;
  do
    Got = waitpid(Pid, &Status, 0);
  while (Got < 0 && errno == EINTR);
  if (Got < 0)
    fail(std::string("waitpid failed: ") + std::strerror(errno));
  return Status;
}

//===----------------------------------------------------------------------===//
// /proc helpers
//===----------------------------------------------------------------------===//

/// Fields 3 on of /proc/PID/stat (after the command name, which may hold
/// spaces), so that Fields[0] is field 3 (state); empty if Pid is gone.
std::vector<std::string> statFields(pid_t Pid) {
  std::ifstream In("/proc/" + std::to_string(Pid) + "/stat");
  std::string Text((std::istreambuf_iterator<char>(In)),
                   std::istreambuf_iterator<char>());
  size_t Paren = Text.rfind(')');
  std::vector<std::string> Fields;
  if (Paren == std::string::npos)
    return Fields;
  std::istringstream Words(Text.substr(Paren + 1));
  for (std::string W; Words >> W;)
    Fields.push_back(W);
  return Fields;
}

/// CPU seconds of Pid: utime+stime of all its threads, plus those of the
/// children it has waited for when WithChildren (fields 14-17).
double cpuSeconds(pid_t Pid, bool WithChildren = false) {
  std::vector<std::string> F = statFields(Pid);
  if (F.size() < 15)
    fail("cannot read /proc/" + std::to_string(Pid) + "/stat");
  unsigned long long Ticks = std::stoull(F[14 - 3]) + std::stoull(F[15 - 3]);
  if (WithChildren)
    Ticks += std::stoull(F[16 - 3]) + std::stoull(F[17 - 3]);
  return static_cast<double>(Ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string readLink(const std::string &Path) {
  char Buf[4096];
  ssize_t N = readlink(Path.c_str(), Buf, sizeof Buf - 1);
  return N > 0 ? std::string(Buf, static_cast<size_t>(N)) : "";
}

/// The agents of this job on this machine: the other ranks, which mpirun's
/// daemon started as siblings of home from the same executable.
std::vector<pid_t> agentPids() {
  std::vector<pid_t> Pids;
  std::string Self = readLink("/proc/self/exe");
  std::string Parent = std::to_string(getppid());
  DIR *Proc = opendir("/proc");
  if (!Proc)
    fail("cannot list /proc");
  while (dirent *E = readdir(Proc)) {
    char *End = nullptr;
    long Pid = std::strtol(E->d_name, &End, 10);
    if (*End || Pid <= 0 || Pid == getpid())
      continue;
    std::vector<std::string> F = statFields(static_cast<pid_t>(Pid));
    if (F.size() > 1 && F[4 - 3] == Parent &&
        readLink("/proc/" + std::string(E->d_name) + "/exe") == Self)
      Pids.push_back(static_cast<pid_t>(Pid));
  }
  closedir(Proc);
  return Pids;
}

/// CPU seconds of home and the agents, with the children each has reaped:
/// every process a command costs (the shell, a deputy, the relay).
double jobCpuSeconds(const std::vector<pid_t> &Agents) {
  double Sum = cpuSeconds(getpid(), true);
  for (pid_t A : Agents)
    Sum += cpuSeconds(A, true);
  return Sum;
}

//===----------------------------------------------------------------------===//
// system: round trip of system("exit $GRID_NODE")
//===----------------------------------------------------------------------===//

void benchSystem(int Rounds, int Calls) {
  const char *Command = "exit $GRID_NODE";
  auto Raw = [&] {
    double Start = now();
    int Status = RawSystem(Command);
    double Seconds = now() - Start;
    if (nodeOf(Status, "raw system") != 0)
      fail("raw system ran off node 0");
    return Seconds;
  };
  // Through Grid: the plugin rewrites this call into __grid_system.
  auto Grid = [&](int *Node) {
    double Start = now();
    int Status = system(Command);
    double Seconds = now() - Start;
    *Node = nodeOf(Status, "system");
    return Seconds;
  };
  // Warm-up: the shell's pages, the runtime's site table, home's and the
  // agent's event loops.
  for (int I = 0; I < 4; ++I) {
    int Node;
    Raw();
    Grid(&Node);
  }
  std::vector<double> RawMs, HomeMs, RemoteMs, Ratios, HomeRatios;
  for (int R = 0; R < Rounds; ++R) {
    std::vector<double> RawT, HomeT, RemoteT;
    for (int I = 0; I < 2 * Calls; ++I) {
      int Node = 0;
      double G, W;
      if ((R + I) % 2) {
        G = Grid(&Node);
        W = Raw();
      } else {
        W = Raw();
        G = Grid(&Node);
      }
      RawT.push_back(W);
      (Node ? RemoteT : HomeT).push_back(G);
    }
    if (RemoteT.empty() || HomeT.empty())
      fail("round " + std::to_string(R) + ": " +
           std::to_string(RemoteT.size()) + " calls ran remotely and " +
           std::to_string(HomeT.size()) +
           " at home; run under mpirun -np 2 with GRID_PROCESS_TOLERANCE=any "
           "and GRID_PLACEMENT=spread");
    double A = mean(RawT) * 1e3, H = mean(HomeT) * 1e3, B = mean(RemoteT) * 1e3;
    RawMs.push_back(A);
    HomeMs.push_back(H);
    RemoteMs.push_back(B);
    Ratios.push_back(B / A);
    HomeRatios.push_back(H / A);
    std::printf("round %2d  raw %7.3f ms  grid at home %7.3f ms (%zu)  "
                "grid remote %7.3f ms (%zu)  ratio %.3f\n",
                R, A, H, HomeT.size(), B, RemoteT.size(), B / A);
    std::fflush(stdout);
  }
  std::printf("RESULT baseline_ms=%.4f subject_ms=%.4f home_ms=%.4f "
              "home_ratio=%.4f ratios=%s\n",
              median(RawMs), median(RemoteMs), median(HomeMs),
              median(HomeRatios),
              [&] {
                std::string S;
                for (double X : Ratios)
                  S += (S.empty() ? "" : ",") + std::to_string(X);
                return S;
              }()
                  .c_str());
}

//===----------------------------------------------------------------------===//
// jobs: many short commands, a few in flight
//===----------------------------------------------------------------------===//

struct JobsRun {
  double Seconds = 0;
  double CpuSeconds = 0; // of home, the agents and what they reaped
  std::map<int, int> PerNode;
};

JobsRun runJobs(bool ThroughGrid, int Commands, int InFlight,
                const std::vector<pid_t> &Agents) {
  char *Argv[] = {const_cast<char *>("sh"), const_cast<char *>("-c"),
                  const_cast<char *>("exit $GRID_NODE"), nullptr};
  JobsRun Run;
  std::vector<pid_t> Running;
  int Started = 0, Done = 0;
  double Cpu = jobCpuSeconds(Agents);
  double Start = now();
  auto StartOne = [&] {
    pid_t Pid = 0;
    // Through Grid: the plugin rewrites this call into __grid_posix_spawnp.
    int Rc = ThroughGrid
                 ? posix_spawnp(&Pid, "sh", nullptr, nullptr, Argv, environ)
                 : RawSpawnp(&Pid, "sh", nullptr, nullptr, Argv, environ);
    if (Rc)
      fail(std::string("posix_spawnp failed: ") + std::strerror(Rc));
    Running.push_back(Pid);
    ++Started;
  };
  while (Started < Commands && Started < InFlight)
    StartOne();
  while (Done < Commands) {
    int Status = 0;
    pid_t Pid = waitpid(-1, &Status, 0);
    if (Pid < 0 && errno == EINTR)
      continue;
    if (Pid < 0)
      fail(std::string("waitpid failed: ") + std::strerror(errno));
    auto It = std::find(Running.begin(), Running.end(), Pid);
    if (It == Running.end())
      fail("waitpid returned pid " + std::to_string(Pid) +
           ", which this benchmark did not start");
    Running.erase(It);
    ++Done;
    ++Run.PerNode[nodeOf(Status, "a command")];
    if (Started < Commands)
      StartOne();
  }
  Run.Seconds = now() - Start;
  // The agents reap their children as the exits are relayed: a moment for
  // the last ones.
  if (ThroughGrid)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Run.CpuSeconds = jobCpuSeconds(Agents) - Cpu;
  return Run;
}

void benchJobs(int Rounds, int Commands, int InFlight) {
  std::vector<pid_t> Agents = agentPids();
  if (Agents.empty())
    fail("found no agent rank beside home");
  runJobs(false, InFlight * 4, InFlight, Agents); // warm-up
  runJobs(true, InFlight * 4, InFlight, Agents);
  std::vector<double> RawS, GridS, Ratios, RawCpu, GridCpu;
  std::map<int, int> Total;
  for (int R = 0; R < Rounds; ++R) {
    JobsRun Raw, Grid;
    if (R % 2) {
      Grid = runJobs(true, Commands, InFlight, Agents);
      Raw = runJobs(false, Commands, InFlight, Agents);
    } else {
      Raw = runJobs(false, Commands, InFlight, Agents);
      Grid = runJobs(true, Commands, InFlight, Agents);
    }
    if (Raw.PerNode.size() != 1 || !Raw.PerNode.count(0))
      fail("raw commands ran off node 0");
    std::string Where;
    for (auto [Node, Count] : Grid.PerNode) {
      Where += " node" + std::to_string(Node) + "=" + std::to_string(Count);
      Total[Node] += Count;
    }
    if (Grid.PerNode.size() < 2)
      fail("every command ran on one node; run under mpirun -np 3 with "
           "GRID_PROCESS_TOLERANCE=any and GRID_PLACEMENT=spread");
    RawS.push_back(Raw.Seconds);
    GridS.push_back(Grid.Seconds);
    Ratios.push_back(Grid.Seconds / Raw.Seconds);
    RawCpu.push_back(Raw.CpuSeconds / Commands * 1e3);
    GridCpu.push_back(Grid.CpuSeconds / Commands * 1e3);
    std::printf("round %2d  raw %.3f s (cpu %.2f ms/command)  grid %.3f s "
                "(cpu %.2f ms/command;%s )  ratio %.3f\n",
                R, Raw.Seconds, RawCpu.back(), Grid.Seconds, GridCpu.back(),
                Where.c_str(), Grid.Seconds / Raw.Seconds);
    std::fflush(stdout);
  }
  std::string Where;
  for (auto [Node, Count] : Total)
    Where += (Where.empty() ? "" : ",") + std::to_string(Node) + ":" +
             std::to_string(Count);
  std::string List;
  for (double X : Ratios)
    List += (List.empty() ? "" : ",") + std::to_string(X);
  std::printf("RESULT baseline_s=%.4f subject_s=%.4f raw_cpu_ms=%.3f "
              "grid_cpu_ms=%.3f agents=%zu nodes=%s ratios=%s\n",
              median(RawS), median(GridS), median(RawCpu), median(GridCpu),
              Agents.size(), Where.c_str(), List.c_str());
}

//===----------------------------------------------------------------------===//
// relay: bytes of a child's stdout read through a pipe
//===----------------------------------------------------------------------===//

struct RelayRun {
  double Seconds = 0;
  size_t Bytes = 0;
  int Node = 0;
};

RelayRun runRelay(bool ThroughGrid, const std::string &File) {
  // The file's bytes, then the node as the exit status; a failing cat
  // shows as status 99.
  char *Argv[] = {const_cast<char *>("sh"), const_cast<char *>("-c"),
                  const_cast<char *>("cat -- \"$0\" || exit 99; "
                                     "exit $GRID_NODE"),
                  const_cast<char *>(File.c_str()), nullptr};
  int Pipe[2];
  if (pipe2(Pipe, O_CLOEXEC))
    fail(std::string("pipe2 failed: ") + std::strerror(errno));
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_adddup2(&Actions, Pipe[1], 1);
  RelayRun Run;
  double Start = now();
  pid_t Pid = 0;
  int Rc = ThroughGrid
               ? posix_spawnp(&Pid, "sh", &Actions, nullptr, Argv, environ)
               : RawSpawnp(&Pid, "sh", &Actions, nullptr, Argv, environ);
  posix_spawn_file_actions_destroy(&Actions);
  close(Pipe[1]);
  if (Rc)
    fail(std::string("posix_spawnp failed: ") + std::strerror(Rc));
  static char Buf[256 << 10];
  ssize_t N;
  while ((N = read(Pipe[0], Buf, sizeof Buf)) != 0) {
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0)
      fail(std::string("read failed: ") + std::strerror(errno));
    Run.Bytes += static_cast<size_t>(N);
  }
  close(Pipe[0]);
  Run.Node = nodeOf(waitChild(Pid), "cat");
  Run.Seconds = now() - Start;
  return Run;
}

void benchRelay(int Rounds, const std::string &File) {
  // stat, not an open stream: an inherited descriptor would keep every
  // child at home ("cannot move").
  struct stat St;
  if (stat(File.c_str(), &St) != 0 || !S_ISREG(St.st_mode))
    fail("cannot stat " + File + ", or it is not a regular file");
  size_t Size = static_cast<size_t>(St.st_size);
  double MiB = static_cast<double>(Size) / (1 << 20);
  auto Check = [&](const RelayRun &Run, const char *What) {
    if (Run.Bytes != Size)
      fail(std::string(What) + ": read " + std::to_string(Run.Bytes) +
           " bytes of " + std::to_string(Size));
    return MiB / Run.Seconds;
  };
  runRelay(false, File); // warm-up: the file in the page cache
  std::vector<double> RawT, HomeT, RemoteT, Ratios;
  for (int R = 0; R < Rounds; ++R) {
    // Two calls through Grid per round: under -np 2 spread, one runs at
    // home and one on node 1, whichever turn this round starts on.
    RelayRun Raw, G1, G2;
    if (R % 2) {
      G1 = runRelay(true, File);
      G2 = runRelay(true, File);
      Raw = runRelay(false, File);
    } else {
      Raw = runRelay(false, File);
      G1 = runRelay(true, File);
      G2 = runRelay(true, File);
    }
    if (Raw.Node != 0)
      fail("raw cat ran off node 0");
    double A = Check(Raw, "raw cat");
    double H = -1, B = -1;
    for (const RelayRun *G : {&G1, &G2})
      (G->Node ? B : H) = Check(*G, "cat");
    if (B < 0 || H < 0)
      fail("both cats through Grid ran on the same node; run under mpirun "
           "-np 2 with GRID_PROCESS_TOLERANCE=any and GRID_PLACEMENT=spread");
    RawT.push_back(A);
    HomeT.push_back(H);
    RemoteT.push_back(B);
    Ratios.push_back(B / A);
    std::printf("round %2d  raw %7.1f MiB/s  grid at home %7.1f MiB/s  "
                "grid remote %7.1f MiB/s  ratio %.3f\n",
                R, A, H, B, B / A);
    std::fflush(stdout);
  }
  std::string List;
  for (double X : Ratios)
    List += (List.empty() ? "" : ",") + std::to_string(X);
  std::printf("RESULT baseline_mibs=%.1f subject_mibs=%.1f home_mibs=%.1f "
              "mib=%.0f ratios=%s\n",
              median(RawT), median(RemoteT), median(HomeT), MiB, List.c_str());
}

//===----------------------------------------------------------------------===//
// idle: a deputy's resident memory, an idle agent's CPU time
//===----------------------------------------------------------------------===//

/// A /proc/PID/status field in kB, or -1.
long statusKb(pid_t Pid, const char *Field) {
  std::ifstream In("/proc/" + std::to_string(Pid) + "/status");
  std::string Line;
  size_t Len = std::strlen(Field);
  while (std::getline(In, Line))
    if (Line.compare(0, Len, Field) == 0 && Line[Len] == ':')
      return std::strtol(Line.c_str() + Len + 1, nullptr, 10);
  return -1;
}

void benchIdle(int Rounds, int Seconds) {
  // A remote sleep: its first line names the node and its parent, the agent
  // that started it; the pid Grid returns is the deputy's.
  char *Argv[] = {const_cast<char *>("sh"), const_cast<char *>("-c"),
                  const_cast<char *>("echo $GRID_NODE $PPID; exec sleep 60"),
                  nullptr};
  pid_t Deputy = 0, Agent = 0;
  for (int Try = 0; Try < 4 && !Agent; ++Try) {
    int Pipe[2];
    if (pipe2(Pipe, O_CLOEXEC))
      fail(std::string("pipe2 failed: ") + std::strerror(errno));
    posix_spawn_file_actions_t Actions;
    posix_spawn_file_actions_init(&Actions);
    posix_spawn_file_actions_adddup2(&Actions, Pipe[1], 1);
    pid_t Pid = 0;
    int Rc = posix_spawnp(&Pid, "sh", &Actions, nullptr, Argv, environ);
    posix_spawn_file_actions_destroy(&Actions);
    close(Pipe[1]);
    if (Rc)
      fail(std::string("posix_spawnp failed: ") + std::strerror(Rc));
    char Line[128] = {0};
    FILE *In = fdopen(Pipe[0], "r");
    if (!fgets(Line, sizeof Line, In))
      fail("the sleeper printed nothing");
    int Node = 0;
    long Parent = 0;
    if (std::sscanf(Line, "%d %ld", &Node, &Parent) != 2)
      fail(std::string("the sleeper printed '") + Line + "'");
    if (Node == 0) { // it ran at home: the next turn goes to an agent
      kill(Pid, SIGTERM);
      waitChild(Pid);
      fclose(In);
      continue;
    }
    Deputy = Pid;
    Agent = static_cast<pid_t>(Parent);
    // The output is all read; the pipe may close while the sleep runs.
    fclose(In);
  }
  if (!Agent)
    fail("no sleeper ran on an agent; run under mpirun -np 2 with "
         "GRID_PROCESS_TOLERANCE=any and GRID_PLACEMENT=spread");
  std::string DeputyExe = readLink("/proc/" + std::to_string(Deputy) + "/exe");
  if (DeputyExe.find("grid-deputy") == std::string::npos)
    fail("pid " + std::to_string(Deputy) + " is " + DeputyExe +
         ", not a grid-deputy");
  std::string AgentExe = readLink("/proc/" + std::to_string(Agent) + "/exe");
  if (AgentExe != readLink("/proc/self/exe"))
    fail("the sleeper's parent " + std::to_string(Agent) + " is " + AgentExe +
         ", not an agent rank of this program");

  // The deputy waits in poll for its socket and fd 0; give it a moment to
  // settle, then read its memory while the remote sleep still runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  long Rss = statusKb(Deputy, "VmRSS"), Hwm = statusKb(Deputy, "VmHWM");
  if (Rss < 0)
    fail("cannot read the deputy's VmRSS");
  kill(Deputy, SIGTERM); // forwarded: the remote sleep ends
  int Status = waitChild(Deputy);
  if (!WIFSIGNALED(Status) || WTERMSIG(Status) != SIGTERM)
    fail("the deputy did not end by the forwarded SIGTERM");
  std::printf("deputy pid %d: VmRSS %ld kB, VmHWM %ld kB (%s)\n", Deputy, Rss,
              Hwm, DeputyExe.c_str());

  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::vector<double> AgentPct, HomePct;
  for (int R = 0; R < Rounds; ++R) {
    double T0 = now(), A0 = cpuSeconds(Agent), H0 = cpuSeconds(getpid());
    std::this_thread::sleep_for(std::chrono::seconds(Seconds));
    double T1 = now(), A1 = cpuSeconds(Agent), H1 = cpuSeconds(getpid());
    AgentPct.push_back((A1 - A0) / (T1 - T0) * 100);
    HomePct.push_back((H1 - H0) / (T1 - T0) * 100);
    std::printf("round %2d  over %.1f s: agent pid %d %.2f%% of a core, "
                "home %.2f%%\n",
                R, T1 - T0, Agent, AgentPct.back(), HomePct.back());
    std::fflush(stdout);
  }
  std::printf("RESULT deputy_rss_kb=%ld deputy_hwm_kb=%ld agent_cpu_pct=%.3f "
              "agent_cpu_max_pct=%.3f home_cpu_pct=%.3f seconds=%d\n",
              Rss, Hwm, median(AgentPct),
              *std::max_element(AgentPct.begin(), AgentPct.end()),
              median(HomePct), Seconds);
}

const char *Usage =
    "Usage: remote_processes MODE [options]   (under mpirun, as home)\n"
    "  system [--rounds N] [--calls N]    system() round trips, raw vs Grid\n"
    "  jobs [--rounds N] [--commands N] [--jobs N]\n"
    "                                     short commands, N in flight\n"
    "  relay --file PATH [--rounds N]     a cat's stdout through a pipe\n"
    "  idle [--rounds N] [--seconds S]    deputy memory, idle agent CPU\n";

} // namespace

int main(int Argc, char **Argv) {
  if (Argc < 2 || std::string(Argv[1]) == "--help") {
    std::fputs(Usage, Argc < 2 ? stderr : stdout);
    return Argc < 2 ? 2 : 0;
  }
  std::string Mode = Argv[1];
  std::map<std::string, int> Counts = {{"--rounds", 0},
                                       {"--calls", 20},
                                       {"--commands", 500},
                                       {"--jobs", 8},
                                       {"--seconds", 10}};
  std::string File;
  for (int I = 2; I < Argc; ++I) {
    std::string Arg = Argv[I];
    if (I + 1 >= Argc)
      fail("option '" + Arg + "' needs a value\n" + Usage);
    if (Arg == "--file")
      File = Argv[++I];
    else if (Counts.count(Arg))
      Counts[Arg] = parseCount(Arg, Argv[++I], 100000);
    else
      fail("unknown option '" + Arg + "'\n" + Usage);
  }

  // Without the runtime the "grid" calls would be the raw ones, and without
  // the cluster every child would run here: refuse both.
  if (!dlsym(RTLD_DEFAULT, "__grid_system"))
    fail("libgridrt is not loaded; build this program with grid-clang++ "
         "-fgrid");
  const char *Socket = getenv("GRID_HOME_SOCKET");
  if (!Socket || !*Socket)
    fail("not running as home of a Grid job; run under mpirun with 2 or more "
         "ranks");
  void *Libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  if (!Libc)
    fail(std::string("cannot open libc.so.6: ") + dlerror());
  RawSystem = reinterpret_cast<SystemFn>(dlsym(Libc, "system"));
  RawSpawnp = reinterpret_cast<SpawnFn>(dlsym(Libc, "posix_spawnp"));
  if (!RawSystem || !RawSpawnp)
    fail("cannot find system/posix_spawnp in libc.so.6");

  int Rounds = Counts["--rounds"];
  if (Mode == "system")
    benchSystem(Rounds ? Rounds : 15, Counts["--calls"]);
  else if (Mode == "jobs")
    benchJobs(Rounds ? Rounds : 7, Counts["--commands"], Counts["--jobs"]);
  else if (Mode == "relay") {
    if (File.empty())
      fail("relay needs --file PATH");
    benchRelay(Rounds ? Rounds : 7, File);
  } else if (Mode == "idle")
    benchIdle(Rounds ? Rounds : 3, Counts["--seconds"]);
  else
    fail("unknown mode '" + Mode + "'\n" + Usage);
  return 0;
}
