#!/usr/bin/env python3
"""Grid's benchmark runner: measures the figures of RESULTS.md.

Each figure is a ratio of a subject to its baseline measured in the same run,
baseline and subject interleaved round by round (the order alternating), and
reported as the median over rounds, because the machine is shared and noisy:

  create   thread create+join through Grid vs glibc's own pthread_create and
           pthread_join, in one -fgrid program (build/benchmarks/thread_create)
  kernel   a thread-heavy kernel built with -fgrid vs the same source built
           with plain clang++-19, run locally (kernel-grid, kernel-plain)
  compile  CPU time (user+sys, children included) of `grid-clang -fgrid -O2 -c`
           vs `clang-19 -O2 -c` on a generated large C file (large_tu.c)

The remote-process figures (issue 3) run build/benchmarks/remote_processes
under mpirun as home of a job of 2 or 3 ranks on this machine, with process
tolerance any and strategy spread, so its calls go round robin over home and
the agents. Their baseline is glibc's own call (through dlsym) in the same
process, interleaved with the calls through Grid; every child's exit status
names the node it ran on, so each call is classified by where it really ran:

  remote-system  system("exit $GRID_NODE") on node 1 vs glibc's system() at
                 home, round trip (-np 2)
  remote-jobs    500 short commands (sh -c), 8 in flight as make -j keeps
                 them, spread over home and 2 agents vs all run by glibc at
                 home, wall time (-np 3)
  relay          throughput of `cat` of a 256 MiB file read through a pipe:
                 cat on node 1 vs cat started by glibc at home (-np 2)
  idle           VmRSS of a grid-deputy while its remote `sleep` runs, and
                 the CPU time (utime+stime) of the idle agent rank over 10 s
                 windows while home sleeps (-np 2); two absolute figures

The control-plane figures (issue 4) time build/bin/gridctl against
build/benchmarks/control_plane, as a user runs gridctl; the runner's clock,
time.monotonic(), is the CLOCK_MONOTONIC the program stamps its events with:

  renice   control_plane spawn, home of `mpirun -np 2` with process
           tolerance any and strategy spread, starts children one after
           another; the runner alternates `gridctl renice --processes any`
           and `--processes local`, and per local renice takes the time from
           gridctl's exit to the start of the first child after it (which
           must run at home, as must every later one until the next renice);
           baseline for context: the loop's own period between children
  ps       `gridctl ps PID --json` of a program with 1,000 live threads
           (control_plane threads) vs the same of a program with 1 thread,
           interleaved; an absolute figure, with its ratio
  top      the throughput of kernel-grid (the kernel figure's program, more
           frames) while the live ncurses `gridctl top` runs in a
           pseudo-terminal vs without it, interleaved rounds

The DSM figures (issue 5) run build/benchmarks/dsm_threads (-fgrid) as home
of `mpirun -np 2` on this machine, with thread tolerance any, strategy
spread and GRID_STATS=1: its threads go round robin over home and node 1,
and the runner checks in the statistics that one did run on node 1. Their
baselines are hand-written MPI programs (build/benchmarks/dsm_mpi, plain
clang++-19 with the same flags, the compute shared in dsm_kernels.h) run
under the same mpirun, or the same program run locally, alternating with
the subject round by round:

  dsm-fault    a thread on node 1 reads one byte of each of 256 fresh pages
               of a global array main wrote (ns per page, timed in the
               thread) vs a raw fault (SIGSEGV + mprotect, in-process) plus
               a raw 4 KiB MPI_Get (passive target, lock_all + flush)
               between the 2 ranks, from a window MPI_Win_allocate made
               (memory the ranks share), and again from one MPI_Win_create
               made over private memory, as Grid's are
  dsm-handoff  two threads, at home and on node 1, taking strict turns on a
               pthread mutex and condition variable: us per handoff, an
               absolute figure; baseline for context: the same two threads
               run locally (no mpirun); then the same beside a CPU-bound
               process, Grid as it is vs GRID_SLICE_US=0 (a ratio)
  dsm-pi       Monte Carlo pi, one thread per rank, vs MPI_Reduce on the
               same 2 ranks: MPI time / Grid time (hits must be equal)
  dsm-jacobi   a 1D Jacobi stencil on arrays main allocated, one thread per
               rank with a pthread barrier per sweep, vs MPI halo exchange:
               MPI time / Grid time (checksums must be equal); at two sizes:
               1 MiB arrays and 20 sweeps (Grid's default and with home
               migration), and 16 MiB arrays and 1000 sweeps, where the
               same program run as one process matches MPI (with home
               migration)
  locks        a lock-heavy kernel (striped pthread mutexes, a barrier, an
               atomic) built with -fgrid vs plain clang++-19, run locally
               (locks-grid, locks-plain)
  dsm-metadata (jemalloc's metadata + every node's cache metadata and
               directory of moved pages) / the heap in use, from the
               `grid: dsm:` line GRID_STATS=1 prints at exit of a run where
               node 1 read half of 256 MiB, then of 1280 MiB (alternating),
               and what the larger run adds over the heap it adds

The figures of remote system calls (issue 6) run dsm_threads in the same
way (mpirun -np 2, thread tolerance any, spread, GRID_STATS=1, a thread on
node 1 checked): its thread on node 1 writes to a file main opened at home,
and Grid carries each call out at home (the thread's shadow does):

  rsys-write   1-byte write(2)s of a thread on node 1 (ns per call, timed in
               the thread) vs a 1-byte MPI round trip between the 2 ranks
               plus a local 1-byte write(2) at rank 0 (dsm_mpi), in the same
               rounds; the file is under the build directory, removed after
  rsys-fwrite  256 MiB of fwrite in calls of 1 MiB, then fflush, from a
               thread on node 1 vs from a thread at home in the same run
               (which goes first alternates by round), to a file under the
               build directory removed after each: home time / remote time

--record rewrites all of RESULTS.md after a run of every figure, or only one
section after a run of exactly its figures: the DSM's
(--only dsm-fault,dsm-handoff,dsm-pi,dsm-jacobi,locks,dsm-metadata) or
remote system calls' (--only rsys-write,rsys-fwrite).

Run through benchmarks/run.sh after building the target grid-benchmarks.
"""
import argparse
import collections
import datetime
import fcntl
import json
import os
import platform
import pty
import random
import re
import shlex
import shutil
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# What --only accepts; "idle" measures two figures in one run.
FIGURES = ("create", "kernel", "compile", "remote-system", "remote-jobs",
           "relay", "idle", "renice", "ps", "top", "dsm-fault", "dsm-handoff",
           "dsm-pi", "dsm-jacobi", "locks", "dsm-metadata", "rsys-write",
           "rsys-fwrite")
LOCAL_FIGURES = ("create", "kernel", "compile")
CONTROL_FIGURES = ("renice", "ps", "top")
DSM_FIGURES = ("dsm-fault", "dsm-handoff", "dsm-pi", "dsm-jacobi", "locks",
               "dsm-metadata")
RSYS_FIGURES = ("rsys-write", "rsys-fwrite")
# Figures that need no mpirun.
WITHOUT_MPI = LOCAL_FIGURES + ("ps", "top", "locks")
# Targets: a ratio or value at most this, except those in AT_LEAST.
TARGETS = {"create": 1.20, "kernel": 1.03, "compile": 1.10,
           "remote-system": 2.0, "remote-jobs": 1.5, "relay": 0.25,
           "deputy-rss": 2048, "agent-cpu": 2.0, "renice": 50.0,
           "ps": 20.0, "top": 0.98, "dsm-fault": 2.0,
           "dsm-fault-created": 2.0, "dsm-handoff": 25.0,
           "dsm-handoff-busy": 1.0,
           "dsm-pi": 0.9, "dsm-jacobi": 0.5, "dsm-jacobi-migrate": 0.5,
           "dsm-jacobi-large": 0.5,
           "locks": 1.10,
           "dsm-metadata": 1.0, "dsm-metadata-large": 1.0,
           "dsm-metadata-growth": 1.0, "rsys-write": 1.5, "rsys-fwrite": 0.3}
AT_LEAST = ("relay", "top", "dsm-pi", "dsm-jacobi", "dsm-jacobi-migrate",
            "dsm-jacobi-large", "rsys-fwrite")
TITLES = {
    "create": "thread create+join: Grid vs raw pthread",
    "kernel": "thread-heavy kernel: -fgrid vs plain",
    "compile": "compile -O2: grid-clang -fgrid vs clang-19",
    "remote-system": "system(\"true\") round trip: node 1 vs local",
    "remote-jobs": "500 short commands, 8 in flight: spread over 2 agents "
                   "and home vs local (wall time)",
    "relay": "stdout relay of a 256 MiB cat: node 1 vs local (throughput)",
    "deputy-rss": "grid-deputy resident memory while its remote child runs",
    "agent-cpu": "idle agent rank CPU time (utime+stime), 10 s windows",
    "renice": "renice to effect: gridctl renice returned -> next child "
              "placed at home",
    "ps": "gridctl ps PID --json round trip, 1,000 live threads",
    "top": "program throughput (kernel-grid) while gridctl top runs vs "
           "without",
    "dsm-fault": "remote read fault on node 1 vs raw fault + mprotect + "
                 "4 KiB MPI_Get",
    "dsm-fault-created": "the same vs raw fault + mprotect + 4 KiB MPI_Get "
                         "from a window over private memory",
    "dsm-handoff": "pthread mutex handed between home and node 1, per "
                   "handoff",
    "dsm-handoff-busy": "the same beside a CPU-bound process: short time "
                        "slices (default) vs GRID_SLICE_US=0",
    "dsm-pi": "Monte Carlo pi, a thread on each of 2 ranks vs MPI_Reduce "
              "(MPI time / Grid time)",
    "dsm-jacobi": "1D Jacobi, a thread on each of 2 ranks with a pthread "
                  "barrier vs MPI halo exchange (MPI time / Grid time)",
    "dsm-jacobi-migrate": "the same Jacobi with home migration "
                          "(GRID_DSM_MIGRATE=2, opt-in)",
    "dsm-jacobi-large": "the same Jacobi with home migration, 16 MiB arrays "
                        "and 1000 sweeps",
    "locks": "lock-heavy kernel: -fgrid vs plain, no thread remote",
    "dsm-metadata": "DSM metadata (jemalloc + node caches and directories) "
                    "/ heap in use, 256 MiB",
    "dsm-metadata-large": "the same, 1280 MiB",
    "dsm-metadata-growth": "DSM metadata added / heap added, 256 to 1280 MiB",
    "rsys-write": "1-byte write(2) of a thread on node 1, carried home, vs "
                  "1-byte MPI round trip + local write",
    "rsys-fwrite": "256 MiB fwrite, 1 MiB per call: thread on node 1 vs "
                   "thread at home (throughput)",
}
DEFAULT_ROUNDS = {"create": 31, "kernel": 11, "compile": 7,
                  "remote-system": 15, "remote-jobs": 7, "relay": 7,
                  "idle": 3, "renice": 31, "ps": 51, "top": 11,
                  "dsm-fault": 7, "dsm-handoff": 7, "dsm-pi": 7,
                  "dsm-jacobi": 5, "locks": 11, "dsm-metadata": 1,
                  "rsys-write": 7, "rsys-fwrite": 7}
# The DSM figures' workloads (dsm_threads and dsm_mpi take the same).
DSM_FAULT_ARGS = ["--pages", "256", "--chunks", "9"]
DSM_HANDOFFS = 2000
DSM_PI_SAMPLES = 200000000
DSM_JACOBI_ARGS = ["--cells", "131072", "--iterations", "20"]
# A size at which the same program run as one process matches MPI here, so
# that the figure measures Grid rather than this machine's thread start and
# futex wake-ups (which cost more than the small size's whole run).
DSM_JACOBI_LARGE_ARGS = ["--cells", "2097152", "--iterations", "1000"]
DSM_METADATA_MIB = 256
DSM_METADATA_LARGE_MIB = 1280
# The remote system calls' workloads (dsm_mpi write takes the same).
RSYS_WRITE_ARGS = ["--calls", "1000", "--chunks", "9"]
RSYS_FWRITE_MIB = 256
RELAY_BYTES = 256 << 20
PS_THREADS = 1000
# kernel-grid's frames per run for the top figure: about 1.5-2.5 s here
# (later frames cost more), so the live view (refresh 1 s) asks the program
# once or twice per run.
TOP_FRAMES = 20


