//===- api/RemoteIo.h - The calls a remote thread makes at home -*- C++ -*-===//
//
// A thread running on an agent (sync::RemoteThread) uses home's descriptors,
// streams and environment: api/RemoteIo.cpp catches its calls and sends each
// as one of these operations through its shadow (threads::callHomeIo);
// api/HomeIo.cpp carries them out at home with the C library and answers
// value, errno and bytes. Arguments and buffers travel by value, so the
// memory they sit in need not be shared; transfers larger than Chunk take
// several operations. docs/design/remote-io.md lists the calls.
//
// Each operation's request, after its Op, and its answer:
//   Open      i32 dir, str path, i32 flags, u32 mode      -> fd
//   Close     i32 fd                                      -> 0
//   Read      i32 fd, u64 bytes, u64 offset+1 (0: none), u32 more
//                                                         -> n, data
//   Write     i32 fd, u64 offset+1 (0: none), str data    -> n
//   Lseek     i32 fd, u64 offset, i32 whence              -> offset
//   Fstat     i32 fd                                      -> 0, struct stat
//   Stat      i32 dir, str path, i32 flags                -> 0, struct stat
//   Access    i32 dir, str path, i32 mode, i32 flags      -> 0
//   Fsync     i32 fd, u32 data only                       -> 0
//   Ftruncate i32 fd, u64 length                          -> 0
//   Truncate  str path, u64 length                        -> 0
//   Unlink    i32 dir, str path, i32 flags                -> 0
//   Rename    i32 dir, str from, i32 dir, str to          -> 0
//   Mkdir     i32 dir, str path, u32 mode                 -> 0
//   Getcwd    u64 bytes                                   -> 0, path
//   Chdir     str path                                    -> 0
//   Fchdir    i32 fd                                      -> 0
//   Dup       i32 fd, i32 to (-1: any), i32 flags         -> fd
//   Fcntl     i32 fd, i32 command, u64 arg, str flock     -> value, flock
//   Pipe      i32 flags                                   -> 0, two fds
//   Isatty    i32 fd                                      -> 0 or 1
//   Getpid, Getppid                                       -> pid
//   Getenv    str name                                    -> 1, value; 0
//   Setenv    str name, str value, i32 overwrite          -> 0
//   Unsetenv  str name                                    -> 0
//   Setlocale i32 category, u32 query only, str locale    -> 1, name; 0
//   Fopen     str path, str mode                          -> FILE *
//   Fdopen    i32 fd, str mode                            -> FILE *
//   Freopen   u32 has path, str path, str mode, u64 FILE  -> FILE *
//   Fclose, Fflush (FILE 0: all), Fgetc, Feof, Ferror, Clearerr, Fileno,
//   Ftell, Rewind, Flockfile, Funlockfile, Ftrylockfile
//             u64 FILE                                    -> value
//   Fwrite    u64 FILE, str data                          -> bytes written
//   Fread     u64 FILE, u64 bytes                         -> n, data
//   Fgets     u64 FILE, i32 bytes                         -> 1, line; 0
//   Fputc     u64 FILE, i32 char                          -> char
//   Ungetc    u64 FILE, i32 char                          -> char
//   Getdelim  u64 FILE, i32 delimiter                     -> n, line
//   Fseek     u64 FILE, u64 offset, i32 whence            -> 0
//   Vfscanf   u64 FILE, str format, str va_list           -> count
//             (shared: the targets are written at home through the DSM)
//   Spawn     u64 site, u32 kind, u32 search, u64 pid *, str file,
//             u64 actions, u64 attributes, u64 argv, u64 envp (0: environ)
//                                                         -> error number
//             (shared: the arrays and structures are read, *pid written,
//             at home through the DSM)
//   System    u64 site, u32 has command, str command      -> status
//   Popen     u64 site, str command, str mode             -> FILE *
//   Pclose    u64 site, u64 FILE                          -> status
//   Waitpid   (no longer sent: waitpid travels as Wait4)
//   Kill      i32 pid, i32 signal                         -> 0
//   Poll      str pollfd array, i32 timeout               -> n, pollfd array
//   Select    i32 nfds, 3 x (u32 present, str fd_set), u32 has timeout,
//             str timeval                -> n, the three sets, timeval
//   Readlink  i32 dir, str path, u64 bytes                -> n, target
//   Symlink   str target, i32 dir, str path               -> 0
//   Link      i32 dir, str from, i32 dir, str to, i32 flags -> 0
//   Chmod     i32 dir, str path, u32 mode, i32 flags      -> 0
//   Fchmod    i32 fd, u32 mode                            -> 0
//   Tmpfile                                               -> FILE *
//   Mkstemp   str template, i32 flags, i32 suffix length  -> fd, name
//   Mkdtemp   str template                                -> 0, name
//   Remove    str path                                    -> 0
//   Realpath  str path                                    -> 0, path
//   Mkfifo    i32 dir, str path, u32 mode                 -> 0
//   Setvbuf   u64 FILE, i32 mode, u64 size                -> 0
//   Fwide     u64 FILE, i32 mode                          -> orientation
//   Fpurge    u64 FILE                                    -> 0
//   Ints      i32 call (IntCall), i32 fd or dir, str path, u64 a, b, c
//                                                         -> value
//   Utimens   i32 dir, u32 has path, str path, str two timespecs (or
//             empty: now), i32 flags                      -> 0
//   Statfs    u32 vfs, i32 fd (-1: by path), str path     -> 0, struct
//   Opendir   u32 by fd, i32 fd, str path                 -> DIR *
//   Readdir   u64 DIR                      -> 1, struct dirent64; 0
//   Closedir, Rewinddir, Dirfd  u64 DIR    -> value
//   Scandir   i32 dir, str path            -> count, the struct dirent64s
//   Tcgetattr i32 fd                       -> 0, struct termios
//   Tcsetattr i32 fd, i32 when, str struct termios        -> 0
//   Ttyname   i32 fd                       -> 0, name
//   KeyCreate u64 destructor                              -> key; -1, error
//   KeyDelete u32 key                                     -> error number
//   KeyDestructor u32 key                  -> destructor (0: none, no key)
//   Preadv2   i32 fd, u64 bytes, i64 offset (-1: the file's), i32 flags,
//             u32 more                                    -> n, data
//   Pwritev2  i32 fd, i64 offset (-1: the file's), i32 flags, str data -> n
//   Renameat2 i32 dir, str from, i32 dir, str to, u32 flags -> 0
//   Statx     i32 dir, str path, i32 flags, u32 mask      -> 0, struct statx
//   Ppoll     str pollfd array, u32 has timeout, str timespec, u32 has
//             mask, str sigset_t                          -> n, pollfd array
//   Pselect   i32 nfds, 3 x (u32 present, str fd_set), u32 has timeout,
//             str timespec, u32 has mask, str sigset_t    -> n, the three sets
//             (shared when a mask is given: a signal it lets through ends
//             the wait on the shadow, whose handler's writes the thread
//             then reads)
//   Sendfile  i32 out, i32 in, u32 has offset, u64 offset, u64 bytes
//                                                         -> n, u64 offset
//   CopyFileRange, Splice
//             i32 in, u32 has offset, u64 offset, i32 out, u32 has offset,
//             u64 offset, u64 bytes, u32 flags -> n, u64 in, u64 out offset
//             (the bytes move at home, from descriptor to descriptor)
//   Xattr     u32 call (XattrCall), u32 on (XattrOn), i32 fd, str path,
//             str name, str value, u64 size, i32 flags
//                                           -> n or 0, the value or list
//   Tmpnam    u32 tempnam, u32 has dir, str dir, u32 has prefix, str prefix
//                                                         -> 0, name
//   Wait4     i32 pid, i32 options         -> pid, i32 status + struct rusage
//   Waitid    i32 idtype, u64 id, i32 options -> 0, siginfo_t
//   Error     i32 errnum, u32 at a line, u32 has file, str file, u32 line,
//             str message             -> 1 written, 0 kept back
//             (home's error or error_at_line with status 0: its stdout
//             flushed, error_print_progname, error_message_count and
//             error_one_per_line are home's)
//   Glob      str pattern, i32 flags, u32 has errfunc
//             -> glob's result, entries each ending in NUL: "f" and gl_flags
//             in decimal, then "e" errno " " path for each error (with
//             errfunc), then "p" path for each match, in glob's order
//   Sigaction i32 signal, u32 has action, u64 handler, u64 flags, str
//             sigset_t, str handler's module, u64 its load address
//                                       -> 0, the old struct sigaction
//             and, for SIGCHLD set, two u64 (threads::ActionsStamp)
//             (a signal whose action is home's: not
//             threads::actionStaysOnNode)
//   Sigwait   str sigset_t, u32 has timeout, str timespec
//                                       -> signal, siginfo_t
//   Itimer    i32 which, u32 has new, str itimerval -> 0, the old itimerval
//   Raise     i32 signal                                 -> raise's value
//   PthreadKill u64 thread, i32 signal, u32 queued, u64 value
//                                       -> error number (pthread_kill's,
//             or pthread_sigqueue's when queued); -1 for a thread home does
//             not know
//   Sigsuspend u32 has mask, str sigset_t (pause: none)  -> -1
//             (these three are shared calls: the handler runs at home, on
//             the shadow, and what it wrote is the thread's to read)
//   Atexit    u32 quick_exit's, u64 function, u64 argument, u64 module
//             handle, str function's module, u64 its load address
//                                       -> __cxa_atexit's value
//   Guard     u32 call (0 acquire, 1 release, 2 abort), u64 guard
//                                       -> __cxa_guard_acquire's value, or 0
//             (shared: the guard orders the static's construction)
//   ThreadName u32 set, u64 pthread_t, str name, u64 bytes (to read)
//                                       -> error number, the name read; -1
//             for a thread home does not know (api/ThreadCalls.cpp)
//   ThreadKnown u64 pthread_t           -> 1 if home knows the thread
//             (api::isHomeThread), else 0
//   PthreadCancel u64 pthread_t         -> pthread_cancel's error number;
//             -1 for a thread home does not know (api/ThreadCalls.cpp)
//   Sigmask   str sigset_t                -> 0: the shadow's mask becomes
//             the thread's (api/Signals.cpp; shared when it unblocks a
//             signal, whose handler may run at once, there)
//   SpLocker  u32 call (0 lock, 1 unlock), u64 first pointer, u64 second
//             (lock), or u32 keys (unlock)
//                                       -> the keys of libstdc++'s mutexes
//             home's std::_Sp_locker took (its two bytes, the second in
//             bits 8-15): std::atomic_load... of a shared_ptr (shared:
//             the lock acquires, the unlock releases)
//   CpuTime   i32 who (RUSAGE_SELF or RUSAGE_CHILDREN), u64 the caller's
//             thread id              -> 0, the struct rusage: home's
//             process, with its threads on other nodes but the caller
//             (api/CpuTime.cpp)
//   Stream    u32 stream (std::cout, cerr, clog, cin, then the wide ones),
//             u32 call, u64 a, str bytes
//                                       -> the stream buffer's answer, the
//             bytes read (StreamCall; api/Streams.cpp)
//   Random    u32 call, u64 a, u64 b, u64 c, str bytes
//                                       -> the value (drand48's bits),
//             the old state (initstate, setstate), seed48's old seed as
//             bytes: the C library's one generator state of each kind,
//             home's (RandomCall; Initstate and Setstate are shared: home
//             reads and writes the state the program gave through the DSM)
//   Atfork    u64 prepare, u64 parent, u64 child, u64 module handle
//                                       -> __register_atfork's value
//             (functions of the executable's only)
//   AtforkList                          -> 0, home's registrations of the
//             executable's fork handlers (4 u64 each, as Atfork's)
//   Timer     u32 call (TimerCall), then
//             Create: i32 clock, u32 has event, i32 notify, i32 signal,
//                     u64 value, u64 function  -> 0, the timer_t
//             Set:    u64 timer, i32 flags, str itimerspec, str the
//                     node's CLOCK_MONOTONIC and CLOCK_BOOTTIME (two
//                     timespecs, read for TIMER_ABSTIME) -> 0, the old
//             Get:    u64 timer                -> 0, the itimerspec
//             Overrun, Delete: u64 timer       -> the call's value
//   SignalActions                       -> 0, records of (i32 signal, u64
//             handler, u64 flags, u64 mask of signals 1-64, str handler's
//             module, u64 its load address), one per signal whose action
//             is home's, in a body of wire::Msg::ThreadActions's type
//===----------------------------------------------------------------------===//
#ifndef GRID_API_REMOTEIO_H
#define GRID_API_REMOTEIO_H

