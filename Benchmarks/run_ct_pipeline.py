#!/usr/bin/env python3
"""The realistic CT pipeline cases of `make bench` (issue 19): medprep beside SimpleITK, TorchIO, MONAI, scipy +
nibabel and the codec floor, all in the same interleaved rounds, 2 workers each.

Cases (the 24 int16 CT volumes 256×256×160 of Benchmarks/make_workload.py, ct-gz/):
  ct-pipeline  clip −1024…3000 → resample 1.5 mm (linear) → crop_or_pad 128×128×96 → GroupNorm (groups 1, eps 1e-5)
               → float32 .nii.gz (Benchmarks/pipelines/ct-pipeline.yaml)
  ct-orient    the same after `orient: {to: RAS}`; the workload is stored LPS, so every tool flips i and j
               (Benchmarks/pipelines/ct-orient.yaml)
  ct-labels    the same plus a uint8 label map per case (0 air, 1 body HU > −500, 2 bone HU ≥ 300, made once into
               the workload's ct-labels/), resampled nearest, cropped alongside, written as labels/ID.nii.gz
               (Benchmarks/pipelines/ct-labels.yaml)
Runners per round: medprep `run --jobs 2`, and Benchmarks/ct_pipeline_peers.py with sitk, torchio, monai, scipy and
floor, each as a 2-process pool (a peer whose package is not installed is left out, and the report says so). The
floor is the codec work alone, with libdeflate as the other cases' floors: inflate every int16 input (and label map),
deflate at level 1 the float32 (and label) outputs of a reference run and write them (the scipy peer writing .nii,
made once and cached in the workload's ct-reference/<case>/). As the other cases' floors, the floor figure is the
time of the codec calls alone (the floor runner prints it; summed over its workers, ÷ 2 as if split ideally over the
2 cores), measured in every round; the floor process's own wall (Python start-up, imports, pool) is shown beside it
and is no floor. Every runner is measured as the other cases (measurement.measure,
with the same --repeat, --warmup and --pretouch): wall, CPU = user + sys of the tree, peak RSS = the largest single
process. Medians over the rounds, with the per-round spread of the ratios.
Checks after the last round, on every runner's outputs: 24 images (and labels) of shape 128×128×96, float32
(labels integer, values in {0, 1, 2}), per-volume |mean| < 1e-3 and |std − 1| < 1e-3, the gzip level (XFL byte),
the orientation code of the affine; and the first output against an independent float64 reference
(Benchmarks/ct_pipeline_reference.py: scipy map_coordinates on medprep's documented grid, numpy GroupNorm):
medprep must match it within 1e-4 (affine within 1e-4 mm, label map voxel for voxel); the peers' distance to it is
reported, not judged (their grids differ: see BENCHMARKS.md).

  python3 Benchmarks/run_ct_pipeline.py [--cases ct-pipeline,ct-orient,ct-labels] [--repeat 3] [--warmup 1]
                                        [--volumes N] [--binary PATH]     # table in Benchmarks/results-ct.md
or as part of `make bench` (run_benchmarks.py runs these cases after the others; `make bench
BENCH_CASES=ct-pipeline,ct-orient,ct-labels` for these alone).
"""
import argparse
import glob
import gzip
import importlib.util
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import nibabel as nib
import numpy as np

from ct_pipeline_reference import compare_image, compare_label, reference_image, reference_label
from measurement import BENCH_DIR, Run, log_tail, measure, warm_page_cache