class Figure:
    """A ratio of subject to baseline, the median of per-round ratios."""

    def __init__(self, name, baseline, subject, ratios, unit, note):
        self.name, self.baseline, self.subject = name, baseline, subject
        self.ratio = statistics.median(ratios)
        self.low, self.high = min(ratios), max(ratios)
        self.unit, self.rounds, self.note = unit, len(ratios), note

    def verdict(self):
        target = TARGETS[self.name]
        met = (self.ratio >= target if self.name in AT_LEAST
               else self.ratio <= target)
        return "meets" if met else "misses"

    def target_text(self):
        sign = ">=" if self.name in AT_LEAST else "<="
        return f"{sign} {TARGETS[self.name]:.2f}x"


class Amount:
    """An absolute figure (memory, CPU share) with an upper bound."""

    def __init__(self, name, value, shown, target_shown, rounds, note):
        self.name, self.value, self.shown = name, value, shown
        self.target_shown, self.rounds, self.note = target_shown, rounds, note

    def verdict(self):
        return "meets" if self.value <= TARGETS[self.name] else "misses"


class Absolute:
    """An absolute figure (a latency) with an upper bound, and beside it a
    baseline measured in the same run for context; Broken says why the
    figure fails whatever its value (wrong behaviour seen while measuring)."""

    def __init__(self, name, value, shown, baseline_shown, target_shown,
                 rounds, note, broken=""):
        self.name, self.value, self.shown = name, value, shown
        self.baseline_shown, self.target_shown = baseline_shown, target_shown
        self.rounds, self.note, self.broken = rounds, note, broken

    def verdict(self):
        return ("meets" if not self.broken and self.value <= TARGETS[self.name]
                else "misses")


def die(message):
    sys.exit(f"benchmarks/run.sh: {message}")


def parse_result(output, program):
    """The key=value pairs of the program's final `RESULT ...` line."""
    for line in reversed(output.splitlines()):
        if line.startswith("RESULT "):
            return dict(kv.split("=", 1) for kv in line.split()[1:])
    die(f"{program} printed no RESULT line; its output was:\n{output}")


def run(argv, **kwargs):
    """The output of argv; a failure ends the runner with its output."""
    proc = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        die(f"`{shlex.join(argv)}` exited with {proc.returncode}:\n"
            f"{proc.stdout}{proc.stderr}")
    return proc.stdout


def need(path, build_dir):
    if not os.path.exists(path):
        die(f"{path} is missing; build it first with\n"
            f"  cmake --build {build_dir} --target grid-benchmarks")
    return path


def measure_create(bench, build_dir, rounds, verbose):
    program = need(os.path.join(bench, "thread_create"), build_dir)
    out = run([program, "--rounds", str(rounds)])
    if verbose:
        print(out, end="")
    r = parse_result(out, program)
    ratios = [float(line.split()[-1]) for line in out.splitlines()
              if line.startswith("round ")]
    return Figure("create", float(r["baseline_ns"]) / 1e3,
                  float(r["subject_ns"]) / 1e3, ratios, "us",
                  "500 threads per round, one at a time; raw path "
                  "through dlsym(libc.so.6) in the same -fgrid process; "
                  "glibc's own create+join with a one-core affinity (the "
                  "floor for any bound thread) measured "
                  f"{float(r['pinned_ratio']):.3f}x raw in the same rounds")


def plain_vs_grid(name, bench, build_dir, rounds, verbose):
    """Runs NAME-plain and NAME-grid alternately, round by round (the order
    alternating), checking that their checksums agree; returns the plain
    and grid wall times (seconds, as each reports) and their ratios."""
    plain = need(os.path.join(bench, name + "-plain"), build_dir)
    grid = need(os.path.join(bench, name + "-grid"), build_dir)
    base, subj, ratios = [], [], []
    for i in range(rounds):
        times = {}
        for program in ((plain, grid) if i % 2 == 0 else (grid, plain)):
            r = parse_result(run([program]), program)
            times[program] = (float(r["seconds"]), r["checksum"])
        if times[plain][1] != times[grid][1]:
            die(f"{name} checksums differ: plain {times[plain][1]}, "
                f"grid {times[grid][1]}")
        base.append(times[plain][0])
        subj.append(times[grid][0])
        ratios.append(times[grid][0] / times[plain][0])
        if verbose:
            print(f"{name} round {i}: plain {base[-1]:.3f} s  "
                  f"grid {subj[-1]:.3f} s  ratio {ratios[-1]:.3f}")
    return base, subj, ratios


def measure_kernel(bench, build_dir, rounds, verbose):
    base, subj, ratios = plain_vs_grid("kernel", bench, build_dir, rounds,
                                       verbose)
    return Figure("kernel", statistics.median(base), statistics.median(subj),
                  ratios, "s", "12 frames x 2x hardware threads (std::thread), "
                  "in-process wall time; checksums equal")


