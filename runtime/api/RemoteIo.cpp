//===- api/RemoteIo.cpp - Descriptor calls of threads on other nodes ------===//
//
// A thread that runs on an agent for home (sync::RemoteThread) shares home's
// memory but not its descriptors: fd 5 on the agent is one of the agent's
// own (an MPI socket, a pipe of its output...), not the file home opened as
// 5. Until remote system calls carry such calls home (issue 6), every
// descriptor and stream call of a remote thread stops the job with a
// message naming the call and its caller, before it touches any descriptor
// of the agent (threads::remoteFatal: home prints it and exits). Writes to
// fds 1 and 2 (and to the streams on them) are the exception: the agent's
// fds 1 and 2 are pipes whose contents go to home's stdout and stderr
// (threads/Threads.h).
//
// libgridrt.so defines these calls under their libc names, as api/Malloc.cpp
// does for malloc. On every other thread (home's threads, and runtime code on
// a remote thread, sync::InRuntime) each is one thread-local test, then the
// C library's function, looked up with dlsym(RTLD_NEXT) before the program
// starts (resolveAll). docs/design/dsm.md lists the calls and what is not
// caught.
//
// Calls the C library makes inside itself (printf's write, fopen's open) do
// not come here; so a call refused here is one the program, or a library it
// links (libstdc++'s std::ofstream opens with fopen64 and writes with
// write), made itself. Only the shared library contains this file
// (runtime/CMakeLists.txt): a unit test linking gridrt_impl keeps its I/O.
//===----------------------------------------------------------------------===//

// The fortified inline wrappers of open, read... would clash with the
// definitions below; the __*_chk functions they call are defined here too.
#undef _FORTIFY_SOURCE

#include "cluster/Cluster.h"
#include "core/Core.h"
#include "core/NextSymbol.h"
#include "sync/Sync.h"
#include "threads/Threads.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define GRID_INTERPOSE extern "C" __attribute__((visibility("default")))

// The fortified forms (_FORTIFY_SOURCE), which glibc declares only for
// fortified code.
extern "C" {
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
int __isoc99_vscanf(const char *Format, va_list Args);
}

