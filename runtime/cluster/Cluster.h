//===- cluster/Cluster.h - Ranks, nodes and the progress thread -*- C++ -*-===//
//
// The cluster layer (DESIGN.md §4, docs/design/cluster.md §1-4):
//  - decides this process's role from the environment (home, agent,
//    descendant of home, or local) and, for the ranks of a job, re-executes
//    it once with address-space randomisation off;
//  - loads the MPI transport (libgridrt-cluster.so) in ranks only;
//  - runs the event loop: one thread per rank polls descriptors and the
//    transport with a backoff, so an idle rank does not burn a core;
//  - keeps the node table at home: hello, load reports (the heartbeat),
//    measured round trips and their near/far class, lost nodes.
// It knows nothing of processes or placement: the process layer registers
// message handlers and descriptors with the loop.
//===----------------------------------------------------------------------===//
#ifndef GRID_CLUSTER_CLUSTER_H
#define GRID_CLUSTER_CLUSTER_H

#include "cluster/SharedLines.h"
#include "cluster/Transport.h"
#include "cluster/Wire.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace grid::cluster {

enum class Role {
  Local,      // no job of several ranks: local placement only
  Descendant, // started by home (or its descendants): asks home to place
  Home,       // rank 0: runs main
  Agent,      // rank > 0: serves home, never runs main
};
const char *toString(Role R);

/// Decides the role (once) from OMPI_COMM_WORLD_SIZE/RANK, GRID_RANK_PID and
/// GRID_HOME_SOCKET. For a rank it first re-executes the program with
/// address-space randomisation off unless that is already so (this call then
/// does not return), and sets GRID_RANK_PID in the environment so children
/// do not take themselves for ranks. Call it first thing at start.
Role startRole();
/// The role startRole() decided (Local before it ran).
Role role();
/// "exe=0x... libgridrt=0x... libc=0x... heap=0x...": where the program's
/// code, the runtime, libc and the heap start. Equal on every rank of a job.
std::string layoutText();

using Clock = std::chrono::steady_clock;

class Line;

/// The event loop of a rank. Handlers run on the loop's thread; only post(),
/// stop(), hasPosted() and the calls of a Line (which use the loop's lines,
/// doorbell and wake-up) come from other threads.
class EventLoop {
public:
  explicit EventLoop(Transport &T);
  ~EventLoop();
  EventLoop(const EventLoop &) = delete;
  EventLoop &operator=(const EventLoop &) = delete;

  using MessageHandler = std::function<void(int Source, wire::Reader &)>;
  void onMessage(wire::Msg Type, MessageHandler Handler);
  /// Called for every message before its handler (the heartbeat).
  void onAnyMessage(std::function<void(int Source)> Handler);

  using FdHandler = std::function<void(short Revents)>;
  void watch(int Fd, short Events, FdHandler Handler);
  void setEvents(int Fd, short Events);
  void unwatch(int Fd);
  void every(double Seconds, std::function<void()> Tick);

  void send(int Dest, const wire::Writer &Message);
  /// A message already encoded (a Writer's body, or one passed on).
  void send(int Dest, std::string Body);
  /// Work posted and not yet run (any thread).
  bool hasPosted();
  Transport &transport() { return T; }

  /// A datagram socket per rank on which others "ring" after each message
  /// they send it: the wake-up for ranks on one host, whose messages travel
  /// through shared memory and make no descriptor readable. Its address is
  /// abstract (per network namespace), named by the job and the rank.
  void openDoorbell();

  /// Descriptors whose readability means a message may have arrived (MPI's
  /// TCP connections): the loop then sleeps until one is readable instead
  /// of polling MPI on a backoff. Loop thread only.
  /// Until the first call the loop polls on a backoff (connections are
  /// still being made); from then on it sleeps until a descriptor, the
  /// doorbell or a timer wakes it.
  void setWakeHints(std::vector<int> Fds) {
    WakeHints = std::move(Fds);
    Hinted = true;
  }
  /// Whether setWakeHints was called. Loop thread only.
  bool hinted() const { return Hinted; }
  /// Called (loop thread) when a timer's wake-up finds messages: a
  /// connection made since the hints were taken woke nobody.
  void onHintsMissed(std::function<void()> Refresh) {
    HintsMissed = std::move(Refresh);
  }

