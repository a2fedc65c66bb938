#!/usr/bin/env python3
"""Inputs and independent checks for the end-to-end tests of crop_foreground, resize and the masked instance norm.

Usage:
  python3 Tests/scripts/stage_e2e.py make ROOT          writes the inputs below ROOT (deterministic, fixed seed)
  python3 Tests/scripts/stage_e2e.py check STAGE ROOT   checks ROOT/STAGE/out against numpy/scipy/nibabel; prints
                                                         one "ok ..." line per output, exits 1 on any mismatch

Layout (the Swift test writes ROOT/STAGE.yaml reading ROOT/STAGE/in, writing ROOT/STAGE/out):
- crop:   in/case_a.nii.gz, float32 (9, 8, 7) with an oblique affine, 0 outside a foreground box (i 2..5, j 3..5,
          k 1..4) that holds one interior 0; lab/case_a.nii.gz, uint8 labels on the same grid, reaching outside the
          image's box. Pipeline: crop_foreground {threshold: nonzero, margin: [1, 2, 0]}.
          Reference: box from np.nonzero(image != 0), enlarged and clamped; image and label sliced to it;
          affine' = affine @ [[I, start], [0, 1]].
- resize: in/wide.png (uint8 gray 10 x 6, W x H) and in/tall.png (7 x 13). Pipeline: resize {shape: [8, 9]}.
          Reference: scipy.ndimage.zoom(png, (9/H, 8/W), order=1, mode='nearest', grid_mode=True) on the PNG read by
          Pillow, compared with the NIfTI output read by nibabel (voxel (i, j) = PNG (row j, column i));
          spacing' = (W/8, H/9), affine' = diag(1, 1, 1) @ [[diag(r), (r - 1)/2], [0, 1]].
- norm:   in/mri.nii.gz, float32 (8, 7, 6), 0 outside an ellipsoid. Pipeline: normalize {method: instance,
          mask: nonzero}. Reference: numpy float64 mean and biased variance over data != 0,
          (x - mean) / sqrt(var + 1e-5) inside, exactly 0 outside; affine unchanged.
"""
import os
import sys

import nibabel as nib
import numpy as np
from PIL import Image
from scipy.ndimage import zoom

AFFINE = np.array([[0.9, -0.12, 0.05, -40.0],
                   [0.1, 1.1, -0.08, 12.5],
                   [-0.03, 0.06, 2.4, 30.0],
                   [0.0, 0.0, 0.0, 1.0]])


def make(root):
    rng = np.random.default_rng(20250716)
    for sub in ("crop/in", "crop/lab", "resize/in", "norm/in"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)

    image = np.zeros((9, 8, 7), np.float32)
    image[2:6, 3:6, 1:5] = rng.uniform(10, 100, size=(4, 3, 4))
    image[3, 4, 2] = 0
    label = np.zeros((9, 8, 7), np.uint8)
    label[1:8, 2:8, 0:6] = rng.integers(0, 3, size=(7, 6, 6))
    nib.save(nib.Nifti1Image(image, AFFINE), os.path.join(root, "crop/in/case_a.nii.gz"))
    nib.save(nib.Nifti1Image(label, AFFINE), os.path.join(root, "crop/lab/case_a.nii.gz"))

    for name, (w, h) in (("wide", (10, 6)), ("tall", (7, 13))):
        pixels = rng.integers(0, 256, size=(h, w)).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(os.path.join(root, f"resize/in/{name}.png"))

    i, j, k = np.meshgrid(np.arange(8), np.arange(7), np.arange(6), indexing="ij")
    inside = ((i - 3.5) / 3.2) ** 2 + ((j - 3) / 2.8) ** 2 + ((k - 2.5) / 2.4) ** 2 < 1
    mri = np.where(inside, rng.normal(300, 40, size=(8, 7, 6)), 0).astype(np.float32)
    nib.save(nib.Nifti1Image(mri, AFFINE), os.path.join(root, "norm/in/mri.nii.gz"))


def close(a, b, tolerance):
    return a.shape == b.shape and float(np.max(np.abs(a - b))) <= tolerance