namespace {

using namespace grid;

/// True on a thread that runs on another node, outside runtime code: the
/// one test home's threads pay.
inline bool remoteCaller() {
  return __builtin_expect(sync::RemoteThread && !sync::InRuntime, 0);
}

/// A remote thread's writes to these reach home's stdout and stderr.
inline bool homeOutput(int Fd) { return Fd == 1 || Fd == 2; }
inline bool homeOutput(FILE *F) { return F && homeOutput(fileno_unlocked(F)); }

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

[[noreturn, gnu::noinline, gnu::cold]] void refuse(const char *Call,
                                                   void *ReturnAddress) {
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
                     "): descriptor calls of threads on other nodes are not "
                     "supported yet (issue 6: remote system calls)";
  threads::remoteFatal(What, "run it with GRID_THREAD_TOLERANCE=machine or "
                             "lower to keep it home");
}

#define GRID_REFUSE_REMOTE(Call)                                               \
  do {                                                                         \
    if (remoteCaller())                                                        \
      refuse(Call, __builtin_return_address(0));                               \
  } while (false)

/// Writes to fds 1 and 2 pass: they reach home.
#define GRID_REFUSE_REMOTE_UNLESS_OUTPUT(Call, FdOrStream)                     \
  do {                                                                         \
    if (remoteCaller() && !homeOutput(FdOrStream))                             \
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
  X(socket) X(connect) X(accept) X(accept4) X(bind) X(listen) X(send) X(recv) \
  X(__recv_chk) X(sendto) X(recvfrom) X(__recvfrom_chk) X(sendmsg) X(recvmsg) \
  X(fopen) X(fopen64) X(fdopen) X(freopen) X(freopen64) X(fclose) X(fflush) \
  X(fflush_unlocked) X(fwrite) X(fwrite_unlocked) X(fputs) X(fputs_unlocked) \
  X(fputc) X(fputc_unlocked) X(putc) X(putc_unlocked) X(__overflow) \
  X(vfprintf) X(__vfprintf_chk) X(vdprintf) X(__vdprintf_chk) X(fread) \
  X(fread_unlocked) X(__fread_chk) X(__fread_unlocked_chk) X(fgets) \
  X(fgets_unlocked) X(__fgets_chk) X(__fgets_unlocked_chk) X(fgetc) \
  X(fgetc_unlocked) X(getc) X(getc_unlocked) X(getchar) X(getchar_unlocked) \
  X(__uflow) X(getline) X(getdelim) X(__getdelim) X(__isoc99_vfscanf) \
  X(__isoc99_vscanf) X(fseek) X(fseeko) X(fseeko64) X(ftell) X(ftello) \
  X(ftello64) X(rewind) X(opendir) X(fdopendir) X(readdir) X(readdir64) \
  X(closedir)
// clang-format on

GRID_REMOTE_IO_CALLS(GRID_REAL_SLOT)

// Every function is looked up before the program runs, first among the
// library's constructors (an agent never returns from the last): dlsym is
// not async-signal-safe, and write is what signal handlers call. Calls made
// before (by the constructors of the libraries libgridrt.so needs) look
// theirs up on the way. A function this C library lacks stays null and
// is fatal only when called.
#define GRID_RESOLVE(Name) core::resolveNext(Real_##Name, #Name);
[[gnu::constructor(101)]] void resolveAll() {
  GRID_REMOTE_IO_CALLS(GRID_RESOLVE)
}

} // namespace

// Each definition's exception specification is glibc's declaration's:
// noexcept where glibc says __THROW, not for cancellation points (a thread
// cancelled in read unwinds through this frame).

// --- Opening and closing -----------------------------------------------------

GRID_INTERPOSE int open(const char *Path, int Flags, ...) {
  GRID_REFUSE_REMOTE("open");
  GRID_OPEN_MODE(Flags, Flags)
  return REAL(open)(Path, Flags, Mode);
}

GRID_INTERPOSE int open64(const char *Path, int Flags, ...) {
  GRID_REFUSE_REMOTE("open64");
  GRID_OPEN_MODE(Flags, Flags)
  return REAL(open64)(Path, Flags, Mode);
}

GRID_INTERPOSE int openat(int Dir, const char *Path, int Flags, ...) {
  GRID_REFUSE_REMOTE("openat");
  GRID_OPEN_MODE(Flags, Flags)
  return REAL(openat)(Dir, Path, Flags, Mode);
}

GRID_INTERPOSE int openat64(int Dir, const char *Path, int Flags, ...) {
  GRID_REFUSE_REMOTE("openat64");
  GRID_OPEN_MODE(Flags, Flags)
  return REAL(openat64)(Dir, Path, Flags, Mode);
}

GRID_INTERPOSE int __open_2(const char *Path, int Flags) {
  GRID_REFUSE_REMOTE("open");
  return REAL(__open_2)(Path, Flags);
}

GRID_INTERPOSE int __open64_2(const char *Path, int Flags) {
  GRID_REFUSE_REMOTE("open64");
  return REAL(__open64_2)(Path, Flags);
}

GRID_INTERPOSE int __openat_2(int Dir, const char *Path, int Flags) {
  GRID_REFUSE_REMOTE("openat");
  return REAL(__openat_2)(Dir, Path, Flags);
}

GRID_INTERPOSE int __openat64_2(int Dir, const char *Path, int Flags) {
  GRID_REFUSE_REMOTE("openat64");
  return REAL(__openat64_2)(Dir, Path, Flags);
}

GRID_INTERPOSE int creat(const char *Path, mode_t Mode) {
  GRID_REFUSE_REMOTE("creat");
  return REAL(creat)(Path, Mode);
}

GRID_INTERPOSE int creat64(const char *Path, mode_t Mode) {
  GRID_REFUSE_REMOTE("creat64");
  return REAL(creat64)(Path, Mode);
}

GRID_INTERPOSE int close(int Fd) {
  GRID_REFUSE_REMOTE("close");
  return REAL(close)(Fd);
}

// --- Reading and writing -----------------------------------------------------

GRID_INTERPOSE ssize_t read(int Fd, void *Buf, size_t Bytes) {
  GRID_REFUSE_REMOTE("read");
  return REAL(read)(Fd, Buf, Bytes);
}

GRID_INTERPOSE ssize_t __read_chk(int Fd, void *Buf, size_t Bytes,
                                  size_t BufBytes) {
  GRID_REFUSE_REMOTE("read");
  return REAL(__read_chk)(Fd, Buf, Bytes, BufBytes);
}

GRID_INTERPOSE ssize_t write(int Fd, const void *Buf, size_t Bytes) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("write", Fd);
  return REAL(write)(Fd, Buf, Bytes);
}

