#!/usr/bin/env python3
"""Two medprep release binaries timed against each other in the same rounds, on the `make bench` workload.

    python3 Benchmarks/compare_binaries.py OLD_BINARY NEW_BINARY [--cases gn-nii,png] [--rounds 7]

For every case and --jobs 1 and 2: one untimed warm-up round, then `--rounds` rounds, each running both binaries
(the order alternating every round) through the harness's own command line and measurement (sync, 2 GiB pretouch,
wait4). Prints the median wall and CPU seconds of each and old/new with its per-round range.
"""
import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_benchmarks as rb  # noqa: E402
from measurement import measure  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--cases", default="gn-nii,png")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--workload", default=os.path.join(rb.BENCH_DIR, ".workload", "full"))
    args = parser.parse_args()
    binaries = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    scratch = tempfile.mkdtemp(prefix="medprep-compare-")
    for name in args.cases.split(","):
        case = rb.CASES[name]
        input_dir = os.path.join(args.workload, case["input"])
        for jobs in (1, 2):
            walls, cpus = {"old": [], "new": []}, {"old": [], "new": []}
            for index in range(args.rounds + 1):
                for who in (["old", "new"] if index % 2 == 0 else ["new", "old"]):
                    label = f"{name}-{who}-{jobs}"
                    command = rb.medprep_command(binaries[who], scratch, label, case, input_dir,
                                                 os.path.join(scratch, label), jobs)
                    run = measure(command, os.path.join(scratch, label + ".log"), pretouch_gib=2)
                    if not run.ok:
                        sys.exit(f"{label} failed: see {run.log}")
                    if index > 0:
                        walls[who].append(run.wall)
                        cpus[who].append(run.cpu)
            old, new = statistics.median(walls["old"]), statistics.median(walls["new"])
            ratios = sorted(o / n for o, n in zip(walls["old"], walls["new"]))
            print(f"{case['title']}, --jobs {jobs}: old {old:.3f} s (CPU {statistics.median(cpus['old']):.2f}), "
                  f"new {new:.3f} s (CPU {statistics.median(cpus['new']):.2f}), old/new {old / new:.2f} "
                  f"(per round {ratios[0]:.2f}–{ratios[-1]:.2f})", flush=True)


if __name__ == "__main__":
    main()