ROOT = os.path.dirname(BENCH_DIR)
PEERS_SCRIPT = os.path.join(BENCH_DIR, "ct_pipeline_peers.py")
SHAPE = (128, 128, 96)
TOLERANCE = 1e-4
CT_CASES = {
    "ct-pipeline": dict(title="CT clip → resample → crop → GroupNorm", pipeline="ct-pipeline.yaml", orient=False,
                        labels=False),
    "ct-orient": dict(title="the same with orient (LPS → RAS)", pipeline="ct-orient.yaml", orient=True, labels=False),
    "ct-labels": dict(title="the same with label maps", pipeline="ct-labels.yaml", orient=False, labels=True),
}
PEERS = [("sitk", "SimpleITK"), ("torchio", "TorchIO"), ("monai", "MONAI"), ("scipy", "scipy.ndimage.zoom + nibabel")]
RUNNERS = ["medprep"] + [p for p, _ in PEERS] + ["floor"]
LABELS = dict(PEERS, medprep="medprep run --jobs 2", floor="floor process (inflate + deflate level 1, Python pool)")
# Issue 19: medprep wall × factor ≤ peer wall; medprep ≤ 1.3 × floor; peak RSS ≤ 250 MiB.
TARGETS = {"sitk": 5.0, "torchio": 10.0, "monai": 10.0}
FLOOR_FACTOR = 1.3
RSS_LIMIT_MIB = 250.0
LABEL_VERSION = 1
MODULES = {"sitk": "SimpleITK", "torchio": "torchio", "monai": "monai", "scipy": "scipy"}


def available_runners():
    """(runners whose Python package imports, names of the missing packages); `make bench` installs them."""
    missing = [module for runner, module in MODULES.items() if importlib.util.find_spec(module) is None]
    return [r for r in RUNNERS if MODULES.get(r) not in missing], missing


def mib(kib):
    return kib / 1024.0


# ---------------------------------------------------------------------------------------------------------------
# Inputs


def label_job(job):
    source, target = job
    image = nib.load(source)
    hu = np.asanyarray(image.dataobj.get_unscaled()).astype(np.int32) - 1024
    label = np.where(hu >= 300, 2, np.where(hu > -500, 1, 0)).astype(np.uint8)
    header = image.header.copy()
    header.set_data_dtype(np.uint8)
    header.set_slope_inter(1.0, 0.0)
    raw = nib.Nifti1Image(label, image.affine, header).to_bytes()
    with open(target + ".part", "wb") as f:
        f.write(gzip.compress(raw, compresslevel=6, mtime=0))
    os.replace(target + ".part", target)


def ensure_labels(workload):
    """workload/ct-labels/ct_NNN.nii.gz for every ct-gz input (made once; a marker file records the version)."""
    directory = os.path.join(workload, "ct-labels")
    marker = os.path.join(directory, f".complete-v{LABEL_VERSION}")
    sources = sorted(glob.glob(os.path.join(workload, "ct-gz", "*.nii.gz")))
    if os.path.isfile(marker) and all(os.path.isfile(os.path.join(directory, os.path.basename(s))) for s in sources):
        return directory
    os.makedirs(directory, exist_ok=True)
    jobs = [(s, os.path.join(directory, os.path.basename(s))) for s in sources]
    print(f"  ct-labels: making {len(jobs)} label maps in {directory}", file=sys.stderr, flush=True)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(label_job, jobs)
    open(marker, "w").close()
    return directory


def subset(source_dir, target_dir, count):
    """target_dir with hard links (or copies) of the first `count` .nii.gz files of source_dir."""
    shutil.rmtree(target_dir, ignore_errors=True)
    os.makedirs(target_dir)
    for path in sorted(glob.glob(os.path.join(source_dir, "*.nii.gz")))[:count]:
        target = os.path.join(target_dir, os.path.basename(path))
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return target_dir


