#!/usr/bin/env python3
"""Peers of the realistic CT pipeline case (issue 19), timed by Benchmarks/run_ct_pipeline.py beside medprep.

Every tool does, per volume: (orient to RAS) → clip −1024…3000 → resample to 1.5 mm (linear; labels nearest) →
centre crop or pad to 128×128×96 → per-volume z-score with eps (GroupNorm, groups = 1) → float32 `.nii.gz`
(labels: their own integer type, `.nii.gz`), each through the library's own transforms:

  sitk     SimpleITK: ReadImage(float32), DICOMOrient('RAS'), Clamp, Resample (sitkLinear / sitkNearestNeighbor,
           output size round(n·s/s'), same origin and direction), Crop / ConstantPad, StatisticsImageFilter +
           ShiftScale (y = (x − mean) / sqrt(var_biased + 1e-5)).
  torchio  TorchIO: ScalarImage / LabelMap in a Subject, ToCanonical, Clamp, Resample(1.5), CropOrPad, ZNormalization.
  monai    MONAI: LoadImaged, EnsureChannelFirstd, Orientationd('RAS'), two ThresholdIntensityd (the clamp),
           Spacingd (bilinear / nearest), ResizeWithPadOrCropd, NormalizeIntensityd.
  scipy    nibabel + numpy + scipy: as_closest_canonical, np.clip, scipy.ndimage.zoom(order=1; labels order=0),
           slicing / np.pad, float64 mean and var.
  floor    the codec work alone: inflate every input (and label) with libdeflate (zlib without it), and deflate at
           level 1 the raw bytes of the float32 (and label) outputs of a reference run (--reference DIR, `.nii`
           files), writing them — what any tool writing these outputs from these inputs has to do at least. It
           prints {"codec_seconds": s, "workers": n}: the time of the inflate and deflate calls alone, summed over
           the workers (the process's own start-up, imports and file reads are not codec work).

Writing: SimpleITK's and TorchIO's own writers (ITK's NiftiImageIO) ignore the compression level and always gzip at
zlib's default level 6 (checked: sitk.WriteImage(…, True, 1) and (…, True, 9) give the same bytes, gzip XFL 0), which
would cost them several seconds more than level 1; so those two write through nibabel (level 1, XFL 4), with the
affine converted from ITK's LPS direction/origin/spacing. MONAI's SaveImaged writes with nibabel (level 1). medprep
writes level 1 (libdeflate). So every tool writes gzip level 1.

--workers N runs a multiprocessing pool (fork) of N processes, one volume per task; each process uses one thread
(SimpleITK's global thread count, torch.set_num_threads, OMP/MKL variables), so that N processes use N cores.

  python3 Benchmarks/ct_pipeline_peers.py TOOL --input DIR --output DIR [--labels DIR] [--orient] [--workers 2]
                                               [--reference DIR] [--uncompressed]
"""
import argparse
import json
import multiprocessing
import os
import sys
import time

for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS"):
    os.environ[_variable] = "1"

import nibabel as nib  # noqa: E402
import numpy as np  # noqa: E402

CLIP = (-1024.0, 3000.0)
SPACING = 1.5
SHAPE = (128, 128, 96)
EPS = 1e-5
TOOLS = ("sitk", "torchio", "monai", "scipy", "floor")


