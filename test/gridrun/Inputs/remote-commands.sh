#!/bin/bash
# remote-commands.sh DIR: bash starting commands (fork, then execve in the
# child), each child recording the node it ran on, as the child sees it.
for i in 1 2 3 4 5 6; do
  sh -c 'echo "$GRID_NODE" > "$1/bash$0.out"' "$i" "$1"
done
# A command that replaces the shell's child in place (env execs sh): placed
# once, where env's process was placed.
env STEP=last sh -c 'echo "$GRID_NODE" > "$0/env.out"' "$1"
