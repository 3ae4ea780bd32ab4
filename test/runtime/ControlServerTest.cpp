//===- ControlServerTest.cpp - Replies of the control socket, renice ------===//
//
// control::answer() called directly, as the server calls it for each request
// line: a ps reply conforms to docs/schema/gridctl-ps.schema.json (checked
// here by a small validator of the keywords that schema uses), a peer of
// another user is refused, a renice changes the tolerances the next
// placement reads, and a renice of a call site finds the site the user names
// or lists the program's sites. Also core's findSites, reniceSite and the
// work registry that ps reads. The call sites are those of a fake module
// registered as -fgrid code would register it.
//===----------------------------------------------------------------------===//

#include "control/Server.h"
#include "core/Core.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace grid;
using nlohmann::json;

namespace {

//===----------------------------------------------------------------------===//
// A module's call sites, registered once per test process
//===----------------------------------------------------------------------===//

const __grid_site Sites[] = {
    {"src/x.c", "worker", 10, 5, __grid_kind_PthreadCreate, 0},
    {"src/x.c", "main", 20, 3, __grid_kind_System, 1},
    {"lib/y.c", "helper", 10, 7, __grid_kind_StdThread, 2},
    {"src/ps.c", "pool", 30, 1, __grid_kind_PthreadCreate, 3},
    {"src/renice.c", "spawner", 40, 9, __grid_kind_PosixSpawn, 4},
    {"", "nodebug", 0, 0, __grid_kind_Fork, 5},
    {"src/both.c", "mixed", 50, 5, __grid_kind_PthreadCreate, 6},
    {"src/both.c", "mixed", 50, 20, __grid_kind_Popen, 7},
    {"src/x.c", "worker", 12, 3, __grid_kind_PthreadJoin, 8},
    {"src/x.c", "worker", 10, 30, __grid_kind_MutexLock, 9},
    {"src/sync.c", "run", 60, 3, __grid_kind_Syscall, 10},
};
const __grid_site &XThread = Sites[0];    // src/x.c:10
const __grid_site &XSystem = Sites[1];    // src/x.c:20
const __grid_site &YThread = Sites[2];    // lib/y.c:10
const __grid_site &PsThread = Sites[3];   // src/ps.c:30
const __grid_site &Spawner = Sites[4];    // src/renice.c:40
const __grid_site &BothThread = Sites[6]; // src/both.c:50, and a popen
const __grid_site &BothPopen = Sites[7];
const __grid_site &XJoin = Sites[8]; // src/x.c:12, places nothing
// Synchronisation sites place nothing either; one shares XThread's line.
const __grid_site &XLock = Sites[9];     // src/x.c:10
const __grid_site &SyncCall = Sites[10]; // src/sync.c:60

const __grid_module Module = {GRID_ABI_VERSION,
                              GRID_TOLERANCE_UNSET,
                              GRID_TOLERANCE_UNSET,
                              sizeof Sites / sizeof Sites[0],
                              Sites,
                              "x.c"};

/// Registers Module once, with settings that do not depend on the machine
/// (no user config file, no GRID_* variables of the caller).
void registerModule() {
  static bool Done = [] {
    ::setenv("GRID_CONFIG", "/dev/null", 1);
    for (const char *Name :
         {"GRID_THREAD_TOLERANCE", "GRID_PROCESS_TOLERANCE", "GRID_PLACEMENT",
          "GRID_LOG", "GRID_STATS", "GRID_DEFAULT_PROCESS_TOLERANCE"})
      ::unsetenv(Name);
    core::registerModule(&Module);
    core::keepWork(); // as the control server does when it starts
    return true;
  }();
  (void)Done;
}

class ControlServer : public ::testing::Test {
protected:
  void SetUp() override { registerModule(); }
};

/// A work item for the length of a test.
class Work {
public:
  explicit Work(core::WorkItem Item) : Id(core::addWork(std::move(Item))) {}
  ~Work() { core::removeWork(Id); }
  Work(const Work &) = delete;
  Work &operator=(const Work &) = delete;
  const uint64_t Id;
};

std::optional<core::WorkItem> findWork(uint64_t Id) {
  for (auto &[Key, Item] : core::workSnapshot())
    if (Key == Id)
      return Item;
  return std::nullopt;
}

/// The reply to Line from a peer of this user, parsed; one line of JSON.
json ask(const std::string &Line, uid_t Peer = ::getuid()) {
  std::string Reply = control::answer(Line, Peer);
  EXPECT_FALSE(Reply.empty());
  EXPECT_EQ(Reply.find('\n'), Reply.size() - 1) << Reply;
  json Doc = json::parse(Reply, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(Doc.is_object()) << Reply;
  EXPECT_EQ(Doc.value("version", 0), 1) << Reply;
  return Doc;
}

json askOk(const std::string &Line) {
  json Doc = ask(Line);
  EXPECT_EQ(Doc.value("ok", false), true) << Doc.dump();
  return Doc;
}

std::string askError(const std::string &Line, uid_t Peer = ::getuid()) {
  json Doc = ask(Line, Peer);
  EXPECT_EQ(Doc.value("ok", true), false) << Doc.dump();
  return Doc.value("error", "");
}

const char *const Ps = R"({"version":1,"request":"ps"})";

std::string renice(const std::string &Fields) {
  return R"({"version":1,"request":"renice",)" + Fields + "}";
}

std::string userName(uid_t Uid) {
  if (passwd *P = ::getpwuid(Uid))
    return P->pw_name;
  return "uid " + std::to_string(Uid);
}

//===----------------------------------------------------------------------===//
// The keywords of JSON Schema that docs/schema uses
//===----------------------------------------------------------------------===//

bool hasType(const json &Value, const std::string &Type) {
  if (Type == "object")
    return Value.is_object();
  if (Type == "array")
    return Value.is_array();
  if (Type == "string")
    return Value.is_string();
  if (Type == "integer")
    return Value.is_number_integer();
  if (Type == "number")
    return Value.is_number();
  if (Type == "boolean")
    return Value.is_boolean();
  if (Type == "null")
    return Value.is_null();
  ADD_FAILURE() << "the schema names an unknown type " << Type;
  return false;
}

/// Validates a value against a definition of a schema. A keyword it does not
/// know is itself a problem, so it never checks less than the schema says.
class SchemaCheck {
public:
  explicit SchemaCheck(json Root) : Root(std::move(Root)) {}

  std::vector<std::string> problems(const json &Value, const std::string &Ref,
                                    const std::string &Name) {
    Problems.clear();
    check(Value, resolve(Ref), Name);
    return Problems;
  }

private:
  const json &resolve(const std::string &Ref) {
    EXPECT_EQ(Ref.rfind("#/", 0), 0u) << Ref;
    return Root.at(json::json_pointer(Ref.substr(1)));
  }

  void fail(const std::string &Where, const std::string &What) {
    Problems.push_back(Where + " " + What);
  }

  void check(const json &V, const json &S, const std::string &Where) {
    for (const auto &[Key, Arg] : S.items()) {
      if (Key == "$schema" || Key == "$id" || Key == "title" ||
          Key == "description" || Key == "$defs") {
        continue;
      } else if (Key == "$ref") {
        check(V, resolve(Arg.get<std::string>()), Where);
      } else if (Key == "type") {
        bool Fits = false;
        for (const json &Type : Arg.is_array() ? Arg : json::array({Arg}))
          Fits = Fits || hasType(V, Type.get<std::string>());
        if (!Fits)
          fail(Where, "= " + V.dump() + " is not of type " + Arg.dump());
      } else if (Key == "enum") {
        if (std::find(Arg.begin(), Arg.end(), V) == Arg.end())
          fail(Where, "= " + V.dump() + " is not one of " + Arg.dump());
      } else if (Key == "const") {
        if (V != Arg)
          fail(Where, "= " + V.dump() + " is not " + Arg.dump());
      } else if (Key == "required") {
        for (const json &Name : Arg)
          if (V.is_object() && !V.contains(Name.get<std::string>()))
            fail(Where, "lacks the required " + Name.dump());
      } else if (Key == "properties") {
        for (const auto &[Name, Sub] : Arg.items())
          if (V.is_object() && V.contains(Name))
            check(V.at(Name), Sub, Where + "." + Name);
      } else if (Key == "additionalProperties") {
        if (Arg != false) {
          fail(Where, "has a schema with additionalProperties other than "
                      "false, which this check does not know");
          continue;
        }
        if (!V.is_object())
          continue;
        for (const auto &Field : V.items())
          if (!S.contains("properties") ||
              !S.at("properties").contains(Field.key()))
            fail(Where, "has the field \"" + Field.key() +
                            "\" the schema does not allow");
      } else if (Key == "items") {
        if (V.is_array())
          for (size_t I = 0; I < V.size(); ++I)
            check(V[I], Arg, Where + "[" + std::to_string(I) + "]");
      } else if (Key == "minItems") {
        if (V.is_array() && V.size() < Arg.get<size_t>())
          fail(Where, "has fewer than " + Arg.dump() + " items");
      } else if (Key == "minimum") {
        if (V.is_number() && V < Arg)
          fail(Where, "= " + V.dump() + " is below " + Arg.dump());
      } else if (Key == "maximum") {
        if (V.is_number() && V > Arg)
          fail(Where, "= " + V.dump() + " is above " + Arg.dump());
      } else if (Key == "anyOf") {
        size_t Before = Problems.size();
        bool Fits = false;
        for (const json &Sub : Arg) {
          size_t Start = Problems.size();
          check(V, Sub, Where);
          Fits = Fits || Problems.size() == Start;
        }
        Problems.resize(Before);
        if (!Fits)
          fail(Where, "= " + V.dump() + " fits none of " + Arg.dump());
      } else {
        fail(Where, "has a schema keyword this check does not know: " + Key);
      }
    }
  }

  json Root;
  std::vector<std::string> Problems;
};

json psSchema() {
  std::ifstream In(GRID_PS_SCHEMA);
  EXPECT_TRUE(In) << "cannot read " << GRID_PS_SCHEMA;
  return json::parse(In, nullptr, /*allow_exceptions=*/false);
}

} // namespace

//===----------------------------------------------------------------------===//
// ps
//===----------------------------------------------------------------------===//

TEST_F(ControlServer, PsReplyConformsToTheSchema) {
  // Something in every list of the reply, so their items are checked too.
  core::reniceSite(&PsThread, Tolerance::Local, std::nullopt);
  core::WorkItem Thread;
  Thread.Thread = true;
  Thread.Kind = PsThread.kind;
  Thread.Site = &PsThread;
  Thread.Distance = Tolerance::Machine; // further than the site's local
  Work T1(Thread), T2(Thread);
  core::WorkItem Remote;
  Remote.Kind = __grid_kind_System;
  Remote.SiteText = "other.c:5 (main)";
  Remote.Distance = Tolerance::Near;
  Remote.ForProgram = 4321;
  Work P(Remote);
  // Near is beyond the program's process tolerance, whatever ran before.
  core::renice(std::nullopt, Tolerance::Machine);

  json Reply = askOk(Ps);
  ASSERT_TRUE(Reply.contains("program")) << Reply.dump();
  const json &Program = Reply["program"];
  SchemaCheck Schema(psSchema());
  std::vector<std::string> Problems =
      Schema.problems(Program, "#/$defs/program", "program");
  EXPECT_TRUE(Problems.empty()) << ::testing::PrintToString(Problems) << "\n"
                                << Program.dump(2);

  // The values themselves, where the test knows them.
  EXPECT_EQ(Program.value("pid", 0), ::getpid());
  EXPECT_EQ(Program.value("uid", -1), static_cast<int64_t>(::getuid()));
  EXPECT_EQ(Program.value("role", ""), "local");
  EXPECT_EQ(Program.value("name", ""), "ControlServerTest");
  EXPECT_EQ(Program.value("config", ""), "/dev/null");
  ASSERT_EQ(Program["nodes"].size(), 1u);
  const json &Node = Program["nodes"][0];
  EXPECT_EQ(Node["threads"], json::array({{{"site", "src/ps.c:30 (pool)"},
                                           {"kind", "pthread_create"},
                                           {"count", 2},
                                           {"beyond_bound", true}}}));
  EXPECT_EQ(Node["processes"], json::array({{{"site", "other.c:5 (main)"},
                                             {"kind", "system"},
                                             {"pid", nullptr},
                                             {"beyond_bound", true},
                                             {"for_program", 4321}}}));
  bool Listed = false;
  for (const json &R : Program["site_renices"])
    Listed = Listed || R == json({{"site", "src/ps.c:30 (pool)"},
                                  {"threads", "local"},
                                  {"processes", nullptr}});
  EXPECT_TRUE(Listed) << Program["site_renices"].dump();
}

TEST_F(ControlServer, SchemaCheckFindsWhatIsWrong) {
  // The validator itself: a reply with a wrong type, a missing field and an
  // extra one must fail, or the test above could never fail.
  json Program = askOk(Ps)["program"];
  Program["pid"] = "12";
  Program.erase("exe");
  Program["extra"] = 1;
  Program["thread_tolerance"]["level"] = 4;
  SchemaCheck Schema(psSchema());
  std::vector<std::string> Problems =
      Schema.problems(Program, "#/$defs/program", "program");
  auto Has = [&](const std::string &Text) {
    return std::any_of(Problems.begin(), Problems.end(), [&](auto &P) {
      return P.find(Text) != std::string::npos;
    });
  };
  EXPECT_TRUE(Has("program.pid = \"12\" is not of type \"integer\""));
  EXPECT_TRUE(Has("program lacks the required \"exe\""));
  EXPECT_TRUE(Has("program has the field \"extra\""));
  EXPECT_TRUE(Has("program.thread_tolerance.level = 4 is above 3"));
  EXPECT_EQ(Problems.size(), 4u) << ::testing::PrintToString(Problems);
}

TEST_F(ControlServer, PsDropsALocalChildThatEnded) {
  pid_t Child = ::fork();
  ASSERT_GE(Child, 0);
  if (Child == 0)
    ::_exit(0);
  int Status = 0;
  ASSERT_EQ(::waitpid(Child, &Status, 0), Child);
  core::WorkItem Item;
  Item.Kind = __grid_kind_Fork;
  Item.Site = &Spawner;
  Item.Pid = Child;
  Work Ended(Item);

  json Reply = askOk(Ps);
  for (const json &Node : Reply["program"]["nodes"])
    for (const json &Process : Node["processes"])
      EXPECT_NE(Process["pid"], Child) << Reply.dump();
  EXPECT_FALSE(findWork(Ended.Id)) << "still in the registry";
}

TEST_F(ControlServer, NodesListsThisMachine) {
  json Reply = askOk(R"({"version":1,"request":"nodes"})");
  EXPECT_EQ(Reply.value("pid", 0), ::getpid());
  ASSERT_EQ(Reply["nodes"].size(), 1u);
  EXPECT_EQ(Reply["nodes"][0].value("class", ""), "home");
  EXPECT_EQ(Reply["nodes"][0].value("state", ""), "up");
}

//===----------------------------------------------------------------------===//
// Who may ask
//===----------------------------------------------------------------------===//

TEST_F(ControlServer, AnotherUserIsRefused) {
  // Root is allowed to inspect anyone's program, so pick a uid that is
  // neither this test's nor root's.
  uid_t Other = ::getuid() == 0 ? 12345 : ::getuid() + 1;
  for (const std::string &Line :
       {std::string(Ps), renice(R"("threads":3)"), std::string()}) {
    std::string Error = askError(Line, Other);
    EXPECT_EQ(Error.rfind("refused: ", 0), 0u) << Error;
    EXPECT_NE(Error.find("belongs to " + userName(::getuid())),
              std::string::npos)
        << Error;
    EXPECT_NE(Error.find(userName(Other) + " may not inspect or control it"),
              std::string::npos)
        << Error;
    EXPECT_NE(Error.find("(pid " + std::to_string(::getpid()) + ")"),
              std::string::npos)
        << Error;
  }
}

TEST_F(ControlServer, SameUserAndRootAreServed) {
  EXPECT_EQ(ask(Ps, ::getuid()).value("ok", false), true);
  EXPECT_EQ(ask(Ps, 0).value("ok", false), true);
}

TEST_F(ControlServer, ABadRequestGetsItsErrorAsAReply) {
  EXPECT_EQ(askError(R"({"version":1,"request":"kill"})"),
            "unknown request \"kill\"; accepted: ps, nodes, renice");
  EXPECT_EQ(askError("not json"),
            "request is not valid JSON; send one JSON object per line");
}

//===----------------------------------------------------------------------===//
// renice
//===----------------------------------------------------------------------===//

TEST_F(ControlServer, ReniceChangesWhatPlacementReads) {
  json Reply = askOk(renice(R"("threads":"any","processes":2)"));
  EXPECT_EQ(core::threadTolerance(), Tolerance::Any);
  EXPECT_EQ(core::processTolerance(), Tolerance::Near);
  const json &Program = Reply["program"];
  EXPECT_EQ(Program["thread_tolerance"], json({{"value", "any"},
                                               {"level", 3},
                                               {"source", "renice"},
                                               {"origin", "gridctl renice"}}));
  EXPECT_EQ(Program["process_tolerance"]["value"], "near");
  EXPECT_EQ(Program["process_tolerance"]["source"], "renice");

  // One tolerance alone leaves the other where it was.
  askOk(renice(R"("processes":"machine")"));
  EXPECT_EQ(core::threadTolerance(), Tolerance::Any);
  EXPECT_EQ(core::processTolerance(), Tolerance::Machine);
  // So does ps.
  json Ps1 = askOk(Ps)["program"];
  EXPECT_EQ(Ps1["thread_tolerance"]["source"], "renice");
  EXPECT_EQ(Ps1["process_tolerance"]["value"], "machine");
  EXPECT_EQ(core::currentSettings().ThreadTolerance.Source,
            SettingSource::Renice);
}

TEST_F(ControlServer, ReniceOfASiteNobodyWroteListsTheSites) {
  EXPECT_EQ(askError(renice(R"("threads":"local","site":"nowhere.c:99")")),
            "no call site at nowhere.c:99 in this program; its call sites: "
            "lib/y.c:10, src/both.c:50, src/ps.c:30, src/renice.c:40, "
            "src/x.c:10, src/x.c:20");
  // Nor is a synchronisation call's (and the list above leaves it out).
  EXPECT_EQ(askError(renice(R"("threads":"local","site":"sync.c:60")"))
                .rfind("no call site at sync.c:60 in this program;", 0),
            0u);
  // pthread_join places nothing: its site is no site to renice.
  EXPECT_EQ(askError(renice(R"("threads":"local","site":"x.c:12")"))
                .rfind("no call site at x.c:12 in this program;", 0),
            0u);
  // The right file on another line is no site either.
  EXPECT_EQ(askError(renice(R"("threads":"local","site":"x.c:11")"))
                .rfind("no call site at x.c:11 in this program; its call "
                       "sites: lib/y.c:10",
                       0),
            0u);
}

TEST_F(ControlServer, ReniceOfASiteChangesThatSiteOnly) {
  core::renice(Tolerance::Machine, Tolerance::Machine);
  json Reply = askOk(renice(R"("processes":"any","site":"renice.c:40")"));
  EXPECT_EQ(core::processTolerance(&Spawner), Tolerance::Any);
  EXPECT_EQ(core::processTolerance(&XSystem), Tolerance::Machine);
  EXPECT_EQ(core::processTolerance(), Tolerance::Machine);
  EXPECT_EQ(core::threadTolerance(&Spawner), Tolerance::Machine);
  bool Listed = false;
  for (const json &R : Reply["program"]["site_renices"])
    Listed = Listed || R == json({{"site", "src/renice.c:40 (spawner)"},
                                  {"threads", nullptr},
                                  {"processes", "any"}});
  EXPECT_TRUE(Listed) << Reply.dump();
}

TEST_F(ControlServer, ReniceOfASiteNeedsTheToleranceItUses) {
  // src/x.c:20 calls system(): a thread tolerance does not apply to it.
  EXPECT_EQ(askError(renice(R"("threads":"local","site":"src/x.c:20")")),
            "src/x.c:20 creates processes (system), not threads; drop "
            "--threads");
  EXPECT_EQ(
      askError(renice(R"("threads":"local","processes":1,"site":"x.c:20")")),
      "x.c:20 creates processes (system), not threads; drop --threads");
  EXPECT_EQ(askError(renice(R"("processes":"local","site":"y.c:10")")),
            "y.c:10 creates threads (std::thread), not processes; drop "
            "--processes");
  // Nothing was reniced by the refused requests.
  std::vector<core::SiteRenice> Renices = core::siteRenices();
  EXPECT_TRUE(std::none_of(Renices.begin(), Renices.end(), [](auto &R) {
    return R.Site == &XSystem || R.Site == &YThread;
  }));
}

TEST_F(ControlServer, ReniceOfALineWithBothKinds) {
  // A line that creates a thread and a process: each tolerance goes to the
  // site it governs.
  core::renice(Tolerance::Local, Tolerance::Local);
  askOk(renice(R"("threads":"near","site":"both.c:50")"));
  EXPECT_EQ(core::threadTolerance(&BothThread), Tolerance::Near);
  EXPECT_EQ(core::processTolerance(&BothPopen), Tolerance::Local);
  askOk(renice(R"("threads":"machine","processes":"any","site":"both.c:50")"));
  EXPECT_EQ(core::threadTolerance(&BothThread), Tolerance::Machine);
  EXPECT_EQ(core::processTolerance(&BothPopen), Tolerance::Any);
  EXPECT_EQ(core::processTolerance(&BothThread), Tolerance::Local);
  EXPECT_EQ(core::threadTolerance(&BothPopen), Tolerance::Local);
}

//===----------------------------------------------------------------------===//
// core: call sites by FILE:LINE, renice of a site
//===----------------------------------------------------------------------===//

using Found = std::vector<const __grid_site *>;

TEST_F(ControlServer, FindSitesByFileAndLine) {
  EXPECT_EQ(core::findSites("x.c", 10), Found{&XThread});
  EXPECT_EQ(core::findSites("src/x.c", 10), Found{&XThread});
  EXPECT_EQ(core::findSites("./src/x.c", 10), Found{&XThread});
  // An absolute path matches a site recorded with a relative one.
  EXPECT_EQ(core::findSites("/abs/src/x.c", 10), Found{&XThread});
  EXPECT_EQ(core::findSites("x.c", 20), Found{&XSystem});
  EXPECT_EQ(core::findSites("y.c", 10), Found{&YThread});
}

TEST_F(ControlServer, FindSitesMatchesWholePathComponents) {
  EXPECT_EQ(core::findSites("x.c", 11), Found{});
  EXPECT_EQ(core::findSites("rc/x.c", 10), Found{});
  EXPECT_EQ(core::findSites("xx.c", 10), Found{});
  EXPECT_EQ(core::findSites("/abs/lib/x.c", 10), Found{});
  EXPECT_EQ(core::findSites("", 0), Found{});
  // A site that places nothing (pthread_join, a synchronisation call) is
  // never found, also beside a placement site on the same line.
  EXPECT_EQ(core::findSites("x.c", XJoin.line), Found{});
  EXPECT_EQ(core::findSites("sync.c", SyncCall.line), Found{});
  EXPECT_EQ(core::findSites("x.c", XLock.line), Found{&XThread});
}

TEST_F(ControlServer, ReniceSiteOverridesTheProgramForThatSiteOnly) {
  core::renice(Tolerance::Any, Tolerance::Any);
  core::reniceSite(&XThread, Tolerance::Local, std::nullopt);
  EXPECT_EQ(core::threadTolerance(&XThread), Tolerance::Local);
  EXPECT_EQ(core::threadTolerance(&YThread), Tolerance::Any);
  EXPECT_EQ(core::threadTolerance(nullptr), Tolerance::Any);
  EXPECT_EQ(core::processTolerance(&XThread), Tolerance::Any);
  EXPECT_EQ(core::threadTolerance(), Tolerance::Any);

  // A later renice of the site's other tolerance keeps the first.
  core::reniceSite(&XThread, std::nullopt, Tolerance::Machine);
  EXPECT_EQ(core::threadTolerance(&XThread), Tolerance::Local);
  EXPECT_EQ(core::processTolerance(&XThread), Tolerance::Machine);
  // A renice of the program does not undo the site's.
  core::renice(Tolerance::Near, std::nullopt);
  EXPECT_EQ(core::threadTolerance(&XThread), Tolerance::Local);
  EXPECT_EQ(core::threadTolerance(&YThread), Tolerance::Near);

  std::vector<core::SiteRenice> Renices = core::siteRenices();
  auto It = std::find_if(Renices.begin(), Renices.end(),
                         [](auto &R) { return R.Site == &XThread; });
  ASSERT_NE(It, Renices.end());
  EXPECT_EQ(It->Thread, Tolerance::Local);
  EXPECT_EQ(It->Process, Tolerance::Machine);
  EXPECT_EQ(std::count_if(Renices.begin(), Renices.end(),
                          [](auto &R) { return R.Site == &XThread; }),
            1);
}

// A fork child reads and changes the site tolerances too: the settings'
// locks are held across the fork, and in the child the site lock (a
// reader-writer lock, whose unlock glibc checks against the writer's thread
// id, another one there) is made anew rather than unlocked: unlocked, it
// stayed taken and the child's first read hung.
TEST_F(ControlServer, AForkChildReadsAndRenicesSites) {
  core::renice(Tolerance::Any, Tolerance::Any);
  core::reniceSite(&XThread, Tolerance::Local, std::nullopt);
  pid_t Child = fork();
  ASSERT_GE(Child, 0);
  if (Child == 0) {
    alarm(10); // a hang ends the child by SIGALRM
    bool Ok = core::threadTolerance(&XThread) == Tolerance::Local;
    core::reniceSite(&YThread, Tolerance::Near, std::nullopt);
    Ok = Ok && core::threadTolerance(&YThread) == Tolerance::Near;
    _exit(Ok ? 0 : 1);
  }
  int Status = 0;
  ASSERT_EQ(waitpid(Child, &Status, 0), Child);
  EXPECT_TRUE(WIFEXITED(Status))
      << "the child ended by signal " << WTERMSIG(Status);
  EXPECT_EQ(WEXITSTATUS(Status), 0);
  EXPECT_EQ(core::threadTolerance(&YThread), Tolerance::Any)
      << "the child's renice is its own";
}

//===----------------------------------------------------------------------===//
// The work registry
//===----------------------------------------------------------------------===//

TEST(WorkRegistry, NothingIsKeptUntilAServerRuns) {
  // Run first in its own process by ctest: no server has started here.
  core::WorkItem Thread;
  Thread.Thread = true;
  EXPECT_EQ(core::addWork(Thread), 0u);
  core::removeWork(0); // harmless
  EXPECT_TRUE(core::workSnapshot().empty());
}

TEST(WorkRegistry, AddRemoveAndSnapshot) {
  core::keepWork();
  size_t Before = core::workSnapshot().size();
  core::WorkItem Thread;
  Thread.Thread = true;
  Thread.Kind = __grid_kind_PthreadCreate;
  Thread.Site = &XThread;
  Thread.Node = 2;
  Thread.Distance = Tolerance::Near;
  Thread.Core = 5;
  core::WorkItem Child;
  Child.Kind = __grid_kind_PosixSpawn;
  Child.SiteText = "run.c:3 (main)";
  Child.Pid = 777;
  Child.ForProgram = 888;

  uint64_t A = core::addWork(Thread);
  uint64_t B = core::addWork(Child);
  EXPECT_NE(A, B);
  EXPECT_EQ(core::workSnapshot().size(), Before + 2);
  std::optional<core::WorkItem> GotA = findWork(A), GotB = findWork(B);
  ASSERT_TRUE(GotA && GotB);
  EXPECT_TRUE(GotA->Thread);
  EXPECT_EQ(GotA->Site, &XThread);
  EXPECT_EQ(GotA->Node, 2u);
  EXPECT_EQ(GotA->Distance, Tolerance::Near);
  EXPECT_EQ(GotA->Core, 5);
  EXPECT_FALSE(GotB->Thread);
  EXPECT_EQ(GotB->Kind, static_cast<uint32_t>(__grid_kind_PosixSpawn));
  EXPECT_EQ(GotB->SiteText, "run.c:3 (main)");
  EXPECT_EQ(GotB->Pid, 777);
  EXPECT_EQ(GotB->ForProgram, 888);

  core::removeWork(A);
  EXPECT_FALSE(findWork(A));
  EXPECT_TRUE(findWork(B));
  // Removing twice, or an id never given, changes nothing.
  core::removeWork(A);
  core::removeWork(0);
  EXPECT_EQ(core::workSnapshot().size(), Before + 1);
  core::removeWork(B);
  EXPECT_EQ(core::workSnapshot().size(), Before);

  // Ids are never reused.
  uint64_t C = core::addWork(Thread);
  EXPECT_NE(C, A);
  EXPECT_NE(C, B);
  core::removeWork(C);
}
