#!/usr/bin/env bash
# Sets Grid up on this machine if needed (scripts/setup.sh), then runs every
# test: GoogleTest units, the lit suites (plugin, driver, end-to-end) and a
# bounded run of the control protocol's fuzzer (fuzz-control-protocol, about
# 15 s), via ctest, and checks the formatting of our sources.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

echo "== clang-format (LLVM style, .clang-format)"
mapfile -t sources < <(cd "$GRID_ROOT" && git ls-files -- \
  'plugin/*.cpp' 'plugin/*.h' 'runtime/*.cpp' 'runtime/*.h' \
  'driver/*.cpp' 'driver/*.h' 'examples/*.cpp' 'benchmarks/*.cpp')
if [ ${#sources[@]} -gt 0 ]; then
  (cd "$GRID_ROOT" && clang-format-19 --dry-run -Werror "${sources[@]}")
fi

echo "== tests"
ctest --test-dir "$GRID_BUILD_DIR" --output-on-failure -j "${GRID_JOBS:-$(nproc)}"