def compile_cpu_seconds(argv):
    """CPU time (user+sys) of argv and every process it waited for."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        die(f"`{shlex.join(argv)}` failed:\n{output.decode(errors='replace')}")
    return usage.ru_utime + usage.ru_stime, wall


def measure_compile(bench, build_dir, rounds, verbose):
    source = need(os.path.join(bench, "large_tu.c"), build_dir)
    grid_clang = need(os.path.join(build_dir, "bin", "grid-clang"), build_dir)
    plain_obj = os.path.join(bench, "large_tu-plain.o")
    grid_obj = os.path.join(bench, "large_tu-grid.o")
    commands = {
        "plain": ["clang-19", "-O2", "-c", source, "-o", plain_obj],
        "grid": [grid_clang, "-fgrid", "-O2", "-c", source, "-o", grid_obj],
    }
    base, subj, ratios, walls = [], [], [], []
    for i in range(rounds):
        cpu, wall = {}, {}
        for kind in (("plain", "grid") if i % 2 == 0 else ("grid", "plain")):
            cpu[kind], wall[kind] = compile_cpu_seconds(commands[kind])
        base.append(cpu["plain"])
        subj.append(cpu["grid"])
        ratios.append(cpu["grid"] / cpu["plain"])
        walls.append(wall["grid"] / wall["plain"])
        if verbose:
            print(f"compile round {i}: clang-19 {base[-1]:.2f} s  "
                  f"grid-clang {subj[-1]:.2f} s  ratio {ratios[-1]:.3f} "
                  f"(wall ratio {walls[-1]:.3f})")
    # The subject must really have gone through the plugin.
    with open(grid_obj, "rb") as obj:
        if b"GRIDMETA" not in obj.read():
            die(f"{grid_obj} has no Grid metadata: grid-clang -fgrid did not "
                "run the plugin")
    lines = sum(1 for _ in open(source))
    return Figure("compile", statistics.median(base), statistics.median(subj),
                  ratios, "s", f"large_tu.c: {lines} lines; CPU time user+sys; "
                  f"median wall-time ratio {statistics.median(walls):.3f}")


def mpirun_env():
    """The environment for mpirun: Open MPI refuses root unless told."""
    env = dict(os.environ)
    if os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def remote_command(mpirun, ranks, program, args):
    """The mpirun command line of a remote-process figure."""
    return [mpirun, "--oversubscribe", "--bind-to", "none", "-np", str(ranks),
            "-x", "GRID_PROCESS_TOLERANCE=any", "-x", "GRID_PLACEMENT=spread",
            program] + args


def run_remote(bench, build_dir, mpirun, ranks, args, verbose):
    """Runs remote_processes under mpirun; its output and the command line
    as RESULTS.md shows it (paths relative to the build directory)."""
    program = need(os.path.join(bench, "remote_processes"), build_dir)
    argv = remote_command(mpirun, ranks, program, args)
    if verbose:
        print("$ " + shlex.join(argv), flush=True)
    out = run(argv, env=mpirun_env())
    if verbose:
        print(out, end="")
    shown = remote_command("mpirun", ranks,
                           "build/benchmarks/remote_processes",
                           [a.replace(bench + "/", "build/benchmarks/")
                            for a in args])
    return out, shlex.join(shown)


def round_ratios(result):
    return [float(x) for x in result["ratios"].split(",")]


def measure_remote_system(bench, build_dir, rounds, verbose, mpirun):
    out, command = run_remote(bench, build_dir, mpirun, 2,
                              ["system", "--rounds", str(rounds)], verbose)
    r = parse_result(out, "remote_processes system")
    return [Figure("remote-system", float(r["baseline_ms"]) * 1e3,
                   float(r["subject_ms"]) * 1e3, round_ratios(r), "us",
                   "20 calls of each kind per round, interleaved; the "
                   "command is `exit $GRID_NODE` (a shell builtin as `true` "
                   "is), whose status tells where it ran; baseline glibc's "
                   "system() through dlsym in the same -fgrid process; the "
                   "calls Grid placed at home (a placement request to "
                   f"home's progress thread, then the local call) measured "
                   f"{float(r['home_ratio']):.3f}x the baseline; "
                   f"`{command}`")]


def measure_remote_jobs(bench, build_dir, rounds, verbose, mpirun):
    out, command = run_remote(bench, build_dir, mpirun, 3,
                              ["jobs", "--rounds", str(rounds),
                               "--commands", "500", "--jobs", "8"], verbose)
    r = parse_result(out, "remote_processes jobs")
    placed = dict(kv.split(":") for kv in r["nodes"].split(","))
    total = sum(int(v) for v in placed.values())
    split = ", ".join(f"node {n} {100 * int(c) / total:.0f}%"
                      for n, c in sorted(placed.items()))
    return [Figure("remote-jobs", float(r["baseline_s"]),
                   float(r["subject_s"]), round_ratios(r), "s",
                   "`sh -c 'exit $GRID_NODE'` started with posix_spawnp, 8 "
                   "in flight, each reaped with waitpid as it ends; baseline "
                   "glibc's posix_spawnp; through Grid the commands ran on "
                   f"{split} (spread permits home: no strategy sends "
                   "children to agents only, so a third stay home); CPU "
                   "time per command (home, agents and the processes they "
                   f"reaped) {float(r['raw_cpu_ms']):.2f} ms raw, "
                   f"{float(r['grid_cpu_ms']):.2f} ms through Grid; "
                   f"`{command}`")]


def relay_file(bench):
    """A sparse file of RELAY_BYTES: read from the page cache as zeros, it
    costs no disk and the same for every reader."""
    path = os.path.join(bench, "relay-256MiB.bin")
    if not os.path.exists(path) or os.path.getsize(path) != RELAY_BYTES:
        with open(path, "wb") as f:
            f.truncate(RELAY_BYTES)
    return path


def measure_relay(bench, build_dir, rounds, verbose, mpirun):
    out, command = run_remote(bench, build_dir, mpirun, 2,
                              ["relay", "--file", relay_file(bench),
                               "--rounds", str(rounds)], verbose)
    r = parse_result(out, "remote_processes relay")
    return [Figure("relay", float(r["baseline_mibs"]),
                   float(r["subject_mibs"]), round_ratios(r), "MiB/s",
                   "`cat FILE` (a 256 MiB sparse file) into a pipe the "
                   "program reads 256 KiB at a time, from spawn to waitpid; "
                   "baseline glibc's posix_spawnp; the cat Grid placed at "
                   f"home ran at {float(r['home_mibs']):.0f} MiB/s; "
                   f"`{command}`")]


def measure_idle(bench, build_dir, rounds, verbose, mpirun):
    out, command = run_remote(bench, build_dir, mpirun, 2,
                              ["idle", "--rounds", str(rounds),
                               "--seconds", "10"], verbose)
    r = parse_result(out, "remote_processes idle")
    rss = int(r["deputy_rss_kb"])
    cpu = float(r["agent_cpu_pct"])
    return [
        Amount("deputy-rss", rss, f"{rss / 1024:.2f} MiB ({rss} kB)",
               "<= 2 MiB", 1,
               f"VmRSS of the deputy of a remote `sleep`, 0.3 s after it "
               f"started (VmHWM {int(r['deputy_hwm_kb'])} kB); "
               f"`{command}`"),
        Amount("agent-cpu", cpu, f"{cpu:.2f}% of a core", "<= 2% of a core",
               rounds,
               f"median of {rounds} windows of 10 s (highest "
               f"{float(r['agent_cpu_max_pct']):.2f}%), /proc/PID/stat of the "
               "agent rank that ran the sleep, from 1 s after it ended; "
               "home's whole process (its progress thread, main asleep) "
               f"used {float(r['home_cpu_pct']):.2f}% in the same windows; "
               "same run as the deputy"),
    ]


# --- Control plane (issue 4) -------------------------------------------------


def gridctl_path(build_dir):
    return need(os.path.join(build_dir, "bin", "gridctl"), build_dir)


def run_timed(argv, timeout=30):
    """Runs argv; (its stdout, time.monotonic() when it started, when it
    had exited). A failure ends the runner with its output."""
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        die(f"`{shlex.join(argv)}` did not finish in {timeout} s")
    end = time.monotonic()
    if proc.returncode != 0:
        die(f"`{shlex.join(argv)}` exited with {proc.returncode}:\n"
            f"{proc.stdout}{proc.stderr}")
    return proc.stdout, start, end


def read_ready(proc, what):
    """The pid of a program's "ready PID" line; what it printed before is
    kept for the error message should it end instead."""
    seen = []
    for line in proc.stdout:
        if line.startswith("ready "):
            return int(line.split()[1])
        seen.append(line)
    proc.wait()
    die(f"{what} ended (status {proc.returncode}) before it was ready:\n"
        + "".join(seen))


def ms(seconds):
    return f"{seconds * 1e3:.2f} ms"


def measure_renice(bench, build_dir, rounds, verbose, mpirun):
    program = need(os.path.join(bench, "control_plane"), build_dir)
    gridctl = gridctl_path(build_dir)
    stop = os.path.join(bench, "control_plane.stop")
    if os.path.exists(stop):
        os.remove(stop)
    argv = remote_command(mpirun, 2, program, ["spawn", "--stop", stop])
    if verbose:
        print("$ " + shlex.join(argv), flush=True)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env=mpirun_env())
    pid = str(read_ready(proc, "control_plane spawn"))
    # Per trial: [any started, any returned, local started, local returned].
    trials = []
    try:
        for _ in range(rounds):
            _, any_start, any_end = run_timed(
                [gridctl, "renice", "--processes", "any", pid])
            time.sleep(random.uniform(0.1, 0.2))
            _, local_start, local_end = run_timed(
                [gridctl, "renice", "--processes", "local", pid])
            # A random pause: the renice falls anywhere in a child's life.
            time.sleep(random.uniform(0.1, 0.2))
            trials.append((any_start, any_end, local_start, local_end))
    finally:
        stopped = time.monotonic()
        open(stop, "w").close()
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        die("control_plane spawn did not stop within 60 s of its stop file")
    os.remove(stop)
    if proc.returncode != 0:
        die(f"`{shlex.join(argv)}` exited with {proc.returncode}:\n{out}")
    children = sorted((int(a) / 1e9, int(b) / 1e9, int(n)) for _, a, b, n in
                      (line.split() for line in out.splitlines()
                       if line.startswith("child ")))
    if not children:
        die(f"control_plane spawn reported no children:\n{out}")

    latencies, walls, violations = [], [], 0
    for i, (any_start, any_end, local_start, local_end) in enumerate(trials):
        window_end = trials[i + 1][0] if i + 1 < len(trials) else stopped
        spread = [c for c in children if any_end < c[0] < local_start]
        if not any(node for _, _, node in spread):
            die(f"trial {i}: no child ran on node 1 between `renice "
                "--processes any` and the next renice; the spread did not "
                "resume, so the trial would prove nothing")
        after = [c for c in children if local_end < c[0] < window_end]
        remote = [c for c in after if c[2] != 0]
        violations += len(remote)
        home = [c for c in after if c[2] == 0]
        if not home:
            die(f"trial {i}: no child started within "
                f"{window_end - local_end:.3f} s of `renice --processes "
                "local`")
        latencies.append(home[0][0] - local_end)
        walls.append(local_end - local_start)
        if verbose:
            print(f"renice trial {i}: gridctl {ms(walls[-1])}, next child "
                  f"{ms(latencies[-1])} after it returned, "
                  f"{len(after)} children at home before the next renice, "
                  f"{len(remote)} remote")
    periods = [b[0] - a[0] for a, b in zip(children, children[1:])]
    durations = {0: [], 1: []}
    for start, end, node in children:
        durations[1 if node else 0].append(end - start)
    period = statistics.median(periods)
    median, worst = statistics.median(latencies), max(latencies)
    broken = (f"{violations} children started after a renice to local "
              "had returned ran on node 1" if violations else "")
    shown = f"median {ms(median)}, max {ms(worst)}"
    if broken:
        shown += f"; {broken}"
    command = shlex.join(remote_command(
        "mpirun", 2, "build/benchmarks/control_plane",
        ["spawn", "--stop", "build/benchmarks/control_plane.stop"]))
    return [Absolute(
        "renice", worst, shown, f"loop period {ms(period)}", "max <= 50 ms",
        len(latencies),
        f"{len(latencies)} renices to local, each after a renice to any and "
        "100-200 ms of children spread over home and node 1, then 100-200 "
        "ms of children that must all run at home "
        f"({violations} did not); the program's loop starts its next child "
        "(posix_spawnp of `sh -c 'exit $GRID_NODE'`, then waitpid) as soon "
        "as the last one is reaped, so the figure is the wait from "
        "gridctl's exit to the loop's next posix_spawnp: the rest of the "
        "child in flight then (at home or on node 1), since the program "
        "publishes the new tolerance before it replies and the next "
        "placement reads it; loop period (start to "
        f"start, median of {len(periods)}) {ms(period)}, a child "
        f"{ms(statistics.median(durations[0]))} at home and "
        f"{ms(statistics.median(durations[1] or [0]))} on node 1 "
        "(spawn to reaped, medians); `gridctl renice` itself took "
        f"{ms(statistics.median(walls))} from start to exit "
        f"(max {ms(max(walls))}); `{command}`", broken)]


def ps_thread_total(reply, what):
    """The threads the one program of a `gridctl ps PID --json` reply lists,
    summed over its nodes."""
    try:
        programs = json.loads(reply)["programs"]
        return sum(t["count"] for p in programs for n in p["nodes"]
                   for t in n["threads"])
    except (ValueError, KeyError, TypeError) as e:
        die(f"{what}: `gridctl ps --json` printed no valid document ({e}):\n"
            f"{reply[:2000]}")


def measure_ps(bench, build_dir, rounds, verbose):
    program = need(os.path.join(bench, "control_plane"), build_dir)
    gridctl = gridctl_path(build_dir)
    procs, pids = {}, {}
    try:
        for kind, threads in (("base", 1), ("subject", PS_THREADS)):
            procs[kind] = subprocess.Popen(
                [program, "threads", "--threads", str(threads)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            pids[kind] = str(read_ready(procs[kind],
                                        f"control_plane threads {threads}"))
        commands = {kind: [gridctl, "ps", pid, "--json"]
                    for kind, pid in pids.items()}
        commands["version"] = [gridctl, "--version"]
        expected = {"base": 1, "subject": PS_THREADS}
        for kind in ("base", "subject", "version"):  # warm-up
            run_timed(commands[kind])
        times = {"base": [], "subject": [], "version": []}
        ratios = []
        for i in range(rounds):
            order = (("base", "subject", "version") if i % 2 == 0
                     else ("subject", "base", "version"))
            for kind in order:
                out, start, end = run_timed(commands[kind])
                times[kind].append(end - start)
                if kind != "version":
                    total = ps_thread_total(out, f"pid {pids[kind]}")
                    if total != expected[kind]:
                        die(f"`gridctl ps {pids[kind]} --json` lists {total} "
                            f"threads; the program runs {expected[kind]}")
            ratios.append(times["subject"][-1] / times["base"][-1])
            if verbose:
                print(f"ps round {i}: 1 thread {ms(times['base'][-1])}  "
                      f"{PS_THREADS} threads {ms(times['subject'][-1])}  "
                      f"ratio {ratios[-1]:.3f}  --version "
                      f"{ms(times['version'][-1])}")
    finally:
        for proc in procs.values():
            proc.stdin.close()
        for proc in procs.values():
            proc.wait(timeout=60)
    for kind, proc in procs.items():
        if proc.returncode != 0:
            die(f"control_plane threads ({kind}) exited with "
                f"{proc.returncode}")
    median = statistics.median(times["subject"])
    ratio = statistics.median(ratios)
    return [Absolute(
        "ps", median, f"median {ms(median)} ({ratio:.3f}x)",
        f"{ms(statistics.median(times['base']))} (1 thread)",
        "median <= 20 ms", rounds,
        f"{rounds} rounds, the 1-thread and {PS_THREADS}-thread programs "
        "alternating first, each `gridctl ps PID --json` timed from spawn "
        "to exit by the runner (as a user runs it) and its reply checked: "
        f"the threads it lists sum to {PS_THREADS} (and 1); "
        f"max {ms(max(times['subject']))}; per-round ratios "
        f"{min(ratios):.3f}x to {max(ratios):.3f}x; `gridctl --version` "
        "(starting gridctl, no socket) took "
        f"{ms(statistics.median(times['version']))}; both programs are "
        "`build/benchmarks/control_plane threads --threads N`, local "
        "(no mpirun), threads waiting on a condition variable")]


class LiveTop:
    """`gridctl top`'s live view in a pseudo-terminal of 50x160, its output
    drained (and kept) by a thread so the view never blocks on it."""

    def __init__(self, gridctl):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ,
                    struct.pack("HHHH", 50, 160, 0, 0))
        env = dict(os.environ, TERM="xterm")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([gridctl, "top"], stdin=slave,
                                     stdout=slave, stderr=slave, env=env,
                                     start_new_session=True)
        os.close(slave)
        self.master, self.output = master, bytearray()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self.drain, daemon=True)
        self.reader.start()

    def drain(self):
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the view has closed the terminal
                return
            if not data:
                return
            with self.lock:
                self.output += data

    def text(self):
        """The output so far, escape sequences removed."""
        with self.lock:
            raw = bytes(self.output)
        return re.sub(rb"\x1b(\[[0-9;?]*[A-Za-z@]|[()][0-9A-Za-z]|.)", b" ",
                      raw).decode(errors="replace")

    def wait_for(self, needle, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if needle in self.text():
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        return False

    def quit(self):
        """Quits the view; its CPU time (utime+stime, from wait4) and its
        lifetime, in seconds."""
        os.write(self.master, b"q")
        deadline = time.monotonic() + 10
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                die("gridctl top did not quit within 10 s of `q`")
            time.sleep(0.01)
        life = time.monotonic() - self.started
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.reader.join(timeout=5)
        os.close(self.master)
        if self.proc.returncode != 0:
            die(f"gridctl top exited with {self.proc.returncode}:\n"
                + self.text()[-2000:])
        return usage.ru_utime + usage.ru_stime, life


def run_kernel(argv):
    """kernel-grid's (seconds, checksum)."""
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        die(f"`{shlex.join(argv)}` exited with {proc.returncode}:\n"
            f"{proc.stdout}{proc.stderr}")
    r = parse_result(proc.stdout, argv[0])
    return float(r["seconds"]), r["checksum"]


