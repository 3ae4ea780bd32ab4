//===- ControlCommands.cpp - gridctl ps, nodes and renice -----------------===//
//
// Each asks the running programs over their control sockets
// (ControlClient.h) and prints the replies as text, or with --json as one
// document whose schema is in docs/schema/ (protocol: docs/design/control.md).
//===----------------------------------------------------------------------===//
#include "ControlCommands.h"
#include "ControlClient.h"

#include "grid/tolerance.h"

#include <cstdio>
#include <functional>
#include <iostream>
#include <sstream>

namespace grid::driver {

using nlohmann::json;

std::string describeSourced(const json &Value) {
  std::string Text = Value.value("value", "?");
  std::string Source = Value.value("source", "?");
  std::string Origin = Value.value("origin", "");
  Text += " (" + Source;
  // A renice's origin says nothing more than its source.
  if (!Origin.empty() && Origin != Source && Source != "renice")
    Text += ": " + Origin;
  return Text + ")";
}

namespace {

/// Runs Body; a ControlError becomes "gridctl: error: ..." and its status.
template <class Fn> int guarded(Fn Body) {
  try {
    return Body();
  } catch (const ControlError &E) {
    std::cerr << "gridctl: error: " << E.what() << "\n";
    return E.Status;
  }
}

std::string pad(std::string Text, size_t Width) {
  if (Text.size() < Width)
    Text.append(Width - Text.size(), ' ');
  return Text;
}

/// The programs to show: the one given, or all running ones; with each, its
/// reply to R (programs that ended meanwhile are left out). In a listing, a
/// program that does not answer is reported on stderr and sets Status to
/// 1; the others are still shown.
std::vector<json> ask(const std::string &PidText, const control::Request &R,
                      int &Status) {
  std::vector<json> Replies;
  if (!PidText.empty()) {
    Replies.push_back(request(parsePid(PidText), R));
    return Replies;
  }
  for (pid_t Pid : runningPrograms()) {
    try {
      json Reply = requestIfRunning(Pid, R);
      if (!Reply.is_null())
        Replies.push_back(std::move(Reply));
    } catch (const ControlError &E) {
      std::cerr << "gridctl: error: " << E.what() << "\n";
      Status = 1;
    }
  }
  return Replies;
}

std::string formatWork(const json &Program) {
  std::ostringstream Out;
  for (const json &Node : Program["nodes"]) {
    const json &Threads = Node["threads"];
    const json &Processes = Node["processes"];
    Out << "  node " << Node.value("node", 0) << " ("
        << Node.value("host", std::string("?")) << ")";
    if (Threads.empty() && Processes.empty()) {
      Out << ": nothing\n";
      continue;
    }
    Out << "\n";
    for (const json &T : Threads) {
      unsigned Count = T.value("count", 0u);
      Out << "    "
          << pad(std::to_string(Count) + (Count == 1 ? " thread " : " threads"),
                 12)
          << T.value("site", std::string()) << " "
          << T.value("kind", std::string());
      if (T.value("beyond_bound", false))
        Out << "  [beyond bound]";
      Out << "\n";
    }
    for (const json &P : Processes) {
      Out << "    " << pad("process", 12) << P.value("site", std::string())
          << " " << P.value("kind", std::string());
      if (P.contains("pid") && P["pid"].is_number())
        Out << ", pid " << P["pid"].get<long>();
      if (P.contains("for_program"))
        Out << ", for pid " << P["for_program"].get<long>();
      if (P.value("beyond_bound", false))
        Out << "  [beyond bound]";
      Out << "\n";
    }
  }
  return Out.str();
}

std::string formatProgram(const json &Program) {
  std::ostringstream Out;
  Out << "pid " << Program.value("pid", 0) << "  "
      << Program.value("name", std::string("?")) << "  ("
      << Program.value("role", std::string("?")) << ")  "
      << Program.value("command", std::string()) << "\n";
  Out << "  thread tolerance   " << describeSourced(Program["thread_tolerance"])
      << "\n";
  Out << "  process tolerance  "
      << describeSourced(Program["process_tolerance"]) << "\n";
  Out << "  placement          " << describeSourced(Program["placement"])
      << "\n";
  const json &Config = Program["config"];
  Out << "  config             "
      << (Config.is_string() ? Config.get<std::string>() : "none") << "\n";
  for (const json &R : Program["site_renices"]) {
    Out << "  reniced site       " << R.value("site", std::string());
    if (R["threads"].is_string())
      Out << ": threads " << R["threads"].get<std::string>();
    if (R["processes"].is_string())
      Out << ": processes " << R["processes"].get<std::string>();
    Out << "\n";
  }
  Out << formatWork(Program);
  return Out.str();
}

} // namespace

std::string formatNodes(const json &Nodes) {
  std::ostringstream Out;
  Out << "  NODE  RANK  HOST              CORES  LOAD   THREADS  PROCS  "
         "CLASS  RTT        STATE\n";
  for (const json &N : Nodes) {
    char Load[32], Rtt[32];
    std::snprintf(Load, sizeof Load, "%.2f", N.value("load", 0.0));
    double Us = N.value("rtt_us", 0.0);
    if (N.value("class", std::string()) == "home")
      std::snprintf(Rtt, sizeof Rtt, "-");
    else
      std::snprintf(Rtt, sizeof Rtt, "%.1f us", Us);
    Out << "  " << pad(std::to_string(N.value("node", 0)), 6)
        << pad(std::to_string(N.value("rank", 0)), 6)
        << pad(N.value("host", std::string("?")), 18)
        << pad(std::to_string(N.value("cores", 0)), 7) << pad(Load, 7)
        << pad(std::to_string(N.value("grid_threads", 0)), 9)
        << pad(std::to_string(N.value("grid_processes", 0)), 7)
        << pad(N.value("class", std::string("?")), 7) << pad(Rtt, 11)
        << N.value("state", std::string("?")) << "\n";
  }
  return Out.str();
}

namespace {

/// A listing subcommand (ps, nodes): asks each program (or the one given)
/// Op, then prints one JSON document whose array Key holds ToJson(reply)
/// per program, or the programs' ToText(reply) separated by blank lines.
void addListing(CLI::App &App, int &ExitCode, const char *Name,
                const char *Help, const char *PidHelp, control::Request::Op Op,
                const char *Key, std::function<json(json &)> ToJson,
                std::function<std::string(const json &)> ToText) {
  CLI::App *Cmd = App.add_subcommand(Name, Help);
  auto Pid = std::make_shared<std::string>();
  auto Json = std::make_shared<bool>(false);
  Cmd->add_option("PID", *Pid, PidHelp);
  Cmd->add_flag("--json", *Json,
                "One JSON document (schema in share/grid/schema)");
  Cmd->callback([&ExitCode, Pid, Json, Op, Key, ToJson, ToText] {
    ExitCode = guarded([&] {
      int Status = 0;
      std::vector<json> Replies =
          ask(*Pid, control::Request{Op, {}, {}, {}}, Status);
      if (*Json) {
        json Doc = {{"version", control::ProtocolVersion},
                    {Key, json::array()}};
        for (json &Reply : Replies)
          Doc[Key].push_back(ToJson(Reply));
        std::cout << Doc.dump(2) << "\n";
        return Status;
      }
      if (Replies.empty() && Status == 0)
        std::cout << "no running Grid programs (control sockets in "
                  << controlDirectory() << ")\n";
      for (size_t I = 0; I < Replies.size(); ++I)
        std::cout << (I ? "\n" : "") << ToText(Replies[I]);
      return Status;
    });
  });
}

} // namespace

void addPsCommand(CLI::App &App, int &ExitCode) {
  addListing(
      App, ExitCode, "ps",
      "List running Grid programs: tolerances and where each value comes "
      "from, and their threads and processes per node",
      "Only this program (default: all of yours)", control::Request::Op::Ps,
      "programs", [](json &Reply) { return std::move(Reply["program"]); },
      [](const json &Reply) { return formatProgram(Reply["program"]); });
}

void addNodesCommand(CLI::App &App, int &ExitCode) {
  addListing(
      App, ExitCode, "nodes",
      "List the nodes of each running Grid program's job: host, rank, "
      "cores, load, latency class and measured round trip",
      "Only this program's job (default: all)", control::Request::Op::Nodes,
      "jobs",
      [](json &Reply) {
        return json{{"pid", Reply["pid"]},
                    {"nodes", std::move(Reply["nodes"])}};
      },
      [](const json &Reply) {
        return "job of pid " + std::to_string(Reply.value("pid", 0)) + ":\n" +
               formatNodes(Reply["nodes"]);
      });
}

void addReniceCommand(CLI::App &App, int &ExitCode) {
  CLI::App *Cmd = App.add_subcommand(
      "renice", "Change a running program's latency tolerance; the very "
                "next placement honours it");
  struct Args {
    std::string Pid, Threads, Processes, Site;
  };
  auto A = std::make_shared<Args>();
  Cmd->add_option("--threads", A->Threads,
                  "Thread tolerance: 0-3 or local, machine, near, any");
  Cmd->add_option("--processes", A->Processes,
                  "Process tolerance: 0-3 or local, machine, near, any");
  Cmd->add_option("--site", A->Site,
                  "Only the creations at this call site, as FILE:LINE "
                  "(as gridctl ps and inspect show it)");
  Cmd->add_option("PID", A->Pid, "The program")->required();
  Cmd->callback([&ExitCode, A] {
    ExitCode = guarded([&] {
      control::Request R;
      R.What = control::Request::Op::Renice;
      auto Tol = [](const std::string &Text, const char *Flag) {
        std::optional<Tolerance> T = parseToleranceText(Text);
        if (!T)
          throw ControlError(std::string(Flag) + " '" + Text +
                                 "' is not a latency tolerance; accepted: " +
                                 AcceptedToleranceSpellings,
                             2);
        return *T;
      };
      if (!A->Threads.empty())
        R.Threads = Tol(A->Threads, "--threads");
      if (!A->Processes.empty())
        R.Processes = Tol(A->Processes, "--processes");
      if (!R.Threads && !R.Processes)
        throw ControlError("renice needs --threads, --processes or both", 2);
      if (!A->Site.empty()) {
        R.Site = control::parseSiteRef(A->Site);
        if (!R.Site)
          throw ControlError("--site '" + A->Site +
                                 "' is not FILE:LINE (for example app.c:42)",
                             2);
      }
      pid_t Pid = parsePid(A->Pid);
      json Reply = request(Pid, R);
      const json &Program = Reply["program"];
      std::cout << "pid " << Pid << " (" << Program.value("name", "?") << "): ";
      if (R.Site) {
        std::cout << "call site " << A->Site << " reniced:";
        if (R.Threads)
          std::cout << " threads " << toleranceName(*R.Threads);
        if (R.Processes)
          std::cout << " processes " << toleranceName(*R.Processes);
        std::cout << "\n";
      } else {
        std::cout << "thread tolerance "
                  << describeSourced(Program["thread_tolerance"])
                  << ", process tolerance "
                  << describeSourced(Program["process_tolerance"]) << "\n";
      }
      return 0;
    });
  });
}

} // namespace grid::driver
