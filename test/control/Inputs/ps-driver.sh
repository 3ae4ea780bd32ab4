#!/usr/bin/env bash
# Starts Inputs/holder.c (a local Grid program holding threads and a child)
# in a private control directory, runs the gridctl command lines given as
# arguments against it with PID replaced by its pid (each line's output and
# exit status appended to DIR/log), stops it, and prints the log.
# Usage: ps-driver.sh DIR HOLDER N 'gridctl ...' ...
source "$(dirname "$0")/lib.sh"
dir=$1 holder=$2 n=$3
shift 3
rm -rf "$dir"
mkdir -p "$dir"
use_private_runtime_dir "$dir/run"
start_program "$dir/out" "$holder" "$dir" "$n"
wait_for "$dir/out" '^ready' 1
pid=$(program_pid "$dir/out")
for command in "$@"; do
  # The line as given: the pid may be part of another number in it
  # (2147483646 holds the pid 483646).
  echo "\$ $command" >> "$dir/log"
  command=${command//PID/$pid}
  status=0
  bash -c "$command" >> "$dir/log" 2>&1 || status=$?
  echo "[exit $status]" >> "$dir/log"
done
touch "$dir/STOP"
wait "$PROGRAM_JOB"
cat "$dir/log"
