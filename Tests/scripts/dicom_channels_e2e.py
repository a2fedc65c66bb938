#!/usr/bin/env python3
"""Reference check for medprep's DICOM channel directories (Tests/MedPrepRunTests/DICOMChannelRunTests.swift).

Usage: dicom_channels_e2e.py OUTPUT_DIR FIXTURE_DIR

FIXTURE_DIR/reference.json is written by Scripts/fixtures/make_dicom_channel_fixtures.py (dcm2niix per channel
directory, checked against pydicom). OUTPUT_DIR is a `medprep run` output without stages under `align: resample`.
For case1 and case2, reads OUTPUT_DIR/<case>.nii.gz (W, H, D, C = 2) with nibabel and checks, independently of
medprep: the affine equals dcm2niix's for channel 0 (1e-3 mm); channel 0 equals dcm2niix's channel 0 values; channel
1 equals dcm2niix's channel 1 resampled onto channel 0's grid as pipelines/README documents `align: resample`:
voxel p reads channel 1 at x = A1⁻¹·A0·p with scipy.ndimage.map_coordinates(order=1, mode='constant', cval=0)
(for case1, on the same grid, that is channel 1 itself). Values to 1e-4 relative. Prints "ok <case>" per case.
"""
import json
import sys

import nibabel
import numpy
from scipy import ndimage


def main(output, fixtures):
    reference = json.load(open(f"{fixtures}/reference.json"))
    for case, channels in sorted(reference["cases"].items()):
        image = nibabel.load(f"{output}/{case}.nii.gz")
        data = numpy.asarray(image.dataobj, dtype=numpy.float64)
        first, second = channels
        a0, a1 = (numpy.array(c["affine"]).reshape(4, 4) for c in channels)
        if not numpy.allclose(image.affine, a0, atol=1e-3, rtol=0):
            sys.exit(f"{case}: affine\n{image.affine}\ndcm2niix channel 0\n{a0}")
        shape = tuple(first["shape"])
        if data.shape != shape + (2,):
            sys.exit(f"{case}: shape {data.shape}, expected {shape + (2,)}")
        grid = numpy.stack(numpy.meshgrid(*[numpy.arange(n) for n in shape], indexing="ij"), axis=0).reshape(3, -1)
        positions = (numpy.linalg.inv(a1) @ a0 @ numpy.vstack([grid, numpy.ones(grid.shape[1])]))[:3]
        positions[numpy.abs(positions - numpy.round(positions)) < 1e-6] = numpy.round(positions)[
            numpy.abs(positions - numpy.round(positions)) < 1e-6]
        moved = ndimage.map_coordinates(numpy.array(second["data"]).reshape(second["shape"]), positions,
                                        order=1, mode="constant", cval=0.0).reshape(shape)
        for index, expected in enumerate([numpy.array(first["data"]).reshape(shape), moved]):
            got = data[..., index]
            if not numpy.all(numpy.abs(got - expected) <= 1e-4 * numpy.maximum(1.0, numpy.abs(expected))):
                sys.exit(f"{case}: channel {index} differs by up to {numpy.abs(got - expected).max()}")
        print(f"ok {case}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