GRID_INTERPOSE ssize_t readv(int Fd, const struct iovec *Iov, int Count) {
  GRID_REFUSE_REMOTE("readv");
  return REAL(readv)(Fd, Iov, Count);
}

GRID_INTERPOSE ssize_t writev(int Fd, const struct iovec *Iov, int Count) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("writev", Fd);
  return REAL(writev)(Fd, Iov, Count);
}

GRID_INTERPOSE ssize_t pread(int Fd, void *Buf, size_t Bytes, off_t Offset) {
  GRID_REFUSE_REMOTE("pread");
  return REAL(pread)(Fd, Buf, Bytes, Offset);
}

GRID_INTERPOSE ssize_t pread64(int Fd, void *Buf, size_t Bytes,
                               off64_t Offset) {
  GRID_REFUSE_REMOTE("pread64");
  return REAL(pread64)(Fd, Buf, Bytes, Offset);
}

GRID_INTERPOSE ssize_t __pread_chk(int Fd, void *Buf, size_t Bytes,
                                   off_t Offset, size_t BufBytes) {
  GRID_REFUSE_REMOTE("pread");
  return REAL(__pread_chk)(Fd, Buf, Bytes, Offset, BufBytes);
}

GRID_INTERPOSE ssize_t __pread64_chk(int Fd, void *Buf, size_t Bytes,
                                     off64_t Offset, size_t BufBytes) {
  GRID_REFUSE_REMOTE("pread64");
  return REAL(__pread64_chk)(Fd, Buf, Bytes, Offset, BufBytes);
}

GRID_INTERPOSE ssize_t pwrite(int Fd, const void *Buf, size_t Bytes,
                              off_t Offset) {
  GRID_REFUSE_REMOTE("pwrite");
  return REAL(pwrite)(Fd, Buf, Bytes, Offset);
}

GRID_INTERPOSE ssize_t pwrite64(int Fd, const void *Buf, size_t Bytes,
                                off64_t Offset) {
  GRID_REFUSE_REMOTE("pwrite64");
  return REAL(pwrite64)(Fd, Buf, Bytes, Offset);
}

GRID_INTERPOSE off_t lseek(int Fd, off_t Offset, int Whence) noexcept {
  GRID_REFUSE_REMOTE("lseek");
  return REAL(lseek)(Fd, Offset, Whence);
}

GRID_INTERPOSE off64_t lseek64(int Fd, off64_t Offset, int Whence) noexcept {
  GRID_REFUSE_REMOTE("lseek64");
  return REAL(lseek64)(Fd, Offset, Whence);
}

// --- Files and directories by name or descriptor -----------------------------

GRID_INTERPOSE int fstat(int Fd, struct stat *Out) noexcept {
  GRID_REFUSE_REMOTE("fstat");
  return REAL(fstat)(Fd, Out);
}

