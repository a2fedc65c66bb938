#!/usr/bin/env python3
"""Instructions executed by two medprep release binaries on a slice of the `make bench` workload, under callgrind.

    python3 Benchmarks/count_instructions.py OLD_BINARY NEW_BINARY [--cases gn-gz,gn-nii,dataset,png] [--files 3]

Wall and CPU time on a shared 2-core VM move by ±10 % from run to run; the number of instructions a run executes
does not depend on the machine's load. For every case and `--jobs 1` and `2`, each binary (stripped, since valgrind
3.19 cannot read Swift 6's DWARF) runs once under `valgrind --tool=callgrind` on the first `--files` inputs of the
case (PNG: 20 files), through the harness's own pipeline file. Prints both totals and new/old, and checks that the
two binaries wrote byte-identical outputs.
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_benchmarks as rb  # noqa: E402


def output_digest(directory, suffix):
    digest = hashlib.sha256()
    for path in rb.outputs_with_suffix(directory, suffix):
        digest.update(os.path.relpath(path, directory).encode())
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def instructions(binary, command, log):
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={log}.out", binary] + command[1:],
                   stdout=subprocess.DEVNULL, stderr=open(log, "w"), check=True)
    with open(log) as f:
        found = re.search(r"Collected : (\d+)", f.read())
    if not found:
        sys.exit(f"no instruction count in {log}")
    return int(found.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--cases", default="gn-gz,gn-nii,dataset,png")
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--workload", default=os.path.join(rb.BENCH_DIR, ".workload", "full"))
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: apt-get install valgrind")
    scratch = tempfile.mkdtemp(prefix="medprep-instructions-")
    binaries = {}
    for who in ("old", "new"):
        binaries[who] = os.path.join(scratch, f"medprep-{who}")
        subprocess.run(["strip", "-o", binaries[who], os.path.abspath(getattr(args, who))], check=True)
    for name in args.cases.split(","):
        case = rb.CASES[name]
        source = os.path.join(args.workload, case["input"])
        count = 20 if name == "png" else args.files
        subset = os.path.join(scratch, f"{name}-input")
        os.makedirs(subset)
        for file in sorted(f for f in os.listdir(source) if f.endswith(case["suffix"].replace(".npy", ".png")))[:count]:
            shutil.copy(os.path.join(source, file), subset)
        for jobs in (1, 2):
            totals, digests = {}, {}
            for who in ("old", "new"):
                label = f"{name}-{who}-{jobs}"
                output = os.path.join(scratch, label)
                command = rb.medprep_command(binaries[who], scratch, label, case, subset, output, jobs)
                totals[who] = instructions(binaries[who], command, os.path.join(scratch, label + ".log"))
                digests[who] = output_digest(output, case["suffix"])
            same = "identical outputs" if digests["old"] == digests["new"] else "OUTPUTS DIFFER"
            print(f"{case['title']}, --jobs {jobs}, {count} files: old {totals['old']:,} new {totals['new']:,} "
                  f"new/old {totals['new'] / totals['old']:.5f} ({same})", flush=True)


if __name__ == "__main__":
    main()
