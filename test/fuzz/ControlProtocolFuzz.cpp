//===- ControlProtocolFuzz.cpp - Fuzz the control socket's request parser -===//
//
// libFuzzer target for control/Protocol.h. Each input is used twice:
//  - as it is, a line a client could send: no input may crash, hang or
//    throw; what the parser accepts survives the round trip gridctl relies
//    on (encodeRequest, parsed again, gives the same request); a rejection
//    has a reason short enough to read; error replies, whatever their text,
//    are one line of JSON with "ok": false;
//  - as choices (FuzzedDataProvider) that build a request field by field,
//    with values of every JSON type near and inside the accepted ranges, and
//    the verdict the protocol's contract gives for it: the parser must
//    accept exactly those, with those values. Random bytes rarely spell a
//    request that parses; this half reaches every field's checks at once.
// A violated invariant calls abort(), which libFuzzer reports as a crash.
//
// Built with clang++ -fsanitize=fuzzer,address,undefined by
// test/fuzz/CMakeLists.txt; the ctest test fuzz-control-protocol runs it.
// By hand: build/test/fuzz/control-protocol-fuzz -max_len=65600 DIR...
//===----------------------------------------------------------------------===//

#include "control/Protocol.h"

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace grid;
using namespace grid::control;
using nlohmann::json;