GRID_INTERPOSE int fstat64(int Fd, struct stat64 *Out) noexcept {
  GRID_REFUSE_REMOTE("fstat64");
  return REAL(fstat64)(Fd, Out);
}

GRID_INTERPOSE int stat(const char *Path, struct stat *Out) noexcept {
  GRID_REFUSE_REMOTE("stat");
  return REAL(stat)(Path, Out);
}

GRID_INTERPOSE int stat64(const char *Path, struct stat64 *Out) noexcept {
  GRID_REFUSE_REMOTE("stat64");
  return REAL(stat64)(Path, Out);
}

GRID_INTERPOSE int lstat(const char *Path, struct stat *Out) noexcept {
  GRID_REFUSE_REMOTE("lstat");
  return REAL(lstat)(Path, Out);
}

GRID_INTERPOSE int lstat64(const char *Path, struct stat64 *Out) noexcept {
  GRID_REFUSE_REMOTE("lstat64");
  return REAL(lstat64)(Path, Out);
}

GRID_INTERPOSE int fstatat(int Dir, const char *Path, struct stat *Out,
                           int Flags) noexcept {
  GRID_REFUSE_REMOTE("fstatat");
  return REAL(fstatat)(Dir, Path, Out, Flags);
}

GRID_INTERPOSE int fstatat64(int Dir, const char *Path, struct stat64 *Out,
                             int Flags) noexcept {
  GRID_REFUSE_REMOTE("fstatat64");
  return REAL(fstatat64)(Dir, Path, Out, Flags);
}

GRID_INTERPOSE int access(const char *Path, int Mode) noexcept {
  GRID_REFUSE_REMOTE("access");
  return REAL(access)(Path, Mode);
}

GRID_INTERPOSE int faccessat(int Dir, const char *Path, int Mode,
                             int Flags) noexcept {
  GRID_REFUSE_REMOTE("faccessat");
  return REAL(faccessat)(Dir, Path, Mode, Flags);
}

GRID_INTERPOSE int fsync(int Fd) {
  GRID_REFUSE_REMOTE("fsync");
  return REAL(fsync)(Fd);
}

GRID_INTERPOSE int fdatasync(int Fd) {
  GRID_REFUSE_REMOTE("fdatasync");
  return REAL(fdatasync)(Fd);
}

GRID_INTERPOSE int ftruncate(int Fd, off_t Bytes) noexcept {
  GRID_REFUSE_REMOTE("ftruncate");
  return REAL(ftruncate)(Fd, Bytes);
}

GRID_INTERPOSE int ftruncate64(int Fd, off64_t Bytes) noexcept {
  GRID_REFUSE_REMOTE("ftruncate64");
  return REAL(ftruncate64)(Fd, Bytes);
}

GRID_INTERPOSE int truncate(const char *Path, off_t Bytes) noexcept {
  GRID_REFUSE_REMOTE("truncate");
  return REAL(truncate)(Path, Bytes);
}

GRID_INTERPOSE int unlink(const char *Path) noexcept {
  GRID_REFUSE_REMOTE("unlink");
  return REAL(unlink)(Path);
}

GRID_INTERPOSE int unlinkat(int Dir, const char *Path, int Flags) noexcept {
  GRID_REFUSE_REMOTE("unlinkat");
  return REAL(unlinkat)(Dir, Path, Flags);
}

GRID_INTERPOSE int rename(const char *From, const char *To) noexcept {
  GRID_REFUSE_REMOTE("rename");
  return REAL(rename)(From, To);
}

GRID_INTERPOSE int renameat(int FromDir, const char *From, int ToDir,
                            const char *To) noexcept {
  GRID_REFUSE_REMOTE("renameat");
  return REAL(renameat)(FromDir, From, ToDir, To);
}

GRID_INTERPOSE int mkdir(const char *Path, mode_t Mode) noexcept {
  GRID_REFUSE_REMOTE("mkdir");
  return REAL(mkdir)(Path, Mode);
}

