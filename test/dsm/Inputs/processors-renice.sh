#!/usr/bin/env bash
# dsm/processors.cpp's renice: runs the program under mpirun with a
# directory, waits for its "ready PID", renices its threads to local with
# gridctl, and makes DIR/RENICED; the program's lines before "ready" go to
# DIR/before, those after it to DIR/after (its stderr to DIR/out.err).
# Usage: processors-renice.sh DIR GRIDCTL MPIRUN-COMMAND... (the program last)
source "$(dirname "$0")/../../control/Inputs/lib.sh"
dir=$1 gridctl=$2
shift 2
rm -rf "$dir"
mkdir -p "$dir"
use_private_runtime_dir "$dir/run"
start_program "$dir/out" "$@" "$dir"
wait_for "$dir/out" '^ready' 1
"$gridctl" renice --threads local "$(program_pid "$dir/out")" > "$dir/renice"
touch "$dir/RENICED"
wait "$PROGRAM_JOB"
sed -n '/^ready/q; p' "$dir/out" > "$dir/before"
sed -n '/^ready/,$p' "$dir/out" | tail -n +2 > "$dir/after"
