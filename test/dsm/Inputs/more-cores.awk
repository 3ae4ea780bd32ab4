# dsm/processors.cpp: the plain run's output with the cores of AGENTS agents
# added to each count, each agent offering as many as this shell may use
# (`nproc`: the ranks run with --bind-to none). With LOG, a run's stderr
# under GRID_LOG=info, AGENTS is the number of nodes it measured near. A
# fork child's line keeps this machine's counts.
BEGIN {
  "nproc" | getline Cores
  if (LOG != "") {
    AGENTS = 0
    while ((getline Line < LOG) > 0)
      if (Line ~ /: round trip [0-9.]+ us, near \(threshold/)
        ++AGENTS
  }
}
/^fork child/ { print; next }
{
  for (I = 1; I <= NF; ++I)
    if ($I ~ /^[0-9]+,?$/)
      sub(/^[0-9]+/, $I + AGENTS * Cores, $I)
  print
}
