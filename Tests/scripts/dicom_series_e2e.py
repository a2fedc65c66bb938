#!/usr/bin/env python3
"""Reference check for medprep's DICOM series cases (Tests/MedPrepRunTests/DICOMSeriesRunTests.swift).

Usage: dicom_series_e2e.py OUTPUT_DIR FIXTURE_DIR

For every series of FIXTURE_DIR/reference.json that assembles (no "error"), reads OUTPUT_DIR/<id>.nii.gz with
nibabel and checks, independently of medprep:
- shape equals dcm2niix's, and the affine equals dcm2niix's (reference.json "dcm2niix") to 1e-3 mm;
- values: the slices in reference order, each pydicom pixel_array · slope + intercept (float64), voxel
  (i, j, k) = column i, row rows-1-j of slice k, then minmax over the volume, (x - min) / (max - min), to 1e-5.
Prints "ok <id>" per series; exits 1 at the first mismatch.
"""
import json
import sys

import nibabel
import numpy
import pydicom


def main(output, fixtures):
    reference = json.load(open(f"{fixtures}/reference.json"))
    for case in reference["cases"]:
        if "error" in case and case["error"]:
            continue
        image = nibabel.load(f"{output}/{case['id']}.nii.gz")
        data = numpy.asarray(image.dataobj, dtype=numpy.float64)
        data = data.reshape(data.shape[:3])
        shape = list(case["dcm2niixShape"])
        if list(data.shape) != shape:
            sys.exit(f"{case['id']}: shape {list(data.shape)}, dcm2niix {shape}")
        want = numpy.array(case["dcm2niix"]).reshape(4, 4)
        if not numpy.allclose(image.affine, want, atol=1e-3, rtol=0):
            sys.exit(f"{case['id']}: affine\n{image.affine}\ndcm2niix\n{want}")
        slices = []
        for path, slope, intercept in zip(case["order"], case["slopes"], case["intercepts"]):
            pixels = pydicom.dcmread(f"{fixtures}/{path}").pixel_array.astype(numpy.float64)
            slices.append((slope * pixels + intercept)[::-1, :].T)
        volume = numpy.stack(slices, axis=2)
        low, high = volume.min(), volume.max()
        expected = (volume - low) / (high - low) if high > low else numpy.zeros_like(volume)
        error = numpy.abs(data - expected).max()
        if error > 1e-5:
            sys.exit(f"{case['id']}: values differ by up to {error}")
        print(f"ok {case['id']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
