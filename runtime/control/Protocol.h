//===- control/Protocol.h - The control socket's protocol -------*- C++ -*-===//
//
// What gridctl and a running Grid program say to each other over the
// program's control socket (docs/design/control.md is the contract): one
// JSON object per line each way, every one carrying "version". This header
// is shared by the runtime's server and by gridctl, and depends only on the
// C++ library, nlohmann/json and grid/tolerance.h, so the fuzz target can
// build it alone.
//===----------------------------------------------------------------------===//
#ifndef GRID_CONTROL_PROTOCOL_H
#define GRID_CONTROL_PROTOCOL_H

#include "grid/tolerance.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <variant>

namespace grid::control {

/// The protocol version this build speaks; a request of another version is
/// answered with an error naming both.
inline constexpr int ProtocolVersion = 1;
/// The longest request line accepted, newline excluded.
inline constexpr size_t MaxRequestBytes = 64 * 1024;

/// A call site as the user names it: FILE:LINE.
struct SiteRef {
  std::string File;
  uint32_t Line = 0;
};
/// "app.c:42" -> {app.c, 42}; nullopt unless FILE is non-empty and LINE a
/// positive number.
std::optional<SiteRef> parseSiteRef(std::string_view Text);

struct Request {
  enum class Op { Ps, Nodes, Renice };
  Op What = Op::Ps;
  // Renice only; at least one of the two is present.
  std::optional<Tolerance> Threads;
  std::optional<Tolerance> Processes;
  std::optional<SiteRef> Site;
};

/// Parses one request line (without its newline). On error, the text of
/// the error reply ("request is not JSON: ...").
std::variant<Request, std::string> parseRequest(std::string_view Line);

/// One request as a line, newline included (gridctl's side).
std::string encodeRequest(const Request &R);
/// {"version":1,"ok":false,"error":What} and a newline.
std::string errorReply(std::string_view What);

/// The socket of the program with this pid, in the control directory:
/// "<pid>.sock"; and back (nullopt for any other name, such as home's
/// "home-<pid>.sock").
std::string socketName(pid_t Pid);
std::optional<pid_t> pidOfSocketName(std::string_view Name);

} // namespace grid::control

#endif // GRID_CONTROL_PROTOCOL_H
