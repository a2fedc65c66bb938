#!/usr/bin/env python3
"""Inputs and independent checks for the end-to-end tests of integer label maps and label batches (issue 16, item 3).

Usage:
  python3 Tests/scripts/label_e2e.py make ROOT    writes the inputs below ROOT (deterministic, fixed seed)
  python3 Tests/scripts/label_e2e.py check ROOT   checks ROOT/vol/out against numpy/nibabel; prints one "ok ..." line
                                                   per checked file, exits 1 on any mismatch

Layout (the Swift test writes ROOT/vol.yaml reading ROOT/vol/in and ROOT/vol/lab/{case}.nii.gz, writing
ROOT/vol/out, with resample {spacing: [1.2, 1.2, 1.2]}, crop_or_pad {shape: [9, 8, 7]}, batch size 3,
volumes nifti, batches npy):
- vol/in/case_{a..e}.nii.gz: float32 (12, 11, 10) volumes, spacing 1 mm, an affine with a translation.
- vol/lab/case_a: uint8, values 0..3           -> labels/case_a.nii.gz uint8 (the stored type is kept)
- vol/lab/case_b: int32, values 0..5 (<= 255)  -> int32 (the stored integer type is kept although uint8 would hold them)
- vol/lab/case_c: float32, integers -2..300    -> int16 (a float file: the smallest of uint8/int16/int32)
- vol/lab/case_d: float32 with 0.5 at voxel (i, j, k) = (3, 4, 5) -> the case fails, the others do not
- vol/lab/case_e: uint16, values 0..2           -> uint16 (kept)
Batches: batch 0 = a, b, c (labels span -2..300 -> '<i2'); batch 1 = e alone (d failed; '|u1').

Reference (independent of medprep): resample by nearest neighbour, output size n' = floor(n * s / s' + 0.5), output
index p reads input index min(floor(p * s'/s + 0.5), n - 1); crop_or_pad as TorchIO (diff split ceil/floor, here a
crop of 1 voxel at the start of each axis); affine' = affine @ diag(s'/s, 1) @ [[I, start], [0, 1]].

- png/in/xray_{0..4}.png (uint8 gray, 20 x 16) and png/lab/xray_{0..4}.png (uint8, classes 0..2): the inputs of the
  PyTorch Dataset test (Tests/scripts/torch_dataset_step.py).
"""
import csv
import os
import sys

import nibabel as nib
import numpy as np

AFFINE = np.array([[1.0, 0.0, 0.0, -30.0],
                   [0.0, 1.0, 0.0, 12.5],
                   [0.0, 0.0, 1.0, 40.0],
                   [0.0, 0.0, 0.0, 1.0]])
SHAPE = (12, 11, 10)
TARGET = 1.2
CROP = (9, 8, 7)
CASES = {  # case: (stored dtype, values)
    "case_a": (np.uint8, (0, 3)),
    "case_b": (np.int32, (0, 5)),
    "case_c": (np.float32, (-2, 300)),
    "case_d": (np.float32, (0, 4)),
    "case_e": (np.uint16, (0, 2)),
}
EXPECTED_TYPE = {"case_a": np.uint8, "case_b": np.int32, "case_c": np.int16, "case_e": np.uint16}
BATCHES = [(["case_a", "case_b", "case_c"], np.int16), (["case_e"], np.uint8)]


