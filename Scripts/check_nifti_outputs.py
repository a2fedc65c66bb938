#!/usr/bin/env python3
"""Check medprep's written NIfTI and .npy files against nibabel's reading of the inputs they came from.

Usage: python3 Scripts/check_nifti_outputs.py MANIFEST.json
MANIFEST: {"nifti": [{"output": PATH, "source": PATH}, ...], "npy": [{"output": PATH, "source": PATH}, ...]}

For every NIfTI output: nibabel opens it; it is float32 NIfTI-1 with vox_offset 352; its affine equals the
source's nibabel affine (atol 1e-5); its voxels equal float32(source get_fdata()) (RGB24: one volume per colour).
For every .npy output: numpy.load opens it; dtype <f4, C order; shape [1, C, D, H, W] ([1, C, H, W] when D == 1);
values equal the source's voxels in tensor order (t, k, j, i).
Prints one line per problem and exits 1 if there is any; used by MedPrepWriteTests (run when nibabel is importable).
"""
import json
import sys

import nibabel as nib
import numpy as np
from nibabel.openers import ImageOpener


def source_volume(path):
    """The source as float32 (i, j, k, t), as medprep should have decoded it."""
    img = nib.load(path)
    raw = np.asanyarray(img.dataobj)
    if raw.dtype.names:
        data = np.stack([raw[n].astype(np.float64) for n in raw.dtype.names], axis=-1)
    else:
        data = img.get_fdata(dtype=np.float64)
    if data.ndim > 4:
        data = data.reshape(data.shape[:4])
    while data.ndim < 4:
        data = data[..., None]
    return img, data.astype(np.float32)


def main(manifest_path):
    manifest = json.load(open(manifest_path))
    problems = []
    for item in manifest.get("nifti", []):
        out_path, src_path = item["output"], item["source"]
        src, expected = source_volume(src_path)
        out = nib.load(out_path)
        with ImageOpener(out_path) as f:  # the header as stored (a loaded image's header resets vox_offset)
            hdr = type(out.header).from_fileobj(f)
        if not isinstance(hdr, nib.Nifti1Header) or isinstance(hdr, nib.Nifti2Header):
            problems.append("%s: not NIfTI-1" % out_path)
        if hdr.get_data_dtype() != np.float32 or int(hdr["vox_offset"]) != 352:
            problems.append("%s: dtype %s vox_offset %s" % (out_path, hdr.get_data_dtype(), hdr["vox_offset"]))
        if not np.allclose(out.affine, src.affine, rtol=0, atol=1e-5):
            problems.append("%s: affine\n%s\n!= source\n%s" % (out_path, out.affine, src.affine))
        data = np.asanyarray(out.dataobj).astype(np.float32)
        while data.ndim < 4:
            data = data[..., None]
        if data.shape != expected.shape or not np.array_equal(data, expected, equal_nan=True):
            problems.append("%s: data %s differs from source %s" % (out_path, data.shape, expected.shape))
    for item in manifest.get("npy", []):
        out_path, src_path = item["output"], item["source"]
        _, expected = source_volume(src_path)
        tensor = expected.transpose(3, 2, 1, 0)[None]
        if tensor.shape[2] == 1:
            tensor = tensor[:, :, 0]
        arr = np.load(out_path)
        if arr.dtype != np.dtype("<f4") or not arr.flags["C_CONTIGUOUS"]:
            problems.append("%s: dtype %s" % (out_path, arr.dtype))
        if arr.shape != tensor.shape or not np.array_equal(arr, tensor, equal_nan=True):
            problems.append("%s: array %s differs from source %s" % (out_path, arr.shape, tensor.shape))
    for problem in problems:
        print(problem)
    print("checked %d NIfTI and %d .npy outputs, %d problems"
          % (len(manifest.get("nifti", [])), len(manifest.get("npy", [])), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
