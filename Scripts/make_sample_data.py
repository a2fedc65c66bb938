#!/usr/bin/env python3
"""Synthetic sample data for trying medprep end to end (SampleData/).

Purpose: small, license-free stand-ins for the inputs medprep meets in practice, each chosen to exercise one
feature: CT volumes with int16 storage + scl_slope/scl_inter and anisotropic spacing of different sizes (so a
pipeline needs resample / crop_or_pad before batching), CT label maps (nearest-neighbour handling), 4-channel
MRI volumes with very different channel scales and an oblique qform only (per-channel normalization, qform
handling), 16-bit gray X-ray PNGs (12-bit and full 16-bit range), a deflate-compressed multi-page 16-bit TIFF
stack, an 8-bit RGB photo-like PNG, and a tiny nnU-Net v2 raw dataset layout. Everything is generated from
geometric phantoms; nothing is real patient data. SampleData/README.md documents every file.

How to run (from the repository root):  python3 Scripts/make_sample_data.py
It (over)writes the data files under SampleData/ (README.md is kept by hand). Deterministic: fixed seeds, NIfTI headers and data written by
nibabel and gzipped here with mtime 0 and no file name, PNGs by Pillow, TIFF by tifffile without date/time, so
re-running gives byte-identical files (check with `sha256sum`). Needs numpy, scipy, nibabel, Pillow, tifffile.
The script checks every NIfTI it writes by reading it back with nibabel.
"""
import gzip
import io
import json
import math
import os
import struct

import nibabel as nib
import numpy as np
import tifffile
from PIL import Image
from scipy.ndimage import gaussian_filter

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SampleData")


# ---------------------------------------------------------------------------------------------------------------
# Writers


