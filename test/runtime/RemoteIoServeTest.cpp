//===- RemoteIoServeTest.cpp - Home's side of a remote thread's calls -----===//
//
// api/HomeIo.cpp carries out the calls a thread on another node makes, on
// home's descriptors, streams and environment (api/RemoteIo.h gives the
// encoding). These tests send it requests as RemoteIo.cpp encodes them and
// check the answers a remote thread would get: values, errno, bytes.
//===----------------------------------------------------------------------===//

#include "api/RemoteIo.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <error.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>

namespace {

using namespace grid;
using api::io::Op;

/// A request as a remote thread's shadow receives it.
class Request {
public:
  explicit Request(Op O) : W(wire::Msg::ThreadCall) {
    W.u16(static_cast<uint16_t>(O));
  }
  wire::Writer &args() { return W; }
  threads::HomeAnswer serve() {
    wire::Reader R(W.body());
    return api::io::serve(R);
  }

private:
  wire::Writer W;
};

std::string tempPath(const char *Name) {
  return ::testing::TempDir() + "grid-remote-io-" + std::to_string(getpid()) +
         "-" + Name;
}

TEST(RemoteIoServeTest, WritesThenReadsAFileAtAnOffsetAndInOrder) {
  std::string Path = tempPath("file");
  Request Open(Op::Open);
  Open.args().i32(AT_FDCWD).str(Path).i32(O_RDWR | O_CREAT | O_TRUNC).u32(0600);
  threads::HomeAnswer Fd = Open.serve();
  ASSERT_GE(Fd.Value, 0) << std::strerror(Fd.Errno);
  auto FdOf = static_cast<int32_t>(Fd.Value);

  Request Write(Op::Write);
  Write.args().i32(FdOf).u64(0).str("hello, home");
  EXPECT_EQ(Write.serve().Value, 11);
  Request Pwrite(Op::Write);
  Pwrite.args().i32(FdOf).u64(1 + 7).str("HOME");
  EXPECT_EQ(Pwrite.serve().Value, 4);

  Request Pread(Op::Read);
  Pread.args().i32(FdOf).u64(64).u64(1 + 0).u32(0);
  threads::HomeAnswer Got = Pread.serve();
  EXPECT_EQ(Got.Value, 11);
  EXPECT_EQ(Got.Data, "hello, HOME");

  // A part after the first of a large read is asked of regular files only:
  // this one answers with what is left, then 0 at the end.
  Request Rest(Op::Read);
  Rest.args().i32(FdOf).u64(64).u64(1 + 7).u32(1);
  EXPECT_EQ(Rest.serve().Data, "HOME");

  Request Fstat(Op::Fstat);
  Fstat.args().i32(FdOf);
  threads::HomeAnswer St = Fstat.serve();
  ASSERT_EQ(St.Value, 0);
  ASSERT_EQ(St.Data.size(), sizeof(struct stat));
  struct stat Stat;
  std::memcpy(&Stat, St.Data.data(), sizeof Stat);
  EXPECT_EQ(Stat.st_size, 11);

  Request Close(Op::Close);
  Close.args().i32(FdOf);
  EXPECT_EQ(Close.serve().Value, 0);
  unlink(Path.c_str());
}

TEST(RemoteIoServeTest, ALaterPartOfAReadNeverWaitsOnAPipe) {
  int Ends[2];
  ASSERT_EQ(pipe(Ends), 0);
  Request More(Op::Read);
  More.args().i32(Ends[0]).u64(16).u64(0).u32(1);
  threads::HomeAnswer A = More.serve(); // would block if it read
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, EAGAIN);
  close(Ends[0]);
  close(Ends[1]);
}

TEST(RemoteIoServeTest, FailuresAnswerHomesErrno) {
  Request Open(Op::Open);
  Open.args().i32(AT_FDCWD).str("/nonexistent/grid").i32(O_RDONLY).u32(0);
  threads::HomeAnswer A = Open.serve();
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, ENOENT);

  Request Close(Op::Close);
  Close.args().i32(-1);
  A = Close.serve();
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, EBADF);

  Request Unknown(static_cast<Op>(static_cast<uint16_t>(Op::Last) + 1));
  A = Unknown.serve();
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, ENOSYS);
}