namespace {

constexpr size_t MaxErrorBytes = 512;

[[noreturn]] void violated(const char *What, std::string_view Detail) {
  std::fprintf(stderr, "invariant violated: %s\n  %.*s\n", What,
               static_cast<int>(Detail.size() > 2000 ? 2000 : Detail.size()),
               Detail.data());
  std::abort();
}

void require(bool Holds, const char *What, std::string_view Detail) {
  if (!Holds)
    violated(What, Detail);
}

bool sameSite(const std::optional<SiteRef> &A,
              const std::optional<SiteRef> &B) {
  if (A.has_value() != B.has_value())
    return false;
  return !A || (A->File == B->File && A->Line == B->Line);
}

bool sameRequest(const Request &A, const Request &B) {
  return A.What == B.What && A.Threads == B.Threads &&
         A.Processes == B.Processes && sameSite(A.Site, B.Site);
}

/// True when Text is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF), as the JSON library requires.
bool validUtf8(std::string_view Text) {
  size_t I = 0;
  while (I < Text.size()) {
    unsigned char C = static_cast<unsigned char>(Text[I]);
    size_t Length;
    unsigned char Low = 0x80, High = 0xBF; // the second byte's range
    if (C < 0x80) {
      ++I;
      continue;
    }
    if (C >= 0xC2 && C <= 0xDF) {
      Length = 2;
    } else if (C >= 0xE0 && C <= 0xEF) {
      Length = 3;
      if (C == 0xE0)
        Low = 0xA0;
      if (C == 0xED)
        High = 0x9F;
    } else if (C >= 0xF0 && C <= 0xF4) {
      Length = 4;
      if (C == 0xF0)
        Low = 0x90;
      if (C == 0xF4)
        High = 0x8F;
    } else {
      return false;
    }
    if (Text.size() - I < Length)
      return false;
    for (size_t K = 1; K < Length; ++K) {
      unsigned char Next = static_cast<unsigned char>(Text[I + K]);
      if (Next < (K == 1 ? Low : 0x80) || Next > (K == 1 ? High : 0xBF))
        return false;
    }
    I += Length;
  }
  return true;
}

/// Reply is one line of JSON: {"version":1,"ok":false,"error":...}.
void checkErrorReply(std::string_view Text) {
  std::string Reply = errorReply(Text);
  require(!Reply.empty() && Reply.back() == '\n' &&
              Reply.find_first_of("\r\n") == Reply.size() - 1,
          "errorReply is not exactly one line", Reply);
  json Doc = json::parse(Reply.begin(), Reply.end() - 1, nullptr,
                         /*allow_exceptions=*/false);
  require(Doc.is_object(), "errorReply is not a JSON object", Reply);
  require(Doc.size() == 3, "errorReply has fields besides version, ok, error",
          Reply);
  require(Doc.contains("version") && Doc["version"] == ProtocolVersion,
          "errorReply lacks the protocol version", Reply);
  require(Doc.contains("ok") && Doc["ok"] == false,
          "errorReply is not ok=false", Reply);
  require(Doc.contains("error") && Doc["error"].is_string(),
          "errorReply has no error text", Reply);
  if (validUtf8(Text))
    require(Doc["error"] == std::string(Text),
            "errorReply changed a valid UTF-8 text", Reply);
}

void checkAccepted(const Request &R, std::string_view Input) {
  if (R.What == Request::Op::Renice)
    require(R.Threads || R.Processes, "a renice without a tolerance parsed",
            Input);
  else
    require(!R.Threads && !R.Processes && !R.Site,
            "a ps or nodes request carries renice fields", Input);
  if (R.Site)
    require(!R.Site->File.empty() && R.Site->Line > 0,
            "a site without file or line parsed", Input);

  std::string Line = encodeRequest(R);
  require(!Line.empty() && Line.back() == '\n' &&
              Line.find_first_of("\r\n") == Line.size() - 1,
          "encodeRequest is not exactly one line", Line);
  Line.pop_back();
  auto Again = parseRequest(Line);
  if (auto *Err = std::get_if<std::string>(&Again))
    violated("the encoded request does not parse", Line + "\n  " + *Err);
  require(sameRequest(R, std::get<Request>(Again)),
          "the encoded request parses to another request", Line);
}

void checkSiteRef(std::string_view Input) {
  std::optional<SiteRef> Site = parseSiteRef(Input);
  if (!Site)
    return;
  require(!Site->File.empty() && Site->Line > 0,
          "parseSiteRef accepted an empty file or line 0", Input);
  std::string Text = Site->File + ":" + std::to_string(Site->Line);
  require(sameSite(Site, parseSiteRef(Text)),
          "a site reference does not survive FILE:LINE", Input);
}

void checkSocketName(std::string_view Input) {
  std::optional<pid_t> Pid = pidOfSocketName(Input);
  if (!Pid)
    return;
  require(*Pid > 0, "pidOfSocketName accepted a pid <= 0", Input);
  // gridctl lists programs by name and then connects to socketName(pid):
  // a name that is not the canonical one would send it elsewhere.
  require(socketName(*Pid) == Input,
          "pidOfSocketName accepted a name socketName never makes", Input);
}

/// One request line: whatever parseRequest says, it says it sensibly.
std::variant<Request, std::string> checkLine(std::string_view Line) {
  auto Parsed = parseRequest(Line);
  if (auto *Err = std::get_if<std::string>(&Parsed)) {
    require(!Err->empty(), "a rejection without a reason", Line);
    // The user reads it: a huge request must not make a huge message.
    require(Err->size() <= MaxErrorBytes, "a rejection too long to read", *Err);
    checkErrorReply(*Err);
  } else {
    require(Line.size() <= MaxRequestBytes, "an oversized request parsed",
            Line);
    checkAccepted(std::get<Request>(Parsed), Line);
  }
  return Parsed;
}

//===----------------------------------------------------------------------===//
// Requests built field by field, with the verdict they must get
//===----------------------------------------------------------------------===//

const char *const ToleranceTexts[] = {"local", "machine", "near", "any",
                                      "0",     "1",       "2",    "3"};

/// A request and what parseRequest must make of it; Known is false when the
/// builder cannot tell (a random string that may or may not be FILE:LINE).
struct Built {
  json Doc = json::object();
  bool Known = true;
  bool Accept = true;
  Request Expect;
};

/// Up to 24 bytes as UTF-8: bytes that are not become U+FFFD, as in any
/// JSON text (the first half of the target fuzzes the bytes themselves).
std::string shortString(FuzzedDataProvider &In) {
  std::string Text = In.ConsumeRandomLengthString(24);
  if (validUtf8(Text))
    return Text;
  return json::parse(
             json(Text).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

bool isRequestField(const std::string &Key) {
  return Key == "version" || Key == "request" || Key == "threads" ||
         Key == "processes" || Key == "site";
}

/// A value of any JSON type; Valid tells whether it is a tolerance.
json anyValue(FuzzedDataProvider &In, std::optional<Tolerance> &Valid) {
  Valid.reset();
  switch (In.ConsumeIntegralInRange(0, 8)) {
  case 0: {
    int64_t N = In.ConsumeIntegralInRange<int64_t>(-2, 6);
    if (N >= 0 && N <= 3)
      Valid = static_cast<Tolerance>(N);
    return N;
  }
  case 1: {
    int64_t N = In.ConsumeIntegral<int64_t>();
    if (N >= 0 && N <= 3)
      Valid = static_cast<Tolerance>(N);
    return N;
  }
  case 2: {
    uint64_t N = In.ConsumeIntegral<uint64_t>();
    if (N <= 3)
      Valid = static_cast<Tolerance>(N);
    return N;
  }
  case 3: {
    size_t I = In.ConsumeIntegralInRange<size_t>(0, 7);
    Valid = static_cast<Tolerance>(I % 4);
    return ToleranceTexts[I];
  }
  case 4: {
    std::string Text = shortString(In);
    Valid = parseToleranceText(Text);
    return Text;
  }
  case 5:
    return In.ConsumeFloatingPointInRange<double>(-1.0, 4.0);
  case 6:
    return In.ConsumeBool();
  case 7:
    return nullptr;
  default:
    return In.ConsumeBool() ? json::array({1}) : json::object({{"a", 1}});
  }
}

Built build(FuzzedDataProvider &In) {
  Built B;
  // "version": only the integer 1 is this protocol.
  switch (In.ConsumeIntegralInRange(0, 4)) {
  case 0:
    B.Doc["version"] = 1;
    break;
  case 1: {
    // Near the one accepted, or anywhere.
    int64_t V = In.ConsumeBool() ? In.ConsumeIntegralInRange<int64_t>(-2, 9)
                                 : In.ConsumeIntegral<int64_t>();
    B.Doc["version"] = V;
    B.Accept = B.Accept && V == 1;
    break;
  }
  case 2: {
    uint64_t V = In.ConsumeIntegral<uint64_t>();
    B.Doc["version"] = V;
    B.Accept = B.Accept && V == 1;
    break;
  }
  case 3: {
    std::optional<Tolerance> Ignored;
    B.Doc["version"] = anyValue(In, Ignored);
    B.Accept = B.Accept && B.Doc["version"].is_number_integer() &&
               B.Doc["version"] == 1;
    break;
  }
  default:
    B.Accept = false; // no version
  }
  // "request".
  switch (In.ConsumeIntegralInRange(0, 5)) {
  case 0:
    B.Doc["request"] = "ps";
    B.Expect.What = Request::Op::Ps;
    break;
  case 1:
    B.Doc["request"] = "nodes";
    B.Expect.What = Request::Op::Nodes;
    break;
  case 2:
  case 3:
    B.Doc["request"] = "renice";
    B.Expect.What = Request::Op::Renice;
    break;
  case 4: {
    std::string Name = shortString(In);
    B.Doc["request"] = Name;
    if (Name == "ps" || Name == "nodes" || Name == "renice")
      B.Known = false;
    B.Accept = false;
    break;
  }
  default:
    B.Accept = false; // none, or not a string
    if (In.ConsumeBool())
      B.Doc["request"] = In.ConsumeIntegral<int>();
  }
  bool Renice = B.Expect.What == Request::Op::Renice;
  // "threads" and "processes": valid only in a renice, only as tolerances.
  for (auto [Name, Field] : {std::pair{"threads", &Request::Threads},
                             std::pair{"processes", &Request::Processes}}) {
    if (!In.ConsumeBool())
      continue;
    std::optional<Tolerance> Valid;
    B.Doc[Name] = anyValue(In, Valid);
    B.Accept = B.Accept && Renice && Valid;
    B.Expect.*Field = Valid;
  }
  // "site": FILE:LINE in a renice.
  switch (In.ConsumeIntegralInRange(0, 3)) {
  case 0: {
    std::string File = shortString(In);
    uint32_t Line = In.ConsumeIntegral<uint32_t>();
    B.Doc["site"] = File + ":" + std::to_string(Line);
    B.Accept = B.Accept && Renice && !File.empty() && Line > 0;
    B.Expect.Site = SiteRef{File, Line};
    break;
  }
  case 1: {
    B.Doc["site"] = shortString(In);
    B.Known = false;
    break;
  }
  case 2: {
    std::optional<Tolerance> Ignored;
    B.Doc["site"] = anyValue(In, Ignored);
    if (B.Doc["site"].is_string())
      B.Known = false;
    else
      B.Accept = false;
    break;
  }
  default:
    break;
  }
  // A field of no request.
  if (In.ConsumeIntegralInRange(0, 7) == 0) {
    std::string Key = shortString(In);
    if (isRequestField(Key))
      B.Known = false;
    B.Doc[Key] = 1;
    B.Accept = false;
  }
  if (Renice && !B.Expect.Threads && !B.Expect.Processes)
    B.Accept = false;
  return B;
}

void checkBuilt(FuzzedDataProvider &In) {
  Built B = build(In);
  std::string Line = B.Doc.dump(-1, ' ', false, json::error_handler_t::replace);
  auto Parsed = checkLine(Line);
  if (!B.Known)
    return;
  auto *R = std::get_if<Request>(&Parsed);
  if (!B.Accept) {
    require(!R, "a request the protocol refuses was accepted", Line);
    return;
  }
  if (!R)
    violated("a request the protocol accepts was refused",
             Line + "\n  " + std::get<std::string>(Parsed));
  require(sameRequest(*R, B.Expect), "a request parsed to other values", Line);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  std::string_view Input(reinterpret_cast<const char *>(Data), Size);
  checkLine(Input);
  // Any text, as gridctl or the server might pass it on.
  checkErrorReply(Input);
  checkSiteRef(Input);
  checkSocketName(Input);

  FuzzedDataProvider Choices(Data, Size);
  checkBuilt(Choices);
  return 0;
}
