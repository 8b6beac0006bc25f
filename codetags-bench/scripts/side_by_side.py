#!/usr/bin/env python3
"""Times commands side by side, interleaved: each round runs every command once, in a rotating
order, so that drift in the machine's speed (other load, frequency, caches) hits all of them
alike. Reports each command's median wall time with its 10th-90th percentile range, and its
ratio to the baseline command: the ratio of the medians and the median of the per-round ratios.

    side_by_side.py [--runs N] [--warmup N] [--prepare CMD] [--baseline K] CMD...

`--prepare` runs (untimed, through the shell) before every timed command, as hyperfine's does.
Commands are split with shlex and run without a shell, stdout and stderr discarded.
"""

import argparse
import shlex
import statistics
import subprocess
import sys
import time


def run_once(argv, prepare):
    if prepare:
        subprocess.run(prepare, shell=True, check=True)
    start = time.perf_counter_ns()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    if done.returncode != 0:
        sys.exit(f"side_by_side: {shlex.join(argv)} exited with {done.returncode}")
    return elapsed


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--prepare", default="")
    parser.add_argument("--baseline", type=int, default=1, help="1-based index of the command ratios refer to")
    parser.add_argument("commands", nargs="+")
    args = parser.parse_args()
    if not 1 <= args.baseline <= len(args.commands):
        parser.error("--baseline must name one of the commands")
    argvs = [shlex.split(c) for c in args.commands]
    times = [[] for _ in argvs]
    for round_index in range(args.warmup + args.runs):
        order = [(round_index + i) % len(argvs) for i in range(len(argvs))]
        for i in order:
            elapsed = run_once(argvs[i], args.prepare)
            if round_index >= args.warmup:
                times[i].append(elapsed)
    base = args.baseline - 1
    base_median = statistics.median(times[base])
    print(f"{args.runs} interleaved rounds after {args.warmup} warm-up rounds; baseline: command {args.baseline}")
    print(f"{'#':>2}  {'median':>9}  {'p10-p90':>17}  {'ratio':>6}  {'paired':>6}  command")
    for i, (command, samples) in enumerate(zip(args.commands, times)):
        median = statistics.median(samples)
        paired = statistics.median(t / b for t, b in zip(samples, times[base]))
        spread = f"{percentile(samples, 0.1):.1f}-{percentile(samples, 0.9):.1f} ms"
        print(f"{i + 1:>2}  {median:>6.1f} ms  {spread:>17}  {median / base_median:>5.2f}x  {paired:>5.2f}x  {command}")


if __name__ == "__main__":
    main()