TEST(RemoteIoServeTest, StreamsAreHomesFilePointers) {
  std::string Path = tempPath("stream");
  Request Fopen(Op::Fopen);
  Fopen.args().str(Path).str("w+");
  threads::HomeAnswer F = Fopen.serve();
  ASSERT_NE(F.Value, 0) << std::strerror(F.Errno);
  auto Stream = static_cast<uint64_t>(F.Value);

  Request Fwrite(Op::Fwrite);
  Fwrite.args().u64(Stream).str("first line\nsecond|part\n");
  EXPECT_EQ(Fwrite.serve().Value, 23);
  Request Rewind(Op::Rewind);
  Rewind.args().u64(Stream);
  Rewind.serve();

  Request Fgets(Op::Fgets);
  Fgets.args().u64(Stream).i32(6);
  threads::HomeAnswer Line = Fgets.serve();
  EXPECT_EQ(Line.Value, 1);
  EXPECT_EQ(Line.Data, "first"); // 5 characters and the NUL
  Request Rest(Op::Getdelim);
  Rest.args().u64(Stream).i32('\n');
  EXPECT_EQ(Rest.serve().Data, " line\n");
  Request Upto(Op::Getdelim);
  Upto.args().u64(Stream).i32('|');
  EXPECT_EQ(Upto.serve().Data, "second|");
  Request Tell(Op::Ftell);
  Tell.args().u64(Stream);
  EXPECT_EQ(Tell.serve().Value, 18);

  Request Fread(Op::Fread);
  Fread.args().u64(Stream).u64(100);
  threads::HomeAnswer Tail = Fread.serve();
  EXPECT_EQ(Tail.Data, "part\n");
  Request Feof(Op::Feof);
  Feof.args().u64(Stream);
  EXPECT_NE(Feof.serve().Value, 0);

  Request Fclose(Op::Fclose);
  Fclose.args().u64(Stream);
  EXPECT_EQ(Fclose.serve().Value, 0);
  unlink(Path.c_str());
}

TEST(RemoteIoServeTest, EnvironmentIsHomes) {
  Request Set(Op::Setenv);
  Set.args().str("GRID_REMOTE_IO_TEST").str("set at home").i32(1);
  EXPECT_EQ(Set.serve().Value, 0);
  EXPECT_STREQ(getenv("GRID_REMOTE_IO_TEST"), "set at home");
  Request Get(Op::Getenv);
  Get.args().str("GRID_REMOTE_IO_TEST");
  threads::HomeAnswer A = Get.serve();
  EXPECT_EQ(A.Value, 1);
  EXPECT_EQ(A.Data, "set at home");
  Request Unset(Op::Unsetenv);
  Unset.args().str("GRID_REMOTE_IO_TEST");
  Unset.serve();
  Request Again(Op::Getenv);
  Again.args().str("GRID_REMOTE_IO_TEST");
  EXPECT_EQ(Again.serve().Value, 0);

  Request Pid(Op::Getpid);
  EXPECT_EQ(Pid.serve().Value, getpid());
}

