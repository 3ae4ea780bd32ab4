//===- api/RemoteIo.cpp - Descriptor calls of threads on other nodes ------===//
//
// A thread that runs on an agent for home (sync::RemoteThread) shares home's
// memory but not its descriptors: fd 5 on the agent is one of the agent's
// own (an MPI socket, a pipe of its output...), not the file home opened as
// 5. So its descriptor, stream and environment calls are carried out at
// home, on its shadow (api/RemoteIo.h lists the operations, api/HomeIo.cpp
// serves them): the thread sees home's files, descriptors, streams,
// working directory, environment and pid, as if it ran there. Sockets and
// descriptors of kernel objects (eventfd...) are not carried home: they
// stop the job with a message naming the call and its caller
// (threads::remoteFatal), before they touch any descriptor of the agent;
// ioctl fails with ENOTTY.
//
// libgridrt.so defines these calls under their libc names, as api/Malloc.cpp
// does for malloc. On every other thread (home's threads, and runtime code on
// a remote thread, sync::InRuntime) each is one thread-local test, then the
// C library's function, looked up with dlsym(RTLD_NEXT) before the program
// starts (resolveAll). docs/design/remote-io.md lists the calls and what is
// not caught.
//
// Calls the C library makes inside itself (printf's write, fopen's open) do
// not come here; so printf is caught as printf, and formatted on the agent
// into one write at home. Calls from a library the program links (libstdc++'s
// std::ofstream opens with fopen64 and writes with write) come here as the
// program's own do. Only the shared library contains this file
// (runtime/CMakeLists.txt): a unit test linking gridrt_impl keeps its I/O.
//===----------------------------------------------------------------------===//

// The fortified inline wrappers of open, read... would clash with the
// definitions below; the __*_chk functions they call are defined here too.
#undef _FORTIFY_SOURCE

#include "api/RemoteIo.h"
#include "api/Launch.h"
#include "cluster/Cluster.h"
#include "core/Core.h"
#include "core/NextSymbol.h"
#include "sync/Sync.h"
#include "threads/Threads.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <cxxabi.h>
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <err.h>
#include <error.h>
#include <execinfo.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <link.h>
#include <map>
#include <memory>
#include <mutex>
#include <netdb.h>
#include <poll.h>
#include <set>
#include <stdio_ext.h>
#include <string>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <utime.h>
#include <vector>

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))

// The fortified forms (_FORTIFY_SOURCE), which glibc declares only for
// fortified code.
extern "C" {
// assert's, which <assert.h> declares only without NDEBUG.
[[noreturn]] void __assert_fail(const char *Assertion, const char *File,
                                unsigned Line, const char *Function) noexcept;
[[noreturn]] void __assert_perror_fail(int Errnum, const char *File,
                                       unsigned Line,
                                       const char *Function) noexcept;
int __open_2(const char *Path, int Flags);
int __open64_2(const char *Path, int Flags);
int __openat_2(int Dir, const char *Path, int Flags);
int __openat64_2(int Dir, const char *Path, int Flags);
ssize_t __read_chk(int Fd, void *Buf, size_t Bytes, size_t BufBytes);
ssize_t __pread_chk(int Fd, void *Buf, size_t Bytes, off_t Offset,
                    size_t BufBytes);
ssize_t __pread64_chk(int Fd, void *Buf, size_t Bytes, off64_t Offset,
                      size_t BufBytes);
ssize_t __recv_chk(int Fd, void *Buf, size_t Bytes, size_t BufBytes, int Flags);
ssize_t __recvfrom_chk(int Fd, void *Buf, size_t Bytes, size_t BufBytes,
                       int Flags, struct sockaddr *From, socklen_t *FromBytes);
char *__getcwd_chk(char *Buf, size_t Bytes, size_t BufBytes) noexcept;
int __printf_chk(int Flag, const char *Format, ...);
int __vprintf_chk(int Flag, const char *Format, va_list Args);
int __fprintf_chk(FILE *F, int Flag, const char *Format, ...);
int __vfprintf_chk(FILE *F, int Flag, const char *Format, va_list Args);
int __dprintf_chk(int Fd, int Flag, const char *Format, ...);
int __vdprintf_chk(int Fd, int Flag, const char *Format, va_list Args);
char *__fgets_chk(char *Buf, size_t BufBytes, int Bytes, FILE *F);
char *__fgets_unlocked_chk(char *Buf, size_t BufBytes, int Bytes, FILE *F);
size_t __fread_chk(void *Buf, size_t BufBytes, size_t Size, size_t Count,
                   FILE *F);
size_t __fread_unlocked_chk(void *Buf, size_t BufBytes, size_t Size,
                            size_t Count, FILE *F);
ssize_t __getdelim(char **Line, size_t *Bytes, int Delimiter, FILE *F);
// C++ declares scanf and friends under these names (asm labels): C99's.
int __isoc99_vfscanf(FILE *F, const char *Format, va_list Args);
int __cxa_atexit(void (*Function)(void *), void *Argument,
                 void *Handle) noexcept;
int __cxa_at_quick_exit(void (*Function)(void *), void *Handle) noexcept;
// <cxxabi.h> declares these in __cxxabiv1 only.
int __cxa_guard_acquire(__cxxabiv1::__guard *Guard) noexcept;
void __cxa_guard_release(__cxxabiv1::__guard *Guard) noexcept;
void __cxa_guard_abort(__cxxabiv1::__guard *Guard) noexcept;
int __register_atfork(void (*Prepare)(), void (*Parent)(), void (*Child)(),
                      void *Handle) noexcept;
int __isoc99_vscanf(const char *Format, va_list Args);
int __poll_chk(struct pollfd *Fds, nfds_t Count, int Timeout, size_t FdsBytes);
int __ppoll_chk(struct pollfd *Fds, nfds_t Count,
                const struct timespec *Timeout, const sigset_t *Mask,
                size_t FdsBytes);
}

