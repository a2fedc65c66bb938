"""The dcm2niix peer of the DICOM cases of run_benchmarks.py (issue 18): its commands, the 2-process split, and the
correctness check of medprep's DICOM → GroupNorm outputs. Not run on its own.

dcm2niix runs as users run it, `dcm2niix -z y -o OUT DIR` over the whole tree (one process; with pigz installed,
`-z y` writes each .nii and then gzips it with `pigz -6`, which uses every core), and as 2 such processes started
together over two halves of the series directories (hard-linked trees, so the same page-cache pages), the
like-for-like comparison with medprep --jobs 2. Its CPU time includes pigz (a reaped child)."""
import os
import shutil
import subprocess
import sys

import nibabel as nib
import numpy as np

AFFINE_TOLERANCE_MM = 1e-3
VALUE_TOLERANCE = 1e-4


def dcm2niix():
    path = shutil.which("dcm2niix")
    if path is None:
        sys.exit("error: dcm2niix not found; install it (Debian: apt-get install dcm2niix) for the DICOM cases")
    return path


def series_directories(input_dir):
    return sorted(os.path.join(input_dir, n) for n in os.listdir(input_dir) if os.path.isdir(os.path.join(input_dir, n)))


def make_halves(input_dir, scratch):
    """Two directories under `scratch`, each holding hard links to half of the series directories of `input_dir`
    (the first half of the sorted names, the rest); returns their paths."""
    series = series_directories(input_dir)
    middle = (len(series) + 1) // 2
    halves = []
    for index, part in enumerate((series[:middle], series[middle:])):
        half = os.path.join(scratch, f"half-{index}")
        shutil.rmtree(half, ignore_errors=True)
        for directory in part:
            target = os.path.join(half, os.path.basename(directory))
            os.makedirs(target)
            for name in os.listdir(directory):
                try:
                    os.link(os.path.join(directory, name), os.path.join(target, name))
                except OSError:
                    shutil.copyfile(os.path.join(directory, name), os.path.join(target, name))
        halves.append(half)
    return halves


def command(input_dir, output_dir, workers, halves):
    """`dcm2niix -z y -o OUT DIR` (workers 1), or two of them over `halves`, started together, waited for by sh
    (exit 1 when either fails)."""
    program = dcm2niix()
    if workers == 1:
        return [program, "-z", "y", "-o", output_dir, input_dir]
    script = (f'"$0" -z y -o "$1" "$2" & a=$!; "$0" -z y -o "$1" "$3" & b=$!; '
              'wait $a; s=$?; wait $b || exit 1; exit $s')
    return ["/bin/sh", "-c", script, program, output_dir, *halves]


def groupnorm(volume):
    """GroupNorm with G = 1, eps 1e-5, float64 statistics, biased variance (Benchmarks/baseline.py's)."""
    x = volume.astype(np.float64)
    return (x - x.mean()) / np.sqrt(x.var() + 1e-5)


def compare(input_dir, medprep_dir, scratch, suffix):
    """(check, ok, detail) rows: one output per series, and the first series' output against dcm2niix's conversion
    of that series (run here, untimed, into `scratch`), GroupNorm'd in float64: same shape, affine within 1e-3 mm,
    values within 1e-4; and `gzip -t` of every output."""
    series = series_directories(input_dir)
    produced = sorted(os.path.join(root, n) for root, _, names in os.walk(medprep_dir) for n in names
                      if n.endswith(suffix))
    checks = [("output count", len(produced) == len(series), f"{len(produced)} outputs for {len(series)} series")]
    first = os.path.basename(series[0])
    mine = [p for p in produced if os.path.relpath(p, medprep_dir).startswith(first)]
    reference_dir = os.path.join(scratch, "reference")
    shutil.rmtree(reference_dir, ignore_errors=True)
    os.makedirs(reference_dir)
    subprocess.run([dcm2niix(), "-z", "n", "-b", "n", "-f", "reference", "-o", reference_dir, series[0]],
                   check=True, capture_output=True)
    theirs = os.path.join(reference_dir, "reference.nii")
    if not mine or not os.path.isfile(theirs):
        checks.append((f"{first} vs dcm2niix", False, "no medprep output" if not mine else "no dcm2niix output"))
        return checks
    a_image, b_image = nib.load(mine[0]), nib.load(theirs)
    a = np.squeeze(a_image.get_fdata(dtype=np.float64))
    b = groupnorm(np.squeeze(b_image.get_fdata(dtype=np.float64)))
    if a.shape != b.shape:
        checks.append((f"{first} vs dcm2niix", False, f"shape {a.shape} vs {b.shape}"))
        return checks
    diff = float(np.max(np.abs(a - b)))
    affine_diff = float(np.max(np.abs(a_image.affine - b_image.affine)))
    checks.append((f"{first} vs dcm2niix + GroupNorm", diff <= VALUE_TOLERANCE and affine_diff <= AFFINE_TOLERANCE_MM,
                   f"max abs diff {diff:.3g} (≤ {VALUE_TOLERANCE:g}), affine max diff {affine_diff:.2g} mm "
                   f"(≤ {AFFINE_TOLERANCE_MM:g}), shape {a.shape}"))
    return checks


def measure_floor(input_dir, codec):
    """Single-core seconds to read every file of every series (open + read of the bytes, page cache warm) and to
    deflate each series' float32 GroupNorm volume with `codec` (measurement.Deflate: libdeflate level 1, as
    medprep writes): what any tool writing medprep's output from these files must at least spend, before decoding
    a single sample. Volumes are built untimed with pydicom (values as stored: the deflate input has the output's
    size and much of its content)."""
    import time
    import pydicom
    read_s = deflate_s = 0.0
    file_bytes = out_bytes = 0
    for directory in series_directories(input_dir):
        paths = sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".dcm"))
        start = time.perf_counter()
        for path in paths:
            with open(path, "rb") as f:
                file_bytes += len(f.read())
        read_s += time.perf_counter() - start
        try:
            slices = [pydicom.dcmread(p).pixel_array for p in paths]
        except Exception:  # no decoder for the syntax: the floor without the deflate part
            continue
        payload = groupnorm(np.stack(slices)).astype(np.float32).tobytes()
        start = time.perf_counter()
        codec.deflate(payload)
        deflate_s += time.perf_counter() - start
        out_bytes += len(payload)
    return dict(library=codec.name, read=read_s, deflate=deflate_s, file_bytes=file_bytes, out_bytes=out_bytes)