TEST(RemoteIoServeTest, PipesAreMadeAtHome) {
  Request Pipe(Op::Pipe);
  Pipe.args().i32(O_CLOEXEC);
  threads::HomeAnswer A = Pipe.serve();
  ASSERT_EQ(A.Value, 0);
  ASSERT_EQ(A.Data.size(), 2 * sizeof(int));
  int Ends[2];
  std::memcpy(Ends, A.Data.data(), sizeof Ends);
  ASSERT_EQ(write(Ends[1], "x", 1), 1);
  char C = 0;
  ASSERT_EQ(read(Ends[0], &C, 1), 1);
  EXPECT_EQ(C, 'x');
  EXPECT_EQ(fcntl(Ends[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  close(Ends[0]);
  close(Ends[1]);
}

TEST(RemoteIoServeTest, Preadv2AndPwritev2PassTheirFlags) {
  std::string Path = tempPath("v2");
  int Fd = open(Path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(Fd, 0);
  Request Write(Op::Pwritev2);
  Write.args().i32(Fd).u64(0).i32(0).str("abcdef");
  EXPECT_EQ(Write.serve().Value, 6);
  // RWF_APPEND writes at the end whatever the offset.
  Request Append(Op::Pwritev2);
  Append.args().i32(Fd).u64(0).i32(RWF_APPEND).str("XYZ");
  EXPECT_EQ(Append.serve().Value, 3);
  ASSERT_EQ(lseek(Fd, 3, SEEK_SET), 3);
  // Offset -1: the file's position, which the read moves.
  Request Read(Op::Preadv2);
  Read.args().i32(Fd).u64(64).u64(uint64_t(-1)).i32(0).u32(0);
  threads::HomeAnswer A = Read.serve();
  EXPECT_EQ(A.Value, 6);
  EXPECT_EQ(A.Data, "defXYZ");
  EXPECT_EQ(lseek(Fd, 0, SEEK_CUR), 9);
  Request Bad(Op::Preadv2);
  Bad.args().i32(Fd).u64(4).u64(0).i32(0x40000000).u32(0);
  A = Bad.serve();
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, EOPNOTSUPP);
  close(Fd);
  unlink(Path.c_str());
}

TEST(RemoteIoServeTest, Renameat2StatxAndMknodRunAtHome) {
  std::string From = tempPath("from"), To = tempPath("to"),
              Fifo = tempPath("fifo");
  close(open(From.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
  close(open(To.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600));
  Request NoReplace(Op::Renameat2);
  NoReplace.args().i32(AT_FDCWD).str(From).i32(AT_FDCWD).str(To).u32(
      RENAME_NOREPLACE);
  threads::HomeAnswer A = NoReplace.serve();
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, EEXIST);

  Request Statx(Op::Statx);
  Statx.args().i32(AT_FDCWD).str(From).i32(0).u32(STATX_SIZE | STATX_MODE);
  A = Statx.serve();
  ASSERT_EQ(A.Value, 0);
  ASSERT_EQ(A.Data.size(), sizeof(struct statx));
  struct statx Sx;
  std::memcpy(&Sx, A.Data.data(), sizeof Sx);
  EXPECT_TRUE(S_ISREG(Sx.stx_mode));
  EXPECT_EQ(Sx.stx_size, 0u);

  Request Mknod(Op::Ints);
  Mknod.args()
      .i32(static_cast<int32_t>(api::io::IntCall::Mknodat))
      .i32(AT_FDCWD)
      .str(Fifo)
      .u64(S_IFIFO | 0600)
      .u64(0)
      .u64(0);
  EXPECT_EQ(Mknod.serve().Value, 0);
  struct stat St;
  ASSERT_EQ(stat(Fifo.c_str(), &St), 0);
  EXPECT_TRUE(S_ISFIFO(St.st_mode));
  unlink(From.c_str());
  unlink(To.c_str());
  unlink(Fifo.c_str());
}

/// An Op::Ints request.
threads::HomeAnswer ints(api::io::IntCall Call, int Fd, const char *Path,
                         uint64_t A = 0, uint64_t B = 0, uint64_t C = 0) {
  Request R(Op::Ints);
  R.args()
      .i32(static_cast<int32_t>(Call))
      .i32(Fd)
      .str(Path)
      .u64(A)
      .u64(B)
      .u64(C);
  return R.serve();
}

TEST(RemoteIoServeTest, ExitEndsHomeWithTheStatusAfterItsHandlers) {
  // Home's exit handlers run, and its streams' buffers are written.
  EXPECT_EXIT(
      {
        atexit([] { fputs("handler ran", stderr); });
        ints(api::io::IntCall::Exit, -1, "", 3);
      },
      ::testing::ExitedWithCode(3), "handler ran");
}

TEST(RemoteIoServeTest, LimitsTerminalsAndAdvice) {
  using api::io::IntCall;
  // No limit: -1, and no errno to carry.
  threads::HomeAnswer A = ints(IntCall::Pathconf, -1, "/", _PC_SYMLINK_MAX);
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, 0);
  A = ints(IntCall::Pathconf, -1, "/nonexistent/grid", _PC_NAME_MAX);
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, ENOENT);
  int Ends[2];
  ASSERT_EQ(pipe(Ends), 0);
  EXPECT_EQ(ints(IntCall::Fpathconf, Ends[0], "", _PC_PIPE_BUF).Value,
            fpathconf(Ends[0], _PC_PIPE_BUF));
  A = ints(IntCall::Tcgetpgrp, Ends[0], "");
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, ENOTTY);
  A = ints(IntCall::Tcdrain, Ends[1], "");
  EXPECT_EQ(A.Errno, ENOTTY);
  // posix_fadvise answers its error number.
  A = ints(IntCall::PosixFadvise, Ends[0], "", 0, 0, POSIX_FADV_NORMAL);
  EXPECT_EQ(A.Value, ESPIPE);
  EXPECT_EQ(A.Errno, 0);
  A = ints(IntCall::Euidaccess, -1, "/nonexistent/grid", F_OK);
  EXPECT_EQ(A.Errno, ENOENT);
  close(Ends[0]);
  close(Ends[1]);
}

TEST(RemoteIoServeTest, ProcessGroupAndSessionAreHomes) {
  using api::io::IntCall;
  EXPECT_EQ(ints(IntCall::Getpgid, -1, "", 0).Value, getpgrp());
  EXPECT_EQ(ints(IntCall::Getsid, -1, "", 0).Value, getsid(0));
  threads::HomeAnswer A = ints(IntCall::Getpgid, -1, "", 999999999);
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, ESRCH);
}