namespace {

using namespace grid;
namespace io = grid::api::io;

using io::remoteCaller;

//===----------------------------------------------------------------------===//
// The C library's functions
//===----------------------------------------------------------------------===//

#define GRID_REAL_SLOT(Name) decltype(&::Name) Real_##Name = nullptr;
#define REAL(Name) core::nextFunction(Real_##Name, #Name)

//===----------------------------------------------------------------------===//
// Refusing a call: the message, and the end of the job
//===----------------------------------------------------------------------===//

std::string baseName(const char *Path) {
  const char *Slash = std::strrchr(Path, '/');
  return Slash ? Slash + 1 : Path;
}

/// The function of an ELF file's .symtab that contains Address (relative to
/// the file's load address) and, for a local one, its source file.
bool lookUpSymtab(const std::string &Path, uintptr_t Address,
                  std::string &Function, std::string &Source) {
  int Fd = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return false;
  struct stat St;
  void *Map = MAP_FAILED;
  if (::fstat(Fd, &St) == 0 && St.st_size > 0)
    Map = mmap(nullptr, static_cast<size_t>(St.st_size), PROT_READ, MAP_PRIVATE,
               Fd, 0);
  ::close(Fd);
  if (Map == MAP_FAILED)
    return false;
  auto Size = static_cast<size_t>(St.st_size);
  auto *Base = static_cast<const char *>(Map);
  auto *Header = static_cast<const Elf64_Ehdr *>(Map);
  bool Found = false;
  auto Inside = [&](uint64_t Offset, uint64_t Bytes) {
    return Offset <= Size && Bytes <= Size - Offset;
  };
  if (Size >= sizeof(Elf64_Ehdr) &&
      std::memcmp(Header->e_ident, ELFMAG, SELFMAG) == 0 &&
      Header->e_ident[EI_CLASS] == ELFCLASS64 &&
      Header->e_shentsize == sizeof(Elf64_Shdr) &&
      Inside(Header->e_shoff, uint64_t(Header->e_shnum) * sizeof(Elf64_Shdr))) {
    auto *Sections =
        reinterpret_cast<const Elf64_Shdr *>(Base + Header->e_shoff);
    for (unsigned I = 0; I < Header->e_shnum && !Found; ++I) {
      const Elf64_Shdr &Symtab = Sections[I];
      if (Symtab.sh_type != SHT_SYMTAB || Symtab.sh_link >= Header->e_shnum ||
          Symtab.sh_entsize != sizeof(Elf64_Sym) ||
          !Inside(Symtab.sh_offset, Symtab.sh_size))
        continue;
      const Elf64_Shdr &Strtab = Sections[Symtab.sh_link];
      if (!Inside(Strtab.sh_offset, Strtab.sh_size) || Strtab.sh_size == 0)
        continue;
      const char *Names = Base + Strtab.sh_offset;
      auto Name = [&](uint32_t At) -> const char * {
        return At < Strtab.sh_size && Names[Strtab.sh_size - 1] == '\0'
                   ? Names + At
                   : "";
      };
      auto *Symbols =
          reinterpret_cast<const Elf64_Sym *>(Base + Symtab.sh_offset);
      size_t Count = Symtab.sh_size / sizeof(Elf64_Sym);
      // Local symbols follow the STT_FILE entry of their translation unit.
      const char *File = "";
      for (size_t S = 0; S < Count; ++S) {
        const Elf64_Sym &Sym = Symbols[S];
        if (ELF64_ST_TYPE(Sym.st_info) == STT_FILE) {
          File = Name(Sym.st_name);
          continue;
        }
        if (ELF64_ST_TYPE(Sym.st_info) != STT_FUNC ||
            Sym.st_shndx == SHN_UNDEF || Address < Sym.st_value ||
            Address - Sym.st_value >= Sym.st_size)
          continue;
        Function = Name(Sym.st_name);
        if (ELF64_ST_BIND(Sym.st_info) == STB_LOCAL)
          Source = File;
        Found = !Function.empty();
        break;
      }
    }
  }
  munmap(Map, Size);
  return Found;
}

struct Frame {
  std::string Function; // demangled; empty if unknown
  std::string Source;   // the source file, if the symbol table says
  std::string Object;   // the executable or library, base name
  uintptr_t Offset = 0; // from the object's load address
  bool InProgram = false;
};

/// What is known of the code at Address (a return address less one, so
/// inside the calling function).
bool describe(uintptr_t Address, Frame &Out) {
  Dl_info Info{};
  struct link_map *Map = nullptr;
  if (!dladdr1(reinterpret_cast<void *>(Address), &Info,
               reinterpret_cast<void **>(&Map), RTLD_DL_LINKMAP) ||
      !Map)
    return false;
  Out.InProgram = Map->l_name == nullptr || Map->l_name[0] == '\0';
  std::string Path = Out.InProgram
                         ? std::string("/proc/self/exe")
                         : std::string(Info.dli_fname ? Info.dli_fname : "");
  Out.Object = baseName(Out.InProgram && Info.dli_fname && *Info.dli_fname
                            ? Info.dli_fname
                            : Path.c_str());
  Out.Offset = Address - Map->l_addr;
  std::string Mangled;
  if (!lookUpSymtab(Path, Out.Offset, Mangled, Out.Source) && Info.dli_sname)
    Mangled = Info.dli_sname;
  Out.Source = baseName(Out.Source.c_str());
  if (!Mangled.empty()) {
    int Status = 0;
    char *Demangled =
        abi::__cxa_demangle(Mangled.c_str(), nullptr, nullptr, &Status);
    Out.Function = Status == 0 && Demangled ? Demangled : Mangled;
    std::free(Demangled);
  }
  return true;
}

std::string toText(const Frame &F) {
  if (F.Function.empty()) {
    char Offset[32];
    std::snprintf(Offset, sizeof Offset, "+0x%zx", size_t(F.Offset));
    return F.Object + Offset;
  }
  return F.Function + " in " + (F.Source.empty() ? F.Object : F.Source);
}

/// "called from writer in app.c", and when the caller is a library (as
/// libstdc++ is for std::ofstream), the program's function that called it.
std::string describeCaller(void *ReturnAddress) {
  Frame Caller;
  if (!describe(reinterpret_cast<uintptr_t>(ReturnAddress) - 1, Caller))
    return "called from an unknown place";
  std::string Text = "called from " + toText(Caller);
  if (Caller.InProgram)
    return Text;
  void *Frames[64];
  int Count = backtrace(Frames, 64);
  for (int I = 0; I < Count; ++I) {
    Frame F;
    if (describe(reinterpret_cast<uintptr_t>(Frames[I]) - 1, F) && F.InProgram)
      return Text + ", from " + toText(F);
  }
  return Text;
}

void flushHeldOutput();

[[noreturn, gnu::noinline, gnu::cold]] void refuse(const char *Call,
                                                   void *ReturnAddress) {
  flushHeldOutput(); // what the thread wrote comes before the message
  ++sync::InRuntime; // what follows is the runtime's, and stays here
  // One message, however many threads of this node get here at once.
  static std::atomic<bool> Refusing{false};
  if (Refusing.exchange(true))
    for (;;)
      pause();
  cluster::Cluster *C = cluster::Cluster::current();
  std::string What = std::string(Call) + " from a thread running on node " +
                     std::to_string(C ? C->rank() : -1) + " (" +
                     describeCaller(ReturnAddress) +
                     "): sockets and descriptors of kernel objects (eventfd, "
                     "epoll...) stay on the node a thread runs on, and a "
                     "thread on another node cannot use home's "
                     "(docs/design/remote-io.md)";
  threads::remoteFatal(What, "run it with GRID_THREAD_TOLERANCE=machine or "
                             "lower to keep it home");
}

#define GRID_REFUSE_REMOTE(Call)                                               \
  do {                                                                         \
    if (remoteCaller())                                                        \
      refuse(Call, __builtin_return_address(0));                               \
  } while (false)

/// open's mode argument, present when the flags create a file.
#define GRID_OPEN_MODE(Flags, Last)                                            \
  mode_t Mode = 0;                                                             \
  if (__OPEN_NEEDS_MODE(Flags)) {                                              \
    va_list Args;                                                              \
    va_start(Args, Last);                                                      \
    Mode = static_cast<mode_t>(va_arg(Args, int));                             \
    va_end(Args);                                                              \
  }

/// The one argument fcntl and ioctl take, whatever its type (as glibc reads
/// it).
#define GRID_ONE_VARARG(Last)                                                  \
  void *Arg;                                                                   \
  {                                                                            \
    va_list Args;                                                              \
    va_start(Args, Last);                                                      \
    Arg = va_arg(Args, void *);                                                \
    va_end(Args);                                                              \
  }

/// Every C library function passed on to, once each.
// clang-format off
#define GRID_REMOTE_IO_CALLS(X) \
  X(open) X(open64) X(openat) X(openat64) X(__open_2) X(__open64_2) \
  X(__openat_2) X(__openat64_2) X(creat) X(creat64) X(close) X(read) \
  X(__read_chk) X(write) X(readv) X(writev) X(pread) X(pread64) \
  X(__pread_chk) X(__pread64_chk) X(pwrite) X(pwrite64) X(lseek) X(lseek64) \
  X(fstat) X(fstat64) X(stat) X(stat64) X(lstat) X(lstat64) X(fstatat) \
  X(fstatat64) X(access) X(faccessat) X(fsync) X(fdatasync) X(ftruncate) \
  X(ftruncate64) X(truncate) X(unlink) X(unlinkat) X(rename) X(renameat) \
  X(mkdir) X(mkdirat) X(rmdir) X(getcwd) X(__getcwd_chk) X(chdir) X(fchdir) \
  X(dup) X(dup2) X(dup3) X(fcntl) X(fcntl64) X(ioctl) X(pipe) X(pipe2) \
  X(isatty) X(getpid) X(getppid) X(getenv) X(secure_getenv) X(setenv) \
  X(unsetenv) X(putenv) X(setlocale) X(waitpid) X(wait) X(wait3) X(wait4) X(waitid) X(kill) \
  X(poll) X(select) X(readlink) X(readlinkat) X(symlink) X(symlinkat) \
  X(link) X(linkat) X(chmod) X(fchmodat) X(fchmod) \
  X(mkstemp) X(mkstemp64) X(mkostemp) X(mkostemp64) X(mkstemps) X(mkostemps) \
  X(mkdtemp) X(remove) X(realpath) X(truncate64) X(mkfifo) X(mkfifoat) \
  X(flock) X(lockf) X(lockf64) X(fallocate) X(fallocate64) \
  X(posix_fallocate) X(posix_fallocate64) X(fchown) X(chown) X(lchown) \
  X(fchownat) X(preadv) X(preadv64) X(pwritev) X(pwritev64) X(futimens) \
  X(utimensat) X(utimes) X(utime) X(statfs) X(fstatfs) X(statvfs) \
  X(fstatvfs) X(socketpair) X(eventfd) X(epoll_create) X(epoll_create1) \
  X(timerfd_create) X(signalfd) X(inotify_init) X(inotify_init1) \
  X(memfd_create) X(open_memstream) X(fmemopen) X(fopencookie) X(tmpfile) \
  X(tmpfile64) X(setvbuf) X(setbuf) X(setbuffer) X(setlinebuf) X(fgetpos) \
  X(fgetpos64) X(fsetpos) X(fsetpos64) X(fwide) X(__fpurge) X(getw) X(putw) \
  X(mkstemps64) X(mkostemps64) X(statfs64) X(fstatfs64) X(statvfs64) \
  X(fstatvfs64) X(umask) X(rand) X(srand) X(random) X(srandom) \
  X(initstate) X(setstate) X(drand48) X(lrand48) X(mrand48) X(srand48) \
  X(seed48) X(lcong48) X(exit) X(_exit) X(_Exit) X(quick_exit) X(closefrom) X(close_range) \
  X(get_nprocs) X(get_nprocs_conf) \
  X(socket) X(connect) X(accept) X(accept4) X(bind) X(listen) X(send) X(recv) \
  X(__recv_chk) X(sendto) X(recvfrom) X(__recvfrom_chk) X(sendmsg) X(recvmsg) \
  X(fopen) X(fopen64) X(fdopen) X(freopen) X(freopen64) X(fclose) X(fflush) \
  X(fflush_unlocked) X(fwrite) X(fwrite_unlocked) X(fputs) X(fputs_unlocked) \
  X(puts) X(fputc) X(fputc_unlocked) X(putc) X(putc_unlocked) X(putchar) \
  X(putchar_unlocked) X(__overflow) X(vprintf) X(__vprintf_chk) X(vfprintf) \
  X(__vfprintf_chk) X(vdprintf) X(__vdprintf_chk) X(fread) \
  X(fread_unlocked) X(__fread_chk) X(__fread_unlocked_chk) X(fgets) \
  X(fgets_unlocked) X(__fgets_chk) X(__fgets_unlocked_chk) X(fgetc) \
  X(fgetc_unlocked) X(getc) X(getc_unlocked) X(getchar) X(getchar_unlocked) \
  X(__uflow) X(ungetc) X(getline) X(getdelim) X(__getdelim) \
  X(__isoc99_vfscanf) X(__isoc99_vscanf) X(fseek) X(fseeko) X(fseeko64) \
  X(ftell) X(ftello) X(ftello64) X(rewind) X(feof) X(feof_unlocked) \
  X(ferror) X(ferror_unlocked) X(clearerr) X(clearerr_unlocked) X(fileno) \
  X(fileno_unlocked) X(flockfile) X(funlockfile) X(ftrylockfile) \
  X(opendir) X(fdopendir) X(readdir) X(readdir64) X(closedir) X(rewinddir) \
  X(dirfd) X(scandir) X(scandir64) X(scandirat) X(tcgetattr) X(tcsetattr) \
  X(ttyname) X(ttyname_r) X(preadv2) X(preadv64v2) X(pwritev2) \
  X(pwritev64v2) X(futimes) X(lutimes) X(futimesat) X(lchmod) X(renameat2) \
  X(euidaccess) X(eaccess) X(pathconf) X(fpathconf) X(mknod) X(mknodat) \
  X(statx) X(tcflush) X(tcdrain) X(tcsendbreak) X(tcgetpgrp) \
  X(posix_fadvise) X(posix_fadvise64) X(ppoll) X(__ppoll_chk) X(__poll_chk) \
  X(pselect) X(tcsetpgrp) X(tcgetsid) X(tcflow) X(sendfile) X(sendfile64) \
  X(copy_file_range) X(splice) X(tee) X(getxattr) X(lgetxattr) X(fgetxattr) \
  X(setxattr) X(lsetxattr) X(fsetxattr) X(listxattr) X(llistxattr) \
  X(flistxattr) X(removexattr) X(lremovexattr) X(fremovexattr) X(tmpnam) \
  X(tmpnam_r) X(tempnam) X(glob) X(glob64) X(nftw) X(nftw64) X(ftw) X(ftw64) \
  X(getpgrp) X(getpgid) X(__getpgid) X(getsid) X(setpgid) X(setpgrp) X(setsid) \
  X(perror) X(psignal) X(herror) X(error) X(error_at_line) X(vwarn) \
  X(vwarnx) X(__assert_fail) X(__assert_perror_fail) X(backtrace_symbols_fd) \
  X(sigqueue) X(killpg) X(alarm) X(ualarm) X(getitimer) X(setitimer) \
  X(sigwait) X(sigwaitinfo) X(sigtimedwait) X(raise) \
  X(pause) X(sigsuspend) X(__cxa_atexit) \
  X(__cxa_at_quick_exit) X(__cxa_guard_acquire) X(__cxa_guard_release) \
  X(__cxa_guard_abort) X(__register_atfork) X(timer_create) \
  X(timer_settime) X(timer_gettime) X(timer_getoverrun) X(timer_delete)
// clang-format on

GRID_REMOTE_IO_CALLS(GRID_REAL_SLOT)

// libstdc++'s std::_Sp_locker: its constructors and destructor, by their
// mangled names (REAL_LOCKER).
void (*Real_LockerOne)(std::_Sp_locker *, const void *) = nullptr;
void (*Real_LockerTwo)(std::_Sp_locker *, const void *, const void *) = nullptr;
void (*Real_LockerEnd)(std::_Sp_locker *) = nullptr;
constexpr const char *SymbolOfLockerOne = "_ZNSt10_Sp_lockerC1EPKv";
constexpr const char *SymbolOfLockerTwo = "_ZNSt10_Sp_lockerC1EPKvS1_";
constexpr const char *SymbolOfLockerEnd = "_ZNSt10_Sp_lockerD1Ev";
#define REAL_LOCKER(Name) core::nextFunction(Real_##Name, SymbolOf##Name)

// Every function is looked up before the program runs, first among the
// library's constructors (an agent never returns from the last): dlsym is
// not async-signal-safe, and write is what signal handlers call. Calls made
// before (by the constructors of the libraries libgridrt.so needs) look
// theirs up on the way. A function this C library lacks stays null and
// is fatal only when called.
#define GRID_RESOLVE(Name) core::resolveNext(Real_##Name, #Name);
void findExecutableCode();

[[gnu::constructor(101)]] void resolveAll() {
  GRID_REMOTE_IO_CALLS(GRID_RESOLVE)
  core::resolveNext(Real_LockerOne, SymbolOfLockerOne);
  core::resolveNext(Real_LockerTwo, SymbolOfLockerTwo);
  core::resolveNext(Real_LockerEnd, SymbolOfLockerEnd);
  findExecutableCode();
}

//===----------------------------------------------------------------------===//
// Calls carried home (api/RemoteIo.h): each remote:: function does what its
// libc namesake does, with home's descriptors and streams.
//===----------------------------------------------------------------------===//

/// Runtime code on a remote thread: what it allocates stays on the agent
/// (only the program's own allocations go to home's heap).
using Local = sync::InRuntimeScope;

/// A remote thread's call that is a cancellation point and may wait at
/// home (a read of an empty pipe, poll, waitpid, pause): a cancellation
/// before it acts at once; one while it waits ends it at home, with no
/// effect, and acts as it returns here, out of the runtime's work
/// (threads::CancellableScope). A thread that cannot act on it then (it
/// is already unwinding: a cleanup handler's call, with home's mark of a
/// cancellation it took elsewhere) makes the call again, as it would have
/// gone on on one machine.
template <class Call> auto cancellable(Call &&C) {
  threads::cancellationPoint();
  for (;;) {
    decltype(C()) Result;
    {
      threads::CancellableScope Scope;
      Result = C();
    }
    if (!threads::cancellationPointAfterWait())
      return Result;
  }
}

/// Memory the program owns (what getcwd(NULL, 0) returns, getline's
/// buffer): from its heap, shared with every node, whatever runtime scope
/// the caller is in.
/// The program's code, called from runtime code of a remote thread: what
/// it allocates is the program's. Fenced: GCC's built-in realloc reads no
/// TLS, so it would drop the store as dead (sync::InRuntimeScope). The count
/// comes back however the call ends: a callback may end its thread
/// (pthread_exit, cancellation), whose unwind then passes the runtime's own
/// scopes.
class ProgramScope {
public:
  ProgramScope() : Saved(sync::InRuntime) {
    sync::InRuntime = 0;
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  ~ProgramScope() {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    sync::InRuntime = Saved;
  }
  ProgramScope(const ProgramScope &) = delete;
  ProgramScope &operator=(const ProgramScope &) = delete;

private:
  unsigned Saved;
};

void *programRealloc(void *Old, size_t Bytes) {
  ProgramScope Program;
  return std::realloc(Old, Bytes);
}

/// Small writes to a stream home buffers fully (not a terminal, not line-
/// buffered or unbuffered: home says so in each Fwrite's answer) are held
/// here and sent as one Fwrite: a thread printing line after line pays a
/// round trip per 64 KiB, not per line. Nothing can tell, since home would
/// have held the bytes in its buffer too: threads::setHeldOutput's flush
/// sends them before the thread's next message, release or end, and its
/// take hands them to home as home begins to exit (takeHeldAtExit), as
/// exit would have written home's buffer. (Constant-initialised, so the
/// thread-local needs no constructor on an agent's thread.)
struct HeldOutput {
  // Taken by the thread to change what it holds or send it, and by
  // takeHeldAtExit on another thread, which then owns what is held.
  std::mutex Guard;
  // Under Guard:
  FILE *Stream = nullptr; // the stream of the last Fwrite, until another call
  bool MayHold = false;   // home buffers it fully
  bool Ended = false;     // the thread is ending: nothing more is held
  char *Bytes = nullptr;  // held, in the agent's memory
  size_t Size = 0, Capacity = 0;
  // The thread's own:
  bool Sending = false; // sending what it held (its Fwrite's own flush)
  bool Listed = false;  // in Holders
  // Under HoldersMutex:
  HeldOutput *Prev = nullptr, *Next = nullptr;
};
static_assert(std::is_trivially_destructible_v<HeldOutput>);
constexpr size_t HoldSmallerThan = 4096, HoldAtMost = 64 << 10;
[[gnu::tls_model("initial-exec")]] constinit thread_local HeldOutput Held;

/// The threads of this node that have written to a stream, for home's exit.
constinit std::mutex HoldersMutex;
constinit HeldOutput *Holders = nullptr;
/// Home is exiting: what threads write from now on is not held.
constinit std::atomic<bool> HomeEnding{false};

/// io::HomeCall, and after any call but a write: it may have closed,
/// reopened or rebuffered the stream, so the next write asks home again
/// whether it may be held.
struct HomeCall : io::HomeCall {
  using io::HomeCall::HomeCall;
  threads::HomeAnswer send() {
    threads::HomeAnswer A = io::HomeCall::send();
    if (op() != io::Op::Fwrite) {
      std::lock_guard<std::mutex> Lock(Held.Guard);
      Held.Stream = nullptr;
    }
    return A;
  }
};

/// The answer's value; errno is home's when the call failed (negative).
int64_t result(const threads::HomeAnswer &A) {
  return io::answered(A, A.Value < 0);
}

/// A call that is answered by a value alone.
int64_t simple(HomeCall &C) { return result(C.send()); }

/// What the C library answers to a null path or buffer.
template <class T> T badAddress() {
  errno = EFAULT;
  return T(-1);
}

FILE *streamResult(const threads::HomeAnswer &A) {
  if (!A.Value && A.Errno)
    errno = A.Errno;
  return reinterpret_cast<FILE *>(A.Value);
}

uint64_t handle(FILE *F) { return reinterpret_cast<uint64_t>(F); }

namespace remote {

int open(int Dir, const char *Path, int Flags, mode_t Mode) {
  if (!Path)
    return badAddress<int>();
  HomeCall C(io::Op::Open);
  C.args().i32(Dir).str(Path).i32(Flags).u32(Mode);
  return static_cast<int>(simple(C));
}

int intCall(io::Op O, int Fd) {
  HomeCall C(O);
  C.args().i32(Fd);
  return static_cast<int>(simple(C));
}

/// The flags of preadv2 and pwritev2, when the call is one of them (their
/// Offset of -1 means the file's position, home's).
struct V2 {
  bool Is = false;
  int Flags = 0;
};

/// Reads in parts of at most io::Chunk; a part after the first is asked only
/// of a regular file (home checks), so no read waits where one would not.
ssize_t read(int Fd, void *Buf, size_t Bytes, off64_t Offset = -1,
             V2 Two = {}) {
  threads::cancellationPoint(); // a cancellation point: before it
  Local Scope;
  size_t Done = 0;
  for (;;) {
    size_t Want = std::min(Bytes - Done, io::Chunk);
    HomeCall C(Two.Is ? io::Op::Preadv2 : io::Op::Read);
    if (Two.Is)
      C.args()
          .i32(Fd)
          .u64(Want)
          .u64(static_cast<uint64_t>(Offset < 0 ? Offset
                                                : Offset + off64_t(Done)))
          .i32(Two.Flags)
          .u32(Done > 0);
    else
      C.args()
          .i32(Fd)
          .u64(Want)
          .u64(Offset < 0 ? 0 : uint64_t(Offset) + Done + 1)
          .u32(Done > 0);
    threads::HomeAnswer A = C.send();
    if (A.Value < 0) {
      if (Done)
        return static_cast<ssize_t>(Done);
      errno = A.Errno;
      return -1;
    }
    size_t Got = std::min(A.Data.size(), Want);
    std::memcpy(static_cast<char *>(Buf) + Done, A.Data.data(), Got);
    Done += Got;
    if (Got < Want || Done == Bytes)
      return static_cast<ssize_t>(Done);
  }
}

/// Writes in parts of at most io::Chunk, stopping at a short one.
ssize_t write(int Fd, const void *Buf, size_t Bytes, off64_t Offset = -1,
              V2 Two = {}) {
  threads::cancellationPoint(); // a cancellation point: before it
  Local Scope;
  size_t Done = 0;
  do {
    size_t Part = std::min(Bytes - Done, io::Chunk);
    HomeCall C(Two.Is ? io::Op::Pwritev2 : io::Op::Write);
    C.args().i32(Fd);
    if (Two.Is)
      C.args()
          .u64(static_cast<uint64_t>(Offset < 0 ? Offset
                                                : Offset + off64_t(Done)))
          .i32(Two.Flags);
    else
      C.args().u64(Offset < 0 ? 0 : uint64_t(Offset) + Done + 1);
    C.args().bytes(static_cast<const char *>(Buf) + Done, Part);
    threads::HomeAnswer A = C.send();
    if (A.Value < 0) {
      if (Done)
        break;
      errno = A.Errno;
      return -1;
    }
    Done += static_cast<size_t>(A.Value);
    if (static_cast<size_t>(A.Value) < Part)
      break;
  } while (Done < Bytes);
  return static_cast<ssize_t>(Done);
}

ssize_t totalBytes(const struct iovec *Iov, int Count) {
  if (Count < 0 || Count > IOV_MAX)
    return -1;
  size_t Total = 0;
  for (int I = 0; I < Count; ++I) {
    if (Iov[I].iov_len > SSIZE_MAX - Total)
      return -1;
    Total += Iov[I].iov_len;
  }
  return static_cast<ssize_t>(Total);
}

ssize_t readv(int Fd, const struct iovec *Iov, int Count, off64_t Offset = -1,
              V2 Two = {}) {
  threads::cancellationPoint(); // a cancellation point: before it
  ssize_t Total = totalBytes(Iov, Count);
  if (Total < 0) {
    errno = EINVAL;
    return -1;
  }
  Local Scope;
  std::string Buf(static_cast<size_t>(Total), '\0');
  ssize_t N = read(Fd, Buf.data(), Buf.size(), Offset, Two);
  for (size_t Done = 0, I = 0; N > 0 && Done < size_t(N); ++I) {
    size_t Part = std::min(Iov[I].iov_len, size_t(N) - Done);
    std::memcpy(Iov[I].iov_base, Buf.data() + Done, Part);
    Done += Part;
  }
  return N;
}

ssize_t writev(int Fd, const struct iovec *Iov, int Count, off64_t Offset = -1,
               V2 Two = {}) {
  threads::cancellationPoint(); // a cancellation point: before it
  ssize_t Total = totalBytes(Iov, Count);
  if (Total < 0) {
    errno = EINVAL;
    return -1;
  }
  Local Scope;
  std::string Buf;
  Buf.reserve(static_cast<size_t>(Total));
  for (int I = 0; I < Count; ++I)
    Buf.append(static_cast<const char *>(Iov[I].iov_base), Iov[I].iov_len);
  return write(Fd, Buf.data(), Buf.size(), Offset, Two);
}

off64_t lseek(int Fd, off64_t Offset, int Whence) {
  HomeCall C(io::Op::Lseek);
  C.args().i32(Fd).u64(static_cast<uint64_t>(Offset)).i32(Whence);
  return simple(C);
}

int statAnswer(HomeCall &C, struct stat *St) {
  threads::HomeAnswer A = C.send();
  if (A.Value >= 0 && A.Data.size() == sizeof *St)
    std::memcpy(St, A.Data.data(), sizeof *St);
  return static_cast<int>(result(A));
}

int fstat(int Fd, struct stat *St) {
  if (!St)
    return badAddress<int>();
  HomeCall C(io::Op::Fstat);
  C.args().i32(Fd);
  return statAnswer(C, St);
}

int fstatat(int Dir, const char *Path, struct stat *St, int Flags) {
  if (!Path || !St)
    return badAddress<int>();
  HomeCall C(io::Op::Stat);
  C.args().i32(Dir).str(Path).i32(Flags);
  return statAnswer(C, St);
}

int faccessat(int Dir, const char *Path, int Mode, int Flags) {
  if (!Path)
    return badAddress<int>();
  HomeCall C(io::Op::Access);
  C.args().i32(Dir).str(Path).i32(Mode).i32(Flags);
  return static_cast<int>(simple(C));
}

int fsync(int Fd, bool DataOnly) {
  HomeCall C(io::Op::Fsync);
  C.args().i32(Fd).u32(DataOnly);
  return static_cast<int>(simple(C));
}

int ftruncate(int Fd, off64_t Length) {
  HomeCall C(io::Op::Ftruncate);
  C.args().i32(Fd).u64(static_cast<uint64_t>(Length));
  return static_cast<int>(simple(C));
}

int truncate(const char *Path, off64_t Length) {
  if (!Path)
    return badAddress<int>();
  HomeCall C(io::Op::Truncate);
  C.args().str(Path).u64(static_cast<uint64_t>(Length));
  return static_cast<int>(simple(C));
}

int unlinkat(int Dir, const char *Path, int Flags) {
  if (!Path)
    return badAddress<int>();
  HomeCall C(io::Op::Unlink);
  C.args().i32(Dir).str(Path).i32(Flags);
  return static_cast<int>(simple(C));
}

int renameat(int FromDir, const char *From, int ToDir, const char *To) {
  if (!From || !To)
    return badAddress<int>();
  HomeCall C(io::Op::Rename);
  C.args().i32(FromDir).str(From).i32(ToDir).str(To);
  return static_cast<int>(simple(C));
}

int mkdirat(int Dir, const char *Path, mode_t Mode) {
  if (!Path)
    return badAddress<int>();
  HomeCall C(io::Op::Mkdir);
  C.args().i32(Dir).str(Path).u32(Mode);
  return static_cast<int>(simple(C));
}

char *getcwd(char *Buf, size_t Bytes) {
  std::string Path;
  {
    HomeCall C(io::Op::Getcwd);
    // glibc allocates as much as the path needs when given no buffer.
    C.args().u64(Buf || Bytes ? Bytes : PATH_MAX);
    threads::HomeAnswer A = C.send();
    if (A.Value < 0) {
      errno = A.Errno;
      return nullptr;
    }
    Path = std::move(A.Data);
  }
  if (!Buf) {
    Buf = static_cast<char *>(
        programRealloc(nullptr, std::max(Bytes, Path.size() + 1)));
    if (!Buf) {
      errno = ENOMEM;
      return nullptr;
    }
  }
  std::memcpy(Buf, Path.c_str(), Path.size() + 1);
  return Buf;
}

int chdir(const char *Path) {
  if (!Path)
    return badAddress<int>();
  HomeCall C(io::Op::Chdir);
  C.args().str(Path);
  return static_cast<int>(simple(C));
}

int dup(int Fd, int To, int Flags) {
  HomeCall C(io::Op::Dup);
  C.args().i32(Fd).i32(To).i32(Flags);
  return static_cast<int>(simple(C));
}

bool locksRecord(int Command) {
  return Command == F_GETLK || Command == F_SETLK || Command == F_SETLKW ||
         Command == F_OFD_GETLK || Command == F_OFD_SETLK ||
         Command == F_OFD_SETLKW;
}

/// The commands whose argument is an integer, or a record lock.
bool forwardedCommand(int Command) {
  switch (Command) {
  case F_DUPFD:
  case F_DUPFD_CLOEXEC:
  case F_GETFD:
  case F_SETFD:
  case F_GETFL:
  case F_SETFL:
  case F_GETOWN:
  case F_SETOWN:
  case F_GETSIG:
  case F_SETSIG:
  case F_GETLEASE:
  case F_SETLEASE:
  case F_NOTIFY:
  case F_GETPIPE_SZ:
  case F_SETPIPE_SZ:
  case F_ADD_SEALS:
  case F_GET_SEALS:
    return true;
  default:
    return locksRecord(Command);
  }
}

int fcntl(int Fd, int Command, void *Arg) {
  if (!forwardedCommand(Command)) {
    errno = EINVAL;
    return -1;
  }
  threads::HomeAnswer A;
  {
    HomeCall C(io::Op::Fcntl);
    C.args().i32(Fd).i32(Command).u64(reinterpret_cast<uint64_t>(Arg));
    if (locksRecord(Command)) {
      if (!Arg)
        return badAddress<int>();
      C.args().bytes(Arg, sizeof(struct flock));
    } else {
      C.args().str({});
    }
    A = C.send();
  }
  if (locksRecord(Command) && A.Data.size() == sizeof(struct flock))
    std::memcpy(Arg, A.Data.data(), sizeof(struct flock));
  return static_cast<int>(result(A));
}

int pipe(int Fds[2], int Flags) {
  if (!Fds)
    return badAddress<int>();
  HomeCall C(io::Op::Pipe);
  C.args().i32(Flags);
  threads::HomeAnswer A = C.send();
  if (A.Value == 0 && A.Data.size() == 2 * sizeof(int))
    std::memcpy(Fds, A.Data.data(), 2 * sizeof(int));
  return static_cast<int>(result(A));
}

int isatty(int Fd) {
  HomeCall C(io::Op::Isatty);
  C.args().i32(Fd);
  threads::HomeAnswer A = C.send();
  if (!A.Value)
    errno = A.Errno;
  return static_cast<int>(A.Value);
}

/// A string home answered, kept for the life of the process at a fixed
/// address (what getenv and setlocale return must stay valid), in the
/// program's heap, so that the thread may hand it to a thread elsewhere.
/// The index of what is kept is the agent's own.
const char *keep(std::string_view Text) {
  static std::mutex *Mutex = new std::mutex;
  static std::map<std::string, char *, std::less<>> *Kept = [] {
    Local Scope;
    return new std::map<std::string, char *, std::less<>>;
  }();
  std::lock_guard<std::mutex> Lock(*Mutex);
  if (auto It = Kept->find(Text); It != Kept->end())
    return It->second;
  auto *Copy = static_cast<char *>(programRealloc(nullptr, Text.size() + 1));
  if (!Copy)
    return nullptr;
  std::memcpy(Copy, Text.data(), Text.size());
  Copy[Text.size()] = '\0';
  Local Scope;
  Kept->emplace(std::string(Text), Copy);
  return Copy;
}

pid_t getpid() {
  // Home's pid does not change.
  static std::atomic<pid_t> Home{0};
  if (pid_t P = Home.load(std::memory_order_relaxed))
    return P;
  HomeCall C(io::Op::Getpid);
  auto P = static_cast<pid_t>(C.send().Value);
  Home.store(P, std::memory_order_relaxed);
  return P;
}

pid_t getppid() {
  HomeCall C(io::Op::Getppid);
  return static_cast<pid_t>(C.send().Value);
}

char *getenv(const char *Name) {
  if (!Name)
    return nullptr;
  HomeCall C(io::Op::Getenv);
  C.args().str(Name);
  threads::HomeAnswer A = C.send();
  return A.Value ? const_cast<char *>(keep(A.Data)) : nullptr;
}

int setenv(const char *Name, const char *Value, int Overwrite) {
  if (!Name || !Value)
    return badAddress<int>();
  HomeCall C(io::Op::Setenv);
  C.args().str(Name).str(Value).i32(Overwrite);
  int Result = static_cast<int>(simple(C));
  // And here, for what the C library reads itself (TZ for localtime).
  if (Result == 0)
    REAL(setenv)(Name, Value, Overwrite);
  return Result;
}

int unsetenv(const char *Name) {
  if (!Name)
    return badAddress<int>();
  HomeCall C(io::Op::Unsetenv);
  C.args().str(Name);
  int Result = static_cast<int>(simple(C));
  if (Result == 0)
    REAL(unsetenv)(Name);
  return Result;
}

int putenv(char *Text) {
  if (!Text)
    return badAddress<int>();
  const char *Equals = std::strchr(Text, '=');
  if (!Equals)
    return unsetenv(Text);
  int Result;
  {
    HomeCall C(io::Op::Setenv);
    C.args()
        .str(std::string_view(Text, size_t(Equals - Text)))
        .str(Equals + 1)
        .i32(1);
    Result = static_cast<int>(simple(C));
  }
  if (Result == 0)
    REAL(putenv)(Text);
  return Result;
}

char *setlocale(int Category, const char *Locale) {
  HomeCall C(io::Op::Setlocale);
  C.args().i32(Category).u32(Locale == nullptr).str(Locale ? Locale : "");
  threads::HomeAnswer A = C.send();
  if (!A.Value)
    return nullptr;
  // Formatting happens here (printf's digits): the same locale here, as
  // home resolved it ("" names the environment's, which is home's).
  if (Locale) {
    std::string Name(A.Data);
    REAL(setlocale)(Category, Name.c_str());
  }
  return const_cast<char *>(keep(A.Data));
}

// --- Streams: FILE pointers are home's -------------------------------------

FILE *fopen(const char *Path, const char *Mode) {
  if (!Path || !Mode)
    return errno = EFAULT, nullptr;
  HomeCall C(io::Op::Fopen);
  C.args().str(Path).str(Mode);
  return streamResult(C.send());
}

FILE *fdopen(int Fd, const char *Mode) {
  if (!Mode)
    return errno = EFAULT, nullptr;
  HomeCall C(io::Op::Fdopen);
  C.args().i32(Fd).str(Mode);
  return streamResult(C.send());
}

FILE *freopen(const char *Path, const char *Mode, FILE *F) {
  if (!Mode)
    return errno = EFAULT, nullptr;
  HomeCall C(io::Op::Freopen);
  C.args().u32(Path != nullptr).str(Path ? Path : "").str(Mode).u64(handle(F));
  return streamResult(C.send());
}

/// A call on a stream that answers an int (EOF and errno on failure).
int streamCall(io::Op O, FILE *F) {
  HomeCall C(O);
  C.args().u64(handle(F));
  threads::HomeAnswer A = C.send();
  if (A.Errno)
    errno = A.Errno;
  return static_cast<int>(A.Value);
}

int streamCall(io::Op O, FILE *F, int Arg) {
  HomeCall C(O);
  C.args().u64(handle(F)).i32(Arg);
  threads::HomeAnswer A = C.send();
  if (A.Errno)
    errno = A.Errno;
  return static_cast<int>(A.Value);
}

/// fwrite's bytes, in parts of at most io::Chunk: the bytes written.
/// MayHold: whether home's answer to the last part lets the next writes
/// to F be held.
size_t sendStream(FILE *F, const char *Bytes, size_t Size, bool &MayHold) {
  Local Scope;
  size_t Done = 0;
  MayHold = false;
  while (Done < Size) {
    size_t Part = std::min(Size - Done, io::Chunk);
    HomeCall C(io::Op::Fwrite);
    C.args().u64(handle(F)).bytes(Bytes + Done, Part);
    threads::HomeAnswer A = C.send();
    MayHold = A.Data == "1" && static_cast<size_t>(A.Value) == Part;
    Done += static_cast<size_t>(A.Value);
    if (static_cast<size_t>(A.Value) < Part) {
      errno = A.Errno;
      break;
    }
  }
  return Done;
}

/// Sends what is held, under Held.Guard. A failure sets the stream's error
/// at home, where ferror finds it, as a buffered write's failure does.
void sendHeld() {
  if (!Held.Size)
    return;
  size_t Size = Held.Size;
  Held.Size = 0;
  Held.Sending = true;
  Held.MayHold = false;
  sendStream(Held.Stream, Held.Bytes, Size, Held.MayHold);
  Held.Sending = false;
}

void listHeld() {
  std::lock_guard<std::mutex> Lock(HoldersMutex);
  Held.Prev = nullptr;
  Held.Next = Holders;
  if (Holders)
    Holders->Prev = &Held;
  Holders = &Held;
  Held.Listed = true;
}

void unlistHeld() {
  std::lock_guard<std::mutex> Lock(HoldersMutex);
  (Held.Prev ? Held.Prev->Next : Holders) = Held.Next;
  if (Held.Next)
    Held.Next->Prev = Held.Prev;
  Held.Listed = false;
}

/// Sends what is held (threads::setHeldOutput). Final: the thread ends;
/// nothing more is held, and home's exit no longer looks here.
void flushHeld(bool Final) {
  if (Held.Sending)
    return; // the call home of what is being sent
  {
    std::lock_guard<std::mutex> Lock(Held.Guard);
    sendHeld();
    if (Final) {
      Local Scope;
      std::free(Held.Bytes);
      Held.Bytes = nullptr;
      Held.Size = Held.Capacity = 0;
      Held.Stream = nullptr;
      Held.Ended = true;
    }
  }
  if (Final && Held.Listed)
    unlistHeld();
}

/// Appends Bytes to what is held, under Held.Guard, when F's may be held.
bool hold(FILE *F, const void *Buf, size_t Bytes) {
  if (Held.Stream != F || !Held.MayHold || Held.Ended ||
      Bytes >= HoldSmallerThan || HomeEnding.load(std::memory_order_relaxed))
    return false;
  if (Held.Size + Bytes > Held.Capacity) {
    Local Scope;
    size_t Want = std::max(Held.Size + Bytes, HoldAtMost);
    auto *Grown = static_cast<char *>(std::realloc(Held.Bytes, Want));
    if (!Grown)
      return false;
    Held.Bytes = Grown;
    Held.Capacity = Want;
  }
  std::memcpy(Held.Bytes + Held.Size, Buf, Bytes);
  Held.Size += Bytes;
  return true;
}

/// fwrite's bytes, held or sent: the bytes written.
size_t writeStream(FILE *F, const void *Buf, size_t Bytes) {
  if (!Held.Listed && !Held.Ended)
    listHeld();
  {
    std::lock_guard<std::mutex> Lock(Held.Guard);
    if (hold(F, Buf, Bytes)) {
      if (Held.Size >= HoldAtMost)
        sendHeld();
      return Bytes;
    }
  }
  flushHeld(false);
  bool MayHold;
  size_t Done = sendStream(F, static_cast<const char *>(Buf), Bytes, MayHold);
  std::lock_guard<std::mutex> Lock(Held.Guard);
  Held.Stream = F;
  Held.MayHold = MayHold;
  return Done;
}

size_t fwrite(const void *Buf, size_t Size, size_t Count, FILE *F) {
  if (!Size || !Count)
    return 0;
  if (Count > SIZE_MAX / Size) {
    errno = EINVAL;
    return 0;
  }
  return writeStream(F, Buf, Size * Count) / Size;
}

int putc(int C, FILE *F) {
  auto Byte = static_cast<unsigned char>(C);
  return writeStream(F, &Byte, 1) == 1 ? Byte : EOF;
}

int fputs(const char *Text, FILE *F) {
  size_t Bytes = std::strlen(Text);
  return writeStream(F, Text, Bytes) == Bytes ? 1 : EOF;
}

int puts(const char *Text) {
  Local Scope;
  std::string Line(Text);
  Line += '\n';
  if (writeStream(stdout, Line.data(), Line.size()) != Line.size())
    return EOF;
  return static_cast<int>(std::min<size_t>(Line.size(), INT_MAX));
}

/// printf's text, formatted here (in the locale home has, setlocale), then
/// written to home's stream in one call: a line from each thread stays
/// whole.
bool format(std::string &Text, const char *Format, va_list Args) {
  va_list Copy;
  va_copy(Copy, Args);
  char Small[1024];
  int N = vsnprintf(Small, sizeof Small, Format, Copy);
  va_end(Copy);
  if (N < 0)
    return false;
  if (static_cast<size_t>(N) < sizeof Small) {
    Text.assign(Small, static_cast<size_t>(N));
    return true;
  }
  Text.resize(static_cast<size_t>(N));
  vsnprintf(Text.data(), Text.size() + 1, Format, Args);
  return true;
}

int vfprintf(FILE *F, const char *Format, va_list Args) {
  Local Scope;
  std::string Text;
  if (!format(Text, Format, Args))
    return -1;
  if (writeStream(F, Text.data(), Text.size()) < Text.size())
    return -1;
  return static_cast<int>(Text.size());
}

int vdprintf(int Fd, const char *Format, va_list Args) {
  Local Scope;
  std::string Text;
  if (!format(Text, Format, Args))
    return -1;
  ssize_t N = write(Fd, Text.data(), Text.size());
  return N < 0 ? -1 : static_cast<int>(N);
}

//===----------------------------------------------------------------------===//
// The C library's messages on stderr (perror, psignal, error, warn, err,
// assert...), worded as it words them and written to home's stderr in one
// call. Inside the C library they would go to the agent's own stderr, a
// pipe whose bytes reach home another way: here each keeps its place among
// the thread's other output, with no look at the pipe on every call
// (threads' sendToShadow).
//===----------------------------------------------------------------------===//

void writeMessage(const std::string &Text) {
  int Saved = errno;
  writeStream(stderr, Text.data(), Text.size());
  errno = Saved;
}

std::string errorText(int Errnum) {
  char Buf[256];
  return strerror_r(Errnum, Buf, sizeof Buf);
}

/// "S: " when S says something, as perror and psignal begin.
std::string prefixOf(const char *S) {
  return S && *S ? std::string(S) + ": " : std::string();
}

void perror(const char *S) {
  int Errnum = errno;
  Local Scope;
  writeMessage(prefixOf(S) + errorText(Errnum) + "\n");
}

void psignal(int Signal, const char *S) {
  Local Scope;
  writeMessage(prefixOf(S) +
               (sigdescr_np(Signal)
                    ? std::string(strsignal(Signal))
                    : "Unknown signal " + std::to_string(Signal)) +
               "\n");
}

void herror(const char *S) {
  Local Scope;
  writeMessage(prefixOf(S) + hstrerror(h_errno) + "\n");
}

/// error, and error_at_line with At (File may be null): the message is
/// formatted here and written by home's error with status 0, which flushes
/// home's stdout, counts it in error_message_count and asks
/// error_print_progname and error_one_per_line (a Shared call: where the
/// executable holds copies of these, in the shared globals, home reads the
/// thread's and the thread reads home's). Then exit(Status), unless Status
/// is 0 or error_one_per_line kept the message back, as glibc does.
void error(int Status, int Errnum, bool At, const char *File, unsigned Line,
           const char *Format, va_list Args) {
  int64_t Written;
  {
    Local Scope;
    std::string Message;
    if (!format(Message, Format, Args))
      Message.clear();
    HomeCall C(io::Op::Error, /*Shared=*/true);
    C.args()
        .i32(Errnum)
        .u32(At)
        .u32(File != nullptr)
        .str(File ? File : "")
        .u32(Line)
        .str(Message);
    Written = C.send().Value;
  }
  if (Status && Written)
    ::exit(Status); // home's exit (remoteCaller again, outside the scope)
}

/// vwarn (WithErrno) and vwarnx; err and errx add exit.
void warn(bool WithErrno, const char *Format, va_list Args) {
  int Errnum = errno;
  Local Scope;
  std::string Text = std::string(program_invocation_short_name) + ": ";
  std::string Message;
  if (Format && format(Message, Format, Args))
    Text += Message;
  if (WithErrno)
    Text += (Format ? ": " : "") + errorText(Errnum);
  writeMessage(Text + "\n");
  errno = Errnum;
}

/// __assert_fail (Assertion) and __assert_perror_fail (Errnum): the message,
/// home's stderr flushed (it may be buffered), then abort, which ends the
/// agent with SIGABRT as it would end home.
[[noreturn]] void assertFailed(const char *Assertion, int Errnum,
                               const char *File, unsigned Line,
                               const char *Function) {
  {
    Local Scope;
    std::string Name = program_invocation_short_name;
    writeMessage(
        Name + (Name.empty() ? "" : ": ") + File + ":" + std::to_string(Line) +
        ": " + (Function ? std::string(Function) + ": " : std::string()) +
        (Assertion ? "Assertion `" + std::string(Assertion) + "' failed."
                   : "Unexpected error: " + errorText(Errnum) + ".") +
        "\n");
    streamCall(io::Op::Fflush, stderr);
  }
  abort();
}

/// backtrace_symbols_fd: the C library's own lines, written into a memory
/// file of the node's, then in one write to home's Fd.
void backtraceSymbols(void *const *Frames, int Count, int Fd) {
  Local Scope;
  int Memory = REAL(memfd_create)("grid-backtrace", MFD_CLOEXEC);
  if (Memory < 0)
    return;
  REAL(backtrace_symbols_fd)(Frames, Count, Memory);
  std::string Text;
  char Buf[4096];
  REAL(lseek)(Memory, 0, SEEK_SET);
  for (ssize_t N; (N = REAL(read)(Memory, Buf, sizeof Buf)) > 0;)
    Text.append(Buf, static_cast<size_t>(N));
  REAL(close)(Memory);
  write(Fd, Text.data(), Text.size());
}

size_t fread(void *Buf, size_t Size, size_t Count, FILE *F) {
  if (!Size || !Count)
    return 0;
  if (Count > SIZE_MAX / Size) {
    errno = EINVAL;
    return 0;
  }
  Local Scope;
  size_t Bytes = Size * Count, Done = 0;
  while (Done < Bytes) {
    size_t Want = std::min(Bytes - Done, io::Chunk);
    HomeCall C(io::Op::Fread);
    C.args().u64(handle(F)).u64(Want);
    threads::HomeAnswer A = C.send();
    size_t Got = std::min(A.Data.size(), Want);
    std::memcpy(static_cast<char *>(Buf) + Done, A.Data.data(), Got);
    Done += Got;
    if (Got < Want) {
      if (A.Errno)
        errno = A.Errno;
      break;
    }
  }
  return Done / Size;
}

char *fgets(char *Buf, int Bytes, FILE *F) {
  if (Bytes <= 0) {
    errno = EINVAL;
    return nullptr;
  }
  Local Scope;
  // A line longer than a part comes in several.
  size_t Done = 0, Room = size_t(Bytes) - 1;
  while (Done < Room) {
    size_t Want = std::min(Room - Done, io::Chunk - 1);
    HomeCall C(io::Op::Fgets);
    C.args().u64(handle(F)).i32(static_cast<int>(Want + 1));
    threads::HomeAnswer A = C.send();
    if (!A.Value) {
      if (A.Errno)
        errno = A.Errno;
      if (!Done)
        return nullptr;
      break;
    }
    size_t Got = std::min(A.Data.size(), Want);
    std::memcpy(Buf + Done, A.Data.data(), Got);
    Done += Got;
    if (Got < Want || (Got && Buf[Done - 1] == '\n'))
      break;
  }
  Buf[Done] = '\0';
  return Buf;
}

ssize_t getdelim(char **Line, size_t *Bytes, int Delimiter, FILE *F) {
  if (!Line || !Bytes) {
    errno = EINVAL;
    return -1;
  }
  std::string Text;
  {
    HomeCall C(io::Op::Getdelim);
    C.args().u64(handle(F)).i32(Delimiter);
    threads::HomeAnswer A = C.send();
    if (A.Value < 0) {
      if (A.Errno)
        errno = A.Errno;
      return -1;
    }
    Text = std::move(A.Data);
  }
  if (!*Line || *Bytes < Text.size() + 1) {
    size_t Want = std::max<size_t>(Text.size() + 1, 120);
    auto *Grown = static_cast<char *>(programRealloc(*Line, Want));
    if (!Grown) {
      errno = ENOMEM;
      return -1;
    }
    *Line = Grown;
    *Bytes = Want;
  }
  std::memcpy(*Line, Text.c_str(), Text.size() + 1);
  return static_cast<ssize_t>(Text.size());
}

int fseek(FILE *F, off64_t Offset, int Whence) {
  HomeCall C(io::Op::Fseek);
  C.args().u64(handle(F)).u64(static_cast<uint64_t>(Offset)).i32(Whence);
  return static_cast<int>(simple(C));
}

off64_t ftell(FILE *F) {
  HomeCall C(io::Op::Ftell);
  C.args().u64(handle(F));
  return simple(C);
}

/// fscanf: run at home on the caller's va_list, whose areas and targets are
/// the thread's memory, read and written there through the DSM (a target
/// outside the shared memory, in a library's own data, is not supported).
int vfscanf(FILE *F, const char *Format, va_list Args) {
  if (!Format)
    return badAddress<int>();
  HomeCall C(io::Op::Vfscanf, /*Shared=*/true);
  C.args().u64(handle(F)).str(Format).bytes(Args, sizeof(va_list));
  threads::HomeAnswer A = C.send();
  if (A.Value == EOF && A.Errno)
    errno = A.Errno;
  return static_cast<int>(A.Value);
}

pid_t homeWait4(pid_t Pid, int *Status, int Options, struct rusage *Usage) {
  HomeCall C(io::Op::Wait4);
  C.args().i32(Pid).i32(Options);
  threads::HomeAnswer A = C.send();
  struct {
    int Status;
    struct rusage Usage;
  } Out;
  if (A.Value > 0 && A.Data.size() == sizeof Out) {
    std::memcpy(&Out, A.Data.data(), sizeof Out);
    if (Status)
      *Status = Out.Status;
    if (Usage)
      *Usage = Out.Usage;
  }
  return static_cast<pid_t>(result(A));
}

/// wait4 of the node's child Pid, on the node; it is forgotten once it
/// has ended (not when it only stopped or went on). While the program
/// ignores SIGCHLD (SIG_IGN or SA_NOCLDWAIT, threads::
/// programIgnoresChildren), a child that ended is reaped unseen, as the
/// kernel reaps it in a process whose action that is: the wait fails with
/// ECHILD once it has ended.
pid_t waitNodeChild(pid_t Pid, int *Status, int Options,
                    struct rusage *Usage = nullptr) {
  int Got = 0;
  pid_t R = REAL(wait4)(Pid, &Got, Options, Usage);
  if (R > 0) {
    bool Ended = WIFEXITED(Got) || WIFSIGNALED(Got);
    if (Ended && threads::programIgnoresChildren()) {
      io::forgetReapedNodeChild(R);
      errno = ECHILD;
      return -1;
    }
    if (Ended)
      io::forgetNodeChild(R);
    if (Status)
      *Status = Got;
  } else if (R < 0 && errno == ECHILD) {
    // Reaped another way (waitid, a SIGCHLD ignored or handled): no longer
    // the node's, and the number may be home's now.
    io::forgetNodeChild(Pid);
  }
  return R;
}

/// Whether Pid is still a child of this node's (not reaped another way),
/// without reaping it.
bool nodeChildLives(pid_t Pid) {
  if (!io::isNodeChild(Pid))
    return false;
  io::reapIgnoredNodeChildren();
  if (!io::isNodeChild(Pid))
    return false;
  siginfo_t Info;
  if (REAL(waitid)(P_PID, static_cast<id_t>(Pid), &Info,
                   WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) == 0)
    return true;
  io::forgetNodeChild(Pid);
  return false;
}

/// waitpid, wait4 and the like of any child (-1): the node's children the
/// thread forked and home's are looked at in turn without waiting, every
/// millisecond until one has changed (or once, with WNOHANG); home's alone
/// once the node has none. Home(Options) asks home.
template <class HomeWait>
pid_t waitAnyChild(int *Status, int Options, struct rusage *Usage,
                   HomeWait Home) {
  int Saved = errno;
  for (;;) {
    pid_t Mine[io::MaxNodeChildren];
    size_t Count = io::nodeChildren(Mine, io::MaxNodeChildren);
    bool Live = false;
    for (size_t I = 0; I < Count; ++I) {
      pid_t R = waitNodeChild(Mine[I], Status, Options | WNOHANG, Usage);
      if (R > 0) {
        errno = Saved;
        return R;
      }
      Live |= R == 0;
    }
    if (!Live) // none of the node's left: home's alone
      return Home(Options);
    pid_t R = Home(Options | WNOHANG);
    if (R > 0 || (R < 0 && errno != ECHILD))
      return R;
    errno = Saved;
    if (Options & WNOHANG)
      return 0; // the node's children are there, none has changed
    struct timespec Pause = {0, 1000000};
    nanosleep(&Pause, nullptr);
  }
}

/// waitpid, wait4 and wait3: a child the thread forked is the node's and is
/// waited for here; any child (-1) while the node holds some, here and at
/// home in turn; the others at home.
pid_t wait4(pid_t Pid, int *Status, int Options, struct rusage *Usage) {
  if (Pid > 0 && nodeChildLives(Pid))
    return waitNodeChild(Pid, Status, Options, Usage);
  if (io::reapedNodeChild(Pid)) {
    errno = ECHILD;
    return -1;
  }
  if (Pid != -1)
    return homeWait4(Pid, Status, Options, Usage);
  return waitAnyChild(Status, Options, Usage, [&](int Opts) {
    return homeWait4(-1, Status, Opts, Usage);
  });
}

/// waitid: a child the thread forked (P_PID) here, anything else at home
/// (P_ALL does not look at the node's children).
int waitid(idtype_t Type, id_t Id, siginfo_t *Info, int Options) {
  if (Type == P_PID && nodeChildLives(static_cast<pid_t>(Id))) {
    int R = REAL(waitid)(Type, Id, Info, Options);
    if (R == 0 && Info && !(Options & WNOWAIT) &&
        Info->si_pid == static_cast<pid_t>(Id) &&
        (Info->si_code == CLD_EXITED || Info->si_code == CLD_KILLED ||
         Info->si_code == CLD_DUMPED)) {
      if (threads::programIgnoresChildren()) { // reaped unseen (wait4)
        io::forgetReapedNodeChild(static_cast<pid_t>(Id));
        errno = ECHILD;
        return -1;
      }
      io::forgetNodeChild(static_cast<pid_t>(Id));
    }
    return R;
  }
  if (Type == P_PID && io::reapedNodeChild(static_cast<pid_t>(Id))) {
    errno = ECHILD;
    return -1;
  }
  if (!Info)
    return badAddress<int>();
  HomeCall C(io::Op::Waitid);
  C.args().i32(Type).u64(Id).i32(Options);
  threads::HomeAnswer A = C.send();
  if (A.Value == 0 && A.Data.size() == sizeof *Info)
    std::memcpy(Info, A.Data.data(), sizeof *Info);
  return static_cast<int>(result(A));
}

int kill(pid_t Pid, int Signal) {
  // A child the thread forked here, or the process group one of them
  // leads (setpgid(0, 0) in the child), is the node's.
  // A group whose leader the node reaped unseen may still have members
  // there; a child it reaped so is gone (ESRCH, as the kernel answers).
  if ((Pid > 0 && nodeChildLives(Pid)) ||
      (Pid < -1 && (nodeChildLives(-Pid) || io::reapedNodeChild(-Pid))))
    return REAL(kill)(Pid, Signal);
  if (Pid > 0 && io::reapedNodeChild(Pid)) {
    errno = ESRCH;
    return -1;
  }
  HomeCall C(io::Op::Kill);
  C.args().i32(Pid).i32(Signal);
  return static_cast<int>(simple(C));
}

int poll(struct pollfd *Fds, nfds_t Count, int Timeout) {
  threads::cancellationPoint(); // a cancellation point: before it
  if (Count > io::Chunk / sizeof *Fds) {
    errno = EINVAL;
    return -1;
  }
  HomeCall C(io::Op::Poll);
  C.args().bytes(Fds, Count * sizeof *Fds).i32(Timeout);
  threads::HomeAnswer A = C.send();
  if (A.Value >= 0 && A.Data.size() == Count * sizeof *Fds)
    std::memcpy(Fds, A.Data.data(), A.Data.size());
  return static_cast<int>(result(A));
}

/// The signal mask a wait is given (ppoll, pselect), after its other
/// arguments.
void waitMask(HomeCall &C, const sigset_t *Mask) {
  C.args().u32(Mask != nullptr);
  if (Mask)
    C.args().bytes(Mask, sizeof *Mask);
  else
    C.args().str({});
}

/// select and pselect: the sets and the timeout go by value; home answers
/// the three sets, then Back bytes (select's timeout, which Linux changes).
/// The sets change even when the call fails. Only the bytes of the first
/// Count descriptors are read and written, as the kernel does (a program
/// may size its sets so); descriptors from FD_SETSIZE on are not served.
threads::HomeAnswer sendSets(io::Op O, int Count, fd_set *const Sets[3],
                             const void *Timeout, size_t TimeoutBytes,
                             size_t Back, const sigset_t *Mask = nullptr) {
  size_t Words =
      (static_cast<size_t>(std::max(Count, 0)) + NFDBITS - 1) / NFDBITS;
  size_t Bytes = std::min(sizeof(fd_set), Words * sizeof(fd_mask));
  HomeCall C(O, /*Shared=*/Mask != nullptr);
  C.args().i32(Count);
  for (int I = 0; I < 3; ++I) {
    C.args().u32(Sets[I] != nullptr);
    if (Sets[I])
      C.args().bytes(Sets[I], Bytes);
    else
      C.args().str({});
  }
  C.args().u32(Timeout != nullptr);
  if (Timeout)
    C.args().bytes(Timeout, TimeoutBytes);
  else
    C.args().str({});
  if (O == io::Op::Pselect)
    waitMask(C, Mask);
  threads::HomeAnswer A = C.send();
  if (A.Data.size() != 3 * sizeof(fd_set) + Back)
    A.Data.clear();
  for (int I = 0; I < 3 && !A.Data.empty(); ++I)
    if (Sets[I])
      std::memcpy(Sets[I], A.Data.data() + I * sizeof(fd_set), Bytes);
  return A;
}

int select(int Count, fd_set *Read, fd_set *Write, fd_set *Except,
           struct timeval *Timeout) {
  threads::cancellationPoint(); // a cancellation point: before it
  fd_set *Sets[3] = {Read, Write, Except};
  threads::HomeAnswer A = sendSets(io::Op::Select, Count, Sets, Timeout,
                                   sizeof *Timeout, sizeof *Timeout);
  if (Timeout && !A.Data.empty())
    std::memcpy(Timeout, A.Data.data() + 3 * sizeof(fd_set), sizeof *Timeout);
  return static_cast<int>(result(A));
}

ssize_t readlinkat(int Dir, const char *Path, char *Buf, size_t Bytes) {
  if (!Path || !Buf)
    return badAddress<ssize_t>();
  HomeCall C(io::Op::Readlink);
  C.args().i32(Dir).str(Path).u64(Bytes);
  threads::HomeAnswer A = C.send();
  if (A.Value > 0)
    std::memcpy(Buf, A.Data.data(), std::min(A.Data.size(), Bytes));
  return result(A);
}

int symlinkat(const char *Target, int Dir, const char *Path) {
  if (!Target || !Path)
    return badAddress<int>();
  HomeCall C(io::Op::Symlink);
  C.args().str(Target).i32(Dir).str(Path);
  return static_cast<int>(simple(C));
}

int linkat(int FromDir, const char *From, int ToDir, const char *To,
           int Flags) {
  if (!From || !To)
    return badAddress<int>();
  HomeCall C(io::Op::Link);
  C.args().i32(FromDir).str(From).i32(ToDir).str(To).i32(Flags);
  return static_cast<int>(simple(C));
}

int fchmodat(int Dir, const char *Path, mode_t Mode, int Flags) {
  if (!Path)
    return badAddress<int>();
  HomeCall C(io::Op::Chmod);
  C.args().i32(Dir).str(Path).u32(Mode).i32(Flags);
  return static_cast<int>(simple(C));
}

int fchmod(int Fd, mode_t Mode) {
  HomeCall C(io::Op::Fchmod);
  C.args().i32(Fd).u32(Mode);
  return static_cast<int>(simple(C));
}

/// A FILE or DIR home made: it lies in home's heap, in the shared memory.
bool homeObject(const void *P) {
  dsm::Space *S = threads::space();
  return !S || S->contains(P);
}

/// A stream of home's: one home opened or its stdin, stdout or stderr. A
/// stream made on this node by a call that is not carried home
/// (open_memstream, fmemopen, fopencookie) is the node's own.
bool homeStream(FILE *F) {
  return F == stdin || F == stdout || F == stderr || homeObject(F);
}

FILE *tmpfile() {
  HomeCall C(io::Op::Tmpfile);
  return streamResult(C.send());
}

/// mkstemp and its family: the name is made and the file opened at home;
/// the name comes back into Template.
int mkstemp(char *Template, int Flags, int Suffix) {
  if (!Template)
    return badAddress<int>();
  HomeCall C(io::Op::Mkstemp);
  C.args().str(Template).i32(Flags).i32(Suffix);
  threads::HomeAnswer A = C.send();
  if (A.Value >= 0 && A.Data.size() == std::strlen(Template))
    std::memcpy(Template, A.Data.data(), A.Data.size());
  return static_cast<int>(result(A));
}

char *mkdtemp(char *Template) {
  if (!Template)
    return errno = EFAULT, nullptr;
  HomeCall C(io::Op::Mkdtemp);
  C.args().str(Template);
  threads::HomeAnswer A = C.send();
  if (result(A) < 0)
    return nullptr;
  if (A.Data.size() == std::strlen(Template))
    std::memcpy(Template, A.Data.data(), A.Data.size());
  return Template;
}

int pathCall(io::Op O, const char *Path) {
  if (!Path)
    return badAddress<int>();
  HomeCall C(O);
  C.args().str(Path);
  return static_cast<int>(simple(C));
}

char *realpath(const char *Path, char *Resolved) {
  if (!Path) {
    errno = EINVAL;
    return nullptr;
  }
  std::string Text;
  {
    HomeCall C(io::Op::Realpath);
    C.args().str(Path);
    threads::HomeAnswer A = C.send();
    if (result(A) < 0)
      return nullptr;
    Text = std::move(A.Data);
  }
  if (!Resolved) {
    Resolved = static_cast<char *>(programRealloc(nullptr, Text.size() + 1));
    if (!Resolved) {
      errno = ENOMEM;
      return nullptr;
    }
  }
  std::memcpy(Resolved, Text.c_str(), Text.size() + 1);
  return Resolved;
}

int mkfifoat(int Dir, const char *Path, mode_t Mode) {
  if (!Path)
    return badAddress<int>();
  HomeCall C(io::Op::Mkfifo);
  C.args().i32(Dir).str(Path).u32(Mode);
  return static_cast<int>(simple(C));
}

/// Op::Ints, answered by a long (pathconf's, tee's) or an int.
long intsLong(io::IntCall Call, int Fd, const char *Path, uint64_t A,
              uint64_t B = 0, uint64_t C = 0) {
  HomeCall H(io::Op::Ints);
  H.args()
      .i32(static_cast<int32_t>(Call))
      .i32(Fd)
      .str(Path ? Path : "")
      .u64(A)
      .u64(B)
      .u64(C);
  return static_cast<long>(simple(H));
}

int ints(io::IntCall Call, int Fd, const char *Path, uint64_t A, uint64_t B = 0,
         uint64_t C = 0) {
  return static_cast<int>(intsLong(Call, Fd, Path, A, B, C));
}

int sigqueue(pid_t Pid, int Signal, union sigval Value) {
  if (Pid > 0 && nodeChildLives(Pid))
    return REAL(sigqueue)(Pid, Signal, Value);
  if (io::reapedNodeChild(Pid)) {
    errno = ESRCH;
    return -1;
  }
  return ints(io::IntCall::Sigqueue, -1, nullptr, static_cast<uint64_t>(Pid),
              static_cast<uint64_t>(Signal),
              reinterpret_cast<uint64_t>(Value.sival_ptr));
}

/// The C library's random number generators keep one state per process
/// (rand's and random's, and drand48's family's): home's, so a remote
/// thread draws from the sequence main seeded and continues it, as on one
/// machine, rather than from its agent's unseeded copy. Each draw is a
/// round trip; rand_r, erand48, nrand48, jrand48, random_r and C++'s
/// <random> keep their state in the program's memory and run here.
int64_t randomCall(io::RandomCall Call, uint64_t A = 0, uint64_t B = 0,
                   uint64_t C = 0, std::string_view Bytes = {},
                   std::string *Data = nullptr) {
  // initstate and setstate hand home a state in the program's memory.
  bool Shared =
      Call == io::RandomCall::Initstate || Call == io::RandomCall::Setstate;
  HomeCall H(io::Op::Random, Shared);
  H.args().u32(static_cast<uint32_t>(Call)).u64(A).u64(B).u64(C).str(Bytes);
  threads::HomeAnswer Answer = H.send();
  if (Data)
    *Data = std::move(Answer.Data);
  return io::answered(Answer, Shared && Answer.Value == 0);
}

double drand48() {
  int64_t Bits = randomCall(io::RandomCall::Drand48);
  double Value;
  std::memcpy(&Value, &Bits, sizeof Value);
  return Value;
}

unsigned short *seed48(const unsigned short Seed[3]) {
  // The C library answers its own array, which the next call overwrites.
  static unsigned short Old[3];
  std::string Data;
  randomCall(
      io::RandomCall::Seed48, 0, 0, 0,
      std::string_view(reinterpret_cast<const char *>(Seed), 3 * sizeof *Seed),
      &Data);
  std::memcpy(Old, Data.data(), std::min(Data.size(), sizeof Old));
  return Old;
}

/// The timers that raise SIGALRM, SIGVTALRM and SIGPROF are the process's,
/// home's: on the node the signal would reach the agent, where every
/// thread blocks it.
int itimer(int Which, const struct itimerval *New, struct itimerval *Old) {
  HomeCall C(io::Op::Itimer);
  C.args().i32(Which).u32(New != nullptr);
  if (New)
    C.args().bytes(New, sizeof *New);
  else
    C.args().str({});
  threads::HomeAnswer A = C.send();
  if (A.Value == 0 && Old && A.Data.size() == sizeof *Old)
    std::memcpy(Old, A.Data.data(), sizeof *Old);
  return static_cast<int>(result(A));
}

/// sigtimedwait at home (a null Timeout waits for ever): the signals a
/// program waits for come from outside, to home's process.
int sigtimedwait(const sigset_t *Set, siginfo_t *Info,
                 const struct timespec *Timeout) {
  if (!Set)
    return badAddress<int>();
  HomeCall C(io::Op::Sigwait);
  C.args().bytes(Set, sizeof *Set).u32(Timeout != nullptr);
  if (Timeout)
    C.args().bytes(Timeout, sizeof *Timeout);
  else
    C.args().str({});
  threads::HomeAnswer A = C.send();
  if (A.Value > 0 && Info && A.Data.size() == sizeof *Info)
    std::memcpy(Info, A.Data.data(), sizeof *Info);
  return static_cast<int>(result(A));
}

int utimens(int Dir, const char *Path, const struct timespec Times[2],
            int Flags) {
  HomeCall C(io::Op::Utimens);
  C.args().i32(Dir).u32(Path != nullptr).str(Path ? Path : "");
  if (Times)
    C.args().bytes(Times, 2 * sizeof *Times);
  else
    C.args().str({});
  C.args().i32(Flags);
  return static_cast<int>(simple(C));
}

/// utimensat with no path fails, as glibc's does (futimens has none).
int utimensat(int Dir, const char *Path, const struct timespec Times[2],
              int Flags) {
  if (!Path) {
    errno = EINVAL;
    return -1;
  }
  return utimens(Dir, Path, Times, Flags);
}

/// statfs and statvfs (Vfs) of a path, and of a descriptor (statFsFd).
int statFs(bool Vfs, int Fd, const char *Path, void *Out, size_t Bytes) {
  if ((Fd < 0 && !Path) || !Out)
    return badAddress<int>();
  HomeCall C(io::Op::Statfs);
  C.args().u32(Vfs).i32(Fd).str(Path ? Path : "");
  threads::HomeAnswer A = C.send();
  if (A.Value == 0 && A.Data.size() == Bytes)
    std::memcpy(Out, A.Data.data(), Bytes);
  return static_cast<int>(result(A));
}

int statFsFd(bool Vfs, int Fd, void *Out, size_t Bytes) {
  if (Fd < 0) {
    errno = EBADF;
    return -1;
  }
  return statFs(Vfs, Fd, nullptr, Out, Bytes);
}

int setvbuf(FILE *F, int Mode, size_t Size) {
  HomeCall C(io::Op::Setvbuf);
  C.args().u64(handle(F)).i32(Mode).u64(Size);
  return static_cast<int>(simple(C));
}

/// fgetpos and fsetpos as ftello and fseeko: home's streams are byte
/// streams (a wide stream's shift state is not carried).
template <class Pos> int fgetpos(FILE *F, Pos *Where) {
  off64_t At = remote::ftell(F);
  if (At < 0)
    return -1;
  std::memset(Where, 0, sizeof *Where);
  Where->__pos = At;
  return 0;
}

DIR *opendir(bool ByFd, int Fd, const char *Path) {
  if (!ByFd && !Path)
    return errno = EFAULT, nullptr;
  HomeCall C(io::Op::Opendir);
  C.args().u32(ByFd).i32(Fd).str(Path ? Path : "");
  threads::HomeAnswer A = C.send();
  if (!A.Value)
    errno = A.Errno;
  return reinterpret_cast<DIR *>(A.Value);
}

/// The entries last read, one per open DIR of home's (agent's memory).
/// Made on first use: an agent never returns from libgridrt's constructor,
/// so namespace-scope initialisers of this file may never run there.
struct DirEntries {
  std::mutex Mutex;
  std::map<DIR *, struct dirent64> Last;
};
DirEntries &dirEntries() {
  static DirEntries *Entries = [] {
    Local Scope;
    return new DirEntries;
  }();
  return *Entries;
}

int64_t dirCall(io::Op O, DIR *Dir) {
  HomeCall C(O);
  C.args().u64(reinterpret_cast<uint64_t>(Dir));
  return simple(C);
}

struct dirent64 *readdir(DIR *Dir) {
  HomeCall C(io::Op::Readdir);
  C.args().u64(reinterpret_cast<uint64_t>(Dir));
  threads::HomeAnswer A = C.send();
  if (A.Value != 1 || A.Data.size() != sizeof(struct dirent64)) {
    if (A.Errno)
      errno = A.Errno;
    return nullptr; // the end, or an error with errno set
  }
  DirEntries &Entries = dirEntries();
  std::lock_guard<std::mutex> Lock(Entries.Mutex);
  struct dirent64 &Entry = Entries.Last[Dir];
  std::memcpy(&Entry, A.Data.data(), sizeof Entry);
  return &Entry;
}

int closedir(DIR *Dir) {
  {
    Local Scope;
    DirEntries &Entries = dirEntries();
    std::lock_guard<std::mutex> Lock(Entries.Mutex);
    Entries.Last.erase(Dir);
  }
  return static_cast<int>(dirCall(io::Op::Closedir, Dir));
}

/// scandir: home reads the directory; the thread filters and sorts here, as
/// its filter and comparison are its own code. The list and its entries
/// are the program's (it frees them), in its heap.
template <class Entry>
int scandir(int Dir, const char *Path, Entry ***List,
            int (*Filter)(const Entry *),
            int (*Compare)(const Entry **, const Entry **)) {
  if (!Path || !List)
    return badAddress<int>();
  std::string All;
  {
    HomeCall C(io::Op::Scandir);
    C.args().i32(Dir).str(Path);
    threads::HomeAnswer A = C.send();
    if (result(A) < 0)
      return -1;
    All = std::move(A.Data);
  }
  size_t Count = All.size() / sizeof(struct dirent64), Kept = 0;
  auto **Out = static_cast<Entry **>(
      programRealloc(nullptr, (Count ? Count : 1) * sizeof(Entry *)));
  if (!Out) {
    errno = ENOMEM;
    return -1;
  }
  for (size_t I = 0; I < Count; ++I) {
    struct dirent64 Raw;
    std::memcpy(&Raw, All.data() + I * sizeof Raw, sizeof Raw);
    auto *E = reinterpret_cast<Entry *>(&Raw); // the same layout here
    if (Filter && !Filter(E))
      continue;
    auto *Copy = static_cast<Entry *>(programRealloc(nullptr, sizeof Raw));
    if (!Copy) {
      while (Kept)
        std::free(Out[--Kept]);
      std::free(Out);
      errno = ENOMEM;
      return -1;
    }
    std::memcpy(Copy, &Raw, sizeof Raw);
    Out[Kept++] = Copy;
  }
  if (Compare)
    std::qsort(Out, Kept, sizeof *Out,
               reinterpret_cast<int (*)(const void *, const void *)>(Compare));
  *List = Out;
  return static_cast<int>(Kept);
}

int tcgetattr(int Fd, struct termios *Term) {
  if (!Term)
    return badAddress<int>();
  HomeCall C(io::Op::Tcgetattr);
  C.args().i32(Fd);
  threads::HomeAnswer A = C.send();
  if (A.Value == 0 && A.Data.size() == sizeof *Term)
    std::memcpy(Term, A.Data.data(), sizeof *Term);
  return static_cast<int>(result(A));
}

int tcsetattr(int Fd, int When, const struct termios *Term) {
  if (!Term)
    return badAddress<int>();
  HomeCall C(io::Op::Tcsetattr);
  C.args().i32(Fd).i32(When).bytes(Term, sizeof *Term);
  return static_cast<int>(simple(C));
}

/// ttyname_r's error number (0), with the name in Buf.
int ttyname(int Fd, char *Buf, size_t Bytes) {
  std::string Name;
  {
    HomeCall C(io::Op::Ttyname);
    C.args().i32(Fd);
    threads::HomeAnswer A = C.send();
    if (A.Value < 0)
      return A.Errno;
    Name = std::move(A.Data);
  }
  if (!Buf || Name.size() + 1 > Bytes)
    return ERANGE;
  std::memcpy(Buf, Name.c_str(), Name.size() + 1);
  return 0;
}

int renameat2(int FromDir, const char *From, int ToDir, const char *To,
              unsigned Flags) {
  if (!From || !To)
    return badAddress<int>();
  HomeCall C(io::Op::Renameat2);
  C.args().i32(FromDir).str(From).i32(ToDir).str(To).u32(Flags);
  return static_cast<int>(simple(C));
}

int statx(int Dir, const char *Path, int Flags, unsigned Mask,
          struct statx *Out) {
  if (!Path || !Out)
    return badAddress<int>();
  HomeCall C(io::Op::Statx);
  C.args().i32(Dir).str(Path).i32(Flags).u32(Mask);
  threads::HomeAnswer A = C.send();
  if (A.Value == 0 && A.Data.size() == sizeof *Out)
    std::memcpy(Out, A.Data.data(), sizeof *Out);
  return static_cast<int>(result(A));
}

/// A path call of Op::Ints: a null path fails as the kernel fails it.
long pathInts(io::IntCall Call, int Dir, const char *Path, uint64_t A,
              uint64_t B = 0) {
  if (!Path)
    return badAddress<long>();
  return intsLong(Call, Dir, Path, A, B);
}

/// ppoll and pselect wait at home as poll and select do. Their signal
/// mask is not applied: the shadow waits with its own, and no signal of
/// the thread's can end the wait (docs/design/remote-io.md).
int ppoll(struct pollfd *Fds, nfds_t Count, const struct timespec *Timeout,
          const sigset_t *Mask) {
  if (Count > io::Chunk / sizeof *Fds) {
    errno = EINVAL;
    return -1;
  }
  HomeCall C(io::Op::Ppoll, /*Shared=*/Mask != nullptr);
  C.args().bytes(Fds, Count * sizeof *Fds).u32(Timeout != nullptr);
  if (Timeout)
    C.args().bytes(Timeout, sizeof *Timeout);
  else
    C.args().str({});
  waitMask(C, Mask);
  threads::HomeAnswer A = C.send();
  if (A.Value >= 0 && A.Data.size() == Count * sizeof *Fds)
    std::memcpy(Fds, A.Data.data(), A.Data.size());
  return static_cast<int>(result(A));
}

int pselect(int Count, fd_set *Read, fd_set *Write, fd_set *Except,
            const struct timespec *Timeout, const sigset_t *Mask) {
  fd_set *Sets[3] = {Read, Write, Except};
  return static_cast<int>(result(sendSets(io::Op::Pselect, Count, Sets, Timeout,
                                          sizeof *Timeout, 0, Mask)));
}

/// utimes, futimes, lutimes and futimesat: microseconds as nanoseconds (an
/// out-of-range tv_usec stays out of range, and home's call refuses it).
const struct timespec *fromTimevals(const struct timeval Times[2],
                                    struct timespec Spec[2]) {
  if (!Times)
    return nullptr;
  for (int I = 0; I < 2; ++I)
    Spec[I] = {Times[I].tv_sec, Times[I].tv_usec * 1000};
  return Spec;
}

int lutimes(const char *Path, const struct timeval Times[2]) {
  if (!Path)
    return badAddress<int>();
  struct timespec Spec[2];
  return utimens(AT_FDCWD, Path, fromTimevals(Times, Spec),
                 AT_SYMLINK_NOFOLLOW);
}

/// sendfile: the bytes move at home; the offset, when given, comes back as
/// the call left it.
ssize_t sendfile(int Out, int In, off64_t *Offset, size_t Bytes) {
  HomeCall C(io::Op::Sendfile);
  C.args()
      .i32(Out)
      .i32(In)
      .u32(Offset != nullptr)
      .u64(Offset ? static_cast<uint64_t>(*Offset) : 0)
      .u64(Bytes);
  threads::HomeAnswer A = C.send();
  if (Offset && A.Data.size() == sizeof *Offset)
    std::memcpy(Offset, A.Data.data(), sizeof *Offset);
  return result(A);
}

/// copy_file_range and splice (Op::CopyFileRange, Op::Splice), as sendfile.
ssize_t copyRange(io::Op O, int In, off64_t *InOffset, int Out,
                  off64_t *OutOffset, size_t Bytes, unsigned Flags) {
  HomeCall C(O);
  C.args()
      .i32(In)
      .u32(InOffset != nullptr)
      .u64(InOffset ? static_cast<uint64_t>(*InOffset) : 0)
      .i32(Out)
      .u32(OutOffset != nullptr)
      .u64(OutOffset ? static_cast<uint64_t>(*OutOffset) : 0)
      .u64(Bytes)
      .u32(Flags);
  threads::HomeAnswer A = C.send();
  if (A.Data.size() == 2 * sizeof(off64_t)) {
    if (InOffset)
      std::memcpy(InOffset, A.Data.data(), sizeof *InOffset);
    if (OutOffset)
      std::memcpy(OutOffset, A.Data.data() + sizeof(off64_t),
                  sizeof *OutOffset);
  }
  return result(A);
}

/// The *xattr calls: On says how the file is named (Path or Fd). Get and
/// List answer into Out, of Size bytes (0: only the size is asked).
ssize_t readXattr(io::XattrCall Call, io::XattrOn On, int Fd, const char *Path,
                  const char *Name, void *Out, size_t Size) {
  if ((On != io::XattrOn::Fd && !Path) || (Call == io::XattrCall::Get && !Name))
    return badAddress<ssize_t>();
  HomeCall C(io::Op::Xattr);
  C.args()
      .u32(static_cast<uint32_t>(Call))
      .u32(static_cast<uint32_t>(On))
      .i32(Fd)
      .str(Path ? Path : "")
      .str(Name ? Name : "")
      .str({})
      .u64(Size)
      .i32(0);
  threads::HomeAnswer A = C.send();
  if (A.Value > 0 && Size) {
    if (!Out)
      return badAddress<ssize_t>(); // as the kernel's copy to it fails
    std::memcpy(Out, A.Data.data(), std::min(A.Data.size(), Size));
  }
  return result(A);
}

int changeXattr(io::XattrCall Call, io::XattrOn On, int Fd, const char *Path,
                const char *Name, const void *Value, size_t Size, int Flags) {
  if ((On != io::XattrOn::Fd && !Path) || !Name || (!Value && Size))
    return badAddress<int>();
  if (Size > io::Chunk) { // the kernel's limit is far lower (64 KiB)
    errno = E2BIG;
    return -1;
  }
  HomeCall C(io::Op::Xattr);
  C.args()
      .u32(static_cast<uint32_t>(Call))
      .u32(static_cast<uint32_t>(On))
      .i32(Fd)
      .str(Path ? Path : "")
      .str(Name)
      .str(Size ? std::string_view(static_cast<const char *>(Value), Size)
                : std::string_view())
      .u64(Size)
      .i32(Flags);
  return static_cast<int>(simple(C));
}

/// tmpnam's and tempnam's names are made at home (its TMPDIR, its
/// directories, the names free there).
bool tempName(bool Tempnam, const char *Dir, const char *Prefix,
              std::string &Name) {
  HomeCall C(io::Op::Tmpnam);
  C.args()
      .u32(Tempnam)
      .u32(Dir != nullptr)
      .str(Dir ? Dir : "")
      .u32(Prefix != nullptr)
      .str(Prefix ? Prefix : "");
  threads::HomeAnswer A = C.send();
  if (result(A) < 0)
    return false;
  Name = std::move(A.Data);
  return true;
}

/// tmpnam into Buf, or (tmpnam's, when Buf is null) a buffer of this
/// node's, as the C library's own static one.
char *tmpnam(char *Buf, bool Reentrant) {
  static char Own[L_tmpnam];
  if (!Buf && Reentrant)
    return nullptr;
  Local Scope;
  std::string Name;
  if (!tempName(false, nullptr, nullptr, Name) || Name.size() >= L_tmpnam)
    return nullptr;
  char *Out = Buf ? Buf : Own;
  std::memcpy(Out, Name.c_str(), Name.size() + 1);
  return Out;
}

/// tempnam's name, in the program's heap (the caller frees it).
char *tempnam(const char *Dir, const char *Prefix) {
  Local Scope;
  std::string Name;
  if (!tempName(true, Dir, Prefix, Name))
    return nullptr;
  auto *Copy = static_cast<char *>(programRealloc(nullptr, Name.size() + 1));
  if (!Copy) {
    errno = ENOMEM;
    return nullptr;
  }
  std::memcpy(Copy, Name.c_str(), Name.size() + 1);
  return Copy;
}

/// ioctl's requests carry arguments of any shape: none is forwarded. The
/// call fails as on a descriptor that is no terminal, once with a warning.
int ioctl(void *ReturnAddress) {
  static std::atomic<bool> Warned{false};
  if (!Warned.exchange(true)) {
    Local Scope;
    core::log(LogLevel::Warn,
              "ioctl from a thread on another node (" +
                  describeCaller(ReturnAddress) +
                  ") is not forwarded home; it fails with ENOTTY "
                  "(docs/design/remote-io.md)");
  }
  errno = ENOTTY;
  return -1;
}

/// Whether glob's pattern makes it walk several directories, and so free
/// the whole glob_t when it stops: a pattern character (unescaped, unless
/// GLOB_NOESCAPE) before the last '/', or braces to expand.
bool globsSeveralDirectories(std::string_view Pattern, int Flags) {
  if ((Flags & GLOB_BRACE) && Pattern.find('{') != std::string_view::npos)
    return true;
  size_t Slash = Pattern.rfind('/');
  if (Slash == std::string_view::npos)
    return false;
  for (size_t I = 0; I < Slash; ++I) {
    if (Pattern[I] == '\\' && !(Flags & GLOB_NOESCAPE))
      ++I;
    else if (Pattern[I] == '*' || Pattern[I] == '?' || Pattern[I] == '[')
      return true;
  }
  return false;
}

/// glob: home matches the pattern (api/HomeIo.cpp); the list comes back
/// into the thread's glob_t as the C library would have built it, in the
/// program's heap (globfree frees it). The thread's errfunc is called here
/// for each error home met, in order, with errno set; if it asks to stop,
/// glob stops as the C library's would have at that error: GLOB_ABORTED,
/// no match of this call kept, and the whole glob_t freed where the
/// pattern walks several directories (the C library frees it there).
template <class Glob>
int glob(const char *Pattern, int Flags, int (*Errfunc)(const char *, int),
         Glob *Out) {
  if (!Pattern || !Out || (Flags & ~__GLOB_FLAGS)) {
    errno = EINVAL;
    return -1;
  }
  int Result, HomeErrno;
  std::string Data;
  {
    HomeCall C(io::Op::Glob);
    C.args().str(Pattern).i32(Flags).u32(Errfunc != nullptr);
    threads::HomeAnswer A = C.send();
    Result = static_cast<int>(A.Value);
    HomeErrno = A.Errno;
    Data = std::move(A.Data);
  }
  // The entries: gl_flags (when glob set them), the errors, the matches.
  bool FlagsSet = false;
  int HomeFlags = 0;
  size_t Matches = 0;
  for (size_t At = 0; At < Data.size() && Result != GLOB_ABORTED;) {
    size_t End = Data.find('\0', At);
    if (End == std::string::npos)
      break;
    std::string_view Entry(Data.data() + At, End - At);
    if (Entry.starts_with("f")) {
      FlagsSet = true;
      HomeFlags = std::atoi(Data.c_str() + At + 1);
    } else if (Entry.starts_with("e") && Errfunc) {
      size_t Space = Entry.find(' ');
      if (Space != std::string_view::npos) {
        int Errno = std::atoi(Data.c_str() + At + 1);
        errno = Errno;
        if (Errfunc(Data.c_str() + At + Space + 1, Errno) != 0)
          Result = GLOB_ABORTED;
      }
    } else if (Entry.starts_with("p")) {
      ++Matches;
    }
    At = End + 1;
  }
  if (!(Flags & GLOB_APPEND)) {
    Out->gl_pathc = 0;
    if (!(Flags & GLOB_DOOFFS))
      Out->gl_offs = 0;
    Out->gl_pathv = nullptr;
  }
  size_t Offs = (Flags & GLOB_DOOFFS) ? Out->gl_offs : 0;
  if (Result == GLOB_ABORTED) {
    if (globsSeveralDirectories(Pattern, Flags) &&
        (!(Flags & GLOB_APPEND) || !(Flags & GLOB_BRACE))) {
      globfree(reinterpret_cast<glob_t *>(Out));
      Out->gl_pathc = 0;
    }
    errno = HomeErrno ? HomeErrno : errno;
    return GLOB_ABORTED;
  }
  size_t Old = Out->gl_pathc;
  if (Matches || (!Out->gl_pathv && (Flags & GLOB_DOOFFS))) {
    if (Offs > SIZE_MAX / sizeof(char *) - Old - Matches - 1)
      return GLOB_NOSPACE;
    auto **Paths = static_cast<char **>(programRealloc(
        Out->gl_pathv, (Offs + Old + Matches + 1) * sizeof(char *)));
    if (!Paths)
      return GLOB_NOSPACE;
    if (!Out->gl_pathv)
      for (size_t I = 0; I < Offs; ++I)
        Paths[I] = nullptr;
    Out->gl_pathv = Paths;
    size_t Next = Offs + Old;
    for (size_t At = 0; At < Data.size();) {
      size_t End = Data.find('\0', At);
      if (End == std::string::npos)
        break;
      if (Data[At] == 'p') {
        size_t Length = End - At - 1;
        auto *Copy = static_cast<char *>(programRealloc(nullptr, Length + 1));
        if (!Copy) {
          Paths[Next] = nullptr;
          Out->gl_pathc = Next - Offs;
          return GLOB_NOSPACE;
        }
        std::memcpy(Copy, Data.data() + At + 1, Length + 1);
        Paths[Next++] = Copy;
      }
      At = End + 1;
    }
    Paths[Next] = nullptr;
    Out->gl_pathc = Next - Offs;
  }
  if (FlagsSet)
    Out->gl_flags = HomeFlags | (Flags & (GLOB_APPEND | GLOB_DOOFFS));
  if (HomeErrno)
    errno = HomeErrno;
  return Result;
}

/// nftw and ftw: the walk runs here, on the thread, since the function it
/// calls for each file is the thread's code; every look at the file system
/// (stat, opendir, readdir, openat, chdir) is carried home. It takes the
/// C library's steps (io/ftw.c) in its order: each directory's entries as
/// readdir gives them, at most NoOpen directory streams open (the oldest
/// is then read to its end and closed, and its entries are looked at by
/// path), fstatat relative to the directory's stream while it is open, a
/// directory reached twice by symbolic links walked once (without
/// FTW_PHYS), and FTW_MOUNT, FTW_CHDIR, FTW_DEPTH and FTW_ACTIONRETVAL as
/// the C library treats them.
class Walk {
public:
  using Callback = int (*)(const char *, const struct stat *, int,
                           struct FTW *);
  using FtwCallback = int (*)(const char *, const struct stat *, int);
  /// nftw's walk (Fn), or ftw's (Old: no flags, fewer kinds of file).
  Walk(Callback Fn, FtwCallback Old, int NoOpen, int Flags)
      : Fn(Fn), Old(Old), Flags(Fn ? Flags : 0),
        MaxOpen(NoOpen < 1 ? 1 : size_t(NoOpen)) {}
  ~Walk();
  Walk(const Walk &) = delete;
  Walk &operator=(const Walk &) = delete;

