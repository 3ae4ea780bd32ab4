#!/bin/sh
# make-targets.sh N: writes a Makefile with N independent targets t1.out ..
# tN.out and one more, direct.stamp. Each t*.out recipe has shell syntax, so
# make starts it as `/bin/sh -c '...'`; direct.stamp's has none, so make
# starts `touch` itself. Every recipe records where it ran ($GRID_NODE,
# "unset" outside a cluster), one file per command.
n=$1
printf 'all:'
i=1
while [ "$i" -le "$n" ]; do
  printf ' t%d.out' "$i"
  i=$((i + 1))
done
printf ' direct.stamp\n\n'
printf 't%%.out:\n\techo "$@ node=$${GRID_NODE-unset}" > $@\n\n'
printf 'direct.stamp:\n\ttouch $@\n'
