#!/usr/bin/env python3
"""Reference check for a DICOM pipeline with orient + resample + normalize (DICOMSeriesRunTests.swift).

Usage: dicom_pipeline_e2e.py OUTPUT_DIR INPUT_DIR REFERENCE_JSON SX SY SZ [ID...]

REFERENCE_JSON is Tests/Fixtures/dicom-series/reference.json (Scripts/fixtures/make_dicom_series_fixtures.py), whose
"order" paths are relative to INPUT_DIR. For each listed case id (all cases without "error" when none is given),
computes independently of medprep, from the files in INPUT_DIR:
1. the volume: pydicom pixel_array · slope + intercept of each file in slice order, voxel (i, j, k) = column i,
   row Rows-1-j of slice k, with dcm2niix's affine for the series (reference "dcm2niix"); the slices actually in
   INPUT_DIR are used (a slice removed from the end of "order" is left out, the affine keeps slice 0);
2. `orient: {to: RAS}`: nibabel.as_closest_canonical;
3. `resample: {spacing: [SX, SY, SZ]}` as pipelines/README and MedPrepTransform.Resample document: per axis with
   size n and spacing s (column norms of the affine), n' = max(1, round_half_away(n·s/s')), output p samples
   x = p·s'/s with scipy.ndimage.map_coordinates(order=1, mode='nearest'); affine A·diag(s'/s, 1);
4. `normalize: {method: minmax}`: (x - min) / (max - min).
Then checks OUTPUT_DIR/<id>.nii.gz: shape, affine (1e-3 mm) and values (1e-4 relative). Prints "ok <id>".
"""
import json
import math
import os
import sys

import nibabel
import numpy
import pydicom
from scipy import ndimage


def expected(case, inputs, target):
    order = [path for path in case["order"] if os.path.exists(f"{inputs}/{path}")]
    slices = []
    for path, slope, intercept in zip(case["order"], case["slopes"], case["intercepts"]):
        if path in order:
            pixels = pydicom.dcmread(f"{inputs}/{path}").pixel_array.astype(numpy.float64)
            slices.append((slope * pixels + intercept)[::-1, :].T)
    image = nibabel.as_closest_canonical(
        nibabel.Nifti1Image(numpy.stack(slices, axis=2), numpy.array(case["dcm2niix"]).reshape(4, 4)))
    data, affine = numpy.asarray(image.dataobj, dtype=numpy.float64), image.affine
    spacing = numpy.linalg.norm(affine[:3, :3], axis=0)
    shape = [max(1, int(math.copysign(math.floor(abs(n * s / t) + 0.5), 1))) for n, s, t in
             zip(data.shape, spacing, target)]
    grid = numpy.meshgrid(*[numpy.arange(n) * t / s for n, s, t in zip(shape, spacing, target)], indexing="ij")
    resampled = ndimage.map_coordinates(data, numpy.stack(grid), order=1, mode="nearest")
    low, high = resampled.min(), resampled.max()
    values = (resampled - low) / (high - low) if high > low else numpy.zeros_like(resampled)
    return values, affine @ numpy.diag(list(numpy.array(target) / spacing) + [1])


def main(output, inputs, reference_path, target, ids):
    reference = json.load(open(reference_path))
    cases = [c for c in reference["cases"] if not c.get("error") and (not ids or c["id"] in ids)]
    for case in cases:
        want, affine = expected(case, inputs, target)
        image = nibabel.load(f"{output}/{case['id']}.nii.gz")
        data = numpy.asarray(image.dataobj, dtype=numpy.float64)
        data = data.reshape(data.shape[:3])
        if data.shape != want.shape:
            sys.exit(f"{case['id']}: shape {data.shape}, reference {want.shape}")
        if not numpy.allclose(image.affine, affine, atol=1e-3, rtol=0):
            sys.exit(f"{case['id']}: affine\n{image.affine}\nreference\n{affine}")
        if not numpy.all(numpy.abs(data - want) <= 1e-4 * numpy.maximum(1.0, numpy.abs(want))):
            sys.exit(f"{case['id']}: values differ by up to {numpy.abs(data - want).max()}")
        print(f"ok {case['id']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], [float(v) for v in sys.argv[4:7]], sys.argv[7:])
