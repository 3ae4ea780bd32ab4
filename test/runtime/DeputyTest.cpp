//===- DeputyTest.cpp - grid-deputy against a scripted home ---------------===//
//
// Each test plays home (docs/design/cluster.md §7): it listens on a socket in
// a temporary directory, starts the built grid-deputy with pipes for fds 0, 1
// and 2, accepts its connection and checks its Attach, then drives it with
// Wire messages and checks what reaches the pipes, what the deputy sends and
// how it ends. Every wait is bounded (WaitLimit) and fails with a message
// rather than hanging.
//===----------------------------------------------------------------------===//

#include "cluster/Wire.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <optional>
#include <poll.h>
#include <random>
#include <spawn.h>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#ifndef GRID_DEPUTY_PATH
#error "test/runtime/CMakeLists.txt defines GRID_DEPUTY_PATH"
#endif

extern char **environ;

using namespace grid::wire;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t Job = 42;
constexpr std::chrono::seconds WaitLimit = 10s;
constexpr int WaitLimitMs = 10000;

constexpr int ForwardedSignals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                                    SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH,
                                    SIGCONT, SIGTSTP};

/// Reads a descriptor to end of file on its own thread, so the deputy never
/// blocks on a pipe the test is not looking at.
class Drain {
public:
  explicit Drain(int Fd) : Fd(Fd), Thread([this] { run(); }) {}
  ~Drain() { finish(); }

  /// Waits until at least N bytes arrived; false after WaitLimit or at end
  /// of file with fewer.
  bool waitFor(size_t N) {
    std::unique_lock<std::mutex> L(Lock);
    Changed.wait_for(L, WaitLimit, [&] { return Data.size() >= N || Eof; });
    return Data.size() >= N;
  }
  /// Everything up to end of file (the deputy has exited by then).
  std::string all() {
    finish();
    return Data;
  }

private:
  void finish() {
    if (Thread.joinable())
      Thread.join();
  }
  void run() {
    char Buffer[65536];
    for (;;) {
      ssize_t N = ::read(Fd, Buffer, sizeof Buffer);
      if (N < 0 && errno == EINTR)
        continue;
      std::lock_guard<std::mutex> G(Lock);
      if (N <= 0) {
        Eof = true;
        Changed.notify_all();
        break;
      }
      Data.append(Buffer, static_cast<size_t>(N));
      Changed.notify_all();
    }
    ::close(Fd);
  }

  int Fd;
  std::mutex Lock;
  std::condition_variable Changed;
  std::string Data;
  bool Eof = false;
  std::thread Thread;
};

/// How the deputy's fds 0-2 are set up.
struct Stdio {
  enum { Pipe, Closed, DevNull } In = Pipe;
  bool OutNonBlocking = false; // O_NONBLOCK on the deputy's fd 1
  bool SharedOutput = false;   // fds 1 and 2 are one pipe
  bool DrainStdout = true;     // else the test keeps the read end itself
  bool IgnoreSighup = false;   // the deputy inherits SIGHUP ignored
  int ExtraFd = -1;            // also pass the stdin pipe as this fd
  bool AllowCore = false;      // core limit raised to the hard limit
};

/// The wait status a real process ends with: `_exit(Code)`, or death by Sig.
int realStatus(int Code, int Sig) {
  pid_t P = ::fork();
  if (P == 0) {
    rlimit NoCore{0, 0};
    setrlimit(RLIMIT_CORE, &NoCore);
    prctl(PR_SET_DUMPABLE, 0);
    if (Sig) {
      signal(Sig, SIG_DFL);
      sigset_t Only;
      sigemptyset(&Only);
      sigaddset(&Only, Sig);
      sigprocmask(SIG_UNBLOCK, &Only, nullptr);
      raise(Sig);
    }
    _exit(Code);
  }
  int Status = 0;
  ::waitpid(P, &Status, 0);
  return Status;
}

std::string pattern(size_t Size, unsigned Seed) {
  std::mt19937 Random(Seed);
  std::string S(Size, '\0');
  for (char &C : S)
    C = static_cast<char>(Random());
  return S;
}

