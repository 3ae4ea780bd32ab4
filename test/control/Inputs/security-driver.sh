#!/usr/bin/env bash
# Another user (nobody, through runuser) against a root's Grid program:
#  1. as installed: nobody cannot even reach the control directory (0700);
#  2. with the directory and socket opened to everybody (a misconfiguration),
#     the program itself refuses nobody (SO_PEERCRED);
#  3. the program's tolerances are unchanged;
#  4. a program whose control directory is not private serves no socket,
#     says so, and runs on.
# Usage: security-driver.sh DIR HOLDER
source "$(dirname "$0")/lib.sh"
dir=$1 holder=$2
rm -rf "$dir"
mkdir -p "$dir"
use_private_runtime_dir "$dir/run"
chmod 0755 "$dir" "$dir/run"
start_program "$dir/out" "$holder" "$dir" 1
wait_for "$dir/out" '^ready' 1
pid=$(program_pid "$dir/out")
as_nobody() {
  echo "\$ (nobody) ${*//$pid/PID}"
  local status=0
  runuser -u nobody -- env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" "$@" 2>&1 ||
    status=$?
  echo "[exit $status]"
}
as_nobody "$(command -v gridctl)" ps "$pid"
as_nobody "$(command -v gridctl)" renice --threads any "$pid"

echo "-- opened to everybody"
chmod 0755 "$dir/run/grid"
chmod 0666 "$dir/run/grid/$pid.sock"
as_nobody "$(command -v gridctl)" ps "$pid"
as_nobody "$(command -v gridctl)" renice --threads any --processes any "$pid"

echo "-- as root"
gridctl ps "$pid" | grep tolerance

echo "-- a program in a directory that is not private"
"$holder" "$dir/second" 1 > "$dir/second.out" 2> "$dir/second.err" &
second=$!
mkdir -p "$dir/second"
touch "$dir/second/STOP"
status=0
wait "$second" || status=$?
sed "s/$second/SECOND/g" "$dir/second.err"
echo "[second exited $status]"

touch "$dir/STOP"
wait "$PROGRAM_JOB"