GRID_INTERPOSE int mkdirat(int Dir, const char *Path, mode_t Mode) noexcept {
  GRID_REFUSE_REMOTE("mkdirat");
  return REAL(mkdirat)(Dir, Path, Mode);
}

GRID_INTERPOSE int rmdir(const char *Path) noexcept {
  GRID_REFUSE_REMOTE("rmdir");
  return REAL(rmdir)(Path);
}

GRID_INTERPOSE char *getcwd(char *Buf, size_t Bytes) noexcept {
  GRID_REFUSE_REMOTE("getcwd");
  return REAL(getcwd)(Buf, Bytes);
}

GRID_INTERPOSE char *__getcwd_chk(char *Buf, size_t Bytes,
                                  size_t BufBytes) noexcept {
  GRID_REFUSE_REMOTE("getcwd");
  return REAL(__getcwd_chk)(Buf, Bytes, BufBytes);
}

GRID_INTERPOSE int chdir(const char *Path) noexcept {
  GRID_REFUSE_REMOTE("chdir");
  return REAL(chdir)(Path);
}

GRID_INTERPOSE int fchdir(int Fd) noexcept {
  GRID_REFUSE_REMOTE("fchdir");
  return REAL(fchdir)(Fd);
}

// --- Descriptors themselves --------------------------------------------------

GRID_INTERPOSE int dup(int Fd) noexcept {
  GRID_REFUSE_REMOTE("dup");
  return REAL(dup)(Fd);
}

GRID_INTERPOSE int dup2(int Fd, int To) noexcept {
  GRID_REFUSE_REMOTE("dup2");
  return REAL(dup2)(Fd, To);
}

GRID_INTERPOSE int dup3(int Fd, int To, int Flags) noexcept {
  GRID_REFUSE_REMOTE("dup3");
  return REAL(dup3)(Fd, To, Flags);
}

GRID_INTERPOSE int fcntl(int Fd, int Command, ...) {
  GRID_REFUSE_REMOTE("fcntl");
  GRID_ONE_VARARG(Command)
  return REAL(fcntl)(Fd, Command, Arg);
}

GRID_INTERPOSE int fcntl64(int Fd, int Command, ...) {
  GRID_REFUSE_REMOTE("fcntl64");
  GRID_ONE_VARARG(Command)
  return REAL(fcntl64)(Fd, Command, Arg);
}

GRID_INTERPOSE int ioctl(int Fd, unsigned long Request, ...) noexcept {
  GRID_REFUSE_REMOTE("ioctl");
  GRID_ONE_VARARG(Request)
  return REAL(ioctl)(Fd, Request, Arg);
}

GRID_INTERPOSE int pipe(int Fds[2]) noexcept {
  GRID_REFUSE_REMOTE("pipe");
  return REAL(pipe)(Fds);
}