  int run(const char *Start);

private:
  // One directory being walked: its stream while open, else what is left
  // of its entries.
  struct Level {
    DIR *Stream = nullptr;
    int Fd = -1;
    std::vector<std::string> Rest;
    size_t Next = 0;
  };

  int entry(Level *Parent, const std::string &Name);
  int directory(struct stat &St, Level *Parent);
  bool open(Level &L, Level *Parent);
  void close(Level &L);
  int call(const struct stat &St, int Flag);
  int look(Level *Parent, const char *Name, struct stat *St, bool Follow);
  bool flag(int F) const { return Flags & F; }

  Callback Fn;
  FtwCallback Old;
  int Flags;
  size_t MaxOpen;
  std::vector<Level *> Open; // by depth, those whose stream is open
  std::set<std::pair<dev_t, ino_t>> Known;
  dev_t Dev = 0;
  std::string Path;
  struct FTW Ftw = {};
};

// ftw's callback knows fewer kinds than nftw's.
int ftwFlag(int Flag) {
  switch (Flag) {
  case FTW_SL:
    return FTW_F;
  case FTW_DP:
    return FTW_D;
  case FTW_SLN:
    return FTW_NS;
  }
  return Flag;
}

int Walk::call(const struct stat &St, int Flag) {
  ProgramScope Program;
  return Fn ? Fn(Path.c_str(), &St, Flag, &Ftw)
            : Old(Path.c_str(), &St, ftwFlag(Flag));
}

Walk::~Walk() {
  // A walk its callback ended (the thread's end unwinds through it): the
  // streams still open are home's, and close there.
  while (!Open.empty())
    close(*Open.back());
}

int Walk::look(Level *Parent, const char *Name, struct stat *St, bool Follow) {
  int AtFlags = Follow ? 0 : AT_SYMLINK_NOFOLLOW;
  if (Parent && Parent->Stream)
    return remote::fstatat(Parent->Fd, Name, St, AtFlags);
  return remote::fstatat(AT_FDCWD, flag(FTW_CHDIR) ? Name : Path.c_str(), St,
                         AtFlags);
}

bool Walk::open(Level &L, Level *Parent) {
  // The oldest open stream makes room: the rest of its entries are read
  // now.
  if (Open.size() >= MaxOpen) {
    Level &Oldest = *Open.front();
    while (struct dirent64 *E = remote::readdir(Oldest.Stream))
      Oldest.Rest.emplace_back(E->d_name);
    close(Oldest);
  }
  if (Parent && Parent->Stream) {
    int Fd = remote::open(Parent->Fd, Path.c_str() + Ftw.base,
                          O_RDONLY | O_DIRECTORY | O_NDELAY, 0);
    L.Stream = Fd < 0 ? nullptr : remote::opendir(true, Fd, nullptr);
    if (Fd >= 0 && !L.Stream)
      remote::intCall(io::Op::Close, Fd);
  } else {
    const char *Name = Path.c_str();
    if (flag(FTW_CHDIR))
      Name = Path[Ftw.base] ? Path.c_str() + Ftw.base : ".";
    L.Stream = remote::opendir(false, -1, Name);
  }
  if (!L.Stream)
    return false;
  L.Fd = static_cast<int>(remote::dirCall(io::Op::Dirfd, L.Stream));
  Open.push_back(&L);
  return true;
}

void Walk::close(Level &L) {
  if (!L.Stream)
    return;
  core::ErrnoGuard Guard;
  remote::closedir(L.Stream);
  L.Stream = nullptr;
  L.Fd = -1;
  Open.erase(std::find(Open.begin(), Open.end(), &L));
}

int Walk::entry(Level *Parent, const std::string &Name) {
  if (Name == "." || Name == "..")
    return 0;
  Path.resize(size_t(Ftw.base));
  Path += Name;
  struct stat St = {};
  int Result = 0, Flag = FTW_F;
  if (look(Parent, Name.c_str(), &St, !flag(FTW_PHYS)) < 0) {
    if (errno != EACCES && errno != ENOENT)
      Result = -1;
    else if (flag(FTW_PHYS))
      Flag = FTW_NS;
    else
      Flag = look(Parent, Name.c_str(), &St, false) == 0 && S_ISLNK(St.st_mode)
                 ? FTW_SLN
                 : FTW_NS;
  } else {
    Flag = S_ISDIR(St.st_mode) ? FTW_D : S_ISLNK(St.st_mode) ? FTW_SL : FTW_F;
  }
  if (Result == 0 && (Flag == FTW_NS || !flag(FTW_MOUNT) || St.st_dev == Dev)) {
    if (Flag != FTW_D)
      Result = call(St, Flag);
    else if (flag(FTW_PHYS) || Known.insert({St.st_dev, St.st_ino}).second)
      Result = directory(St, Parent);
  }
  if (flag(FTW_ACTIONRETVAL) && Result == FTW_SKIP_SUBTREE)
    Result = 0;
  return Result;
}

int Walk::directory(struct stat &St, Level *Parent) {
  Level Here;
  if (!open(Here, Parent))
    return errno == EACCES ? call(St, FTW_DNR) : -1;
  int Result = 0;
  if (!flag(FTW_DEPTH) && (Result = call(St, FTW_D)) != 0) {
    close(Here);
    return Result;
  }
  if (flag(FTW_CHDIR) && remote::intCall(io::Op::Fchdir, Here.Fd) < 0) {
    close(Here);
    return -1;
  }
  int Base = Ftw.base;
  ++Ftw.level;
  if (Path.empty() || Path.back() != '/')
    Path += '/';
  Ftw.base = static_cast<int>(Path.size());
  for (;;) {
    std::string Name;
    if (Here.Stream) {
      struct dirent64 *E = remote::readdir(Here.Stream);
      if (!E)
        break;
      Name = E->d_name;
    } else if (Here.Next < Here.Rest.size()) {
      Name = std::move(Here.Rest[Here.Next++]);
    } else {
      break;
    }
    if ((Result = entry(&Here, Name)) != 0)
      break;
  }
  close(Here);
  if (flag(FTW_ACTIONRETVAL) && Result == FTW_SKIP_SIBLINGS)
    Result = 0;
  Path.resize(size_t(Ftw.base - 1));
  --Ftw.level;
  Ftw.base = Base;
  if (Result == 0 && flag(FTW_DEPTH))
    Result = call(St, FTW_DP);
  if (Parent && flag(FTW_CHDIR) &&
      (Result == 0 ||
       (flag(FTW_ACTIONRETVAL) && Result != -1 && Result != FTW_STOP))) {
    bool Back =
        Parent->Stream && remote::intCall(io::Op::Fchdir, Parent->Fd) == 0;
    if (!Back && remote::chdir(Ftw.base == 1 ? "/" : "..") < 0)
      Result = -1;
  }
  return Result;
}

int Walk::run(const char *Start) {
  if (!Start)
    return badAddress<int>();
  if (!*Start) {
    errno = ENOENT;
    return -1;
  }
  Path = Start;
  while (Path.size() > 1 && Path.back() == '/')
    Path.pop_back();
  size_t Slash = Path.rfind('/');
  Ftw.base = Slash == std::string::npos ? 0 : static_cast<int>(Slash + 1);
  Ftw.level = 0;
  // FTW_CHDIR: back to the working directory at the end.
  int Cwd = -1;
  int Result = 0;
  if (flag(FTW_CHDIR)) {
    Cwd = remote::open(AT_FDCWD, ".", O_RDONLY | O_DIRECTORY, 0);
    if (Cwd < 0)
      return -1;
    if (MaxOpen > 1)
      --MaxOpen; // the descriptor of the way back counts
    if (Ftw.base == 1)
      Result = remote::chdir("/");
    else if (Ftw.base > 1)
      Result = remote::chdir(Path.substr(0, size_t(Ftw.base - 1)).c_str());
  }
  if (Result == 0) {
    const char *Name = Path.c_str();
    if (flag(FTW_CHDIR))
      Name = Path[Ftw.base] ? Path.c_str() + Ftw.base : ".";
    struct stat St = {};
    int AtFlags = flag(FTW_PHYS) ? AT_SYMLINK_NOFOLLOW : 0;
    if (remote::fstatat(AT_FDCWD, Name, &St, AtFlags) < 0) {
      if (!flag(FTW_PHYS) && errno == ENOENT &&
          remote::fstatat(AT_FDCWD, Name, &St, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(St.st_mode))
        Result = call(St, FTW_SLN);
      else
        Result = -1;
    } else if (S_ISDIR(St.st_mode)) {
      Dev = St.st_dev;
      if (!flag(FTW_PHYS))
        Known.insert({St.st_dev, St.st_ino});
      Result = directory(St, nullptr);
    } else {
      Result = call(St, S_ISLNK(St.st_mode) ? FTW_SL : FTW_F);
    }
    if (flag(FTW_ACTIONRETVAL) &&
        (Result == FTW_SKIP_SUBTREE || Result == FTW_SKIP_SIBLINGS))
      Result = 0;
  }
  if (Cwd >= 0) {
    core::ErrnoGuard Guard;
    remote::intCall(io::Op::Fchdir, Cwd);
    remote::intCall(io::Op::Close, Cwd);
  }
  return Result;
}

int walk(const char *Start, Walk::Callback Fn, Walk::FtwCallback Old,
         int NoOpen, int Flags) {
  if (!Fn && !Old)
    return badAddress<int>();
  if (Flags &
      ~(FTW_PHYS | FTW_MOUNT | FTW_CHDIR | FTW_DEPTH | FTW_ACTIONRETVAL)) {
    errno = EINVAL;
    return -1;
  }
  Local Scope; // the walk's own memory is the node's
  Walk W(Fn, Old, NoOpen, Flags);
  return W.run(Start);
}

} // namespace remote

// At the thread's end (Final), its key destructors, which may write, run
// first.
void threadOutputFlush(bool Final) {
  if (Final)
    io::runRemoteKeyDestructors();
  // A fork child's output is its own (it writes it itself), and home is
  // not its to call.
  if (threads::inJobProcess())
    remote::flushHeld(Final);
}

/// Home is exiting (threads::setHeldOutput): takes what every thread of
/// this node holds, waiting at most Seconds for threads that are sending
/// theirs, and hands it to Send while those threads can neither send nor
/// hold more; from then on nothing is held.
void takeHeldAtExit(double Seconds, threads::SendHeldFn Send) {
  Local Scope;
  HomeEnding.store(true);
  auto Deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::duration<double>(Seconds));
  std::lock_guard<std::mutex> List(HoldersMutex);
  std::vector<std::unique_lock<std::mutex>> Taken;
  std::vector<threads::HeldBytes> Bytes;
  unsigned Left = 0;
  for (HeldOutput *H = Holders; H; H = H->Next) {
    std::unique_lock<std::mutex> Lock(H->Guard, std::try_to_lock);
    while (!Lock.owns_lock() && std::chrono::steady_clock::now() < Deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      Lock.try_lock();
    }
    if (!Lock.owns_lock()) {
      ++Left; // a send that did not end in time: home warns
      continue;
    }
    if (H->Size)
      Bytes.push_back({handle(H->Stream), std::string(H->Bytes, H->Size)});
    H->Size = 0;
    Taken.push_back(std::move(Lock));
  }
  Send(Bytes, Left);
}

[[gnu::constructor(101)]] void holdOutput() {
  threads::setHeldOutput(threadOutputFlush, takeHeldAtExit);
}

void flushHeldOutput() { remote::flushHeld(false); }

// A descriptor call of a thread at home whose buffer may hold pages that
// moved to another node (home migration): Touch brings them in first
// (threads::homeKernel*), and again if another thread of home dropped one
// at its acquire before the kernel reached it. The kernel then failed with
// EFAULT having moved nothing (a pipe keeps its data, a file its offset),
// so the call is made again, a few times at most.
template <typename TouchFn, typename CallFn>
auto homeKernelCall(TouchFn &&Touch, CallFn &&Call) {
  for (int Try = 0;; ++Try) {
    Touch();
    auto Result = Call();
    if (Result != -1 || errno != EFAULT || Try == 7 ||
        !dsm::PagesMovedAway.load(std::memory_order_relaxed))
      return Result;
  }
}

// fread's and fwrite's Size * Count, saturated: a product that wraps would
// make the buffer look small.
inline size_t itemsBytes(size_t Size, size_t Count) {
  size_t Bytes;
  return __builtin_mul_overflow(Size, Count, &Bytes) ? SIZE_MAX : Bytes;
}

/// A DIR of home's (in the shared heap), on a thread of another node.
inline bool remoteDir(DIR *Dir) {
  return remoteCaller() && remote::homeObject(Dir);
}

/// A call on F of a thread on another node goes home when F is home's.
inline bool remoteStream(FILE *F) {
  return remoteCaller() && remote::homeStream(F);
}

} // namespace

// Each definition's exception specification is glibc's declaration's:
// noexcept where glibc says __THROW, not for cancellation points (a thread
// cancelled in read unwinds through this frame).

// --- Opening and closing -----------------------------------------------------

GRID_INTERPOSE int open(const char *Path, int Flags, ...) {
  GRID_OPEN_MODE(Flags, Flags)
  if (remoteCaller())
    return cancellable(
        [&] { return remote::open(AT_FDCWD, Path, Flags, Mode); });
  return REAL(open)(Path, Flags, Mode);
}

GRID_INTERPOSE int open64(const char *Path, int Flags, ...) {
  GRID_OPEN_MODE(Flags, Flags)
  if (remoteCaller())
    return cancellable([&] {
      return remote::open(AT_FDCWD, Path, Flags | O_LARGEFILE, Mode);
    });
  return REAL(open64)(Path, Flags, Mode);
}

GRID_INTERPOSE int openat(int Dir, const char *Path, int Flags, ...) {
  GRID_OPEN_MODE(Flags, Flags)
  if (remoteCaller())
    return cancellable([&] { return remote::open(Dir, Path, Flags, Mode); });
  return REAL(openat)(Dir, Path, Flags, Mode);
}

GRID_INTERPOSE int openat64(int Dir, const char *Path, int Flags, ...) {
  GRID_OPEN_MODE(Flags, Flags)
  if (remoteCaller())
    return cancellable(
        [&] { return remote::open(Dir, Path, Flags | O_LARGEFILE, Mode); });
  return REAL(openat64)(Dir, Path, Flags, Mode);
}

GRID_INTERPOSE int __open_2(const char *Path, int Flags) {
  if (remoteCaller())
    return cancellable([&] { return remote::open(AT_FDCWD, Path, Flags, 0); });
  return REAL(__open_2)(Path, Flags);
}

GRID_INTERPOSE int __open64_2(const char *Path, int Flags) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::open(AT_FDCWD, Path, Flags | O_LARGEFILE, 0); });
  return REAL(__open64_2)(Path, Flags);
}

