#!/usr/bin/env bash
# Drives Inputs/spawner.c under mpirun through four phases, reniced with
# gridctl between them, and prints what ran where in each:
#   phase 0  process tolerance any (environment)
#   phase 1  gridctl renice --processes local PID
#   phase 2  gridctl renice --processes any PID
#   phase 3  gridctl renice --site spawner.c:<line of SITE_A> --processes local
# Usage: renice-driver.sh DIR SOURCE MPIRUN-COMMAND... (the program last)
source "$(dirname "$0")/lib.sh"
dir=$1 source=$2
shift 2
rm -rf "$dir"
mkdir -p "$dir"
use_private_runtime_dir "$dir/run"
start_program "$dir/out" "$@" "$dir"
wait_for "$dir/out" '^ready' 1
pid=$(program_pid "$dir/out")

wait_for "$dir/out" '^0 0 ' 6
touch "$dir/BEGIN1"
gridctl renice --processes local "$pid" > "$dir/renice1"
touch "$dir/PHASE1"
wait_for "$dir/out" '^1 1 ' 6
gridctl ps "$pid" > "$dir/ps-local"
gridctl ps --json > "$dir/ps-local.json"

touch "$dir/BEGIN2"
gridctl renice --processes any "$pid" > "$dir/renice2"
touch "$dir/PHASE2"
wait_for "$dir/out" '^2 2 ' 12

line=$(grep -n '// SITE_A' "$source" | head -1 | cut -d: -f1)
touch "$dir/BEGIN3"
gridctl renice --site "spawner.c:$line" --processes local "$pid" \
  > "$dir/renice3"
touch "$dir/PHASE3"
wait_for "$dir/out" '^3 3 ' 12
gridctl ps "$pid" > "$dir/ps-site"

touch "$dir/STOP"
wait "$PROGRAM_JOB"
# The job removed its sockets (home's control socket and its job socket).
echo "sockets left: $(ls "$XDG_RUNTIME_DIR/grid" | wc -l)"

# Only children whose phase was the same before they started and after
# they ended count: they certainly ran in that phase.
awk '$1 == $2 && NF == 4 {
       key = "phase " $1 " site " $3
       children[key]++
       if ($4 != "0") remote[key]++
       if ($4 !~ /^[0-9]+$/) bad[key]++
     }
     END {
       for (key in children)
         printf "%s: %s%s\n", key, (remote[key] ? "some remote" : "all home"),
                (bad[key] ? ", " bad[key] " without a node" : "")
     }' "$dir/out" | sort