def measure_top(bench, build_dir, rounds, verbose):
    kernel = need(os.path.join(bench, "kernel-grid"), build_dir)
    gridctl = gridctl_path(build_dir)
    argv = [kernel, "--frames", str(TOP_FRAMES)]
    run_kernel(argv)  # warm-up
    base, subj, ratios, seen, shown = [], [], [], 0, False
    # gridctl top's CPU time and lifetime, summed over rounds.
    top_cpu = top_life = 0.0
    checksums = set()
    for i in range(rounds):
        seconds = {}
        for kind in (("without", "with") if i % 2 == 0
                     else ("with", "without")):
            if kind == "without":
                seconds[kind], checksum = run_kernel(argv)
                checksums.add(checksum)
                continue
            top = LiveTop(gridctl)
            if not top.wait_for("gridctl top", 10):
                top.quit()
                die("gridctl top drew no screen within 10 s:\n"
                    + top.text()[-2000:])
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
            out = proc.communicate()[0]
            if proc.returncode != 0:
                top.quit()
                die(f"`{shlex.join(argv)}` exited with {proc.returncode}")
            r = parse_result(out, kernel)
            seconds[kind] = float(r["seconds"])
            checksums.add(r["checksum"])
            # The view showed the program ("pid N  kernel-grid ...").
            shown = f"pid {proc.pid}" in top.text()
            seen += shown
            cpu, life = top.quit()
            top_cpu += cpu
            top_life += life
        if len(checksums) != 1:
            die(f"kernel-grid checksums differ: {sorted(checksums)}")
        # Throughput is frames per second: with / without = the inverse of
        # the times' ratio.
        base.append(TOP_FRAMES / seconds["without"])
        subj.append(TOP_FRAMES / seconds["with"])
        ratios.append(seconds["without"] / seconds["with"])
        if verbose:
            print(f"top round {i}: without {seconds['without']:.3f} s  "
                  f"with {seconds['with']:.3f} s  ratio {ratios[-1]:.3f}"
                  + ("" if shown else "  (gridctl top did not show the "
                     "program)"))
    if not seen:
        die("gridctl top never showed kernel-grid in any round; the "
            "figure would not measure a watched program")
    return [Figure("top", statistics.median(base), statistics.median(subj),
                   ratios, "frames/s",
                   f"kernel-grid --frames {TOP_FRAMES} ({2 * os.cpu_count()} "
                   "threads per frame here), in-process wall "
                   "time, with the live ncurses view of `gridctl top` "
                   "(refresh 1 s) started before the program in a "
                   "pseudo-terminal of 50x160 and quit with `q` after it, "
                   "vs without; the view showed the program in "
                   f"{seen} of {rounds} rounds, and used "
                   f"{100 * top_cpu / top_life:.2f}% of a core over its "
                   "life (utime+stime from wait4, start to quit, all "
                   "rounds); checksums equal")]


# --- Threads on other nodes (issue 5) ---------------------------------------


def dsm_command(mpirun, program, args, grid=True, settings=()):
    """The mpirun command line of a DSM figure: dsm_threads with threads
    spread over home and node 1 and GRID_STATS=1 (grid), plus any other
    GRID_* settings ("NAME=value"), or an MPI baseline."""
    env = (["-x", "GRID_THREAD_TOLERANCE=any", "-x", "GRID_PLACEMENT=spread",
            "-x", "GRID_STATS=1"] if grid else [])
    for setting in settings:
        env += ["-x", setting]
    return ([mpirun, "--oversubscribe", "--bind-to", "none", "-np", "2"] +
            env + [program] + args)


def shown_dsm_command(program, args, grid=True, settings=()):
    """dsm_command as RESULTS.md shows it."""
    return shlex.join(dsm_command("mpirun", f"build/benchmarks/{program}",
                                  args, grid, settings))


def run_job(argv, verbose, env=None, timeout=300):
    """Runs argv (an mpirun job or a local program); its stdout and
    stderr. A failure or a hang ends the runner with the output."""
    if verbose:
        print("$ " + shlex.join(argv), flush=True)
    try:
        proc = subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        die(f"`{shlex.join(argv)}` did not finish in {timeout} s")
    if proc.returncode != 0:
        die(f"`{shlex.join(argv)}` exited with {proc.returncode}:\n"
            f"{proc.stdout}{proc.stderr}")
    return proc.stdout, proc.stderr


def check_on_node1(stderr, what):
    """GRID_STATS=1's table must show a thread placed on node 1."""
    if not re.search(r"^grid: .*pthread_create .*node 1: [1-9]", stderr,
                     re.MULTILINE):
        die(f"{what}: no thread ran on node 1 (GRID_STATS said:\n{stderr})")


def dsm_rounds(rounds, verbose, mpirun, kinds):
    """Runs each of kinds ({name: (argv, env, parse)}) once per round, in
    alternating order; per round a {name: parsed} dictionary."""
    results = []
    names = list(kinds)
    for i in range(rounds):
        got = {}
        for name in (names if i % 2 == 0 else list(reversed(names))):
            argv, env, parse = kinds[name]
            out, err = run_job(argv, verbose, env)
            got[name] = parse(out, err)
        results.append(got)
    return results


def grid_result(what, expect=None):
    """Parses a dsm_threads run that must have had a thread on node 1 and,
    if expect is given, printed that text on stderr (GRID_STATS=1)."""
    def parse(out, err):
        check_on_node1(err, what)
        if expect and expect not in err:
            raise SystemExit(f"{what}: expected '{expect}' on stderr:\n{err}")
        return parse_result(out, what)
    return parse


def plain_result(what):
    return lambda out, err: parse_result(out, what)


def measure_dsm_fault(bench, build_dir, rounds, verbose, mpirun):
    threads = need(os.path.join(bench, "dsm_threads"), build_dir)
    mpi = need(os.path.join(bench, "dsm_mpi"), build_dir)
    env = mpirun_env()
    signal = ["GRID_DSM_FAULTS=signal"]
    results = dsm_rounds(rounds, verbose, mpirun, {
        "grid": (dsm_command(mpirun, threads, ["fault"] + DSM_FAULT_ARGS),
                 env, grid_result("dsm_threads fault",
                                  "pages move one-sided (MPI windows), "
                                  "faults by userfaultfd")),
        "mpi": (dsm_command(mpirun, mpi, ["fault"] + DSM_FAULT_ARGS, False),
                env, plain_result("dsm_mpi fault")),
        "signal": (dsm_command(mpirun, threads, ["fault"] + DSM_FAULT_ARGS,
                               settings=signal),
                   env, grid_result("dsm_threads fault", "faults by signals")),
    })
    subj = [float(r["grid"]["ns_per_page"]) for r in results]
    base = [float(r["mpi"]["ns_per_page"]) for r in results]
    sig = [float(r["signal"]["ns_per_page"]) / float(r["mpi"]["ns_per_page"])
           for r in results]
    fault = statistics.median(float(r["mpi"]["fault_ns"]) for r in results)
    get = statistics.median(float(r["mpi"]["get_ns"]) for r in results)
    created = [float(r["mpi"]["fault_ns"]) + float(r["mpi"]["created_get_ns"])
               for r in results]
    created_get = statistics.median(float(r["mpi"]["created_get_ns"])
                                    for r in results)
    placed = statistics.median(float(r["mpi"]["placed_page_ns"])
                               for r in results)
    # Not a figure: what Grid's time is of the raw parts plus the page a
    # fetch places, round by round.
    with_page = statistics.median(
        s / (float(r["mpi"]["fault_ns"]) + float(r["mpi"]["created_get_ns"]) +
             float(r["mpi"]["placed_page_ns"]))
        for s, r in zip(subj, results))
    ratios = [s / b for s, b in zip(subj, base)]
    if verbose:
        for i, (s, b) in enumerate(zip(subj, base)):
            print(f"dsm-fault round {i}: baseline {b:.0f} ns  node 1 "
                  f"{s:.0f} ns  ratio {s / b:.2f}")
    return [Figure(
        "dsm-fault", statistics.median(base) / 1e3,
        statistics.median(subj) / 1e3, ratios, "us",
        "per page, the median of 8 chunks of 256 fresh pages per run (after "
        "a warm-up chunk), read from the last page down so that Grid's "
        "read-ahead (of the pages after a faulting one) never spares a "
        "fault; the thread on node 1 (the second created: spread "
        "sends the first home) times its loads; the baseline is measured on "
        "rank 1 of a hand-written MPI job: a raw read fault on a populated "
        "PROT_NONE page whose SIGSEGV handler mprotects it readable "
        f"({fault / 1e3:.1f} us) plus one 4 KiB MPI_Get and MPI_Win_flush "
        "from rank 0's MPI_Win_allocate window after MPI_Win_lock_all "
        f"({get / 1e3:.2f} us), each MPI_Get of a page not read before (a "
        "fresh chunk of the window per chunk, read from its last page down, "
        "as each fetch of a fault reads a page for the first time; rank 1 "
        "first touches a byte of each page of its mapping of the window, "
        "untimed, so that the MPI_Gets take no page faults of their own); "
        "Grid reads with the default fault "
        "mechanism (userfaultfd) and one-sided MPI_Get; with "
        "GRID_DSM_FAULTS=signal (closed pages, SIGSEGV, mprotect and "
        f"mremap) the same run gives a median ratio of "
        f"{statistics.median(sig):.2f}x; "
        f"`{shown_dsm_command('dsm_threads', ['fault'] + DSM_FAULT_ARGS)}` "
        f"vs `{shown_dsm_command('dsm_mpi', ['fault'] + DSM_FAULT_ARGS, False)}`"
        f" (and `{shown_dsm_command('dsm_threads', ['fault'] + DSM_FAULT_ARGS, settings=signal)}`)"),
        Figure(
        "dsm-fault-created", statistics.median(created) / 1e3,
        statistics.median(subj) / 1e3,
        [s / c for s, c in zip(subj, created)], "us",
        "the same Grid runs against the same raw fault plus the 4 KiB "
        "MPI_Get from a window over rank 0's private memory "
        "(MPI_Win_create, as Grid's windows over its slices are: Open MPI "
        "reads it with a copy between processes, CMA, where the "
        "MPI_Win_allocate window above is memory the ranks share), "
        f"{created_get / 1e3:.2f} us, measured in the same dsm_mpi runs; "
        "what is left is mostly the page a fetch places, which the kernel "
        "allocates (UFFDIO_COPY into missing memory) where the raw fault "
        "reopens a page already in memory: in the same dsm_mpi runs a "
        "write to a page of memory never touched took "
        f"{placed / 1e3:.2f} us (a fault of its own: trap, allocation, "
        f"zeroing), and Grid's time is {with_page:.2f}x the raw fault, "
        "this MPI_Get and that page together (the median of the rounds' "
        "ratios; not a target; the sum counts two traps where Grid's "
        "fault takes one)")]


def measure_dsm_handoff(bench, build_dir, rounds, verbose, mpirun):
    threads = need(os.path.join(bench, "dsm_threads"), build_dir)
    args = ["handoff", "--handoffs", str(DSM_HANDOFFS)]
    results = dsm_rounds(rounds, verbose, mpirun, {
        "grid": (dsm_command(mpirun, threads, args), mpirun_env(),
                 grid_result("dsm_threads handoff")),
        "local": ([threads] + args, None, plain_result("dsm_threads handoff")),
    })
    subj = [float(r["grid"]["us_per_handoff"]) for r in results]
    base = [float(r["local"]["us_per_handoff"]) for r in results]
    ratios = [s / b for s, b in zip(subj, base)]
    if verbose:
        for i, (s, b) in enumerate(zip(subj, base)):
            print(f"dsm-handoff round {i}: local {b:.1f} us  home-node 1 "
                  f"{s:.1f} us")
    median = statistics.median(subj)
    busy = measure_handoff_beside_hog(threads, args, rounds, verbose, mpirun)
    return [Absolute(
        "dsm-handoff", median,
        f"median {median:.1f} us ({statistics.median(ratios):.2f}x local)",
        f"{statistics.median(base):.1f} us (2 local threads)",
        "<= 25 us", rounds,
        f"{rounds} rounds, {DSM_HANDOFFS} handoffs per run after 40 of "
        "warm-up, timed by the thread at home; each turn locks the mutex, "
        "waits on the condition variable until the turn is its own, passes "
        "the turn (an int in the same page as the mutex), signals and "
        "unlocks; per-round medians from "
        f"{min(subj):.1f} to {max(subj):.1f} us; baseline the same binary "
        "without mpirun (both threads local, the native path); "
        f"`{shown_dsm_command('dsm_threads', args)}`"), busy]