  /// A Line of this number is here (any thread).
  bool lineInUse(int Number);
  /// How long a Line's receiver spins before it sleeps (GRID_SPIN_US).
  void setSpin(std::chrono::microseconds Spin) { SpinFor = Spin; }
  std::chrono::microseconds spin() const { return SpinFor; }
  /// Whether lines between ranks of this host carry their messages through
  /// shared memory (GRID_SHARED_LINES); set before the first Line.
  void setSharedLines(bool On) { SharedLines = On; }
  /// The messages of this rank's lines that ended, sent and taken, through
  /// shared memory and through MPI (notices and deliver()'s not counted).
  struct LineCounts {
    uint64_t SentShared = 0, SentMpi = 0, TookShared = 0, TookMpi = 0;
  };
  LineCounts lineCounts() const;

  /// Runs Work on the loop's thread; callable from any thread.
  void post(std::function<void()> Work);
  /// Asks the loop to run the handler given to onEndRequested on its next
  /// turn, which does not return: async-signal-safe (an atomic and a write
  /// to the wake-up descriptor), for a process ending from a signal
  /// handler. Once.
  void requestEnd();
  void onEndRequested(std::function<void()> Handler) {
    EndRequested = std::move(Handler);
  }
  /// Runs until stop().
  void run();
  void stop();
  bool onLoopThread() const;

private:
  friend class Line;
  void dispatch(int Source, std::string_view Body);
  void wake();
  /// Hands what arrived on lines to their Line (for the sleeping ones);
  /// keeps what came for lines not made yet (orphans). Timed: the loop woke
  /// for a timer, so a line of this host asleep on what it finds was not
  /// woken by its sender's ring, which is logged at level info unless the
  /// ring comes within 100 ms (a preempted sender).
  bool receiveLines(bool Timed);
  // Messages receiveLines found after a timer's wake-up, for lines asleep
  // on them, whose sender has not rung yet (loop thread only).
  struct Suspect {
    Clock::time_point Until;
    int Number;
    int From;
  };
  std::deque<Suspect> Suspects;

  Transport &T;
  int WakeFd = -1;
  std::atomic<bool> Stopping{false};
  std::atomic<bool> EndAsked{false};
  std::function<void()> EndRequested;
  std::atomic<std::thread::id> LoopThread{};
  std::map<wire::Msg, MessageHandler> Handlers;
  std::function<void(int)> AnyMessage;
  struct Watch {
    short Events;
    std::shared_ptr<FdHandler> Handler;
  };
  std::map<int, Watch> Watches;
  struct Timer {
    Clock::duration Period;
    Clock::time_point Next;
    std::function<void()> Tick;
  };
  std::vector<Timer> Timers;
  std::vector<int> WakeHints;
  bool Hinted = false;
  std::function<void()> HintsMissed;
  int Doorbell = -1;
  std::string DoorbellPrefix; // "\0grid-bell-<job>-"; the rank follows
  void ring(int Dest);
  std::mutex PostMutex;
  std::vector<std::function<void()>> Posted;
  std::atomic<size_t> PostedCount{0}; // Posted.size(), read without the lock
  std::chrono::microseconds SpinFor{50};
  bool SharedLines = true;
  std::vector<LineSlots> Segments; // by rank: its line slots, if mapped here
  LineCounts Counted;              // under LinesMutex
  mutable std::mutex LinesMutex;   // Lines, Orphans, Counted, deliveries
  // Held by the loop from a line message's receipt to its hand-over; a
  // Line's own look at MPI tries it.
  std::mutex LineReceive;
  std::map<int, Line *> Lines;
  struct Orphan {
    Clock::time_point Came;
    int Number;
    int From;
    std::string Body;
  };
  std::deque<Orphan> Orphans; // for lines not made yet, or gone
  std::atomic<int> SleepingLines{0};
  std::atomic<int> SpinningLines{0};
  std::atomic<bool> SleepingLong{false}; // in ppoll for more than 1 ms
  Clock::time_point NextLineSweep{};
};

/// Whether a line's receiver spins before it sleeps (Line::receive). A
/// spin takes a core from the program's threads wherever the host has none
/// to spare, and pays only if the answer comes before it ends: a line whose
/// waits lately lasted longer than the spin, on average, sleeps at once (a
/// barrier between a remote thread's sweeps, a shadow between its thread's
/// calls). Every ProbeEvery-th wait spins anyway.
class SpinPolicy {
public:
  /// Whether the next wait spins for Spin (GRID_SPIN_US; 0 never spins).
  bool spinNext(std::chrono::microseconds Spin);
  /// The wait took Waited from its first look at the clock to its answer.
  void waited(Clock::duration Waited, std::chrono::microseconds Spin);
  static constexpr unsigned ProbeEvery = 16;

private:
  long WaitedNs = 0;      // the waits' recent length, an average
  unsigned SinceSpin = 0; // waits that did not spin since the last that did
};