GRID_INTERPOSE int __openat_2(int Dir, const char *Path, int Flags) {
  if (remoteCaller())
    return cancellable([&] { return remote::open(Dir, Path, Flags, 0); });
  return REAL(__openat_2)(Dir, Path, Flags);
}

GRID_INTERPOSE int __openat64_2(int Dir, const char *Path, int Flags) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::open(Dir, Path, Flags | O_LARGEFILE, 0); });
  return REAL(__openat64_2)(Dir, Path, Flags);
}

GRID_INTERPOSE int creat(const char *Path, mode_t Mode) {
  if (remoteCaller())
    return cancellable([&] {
      return remote::open(AT_FDCWD, Path, O_CREAT | O_WRONLY | O_TRUNC, Mode);
    });
  return REAL(creat)(Path, Mode);
}

GRID_INTERPOSE int creat64(const char *Path, mode_t Mode) {
  if (remoteCaller())
    return cancellable([&] {
      return remote::open(AT_FDCWD, Path,
                          O_CREAT | O_WRONLY | O_TRUNC | O_LARGEFILE, Mode);
    });
  return REAL(creat64)(Path, Mode);
}

GRID_INTERPOSE int close(int Fd) {
  if (remoteCaller())
    return remote::intCall(io::Op::Close, Fd);
  return REAL(close)(Fd);
}

// --- Reading and writing -----------------------------------------------------

GRID_INTERPOSE ssize_t read(int Fd, void *Buf, size_t Bytes) {
  if (remoteCaller())
    return cancellable([&] { return remote::read(Fd, Buf, Bytes); });
  return homeKernelCall([&] { threads::homeKernelWrites(Buf, Bytes); },
                        [&] { return REAL(read)(Fd, Buf, Bytes); });
}

GRID_INTERPOSE ssize_t __read_chk(int Fd, void *Buf, size_t Bytes,
                                  size_t BufBytes) {
  if (remoteCaller() && Bytes <= BufBytes)
    return cancellable([&] { return remote::read(Fd, Buf, Bytes); });
  return homeKernelCall(
      [&] { threads::homeKernelWrites(Buf, Bytes); },
      [&] { return REAL(__read_chk)(Fd, Buf, Bytes, BufBytes); });
}

GRID_INTERPOSE ssize_t write(int Fd, const void *Buf, size_t Bytes) {
  if (remoteCaller())
    return cancellable([&] { return remote::write(Fd, Buf, Bytes); });
  return homeKernelCall([&] { threads::homeKernelReads(Buf, Bytes); },
                        [&] { return REAL(write)(Fd, Buf, Bytes); });
}

GRID_INTERPOSE ssize_t readv(int Fd, const struct iovec *Iov, int Count) {
  if (remoteCaller())
    return cancellable([&] { return remote::readv(Fd, Iov, Count); });
  return homeKernelCall([&] { threads::homeKernelWritesIov(Iov, Count); },
                        [&] { return REAL(readv)(Fd, Iov, Count); });
}

GRID_INTERPOSE ssize_t writev(int Fd, const struct iovec *Iov, int Count) {
  if (remoteCaller())
    return cancellable([&] { return remote::writev(Fd, Iov, Count); });
  return homeKernelCall([&] { threads::homeKernelReadsIov(Iov, Count); },
                        [&] { return REAL(writev)(Fd, Iov, Count); });
}

GRID_INTERPOSE ssize_t pread(int Fd, void *Buf, size_t Bytes, off_t Offset) {
  if (remoteCaller())
    return cancellable([&] {
      return Offset < 0 ? (errno = EINVAL, -1)
                        : remote::read(Fd, Buf, Bytes, Offset);
    });
  return homeKernelCall([&] { threads::homeKernelWrites(Buf, Bytes); },
                        [&] { return REAL(pread)(Fd, Buf, Bytes, Offset); });
}

GRID_INTERPOSE ssize_t pread64(int Fd, void *Buf, size_t Bytes,
                               off64_t Offset) {
  if (remoteCaller())
    return cancellable([&] {
      return Offset < 0 ? (errno = EINVAL, -1)
                        : remote::read(Fd, Buf, Bytes, Offset);
    });
  return homeKernelCall([&] { threads::homeKernelWrites(Buf, Bytes); },
                        [&] { return REAL(pread64)(Fd, Buf, Bytes, Offset); });
}

GRID_INTERPOSE ssize_t __pread_chk(int Fd, void *Buf, size_t Bytes,
                                   off_t Offset, size_t BufBytes) {
  if (remoteCaller() && Bytes <= BufBytes)
    return cancellable([&] { return remote::read(Fd, Buf, Bytes, Offset); });
  return homeKernelCall(
      [&] { threads::homeKernelWrites(Buf, Bytes); },
      [&] { return REAL(__pread_chk)(Fd, Buf, Bytes, Offset, BufBytes); });
}

