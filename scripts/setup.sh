#!/usr/bin/env bash
# Installs the Debian packages Grid needs (when missing), then configures and
# builds into build/. Sourced by scripts/demo.sh and scripts/check.sh; can be
# run alone. Idempotent: with everything present it only runs an incremental
# build. Environment: GRID_BUILD_DIR (default build), GRID_BUILD_TYPE
# (default RelWithDebInfo), GRID_JOBS (default: number of cores).
set -euo pipefail

GRID_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GRID_BUILD_DIR=${GRID_BUILD_DIR:-$GRID_ROOT/build}
export GRID_ROOT GRID_BUILD_DIR

# DESIGN.md §9, plus the tools the build and tests use.
GRID_PACKAGES=(
  clang-19 llvm-19-dev llvm-19-tools libclang-19-dev clang-format-19
  libopenmpi-dev openmpi-bin libhwloc-dev libtbb-dev libjemalloc-dev
  libxxhash-dev
  libgtest-dev libbenchmark-dev libclang-rt-19-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libpng-dev libncurses-dev
  cmake ninja-build pkg-config g++ python3 binutils file autoconf automake make
  iproute2 util-linux python3-jsonschema
)

missing_packages() {
  local p
  for p in "${GRID_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
      || printf '%s\n' "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing missing packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: not root; run this, then run me again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure_and_build() {
  local jobs=${GRID_JOBS:-$(nproc)}
  if [ ! -f "$GRID_BUILD_DIR/build.ninja" ]; then
    cmake -S "$GRID_ROOT" -B "$GRID_BUILD_DIR" -G Ninja \
      -DCMAKE_BUILD_TYPE="${GRID_BUILD_TYPE:-RelWithDebInfo}"
  elif [ -n "${GRID_BUILD_TYPE:-}" ]; then
    # An existing build keeps its type unless one is asked for.
    cmake -S "$GRID_ROOT" -B "$GRID_BUILD_DIR" -DCMAKE_BUILD_TYPE="$GRID_BUILD_TYPE" >/dev/null
  fi
  cmake --build "$GRID_BUILD_DIR" -j "$jobs"
}

install_packages
configure_and_build
