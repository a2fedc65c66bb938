"""Independent float64 reference of the CT pipeline cases (issue 19), used by Benchmarks/run_ct_pipeline.py to check
medprep's outputs (and to show how far each peer's lie from it). Not run on its own.

It follows medprep's documented geometry (pipelines/README.md, the doc comments of Resample and CropOrPad), written
out with nibabel, numpy and scipy, never with medprep's output:
  orient   nibabel.as_closest_canonical (RAS)
  clip     np.clip to −1024…3000, in float64
  resample per axis n' = max(1, round(n · s / 1.5)) (half away from zero), output index p samples the input at
           x = p · (1.5 / s), clamped to [0, n − 1]: scipy.ndimage.map_coordinates(order=1, mode='nearest') for the
           image; labels take index ⌊x + ½⌋ (clamped); affine A · diag(1.5 / s, 1)
  crop/pad per axis d = n' − t: ⌈|d|/2⌉ voxels cropped (d > 0) or padded with 0 (d < 0) at the start; affine
           translation += A₃ₓ₃ · offset
  GroupNorm groups 1: y = (v − mean) / sqrt(var + 1e-5), float64 mean and biased variance over all voxels
Only the voxels inside the 128×128×96 output are interpolated (the crop is folded into the sample positions).
"""
import nibabel as nib
import numpy as np
from scipy import ndimage

CLIP = (-1024.0, 3000.0)
SPACING = 1.5
SHAPE = (128, 128, 96)
EPS = 1e-5


def round_half_away(value):
    return int(np.floor(abs(value) + 0.5)) * (1 if value >= 0 else -1)


def geometry(shape, affine):
    """Per-axis (input size, ratio, crop offset, resampled size) and the output affine."""
    spacing = np.sqrt((affine[:3, :3] ** 2).sum(axis=0))
    axes = []
    for n, s, t in zip(shape, spacing, SHAPE):
        resampled = max(1, round_half_away(n * s / SPACING))
        d = t - resampled
        offset = (-d + 1) // 2 if d < 0 else -((d + 1) // 2)
        axes.append((n, SPACING / s, offset, resampled))
    out = affine @ np.diag([ratio for _, ratio, _, _ in axes] + [1.0])
    out[:3, 3] += out[:3, :3] @ np.array([offset for _, _, offset, _ in axes], dtype=np.float64)
    return axes, out


def positions(axes):
    """Per axis: sample positions of the output voxels and whether each lies inside the resampled grid."""
    result = []
    for (n, ratio, offset, resampled), t in zip(axes, SHAPE):
        p = np.arange(t, dtype=np.int64) + offset
        result.append((np.clip(p * ratio, 0, n - 1), (p >= 0) & (p < resampled)))
    return result


def reference_image(path, orient):
    """(float64 output volume, output affine) of the image."""
    image = nib.load(path)
    if orient:
        image = nib.as_closest_canonical(image)
    x = np.clip(image.get_fdata(dtype=np.float64), *CLIP)
    axes, affine = geometry(x.shape, image.affine)
    (pi, vi), (pj, vj), (pk, vk) = positions(axes)
    grid = np.meshgrid(pi, pj, pk, indexing="ij")
    values = ndimage.map_coordinates(x, grid, order=1, mode="nearest")
    values[~(vi[:, None, None] & vj[None, :, None] & vk[None, None, :])] = 0.0
    mean, var = values.mean(), values.var()
    return (values - mean) / np.sqrt(var + EPS), affine


def reference_label(path, orient):
    """(integer output label map, output affine): nearest neighbour, padded with 0."""
    image = nib.load(path)
    if orient:
        image = nib.as_closest_canonical(image)
    data = np.asanyarray(image.dataobj)
    axes, affine = geometry(data.shape, image.affine)
    indices, valid = [], []
    for (position, inside), (n, _, _, _) in zip(positions(axes), axes):
        indices.append(np.clip(np.floor(position + 0.5).astype(np.int64), 0, n - 1))
        valid.append(inside)
    out = data[np.ix_(*indices)].copy()
    out[~(valid[0][:, None, None] & valid[1][None, :, None] & valid[2][None, None, :])] = 0
    return out, affine


def compare_image(output_path, reference):
    """(max |Δ|, mean |Δ|, max |affine Δ| in mm) of an output volume against reference_image's result."""
    expected, affine = reference
    image = nib.load(output_path)
    data = image.get_fdata(dtype=np.float64)
    if data.shape != expected.shape:
        return None
    delta = np.abs(data - expected)
    return float(delta.max()), float(delta.mean()), float(np.max(np.abs(image.affine - affine)))


def compare_label(output_path, reference):
    """(differing voxels, max |affine Δ| in mm) of an output label map against reference_label's result."""
    expected, affine = reference
    image = nib.load(output_path)
    data = np.asanyarray(image.dataobj)
    if data.shape != expected.shape:
        return None
    return int(np.count_nonzero(data != expected)), float(np.max(np.abs(image.affine - affine)))
