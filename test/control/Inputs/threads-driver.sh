#!/usr/bin/env bash
# Drives Inputs/looper.c (GRID_LOG=info, thread tolerance machine from the
# environment) through three phases and prints, per phase and call site,
# the thread tolerances the runtime applied to creations that certainly
# started in that phase:
#   phase 1  gridctl renice --threads local PID
#   phase 2  gridctl renice --site looper.c:<line of SITE_B> --threads near PID
# Usage: threads-driver.sh DIR SOURCE LOOPER
source "$(dirname "$0")/lib.sh"
dir=$1 source=$2 looper=$3
rm -rf "$dir"
mkdir -p "$dir"
use_private_runtime_dir "$dir/run"
GRID_LOG=info GRID_THREAD_TOLERANCE=machine start_program "$dir/out" "$looper" "$dir"
wait_for "$dir/out" '^ready' 1
pid=$(program_pid "$dir/out")
wait_for "$dir/out.err" '^after 0' 6
touch "$dir/BEGIN1"
gridctl renice --threads local "$pid"
touch "$dir/PHASE1"
wait_for "$dir/out.err" '^after 1' 6
line=$(grep -n '// SITE_B' "$source" | head -1 | cut -d: -f1)
touch "$dir/BEGIN2"
gridctl renice --site "looper.c:$line" --threads near "$pid"
touch "$dir/PHASE2"
wait_for "$dir/out.err" '^after 2' 6
gridctl ps "$pid" | grep 'reniced site'
touch "$dir/STOP"
wait "$PROGRAM_JOB"
awk '/^phase / { p = $2; site = $3; tol = ""; next }
     /thread tolerance/ { match($0, /thread tolerance [a-z]+/)
                          tol = substr($0, RSTART + 17, RLENGTH - 17); next }
     /^after / { if ($2 == p && tol != "") seen["phase " p " site " site ": " tol] = 1 }
     END { for (k in seen) print k }' "$dir/out.err" | sort
