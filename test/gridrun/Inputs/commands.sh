#!/bin/bash
# commands.sh DIR: starts commands the ways bash does (fork, then execve in
# the child), each recording where it ran ($GRID_NODE, "unset" outside a
# cluster) in DIR.
out=$1
for i in 1 2 3; do
  /bin/echo "cmd$i node=${GRID_NODE-unset}" > "$out/cmd$i.out"
done
cat "$out"/cmd*.out | sort > "$out/all"
