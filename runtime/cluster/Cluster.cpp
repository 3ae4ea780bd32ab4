//===- cluster/Cluster.cpp - Ranks, nodes and the progress thread ---------===//

#include "cluster/Cluster.h"

#include "core/Core.h"
#include "core/Slices.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <fstream>
#include <link.h>
#include <poll.h>
#include <sstream>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>

extern char **environ;

namespace grid::cluster {

//===----------------------------------------------------------------------===//
// Role and address-space layout
//===----------------------------------------------------------------------===//

namespace {
std::atomic<Role> TheRole{Role::Local};

std::optional<long> envNumber(const char *Name) {
  const char *Text = core::getEnv(Name);
  if (!Text || !*Text)
    return std::nullopt;
  char *End = nullptr;
  long Value = std::strtol(Text, &End, 10);
  if (*End)
    return std::nullopt;
  return Value;
}

Role detectRole() {
  std::optional<long> Size = envNumber("OMPI_COMM_WORLD_SIZE");
  std::optional<long> Rank = envNumber("OMPI_COMM_WORLD_RANK");
  std::optional<long> RankPid = envNumber("GRID_RANK_PID");
  bool IsRank = Size && Rank && *Size > 1 &&
                (!RankPid || *RankPid == static_cast<long>(::getpid()));
  if (IsRank)
    return *Rank == 0 ? Role::Home : Role::Agent;
  const char *Socket = core::getEnv("GRID_HOME_SOCKET");
  if (Socket && *Socket)
    return Role::Descendant;
  return Role::Local;
}

std::vector<std::string> commandLine() {
  std::ifstream In("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> Args;
  std::string Arg;
  while (std::getline(In, Arg, '\0'))
    Args.push_back(Arg);
  return Args;
}

// Code, globals and libraries at the same addresses on every rank
// (DESIGN.md §4): the kernel lays out an image without randomisation the
// same way each time. The flag is cleared again in the new image, after its
// layout is fixed, so that the program's own children get ASLR back.
void reexecWithoutRandomisation() {
  int Persona = ::personality(0xffffffff);
  if (Persona == -1)
    return core::warn("cannot read the process personality; addresses may "
                      "differ between ranks");
  if (core::getEnv("GRID_REEXEC")) {
    core::unsetEnv("GRID_REEXEC");
    if (!(Persona & ADDR_NO_RANDOMIZE))
      return core::warn("address-space randomisation is still on after "
                        "re-executing; addresses may differ between ranks");
    ::personality(Persona & ~ADDR_NO_RANDOMIZE);
    return;
  }
  if (Persona & ADDR_NO_RANDOMIZE)
    return; // already so (setarch -R); leave the user's setting alone
  if (::personality(Persona | ADDR_NO_RANDOMIZE) == -1)
    return core::warn(std::string("cannot turn address-space randomisation "
                                  "off: ") +
                      std::strerror(errno) +
                      "; addresses may differ between ranks");
  std::vector<std::string> Args = commandLine();
  std::vector<char *> Argv;
  for (std::string &A : Args)
    Argv.push_back(A.data());
  Argv.push_back(nullptr);
  core::setEnv("GRID_REEXEC", "1", true);
  // The program's own path, so that the process keeps its name (ps, pgrep);
  // /proc/self/exe if it cannot be read. The system call itself:
  // libgridrt's own execve is an interposer.
  char Exe[4096];
  ssize_t Len = ::readlink("/proc/self/exe", Exe, sizeof Exe - 1);
  const char *Path = "/proc/self/exe";
  if (Len > 0) {
    Exe[Len] = '\0';
    if (::access(Exe, X_OK) == 0)
      Path = Exe;
  }
  ::syscall(SYS_execve, Path, Argv.data(), environ);
  int Err = errno;
  core::unsetEnv("GRID_REEXEC");
  ::personality(Persona);
  core::warn(std::string("cannot re-execute the program with address-space "
                         "randomisation off: ") +
             std::strerror(Err) + "; addresses may differ between ranks");
}

std::string hex(uintptr_t V) {
  std::ostringstream Out;
  Out << "0x" << std::hex << V;
  return Out.str();
}
} // namespace

const char *toString(Role R) {
  switch (R) {
  case Role::Local:
    return "local";
  case Role::Descendant:
    return "descendant";
  case Role::Home:
    return "home";
  case Role::Agent:
    return "agent";
  }
  return "?";
}

Role startRole() {
  static std::once_flag Once;
  std::call_once(Once, [] {
    Role R = detectRole();
    if (R == Role::Home || R == Role::Agent) {
      reexecWithoutRandomisation();
      core::setEnv("GRID_RANK_PID", std::to_string(::getpid()).c_str(), true);
    }
    // A job of one rank is one node: its children see GRID_NODE=0 as home's
    // do. (A process an agent started keeps the node it was given.)
    if (R == Role::Local && envNumber("OMPI_COMM_WORLD_SIZE"))
      core::setEnv("GRID_NODE", "0", false);
    TheRole.store(R);
  });
  return TheRole.load();
}

Role role() { return TheRole.load(); }

std::string layoutText() {
  struct Bases {
    uintptr_t Exe = 0, Runtime = 0, Libc = 0;
  } B;
  Dl_info Self{};
  ::dladdr(reinterpret_cast<void *>(&layoutText), &Self);
  B.Runtime = reinterpret_cast<uintptr_t>(Self.dli_fbase);
  ::dl_iterate_phdr(
      [](dl_phdr_info *Info, size_t, void *Data) {
        auto *Out = static_cast<Bases *>(Data);
        std::string_view Name = Info->dlpi_name ? Info->dlpi_name : "";
        if (Name.empty() && !Out->Exe)
          Out->Exe = Info->dlpi_addr;
        else if (Name.find("/libc.so") != std::string_view::npos)
          Out->Libc = Info->dlpi_addr;
        return 0;
      },
      &B);
  // Where the heap begins (its current end depends on what was allocated).
  uintptr_t Heap = 0;
  std::ifstream Maps("/proc/self/maps");
  for (std::string Line; std::getline(Maps, Line);)
    if (Line.find("[heap]") != std::string::npos) {
      Heap = std::stoull(Line.substr(0, Line.find('-')), nullptr, 16);
      break;
    }
  return "exe=" + hex(B.Exe) + " libgridrt=" + hex(B.Runtime) +
         " libc=" + hex(B.Libc) + " heap=" + hex(Heap);
}

//===----------------------------------------------------------------------===//
// EventLoop
//===----------------------------------------------------------------------===//

EventLoop::EventLoop(Transport &T) : T(T) {
  WakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (WakeFd < 0)
    core::fatal(
        "", std::string("cannot create an eventfd: ") + std::strerror(errno),
        "");
  for (int R = 0; R < T.size(); ++R)
    Segments.emplace_back(T.sharedSegment(R), Transport::SharedSegmentBytes);
}

EventLoop::~EventLoop() { ::close(WakeFd); }

void EventLoop::onMessage(wire::Msg Type, MessageHandler Handler) {
  Handlers[Type] = std::move(Handler);
}

void EventLoop::onAnyMessage(std::function<void(int)> Handler) {
  AnyMessage = std::move(Handler);
}

void EventLoop::watch(int Fd, short Events, FdHandler Handler) {
  Watches[Fd] = {Events, std::make_shared<FdHandler>(std::move(Handler))};
}

void EventLoop::setEvents(int Fd, short Events) {
  auto It = Watches.find(Fd);
  if (It != Watches.end())
    It->second.Events = Events;
}

void EventLoop::unwatch(int Fd) { Watches.erase(Fd); }

void EventLoop::every(double Seconds, std::function<void()> Tick) {
  auto Period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(Seconds));
  Timers.push_back({Period, Clock::now() + Period, std::move(Tick)});
}

void EventLoop::send(int Dest, const wire::Writer &Message) {
  T.send(Dest, Message.body());
  ring(Dest);
}

void EventLoop::send(int Dest, std::string Body) {
  T.send(Dest, std::move(Body));
  ring(Dest);
}

bool EventLoop::hasPosted() {
  return PostedCount.load(std::memory_order_acquire) != 0;
}

void EventLoop::openDoorbell() {
  const char *Job = core::getEnv("PMIX_NAMESPACE");
  if (!Job)
    Job = core::getEnv("OMPI_MCA_ess_base_jobid");
  DoorbellPrefix =
      std::string(1, '\0') + "grid-bell-" + (Job ? Job : "0") + "-";
  Doorbell = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (Doorbell < 0)
    return;
  std::string Name = DoorbellPrefix + std::to_string(T.rank());
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  size_t Len = std::min(Name.size(), sizeof Addr.sun_path);
  std::memcpy(Addr.sun_path, Name.data(), Len);
  if (::bind(Doorbell, reinterpret_cast<sockaddr *>(&Addr),
             static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + Len)) !=
      0) {
    ::close(Doorbell);
    Doorbell = -1;
  }
}

