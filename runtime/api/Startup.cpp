//===- api/Startup.cpp - libgridrt's constructor --------------------------===//
//
// Runs before the program's own constructors (the loader initialises a
// library before the objects that depend on it), so a bad GRID_* value or
// config file stops the program before main and before any module
// registers. Only libgridrt.so contains it; unit tests linking gridrt_impl
// do not.
//===----------------------------------------------------------------------===//

#include "core/Core.h"

namespace {
__attribute__((constructor)) void gridStartup() { grid::core::initialize(); }
} // namespace