def measure_handoff_beside_hog(threads, args, rounds, verbose, mpirun):
    """The handoff beside one CPU-bound process (a spinning python): Grid
    as it is vs GRID_SLICE_US=0, which leaves the threads that wait for
    other ranks the kernel's default time slice."""
    zero = ("GRID_SLICE_US=0",)
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        results = dsm_rounds(rounds, verbose, mpirun, {
            "short": (dsm_command(mpirun, threads, args), mpirun_env(),
                      grid_result("dsm_threads handoff")),
            "default": (dsm_command(mpirun, threads, args, settings=zero),
                        mpirun_env(), grid_result("dsm_threads handoff")),
        })
    finally:
        hog.kill()
        hog.wait()
    subj = [float(r["short"]["us_per_handoff"]) for r in results]
    base = [float(r["default"]["us_per_handoff"]) for r in results]
    if verbose:
        for i, (s, b) in enumerate(zip(subj, base)):
            print(f"dsm-handoff-busy round {i}: default slice {b:.1f} us  "
                  f"short slice {s:.1f} us")
    return Figure(
        "dsm-handoff-busy", statistics.median(base), statistics.median(subj),
        [s / b for s, b in zip(subj, base)], "us",
        "per handoff, the dsm-handoff program beside one CPU-bound process "
        "(a spinning python started for these rounds), Grid as it is (the "
        "threads that wait for other ranks ask for a short time slice, "
        "GRID_SLICE_US) vs the same with GRID_SLICE_US=0 (the kernel's "
        "default slice), alternating; on Linux's "
        "EEVDF scheduler a woken thread with the default slice waits for "
        "the hog's slice to end, while one with a shorter slice preempts "
        "it; not an issue's target: the short slice must not lose "
        f"(<= 1); `{shown_dsm_command('dsm_threads', args)}` vs "
        f"`{shown_dsm_command('dsm_threads', args, settings=zero)}`, beside "
        "`python3 -c 'while True: pass'`")


def measure_versus_mpi(mode, args, check_key, bench, build_dir, rounds,
                       verbose, mpirun, variants, unit="s", alone=None):
    """Figures of MPI time / Grid time, one per variant (figure name, GRID_*
    settings, a text GRID_STATS=1 must print or None), each Grid run in the
    same rounds as the MPI run; the programs' check_key equal; the times
    shown in unit (s or ms). With alone (a list), the same rounds also run
    dsm_threads as one process without mpirun (its threads native, on this
    machine), and alone receives the per-round ratios MPI time / its time."""
    threads = need(os.path.join(bench, "dsm_threads"), build_dir)
    mpi = need(os.path.join(bench, "dsm_mpi"), build_dir)
    env = mpirun_env()
    argv = [mode] + args
    kinds = {name: (dsm_command(mpirun, threads, argv, True, settings), env,
                    grid_result(f"dsm_threads {mode}", expect))
             for name, settings, expect in variants}
    kinds["mpi"] = (dsm_command(mpirun, mpi, argv, False), env,
                    plain_result(f"dsm_mpi {mode}"))
    if alone is not None:
        kinds["alone"] = ([threads] + argv, env,
                          plain_result(f"dsm_threads {mode} (one process)"))
    results = dsm_rounds(rounds, verbose, mpirun, kinds)
    if alone is not None:
        for r in results:
            if r["alone"][check_key] != r["mpi"][check_key]:
                die(f"{mode}: {check_key} differs: one process "
                    f"{r['alone'][check_key]}, MPI {r['mpi'][check_key]}")
        alone.extend(float(r["mpi"]["seconds"]) / float(r["alone"]["seconds"])
                     for r in results)
    base = [float(r["mpi"]["seconds"]) for r in results]
    scale = 1e3 if unit == "ms" else 1.0
    figures = []
    for name, settings, _ in variants:
        for r in results:
            if r[name][check_key] != r["mpi"][check_key]:
                die(f"{mode}: {check_key} differs: Grid ({name}) "
                    f"{r[name][check_key]}, MPI {r['mpi'][check_key]}")
        subj = [float(r[name]["seconds"]) for r in results]
        ratios = [b / s for s, b in zip(subj, base)]
        if verbose:
            for i, (s, b) in enumerate(zip(subj, base)):
                print(f"{name} round {i}: MPI {b:.4f} s  Grid {s:.4f} s  "
                      f"ratio {b / s:.3f}")
        commands = (f"`{shown_dsm_command('dsm_threads', argv, True, settings)}`"
                    f" vs `{shown_dsm_command('dsm_mpi', argv, False)}`")
        figures.append(Figure(name, statistics.median(base) * scale,
                              statistics.median(subj) * scale, ratios, unit,
                              commands))
    return figures


def measure_dsm_pi(bench, build_dir, rounds, verbose, mpirun):
    args = ["--samples", str(DSM_PI_SAMPLES)]
    [figure] = measure_versus_mpi("pi", args, "hits", bench, build_dir,
                                  rounds, verbose, mpirun,
                                  [("dsm-pi", (), None)])
    figure.note = (f"{DSM_PI_SAMPLES:,} samples split over 2 threads (home, "
                   "node 1) or 2 ranks, each from its own stream; Grid: wall "
                   "time of main from the first pthread_create to the last "
                   "join (the remote thread's start included); MPI: rank 0 "
                   "from a barrier to the end of MPI_Reduce (start-up "
                   "excluded); hits equal in every round; " + figure.note)
    return [figure]


def measure_dsm_jacobi(bench, build_dir, rounds, verbose, mpirun):
    """Three figures: at the small size, Grid's defaults and with home
    migration (GRID_DSM_MIGRATE=2) from the same rounds; at the large size,
    with home migration, in rounds of its own. Each against the MPI version
    run in the same rounds, with the one-process run for scale."""
    def scale(alone):
        return (f"for scale, the same program run as one process without "
                f"mpirun (its two threads native, sharing this machine's "
                f"memory, a futex barrier between sweeps) in the same "
                f"rounds: MPI time / its time "
                f"{statistics.median(alone):.3f}x (rounds {min(alone):.3f}x "
                f"to {max(alone):.3f}x); ")

    def note(args, mib, what, kinds, alone):
        return (
            f"{int(args[1]):,} cells (two arrays of {mib} MiB, main's "
            f"malloc: {what}), {int(args[3]):,} sweeps, one thread per rank "
            "with a pthread_barrier_wait after each sweep vs one rank per "
            "slice with two MPI_Sendrecv of a halo cell per sweep and an "
            "MPI_Gather at the end; Grid: main's wall time from the first "
            "create to the last join; MPI: rank 0 from a barrier after "
            f"set-up to the end of the gather; {kinds} alternate in each "
            "round; checksums equal to the bit in every round; " +
            scale(alone))

    alone = []
    figures = measure_versus_mpi(
        "jacobi", DSM_JACOBI_ARGS, "checksum", bench, build_dir, rounds,
        verbose, mpirun,
        [("dsm-jacobi", (), None),
         ("dsm-jacobi-migrate", ("GRID_DSM_MIGRATE=2",),
          "moved to their writer: node 1")], unit="ms", alone=alone)
    kinds = ("the MPI run, Grid's default, Grid with migration and the "
             "one-process run")
    for figure, what in zip(figures, (
            "every page stays homed at rank 0",
            "node 1's halves move to node 1 after its first sweeps")):
        figure.note = note(DSM_JACOBI_ARGS, 1, what, kinds, alone) + \
            figure.note
    alone = []
    [large] = measure_versus_mpi(
        "jacobi", DSM_JACOBI_LARGE_ARGS, "checksum", bench, build_dir,
        rounds, verbose, mpirun,
        [("dsm-jacobi-large", ("GRID_DSM_MIGRATE=2",),
          "moved to their writer: node 1")], unit="ms", alone=alone)
    large.note = note(
        DSM_JACOBI_LARGE_ARGS, 16,
        "node 1's halves, 8 MiB each, move to node 1 in its first sweeps, "
        "which main's initialisation of every cell makes cost what MPI, "
        "each rank filling its own slice, never pays",
        "the MPI run, Grid with migration and the one-process run",
        alone) + large.note
    return figures + [large]


def measure_locks(bench, build_dir, rounds, verbose):
    base, subj, ratios = plain_vs_grid("locks", bench, build_dir, rounds,
                                       verbose)
    return [Figure("locks", statistics.median(base), statistics.median(subj),
                   ratios, "s",
                   f"{2 * os.cpu_count()} threads (2x hardware), 40 phases "
                   "of 100,000 operations each, a pthread_barrier_wait "
                   "between phases; an operation locks one of 64 striped "
                   "pthread mutexes, updates it, unlocks and adds to a "
                   "shared std::atomic (relaxed fetch_add); in-process wall "
                   "time from the first create to the last join, both builds "
                   "run locally (no mpirun: the -fgrid build's locks and "
                   "atomics take the native side of their test of "
                   "__grid_sync_cluster); checksums equal")]


DSM_LINE = re.compile(r"^grid: dsm: in use: heap (\d+) B, globals (\d+) B; "
                      r"metadata: heap (\d+) B, (.*)$", re.MULTILINE)
DSM_NODE = re.compile(r"node (\d+) cache (\d+) B \((\d+) pages\) "
                      r"directory (\d+) B")


def dsm_metadata_run(threads, mib, verbose, mpirun):
    """One run of dsm_threads metadata at mib MiB: (heap in use, globals,
    jemalloc's metadata, [(node, cache bytes, cached pages, directory
    bytes)]) from the `grid: dsm:` line."""
    args = ["metadata", "--megabytes", str(mib)]
    out, err = run_job(dsm_command(mpirun, threads, args), verbose,
                       mpirun_env())
    check_on_node1(err, "dsm_threads metadata")
    parse_result(out, "dsm_threads metadata")
    line = DSM_LINE.search(err)
    if not line:
        die(f"dsm_threads metadata: GRID_STATS=1 printed no "
            f"`grid: dsm:` line:\n{err}")
    heap, globals_, jemalloc = (int(line.group(i)) for i in (1, 2, 3))
    nodes = [tuple(int(v) for v in m)
             for m in DSM_NODE.findall(line.group(4))]
    if len(nodes) != 2 or nodes[1][2] == 0:
        die(f"dsm_threads metadata: node 1 cached no page:\n"
            f"{line.group(0)}")
    if verbose:
        print(line.group(0))
    return heap, globals_, jemalloc, nodes


