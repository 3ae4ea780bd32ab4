#!/bin/sh
# mpirun-clocks.sh MPIRUN [OPTIONS...] PROGRAM: runs PROGRAM as three ranks
# of one job (home, node 1, node 2), each in a time namespace of its own
# whose CLOCK_MONOTONIC is ahead of this machine's by 200000, 100000 and
# 300000 seconds: machines booted at different times (dsm/clocks.cpp).
for Program; do :; done
Count=$#
Mpirun=
I=1
for Arg; do
  [ "$I" -lt "$Count" ] && Mpirun="$Mpirun '$Arg'"
  I=$((I + 1))
done
Rank() { echo "-np 1 unshare --time --fork --monotonic $1 '$Program'"; }
eval "exec $Mpirun $(Rank 200000) : $(Rank 100000) : $(Rank 300000)"
