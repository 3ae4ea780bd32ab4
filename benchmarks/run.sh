#!/usr/bin/env bash
# Runs Grid's benchmarks and prints the table of figures (benchmarks/run.py
# does the work; `benchmarks/run.sh --help` lists the options). It runs what
# CMake built (target grid-benchmarks) and writes only under the build
# directory, unless --record is given, which rewrites benchmarks/RESULTS.md.
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/run.py" "$@"