class DeputyTest : public testing::Test {
protected:
  void SetUp() override {
    // Children are waited for with sigtimedwait; threads started later
    // (the drains) inherit the mask, so none of them swallows SIGCHLD.
    sigset_t Chld;
    sigemptyset(&Chld);
    sigaddset(&Chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &Chld, nullptr);
    // A pipe to a deputy that died fails with EPIPE instead of killing us.
    signal(SIGPIPE, SIG_IGN);

    char Template[] = "/tmp/grid-deputy-test-XXXXXX";
    ASSERT_NE(::mkdtemp(Template), nullptr) << std::strerror(errno);
    Dir = Template;
    SocketPath = Dir + "/home.sock";
    Listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(Listener, 0);
    sockaddr_un Addr{};
    Addr.sun_family = AF_UNIX;
    std::strcpy(Addr.sun_path, SocketPath.c_str());
    ASSERT_EQ(
        ::bind(Listener, reinterpret_cast<sockaddr *>(&Addr), sizeof Addr), 0)
        << std::strerror(errno);
    ASSERT_EQ(::listen(Listener, 4), 0);
  }

  void TearDown() override {
    if (Pid > 0) {
      ::kill(Pid, SIGKILL);
      ::waitpid(Pid, nullptr, 0);
    }
    // The deputy is gone, so a feeder still writing meets EPIPE.
    if (Feeder.joinable())
      Feeder.join();
    Out.reset();
    Err.reset();
    for (int Fd : {Conn, Listener, StdinWrite, StdoutRead})
      if (Fd >= 0)
        ::close(Fd);
    ::unlink(SocketPath.c_str());
    ::rmdir(Dir.c_str());
  }

