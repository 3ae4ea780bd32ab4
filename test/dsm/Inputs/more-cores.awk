# dsm/processors.cpp: the plain run's output with the cores of AGENTS agents
# added to each count, each agent offering as many as this shell may use
# (`nproc`: the ranks run with --bind-to none). A fork child's line keeps
# this machine's counts.
BEGIN { "nproc" | getline Cores }
/^fork child/ { print; next }
{
  for (I = 1; I <= NF; ++I)
    if ($I ~ /^[0-9]+,?$/)
      sub(/^[0-9]+/, $I + AGENTS * Cores, $I)
  print
}
