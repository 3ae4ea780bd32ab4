//===- ControlClient.h - gridctl's side of the control socket ---*- C++ -*-===//
//
// Finds the running Grid programs of this user (their sockets in the control
// directory, DESIGN.md §8), removes the sockets of programs that died
// without removing their own, and sends one request to a program, in the
// protocol of runtime/control/Protocol.h.
//===----------------------------------------------------------------------===//
#ifndef GRID_DRIVER_CONTROLCLIENT_H
#define GRID_DRIVER_CONTROLCLIENT_H

#include "control/Protocol.h"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <vector>

namespace grid::driver {

/// A failure the user must hear about; Status is gridctl's exit status.
class ControlError : public std::runtime_error {
public:
  ControlError(const std::string &What, int Status = 1)
      : std::runtime_error(What), Status(Status) {}
  int Status;
};

/// $XDG_RUNTIME_DIR/grid, else /tmp/grid-<uid>.
std::string controlDirectory();

/// The pids of the running Grid programs, ascending. Sockets nobody listens
/// on any more (their program was killed) are removed on the way.
std::vector<pid_t> runningPrograms();

/// Sends R to the program with this pid and returns its reply. Throws
/// ControlError with a message that tells an unknown pid, a process that
/// is not a Grid program, another user's program, a refusal or an error
/// reply apart. Waits at most TimeoutSeconds for the reply.
nlohmann::json request(pid_t Pid, const control::Request &R,
                       double TimeoutSeconds = 5.0);

/// As request() with a 2 s time-out, for listings; a program that is gone
/// (it ended meanwhile) gives null instead of an error.
nlohmann::json requestIfRunning(pid_t Pid, const control::Request &R);

/// PID as given on the command line; ControlError (status 2) otherwise.
pid_t parsePid(const std::string &Text);

} // namespace grid::driver

#endif // GRID_DRIVER_CONTROLCLIENT_H