// A rank on another host has no such address here: the datagram is lost,
// which is fine (its messages come over TCP, whose connection wakes it).
void EventLoop::ring(int Dest) {
  if (Doorbell < 0)
    return;
  std::string Name = DoorbellPrefix + std::to_string(Dest);
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  size_t Len = std::min(Name.size(), sizeof Addr.sun_path);
  std::memcpy(Addr.sun_path, Name.data(), Len);
  char One = 1;
  ::sendto(Doorbell, &One, 1, MSG_DONTWAIT | MSG_NOSIGNAL,
           reinterpret_cast<sockaddr *>(&Addr),
           static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + Len));
}

void EventLoop::post(std::function<void()> Work) {
  {
    std::lock_guard<std::mutex> Lock(PostMutex);
    Posted.push_back(std::move(Work));
    PostedCount.store(Posted.size(), std::memory_order_release);
  }
  wake();
}

void EventLoop::stop() {
  Stopping.store(true);
  wake();
}

bool EventLoop::onLoopThread() const {
  return LoopThread.load() == std::this_thread::get_id();
}

void EventLoop::requestEnd() {
  if (!EndAsked.exchange(true))
    wake();
}

void EventLoop::wake() {
  uint64_t One = 1;
  [[maybe_unused]] ssize_t N = ::write(WakeFd, &One, sizeof One);
}

void EventLoop::dispatch(int Source, std::string_view Body) {
  wire::Reader R(Body);
  if (AnyMessage)
    AnyMessage(Source);
  auto It = Handlers.find(R.type());
  if (It == Handlers.end()) {
    core::log(LogLevel::Debug, "cluster: ignored a message of type " +
                                   std::to_string(static_cast<int>(R.type())) +
                                   " from rank " + std::to_string(Source));
    return;
  }
  It->second(Source, R);
}