  /// Starts grid-deputy with Args (the usual ones when empty).
  void spawn(const Stdio &How = {}, std::vector<std::string> Args = {}) {
    if (Args.empty())
      Args = {"--socket",          SocketPath, "--job",
              std::to_string(Job), "--node",   "3"};
    Args.insert(Args.begin(), GRID_DEPUTY_PATH);

    posix_spawn_file_actions_t Actions;
    posix_spawn_file_actions_init(&Actions);
    int In[2], OutPipe[2], ErrPipe[2];
    ASSERT_EQ(::pipe2(In, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(OutPipe, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(ErrPipe, O_CLOEXEC), 0);
    if (How.In == Stdio::Pipe)
      posix_spawn_file_actions_adddup2(&Actions, In[0], 0);
    else if (How.In == Stdio::Closed)
      posix_spawn_file_actions_addclose(&Actions, 0);
    else
      posix_spawn_file_actions_addopen(&Actions, 0, "/dev/null", O_RDONLY, 0);
    if (How.ExtraFd >= 0)
      posix_spawn_file_actions_adddup2(&Actions, In[0], How.ExtraFd);
    if (How.OutNonBlocking)
      ::fcntl(OutPipe[1], F_SETFL, ::fcntl(OutPipe[1], F_GETFL) | O_NONBLOCK);
    posix_spawn_file_actions_adddup2(&Actions, OutPipe[1], 1);
    posix_spawn_file_actions_adddup2(
        &Actions, How.SharedOutput ? OutPipe[1] : ErrPipe[1], 2);

    // A clean signal state, except what the test asks for.
    posix_spawnattr_t Attr;
    posix_spawnattr_init(&Attr);
    sigset_t Empty, Defaults;
    sigemptyset(&Empty);
    sigemptyset(&Defaults);
    for (int Sig : ForwardedSignals)
      if (!(How.IgnoreSighup && Sig == SIGHUP))
        sigaddset(&Defaults, Sig);
    sigaddset(&Defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&Attr, &Empty);
    posix_spawnattr_setsigdefault(&Attr, &Defaults);
    posix_spawnattr_setflags(&Attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    struct sigaction Ignore{}, Saved{};
    Ignore.sa_handler = SIG_IGN;
    if (How.IgnoreSighup)
      sigaction(SIGHUP, &Ignore, &Saved);
    // Any core file would land in Dir, and fail its removal.
    posix_spawn_file_actions_addchdir_np(&Actions, Dir.c_str());
    rlimit Core, SavedCore;
    getrlimit(RLIMIT_CORE, &SavedCore);
    Core = {SavedCore.rlim_max, SavedCore.rlim_max};
    if (How.AllowCore)
      setrlimit(RLIMIT_CORE, &Core);
    std::vector<char *> Argv;
    for (std::string &A : Args)
      Argv.push_back(A.data());
    Argv.push_back(nullptr);
    int Rc = posix_spawn(&Pid, Argv[0], &Actions, &Attr, Argv.data(), environ);
    if (How.IgnoreSighup)
      sigaction(SIGHUP, &Saved, nullptr);
    if (How.AllowCore)
      setrlimit(RLIMIT_CORE, &SavedCore);
    posix_spawn_file_actions_destroy(&Actions);
    posix_spawnattr_destroy(&Attr);
    ASSERT_EQ(Rc, 0) << std::strerror(Rc);

    ::close(In[0]);
    ::close(OutPipe[1]);
    ::close(ErrPipe[1]);
    StdinWrite = In[1];
    if (How.DrainStdout)
      Out = std::make_unique<Drain>(OutPipe[0]);
    else
      StdoutRead = OutPipe[0];
    if (How.SharedOutput)
      ::close(ErrPipe[0]);
    else
      Err = std::make_unique<Drain>(ErrPipe[0]);
  }

  /// Writes Bytes to the deputy's fd 0 from another thread, then closes it.
  void feedStdin(std::string Bytes) {
    int Fd = StdinWrite;
    StdinWrite = -1;
    Feeder = std::thread([Fd, Bytes = std::move(Bytes)] {
      std::string_view Rest = Bytes;
      while (!Rest.empty()) {
        ssize_t N = ::write(Fd, Rest.data(), Rest.size());
        if (N < 0 && errno == EINTR)
          continue;
        if (N <= 0)
          break;
        Rest.remove_prefix(static_cast<size_t>(N));
      }
      ::close(Fd);
    });
  }

  /// Accepts the deputy's connection and checks its Attach.
  void accept() {
    pollfd P{Listener, POLLIN, 0};
    ASSERT_EQ(::poll(&P, 1, WaitLimitMs), 1) << "the deputy did not connect";
    Conn = ::accept4(Listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    ASSERT_GE(Conn, 0) << std::strerror(errno);
    std::optional<std::string> M = receive();
    ASSERT_TRUE(M) << "no Attach";
    Reader R(*M);
    EXPECT_EQ(R.type(), Msg::Attach);
    EXPECT_EQ(R.u64(), Job);
    EXPECT_TRUE(R.ok());
  }

  void start(const Stdio &How = {}) {
    ASSERT_NO_FATAL_FAILURE(spawn(How));
    ASSERT_NO_FATAL_FAILURE(accept());
  }

  /// The next message from the deputy; nullopt when it closed the socket
  /// (Closed is then set) or after WaitLimit (a failure).
  std::optional<std::string> receive() {
    std::string Body;
    for (;;) {
      bool Bad;
      if (Frames.next(Body, &Bad))
        return Body;
      if (Bad) {
        ADD_FAILURE() << "the deputy sent an oversized frame";
        return std::nullopt;
      }
      pollfd P{Conn, POLLIN, 0};
      if (::poll(&P, 1, WaitLimitMs) != 1) {
        ADD_FAILURE() << "the deputy sent nothing for " << WaitLimitMs << " ms";
        return std::nullopt;
      }
      char Buffer[65536];
      ssize_t N = ::read(Conn, Buffer, sizeof Buffer);
      if (N < 0 && errno == EAGAIN)
        continue;
      if (N <= 0) {
        Closed = true;
        return std::nullopt;
      }
      Frames.append(Buffer, static_cast<size_t>(N));
    }
  }

  void send(const Writer &W) {
    std::string Frame = W.framed();
    std::string_view Rest = Frame;
    while (!Rest.empty()) {
      ssize_t N = ::send(Conn, Rest.data(), Rest.size(), MSG_NOSIGNAL);
      if (N > 0) {
        Rest.remove_prefix(static_cast<size_t>(N));
        continue;
      }
      ASSERT_EQ(errno, EAGAIN) << std::strerror(errno);
      pollfd P{Conn, POLLOUT, 0};
      ASSERT_EQ(::poll(&P, 1, WaitLimitMs), 1)
          << "the deputy stopped reading its socket";
    }
  }

  void output(uint32_t Stream, std::string_view Bytes) {
    send(Writer(Msg::Output)
             .u64(Job)
             .u32(Stream)
             .bytes(Bytes.data(), Bytes.size()));
  }
  void exited(int Status) { send(Writer(Msg::Exited).u64(Job).i32(Status)); }

  void expectSignal(int Sig) {
    std::optional<std::string> M = receive();
    ASSERT_TRUE(M) << "expected Signal " << Sig;
    Reader R(*M);
    ASSERT_EQ(R.type(), Msg::Signal);
    EXPECT_EQ(R.u64(), Job);
    EXPECT_EQ(R.i32(), Sig);
    EXPECT_TRUE(R.ok());
  }
  void expectStdinEof() {
    std::optional<std::string> M = receive();
    ASSERT_TRUE(M) << "expected StdinEof";
    Reader R(*M);
    ASSERT_EQ(R.type(), Msg::StdinEof);
    EXPECT_EQ(R.u64(), Job);
    EXPECT_TRUE(R.ok());
  }
  /// The deputy closed its socket with nothing more to say.
  void expectClosed() {
    std::optional<std::string> M = receive();
    EXPECT_FALSE(M) << "unexpected message of type "
                    << (M ? static_cast<int>(Reader(*M).type()) : 0);
    EXPECT_TRUE(Closed);
  }

  /// The deputy's next state change: its wait status, with WUNTRACED a stop
  /// too. Fails (and returns -1) after WaitLimit.
  int waitDeputy(int Options = 0) {
    auto Deadline = std::chrono::steady_clock::now() + WaitLimit;
    sigset_t Chld;
    sigemptyset(&Chld);
    sigaddset(&Chld, SIGCHLD);
    for (;;) {
      int Status;
      pid_t R = ::waitpid(Pid, &Status, WNOHANG | Options);
      if (R == Pid) {
        if (WIFEXITED(Status) || WIFSIGNALED(Status))
          Pid = -1;
        return Status;
      }
      auto Left = Deadline - std::chrono::steady_clock::now();
      if (R < 0 || Left <= 0s) {
        ADD_FAILURE() << "grid-deputy did not end or stop in time";
        return -1;
      }
      auto Ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Left);
      timespec Timeout{static_cast<time_t>(Ns.count() / 1000000000),
                       static_cast<long>(Ns.count() % 1000000000)};
      sigtimedwait(&Chld, nullptr, &Timeout);
    }
  }

  /// The descriptors the running deputy holds: number -> link target.
  std::vector<std::pair<int, std::string>> deputyFds() {
    std::vector<std::pair<int, std::string>> Fds;
    std::string Path = "/proc/" + std::to_string(Pid) + "/fd";
    DIR *D = ::opendir(Path.c_str());
    if (!D)
      return Fds;
    while (dirent *E = ::readdir(D)) {
      if (E->d_name[0] == '.')
        continue;
      char Target[256] = {};
      ::readlink((Path + "/" + E->d_name).c_str(), Target, sizeof Target - 1);
      Fds.emplace_back(std::atoi(E->d_name), Target);
    }
    ::closedir(D);
    std::sort(Fds.begin(), Fds.end());
    return Fds;
  }

  /// A line of /proc/PID/status, in kB.
  long statusKb(const char *Field) {
    std::string Path = "/proc/" + std::to_string(Pid) + "/status";
    FILE *F = std::fopen(Path.c_str(), "r");
    if (!F)
      return -1;
    char Line[256];
    long Kb = -1;
    size_t Len = std::strlen(Field);
    while (std::fgets(Line, sizeof Line, F))
      if (!std::strncmp(Line, Field, Len) && Line[Len] == ':')
        Kb = std::atol(Line + Len + 1);
    std::fclose(F);
    return Kb;
  }

  std::string Dir, SocketPath;
  int Listener = -1, Conn = -1, StdinWrite = -1, StdoutRead = -1;
  pid_t Pid = -1;
  std::unique_ptr<Drain> Out, Err;
  std::thread Feeder;
  FrameBuffer Frames;
  bool Closed = false;
};

TEST_F(DeputyTest, WritesBothStreamsInOrder) {
  ASSERT_NO_FATAL_FAILURE(start({.SharedOutput = true}));
  ASSERT_NO_FATAL_FAILURE(output(1, "one "));
  ASSERT_NO_FATAL_FAILURE(output(2, "two "));
  ASSERT_NO_FATAL_FAILURE(output(1, "three "));
  ASSERT_NO_FATAL_FAILURE(output(2, std::string("four\0five", 9)));
  ASSERT_NO_FATAL_FAILURE(output(1, ""));
  ASSERT_NO_FATAL_FAILURE(exited(0));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), 0);
  EXPECT_EQ(Out->all(), std::string("one two three four\0five", 23));
  expectClosed();
}

// Megabytes on both streams in chunks of varied size, fd 1 non-blocking so
// the deputy meets EAGAIN whenever the pipe is full.
TEST_F(DeputyTest, RelaysMegabytesByteExact) {
  ASSERT_NO_FATAL_FAILURE(start({.OutNonBlocking = true}));
  std::string One = pattern(8 << 20, 1), Two = pattern(3 << 20, 2);
  size_t AtOne = 0, AtTwo = 0;
  for (size_t Round = 0; AtOne < One.size() || AtTwo < Two.size(); ++Round) {
    size_t Size = OutputChunk - (Round * 7919) % 4096;
    size_t N = std::min(Size, One.size() - AtOne);
    ASSERT_NO_FATAL_FAILURE(output(1, std::string_view(One).substr(AtOne, N)));
    AtOne += N;
    N = std::min(Size / 3, Two.size() - AtTwo);
    ASSERT_NO_FATAL_FAILURE(output(2, std::string_view(Two).substr(AtTwo, N)));
    AtTwo += N;
  }
  ASSERT_TRUE(Out->waitFor(One.size()));
  ASSERT_TRUE(Err->waitFor(Two.size()));
  // Every byte went through; the deputy is idle and at its largest.
  long Hwm = statusKb("VmHWM"), Rss = statusKb("VmRSS");
  RecordProperty("VmHWM_kB", std::to_string(Hwm));
  RecordProperty("VmRSS_kB", std::to_string(Rss));
  std::printf("grid-deputy after 11 MiB of output: VmRSS %ld kB, VmHWM %ld "
              "kB\n",
              Rss, Hwm);
  EXPECT_GT(Hwm, 0);
  EXPECT_LE(Hwm, 2048) << "grid-deputy should stay within 2 MiB resident";

  ASSERT_NO_FATAL_FAILURE(exited(0));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), 0);
  std::string GotOne = Out->all(), GotTwo = Err->all();
  ASSERT_EQ(GotOne.size(), One.size());
  EXPECT_TRUE(GotOne == One) << "stdout differs";
  ASSERT_EQ(GotTwo.size(), Two.size());
  EXPECT_TRUE(GotTwo == Two) << "stderr differs";
}

