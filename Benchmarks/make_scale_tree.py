#!/usr/bin/env python3
"""Generates the tree of `make bench-scale`: N tiny CT-like cases, 16×16×8 int16 `.nii.gz`, spread over 100
directories (`d000/case000000.nii.gz` …).

  python3 Benchmarks/make_scale_tree.py --cases 100000 --output Benchmarks/work/scale/in

The NIfTI-1 header is built once with nibabel (1 mm spacing, identity affine); each case's voxels come from a
fixed-seed numpy generator (seed = case number), and each file is gzipped with mtime 0, so re-running gives
byte-identical files. A tree already holding the same parameters (`.params.json`) is left alone."""
import argparse
import gzip
import json
import os

import nibabel as nib
import numpy as np

SHAPE = (16, 16, 8)
DIRECTORIES = 100


def header_bytes():
    """The 352 bytes (348-byte header + 4-byte extension flag) every case shares."""
    image = nib.Nifti1Image(np.zeros(SHAPE, dtype=np.int16), np.eye(4))
    image.header.set_xyzt_units("mm")
    raw = image.to_bytes()
    assert len(raw) == 352 + 2 * np.prod(SHAPE), len(raw)
    return raw[:352]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    params = {"cases": args.cases, "shape": SHAPE, "directories": DIRECTORIES, "version": 1}
    marker = os.path.join(args.output, ".params.json")
    try:
        with open(marker) as f:
            if json.load(f) == json.loads(json.dumps(params)):
                print(f"{args.output}: {args.cases} cases already generated")
                return
    except (OSError, ValueError):
        pass
    head = header_bytes()
    for d in range(DIRECTORIES):
        os.makedirs(os.path.join(args.output, f"d{d:03d}"), exist_ok=True)
    for case in range(args.cases):
        voxels = np.random.default_rng(case).integers(-1024, 3000, size=SHAPE, dtype=np.int16)
        payload = head + voxels.tobytes(order="F")
        path = os.path.join(args.output, f"d{case % DIRECTORIES:03d}", f"case{case:06d}.nii.gz")
        with open(path, "wb") as f:
            f.write(gzip.compress(payload, compresslevel=1, mtime=0))
    with open(marker, "w") as f:
        json.dump(params, f)
    print(f"{args.output}: wrote {args.cases} cases in {DIRECTORIES} directories")


if __name__ == "__main__":
    main()
