#!/usr/bin/env python3
"""Check the affines of a medprep run's NIfTI outputs with nibabel (an independent NIfTI reader).

Usage: python3 Tests/scripts/check_outputs.py OUTPUT_DIR [OUTPUT_DIR ...]

For every case in OUTPUT_DIR/report.json with status "processed" or "up to date", every output ending in
.nii or .nii.gz is opened with nibabel and its affine and voxel sizes are compared with what the input file
(opened with nibabel) and the pipeline's stages (the resolved pipeline stored in report.json) imply:

- resample to spacing s' (s = the input's pixdim, as nibabel's get_zooms()):  n' = max(1, round(n * s / s')) (half away from zero), A' = A @ diag(s'/s, 1);
- crop_or_pad to shape t:  o = ceil((n - t) / 2) if n > t else -ceil((t - n) / 2), A' = A @ [[I, o], [0, 1]];
- resize to shape t:  r = n / t, spacing' = s * r, A' = A @ [[diag(r), (r - 1) / 2], [0, 1]];
- crop_foreground:  the box of the image's channel 0 (!= 0, or > threshold; after any clip), enlarged by the margin
  and clamped, whole image when empty; A' = A @ [[I, start], [0, 1]] for the image and its label alike. Only
  modelled before any resampling stage: otherwise the script stops with an error;
- orient to code c:  T = ornt_transform(io_orientation(A), axcodes2ornt(c)), A' = A @ inv_ornt_aff(T, shape), shape and
  spacing permuted by T (nibabel's as_reoriented);
- clip, select_channels, drop_alpha and normalize keep the affine.

Label outputs (labels/<case>.nii.gz) are compared with the label input (input.labels with {case} replaced),
images with the case's first input file. Prints one line per file; exits 1 on any mismatch or if no NIfTI
output was found. Used by Tests/MedPrepRunTests (skipped when nibabel is missing).
"""
import json
import math
import os
import sys

import nibabel as nib
import numpy as np
from nibabel.orientations import apply_orientation, axcodes2ornt, inv_ornt_aff, io_orientation, ornt_transform


def foreground_box(data, stage, sizes):
    channel = data if data.ndim <= 3 else data[..., 0]
    channel = channel.reshape(channel.shape[:3] + (1,) * (3 - channel.ndim))
    mask = channel != 0 if stage["threshold"] == "nonzero" else channel > stage["threshold"]
    found = np.nonzero(mask)
    if found[0].size == 0:
        return [0, 0, 0], list(sizes)
    start = [max(0, int(a.min()) - m) for a, m in zip(found, stage["margin"])]
    end = [min(n, int(a.max()) + 1 + m) for a, n, m in zip(found, sizes, stage["margin"])]
    return start, end