// Open MPI's blocking calls spin a core (DESIGN.md §4), so the loop sleeps in
// poll(2) between non-blocking looks at the transport. Once its wake-ups are
// known (setWakeHints) it sleeps until something is readable or its next
// timer is due: MPI's TCP connections (a message from another host), the
// doorbell (rung by a rank on this host after each message it sends through
// shared memory), its own descriptors. Before that, while connections are
// still being made, it polls on a backoff: not at all while there was work
// in the last 2 ms, then from 20 us doubling to 2 ms. Either way one more
// look follows any activity (a send may have taken a message in), and sends
// still in flight cap the sleep at 50 us, since only polling progresses them.
void EventLoop::run() {
  using namespace std::chrono;
  LoopThread.store(std::this_thread::get_id());
  // Threads asleep on lines (between hosts, or a notice's doorbell) and
  // calls through the loop wake only when it runs.
  core::shortenSlice(core::SliceOf::OwnThread);
  constexpr auto BusyWindow = milliseconds(2);
  constexpr long MinSleepUs = 20, MaxSleepUs = 2000, SendingSleepUs = 50;
  constexpr long HintedSleepUs = 100000, SpinningSleepUs = 1000;
  long SleepUs = 0;
  Clock::time_point LastActive = Clock::now();
  std::vector<pollfd> Fds;
  while (!Stopping.load()) {
    Fds.clear();
    Fds.push_back({WakeFd, POLLIN, 0});
    for (const auto &[Fd, W] : Watches)
      Fds.push_back({Fd, W.Events, 0});
    size_t Watched = Fds.size();
    if (Doorbell >= 0)
      Fds.push_back({Doorbell, POLLIN, 0});
    for (int Fd : WakeHints)
      Fds.push_back({Fd, POLLIN, 0});
    timespec Timeout{SleepUs / 1000000, (SleepUs % 1000000) * 1000};
    long Slept = SleepUs;
    int Ready = ::ppoll(Fds.data(), Fds.size(), &Timeout, nullptr);
    SleepingLong.store(false);
    if (EndAsked.load() && EndRequested)
      EndRequested(); // does not return
    bool Active = false;
    if (Ready > 0) {
      if (Fds[0].revents) {
        uint64_t Count;
        [[maybe_unused]] ssize_t N = ::read(WakeFd, &Count, sizeof Count);
      }
      if (Doorbell >= 0 && Fds[Watched].revents) {
        Suspects.clear();
        char Bells[64];
        while (::recv(Doorbell, Bells, sizeof Bells, MSG_DONTWAIT) > 0) {
        }
      }
      for (size_t I = 1; I < Watched; ++I) {
        if (!Fds[I].revents)
          continue;
        // A handler may unwatch any descriptor, its own included.
        auto It = Watches.find(Fds[I].fd);
        if (It == Watches.end())
          continue;
        std::shared_ptr<FdHandler> Handler = It->second.Handler;
        (*Handler)(Fds[I].revents);
        Active = true;
      }
    }
    std::vector<std::function<void()>> Work;
    {
      std::lock_guard<std::mutex> Lock(PostMutex);
      Work.swap(Posted);
      PostedCount.store(0, std::memory_order_release);
    }
    for (auto &W : Work)
      W();
    Active |= !Work.empty();
    size_t Delivered = T.poll(
        [this](int Source, std::string_view Body) { dispatch(Source, Body); });
    Active |= Delivered > 0;
    // Messages a timer's wake-up found, with wake hints in use: one came
    // over a connection the hints lack (made since they were taken).
    if (Delivered && Ready == 0 && Hinted && Slept > 0 && HintsMissed)
      HintsMissed();
    Clock::time_point Now = Clock::now();
    while (!Suspects.empty() && Suspects.front().Until <= Now) {
      core::log(LogLevel::Info,
                "cluster: a message for line " +
                    std::to_string(Suspects.front().Number) + " from rank " +
                    std::to_string(Suspects.front().From) +
                    " waited for the loop's timer: its wake-up was lost");
      Suspects.pop_front();
    }
    // Lines are looked at while one sleeps, and once a second for what
    // came to lines that are gone (a sleeper's notice to a thread that
    // ended); a line that spins may find its message handed over.
    if (SleepingLines.load() > 0 || Now >= NextLineSweep) {
      NextLineSweep = Now + seconds(1);
      Active |= receiveLines(/*Timed=*/Ready == 0 && Slept >= SpinningSleepUs);
    }
    Clock::time_point NextTimer = Now + hours(1);
    for (size_t I = 0; I < Timers.size(); ++I) {
      if (Now >= Timers[I].Next) {
        Timers[I].Next = Now + Timers[I].Period;
        Timers[I].Tick();
        Active = true;
      }
      NextTimer = std::min(NextTimer, Timers[I].Next);
    }
    if (Active)
      LastActive = Now;
    if (Active)
      SleepUs = 0;
    else if (Hinted)
      SleepUs =
          std::clamp<long>(duration_cast<microseconds>(NextTimer - Now).count(),
                           0, HintedSleepUs);
    else if (Now - LastActive < BusyWindow)
      SleepUs = 0;
    else
      SleepUs = std::clamp(SleepUs * 2, MinSleepUs, MaxSleepUs);
    if (T.pendingSends())
      SleepUs = std::min(SleepUs, SendingSleepUs);
    // A spinning line's looks progress MPI too, and may take in from a
    // socket what another host sent this loop or a sleeping line, leaving
    // nothing readable to wake the loop: it looks again soon. The loop says
    // it will sleep long before it counts the spinners, and a line that
    // starts to spin counts itself before it reads that: one of them sees
    // the other (the line then wakes the loop).
    SleepingLong.store(SleepUs > SpinningSleepUs);
    if (SpinningLines.load() > 0) {
      SleepUs = std::min(SleepUs, SpinningSleepUs);
      SleepingLong.store(false);
    }
  }
  // Work posted together with stop() (home's Shutdown messages) still runs.
  std::vector<std::function<void()>> Work;
  {
    std::lock_guard<std::mutex> Lock(PostMutex);
    Work.swap(Posted);
    PostedCount.store(0, std::memory_order_release);
  }
  for (auto &W : Work)
    W();
}

// A message for a line not (or no longer) here waits a while as an orphan:
// a shadow's notice may come before its thread's start has made the line.
// Orphans older than OrphanLife are from lines that ended, and go.
constexpr std::chrono::seconds OrphanLife{5};

EventLoop::LineCounts EventLoop::lineCounts() const {
  std::lock_guard<std::mutex> Lock(LinesMutex);
  return Counted;
}

bool EventLoop::lineInUse(int Number) {
  std::lock_guard<std::mutex> Lock(LinesMutex);
  return Lines.count(Number) != 0;
}

// How long a sender may take to ring after its send before the loop calls
// the wake-up lost. Its send and its ring are not one step: a sender
// preempted between them leaves the message to the loop's timer, and with
// lit running other MPI jobs beside lines.c on 2 cores (load average
// about 10) 7% of the messages a timer's wake-up found were rung for
// 10-75 ms later, and two later still; none went without its ring.
constexpr std::chrono::milliseconds RingLate{100};

bool EventLoop::receiveLines(bool Timed) {
  bool Any = false;
  std::string Body;
  for (;;) {
    // A message is received and handed over in one step: an owner that
    // took the next message of its line meanwhile would take it first.
    std::lock_guard<std::mutex> Receiving(LineReceive);
    int Number = Transport::AnyLine, From = -1;
    if (!T.receiveOn(-1, &Number, &Body, &From, /*Sure=*/true))
      break;
    Any = true;
    std::lock_guard<std::mutex> Lock(LinesMutex);
    auto It = Lines.find(Number);
    if (It != Lines.end() && It->second->peer() == From) {
      Line &L = *It->second;
      // The line's owner may have sent and looked for this notice while
      // the loop held it: the sleeper's loop looks once more.
      if (Body.empty() && L.Near)
        ring(From);
      // Found after a timer's wake-up by a line asleep on it: its sender
      // should have rung, and does so just after its send, unless it is
      // preempted. A ring within RingLate clears the suspicion (run()).
      if (L.deliverLine(std::move(Body)) && Timed && L.Near &&
          Suspects.size() < 64)
        Suspects.push_back({Clock::now() + RingLate, Number, From});
    } else
      Orphans.push_back({Clock::now(), Number, From, std::move(Body)});
  }
  std::lock_guard<std::mutex> Lock(LinesMutex);
  Clock::time_point Old = Clock::now() - OrphanLife;
  while (!Orphans.empty() && Orphans.front().Came < Old)
    Orphans.pop_front();
  return Any;
}

//===----------------------------------------------------------------------===//
// Line
//===----------------------------------------------------------------------===//