TEST(RemoteIoServeTest, Wait4AndWaitidAnswerHomesChildren) {
  pid_t Child = fork();
  ASSERT_GE(Child, 0);
  if (Child == 0)
    _exit(3);
  Request Wait(Op::Wait4);
  Wait.args().i32(Child).i32(0);
  threads::HomeAnswer A = Wait.serve();
  EXPECT_EQ(A.Value, Child);
  struct {
    int Status;
    struct rusage Usage;
  } Out{};
  ASSERT_EQ(A.Data.size(), sizeof Out);
  std::memcpy(&Out, A.Data.data(), sizeof Out);
  EXPECT_TRUE(WIFEXITED(Out.Status) && WEXITSTATUS(Out.Status) == 3);
  // No child left: ECHILD, as home's own call answers.
  A = Wait.serve();
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, ECHILD);

  Child = fork();
  ASSERT_GE(Child, 0);
  if (Child == 0)
    _exit(4);
  Request Id(Op::Waitid);
  Id.args().i32(P_PID).u64(static_cast<uint64_t>(Child)).i32(WEXITED);
  A = Id.serve();
  EXPECT_EQ(A.Value, 0);
  siginfo_t Info{};
  ASSERT_EQ(A.Data.size(), sizeof Info);
  std::memcpy(&Info, A.Data.data(), sizeof Info);
  EXPECT_EQ(Info.si_pid, Child);
  EXPECT_EQ(Info.si_code, CLD_EXITED);
  EXPECT_EQ(Info.si_status, 4);
}

TEST(RemoteIoServeTest, GlobMatchesAtHomeAndRecordsErrorsForTheThread) {
  std::string Dir = tempPath("glob");
  ASSERT_EQ(mkdir(Dir.c_str(), 0700), 0);
  for (const char *Name : {"/b.txt", "/a.txt", "/c.log"})
    close(open((Dir + Name).c_str(), O_CREAT | O_WRONLY, 0600));
  auto globAt = [](const std::string &Pattern, int Flags, bool Errfunc) {
    Request R(Op::Glob);
    R.args().str(Pattern).i32(Flags).u32(Errfunc);
    return R.serve();
  };
  // The flags first, then the matches, sorted, each ending in NUL;
  // GLOB_APPEND and GLOB_DOOFFS are the thread's to apply.
  threads::HomeAnswer A =
      globAt(Dir + "/*.txt", GLOB_APPEND | GLOB_DOOFFS, false);
  EXPECT_EQ(A.Value, 0);
  std::string Flags = "f" + std::to_string(GLOB_MAGCHAR);
  EXPECT_EQ(A.Data, Flags + std::string(1, '\0') + "p" + Dir + "/a.txt" +
                        std::string(1, '\0') + "p" + Dir + "/b.txt" +
                        std::string(1, '\0'));
  A = globAt(Dir + "/*.none", 0, false);
  EXPECT_EQ(A.Value, GLOB_NOMATCH);
  // An error, recorded for the thread's errfunc: glob goes on.
  A = globAt(Dir + "/missing/*", 0, true);
  EXPECT_EQ(A.Value, GLOB_NOMATCH);
  EXPECT_NE(A.Data.find("e" + std::to_string(ENOENT) + " " + Dir + "/missing"),
            std::string::npos)
      << A.Data;
  for (const char *Name : {"/b.txt", "/a.txt", "/c.log"})
    unlink((Dir + Name).c_str());
  rmdir(Dir.c_str());
}