def measure_dsm_metadata(bench, build_dir, rounds, verbose, mpirun):
    threads = need(os.path.join(bench, "dsm_threads"), build_dir)
    small, large = DSM_METADATA_MIB, DSM_METADATA_LARGE_MIB
    runs = {small: [], large: []}
    for _ in range(rounds):  # the two sizes alternate
        for mib in (small, large):
            runs[mib].append(dsm_metadata_run(threads, mib, verbose, mpirun))

    def total(run):
        heap, _, jemalloc, nodes = run
        return jemalloc + sum(c + d for _, c, _, d in nodes)

    def median_run(mib):
        ordered = sorted(runs[mib], key=lambda r: total(r) / r[0])
        return ordered[len(ordered) // 2]

    mb = 1 << 20
    kib = 1 << 10
    amounts = []
    for name, mib in (("dsm-metadata", small), ("dsm-metadata-large", large)):
        run = median_run(mib)
        heap, globals_, jemalloc, nodes = run
        meta = total(run)
        share = 100.0 * meta / heap
        node_text = ", ".join(
            f"node {n} {c / kib:.0f} KiB for {p} pages, directory "
            f"{d / kib:.0f} KiB" for n, c, p, d in nodes)
        per_page = nodes[1][1] / nodes[1][2]
        args = ["metadata", "--megabytes", str(mib)]
        amounts.append(Amount(
            name, share,
            f"{share:.2f}% ({meta / mb:.2f} MiB of {heap / mb:.0f} MiB)",
            "<= 1%", rounds,
            f"main allocates {mib} MiB in 1 MiB blocks and fills them; a "
            "thread at home reads a word of each page of the first half, "
            "a thread on node 1 of the second half; at exit home prints "
            "(GRID_STATS=1) jemalloc's metadata (stats.metadata, the whole "
            f"allocator) {jemalloc / mb:.2f} MiB, each node's cache "
            f"metadata and directory of moved pages ({node_text}; node "
            f"1's as its thread ended; {per_page:.1f} B per cached page) "
            f"and the heap in use (stats.allocated) {heap / mb:.1f} MiB, "
            "the denominator; the executable's shared globals "
            f"({globals_ / mb:.1f} MiB, mostly the fault figure's array, "
            "untouched here) are left out of it; twins (a page each while "
            "written, until the next release) are not counted: none is "
            f"held at exit; `{shown_dsm_command('dsm_threads', args)}`"))
    grown = [100.0 * (total(b) - total(a)) / (b[0] - a[0])
             for a, b in zip(runs[small], runs[large])]
    growth = statistics.median(grown)
    a, b = median_run(small), median_run(large)
    amounts.append(Amount(
        "dsm-metadata-growth", growth,
        f"{growth:.2f}% ({(total(b) - total(a)) / mb:.2f} MiB more for "
        f"{(b[0] - a[0]) / mb:.0f} MiB more)",
        "<= 1%", rounds,
        f"the two runs above, {small} and {large} MiB, alternating in each "
        "round: the metadata the larger adds over the heap it adds (its "
        "jemalloc metadata "
        f"{(b[2] - a[2]) / mb:+.2f} MiB: a radix-tree leaf of 2 MiB for "
        "each further GiB of address space, an extent's record per block; "
        "node 1's cache is bounded, GRID_DSM_CACHE_PAGES)"))
    return amounts


# --- Remote system calls (issue 6) ------------------------------------------


def rsys_file(bench, name):
    """A file of a remote system call figure under the build directory (the
    programs remove it), and its path as RESULTS.md shows it."""
    return os.path.join(bench, name), f"build/benchmarks/{name}"


def measure_rsys_write(bench, build_dir, rounds, verbose, mpirun):
    threads = need(os.path.join(bench, "dsm_threads"), build_dir)
    mpi = need(os.path.join(bench, "dsm_mpi"), build_dir)
    path, shown_path = rsys_file(bench, "rsys-write.bin")
    args = ["write", "--file", path] + RSYS_WRITE_ARGS
    shown_args = ["write", "--file", shown_path] + RSYS_WRITE_ARGS
    env = mpirun_env()
    results = dsm_rounds(rounds, verbose, mpirun, {
        "grid": (dsm_command(mpirun, threads, args), env,
                 grid_result("dsm_threads write")),
        "mpi": (dsm_command(mpirun, mpi, args, False), env,
                plain_result("dsm_mpi write")),
    })
    subj = [float(r["grid"]["ns_per_call"]) for r in results]
    base = [float(r["mpi"]["ns_per_call"]) for r in results]
    ratios = [s / b for s, b in zip(subj, base)]
    pingpong = statistics.median(float(r["mpi"]["pingpong_ns"])
                                 for r in results)
    local = statistics.median(float(r["mpi"]["write_ns"]) for r in results)
    if verbose:
        for i, (s, b) in enumerate(zip(subj, base)):
            print(f"rsys-write round {i}: baseline {b:.0f} ns  node 1 "
                  f"{s:.0f} ns  ratio {s / b:.2f}")
    calls, chunks = int(RSYS_WRITE_ARGS[1]), int(RSYS_WRITE_ARGS[3])
    return [Figure(
        "rsys-write", statistics.median(base) / 1e3,
        statistics.median(subj) / 1e3, ratios, "us",
        f"per call, the median of {chunks - 1} chunks of {calls} calls per "
        "run (after a warm-up chunk), each writing 1 byte with write(2) to "
        "a file main opened (O_TRUNC) before creating the thread; the thread "
        "on node 1 (the second created: spread sends the first home) times "
        "its calls, and main checks after the join that the file holds "
        "every byte; the baseline is measured by a hand-written MPI job on "
        "the same 2 ranks: a round trip of 1 byte (MPI_Send, MPI_Recv of "
        f"the echo) timed on rank 1 ({pingpong / 1e3:.2f} us; both ranks "
        "in blocking MPI calls, which spin) plus a 1-byte write(2) to such "
        f"a file timed on rank 0 ({local / 1e3:.2f} us, rank 1 asleep); "
        f"`{shown_dsm_command('dsm_threads', shown_args)}` vs "
        f"`{shown_dsm_command('dsm_mpi', shown_args, False)}`")]


def measure_rsys_fwrite(bench, build_dir, rounds, verbose, mpirun):
    threads = need(os.path.join(bench, "dsm_threads"), build_dir)
    path, shown_path = rsys_file(bench, "rsys-fwrite.bin")
    mib = RSYS_FWRITE_MIB
    base, subj, ratios = [], [], []
    for i in range(rounds):
        first = "home" if i % 2 == 0 else "remote"
        argv = dsm_command(mpirun, threads,
                           ["fwrite", "--file", path, "--megabytes", str(mib),
                            "--first", first])
        out, err = run_job(argv, verbose, mpirun_env())
        r = grid_result("dsm_threads fwrite")(out, err)
        home, remote = float(r["home_seconds"]), float(r["remote_seconds"])
        base.append(mib / home)
        subj.append(mib / remote)
        ratios.append(home / remote)
        if verbose:
            print(f"rsys-fwrite round {i} ({first} first): home {home:.3f} s"
                  f"  node 1 {remote:.3f} s  ratio {ratios[-1]:.3f}")
    shown = shown_dsm_command("dsm_threads", [
        "fwrite", "--file", shown_path, "--megabytes", str(mib), "--first",
        "home|remote"])
    return [Figure(
        "rsys-fwrite", statistics.median(base), statistics.median(subj),
        ratios, "MiB/s",
        f"{mib} MiB in fwrite calls of 1 MiB from one buffer the thread "
        "filled before, then fflush, timed in the thread, to a stream main "
        "fopened (\"w\") before creating it; main fcloses it after the join, "
        "checks the file's size and removes it; a thread at home and one on "
        "node 1 in each run, which goes first alternating by round (an idle "
        "thread takes home's turn of spread when node 1 goes first); the "
        "page cache absorbs the writes (no fsync), for both alike; "
        f"`{shown}`")]


def machine_note():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} CPUs, Linux {platform.release()}, "
            f"load average {os.getloadavg()[0]:.2f} at start")


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                              "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        # RESULTS.md itself (rewritten by the previous --record) is not a
        # change to what is measured.
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                                "--untracked-files=no", "--", ".",
                                ":!benchmarks/RESULTS.md"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def fmt(value, unit):
    return f"{value:.2f} {unit}" if unit == "s" else f"{value:.1f} {unit}"


def table_rows(figures):
    return [(TITLES[f.name], fmt(f.baseline, f.unit), fmt(f.subject, f.unit),
             f"{f.ratio:.3f}x", f.target_text(), f.verdict())
            for f in figures if isinstance(f, Figure)]


def amount_rows(figures):
    return [(TITLES[f.name], f.shown, f.target_shown, f.verdict())
            for f in figures if isinstance(f, Amount)]


def absolute_rows(figures):
    return [(TITLES[f.name], f.baseline_shown, f.shown, f.target_shown,
             f.verdict()) for f in figures if isinstance(f, Absolute)]


HEAD = ("figure", "baseline", "subject", "ratio", "target", "verdict")
AMOUNT_HEAD = ("figure", "measured", "target", "verdict")
ABSOLUTE_HEAD = ("figure", "baseline (same run)", "measured", "target",
                 "verdict")


def print_rows(head, rows):
    rows = [head] + rows
    widths = [max(len(row[c]) for row in rows) for c in range(len(head))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))


def print_table(figures):
    first = True
    for head, rows in ((HEAD, table_rows(figures)),
                       (AMOUNT_HEAD, amount_rows(figures)),
                       (ABSOLUTE_HEAD, absolute_rows(figures))):
        if rows:
            if not first:
                print()
            print_rows(head, rows)
            first = False


