#!/usr/bin/env python3
"""End-to-end benchmarks of medprep against the numpy/nibabel/pillow baseline (issue 5); `make bench` runs it.

For every case it times, side by side in one invocation, the release binary (`medprep run PIPELINE.yaml --jobs 1`
and `--jobs 2 --force`, pipelines written to a temporary directory) and Benchmarks/baseline.py (1 process and a
2-process multiprocessing pool), each as a child process measured with os.wait4: wall time (perf_counter around the
child), CPU time (ru_utime + ru_stime of the child and its reaped descendants) and peak RSS (ru_maxrss: for medprep the
whole process; for the 2-process baseline the largest single process of the tree, not the sum). Each child is
started by Benchmarks/child_rusage.py (see there why) so its ru_maxrss does not include the runner's own image.
Cases (--cases, comma separated; default all):
  gn-gz     GroupNorm (G = 1, eps 1e-5) CT .nii.gz -> .nii.gz (medprep: gzip output)
  gn-nii    GroupNorm CT .nii -> .nii
  dataset   dataset statistics (first streaming pass) + z-score, CT .nii.gz -> .nii.gz
  png       16-bit PNG -> float32 .npy [1, 1, H, W]; beside medprep and the baseline, in the same rounds, runners
            floor-w1/-w2 do the same job with libpng and nothing else in 1 and 2 processes (Benchmarks/png_floor.c -o)
  dicom     DICOM CT series (Benchmarks/make_dicom_workload.py, explicit VR little endian) -> GroupNorm -> .nii.gz,
            beside dcm2niix -z y (conversion only): runners baseline-w1/-w2 are dcm2niix over the whole tree (1
            process, as users run it) and 2 dcm2niix processes over halves of the series (Benchmarks/dicom_peer.py);
            outputs checked against dcm2niix's conversion of the first series + GroupNorm (values, affine to 1e-3 mm)
  dicom-jpeg  the same series in JPEG lossless SV1 (1.2.840.10008.1.2.4.70, dcmcjpeg +e1)
  rss       memory flatness: medprep GroupNorm .nii.gz --jobs 2 on N and 2N files, peak RSS of both
  floor     inflate + deflate of the gn-gz bytes with the library medprep uses (libdeflate level 1 through ctypes on
            libdeflate.so.0 when it loads, else Python's zlib level 1; the report names which), single core; and the
            libpng row decode of the png files (Benchmarks/png_floor.c, compiled with cc), single core
  ct-pipeline, ct-orient, ct-labels
            the realistic CT pipeline (clip, resample 1.5 mm, crop/pad 128×128×96, GroupNorm, float32 .nii.gz) without
            and with `orient` and label maps: medprep --jobs 2 beside SimpleITK, TorchIO, MONAI, scipy + nibabel and
            its codec floor, 2 workers each, in the same rounds (--repeat, --warmup, --pretouch as here); defined and
            run by Benchmarks/run_ct_pipeline.py (see there), its table appended to the report; not with --baseline-only;
            --ct-repeat N sets their rounds apart from --repeat (each round runs 6 runners per case)
With --repeat N every runner of a case runs once per round, N rounds, and the median is reported; --warmup W
(default 1) untimed rounds come first. Before every run of every runner, untimed, the page cache is synced and
--pretouch GiB (default 2) of memory is written and freed: on a VM that hands idle free memory back to the host,
the first touch of such memory costs a host fault per page, and without this whichever runner follows an idle
moment pays it (measurement.pretouch; BENCHMARKS.md has the figures with --pretouch 0).
Each case runs on a page-cache-warm input (every input read once before timing), into a fresh output directory
under Benchmarks/.out/ (deleted afterwards unless --keep-outputs). Correctness: medprep's output for the first input
against the baseline's (nibabel / np.load, max |difference| <= 1e-4, same affine, same shape), the number of outputs,
and `gzip -t` on every .nii.gz medprep wrote. The ratios baseline time / medprep time are checked against the issue's
targets (TARGETS below). Markdown goes to stdout and to Benchmarks/results.md (generated, not committed).

How to run (from the repository root, after `swift build -c release`):
  python3 Benchmarks/run_benchmarks.py                  # full workload (Benchmarks/make_workload.py makes it if needed)
  python3 Benchmarks/run_benchmarks.py --quick          # tiny workload: a smoke test of the whole harness
  options: --cases gn-gz,floor  --repeat 3 (median of 3)  --warmup 1  --pretouch 2  --binary PATH
           --baseline-only (no medprep needed)  --workload DIR  --keep-outputs
Exit status: 0 when everything ran and every correctness check passed (targets are reported, not enforced),
1 when a run or a correctness check failed, 2 when the medprep binary is missing.
Needs numpy, nibabel (and pillow for the PNG case through baseline.py).
"""
import argparse
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

