#!/usr/bin/env bash
# Sets Grid up on this machine if needed (scripts/setup.sh), then runs the
# demo: a Mandelbrot renderer built with `grid-clang++ -fgrid`, launched with
# mpirun on three local ranks. Grid places its std::threads on this machine's
# cores, and the child processes that checksum the image (one per row of
# tiles, through cksum) on all three ranks. Writes build/demo/mandelbrot.png
# and prints where the work went. Arguments are passed to the program.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$GRID_BUILD_DIR/demo
mkdir -p "$out"
# spread takes turns over home and the agents, so the children visibly go
# everywhere; GRID_PLACEMENT=balance keeps them at home while it has a free
# core (docs/demo.md).
placement=${GRID_PLACEMENT:-spread}

echo
echo "== Grid demo: $GRID_BUILD_DIR/examples/mandelbrot, built with grid-clang++ -fgrid"
echo "== mpirun -np 3: home (rank 0, runs main) and two agents (ranks 1, 2) on this machine;"
echo "== process tolerance any and placement $placement: the checksum children may run on any rank"
# mpirun binds a rank to one core by default; Grid places threads within the
# cpuset it is given, so let the ranks have the whole machine. Three ranks on
# a smaller machine need --oversubscribe. The settings reach the ranks with -x.
status=0
mpirun --oversubscribe --bind-to none -np 3 \
  -x GRID_STATS=1 -x GRID_PROCESS_TOLERANCE=any -x GRID_PLACEMENT="$placement" \
  ${GRID_LOG:+-x GRID_LOG="$GRID_LOG"} \
  ${GRID_THREAD_TOLERANCE:+-x GRID_THREAD_TOLERANCE="$GRID_THREAD_TOLERANCE"} \
  "$GRID_BUILD_DIR/examples/mandelbrot" --output "$out/mandelbrot.png" "$@" \
  > "$out/summary.txt" 2> "$out/stderr.txt" || status=$?
cat "$out/summary.txt"
cat "$out/stderr.txt" >&2

field() { # the rest of the first line of FILE that starts with PREFIX
  sed -n "s/^$2//p" "$1" | head -n 1
}
echo
echo "== summary"
echo "   grid:      $(grep -m1 -o 'threads created [0-9]*, processes created [0-9]*' "$out/stderr.txt" || echo 'no statistics')"
echo "   children:  $(field "$out/summary.txt" 'rows checksummed per node: ')"
echo "   checksums: $(field "$out/summary.txt" 'checksums equal to the in-process CRC: ') equal to the CRC computed in-process"
echo "   image:     $out/mandelbrot.png (each tile tinted by the core that computed it)"
exit "$status"