TEST_F(DeputyTest, ExitsWithTheRemoteExitStatus) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_NO_FATAL_FAILURE(exited(realStatus(3, 0)));
  // Home may close the socket right after Exited.
  ::close(Conn);
  Conn = -1;
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), 3);
  EXPECT_EQ(Err->all(), "");
}

class DeputyDiesBy : public DeputyTest,
                     public testing::WithParamInterface<int> {};

TEST_P(DeputyDiesBy, TheRemoteSignal) {
  int Sig = GetParam();
  ASSERT_NO_FATAL_FAILURE(start({.AllowCore = true}));
  int Remote = realStatus(0, Sig);
  ASSERT_TRUE(WIFSIGNALED(Remote));
  ASSERT_NO_FATAL_FAILURE(exited(Remote));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFSIGNALED(Status)) << Status;
  EXPECT_EQ(WTERMSIG(Status), Sig);
  EXPECT_FALSE(WCOREDUMP(Status)) << "the deputy dumped core";
  EXPECT_EQ(Err->all(), "");
}

// SIGTERM and SIGINT are among the signals the deputy forwards (blocked in
// it), SIGSEGV dumps core by default, SIGKILL cannot be reset.
INSTANTIATE_TEST_SUITE_P(Signals, DeputyDiesBy,
                         testing::Values(SIGTERM, SIGINT, SIGSEGV, SIGKILL),
                         [](const testing::TestParamInfo<int> &I) {
                           return std::string(sigabbrev_np(I.param));
                         });