def check_crop(root):
    image = nib.load(os.path.join(root, "crop/in/case_a.nii.gz"))
    label = nib.load(os.path.join(root, "crop/lab/case_a.nii.gz"))
    data = np.asarray(image.dataobj, dtype=np.float64)
    found = np.nonzero(data != 0)
    margin = (1, 2, 0)
    start = [max(0, int(a.min()) - m) for a, m in zip(found, margin)]
    end = [min(n, int(a.max()) + 1 + m) for a, n, m in zip(found, data.shape, margin)]
    box = tuple(slice(s, e) for s, e in zip(start, end))
    shift = np.eye(4)
    shift[:3, 3] = start
    expected_affine = image.affine @ shift
    failures = []
    for name, source in (("case_a.nii.gz", data), ("labels/case_a.nii.gz", np.asarray(label.dataobj, np.float64))):
        out = nib.load(os.path.join(root, "crop/out", name))
        values = np.asarray(out.dataobj, dtype=np.float64)
        if not close(values, source[box], 0):
            failures.append(f"{name}: values differ from input[{box}] (shape {values.shape})")
        if not np.allclose(out.affine, expected_affine, atol=1e-4):
            failures.append(f"{name}: affine\n{out.affine}\n!= expected\n{expected_affine}")
        print(f"ok {name} box start {start} end {end}" if not failures else f"FAIL {name}")
    return failures


def check_resize(root):
    failures = []
    for name in ("wide", "tall"):
        pixels = np.asarray(Image.open(os.path.join(root, f"resize/in/{name}.png")), dtype=np.float64)
        h, w = pixels.shape
        expected = zoom(pixels, (9 / h, 8 / w), order=1, mode="nearest", grid_mode=True)  # (H', W')
        out = nib.load(os.path.join(root, f"resize/out/{name}.nii.gz"))
        values = np.asarray(out.dataobj, dtype=np.float64)
        values = values.reshape(values.shape[0], values.shape[1])  # (W', H') with D = 1
        if not close(values.T, expected, 1e-3):
            failures.append(f"{name}: values differ from scipy zoom (max {np.max(np.abs(values.T - expected))})")
        ratios = [w / 8, h / 9, 1.0]
        expected_affine = np.eye(4)
        expected_affine[:3, :3] = np.diag(ratios)
        expected_affine[:3, 3] = [(r - 1) / 2 for r in ratios]
        if not np.allclose(out.affine, expected_affine, atol=1e-5):
            failures.append(f"{name}: affine\n{out.affine}\n!= expected\n{expected_affine}")
        if not np.allclose(out.header.get_zooms()[:2], ratios[:2], atol=1e-6):
            failures.append(f"{name}: zooms {out.header.get_zooms()} != {ratios[:2]}")
        print(f"ok {name} {w}x{h} -> 8x9" if not failures else f"FAIL {name}")
    return failures


def check_norm(root):
    source = nib.load(os.path.join(root, "norm/in/mri.nii.gz"))
    data = np.asarray(source.dataobj, dtype=np.float64)
    mask = data != 0
    mean, var = data[mask].mean(), data[mask].var()
    expected = np.where(mask, (data - mean) / np.sqrt(var + 1e-5), 0.0)
    out = nib.load(os.path.join(root, "norm/out/mri.nii.gz"))
    values = np.asarray(out.dataobj, dtype=np.float64)
    failures = []
    if not close(values, expected, 1e-5):
        failures.append(f"mri: values differ (max {np.max(np.abs(values - expected))})")
    if np.any(values[~mask] != 0):
        failures.append("mri: a voxel outside the mask is not exactly 0")
    if not np.allclose(out.affine, source.affine, atol=1e-5):
        failures.append("mri: affine changed")
    print(f"ok mri mask {int(mask.sum())} voxels, mean {mean:.3f}" if not failures else "FAIL mri")
    return failures


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
        return 0
    checks = {"crop": check_crop, "resize": check_resize, "norm": check_norm}
    if len(sys.argv) != 4 or sys.argv[1] != "check" or sys.argv[2] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    failures = checks[sys.argv[2]](sys.argv[3])
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
