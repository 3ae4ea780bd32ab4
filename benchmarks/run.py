#!/usr/bin/env python3
"""Grid's benchmark runner: measures the three figures of RESULTS.md.

Each figure is a ratio of a subject to its baseline measured in the same run,
baseline and subject interleaved round by round (the order alternating), and
reported as the median over rounds, because the machine is shared and noisy:

  create   thread create+join through Grid vs glibc's own pthread_create and
           pthread_join, in one -fgrid program (build/benchmarks/thread_create)
  kernel   a thread-heavy kernel built with -fgrid vs the same source built
           with plain clang++-19, run locally (kernel-grid, kernel-plain)
  compile  CPU time (user+sys, children included) of `grid-clang -fgrid -O2 -c`
           vs `clang-19 -O2 -c` on a generated large C file (large_tu.c)

Run through benchmarks/run.sh after building the target grid-benchmarks.
"""
import argparse
import datetime
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIGURES = ("create", "kernel", "compile")
TARGETS = {"create": 1.20, "kernel": 1.03, "compile": 1.10}
TITLES = {
    "create": "thread create+join: Grid vs raw pthread",
    "kernel": "thread-heavy kernel: -fgrid vs plain",
    "compile": "compile -O2: grid-clang -fgrid vs clang-19",
}


class Figure:
    def __init__(self, name, baseline, subject, ratios, unit, note):
        self.name, self.baseline, self.subject = name, baseline, subject
        self.ratio = statistics.median(ratios)
        self.low, self.high = min(ratios), max(ratios)
        self.unit, self.rounds, self.note = unit, len(ratios), note

    def verdict(self):
        return "meets" if self.ratio <= TARGETS[self.name] else "misses"


def die(message):
    sys.exit(f"benchmarks/run.sh: {message}")


def parse_result(output, program):
    """The key=value pairs of the program's final `RESULT ...` line."""
    for line in reversed(output.splitlines()):
        if line.startswith("RESULT "):
            return dict(kv.split("=", 1) for kv in line.split()[1:])
    die(f"{program} printed no RESULT line; its output was:\n{output}")


def run(argv, **kwargs):
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


def measure_kernel(bench, build_dir, rounds, verbose):
    plain = need(os.path.join(bench, "kernel-plain"), build_dir)
    grid = need(os.path.join(bench, "kernel-grid"), build_dir)
    base, subj, ratios = [], [], []
    for i in range(rounds):
        times = {}
        for program in ((plain, grid) if i % 2 == 0 else (grid, plain)):
            r = parse_result(run([program]), program)
            times[program] = (float(r["seconds"]), r["checksum"])
        if times[plain][1] != times[grid][1]:
            die(f"kernel checksums differ: plain {times[plain][1]}, "
                f"grid {times[grid][1]}")
        base.append(times[plain][0])
        subj.append(times[grid][0])
        ratios.append(times[grid][0] / times[plain][0])
        if verbose:
            print(f"kernel round {i}: plain {base[-1]:.3f} s  "
                  f"grid {subj[-1]:.3f} s  ratio {ratios[-1]:.3f}")
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
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True,
                               text=True).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def fmt(value, unit):
    return f"{value:.2f} {unit}" if unit == "s" else f"{value:.1f} {unit}"


def table_rows(figures):
    return [(TITLES[f.name], fmt(f.baseline, f.unit), fmt(f.subject, f.unit),
             f"{f.ratio:.3f}x", f"<= {TARGETS[f.name]:.2f}x", f.verdict())
            for f in figures]


HEAD = ("figure", "baseline", "subject", "ratio", "target", "verdict")


def print_table(figures):
    rows = [HEAD] + table_rows(figures)
    widths = [max(len(row[c]) for row in rows) for c in range(len(HEAD))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))


def record(figures, command, machine, started, revision):
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.sh --record`; do not edit by hand. Each",
        "ratio is subject / baseline measured in the same run, baseline and",
        "subject interleaved round by round; the ratio is the median of the",
        "per-round ratios, and the baseline and subject columns are the",
        "medians of each series (so their quotient need not equal the ratio).",
        "",
        "| " + " | ".join(HEAD) + " |",
        "|" + "---|" * len(HEAD),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(figures)]
    lines += ["", "Rounds and method:", ""]
    lines += [f"- {TITLES[f.name]}: {f.rounds} rounds, per-round ratios "
              f"{f.low:.3f}x to {f.high:.3f}x; {f.note}." for f in figures]
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
    ]
    with open(os.path.join(HERE, "RESULTS.md"), "w") as out:
        out.write("\n".join(lines))


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
                        help="rounds per figure (default: create 31, "
                        "kernel 11, compile 7)")
    parser.add_argument("--verbose", action="store_true",
                        help="print every round")
    parser.add_argument("--record", action="store_true",
                        help="rewrite benchmarks/RESULTS.md with this run")
    args = parser.parse_args()

    chosen = [f.strip() for f in args.only.split(",") if f.strip()]
    for name in chosen:
        if name not in FIGURES:
            die(f"unknown figure '{name}' in --only; accepted: "
                + ", ".join(FIGURES))
    if args.rounds < 0:
        die(f"--rounds needs a positive number, got {args.rounds}")
    if args.record and chosen != list(FIGURES):
        die("--record needs all figures (leave out --only)")
    build_dir = os.path.abspath(args.build_dir)
    bench = os.path.join(build_dir, "benchmarks")

    command = shlex.join(["benchmarks/run.sh"] + sys.argv[1:])
    started = datetime.datetime.now(datetime.timezone.utc)
    machine = machine_note()
    revision = git_revision()
    default_rounds = {"create": 31, "kernel": 11, "compile": 7}
    measure = {"create": measure_create, "kernel": measure_kernel,
               "compile": measure_compile}
    figures = []
    for name in chosen:
        rounds = args.rounds or default_rounds[name]
        print(f"== {TITLES[name]} ({rounds} rounds)", flush=True)
        figures.append(measure[name](bench, build_dir, rounds, args.verbose))
    print()
    print_table(figures)
    for f in figures:
        print(f"{f.name}: per-round ratios {f.low:.3f}x to {f.high:.3f}x "
              f"over {f.rounds} rounds")
    print(f"\n{machine}; revision {revision}")
    if args.record:
        record(figures, command, machine, started, revision)
        print("wrote benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
