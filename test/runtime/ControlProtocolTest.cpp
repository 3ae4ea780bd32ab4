//===- ControlProtocolTest.cpp - Requests of the control socket -----------===//
//
// Unit tests of control/Protocol: the requests gridctl sends (ps, nodes,
// renice with tolerances as numbers or names, a call site), every way a
// request is refused with the message a user sees, the encoding gridctl
// uses, and the socket names gridctl lists programs by.
//===----------------------------------------------------------------------===//

#include "control/Protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

using namespace grid;
using namespace grid::control;
using nlohmann::json;

namespace {

/// The request Line parses to; fails the test if it is refused.
Request accepted(std::string_view Line) {
  auto Parsed = parseRequest(Line);
  if (auto *Err = std::get_if<std::string>(&Parsed)) {
    ADD_FAILURE() << "refused: " << Line << "\n  " << *Err;
    return {};
  }
  return std::get<Request>(Parsed);
}

/// The error text Line is refused with; fails the test if it parses.
std::string refused(std::string_view Line) {
  auto Parsed = parseRequest(Line);
  if (auto *Err = std::get_if<std::string>(&Parsed))
    return *Err;
  ADD_FAILURE() << "accepted: " << Line;
  return "";
}

std::string renice(const std::string &Fields) {
  return R"({"version":1,"request":"renice",)" + Fields + "}";
}

} // namespace

//===----------------------------------------------------------------------===//
// Accepted requests
//===----------------------------------------------------------------------===//

TEST(ControlProtocolParse, PsAndNodes) {
  Request Ps = accepted(R"({"version":1,"request":"ps"})");
  EXPECT_EQ(Ps.What, Request::Op::Ps);
  EXPECT_FALSE(Ps.Threads || Ps.Processes || Ps.Site);
  // Field order and white space do not matter.
  Request Nodes = accepted(R"( { "request" : "nodes", "version" : 1 } )");
  EXPECT_EQ(Nodes.What, Request::Op::Nodes);
  EXPECT_FALSE(Nodes.Threads || Nodes.Processes || Nodes.Site);
}

TEST(ControlProtocolParse, ReniceWithNumbers) {
  for (int Level = 0; Level <= 3; ++Level) {
    std::string N = std::to_string(Level);
    Request R = accepted(renice(R"("threads":)" + N + R"(,"processes":)" + N));
    EXPECT_EQ(R.What, Request::Op::Renice);
    EXPECT_EQ(R.Threads, static_cast<Tolerance>(Level)) << N;
    EXPECT_EQ(R.Processes, static_cast<Tolerance>(Level)) << N;
    EXPECT_FALSE(R.Site);
  }
  // A digit as a string, as on the command line.
  EXPECT_EQ(accepted(renice(R"("threads":"2")")).Threads, Tolerance::Near);
}

TEST(ControlProtocolParse, ReniceWithNames) {
  Request R = accepted(renice(R"("threads":"local","processes":"any")"));
  EXPECT_EQ(R.Threads, Tolerance::Local);
  EXPECT_EQ(R.Processes, Tolerance::Any);
  EXPECT_EQ(accepted(renice(R"("threads":"machine")")).Threads,
            Tolerance::Machine);
  EXPECT_EQ(accepted(renice(R"("processes":"near")")).Processes,
            Tolerance::Near);
  // One tolerance alone leaves the other unset (unchanged by the renice).
  EXPECT_FALSE(accepted(renice(R"("threads":"near")")).Processes);
  EXPECT_FALSE(accepted(renice(R"("processes":"near")")).Threads);
}

TEST(ControlProtocolParse, ReniceOfASite) {
  Request R = accepted(renice(R"("threads":"local","site":"src/app.c:42")"));
  ASSERT_TRUE(R.Site);
  EXPECT_EQ(R.Site->File, "src/app.c");
  EXPECT_EQ(R.Site->Line, 42u);
  // The line is after the last colon; the file may hold colons.
  R = accepted(renice(R"("processes":1,"site":"/tmp/a:b/x.c:7")"));
  ASSERT_TRUE(R.Site);
  EXPECT_EQ(R.Site->File, "/tmp/a:b/x.c");
  EXPECT_EQ(R.Site->Line, 7u);
}