// Between ranks of one host, the wake-up rule: a receiver going to sleep
// sends its notice, then looks at the line once more; a sender sends, then
// looks for a notice. Each sends before it looks (a full fence between), so
// at least one of them sees the other's message: either the sleeper finds
// the message and does not sleep, or the sender finds the notice and rings
// the doorbell. A send that did not complete at once always rings (it may
// need the receiver's loop to progress it). Between hosts there is neither
// spin nor notice: a message makes MPI's socket readable, which wakes the
// loop by itself.

// An answer that comes within this time (a call served at once) is waited
// for without giving the core away, which would cost about a microsecond.
constexpr std::chrono::microseconds SpinAlone{20};
// Looks at a line's ring before its receiver counts itself among the
// spinning lines (about 2 us, a call served at once): a forwarded write
// 1.15 us against 1.18 without (medians of 6 alternating runs).
constexpr int FirstLooks = 256;

namespace {

// How long a sleeper on its slot's bell waits before it looks by itself. A
// message it then finds was not rung for: logged as a lost wake-up.
constexpr double BellPatienceSeconds = 1.0;

} // namespace

Line::Line(EventLoop &Loop, int Peer, int Number, uint64_t Id)
    : Loop(Loop), Peer(Peer), Number(Number), Near(Loop.T.sameHost(Peer)) {
  int Me = Loop.T.rank();
  if (Near && Loop.SharedLines &&
      static_cast<size_t>(Me) < Loop.Segments.size())
    Mine = Loop.Segments[static_cast<size_t>(Me)].claim(lineKey(Peer, Id));
  TheirKey = lineKey(Me, Id);
  std::lock_guard<std::mutex> Lock(Loop.LinesMutex);
  Loop.Lines[Number] = this;
  for (auto It = Loop.Orphans.begin(); It != Loop.Orphans.end();)
    if (It->Number == Number && It->From == Peer) {
      deliverLine(std::move(It->Body));
      It = Loop.Orphans.erase(It);
    } else {
      ++It;
    }
}

Line::~Line() {
  {
    std::lock_guard<std::mutex> Lock(Loop.LinesMutex);
    auto It = Loop.Lines.find(Number);
    if (It != Loop.Lines.end() && It->second == this)
      Loop.Lines.erase(It);
    Loop.Counted.SentShared += Counts.SentShared;
    Loop.Counted.SentMpi += Counts.SentMpi;
    Loop.Counted.TookShared += Counts.TookShared;
    Loop.Counted.TookMpi += Counts.TookMpi;
  }
  if (Mine)
    Loop.Segments[static_cast<size_t>(Loop.T.rank())].release(Mine);
}

bool Line::deliverLine(std::string Body) {
  if (Body.empty()) {
    PeerAsleep.store(true);
    return false;
  }
  return enqueue(/*OfTheLine=*/true, std::move(Body));
}

bool Line::enqueue(bool OfTheLine, std::string Body) {
  bool Woke;
  {
    std::lock_guard<std::mutex> Lock(Mutex);
    (OfTheLine ? LineMail : Mail).push_back(std::move(Body));
    HasMail.store(true);
    Woke = Waiting;
  }
  if (Mine)
    wakeBell(*Mine);
  else
    Arrived.notify_one();
  return Woke;
}

// A message of the peer through MPI; notices are taken on the way. None
// while the loop receives (it hands what it takes over, in order).
bool Line::fromPeer(std::string *Body, bool Sure) {
  std::unique_lock<std::mutex> Receiving(Loop.LineReceive, std::try_to_lock);
  if (!Receiving.owns_lock())
    return false;
  for (;;) {
    int Got = Number;
    if (!Loop.T.receiveOn(Peer, &Got, Body, nullptr, Sure))
      return false;
    if (!Body->empty())
      return true;
    PeerAsleep.store(true);
    NoticeTaken = true;
  }
}

// The oldest message of From (Mail or LineMail), if any.
bool Line::popMail(std::deque<std::string> &From, std::string *Body) {
  if (!HasMail.load())
    return false;
  std::lock_guard<std::mutex> Lock(Mutex);
  if (From.empty())
    return false;
  *Body = std::move(From.front());
  From.pop_front();
  HasMail.store(!Mail.empty() || !LineMail.empty());
  return true;
}

// The line's next message through MPI: what the loop (or this thread, early)
// took in first, in MPI's order.
bool Line::nextThroughMpi(std::string *Body, bool Sure, bool LookAtMpi) {
  return popMail(LineMail, Body) || (LookAtMpi && fromPeer(Body, Sure));
}

// The next message: one handed over from outside the line's order first,
// then the line's own in the order they were sent. A message in the ring
// carries how many of the line's messages went through MPI before it: it
// is next once that many are taken; else the next is MPI's. A message
// found in MPI while the ring looked empty may have been sent after one
// that has come into the ring since: that one goes first, and the MPI
// message waits at the head of LineMail.
bool Line::take(std::string *Body, bool Sure, bool LookAtMpi) {
  if (popMail(Mail, Body))
    return true;
  uint32_t Before = 0;
  bool InRing = Mine && ringPeek(*Mine, &Before);
  if (InRing && markReached(Before, Counts.TookMpi)) {
    ringTake(*Mine, Body);
    ++Counts.TookShared;
    return true;
  }
  if (!nextThroughMpi(Body, Sure, LookAtMpi))
    return false;
  if (!InRing && Mine && ringPeek(*Mine, &Before) &&
      markReached(Before, Counts.TookMpi)) {
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      LineMail.push_front(std::move(*Body));
      HasMail.store(true);
    }
    ringTake(*Mine, Body);
    ++Counts.TookShared;
    return true;
  }
  ++Counts.TookMpi;
  return true;
}

// The peer's slot for this line, if the peer has claimed one.
LineSlot *Line::theirSlot() {
  if (Theirs && Theirs->Owner.load(std::memory_order_seq_cst) == TheirKey)
    return Theirs;
  size_t P = static_cast<size_t>(Peer);
  Theirs = P < Loop.Segments.size() ? Loop.Segments[P].find(TheirKey) : nullptr;
  return Theirs;
}

// A notice found while waiting: the peer went to sleep, maybe without
// seeing what this side sent last, whose own look for the notice can miss
// it (another thread of the rank may be taking it in from shared memory
// just then). A thread that sends several messages without an answer
// between (posted calls) met this: the peer slept on its message. So the
// peer's loop looks once more; PeerAsleep stays, and the next send rings.
void Line::ringIfNoticed() {
  if (std::exchange(NoticeTaken, false))
    Loop.ring(Peer);
}