def make(root):
    rng = np.random.default_rng(20250717)
    for sub in ("vol/in", "vol/lab", "png/in", "png/lab"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for case, (dtype, (low, high)) in CASES.items():
        image = rng.normal(100, 20, size=SHAPE).astype(np.float32)
        nib.save(nib.Nifti1Image(image, AFFINE), os.path.join(root, f"vol/in/{case}.nii.gz"))
        label = rng.integers(low, high + 1, size=SHAPE)
        label[0, 0, 0], label[-1, -1, -1] = low, high
        label = label.astype(dtype)
        if case == "case_d":
            label[3, 4, 5] = 0.5
        img = nib.Nifti1Image(label, AFFINE)
        img.header.set_data_dtype(dtype)
        nib.save(img, os.path.join(root, f"vol/lab/{case}.nii.gz"))
    from PIL import Image
    for index in range(5):
        pixels = rng.integers(0, 256, size=(16, 20)).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(os.path.join(root, f"png/in/xray_{index}.png"))
        classes = rng.integers(0, 3, size=(16, 20)).astype(np.uint8)
        Image.fromarray(classes, mode="L").save(os.path.join(root, f"png/lab/xray_{index}.png"))


def reference(label):
    """label: (i, j, k) array -> (values after resample nearest + crop_or_pad, affine)."""
    sizes = label.shape
    out = [int(np.floor(n * 1.0 / TARGET + 0.5)) for n in sizes]
    index = [np.minimum(np.floor(np.arange(m) * TARGET + 0.5).astype(int), n - 1) for m, n in zip(out, sizes)]
    resampled = label[np.ix_(*index)]
    starts = []
    for axis, target in enumerate(CROP):
        diff = resampled.shape[axis] - target
        assert diff >= 0
        starts.append(int(np.ceil(diff / 2)))
    box = tuple(slice(s, s + t) for s, t in zip(starts, CROP))
    shift = np.eye(4)
    shift[:3, 3] = starts
    return resampled[box], AFFINE @ np.diag([TARGET, TARGET, TARGET, 1.0]) @ shift


def check(root):
    out = os.path.join(root, "vol/out")
    failures = []
    expected = {}
    for case, dtype in EXPECTED_TYPE.items():
        source = np.asarray(nib.load(os.path.join(root, f"vol/lab/{case}.nii.gz")).dataobj)
        values, affine = reference(source)
        expected[case] = values
        img = nib.load(os.path.join(out, f"labels/{case}.nii.gz"))
        data = np.asarray(img.dataobj)
        problems = []
        if img.get_data_dtype() != np.dtype(dtype) or data.dtype != np.dtype(dtype):
            problems.append(f"dtype {img.get_data_dtype()} / dataobj {data.dtype}, expected {np.dtype(dtype)}")
        if data.shape != values.shape or not np.array_equal(data.astype(np.int64), values.astype(np.int64)):
            problems.append(f"values differ from the reference (shape {data.shape} vs {values.shape})")
        if not np.allclose(img.affine, affine, atol=1e-4):
            problems.append(f"affine\n{img.affine}\n!= expected\n{affine}")
        image = nib.load(os.path.join(out, f"{case}.nii.gz"))
        if not np.allclose(image.affine, img.affine, atol=1e-6) or image.shape != img.shape:
            problems.append("label grid differs from the image output's")
        failures += [f"labels/{case}.nii.gz: {p}" for p in problems]
        if not problems:
            print(f"ok labels/{case}.nii.gz {data.dtype} {data.shape}")

    with open(os.path.join(out, "batches/index.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(os.path.join(out, "batches/index.csv"), newline="") as handle:
        header = handle.readline().strip()
    if header != "case,batch,position,label_batch":
        failures.append(f"index.csv header {header!r}")
    listed = [(r["case"], r["batch"], int(r["position"]), r["label_batch"]) for r in rows]
    wanted = [(case, f"batch_{b:05d}.npy", n, f"batch_{b:05d}_labels.npy")
              for b, (members, _) in enumerate(BATCHES) for n, case in enumerate(members)]
    if listed != wanted:
        failures.append(f"index.csv rows {listed} != {wanted}")
    for b, (members, dtype) in enumerate(BATCHES):
        images = np.load(os.path.join(out, f"batches/batch_{b:05d}.npy"), mmap_mode="r")
        labels = np.load(os.path.join(out, f"batches/batch_{b:05d}_labels.npy"), mmap_mode="r")
        problems = []
        want = (len(members), 1) + CROP[::-1]
        if labels.dtype != np.dtype(dtype) or labels.shape != want:
            problems.append(f"label batch {labels.dtype} {labels.shape}, expected {np.dtype(dtype)} {want}")
        if images.shape != want or images.dtype != np.float32:
            problems.append(f"image batch {images.dtype} {images.shape}, expected float32 {want}")
        for n, case in enumerate(members):
            if labels.shape == want and not np.array_equal(labels[n, 0].astype(np.int64),
                                                           expected[case].transpose(2, 1, 0).astype(np.int64)):
                problems.append(f"position {n}: labels differ from {case}'s reference")
            own = np.asarray(nib.load(os.path.join(out, f"{case}.nii.gz")).dataobj, dtype=np.float32)
            if images.shape == want and not np.array_equal(images[n, 0], own.transpose(2, 1, 0)):
                problems.append(f"position {n}: image differs from {case}.nii.gz")
        failures += [f"batch_{b:05d}: {p}" for p in problems]
        if not problems:
            print(f"ok batches/batch_{b:05d}_labels.npy {labels.dtype} {labels.shape}")
    return failures


def main():
    if len(sys.argv) == 3 and sys.argv[1] in ("make", "check"):
        if sys.argv[1] == "make":
            make(sys.argv[2])
            return 0
        failures = check(sys.argv[2])
        for failure in failures:
            print("FAIL " + failure)
        return 1 if failures else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