TEST_F(DeputyTest, ForwardsEachSignal) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (int Sig : ForwardedSignals) {
    if (Sig == SIGTSTP)
      continue; // StopsAfterForwardingSigtstp
    ASSERT_EQ(::kill(Pid, Sig), 0);
    ASSERT_NO_FATAL_FAILURE(expectSignal(Sig)) << sigabbrev_np(Sig);
  }
  // Still running: the forwarded signals did nothing to the deputy itself.
  ASSERT_NO_FATAL_FAILURE(output(1, "alive"));
  ASSERT_NO_FATAL_FAILURE(exited(0));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), 0);
  EXPECT_EQ(Out->all(), "alive");
  expectClosed();
}

TEST_F(DeputyTest, StopsAfterForwardingSigtstp) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_EQ(::kill(Pid, SIGTSTP), 0);
  ASSERT_NO_FATAL_FAILURE(expectSignal(SIGTSTP));
  int Status = waitDeputy(WUNTRACED);
  ASSERT_TRUE(WIFSTOPPED(Status)) << Status;
  EXPECT_EQ(WSTOPSIG(Status), SIGSTOP);
  ASSERT_EQ(::kill(Pid, SIGCONT), 0);
  ASSERT_NO_FATAL_FAILURE(expectSignal(SIGCONT));
  ASSERT_NO_FATAL_FAILURE(exited(0));
  Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
}