void Line::send(std::string Body) {
  LineSlot *Slot = Near ? theirSlot() : nullptr;
  bool Shared =
      Slot && Loop.SharedLines &&
      ringPut(*Slot, TheirKey, static_cast<uint32_t>(Counts.SentMpi), Body);
  bool Complete = true;
  if (Shared) {
    ++Counts.SentShared;
  } else {
    Complete = Loop.T.sendOn(Peer, Number, std::move(Body));
    ++Counts.SentMpi;
  }
  if (Near) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // A peer with a slot sleeps on its bell and sends no notice. Looked
    // for again after a send through MPI: a peer that claimed it since may
    // already sleep on it.
    if (Shared || (Slot = theirSlot())) {
      if (Shared)
        ringBell(*Slot);
      else if (Slot->Sleeping.load(std::memory_order_seq_cst) || !Complete)
        Loop.ring(Peer); // its loop takes the message in and rings the bell
    } else {
      // Did the peer go to sleep? A message that comes with its notice
      // (the peer's next turn, already) waits its turn in LineMail.
      std::string Next;
      if (fromPeer(&Next, /*Sure=*/true))
        enqueue(/*OfTheLine=*/true, std::move(Next));
      NoticeTaken = false; // rung below
      if (PeerAsleep.exchange(false) || !Complete)
        Loop.ring(Peer);
    }
  }
  if (!Complete)
    Loop.wake(); // only polling progresses it
}

std::string Line::receive() {
  std::string Body;
  if (take(&Body, /*Sure=*/false, /*LookAtMpi=*/false))
    return Body;
  if (!Near) {
    // Between hosts the message's arrival wakes the peer's loop (MPI's
    // socket), and a round trip outlasts any spin: the loop receives, from
    // a look it takes now on (what came before this call included).
    Loop.SleepingLines.fetch_add(1);
    Loop.wake();
    return sleep(0);
  }
  // A first look at the ring alone, for an answer already on its way (a
  // call served at once): no MPI, so the loop need not know of the spin,
  // and none of its shared counters move.
  if (Mine)
    for (int Round = 0; Round < FirstLooks; ++Round)
      if (take(&Body, /*Sure=*/false, /*LookAtMpi=*/false))
        return Body;
  // Spinning alone first; then, since two cores may be shared by more
  // threads than that, giving the core away between looks. With a slot, the
  // ring is looked at every round and MPI (messages too large for the
  // ring) once in 64. A line whose waits lately outlasted the spin goes
  // to sleep at once (SpinPolicy), and never counts itself as spinning.
  Clock::time_point Start = Clock::now();
  // The wait is told to the policy however it ends.
  struct Timed {
    SpinPolicy &P;
    Clock::time_point Start;
    std::chrono::microseconds Spin;
    ~Timed() { P.waited(Clock::now() - Start, Spin); }
  } Timer{Spins, Start, Loop.spin()};
  if (Spins.spinNext(Loop.spin())) {
    if (Loop.SpinningLines.fetch_add(1) == 0 && Loop.SleepingLong.load())
      Loop.wake(); // its sleep must not outlast the spin's looks (run())
    Clock::time_point Polite = Start + std::min(Loop.spin(), SpinAlone);
    Clock::time_point Until = Start + Loop.spin();
    bool Found = false;
    for (unsigned Round = 1;; ++Round) {
      if (take(&Body, /*Sure=*/false, !Mine || Round % 64 == 0)) {
        Found = true;
        break;
      }
      ringIfNoticed();
      if (Round % 8 == 0) {
        Clock::time_point Now = Clock::now();
        if (Now >= Until)
          break;
        if (Now >= Polite)
          sched_yield();
      }
    }
    Loop.SpinningLines.fetch_sub(1);
    ringIfNoticed();
    if (Found)
      return Body;
  }
  // Asleep: the loop looks at the lines (MPI) for us until mail comes.
  Loop.SleepingLines.fetch_add(1);
  if (Mine) {
    Mine->Sleeping.store(1, std::memory_order_seq_cst);
  } else if (!Loop.T.sendOn(Peer, Number, std::string())) {
    Loop.ring(Peer); // only polling progresses the notice
    Loop.wake();
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
  uint32_t Bell = Mine ? Mine->Bell.load(std::memory_order_seq_cst) : 0;
  bool Got = take(&Body, /*Sure=*/true, /*LookAtMpi=*/true);
  ringIfNoticed();
  if (Got) {
    if (Mine)
      Mine->Sleeping.store(0, std::memory_order_relaxed);
    Loop.SleepingLines.fetch_sub(1);
    return Body;
  }
  // Another thread of this rank (a line that spins, the loop) may be taking
  // the message in from shared memory just now, where this look cannot see
  // it yet and its sender, having seen no notice, will not ring: the loop
  // looks once more.
  Loop.wake();
  return sleep(Bell);
}

// On 2 cores with a computing thread on each of 2 ranks, a barrier between
// them took 250 us a sweep of 140 us when every wait spun 50 us, 160 us when
// none did (GRID_SPIN_US=0), and 175 us so; a lock handed between two nodes
// still takes 3.5 us, its waits all spinning. A spin there that finds its
// answer has not paid for itself: it held the core the thread that answers
// needed, which got it when the spin gave it away (sched_yield). So a spin
// counts for what it waited, as a sleep does, whatever it found.
bool SpinPolicy::spinNext(std::chrono::microseconds Spin) {
  if (Spin.count() <= 0)
    return false;
  if (WaitedNs <= std::chrono::nanoseconds(Spin).count() ||
      ++SinceSpin >= ProbeEvery) {
    SinceSpin = 0;
    return true;
  }
  return false;
}

void SpinPolicy::waited(Clock::duration Waited,
                        std::chrono::microseconds Spin) {
  // Each wait counts up to 4 spins, so that one long wait (a thread idle
  // between bursts of calls) does not stop a line's spins for long. A wait
  // that slept counts its wake-up too: quick answers bring a line back to
  // spinning where a wake-up takes less than the spin (30-40 us here, a
  // spin 50 us by default).
  long Ns = std::min<long>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Waited).count(),
      4 * std::chrono::nanoseconds(Spin).count());
  WaitedNs += (Ns - WaitedNs) / 8;
}