import nibabel as nib
import numpy as np

import dicom_peer
from bench_cases import CASES as NIFTI_CASES, DICOM_CASES, pipeline_yaml
from run_ct_pipeline import CT_CASES, run_cases as run_ct_cases
from measurement import BENCH_DIR, Deflate, Run, build_png_floor, log_tail, measure, measure_png_floor, warm_page_cache

ROOT = os.path.dirname(BENCH_DIR)
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "medprep")
TOLERANCE = 1e-4
JOBS = (1, 2)
WORKERS = (1, 2)

CASES = {**NIFTI_CASES, **DICOM_CASES}
EXTRA_CASES = ("rss", "floor")

# Targets of issue 5: speed-up = baseline wall time / medprep wall time.
SPEEDUP_TARGETS = [
    # case, medprep --jobs, baseline processes, minimum speed-up
    ("gn-gz", 2, 2, 2.5),
    ("gn-gz", 2, 1, 4.5),
    ("gn-nii", 2, 2, 2.5),
    ("dataset", 2, 2, 2.5),
    ("png", 2, 1, 2.5),
    # issue 18: medprep DICOM → GroupNorm → .nii.gz at least as fast as dcm2niix -z y (1 process, and 2 over halves)
    ("dicom", 2, 1, 1.0),
    ("dicom", 2, 2, 1.0),
    ("dicom-jpeg", 2, 1, 1.0),
    ("dicom-jpeg", 2, 2, 1.0),
]
RSS_LIMIT_MIB = 250.0       # peak RSS of medprep GroupNorm .nii.gz --jobs 2, and of the DICOM cases at --jobs 2
RSS_FLATNESS = 0.10         # peak RSS on 2N files within ±10 % of N files
JOBS_SCALING = 1.8          # wall(--jobs 1) / wall(--jobs 2), every medprep case