GRID_INTERPOSE int pipe2(int Fds[2], int Flags) noexcept {
  GRID_REFUSE_REMOTE("pipe2");
  return REAL(pipe2)(Fds, Flags);
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

// --- Streams -----------------------------------------------------------------
// A FILE home opened lives in home's heap, which a remote thread sees; its
// descriptor number names one of the agent's. Writing a stream on fd 1 or 2
// (stdout and stderr) passes; every other stream call is refused.

GRID_INTERPOSE FILE *fopen(const char *Path, const char *Mode) {
  GRID_REFUSE_REMOTE("fopen");
  return REAL(fopen)(Path, Mode);
}

GRID_INTERPOSE FILE *fopen64(const char *Path, const char *Mode) {
  GRID_REFUSE_REMOTE("fopen64");
  return REAL(fopen64)(Path, Mode);
}

GRID_INTERPOSE FILE *fdopen(int Fd, const char *Mode) noexcept {
  GRID_REFUSE_REMOTE("fdopen");
  return REAL(fdopen)(Fd, Mode);
}

GRID_INTERPOSE FILE *freopen(const char *Path, const char *Mode, FILE *F) {
  GRID_REFUSE_REMOTE("freopen");
  return REAL(freopen)(Path, Mode, F);
}

GRID_INTERPOSE FILE *freopen64(const char *Path, const char *Mode, FILE *F) {
  GRID_REFUSE_REMOTE("freopen64");
  return REAL(freopen64)(Path, Mode, F);
}

GRID_INTERPOSE int fclose(FILE *F) {
  GRID_REFUSE_REMOTE("fclose");
  return REAL(fclose)(F);
}

GRID_INTERPOSE int fflush(FILE *F) {
  // fflush(NULL) flushes the agent's own streams: stdout and stderr.
  if (remoteCaller() && F && !homeOutput(F))
    refuse("fflush", __builtin_return_address(0));
  return REAL(fflush)(F);
}

GRID_INTERPOSE int fflush_unlocked(FILE *F) {
  if (remoteCaller() && F && !homeOutput(F))
    refuse("fflush_unlocked", __builtin_return_address(0));
  return REAL(fflush_unlocked)(F);
}

GRID_INTERPOSE size_t fwrite(const void *Buf, size_t Size, size_t Count,
                             FILE *F) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("fwrite", F);
  return REAL(fwrite)(Buf, Size, Count, F);
}

GRID_INTERPOSE size_t fwrite_unlocked(const void *Buf, size_t Size,
                                      size_t Count, FILE *F) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("fwrite_unlocked", F);
  return REAL(fwrite_unlocked)(Buf, Size, Count, F);
}

GRID_INTERPOSE int fputs(const char *Text, FILE *F) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("fputs", F);
  return REAL(fputs)(Text, F);
}

GRID_INTERPOSE int fputs_unlocked(const char *Text, FILE *F) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("fputs_unlocked", F);
  return REAL(fputs_unlocked)(Text, F);
}

GRID_INTERPOSE int fputc(int C, FILE *F) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("fputc", F);
  return REAL(fputc)(C, F);
}

GRID_INTERPOSE int fputc_unlocked(int C, FILE *F) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("fputc_unlocked", F);
  return REAL(fputc_unlocked)(C, F);
}

GRID_INTERPOSE int putc(int C, FILE *F) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("putc", F);
  return REAL(putc)(C, F);
}

GRID_INTERPOSE int putc_unlocked(int C, FILE *F) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("putc_unlocked", F);
  return REAL(putc_unlocked)(C, F);
}

// What the inline putc_unlocked of optimised code calls when the buffer is
// full.
GRID_INTERPOSE int __overflow(FILE *F, int C) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("putc_unlocked", F);
  return REAL(__overflow)(F, C);
}

GRID_INTERPOSE int fprintf(FILE *F, const char *Format, ...) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("fprintf", F);
  va_list Args;
  va_start(Args, Format);
  int Result = REAL(vfprintf)(F, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int vfprintf(FILE *F, const char *Format, va_list Args) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("vfprintf", F);
  return REAL(vfprintf)(F, Format, Args);
}

GRID_INTERPOSE int __fprintf_chk(FILE *F, int Flag, const char *Format, ...) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("fprintf", F);
  va_list Args;
  va_start(Args, Format);
  int Result = REAL(__vfprintf_chk)(F, Flag, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int __vfprintf_chk(FILE *F, int Flag, const char *Format,
                                  va_list Args) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("vfprintf", F);
  return REAL(__vfprintf_chk)(F, Flag, Format, Args);
}

GRID_INTERPOSE int dprintf(int Fd, const char *Format, ...) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("dprintf", Fd);
  va_list Args;
  va_start(Args, Format);
  int Result = REAL(vdprintf)(Fd, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int vdprintf(int Fd, const char *Format, va_list Args) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("vdprintf", Fd);
  return REAL(vdprintf)(Fd, Format, Args);
}