#include "cluster/Wire.h"
#include "sync/Sync.h"
#include "threads/Threads.h"

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>

namespace grid::api::io {

enum class Op : uint16_t {
  Open,
  Close,
  Read,
  Write,
  Lseek,
  Fstat,
  Stat,
  Access,
  Fsync,
  Ftruncate,
  Truncate,
  Unlink,
  Rename,
  Mkdir,
  Getcwd,
  Chdir,
  Fchdir,
  Dup,
  Fcntl,
  Pipe,
  Isatty,
  Getpid,
  Getppid,
  Getenv,
  Setenv,
  Unsetenv,
  Setlocale,
  Fopen,
  Fdopen,
  Freopen,
  Fclose,
  Fflush,
  Fwrite,
  Fread,
  Fgets,
  Fgetc,
  Fputc,
  Ungetc,
  Getdelim,
  Fseek,
  Ftell,
  Rewind,
  Feof,
  Ferror,
  Clearerr,
  Fileno,
  Flockfile,
  Funlockfile,
  Ftrylockfile,
  Vfscanf,
  Spawn,
  System,
  Popen,
  Pclose,
  Waitpid,
  Kill,
  Poll,
  Select,
  Readlink,
  Symlink,
  Link,
  Chmod,
  Fchmod,
  Tmpfile,
  Mkstemp,
  Mkdtemp,
  Remove,
  Realpath,
  Mkfifo,
  Setvbuf,
  Fwide,
  Fpurge,
  Ints,
  Utimens,
  Statfs,
  Opendir,
  Readdir,
  Closedir,
  Rewinddir,
  Dirfd,
  Scandir,
  Tcgetattr,
  Tcsetattr,
  Ttyname,
  KeyCreate,
  KeyDelete,
  KeyDestructor,
  Preadv2,
  Pwritev2,
  Renameat2,
  Statx,
  Ppoll,
  Pselect,
  Sendfile,
  CopyFileRange,
  Splice,
  Xattr,
  Tmpnam,
  Glob,
  Wait4,
  Waitid,
  Error,
  Sigaction,
  Sigwait,
  Itimer,
  SignalActions,
  Raise,
  PthreadKill,
  Sigsuspend,
  Atexit,
  Guard,
  ThreadName,
  Atfork,
  AtforkList,
  ThreadKnown,
  Timer,
  PthreadCancel,
  Random,
  Stream,
  Sigmask,
  SpLocker,
  CpuTime,
  Last = CpuTime,
};

/// The calls of Op::Stream on home's stream buffer, with their argument a
/// and bytes (api/Streams.cpp).
enum class StreamCall : uint32_t {
  Put,     // bytes: sputn (answers the count)
  Sync,    // pubsync
  Peek,    // sgetc
  Bump,    // sbumpc
  Get,     // a count: sgetn (answers the count, and the characters)
  Putback, // a character, or eof: sputbackc, or sungetc
  Avail,   // in_avail
  Seekoff, // an offset, bytes: the direction and the mode (u32 each):
           // pubseekoff (answers the position, or -1)
};
/// Op::Stream's answer when home's stream buffer threw (in errno's place).
inline constexpr int StreamThrew = -2;

/// The calls of Op::Random, with their arguments a, b, c and bytes.
enum class RandomCall : uint32_t {
  Rand,      // (no argument)
  Srand,     // a seed
  Random,    // (no argument)
  Srandom,   // a seed
  Initstate, // a seed, b state, c bytes of state
  Setstate,  // b state
  Drand48,   // (no argument)
  Lrand48,   // (no argument)
  Mrand48,   // (no argument)
  Srand48,   // a seed
  Seed48,    // bytes: the three unsigned shorts
  Lcong48,   // bytes: the seven unsigned shorts
};

/// The calls of Op::Timer (POSIX timers: api/RemoteIo.cpp).
enum class TimerCall : uint32_t { Create, Set, Get, Overrun, Delete };

/// The calls of Op::Ints: integer arguments a, b, c after a descriptor, or
/// a directory and a path.
enum class IntCall : int32_t {
  Flock,          // fd, operation
  Lockf,          // fd, command, length
  Fallocate,      // fd, mode, offset, length
  PosixFallocate, // fd, offset, length (answers the error number)
  Fchown,         // fd, owner, group
  Fchownat,       // dir, path, owner, group, flags
  Umask,          // -, mask (answers the old mask)
  CloseRange,     // first, last, flags
  Mknodat,        // dir, path, mode, device
  PosixFadvise,   // fd, offset, length, advice (answers the error number)
  Euidaccess,     // -, path, mode
  Pathconf,       // -, path, name (answers a long; -1 with errno 0: no limit)
  Fpathconf,      // fd, name (as Pathconf)
  Tcflush,        // fd, queue
  Tcdrain,        // fd
  Tcsendbreak,    // fd, duration
  Tcgetpgrp,      // fd (answers the process group)
  Tcsetpgrp,      // fd, process group
  Tcgetsid,       // fd (answers the session)
  Tcflow,         // fd, action
  Tee,            // fd in, fd out, bytes, flags (answers a long)
  Exit,           // -, status: home exits with it (never answers)
  FastExit,       // -, status: home's _exit (never answers)
  QuickExit,      // -, status: home's quick_exit (never answers)
  Getpgid,        // -, pid (answers the process group)
  Getsid,         // -, pid (answers the session)
  Setpgid,        // -, pid, process group
  Setsid,         // (answers the new session)
  Sigqueue,       // -, pid, signal, value
  Killpg,         // -, process group, signal
  Alarm,          // -, seconds (answers the seconds that were left)
  Ualarm,         // -, microseconds, interval (answers those left)
  Processors,     // -, configured (1) or online (0): get_nprocs_conf's or
                  // get_nprocs's count as home's program sees it
};

/// The *xattr calls of Op::Xattr, and how each names its file.
enum class XattrCall : uint32_t { Get, Set, List, Remove };
enum class XattrOn : uint32_t {
  Path, // getxattr...: the path, following a last symbolic link
  Link, // lgetxattr...: the link itself
  Fd,   // fgetxattr...
};

/// The most bytes one operation carries; larger reads and writes take
/// several, each waiting for the last (a read stops at a short one).
inline constexpr size_t Chunk = size_t(1) << 20;

/// The clock a POSIX timer of this process was made with (not a remote
/// thread's own on its node), CLOCK_REALTIME if unknown: home moves a
/// remote thread's absolute time on a timer of CLOCK_MONOTONIC or
/// CLOCK_BOOTTIME onto its own clock (HomeIo.cpp, timerHere). libgridrt's
/// timer_create and timer_delete make and delete every other caller's
/// timers through Create and Delete (the C library's), noting and
/// forgetting each clock under one lock: glibc hands a SIGEV_THREAD
/// timer's value out again at once.
clockid_t timerClock(timer_t Timer);
int createTimer(int (*Create)(clockid_t, struct sigevent *, timer_t *),
                clockid_t Clock, struct sigevent *Event, timer_t *Timer);
int deleteTimer(int (*Delete)(timer_t), timer_t Timer);

/// True on a thread running on another node, outside runtime code: its
/// calls go home. The one test home's threads pay.
inline bool remoteCaller() {
  return __builtin_expect(sync::RemoteThread && !sync::InRuntime, 0);
}

/// On a remote thread, one call carried home: the operation, then its
/// arguments (args()), then send(). Its message is the agent's memory
/// (sync::InRuntimeScope), as are the answer's bytes.
class HomeCall {
public:
  explicit HomeCall(Op O, bool Shared = false)
      : W(threads::ioRequest(Shared)), O(O), Shared(Shared) {
    W.u16(static_cast<uint16_t>(O));
  }
  wire::Writer &args() { return W; }
  threads::HomeAnswer send() { return threads::callHomeIo(W, Shared); }
  Op op() const { return O; }

private:
  sync::InRuntimeScope Scope; // first: the message's memory is the agent's
  wire::Writer W;
  Op O;
  bool Shared;
};

/// The answer's value, with errno home's when the call failed (Failed).
inline int64_t answered(const threads::HomeAnswer &A, bool Failed) {
  if (Failed && A.Errno)
    errno = A.Errno;
  return A.Value;
}

/// Home: carries out the request R holds (after the Io call's header), as
/// the shadow of a remote thread does.
threads::HomeAnswer serve(wire::Reader &R);
/// Home: pthread_key_create's keys and their destructors (api/ThreadKeys.cpp
/// records each key made here; KeyDestructor answers from it).
void recordKey(unsigned Key, void (*Destructor)(void *));
void forgetKey(unsigned Key);
/// On a remote thread at its end: the destructors of the program's keys it
/// set (api/ThreadKeys.cpp, in libgridrt.so only).
void runRemoteKeyDestructors();
/// On a remote thread about to fork: asks home for the destructors of the
/// keys it has values of, which its child runs at its end
/// (api/ThreadKeys.cpp; weak, since only libgridrt.so has it: null in the
/// unit tests' builds, which have no remote thread).
[[gnu::weak]] void fetchKeyDestructorsForFork();

/// On a remote thread: sigaction of a signal whose action is home's (not
/// threads::actionStaysOnNode), carried out at home; Old is home's action.
/// A handler home does not have at the same place is refused (EINVAL).
/// Weak: only libgridrt.so has it (null in the unit tests' builds, which
/// have no remote thread).
[[gnu::weak]] int sigactionAtHome(int Sig, const struct sigaction *New,
                                  struct sigaction *Old);

/// On a remote thread about to fork: home's actions of the signals that
/// are home's (not threads::actionStaysOnNode), which its child takes in
/// (takeSignalActionsInChild), as a child takes its parent's; the parent
/// drops them after the fork. Weak: only libgridrt.so has them.
[[gnu::weak]] void fetchSignalActionsForFork();
[[gnu::weak]] void takeSignalActionsInChild();
[[gnu::weak]] void dropSignalActionsForFork();

/// On a remote thread about to fork: registers on this node the fork
/// handlers of the executable's that home has and the node has not yet
/// (RemoteIo.cpp, __register_atfork). Weak: only libgridrt.so has it.
[[gnu::weak]] void fetchForkHandlersForFork();
/// Home: those handlers, as AtforkList answers them.
[[gnu::weak]] std::string executableForkHandlers();

/// The processors a program at home sees, given the C library's count
/// (Native, online or configured): with thread tolerance near or any, in a
/// job's home process, Native and the cores of the agents the tolerance
/// lets threads go to (cluster::Cluster::agentCores); else Native. The
/// affinity masks (sched_getaffinity) stay this machine's.
long programProcessors(long Native);
/// What programProcessors adds to the machine's count: 0 where the count
/// is the machine's own.
long agentProcessors();
} // namespace grid::api::io

