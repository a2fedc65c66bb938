#!/usr/bin/env python3
"""Byte-identity check: two medprep release binaries must write the same bytes for the same work (issue 15).

    Scripts/check_byte_identity.py [--base REV] [--base-binary PATH] [--new-binary PATH] [--scale small|full]
    make byte-identity [BASE=REV] [SCALE=small|full]

The base binary is REV's `medprep` (default 965a977, the last commit before the architecture work), built in release
mode from `git archive REV` in .build-identity/<rev>/src (kept, so a rerun reuses the build; .build-*/ is
gitignored); the new binary is this working tree's (`swift build -c release --product medprep`, uncommitted changes
included). --base-binary / --new-binary use given binaries instead and skip the builds.

Both binaries do the same work, one after the other, on this working tree's pipelines/, SampleData/ and the `make
bench` workload, each step writing into the same absolute directory (<tmp>/run/<command>, emptied in between), so
paths written into reports are equal too:
  run-<name>        `medprep run pipelines/<name>.yaml --output …` for every pipeline file (pipelines/ and its
                    subdirectories; cron/ and slurm/ hold no pipeline file, the slurm job scripts run below)
  rerun-quickstart  quickstart twice into one directory (the second run finds everything up to date)
  slurm-*           the job scripts of pipelines/slurm/ run by bash in chain order, one call per array task with
                    SLURM_ARRAY_TASK_ID set (no Slurm needed): GroupNorm over SampleData/ct, and two-phase dataset
                    statistics over SampleData/ct-cohort
  norm-<method>-*   `medprep normalize` for every method, NIfTI (.nii.gz and --uncompressed) and .npy, and --batch
  compare-norms-*, stats-*, inspect, validate   the other subcommands on SampleData/
  run-hostile, norm-hostile, validate-invalid   failure paths: a run and a normalize over Tests/Fixtures/hostile
                    (error texts land in report.json and on stderr), an invalid pipeline file (its issue lines)
  bench-<case>      the four `make bench` cases of Benchmarks/run_benchmarks.py (gn-gz, gn-nii, dataset, png) with its
                    pipeline shape and `--jobs 2 --force`, on Benchmarks/.workload/<scale> (made by
                    Benchmarks/make_workload.py when absent; needs numpy, nibabel, pillow)
Every file a command writes is digested (SHA-256, by relative path), except the run state under .medprep/ (SQLite,
holds record times; its lock files). So are each step's standard output and standard error, and its exit code.
Volatile content, found by running one binary twice (`--base-binary B --new-binary B`), is normalized before
digesting, one named field at a time (VOLATILE below: only the run log's seconds and its case order under parallel
workers); no file is skipped.

Prints one line per command (name, files, exit codes, equal/DIFFERENT) and a summary; exits 0 only when every
command is equal. Outputs are deleted afterwards unless --keep (then <tmp>/base and <tmp>/new are left to diff).
Python 3 standard library only.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BASE = "965a977"
SAMPLE = "SampleData"
# Subdirectories of pipelines/ without a pipeline file, and why nothing in them runs as is.
SKIP_REASONS = {
    "cron": "a crontab and systemd units that run a placeholder /srv/medprep/pipeline.yaml",
    "slurm": "submit.sh needs sbatch; its job scripts run below as slurm-*",
}

# Volatile content, found by running one binary twice: (pattern on the name digested, what, normalization). The
# output files have none (reports carry no times, only the paths under the fixed run directory); only the log on
# standard error does. Everything else is digested byte for byte.
def _sorted_lines(data):
    return b"".join(sorted(data.splitlines(keepends=True)))


VOLATILE = [
    # RunLog's text "end" line, `normalize: done 3, failed 0, 0.067 s`: the phase's wall time.
    (r"^<stderr", "run log phase seconds",
     lambda data: re.sub(rb"(?m)^(.*: done \d+, failed \d+, )[0-9.e+-]+ s$", rb"\1<seconds> s", data)),
    # RunLog's per-case lines, `normalize [2/3] ct_002 processed`: with --jobs > 1 the workers finish in any order,
    # so the counter and the line order vary; the counter is masked and the lines sorted (each line still compared).
    (r"^<stderr", "run log case order",
     lambda data: _sorted_lines(re.sub(rb"(?m)^(\S+) \[\d+/(\d+)\] ", rb"\1 [#/\2] ", data))),
]

# The `make bench` cases and their pipeline files, from the module Benchmarks/run_benchmarks.py uses too.
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
from bench_cases import CASES as BENCH_CASES, pipeline_yaml as bench_pipeline_yaml  # noqa: E402


# ---------------------------------------------------------------------------------------------------------------
# The work: a command is a name and a list of steps; a step is an argv ("{bin}" the binary, "{out}" the command's
# output directory, "{run}" the run root), optionally with environment additions, or a file to write first.


def sample(*patterns):
    """Sorted SampleData files matching the patterns, relative to the repository root (the commands run there)."""
    found = []
    for pattern in patterns:
        found += sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, SAMPLE, pattern), recursive=True))
    if not found:
        sys.exit(f"no SampleData file matches {patterns}")
    return found


def step(*argv, env=None):
    return dict(argv=list(argv), env=env or {})


def pipeline_commands():
    commands, skipped = [], []
    for path in sorted(glob.glob(os.path.join(ROOT, "pipelines", "**", "*.yaml"), recursive=True)):
        name = os.path.relpath(path, os.path.join(ROOT, "pipelines"))[:-len(".yaml")].replace(os.sep, "-")
        commands.append((f"run-{name}", [step("{bin}", "run", path, "--output", "{out}", "--no-progress")]))
    for directory in sorted(glob.glob(os.path.join(ROOT, "pipelines", "*", ""))):
        name = os.path.basename(directory[:-1])
        if not glob.glob(os.path.join(directory, "**", "*.yaml"), recursive=True):
            skipped.append(f"pipelines/{name}/: no pipeline file ({SKIP_REASONS.get(name, 'nothing to run')})")
    quickstart = os.path.join(ROOT, "pipelines", "quickstart.yaml")
    rerun = step("{bin}", "run", quickstart, "--output", "{out}", "--no-progress")
    commands.append(("rerun-quickstart", [rerun, rerun]))
    return commands, skipped


def slurm_commands():
    """The Slurm job scripts in chain order, each array task a plain bash call with SLURM_ARRAY_TASK_ID set."""
    slurm = os.path.join(ROOT, "pipelines", "slurm")
    shards = 2

    def chain(pipeline, data):
        env = dict(MEDPREP="{bin}", MEDPREP_SHARDS=str(shards), MEDPREP_PIPELINE=pipeline,
                   MEDPREP_OUTPUT="{out}/out", MEDPREP_WORK="{out}/work")
        steps = []
        if data:
            env["MEDPREP_DATA"] = data
            steps += [step("bash", f"{slurm}/stats-array.sbatch", env=dict(env, SLURM_ARRAY_TASK_ID=str(k)))
                      for k in range(shards)]
            steps.append(step("bash", f"{slurm}/stats-merge.sbatch", env=env))
        steps += [step("bash", f"{slurm}/normalize-array.sbatch", env=dict(env, SLURM_ARRAY_TASK_ID=str(k)))
                  for k in range(shards)]
        steps.append(step("bash", f"{slurm}/report-merge.sbatch", env=env))
        return steps

    cohort = os.path.join(ROOT, SAMPLE, "ct-cohort")
    dataset_yaml = ("version: 1\nname: slurm-dataset\n"
                    f"input: {{directory: {json.dumps(cohort)}, include: [\"*.nii.gz\"]}}\n"
                    "stages:\n  - normalize: {method: dataset, stats: \"{out}/work/stats.json\"}\n"
                    "output: {directory: \"{out}/out\", volumes: nifti, reports: [json, csv, html]}\n")
    return [
        ("slurm-groupnorm", chain(os.path.join(ROOT, "pipelines", "ct-groupnorm.yaml"), None)),
        ("slurm-dataset", [dict(write="{run}/slurm-dataset.yaml", text=dataset_yaml)]
         + chain("{run}/slurm-dataset.yaml", cohort)),
    ]


def normalize_commands():
    ct, mri, xray = sample("ct/*.nii.gz"), sample("mri/*.nii.gz"), sample("xray/*.png")
    cohort, photo, tiff = sample("ct-cohort/*.nii.gz"), sample("photo/*.png"), sample("tiff/*.tif")

    def norm(*arguments):
        return [step("{bin}", "normalize", *arguments, "--output", "{out}")]

    return [
        ("norm-groupnorm-niigz", norm(*ct, "--method", "groupnorm")),
        ("norm-groupnorm-nii", norm(*ct, *tiff, "--method", "groupnorm", "--eps", "0.001", "--uncompressed")),
        ("norm-groupnorm-npy", norm(*mri, "--method", "groupnorm", "--groups", "2", "--gamma", "1,2,0.5,1.5",
                                    "--beta", "0,0.25,-1,2", "--format", "npy")),
        ("norm-groupnorm-batch", norm(*xray, "--method", "groupnorm", "--batch")),
        ("norm-instance-niigz", norm(*mri, "--method", "instance")),
        ("norm-instance-npy", norm(*xray, *photo, "--method", "instance", "--format", "npy")),
        ("norm-instance-batch", norm(*mri, "--method", "instance", "--batch")),
        ("norm-dataset-niigz", norm(*cohort, "--method", "dataset")),
        ("norm-dataset-ctclip-nii", norm(*cohort, "--method", "dataset", "--ct-clip", "--mask", "threshold:-500",
                                         "--uncompressed")),
        ("norm-dataset-npy", norm(*mri, "--method", "dataset", "--mask", "nonzero", "--format", "npy")),
        ("norm-dataset-frozen", [step("{bin}", "stats", f"{SAMPLE}/ct-cohort", "--output", "{out}/stats.json"),
                                 *norm(*ct, "--method", "dataset", "--stats", "{out}/stats.json")]),
        ("norm-dataset-batch", norm(*xray, "--method", "dataset", "--mask", "threshold:0", "--batch")),
        ("norm-minmax-niigz", norm(*ct, *tiff, "--method", "minmax")),
        ("norm-minmax-npy", norm(*xray, *photo, "--method", "minmax", "--format", "npy")),
        ("norm-minmax-batch", norm(*xray, "--method", "minmax", "--batch")),
        ("norm-percentile-niigz", norm(*ct, "--method", "percentile", "--lower", "1", "--upper", "99")),
        ("norm-percentile-npy", norm(*xray, *mri, "--method", "percentile", "--format", "npy")),
        ("norm-percentile-batch", norm(*xray, "--method", "percentile", "--batch")),
        ("norm-imagenet-niigz", norm(*photo, *xray, "--method", "imagenet")),
        ("norm-imagenet-npy", norm(*photo, *xray, "--method", "imagenet", "--format", "npy")),
        ("norm-imagenet-batch", norm(*xray, "--method", "imagenet", "--batch")),
        ("norm-batchstats-niigz", norm(*ct, "--method", "batchstats")),
        ("norm-batchstats-npy", norm(*mri, "--method", "batchstats", "--format", "npy", "--nonfinite", "zero")),
        ("norm-batchstats-batch", norm(*xray, "--method", "batchstats", "--batch", "--eps", "0.01")),
    ]


def other_commands():
    hostile = os.path.join(ROOT, "Tests", "Fixtures", "hostile")
    hostile_yaml = ("version: 1\nname: hostile\n"
                    f"input: {{directory: {json.dumps(hostile)}, include: [\"**/*\"], exclude: [\"manifest.json\"]}}\n"
                    "stages:\n  - normalize: {method: groupnorm, groups: 1}\n"
                    "output: {directory: \"{out}\", volumes: both, reports: [json, csv, html]}\n")
    invalid_yaml = ("version: 1\nname: invalid\ninput: {directory: in, inclde: [x]}\n"
                    "stages:\n  - clip: {min: 5, max: 1}\n  - normalize: {method: groupnorm, groups: 0}\n"
                    "  - sharpen: {}\noutput: {directory: out, volumes: tiff}\n")
    norm_hostile = [step("{bin}", "normalize", *sorted(glob.glob(os.path.join(hostile, "nifti", "*.nii")))[:60],
                         *sample("ct/*.nii.gz"), "--method", "instance", "--output", "{out}")]
    partials = [f"{{out}}/partial-{k}.json" for k in range(3)]
    scans = sample("ct/*.nii.gz", "ct-labels/*.nii.gz", "ct-cohort/ct_cohort_00.nii.gz", "mri/*.nii.gz", "nnunet/**/*.nii.gz",
                   "photo/*.png", "tiff/*.tif", "xray/*.png")
    return [
        ("compare-norms-cohort", [step("{bin}", "compare-norms", f"{SAMPLE}/ct-cohort", "--output", "{out}")]),
        ("compare-norms-options", [step("{bin}", "compare-norms", f"{SAMPLE}/ct-cohort", "--batch-sizes", "2,5",
                                        "--epochs", "2", "--output", "{out}")]),
        ("compare-norms-mri", [step("{bin}", "compare-norms", f"{SAMPLE}/mri", "--groups", "2", "--batch-sizes", "1,2",
                                    "--output", "{out}")]),
        ("stats-cohort", [step("{bin}", "stats", f"{SAMPLE}/ct-cohort", "--output", "{out}/stats.json")]),
        ("stats-mri-nonzero", [step("{bin}", "stats", f"{SAMPLE}/mri", "--mask", "nonzero", "--json")]),
        ("stats-xray-threshold", [step("{bin}", "stats", f"{SAMPLE}/xray", "--mask", "threshold:0", "--jobs", "2",
                                       "--output", "{out}/stats.json")]),
        ("stats-merge", [*(step("{bin}", "stats", f"{SAMPLE}/ct-cohort", "--shard", f"{k}/3", "--output", partials[k]) for k in range(3)),
                         step("{bin}", "stats", "merge", *partials, "--output", "{out}/merged.json")]),
        ("inspect", [step("{bin}", "inspect", "--json", *scans)]),
        ("validate", [step("{bin}", "validate", *sorted(glob.glob(os.path.join(ROOT, "pipelines", "*.yaml"))))]),
        # Failure paths: the error texts land in report.json and on stderr, so they must not change either.
        ("run-hostile", [dict(write="{run}/hostile.yaml", text=hostile_yaml),
                         step("{bin}", "run", "{run}/hostile.yaml", "--no-progress")]),
        ("norm-hostile", norm_hostile),
        ("validate-invalid", [dict(write="{run}/invalid.yaml", text=invalid_yaml),
                              step("{bin}", "validate", "{run}/invalid.yaml")]),
    ]


def bench_commands(workload):
    commands = []
    for name, case in BENCH_CASES.items():
        input_dir = os.path.join(workload, case["input"])
        yaml = f"{{run}}/bench-{name}.yaml"
        commands.append((f"bench-{name}", [
            dict(write=yaml, text=bench_pipeline_yaml(f"bench-{name}", case, input_dir, "{out}")),
            step("{bin}", "run", yaml, "--input", input_dir, "--output", "{out}", "--jobs", "2", "--force",
                 "--no-progress")]))
    return commands


# ---------------------------------------------------------------------------------------------------------------
# Running and digesting


def fill(text, binary, out, run):
    return text.replace("{bin}", binary).replace("{out}", out).replace("{run}", run)


def normalized(relative, data):
    for pattern, _, normalization in VOLATILE:
        if re.search(pattern, relative):
            data = normalization(data)
    return data


def digest_tree(directory, streams):
    digests = {}
    for parent, subdirectories, names in os.walk(directory):
        subdirectories[:] = sorted(d for d in subdirectories if d != ".medprep")
        for name in names:
            path = os.path.join(parent, name)
            relative = os.path.relpath(path, directory)
            with open(path, "rb") as f:
                digests[relative] = hashlib.sha256(normalized(relative, f.read())).hexdigest()
    for relative, data in streams.items():
        digests[relative] = hashlib.sha256(normalized(relative, data)).hexdigest()
    return digests


def run_command(name, steps, binary, run_root, timeout):
    """Runs one command's steps into <run_root>/<name>; returns (exit codes, digests, last stderr)."""
    out = os.path.join(run_root, name)
    os.makedirs(out)
    codes, streams, stderr = [], {}, b""
    for index, s in enumerate(steps):
        if "write" in s:
            with open(fill(s["write"], binary, out, run_root), "w") as f:
                f.write(fill(s["text"], binary, out, run_root))
            continue
        argv = [fill(a, binary, out, run_root) for a in s["argv"]]
        env = dict(os.environ, **{k: fill(v, binary, out, run_root) for k, v in s["env"].items()})
        try:
            done = subprocess.run(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout)
            codes.append(done.returncode)
            stderr = done.stderr
            streams[f"<stdout {index}>"], streams[f"<stderr {index}>"] = done.stdout, done.stderr
        except subprocess.TimeoutExpired:
            codes.append("timeout")
    return codes, digest_tree(out, streams), stderr


