#!/usr/bin/env python3
"""GroupNorm kernel benchmark (issue 3), medprep and its baselines side by side in one invocation.

Runs the release `NormalizeBenchmark` (GroupNorm, statistics pass and a memory copy of the same tensor at 1 and 2
threads) and `groupnorm_baseline.py` (numpy float64 accumulation, torch nn.GroupNorm at 1 and 2 threads) one after
the other, and prints a Markdown table of GB/s of float32 input and the ratios:
  - vs numpy and vs torch (torch at the same thread count);
  - vs the memory-bandwidth bound: GroupNorm reads its input twice and writes it once, a copy reads once and writes
    once, so the bound is 2/3 of the copy rate measured in the same run at the same thread count.
Usage:  python3 Benchmarks/run_normalize_benchmark.py [--binary .build/release/NormalizeBenchmark]   (make bench-normalize)
"""
import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def json_lines(command):
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=str(ROOT / ".build/release/NormalizeBenchmark"))
    args = parser.parse_args()
    if not pathlib.Path(args.binary).exists():
        sys.exit(f"{args.binary} is missing: swift build -c release --product NormalizeBenchmark")
    medprep = json_lines([args.binary])
    baseline = {tuple(r["shape"]): r for r in json_lines([sys.executable, str(ROOT / "Benchmarks/groupnorm_baseline.py")])}
    print("| shape | G | threads | copy GB/s | statistics GB/s | GroupNorm GB/s | numpy GB/s | torch GB/s |"
          " vs numpy | vs torch | vs bandwidth bound |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in medprep:
        b = baseline.get(tuple(r["shape"]), {})
        gn, numpy_rate = r["groupnorm_gbps"], b.get("numpy_gbps")
        torch_rate = b.get(f"torch_{r['threads']}_gbps")
        bound = r["memcpy_gbps"] * 2 / 3
        cells = [str(r["shape"]), str(r["groups"]), str(r["threads"]), f"{r['memcpy_gbps']:.2f}",
                 f"{r['statistics_gbps']:.2f}", f"{gn:.2f}", f"{numpy_rate:.2f}" if numpy_rate else "–",
                 f"{torch_rate:.2f}" if torch_rate else "–", f"{gn / numpy_rate:.1f}×" if numpy_rate else "–",
                 f"{gn / torch_rate:.1f}×" if torch_rate else "–", f"{gn / bound:.2f}×"]
        print("| " + " | ".join(cells) + " |")
    versions = next(iter(baseline.values()), {})
    print(f"\nnumpy {versions.get('numpy', '?')}, torch {versions.get('torch', 'not installed')}; "
          "rates are float32 input bytes / best wall time.")


if __name__ == "__main__":
    main()
