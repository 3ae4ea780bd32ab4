//===- control/Protocol.cpp - The control socket's protocol ---------------===//
//
// Requests are checked strictly: an unknown field, a wrong type or a value
// out of range is an error the reply names, never a silent default
// (DESIGN.md §2). nlohmann/json parses without exceptions and iteratively,
// so no input makes it throw or recurse deeply.
//===----------------------------------------------------------------------===//

#include "control/Protocol.h"

#include <nlohmann/json.hpp>

#include <charconv>

namespace grid::control {

using nlohmann::json;

std::optional<SiteRef> parseSiteRef(std::string_view Text) {
  size_t Colon = Text.rfind(':');
  if (Colon == std::string_view::npos || Colon == 0 || Colon + 1 == Text.size())
    return std::nullopt;
  std::string_view Number = Text.substr(Colon + 1);
  uint32_t Line = 0;
  auto [End, Err] =
      std::from_chars(Number.data(), Number.data() + Number.size(), Line);
  if (Err != std::errc() || End != Number.data() + Number.size() || Line == 0)
    return std::nullopt;
  return SiteRef{std::string(Text.substr(0, Colon)), Line};
}

namespace {

const char *const AcceptedRequests = "ps, nodes, renice";

/// A value as JSON text for a message, cut to a readable length; never
/// throws. A nested value is not dumped: dump() recurses once per level, and
/// a request line may nest 32 Ki levels, enough to overflow a small stack.
std::string show(const json &Value) {
  if (Value.is_array())
    return Value.empty() ? "[]" : "[...]";
  if (Value.is_object())
    return Value.empty() ? "{}" : "{...}";
  // ASCII only (escapes), so the cut never splits a character.
  std::string Text = Value.dump(-1, ' ', true, json::error_handler_t::replace);
  constexpr size_t Longest = 64;
  if (Text.size() > Longest)
    Text = Text.substr(0, Longest - 3) + "...";
  return Text;
}

/// A tolerance given as 0-3 or as a name; the error names the field.
std::variant<Tolerance, std::string> toleranceField(const json &Value,
                                                    const char *Field) {
  std::optional<Tolerance> T;
  if (Value.is_number_integer()) {
    int64_t N = Value.get<int64_t>();
    if (N >= 0 && N <= 3)
      T = static_cast<Tolerance>(N);
  } else if (Value.is_string()) {
    T = parseToleranceText(Value.get_ref<const std::string &>());
  }
  if (!T)
    return std::string(Field) + ": " + show(Value) +
           " is not a latency tolerance; accepted: " +
           AcceptedToleranceSpellings;
  return *T;
}

} // namespace

std::variant<Request, std::string> parseRequest(std::string_view Line) {
  if (Line.size() > MaxRequestBytes)
    return "request longer than " + std::to_string(MaxRequestBytes) + " bytes";
  json Doc = json::parse(Line.begin(), Line.end(), nullptr,
                         /*allow_exceptions=*/false);
  if (Doc.is_discarded())
    return std::string("request is not valid JSON; send one JSON object per "
                       "line");
  if (!Doc.is_object())
    return std::string("request is not a JSON object");
  auto Version = Doc.find("version");
  if (Version == Doc.end() || !Version->is_number_integer())
    return std::string("request has no integer \"version\"; this program "
                       "speaks version ") +
           std::to_string(ProtocolVersion);
  if (Version->get<int64_t>() != ProtocolVersion)
    return "unsupported protocol version " + show(*Version) +
           "; this program speaks version " + std::to_string(ProtocolVersion);
  auto Name = Doc.find("request");
  if (Name == Doc.end() || !Name->is_string())
    return std::string("request has no string \"request\"; accepted: ") +
           AcceptedRequests;

  Request R;
  const std::string &Op = Name->get_ref<const std::string &>();
  if (Op == "ps")
    R.What = Request::Op::Ps;
  else if (Op == "nodes")
    R.What = Request::Op::Nodes;
  else if (Op == "renice")
    R.What = Request::Op::Renice;
  else
    return "unknown request " + show(*Name) + "; accepted: " + AcceptedRequests;

  for (const auto &[Key, Value] : Doc.items()) {
    if (Key == "version" || Key == "request")
      continue;
    if (R.What != Request::Op::Renice)
      return "unknown field " + show(json(Key)) + " in a " + Op +
             " request; accepted: version, request";
    if (Key == "threads" || Key == "processes") {
      auto T = toleranceField(Value, Key.c_str());
      if (auto *Err = std::get_if<std::string>(&T))
        return *Err;
      (Key == "threads" ? R.Threads : R.Processes) = std::get<Tolerance>(T);
    } else if (Key == "site") {
      if (!Value.is_string())
        return std::string("site: not a string; write it as \"FILE:LINE\"");
      R.Site = parseSiteRef(Value.get_ref<const std::string &>());
      if (!R.Site)
        return "site: " + show(Value) +
               " is not FILE:LINE with a positive LINE";
    } else {
      return "unknown field " + show(json(Key)) +
             " in a renice request; accepted: version, request, threads, "
             "processes, site";
    }
  }
  if (R.What == Request::Op::Renice && !R.Threads && !R.Processes)
    return std::string("renice names no tolerance; give \"threads\", "
                       "\"processes\" or both");
  return R;
}

std::string encodeRequest(const Request &R) {
  json Doc;
  Doc["version"] = ProtocolVersion;
  switch (R.What) {
  case Request::Op::Ps:
    Doc["request"] = "ps";
    break;
  case Request::Op::Nodes:
    Doc["request"] = "nodes";
    break;
  case Request::Op::Renice:
    Doc["request"] = "renice";
    if (R.Threads)
      Doc["threads"] = toleranceName(*R.Threads);
    if (R.Processes)
      Doc["processes"] = toleranceName(*R.Processes);
    if (R.Site)
      Doc["site"] = R.Site->File + ":" + std::to_string(R.Site->Line);
    break;
  }
  return Doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string errorReply(std::string_view What) {
  json Doc;
  Doc["version"] = ProtocolVersion;
  Doc["ok"] = false;
  Doc["error"] = std::string(What);
  return Doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string socketName(pid_t Pid) { return std::to_string(Pid) + ".sock"; }

std::optional<pid_t> pidOfSocketName(std::string_view Name) {
  constexpr std::string_view Suffix = ".sock";
  if (Name.size() <= Suffix.size() ||
      Name.substr(Name.size() - Suffix.size()) != Suffix)
    return std::nullopt;
  std::string_view Digits = Name.substr(0, Name.size() - Suffix.size());
  // Only the name socketName makes: "012.sock" is not pid 12's socket.
  if (Digits.front() < '1' || Digits.front() > '9')
    return std::nullopt;
  pid_t Pid = 0;
  auto [End, Err] =
      std::from_chars(Digits.data(), Digits.data() + Digits.size(), Pid);
  if (Err != std::errc() || End != Digits.data() + Digits.size() || Pid <= 0)
    return std::nullopt;
  return Pid;
}

} // namespace grid::control