std::string Line::sleep(uint32_t Bell) {
  std::string Body;
  if (!Mine) {
    std::unique_lock<std::mutex> Lock(Mutex);
    Waiting = true;
    for (;;) {
      Arrived.wait(Lock, [this] { return !Mail.empty() || !LineMail.empty(); });
      Lock.unlock();
      bool Got = take(&Body, /*Sure=*/false, /*LookAtMpi=*/false);
      Lock.lock();
      if (Got)
        break;
    }
    Waiting = false;
  } else {
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      Waiting = true;
    }
    for (;;) {
      // The bell as it was before the look: a ring after it ends the wait.
      if (take(&Body, /*Sure=*/false, /*LookAtMpi=*/false))
        break;
      if (!waitBell(*Mine, Bell, BellPatienceSeconds) &&
          take(&Body, /*Sure=*/true, /*LookAtMpi=*/true)) {
        core::log(LogLevel::Info,
                  "cluster: a message on line " + std::to_string(Number) +
                      " from rank " + std::to_string(Peer) +
                      " waited a second for its bell: its wake-up was lost");
        break;
      }
      Bell = Mine->Bell.load(std::memory_order_seq_cst);
    }
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      Waiting = false;
    }
    Mine->Sleeping.store(0, std::memory_order_relaxed);
  }
  Loop.SleepingLines.fetch_sub(1);
  return Body;
}

//===----------------------------------------------------------------------===//
// Cluster
//===----------------------------------------------------------------------===//

namespace {
Cluster *TheCluster = nullptr;
constexpr int PingRounds = 9;
constexpr double LoadPeriodSeconds = 0.25;
constexpr double HomePingPeriodSeconds = 1.0;

Transport *loadTransport() {
  std::string Path = core::runtimeDirectory() + "/libgridrt-cluster.so";
  // RTLD_GLOBAL: Open MPI's components, loaded later, need libmpi's symbols.
  void *Handle = ::dlopen(Path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!Handle)
    core::fatal("",
                std::string("cannot load Grid's MPI transport: ") + ::dlerror(),
                "check that libgridrt-cluster.so is installed beside "
                "libgridrt.so and that Open MPI's libmpi is present");
  auto Open =
      reinterpret_cast<OpenTransportFn>(::dlsym(Handle, OpenTransportSymbol));
  if (!Open)
    core::fatal(
        "", std::string("libgridrt-cluster.so lacks ") + OpenTransportSymbol,
        "reinstall Grid");
  std::string Error;
  // MPI starts threads of its own (PMIx's, the progress engine's): they are
  // the runtime's, and must not keep a program whose main ended by
  // pthread_exit alive (core::programThreadsGone).
  std::optional<long> Before = core::selfStatusField("Threads", 10);
  Transport *T = [&] {
    core::ProgramSignalsBlocked Blocked; // for the threads MPI starts
    return Open(&Error);
  }();
  if (!T)
    core::fatal("", "cannot start MPI: " + Error,
                "run the program under Open MPI's mpirun");
  std::optional<long> After = core::selfStatusField("Threads", 10);
  if (Before && After)
    for (long I = *Before; I < *After; ++I)
      core::runtimeThreadStarted();
  return T;
}

void send(EventLoop &Loop, int Dest, const wire::Writer &W) {
  Loop.send(Dest, W);
}
} // namespace

Cluster::Cluster(Transport *Tr, const ClusterOptions &Options)
    : Owned(Tr), T(*Tr), Loop(*Tr), Options(Options) {
  Loop.setSpin(std::chrono::microseconds(Options.SpinUs));
  Loop.setSharedLines(Options.SharedLines);
  Loop.openDoorbell();
}

Cluster &Cluster::open(const ClusterOptions &Options) {
  if (!TheCluster) {
    std::vector<int> Before = core::openDescriptors();
    TheCluster = new Cluster(loadTransport(), Options); // lives until exit
    TheCluster->FdsBeforeMpi = std::move(Before);
    TheCluster->closeMpiDescriptorsOnExec();
  }
  return *TheCluster;
}

Cluster *Cluster::current() { return TheCluster; }

// MPI's TCP connections (made since MPI started; not listening sockets):
// readable when a message comes in.
std::vector<int> Cluster::mpiConnections() const {
  std::vector<int> Sockets;
  for (int Fd : core::openDescriptors()) {
    if (Fd <= 2 || std::find(FdsBeforeMpi.begin(), FdsBeforeMpi.end(), Fd) !=
                       FdsBeforeMpi.end())
      continue;
    int Domain = 0, Type = 0, Listening = 0;
    socklen_t Len = sizeof(int);
    if (::getsockopt(Fd, SOL_SOCKET, SO_DOMAIN, &Domain, &Len) != 0)
      continue; // not a socket
    Len = sizeof(int);
    ::getsockopt(Fd, SOL_SOCKET, SO_TYPE, &Type, &Len);
    Len = sizeof(int);
    ::getsockopt(Fd, SOL_SOCKET, SO_ACCEPTCONN, &Listening, &Len);
    if ((Domain == AF_INET || Domain == AF_INET6) && Type == SOCK_STREAM &&
        !Listening)
      Sockets.push_back(Fd);
  }
  return Sockets;
}

// Open MPI leaves its descriptors inheritable; the program's children must
// not hold them (nor be kept from moving by them). Called before main runs,
// when every descriptor opened since MPI started is the runtime's or MPI's.
void Cluster::closeMpiDescriptorsOnExec() {
  for (int Fd : core::openDescriptors())
    if (Fd > 2 && std::find(FdsBeforeMpi.begin(), FdsBeforeMpi.end(), Fd) ==
                      FdsBeforeMpi.end())
      ::fcntl(Fd, F_SETFD, ::fcntl(Fd, F_GETFD) | FD_CLOEXEC);
}