/// A line between one thread of this rank and one of another that mostly
/// take turns to send, each waiting for the other's answer (a remote thread
/// and its shadow at home; the thread may send several calls it does not
/// wait for, dsm.md's posted calls): its messages skip both event loops
/// (docs/design/cluster.md §3, lines). A receiver whose peer runs on this host
/// spins for the loop's spin time where that pays (SpinPolicy), then sleeps.
/// With a slot of its rank's shared segment (SharedLines.h) it sleeps on the
/// slot's bell, which its peer rings after a message it finds it asleep on; the
/// peer's messages go through the slot's ring where they fit, else through MPI,
/// which the sleeper's loop receives for it. Without a slot it tells its peer
/// that it sleeps (an empty message, a notice), which rings the doorbell after
/// its next send. Between hosts a receiver sleeps at once: the message's
/// arrival wakes the loop. Messages are taken in the order they were sent,
/// whichever way each came: one in the ring carries how many went through
/// MPI before it. Only the owning thread sends and
/// receives (the starter, once the thread has ended); messages that came
/// another way (through the loops) are handed over by deliver(), outside
/// that order. Line messages are not ordered against the loop's.
class Line {
public:
  /// Number: unique among this rank's lines, 1 to the transport's maxLine.
  /// Id: the same on both sides and never used again (the thread's id),
  /// for the line's slot.
  Line(EventLoop &Loop, int Peer, int Number, uint64_t Id);
  ~Line();
  Line(const Line &) = delete;
  Line &operator=(const Line &) = delete;

  /// Sends a non-empty Body to the peer's line of the same number.
  void send(std::string Body);
  /// Waits for the peer's next message, or for one deliver() hands over.
  std::string receive();
  /// A message for this line that came another way (any thread), taken
  /// before the line's own; true if the owner was asleep waiting for it.
  bool deliver(std::string Body) {
    return enqueue(/*OfTheLine=*/false, std::move(Body));
  }

  int peer() const { return Peer; }

private:
  /// A message of the line itself that the loop received through MPI (or
  /// a notice).
  bool deliverLine(std::string Body);
  bool enqueue(bool OfTheLine, std::string Body);
  bool fromPeer(std::string *Body, bool Sure);
  bool popMail(std::deque<std::string> &From, std::string *Body);
  bool nextThroughMpi(std::string *Body, bool Sure, bool LookAtMpi);
  bool take(std::string *Body, bool Sure, bool LookAtMpi);
  LineSlot *theirSlot();
  void ringIfNoticed();
  std::string sleep(uint32_t Bell);

  EventLoop &Loop;
  int Peer;
  int Number;
  bool Near; // the peer runs on this host
  // This line's slot in this rank's segment (its peer's messages come
  // there), and the one in the peer's (where this side's go), with its key.
  LineSlot *Mine = nullptr;
  LineSlot *Theirs = nullptr;
  uint64_t TheirKey = 0;
  // Messages sent and taken each way (owner; the loop's when it ends):
  // SentMpi marks each message put in the ring, and TookMpi says when its
  // turn has come.
  EventLoop::LineCounts Counts;
  // At first: the peer's line may have been made before this one, and its
  // notice lost (the first send of a line rings).
  std::atomic<bool> PeerAsleep{true};
  // A notice fromPeer took (the owner's thread only): receive() rings.
  bool NoticeTaken = false;
  SpinPolicy Spins; // the owner's
  std::atomic<bool> HasMail{false};
  std::mutex Mutex;
  std::condition_variable Arrived;
  // Under Mutex: what deliver() handed over (taken first), and the line's
  // messages through MPI the loop took in for it, or it took early.
  std::deque<std::string> Mail;
  std::deque<std::string> LineMail;
  bool Waiting = false; // the owner sleeps on Arrived (under Mutex)
  friend class EventLoop;
};

/// What home knows of a node (node n is rank n; node 0 is home itself).
struct NodeInfo {
  int Rank = 0;
  std::string Host;
  pid_t Pid = 0;
  unsigned Cores = 0;
  unsigned Processes = 0; // Grid processes it runs, as last reported
  double LoadAverage = 0; // its 1-minute load average, as last reported
  double RoundTripUs = 0; // fastest measured round trip to home
  bool Near = true;       // RoundTripUs below the near threshold
  bool HelloSeen = false;
  bool Lost = false;
  Clock::time_point LastHeard;
};

