//===- api/Streams.cpp - The C++ standard streams of remote threads -------===//
//
// std::cout, std::cerr, std::clog, std::cin and their wide twins are
// libstdc++'s objects, one set per process: an agent's are its own. Their
// state that the program sets at home reaches its remote threads here:
//
//  - the formatting (main's std::cout << std::fixed << std::setprecision(3)):
//    each thread start carries home's flags, precision and fill, and the
//    agent takes them when they changed since its last start;
//  - the buffer: a stream whose buffer home changed (std::ios::
//    sync_with_stdio(false), which gives each stream a buffer of its own,
//    or cout.rdbuf(file.rdbuf()), which redirects it) is read and written
//    on the agent through its NodeBuffer, which then forwards every
//    operation to home's stream buffer as it is at the time (Op::Stream),
//    so that what remote threads write lands in the same buffer as main's,
//    in order, and what they read comes from the same input. While home's
//    stream is still the C library's stream (stdout for cout...), the
//    NodeBuffer passes operations to the agent's own, whose C library calls
//    go home already (api/RemoteIo.cpp); while home's has none, they fail;
//  - the state (rdstate): each thread start sets the agent's to home's.
//
// Not carried: the width (the next output resets it), a locale imbued into a
// stream (in general it has no name to make it by on the agent), tie() and
// exceptions(), a failure on the agent (home's stream does not see it), and
// what a remote thread sets, which stays on its node. A change of the
// formatting or state at home reaches a node at its next thread start;
// the kind of buffer too, for the threads already running there as well.
//===----------------------------------------------------------------------===//

#include "api/RemoteIo.h"
#include "threads/Threads.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <ext/stdio_sync_filebuf.h>
#include <iostream>
#include <streambuf>
#include <string>