// nohup: a signal the program left ignored for the child is not relayed.
TEST_F(DeputyTest, KeepsAnInheritedIgnoredSignalIgnored) {
  ASSERT_NO_FATAL_FAILURE(start({.IgnoreSighup = true}));
  ASSERT_EQ(::kill(Pid, SIGHUP), 0);
  ASSERT_EQ(::kill(Pid, SIGUSR1), 0);
  // SIGHUP, had it been queued, would come first (lowest number first).
  ASSERT_NO_FATAL_FAILURE(expectSignal(SIGUSR1));
  ASSERT_NO_FATAL_FAILURE(exited(0));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  expectClosed();
}

// A reader that does not read (`| less` paging) blocks the deputy's write;
// signals must still get through.
TEST_F(DeputyTest, ForwardsSignalsWhileAWriteBlocks) {
  ASSERT_NO_FATAL_FAILURE(start({.DrainStdout = false}));
  std::string Big = pattern(OutputChunk, 3); // four times a pipe's capacity
  ASSERT_NO_FATAL_FAILURE(output(1, Big));
  ASSERT_EQ(::kill(Pid, SIGINT), 0);
  ASSERT_NO_FATAL_FAILURE(expectSignal(SIGINT));
  Out = std::make_unique<Drain>(StdoutRead);
  StdoutRead = -1;
  ASSERT_NO_FATAL_FAILURE(exited(0));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_TRUE(Out->all() == Big);
}

// More than the window: the deputy must stop at exactly StdinWindow
// unacknowledged bytes and go on only when credited.
TEST_F(DeputyTest, RelaysStdinWithinTheWindow) {
  ASSERT_NO_FATAL_FAILURE(start());
  std::string In = pattern(3 * StdinWindow + 12345, 4);
  feedStdin(In);
  ASSERT_NO_FATAL_FAILURE(send(Writer(Msg::StdinWanted).u64(Job)));

  std::string Got;
  uint64_t Credited = 0;
  int FullWindows = 0;
  bool Eof = false;
  while (!Eof) {
    std::optional<std::string> M = receive();
    if (!M)
      break;
    Reader R(*M);
    if (R.type() == Msg::StdinEof) {
      EXPECT_EQ(R.u64(), Job);
      EXPECT_TRUE(R.ok());
      Eof = true;
      continue;
    }
    ASSERT_EQ(R.type(), Msg::Stdin);
    EXPECT_EQ(R.u64(), Job);
    std::string_view Bytes = R.str();
    ASSERT_TRUE(R.ok());
    Got.append(Bytes);
    uint64_t Unacked = Got.size() - Credited;
    ASSERT_LE(Unacked, StdinWindow) << "the deputy overran the window";
    if (Unacked == StdinWindow) {
      ++FullWindows;
      // Part of the window, so the deputy resumes with a partial window.
      uint64_t Credit = StdinWindow / 3 + 7;
      Credited += Credit;
      ASSERT_NO_FATAL_FAILURE(
          send(Writer(Msg::StdinCredit).u64(Job).u64(Credit)));
    }
  }
  ASSERT_TRUE(Eof);
  Feeder.join();
  EXPECT_GE(FullWindows, 3);
  ASSERT_EQ(Got.size(), In.size());
  EXPECT_TRUE(Got == In) << "stdin differs";
  ASSERT_NO_FATAL_FAILURE(exited(0));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  expectClosed(); // nothing after StdinEof
}

TEST_F(DeputyTest, SendsStdinEofForAnEmptyStdin) {
  ASSERT_NO_FATAL_FAILURE(start({.In = Stdio::DevNull}));
  ASSERT_NO_FATAL_FAILURE(send(Writer(Msg::StdinWanted).u64(Job)));
  ASSERT_NO_FATAL_FAILURE(expectStdinEof());
  ASSERT_NO_FATAL_FAILURE(exited(0));
  ASSERT_TRUE(WIFEXITED(waitDeputy()));
  expectClosed();
}