def expected_affine(affine, zooms, shape, stages, data):
    """`data` is the case's image (first input file) as float64, for crop_foreground's box."""
    affine = np.array(affine, dtype=np.float64)
    sizes = list(shape[:3]) + [1] * (3 - len(shape[:3]))
    spacing = [float(z) for z in zooms[:3]] + [1.0] * (3 - len(zooms[:3]))
    for stage in stages:
        if stage["stage"] == "clip" and data is not None:
            data = np.clip(data, stage["min"], stage["max"])
        elif stage["stage"] == "crop_foreground":
            if data is None:
                raise SystemExit("check_outputs.py: crop_foreground after a resampling stage is not modelled")
            start, end = foreground_box(data, stage, sizes)
            shift = np.eye(4)
            shift[:3, 3] = start
            affine = affine @ shift
            data = data[tuple(slice(a, b) for a, b in zip(start, end))]
            sizes = [b - a for a, b in zip(start, end)]
        elif stage["stage"] == "resize":
            targets = list(stage["shape"]) + sizes[len(stage["shape"]):]
            ratios = [n / t for n, t in zip(sizes, targets)]
            reindex = np.eye(4)
            reindex[:3, :3] = np.diag(ratios)
            reindex[:3, 3] = [(r - 1) / 2 for r in ratios]
            affine = affine @ reindex
            spacing = [s * r for s, r in zip(spacing, ratios)]
            sizes, data = targets, None
        elif stage["stage"] == "resample":
            data = None
            target = list(stage["spacing"])
            if len(target) == 2:
                target.append(spacing[2])
            ratios = [t / s for t, s in zip(target, spacing)]
            sizes = [max(1, int(math.floor(n * s / t + 0.5))) for n, s, t in zip(sizes, spacing, target)]
            affine = affine @ np.diag(ratios + [1.0])
            spacing = target
        elif stage["stage"] == "orient":
            transform = ornt_transform(io_orientation(affine), axcodes2ornt(stage["to"]))
            affine = affine @ inv_ornt_aff(transform, sizes)
            order = [int(row[0]) for row in transform]
            new_sizes, new_spacing = list(sizes), list(spacing)
            for axis, target in enumerate(order):
                new_sizes[target], new_spacing[target] = sizes[axis], spacing[axis]
            sizes, spacing = new_sizes, new_spacing
            if data is not None:
                data = apply_orientation(data.reshape(data.shape[:3] + (1,) * (3 - data.ndim) + data.shape[3:]), transform)
        elif stage["stage"] == "crop_or_pad":
            shape_t = list(stage["shape"]) + sizes[len(stage["shape"]):]
            offsets = []
            for n, t in zip(sizes, shape_t):
                offsets.append((n - t + 1) // 2 if n > t else -((t - n + 1) // 2))
            shift = np.eye(4)
            shift[:3, 3] = offsets
            affine = affine @ shift
            sizes, data = shape_t, None
    return affine, spacing, sizes


def check(output_dir):
    with open(os.path.join(output_dir, "report.json")) as handle:
        report = json.load(handle)
    pipeline = json.loads(report["pipeline"]) if isinstance(report["pipeline"], str) else report["pipeline"]
    stages = pipeline["stages"]
    input_dir = pipeline["input"]["directory"]
    labels = pipeline["input"].get("labels")
    failures = checked = 0
    for entry in report["files"]:
        if entry["status"] not in ("processed", "up to date", "upToDate", "up_to_date"):
            continue
        inputs = entry["input"].split("+")
        for output in entry.get("outputs", []):
            if not (output.endswith(".nii") or output.endswith(".nii.gz")):
                continue
            if output.startswith("labels/"):
                case = output[len("labels/"):].removesuffix(".gz").removesuffix(".nii")
                source = labels.replace("{case}", case)
            else:
                source = os.path.join(input_dir, inputs[0])
            source_image = nib.load(source)
            image = nib.load(os.path.join(output_dir, output))
            case_image = np.asarray(nib.load(os.path.join(input_dir, inputs[0])).dataobj, dtype=np.float64)
            affine, spacing, sizes = expected_affine(source_image.affine, source_image.header.get_zooms(), source_image.shape,
                                                     stages, case_image)
            difference = float(np.max(np.abs(image.affine - affine)))
            zooms = [float(z) for z in image.header.get_zooms()[:3]]
            ok = difference < 1e-4 and np.allclose(zooms, spacing, atol=1e-5) and list(image.shape[:3]) == sizes
            checked += 1
            print(f"{'ok' if ok else 'MISMATCH'} {output}: max |affine difference| {difference:.2e}, "
                  f"zooms {zooms} (expected {spacing}), shape {list(image.shape[:3])} (expected {sizes})")
            if not ok:
                failures += 1
                print(f"  nibabel affine:\n{image.affine}\n  expected:\n{affine}")
    if checked == 0:
        print(f"MISMATCH {output_dir}: no NIfTI output found in report.json")
        failures += 1
    return failures


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    failures = sum(check(directory) for directory in sys.argv[1:])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