def run_all(label, binary, commands, run_root, keep_root, timeout):
    results = {}
    shutil.rmtree(run_root, ignore_errors=True)
    os.makedirs(run_root)
    started = time.monotonic()
    for name, steps in commands:
        results[name] = run_command(name, steps, binary, run_root, timeout)
        if keep_root is None and name.startswith("bench-"):
            shutil.rmtree(os.path.join(run_root, name))  # the full workload's outputs are gigabytes
    if keep_root is not None:
        os.rename(run_root, os.path.join(keep_root, label))
    else:
        shutil.rmtree(run_root)
    return results, time.monotonic() - started


# ---------------------------------------------------------------------------------------------------------------
# Binaries


def git(*arguments):
    return subprocess.run(["git", "-C", ROOT, *arguments], check=True, capture_output=True, text=True).stdout.strip()


def swift_build(package):
    command = ["nice", "-n", "10", "swift", "build", "-c", "release", "--product", "medprep", "--package-path", package]
    print(f"building: {' '.join(command)}", flush=True)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"release build failed in {package}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return os.path.join(package, ".build", "release", "medprep")


def base_binary(rev):
    sha = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    short = git("rev-parse", "--short=7", sha)
    cache = os.path.join(ROOT, ".build-identity", short)
    source = os.path.join(cache, "src")
    if not os.path.isdir(source):
        staging = source + ".partial"
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        archive = subprocess.Popen(["git", "-C", ROOT, "archive", sha], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", staging], stdin=archive.stdout, check=True)
        if archive.wait() != 0:
            sys.exit(f"git archive {sha} failed")
        os.rename(staging, source)
    return swift_build(source), short


def ensure_workload(scale, workload):
    if workload:
        return os.path.abspath(workload)
    path = os.path.join(ROOT, "Benchmarks", ".workload", scale)
    if not os.path.isfile(os.path.join(path, "manifest.json")):
        print(f"making the {scale} workload: Benchmarks/make_workload.py --scale {scale}", flush=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "make_workload.py"), "--scale", scale],
                       check=True, stdout=subprocess.DEVNULL)
    return path