TEST(RemoteIoServeTest, PpollAndPselectWaitAtHome) {
  int Ends[2];
  ASSERT_EQ(pipe(Ends), 0);
  timespec Short{0, 1000000};
  fd_set Set;
  FD_ZERO(&Set);
  FD_SET(Ends[0], &Set);
  Request Empty(Op::Pselect);
  Empty.args().i32(Ends[0] + 1).u32(1).bytes(&Set, sizeof Set);
  Empty.args().u32(0).str({}).u32(0).str({}).u32(1).bytes(&Short, sizeof Short);
  threads::HomeAnswer A = Empty.serve();
  EXPECT_EQ(A.Value, 0);
  ASSERT_EQ(A.Data.size(), 3 * sizeof(fd_set));

  ASSERT_EQ(write(Ends[1], "x", 1), 1);
  pollfd Wait{Ends[0], POLLIN, 0};
  Request Poll(Op::Ppoll);
  Poll.args().bytes(&Wait, sizeof Wait).u32(1).bytes(&Short, sizeof Short);
  A = Poll.serve();
  EXPECT_EQ(A.Value, 1);
  ASSERT_EQ(A.Data.size(), sizeof Wait);
  std::memcpy(&Wait, A.Data.data(), sizeof Wait);
  EXPECT_EQ(Wait.revents, POLLIN);

  // A count above FD_SETSIZE (getdtablesize() under a raised limit) is
  // capped as the kernel caps it, and a set may be only as long as the
  // count needs: here the pipe is readable, so select says so at once.
  fd_set Part;
  FD_ZERO(&Part);
  FD_SET(Ends[0], &Part);
  size_t PartBytes =
      (size_t(Ends[0]) + NFDBITS) / NFDBITS * sizeof(fd_mask); // to Ends[0]
  timeval Zero{0, 0};
  Request Large(Op::Select);
  Large.args().i32(FD_SETSIZE * 4).u32(1).bytes(&Part, PartBytes);
  Large.args().u32(0).str({}).u32(0).str({}).u32(1).bytes(&Zero, sizeof Zero);
  A = Large.serve();
  EXPECT_EQ(A.Value, 1);
  EXPECT_EQ(A.Errno, 0);
  Request Negative(Op::Select);
  Negative.args().i32(-1).u32(0).str({}).u32(0).str({}).u32(0).str({});
  Negative.args().u32(0).str({});
  EXPECT_EQ(Negative.serve().Errno, EINVAL);

  timespec Bad{0, -1};
  Request Refused(Op::Ppoll);
  Refused.args().bytes(&Wait, sizeof Wait).u32(1).bytes(&Bad, sizeof Bad);
  A = Refused.serve();
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, EINVAL);
  close(Ends[0]);
  close(Ends[1]);
}

TEST(RemoteIoServeTest, TerminalCallsOfAPipeFailAsHomesDo) {
  using api::io::IntCall;
  int Ends[2];
  ASSERT_EQ(pipe(Ends), 0);
  for (IntCall Call :
       {IntCall::Tcgetsid, IntCall::Tcflow, IntCall::Tcsetpgrp}) {
    threads::HomeAnswer A = ints(Call, Ends[0], "", TCOON);
    EXPECT_EQ(A.Value, -1);
    EXPECT_EQ(A.Errno, ENOTTY);
  }
  close(Ends[0]);
  close(Ends[1]);
  int Pty = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(Pty, 0);
  EXPECT_EQ(ints(IntCall::Tcflow, Pty, "", TCOON).Value, 0);
  EXPECT_EQ(ints(IntCall::Tcflow, Pty, "", 99).Errno, EINVAL);
  close(Pty);
}

/// A copy_file_range or splice request: offsets given when not negative.
threads::HomeAnswer copyRange(Op O, int In, int64_t InAt, int Out,
                              int64_t OutAt, uint64_t Bytes) {
  Request R(O);
  R.args()
      .i32(In)
      .u32(InAt >= 0)
      .u64(static_cast<uint64_t>(InAt))
      .i32(Out)
      .u32(OutAt >= 0)
      .u64(static_cast<uint64_t>(OutAt))
      .u64(Bytes)
      .u32(0);
  return R.serve();
}