void Cluster::startHome() {
  Nodes.resize(static_cast<size_t>(size()));
  Clock::time_point Now = Clock::now();
  for (int R = 0; R < size(); ++R) {
    Nodes[R].Rank = R;
    Nodes[R].LastHeard = Now;
  }
  Nodes[0].Host = T.host();
  Nodes[0].Pid = ::getpid();
  Nodes[0].Cores = Options.LocalCores;
  Nodes[0].HelloSeen = true;
  Nodes[0].RoundTripUs = 0;

  Loop.onAnyMessage([this](int Source) {
    if (Source > 0 && Source < static_cast<int>(Nodes.size()))
      Nodes[Source].LastHeard = Clock::now();
  });
  Loop.onMessage(wire::Msg::Hello, [this](int Source, wire::Reader &R) {
    std::string Host(R.str());
    int32_t Pid = R.i32();
    uint32_t Cores = R.u32();
    if (!R.ok() || Source <= 0 || Source >= size())
      return;
    NodeInfo &N = Nodes[Source];
    N.Host = Host;
    N.Pid = Pid;
    N.Cores = Cores;
    N.HelloSeen = true;
    core::log(LogLevel::Debug, "cluster: node " + std::to_string(Source) +
                                   " (host " + Host + ", pid " +
                                   std::to_string(Pid) + ", " +
                                   std::to_string(Cores) + " cores) joined");
    if (!Ready && Measuring == 0 &&
        std::all_of(Nodes.begin(), Nodes.end(),
                    [](const NodeInfo &N) { return N.HelloSeen; }))
      measureNext();
  });
  Loop.onMessage(wire::Msg::Load, [this](int Source, wire::Reader &R) {
    uint32_t Processes = R.u32();
    uint32_t Cores = R.u32();
    int32_t LoadHundredths = R.i32();
    if (R.ok() && Source > 0 && Source < size()) {
      Nodes[Source].Processes = Processes;
      Nodes[Source].Cores = Cores;
      Nodes[Source].LoadAverage = LoadHundredths / 100.0;
      if (Ready)
        countAgentCores();
    }
  });
  Loop.onMessage(wire::Msg::Pong, [this](int Source, wire::Reader &R) {
    uint32_t Seq = R.u32();
    if (!R.ok() || Ready || Source != Measuring || Seq != PingSeq)
      return; // a heartbeat's answer; LastHeard is already updated
    Samples.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - PingSent)
            .count());
    if (static_cast<int>(Samples.size()) < PingRounds) {
      PingSent = Clock::now();
      send(Loop, Measuring, wire::Writer(wire::Msg::Ping).u32(++PingSeq));
      return;
    }
    std::sort(Samples.begin(), Samples.end());
    NodeInfo &N = Nodes[Measuring];
    // The fastest of the rounds: the link's latency. A slower round only
    // says that a rank waited for a core (the machine may be busy).
    N.RoundTripUs = Samples.front();
    N.Near = N.RoundTripUs < Options.NearThresholdUs;
    if (core::logEnabled(LogLevel::Info)) {
      std::ostringstream Text;
      Text.precision(1);
      Text << std::fixed << "node " << Measuring << " (host " << N.Host
           << "): round trip " << N.RoundTripUs << " us, "
           << (N.Near ? "near" : "far") << " (threshold "
           << Options.NearThresholdUs << " us)";
      core::log(LogLevel::Info, Text.str());
    }
    Samples.clear();
    measureNext();
  });
  Loop.every(HomePingPeriodSeconds, [this] {
    for (const NodeInfo &N : Nodes)
      if (N.Rank > 0 && !N.Lost && Ready)
        send(Loop, N.Rank, wire::Writer(wire::Msg::Ping).u32(0));
  });
  Loop.every(0.1, [this] { checkLost(); });

  core::log(LogLevel::Debug, "cluster: home of " + std::to_string(size()) +
                                 " ranks on host " + T.host() + "; layout " +
                                 layoutText());
  // endWith: on the loop, the job ends as shutdown ends it, then the
  // process with the program's status (nothing of the program's runs).
  Loop.onEndRequested([this] {
    for (const NodeInfo &N : Nodes)
      if (N.Rank > 0 && !N.Lost)
        send(Loop, N.Rank, wire::Writer(wire::Msg::Shutdown));
    T.finalize(2.0);
    ::syscall(SYS_exit_group, EndStatus.load());
    __builtin_unreachable();
  });
  {
    core::ProgramSignalsBlocked Blocked; // for the loop's thread
    Progress = std::thread([this] {
      core::runtimeThreadStarted();
      // For top -H, gdb and /proc (an agent's loop is its main thread,
      // which keeps the program's name).
      ::prctl(PR_SET_NAME, "grid-loop");
      Loop.run();
    });
  }
  // Only home itself ends the job: a forked child of home that calls exit()
  // runs the same handlers, on a copy of MPI's state it must not touch.
  static pid_t Home = ::getpid();
  std::atexit([] {
    if (TheCluster && ::getpid() == Home)
      TheCluster->shutdown();
  });
  // MPI opens its connections to the agents lazily (the TCP transport at
  // the first message): wait, before main runs, until every agent has
  // answered, so those descriptors exist now and are made close-on-exec.
  {
    std::unique_lock<std::mutex> Lock(ReadyMutex);
    ReadyChanged.wait_for(
        Lock, std::chrono::duration<double>(Options.NodeTimeoutSeconds + 5.0),
        [this] { return ReadyForMain; });
  }
  closeMpiDescriptorsOnExec();
  // Every connection to an agent exists now; later descriptors may be the
  // program's, so the hints are taken here, before main, and only here.
  Loop.post([this, Sockets = mpiConnections()]() mutable {
    Loop.setWakeHints(std::move(Sockets));
  });
}

// Round trips are measured one node at a time so that they do not queue
// behind each other.
void Cluster::measureNext() {
  ++Measuring;
  if (Measuring >= size()) {
    Ready = true;
    countAgentCores();
    {
      std::lock_guard<std::mutex> Lock(ReadyMutex);
      ReadyForMain = true;
    }
    ReadyChanged.notify_all();
    std::vector<std::function<void()>> Work;
    Work.swap(ReadyWork);
    for (auto &W : Work)
      W();
    return;
  }
  Samples.clear();
  PingSent = Clock::now();
  send(Loop, Measuring, wire::Writer(wire::Msg::Ping).u32(++PingSeq));
}

void Cluster::whenReady(std::function<void()> Work) {
  Loop.post([this, Work = std::move(Work)]() mutable {
    if (Ready)
      Work();
    else
      ReadyWork.push_back(std::move(Work));
  });
}

std::vector<NodeInfo> Cluster::nodesSnapshot(double Seconds) {
  struct Shared {
    std::mutex M;
    std::condition_variable Done;
    bool Ready = false;
    std::vector<NodeInfo> Nodes;
  };
  auto S = std::make_shared<Shared>();
  auto Copy = [this, S] {
    std::lock_guard<std::mutex> Lock(S->M);
    S->Nodes = Nodes;
    S->Ready = true;
    S->Done.notify_all();
  };
  if (Loop.onLoopThread())
    Copy();
  else
    Loop.post(Copy);
  std::vector<NodeInfo> Result;
  {
    std::unique_lock<std::mutex> Lock(S->M);
    if (!S->Done.wait_for(Lock, std::chrono::duration<double>(Seconds),
                          [&] { return S->Ready; }))
      return {};
    Result = std::move(S->Nodes);
  }
  if (!Result.empty())
    Result[0].LoadAverage = core::machineLoad().OneMinute;
  return Result;
}

