//===- control/Server.h - The program's control socket ----------*- C++ -*-===//
//
// Every running Grid program (home, or a program built with -fgrid running
// without a cluster or started by home) serves a Unix socket in the per-user
// directory, named by its pid, on a thread of its own: gridctl ps, nodes,
// top and renice talk to it in the protocol of control/Protocol.h. The
// server never blocks the program: requests are answered from snapshots,
// and a renice stores the new tolerance where the next placement reads it.
// It refuses a peer of another user (root excepted).
//===----------------------------------------------------------------------===//
#ifndef GRID_CONTROL_SERVER_H
#define GRID_CONTROL_SERVER_H

#include "control/Protocol.h"

#include <string>

namespace grid::control {

/// Starts the server once per process; later calls do nothing. If the
/// socket cannot be made the program runs on without it, with a warning.
void startServer();

/// The reply to one request line (newline included), as the server sends
/// it; PeerUid is the peer's uid (SO_PEERCRED). Tests call it directly.
std::string answer(std::string_view Line, uid_t PeerUid);

} // namespace grid::control

#endif // GRID_CONTROL_SERVER_H
