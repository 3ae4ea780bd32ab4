//===- process/Remote.h - Child processes on other nodes --------*- C++ -*-===//
//
// The deputy model of DESIGN.md §5 (docs/design/cluster.md §5-7), in three
// parts that speak the messages of cluster/Wire.h:
//  - the requester (any thread of home or of a descendant): asks home where
//    a child goes and, when it runs remotely, starts grid-deputy in its place;
//  - the home service (home's progress thread): serves the home socket,
//    places children on nodes, relays between deputies and agents;
//  - the agent's jobs (an agent's loop): start the remote children, relay
//    their stdio, exit status and signals.
//===----------------------------------------------------------------------===//
#ifndef GRID_PROCESS_REMOTE_H
#define GRID_PROCESS_REMOTE_H

#include "cluster/Cluster.h"
#include "cluster/Wire.h"
#include "core/Settings.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grid::process {

// --- Requester
// -----------------------------------------------------------------

/// What to run, as the program asked for it.
struct LaunchSpec {
  uint32_t Kind = 0; // the call site's kind (abi.def)
  std::string Site;  // describeSite(), for home's log
  Tolerance Tol = Tolerance::Local;
  Strategy Strat = Strategy::Balance;
  bool Search = false; // search PATH for File (execvp, posix_spawnp)
  std::string File;    // the path or the name to search
  std::vector<std::string> Argv;
  std::vector<std::string> Env;
  /// Answer Started as soon as a node is chosen, so the deputy starts while
  /// the node starts the child. Only where the deputy can report what the
  /// node then says: an exec failure as exit status 127 (system, popen: the
  /// shell), a child the node cannot take by running it itself, locally.
  bool Early = false;
};

struct PlaceResult {
  wire::Outcome Outcome = wire::Outcome::LocalByChoice;
  unsigned Node = 0;
  uint64_t Job = 0;
  int Errno = 0;
  std::string Reason; // why local (choice or cannot move)
};

/// True when this process's children may go to other nodes: it is home or a
/// descendant of home.
bool clusterPresent();
/// Why no child of this process can move now, if so: an inherited
/// descriptor above 2 without close-on-exec ("fd 5 is inherited"). Except
/// lists descriptors the caller closes in the child itself.
std::optional<std::string>
inheritedDescriptor(const std::vector<int> &Except = {});
/// Asks home where Spec runs and, if remotely, has it started there. If home
/// cannot be reached the answer is CannotMove with the reason. errno is
/// preserved.
PlaceResult placeProcess(const LaunchSpec &Spec);
/// The deputy could not be started: home kills the remote process.
void cancelRemote(uint64_t Job);
/// build/libexec/grid/grid-deputy, beside the runtime library.
const std::string &deputyPath();
/// grid-deputy's argv for a started job (argv[0] included).
std::vector<std::string> deputyArgs(const PlaceResult &Placed);

// --- Home and agents
// -----------------------------------------------------------

/// Creates the home socket, exports GRID_HOME_SOCKET and GRID_NODE=0, and
/// serves it on the cluster's loop (call before Cluster::startHome).
void startHomeService(cluster::Cluster &C);
/// Serves home's Start requests until Shutdown; never returns.
[[noreturn]] void runAgent(cluster::Cluster &C);

} // namespace grid::process

#endif // GRID_PROCESS_REMOTE_H