// fd 0 closed: StdinEof at once, and the socket does not take fd 0 (output
// would otherwise go to home as garbage).
TEST_F(DeputyTest, SendsStdinEofWhenStdinIsClosed) {
  ASSERT_NO_FATAL_FAILURE(start({.In = Stdio::Closed}));
  ASSERT_NO_FATAL_FAILURE(expectStdinEof());
  auto Fds = deputyFds();
  ASSERT_EQ(Fds.size(), 3u);
  EXPECT_EQ(Fds[0].first, 1);
  EXPECT_EQ(Fds[1].first, 2);
  EXPECT_GE(Fds[2].first, 3);
  EXPECT_EQ(Fds[2].second.rfind("socket:", 0), 0u) << Fds[2].second;
  ASSERT_NO_FATAL_FAILURE(exited(0));
  ASSERT_TRUE(WIFEXITED(waitDeputy()));
}

TEST_F(DeputyTest, HoldsOnlyStdioAndItsSocket) {
  ASSERT_NO_FATAL_FAILURE(start({.ExtraFd = 7}));
  auto Fds = deputyFds();
  ASSERT_EQ(Fds.size(), 4u);
  EXPECT_EQ(Fds[0].first, 0);
  EXPECT_EQ(Fds[1].first, 1);
  EXPECT_EQ(Fds[2].first, 2);
  EXPECT_EQ(Fds[3].second.rfind("socket:", 0), 0u) << Fds[3].second;
  ASSERT_NO_FATAL_FAILURE(exited(0));
  ASSERT_TRUE(WIFEXITED(waitDeputy()));
}

TEST_F(DeputyTest, RelaysEpipeAsOneSigpipe) {
  ASSERT_NO_FATAL_FAILURE(start({.DrainStdout = false}));
  ::close(StdoutRead);
  StdoutRead = -1;
  ASSERT_NO_FATAL_FAILURE(output(1, "to nobody"));
  ASSERT_NO_FATAL_FAILURE(expectSignal(SIGPIPE));
  ASSERT_NO_FATAL_FAILURE(output(1, "dropped"));
  ASSERT_NO_FATAL_FAILURE(output(1, "dropped too"));
  ASSERT_NO_FATAL_FAILURE(output(2, "stderr still works"));
  ASSERT_NO_FATAL_FAILURE(exited(0));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), 0);
  EXPECT_EQ(Err->all(), "stderr still works");
  expectClosed(); // one SIGPIPE only
}

TEST_F(DeputyTest, ExitsWith255WhenTheConnectionIsLost) {
  ASSERT_NO_FATAL_FAILURE(start());
  // Half a message first: the deputy must not take it for anything.
  std::string Frame = Writer(Msg::Exited).u64(Job).i32(0).framed();
  ASSERT_EQ(::send(Conn, Frame.data(), Frame.size() / 2, MSG_NOSIGNAL),
            static_cast<ssize_t>(Frame.size() / 2));
  ::close(Conn);
  Conn = -1;
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), 255);
  EXPECT_EQ(Err->all(),
            "grid-deputy: lost the connection to the Grid runtime\n");
}

TEST_F(DeputyTest, ExitsWith127OnAnError) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_NO_FATAL_FAILURE(send(Writer(Msg::Error).str("unknown job 42")));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), 127);
  EXPECT_EQ(Err->all(), "grid-deputy: unknown job 42\n");
}

TEST_F(DeputyTest, RejectsAMessageForAnotherJob) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_NO_FATAL_FAILURE(
      send(Writer(Msg::Output).u64(Job + 1).u32(1).bytes("x", 1)));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), 255);
  EXPECT_EQ(Err->all(),
            "grid-deputy: the Grid runtime sent a malformed Output\n");
}

struct CommandLine {
  std::string Name;
  std::vector<std::string> Args;
  int Exit;
  const char *Stdout;
  const char *StderrStart;
};
void PrintTo(const CommandLine &C, std::ostream *OS) { *OS << C.Name; }

class DeputyCommandLine : public DeputyTest,
                          public testing::WithParamInterface<CommandLine> {};

