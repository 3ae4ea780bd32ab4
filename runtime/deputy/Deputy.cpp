//===- deputy/Deputy.cpp - The local stand-in for a remote child ----------===//
//
// grid-deputy --socket PATH --job ID --node N (docs/design/cluster.md §7).
// The program that created a child placed on another node runs this in the
// child's place: it holds the pid, descriptors, process group and exit
// status the program sees, and relays through home's socket: Output to fd 1
// and 2, fd 0 as Stdin within StdinWindow, signals as Signal, and at Exited
// the remote exit status (or death by the same signal).
//
// Two threads: the main one reads the socket and fd 0 and writes output with
// plain blocking writes; a second one waits for the forwarded signals with
// sigwaitinfo, so a signal is forwarded even while a write to a slow or
// stopped reader (`... | less`) blocks. It opens no descriptor besides the
// socket, and is linked statically so that an inherited LD_PRELOAD (gridrun
// preloads libgridrt) cannot load anything into it.
//===----------------------------------------------------------------------===//

#include "cluster/Wire.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace grid::wire;

namespace {

/// The signals a deputy relays to the remote process (cluster.md §7).
constexpr int ForwardedSignals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                                    SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH,
                                    SIGCONT, SIGTSTP};
constexpr int MaxForwarded = 32; // every forwarded signal number is below

/// Reads from the socket and fd 0 go through one buffer of this size; it is
/// also the largest Stdin message.
// Large reads of the socket: output arrives in chunks of up to 256 KiB, and
// fewer, larger reads cut the relay's cost, within the memory target.
constexpr size_t ReadChunk = 128 << 10;
char ReadBuffer[ReadChunk];

constexpr const char *Usage =
    "usage: grid-deputy --socket PATH --job ID --node N\n"
    "\n"
    "Stands in for a child process that runs on node N of a Grid job: writes\n"
    "its output to fds 1 and 2, relays fd 0 and signals to it, and exits with\n"
    "its status. The Grid runtime starts it; users do not.\n";