namespace grid::api::io {

namespace {

// What a standard stream's buffer is at home.
enum class BufferKind : uint8_t {
  Own,     // the C library's stream: the agent's writes go there already
  Forward, // another: the agent forwards to it
  None,    // none (rdbuf(nullptr)): the stream fails
};

// The eight standard streams in the order the start carries them; the wide
// ones are 4 to 7 (Op::Stream's stream number).
template <class Fn> void eachStandardStream(Fn &&F) {
  static std::ios_base::Init Constructed; // a C program's are not yet
  F(0, std::cout, stdout), F(1, std::cerr, stderr), F(2, std::clog, stderr);
  F(3, std::cin, stdin), F(4, std::wcout, stdout), F(5, std::wcerr, stderr);
  F(6, std::wclog, stderr), F(7, std::wcin, stdin);
}

std::basic_ios<char> &narrowStream(uint32_t N) {
  std::basic_ios<char> *S[] = {&std::cout, &std::cerr, &std::clog, &std::cin};
  return *S[N];
}
std::basic_ios<wchar_t> &wideStream(uint32_t N) {
  std::basic_ios<wchar_t> *S[] = {&std::wcout, &std::wcerr, &std::wclog,
                                  &std::wcin};
  return *S[N - 4];
}

template <class CharT>
BufferKind bufferKind(std::basic_ios<CharT> &S, FILE *Default) {
  std::basic_streambuf<CharT> *B = S.rdbuf();
  if (!B)
    return BufferKind::None;
  auto *Sync = dynamic_cast<__gnu_cxx::stdio_sync_filebuf<CharT> *>(B);
  return Sync && Sync->file() == Default ? BufferKind::Own
                                         : BufferKind::Forward;
}

struct Format {
  uint64_t Flags;
  int64_t Precision;
  uint32_t Fill;
  uint32_t State; // rdstate
  BufferKind Kind;
};

// Agent: the buffer each standard stream has from before the node's first
// thread starts, never swapped after (a swap while a thread wrote crashed
// the agent: libstdc++ reads rdbuf() again after its sentry; and rdbuf()
// clears the state). It passes every operation on as home's buffer is
// (follow, at each thread start): to the agent's own (the C library's
// stream, whose calls go home already); to home's stream buffer
// (Op::Stream), with no buffer here, so that bytes are in home's buffer,
// in order with main's, as soon as written; or nowhere (home's has none):
// the operation fails, and the stream with it.
template <class CharT> class NodeBuffer : public std::basic_streambuf<CharT> {
  using Base = std::basic_streambuf<CharT>;
  using typename Base::int_type;
  using typename Base::off_type;
  using typename Base::pos_type;
  using typename Base::traits_type;

public:
  NodeBuffer(uint32_t Stream, Base *Own) : Stream(Stream), Own(Own) {}
  void follow(BufferKind K) { Kind.store(K, std::memory_order_relaxed); }

protected:
  std::streamsize xsputn(const CharT *Chars, std::streamsize Count) override {
    switch (kind()) {
    case BufferKind::Own:
      return Own->sputn(Chars, Count);
    case BufferKind::None:
      return 0;
    case BufferKind::Forward:
      break;
    }
    std::streamsize Done = 0;
    while (Done < Count) {
      auto Part = std::min<std::streamsize>(Count - Done, MaxChars);
      int64_t Put =
          call(StreamCall::Put, 0,
               std::string_view(reinterpret_cast<const char *>(Chars + Done),
                                size_t(Part) * sizeof(CharT)));
      if (Put <= 0)
        break;
      Done += Put;
      if (Put < Part)
        break;
    }
    return Done;
  }
  int_type overflow(int_type C) override {
    if (traits_type::eq_int_type(C, traits_type::eof()))
      return traits_type::not_eof(C);
    CharT One = traits_type::to_char_type(C);
    return xsputn(&One, 1) == 1 ? C : traits_type::eof();
  }
  int sync() override {
    switch (kind()) {
    case BufferKind::Own:
      return Own->pubsync();
    case BufferKind::None:
      return -1;
    case BufferKind::Forward:
      break;
    }
    return static_cast<int>(call(StreamCall::Sync));
  }
  int_type underflow() override {
    switch (kind()) {
    case BufferKind::Own:
      return Own->sgetc();
    case BufferKind::None:
      return traits_type::eof();
    case BufferKind::Forward:
      break;
    }
    return static_cast<int_type>(call(StreamCall::Peek));
  }
  int_type uflow() override {
    switch (kind()) {
    case BufferKind::Own:
      return Own->sbumpc();
    case BufferKind::None:
      return traits_type::eof();
    case BufferKind::Forward:
      break;
    }
    return static_cast<int_type>(call(StreamCall::Bump));
  }
  std::streamsize xsgetn(CharT *Chars, std::streamsize Count) override {
    switch (kind()) {
    case BufferKind::Own:
      return Own->sgetn(Chars, Count);
    case BufferKind::None:
      return 0;
    case BufferKind::Forward:
      break;
    }
    std::streamsize Done = 0;
    while (Done < Count) {
      auto Part = std::min<std::streamsize>(Count - Done, MaxChars);
      std::string Data;
      call(StreamCall::Get, static_cast<uint64_t>(Part), {}, &Data);
      size_t Got = std::min(Data.size() / sizeof(CharT), size_t(Part));
      std::memcpy(Chars + Done, Data.data(), Got * sizeof(CharT));
      Done += static_cast<std::streamsize>(Got);
      if (static_cast<std::streamsize>(Got) < Part)
        break;
    }
    return Done;
  }
  int_type pbackfail(int_type C) override {
    bool Unget = traits_type::eq_int_type(C, traits_type::eof());
    switch (kind()) {
    case BufferKind::Own:
      return Unget ? Own->sungetc()
                   : Own->sputbackc(traits_type::to_char_type(C));
    case BufferKind::None:
      return traits_type::eof();
    case BufferKind::Forward:
      break;
    }
    return static_cast<int_type>(
        call(StreamCall::Putback, static_cast<uint64_t>(C)));
  }
  std::streamsize showmanyc() override {
    switch (kind()) {
    case BufferKind::Own:
      return Own->in_avail();
    case BufferKind::None:
      return -1;
    case BufferKind::Forward:
      break;
    }
    return static_cast<std::streamsize>(call(StreamCall::Avail));
  }
  pos_type seekoff(off_type Off, std::ios_base::seekdir Dir,
                   std::ios_base::openmode Which) override {
    switch (kind()) {
    case BufferKind::Own:
      return Own->pubseekoff(Off, Dir, Which);
    case BufferKind::None:
      return pos_type(off_type(-1));
    case BufferKind::Forward:
      break;
    }
    uint32_t How[2] = {static_cast<uint32_t>(Dir),
                       static_cast<uint32_t>(Which)};
    return pos_type(off_type(call(
        StreamCall::Seekoff, static_cast<uint64_t>(Off),
        std::string_view(reinterpret_cast<const char *>(How), sizeof How))));
  }
  pos_type seekpos(pos_type Pos, std::ios_base::openmode Which) override {
    return seekoff(off_type(Pos), std::ios_base::beg, Which);
  }

private:
  static constexpr std::streamsize MaxChars =
      static_cast<std::streamsize>(Chunk / sizeof(CharT));

  BufferKind kind() const { return Kind.load(std::memory_order_relaxed); }

  int64_t call(StreamCall Call, uint64_t A = 0, std::string_view Bytes = {},
               std::string *Data = nullptr) {
    threads::HomeAnswer Answer;
    {
      HomeCall H(Op::Stream);
      H.args().u32(Stream).u32(static_cast<uint32_t>(Call)).u64(A).str(Bytes);
      Answer = H.send();
    }
    // Home's buffer threw: so does this one, and the stream sets badbit
    // (or rethrows, as its exceptions() asks), as it would have at home.
    if (Answer.Errno == StreamThrew)
      throw std::ios_base::failure("the stream buffer at home threw");
    if (Data)
      *Data = std::move(Answer.Data);
    return Answer.Value;
  }

  uint32_t Stream;
  Base *Own;
  std::atomic<BufferKind> Kind{BufferKind::Own};
};

// Agent: follows home's kind of buffer and state for stream N, its own
// NodeBuffer installed at the first thread start, when no thread of the
// program runs here yet.
template <class CharT>
void follow(uint32_t N, std::basic_ios<CharT> &S, const Format &F) {
  static NodeBuffer<CharT> *Buffers[8];
  if (!Buffers[N]) {
    Buffers[N] = new NodeBuffer<CharT>(N, S.rdbuf());
    S.rdbuf(Buffers[N]);
  }
  Buffers[N]->follow(F.Kind);
  auto State = static_cast<std::ios_base::iostate>(F.State);
  if (S.rdstate() != State) {
    try {
      S.clear(State); // sets it, then throws if exceptions() asks
    } catch (...) {
    }
  }
}

// Home: the stream buffer Op::Stream names, as it is now.
template <class CharT>
threads::HomeAnswer serveBuffer(std::basic_streambuf<CharT> *B, StreamCall Call,
                                uint64_t A, std::string_view Bytes) {
  using Traits = std::char_traits<CharT>;
  if (!B) {
    switch (Call) {
    case StreamCall::Put:
    case StreamCall::Get:
      return {0, 0, {}};
    case StreamCall::Sync:
    case StreamCall::Avail:
    case StreamCall::Seekoff:
      return {-1, 0, {}};
    default:
      return {Traits::eof(), 0, {}};
    }
  }
  switch (Call) {
  case StreamCall::Put:
    return {
        B->sputn(reinterpret_cast<const CharT *>(Bytes.data()),
                 static_cast<std::streamsize>(Bytes.size() / sizeof(CharT))),
        0,
        {}};
  case StreamCall::Sync:
    return {B->pubsync(), 0, {}};
  case StreamCall::Peek:
    return {B->sgetc(), 0, {}};
  case StreamCall::Bump:
    return {B->sbumpc(), 0, {}};
  case StreamCall::Get: {
    size_t Want = std::min<uint64_t>(A, Chunk / sizeof(CharT));
    std::basic_string<CharT> Data(Want, CharT());
    std::streamsize Got = B->sgetn(Data.data(), std::streamsize(Want));
    return {
        Got, 0,
        std::string(reinterpret_cast<const char *>(Data.data()),
                    size_t(std::max<std::streamsize>(Got, 0)) * sizeof(CharT))};
  }
  case StreamCall::Putback: {
    auto C = static_cast<typename Traits::int_type>(A);
    return {Traits::eq_int_type(C, Traits::eof())
                ? B->sungetc()
                : B->sputbackc(Traits::to_char_type(C)),
            0,
            {}};
  }
  case StreamCall::Avail:
    return {B->in_avail(), 0, {}};
  case StreamCall::Seekoff: {
    uint32_t How[2] = {};
    if (Bytes.size() != sizeof How)
      break;
    std::memcpy(How, Bytes.data(), sizeof How);
    return {static_cast<int64_t>(std::streamoff(
                B->pubseekoff(static_cast<std::streamoff>(A),
                              static_cast<std::ios_base::seekdir>(How[0]),
                              static_cast<std::ios_base::openmode>(How[1])))),
            0,
            {}};
  }
  }
  return {-1, EINVAL, {}};
}

} // namespace

std::string homeStreams() {
  std::string Text;
  eachStandardStream([&](uint32_t, auto &S, FILE *Default) {
    Format F{}; // its padding too: the text is compared whole
    F.Flags = static_cast<uint64_t>(S.flags());
    F.Precision = S.precision();
    F.Fill = static_cast<uint32_t>(S.fill());
    F.State = static_cast<uint32_t>(S.rdstate());
    F.Kind = bufferKind(S, Default);
    Text.append(reinterpret_cast<const char *>(&F), sizeof F);
  });
  return Text;
}

void followHomeStreams(std::string_view Text) {
  static std::string Last;
  if (Text.size() != 8 * sizeof(Format))
    return;
  // The formatting only when home changed it (a remote thread may have
  // changed it here since); the buffer and the state at every start.
  bool Formats = Text != Last;
  Last = Text;
  eachStandardStream([&](uint32_t N, auto &S, FILE *) {
    Format F;
    std::memcpy(&F, Text.data() + N * sizeof F, sizeof F);
    follow(N, S, F);
    if (!Formats)
      return;
    S.flags(static_cast<std::ios_base::fmtflags>(F.Flags));
    S.precision(static_cast<std::streamsize>(F.Precision));
    S.fill(static_cast<typename std::decay_t<decltype(S)>::char_type>(F.Fill));
  });
}

threads::HomeAnswer streamHere(wire::Reader &R) {
  uint32_t Stream = R.u32();
  auto Call = static_cast<StreamCall>(R.u32());
  uint64_t A = R.u64();
  std::string_view Bytes = R.str();
  try {
    if (Stream < 4)
      return serveBuffer(narrowStream(Stream).rdbuf(), Call, A, Bytes);
    if (Stream < 8)
      return serveBuffer(wideStream(Stream).rdbuf(), Call, A, Bytes);
  } catch (...) {
    // The program's stream buffer threw: the thread's throws in turn.
    return {-1, StreamThrew, {}};
  }
  return {-1, EINVAL, {}};
}

} // namespace grid::api::io
