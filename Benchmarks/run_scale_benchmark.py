#!/usr/bin/env python3
"""`make bench-scale`: medprep's cron path over a tree of many tiny cases (issue 19), beside its floor.

  python3 Benchmarks/run_scale_benchmark.py [--cases 100000] [--medprep .build/release/medprep]
                                            [--baseline OTHER_MEDPREP] [--repeat 3] [--work Benchmarks/.scale]
                                            [--reuse-outputs] [--no-stats]

Generates the tree (make_scale_tree.py: 16×16×8 int16 `.nii.gz` in 100 directories), then measures with
measurement.py (wall, CPU, peak RSS through child_rusage.py):
  first run          `medprep run` (GroupNorm G = 1 → `.nii.gz`, JSON report, --jobs 2) into an empty output
  no-op re-run       the same command again, nothing changed (median of --repeat)
  touch 100          after `touch`ing 100 inputs (new mtime, same bytes: rehashed, records refreshed, none redone)
  stats              `medprep stats TREE --jobs 2`
  floor: find        `find TREE -newer REF` (REF = the generated tree's marker)
  floor: stat        Python `os.stat` of every input file (os.walk)
With --baseline, another medprep binary does its own first run (into its own output) and no-op re-runs in the
same rounds, for a before/after figure, and its own re-run after the same touches. --reuse-outputs keeps an output
directory that already has a state store (no first run: the no-op rows are then all steady-state no-ops, the
first no-op after a first run being the one that writes the reports); --no-stats leaves out `medprep stats`. Prints a Markdown table (also to WORK/results.md)."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
from measurement import Run, log_tail, measure  # noqa: E402

PIPELINE = """version: 1
name: scale
input:
  directory: {input}
  include: ["**/*.nii.gz"]
stages:
  - normalize: {{method: groupnorm, groups: 1, eps: 1.0e-5}}
output:
  directory: {output}
  volumes: nifti
  reports: [json]
"""

STAT_ALL = """import os, sys
n = 0
for root, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        os.stat(os.path.join(root, name)); n += 1
print(n)
"""


def checked(run, label):
    if not run.ok:
        sys.exit(f"{label} failed (exit {run.status}):\n{log_tail(run.log)}")
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=int(os.environ.get("SCALE_CASES", 100_000)))
    parser.add_argument("--medprep", default=".build/release/medprep")
    parser.add_argument("--baseline", help="another medprep binary measured beside --medprep")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", default=os.path.join(BENCH_DIR, ".scale"))
    parser.add_argument("--reuse-outputs", action="store_true", help="keep outputs that have a state store")
    parser.add_argument("--no-stats", action="store_true", help="leave out `medprep stats`")
    args = parser.parse_args()
    work = os.path.abspath(args.work)
    tree = os.path.join(work, f"in-{args.cases}")
    subprocess.run([sys.executable, os.path.join(BENCH_DIR, "make_scale_tree.py"), "--cases", str(args.cases),
                    "--output", tree], check=True)
    logs = os.path.join(work, "logs")
    os.makedirs(logs, exist_ok=True)
    binaries = [("medprep", os.path.abspath(args.medprep))]
    if args.baseline:
        binaries.append(("baseline", os.path.abspath(args.baseline)))
    rows = []

    def add(label, run, cases):
        rows.append((label, run, cases))

    for name, binary in binaries:
        output = os.path.join(work, f"out-{name}-{args.cases}")
        reuse = args.reuse_outputs and os.path.exists(os.path.join(output, ".medprep", "state.sqlite"))
        if not reuse:
            shutil.rmtree(output, ignore_errors=True)
        pipeline = os.path.join(work, f"{name}-{args.cases}.yaml")
        with open(pipeline, "w") as f:
            f.write(PIPELINE.format(input=tree, output=output))
        command = [binary, "run", pipeline, "--jobs", "2"]
        if not reuse:
            add(f"{name}: first run", checked(measure(command, os.path.join(logs, f"{name}-first.log")), "first run"),
                args.cases)
        noop = [checked(measure(command, os.path.join(logs, f"{name}-noop-{r}.log")), "no-op re-run")
                for r in range(args.repeat)]
        add(f"{name}: no-op re-run", Run.median(noop), args.cases)
    touched = {name: [] for name, _ in binaries}
    for r in range(args.repeat):
        for name, binary in binaries:
            now = time.time() + r + 1
            for case in range(0, args.cases, max(1, args.cases // 100))[:100]:
                os.utime(os.path.join(tree, f"d{case % 100:03d}", f"case{case:06d}.nii.gz"), (now, now))
            command = [binary, "run", os.path.join(work, f"{name}-{args.cases}.yaml"), "--jobs", "2"]
            touched[name].append(checked(measure(command, os.path.join(logs, f"{name}-touch-{r}.log")),
                                         "re-run after touching"))
    for name, _ in binaries:
        add(f"{name}: re-run after touching 100", Run.median(touched[name]), args.cases)
    if not args.no_stats:
        stats = [checked(measure([binaries[0][1], "stats", tree, "--jobs", "2", "--output", os.path.join(work, "stats.json")],
                                 os.path.join(logs, f"stats-{r}.log")), "stats") for r in range(args.repeat)]
        add("medprep: stats", Run.median(stats), args.cases)
    find = [checked(measure(["find", tree, "-newer", os.path.join(tree, ".params.json")],
                            os.path.join(logs, f"find-{r}.log")), "find") for r in range(args.repeat)]
    add("floor: find -newer", Run.median(find), args.cases)
    stat = [checked(measure([sys.executable, "-c", STAT_ALL, tree], os.path.join(logs, f"stat-{r}.log")), "stat")
            for r in range(args.repeat)]
    add("floor: Python os.stat of every file", Run.median(stat), args.cases)

    load = os.getloadavg()
    lines = [f"Scale benchmark: {args.cases} cases of 16×16×8 int16 `.nii.gz` in 100 directories, `--jobs 2`, "
             f"median of {args.repeat} (first run: 1); load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.",
             "", "| step | wall s | CPU s | peak RSS MiB | wall per case ms |", "|---|---|---|---|---|"]
    for label, run, cases in rows:
        spread = f" ({min(run.walls):.2f}–{max(run.walls):.2f})" if len(run.walls) > 1 else ""
        lines.append(f"| {label} | {run.wall:.2f}{spread} | {run.cpu:.2f} | {run.rss_kib / 1024:.0f} | "
                     f"{1000 * run.wall / cases:.3f} |")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(work, "results.md"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