def fresh_directory(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


# ---------------------------------------------------------------------------------------------------------------
# medprep and baseline commands


def medprep_command(binary, pipelines_dir, name, case, input_dir, output_dir, jobs):
    path = os.path.join(pipelines_dir, f"{name}.yaml")
    with open(path, "w") as f:
        f.write(pipeline_yaml(f"bench-{name}", case, input_dir, output_dir))
    return [binary, "run", path, "--input", input_dir, "--output", output_dir, "--jobs", str(jobs), "--force"]


def baseline_command(case, input_dir, output_dir, workers):
    return [sys.executable, os.path.join(BENCH_DIR, "baseline.py"), case["baseline"], "--input", input_dir,
            "--output", output_dir, "--workers", str(workers)]


def outputs_with_suffix(directory, suffix):
    found = []
    for root, _, names in os.walk(directory):
        found += [os.path.join(root, n) for n in names if n.endswith(suffix)]
    return sorted(found)


def stem(path):
    name = os.path.basename(path)
    for suffix in (".nii.gz", ".nii", ".png", ".npy"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


# ---------------------------------------------------------------------------------------------------------------
# Correctness


def load_output(path):
    """(float64 array, affine or None) of a .nii/.nii.gz/.npy output."""
    if path.endswith(".npy"):
        return np.load(path).astype(np.float64), None
    image = nib.load(path)
    return image.get_fdata(dtype=np.float64), image.affine


def compare_outputs(case, inputs, medprep_dir, baseline_dir):
    """List of (check, ok, detail) for medprep's outputs against the baseline's."""
    checks = []
    produced = outputs_with_suffix(medprep_dir, case["suffix"])
    checks.append(("output count", len(produced) == len(inputs), f"{len(produced)} of {len(inputs)} inputs"))
    first = stem(inputs[0])
    mine = [p for p in produced if stem(p) == first] or [p for p in produced if stem(p).startswith(first)][:1]
    theirs = [p for p in outputs_with_suffix(baseline_dir, case["suffix"]) if stem(p) == first]
    if not mine or not theirs:
        missing = "medprep" if not mine else "baseline"
        checks.append((f"{first} vs baseline", False, f"no {missing} output named {first}{case['suffix']}"))
    else:
        a, affine_a = load_output(mine[0])
        b, affine_b = load_output(theirs[0])
        if a.shape != b.shape:
            checks.append((f"{first} vs baseline", False, f"shape {a.shape} vs {b.shape}"))
        else:
            diff = float(np.max(np.abs(a - b))) if a.size else 0.0
            same_affine = affine_a is None or np.allclose(affine_a, affine_b, atol=1e-5)
            checks.append((f"{first} vs baseline", diff <= TOLERANCE and same_affine,
                           f"max abs diff {diff:.3g} (≤ {TOLERANCE:g}), shape {a.shape}"
                           + ("" if affine_a is None else f", affine {'equal' if same_affine else 'DIFFERS'}")))
    if case["suffix"] == ".nii.gz" and produced:
        ok, detail = gzip_test(produced)
        checks.append(("gzip -t", ok, detail))
    return checks


def gzip_test(paths):
    if shutil.which("gzip"):
        result = subprocess.run(["gzip", "-t", *paths], capture_output=True, text=True)
        return result.returncode == 0, f"{len(paths)} files" + ("" if result.returncode == 0 else ": " + result.stderr.strip()[:300])
    bad = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                zlib.decompress(f.read(), 31)
        except zlib.error as error:
            bad.append(f"{path}: {error}")
    return not bad, f"{len(paths)} files (Python zlib, no gzip binary)" + ("" if not bad else ": " + "; ".join(bad[:3]))


# ---------------------------------------------------------------------------------------------------------------
# Floor: inflate + deflate with libdeflate (or zlib)


def measure_floor(inputs):
    """Single-core seconds to inflate every input and deflate its float32 GroupNorm output (header + data)."""
    codec = Deflate()
    inflate_s = deflate_s = 0.0
    raw_bytes = out_bytes = 0
    for path in inputs:
        with open(path, "rb") as f:
            compressed = f.read()
        start = time.perf_counter()
        raw = codec.inflate(compressed)
        inflate_s += time.perf_counter() - start
        image = nib.Nifti1Image.from_bytes(bytes(raw))
        x = image.get_fdata(dtype=np.float32)
        y = ((x - np.float32(x.mean(dtype=np.float64))) / np.float32(np.sqrt(x.var(dtype=np.float64) + 1e-5)))
        header = image.header.copy()
        header.set_data_dtype(np.float32)
        payload = nib.Nifti1Image(y.astype(np.float32), image.affine, header).to_bytes()
        start = time.perf_counter()
        codec.deflate(payload)
        deflate_s += time.perf_counter() - start
        raw_bytes += len(raw)
        out_bytes += len(payload)
    return dict(library=codec.name, inflate=inflate_s, deflate=deflate_s, raw_bytes=raw_bytes, out_bytes=out_bytes)


# ---------------------------------------------------------------------------------------------------------------
# Report


def mib(kib):
    return kib / 1024.0


def status_text(ok):
    return "PASS" if ok else "**FAIL**"


def speedup(results, case, jobs, workers):
    """Baseline wall / medprep wall; `jobs` is medprep's --jobs, or the name of another runner."""
    m = results.get((case, jobs if isinstance(jobs, str) else f"medprep-j{jobs}"))
    b = results.get((case, f"baseline-w{workers}"))
    if m is None or b is None or not m.ok or not b.ok or m.wall <= 0:
        return None
    return b.wall / m.wall


def round_speedups(results, case, jobs, workers):
    """Per-round ratios (baseline wall / medprep wall of the same round), or [] when a runner failed; `jobs` as in
    speedup()."""
    m = results.get((case, jobs if isinstance(jobs, str) else f"medprep-j{jobs}"))
    b = results.get((case, f"baseline-w{workers}"))
    if m is None or b is None or not m.ok or not b.ok or len(m.walls) != len(b.walls):
        return []
    return [bw / mw for mw, bw in zip(m.walls, b.walls) if mw > 0]


def peer(case):
    """What medprep is compared with in `case`: the Python baseline, or dcm2niix for the DICOM cases."""
    return CASES[case].get("peer", "baseline")


def spread(values):
    return f"{min(values):.2f}–{max(values):.2f}×" if len(values) > 1 else ""


def render(args, meta, results, input_bytes, checks, rss, floor, medprep_available, dicom_floors):
    out = ["# medprep end-to-end benchmarks", ""]
    out += [f"- {key}: {value}" for key, value in meta.items()]
    out += ["", "## Runs", "",
            "| case | runner | wall s | CPU s | CPU/wall | peak RSS MiB | input MB/s | peer 1p / this | peer 2p / this "
            "| max steal s | max iowait s |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in [c for c in args.cases if c in CASES]:
        runner_names = [f"medprep-j{j}" for j in JOBS] + [f"{kind}-w{w}" for kind in ("baseline", "floor") for w in WORKERS]
        for runner in runner_names:
            run = results.get((name, runner))
            if run is None:
                continue
            label = runner.replace("medprep-j", "medprep --jobs ").replace("baseline-w", peer(name) + " ").replace(
                "floor-w", "libpng job floor ") + ("" if runner.startswith("medprep") else " proc")
            if not run.ok:
                out.append(f"| {CASES[name]['title']} | {label} | failed (exit {run.status}, log {run.log}) | | | | | | | | |")
                continue
            ratios = ["", ""]
            if not runner.startswith("baseline"):
                ratios = [f"{s:.2f}×" if s else "" for s in (speedup(results, name, runner, 1), speedup(results, name, runner, 2))]
            out.append(f"| {CASES[name]['title']} | {label} | {run.wall:.2f} | {run.cpu:.2f} | {run.cpu / run.wall:.2f} | "
                       f"{mib(run.rss_kib):.0f} | {input_bytes[name] / 1e6 / run.wall:.0f} | {ratios[0]} | {ratios[1]} | "
                       f"{run.steal:.2f} | {run.iowait:.2f} |")
    out += ["", "Peak RSS: ru_maxrss from os.wait4 (medprep: the process; 2-process baseline: its largest process, "
            "the tree's total is higher). Input MB/s: input file bytes / wall time. Ratios: baseline wall / medprep wall "
            "(DICOM cases: dcm2niix wall / medprep wall). "
            "Steal and iowait: the largest over the timed rounds of CPU seconds the whole machine lost to the hypervisor "
            "(steal) or spent waiting for I/O during the run (from /proc/stat); high values mark a noisy round."]

    if floor:
        total = floor["inflate"] + floor["deflate"]
        out += ["", "## Floor (gn-gz bytes, single core)", "",
                f"- codec: {floor['library']}",
                f"- inflate {floor['raw_bytes'] / 1e6:.0f} MB of .nii: {floor['inflate']:.2f} s "
                f"({floor['raw_bytes'] / 1e6 / floor['inflate']:.0f} MB/s); deflate {floor['out_bytes'] / 1e6:.0f} MB "
                f"of float32 output: {floor['deflate']:.2f} s ({floor['out_bytes'] / 1e6 / floor['deflate']:.0f} MB/s)",
                f"- floor: {total:.2f} s on 1 core, {total / 2:.2f} s ideally split over 2"]
        for jobs in JOBS:
            run = results.get(("gn-gz", f"medprep-j{jobs}"))
            if run is not None and run.ok:
                out.append(f"- medprep --jobs {jobs}: {run.wall:.2f} s = {run.wall / (total / jobs):.2f}× its floor")
    for name, dicom in dicom_floors.items():
        total = dicom["read"] + dicom["deflate"]
        out += ["", f"## Floor ({CASES[name]['title']}, single core)", "",
                f"- read {dicom['file_bytes'] / 1e6:.0f} MB of DICOM files: {dicom['read']:.2f} s; deflate "
                f"{dicom['out_bytes'] / 1e6:.0f} MB of float32 output with {dicom['library']}: {dicom['deflate']:.2f} s"
                + ("" if dicom["out_bytes"] else " (pydicom cannot decode these files here: no deflate part)"),
                f"- floor: {total:.2f} s on 1 core, {total / 2:.2f} s ideally split over 2 (no sample decoded)"]
        for jobs in JOBS:
            run = results.get((name, f"medprep-j{jobs}"))
            if run is not None and run.ok and total > 0:
                out.append(f"- medprep --jobs {jobs}: {run.wall:.2f} s = {run.wall / (total / jobs):.2f}× its floor")
    if floor and floor.get("png"):
        png = floor["png"]
        out += ["", "## Floor (png bytes, single core)", "",
                f"- libpng row decode of {png['files']} files ({png['bytes'] / 1e6:.0f} MB): {png['decode_s']:.2f} s "
                f"on 1 core, {png['decode_s'] / 2:.2f} s ideally split over 2 (Benchmarks/png_floor.c)"]
        for jobs in JOBS:
            run = results.get(("png", f"medprep-j{jobs}"))
            if run is not None and run.ok:
                out.append(f"- medprep --jobs {jobs}: {run.wall:.2f} s = {run.wall / (png['decode_s'] / jobs):.2f}× its floor")
        base = results.get(("png", "baseline-w1"))
        if base is not None and base.ok:
            out.append(f"- ceiling of the 1-process ratio with 2 cores: {base.wall / (png['decode_s'] / 2):.2f}×")
    job_floor, medprep2 = results.get(("png", "floor-w2")), results.get(("png", "medprep-j2"))
    floor1 = results.get(("png", "floor-w1"))
    if job_floor is not None and job_floor.ok and medprep2 is not None and medprep2.ok:
        ceilings = round_speedups(results, "png", "floor-w2", 1)
        behind = [m / f for m, f in zip(medprep2.walls, job_floor.walls) if f > 0]
        out += ["", "## Job floor (png, same rounds)", "",
                "libpng decode, float32 conversion and .npy write of every file, nothing else (Benchmarks/png_floor.c "
                "-j 2 -o), timed beside medprep and the baseline in every round:",
                f"- floor: {job_floor.wall:.2f} s (rounds {min(job_floor.walls):.2f}–{max(job_floor.walls):.2f} s); "
                f"medprep --jobs 2: {medprep2.wall:.2f} s",
                f"- baseline 1 proc / floor, per round (the most any libpng-based tool reached in that round): "
                + ", ".join(f"{c:.2f}×" for c in ceilings),
                "- medprep --jobs 2 / floor, per round: " + ", ".join(f"{b:.2f}×" for b in behind)]
        if floor1 is not None and floor1.ok:
            out.append(f"- the floor from 1 to 2 processes: {floor1.wall / job_floor.wall:.2f}× "
                       f"({floor1.wall:.2f} → {job_floor.wall:.2f} s), the machine's own scaling for this job")

    if rss:
        out += ["", "## Memory flatness (medprep GroupNorm .nii.gz --jobs 2)", "", "| files | wall s | peak RSS MiB |",
                "|---:|---:|---:|"]
        for count, run in rss:
            cells = f"{run.wall:.2f} | {mib(run.rss_kib):.0f}" if run.ok else f"failed (exit {run.status}, log {run.log}) |"
            out.append(f"| {count} | {cells} |")

    out += ["", "## Targets (speed-up = baseline wall time / medprep wall time)", "",
            "| target | measured (median) | rounds (min–max) | status |", "|---|---:|---:|---|"]
    if args.quick:
        out[-3:-3] = ["Quick workload: start-up dominates these runs, so the targets below are informational only; "
                      "they are judged on the full workload.", ""]
    for case, jobs, workers, minimum in SPEEDUP_TARGETS:
        if case not in args.cases:
            continue
        value = speedup(results, case, jobs, workers)
        label = f"{CASES[case]['title']}: medprep --jobs {jobs} vs {workers}-process {peer(case)} ≥ {minimum}×"
        out.append(f"| {label} | {f'{value:.2f}×' if value else 'n/a'} | {spread(round_speedups(results, case, jobs, workers))} | "
                   f"{status_text(value >= minimum) if value else 'n/a'} |")
    gz2 = results.get(("gn-gz", "medprep-j2"))
    if "gn-gz" in args.cases or rss:
        peaks = [r.rss_kib for r in ([gz2] if gz2 else []) + [run for _, run in rss] if r.ok]
        peak = mib(max(peaks)) if peaks else None
        out.append(f"| peak RSS GroupNorm .nii.gz --jobs 2 ≤ {RSS_LIMIT_MIB:.0f} MiB (largest run) | "
                   f"{f'{peak:.0f} MiB' if peak else 'n/a'} | | {status_text(peak <= RSS_LIMIT_MIB) if peak else 'n/a'} |")
    for name in [c for c in args.cases if c in DICOM_CASES]:
        run = results.get((name, "medprep-j2"))
        if run is not None and run.ok:
            out.append(f"| peak RSS {CASES[name]['title']} --jobs 2 ≤ {RSS_LIMIT_MIB:.0f} MiB | {mib(run.rss_kib):.0f} MiB | | "
                       f"{status_text(mib(run.rss_kib) <= RSS_LIMIT_MIB)} |")
    if len(rss) == 2 and all(run.ok for _, run in rss):
        change = rss[1][1].rss_kib / rss[0][1].rss_kib - 1
        out.append(f"| peak RSS on {rss[1][0]} files within ±{RSS_FLATNESS:.0%} of {rss[0][0]} files | {change:+.1%} | | "
                   f"{status_text(abs(change) <= RSS_FLATNESS)} |")
    for name in [c for c in args.cases if c in CASES]:
        one, two = results.get((name, "medprep-j1")), results.get((name, "medprep-j2"))
        if one and two and one.ok and two.ok:
            scaling = one.wall / two.wall
            rounds = [a / b for a, b in zip(one.walls, two.walls) if b > 0] if len(one.walls) == len(two.walls) else []
            out.append(f"| {CASES[name]['title']}: medprep --jobs 1 → 2 ≥ {JOBS_SCALING}× | {scaling:.2f}× | {spread(rounds)} | "
                       f"{status_text(scaling >= JOBS_SCALING)} |")
    if not medprep_available:
        out.append("| (medprep not run: --baseline-only) | | | n/a |")

    if checks:
        out += ["", "## Correctness (medprep --jobs 2 against the 1-process baseline; DICOM: against dcm2niix)", "", "| case | check | result | detail |",
                "|---|---|---|---|"]
        out += [f"| {CASES[c]['title']} | {check} | {status_text(ok)} | {detail} |" for c, check, ok, detail in checks]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------------------


def ensure_workload(args):
    """The workload directory and its manifest (the DICOM workload's, dicom/manifest.json, when only DICOM cases
    run); each generator runs only for the cases selected."""
    dicom_only = not set(args.cases) - set(DICOM_CASES)
    if args.workload:
        directory = os.path.abspath(args.workload)
    else:
        scale = "small" if args.quick else "full"
        directory = os.path.join(BENCH_DIR, ".workload", scale)
        if not dicom_only:
            subprocess.run([sys.executable, os.path.join(BENCH_DIR, "make_workload.py"), "--scale", scale,
                            "--out", directory], check=True)
        if set(args.cases) & set(DICOM_CASES):
            subprocess.run([sys.executable, os.path.join(BENCH_DIR, "make_dicom_workload.py"), "--scale", scale,
                            "--out", directory], check=True)
    manifest_path = os.path.join(directory, "dicom", "manifest.json") if dicom_only else os.path.join(directory, "manifest.json")
    if not os.path.isfile(manifest_path):
        sys.exit(f"error: {directory} has no {os.path.relpath(manifest_path, directory)}; run "
                 f"Benchmarks/{'make_dicom_workload.py' if dicom_only else 'make_workload.py'} first")
    with open(manifest_path) as f:
        return directory, json.load(f)


def machine_description():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser(description="medprep vs Python baseline, end to end")
    parser.add_argument("--quick", action="store_true", help="tiny workload (--scale small): smoke test")
    parser.add_argument("--cases", default=",".join(list(CASES) + list(EXTRA_CASES) + list(CT_CASES)))
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is reported")
    parser.add_argument("--ct-repeat", type=int, help="rounds of the CT pipeline cases (default: --repeat)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds of every runner before the timed ones")
    parser.add_argument("--pretouch", type=float, default=2.0, metavar="GIB",
                        help="GiB of memory written and freed (untimed) right before every run; 0 turns it off")
    parser.add_argument("--binary", default=DEFAULT_BINARY)
    parser.add_argument("--baseline-only", action="store_true", help="time only the Python baseline")
    parser.add_argument("--workload", help="existing workload directory (made by make_workload.py)")
    parser.add_argument("--keep-outputs", action="store_true")
    parser.add_argument("--results", default=os.path.join(BENCH_DIR, "results.md"))
    args = parser.parse_args()
    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    known = list(CASES) + list(EXTRA_CASES) + list(CT_CASES)
    unknown = [c for c in args.cases if c not in known]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must be at least 0")
    binary = os.path.abspath(args.binary)
    medprep_available = not args.baseline_only
    if medprep_available and not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print(f"error: medprep release binary not found at {binary}.\n"
              f"Build it with `swift build -c release` (or `make build`), pass --binary PATH, "
              f"or use --baseline-only to time the Python baseline alone.", file=sys.stderr)
        return 2

    workload, manifest = ensure_workload(args)
    out_root = os.path.join(BENCH_DIR, ".out", os.path.basename(workload.rstrip("/")))
    pipelines_dir = tempfile.mkdtemp(prefix="medprep-bench-")
    logs_dir = fresh_directory(os.path.join(out_root, "logs"))
    load = os.getloadavg()[0]
    launcher_floor = measure(["true"], os.path.join(logs_dir, "launcher-floor.log"))
    meta = {
        "machine": machine_description(),
        "load average at start (1 min)": f"{load:.2f}" + (" — the machine is busy: timings are noisy" if load > 0.5 else ""),
        "workload": f"{workload} ({json.dumps(manifest.get('summary', {}))})",
        "medprep": f"{binary} (built {time.strftime('%Y-%m-%d %H:%M', time.localtime(os.path.getmtime(binary)))})"
        if medprep_available else "not run (--baseline-only)",
        "baseline": f"Python {platform.python_version()}, numpy {np.__version__}, nibabel {nib.__version__}",
        "repeats": f"{args.repeat} (median), after {args.warmup} untimed warm-up round(s)",
        "pre-touch": (f"{args.pretouch:g} GiB written and freed before every run (untimed; see pretouch())"
                      if args.pretouch > 0 else "off (--pretouch 0)"),
        "peak RSS floor": f"{mib(launcher_floor.rss_kib):.1f} MiB (`true` measured through Benchmarks/child_rusage.py; "
                          "every peak RSS includes it)",
    }
    results, checks, input_bytes, rss, floor, dicom_floors, ct_report = {}, [], {}, [], None, {}, ""
    failed = False
    png_floor = build_png_floor(pipelines_dir) if {"png", "floor"} & set(args.cases) else None
    try:
        for name in [c for c in args.cases if c in CASES]:
            case = CASES[name]
            input_dir = os.path.join(workload, case["input"])
            inputs = sorted(glob.glob(os.path.join(input_dir, case["include"]), recursive=True))
            halves = dicom_peer.make_halves(input_dir, os.path.join(out_root, "halves", name)) if name in DICOM_CASES else None
            input_bytes[name] = sum(os.path.getsize(p) for p in inputs)
            warm_page_cache(inputs)
            runners = ([(f"medprep-j{j}", j) for j in JOBS] if medprep_available else []) + \
                      [(f"baseline-w{w}", w) for w in WORKERS] + \
                      ([(f"floor-w{w}", w) for w in WORKERS] if name == "png" and png_floor else [])
            # Repeats are interleaved (every runner once per round), so that a drift of the machine's state during
            # the case affects medprep and the baseline alike.
            # Warm-up rounds run every runner untimed first: the first writes after a previous case's outputs were
            # deleted are slowed by the file system for whoever runs first.
            runs = {runner: [] for runner, _ in runners}
            for attempt in range(-args.warmup, args.repeat):
                for runner, count in runners:
                    if runs[runner] and not runs[runner][-1].ok:
                        continue
                    output_dir = os.path.join(out_root, name, runner)
                    fresh_directory(output_dir)
                    if runner.startswith("medprep"):
                        command = medprep_command(binary, pipelines_dir, f"{name}-j{count}", case, input_dir, output_dir, count)
                    elif runner.startswith("floor"):
                        command = [png_floor, "-j", str(count), "-o", output_dir, *inputs]
                    elif name in DICOM_CASES:
                        command = dicom_peer.command(input_dir, output_dir, count, halves)
                    else:
                        command = baseline_command(case, input_dir, output_dir, count)
                    run = measure(command, os.path.join(logs_dir, f"{name}-{runner}-{attempt}.log"), args.pretouch)
                    if attempt >= 0 or not run.ok:
                        runs[runner].append(run)
                    label = f"run {attempt + 1}" if attempt >= 0 else "warm-up"
                    print(f"  {name:8s} {runner:12s} {label}: {run.wall:7.2f} s wall, {run.cpu:7.2f} s CPU, "
                          f"{mib(run.rss_kib):6.0f} MiB, steal {run.steal:.2f} s, iowait {run.iowait:.2f} s"
                          + ("" if run.ok else f"  FAILED (exit {run.status})"),
                          file=sys.stderr, flush=True)
                    if not run.ok:
                        print(log_tail(run.log), file=sys.stderr)
                        failed = True
            for runner, _ in runners:
                results[(name, runner)] = Run.median(runs[runner])
            if medprep_available and name in DICOM_CASES and results[(name, "medprep-j2")].ok:
                for check, ok, detail in dicom_peer.compare(input_dir, os.path.join(out_root, name, "medprep-j2"),
                                                            os.path.join(out_root, "halves", name), case["suffix"]):
                    checks.append((name, check, ok, detail))
                    failed |= not ok
                ok, detail = gzip_test(outputs_with_suffix(os.path.join(out_root, name, "medprep-j2"), case["suffix"]))
                checks.append((name, "gzip -t", ok, detail))
                failed |= not ok
            elif medprep_available and results[(name, "medprep-j2")].ok and results[(name, "baseline-w1")].ok:
                for check, ok, detail in compare_outputs(case, inputs, os.path.join(out_root, name, "medprep-j2"),
                                                         os.path.join(out_root, name, "baseline-w1")):
                    checks.append((name, check, ok, detail))
                    failed |= not ok
            if name in DICOM_CASES:
                dicom_floors[name] = dicom_peer.measure_floor(input_dir, Deflate())
            if not args.keep_outputs:
                shutil.rmtree(os.path.join(out_root, name), ignore_errors=True)
                shutil.rmtree(os.path.join(out_root, "halves", name), ignore_errors=True)

        if "rss" in args.cases and medprep_available:
            inputs = sorted(glob.glob(os.path.join(workload, "ct-gz", "*.nii.gz")))
            half = max(1, len(inputs) // 2)
            for count in (half, 2 * half):
                subset = fresh_directory(os.path.join(out_root, "rss", f"in-{count}"))
                for path in inputs[:count]:
                    target = os.path.join(subset, os.path.basename(path))
                    try:
                        os.link(path, target)
                    except OSError:
                        shutil.copyfile(path, target)
                output_dir = fresh_directory(os.path.join(out_root, "rss", f"out-{count}"))
                command = medprep_command(binary, pipelines_dir, f"rss-{count}", CASES["gn-gz"], subset, output_dir, 2)
                run = measure(command, os.path.join(logs_dir, f"rss-{count}.log"), args.pretouch)
                print(f"  rss      {count:3d} files    : {run.wall:7.2f} s wall, {mib(run.rss_kib):6.0f} MiB",
                      file=sys.stderr, flush=True)
                failed |= not run.ok
                rss.append((count, run))
            if not args.keep_outputs:
                shutil.rmtree(os.path.join(out_root, "rss"), ignore_errors=True)

        if "floor" in args.cases:
            floor = measure_floor(sorted(glob.glob(os.path.join(workload, "ct-gz", "*.nii.gz"))))
            print(f"  floor    {floor['library']}: {floor['inflate'] + floor['deflate']:.2f} s", file=sys.stderr)
            floor["png"] = measure_png_floor(png_floor, sorted(glob.glob(os.path.join(workload, "png", "*.png"))))
            if floor["png"]:
                print(f"  floor    libpng: {floor['png']['decode_s']:.2f} s", file=sys.stderr)

        ct_names = [c for c in args.cases if c in CT_CASES]
        if ct_names and medprep_available:
            ct_report, ct_failed = run_ct_cases(ct_names, workload, binary, out_root, logs_dir, args.ct_repeat or args.repeat, args.warmup,
                                                args.pretouch, keep_outputs=args.keep_outputs)
            failed |= ct_failed
    finally:
        shutil.rmtree(pipelines_dir, ignore_errors=True)

    report = render(args, meta, results, input_bytes, checks, rss, floor, medprep_available, dicom_floors)
    report += ("\n" + ct_report) if ct_report else ""
    print(report)
    with open(args.results, "w") as f:
        f.write(report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