def ensure_reference(name, case, input_dir, labels_dir, workload):
    """Reference outputs as .nii (the scipy peer, 2 processes), deflated by the floor runner; made once per case."""
    directory = os.path.join(workload, "ct-reference", name)
    names = [os.path.basename(p)[: -len(".nii.gz")] for p in sorted(glob.glob(os.path.join(input_dir, "*.nii.gz")))]
    wanted = [os.path.join(directory, n + ".nii") for n in names]
    if labels_dir:
        wanted += [os.path.join(directory, "labels", n + ".nii") for n in names]
    if all(os.path.isfile(p) for p in wanted):
        return directory
    print(f"  {name}: making the floor's reference outputs in {directory}", file=sys.stderr, flush=True)
    command = [sys.executable, PEERS_SCRIPT, "scipy", "--input", input_dir, "--output", directory, "--uncompressed",
               "--workers", "2"] + (["--orient"] if case["orient"] else []) + (["--labels", labels_dir] if labels_dir else [])
    subprocess.run(command, check=True)
    return directory


def pipeline_file(case, directory, labels_dir):
    """The committed pipeline, with `labels` pointing at labels_dir (input and output come from the command line)."""
    with open(os.path.join(BENCH_DIR, "pipelines", case["pipeline"])) as f:
        text = f.read()
    if labels_dir:
        text = text.replace('"../.workload/full/ct-labels/{case}.nii.gz"', f'"{labels_dir}/{{case}}.nii.gz"')
    path = os.path.join(directory, case["pipeline"])
    with open(path, "w") as f:
        f.write(text)
    return path


def command_for(runner, binary, pipeline, input_dir, output_dir, case, labels_dir, reference):
    if runner == "medprep":
        return [binary, "run", pipeline, "--input", input_dir, "--output", output_dir, "--jobs", "2", "--force"]
    command = [sys.executable, PEERS_SCRIPT, runner, "--input", input_dir, "--output", output_dir, "--workers", "2"]
    command += ["--orient"] if case["orient"] else []
    command += ["--labels", labels_dir] if labels_dir else []
    command += ["--reference", reference] if runner == "floor" else []
    return command


# ---------------------------------------------------------------------------------------------------------------
# Checks


def outputs(directory, sub=""):
    return sorted(glob.glob(os.path.join(directory, sub, "*.nii.gz")))


def reference_for(case, inputs, labels_dir):
    """The float64 reference (ct_pipeline_reference) of the first input and of its label map."""
    image = reference_image(inputs[0], case["orient"])
    label = None
    if labels_dir:
        label = reference_label(os.path.join(labels_dir, os.path.basename(inputs[0])), case["orient"])
    return image, label


def check_runner(runner, case, directory, count, reference):
    """(ok, detail) for one runner's outputs. medprep's first output must match the reference (max |Δ| ≤ TOLERANCE,
    affine within 1e-4 mm, label map equal); the peers' distance to it is reported, not judged."""
    problems, notes = [], []
    images = outputs(directory)
    if len(images) != count:
        problems.append(f"{len(images)} of {count} images")
    xfl = sorted({open(p, "rb").read(10)[8] for p in images})
    notes.append("gzip XFL " + "/".join(str(x) for x in xfl) + (" (level 1)" if xfl == [4] else ""))
    worst_mean, worst_std, codes = 0.0, 0.0, set()
    for path in images:
        image = nib.load(path)
        if runner != "floor":
            codes.add("".join(nib.aff2axcodes(image.affine)))
        data = np.asanyarray(image.dataobj)
        if data.shape != SHAPE or data.dtype != np.float32:
            problems.append(f"{os.path.basename(path)}: {data.shape} {data.dtype}")
            continue
        worst_mean = max(worst_mean, abs(float(data.mean(dtype=np.float64))))
        worst_std = max(worst_std, abs(float(data.std(dtype=np.float64)) - 1))
    if worst_mean > 1e-3 or worst_std > 1e-3:
        problems.append(f"max |mean| {worst_mean:.2g}, max |std − 1| {worst_std:.2g}")
    notes.append(f"max |mean| {worst_mean:.1g}, max |std−1| {worst_std:.1g}")
    want = "RAS" if case["orient"] else "LPS"
    if codes and codes != {want}:
        problems.append(f"orientation {sorted(codes)} ≠ {want}")
    if codes:
        notes.append(f"axes {'/'.join(sorted(codes))}")
    if runner != "floor" and images:
        found = compare_image(images[0], reference[0])
        if found is None:
            problems.append(f"{os.path.basename(images[0])}: shape differs from the reference")
        else:
            largest, average, affine = found
            text = f"{os.path.basename(images[0])} vs float64 reference: max |Δ| {largest:.2g}, mean |Δ| {average:.2g}, affine Δ {affine:.2g} mm"
            if runner == "medprep" and (largest > TOLERANCE or affine > 1e-4):
                problems.append(text + f" (> {TOLERANCE:g})")
            else:
                notes.append(text)
    if case["labels"]:
        labels = outputs(directory, "labels")
        if len(labels) != count:
            problems.append(f"{len(labels)} of {count} labels")
        values, fraction = set(), []
        for path in labels:
            data = np.asanyarray(nib.load(path).dataobj)
            if data.shape != SHAPE or data.dtype.kind not in "iu":
                problems.append(f"label {os.path.basename(path)}: {data.shape} {data.dtype}")
                continue
            values |= set(np.unique(data).tolist())
            fraction.append(float(np.mean(data == 2)))
        if not values <= {0, 1, 2}:
            problems.append(f"label values {sorted(values)}")
        if fraction:
            notes.append(f"labels {sorted(values)}, bone {100 * np.mean(fraction):.2f} %")
        if runner != "floor" and labels:
            found = compare_label(labels[0], reference[1])
            if found is None:
                problems.append(f"label {os.path.basename(labels[0])}: shape differs from the reference")
            else:
                text = f"label vs reference: {found[0]} voxels differ, affine Δ {found[1]:.2g} mm"
                (problems if runner == "medprep" and (found[0] or found[1] > 1e-4) else notes).append(text)
    return not problems, "; ".join(problems + notes)


