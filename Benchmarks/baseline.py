#!/usr/bin/env python3
"""Python baseline for medprep's end-to-end benchmarks (issue 5): the same jobs as `medprep run`, written the way a
careful numpy/nibabel user would write them. run_benchmarks.py times it side by side with medprep.

Jobs (each reads every matching file of --input and writes one output per input to --output, same file stem):
  groupnorm  NIfTI -> NIfTI. nibabel load with scaling as float32 (`img.get_fdata(dtype=np.float32)`), statistics
             accumulated in float64, GroupNorm with G = 1 (PyTorch nn.GroupNorm semantics, biased variance):
                 y = (x - mean) / sqrt(var + eps),  mean = sum(x)/n,  var = sum((x - mean)^2)/n  (float64),  eps 1e-5
             applied in float32, saved with `nib.save(nib.Nifti1Image(y, img.affine, header), path)` where header is
             the input header with its data type set to float32 (passing the input header unchanged would make
             nibabel store int16 with a fitted slope, i.e. quantise the output). `.nii.gz` inputs are written as
             `.nii.gz`, `.nii` as `.nii`. nibabel gzips with compresslevel 1: `nibabel.openers.Opener.
             default_compresslevel = 1` (nibabel 5.x; gzip header XFL byte = 4 "fastest" confirms it).
  dataset    NIfTI -> NIfTI. Pass 1 streams every file once and accumulates per-channel (4th axis; 3-D volumes have
             one channel) count, mean and M2 in float64 (per file with numpy, files merged with Chan's formula);
             mean_c and std_c = sqrt(M2_c / n_c) (population std) over all files. Pass 2 z-scores every file,
             y = (x - mean_c) / std_c in float32, and writes it like groupnorm. Statistics go to stdout as JSON.
  png2npy    16-bit (or 8-bit) grayscale PNG -> .npy: Pillow decode, float32, NCHW shape [1, 1, H, W], np.save.
--workers 1 runs everything in this process; --workers N > 1 uses a multiprocessing.Pool of N processes (fork),
one file per task (both passes for `dataset`).

How to run:  python3 Benchmarks/baseline.py groupnorm --input DIR --output DIR [--workers 2] [--eps 1e-5]
Needs numpy, nibabel, pillow.
"""
import argparse
import json
import multiprocessing
import os
import sys

import nibabel as nib
import numpy as np
from PIL import Image

NIFTI_SUFFIXES = (".nii.gz", ".nii")


def list_inputs(directory, suffixes):
    """Every file under directory (recursively) whose name ends with one of suffixes, sorted."""
    found = []
    for root, _, names in os.walk(directory):
        found += [os.path.join(root, n) for n in names if n.endswith(suffixes)]
    return sorted(found)


def output_path(path, output_dir, suffix=None):
    """output_dir/<stem><suffix>; the input's own NIfTI suffix when suffix is None."""
    name = os.path.basename(path)
    stem, own = next(((name[: -len(s)], s) for s in NIFTI_SUFFIXES + (".png",) if name.endswith(s)), (name, ""))
    return os.path.join(output_dir, stem + (suffix if suffix is not None else own))


def save_float32(image, data, path):
    header = image.header.copy()
    header.set_data_dtype(np.float32)
    nib.save(nib.Nifti1Image(data, image.affine, header), path)


def groupnorm_file(task):
    path, output_dir, eps = task
    image = nib.load(path)
    x = image.get_fdata(dtype=np.float32)
    mean = x.mean(dtype=np.float64)
    var = x.var(dtype=np.float64)  # biased (ddof 0), two-pass in float64
    y = (x - np.float32(mean)) * np.float32(1.0 / np.sqrt(var + eps))
    save_float32(image, y, output_path(path, output_dir))
    return path


def spatial_axes(x):
    """Axes reduced per channel: a 3-D volume is one channel, a 4-D volume has its channels on the 4th axis.
    (nibabel arrays are Fortran-ordered, so reshaping to (voxels, channels) would copy; numpy reduces axes directly.)"""
    if x.ndim not in (3, 4):
        raise ValueError(f"expected a 3-D or 4-D volume, got shape {x.shape}")
    return (0, 1, 2)


def file_moments(path):
    """(count, mean[c], M2[c]) of one file, float64 two-pass (numpy var with dtype float64)."""
    x = nib.load(path).get_fdata(dtype=np.float32)
    axes = spatial_axes(x)
    n = x.shape[0] * x.shape[1] * x.shape[2]
    mean = np.atleast_1d(x.mean(axis=axes, dtype=np.float64))
    return n, mean, np.atleast_1d(x.var(axis=axes, dtype=np.float64)) * n


def merge_moments(a, b):
    """Chan et al. pairwise merge of (count, mean, M2)."""
    na, ma, qa = a
    nb, mb, qb = b
    n = na + nb
    delta = mb - ma
    return n, ma + delta * (nb / n), qa + qb + delta ** 2 * (na * nb / n)


def zscore_file(task):
    path, output_dir, mean, std = task
    image = nib.load(path)
    x = image.get_fdata(dtype=np.float32)
    spatial_axes(x)
    shift, scale = mean.astype(np.float32), (1.0 / std).astype(np.float32)
    if x.ndim == 3:
        shift, scale = shift[0], scale[0]
    x -= shift  # broadcasts over the 4th (channel) axis of 4-D volumes
    x *= scale
    save_float32(image, x, output_path(path, output_dir))
    return path


def png_file(task):
    path, output_dir = task
    with Image.open(path) as image:
        pixels = np.asarray(image)
    if pixels.ndim != 2:
        raise ValueError(f"{path}: expected a grayscale PNG, got shape {pixels.shape}")
    tensor = pixels.astype(np.float32).reshape(1, 1, *pixels.shape)
    np.save(output_path(path, output_dir, ".npy"), tensor)
    return path


def run_map(function, tasks, workers):
    if workers <= 1:
        return [function(t) for t in tasks]
    with multiprocessing.Pool(workers) as pool:
        results = pool.map(function, tasks, chunksize=1)
        pool.close()
        pool.join()
    return results


def main():
    parser = argparse.ArgumentParser(description="numpy/nibabel/pillow baseline of medprep's benchmark jobs")
    parser.add_argument("job", choices=["groupnorm", "dataset", "png2npy"])
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--eps", type=float, default=1e-5)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    if args.job == "png2npy":
        inputs = list_inputs(args.input, (".png",))
    else:
        inputs = list_inputs(args.input, NIFTI_SUFFIXES)
    if not inputs:
        print(f"{args.input}: no input files", file=sys.stderr)
        return 1

    if args.job == "groupnorm":
        run_map(groupnorm_file, [(p, args.output, args.eps) for p in inputs], args.workers)
    elif args.job == "png2npy":
        run_map(png_file, [(p, args.output) for p in inputs], args.workers)
    else:
        moments = run_map(file_moments, inputs, args.workers)
        total = moments[0]
        for m in moments[1:]:
            total = merge_moments(total, m)
        count, mean, m2 = total
        std = np.sqrt(m2 / count)
        std = np.where(std > 0, std, 1.0)
        run_map(zscore_file, [(p, args.output, mean, std) for p in inputs], args.workers)
        print(json.dumps({"count": int(count), "mean": mean.tolist(), "std": std.tolist()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