GRID_INTERPOSE ssize_t __pread64_chk(int Fd, void *Buf, size_t Bytes,
                                     off64_t Offset, size_t BufBytes) {
  if (remoteCaller() && Bytes <= BufBytes)
    return cancellable([&] { return remote::read(Fd, Buf, Bytes, Offset); });
  return homeKernelCall(
      [&] { threads::homeKernelWrites(Buf, Bytes); },
      [&] { return REAL(__pread64_chk)(Fd, Buf, Bytes, Offset, BufBytes); });
}

GRID_INTERPOSE ssize_t pwrite(int Fd, const void *Buf, size_t Bytes,
                              off_t Offset) {
  if (remoteCaller())
    return cancellable([&] {
      return Offset < 0 ? (errno = EINVAL, -1)
                        : remote::write(Fd, Buf, Bytes, Offset);
    });
  return homeKernelCall([&] { threads::homeKernelReads(Buf, Bytes); },
                        [&] { return REAL(pwrite)(Fd, Buf, Bytes, Offset); });
}

GRID_INTERPOSE ssize_t pwrite64(int Fd, const void *Buf, size_t Bytes,
                                off64_t Offset) {
  if (remoteCaller())
    return cancellable([&] {
      return Offset < 0 ? (errno = EINVAL, -1)
                        : remote::write(Fd, Buf, Bytes, Offset);
    });
  return homeKernelCall([&] { threads::homeKernelReads(Buf, Bytes); },
                        [&] { return REAL(pwrite64)(Fd, Buf, Bytes, Offset); });
}

GRID_INTERPOSE off_t lseek(int Fd, off_t Offset, int Whence) noexcept {
  if (remoteCaller())
    return remote::lseek(Fd, Offset, Whence);
  return REAL(lseek)(Fd, Offset, Whence);
}

GRID_INTERPOSE off64_t lseek64(int Fd, off64_t Offset, int Whence) noexcept {
  if (remoteCaller())
    return remote::lseek(Fd, Offset, Whence);
  return REAL(lseek64)(Fd, Offset, Whence);
}

// --- Files and directories ---------------------------------------------------

GRID_INTERPOSE int fstat(int Fd, struct stat *St) noexcept {
  if (remoteCaller())
    return remote::fstat(Fd, St);
  return REAL(fstat)(Fd, St);
}

GRID_INTERPOSE int fstat64(int Fd, struct stat64 *St) noexcept {
  if (remoteCaller())
    return remote::fstat(Fd, reinterpret_cast<struct stat *>(St));
  return REAL(fstat64)(Fd, St);
}

GRID_INTERPOSE int stat(const char *Path, struct stat *St) noexcept {
  if (remoteCaller())
    return remote::fstatat(AT_FDCWD, Path, St, 0);
  return REAL(stat)(Path, St);
}

GRID_INTERPOSE int stat64(const char *Path, struct stat64 *St) noexcept {
  if (remoteCaller())
    return remote::fstatat(AT_FDCWD, Path, reinterpret_cast<struct stat *>(St),
                           0);
  return REAL(stat64)(Path, St);
}

GRID_INTERPOSE int lstat(const char *Path, struct stat *St) noexcept {
  if (remoteCaller())
    return remote::fstatat(AT_FDCWD, Path, St, AT_SYMLINK_NOFOLLOW);
  return REAL(lstat)(Path, St);
}

GRID_INTERPOSE int lstat64(const char *Path, struct stat64 *St) noexcept {
  if (remoteCaller())
    return remote::fstatat(AT_FDCWD, Path, reinterpret_cast<struct stat *>(St),
                           AT_SYMLINK_NOFOLLOW);
  return REAL(lstat64)(Path, St);
}

GRID_INTERPOSE int fstatat(int Dir, const char *Path, struct stat *St,
                           int Flags) noexcept {
  if (remoteCaller())
    return remote::fstatat(Dir, Path, St, Flags);
  return REAL(fstatat)(Dir, Path, St, Flags);
}

GRID_INTERPOSE int fstatat64(int Dir, const char *Path, struct stat64 *St,
                             int Flags) noexcept {
  if (remoteCaller())
    return remote::fstatat(Dir, Path, reinterpret_cast<struct stat *>(St),
                           Flags);
  return REAL(fstatat64)(Dir, Path, St, Flags);
}

GRID_INTERPOSE int access(const char *Path, int Mode) noexcept {
  if (remoteCaller())
    return remote::faccessat(AT_FDCWD, Path, Mode, 0);
  return REAL(access)(Path, Mode);
}

GRID_INTERPOSE int faccessat(int Dir, const char *Path, int Mode,
                             int Flags) noexcept {
  if (remoteCaller())
    return remote::faccessat(Dir, Path, Mode, Flags);
  return REAL(faccessat)(Dir, Path, Mode, Flags);
}

GRID_INTERPOSE int fsync(int Fd) {
  if (remoteCaller())
    return remote::fsync(Fd, false);
  return REAL(fsync)(Fd);
}

GRID_INTERPOSE int fdatasync(int Fd) {
  if (remoteCaller())
    return remote::fsync(Fd, true);
  return REAL(fdatasync)(Fd);
}

GRID_INTERPOSE int ftruncate(int Fd, off_t Length) noexcept {
  if (remoteCaller())
    return remote::ftruncate(Fd, Length);
  return REAL(ftruncate)(Fd, Length);
}

GRID_INTERPOSE int ftruncate64(int Fd, off64_t Length) noexcept {
  if (remoteCaller())
    return remote::ftruncate(Fd, Length);
  return REAL(ftruncate64)(Fd, Length);
}

GRID_INTERPOSE int truncate(const char *Path, off_t Length) noexcept {
  if (remoteCaller())
    return remote::truncate(Path, Length);
  return REAL(truncate)(Path, Length);
}

GRID_INTERPOSE int unlink(const char *Path) noexcept {
  if (remoteCaller())
    return remote::unlinkat(AT_FDCWD, Path, 0);
  return REAL(unlink)(Path);
}

GRID_INTERPOSE int unlinkat(int Dir, const char *Path, int Flags) noexcept {
  if (remoteCaller())
    return remote::unlinkat(Dir, Path, Flags);
  return REAL(unlinkat)(Dir, Path, Flags);
}

GRID_INTERPOSE int rename(const char *From, const char *To) noexcept {
  if (remoteCaller())
    return remote::renameat(AT_FDCWD, From, AT_FDCWD, To);
  return REAL(rename)(From, To);
}

GRID_INTERPOSE int renameat(int FromDir, const char *From, int ToDir,
                            const char *To) noexcept {
  if (remoteCaller())
    return remote::renameat(FromDir, From, ToDir, To);
  return REAL(renameat)(FromDir, From, ToDir, To);
}

GRID_INTERPOSE int mkdir(const char *Path, mode_t Mode) noexcept {
  if (remoteCaller())
    return remote::mkdirat(AT_FDCWD, Path, Mode);
  return REAL(mkdir)(Path, Mode);
}

GRID_INTERPOSE int mkdirat(int Dir, const char *Path, mode_t Mode) noexcept {
  if (remoteCaller())
    return remote::mkdirat(Dir, Path, Mode);
  return REAL(mkdirat)(Dir, Path, Mode);
}

GRID_INTERPOSE int rmdir(const char *Path) noexcept {
  if (remoteCaller())
    return remote::unlinkat(AT_FDCWD, Path, AT_REMOVEDIR);
  return REAL(rmdir)(Path);
}

GRID_INTERPOSE char *getcwd(char *Buf, size_t Bytes) noexcept {
  if (remoteCaller())
    return remote::getcwd(Buf, Bytes);
  return REAL(getcwd)(Buf, Bytes);
}

GRID_INTERPOSE char *__getcwd_chk(char *Buf, size_t Bytes,
                                  size_t BufBytes) noexcept {
  if (remoteCaller() && Bytes <= BufBytes)
    return remote::getcwd(Buf, Bytes);
  return REAL(__getcwd_chk)(Buf, Bytes, BufBytes);
}

GRID_INTERPOSE int chdir(const char *Path) noexcept {
  if (remoteCaller())
    return remote::chdir(Path);
  return REAL(chdir)(Path);
}

GRID_INTERPOSE int fchdir(int Fd) noexcept {
  if (remoteCaller())
    return remote::intCall(io::Op::Fchdir, Fd);
  return REAL(fchdir)(Fd);
}

GRID_INTERPOSE ssize_t readlink(const char *Path, char *Buf,
                                size_t Bytes) noexcept {
  if (remoteCaller())
    return remote::readlinkat(AT_FDCWD, Path, Buf, Bytes);
  return REAL(readlink)(Path, Buf, Bytes);
}

GRID_INTERPOSE ssize_t readlinkat(int Dir, const char *Path, char *Buf,
                                  size_t Bytes) noexcept {
  if (remoteCaller())
    return remote::readlinkat(Dir, Path, Buf, Bytes);
  return REAL(readlinkat)(Dir, Path, Buf, Bytes);
}

GRID_INTERPOSE int symlink(const char *Target, const char *Path) noexcept {
  if (remoteCaller())
    return remote::symlinkat(Target, AT_FDCWD, Path);
  return REAL(symlink)(Target, Path);
}

GRID_INTERPOSE int symlinkat(const char *Target, int Dir,
                             const char *Path) noexcept {
  if (remoteCaller())
    return remote::symlinkat(Target, Dir, Path);
  return REAL(symlinkat)(Target, Dir, Path);
}

GRID_INTERPOSE int link(const char *From, const char *To) noexcept {
  if (remoteCaller())
    return remote::linkat(AT_FDCWD, From, AT_FDCWD, To, 0);
  return REAL(link)(From, To);
}

GRID_INTERPOSE int linkat(int FromDir, const char *From, int ToDir,
                          const char *To, int Flags) noexcept {
  if (remoteCaller())
    return remote::linkat(FromDir, From, ToDir, To, Flags);
  return REAL(linkat)(FromDir, From, ToDir, To, Flags);
}

GRID_INTERPOSE int chmod(const char *Path, mode_t Mode) noexcept {
  if (remoteCaller())
    return remote::fchmodat(AT_FDCWD, Path, Mode, 0);
  return REAL(chmod)(Path, Mode);
}

GRID_INTERPOSE int fchmodat(int Dir, const char *Path, mode_t Mode,
                            int Flags) noexcept {
  if (remoteCaller())
    return remote::fchmodat(Dir, Path, Mode, Flags);
  return REAL(fchmodat)(Dir, Path, Mode, Flags);
}

GRID_INTERPOSE int fchmod(int Fd, mode_t Mode) noexcept {
  if (remoteCaller())
    return remote::fchmod(Fd, Mode);
  return REAL(fchmod)(Fd, Mode);
}

// --- Descriptors -------------------------------------------------------------

GRID_INTERPOSE int dup(int Fd) noexcept {
  if (remoteCaller())
    return remote::dup(Fd, -1, 0);
  return REAL(dup)(Fd);
}

GRID_INTERPOSE int dup2(int Fd, int To) noexcept {
  if (remoteCaller())
    return remote::dup(Fd, To, 0);
  return REAL(dup2)(Fd, To);
}

GRID_INTERPOSE int dup3(int Fd, int To, int Flags) noexcept {
  if (remoteCaller()) {
    // dup3 refuses what dup2 allows: the same descriptor twice.
    if (Fd == To) {
      errno = EINVAL;
      return -1;
    }
    return remote::dup(Fd, To, Flags);
  }
  return REAL(dup3)(Fd, To, Flags);
}

GRID_INTERPOSE int fcntl(int Fd, int Command, ...) {
  GRID_ONE_VARARG(Command)
  if (remoteCaller())
    return remote::fcntl(Fd, Command, Arg);
  return REAL(fcntl)(Fd, Command, Arg);
}

GRID_INTERPOSE int fcntl64(int Fd, int Command, ...) {
  GRID_ONE_VARARG(Command)
  if (remoteCaller())
    return remote::fcntl(Fd, Command, Arg);
  return REAL(fcntl64)(Fd, Command, Arg);
}

GRID_INTERPOSE int ioctl(int Fd, unsigned long Request, ...) noexcept {
  GRID_ONE_VARARG(Request)
  if (remoteCaller())
    return remote::ioctl(__builtin_return_address(0));
  return REAL(ioctl)(Fd, Request, Arg);
}

GRID_INTERPOSE int pipe(int Fds[2]) noexcept {
  if (remoteCaller())
    return remote::pipe(Fds, 0);
  return REAL(pipe)(Fds);
}

GRID_INTERPOSE int pipe2(int Fds[2], int Flags) noexcept {
  if (remoteCaller())
    return remote::pipe(Fds, Flags);
  return REAL(pipe2)(Fds, Flags);
}

GRID_INTERPOSE int poll(struct pollfd *Fds, nfds_t Count, int Timeout) {
  if (remoteCaller())
    return cancellable([&] { return remote::poll(Fds, Count, Timeout); });
  return REAL(poll)(Fds, Count, Timeout);
}

GRID_INTERPOSE int select(int Count, fd_set *Read, fd_set *Write,
                          fd_set *Except, struct timeval *Timeout) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::select(Count, Read, Write, Except, Timeout); });
  return REAL(select)(Count, Read, Write, Except, Timeout);
}

GRID_INTERPOSE int tcgetattr(int Fd, struct termios *Term) noexcept {
  if (remoteCaller())
    return remote::tcgetattr(Fd, Term);
  return REAL(tcgetattr)(Fd, Term);
}

GRID_INTERPOSE int tcsetattr(int Fd, int When,
                             const struct termios *Term) noexcept {
  if (remoteCaller())
    return remote::tcsetattr(Fd, When, Term);
  return REAL(tcsetattr)(Fd, When, Term);
}

GRID_INTERPOSE int ttyname_r(int Fd, char *Buf, size_t Bytes) noexcept {
  if (remoteCaller())
    return remote::ttyname(Fd, Buf, Bytes);
  return REAL(ttyname_r)(Fd, Buf, Bytes);
}

GRID_INTERPOSE char *ttyname(int Fd) noexcept {
  if (remoteCaller()) {
    char Name[PATH_MAX];
    int Err = remote::ttyname(Fd, Name, sizeof Name);
    if (Err) {
      errno = Err;
      return nullptr;
    }
    return const_cast<char *>(remote::keep(Name));
  }
  return REAL(ttyname)(Fd);
}

GRID_INTERPOSE int isatty(int Fd) noexcept {
  if (remoteCaller())
    return remote::isatty(Fd);
  return REAL(isatty)(Fd);
}

// --- Children ----------------------------------------------------------------
// A remote thread's children are home's (api/Launch.cpp starts them there):
// it waits for them, and signals processes, at home.

GRID_INTERPOSE pid_t waitpid(pid_t Pid, int *Status, int Options) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::wait4(Pid, Status, Options, nullptr); });
  return REAL(waitpid)(Pid, Status, Options);
}

GRID_INTERPOSE pid_t wait(int *Status) {
  if (remoteCaller())
    return cancellable([&] { return remote::wait4(-1, Status, 0, nullptr); });
  return REAL(wait)(Status);
}

GRID_INTERPOSE pid_t wait4(pid_t Pid, int *Status, int Options,
                           struct rusage *Usage) noexcept {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::wait4(Pid, Status, Options, Usage); });
  return REAL(wait4)(Pid, Status, Options, Usage);
}

GRID_INTERPOSE pid_t wait3(int *Status, int Options,
                           struct rusage *Usage) noexcept {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::wait4(-1, Status, Options, Usage); });
  return REAL(wait3)(Status, Options, Usage);
}

GRID_INTERPOSE int waitid(idtype_t Type, id_t Id, siginfo_t *Info,
                          int Options) {
  if (remoteCaller())
    return cancellable([&] { return remote::waitid(Type, Id, Info, Options); });
  return REAL(waitid)(Type, Id, Info, Options);
}

GRID_INTERPOSE int kill(pid_t Pid, int Signal) noexcept {
  if (remoteCaller())
    return remote::kill(Pid, Signal);
  return REAL(kill)(Pid, Signal);
}

GRID_INTERPOSE int sigqueue(pid_t Pid, int Signal,
                            const union sigval Value) noexcept {
  if (remoteCaller())
    return remote::sigqueue(Pid, Signal, Value);
  return REAL(sigqueue)(Pid, Signal, Value);
}

GRID_INTERPOSE int killpg(pid_t Group, int Signal) noexcept {
  // A group a node child leads, or led (reaped unseen), is the node's.
  if (remoteCaller() && !(Group > 1 && (remote::nodeChildLives(Group) ||
                                        io::reapedNodeChild(Group)))) {
    return remote::ints(io::IntCall::Killpg, -1, nullptr,
                        static_cast<uint64_t>(Group),
                        static_cast<uint64_t>(Signal));
  }
  return REAL(killpg)(Group, Signal);
}

// --- Timers and waits for signals --------------------------------------------
// The process's timers and the signals from outside are home's: a remote
// thread's alarm and setitimer set home's timers, and its sigwait waits at
// home (docs/design/remote-io.md, the calls).

GRID_INTERPOSE unsigned alarm(unsigned Seconds) noexcept {
  if (remoteCaller())
    return static_cast<unsigned>(
        remote::intsLong(io::IntCall::Alarm, -1, nullptr, Seconds));
  return REAL(alarm)(Seconds);
}

GRID_INTERPOSE useconds_t ualarm(useconds_t Value,
                                 useconds_t Interval) noexcept {
  if (remoteCaller())
    return static_cast<useconds_t>(
        remote::intsLong(io::IntCall::Ualarm, -1, nullptr, Value, Interval));
  return REAL(ualarm)(Value, Interval);
}

GRID_INTERPOSE int getitimer(__itimer_which_t Which,
                             struct itimerval *Value) noexcept {
  if (remoteCaller()) {
    if (!Value)
      return badAddress<int>();
    return remote::itimer(Which, nullptr, Value);
  }
  return REAL(getitimer)(Which, Value);
}

GRID_INTERPOSE int setitimer(__itimer_which_t Which,
                             const struct itimerval *New,
                             struct itimerval *Old) noexcept {
  if (remoteCaller()) {
    // Linux takes a null new value for a zero one: the timer stops.
    struct itimerval Stop = {};
    return remote::itimer(Which, New ? New : &Stop, Old);
  }
  return REAL(setitimer)(Which, New, Old);
}

GRID_INTERPOSE int sigtimedwait(const sigset_t *Set, siginfo_t *Info,
                                const struct timespec *Timeout) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::sigtimedwait(Set, Info, Timeout); });
  return REAL(sigtimedwait)(Set, Info, Timeout);
}

GRID_INTERPOSE int sigwaitinfo(const sigset_t *Set, siginfo_t *Info) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::sigtimedwait(Set, Info, nullptr); });
  return REAL(sigwaitinfo)(Set, Info);
}

// A signal the thread raises is delivered at home, where the program's
// actions are: to the thread's shadow, whose handler runs before the call
// returns, as on one machine (the call is shared: the thread then reads
// what the handler wrote). One it raises itself on its node (its faults,
// SIGABRT...: threads::actionStaysOnNode) stays there, with the node's
// actions. pthread_kill and pthread_sigqueue, which name a thread, are
// api/ThreadCalls.cpp's.
GRID_INTERPOSE int raise(int Signal) noexcept {
  if (remoteCaller() && !threads::actionStaysOnNode(Signal)) {
    HomeCall C(io::Op::Raise, /*Shared=*/true);
    C.args().i32(Signal);
    return static_cast<int>(simple(C));
  }
  return REAL(raise)(Signal);
}

// pause and sigsuspend wait at home, on the shadow, for a signal whose
// handler runs there (sigsuspend with the thread's mask given).
GRID_INTERPOSE int pause() {
  if (remoteCaller())
    return cancellable([] {
      HomeCall C(io::Op::Sigsuspend, /*Shared=*/true);
      C.args().u32(0).str({});
      return static_cast<int>(simple(C));
    });
  return REAL(pause)();
}

GRID_INTERPOSE int sigsuspend(const sigset_t *Mask) {
  if (remoteCaller())
    return cancellable([&] {
      HomeCall C(io::Op::Sigsuspend, /*Shared=*/true);
      C.args().u32(1).bytes(Mask, sizeof *Mask);
      return static_cast<int>(simple(C));
    });
  return REAL(sigsuspend)(Mask);
}

// POSIX timers are the process's: a remote thread's timer_create makes the
// timer at home, whose signals reach the program (a sigwait waits there)
// and whose SIGEV_THREAD function runs there, and its other calls act on
// home's timers. A timer home cannot make for it (timerAtHome: a CPU-time
// clock's, a signal the thread raises itself there, SIGEV_THREAD_ID, a
// SIGEV_THREAD function that is not the executable's or given thread
// attributes) is made on the node, and its calls stay there. On the node the
// signal would reach the agent, where every thread blocks it. A node's
// timer and home's are told apart by the node's list of its own, by value:
// the two kernels number them apart, so a node timer and a home timer the
// thread got from home could share a value, and the node's then wins
// (docs/design/remote-io.md).
namespace {
// The node's own timers (made by its remote threads), in the node's memory.
constinit std::mutex NodeTimersMutex;
std::vector<timer_t> &nodeTimers() {
  static auto *Timers = new std::vector<timer_t>; // lives until exit
  return *Timers;
}

bool nodeTimer(timer_t Timer) {
  std::lock_guard<std::mutex> Lock(NodeTimersMutex);
  std::vector<timer_t> &Timers = nodeTimers();
  return std::find(Timers.begin(), Timers.end(), Timer) != Timers.end();
}

// A timer of a CPU-time clock measures the node's threads (the thread's
// own, CLOCK_THREAD_CPUTIME_ID or pthread_getcpuclockid's, whose clock ids
// are negative) and one whose signal the thread raises itself there
// (threads::actionStaysOnNode) stays on the node, as does one that names
// a thread of the node (SIGEV_THREAD_ID) or whose SIGEV_THREAD function is
// not the executable's or is given attributes (in the node's memory).
bool timerAtHome(clockid_t Clock, const struct sigevent *Event) {
  if (Clock < 0 || Clock == CLOCK_THREAD_CPUTIME_ID ||
      Clock == CLOCK_PROCESS_CPUTIME_ID)
    return false;
  if (!Event || Event->sigev_notify == SIGEV_NONE)
    return true;
  if (Event->sigev_notify == SIGEV_SIGNAL)
    return !threads::actionStaysOnNode(Event->sigev_signo);
  if (Event->sigev_notify != SIGEV_THREAD || Event->sigev_notify_attributes)
    return false;
  return threads::inExecutable(
      reinterpret_cast<uintptr_t>(Event->sigev_notify_function));
}

bool timerGoesHome(timer_t Timer) {
  return remoteCaller() && threads::inJobProcess() && !nodeTimer(Timer);
}

threads::HomeAnswer timerCall(io::TimerCall Call, timer_t Timer) {
  HomeCall C(io::Op::Timer);
  C.args()
      .u32(static_cast<uint32_t>(Call))
      .u64(reinterpret_cast<uint64_t>(Timer));
  return C.send();
}
} // namespace

GRID_INTERPOSE int timer_create(clockid_t Clock, struct sigevent *Event,
                                timer_t *Timer) noexcept {
  if (remoteCaller() && threads::inJobProcess() && timerAtHome(Clock, Event)) {
    HomeCall C(io::Op::Timer);
    C.args()
        .u32(static_cast<uint32_t>(io::TimerCall::Create))
        .i32(Clock)
        .u32(Event != nullptr)
        .i32(Event ? Event->sigev_notify : 0)
        .i32(Event ? Event->sigev_signo : 0)
        .u64(Event ? reinterpret_cast<uint64_t>(Event->sigev_value.sival_ptr)
                   : 0)
        .u64(Event && Event->sigev_notify == SIGEV_THREAD
                 ? reinterpret_cast<uint64_t>(Event->sigev_notify_function)
                 : 0);
    threads::HomeAnswer A = C.send();
    if (A.Value == 0 && A.Data.size() == sizeof *Timer)
      std::memcpy(Timer, A.Data.data(), sizeof *Timer);
    return static_cast<int>(result(A));
  }
  if (!remoteCaller()) // its clock noted (io::timerClock)
    return io::createTimer(REAL(timer_create), Clock, Event, Timer);
  int Made = REAL(timer_create)(Clock, Event, Timer);
  if (Made == 0) {
    Local Scope;
    std::lock_guard<std::mutex> Lock(NodeTimersMutex);
    nodeTimers().push_back(*Timer);
  }
  return Made;
}

GRID_INTERPOSE int timer_settime(timer_t Timer, int Flags,
                                 const struct itimerspec *New,
                                 struct itimerspec *Old) noexcept {
  if (timerGoesHome(Timer)) {
    if (!New)
      return badAddress<int>();
    // An absolute time of the node's CLOCK_MONOTONIC or CLOCK_BOOTTIME,
    // which count from its own boot: home moves it onto its own clocks by
    // their readings here and there (HomeIo.cpp, timerHere).
    struct timespec Clocks[2] = {};
    if (Flags & TIMER_ABSTIME) {
      clock_gettime(CLOCK_MONOTONIC, &Clocks[0]);
      clock_gettime(CLOCK_BOOTTIME, &Clocks[1]);
    }
    HomeCall C(io::Op::Timer);
    C.args()
        .u32(static_cast<uint32_t>(io::TimerCall::Set))
        .u64(reinterpret_cast<uint64_t>(Timer))
        .i32(Flags)
        .bytes(New, sizeof *New)
        .bytes(Clocks, sizeof Clocks);
    threads::HomeAnswer A = C.send();
    if (A.Value == 0 && Old && A.Data.size() == sizeof *Old)
      std::memcpy(Old, A.Data.data(), sizeof *Old);
    return static_cast<int>(result(A));
  }
  return REAL(timer_settime)(Timer, Flags, New, Old);
}

GRID_INTERPOSE int timer_gettime(timer_t Timer,
                                 struct itimerspec *Now) noexcept {
  if (timerGoesHome(Timer)) {
    if (!Now)
      return badAddress<int>();
    threads::HomeAnswer A = timerCall(io::TimerCall::Get, Timer);
    if (A.Value == 0 && A.Data.size() == sizeof *Now)
      std::memcpy(Now, A.Data.data(), sizeof *Now);
    return static_cast<int>(result(A));
  }
  return REAL(timer_gettime)(Timer, Now);
}

GRID_INTERPOSE int timer_getoverrun(timer_t Timer) noexcept {
  if (timerGoesHome(Timer))
    return static_cast<int>(result(timerCall(io::TimerCall::Overrun, Timer)));
  return REAL(timer_getoverrun)(Timer);
}

GRID_INTERPOSE int timer_delete(timer_t Timer) noexcept {
  if (timerGoesHome(Timer))
    return static_cast<int>(result(timerCall(io::TimerCall::Delete, Timer)));
  if (remoteCaller()) {
    Local Scope;
    std::lock_guard<std::mutex> Lock(NodeTimersMutex);
    std::vector<timer_t> &Timers = nodeTimers();
    Timers.erase(std::remove(Timers.begin(), Timers.end(), Timer),
                 Timers.end());
    return REAL(timer_delete)(Timer);
  }
  return io::deleteTimer(REAL(timer_delete), Timer);
}

// As the C library's: the wait goes on after an interruption, and the
// error is answered.
GRID_INTERPOSE int sigwait(const sigset_t *Set, int *Signal) {
  if (remoteCaller()) {
    int Got;
    do
      Got = cancellable(
          [&] { return remote::sigtimedwait(Set, nullptr, nullptr); });
    while (Got < 0 && errno == EINTR);
    if (Got < 0)
      return errno;
    *Signal = Got;
    return 0;
  }
  return REAL(sigwait)(Set, Signal);
}

// --- Process identity and environment ----------------------------------------
// gethostname and uname are not caught: they name the host a thread runs on.

GRID_INTERPOSE pid_t getpid() noexcept {
  if (remoteCaller())
    return remote::getpid();
  return REAL(getpid)();
}

GRID_INTERPOSE pid_t getppid() noexcept {
  if (remoteCaller())
    return remote::getppid();
  return REAL(getppid)();
}

// Process groups and sessions are the process's: home's.
GRID_INTERPOSE pid_t getpgid(pid_t Pid) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Getpgid, -1, nullptr,
                        static_cast<uint64_t>(Pid));
  return REAL(getpgid)(Pid);
}

GRID_INTERPOSE pid_t __getpgid(pid_t Pid) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Getpgid, -1, nullptr,
                        static_cast<uint64_t>(Pid));
  return REAL(__getpgid)(Pid);
}

GRID_INTERPOSE pid_t getpgrp() noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Getpgid, -1, nullptr, 0);
  return REAL(getpgrp)();
}

GRID_INTERPOSE pid_t getsid(pid_t Pid) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Getsid, -1, nullptr,
                        static_cast<uint64_t>(Pid));
  return REAL(getsid)(Pid);
}

GRID_INTERPOSE int setpgid(pid_t Pid, pid_t Group) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Setpgid, -1, nullptr,
                        static_cast<uint64_t>(Pid),
                        static_cast<uint64_t>(Group));
  return REAL(setpgid)(Pid, Group);
}

GRID_INTERPOSE int setpgrp() noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Setpgid, -1, nullptr, 0, 0);
  return REAL(setpgrp)();
}

GRID_INTERPOSE pid_t setsid() noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Setsid, -1, nullptr, 0);
  return REAL(setsid)();
}