def markdown_table(head, rows):
    return (["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] +
            ["| " + " | ".join(row) + " |" for row in rows])


def method_lines(figures):
    lines = []
    for f in figures:
        if isinstance(f, Figure):
            lines.append(f"- {TITLES[f.name]}: {f.rounds} rounds, per-round "
                         f"ratios {f.low:.3f}x to {f.high:.3f}x; {f.note}.")
        else:
            lines.append(f"- {TITLES[f.name]}: {f.note}.")
    return lines


def record(figures, command, machine, started, revision):
    local = [f for f in figures if f.name in LOCAL_FIGURES]
    control = [f for f in figures if f.name in CONTROL_FIGURES]
    dsm = [f for f in figures if f.name in DSM_FIGURES]
    rsys = [f for f in figures if f.name in RSYS_FIGURES]
    remote = [f for f in figures if f not in local + control + dsm + rsys]
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.sh --record`; do not edit by hand. Each",
        "ratio is subject / baseline measured in the same run, baseline and",
        "subject interleaved round by round; the ratio is the median of the",
        "per-round ratios, and the baseline and subject columns are the",
        "medians of each series (so their quotient need not equal the ratio).",
        "",
    ]
    lines += markdown_table(HEAD, table_rows(local))
    lines += ["", "Rounds and method:", ""]
    lines += method_lines(local)
    grid_env = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                        if k.startswith("GRID_"))
    lines += [
        "",
        f"- Command: `{command}`",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine}; load average "
        f"{os.getloadavg()[0]:.2f} at the end. The machine is shared, so "
        "absolute times vary from run to run; the ratios are the figures.",
        f"- Revision: {revision}",
        f"- Grid settings in the environment: {grid_env or 'none (defaults)'}",
        "",
        "How each figure is measured: see `benchmarks/run.py` (its docstring)",
        "and the banner of each program in `benchmarks/`.",
        "",
        "Reading the create+join figure: Grid binds every thread it places to",
        "a core, so its floor is glibc's own create+join of a thread given a",
        "one-core affinity (the kernel hands the new thread to that core before",
        "it runs), measured in the same rounds and shown above. On this",
        "machine that floor alone is about 1.15x-1.35x raw from run to run,",
        "and Grid's figure tracks it within a few percent: the target of 1.2x",
        "is at the floor, not above Grid's own bookkeeping. Meeting it",
        "reliably needs a different binding policy (for example binding only",
        "once Grid threads outnumber the cores), which is a design decision.",
        "",
        "## Remote processes",
        "",
        "Children placed on other ranks (issue 3; docs/design/cluster.md).",
        "`benchmarks/remote_processes` runs as home of an mpirun job on this",
        "machine with process tolerance `any` and strategy `spread`; its",
        "baseline is glibc's own call, looked up with dlsym, in the same",
        "process and interleaved with the calls through Grid, and every child",
        "exits with `$GRID_NODE`, so each call is counted where it really ran.",
        "All ranks share this machine's cores with the children, the deputies",
        "and whatever else runs here: a remote child brings no extra core,",
        "only the relay's costs, which is what these ratios isolate.",
        "Same run, command and machine as above.",
        "",
    ]
    lines += markdown_table(HEAD, table_rows(remote))
    lines += [""]
    lines += markdown_table(AMOUNT_HEAD, amount_rows(remote))
    lines += ["", "Rounds and method:", ""]
    lines += method_lines(remote)
    lines += [""] + READING_REMOTE
    lines += [
        "",
        "## Control plane",
        "",
        "`gridctl` against running Grid programs (issue 4; gridctl(1)).",
        "The runner times `build/bin/gridctl` from spawn to exit, as a user",
        "runs it, against `benchmarks/control_plane` (and `kernel-grid`);",
        "the programs stamp their events with CLOCK_MONOTONIC, the clock of",
        "the runner's time.monotonic(). The latencies are absolute figures,",
        "each with a baseline measured in the same run beside it for",
        "context. Same run, command and machine as above.",
        "",
    ]
    lines += markdown_table(HEAD, table_rows(control))
    lines += [""]
    lines += markdown_table(ABSOLUTE_HEAD, absolute_rows(control))
    lines += ["", "Rounds and method:", ""]
    lines += method_lines(control)
    same = ["Same run, command and machine as above."]
    lines += [""] + section_lines(DSM, dsm, same)
    lines += [""] + section_lines(RSYS, rsys, same)
    with open(os.path.join(HERE, "RESULTS.md"), "w") as out:
        out.write("\n".join(lines))


# A section of RESULTS.md that --record can also rewrite alone, after a run
# of exactly its figures: its heading, the text before its tables, and the
# analysis after them.
Section = collections.namedtuple("Section",
                                 "figures heading intro reading")


def section_lines(section, figures, run_lines):
    """The lines of a Section, run_lines saying which run measured it."""
    lines = [section.heading, "", *section.intro, "", *run_lines, ""]
    lines += markdown_table(HEAD, table_rows(figures))
    for head, rows in ((ABSOLUTE_HEAD, absolute_rows(figures)),
                       (AMOUNT_HEAD, amount_rows(figures))):
        if rows:
            lines += [""] + markdown_table(head, rows)
    lines += ["", "Rounds and method:", ""]
    lines += method_lines(figures)
    lines += [""] + section.reading + [""]
    return lines


def record_section(section, figures, command, machine, started, revision):
    """Rewrites only one Section of RESULTS.md (a run of exactly its
    figures), with its own command, date, machine and revision."""
    path = os.path.join(HERE, "RESULTS.md")
    text = open(path).read() if os.path.exists(path) else ""
    start = text.find(section.heading)
    if start < 0:
        head, tail = text.rstrip("\n") + "\n\n", ""
    else:
        head = text[:start]
        following = text.find("\n## ", start + len(section.heading))
        tail = text[following + 1:] if following >= 0 else ""
    run_lines = [
        f"- Command: `{command}` (this section only)",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine}; load average "
        f"{os.getloadavg()[0]:.2f} at the end",
        f"- Revision: {revision}",
    ]
    lines = "\n".join(section_lines(section, figures, run_lines))
    with open(path, "w") as out:
        out.write(head + lines + ("\n" + tail if tail else ""))


# What the remote figures contain, whatever their values on a given run
# (the analysis behind them: the commit that added this section).
READING_REMOTE = [
    "Reading the remote figures: here every rank is on the same machine,",
    "so a remote child is more work on the same cores, never a spare core.",
    "A remote `system()` is a chain of messages through four processes",
    "(the program asks home for a place over the home socket; home sends",
    "`Start` to the agent over MPI and waits for `Started`; the program",
    "then spawns a `grid-deputy`, which attaches; home tells the agent,",
    "which relays the exit back through home to the deputy), so its",
    "floor is a local spawn of the deputy plus the agent's spawn of the",
    "shell plus the hops: near 2x a local `system()` before any waiting.",
    "The event loops sleep in poll(2) until a message can be there (MPI's",
    "TCP connections for other hosts, a doorbell datagram that a rank on",
    "the same host rings after each message) or a timer is due, so a",
    "message wakes its receiver at once and an idle rank costs next to",
    "nothing. `system()` and `popen()` are placed early: the deputy starts",
    "while the agent starts the shell. The short-commands",
    "figure is bounded by CPU time, shown per command in its note: with 8",
    "in flight both cores are busy, and a remote command adds a deputy",
    "process and four hops through two event loops; on this one machine",
    "1.5x looks out of reach without cutting a hop (for instance answering",
    "`Placed` before the agent has spawned, so the deputy starts meanwhile).",
    "The relay's bytes go pipe, agent's message (read in place), MPI",
    "(shared memory on one host), home's frame (one copy), the deputy's",
    "socket and frame buffer, the program's pipe, against three copies for",
    "a local pipe.",
]

DSM_INTRO = [
    "Threads placed on other ranks, their memory kept coherent by the",
    "DSM (issue 5; docs/design/dsm.md). `benchmarks/dsm_threads`",
    "(built with -fgrid) runs as home of `mpirun -np 2` on this machine",
    "with thread tolerance `any`, strategy `spread` and `GRID_STATS=1`,",
    "so its threads go round robin over home and node 1 (the runner",
    "checks in the statistics that one ran on node 1). The baselines are",
    "hand-written MPI (`benchmarks/dsm_mpi`: plain clang++-19, the same",
    "flags, the compute shared in `dsm_kernels.h`) on the same 2 ranks,",
    "or the same program run locally, alternating with the subject round",
    "by round. For pi and Jacobi the ratio is MPI time / Grid time",
    "(higher is better). Both ranks share this machine's 2 cores with",
    "each rank's event loop thread.",
]

# What the DSM figures contain, whatever their values on a given run.
READING_DSM = [
    "Reading the DSM figures: a remote read fault happens on one thread.",
    "Node 1's pages of home's memory are missing memory of a userfaultfd",
    "that raises SIGBUS; the handler reads the page and up to 15 more of",
    "the same home that the node does not hold with one MPI_Get and",
    "MPI_Win_flush from home's window (osc/rdma over vader: a",
    "process_vm_readv by the faulting thread, no thread of home involved),",
    "and places them write-protected with one UFFDIO_COPY. The figure reads",
    "downwards, so each page is a fault and a 4 KiB MPI_Get of its own (a",
    "sweep upwards would fault once per 16 pages). The baseline's MPI_Gets",
    "read pages not read before, as a fault's fetch does; until 2026-11-28",
    "they read the same 256 pages in every chunk, from the caches, in 0.17",
    "us (first row) and 0.70 us (second) where fresh pages (rank 1's",
    "mapping of the first row's window touched beforehand) took 0.42 and",
    "1.25 us on 2026-11-28, and the rows were 2.58x and 2.03x (ba786f2,",
    "2026-11-27). The first",
    "row's MPI_Get is a memcpy from an MPI_Win_allocate window",
    "(osc/sm). Grid's windows are MPI_Win_create windows over its private",
    "slices (private, so that fork gives a child its copy), which Open MPI",
    "reads with process_vm_readv: the second fault row takes the same",
    "kind of window for its baseline. What is left is the page a fetch",
    "places: UFFDIO_COPY allocates it, where the raw fault's mprotect",
    "reopens a page already in memory, and a page allocated is slow on",
    "the Intel machine (a Firecracker VM whose kernel gives freed memory back",
    "to the host, page_reporting_order=11: a first write to fresh memory",
    "took 1.8 us a page in a loop over 64 MiB, 9.4 us in the first such",
    "loop of six). Timestamps in the handler on 2026-11-28 put a fault",
    "at about 1.8 us for the MPI_Get, 1.9-3 us for the UFFDIO_COPY (0.46",
    "us in a loop of its own that keeps placing and dropping the same few",
    "pages, which the kernel's per-CPU lists give back at once) and 1.7",
    "us for the signal's delivery and return. Moving a page already",
    "allocated into place (UFFDIO_MOVE, then write-protecting it) took",
    "2.0 us in such a loop, no better. Under",
    "GRID_DSM_FAULTS=signal each fetch also maps, protects",
    "and moves a staging page (mprotect, mremap: TLB shootdowns), hence the",
    "higher second ratio. A handoff between nodes is a chain of calls on",
    "the thread's line (docs/design/cluster.md, lines), each performed at",
    "home by its shadow thread: the remote thread's lock and condition wait",
    "are round trips, its signal and unlock are posted (the thread goes on",
    "without the answer; docs/design/dsm.md, posted calls), and each",
    "acquire brings the lock's page (where the turn lies) read-write with",
    "its twin, so reading and writing the turn never fault. Node 1 runs",
    "one thread of the program, so it keeps that page open between its",
    "locks (docs/design/dsm.md, one thread on a node): a trace of this",
    "figure on 2026-11-27 showed the thread on node 1 spending, per round",
    "of two handoffs, about 4 us dropping the page (MADV_DONTNEED), 5 us",
    "fetching it (MPI_Get), 4.5 us placing it (UFFDIO_COPY) and 3 us",
    "write-protecting it at the signal's release; now the release diffs",
    "it in place, and the lock's answer carries its contents (a diff",
    "against zeros: a mutex, a condition variable and an int). Alternating",
    "libraries in the same binary, 10 rounds each on 2026-11-27, the",
    "medians were 33.5 us per handoff before (092b922), 21.9 us with the",
    "page kept open (a402679) and 19.9 us with its contents carried as",
    "well (da8b5b3). What is left is round",
    "trips, the signal's diff (an MPI_Put and its flush, about 4 us) and,",
    "at home, futex wake-ups of the thread at home, which on 2 cores must",
    "preempt a spinner: the rounds vary widely with where the kernel puts",
    "the threads. With the line's messages through shared memory",
    "(GRID_SHARED_LINES) the rounds fall in two groups: 10 alternating",
    "runs of each on 2026-11-27 (an Intel Xeon) took 3.6-3.7 us per",
    "handoff in 5 runs and 37-43 us in the others (median 20.4 us),",
    "against 4.2-6.0 us in 2 and 29-73 us in 8 through MPI (median",
    "47.6 us). The slow group was the node's thread, which spins for",
    "its answers, on the core home's thread is pinned to while the other",
    "idled: since agents pin their threads too, ranks of one host",
    "starting on different cores (docs/design/dsm.md), 14 runs of 20",
    "took 3.9-4.5 us and the rest 10-38 us: home's shadow, then not",
    "pinned, shared the node thread's core; pinned off it since (0092435),",
    "the 21 rounds recorded on that Intel machine on 2026-11-28 took",
    "3.3-3.8 us. Two threads of one process took 26-33 us there, whose",
    "futex wake-ups are slow. The AMD EPYC machine of this recording",
    "(2026-11-28 too) is slower at it: per-round medians of 13.5-42.1",
    "us in its recording, the local threads' 8.5 us. Before lines,",
    "when each call woke four threads through the event loops, a handoff",
    "took 120-180 us. Beside a CPU-bound process (dsm-handoff-busy) a",
    "woken thread with the kernel's default slice (1.4 ms on these",
    "2-CPU machines) waits on Linux's EEVDF scheduler until the hog's",
    "slice ends at the next tick, even with the other CPU idle; the",
    "threads whose waits end with another rank's message ask for a",
    "100 us slice since 2026-11-28 (GRID_SLICE_US, docs/design/cluster.md,",
    "slices), and a waking one then preempts the hog. The same run of",
    "test/dsm/c11-threads.c (3 threads on 3 ranks taking one mutex 10,000",
    "times each) took 52-54 s beside one hog with the default slice and",
    "8 s with the short one, 1.0-1.1 s alone either way.",
    "Pi touches shared memory only to start and join its threads, so it",
    "computes at MPI's speed; what it pays is starting and joining a thread",
    "on node 1 (a few ms: the agent moves its own copy of the executable's",
    "16 MiB of writable globals aside with mremap before closing them; a",
    "copy, as before, cost about 20 ms more). Jacobi is the opposite: both",
    "arrays start homed at rank 0 (main allocated and filled them), and",
    "every barrier is an acquire that drops node 1's copies, so by default",
    "each sweep node 1 fetches its half of the input again (in runs of 16",
    "pages) and sends diffs of its half of the output home, where MPI sends",
    "two doubles. With home migration (GRID_DSM_MIGRATE=2, opt-in:",
    "docs/design/dsm.md) node 1's halves of both arrays move to node 1 in",
    "its first sweeps, since 2026-11-28 in place (node 1's copy already is",
    "the master, and home sends no contents back); a sweep then costs a",
    "barrier between the nodes and one halo page fetched each way. At the",
    "small size (1 MiB arrays, 20 sweeps: MPI's whole run takes about 1 ms)",
    "even the same program run as one process stays far below 0.5x on this",
    "machine: starting a thread and a futex wake-up per barrier (about 40",
    "us here) cost more than MPI's whole sweep. The third Jacobi figure is",
    "at 2,097,152 cells (arrays of 16 MiB) and 1000 sweeps, where one",
    "process matches MPI, so that it measures Grid. There Grid pays once",
    "for what MPI never does, since main filled every cell: node 1 fetches",
    "its 16 MiB in the first sweeps, and twins and diffs them until they",
    "move (about 100 ms in all on the Intel machine, where a fresh page",
    "costs 1.5-3 us);",
    "and each sweep it pays a barrier between the nodes, whose last thread",
    "to arrive is let go 150-230 us later against about 20 us in one",
    "process (the call home, the shadow's wake-up, home's thread's and the",
    "answer's, on 2 cores both computing threads share; 2026-11-28),",
    "against MPI's sweep of 0.65 ms. At 100 sweeps the same program reaches",
    "about 0.3x (2026-11-28, GRID_DSM_MIGRATE=2: Grid 0.22-0.24 s, MPI 0.068 s). Since",
    "2026-11-28 a line whose waits outlast its spin sleeps at once",
    "(cluster::SpinPolicy, docs/design/cluster.md): the 1000 sweeps took",
    "1.06-1.10 s against 1.19-1.36 s spinning at every wait, 3 runs each",
    "on the Intel machine.",
    "Commands: `build/benchmarks/dsm_threads jacobi --cells N --iterations",
    "K` (one process), and the figures' commands above with those",
    "arguments. The runner runs the one-process kind in the same rounds as",
    "the Jacobi figures and gives its ratio in their notes.",
    "The lock-heavy kernel's lock and unlock are the C library's calls",
    "behind a relaxed load of __grid_sync_cluster since c26c3c9",
    "(2026-11-28; abi.def's GRID_NATIVE_INLINE, docs/design/plugin.md), as",
    "its atomic add is since 3e4931b (a third call with a dispatch on its",
    "operation before; the figure was 1.085-1.120x then). Until c26c3c9",
    "each was a call into libgridrt (a thread-local test, a relaxed load",
    "and a tail jump to the C library), which lengthens the critical",
    "section the other threads wait behind: in a build of the kernel",
    "without Grid's thread creation those calls cost 3.8% and the inline",
    "test 0.5% (medians of 12 rounds, AMD machine, 2026-11-28), and the",
    "figure was 1.115x in the recording before and 1.120x in 7 rounds just",
    "before the change. One thread, uncontended, a lock, unlock and add",
    "took 9.3 ns against 8.4 ns plain (13.5 ns with the atomic a call;",
    "2026-11-26). With 4 threads on 2 cores the rounds vary with the",
    "scheduling (the medians of 5 runs of 11 or 21 rounds on 2026-11-26",
    "were 1.050x to 1.169x). What else the -fgrid build does in the timed",
    "span: its first pthread_create reads the machine's topology (hwloc,",
    "about 5 ms here, most of it loading hwloc's plugins), 1-2% of it.",
    "The metadata figures are mostly jemalloc's own (stats.metadata for",
    "the whole allocator, nearly all of it 'base': the radix tree that maps",
    "addresses to extents, whose leaves cover 1 GiB of address space each",
    "and are allocated whole, 2 MiB each, for the range and for the",
    "automatic arenas; entries are written only for the edges of extents",
    "and the pages of slabs), a fixed 5.6 MiB that grows by a leaf per GiB",
    "more: 2.2% of 256 MiB, 0.6% of 1280 MiB. jemalloc's record of each",
    "extent grows with the number of blocks rather than their bytes; these",
    "runs allocate 1 MiB blocks, and small objects cost jemalloc more (a",
    "slab of 4 KiB holding four 1000-byte objects has a record of its own:",
    "docs/design/dsm.md, the heap). Grid's own state is small: a node's",
    "cache keeps a byte per page it holds in blocks of 64 pages plus an",
    "entry of its eviction queue, 9.7 B per page (0.24% of the cached",
    "bytes; 58 B before 2026-11-27), bounded by GRID_DSM_CACHE_PAGES (16384",
    "pages by default), and the directory of moved pages is written only",
    "for pages that move or hold a lock (none here).",
]

