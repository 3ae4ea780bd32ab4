//===- threads/Threads.h - Threads on other nodes ---------------*- C++ -*-===//
//
// DESIGN.md §6 in a job of several ranks (docs/design/dsm.md):
//  - every rank maps the shared space (dsm/Space.h); home binds its heap to
//    its slice and shares the executable's globals; each rank serves its
//    home pages (PageGet) and applies diffs (PageDiff) on its event loop;
//  - home starts a thread on an agent as a *shadow*: a real pthread at home
//    whose pthread_t the program holds, which serves the remote thread's
//    calls (synchronisation, atomics on home memory, allocation, thread
//    creation, join) natively and returns its result, so join, detach and
//    pthread_self work unchanged;
//  - the agent runs the start routine on a pthread whose stack is in its
//    slice, after an acquire; at the end it releases and reports the result;
//  - what the agent's threads write to stdout and stderr goes to home's
//    streams, before any later message of the writing thread.
//===----------------------------------------------------------------------===//
#ifndef GRID_THREADS_THREADS_H
#define GRID_THREADS_THREADS_H

#include "cluster/Cluster.h"
#include "core/Settings.h"
#include "dsm/Space.h"
#include "grid/abi.h"

#include <csignal>
#include <optional>
#include <pthread.h>
#include <string>
#include <string_view>
#include <sys/uio.h>
#include <time.h>
#include <utility>
#include <vector>

struct rusage;

