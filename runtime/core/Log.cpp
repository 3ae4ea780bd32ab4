//===- core/Log.cpp - Logging to stderr and fatal errors ------------------===//
//
// Every message is one write(2) of a whole line, so lines from concurrent
// threads never interleave, and errno is preserved around it.
//===----------------------------------------------------------------------===//

#include "core/Core.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace grid::core {

void writeStderr(std::string_view Text) {
  ErrnoGuard Guard;
  while (!Text.empty()) {
    ssize_t N = ::write(STDERR_FILENO, Text.data(), Text.size());
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return;
    Text.remove_prefix(static_cast<size_t>(N));
  }
}

void log(LogLevel Level, std::string_view Message) {
  if (!logEnabled(Level))
    return;
  std::string Line = "grid: ";
  Line += toString(Level);
  Line += ": ";
  Line += Message;
  Line += '\n';
  writeStderr(Line);
}

std::string warningLine(std::string_view Message) {
  std::string Line = "grid: warning: ";
  Line += Message;
  Line += '\n';
  return Line;
}

void warn(std::string_view Message) { writeStderr(warningLine(Message)); }

void error(std::string_view Message) {
  std::string Line = "grid: error: ";
  Line += Message;
  Line += '\n';
  writeStderr(Line);
}

void fatal(std::string_view Where, std::string_view What,
           std::string_view ToDo) {
  std::string Line = "grid: error: ";
  if (!Where.empty()) {
    Line += Where;
    Line += ": ";
  }
  Line += What;
  if (!ToDo.empty()) {
    Line += "; ";
    Line += ToDo;
  }
  Line += '\n';
  // The program's own buffered output comes first, as it would on exit().
  std::fflush(nullptr);
  writeStderr(Line);
  ::_exit(EXIT_FAILURE);
}

void fatal(const __grid_site *Site, std::string_view What,
           std::string_view ToDo) {
  fatal(describeSite(Site), What, ToDo);
}

} // namespace grid::core