RSYS_INTRO = [
    "Descriptor and stream calls of a thread placed on another rank,",
    "carried out at home by its shadow thread (issue 6; api/RemoteIo.h).",
    "`benchmarks/dsm_threads` runs as the DSM figures do (home of",
    "`mpirun -np 2`, thread tolerance `any`, strategy `spread`,",
    "`GRID_STATS=1`, a thread checked on node 1); its thread on node 1",
    "writes to a file main opened at home under the build directory,",
    "removed after. The write's baseline is hand-written MPI",
    "(`benchmarks/dsm_mpi`) on the same 2 ranks in the same rounds; the",
    "fwrite's, a thread at home in the same run.",
]

# What the remote system call figures contain, whatever their values on a
# given run.
READING_RSYS = [
    "Reading the remote system call figures: a remote write(2) is one",
    "round trip on the thread's line to its shadow at home, both spinning",
    "for the other's message (GRID_SPIN_US, docs/design/cluster.md,",
    "lines), so no thread sleeps or wakes (through the event loops, before",
    "lines, a call woke four threads and took about 40 us). What it pays",
    "beyond the baseline's blocking MPI round trip, from one instrumented",
    "run (2026-11-26): the thread's look at its node's output pipes before",
    "it sends (output the agent's C library wrote itself must reach home",
    "first: a poll(2) of both pipes took 0.7-0.9 us on this virtual",
    "machine, where system calls are dear; since af577dc an epoll_wait(0)",
    "of a set of the two, which answers an empty ready list without",
    "looking at each pipe, 0.2 us: a trivial call, getppid, went from 2.92",
    "to 2.35 us, medians of 6 alternating pairs), MPI_Isend (0.2 us), home's",
    "dispatch around the write(2) itself (0.3-0.5 us) and its answer's",
    "encoding (0.1-0.2 us), and the message's way from MPI_Isend until",
    "MPI_Improbe and MPI_Mrecv have taken it, 0.7 us each way measured with",
    "shared-memory time stamps, where a standalone pair of ranks under",
    "MPI_THREAD_MULTIPLE takes 0.4-0.5 us each way with MPI_Improbe and 0.3",
    "us with a posted MPI_Irecv (a posted receive per line would conflict",
    "with the loop's look at every line for those asleep); on 2 shared cores",
    "the two spinners also meet the loops' timers. Since the line's",
    "messages between ranks of one host go through shared memory",
    "(GRID_SHARED_LINES, docs/design/cluster.md, lines), MPI's share is",
    "gone: 8 alternating runs of each on 2026-11-27 (an Intel Xeon, whose",
    "write(2) takes 0.26 us and MPI round trip 0.50 us) gave medians of",
    "1.31 us per call through shared memory and 1.76 us through MPI.",
    "Since 4f83bcf the look at the output pipes waits for a thread of the",
    "node to fork (the C library's messages go home as calls of their",
    "own): 6 alternating pairs of runs gave 0.98-1.13 us per call against",
    "1.12-1.26 us with the look. Small writes to",
    "a fully buffered stream are held on the thread's node and sent 64",
    "KiB at a time (docs/design/remote-io.md),",
    "so a thread's fprintf of lines to a file costs about 0.4 us each;",
    "the figure's write(2) goes home every call, as it must. An fwrite",
    "of 1 MiB pays the round trip once, and copies its bytes into the request,",
    "through MPI (process_vm_readv into the shadow's buffer) and into the",
    "page cache, against one copy into the page cache at home.",
]

DSM = Section(DSM_FIGURES, "## Threads on other nodes", DSM_INTRO,
              READING_DSM)
RSYS = Section(RSYS_FIGURES, "## Remote system calls", RSYS_INTRO,
               READING_RSYS)


def measure_figures(name, bench, build_dir, rounds, verbose, mpirun):
    local = {"create": measure_create, "kernel": measure_kernel,
             "compile": measure_compile}
    remote = {"remote-system": measure_remote_system,
              "remote-jobs": measure_remote_jobs, "relay": measure_relay,
              "idle": measure_idle, "renice": measure_renice,
              "dsm-fault": measure_dsm_fault,
              "dsm-handoff": measure_dsm_handoff, "dsm-pi": measure_dsm_pi,
              "dsm-jacobi": measure_dsm_jacobi,
              "dsm-metadata": measure_dsm_metadata,
              "rsys-write": measure_rsys_write,
              "rsys-fwrite": measure_rsys_fwrite}
    if name in local:
        return [local[name](bench, build_dir, rounds, verbose)]
    if name == "ps":
        return measure_ps(bench, build_dir, rounds, verbose)
    if name == "top":
        return measure_top(bench, build_dir, rounds, verbose)
    if name == "locks":
        return measure_locks(bench, build_dir, rounds, verbose)
    return remote[name](bench, build_dir, rounds, verbose, mpirun)


def main():
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.sh",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                        help="the CMake build directory (default: build/)")
    parser.add_argument("--only", default=",".join(FIGURES),
                        help="comma-separated figures to run, of: "
                        + ", ".join(FIGURES) + " (default: all)")
    parser.add_argument("--rounds", type=int, default=0,
                        help="rounds per figure (default: " +
                        ", ".join(f"{k} {v}" for k, v in
                                  DEFAULT_ROUNDS.items()) + ")")
    parser.add_argument("--mpirun", default="mpirun",
                        help="Open MPI's mpirun, for the remote figures "
                        "(default: mpirun from PATH)")
    parser.add_argument("--verbose", action="store_true",
                        help="print every round")
    parser.add_argument("--record", action="store_true",
                        help="rewrite benchmarks/RESULTS.md with this run "
                        "(all figures), or one section (exactly its "
                        "figures: the DSM's, or remote system calls')")
    args = parser.parse_args()

    chosen = [f.strip() for f in args.only.split(",") if f.strip()]
    for name in chosen:
        if name not in FIGURES:
            die(f"unknown figure '{name}' in --only; accepted: "
                + ", ".join(FIGURES))
    if args.rounds < 0:
        die(f"--rounds needs a positive number, got {args.rounds}")
    alone = next((s for s in (DSM, RSYS)
                  if sorted(chosen) == sorted(s.figures)), None)
    if args.record and chosen != list(FIGURES) and not alone:
        die("--record needs all figures (leave out --only), or exactly the "
            "figures of one section: --only " + ",".join(DSM_FIGURES) +
            " (DSM) or --only " + ",".join(RSYS_FIGURES) +
            " (remote system calls)")
    build_dir = os.path.abspath(args.build_dir)
    bench = os.path.join(build_dir, "benchmarks")
    mpirun = args.mpirun
    if any(name not in WITHOUT_MPI for name in chosen):
        mpirun = shutil.which(args.mpirun)
        if not mpirun:
            die(f"cannot find '{args.mpirun}', needed by the remote-process "
                "and renice figures; install Open MPI or name it with "
                "--mpirun")

    command = shlex.join(["benchmarks/run.sh"] + sys.argv[1:])
    started = datetime.datetime.now(datetime.timezone.utc)
    machine = machine_note()
    revision = git_revision()
    figures = []
    for name in chosen:
        rounds = args.rounds or DEFAULT_ROUNDS[name]
        title = TITLES.get(name, "deputy memory and idle agent CPU")
        print(f"== {title} ({rounds} rounds)", flush=True)
        figures += measure_figures(name, bench, build_dir, rounds,
                                   args.verbose, mpirun)
    print()
    print_table(figures)
    for f in figures:
        if isinstance(f, Figure):
            print(f"{f.name}: per-round ratios {f.low:.3f}x to "
                  f"{f.high:.3f}x over {f.rounds} rounds")
    print(f"\n{machine}; revision {revision}")
    if args.record and alone:
        record_section(alone, figures, command, machine, started, revision)
        print(f"wrote the section '{alone.heading[3:]}' of "
              "benchmarks/RESULTS.md")
    elif args.record:
        record(figures, command, machine, started, revision)
        print("wrote benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
