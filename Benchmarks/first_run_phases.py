#!/usr/bin/env python3
"""The first run's cost per case beyond decode + transform + encode (issue 19), by sampling with `perf`.

  python3 Benchmarks/first_run_phases.py [--medprep .build/release/medprep] [--input Benchmarks/.scale/in-100000/d000]

Runs `medprep run --jobs 1` (GroupNorm G = 1 → `.nii.gz`, JSON report, as `make bench-scale`) over INPUT into an empty
output under `perf record --call-graph dwarf` and sorts every sample by the frames on its stack:
  decode + normalize     `CaseProcessor.process` (read, inflate, per-scan stages, GroupNorm)
  encode + write         `PipelineRunner.writeVolumes` (deflate, the atomic write of the volume, its digest)
  per-case bookkeeping   the rest of `PipelineRunner.process`: the state-store record, the group-statistics JSON,
                         the log line
  run outside cases      the rest of `PipelineRunner.run`: discovery, assessment, reports
  start-up and other     dynamic loader, exit, stacks perf could not unwind
The overhead per case is (bookkeeping + outside cases) CPU / cases. Needs `perf` (root or
kernel.perf_event_paranoid ≤ 1) and a binary with symbols."""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

from run_scale_benchmark import PIPELINE  # noqa: E402  (the same tiny-case pipeline as make bench-scale)

PHASES = [("decode + normalize", r"CaseProcessorV7process"),
          ("encode + write", r"RunnerC12writeVolumes"),
          ("per-case bookkeeping", r"RunnerC7process_9processor"),
          ("run outside cases", r"RunnerC3run"),
          ("start-up and other", r"")]
BOOKKEEPING = [("state-store record", r"StateStoreC6record"), ("group-statistics JSON", r"RunnerC10groupsJSON"),
               ("log line", r"RunLogC4item"), ("other", r"")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--medprep", default=".build/release/medprep")
    parser.add_argument("--input", default="Benchmarks/.scale/in-100000/d000")
    parser.add_argument("--frequency", type=int, default=400)
    args = parser.parse_args()
    source = os.path.abspath(args.input)
    cases = sum(1 for _, _, files in os.walk(source) for name in files if name.endswith(".nii.gz"))
    work = tempfile.mkdtemp(prefix="medprep-phases-")
    try:
        pipeline = os.path.join(work, "p.yaml")
        with open(pipeline, "w") as f:
            f.write(PIPELINE.format(input=source, output=os.path.join(work, "out")))
        data = os.path.join(work, "perf.data")
        subprocess.run(["perf", "record", "-q", "-F", str(args.frequency), "--call-graph", "dwarf,16384", "-o", data,
                        os.path.abspath(args.medprep), "run", pipeline, "--jobs", "1", "--no-progress"],
                       check=True, stdout=subprocess.DEVNULL)
        script = subprocess.run(["perf", "script", "-i", data], check=True, capture_output=True, text=True).stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)
    phases, bookkeeping = collections.Counter(), collections.Counter()
    for sample in script.split("\n\n"):
        if not sample.strip():
            continue
        phase = next(name for name, pattern in PHASES if re.search(pattern, sample))
        phases[phase] += 1
        if phase == "per-case bookkeeping":
            bookkeeping[next(name for name, pattern in BOOKKEEPING if re.search(pattern, sample))] += 1
    total = sum(phases.values())
    if total == 0:
        sys.exit("perf recorded no samples")
    ms = 1000 / args.frequency / max(1, cases)
    print(f"{cases} cases, {total} samples at {args.frequency} Hz ({total / args.frequency:.2f} s CPU)")
    print("| phase | share | CPU ms per case |\n|---|---|---|")
    for name, _ in PHASES:
        print(f"| {name} | {100 * phases[name] / total:.1f} % | {phases[name] * ms:.3f} |")
    for name, _ in BOOKKEEPING:
        print(f"| · bookkeeping: {name} | {100 * bookkeeping[name] / total:.1f} % | {bookkeeping[name] * ms:.3f} |")
    overhead = phases["per-case bookkeeping"] + phases["run outside cases"]
    print(f"\nFirst-run overhead per case beyond decode + normalize + encode: {overhead * ms:.3f} ms CPU")


if __name__ == "__main__":
    main()