namespace grid::threads {

/// Home: maps the shared space, binds the heap to it, serves pages. Call
/// after Cluster::open and before Cluster::startHome, while only this
/// thread runs program code. Failure is fatal with a message.
/// ShareGlobals: the executable's writable globals are shared (false only
/// where the runtime itself is linked into the executable, as in a test).
void startHome(cluster::Cluster &C, bool ShareGlobals = true);
/// Agent: maps the shared space, serves pages and runs the threads home
/// sends (call before process::runAgent).
void startAgent(cluster::Cluster &C, bool ShareGlobals = true);
/// The job's shared space, or null outside a job.
dsm::Space *space();

/// Home, before a kernel call of a thread at home reads (Reads) or writes
/// (Writes) Bytes at P: the pages of it home does not hold are brought in
/// first. The kernel cannot do it itself: a page that moved to another
/// node is closed at home, and another node's memory is missing memory of
/// a userfaultfd that raises SIGBUS, so the call would fail with EFAULT.
/// Does nothing while no thread runs on another node.
void homeKernelReads(const void *P, size_t Bytes);
void homeKernelWrites(void *P, size_t Bytes);
void homeKernelReadsIov(const struct iovec *Iov, int Count);
void homeKernelWritesIov(const struct iovec *Iov, int Count);
/// Home, freeing or moving block P of its heap once pages have moved away:
/// true if a page of it moved to another node. Such a block is never given
/// back to the allocator (it would hand the page to home's own code,
/// which cannot work on a page it does not hold); GRID_STATS counts it.
bool keepMovedBlock(void *P);

/// Home: the node a new thread of tolerance Tol goes to (0: home itself),
/// with the reason in words. HomeLoad is home's load in the unit of the
/// nodes' (the live threads Grid placed on each): its live Grid threads.
unsigned chooseNode(Tolerance Tol, Strategy Strat, unsigned HomeLoad,
                    std::string &Why);
/// Home: starts Start(Arg) on Node; *Thread is its shadow at home.
int startRemote(const __grid_site *Site, unsigned Node, pthread_t *Thread,
                const pthread_attr_t *Attr, void *(*Start)(void *), void *Arg);

/// How home creates a thread the program asked for (api's createThread,
/// placement included); registered by api.
using CreateFn = int (*)(const __grid_site *Site, uint32_t Kind,
                         pthread_t *Thread, const pthread_attr_t *Attr,
                         void *(*Start)(void *), void *Arg);
void setCreate(CreateFn Create);

/// Cancellation of threads on other nodes (docs/design/dsm.md).
/// Home: if Thread is a thread running on another node (its shadow's
/// pthread_t), asks its node to cancel it, and wakes the condition wait
/// its shadow serves for it (a spurious wake-up): true. False for any other
/// thread.
bool cancelRemote(pthread_t Thread);
/// On a remote thread: acts on a cancellation asked for it if its state
/// allows (PTHREAD_CANCEL_ENABLE): it unwinds as glibc cancels, running its
/// cleanup handlers, and its join answers PTHREAD_CANCELED. The runtime's
/// calls that are cancellation points call it outside the runtime's own
/// work; nothing happens elsewhere, so no cancellation acts inside the
/// runtime or MPI. Does nothing on other threads.
void cancellationPoint();
/// On a remote thread, after a condition or semaphore wait carried out at
/// home: acts on the cancellation its answer said ended it
/// (cancellationPoint), and on no other: a condition wait may have taken a
/// signal, which home passed on only then. Returns (true) if the answer
/// said so but the thread could not act (cancellation disabled, or it is
/// already unwinding); false if the answer did not say so.
bool cancellationPointAfterWait();
/// On a remote thread: pthread_cancel of itself (acted on at its next
/// cancellation point).
void cancelSelf();
/// On a remote thread: sleeps Ns nanoseconds, or until a cancellation is
/// asked for it and acts; the nanoseconds left (0 once slept whole).
uint64_t sleepCancellable(uint64_t Ns);

// On a remote thread (sync::RemoteThread): the thread calls, done at home.
int remoteCreate(const __grid_site *Site, uint32_t Kind, pthread_t *Thread,
                 const pthread_attr_t *Attr, void *(*Start)(void *), void *Arg);
/// How long a remote thread's join waits: for ever (pthread_join), not at
/// all (pthread_tryjoin_np: EBUSY while the thread runs), or as
/// pthread_clockjoin_np(Clock, Time or, without HasTime, null) does at
/// home (pthread_timedjoin_np's clock is CLOCK_REALTIME); home moves a
/// CLOCK_MONOTONIC time onto its own clock as for a timed lock
/// (sync::moveTime).
struct JoinWait {
  enum Kind : uint32_t { Forever, Try, Until } How = Forever;
  clockid_t Clock = CLOCK_REALTIME;
  bool HasTime = false;
  timespec Time{};
};
int remoteJoin(pthread_t Thread, void **Result, const JoinWait &Wait = {});
int remoteDetach(pthread_t Thread);

/// Home: the CPU time the program's threads on other nodes used, user and
/// system: each ended thread's as its node measured it at its end
/// (getrusage's RUSAGE_THREAD; ThreadDone carries it), and each running
/// thread's as its node last reported it (every tenth of a second, as user
/// time: NodeCpu). api/CpuTime.cpp adds it to the process's own. Zero
/// elsewhere (an agent, a fork child). Lock-free (a signal handler's
/// clock_gettime may read it).
struct CpuTime {
  uint64_t UserNs = 0, SystemNs = 0;
};
CpuTime remoteCpu();
/// The same without running thread Thread's (which its own call adds,
/// fresher: Op::CpuTime).
CpuTime remoteCpuBut(uint64_t Thread);
/// On a remote thread, its id (home's shadow knows it by it); else 0.
uint64_t remoteThreadId();
/// The calling thread's next fork is a vfork's (api::forkProcess): its
/// child may only exec or _exit, so a remote thread does not bring in the
/// program's globals for it (forkPrepare).
void nextForkIsVfork();
/// Usage's user and system time, in nanoseconds.
CpuTime cpuTimeOf(const struct rusage &Usage);
/// Usage's user and system time, plus Add's.
void addCpu(struct rusage *Usage, CpuTime Add);

/// What home answered to a call a remote thread made there.
struct HomeAnswer {
  int64_t Value = 0;
  int Errno = 0;
  std::string Data; // bytes the call returns (what read read...)
};
/// On a remote thread: a call of the program's (api/RemoteIo.h) carried out
/// at home by the thread's shadow, with home's descriptors, streams and
/// environment. ioRequest starts the message, the caller appends the call,
/// callHomeIo sends it and waits. Shared: the call itself reads or writes
/// the program's memory at home (fscanf's targets), so the thread releases
/// before and acquires after, and the shadow acquires before and releases
/// after. The first call in a CancellableScope (a cancellation point that
/// may wait: read, poll, waitpid...) of a thread whose cancellation is
/// enabled is ended at home by its cancellation, with no effect, and
/// callHomeIo then answers EINTR with the cancellation for
/// cancellationPointAfterWait to act on.
wire::Writer ioRequest(bool Shared);
HomeAnswer callHomeIo(wire::Writer &Request, bool Shared);
/// The next call home a remote thread makes (ioRequest) is one of its
/// cancellation points.
class CancellableScope {
public:
  CancellableScope();
  ~CancellableScope();
  CancellableScope(const CancellableScope &) = delete;
  CancellableScope &operator=(const CancellableScope &) = delete;
};
/// Signals a thread raises by its own execution on its node (its faults,
/// SIGFPE, SIGILL, abort's SIGABRT, SIGTRAP, SIGSYS): a remote thread's
/// sigaction of one of them is its node's, while every other signal's
/// action is home's, whose process signals from outside reach and which
/// carries out the thread's descriptor calls (docs/design/dsm.md, signals).
bool actionStaysOnNode(int Sig);
/// On a remote thread: its signal mask as the program sees it (its
/// creator's at home when it started, then as it changed it), which its
/// shadow at home has too; the thread itself keeps every signal but its
/// faults blocked on its node.
sigset_t &programMask();
/// Home: a remote thread's signal mask as its shadow takes it (Op::Sigmask,
/// and the masks of its sigsuspend, ppoll and pselect): never its fault
/// signals, which the DSM needs on every thread, nor SIGURG while its
/// action is the default, ignore, or Grid's, whose kick ends the shadow's
/// call for the thread's cancellation (a thread that blocks every signal
/// stays cancellable).
void fitShadowMask(sigset_t *Mask);
/// Node: whether the program's SIGCHLD is ignored (SIG_IGN or
/// SA_NOCLDWAIT), so that the children its threads fork here are to be
/// reaped unseen (api/RemoteIo.cpp's waits do it: the action itself is not
/// installed here, where it would reap the agent's own children). Home's
/// action comes with each thread start and within a tick of a change;
/// noteChildrenAction records one a remote thread of this node set.
bool programIgnoresChildren();
/// Home, on a shadow: the remote thread's sigaction of SIGCHLD, made while
/// no start or tick reads home's actions. Returns sigaction's value (in
/// Result) and where home's actions then stand against the starts and
/// ticks that carry them ({newest thread's id, count of changes sent});
/// the node is marked as not knowing them, so the next tick sends them
/// (another thread may change them again before the node hears).
/// Node: noteChildrenAction takes that change with its stamp; a start or
/// tick read at home before it is not taken, nor an older note.
using ActionsStamp = std::pair<uint64_t, uint64_t>;
ActionsStamp changeChildrenAction(const struct sigaction *New,
                                  struct sigaction *Old, int &Result);
void noteChildrenAction(const struct sigaction &A, ActionsStamp Stamp);
/// The file (the program's own named "") and load address of the module
/// Address lies in; false if it lies in none. Takes no lock
/// (_dl_find_object), so it may run on the loop and in signal handlers.
bool moduleOf(uint64_t Address, std::string &Module, uintptr_t &Base);
/// Whether Address lies in the executable itself. Allocates nothing.
bool inExecutable(uint64_t Address);
/// Whether Address lies in Module loaded at Base here (as moduleOf names
/// them on another rank): the same function on both. Allocates nothing.
bool atSamePlace(uint64_t Address, std::string_view Module, uint64_t Base);
/// On a remote thread, api may hold back small writes to a stream home
/// buffers fully, and send them as one (api/RemoteIo.cpp). What it holds
/// goes home before any other message of the thread, at every release (an
/// atomic's too) and at the thread's end, so that nothing another thread
/// is ordered after reaches home first; and when home begins to exit,
/// what every thread still running holds is written into home's streams
/// before exit writes their buffers (flushRemoteOutputAtExit).
/// Flush, on the thread: sends what it holds. Final: the thread is ending
/// (its last cleanup): the key destructors run first, what it writes from
/// then on goes home at once, and the buffer is freed.
using FlushFn = void (*)(bool Final);
/// What a thread held of its output for one of home's streams.
struct HeldBytes {
  uint64_t Stream; // home's FILE
  std::string Bytes;
};
/// Send gets what the threads of a node held (and how many of them could
/// not be asked in time) while none of them can send or hold more.
using SendHeldFn = void (*)(std::vector<HeldBytes> &Held, unsigned Left);
/// Take, on an agent as home begins to exit: takes what every thread of the
/// node holds, waiting at most Seconds for those sending theirs, and hands
/// it to Send; from then on nothing is held. Registered by api.
using TakeHeldFn = void (*)(double Seconds, SendHeldFn Send);
void setHeldOutput(FlushFn Flush, TakeHeldFn Take);
/// Home, as it begins to exit (main returned, or an exit handler): asks
/// every node that runs threads for what they hold and writes it into home's
/// streams, so that exit writes it with their buffers. Waits a few seconds
/// at most, and warns of what it could not have or write. Once.
void flushRemoteOutputAtExit();

/// Home: what carries such a request out, reading it from R (api/HomeIo.cpp
/// registers it).
using IoServer = HomeAnswer (*)(wire::Reader &R);
void setIoServer(IoServer Serve);
/// The state of the standard C++ streams home set (api/Streams.cpp): Home
/// gives it at home for each thread start, Follow takes it on the agent.
using StreamStateFn = std::string (*)();
using FollowStreamsFn = void (*)(std::string_view);
void setStreamState(StreamStateFn Home, FollowStreamsFn Follow);

/// Records the value pthread_exit ends the remote thread with.
void remoteExiting(void *Result);
/// Home, on the thread main runs on, before it ends by pthread_exit: the
/// other ranks stop reading and writing home's memory one-sided (Open MPI
/// reads another process through its main thread's pid, which fails once
/// that thread is gone) and use messages for it from then on.
void mainExiting();
/// Home, as the program ends without its exit handlers (_exit, _Exit, or
/// the end of quick_exit's): the other ranks are told to end, MPI is
/// finalised and the process ends with Status, all by the loop thread
/// (cluster::Cluster::endWith), so that mpirun ends the job with the
/// program's status instead of reporting a rank that left without
/// finalising. Nothing of the program's runs: its streams' buffers are
/// left unwritten, as _exit leaves them. Async-signal-safe: the caller
/// only waits (10 s at most). Returns at once, for the caller to end the
/// process itself, in another process than the job's rank (a fork or
/// vfork child), off home, or once the job is ending already.
void endJobNow(int Status);
/// quick_exit's status, for endJobNow at the end of its handlers.
void noteQuickExit(int Status);
/// Whether this process is the job's rank (not a fork or vfork child of
/// it, which shares its memory or a copy of it).
bool inJobProcess();
/// Stops the job from a remote thread: home prints "grid: error: <What>;
/// <ToDo>" after what the thread wrote before, and exits with status 1,
/// which makes mpirun end every rank.
[[noreturn]] void remoteFatal(std::string_view What, std::string_view ToDo);

/// Coherence at a thread boundary on the calling thread's node: join is an
/// acquire, create a release. No-ops outside a job or while no thread is
/// remote.
void acquire();
void release();

} // namespace grid::threads

#endif // GRID_THREADS_THREADS_H