GRID_INTERPOSE int __dprintf_chk(int Fd, int Flag, const char *Format, ...) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("dprintf", Fd);
  va_list Args;
  va_start(Args, Format);
  int Result = REAL(__vdprintf_chk)(Fd, Flag, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int __vdprintf_chk(int Fd, int Flag, const char *Format,
                                  va_list Args) {
  GRID_REFUSE_REMOTE_UNLESS_OUTPUT("vdprintf", Fd);
  return REAL(__vdprintf_chk)(Fd, Flag, Format, Args);
}

GRID_INTERPOSE size_t fread(void *Buf, size_t Size, size_t Count, FILE *F) {
  GRID_REFUSE_REMOTE("fread");
  return REAL(fread)(Buf, Size, Count, F);
}

GRID_INTERPOSE size_t fread_unlocked(void *Buf, size_t Size, size_t Count,
                                     FILE *F) {
  GRID_REFUSE_REMOTE("fread_unlocked");
  return REAL(fread_unlocked)(Buf, Size, Count, F);
}

GRID_INTERPOSE size_t __fread_chk(void *Buf, size_t BufBytes, size_t Size,
                                  size_t Count, FILE *F) {
  GRID_REFUSE_REMOTE("fread");
  return REAL(__fread_chk)(Buf, BufBytes, Size, Count, F);
}

GRID_INTERPOSE size_t __fread_unlocked_chk(void *Buf, size_t BufBytes,
                                           size_t Size, size_t Count, FILE *F) {
  GRID_REFUSE_REMOTE("fread_unlocked");
  return REAL(__fread_unlocked_chk)(Buf, BufBytes, Size, Count, F);
}

GRID_INTERPOSE char *fgets(char *Buf, int Bytes, FILE *F) {
  GRID_REFUSE_REMOTE("fgets");
  return REAL(fgets)(Buf, Bytes, F);
}

GRID_INTERPOSE char *fgets_unlocked(char *Buf, int Bytes, FILE *F) {
  GRID_REFUSE_REMOTE("fgets_unlocked");
  return REAL(fgets_unlocked)(Buf, Bytes, F);
}

GRID_INTERPOSE char *__fgets_chk(char *Buf, size_t BufBytes, int Bytes,
                                 FILE *F) {
  GRID_REFUSE_REMOTE("fgets");
  return REAL(__fgets_chk)(Buf, BufBytes, Bytes, F);
}

GRID_INTERPOSE char *__fgets_unlocked_chk(char *Buf, size_t BufBytes, int Bytes,
                                          FILE *F) {
  GRID_REFUSE_REMOTE("fgets_unlocked");
  return REAL(__fgets_unlocked_chk)(Buf, BufBytes, Bytes, F);
}

GRID_INTERPOSE int fgetc(FILE *F) {
  GRID_REFUSE_REMOTE("fgetc");
  return REAL(fgetc)(F);
}

GRID_INTERPOSE int fgetc_unlocked(FILE *F) {
  GRID_REFUSE_REMOTE("fgetc_unlocked");
  return REAL(fgetc_unlocked)(F);
}

GRID_INTERPOSE int getc(FILE *F) {
  GRID_REFUSE_REMOTE("getc");
  return REAL(getc)(F);
}

GRID_INTERPOSE int getc_unlocked(FILE *F) {
  GRID_REFUSE_REMOTE("getc_unlocked");
  return REAL(getc_unlocked)(F);
}

GRID_INTERPOSE int getchar() {
  GRID_REFUSE_REMOTE("getchar");
  return REAL(getchar)();
}

GRID_INTERPOSE int getchar_unlocked() {
  GRID_REFUSE_REMOTE("getchar_unlocked");
  return REAL(getchar_unlocked)();
}

// What the inline getc_unlocked of optimised code calls when the buffer is
// empty.
GRID_INTERPOSE int __uflow(FILE *F) {
  GRID_REFUSE_REMOTE("getc_unlocked");
  return REAL(__uflow)(F);
}

GRID_INTERPOSE ssize_t getline(char **Line, size_t *Bytes, FILE *F) {
  GRID_REFUSE_REMOTE("getline");
  return REAL(getline)(Line, Bytes, F);
}

GRID_INTERPOSE ssize_t getdelim(char **Line, size_t *Bytes, int Delimiter,
                                FILE *F) {
  GRID_REFUSE_REMOTE("getdelim");
  return REAL(getdelim)(Line, Bytes, Delimiter, F);
}

// The inline getline of optimised code.
GRID_INTERPOSE ssize_t __getdelim(char **Line, size_t *Bytes, int Delimiter,
                                  FILE *F) {
  GRID_REFUSE_REMOTE("getline");
  return REAL(__getdelim)(Line, Bytes, Delimiter, F);
}

// fscanf and scanf, whose C99 forms C and C++ code calls by these names.
GRID_INTERPOSE int fscanf(FILE *F, const char *Format, ...) {
  GRID_REFUSE_REMOTE("fscanf");
  va_list Args;
  va_start(Args, Format);
  int Result = REAL(__isoc99_vfscanf)(F, Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int vfscanf(FILE *F, const char *Format, va_list Args) {
  GRID_REFUSE_REMOTE("vfscanf");
  return REAL(__isoc99_vfscanf)(F, Format, Args);
}

GRID_INTERPOSE int scanf(const char *Format, ...) {
  GRID_REFUSE_REMOTE("scanf");
  va_list Args;
  va_start(Args, Format);
  int Result = REAL(__isoc99_vscanf)(Format, Args);
  va_end(Args);
  return Result;
}

GRID_INTERPOSE int vscanf(const char *Format, va_list Args) {
  GRID_REFUSE_REMOTE("vscanf");
  return REAL(__isoc99_vscanf)(Format, Args);
}

GRID_INTERPOSE int fseek(FILE *F, long Offset, int Whence) {
  GRID_REFUSE_REMOTE("fseek");
  return REAL(fseek)(F, Offset, Whence);
}

GRID_INTERPOSE int fseeko(FILE *F, off_t Offset, int Whence) {
  GRID_REFUSE_REMOTE("fseeko");
  return REAL(fseeko)(F, Offset, Whence);
}

GRID_INTERPOSE int fseeko64(FILE *F, off64_t Offset, int Whence) {
  GRID_REFUSE_REMOTE("fseeko64");
  return REAL(fseeko64)(F, Offset, Whence);
}

GRID_INTERPOSE long ftell(FILE *F) {
  GRID_REFUSE_REMOTE("ftell");
  return REAL(ftell)(F);
}

GRID_INTERPOSE off_t ftello(FILE *F) {
  GRID_REFUSE_REMOTE("ftello");
  return REAL(ftello)(F);
}

GRID_INTERPOSE off64_t ftello64(FILE *F) {
  GRID_REFUSE_REMOTE("ftello64");
  return REAL(ftello64)(F);
}

GRID_INTERPOSE void rewind(FILE *F) {
  GRID_REFUSE_REMOTE("rewind");
  REAL(rewind)(F);
}

// --- Directory streams -------------------------------------------------------

GRID_INTERPOSE DIR *opendir(const char *Path) {
  GRID_REFUSE_REMOTE("opendir");
  return REAL(opendir)(Path);
}

GRID_INTERPOSE DIR *fdopendir(int Fd) {
  GRID_REFUSE_REMOTE("fdopendir");
  return REAL(fdopendir)(Fd);
}

GRID_INTERPOSE struct dirent *readdir(DIR *Dir) {
  GRID_REFUSE_REMOTE("readdir");
  return REAL(readdir)(Dir);
}

GRID_INTERPOSE struct dirent64 *readdir64(DIR *Dir) {
  GRID_REFUSE_REMOTE("readdir64");
  return REAL(readdir64)(Dir);
}

GRID_INTERPOSE int closedir(DIR *Dir) {
  GRID_REFUSE_REMOTE("closedir");
  return REAL(closedir)(Dir);
}