void Cluster::onNodeLost(std::function<void(const NodeInfo &)> Handler) {
  NodeLost = std::move(Handler);
}

void Cluster::countAgentCores() {
  unsigned Near = 0, All = 0;
  for (const NodeInfo &N : Nodes)
    if (N.Rank != 0 && N.HelloSeen && !N.Lost) {
      All += N.Cores;
      Near += N.Near ? N.Cores : 0;
    }
  NearAgentCores.store(Near, std::memory_order_relaxed);
  AllAgentCores.store(All, std::memory_order_relaxed);
}

void Cluster::checkLost() {
  auto Limit = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(Options.NodeTimeoutSeconds));
  Clock::time_point Now = Clock::now();
  for (NodeInfo &N : Nodes) {
    if (N.Rank == 0 || N.Lost || Now - N.LastHeard < Limit)
      continue;
    N.Lost = true;
    countAgentCores();
    std::ostringstream Text;
    Text.precision(1);
    Text << std::fixed << "node " << N.Rank << " (host "
         << (N.Host.empty() ? "unknown" : N.Host) << ", rank " << N.Rank
         << ") stopped answering: nothing heard for "
         << std::chrono::duration<double>(Now - N.LastHeard).count() << " s";
    core::error(Text.str());
    if (NodeLost)
      NodeLost(N);
    else
      abortJob(1);
  }
}

// After a node is lost, neither MPI_Abort nor home's exit ends the job in
// bounded time: mpirun then waits for the lost host's daemon to acknowledge
// the kill, which takes until TCP gives up (about 16 minutes with Linux's
// defaults; test/cluster/README.md). So when home is mpirun's own child (rank
// 0 on the host where mpirun runs, the usual set-up), home waits until mpirun
// has read everything home wrote, then kills mpirun; the daemons of the
// surviving hosts see it go and end their ranks. Otherwise home can only
// exit and leave the rest to mpirun.
void Cluster::abortJob(int Status) {
  std::fflush(nullptr);
  pid_t Parent = ::getppid();
  std::string Comm;
  std::ifstream("/proc/" + std::to_string(Parent) + "/comm") >> Comm;
  if (Comm == "mpirun" || Comm == "mpiexec" || Comm == "orterun" ||
      Comm == "prterun") {
    core::error("ending mpirun (pid " + std::to_string(Parent) +
                "): it would wait for the lost node until TCP gives up");
    for (int Waited = 0; Waited < 200; ++Waited) {
      int Out = 0, Err = 0;
      if ((::ioctl(1, FIONREAD, &Out) != 0 || Out == 0) &&
          (::ioctl(2, FIONREAD, &Err) != 0 || Err == 0))
        break;
      ::usleep(10000);
    }
    ::usleep(200000); // mpirun writes out what it has just read
    ::kill(Parent, SIGKILL);
  }
  std::_Exit(Status);
}

bool Cluster::endWith(int Status) {
  if (Ending.exchange(true))
    return false;
  EndStatus.store(Status);
  Loop.requestEnd();
  return true;
}

void Cluster::shutdown() {
  Ending.store(true);
  std::call_once(ShutdownOnce, [this] {
    core::log(LogLevel::Debug, "cluster: home exits; ending every rank");
    auto SendShutdown = [this] {
      for (const NodeInfo &N : Nodes)
        if (N.Rank > 0 && !N.Lost)
          send(Loop, N.Rank, wire::Writer(wire::Msg::Shutdown));
    };
    if (Loop.onLoopThread() || !Progress.joinable()) {
      SendShutdown();
    } else {
      Loop.post(SendShutdown);
      Loop.stop();
      Progress.join();
    }
    T.finalize(2.0);
  });
}

void Cluster::runAgent(std::function<unsigned()> ProcessesNow,
                       std::function<void()> OnShutdown) {
  Clock::time_point HeardFromHome = Clock::now();
  Loop.onAnyMessage([&](int Source) {
    if (Source == 0)
      HeardFromHome = Clock::now();
  });
  Loop.onMessage(wire::Msg::Ping, [this](int, wire::Reader &R) {
    uint32_t Seq = R.u32();
    if (R.ok())
      send(Loop, 0, wire::Writer(wire::Msg::Pong).u32(Seq));
    // Home pings once the agent's hello came: the connection to home is
    // made, so the loop may sleep until woken from now on rather than poll
    // until the first load report (which refreshes the hints every 250 ms,
    // for connections to other agents MPI makes later).
    if (!Loop.hinted())
      Loop.setWakeHints(mpiConnections());
  });
  // A connection MPI made since (to another agent: pages and diffs) is
  // taken as soon as a timer's wake-up finds it carried a message.
  Loop.onHintsMissed([this] { Loop.setWakeHints(mpiConnections()); });
  bool ShutdownSeen = false;
  Loop.onMessage(wire::Msg::Shutdown, [&](int, wire::Reader &) {
    ShutdownSeen = true;
    Loop.stop();
  });
  Loop.every(LoadPeriodSeconds, [&] {
    // No program code runs on an agent: every socket MPI opened counts.
    Loop.setWakeHints(mpiConnections());
    send(Loop, 0,
         wire::Writer(wire::Msg::Load)
             .u32(ProcessesNow())
             .u32(Options.LocalCores)
             .i32(static_cast<int32_t>(core::machineLoad().OneMinute * 100)));
    auto Silent = std::chrono::duration<double>(Clock::now() - HeardFromHome);
    // Home pings every second once ready; allow for the start-up too.
    if (Silent.count() > Options.NodeTimeoutSeconds + 5.0) {
      core::error("node " + std::to_string(rank()) +
                  ": home (rank 0) stopped answering; this agent ends");
      OnShutdown();
      std::_Exit(1);
    }
  });
  send(Loop, 0,
       wire::Writer(wire::Msg::Hello)
           .str(T.host())
           .i32(::getpid())
           .u32(Options.LocalCores));
  core::log(LogLevel::Debug, "cluster: agent rank " + std::to_string(rank()) +
                                 " on host " + T.host() + "; layout " +
                                 layoutText());
  Loop.run();
  core::log(LogLevel::Debug,
            "cluster: agent rank " + std::to_string(rank()) + " shuts down");
  OnShutdown();
  (void)ShutdownSeen;
  T.finalize(2.0);
  std::fflush(nullptr);
  std::_Exit(0);
}

} // namespace grid::cluster