TEST(RemoteIoServeTest, SendfileCopyFileRangeSpliceAndTeeMoveBytesAtHome) {
  std::string From = tempPath("send-from"), To = tempPath("send-to");
  int In = open(From.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  int Out = open(To.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(In, 0);
  ASSERT_GE(Out, 0);
  ASSERT_EQ(write(In, "0123456789", 10), 10);

  // sendfile from offset 2: the offset comes back moved, In's position not.
  Request Send(Op::Sendfile);
  Send.args().i32(Out).i32(In).u32(1).u64(2).u64(5);
  threads::HomeAnswer A = Send.serve();
  EXPECT_EQ(A.Value, 5);
  ASSERT_EQ(A.Data.size(), sizeof(int64_t));
  int64_t Offset;
  std::memcpy(&Offset, A.Data.data(), sizeof Offset);
  EXPECT_EQ(Offset, 7);
  EXPECT_EQ(lseek(In, 0, SEEK_CUR), 10);

  // copy_file_range from In at 0 to Out's position (5): both come back.
  A = copyRange(Op::CopyFileRange, In, 0, Out, -1, 3);
  EXPECT_EQ(A.Value, 3);
  ASSERT_EQ(A.Data.size(), 2 * sizeof(int64_t));
  std::memcpy(&Offset, A.Data.data(), sizeof Offset);
  EXPECT_EQ(Offset, 3);
  char Buf[16] = {};
  EXPECT_EQ(pread(Out, Buf, sizeof Buf, 0), 8);
  EXPECT_STREQ(Buf, "23456012");

  // splice from a file into a pipe, tee to another, splice out of the pipe.
  int P[2], Q[2];
  ASSERT_EQ(pipe(P), 0);
  ASSERT_EQ(pipe(Q), 0);
  A = copyRange(Op::Splice, In, 6, P[1], -1, 4);
  EXPECT_EQ(A.Value, 4);
  std::memcpy(&Offset, A.Data.data(), sizeof Offset);
  EXPECT_EQ(Offset, 10);
  A = ints(api::io::IntCall::Tee, P[0], "", static_cast<uint64_t>(Q[1]), 4, 0);
  EXPECT_EQ(A.Value, 4);
  EXPECT_EQ(read(Q[0], Buf, sizeof Buf), 4);
  A = copyRange(Op::Splice, P[0], -1, Out, 0, 4);
  EXPECT_EQ(A.Value, 4);
  std::memset(Buf, 0, sizeof Buf);
  EXPECT_EQ(pread(Out, Buf, 4, 0), 4);
  EXPECT_STREQ(Buf, "6789");
  // A pipe end cannot take an offset.
  A = copyRange(Op::Splice, In, 0, P[1], 0, 4);
  EXPECT_EQ(A.Value, -1);
  EXPECT_EQ(A.Errno, ESPIPE);
  for (int Fd : {P[0], P[1], Q[0], Q[1], In, Out})
    close(Fd);
  unlink(From.c_str());
  unlink(To.c_str());
}

/// An Op::Xattr request.
threads::HomeAnswer xattr(api::io::XattrCall Call, api::io::XattrOn On, int Fd,
                          const std::string &Path, const char *Name,
                          std::string_view Value = {}, uint64_t Size = 0,
                          int Flags = 0) {
  Request R(Op::Xattr);
  R.args()
      .u32(static_cast<uint32_t>(Call))
      .u32(static_cast<uint32_t>(On))
      .i32(Fd)
      .str(Path)
      .str(Name)
      .str(Value)
      .u64(Size)
      .i32(Flags);
  return R.serve();
}

TEST(RemoteIoServeTest, XattrsAreHomes) {
  using api::io::XattrCall;
  using api::io::XattrOn;
  std::string Path = tempPath("xattr");
  int Fd = open(Path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(Fd, 0);
  threads::HomeAnswer A =
      xattr(XattrCall::Set, XattrOn::Path, -1, Path, "user.grid", "home", 4);
  if (A.Value < 0 && A.Errno == EOPNOTSUPP) {
    close(Fd);
    unlink(Path.c_str());
    GTEST_SKIP() << "user extended attributes unsupported under "
                 << ::testing::TempDir();
  }
  EXPECT_EQ(A.Value, 0);
  A = xattr(XattrCall::Set, XattrOn::Fd, Fd, "", "user.grid", "x", 1,
            XATTR_CREATE);
  EXPECT_EQ(A.Errno, EEXIST);
  // A size query, then the value; too small a buffer is home's ERANGE.
  A = xattr(XattrCall::Get, XattrOn::Link, -1, Path, "user.grid");
  EXPECT_EQ(A.Value, 4);
  EXPECT_TRUE(A.Data.empty());
  A = xattr(XattrCall::Get, XattrOn::Fd, Fd, "", "user.grid", {}, 64);
  EXPECT_EQ(A.Value, 4);
  EXPECT_EQ(A.Data, "home");
  EXPECT_EQ(
      xattr(XattrCall::Get, XattrOn::Path, -1, Path, "user.grid", {}, 2).Errno,
      ERANGE);
  A = xattr(XattrCall::List, XattrOn::Path, -1, Path, "", {}, 64);
  EXPECT_EQ(A.Data, std::string("user.grid", 10));
  EXPECT_EQ(xattr(XattrCall::Remove, XattrOn::Fd, Fd, "", "user.grid").Value,
            0);
  EXPECT_EQ(xattr(XattrCall::Get, XattrOn::Path, -1, Path, "user.grid").Errno,
            ENODATA);
  EXPECT_EQ(
      xattr(XattrCall::Remove, XattrOn::Path, -1, "/nonexistent/grid", "user.a")
          .Errno,
      ENOENT);
  close(Fd);
  unlink(Path.c_str());
}

TEST(RemoteIoServeTest, TemporaryNamesAreMadeAtHome) {
  Request Tmpnam(Op::Tmpnam);
  Tmpnam.args().u32(0).u32(0).str("").u32(0).str("");
  threads::HomeAnswer A = Tmpnam.serve();
  EXPECT_EQ(A.Value, 0);
  EXPECT_EQ(A.Data.rfind(P_tmpdir "/", 0), 0u) << A.Data;
  // tempnam follows home's TMPDIR, and the prefix.
  std::string Dir = ::testing::TempDir();
  const char *Old = getenv("TMPDIR");
  std::string Saved = Old ? Old : "";
  setenv("TMPDIR", Dir.c_str(), 1);
  Request Tempnam(Op::Tmpnam);
  Tempnam.args().u32(1).u32(1).str("/nonexistent").u32(1).str("grd");
  A = Tempnam.serve();
  if (Old)
    setenv("TMPDIR", Saved.c_str(), 1);
  else
    unsetenv("TMPDIR");
  EXPECT_EQ(A.Value, 0);
  std::string Want = Dir + (Dir.back() == '/' ? "" : "/") + "grd";
  EXPECT_EQ(A.Data.rfind(Want, 0), 0u) << A.Data;
}

TEST(RemoteIoServeTest, ErrorIsWrittenAndCountedByHomesError) {
  unsigned Before = error_message_count;
  int SavedOnePerLine = error_one_per_line;
  error_one_per_line = 1;
  ::testing::internal::CaptureStderr();
  // Each request's file name is a string of its own, freed after: home
  // must still tell the next name from the last.
  auto At = [](const char *File, unsigned Line, const char *Message) {
    Request R(Op::Error);
    R.args().i32(ENOENT).u32(1).u32(File != nullptr).str(File ? File : "");
    R.args().u32(Line).str(Message);
    return R.serve().Value;
  };
  Request Plain(Op::Error);
  Plain.args().i32(0).u32(0).u32(0).str("").u32(0).str("plain 50%s");
  EXPECT_EQ(Plain.serve().Value, 1);
  EXPECT_EQ(At("in.c", 7, "at a line"), 1);
  EXPECT_EQ(At("in.c", 7, "the same line again"), 0); // kept back
  EXPECT_EQ(At("on.c", 7, "another file, the same line"), 1);
  EXPECT_EQ(At("in.c", 7, "the first file again"), 1);
  EXPECT_EQ(At(nullptr, 0, "no file"), 1);
  std::string Err = ::testing::internal::GetCapturedStderr();
  error_one_per_line = SavedOnePerLine;
  std::string Name = program_invocation_name;
  std::string Missing = ": No such file or directory\n";
  EXPECT_EQ(Err, Name + ": plain 50%s\n" + Name + ":in.c:7: at a line" +
                     Missing + Name + ":on.c:7: another file, the same line" +
                     Missing + Name + ":in.c:7: the first file again" +
                     Missing + Name + ": no file" + Missing);
  EXPECT_EQ(error_message_count, Before + 5);
}

} // namespace
