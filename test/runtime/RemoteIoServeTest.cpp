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
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/uio.h>
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

} // namespace