TEST(ControlProtocolParse, SiteReferences) {
  auto Site = parseSiteRef("app.c:1");
  ASSERT_TRUE(Site);
  EXPECT_EQ(Site->File, "app.c");
  EXPECT_EQ(Site->Line, 1u);
  Site = parseSiteRef("a.c:4294967295");
  ASSERT_TRUE(Site);
  EXPECT_EQ(Site->Line, 4294967295u);
  for (const char *Bad : {"x", ":3", "a.c:", "a.c:0", "a.c:-1", "a.c:3x",
                          "a.c:+3", "a.c: 3", "a.c:4294967296", ""})
    EXPECT_FALSE(parseSiteRef(Bad)) << Bad;
}

//===----------------------------------------------------------------------===//
// Refused requests: the message names the problem
//===----------------------------------------------------------------------===//

TEST(ControlProtocolRefuse, NotJson) {
  for (const char *Line : {"ps", "{", R"({"version":1,"request":"ps")", "",
                           R"({"version":1,} )", "\xff\xfe"})
    EXPECT_EQ(refused(Line),
              "request is not valid JSON; send one JSON object per line")
        << Line;
}

TEST(ControlProtocolRefuse, NotAnObject) {
  for (const char *Line : {R"(["version",1])", R"("ps")", "1", "null"})
    EXPECT_EQ(refused(Line), "request is not a JSON object") << Line;
}

TEST(ControlProtocolRefuse, MissingOrOtherVersion) {
  const std::string NoVersion = "request has no integer \"version\"; this "
                                "program speaks version 1";
  EXPECT_EQ(refused(R"({"request":"ps"})"), NoVersion);
  EXPECT_EQ(refused(R"({"version":"1","request":"ps"})"), NoVersion);
  EXPECT_EQ(refused(R"({"version":1.0,"request":"ps"})"), NoVersion);
  EXPECT_EQ(refused(R"({"version":2,"request":"ps"})"),
            "unsupported protocol version 2; this program speaks version 1");
  EXPECT_EQ(refused(R"({"version":0,"request":"ps"})"),
            "unsupported protocol version 0; this program speaks version 1");
}

TEST(ControlProtocolRefuse, UnknownOrMissingRequest) {
  EXPECT_EQ(refused(R"({"version":1,"request":"kill"})"),
            "unknown request \"kill\"; accepted: ps, nodes, renice");
  EXPECT_EQ(refused(R"({"version":1,"request":"PS"})"),
            "unknown request \"PS\"; accepted: ps, nodes, renice");
  EXPECT_EQ(refused(R"({"version":1})"),
            "request has no string \"request\"; accepted: ps, nodes, renice");
  EXPECT_EQ(refused(R"({"version":1,"request":["ps"]})"),
            "request has no string \"request\"; accepted: ps, nodes, renice");
}

TEST(ControlProtocolRefuse, UnknownField) {
  EXPECT_EQ(refused(R"({"version":1,"request":"ps","all":true})"),
            "unknown field \"all\" in a ps request; accepted: version, "
            "request");
  // Renice fields belong to renice only.
  EXPECT_EQ(refused(R"({"version":1,"request":"nodes","threads":1})"),
            "unknown field \"threads\" in a nodes request; accepted: "
            "version, request");
  EXPECT_EQ(refused(renice(R"("threads":1,"thread":1)")),
            "unknown field \"thread\" in a renice request; accepted: "
            "version, request, threads, processes, site");
}

TEST(ControlProtocolRefuse, ToleranceOutOfRange) {
  for (const char *Value : {"7", "-1", R"("far")", "2.5", "true", "null",
                            R"("")", R"(" 1")", "4294967296"}) {
    std::string Error = refused(renice(std::string(R"("threads":)") + Value));
    EXPECT_EQ(Error, std::string("threads: ") + Value +
                         " is not a latency tolerance; accepted: 0-3 or "
                         "local, machine, near, any");
  }
  EXPECT_EQ(refused(renice(R"("threads":1,"processes":"far")")),
            "processes: \"far\" is not a latency tolerance; accepted: 0-3 or "
            "local, machine, near, any");
}

TEST(ControlProtocolRefuse, ReniceWithoutTolerance) {
  const char *NoTolerance = "renice names no tolerance; give \"threads\", "
                            "\"processes\" or both";
  EXPECT_EQ(refused(R"({"version":1,"request":"renice"})"), NoTolerance);
  EXPECT_EQ(refused(renice(R"("site":"a.c:3")")), NoTolerance);
}

TEST(ControlProtocolRefuse, BadSite) {
  for (const char *Site : {"x", ":3", "a.c:0", "a.c:-1", "a.c:3x", "a.c:"}) {
    std::string Error =
        refused(renice(std::string(R"("threads":1,"site":")") + Site + "\""));
    EXPECT_EQ(Error, std::string("site: \"") + Site +
                         "\" is not FILE:LINE with a positive LINE");
  }
  EXPECT_EQ(refused(renice(R"("threads":1,"site":42)")),
            "site: not a string; write it as \"FILE:LINE\"");
}