def write_bytes(relative, data):
    path = os.path.join(ROOT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_nifti(relative, data, affine, zooms, qform_code, sform_code, slope_inter=None, qform_affine=None):
    """Writes data (x, y, z[, t]) as .nii.gz. slope_inter=(1, -1024) patches scl_slope/scl_inter (header bytes
    112 and 116) so the stored integers are kept as they are and the scaling is exactly the given one."""
    header = nib.Nifti1Header()
    header.set_data_shape(data.shape)
    header.set_data_dtype(data.dtype)
    header.set_xyzt_units(xyz="mm")
    header.set_qform(qform_affine if qform_affine is not None else affine, code=qform_code)
    header.set_sform(affine, code=sform_code)
    if not sform_code:
        header.set_sform(None, code=0)
    if not qform_code:
        header.set_qform(None, code=0)
    header.set_zooms(zooms)
    # affine=None: nibabel keeps the header's qform/sform and codes as set above.
    image = nib.Nifti1Image(data, None, header=header)
    raw = bytearray(image.to_bytes())
    slope, inter = slope_inter if slope_inter else (1.0, 0.0)
    if slope_inter:
        struct.pack_into("<ff", raw, 112, slope, inter)
    write_bytes(relative, gzip.compress(bytes(raw), compresslevel=9, mtime=0))

    check = nib.load(os.path.join(ROOT, relative))
    assert check.shape == data.shape, relative
    assert check.get_data_dtype() == data.dtype, relative
    assert int(check.header["qform_code"]) == qform_code and int(check.header["sform_code"]) == sform_code
    assert np.array_equal(np.asanyarray(check.dataobj.get_unscaled()), data), relative
    if slope_inter:
        assert (check.dataobj.slope, check.dataobj.inter) == slope_inter, relative
    expected_affine = affine if sform_code else (qform_affine if qform_affine is not None else affine)
    assert np.allclose(check.affine, expected_affine, atol=1e-4), (relative, check.affine, expected_affine)


def write_png(relative, array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", optimize=False, compress_level=9)
    write_bytes(relative, buffer.getvalue())


# ---------------------------------------------------------------------------------------------------------------
# Geometry helpers


def rotation(axis, degrees):
    axis = np.asarray(axis, dtype=np.float64)
    axis /= np.linalg.norm(axis)
    x, y, z = axis
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return np.array([
        [c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s],
        [y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s],
        [z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c)],
    ])


def centred_affine(shape, spacing, matrix3, decimals=4):
    """affine = [[M·diag(spacing), t], [0, 1]] with t chosen so the volume centre lies at world (0, 0, 0)."""
    affine = np.eye(4)
    affine[:3, :3] = matrix3 @ np.diag(spacing)
    centre = (np.asarray(shape[:3], dtype=np.float64) - 1) / 2
    affine[:3, 3] = -affine[:3, :3] @ centre
    return affine if decimals is None else np.round(affine, decimals)


def grid_mm(shape, spacing):
    """Voxel-centre coordinates in mm relative to the volume centre, indexing (x, y, z)."""
    axes = [(np.arange(n) - (n - 1) / 2) * s for n, s in zip(shape, spacing)]
    return np.meshgrid(*axes, indexing="ij")


def ellipsoid(x, y, z, centre, radii):
    return ((x - centre[0]) / radii[0]) ** 2 + ((y - centre[1]) / radii[1]) ** 2 + ((z - centre[2]) / radii[2]) ** 2 <= 1


# ---------------------------------------------------------------------------------------------------------------
# CT phantoms


def ct_phantom(shape, spacing, seed, scale=1.0):
    """Torso-like phantom in HU (float) and label map: body ellipse with fat rim, two lungs, mediastinum,
    trachea (air), spine (cortical shell + trabecular core), ribs. RAS-ish: x left-right, y posterior-anterior."""
    rng = np.random.default_rng(seed)
    x, y, z = grid_mm(shape, spacing)
    s = scale
    hu = np.full(shape, -1024.0)
    body = ((x / (150 * s)) ** 2 + (y / (100 * s)) ** 2) <= 1
    inner = ((x / (138 * s)) ** 2 + (y / (88 * s)) ** 2) <= 1
    hu[body] = -100.0
    hu[inner] = 40.0
    for side in (-1, 1):
        lung = ellipsoid(x, y, z, (side * 62 * s, 5 * s, 0), (48 * s, 62 * s, 200))
        hu[lung & inner] = -850.0
    trachea = ((x / (28 * s)) ** 2 + ((y - 30 * s) / (28 * s)) ** 2) <= 1
    heart = ellipsoid(x, y, z, (12 * s, 52 * s, -30), (40 * s, 30 * s, 25))
    hu[heart & inner] = 45.0
    hu[trachea & inner & ~heart] = -1000.0
    spine_centre = -62 * s
    spine = (x / (16 * s)) ** 2 + ((y - spine_centre) / (16 * s)) ** 2
    hu[spine <= 1] = 1350.0
    hu[spine <= 0.55] = 700.0
    ring = (x / (128 * s)) ** 2 + (y / (80 * s)) ** 2
    rib_band = (ring > 0.86) & (ring <= 1.0)
    rib_z = (np.mod(z + 40, 25.0) < 9.0)
    rib_angle = np.abs(np.arctan2(y, x)) < 2.6
    hu[rib_band & rib_z & rib_angle & inner] = 1100.0
    inside = hu > -1024
    hu = gaussian_filter(hu, sigma=(0.6, 0.6, 0.3))
    hu[~body] = -1024.0
    hu += np.where(body, rng.normal(0.0, 12.0, size=shape), 0.0)
    hu = np.clip(np.round(hu), -1024, 3071)
    labels = np.zeros(shape, dtype=np.uint8)
    labels[body] = 1
    labels[(hu >= 300) & inside] = 2
    return hu, labels


def make_ct():
    cases = [
        # name, shape (x, y, z), spacing, rotation matrix (LPS->RAS flip of a scanner affine), qform code, scale
        ("ct_001", (96, 96, 40), (0.8, 0.8, 2.5), np.diag([-1.0, -1.0, 1.0]), 1, 0.24, 11),
        ("ct_002", (110, 100, 36), (0.7, 0.75, 3.0), np.diag([-1.0, -1.0, 1.0]), 0, 0.245, 12),
        ("ct_003", (80, 88, 48), (0.9, 0.9, 2.0), np.diag([-1.0, -1.0, 1.0]) @ rotation([1, 0, 0], 8.0), 0, 0.22, 13),
    ]
    for name, shape, spacing, matrix, qform_code, scale, seed in cases:
        hu, labels = ct_phantom(shape, spacing, seed, scale)
        stored = (hu + 1024).astype(np.int16)
        affine = centred_affine(shape, spacing, matrix)
        affine[2, 3] -= 120.0
        write_nifti(f"ct/{name}.nii.gz", stored, affine, spacing, qform_code, 1, slope_inter=(1.0, -1024.0))
        write_nifti(f"ct-labels/{name}.nii.gz", labels, affine, spacing, qform_code, 1)


def make_ct_cohort():
    """24 small CT phantoms of different patients (body size, field of view, slice count): the dataset on which
    `medprep compare-norms` shows per-batch statistics wandering at batch sizes 4 and 8."""
    rng = np.random.default_rng(2026)
    for index in range(24):
        shape = (48, 48, int(rng.integers(14, 23)))
        spacing = (float(rng.choice([1.4, 1.6, 1.8])), 0.0, 4.0)
        spacing = (spacing[0], spacing[0], spacing[2])
        scale = float(rng.uniform(0.14, 0.27))
        hu, _ = ct_phantom(shape, spacing, 100 + index, scale)
        stored = (hu + 1024).astype(np.int16)
        affine = centred_affine(shape, spacing, np.diag([-1.0, -1.0, 1.0]))
        write_nifti(f"ct-cohort/ct_cohort_{index:02d}.nii.gz", stored, affine, spacing, 1, 1, slope_inter=(1.0, -1024.0))


# ---------------------------------------------------------------------------------------------------------------
# MRI phantoms (4 channels: T1, T2, FLAIR, PD)

MRI_TISSUES = {
    # tissue: (T1, T2, FLAIR, PD)
    "scalp": (820.0, 900.0, 60.0, 22000.0),
    "skull": (60.0, 80.0, 5.0, 3000.0),
    "csf": (180.0, 2900.0, 18.0, 38500.0),
    "gm": (480.0, 1450.0, 100.0, 32000.0),
    "wm": (690.0, 950.0, 78.0, 25000.0),
    "lesion": (420.0, 2100.0, 148.0, 34000.0),
}


def mri_phantom(shape, spacing, seed, lesion_centre):
    rng = np.random.default_rng(seed)
    x, y, z = grid_mm(shape, spacing)
    tissue = np.full(shape, "", dtype=object)
    head = ellipsoid(x, y, z, (0, 0, 0), (92, 110, 70))
    skull = ellipsoid(x, y, z, (0, 0, 0), (86, 104, 64))
    brain = ellipsoid(x, y, z, (0, 0, 0), (80, 98, 58))
    wm = ellipsoid(x, y, z, (0, 0, 0), (62, 78, 44))
    ventricles = ellipsoid(x, y, z, (-9, 5, 5), (6, 26, 12)) | ellipsoid(x, y, z, (9, 5, 5), (6, 26, 12))
    lesion = ellipsoid(x, y, z, lesion_centre, (9, 11, 8))
    tissue[head] = "scalp"
    tissue[skull] = "skull"
    tissue[brain] = "csf"
    tissue[ellipsoid(x, y, z, (0, 0, 0), (77, 95, 55))] = "gm"
    tissue[wm] = "wm"
    tissue[ventricles] = "csf"
    tissue[lesion & brain] = "lesion"
    channels = []
    noise_sd = (12.0, 40.0, 2.5, 500.0)
    for index in range(4):
        volume = np.zeros(shape)
        for name, values in MRI_TISSUES.items():
            volume[tissue == name] = values[index]
        volume = gaussian_filter(volume, sigma=0.7)
        bias = 1.0 + 0.15 * (x / 92.0) - 0.08 * (z / 70.0)
        volume = volume * bias
        # Rician-like magnitude noise keeps values non-negative, background small but not zero.
        real = volume + rng.normal(0.0, noise_sd[index], size=shape)
        imaginary = rng.normal(0.0, noise_sd[index], size=shape)
        magnitude = np.sqrt(real ** 2 + imaginary ** 2)
        step = 0.25 if index == 2 else 1.0
        channels.append(np.round(magnitude / step) * step)
    return np.stack(channels, axis=-1).astype(np.float32)


def make_mri():
    cases = [
        ("mri_001", 21, [1.0, 0.3, 0.2], 14.0, (30, 20, 10)),
        ("mri_002", 22, [0.2, 1.0, -0.4], -11.0, (-28, -25, -6)),
    ]
    shape, spacing = (64, 64, 24), (3.5, 3.5, 5.0)
    for name, seed, axis, degrees, lesion in cases:
        data = mri_phantom(shape, spacing, seed, lesion)
        affine = centred_affine(shape, spacing, rotation(axis, degrees), decimals=None)
        affine[:3, 3] += (1.5, -17.0, 12.0)
        write_nifti(f"mri/{name}.nii.gz", data, affine, spacing + (1.0,), 1, 0)


# ---------------------------------------------------------------------------------------------------------------
# Chest X-ray-like 16-bit PNGs


def chest_xray(seed, maximum, tilt):
    rng = np.random.default_rng(seed)
    n = 256
    yy, xx = np.meshgrid(np.linspace(-1, 1, n), np.linspace(-1, 1, n), indexing="ij")
    c, s = math.cos(tilt), math.sin(tilt)
    x, y = c * xx - s * yy, s * xx + c * yy
    image = np.full((n, n), 0.04)
    torso = (x / 0.82) ** 2 + ((y - 0.05) / 1.05) ** 2 <= 1
    image[torso] = 0.55
    lung_width = 0.30 + 0.03 * rng.uniform(-1, 1)
    for side in (-1, 1):
        lung = ((x - side * 0.36) / lung_width) ** 2 + ((y + 0.02) / 0.62) ** 2 <= 1
        image[lung & torso] = 0.22
    mediastinum = (x / 0.14) ** 2 + ((y - 0.15) / 0.7) ** 2 <= 1
    image[mediastinum] = 0.72
    heart = ((x + 0.1) / 0.26) ** 2 + ((y - 0.3) / 0.22) ** 2 <= 1
    image[heart] = 0.68
    for k in range(9):
        centre = -0.55 + 0.13 * k
        arc = np.abs(y - centre - 0.25 * x ** 2) < 0.018
        image[arc & torso & (np.abs(x) > 0.1)] += 0.14
    for side in (-1, 1):
        clavicle = (np.abs(y + 0.62 - 0.12 * (x * side - 0.3)) < 0.025) & (x * side > 0.05) & (x * side < 0.6)
        image[clavicle] += 0.2
    image[np.abs(x) < 0.05] += 0.12 * torso[np.abs(x) < 0.05]
    image = gaussian_filter(image, sigma=1.6)
    image += 0.012 * rng.normal(size=(n, n))
    return np.clip(np.round(image * maximum), 0, maximum).astype(np.uint16)


def make_xray():
    for index in range(6):
        full_range = index == 5
        maximum = 65535 if full_range else 4095
        image = chest_xray(100 + index, maximum, tilt=0.05 * (index - 2.5))
        write_png(f"xray/xray_{index + 1:03d}.png", image)


# ---------------------------------------------------------------------------------------------------------------
# Multi-page 16-bit TIFF, RGB photo


def make_tiff():
    rng = np.random.default_rng(31)
    pages, n = 20, 128
    z, y, x = np.meshgrid(np.arange(pages), np.arange(n), np.arange(n), indexing="ij")
    stack = np.full((pages, n, n), 400.0)
    for _ in range(14):
        cy, cx = rng.uniform(10, n - 10, size=2)
        cz = rng.uniform(0, pages - 1)
        radius = rng.uniform(5, 12)
        brightness = rng.uniform(3000, 20000)
        distance = ((y - cy) ** 2 + (x - cx) ** 2 + (2.5 * (z - cz)) ** 2) / radius ** 2
        stack += brightness * np.exp(-distance)
    stack += rng.normal(0, 60, size=stack.shape)
    stack = np.clip(np.round(stack), 0, 65535).astype(np.uint16)
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, stack, photometric="minisblack", compression="zlib", metadata=None,
                     software=False, datetime=False)
    write_bytes("tiff/stack_001.tif", buffer.getvalue())