struct ClusterOptions {
  unsigned NearThresholdUs = 50;
  double NodeTimeoutSeconds = 5.0;
  unsigned LocalCores = 1;
  unsigned SpinUs = 50;    // a Line's receiver spins this long, then sleeps
  bool SharedLines = true; // lines of one host through shared memory
};

/// A rank's membership in the job: the transport, the loop, and at home the
/// node table.
class Cluster {
public:
  /// Loads libgridrt-cluster.so and initialises MPI; a failure is fatal
  /// with a message. Only for Role::Home and Role::Agent.
  static Cluster &open(const ClusterOptions &Options);
  /// The cluster opened by this process, or null.
  static Cluster *current();

  int rank() const { return T.rank(); }
  int size() const { return T.size(); }
  EventLoop &loop() { return Loop; }

  // --- Home ------------------------------------------------------------------
  /// Starts the loop on its own thread (the progress thread), greets the
  /// agents and measures their round trips; registers the shutdown of every
  /// rank at exit.
  void startHome();
  /// Runs Work on the loop thread once every node has said hello and its
  /// round trip is measured (at once if that is done).
  void whenReady(std::function<void()> Work);
  /// The node table; loop thread only.
  const std::vector<NodeInfo> &nodes() const { return Nodes; }
  /// A copy of the node table, from any thread (through the loop); empty if
  /// the loop does not answer within Seconds. Home's own entry carries this
  /// machine's load average now.
  std::vector<NodeInfo> nodesSnapshot(double Seconds);
  /// The cores the agents offer, as each last reported (its affinity
  /// mask's), those of near nodes only or of all; a lost node's none. Zero
  /// until every node is measured (before main). Any thread, without
  /// waiting: api's get_nprocs and sysconf add them at home.
  unsigned agentCores(bool NearOnly) const {
    return (NearOnly ? NearAgentCores : AllAgentCores)
        .load(std::memory_order_relaxed);
  }
  /// Called on the loop thread when a node stops answering. The default
  /// prints the error and ends the job.
  void onNodeLost(std::function<void(const NodeInfo &)> Handler);
  /// Sends Shutdown to every agent, stops the loop, finalises MPI. Called at
  /// exit; idempotent.
  void shutdown();
  /// Home, the program ending without its exit handlers (_exit, the end of
  /// quick_exit), perhaps in a signal handler: the loop sends Shutdown to
  /// every agent, finalises MPI and ends the process with Status, so that
  /// mpirun ends the job with it. Async-signal-safe. False, doing nothing,
  /// once the job is ending already (shutdown or an earlier call).
  bool endWith(int Status);
  /// Ends the job now: every rank exits (used after a node is lost).
  [[noreturn]] void abortJob(int Status);

  // --- Agent -----------------------------------------------------------------
  /// Greets home, reports load every 250 ms (ProcessesNow()), answers pings,
  /// and on Shutdown calls OnShutdown, finalises MPI and exits 0. If home
  /// is silent for the node time-out, exits 1 with a message.
  [[noreturn]] void runAgent(std::function<unsigned()> ProcessesNow,
                             std::function<void()> OnShutdown);

private:
  Cluster(Transport *T, const ClusterOptions &Options);
  void closeMpiDescriptorsOnExec();
  std::vector<int> mpiConnections() const;
  void measureNext();
  void checkLost();
  void countAgentCores(); // loop thread, after Nodes changed

  std::unique_ptr<Transport> Owned;
  Transport &T;
  EventLoop Loop;
  ClusterOptions Options;
  std::thread Progress;
  std::once_flag ShutdownOnce;
  std::atomic<bool> Ending{false}; // shutdown or endWith has begun
  std::atomic<int> EndStatus{0};
  std::vector<int> FdsBeforeMpi; // the process's own, before MPI started
  std::mutex ReadyMutex;
  std::condition_variable ReadyChanged;
  bool ReadyForMain = false; // guarded by ReadyMutex

  // Home, loop thread only.
  std::vector<NodeInfo> Nodes;
  bool Ready = false;
  std::vector<std::function<void()>> ReadyWork;
  std::function<void(const NodeInfo &)> NodeLost;
  // Round-trip measurement: node being measured, its samples, ping sent at.
  int Measuring = 0;
  uint32_t PingSeq = 0;
  Clock::time_point PingSent;
  std::vector<double> Samples;
  std::atomic<unsigned> NearAgentCores{0}, AllAgentCores{0};
};

} // namespace grid::cluster

#endif // GRID_CLUSTER_CLUSTER_H