void writeRaw(int Fd, std::string_view Text) {
  while (!Text.empty()) {
    ssize_t N = ::write(Fd, Text.data(), Text.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return;
    Text.remove_prefix(static_cast<size_t>(N));
  }
}

/// One line on stderr, prefixed with the program's name.
void say(std::string_view Text) {
  std::string Line = "grid-deputy: ";
  Line.append(Text);
  Line += '\n';
  writeRaw(2, Line);
}

[[noreturn]] void usageError(std::string_view What) {
  say(What);
  writeRaw(2, Usage);
  _exit(2);
}

[[noreturn]] void lostConnection() {
  say("lost the connection to the Grid runtime");
  _exit(255);
}

/// Writes all of Data to Fd; 0 or the errno that stopped it. A descriptor the
/// program made non-blocking is waited for with poll, not spun on.
int writeAll(int Fd, std::string_view Data) {
  while (!Data.empty()) {
    ssize_t N = ::write(Fd, Data.data(), Data.size());
    if (N >= 0) {
      Data.remove_prefix(static_cast<size_t>(N));
      continue;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return errno;
    pollfd P{Fd, POLLOUT, 0};
    if (::poll(&P, 1, -1) < 0 && errno != EINTR)
      return errno;
  }
  return 0;
}

/// The connection to home. Both threads send whole frames under Lock, so
/// frames never interleave. A failed send is not reported here: the main
/// thread keeps reading, because Exited may already be waiting in the socket,
/// and reports the connection lost only at end of stream.
class HomeSocket {
public:
  void connect(const char *Path) {
    sockaddr_un Addr{};
    Addr.sun_family = AF_UNIX;
    std::memcpy(Addr.sun_path, Path, std::strlen(Path) + 1);
    int S = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (S < 0)
      fail("cannot create a socket", Path);
    // Keep 0, 1 and 2 free even if the program closed them: output for a
    // closed fd 1 must fail with EBADF, not land in the socket.
    if (S < 3) {
      int Moved = ::fcntl(S, F_DUPFD_CLOEXEC, 3);
      ::close(S);
      if (Moved < 0)
        fail("cannot create a socket", Path);
      S = Moved;
    }
    int R;
    do
      R = ::connect(S, reinterpret_cast<sockaddr *>(&Addr), sizeof Addr);
    while (R < 0 && errno == EINTR);
    if (R < 0)
      fail("cannot connect to the Grid runtime at", Path);
    Fd = S;
  }

  int fd() const { return Fd; }

  void send(std::string_view Frame) {
    pthread_mutex_lock(&Lock);
    while (!Broken && !Frame.empty()) {
      ssize_t N = ::send(Fd, Frame.data(), Frame.size(), MSG_NOSIGNAL);
      if (N >= 0)
        Frame.remove_prefix(static_cast<size_t>(N));
      else if (errno != EINTR)
        Broken = true;
    }
    pthread_mutex_unlock(&Lock);
  }

private:
  [[noreturn]] static void fail(const char *What, const char *Path) {
    int Err = errno;
    std::string Text = What;
    Text += ' ';
    Text += Path;
    Text += ": ";
    Text += std::strerror(Err);
    say(Text);
    _exit(255);
  }

  int Fd = -1;
  pthread_mutex_t Lock = PTHREAD_MUTEX_INITIALIZER;
  bool Broken = false; // guarded by Lock
};

struct Options {
  const char *Socket = nullptr;
  uint64_t Job = 0;
  uint32_t Node = 0;
};

bool parseDecimal(const char *Text, uint64_t Max, uint64_t &Value) {
  if (!*Text)
    return false;
  uint64_t V = 0;
  for (const char *P = Text; *P; ++P) {
    if (*P < '0' || *P > '9')
      return false;
    unsigned Digit = static_cast<unsigned>(*P - '0');
    if (V > (Max - Digit) / 10)
      return false;
    V = V * 10 + Digit;
  }
  Value = V;
  return true;
}

Options parseCommandLine(int Argc, char **Argv) {
  Options O;
  bool HaveJob = false, HaveNode = false;
  for (int I = 1; I < Argc; ++I) {
    std::string_view Arg = Argv[I];
    if (Arg == "--help" || Arg == "-h") {
      writeRaw(1, Usage);
      _exit(0);
    }
    std::string_view Name = Arg.substr(0, Arg.find('='));
    if (Name != "--socket" && Name != "--job" && Name != "--node")
      usageError(std::string("unknown argument '").append(Arg).append("'"));
    const char *Value;
    if (Name.size() < Arg.size())
      Value = Argv[I] + Name.size() + 1;
    else if (I + 1 < Argc)
      Value = Argv[++I];
    else
      usageError(std::string(Name).append(" needs a value"));

    uint64_t N;
    if (Name == "--socket") {
      if (!*Value || std::strlen(Value) >= sizeof(sockaddr_un::sun_path))
        usageError(
            std::string("--socket '")
                .append(Value)
                .append("' is empty or longer than ")
                .append(std::to_string(sizeof(sockaddr_un::sun_path) - 1))
                .append(" bytes"));
      O.Socket = Value;
    } else if (Name == "--job") {
      if (!parseDecimal(Value, UINT64_MAX, N))
        usageError(std::string("--job '").append(Value).append(
            "' is not a job number"));
      O.Job = N;
      HaveJob = true;
    } else {
      if (!parseDecimal(Value, UINT32_MAX, N))
        usageError(std::string("--node '")
                       .append(Value)
                       .append("' is not a node number"));
      O.Node = static_cast<uint32_t>(N);
      HaveNode = true;
    }
  }
  if (!O.Socket || !HaveJob || !HaveNode)
    usageError("--socket, --job and --node are required");
  return O;
}

class Deputy {
public:
  explicit Deputy(const Options &O) : Job(O.Job) {}

  /// Blocks the forwarded signals (in every thread: the signal thread
  /// inherits the mask) so they queue for sigwaitinfo. A signal the deputy
  /// inherited as ignored (nohup, a shell's background job) stays ignored:
  /// the program meant the child not to see it.
  void blockSignals() {
    sigemptyset(&Forwarded);
    for (int Sig : ForwardedSignals) {
      struct sigaction Old;
      if (sigaction(Sig, nullptr, &Old) == 0 && Old.sa_handler == SIG_IGN)
        continue;
      sigaddset(&Forwarded, Sig);
      SignalFrames[Sig] = Writer(Msg::Signal).u64(Job).i32(Sig).framed();
    }
    pthread_sigmask(SIG_BLOCK, &Forwarded, &OriginalMask);
    // A write to a closed pipe must fail with EPIPE, which is relayed.
    PipeWasIgnored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
  }

  void start(const char *SocketPath) {
    Home.connect(SocketPath);
    Home.send(Writer(Msg::Attach).u64(Job).framed());

    pthread_attr_t Attr;
    pthread_attr_init(&Attr);
    pthread_attr_setstacksize(&Attr, 64 << 10);
    pthread_t Thread;
    int Err = pthread_create(&Thread, &Attr, forwardSignals, this);
    pthread_attr_destroy(&Attr);
    if (Err) {
      say(std::string("cannot start the signal thread: ")
              .append(std::strerror(Err)));
      _exit(255);
    }
  }

  [[noreturn]] void run() {
    // A closed fd 0 is end of file at once.
    bool ReadingStdin = ::fcntl(0, F_GETFD) != -1;
    if (!ReadingStdin)
      Home.send(Writer(Msg::StdinEof).u64(Job).framed());

    for (;;) {
      pollfd Fds[2] = {{Home.fd(), POLLIN, 0}, {0, POLLIN, 0}};
      nfds_t Count =
          ReadingStdin && StdinWanted && StdinUnacked < StdinWindow ? 2 : 1;
      if (::poll(Fds, Count, -1) < 0)
        continue; // EINTR after a stop and continue
      if (Fds[0].revents)
        readSocket();
      if (Count == 2 && Fds[1].revents)
        ReadingStdin = readStdin();
    }
  }

private:
  static void *forwardSignals(void *Self) {
    auto &D = *static_cast<Deputy *>(Self);
    for (;;) {
      siginfo_t Info;
      int Sig = sigwaitinfo(&D.Forwarded, &Info);
      if (Sig < 0)
        continue; // EINTR after a stop and continue
      // A signal meant for a process group reaches the remote process's
      // group, children included: one the terminal sent (Ctrl-C), or any
      // signal when the deputy leads its own group (the program made the
      // child a group of its own, so killpg is how it signals it). Sent as
      // the negative signal number.
      if (Info.si_code == SI_KERNEL || getpgrp() == getpid())
        D.Home.send(Writer(Msg::Signal).u64(D.Job).i32(-Sig).framed());
      else
        D.Home.send(D.SignalFrames[Sig]);
      // The terminal stopped the deputy's process group; the remote process
      // is stopped by the forwarded SIGTSTP and the deputy stops with it, so
      // the shell sees the job stopped.
      if (Sig == SIGTSTP)
        raise(SIGSTOP);
    }
    return nullptr;
  }

  void readSocket() {
    ssize_t N = ::read(Home.fd(), ReadBuffer, sizeof ReadBuffer);
    if (N < 0 && (errno == EINTR || errno == EAGAIN))
      return;
    // ECONNRESET comes only after every byte home sent has been read.
    if (N <= 0)
      lostConnection();
    Frames.append(ReadBuffer, static_cast<size_t>(N));
    bool Bad;
    while (Frames.next(Body, &Bad))
      handle(Body);
    if (Bad)
      malformed("an oversized frame");
  }

  /// One read of fd 0 relayed as Stdin, never past the window; false at end
  /// of file or on an error, after sending StdinEof.
  bool readStdin() {
    size_t Room = static_cast<size_t>(StdinWindow - StdinUnacked);
    ssize_t N = ::read(0, ReadBuffer, Room < ReadChunk ? Room : ReadChunk);
    if (N < 0 && (errno == EINTR || errno == EAGAIN))
      return true;
    if (N <= 0) {
      Home.send(Writer(Msg::StdinEof).u64(Job).framed());
      return false;
    }
    StdinUnacked += static_cast<uint64_t>(N);
    Home.send(Writer(Msg::Stdin)
                  .u64(Job)
                  .bytes(ReadBuffer, static_cast<size_t>(N))
                  .framed());
    return true;
  }

  void handle(std::string_view Message) {
    Reader R(Message);
    switch (R.type()) {
    case Msg::Output: {
      uint64_t J = R.u64();
      uint32_t Stream = R.u32();
      std::string_view Data = R.str();
      if (!R.ok() || J != Job || (Stream != 1 && Stream != 2))
        malformed("a malformed Output");
      writeOutput(static_cast<int>(Stream), Data);
      return;
    }
    case Msg::StdinWanted: {
      uint64_t J = R.u64();
      if (!R.ok() || J != Job)
        malformed("a malformed StdinWanted");
      StdinWanted = true;
      return;
    }
    case Msg::StdinCredit: {
      uint64_t J = R.u64();
      uint64_t Credit = R.u64();
      if (!R.ok() || J != Job)
        malformed("a malformed StdinCredit");
      StdinUnacked -= Credit < StdinUnacked ? Credit : StdinUnacked;
      return;
    }
    case Msg::Exited: {
      uint64_t J = R.u64();
      int32_t Status = R.i32();
      if (!R.ok() || J != Job)
        malformed("a malformed Exited");
      exitAs(Status);
    }
    case Msg::RunLocal: {
      // The node could not take the child after all (its cwd is not
      // there): it runs here, in the deputy's place, with everything the
      // program gave it (pid, descriptors, process group).
      uint64_t J = R.u64();
      bool Search = R.u32() != 0;
      std::string File(R.str());
      std::vector<std::string> Argv = R.strings();
      std::vector<std::string> Env = R.strings();
      if (!R.ok() || J != Job)
        malformed("a malformed RunLocal");
      runLocally(Search, File, Argv, Env);
    }
    case Msg::Error: {
      std::string_view Text = R.str();
      if (!R.ok())
        malformed("a malformed Error");
      say(Text);
      _exit(127);
    }
    default:
      malformed(std::string("an unexpected message of type ")
                    .append(std::to_string(static_cast<int>(R.type()))));
    }
  }

  [[noreturn]] void runLocally(bool Search, const std::string &File,
                               std::vector<std::string> &Argv,
                               std::vector<std::string> &Env) {
    std::vector<char *> ArgvP, EnvP;
    for (std::string &A : Argv)
      ArgvP.push_back(A.data());
    ArgvP.push_back(nullptr);
    for (std::string &E : Env)
      EnvP.push_back(E.data());
    EnvP.push_back(nullptr);
    ::close(Home.fd());
    signal(SIGPIPE, PipeWasIgnored ? SIG_IGN : SIG_DFL);
    pthread_sigmask(SIG_SETMASK, &OriginalMask, nullptr);
    if (Search)
      ::execvpe(File.c_str(), ArgvP.data(), EnvP.data());
    else
      ::execve(File.c_str(), ArgvP.data(), EnvP.data());
    _exit(errno == ENOENT ? 127 : 126);
  }

  /// Output for a stream that met EPIPE or another error is dropped, as the
  /// remote process cannot be told; EPIPE is also relayed once as SIGPIPE,
  /// which is what writing to that pipe would have done to the child.
  void writeOutput(int Stream, std::string_view Data) {
    if (Dropped[Stream])
      return;
    int Err = writeAll(Stream, Data);
    if (!Err)
      return;
    Dropped[Stream] = true;
    if (Err == EPIPE)
      Home.send(Writer(Msg::Signal).u64(Job).i32(SIGPIPE).framed());
  }

  /// Ends the deputy as the remote process ended: its exit status, or death
  /// by its signal (without a core file of the deputy).
  [[noreturn]] static void exitAs(int Status) {
    if (WIFEXITED(Status))
      _exit(WEXITSTATUS(Status));
    if (!WIFSIGNALED(Status))
      malformed("an Exited without an exit status or signal");
    int Sig = WTERMSIG(Status);
    rlimit NoCore{0, 0};
    setrlimit(RLIMIT_CORE, &NoCore);
    prctl(PR_SET_DUMPABLE, 0);
    signal(Sig, SIG_DFL);
    sigset_t Only;
    sigemptyset(&Only);
    sigaddset(&Only, Sig);
    pthread_sigmask(SIG_UNBLOCK, &Only, nullptr);
    raise(Sig); // to this thread, which alone has it unblocked
    _exit(128 + Sig);
  }

  [[noreturn]] static void malformed(std::string_view What) {
    say(std::string("the Grid runtime sent ").append(What));
    _exit(255);
  }

  const uint64_t Job;
  HomeSocket Home;
  sigset_t Forwarded;
  sigset_t OriginalMask; // the mask the deputy started with
  bool PipeWasIgnored = false;
  std::string SignalFrames[MaxForwarded];
  FrameBuffer Frames;
  std::string Body;
  uint64_t StdinUnacked = 0;
  bool StdinWanted = false; // the remote child has tried to read stdin
  bool Dropped[3] = {false, false, false};
};

} // namespace

int main(int Argc, char **Argv) {
  Options O = parseCommandLine(Argc, Argv);
  // The deputy holds 0, 1, 2 and its socket only; anything else inherited
  // would keep a pipe open for as long as the remote process runs.
  close_range(3, ~0u, 0);
  static Deputy D(O);
  D.blockSignals();
  D.start(O.Socket);
  D.run();
}
