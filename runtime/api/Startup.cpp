//===- api/Startup.cpp - libgridrt's constructor --------------------------===//
//
// Runs before the program's own constructors (the loader initialises a
// library before the objects that depend on it), so a bad GRID_* value or
// config file stops the program before main and before any module
// registers. Under mpirun it also gives the process its role: an agent
// never returns from here; home starts its progress thread and the home
// socket before main. Only libgridrt.so contains it; unit tests linking
// gridrt_impl do not.
//===----------------------------------------------------------------------===//

#include "api/Dispatch.h"
#include "api/RemoteIo.h"
#include "cluster/Cluster.h"
#include "control/Server.h"
#include "core/Core.h"
#include "process/Remote.h"
#include "threads/Threads.h"

namespace {

__attribute__((constructor)) void gridStartup() {
  using namespace grid;
  cluster::Role Role = cluster::startRole();
  core::initialize();
  if (Role == cluster::Role::Local)
    return;
  // Resolved now: a forked child must not be the first to ask.
  process::deputyPath();
  if (Role == cluster::Role::Descendant)
    return;
  Settings S = core::currentSettings();
  cluster::Cluster &C =
      cluster::Cluster::open({S.NearThresholdUs, S.NodeTimeoutSeconds,
                              core::allowedCores(), S.SpinUs, S.SharedLines});
  threads::setCreate(api::createThread);
  api::io::serveRemoteCalls();
  if (Role == cluster::Role::Agent) {
    threads::startAgent(C);
    process::runAgent(C);
  }
  threads::startHome(C);
  process::startHomeService(C);
  C.startHome();
  control::startServer();
}

} // namespace