GRID_INTERPOSE char *getenv(const char *Name) noexcept {
  if (remoteCaller())
    return remote::getenv(Name);
  return REAL(getenv)(Name);
}

GRID_INTERPOSE char *secure_getenv(const char *Name) noexcept {
  if (remoteCaller())
    return remote::getenv(Name);
  return REAL(secure_getenv)(Name);
}

GRID_INTERPOSE int setenv(const char *Name, const char *Value,
                          int Overwrite) noexcept {
  if (remoteCaller())
    return remote::setenv(Name, Value, Overwrite);
  return REAL(setenv)(Name, Value, Overwrite);
}

GRID_INTERPOSE int unsetenv(const char *Name) noexcept {
  if (remoteCaller())
    return remote::unsetenv(Name);
  return REAL(unsetenv)(Name);
}

GRID_INTERPOSE int putenv(char *Text) noexcept {
  if (remoteCaller())
    return remote::putenv(Text);
  return REAL(putenv)(Text);
}

GRID_INTERPOSE char *setlocale(int Category, const char *Locale) noexcept {
  if (remoteCaller())
    return remote::setlocale(Category, Locale);
  return REAL(setlocale)(Category, Locale);
}

// --- Sockets -----------------------------------------------------------------

GRID_INTERPOSE int socket(int Domain, int Type, int Protocol) noexcept {
  GRID_REFUSE_REMOTE("socket");
  return REAL(socket)(Domain, Type, Protocol);
}

GRID_INTERPOSE int connect(int Fd, const struct sockaddr *To, socklen_t Bytes) {
  GRID_REFUSE_REMOTE("connect");
  return REAL(connect)(Fd, To, Bytes);
}

GRID_INTERPOSE int accept(int Fd, struct sockaddr *From, socklen_t *Bytes) {
  GRID_REFUSE_REMOTE("accept");
  return REAL(accept)(Fd, From, Bytes);
}

GRID_INTERPOSE int accept4(int Fd, struct sockaddr *From, socklen_t *Bytes,
                           int Flags) {
  GRID_REFUSE_REMOTE("accept4");
  return REAL(accept4)(Fd, From, Bytes, Flags);
}

GRID_INTERPOSE int bind(int Fd, const struct sockaddr *At,
                        socklen_t Bytes) noexcept {
  GRID_REFUSE_REMOTE("bind");
  return REAL(bind)(Fd, At, Bytes);
}

GRID_INTERPOSE int listen(int Fd, int Backlog) noexcept {
  GRID_REFUSE_REMOTE("listen");
  return REAL(listen)(Fd, Backlog);
}

GRID_INTERPOSE ssize_t send(int Fd, const void *Buf, size_t Bytes, int Flags) {
  GRID_REFUSE_REMOTE("send");
  return REAL(send)(Fd, Buf, Bytes, Flags);
}

GRID_INTERPOSE ssize_t recv(int Fd, void *Buf, size_t Bytes, int Flags) {
  GRID_REFUSE_REMOTE("recv");
  return REAL(recv)(Fd, Buf, Bytes, Flags);
}

GRID_INTERPOSE ssize_t __recv_chk(int Fd, void *Buf, size_t Bytes,
                                  size_t BufBytes, int Flags) {
  GRID_REFUSE_REMOTE("recv");
  return REAL(__recv_chk)(Fd, Buf, Bytes, BufBytes, Flags);
}

GRID_INTERPOSE ssize_t sendto(int Fd, const void *Buf, size_t Bytes, int Flags,
                              const struct sockaddr *To, socklen_t ToBytes) {
  GRID_REFUSE_REMOTE("sendto");
  return REAL(sendto)(Fd, Buf, Bytes, Flags, To, ToBytes);
}

GRID_INTERPOSE ssize_t recvfrom(int Fd, void *Buf, size_t Bytes, int Flags,
                                struct sockaddr *From, socklen_t *FromBytes) {
  GRID_REFUSE_REMOTE("recvfrom");
  return REAL(recvfrom)(Fd, Buf, Bytes, Flags, From, FromBytes);
}

GRID_INTERPOSE ssize_t __recvfrom_chk(int Fd, void *Buf, size_t Bytes,
                                      size_t BufBytes, int Flags,
                                      struct sockaddr *From,
                                      socklen_t *FromBytes) {
  GRID_REFUSE_REMOTE("recvfrom");
  return REAL(__recvfrom_chk)(Fd, Buf, Bytes, BufBytes, Flags, From, FromBytes);
}

GRID_INTERPOSE ssize_t sendmsg(int Fd, const struct msghdr *Message,
                               int Flags) {
  GRID_REFUSE_REMOTE("sendmsg");
  return REAL(sendmsg)(Fd, Message, Flags);
}

GRID_INTERPOSE ssize_t recvmsg(int Fd, struct msghdr *Message, int Flags) {
  GRID_REFUSE_REMOTE("recvmsg");
  return REAL(recvmsg)(Fd, Message, Flags);
}

// --- More files and descriptors ----------------------------------------------

GRID_INTERPOSE int mkstemp(char *Template) {
  if (remoteCaller())
    return remote::mkstemp(Template, 0, 0);
  return REAL(mkstemp)(Template);
}

GRID_INTERPOSE int mkstemp64(char *Template) {
  if (remoteCaller())
    return remote::mkstemp(Template, O_LARGEFILE, 0);
  return REAL(mkstemp64)(Template);
}

GRID_INTERPOSE int mkostemp(char *Template, int Flags) {
  if (remoteCaller())
    return remote::mkstemp(Template, Flags, 0);
  return REAL(mkostemp)(Template, Flags);
}

GRID_INTERPOSE int mkostemp64(char *Template, int Flags) {
  if (remoteCaller())
    return remote::mkstemp(Template, Flags | O_LARGEFILE, 0);
  return REAL(mkostemp64)(Template, Flags);
}

GRID_INTERPOSE int mkstemps(char *Template, int Suffix) {
  if (remoteCaller())
    return remote::mkstemp(Template, 0, Suffix);
  return REAL(mkstemps)(Template, Suffix);
}

GRID_INTERPOSE int mkostemps(char *Template, int Suffix, int Flags) {
  if (remoteCaller())
    return remote::mkstemp(Template, Flags, Suffix);
  return REAL(mkostemps)(Template, Suffix, Flags);
}

GRID_INTERPOSE char *mkdtemp(char *Template) noexcept {
  if (remoteCaller())
    return remote::mkdtemp(Template);
  return REAL(mkdtemp)(Template);
}

GRID_INTERPOSE int remove(const char *Path) noexcept {
  if (remoteCaller())
    return remote::pathCall(io::Op::Remove, Path);
  return REAL(remove)(Path);
}

GRID_INTERPOSE char *realpath(const char *Path, char *Resolved) noexcept {
  if (remoteCaller())
    return remote::realpath(Path, Resolved);
  return REAL(realpath)(Path, Resolved);
}

GRID_INTERPOSE int truncate64(const char *Path, off64_t Length) noexcept {
  if (remoteCaller())
    return remote::truncate(Path, Length);
  return REAL(truncate64)(Path, Length);
}

GRID_INTERPOSE int mkfifo(const char *Path, mode_t Mode) noexcept {
  if (remoteCaller())
    return remote::mkfifoat(AT_FDCWD, Path, Mode);
  return REAL(mkfifo)(Path, Mode);
}

GRID_INTERPOSE int mkfifoat(int Dir, const char *Path, mode_t Mode) noexcept {
  if (remoteCaller())
    return remote::mkfifoat(Dir, Path, Mode);
  return REAL(mkfifoat)(Dir, Path, Mode);
}

GRID_INTERPOSE int flock(int Fd, int Operation) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Flock, Fd, nullptr, Operation);
  return REAL(flock)(Fd, Operation);
}

GRID_INTERPOSE int lockf(int Fd, int Command, off_t Length) {
  if (remoteCaller())
    return remote::ints(io::IntCall::Lockf, Fd, nullptr, Command,
                        static_cast<uint64_t>(Length));
  return REAL(lockf)(Fd, Command, Length);
}

GRID_INTERPOSE int lockf64(int Fd, int Command, off64_t Length) {
  if (remoteCaller())
    return remote::ints(io::IntCall::Lockf, Fd, nullptr, Command,
                        static_cast<uint64_t>(Length));
  return REAL(lockf64)(Fd, Command, Length);
}

GRID_INTERPOSE int fallocate(int Fd, int Mode, off_t Offset, off_t Length) {
  if (remoteCaller())
    return remote::ints(io::IntCall::Fallocate, Fd, nullptr, Mode,
                        static_cast<uint64_t>(Offset),
                        static_cast<uint64_t>(Length));
  return REAL(fallocate)(Fd, Mode, Offset, Length);
}

GRID_INTERPOSE int fallocate64(int Fd, int Mode, off64_t Offset,
                               off64_t Length) {
  if (remoteCaller())
    return remote::ints(io::IntCall::Fallocate, Fd, nullptr, Mode,
                        static_cast<uint64_t>(Offset),
                        static_cast<uint64_t>(Length));
  return REAL(fallocate64)(Fd, Mode, Offset, Length);
}

GRID_INTERPOSE int posix_fallocate(int Fd, off_t Offset, off_t Length) {
  if (remoteCaller())
    return remote::ints(io::IntCall::PosixFallocate, Fd, nullptr,
                        static_cast<uint64_t>(Offset),
                        static_cast<uint64_t>(Length));
  return REAL(posix_fallocate)(Fd, Offset, Length);
}

GRID_INTERPOSE int posix_fallocate64(int Fd, off64_t Offset, off64_t Length) {
  if (remoteCaller())
    return remote::ints(io::IntCall::PosixFallocate, Fd, nullptr,
                        static_cast<uint64_t>(Offset),
                        static_cast<uint64_t>(Length));
  return REAL(posix_fallocate64)(Fd, Offset, Length);
}

GRID_INTERPOSE int fchown(int Fd, uid_t Owner, gid_t Group) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Fchown, Fd, nullptr, Owner, Group);
  return REAL(fchown)(Fd, Owner, Group);
}

GRID_INTERPOSE int chown(const char *Path, uid_t Owner, gid_t Group) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Fchownat, AT_FDCWD, Path, Owner, Group, 0);
  return REAL(chown)(Path, Owner, Group);
}

GRID_INTERPOSE int lchown(const char *Path, uid_t Owner, gid_t Group) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Fchownat, AT_FDCWD, Path, Owner, Group,
                        AT_SYMLINK_NOFOLLOW);
  return REAL(lchown)(Path, Owner, Group);
}

GRID_INTERPOSE int fchownat(int Dir, const char *Path, uid_t Owner, gid_t Group,
                            int Flags) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Fchownat, Dir, Path, Owner, Group,
                        static_cast<uint64_t>(Flags));
  return REAL(fchownat)(Dir, Path, Owner, Group, Flags);
}

GRID_INTERPOSE ssize_t preadv(int Fd, const struct iovec *Iov, int Count,
                              off_t Offset) {
  if (remoteCaller())
    return cancellable([&] {
      return Offset < 0 ? (errno = EINVAL, -1)
                        : remote::readv(Fd, Iov, Count, Offset);
    });
  return homeKernelCall([&] { threads::homeKernelWritesIov(Iov, Count); },
                        [&] { return REAL(preadv)(Fd, Iov, Count, Offset); });
}

GRID_INTERPOSE ssize_t preadv64(int Fd, const struct iovec *Iov, int Count,
                                off64_t Offset) {
  if (remoteCaller())
    return cancellable([&] {
      return Offset < 0 ? (errno = EINVAL, -1)
                        : remote::readv(Fd, Iov, Count, Offset);
    });
  return homeKernelCall([&] { threads::homeKernelWritesIov(Iov, Count); },
                        [&] { return REAL(preadv64)(Fd, Iov, Count, Offset); });
}

GRID_INTERPOSE ssize_t pwritev(int Fd, const struct iovec *Iov, int Count,
                               off_t Offset) {
  if (remoteCaller())
    return cancellable([&] {
      return Offset < 0 ? (errno = EINVAL, -1)
                        : remote::writev(Fd, Iov, Count, Offset);
    });
  return homeKernelCall([&] { threads::homeKernelReadsIov(Iov, Count); },
                        [&] { return REAL(pwritev)(Fd, Iov, Count, Offset); });
}

GRID_INTERPOSE ssize_t pwritev64(int Fd, const struct iovec *Iov, int Count,
                                 off64_t Offset) {
  if (remoteCaller())
    return cancellable([&] {
      return Offset < 0 ? (errno = EINVAL, -1)
                        : remote::writev(Fd, Iov, Count, Offset);
    });
  return homeKernelCall(
      [&] { threads::homeKernelReadsIov(Iov, Count); },
      [&] { return REAL(pwritev64)(Fd, Iov, Count, Offset); });
}

GRID_INTERPOSE int futimens(int Fd, const struct timespec Times[2]) noexcept {
  if (remoteCaller())
    return remote::utimens(Fd, nullptr, Times, 0);
  return REAL(futimens)(Fd, Times);
}

GRID_INTERPOSE int utimensat(int Dir, const char *Path,
                             const struct timespec Times[2],
                             int Flags) noexcept {
  if (remoteCaller())
    return remote::utimensat(Dir, Path, Times, Flags);
  return REAL(utimensat)(Dir, Path, Times, Flags);
}

GRID_INTERPOSE int utimes(const char *Path,
                          const struct timeval Times[2]) noexcept {
  if (remoteCaller()) {
    struct timespec Spec[2];
    return remote::utimens(AT_FDCWD, Path, remote::fromTimevals(Times, Spec),
                           0);
  }
  return REAL(utimes)(Path, Times);
}

GRID_INTERPOSE int utime(const char *Path,
                         const struct utimbuf *Times) noexcept {
  if (remoteCaller()) {
    struct timespec Spec[2];
    if (Times) {
      Spec[0] = {Times->actime, 0};
      Spec[1] = {Times->modtime, 0};
    }
    return remote::utimens(AT_FDCWD, Path, Times ? Spec : nullptr, 0);
  }
  return REAL(utime)(Path, Times);
}

GRID_INTERPOSE int statfs(const char *Path, struct statfs *St) noexcept {
  if (remoteCaller())
    return remote::statFs(false, -1, Path, St, sizeof *St);
  return REAL(statfs)(Path, St);
}

GRID_INTERPOSE int fstatfs(int Fd, struct statfs *St) noexcept {
  if (remoteCaller())
    return remote::statFsFd(false, Fd, St, sizeof *St);
  return REAL(fstatfs)(Fd, St);
}

GRID_INTERPOSE int statvfs(const char *Path, struct statvfs *St) noexcept {
  if (remoteCaller())
    return remote::statFs(true, -1, Path, St, sizeof *St);
  return REAL(statvfs)(Path, St);
}

GRID_INTERPOSE int fstatvfs(int Fd, struct statvfs *St) noexcept {
  if (remoteCaller())
    return remote::statFsFd(true, Fd, St, sizeof *St);
  return REAL(fstatvfs)(Fd, St);
}

GRID_INTERPOSE int mkstemps64(char *Template, int Suffix) {
  if (remoteCaller())
    return remote::mkstemp(Template, O_LARGEFILE, Suffix);
  return REAL(mkstemps64)(Template, Suffix);
}

GRID_INTERPOSE int mkostemps64(char *Template, int Suffix, int Flags) {
  if (remoteCaller())
    return remote::mkstemp(Template, Flags | O_LARGEFILE, Suffix);
  return REAL(mkostemps64)(Template, Suffix, Flags);
}

GRID_INTERPOSE int statfs64(const char *Path, struct statfs64 *St) noexcept {
  if (remoteCaller())
    return remote::statFs(false, -1, Path, St, sizeof *St);
  return REAL(statfs64)(Path, St);
}

GRID_INTERPOSE int fstatfs64(int Fd, struct statfs64 *St) noexcept {
  if (remoteCaller())
    return remote::statFsFd(false, Fd, St, sizeof *St);
  return REAL(fstatfs64)(Fd, St);
}

GRID_INTERPOSE int statvfs64(const char *Path, struct statvfs64 *St) noexcept {
  if (remoteCaller())
    return remote::statFs(true, -1, Path, St, sizeof *St);
  return REAL(statvfs64)(Path, St);
}

GRID_INTERPOSE int fstatvfs64(int Fd, struct statvfs64 *St) noexcept {
  if (remoteCaller())
    return remote::statFsFd(true, Fd, St, sizeof *St);
  return REAL(fstatvfs64)(Fd, St);
}

// The process that exits is home: its exit handlers run and its streams'
// buffers are written there, and the job ends with the status, as on one
// machine. The thread waits for home's exit to end its node.
namespace {
// A remote thread's end of the process happens at home; the thread waits
// for it to end its node too. Should that not happen (home gone already),
// the caller ends this rank itself a while later.
void endAtHome(io::IntCall Call, int Status) {
  remote::ints(Call, -1, nullptr,
               static_cast<uint64_t>(static_cast<uint32_t>(Status)));
  // (Not nanosleep, which a cancellation of the thread would end.)
  struct timespec Left = {30, 0};
  while (clock_nanosleep(CLOCK_MONOTONIC, 0, &Left, &Left) == EINTR) {
  }
}

} // namespace

GRID_INTERPOSE void exit(int Status) noexcept {
  if (remoteCaller())
    endAtHome(io::IntCall::Exit, Status);
  REAL(exit)(Status);
  __builtin_unreachable();
}

namespace {
// The executable's code ([low, high) of each executable segment), found
// before main (resolveAll): _exit may be called from a signal handler.
constexpr int MaxCodeRanges = 8;
constinit uintptr_t CodeLow[MaxCodeRanges] = {}, CodeHigh[MaxCodeRanges] = {};
constinit int CodeRanges = 0;

void findExecutableCode() {
  dl_iterate_phdr(
      [](dl_phdr_info *Info, size_t, void *) {
        for (int I = 0; I < Info->dlpi_phnum && CodeRanges < MaxCodeRanges; ++I)
          if (Info->dlpi_phdr[I].p_type == PT_LOAD &&
              (Info->dlpi_phdr[I].p_flags & PF_X)) {
            CodeLow[CodeRanges] = Info->dlpi_addr + Info->dlpi_phdr[I].p_vaddr;
            CodeHigh[CodeRanges] =
                CodeLow[CodeRanges] + Info->dlpi_phdr[I].p_memsz;
            ++CodeRanges;
          }
        return 1; // the first object is the executable
      },
      nullptr);
}

// Whether the code at Return (a return address) is the executable's: the
// program's own _exit, not the runtime's, MPI's or another library's,
// which end the process on their own paths (a fatal error, MPI_Abort).
bool fromExecutable(void *Return) {
  // The call is the byte before: a call to _exit (noreturn) may be the last
  // instruction of a segment.
  auto At = reinterpret_cast<uintptr_t>(Return) - 1;
  for (int I = 0; I < CodeRanges; ++I)
    if (At >= CodeLow[I] && At < CodeHigh[I])
      return true;
  return false;
}

// _exit and _Exit of the program: at home the other ranks end first, so
// that mpirun ends the job with this status (it would report a rank gone
// without MPI_Finalize, and fail the job, even for status 0); on a remote
// thread the process that ends is home. No handler of the program's runs
// and no stream's buffer is written, as on one machine.
[[noreturn]] void endAtOnce(int Status, void *Return) {
  // A vfork child of a remote thread shares its thread-locals: its _exit
  // is its own.
  if (remoteCaller() && threads::inJobProcess())
    endAtHome(io::IntCall::FastExit, Status);
  else if (!sync::RemoteThread && fromExecutable(Return))
    threads::endJobNow(Status);
  REAL(_exit)(Status);
  __builtin_unreachable();
}
} // namespace

GRID_INTERPOSE void _exit(int Status) {
  endAtOnce(Status, __builtin_return_address(0));
}

GRID_INTERPOSE void _Exit(int Status) {
  endAtOnce(Status, __builtin_return_address(0));
}

// atexit, at_quick_exit and the destructors of C++ statics (a function's
// static, made on first use, registers its destructor then) of a remote
// thread: registered at home, where the program exits, in their turn with
// home's own, when home can run them on what they were registered for:
// an object in the shared memory (the executable's globals, the heap), or
// none and a function of the executable's. The rest stays on the node: a
// library's own state is the node's copy (a library's static made here
// lies in that library's memory, which only the node has made), and a
// library only the node loaded has its destructors run by its dlclose.
namespace {
bool registerAtHome(bool Quick, void (*Function)(void *), void *Argument,
                    void *Handle) {
  std::string Module;
  uintptr_t Base = 0;
  {
    Local Scope;
    if (!threads::moduleOf(reinterpret_cast<uintptr_t>(Function), Module, Base))
      return false;
    dsm::Space *Shared = threads::space();
    if (Argument ? !(Shared && Shared->contains(Argument)) : !Module.empty())
      return false;
  }
  HomeCall C(io::Op::Atexit);
  C.args()
      .u32(Quick)
      .u64(reinterpret_cast<uint64_t>(Function))
      .u64(reinterpret_cast<uint64_t>(Argument))
      .u64(reinterpret_cast<uint64_t>(Handle))
      .str(Module)
      .u64(Base);
  threads::HomeAnswer A = C.send();
  return A.Value == 0;
}
} // namespace

GRID_INTERPOSE int __cxa_atexit(void (*Function)(void *), void *Argument,
                                void *Handle) noexcept {
  if (remoteCaller() && threads::inJobProcess() &&
      registerAtHome(false, Function, Argument, Handle))
    return 0;
  return REAL(__cxa_atexit)(Function, Argument, Handle);
}

GRID_INTERPOSE int __cxa_at_quick_exit(void (*Function)(void *),
                                       void *Handle) noexcept {
  if (remoteCaller() && threads::inJobProcess() &&
      registerAtHome(true, Function, nullptr, Handle))
    return 0;
  return REAL(__cxa_at_quick_exit)(Function, Handle);
}

// pthread_atfork (glibc's libc_nonshared turns it into __register_atfork).
// A remote thread's handlers are registered on its node, for the forks of
// its threads, and at home, for home's, when they are the executable's
// functions (a library's would run on home's copy of the library's state,
// which may never have been made). Home keeps a list of the executable's
// handlers registered there, its own threads' included, and a remote
// thread about to fork registers on its node those the node has not yet
// (fetchForkHandlersForFork, from forkProcess), so that the program's
// handlers run for a fork on any node, as on one machine.
namespace {
using ForkHandler = std::array<uint64_t, 4>; // prepare, parent, child, handle
struct ForkHandlers {
  std::mutex M;
  std::vector<ForkHandler> List; // home: registered; node: registered here
};
ForkHandlers &forkHandlers() {
  static auto *Handlers = new ForkHandlers; // lives until exit
  return *Handlers;
}

bool executableFunctions(std::initializer_list<void (*)()> Calls) {
  for (void (*Call)() : Calls)
    if (Call && !threads::inExecutable(reinterpret_cast<uintptr_t>(Call)))
      return false;
  return true;
}

void noteForkHandler(const ForkHandler &H) {
  Local Scope;
  ForkHandlers &Handlers = forkHandlers();
  std::lock_guard<std::mutex> Lock(Handlers.M);
  Handlers.List.push_back(H);
}
} // namespace

GRID_INTERPOSE int __register_atfork(void (*Prepare)(), void (*Parent)(),
                                     void (*Child)(), void *Handle) noexcept {
  ForkHandler H = {
      reinterpret_cast<uint64_t>(Prepare), reinterpret_cast<uint64_t>(Parent),
      reinterpret_cast<uint64_t>(Child), reinterpret_cast<uint64_t>(Handle)};
  bool Executable = executableFunctions({Prepare, Parent, Child});
  if (remoteCaller() && threads::inJobProcess() && Executable) {
    HomeCall C(io::Op::Atfork);
    C.args().u64(H[0]).u64(H[1]).u64(H[2]).u64(H[3]);
    // Home's error number, or -1 where home refused the functions (the
    // node keeps them).
    int64_t Home = C.send().Value;
    if (Home > 0)
      return static_cast<int>(Home);
    Executable = Home == 0;
  }
  int Result = REAL(__register_atfork)(Prepare, Parent, Child, Handle);
  if (Result == 0 && Executable && !sync::InRuntime)
    noteForkHandler(H);
  return Result;
}

void io::fetchForkHandlersForFork() {
  Local Scope;
  HomeCall C(io::Op::AtforkList);
  threads::HomeAnswer A = C.send();
  if (A.Value != 0 || A.Data.size() % sizeof(ForkHandler) != 0)
    return;
  std::vector<ForkHandler> Home(A.Data.size() / sizeof(ForkHandler));
  std::memcpy(Home.data(), A.Data.data(), A.Data.size());
  ForkHandlers &Handlers = forkHandlers();
  std::lock_guard<std::mutex> Lock(Handlers.M);
  for (const ForkHandler &H : Home) {
    if (std::find(Handlers.List.begin(), Handlers.List.end(), H) !=
        Handlers.List.end())
      continue;
    using Call = void (*)();
    if (REAL(__register_atfork)(
            reinterpret_cast<Call>(H[0]), reinterpret_cast<Call>(H[1]),
            reinterpret_cast<Call>(H[2]), reinterpret_cast<void *>(H[3])) == 0)
      Handlers.List.push_back(H);
  }
}

std::string io::executableForkHandlers() {
  ForkHandlers &Handlers = forkHandlers();
  std::lock_guard<std::mutex> Lock(Handlers.M);
  return std::string(reinterpret_cast<const char *>(Handlers.List.data()),
                     Handlers.List.size() * sizeof(ForkHandler));
}

// The guards of C++ statics a function makes on first use: the compiler
// calls __cxa_guard_acquire while a static's guard reads unset, makes the
// static if it answers 1, then calls __cxa_guard_release (or, if the
// constructor throws, __cxa_guard_abort). The C++ runtime waits on the
// guard's futex, which no other process's wake reaches: a thread on
// another node waiting for a static that a thread elsewhere makes waited
// for ever. A remote thread's guard in the shared memory is therefore
// taken, released and abandoned at home, by its shadow, with the C++
// runtime's own protocol on home's memory, where every other thread does
// it too (shared calls: the static's construction is released before its
// guard is, and acquired by whoever finds it made). A guard elsewhere (a
// library's own static, the node's copy) stays on the node.
namespace {
bool guardAtHome(__cxxabiv1::__guard *Guard) {
  if (!remoteCaller() || !threads::inJobProcess())
    return false;
  dsm::Space *Shared = threads::space();
  return Shared && Shared->contains(Guard);
}

int64_t guardCall(uint32_t Call, __cxxabiv1::__guard *Guard) {
  HomeCall C(io::Op::Guard, /*Shared=*/true);
  C.args().u32(Call).u64(reinterpret_cast<uint64_t>(Guard));
  return C.send().Value;
}
} // namespace

GRID_INTERPOSE int __cxa_guard_acquire(__cxxabiv1::__guard *Guard) noexcept {
  if (guardAtHome(Guard))
    return static_cast<int>(guardCall(0, Guard));
  return REAL(__cxa_guard_acquire)(Guard);
}

GRID_INTERPOSE void __cxa_guard_release(__cxxabiv1::__guard *Guard) noexcept {
  if (guardAtHome(Guard)) {
    guardCall(1, Guard);
    return;
  }
  REAL(__cxa_guard_release)(Guard);
}

GRID_INTERPOSE void __cxa_guard_abort(__cxxabiv1::__guard *Guard) noexcept {
  if (guardAtHome(Guard)) {
    guardCall(2, Guard);
    return;
  }
  REAL(__cxa_guard_abort)(Guard);
}

// std::atomic_load, atomic_store, atomic_exchange and
// atomic_compare_exchange of a std::shared_ptr (the free functions) lock one
// or two of 16 mutexes of libstdc++.so's, chosen by the pointers' addresses,
// in std::_Sp_locker, whose constructors and destructor are compiled there
// (src/c++11/shared_ptr.cc). Each node locked its own: threads on two nodes
// swapped one shared_ptr at once, and its object and count were freed twice
// (a remote thread's atomic_store crashed its agent within thousands of
// stores). A remote thread's locker of a shared_ptr in the shared memory is
// therefore taken and released at home by its shadow, with libstdc++'s own
// mutexes, which home's threads take too; both are shared calls (the lock
// acquires what the last holder released, the unlock releases what this
// one wrote). The locker's two bytes keep home's keys, marked with
// RemoteKey, so that its destructor goes home; a locker of memory that is
// not shared (a library's own, the node's copy) stays on the node.
namespace {
constexpr unsigned char RemoteKey = 0x80; // libstdc++'s keys are 0 to 16

// Decided by the first pointer, the shared_ptr operated on: the second is
// compare_exchange's expected value, usually the caller's own variable
// (on a remote thread's stack, which is shared memory), and a locker of a
// node's own shared_ptr must take the node's mutexes, as its other
// lockers there do.
bool lockerAtHome(const void *First) {
  if (!remoteCaller() || !threads::inJobProcess())
    return false;
  dsm::Space *Shared = threads::space();
  return Shared && Shared->contains(First);
}

/// Home's keys, first in bits 0-7 and second in bits 8-15.
int64_t lockAtHome(const void *First, const void *Second) {
  HomeCall C(io::Op::SpLocker, /*Shared=*/true);
  C.args()
      .u32(0)
      .u64(reinterpret_cast<uint64_t>(First))
      .u64(reinterpret_cast<uint64_t>(Second));
  int64_t Keys = C.send().Value;
  // libstdc++'s keys are 0 to 16 (16: threads inactive, no mutex).
  if (Keys < 0 || (Keys & 0xff) > 16 || (Keys >> 8) > 16)
    core::fatal("",
                "internal error: home answered std::_Sp_locker keys " +
                    std::to_string(Keys),
                "please report this to the Grid developers");
  return Keys;
}
} // namespace