def stem(path):
    name = os.path.basename(path)
    for suffix in (".nii.gz", ".nii"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def crop_pad_bounds(size, target):
    """(lower, upper) voxels cropped (positive) or padded (negative) per axis, TorchIO's split: ⌈d/2⌉ first."""
    d = size - target
    lower = (abs(d) + 1) // 2
    upper = abs(d) // 2
    return (lower, upper) if d >= 0 else (-lower, -upper)


def resampled_size(size, spacing):
    return max(1, int(np.floor(size * spacing / SPACING + 0.5)))


def save_nibabel(data, affine, path, dtype):
    image = nib.Nifti1Image(np.asarray(data, dtype=dtype), affine)
    image.header.set_xyzt_units(xyz="mm")
    nib.save(image, path)


def output_paths(task, name):
    _, _, output_dir, suffix = task[:4]
    image = os.path.join(output_dir, name + suffix)
    label = os.path.join(output_dir, "labels", name + suffix)
    return image, label


# ---------------------------------------------------------------------------------------------------------------
# SimpleITK


def sitk_affine(image):
    """NIfTI (RAS) affine of an ITK image (LPS world): diag(-1, -1, 1) · [D·diag(spacing) | origin]."""
    direction = np.array(image.GetDirection()).reshape(3, 3)
    affine = np.eye(4)
    affine[:3, :3] = direction * np.array(image.GetSpacing())[None, :]
    affine[:3, 3] = image.GetOrigin()
    return np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine


def sitk_spatial(sitk, image, interpolator, pixel, orient):
    """(DICOMOrient RAS), Resample to SPACING on the same origin and direction, then Crop / ConstantPad to SHAPE."""
    if orient:
        image = sitk.DICOMOrient(image, "RAS")
    size = [resampled_size(n, s) for n, s in zip(image.GetSize(), image.GetSpacing())]
    image = sitk.Resample(image, size, sitk.Transform(), interpolator, image.GetOrigin(), (SPACING,) * 3,
                          image.GetDirection(), 0, pixel)
    bounds = [crop_pad_bounds(n, t) for n, t in zip(image.GetSize(), SHAPE)]
    crop_lo, crop_hi = [max(0, lo) for lo, _ in bounds], [max(0, hi) for _, hi in bounds]
    pad_lo, pad_hi = [max(0, -lo) for lo, _ in bounds], [max(0, -hi) for _, hi in bounds]
    if any(crop_lo + crop_hi):
        image = sitk.Crop(image, crop_lo, crop_hi)
    if any(pad_lo + pad_hi):
        image = sitk.ConstantPad(image, pad_lo, pad_hi, 0)
    return image


def sitk_job(task):
    import SimpleITK as sitk
    path, label_path, _, _, orient = task
    image = sitk.ReadImage(path, sitk.sitkFloat32)
    if orient:
        image = sitk.DICOMOrient(image, "RAS")
    image = sitk.Clamp(image, sitk.sitkFloat32, *CLIP)
    image = sitk_spatial(sitk, image, sitk.sitkLinear, sitk.sitkFloat32, False)
    stats = sitk.StatisticsImageFilter()
    stats.Execute(image)
    n = image.GetNumberOfPixels()
    var = stats.GetVariance() * (n - 1) / n  # ITK's variance is unbiased; GroupNorm's is biased
    image = sitk.ShiftScale(image, -stats.GetMean(), 1.0 / np.sqrt(var + EPS))
    out, out_label = output_paths(task, stem(path))
    # ITK arrays are (k, j, i): transposed to nibabel's (i, j, k).
    save_nibabel(sitk.GetArrayViewFromImage(image).T, sitk_affine(image), out, np.float32)
    if label_path:
        label = sitk.ReadImage(label_path)
        label = sitk_spatial(sitk, label, sitk.sitkNearestNeighbor, label.GetPixelID(), orient)
        data = sitk.GetArrayViewFromImage(label)
        save_nibabel(data.T, sitk_affine(label), out_label, data.dtype)
    return path


# ---------------------------------------------------------------------------------------------------------------
# TorchIO


def torchio_job(task):
    import torchio as tio
    path, label_path, _, _, orient = task
    images = {"ct": tio.ScalarImage(path)}
    if label_path:
        images["seg"] = tio.LabelMap(label_path)
    steps = ([tio.ToCanonical()] if orient else []) + [
        tio.Clamp(out_min=CLIP[0], out_max=CLIP[1]),
        tio.Resample(SPACING),
        tio.CropOrPad(SHAPE),
        tio.ZNormalization(),
    ]
    subject = tio.Compose(steps)(tio.Subject(**images))
    out, out_label = output_paths(task, stem(path))
    save_nibabel(subject["ct"].data[0].numpy(), subject["ct"].affine, out, np.float32)
    if label_path:
        seg = subject["seg"]
        save_nibabel(seg.data[0].numpy(), seg.affine, out_label, np.uint8)
    return path


# ---------------------------------------------------------------------------------------------------------------
# MONAI


def monai_pipeline(orient, with_labels):
    from monai import transforms as mt
    keys = ["image", "label"] if with_labels else ["image"]
    modes = ["bilinear", "nearest"] if with_labels else ["bilinear"]
    steps = [mt.LoadImaged(keys=keys, image_only=False), mt.EnsureChannelFirstd(keys=keys)]
    if orient:
        steps.append(mt.Orientationd(keys=keys, axcodes="RAS"))
    steps += [
        mt.ThresholdIntensityd(keys="image", threshold=CLIP[1], above=False, cval=CLIP[1]),
        mt.ThresholdIntensityd(keys="image", threshold=CLIP[0], above=True, cval=CLIP[0]),
        mt.Spacingd(keys=keys, pixdim=(SPACING,) * 3, mode=modes),
        mt.ResizeWithPadOrCropd(keys=keys, spatial_size=SHAPE),
        mt.NormalizeIntensityd(keys="image"),
    ]
    return mt.Compose(steps)


_MONAI = {}


def monai_job(task):
    from monai.data import NibabelWriter
    path, label_path, _, _, orient = task
    key = (orient, bool(label_path))
    if key not in _MONAI:
        _MONAI[key] = monai_pipeline(orient, bool(label_path))
    data = {"image": path, **({"label": label_path} if label_path else {})}
    result = _MONAI[key](data)
    out, out_label = output_paths(task, stem(path))
    for item, target, dtype in [("image", out, np.float32)] + ([("label", out_label, np.uint8)] if label_path else []):
        writer = NibabelWriter(output_dtype=dtype)
        writer.set_data_array(result[item], channel_dim=0)
        writer.set_metadata(result[item].meta, resample=False)
        writer.write(target, verbose=False)
    return path


# ---------------------------------------------------------------------------------------------------------------
# scipy + nibabel


def scipy_spatial(data, affine, order):
    from scipy import ndimage
    spacing = np.sqrt((affine[:3, :3] ** 2).sum(axis=0))
    sizes = [resampled_size(n, s) for n, s in zip(data.shape, spacing)]
    data = ndimage.zoom(data, [m / n for m, n in zip(sizes, data.shape)], order=order, prefilter=False)
    affine = affine @ np.diag([SPACING / s for s in spacing] + [1.0])
    slices, pads, offset = [], [], []
    for n, t in zip(data.shape, SHAPE):
        lo, hi = crop_pad_bounds(n, t)
        slices.append(slice(max(0, lo), n - max(0, hi)))
        pads.append((max(0, -lo), max(0, -hi)))
        offset.append(lo)
    data = data[tuple(slices)]
    if any(p for pair in pads for p in pair):
        data = np.pad(data, pads)
    shifted = affine.copy()
    shifted[:3, 3] += affine[:3, :3] @ np.array(offset, dtype=float)
    return data, shifted


def scipy_job(task):
    path, label_path, _, suffix, orient = task
    image = nib.load(path)
    if orient:
        image = nib.as_closest_canonical(image)
    x = image.get_fdata(dtype=np.float32)
    np.clip(x, *CLIP, out=x)
    y, affine = scipy_spatial(x, image.affine, 1)
    mean, var = y.mean(dtype=np.float64), y.var(dtype=np.float64)
    y = (y - np.float32(mean)) * np.float32(1.0 / np.sqrt(var + EPS))
    out, out_label = output_paths(task, stem(path))
    save_nibabel(y, affine, out, np.float32)
    if label_path:
        label = nib.load(label_path)
        if orient:
            label = nib.as_closest_canonical(label)
        data, affine = scipy_spatial(np.asanyarray(label.dataobj), label.affine, 0)
        save_nibabel(data, affine, out_label, label.get_data_dtype())
    return path


# ---------------------------------------------------------------------------------------------------------------
# Floor


_DEFLATE = []


def floor_job(task):
    path, label_path, output_dir, _, _, reference = task
    if not _DEFLATE:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from measurement import Deflate
        _DEFLATE.append(Deflate())
    codec = _DEFLATE[0]
    name = stem(path)
    pairs = [(path, os.path.join(reference, name + ".nii"), os.path.join(output_dir, name + ".nii.gz"))]
    if label_path:
        pairs.append((label_path, os.path.join(reference, "labels", name + ".nii"),
                      os.path.join(output_dir, "labels", name + ".nii.gz")))
    seconds = 0.0
    for source, raw, target in pairs:
        with open(source, "rb") as f:
            compressed = f.read()
        start = time.perf_counter()
        codec.inflate(compressed)
        seconds += time.perf_counter() - start
        with open(raw, "rb") as f:
            data = f.read()
        start = time.perf_counter()
        compressed = codec.deflate(data)
        seconds += time.perf_counter() - start
        with open(target, "wb") as f:
            f.write(compressed)
    return seconds


JOBS = {"sitk": sitk_job, "torchio": torchio_job, "monai": monai_job, "scipy": scipy_job, "floor": floor_job}


def initialize_worker():
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass
    try:
        import SimpleITK as sitk
        sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
    except ImportError:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tool", choices=TOOLS)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--labels", help="directory of label maps named like the inputs")
    parser.add_argument("--orient", action="store_true", help="reorient to RAS first")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reference", help="floor: directory of the reference outputs as .nii")
    parser.add_argument("--uncompressed", action="store_true", help="write .nii (reference outputs for the floor)")
    args = parser.parse_args()
    if args.tool == "floor" and not args.reference:
        parser.error("floor needs --reference")
    inputs = sorted(os.path.join(args.input, n) for n in os.listdir(args.input) if n.endswith(".nii.gz"))
    os.makedirs(args.output, exist_ok=True)
    if args.labels:
        os.makedirs(os.path.join(args.output, "labels"), exist_ok=True)
    suffix = ".nii" if args.uncompressed else ".nii.gz"
    tasks = []
    for path in inputs:
        label = os.path.join(args.labels, os.path.basename(path)) if args.labels else None
        task = (path, label, args.output, suffix, args.orient)
        tasks.append(task + (args.reference,) if args.tool == "floor" else task)
    job = JOBS[args.tool]
    if args.workers == 1:
        initialize_worker()
        returned = [job(task) for task in tasks]
    else:
        with multiprocessing.get_context("fork").Pool(args.workers, initializer=initialize_worker) as pool:
            returned = list(pool.imap_unordered(job, tasks))
    if args.tool == "floor":
        print(json.dumps({"codec_seconds": sum(returned), "workers": args.workers}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