/// The C library's sysconf under its own exported name, which no one
/// interposes (libgridrt.so defines sysconf: api/RemoteIo.cpp).
extern "C" long __sysconf(int Name) noexcept;

namespace grid::api::io {

/// On a remote thread: whether home knows Thread (api::isHomeThread, one
/// round trip): a thread a library made on this node, not through Grid,
/// is the node's (api/ThreadCalls.cpp; libgridrt.so only).
bool homeKnowsThread(pthread_t Thread);

/// Registers serve with the threads layer (home, at start).
void serveRemoteCalls();

/// The standard C++ streams' state home sets that a thread start carries
/// to the agent (their formatting, and whether their buffers are the C
/// library's streams), and the agent's taking of it (api/Streams.cpp).
std::string homeStreams();
void followHomeStreams(std::string_view Text);
/// Home: Op::Stream.
threads::HomeAnswer streamHere(wire::Reader &R);

/// On a remote thread's node, after its fork: Child is the node's process
/// (fork is not carried home), so the thread's waitpid, wait and kill of it
/// happen on the node (api/RemoteIo.cpp), where home's would answer ECHILD
/// or reach another process. Forgotten once waited for to its end.
void rememberNodeChild(pid_t Child);
void forgetNodeChild(pid_t Child);
/// While the program ignores SIGCHLD (threads::programIgnoresChildren),
/// reaps and forgets the node's children that have ended, as the kernel
/// reaps them in a process whose action that is (it is not installed on
/// the node). Called before a remote thread forks and whenever it looks at
/// its children (RemoteIo.cpp, nodeChildLives).
void reapIgnoredNodeChildren();
/// Whether Child is one reapIgnoredNodeChildren reaped (of the last
/// MaxNodeChildren): its number is the node's, and a kill or wait of it
/// answers ESRCH or ECHILD there, as the kernel would have.
bool reapedNodeChild(pid_t Child);
/// Forgets Child, which a wait reaped unseen (SIGCHLD ignored), and
/// records it as reapIgnoredNodeChildren does.
void forgetReapedNodeChild(pid_t Child);
bool isNodeChild(pid_t Child);
/// Up to Max of the children remembered, into Out; how many.
size_t nodeChildren(pid_t *Out, size_t Max);
/// The most children of a node's threads remembered at once.
inline constexpr size_t MaxNodeChildren = 256;

} // namespace grid::api::io

#endif // GRID_API_REMOTEIO_H
