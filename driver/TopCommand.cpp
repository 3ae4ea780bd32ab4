//===- TopCommand.cpp - gridctl top, the tachometer -----------------------===//
//
// Every interval: the running programs (ps) and their jobs' nodes (nodes),
// drawn as one screen: the nodes' load, then each program's threads and
// processes per node. On a terminal it is a live ncurses view, `q` quits;
// otherwise (a pipe, a file) it prints one snapshot, or --iterations of
// them. A program that ends while top watches simply leaves the view.
//===----------------------------------------------------------------------===//
#include "ControlClient.h"
#include "ControlCommands.h"

#include <ncurses.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace grid::driver {

using nlohmann::json;

namespace {

struct Snapshot {
  std::vector<json> Programs; // ps replies' "program"
  std::map<long, json> Nodes; // pid -> nodes reply's "nodes"
};

Snapshot take() {
  Snapshot S;
  for (pid_t Pid : runningPrograms()) {
    try {
      json Ps = requestIfRunning(
          Pid, control::Request{control::Request::Op::Ps, {}, {}, {}});
      if (Ps.is_null())
        continue;
      json Nodes = requestIfRunning(
          Pid, control::Request{control::Request::Op::Nodes, {}, {}, {}});
      S.Programs.push_back(std::move(Ps["program"]));
      if (!Nodes.is_null())
        S.Nodes[Pid] = std::move(Nodes["nodes"]);
    } catch (const ControlError &) {
      // A program that cannot answer now is shown at the next refresh.
    }
  }
  return S;
}

std::string bar(double Load, unsigned Cores, size_t Width) {
  double Share = Cores ? Load / Cores : 0;
  size_t Filled = static_cast<size_t>(Share * static_cast<double>(Width) + 0.5);
  if (Filled > Width)
    Filled = Width;
  return "[" + std::string(Filled, '#') + std::string(Width - Filled, ' ') +
         "]";
}

std::string clockText() {
  std::time_t Now = std::time(nullptr);
  char Text[16];
  std::strftime(Text, sizeof Text, "%H:%M:%S", std::localtime(&Now));
  return Text;
}

/// The screen, as lines; the same for the live view and a snapshot.
std::vector<std::string> render(const Snapshot &S, double Interval) {
  std::vector<std::string> Lines;
  std::ostringstream Head;
  Head << "gridctl top  " << clockText() << "  " << S.Programs.size()
       << (S.Programs.size() == 1 ? " program" : " programs") << "  refresh "
       << Interval << " s";
  Lines.push_back(Head.str());
  if (S.Programs.empty()) {
    Lines.push_back("");
    Lines.push_back("no running Grid programs (control sockets in " +
                    controlDirectory() + ")");
    return Lines;
  }
  for (const json &P : S.Programs) {
    long Pid = P.value("pid", 0L);
    Lines.push_back("");
    std::ostringstream Title;
    Title << "pid " << Pid << "  " << P.value("name", std::string("?")) << " ("
          << P.value("role", std::string("?")) << ")  threads "
          << describeSourced(P["thread_tolerance"]) << "  processes "
          << describeSourced(P["process_tolerance"]) << "  "
          << P["placement"].value("value", std::string("?"));
    Lines.push_back(Title.str());
    auto NodesIt = S.Nodes.find(Pid);
    for (const json &Node : P["nodes"]) {
      unsigned Index = Node.value("node", 0u);
      unsigned Threads = 0, Processes = 0, Beyond = 0;
      for (const json &T : Node["threads"]) {
        Threads += T.value("count", 0u);
        if (T.value("beyond_bound", false))
          Beyond += T.value("count", 0u);
      }
      for (const json &Pr : Node["processes"]) {
        ++Processes;
        if (Pr.value("beyond_bound", false))
          ++Beyond;
      }
      std::ostringstream Line;
      Line << "  node " << Index << "  "
           << Node.value("host", std::string("?"));
      if (NodesIt != S.Nodes.end() && Index < NodesIt->second.size()) {
        const json &N = NodesIt->second[Index];
        char Load[64];
        std::snprintf(Load, sizeof Load, "  load %5.2f/%-3u ",
                      N.value("load", 0.0), N.value("cores", 0u));
        Line << Load << bar(N.value("load", 0.0), N.value("cores", 0u), 20)
             << "  " << N.value("class", std::string("?"));
        if (N.value("state", std::string("up")) != "up")
          Line << " (" << N.value("state", std::string()) << ")";
      }
      Line << "  threads " << Threads << "  processes " << Processes;
      if (Beyond)
        Line << "  beyond bound " << Beyond;
      Lines.push_back(Line.str());
    }
  }
  return Lines;
}

int snapshots(double Interval, int Iterations) {
  for (int I = 0; I < Iterations; ++I) {
    if (I) {
      std::this_thread::sleep_for(std::chrono::duration<double>(Interval));
      std::cout << "\n";
    }
    for (const std::string &Line : render(take(), Interval))
      std::cout << Line << "\n";
    std::cout.flush();
  }
  return 0;
}

int live(double Interval) {
  if (!::initscr())
    throw ControlError("cannot start the terminal view; TERM=" +
                       std::string(::getenv("TERM") ? ::getenv("TERM") : ""));
  ::cbreak();
  ::noecho();
  ::curs_set(0);
  ::keypad(stdscr, TRUE);
  int Status = 0;
  for (;;) {
    std::vector<std::string> Lines = render(take(), Interval);
    ::werase(stdscr);
    int Rows = LINES, Cols = COLS;
    for (size_t I = 0; I < Lines.size() && static_cast<int>(I) < Rows - 1; ++I)
      mvwaddnstr(stdscr, static_cast<int>(I), 0, Lines[I].c_str(), Cols);
    mvwaddnstr(stdscr, Rows - 1, 0, "q: quit", Cols);
    ::wrefresh(stdscr);
    // Wait for a key or the next refresh.
    auto Until = std::chrono::steady_clock::now() +
                 std::chrono::duration<double>(Interval);
    bool Quit = false;
    for (;;) {
      auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
          Until - std::chrono::steady_clock::now());
      if (Left.count() <= 0)
        break;
      ::wtimeout(stdscr, static_cast<int>(Left.count()));
      int Key = ::wgetch(stdscr);
      if (Key == 'q' || Key == 'Q') {
        Quit = true;
        break;
      }
      if (Key == KEY_RESIZE || Key == ' ')
        break; // redraw now
    }
    if (Quit)
      break;
  }
  ::endwin();
  return Status;
}

} // namespace

void addTopCommand(CLI::App &App, int &ExitCode) {
  CLI::App *Cmd = App.add_subcommand(
      "top", "Live view of the nodes' load and each Grid program's work per "
             "node (q quits); one snapshot when stdout is not a terminal");
  struct Args {
    double Interval = 1.0;
    int Iterations = 0;
  };
  auto A = std::make_shared<Args>();
  Cmd->add_option("-d,--delay", A->Interval, "Seconds between refreshes")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  Cmd->add_option("-n,--iterations", A->Iterations,
                  "Print this many snapshots and stop, as text, even on a "
                  "terminal (default: live view on a terminal, else 1)")
      ->check(CLI::Range(1, 1000000));
  Cmd->callback([&ExitCode, A] {
    try {
      if (A->Iterations > 0 || !::isatty(STDOUT_FILENO))
        ExitCode =
            snapshots(A->Interval, A->Iterations > 0 ? A->Iterations : 1);
      else
        ExitCode = live(A->Interval);
    } catch (const ControlError &E) {
      std::cerr << "gridctl: error: " << E.what() << "\n";
      ExitCode = E.Status;
    }
  });
}

} // namespace grid::driver