TEST(ControlProtocolRefuse, OversizedLine) {
  // Padding inside the line keeps it valid JSON: only its length is wrong.
  std::string Head = R"({"version":1,"request":"ps")";
  std::string Exact =
      Head + std::string(MaxRequestBytes - Head.size() - 1, ' ') + "}";
  ASSERT_EQ(Exact.size(), MaxRequestBytes);
  EXPECT_EQ(accepted(Exact).What, Request::Op::Ps);
  std::string Over =
      Head + std::string(MaxRequestBytes - Head.size(), ' ') + "}";
  EXPECT_EQ(refused(Over), "request longer than 65536 bytes");
}

TEST(ControlProtocolRefuse, LongValuesAreCutInTheMessage) {
  std::string Long(5000, 'x');
  std::string Error = refused(renice(R"("threads":")" + Long + "\""));
  EXPECT_LT(Error.size(), 200u) << Error;
  EXPECT_EQ(Error.rfind("threads: \"xxxx", 0), 0u) << Error;
  EXPECT_NE(Error.find("xxx... is not a latency tolerance"), std::string::npos)
      << Error;
  // A nested value is named, never dumped (it may be thousands deep).
  std::string Deep = std::string(20000, '[') + std::string(20000, ']');
  EXPECT_EQ(refused(renice(R"("threads":)" + Deep)),
            "threads: [...] is not a latency tolerance; accepted: 0-3 or "
            "local, machine, near, any");
}

//===----------------------------------------------------------------------===//
// What gridctl sends, and error replies
//===----------------------------------------------------------------------===//

TEST(ControlProtocolEncode, RequestsParseBackUnchanged) {
  Request Ps;
  EXPECT_EQ(encodeRequest(Ps), "{\"request\":\"ps\",\"version\":1}\n");
  Request Nodes;
  Nodes.What = Request::Op::Nodes;
  EXPECT_EQ(accepted(encodeRequest(Nodes)).What, Request::Op::Nodes);

  Request R;
  R.What = Request::Op::Renice;
  R.Threads = Tolerance::Machine;
  R.Site = SiteRef{"dir/a b.c", 12};
  std::string Line = encodeRequest(R);
  ASSERT_EQ(Line.back(), '\n');
  EXPECT_EQ(Line.find('\n'), Line.size() - 1);
  Line.pop_back();
  Request Back = accepted(Line);
  EXPECT_EQ(Back.What, Request::Op::Renice);
  EXPECT_EQ(Back.Threads, Tolerance::Machine);
  EXPECT_FALSE(Back.Processes);
  ASSERT_TRUE(Back.Site);
  EXPECT_EQ(Back.Site->File, "dir/a b.c");
  EXPECT_EQ(Back.Site->Line, 12u);
}

TEST(ControlProtocolEncode, ErrorReplyIsOneLineOfJson) {
  std::string Reply = errorReply("bad \"thing\"\non two lines");
  ASSERT_EQ(Reply.back(), '\n');
  EXPECT_EQ(Reply.find('\n'), Reply.size() - 1);
  json Doc = json::parse(Reply);
  EXPECT_EQ(Doc, json({{"version", 1},
                       {"ok", false},
                       {"error", "bad \"thing\"\non two lines"}}));
  // Bytes that are not UTF-8 are replaced, never a reason to throw.
  Doc = json::parse(errorReply("name \xff\xfe"));
  EXPECT_EQ(Doc["ok"], false);
  EXPECT_TRUE(Doc["error"].is_string());
}

//===----------------------------------------------------------------------===//
// Socket names
//===----------------------------------------------------------------------===//

TEST(ControlProtocolSocket, NameRoundTrip) {
  EXPECT_EQ(socketName(12), "12.sock");
  for (pid_t Pid : {1, 12, 4194304, 2147483647}) {
    EXPECT_EQ(pidOfSocketName(socketName(Pid)), Pid);
  }
}

TEST(ControlProtocolSocket, OtherNamesAreNotPrograms) {
  for (const char *Name :
       {"home-12.sock", "12.sock.bak", "0.sock", "abc.sock", ".sock", "12",
        "-12.sock", "+12.sock", "012.sock", " 12.sock", "12x.sock",
        "2147483648.sock", "12.SOCK", ""})
    EXPECT_FALSE(pidOfSocketName(Name)) << Name;
}