__attribute__((visibility("default")))
std::_Sp_locker::_Sp_locker(const void *Pointer) noexcept {
  if (!lockerAtHome(Pointer)) {
    REAL_LOCKER(LockerOne)(this, Pointer);
    return;
  }
  // libstdc++'s one-pointer locker is its two-pointer one with both alike.
  int64_t Keys = lockAtHome(Pointer, Pointer);
  _M_key1 = static_cast<unsigned char>(Keys) | RemoteKey;
  _M_key2 = static_cast<unsigned char>(Keys >> 8) | RemoteKey;
}

__attribute__((visibility("default")))
std::_Sp_locker::_Sp_locker(const void *First, const void *Second) noexcept {
  if (!lockerAtHome(First)) {
    REAL_LOCKER(LockerTwo)(this, First, Second);
    return;
  }
  int64_t Keys = lockAtHome(First, Second);
  _M_key1 = static_cast<unsigned char>(Keys) | RemoteKey;
  _M_key2 = static_cast<unsigned char>(Keys >> 8) | RemoteKey;
}

__attribute__((visibility("default"))) std::_Sp_locker::~_Sp_locker() {
  if (!(_M_key1 & RemoteKey)) {
    REAL_LOCKER(LockerEnd)(this);
    return;
  }
  HomeCall C(io::Op::SpLocker, /*Shared=*/true);
  C.args().u32(1).u32((_M_key1 & ~RemoteKey) | (_M_key2 & ~RemoteKey) << 8);
  C.send();
}

// quick_exit runs the at_quick_exit handlers of home, where main
// registered them, and then ends the job (threads::endJobNow).
GRID_INTERPOSE void quick_exit(int Status) noexcept {
  if (remoteCaller() && threads::inJobProcess())
    endAtHome(io::IntCall::QuickExit, Status);
  threads::noteQuickExit(Status);
  REAL(quick_exit)(Status);
  __builtin_unreachable();
}

// The processors a program sees are those its threads may run on: at home,
// with thread tolerance near or any, this machine's and the agents' the
// tolerance lets threads go to (io::programProcessors); on a remote thread,
// home's answer. So std::thread::hardware_concurrency() (libstdc++ calls
// get_nprocs), and a pool sized by it or by sysconf, cover the nodes too.
GRID_INTERPOSE int get_nprocs() noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Processors, -1, nullptr, 0);
  return static_cast<int>(io::programProcessors(REAL(get_nprocs)()));
}

GRID_INTERPOSE int get_nprocs_conf() noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Processors, -1, nullptr, 1);
  return static_cast<int>(io::programProcessors(REAL(get_nprocs_conf)()));
}

// sysconf's other names are the C library's own (::__sysconf, called with
// no look-up: jemalloc asks sysconf for the page size while the first
// allocation is being served, before any constructor has run).
GRID_INTERPOSE long sysconf(int Name) noexcept {
  if (Name != _SC_NPROCESSORS_ONLN && Name != _SC_NPROCESSORS_CONF)
    return ::__sysconf(Name);
  uint64_t Configured = Name == _SC_NPROCESSORS_CONF;
  if (remoteCaller())
    return remote::ints(io::IntCall::Processors, -1, nullptr, Configured);
  return io::programProcessors(::__sysconf(Name));
}

// The mask of files the thread creates is home's, where they are created.
GRID_INTERPOSE mode_t umask(mode_t Mask) noexcept {
  if (remoteCaller())
    return static_cast<mode_t>(
        remote::ints(io::IntCall::Umask, -1, nullptr, Mask));
  return REAL(umask)(Mask);
}

// The random number generators of the C library whose state is the
// process's draw from home's (remote::randomCall).
GRID_INTERPOSE int rand() noexcept {
  if (remoteCaller())
    return static_cast<int>(remote::randomCall(io::RandomCall::Rand));
  return REAL(rand)();
}

GRID_INTERPOSE void srand(unsigned Seed) noexcept {
  if (remoteCaller()) {
    remote::randomCall(io::RandomCall::Srand, Seed);
    return;
  }
  REAL(srand)(Seed);
}

GRID_INTERPOSE long random() noexcept {
  if (remoteCaller())
    return static_cast<long>(remote::randomCall(io::RandomCall::Random));
  return REAL(random)();
}

GRID_INTERPOSE void srandom(unsigned Seed) noexcept {
  if (remoteCaller()) {
    remote::randomCall(io::RandomCall::Srandom, Seed);
    return;
  }
  REAL(srandom)(Seed);
}

GRID_INTERPOSE char *initstate(unsigned Seed, char *State,
                               size_t Bytes) noexcept {
  if (remoteCaller())
    return reinterpret_cast<char *>(
        remote::randomCall(io::RandomCall::Initstate, Seed,
                           reinterpret_cast<uint64_t>(State), Bytes));
  return REAL(initstate)(Seed, State, Bytes);
}

GRID_INTERPOSE char *setstate(char *State) noexcept {
  if (remoteCaller())
    return reinterpret_cast<char *>(remote::randomCall(
        io::RandomCall::Setstate, 0, reinterpret_cast<uint64_t>(State)));
  return REAL(setstate)(State);
}

GRID_INTERPOSE double drand48() noexcept {
  if (remoteCaller())
    return remote::drand48();
  return REAL(drand48)();
}

GRID_INTERPOSE long lrand48() noexcept {
  if (remoteCaller())
    return static_cast<long>(remote::randomCall(io::RandomCall::Lrand48));
  return REAL(lrand48)();
}

GRID_INTERPOSE long mrand48() noexcept {
  if (remoteCaller())
    return static_cast<long>(remote::randomCall(io::RandomCall::Mrand48));
  return REAL(mrand48)();
}

GRID_INTERPOSE void srand48(long Seed) noexcept {
  if (remoteCaller()) {
    remote::randomCall(io::RandomCall::Srand48, static_cast<uint64_t>(Seed));
    return;
  }
  REAL(srand48)(Seed);
}

GRID_INTERPOSE unsigned short *seed48(unsigned short Seed[3]) noexcept {
  if (remoteCaller())
    return remote::seed48(Seed);
  return REAL(seed48)(Seed);
}

GRID_INTERPOSE void lcong48(unsigned short Parameters[7]) noexcept {
  if (remoteCaller()) {
    remote::randomCall(
        io::RandomCall::Lcong48, 0, 0, 0,
        std::string_view(reinterpret_cast<const char *>(Parameters),
                         7 * sizeof *Parameters));
    return;
  }
  REAL(lcong48)(Parameters);
}

// Home's descriptors: closing the agent's would close its MPI sockets.
GRID_INTERPOSE void closefrom(int Lowest) noexcept {
  if (remoteCaller())
    return void(remote::ints(io::IntCall::CloseRange, Lowest, nullptr, ~0u, 0));
  REAL(closefrom)(Lowest);
}

GRID_INTERPOSE int close_range(unsigned First, unsigned Last,
                               int Flags) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::CloseRange, static_cast<int>(First),
                        nullptr, Last, static_cast<uint64_t>(Flags));
  return REAL(close_range)(First, Last, Flags);
}

// Descriptors these make would be the agent's, named by numbers the
// thread's other calls take for home's: refused like sockets.

GRID_INTERPOSE int socketpair(int Domain, int Type, int Protocol,
                              int Fds[2]) noexcept {
  GRID_REFUSE_REMOTE("socketpair");
  return REAL(socketpair)(Domain, Type, Protocol, Fds);
}

GRID_INTERPOSE int eventfd(unsigned Initial, int Flags) noexcept {
  GRID_REFUSE_REMOTE("eventfd");
  return REAL(eventfd)(Initial, Flags);
}

GRID_INTERPOSE int epoll_create(int Size) noexcept {
  GRID_REFUSE_REMOTE("epoll_create");
  return REAL(epoll_create)(Size);
}

GRID_INTERPOSE int epoll_create1(int Flags) noexcept {
  GRID_REFUSE_REMOTE("epoll_create1");
  return REAL(epoll_create1)(Flags);
}

GRID_INTERPOSE int timerfd_create(int Clock, int Flags) noexcept {
  GRID_REFUSE_REMOTE("timerfd_create");
  return REAL(timerfd_create)(Clock, Flags);
}

GRID_INTERPOSE int signalfd(int Fd, const sigset_t *Mask, int Flags) noexcept {
  GRID_REFUSE_REMOTE("signalfd");
  return REAL(signalfd)(Fd, Mask, Flags);
}

GRID_INTERPOSE int inotify_init() noexcept {
  GRID_REFUSE_REMOTE("inotify_init");
  return REAL(inotify_init)();
}

GRID_INTERPOSE int inotify_init1(int Flags) noexcept {
  GRID_REFUSE_REMOTE("inotify_init1");
  return REAL(inotify_init1)(Flags);
}

GRID_INTERPOSE int memfd_create(const char *Name, unsigned Flags) noexcept {
  GRID_REFUSE_REMOTE("memfd_create");
  return REAL(memfd_create)(Name, Flags);
}

// --- Streams -----------------------------------------------------------------
// A remote thread's FILE pointers are home's, stdin, stdout and stderr
// included: every call on them is carried home, except on the streams the
// thread made on its node (open_memstream...), which are its own.

GRID_INTERPOSE FILE *fopen(const char *Path, const char *Mode) {
  if (remoteCaller())
    return remote::fopen(Path, Mode);
  return REAL(fopen)(Path, Mode);
}

GRID_INTERPOSE FILE *fopen64(const char *Path, const char *Mode) {
  if (remoteCaller())
    return remote::fopen(Path, Mode);
  return REAL(fopen64)(Path, Mode);
}

GRID_INTERPOSE FILE *fdopen(int Fd, const char *Mode) noexcept {
  if (remoteCaller())
    return remote::fdopen(Fd, Mode);
  return REAL(fdopen)(Fd, Mode);
}

GRID_INTERPOSE FILE *freopen(const char *Path, const char *Mode, FILE *F) {
  if (remoteStream(F))
    return remote::freopen(Path, Mode, F);
  return REAL(freopen)(Path, Mode, F);
}

GRID_INTERPOSE FILE *freopen64(const char *Path, const char *Mode, FILE *F) {
  if (remoteStream(F))
    return remote::freopen(Path, Mode, F);
  return REAL(freopen64)(Path, Mode, F);
}

GRID_INTERPOSE int fclose(FILE *F) {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Fclose, F);
  int Result;
  if (grid::api::closePopenStream(F, &Result)) // as glibc's for popen's
    return Result;
  return REAL(fclose)(F);
}

GRID_INTERPOSE int fflush(FILE *F) {
  if (remoteStream(F) || (!F && remoteCaller())) // NULL: all of home's
    return remote::streamCall(io::Op::Fflush, F);
  return REAL(fflush)(F);
}

GRID_INTERPOSE int fflush_unlocked(FILE *F) {
  if (remoteStream(F) || (!F && remoteCaller()))
    return remote::streamCall(io::Op::Fflush, F);
  return REAL(fflush_unlocked)(F);
}

GRID_INTERPOSE size_t fwrite(const void *Buf, size_t Size, size_t Count,
                             FILE *F) {
  if (remoteStream(F))
    return remote::fwrite(Buf, Size, Count, F);
  threads::homeKernelReads(Buf, itemsBytes(Size, Count));
  return REAL(fwrite)(Buf, Size, Count, F);
}

GRID_INTERPOSE size_t fwrite_unlocked(const void *Buf, size_t Size,
                                      size_t Count, FILE *F) {
  if (remoteStream(F))
    return remote::fwrite(Buf, Size, Count, F);
  threads::homeKernelReads(Buf, itemsBytes(Size, Count));
  return REAL(fwrite_unlocked)(Buf, Size, Count, F);
}

GRID_INTERPOSE int fputs(const char *Text, FILE *F) {
  if (remoteStream(F))
    return remote::fputs(Text, F);
  return REAL(fputs)(Text, F);
}

GRID_INTERPOSE int fputs_unlocked(const char *Text, FILE *F) {
  if (remoteStream(F))
    return remote::fputs(Text, F);
  return REAL(fputs_unlocked)(Text, F);
}

GRID_INTERPOSE int puts(const char *Text) {
  if (remoteCaller())
    return remote::puts(Text);
  return REAL(puts)(Text);
}

GRID_INTERPOSE int fputc(int C, FILE *F) {
  if (remoteStream(F))
    return remote::putc(C, F);
  return REAL(fputc)(C, F);
}

GRID_INTERPOSE int fputc_unlocked(int C, FILE *F) {
  if (remoteStream(F))
    return remote::putc(C, F);
  return REAL(fputc_unlocked)(C, F);
}

GRID_INTERPOSE int putc(int C, FILE *F) {
  if (remoteStream(F))
    return remote::putc(C, F);
  return REAL(putc)(C, F);
}

GRID_INTERPOSE int putc_unlocked(int C, FILE *F) {
  if (remoteStream(F))
    return remote::putc(C, F);
  return REAL(putc_unlocked)(C, F);
}

GRID_INTERPOSE int putchar(int C) {
  if (remoteCaller())
    return remote::putc(C, stdout);
  return REAL(putchar)(C);
}

GRID_INTERPOSE int putchar_unlocked(int C) {
  if (remoteCaller())
    return remote::putc(C, stdout);
  return REAL(putchar_unlocked)(C);
}

// What the inline putc_unlocked of code the plugin did not see calls when
// the buffer is full.
GRID_INTERPOSE int __overflow(FILE *F, int C) {
  if (remoteStream(F))
    return remote::putc(C, F);
  return REAL(__overflow)(F, C);
}

GRID_INTERPOSE int printf(const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  int Result = remoteCaller() ? remote::vfprintf(stdout, Format, Args)
                              : REAL(vprintf)(Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int vprintf(const char *Format, va_list Args) {
  if (remoteCaller())
    return remote::vfprintf(stdout, Format, Args);
  return REAL(vprintf)(Format, Args);
}

GRID_INTERPOSE int __printf_chk(int Flag, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  int Result = remoteCaller() ? remote::vfprintf(stdout, Format, Args)
                              : REAL(__vprintf_chk)(Flag, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int __vprintf_chk(int Flag, const char *Format, va_list Args) {
  if (remoteCaller())
    return remote::vfprintf(stdout, Format, Args);
  return REAL(__vprintf_chk)(Flag, Format, Args);
}

GRID_INTERPOSE int fprintf(FILE *F, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  int Result = remoteStream(F) ? remote::vfprintf(F, Format, Args)
                               : REAL(vfprintf)(F, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int vfprintf(FILE *F, const char *Format, va_list Args) {
  if (remoteStream(F))
    return remote::vfprintf(F, Format, Args);
  return REAL(vfprintf)(F, Format, Args);
}

GRID_INTERPOSE int __fprintf_chk(FILE *F, int Flag, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  int Result = remoteStream(F) ? remote::vfprintf(F, Format, Args)
                               : REAL(__vfprintf_chk)(F, Flag, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int __vfprintf_chk(FILE *F, int Flag, const char *Format,
                                  va_list Args) {
  if (remoteStream(F))
    return remote::vfprintf(F, Format, Args);
  return REAL(__vfprintf_chk)(F, Flag, Format, Args);
}

// The C library's messages on stderr (remote::perror and what follows it).
GRID_INTERPOSE void perror(const char *S) {
  if (remoteCaller())
    return remote::perror(S);
  REAL(perror)(S);
}

GRID_INTERPOSE void psignal(int Signal, const char *S) {
  if (remoteCaller())
    return remote::psignal(Signal, S);
  REAL(psignal)(Signal, S);
}

GRID_INTERPOSE void herror(const char *S) {
  if (remoteCaller())
    return remote::herror(S);
  REAL(herror)(S);
}

// The C library has no va_list form of error and error_at_line: home's
// threads pass it the message formatted here, with "%s".
GRID_INTERPOSE void error(int Status, int Errnum, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  if (remoteCaller()) {
    remote::error(Status, Errnum, false, nullptr, 0, Format, Args);
    va_end(Args);
    return;
  }
  std::string Message;
  bool Formatted = remote::format(Message, Format, Args);
  va_end(Args);
  REAL(error)(Status, Errnum, "%s", Formatted ? Message.c_str() : "");
}

GRID_INTERPOSE void error_at_line(int Status, int Errnum, const char *File,
                                  unsigned Line, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  if (remoteCaller()) {
    remote::error(Status, Errnum, true, File, Line, Format, Args);
    va_end(Args);
    return;
  }
  std::string Message;
  bool Formatted = remote::format(Message, Format, Args);
  va_end(Args);
  REAL(error_at_line)
  (Status, Errnum, File, Line, "%s", Formatted ? Message.c_str() : "");
}

namespace {
// The warn family's message: called directly (not by its exported name,
// which a program may define for itself and the executable then exports
// in the C library's stead).
void warnMessage(bool WithErrno, const char *Format, va_list Args) {
  if (remoteCaller())
    return remote::warn(WithErrno, Format, Args);
  (WithErrno ? REAL(vwarn) : REAL(vwarnx))(Format, Args);
}
} // namespace

GRID_INTERPOSE void vwarn(const char *Format, va_list Args) {
  warnMessage(true, Format, Args);
}

GRID_INTERPOSE void vwarnx(const char *Format, va_list Args) {
  warnMessage(false, Format, Args);
}

GRID_INTERPOSE void warn(const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  warnMessage(true, Format, Args);
  va_end(Args);
}

GRID_INTERPOSE void warnx(const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  warnMessage(false, Format, Args);
  va_end(Args);
}

// err and its kind: the message as warn's, then exit (home's, on a remote
// thread).
GRID_INTERPOSE void verr(int Status, const char *Format, va_list Args) {
  warnMessage(true, Format, Args);
  exit(Status);
}

GRID_INTERPOSE void verrx(int Status, const char *Format, va_list Args) {
  warnMessage(false, Format, Args);
  exit(Status);
}

GRID_INTERPOSE void err(int Status, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  warnMessage(true, Format, Args);
  exit(Status);
}

GRID_INTERPOSE void errx(int Status, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  warnMessage(false, Format, Args);
  exit(Status);
}

GRID_INTERPOSE void __assert_fail(const char *Assertion, const char *File,
                                  unsigned Line,
                                  const char *Function) noexcept {
  if (remoteCaller())
    remote::assertFailed(Assertion, 0, File, Line, Function);
  REAL(__assert_fail)(Assertion, File, Line, Function);
  __builtin_unreachable();
}

GRID_INTERPOSE void __assert_perror_fail(int Errnum, const char *File,
                                         unsigned Line,
                                         const char *Function) noexcept {
  if (remoteCaller())
    remote::assertFailed(nullptr, Errnum, File, Line, Function);
  REAL(__assert_perror_fail)(Errnum, File, Line, Function);
  __builtin_unreachable();
}

GRID_INTERPOSE void backtrace_symbols_fd(void *const *Frames, int Count,
                                         int Fd) {
  if (remoteCaller())
    return remote::backtraceSymbols(Frames, Count, Fd);
  REAL(backtrace_symbols_fd)(Frames, Count, Fd);
}

GRID_INTERPOSE int dprintf(int Fd, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  int Result = remoteCaller() ? remote::vdprintf(Fd, Format, Args)
                              : REAL(vdprintf)(Fd, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int vdprintf(int Fd, const char *Format, va_list Args) {
  if (remoteCaller())
    return remote::vdprintf(Fd, Format, Args);
  return REAL(vdprintf)(Fd, Format, Args);
}

GRID_INTERPOSE int __dprintf_chk(int Fd, int Flag, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  int Result = remoteCaller() ? remote::vdprintf(Fd, Format, Args)
                              : REAL(__vdprintf_chk)(Fd, Flag, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int __vdprintf_chk(int Fd, int Flag, const char *Format,
                                  va_list Args) {
  if (remoteCaller())
    return remote::vdprintf(Fd, Format, Args);
  return REAL(__vdprintf_chk)(Fd, Flag, Format, Args);
}

GRID_INTERPOSE size_t fread(void *Buf, size_t Size, size_t Count, FILE *F) {
  if (remoteStream(F))
    return remote::fread(Buf, Size, Count, F);
  threads::homeKernelWrites(Buf, itemsBytes(Size, Count));
  return REAL(fread)(Buf, Size, Count, F);
}

GRID_INTERPOSE size_t fread_unlocked(void *Buf, size_t Size, size_t Count,
                                     FILE *F) {
  if (remoteStream(F))
    return remote::fread(Buf, Size, Count, F);
  threads::homeKernelWrites(Buf, itemsBytes(Size, Count));
  return REAL(fread_unlocked)(Buf, Size, Count, F);
}

GRID_INTERPOSE size_t __fread_chk(void *Buf, size_t BufBytes, size_t Size,
                                  size_t Count, FILE *F) {
  if (remoteStream(F) && (!Size || Count <= BufBytes / Size))
    return remote::fread(Buf, Size, Count, F);
  threads::homeKernelWrites(Buf, itemsBytes(Size, Count));
  return REAL(__fread_chk)(Buf, BufBytes, Size, Count, F);
}

GRID_INTERPOSE size_t __fread_unlocked_chk(void *Buf, size_t BufBytes,
                                           size_t Size, size_t Count, FILE *F) {
  if (remoteStream(F) && (!Size || Count <= BufBytes / Size))
    return remote::fread(Buf, Size, Count, F);
  threads::homeKernelWrites(Buf, itemsBytes(Size, Count));
  return REAL(__fread_unlocked_chk)(Buf, BufBytes, Size, Count, F);
}

GRID_INTERPOSE char *fgets(char *Buf, int Bytes, FILE *F) {
  if (remoteStream(F))
    return remote::fgets(Buf, Bytes, F);
  return REAL(fgets)(Buf, Bytes, F);
}

GRID_INTERPOSE char *fgets_unlocked(char *Buf, int Bytes, FILE *F) {
  if (remoteStream(F))
    return remote::fgets(Buf, Bytes, F);
  return REAL(fgets_unlocked)(Buf, Bytes, F);
}

GRID_INTERPOSE char *__fgets_chk(char *Buf, size_t BufBytes, int Bytes,
                                 FILE *F) {
  if (remoteStream(F) && Bytes >= 0 && size_t(Bytes) <= BufBytes)
    return remote::fgets(Buf, Bytes, F);
  return REAL(__fgets_chk)(Buf, BufBytes, Bytes, F);
}

GRID_INTERPOSE char *__fgets_unlocked_chk(char *Buf, size_t BufBytes, int Bytes,
                                          FILE *F) {
  if (remoteStream(F) && Bytes >= 0 && size_t(Bytes) <= BufBytes)
    return remote::fgets(Buf, Bytes, F);
  return REAL(__fgets_unlocked_chk)(Buf, BufBytes, Bytes, F);
}

GRID_INTERPOSE int fgetc(FILE *F) {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Fgetc, F);
  return REAL(fgetc)(F);
}

GRID_INTERPOSE int fgetc_unlocked(FILE *F) {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Fgetc, F);
  return REAL(fgetc_unlocked)(F);
}

GRID_INTERPOSE int getc(FILE *F) {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Fgetc, F);
  return REAL(getc)(F);
}

GRID_INTERPOSE int getc_unlocked(FILE *F) {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Fgetc, F);
  return REAL(getc_unlocked)(F);
}

GRID_INTERPOSE int getchar() {
  if (remoteCaller())
    return remote::streamCall(io::Op::Fgetc, stdin);
  return REAL(getchar)();
}

GRID_INTERPOSE int getchar_unlocked() {
  if (remoteCaller())
    return remote::streamCall(io::Op::Fgetc, stdin);
  return REAL(getchar_unlocked)();
}

// What the inline getc_unlocked of code the plugin did not see calls when
// the buffer is empty.
GRID_INTERPOSE int __uflow(FILE *F) {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Fgetc, F);
  return REAL(__uflow)(F);
}

GRID_INTERPOSE int ungetc(int C, FILE *F) {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Ungetc, F, C);
  return REAL(ungetc)(C, F);
}

GRID_INTERPOSE ssize_t getline(char **Line, size_t *Bytes, FILE *F) {
  if (remoteStream(F))
    return remote::getdelim(Line, Bytes, '\n', F);
  return REAL(getline)(Line, Bytes, F);
}

GRID_INTERPOSE ssize_t getdelim(char **Line, size_t *Bytes, int Delimiter,
                                FILE *F) {
  if (remoteStream(F))
    return remote::getdelim(Line, Bytes, Delimiter, F);
  return REAL(getdelim)(Line, Bytes, Delimiter, F);
}

// The inline getline of optimised code.
GRID_INTERPOSE ssize_t __getdelim(char **Line, size_t *Bytes, int Delimiter,
                                  FILE *F) {
  if (remoteStream(F))
    return remote::getdelim(Line, Bytes, Delimiter, F);
  return REAL(__getdelim)(Line, Bytes, Delimiter, F);
}

// fscanf and scanf: <stdio.h> names them __isoc99_fscanf... (asm labels),
// the symbols C and C++ code call; these definitions are those symbols.
GRID_INTERPOSE int fscanf(FILE *F, const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  int Result = remoteStream(F) ? remote::vfscanf(F, Format, Args)
                               : REAL(__isoc99_vfscanf)(F, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int vfscanf(FILE *F, const char *Format, va_list Args) {
  if (remoteStream(F))
    return remote::vfscanf(F, Format, Args);
  return REAL(__isoc99_vfscanf)(F, Format, Args);
}

GRID_INTERPOSE int scanf(const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  int Result = remoteCaller() ? remote::vfscanf(stdin, Format, Args)
                              : REAL(__isoc99_vscanf)(Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int vscanf(const char *Format, va_list Args) {
  if (remoteCaller())
    return remote::vfscanf(stdin, Format, Args);
  return REAL(__isoc99_vscanf)(Format, Args);
}

GRID_INTERPOSE int fseek(FILE *F, long Offset, int Whence) {
  if (remoteStream(F))
    return remote::fseek(F, Offset, Whence);
  return REAL(fseek)(F, Offset, Whence);
}

GRID_INTERPOSE int fseeko(FILE *F, off_t Offset, int Whence) {
  if (remoteStream(F))
    return remote::fseek(F, Offset, Whence);
  return REAL(fseeko)(F, Offset, Whence);
}

GRID_INTERPOSE int fseeko64(FILE *F, off64_t Offset, int Whence) {
  if (remoteStream(F))
    return remote::fseek(F, Offset, Whence);
  return REAL(fseeko64)(F, Offset, Whence);
}

GRID_INTERPOSE long ftell(FILE *F) {
  if (remoteStream(F))
    return static_cast<long>(remote::ftell(F));
  return REAL(ftell)(F);
}

GRID_INTERPOSE off_t ftello(FILE *F) {
  if (remoteStream(F))
    return remote::ftell(F);
  return REAL(ftello)(F);
}

GRID_INTERPOSE off64_t ftello64(FILE *F) {
  if (remoteStream(F))
    return remote::ftell(F);
  return REAL(ftello64)(F);
}

GRID_INTERPOSE void rewind(FILE *F) {
  if (remoteStream(F))
    return void(remote::streamCall(io::Op::Rewind, F));
  REAL(rewind)(F);
}

GRID_INTERPOSE int feof(FILE *F) noexcept {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Feof, F);
  return REAL(feof)(F);
}

GRID_INTERPOSE int feof_unlocked(FILE *F) noexcept {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Feof, F);
  return REAL(feof_unlocked)(F);
}

GRID_INTERPOSE int ferror(FILE *F) noexcept {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Ferror, F);
  return REAL(ferror)(F);
}

GRID_INTERPOSE int ferror_unlocked(FILE *F) noexcept {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Ferror, F);
  return REAL(ferror_unlocked)(F);
}

GRID_INTERPOSE void clearerr(FILE *F) noexcept {
  if (remoteStream(F))
    return void(remote::streamCall(io::Op::Clearerr, F));
  REAL(clearerr)(F);
}

GRID_INTERPOSE void clearerr_unlocked(FILE *F) noexcept {
  if (remoteStream(F))
    return void(remote::streamCall(io::Op::Clearerr, F));
  REAL(clearerr_unlocked)(F);
}

GRID_INTERPOSE int fileno(FILE *F) noexcept {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Fileno, F);
  return REAL(fileno)(F);
}

GRID_INTERPOSE int fileno_unlocked(FILE *F) noexcept {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Fileno, F);
  return REAL(fileno_unlocked)(F);
}

// The lock is taken by the thread's shadow, which makes every later call of
// the thread: flockfile ... funlockfile groups them as at home.
GRID_INTERPOSE void flockfile(FILE *F) noexcept {
  if (remoteStream(F))
    return void(remote::streamCall(io::Op::Flockfile, F));
  REAL(flockfile)(F);
}

GRID_INTERPOSE void funlockfile(FILE *F) noexcept {
  if (remoteStream(F))
    return void(remote::streamCall(io::Op::Funlockfile, F));
  REAL(funlockfile)(F);
}

GRID_INTERPOSE int ftrylockfile(FILE *F) noexcept {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Ftrylockfile, F);
  return REAL(ftrylockfile)(F);
}

// Streams over the thread's own memory: made here, they are the node's
// (their FILE and buffer in the agent's memory, which calls on them use).
GRID_INTERPOSE FILE *open_memstream(char **Buf, size_t *Bytes) noexcept {
  if (remoteCaller()) {
    Local Scope;
    return REAL(open_memstream)(Buf, Bytes);
  }
  return REAL(open_memstream)(Buf, Bytes);
}

GRID_INTERPOSE FILE *fmemopen(void *Buf, size_t Bytes,
                              const char *Mode) noexcept {
  if (remoteCaller()) {
    Local Scope;
    return REAL(fmemopen)(Buf, Bytes, Mode);
  }
  return REAL(fmemopen)(Buf, Bytes, Mode);
}

GRID_INTERPOSE FILE *fopencookie(void *Cookie, const char *Mode,
                                 cookie_io_functions_t Functions) noexcept {
  if (remoteCaller()) {
    Local Scope;
    return REAL(fopencookie)(Cookie, Mode, Functions);
  }
  return REAL(fopencookie)(Cookie, Mode, Functions);
}

GRID_INTERPOSE FILE *tmpfile() {
  if (remoteCaller())
    return remote::tmpfile();
  return REAL(tmpfile)();
}

GRID_INTERPOSE FILE *tmpfile64() {
  if (remoteCaller())
    return remote::tmpfile();
  return REAL(tmpfile64)();
}

// A buffer the thread gives would be memory home cannot write: home's
// stream takes a buffer of its own, of the size asked for.
GRID_INTERPOSE int setvbuf(FILE *F, char *Buf, int Mode,
                           size_t Bytes) noexcept {
  if (remoteStream(F))
    return remote::setvbuf(F, Mode, Bytes);
  return REAL(setvbuf)(F, Buf, Mode, Bytes);
}

GRID_INTERPOSE void setbuf(FILE *F, char *Buf) noexcept {
  if (remoteStream(F))
    return void(remote::setvbuf(F, Buf ? _IOFBF : _IONBF, BUFSIZ));
  REAL(setbuf)(F, Buf);
}

GRID_INTERPOSE void setbuffer(FILE *F, char *Buf, size_t Bytes) noexcept {
  if (remoteStream(F))
    return void(remote::setvbuf(F, Buf ? _IOFBF : _IONBF, Bytes));
  REAL(setbuffer)(F, Buf, Bytes);
}

GRID_INTERPOSE void setlinebuf(FILE *F) noexcept {
  if (remoteStream(F))
    return void(remote::setvbuf(F, _IOLBF, 0));
  REAL(setlinebuf)(F);
}

GRID_INTERPOSE int fgetpos(FILE *F, fpos_t *Where) {
  if (remoteStream(F))
    return remote::fgetpos(F, Where);
  return REAL(fgetpos)(F, Where);
}

GRID_INTERPOSE int fgetpos64(FILE *F, fpos64_t *Where) {
  if (remoteStream(F))
    return remote::fgetpos(F, Where);
  return REAL(fgetpos64)(F, Where);
}

GRID_INTERPOSE int fsetpos(FILE *F, const fpos_t *Where) {
  if (remoteStream(F))
    return remote::fseek(F, Where->__pos, SEEK_SET);
  return REAL(fsetpos)(F, Where);
}

GRID_INTERPOSE int fsetpos64(FILE *F, const fpos64_t *Where) {
  if (remoteStream(F))
    return remote::fseek(F, Where->__pos, SEEK_SET);
  return REAL(fsetpos64)(F, Where);
}

GRID_INTERPOSE int fwide(FILE *F, int Mode) noexcept {
  if (remoteStream(F))
    return remote::streamCall(io::Op::Fwide, F, Mode);
  return REAL(fwide)(F, Mode);
}

GRID_INTERPOSE void __fpurge(FILE *F) noexcept {
  if (remoteStream(F))
    return void(remote::streamCall(io::Op::Fpurge, F));
  REAL(__fpurge)(F);
}

GRID_INTERPOSE int getw(FILE *F) {
  if (remoteStream(F)) {
    int Word;
    return remote::fread(&Word, sizeof Word, 1, F) == 1 ? Word : EOF;
  }
  return REAL(getw)(F);
}

GRID_INTERPOSE int putw(int Word, FILE *F) {
  if (remoteStream(F))
    return remote::fwrite(&Word, sizeof Word, 1, F) == 1 ? 0 : EOF;
  return REAL(putw)(Word, F);
}

// --- Directory streams -------------------------------------------------------
// A remote thread's DIR is home's (in home's heap); each entry it reads
// comes back into a copy on its node, valid until the next read of that
// DIR, as the C library's own is.

GRID_INTERPOSE DIR *opendir(const char *Path) {
  if (remoteCaller())
    return remote::opendir(false, -1, Path);
  return REAL(opendir)(Path);
}

GRID_INTERPOSE DIR *fdopendir(int Fd) {
  if (remoteCaller())
    return remote::opendir(true, Fd, nullptr);
  return REAL(fdopendir)(Fd);
}

GRID_INTERPOSE struct dirent *readdir(DIR *Dir) {
  if (remoteDir(Dir))
    return reinterpret_cast<struct dirent *>(remote::readdir(Dir));
  return REAL(readdir)(Dir);
}

GRID_INTERPOSE struct dirent64 *readdir64(DIR *Dir) {
  if (remoteDir(Dir))
    return remote::readdir(Dir);
  return REAL(readdir64)(Dir);
}

GRID_INTERPOSE int closedir(DIR *Dir) {
  if (remoteDir(Dir))
    return remote::closedir(Dir);
  return REAL(closedir)(Dir);
}

GRID_INTERPOSE void rewinddir(DIR *Dir) noexcept {
  if (remoteDir(Dir))
    return void(remote::dirCall(io::Op::Rewinddir, Dir));
  REAL(rewinddir)(Dir);
}

GRID_INTERPOSE int scandir(const char *Path, struct dirent ***List,
                           int (*Filter)(const struct dirent *),
                           int (*Compare)(const struct dirent **,
                                          const struct dirent **)) {
  if (remoteCaller())
    return remote::scandir(AT_FDCWD, Path, List, Filter, Compare);
  return REAL(scandir)(Path, List, Filter, Compare);
}

GRID_INTERPOSE int scandir64(const char *Path, struct dirent64 ***List,
                             int (*Filter)(const struct dirent64 *),
                             int (*Compare)(const struct dirent64 **,
                                            const struct dirent64 **)) {
  if (remoteCaller())
    return remote::scandir(AT_FDCWD, Path, List, Filter, Compare);
  return REAL(scandir64)(Path, List, Filter, Compare);
}

GRID_INTERPOSE int scandirat(int Dir, const char *Path, struct dirent ***List,
                             int (*Filter)(const struct dirent *),
                             int (*Compare)(const struct dirent **,
                                            const struct dirent **)) {
  if (remoteCaller())
    return remote::scandir(Dir, Path, List, Filter, Compare);
  return REAL(scandirat)(Dir, Path, List, Filter, Compare);
}

GRID_INTERPOSE int dirfd(DIR *Dir) noexcept {
  if (remoteDir(Dir))
    return static_cast<int>(remote::dirCall(io::Op::Dirfd, Dir));
  return REAL(dirfd)(Dir);
}

// --- Patterns and walks of home's file system --------------------------------
// The C library's glob, nftw and ftw read directories through its own calls,
// which no interposer sees: on a remote thread they would read the node's
// file system, from the node's working directory.

GRID_INTERPOSE int glob(const char *Pattern, int Flags,
                        int (*Errfunc)(const char *, int), glob_t *Out) {
  if (remoteCaller() && !(Flags & GLOB_ALTDIRFUNC))
    return remote::glob(Pattern, Flags, Errfunc, Out);
  return REAL(glob)(Pattern, Flags, Errfunc, Out);
}

GRID_INTERPOSE int glob64(const char *Pattern, int Flags,
                          int (*Errfunc)(const char *, int), glob64_t *Out) {
  if (remoteCaller() && !(Flags & GLOB_ALTDIRFUNC))
    return remote::glob(Pattern, Flags, Errfunc, Out);
  return REAL(glob64)(Pattern, Flags, Errfunc, Out);
}

// The stat structures of the 64-bit calls are the same as the plain ones
// on the 64-bit targets Grid supports.
static_assert(sizeof(struct stat) == sizeof(struct stat64));

GRID_INTERPOSE int nftw(const char *Dir, __nftw_func_t Fn, int NoOpen,
                        int Flags) {
  if (remoteCaller())
    return remote::walk(Dir, Fn, nullptr, NoOpen, Flags);
  return REAL(nftw)(Dir, Fn, NoOpen, Flags);
}

GRID_INTERPOSE int nftw64(const char *Dir, __nftw64_func_t Fn, int NoOpen,
                          int Flags) {
  if (remoteCaller())
    return remote::walk(Dir, reinterpret_cast<remote::Walk::Callback>(Fn),
                        nullptr, NoOpen, Flags);
  return REAL(nftw64)(Dir, Fn, NoOpen, Flags);
}

GRID_INTERPOSE int ftw(const char *Dir, __ftw_func_t Fn, int NoOpen) {
  if (remoteCaller())
    return remote::walk(Dir, nullptr, Fn, NoOpen, 0);
  return REAL(ftw)(Dir, Fn, NoOpen);
}

GRID_INTERPOSE int ftw64(const char *Dir, __ftw64_func_t Fn, int NoOpen) {
  if (remoteCaller())
    return remote::walk(Dir, nullptr,
                        reinterpret_cast<remote::Walk::FtwCallback>(Fn), NoOpen,
                        0);
  return REAL(ftw64)(Dir, Fn, NoOpen);
}

// --- Calls with flags, times, nodes, limits, terminals and advice -----------

GRID_INTERPOSE ssize_t preadv2(int Fd, const struct iovec *Iov, int Count,
                               off_t Offset, int Flags) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::readv(Fd, Iov, Count, Offset, {true, Flags}); });
  return homeKernelCall(
      [&] { threads::homeKernelWritesIov(Iov, Count); },
      [&] { return REAL(preadv2)(Fd, Iov, Count, Offset, Flags); });
}