# ---------------------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"base git revision (default {DEFAULT_BASE})")
    parser.add_argument("--base-binary", help="base medprep binary (instead of building --base)")
    parser.add_argument("--new-binary", help="new medprep binary (instead of building this working tree)")
    parser.add_argument("--scale", choices=["small", "full"], default="small", help="bench workload (default small)")
    parser.add_argument("--workload", help="bench workload directory (default Benchmarks/.workload/<scale>)")
    parser.add_argument("--only", help="comma-separated command names or prefixes (e.g. norm-,bench-gn-gz)")
    parser.add_argument("--keep", action="store_true", help="keep both output trees (printed) for diffing")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per step (default 1800)")
    args = parser.parse_args()

    started = time.monotonic()
    if args.base_binary:
        base, base_label = os.path.abspath(args.base_binary), args.base_binary
    else:
        base, base_label = base_binary(args.base)
    if args.new_binary:
        new, new_label = os.path.abspath(args.new_binary), args.new_binary
    else:
        dirty = "+uncommitted" if git("status", "--porcelain", "--untracked-files=no") else ""
        new, new_label = swift_build(ROOT), f"working tree ({git('rev-parse', '--short=7', 'HEAD')}{dirty})"
    workload = ensure_workload(args.scale, args.workload)

    pipelines, skipped = pipeline_commands()
    commands = pipelines + slurm_commands() + normalize_commands() + other_commands() + bench_commands(workload)
    if args.only:
        prefixes = args.only.split(",")
        commands = [c for c in commands if any(c[0].startswith(p) for p in prefixes)]
    scratch = tempfile.mkdtemp(prefix="medprep-identity-")
    run_root = os.path.join(scratch, "run")
    keep_root = scratch if args.keep else None
    print(f"base {base_label} vs new {new_label}; bench workload {os.path.relpath(workload, ROOT)}")
    for reason in skipped:
        print(f"skipped {reason}")
    base_results, base_seconds = run_all("base", base, commands, run_root, keep_root, args.timeout)
    new_results, new_seconds = run_all("new", new, commands, run_root, keep_root, args.timeout)

    different, files = [], 0
    for name, _ in commands:
        (base_codes, base_digests, base_err), (new_codes, new_digests, new_err) = base_results[name], new_results[name]
        equal = base_codes == new_codes and base_digests == new_digests
        count = sum(1 for k in new_digests if not k.startswith("<"))
        files += count
        codes = "/".join(map(str, base_codes)) if base_codes == new_codes else f"{base_codes} vs {new_codes}"
        print(f"{name:26} {count:4} files  exit {codes:12} {'equal' if equal else 'DIFFERENT'}")
        if not equal:
            different.append(name)
            changed = sorted(k for k in base_digests.keys() | new_digests.keys()
                             if base_digests.get(k) != new_digests.get(k))
            for relative in changed[:5]:
                state = ("only base" if relative not in new_digests else "only new" if relative not in base_digests
                         else "bytes differ")
                print(f"    {relative}: {state}")
            if len(changed) > 5:
                print(f"    … and {len(changed) - 5} more")
            if base_codes != new_codes:
                for who, err in (("base", base_err), ("new", new_err)):
                    text = err.decode(errors="replace").strip()
                    if text:
                        print(f"    {who} stderr (last step): {text[-300:]}")
    failures = sum(1 for c in new_results.values() for code in c[0] if code != 0)
    print(f"SUMMARY: {len(commands) - len(different)}/{len(commands)} commands equal, {files} files and every step's stdout/stderr digested "
          f"(volatile fields normalized: {', '.join(v[1] for v in VOLATILE) or 'none'}); {failures} non-zero exits "
          f"in new; base {base_seconds:.0f} s, new {new_seconds:.0f} s, total {time.monotonic() - started:.0f} s"
          + (f"; outputs kept in {scratch}" if args.keep else ""))
    if different:
        print(f"DIFFERENT: {', '.join(different)}")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