# ---------------------------------------------------------------------------------------------------------------


def run_cases(names, workload, binary, out_root, logs_dir, repeat=1, warmup=1, pretouch=2.0, volumes=None,
              keep_outputs=False):
    """Runs the named CT cases; returns (markdown, failed)."""
    scratch = tempfile.mkdtemp(prefix="medprep-ct-bench-")
    results, checks, failed = {}, [], False
    runners, missing = available_runners()
    if missing:
        print(f"  ct: not installed, their runners are left out: {', '.join(missing)} "
              "(pip install SimpleITK torchio monai, after a CPU torch: `make pydeps`)", file=sys.stderr)
    load_before = os.getloadavg()
    started, elapsed, workload_shape, codec = time.time(), {}, (0, "?"), {}
    try:
        for name in names:
            case_start = time.perf_counter()
            case = CT_CASES[name]
            input_dir = os.path.join(workload, "ct-gz")
            labels_dir = ensure_labels(workload) if case["labels"] else None
            if volumes:
                input_dir = subset(input_dir, os.path.join(out_root, "ct-subset", "ct-gz"), volumes)
                if labels_dir:
                    labels_dir = subset(labels_dir, os.path.join(out_root, "ct-subset", "ct-labels"), volumes)
            inputs = sorted(glob.glob(os.path.join(input_dir, "*.nii.gz")))
            workload_shape = (len(inputs), "×".join(str(n) for n in nib.load(inputs[0]).shape))
            reference = ensure_reference(name, case, input_dir, labels_dir, workload)
            warm_page_cache(inputs + (sorted(glob.glob(os.path.join(labels_dir, "*.nii.gz"))) if labels_dir else []))
            warm_page_cache(sorted(glob.glob(os.path.join(reference, "**", "*.nii"), recursive=True)))
            pipeline = pipeline_file(case, scratch, labels_dir)
            runs = {runner: [] for runner in runners}
            for attempt in range(-warmup, repeat):
                for runner in runners:
                    if runs[runner] and not runs[runner][-1].ok:
                        continue
                    output_dir = os.path.join(out_root, name, runner)
                    shutil.rmtree(output_dir, ignore_errors=True)
                    os.makedirs(output_dir)
                    command = command_for(runner, binary, pipeline, input_dir, output_dir, case, labels_dir, reference)
                    run = measure(command, os.path.join(logs_dir, f"{name}-{runner}-{attempt}.log"), pretouch)
                    if attempt >= 0 or not run.ok:
                        runs[runner].append(run)
                    if runner == "floor" and run.ok and attempt >= 0:
                        codec.setdefault(name, []).append(codec_seconds(run.log))
                    label = f"run {attempt + 1}" if attempt >= 0 else "warm-up"
                    print(f"  {name:11s} {runner:8s} {label}: {run.wall:7.2f} s wall, {run.cpu:7.2f} s CPU, "
                          f"{mib(run.rss_kib):6.0f} MiB, steal {run.steal:.2f} s, load {os.getloadavg()[0]:.2f}"
                          + ("" if run.ok else f"  FAILED (exit {run.status})"), file=sys.stderr, flush=True)
                    if not run.ok:
                        print(log_tail(run.log), file=sys.stderr)
                        failed = True
            for runner in runners:
                results[(name, runner)] = Run.median(runs[runner])
            expected = reference_for(case, inputs, labels_dir)
            for runner in runners:
                if results[(name, runner)].ok:
                    ok, detail = check_runner(runner, case, os.path.join(out_root, name, runner), len(inputs), expected)
                    checks.append((name, runner, ok, detail))
                    failed |= not ok
            if not keep_outputs:
                shutil.rmtree(os.path.join(out_root, name), ignore_errors=True)
            elapsed[name] = time.perf_counter() - case_start
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return render(names, results, checks, codec, repeat, warmup, workload_shape, load_before, missing, started,
                  elapsed), failed