GRID_INTERPOSE ssize_t preadv64v2(int Fd, const struct iovec *Iov, int Count,
                                  off64_t Offset, int Flags) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::readv(Fd, Iov, Count, Offset, {true, Flags}); });
  return homeKernelCall(
      [&] { threads::homeKernelWritesIov(Iov, Count); },
      [&] { return REAL(preadv64v2)(Fd, Iov, Count, Offset, Flags); });
}

GRID_INTERPOSE ssize_t pwritev2(int Fd, const struct iovec *Iov, int Count,
                                off_t Offset, int Flags) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::writev(Fd, Iov, Count, Offset, {true, Flags}); });
  return homeKernelCall(
      [&] { threads::homeKernelReadsIov(Iov, Count); },
      [&] { return REAL(pwritev2)(Fd, Iov, Count, Offset, Flags); });
}

GRID_INTERPOSE ssize_t pwritev64v2(int Fd, const struct iovec *Iov, int Count,
                                   off64_t Offset, int Flags) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::writev(Fd, Iov, Count, Offset, {true, Flags}); });
  return homeKernelCall(
      [&] { threads::homeKernelReadsIov(Iov, Count); },
      [&] { return REAL(pwritev64v2)(Fd, Iov, Count, Offset, Flags); });
}

GRID_INTERPOSE int futimes(int Fd, const struct timeval Times[2]) noexcept {
  if (remoteCaller()) {
    struct timespec Spec[2];
    return remote::utimens(Fd, nullptr, remote::fromTimevals(Times, Spec), 0);
  }
  return REAL(futimes)(Fd, Times);
}

GRID_INTERPOSE int lutimes(const char *Path,
                           const struct timeval Times[2]) noexcept {
  if (remoteCaller())
    return remote::lutimes(Path, Times);
  return REAL(lutimes)(Path, Times);
}

// futimesat with no path changes the descriptor's file, as futimes (the
// kernel's: no path and no descriptor is a bad address).
GRID_INTERPOSE int futimesat(int Dir, const char *Path,
                             const struct timeval Times[2]) noexcept {
  if (remoteCaller()) {
    if (!Path && Dir == AT_FDCWD)
      return badAddress<int>();
    struct timespec Spec[2];
    return remote::utimens(Dir, Path, remote::fromTimevals(Times, Spec), 0);
  }
  return REAL(futimesat)(Dir, Path, Times);
}

// glibc's lchmod is fchmodat with AT_SYMLINK_NOFOLLOW.
GRID_INTERPOSE int lchmod(const char *Path, mode_t Mode) noexcept {
  if (remoteCaller())
    return remote::fchmodat(AT_FDCWD, Path, Mode, AT_SYMLINK_NOFOLLOW);
  return REAL(lchmod)(Path, Mode);
}

GRID_INTERPOSE int renameat2(int FromDir, const char *From, int ToDir,
                             const char *To, unsigned Flags) noexcept {
  if (remoteCaller())
    return remote::renameat2(FromDir, From, ToDir, To, Flags);
  return REAL(renameat2)(FromDir, From, ToDir, To, Flags);
}

GRID_INTERPOSE int euidaccess(const char *Path, int Mode) noexcept {
  if (remoteCaller())
    return remote::pathInts(io::IntCall::Euidaccess, -1, Path,
                            static_cast<uint64_t>(Mode));
  return REAL(euidaccess)(Path, Mode);
}

GRID_INTERPOSE int eaccess(const char *Path, int Mode) noexcept {
  if (remoteCaller())
    return remote::pathInts(io::IntCall::Euidaccess, -1, Path,
                            static_cast<uint64_t>(Mode));
  return REAL(eaccess)(Path, Mode);
}

GRID_INTERPOSE long pathconf(const char *Path, int Name) noexcept {
  if (remoteCaller())
    return remote::pathInts(io::IntCall::Pathconf, -1, Path,
                            static_cast<uint64_t>(Name));
  return REAL(pathconf)(Path, Name);
}

GRID_INTERPOSE long fpathconf(int Fd, int Name) noexcept {
  if (remoteCaller())
    return remote::intsLong(io::IntCall::Fpathconf, Fd, nullptr,
                            static_cast<uint64_t>(Name));
  return REAL(fpathconf)(Fd, Name);
}

GRID_INTERPOSE int mknod(const char *Path, mode_t Mode, dev_t Device) noexcept {
  if (remoteCaller())
    return remote::pathInts(io::IntCall::Mknodat, AT_FDCWD, Path, Mode, Device);
  return REAL(mknod)(Path, Mode, Device);
}

GRID_INTERPOSE int mknodat(int Dir, const char *Path, mode_t Mode,
                           dev_t Device) noexcept {
  if (remoteCaller())
    return remote::pathInts(io::IntCall::Mknodat, Dir, Path, Mode, Device);
  return REAL(mknodat)(Dir, Path, Mode, Device);
}

GRID_INTERPOSE int statx(int Dir, const char *Path, int Flags, unsigned Mask,
                         struct statx *Out) noexcept {
  if (remoteCaller())
    return remote::statx(Dir, Path, Flags, Mask, Out);
  return REAL(statx)(Dir, Path, Flags, Mask, Out);
}

GRID_INTERPOSE int tcflush(int Fd, int Queue) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Tcflush, Fd, nullptr,
                        static_cast<uint64_t>(Queue));
  return REAL(tcflush)(Fd, Queue);
}

GRID_INTERPOSE int tcdrain(int Fd) {
  if (remoteCaller())
    return remote::ints(io::IntCall::Tcdrain, Fd, nullptr, 0);
  return REAL(tcdrain)(Fd);
}

GRID_INTERPOSE int tcsendbreak(int Fd, int Duration) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Tcsendbreak, Fd, nullptr,
                        static_cast<uint64_t>(Duration));
  return REAL(tcsendbreak)(Fd, Duration);
}

GRID_INTERPOSE pid_t tcgetpgrp(int Fd) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Tcgetpgrp, Fd, nullptr, 0);
  return REAL(tcgetpgrp)(Fd);
}

GRID_INTERPOSE int tcsetpgrp(int Fd, pid_t Group) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Tcsetpgrp, Fd, nullptr,
                        static_cast<uint64_t>(Group));
  return REAL(tcsetpgrp)(Fd, Group);
}

GRID_INTERPOSE pid_t tcgetsid(int Fd) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Tcgetsid, Fd, nullptr, 0);
  return REAL(tcgetsid)(Fd);
}

GRID_INTERPOSE int tcflow(int Fd, int Action) noexcept {
  if (remoteCaller())
    return remote::ints(io::IntCall::Tcflow, Fd, nullptr,
                        static_cast<uint64_t>(Action));
  return REAL(tcflow)(Fd, Action);
}

GRID_INTERPOSE ssize_t sendfile(int Out, int In, off_t *Offset,
                                size_t Bytes) noexcept {
  if (remoteCaller())
    return remote::sendfile(Out, In, Offset, Bytes);
  return REAL(sendfile)(Out, In, Offset, Bytes);
}

GRID_INTERPOSE ssize_t sendfile64(int Out, int In, off64_t *Offset,
                                  size_t Bytes) noexcept {
  if (remoteCaller())
    return remote::sendfile(Out, In, Offset, Bytes);
  return REAL(sendfile64)(Out, In, Offset, Bytes);
}

GRID_INTERPOSE ssize_t copy_file_range(int In, off64_t *InOffset, int Out,
                                       off64_t *OutOffset, size_t Bytes,
                                       unsigned Flags) {
  if (remoteCaller())
    return remote::copyRange(io::Op::CopyFileRange, In, InOffset, Out,
                             OutOffset, Bytes, Flags);
  return REAL(copy_file_range)(In, InOffset, Out, OutOffset, Bytes, Flags);
}

GRID_INTERPOSE ssize_t splice(int In, off64_t *InOffset, int Out,
                              off64_t *OutOffset, size_t Bytes,
                              unsigned Flags) {
  if (remoteCaller())
    return remote::copyRange(io::Op::Splice, In, InOffset, Out, OutOffset,
                             Bytes, Flags);
  return REAL(splice)(In, InOffset, Out, OutOffset, Bytes, Flags);
}

GRID_INTERPOSE ssize_t tee(int In, int Out, size_t Bytes, unsigned Flags) {
  if (remoteCaller())
    return remote::intsLong(io::IntCall::Tee, In, nullptr,
                            static_cast<uint64_t>(Out), Bytes, Flags);
  return REAL(tee)(In, Out, Bytes, Flags);
}

// The *xattr calls: the file, its attributes and their values are home's.
GRID_INTERPOSE ssize_t getxattr(const char *Path, const char *Name, void *Value,
                                size_t Size) noexcept {
  if (remoteCaller())
    return remote::readXattr(io::XattrCall::Get, io::XattrOn::Path, -1, Path,
                             Name, Value, Size);
  return REAL(getxattr)(Path, Name, Value, Size);
}

GRID_INTERPOSE ssize_t lgetxattr(const char *Path, const char *Name,
                                 void *Value, size_t Size) noexcept {
  if (remoteCaller())
    return remote::readXattr(io::XattrCall::Get, io::XattrOn::Link, -1, Path,
                             Name, Value, Size);
  return REAL(lgetxattr)(Path, Name, Value, Size);
}

GRID_INTERPOSE ssize_t fgetxattr(int Fd, const char *Name, void *Value,
                                 size_t Size) noexcept {
  if (remoteCaller())
    return remote::readXattr(io::XattrCall::Get, io::XattrOn::Fd, Fd, nullptr,
                             Name, Value, Size);
  return REAL(fgetxattr)(Fd, Name, Value, Size);
}

GRID_INTERPOSE int setxattr(const char *Path, const char *Name,
                            const void *Value, size_t Size,
                            int Flags) noexcept {
  if (remoteCaller())
    return remote::changeXattr(io::XattrCall::Set, io::XattrOn::Path, -1, Path,
                               Name, Value, Size, Flags);
  return REAL(setxattr)(Path, Name, Value, Size, Flags);
}

GRID_INTERPOSE int lsetxattr(const char *Path, const char *Name,
                             const void *Value, size_t Size,
                             int Flags) noexcept {
  if (remoteCaller())
    return remote::changeXattr(io::XattrCall::Set, io::XattrOn::Link, -1, Path,
                               Name, Value, Size, Flags);
  return REAL(lsetxattr)(Path, Name, Value, Size, Flags);
}

GRID_INTERPOSE int fsetxattr(int Fd, const char *Name, const void *Value,
                             size_t Size, int Flags) noexcept {
  if (remoteCaller())
    return remote::changeXattr(io::XattrCall::Set, io::XattrOn::Fd, Fd, nullptr,
                               Name, Value, Size, Flags);
  return REAL(fsetxattr)(Fd, Name, Value, Size, Flags);
}

GRID_INTERPOSE ssize_t listxattr(const char *Path, char *List,
                                 size_t Size) noexcept {
  if (remoteCaller())
    return remote::readXattr(io::XattrCall::List, io::XattrOn::Path, -1, Path,
                             nullptr, List, Size);
  return REAL(listxattr)(Path, List, Size);
}

GRID_INTERPOSE ssize_t llistxattr(const char *Path, char *List,
                                  size_t Size) noexcept {
  if (remoteCaller())
    return remote::readXattr(io::XattrCall::List, io::XattrOn::Link, -1, Path,
                             nullptr, List, Size);
  return REAL(llistxattr)(Path, List, Size);
}

GRID_INTERPOSE ssize_t flistxattr(int Fd, char *List, size_t Size) noexcept {
  if (remoteCaller())
    return remote::readXattr(io::XattrCall::List, io::XattrOn::Fd, Fd, nullptr,
                             nullptr, List, Size);
  return REAL(flistxattr)(Fd, List, Size);
}

GRID_INTERPOSE int removexattr(const char *Path, const char *Name) noexcept {
  if (remoteCaller())
    return remote::changeXattr(io::XattrCall::Remove, io::XattrOn::Path, -1,
                               Path, Name, nullptr, 0, 0);
  return REAL(removexattr)(Path, Name);
}

GRID_INTERPOSE int lremovexattr(const char *Path, const char *Name) noexcept {
  if (remoteCaller())
    return remote::changeXattr(io::XattrCall::Remove, io::XattrOn::Link, -1,
                               Path, Name, nullptr, 0, 0);
  return REAL(lremovexattr)(Path, Name);
}

GRID_INTERPOSE int fremovexattr(int Fd, const char *Name) noexcept {
  if (remoteCaller())
    return remote::changeXattr(io::XattrCall::Remove, io::XattrOn::Fd, Fd,
                               nullptr, Name, nullptr, 0, 0);
  return REAL(fremovexattr)(Fd, Name);
}

// tmpnam, tmpnam_r and tempnam: the name is home's, made at home.
GRID_INTERPOSE char *tmpnam(char *Buf) noexcept {
  if (remoteCaller())
    return remote::tmpnam(Buf, false);
  return REAL(tmpnam)(Buf);
}

GRID_INTERPOSE char *tmpnam_r(char *Buf) noexcept {
  if (remoteCaller())
    return remote::tmpnam(Buf, true);
  return REAL(tmpnam_r)(Buf);
}

GRID_INTERPOSE char *tempnam(const char *Dir, const char *Prefix) noexcept {
  if (remoteCaller())
    return remote::tempnam(Dir, Prefix);
  return REAL(tempnam)(Dir, Prefix);
}

// posix_fadvise answers the error number, as posix_fallocate.
GRID_INTERPOSE int posix_fadvise(int Fd, off_t Offset, off_t Length,
                                 int Advice) noexcept {
  if (remoteCaller())
    return remote::ints(
        io::IntCall::PosixFadvise, Fd, nullptr, static_cast<uint64_t>(Offset),
        static_cast<uint64_t>(Length), static_cast<uint64_t>(Advice));
  return REAL(posix_fadvise)(Fd, Offset, Length, Advice);
}

GRID_INTERPOSE int posix_fadvise64(int Fd, off64_t Offset, off64_t Length,
                                   int Advice) noexcept {
  if (remoteCaller())
    return remote::ints(
        io::IntCall::PosixFadvise, Fd, nullptr, static_cast<uint64_t>(Offset),
        static_cast<uint64_t>(Length), static_cast<uint64_t>(Advice));
  return REAL(posix_fadvise64)(Fd, Offset, Length, Advice);
}

// ppoll and pselect wait at home with the thread's signal mask, on its shadow.
GRID_INTERPOSE int ppoll(struct pollfd *Fds, nfds_t Count,
                         const struct timespec *Timeout, const sigset_t *Mask) {
  if (remoteCaller())
    return cancellable(
        [&] { return remote::ppoll(Fds, Count, Timeout, Mask); });
  return REAL(ppoll)(Fds, Count, Timeout, Mask);
}

GRID_INTERPOSE int __ppoll_chk(struct pollfd *Fds, nfds_t Count,
                               const struct timespec *Timeout,
                               const sigset_t *Mask, size_t FdsBytes) {
  if (remoteCaller() && Count <= FdsBytes / sizeof *Fds)
    return cancellable(
        [&] { return remote::ppoll(Fds, Count, Timeout, Mask); });
  return REAL(__ppoll_chk)(Fds, Count, Timeout, Mask, FdsBytes);
}

GRID_INTERPOSE int __poll_chk(struct pollfd *Fds, nfds_t Count, int Timeout,
                              size_t FdsBytes) {
  if (remoteCaller() && Count <= FdsBytes / sizeof *Fds)
    return cancellable([&] { return remote::poll(Fds, Count, Timeout); });
  return REAL(__poll_chk)(Fds, Count, Timeout, FdsBytes);
}

GRID_INTERPOSE int pselect(int Count, fd_set *Read, fd_set *Write,
                           fd_set *Except, const struct timespec *Timeout,
                           const sigset_t *Mask) {
  if (remoteCaller())
    return cancellable([&] {
      return remote::pselect(Count, Read, Write, Except, Timeout, Mask);
    });
  return REAL(pselect)(Count, Read, Write, Except, Timeout, Mask);
}

// --- Signal actions ----------------------------------------------------------
// A remote thread's sigaction of a signal whose action is home's: the
// program's process is home's, which signals from outside reach and where
// the thread's descriptor calls run (a write to a pipe whose reader is gone
// raises SIGPIPE there). api/Signals.cpp sends such calls here, and
// signal() and the others are built on them as glibc builds them.

int io::sigactionAtHome(int Sig, const struct sigaction *New,
                        struct sigaction *Old) {
  // Shared: a handler that runs at home reads what the thread wrote
  // before it installed it.
  HomeCall C(io::Op::Sigaction, /*Shared=*/true);
  C.args().i32(Sig).u32(New != nullptr);
  if (New) {
    auto Handler = reinterpret_cast<uintptr_t>(New->sa_handler);
    std::string Module;
    uintptr_t Base = 0;
    if (New->sa_handler != SIG_DFL && New->sa_handler != SIG_IGN)
      threads::moduleOf(Handler, Module, Base);
    C.args()
        .u64(Handler)
        .u64(static_cast<uint32_t>(New->sa_flags))
        .bytes(&New->sa_mask, sizeof New->sa_mask)
        .str(Module)
        .u64(Base);
  }
  threads::HomeAnswer A = C.send();
  if (A.Value == 0 && Old && A.Data.size() >= sizeof *Old)
    std::memcpy(Old, A.Data.data(), sizeof *Old);
  // SIGCHLD's also decides whether the children the thread forked here
  // are reaped unseen: the node's waits follow it at once, and a start or
  // tick read at home before it does not undo it (its stamp).
  threads::ActionsStamp Stamp;
  if (A.Value == 0 && New && Sig == SIGCHLD &&
      A.Data.size() ==
          sizeof(struct sigaction) + sizeof Stamp.first + sizeof Stamp.second) {
    const char *At = A.Data.data() + sizeof(struct sigaction);
    std::memcpy(&Stamp.first, At, sizeof Stamp.first);
    std::memcpy(&Stamp.second, At + sizeof Stamp.first, sizeof Stamp.second);
    threads::noteChildrenAction(*New, Stamp);
  }
  return static_cast<int>(result(A));
}

// Home's actions for the child a remote thread forks (forkProcess): the
// node's process it copies has the agent's actions and Open MPI's, where
// one process would have the program's. Fetched before the fork, taken in
// by the child, dropped by the parent; the node's memory.
namespace {
thread_local std::string *ForkActions = nullptr;
} // namespace

void io::fetchSignalActionsForFork() {
  Local Scope;
  HomeCall C(io::Op::SignalActions);
  threads::HomeAnswer A = C.send();
  delete ForkActions;
  ForkActions = A.Value == 0 ? new std::string(std::move(A.Data)) : nullptr;
}

// In the child, which is no remote thread any more: each action as home
// has it; a handler the child does not have at the same place (a library
// home loaded and the node did not) leaves the default.
void io::takeSignalActionsInChild() {
  if (!ForkActions)
    return;
  wire::Reader R(*ForkActions);
  while (R.more()) {
    int Sig = R.i32();
    uint64_t Handler = R.u64(), Flags = R.u64(), Mask = R.u64();
    std::string_view Module = R.str();
    uint64_t Base = R.u64();
    if (!R.ok() && !R.more())
      break; // a malformed record: the rest keeps the node's
    struct sigaction A = {};
    A.sa_handler = reinterpret_cast<__sighandler_t>(Handler);
    A.sa_flags = static_cast<int>(static_cast<uint32_t>(Flags));
    sigemptyset(&A.sa_mask);
    for (int Member = 1; Member <= 64 && Member < NSIG; ++Member)
      if (Mask & (uint64_t(1) << (Member - 1)))
        sigaddset(&A.sa_mask, Member);
    if (A.sa_handler != SIG_DFL && A.sa_handler != SIG_IGN &&
        !threads::atSamePlace(Handler, Module, Base)) {
      A = {};
      A.sa_handler = SIG_DFL;
    }
    sigaction(Sig, &A, nullptr);
  }
}

void io::dropSignalActionsForFork() {
  Local Scope;
  delete ForkActions;
  ForkActions = nullptr;
}
