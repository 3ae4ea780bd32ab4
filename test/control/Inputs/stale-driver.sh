#!/usr/bin/env bash
# Sockets left behind by programs that could not remove them: a Grid
# program killed with SIGKILL, a killed job's home socket, and a socket
# named after a pid that now belongs to another process. The next gridctl
# removes each of them, and lists nothing that does not run.
# Usage: stale-driver.sh DIR HOLDER
source "$(dirname "$0")/lib.sh"
dir=$1 holder=$2
rm -rf "$dir"
mkdir -p "$dir"
use_private_runtime_dir "$dir/run"
sockets() { (cd "$XDG_RUNTIME_DIR/grid" && ls) | sed "s/^$pid\./PID./; s/^home-$other\./home-OTHER./; s/^$other\./OTHER./" | LC_ALL=C sort; }

start_program "$dir/out" "$holder" "$dir" 1
wait_for "$dir/out" '^ready' 1
pid=$(program_pid "$dir/out")
kill -KILL "$pid"
{ wait "$PROGRAM_JOB"; } 2>/dev/null || true
# A live process that is no Grid program, and sockets nobody listens on.
sleep 60 &
other=$!
python3 -c '
import socket, sys
for path in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.close()' "$XDG_RUNTIME_DIR/grid/home-$other.sock" "$XDG_RUNTIME_DIR/grid/$other.sock"
echo "-- before"
sockets
echo "-- gridctl ps"
gridctl ps
echo "-- after"
sockets
echo "-- end"

# The same through a named pid.
start_program "$dir/out2" "$holder" "$dir/2" 1
wait_for "$dir/out2" '^ready' 1
pid=$(program_pid "$dir/out2")
kill -KILL "$pid"
{ wait "$PROGRAM_JOB"; } 2>/dev/null || true
echo "-- gridctl ps PID"
gridctl ps "$pid" 2>&1 | sed "s/$pid/PID/g" || true
echo "-- after"
sockets
echo "-- end"
kill "$other"