def ratio_rounds(a, b):
    """Per-round a.walls / b.walls."""
    if not (a.ok and b.ok) or len(a.walls) != len(b.walls):
        return []
    return [x / y for x, y in zip(a.walls, b.walls) if y > 0]


def spread(values):
    return f"{min(values):.2f}–{max(values):.2f}×" if len(values) > 1 else ""


def codec_seconds(log):
    """Seconds of the floor's inflate and deflate calls over both workers, ÷ 2: the floor's wall on 2 ideal cores."""
    with open(log) as f:
        lines = [line for line in f if line.startswith('{"codec_seconds"')]
    found = json.loads(lines[-1])
    return found["codec_seconds"] / found["workers"]


def render(names, results, checks, codec, repeat, warmup, workload_shape, load_before, missing, started, elapsed):
    load_after = os.getloadavg()
    counts, shape = workload_shape
    out = ["## Realistic CT pipeline (issue 19)", "",
           f"- rounds: {repeat} (median), after {warmup} warm-up round(s); every runner once per round, interleaved",
           f"- volumes: {counts} of the workload's ct-gz ({shape} int16)",
           f"- load average (1/5/15 min) at start {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
           f"at end {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}",
           f"- started {time.strftime('%Y-%m-%d %H:%M', time.localtime(started))}"]
    if missing:
        out.append(f"- left out (not installed): {', '.join(missing)}")
    out.append("- time taken per case (warm-up and timed rounds, checks; label maps and reference outputs when made): "
               + ", ".join(f"{name} {seconds / 60:.1f} min" for name, seconds in elapsed.items()))
    out += ["", "| case | runner | wall s | CPU s | peak RSS MiB | this / medprep (wall) | rounds | medprep / this |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name in names:
        medprep = results.get((name, "medprep"))
        for runner in RUNNERS:
            run = results.get((name, runner))
            if run is None:
                continue
            if not run.ok:
                out.append(f"| {name} | {LABELS[runner]} | failed (exit {run.status}, log {run.log}) | | | | | |")
                continue
            ratio = rounds = inverse = ""
            if runner != "medprep" and medprep is not None and medprep.ok:
                ratio = f"{run.wall / medprep.wall:.2f}×"
                rounds = spread(ratio_rounds(run, medprep))
                inverse = f"{medprep.wall / run.wall:.2f}×"
            out.append(f"| {name} | {LABELS[runner]} | {run.wall:.2f} | {run.cpu:.2f} | {mib(run.rss_kib):.0f} | "
                       f"{ratio} | {rounds} | {inverse} |")
            if runner == "floor" and codec.get(name) and medprep is not None and medprep.ok:
                seconds = statistics.median(codec[name])
                out.append(f"| {name} | floor, codec calls only (÷ 2 workers) | {seconds:.2f} | {2 * seconds:.2f} | | "
                           f"{seconds / medprep.wall:.2f}× | | {medprep.wall / seconds:.2f}× |")
    out += ["", "Peak RSS: medprep's process; a 2-process peer's largest process (the pool's parent included).", "",
            "| case | target | measured | status |", "|---|---|---:|---|"]
    for name in names:
        medprep = results.get((name, "medprep"))
        if medprep is None or not medprep.ok:
            out.append(f"| {name} | medprep | failed | FAIL |")
            continue
        for peer, factor in TARGETS.items():
            run = results.get((name, peer))
            if run is not None and run.ok:
                value = run.wall / medprep.wall
                out.append(f"| {name} | ≥ {factor:g}× {LABELS[peer]} | {value:.2f}× | {'met' if value >= factor else 'NOT MET'} |")
        if codec.get(name):
            rounds = [m / c for m, c in zip(medprep.walls, codec[name]) if c > 0]
            value = medprep.wall / statistics.median(codec[name])
            out.append(f"| {name} | medprep ≤ {FLOOR_FACTOR}× the codec floor | {value:.2f}× {spread(rounds)} | "
                       f"{'met' if value <= FLOOR_FACTOR else 'NOT MET'} |")
        peak = mib(medprep.rss_kib)
        out.append(f"| {name} | peak RSS ≤ {RSS_LIMIT_MIB:.0f} MiB | {peak:.0f} MiB | "
                   f"{'met' if peak <= RSS_LIMIT_MIB else 'NOT MET'} |")
    out += ["", "| case | runner | outputs | detail |", "|---|---|---|---|"]
    out += [f"| {name} | {LABELS[runner]} | {'ok' if ok else 'FAIL'} | {detail} |" for name, runner, ok, detail in checks]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description="realistic CT pipeline: medprep vs SimpleITK, TorchIO, MONAI, scipy")
    parser.add_argument("--cases", default=",".join(CT_CASES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--pretouch", type=float, default=2.0)
    parser.add_argument("--volumes", type=int, help="only the first N volumes (development)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "medprep"))
    parser.add_argument("--workload", default=os.path.join(BENCH_DIR, ".workload", "full"))
    parser.add_argument("--keep-outputs", action="store_true")
    parser.add_argument("--results", default=os.path.join(BENCH_DIR, "results-ct.md"))
    args = parser.parse_args()
    names = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in names if c not in CT_CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CT_CASES)}")
    if not os.access(args.binary, os.X_OK):
        print(f"error: no medprep binary at {args.binary}; build it with `swift build -c release`", file=sys.stderr)
        return 2
    workload = os.path.abspath(args.workload)
    if not os.path.isdir(os.path.join(workload, "ct-gz")):
        subprocess.run([sys.executable, os.path.join(BENCH_DIR, "make_workload.py"), "--out", workload], check=True)
    out_root = os.path.join(BENCH_DIR, ".out", "ct")
    logs_dir = os.path.join(out_root, "logs")
    os.makedirs(logs_dir, exist_ok=True)
    report, failed = run_cases(names, workload, os.path.abspath(args.binary), out_root, logs_dir, args.repeat,
                               args.warmup, args.pretouch, args.volumes, args.keep_outputs)
    print(report)
    with open(args.results, "w") as f:
        f.write(report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
