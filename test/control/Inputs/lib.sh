# Helpers for the control tests' driver scripts (sourced).
#   start_program OUT CMD...   runs CMD in the background, output to OUT
#   wait_for OUT PATTERN N     until N lines of OUT match PATTERN (30 s)
#   program_pid OUT            the pid of a "ready PID" line
# Each test gets its own control directory (XDG_RUNTIME_DIR), so gridctl
# sees only the programs the test started.
set -euo pipefail

start_program() {
  local out=$1
  shift
  "$@" > "$out" 2> "$out.err" &
  PROGRAM_JOB=$!
}

wait_for() {
  local out=$1 pattern=$2 count=$3 i
  for i in $(seq 300); do
    if [ "$(grep -c -- "$pattern" "$out" || true)" -ge "$count" ]; then
      return 0
    fi
    sleep 0.1
  done
  echo "timed out waiting for $count lines matching '$pattern' in $out" >&2
  cat "$out" "$out.err" >&2 || true
  kill "$PROGRAM_JOB" 2>/dev/null || true
  exit 1
}

program_pid() {
  awk '/^ready/ { print $2; exit }' "$1"
}

# A private control directory per test.
use_private_runtime_dir() {
  export XDG_RUNTIME_DIR=$1
  rm -rf "$XDG_RUNTIME_DIR"
  mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
}