TEST_P(DeputyCommandLine, IsChecked) {
  const CommandLine &C = GetParam();
  ASSERT_NO_FATAL_FAILURE(spawn({}, C.Args));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), C.Exit);
  std::string Stdout = Out->all(), Stderr = Err->all();
  EXPECT_EQ(Stdout.rfind(C.Stdout, 0), 0u) << Stdout;
  EXPECT_EQ(Stderr.rfind(C.StderrStart, 0), 0u) << Stderr;
  if (C.Exit == 2) {
    EXPECT_NE(Stderr.find("usage: grid-deputy --socket PATH --job ID --node "
                          "N\n"),
              std::string::npos)
        << Stderr;
  } else {
    EXPECT_EQ(Stderr, C.StderrStart);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DeputyCommandLine,
    testing::Values(
        CommandLine{
            "Help", {"--help"}, 0, "usage: grid-deputy --socket PATH", ""},
        CommandLine{"MissingOptions",
                    {"--job", "1"},
                    2,
                    "",
                    "grid-deputy: --socket, --job and --node are required\n"},
        CommandLine{"BadJob",
                    {"--socket", "/s", "--job", "x1", "--node", "1"},
                    2,
                    "",
                    "grid-deputy: --job 'x1' is not a job number\n"},
        CommandLine{"NegativeNode",
                    {"--socket=/s", "--job=1", "--node=-1"},
                    2,
                    "",
                    "grid-deputy: --node '-1' is not a node number\n"},
        CommandLine{"NodeTooLarge",
                    {"--socket", "/s", "--job", "1", "--node", "4294967296"},
                    2,
                    "",
                    "grid-deputy: --node '4294967296' is not a node number\n"},
        CommandLine{"UnknownArgument",
                    {"--socket", "/s", "--job", "1", "--nodes", "1"},
                    2,
                    "",
                    "grid-deputy: unknown argument '--nodes'\n"},
        CommandLine{"MissingValue",
                    {"--socket", "/s", "--job", "1", "--node"},
                    2,
                    "",
                    "grid-deputy: --node needs a value\n"},
        CommandLine{
            "SocketPathTooLong",
            {"--socket", std::string(200, 'a'), "--job", "1", "--node", "1"},
            2,
            "",
            "grid-deputy: --socket 'aaa"},
        CommandLine{
            "NoSocket",
            {"--socket", "/nonexistent/home.sock", "--job", "1", "--node", "1"},
            255,
            "",
            "grid-deputy: cannot connect to the Grid runtime at "
            "/nonexistent/home.sock: No such file or directory\n"}),
    [](const testing::TestParamInfo<CommandLine> &I) { return I.param.Name; });

} // namespace

// A child placed early that its node could not take: the deputy runs it
// itself, with its own descriptors and the environment it is given, and
// the program sees that child's output and exit status.
TEST_F(DeputyTest, RunsTheChildItselfOnRunLocal) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_NO_FATAL_FAILURE(
      send(Writer(Msg::RunLocal)
               .u64(Job)
               .u32(1)
               .str("sh")
               .strings({"sh", "-c", "echo ran here $WHERE; exit 4"})
               .strings({"WHERE=locally", "PATH=/usr/bin:/bin"})));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  EXPECT_EQ(WEXITSTATUS(Status), 4);
  EXPECT_EQ(Out->all(), "ran here locally\n");
  EXPECT_EQ(Err->all(), "");
}

// Until home says the remote child wants its stdin, the deputy reads none
// of it: a child that never reads stdin takes nothing from a stdin it
// shares with its parent (`while read x; do cmd; done`).
TEST_F(DeputyTest, ReadsNoStdinUntilTheChildWantsIt) {
  ASSERT_NO_FATAL_FAILURE(start());
  const std::string Line = "a line the parent will read\n";
  ASSERT_EQ(::write(StdinWrite, Line.data(), Line.size()),
            static_cast<ssize_t>(Line.size()));
  ::close(StdinWrite);
  StdinWrite = -1;
  ASSERT_NO_FATAL_FAILURE(output(1, "done\n"));
  ASSERT_NO_FATAL_FAILURE(exited(0));
  int Status = waitDeputy();
  ASSERT_TRUE(WIFEXITED(Status)) << Status;
  while (std::optional<std::string> M = receive()) {
    Reader R(*M);
    EXPECT_NE(R.type(), Msg::Stdin) << "the deputy read stdin unasked";
    EXPECT_NE(R.type(), Msg::StdinEof) << "the deputy read stdin unasked";
  }
}