def make_photo():
    rng = np.random.default_rng(41)
    n = 256
    y, x = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n), indexing="ij")
    sky = np.stack([0.35 + 0.4 * y, 0.55 + 0.3 * y, 0.95 - 0.2 * y], axis=-1)
    sun = np.exp(-(((x - 0.72) ** 2 + (y - 0.22) ** 2) / 0.006))[..., None] * np.array([0.9, 0.7, 0.2])
    hills = y > 0.62 + 0.08 * np.sin(7 * x) + 0.04 * np.sin(17 * x + 1)
    ground = np.stack([0.2 + 0.2 * x, 0.45 + 0.15 * np.sin(9 * x * y), 0.15 + 0.05 * y], axis=-1)
    image = np.where(hills[..., None], ground, sky + sun)
    image = gaussian_filter(image, sigma=(1.0, 1.0, 0))
    image += 0.02 * rng.normal(size=image.shape)
    write_png("photo/photo_001.png", np.clip(np.round(image * 255), 0, 255).astype(np.uint8))


# ---------------------------------------------------------------------------------------------------------------
# nnU-Net v2 raw dataset


def make_nnunet():
    base = "nnunet/Dataset001_Phantom"
    shape, spacing = (48, 48, 16), (1.5, 1.5, 3.0)
    affine = centred_affine(shape, spacing, np.diag([-1.0, -1.0, 1.0]))
    for case in range(3):
        rng = np.random.default_rng(50 + case)
        x, y, z = grid_mm(shape, spacing)
        organ = ellipsoid(x, y, z, (rng.uniform(-5, 5), rng.uniform(-5, 5), 0), (20, 16, 14))
        lesion = ellipsoid(x, y, z, (rng.uniform(-6, 6), rng.uniform(-5, 5), rng.uniform(-4, 4)), (5, 5, 4)) & organ
        labels = np.zeros(shape, dtype=np.uint8)
        labels[organ] = 1
        labels[lesion] = 2
        t1 = np.where(lesion, 320.0, np.where(organ, 600.0, 120.0))
        t2 = np.where(lesion, 2400.0, np.where(organ, 1100.0, 300.0))
        for channel, (volume, sd) in enumerate(((t1, 15.0), (t2, 60.0))):
            noisy = gaussian_filter(volume, 0.7) + rng.normal(0, sd, size=shape)
            data = np.clip(np.round(noisy), 0, 32767).astype(np.int16)
            write_nifti(f"{base}/imagesTr/case_{case:03d}_{channel:04d}.nii.gz", data, affine, spacing, 1, 1)
        write_nifti(f"{base}/labelsTr/case_{case:03d}.nii.gz", labels, affine, spacing, 1, 1)
    dataset = {
        "channel_names": {"0": "T1", "1": "T2"},
        "labels": {"background": 0, "organ": 1, "lesion": 2},
        "numTraining": 3,
        "file_ending": ".nii.gz",
        "name": "Phantom",
        "description": "Synthetic two-channel phantom generated by Scripts/make_sample_data.py",
    }
    write_bytes(f"{base}/dataset.json", (json.dumps(dataset, indent=4) + "\n").encode())


def main():
    make_ct()
    make_ct_cohort()
    make_mri()
    make_xray()
    make_tiff()
    make_photo()
    make_nnunet()


if __name__ == "__main__":
    main()
