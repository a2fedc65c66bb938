#!/usr/bin/env python3
"""Benchmark workload for medprep's end-to-end benchmarks (issue 5), written to Benchmarks/.workload/<scale>/.

What it makes (full scale, the default):
  ct-gz/ct_NNN.nii.gz   24 synthetic CT volumes, 256 x 256 x 160 voxels (1.4 x 1.4 x 2.0 mm), int16 stored values with
                        scl_slope 1 / scl_inter -1024 (stored = HU + 1024), gzip level 6 with mtime 0 and no file
                        name, the way scanners / dcm2niix produce .nii.gz files.
  ct-nii/ct_NNN.nii     the same volumes uncompressed (byte-identical to the inflated .nii.gz).
  png/xr_NNN.png        400 16-bit grayscale 512 x 512 PNGs with 12-bit X-ray-like content (values 0..4095), Pillow,
                        zlib level 6.
  manifest.json         parameters, file sizes and compression ratios; the script skips the work when the manifest
                        matches the requested parameters and every file is present with its recorded size.
Content is phantom-like, not noise: a torso (fat rim, soft tissue, lungs, heart, trachea, spine, ribs) inside a
circular scanner field of view with Gaussian quantum noise (sigma 12-18 HU) everywhere inside the field of view and a
constant -1024 HU pad outside it, so deflate sees a realistic ratio (about 2-3x); the radiographs are a chest-like
projection (lung fields, mediastinum, spine, ribs, clavicles) with exposure gradients and noise.
The smoke-test variant `--scale small` makes 4 CT volumes of 64 x 64 x 40 and 8 PNGs of 64 x 64 in Benchmarks/.workload/small.

How to run (from the repository root):
  python3 Benchmarks/make_workload.py                   # full workload (~1 GB on disk, ~1 min on 2 cores)
  python3 Benchmarks/make_workload.py --scale small     # tiny variant for smoke tests (seconds)
  options: --out DIR (default Benchmarks/.workload/<scale>), --ct N, --png N, --force, --processes N
Deterministic: fixed per-file seeds (numpy default_rng), NIfTI header built by nibabel with scl_slope/scl_inter
patched into header bytes 112..119, gzip with mtime 0; re-running gives byte-identical files. Needs numpy, nibabel,
pillow. Every CT volume is read back with nibabel once (shape, dtype, scaling, data) before it counts as written.
"""
import argparse
import gzip
import io
import json
import multiprocessing
import os
import struct
import sys

import nibabel as nib
import numpy as np
from PIL import Image

GENERATOR_VERSION = 1
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
SCALES = {
    # name: CT count, CT shape (x, y, z), CT spacing (mm), PNG count, PNG side
    "full": dict(ct=24, ct_shape=(256, 256, 160), ct_spacing=(1.4, 1.4, 2.0), png=400, png_side=512),
    "small": dict(ct=4, ct_shape=(64, 64, 40), ct_spacing=(5.6, 5.6, 8.0), png=8, png_side=64),
}
CT_SEED = 20_000
PNG_SEED = 40_000


# ---------------------------------------------------------------------------------------------------------------
# CT phantom


def smooth_inplane(volume):
    """3 x 3 in-plane box blur (edges replicated): partial-volume-like soft edges without scipy."""
    padded = np.pad(volume, ((1, 1), (1, 1), (0, 0)), mode="edge")
    out = np.zeros_like(volume)
    nx, ny = volume.shape[:2]
    for dx in range(3):
        for dy in range(3):
            out += padded[dx:dx + nx, dy:dy + ny]
    return out / np.float32(9.0)


def ct_volume(index, shape, spacing):
    """HU phantom as int16 stored values (HU + 1024). Geometry in mm around the volume centre; per-file random
    body size, position, breathing (lung height) and noise level."""
    rng = np.random.default_rng(CT_SEED + index)
    nx, ny, nz = shape
    x = ((np.arange(nx, dtype=np.float32) - (nx - 1) / 2) * spacing[0])[:, None, None]
    y = ((np.arange(ny, dtype=np.float32) - (ny - 1) / 2) * spacing[1])[None, :, None]
    z = ((np.arange(nz, dtype=np.float32) - (nz - 1) / 2) * spacing[2])[None, None, :]
    s = np.float32(rng.uniform(0.88, 1.08))
    cx, cy = (np.float32(v) for v in rng.uniform(-8.0, 8.0, size=2))
    xb, yb = x - cx, y - cy
    fov_radius = min(nx * spacing[0], ny * spacing[1]) / 2

    hu = np.full(shape, -1000.0, dtype=np.float32)
    ring = (xb / (150 * s)) ** 2 + (yb / (100 * s)) ** 2
    body = np.broadcast_to(ring <= 1, shape)
    inner = np.broadcast_to((xb / (138 * s)) ** 2 + (yb / (88 * s)) ** 2 <= 1, shape)
    hu[body] = -100.0
    hu[inner] = 40.0
    lung_height = np.float32(rng.uniform(110.0, 150.0))
    for side in (-1, 1):
        lung = ((xb - side * 62 * s) / (50 * s)) ** 2 + ((yb - 5 * s) / (64 * s)) ** 2 + ((z - 20) / lung_height) ** 2 <= 1
        hu = np.where(lung & inner, -850.0 + 40.0 * np.sin(z / 17.0), hu).astype(np.float32)  # ventilation gradient
    heart = ((xb - 12 * s) / (42 * s)) ** 2 + ((yb - 40 * s) / (32 * s)) ** 2 + ((z + 40) / 45.0) ** 2 <= 1
    hu[heart & inner] = 45.0
    trachea = np.broadcast_to((xb / (11 * s)) ** 2 + ((yb - 38 * s) / (11 * s)) ** 2 <= 1, shape) & (z > 30)
    hu[trachea & inner] = -990.0
    spine = (xb / (18 * s)) ** 2 + ((yb + 62 * s) / (18 * s)) ** 2
    vertebra = np.broadcast_to(spine <= 1, shape) & (np.mod(z, 28.0) < 23.0)
    hu[np.broadcast_to(spine <= 1, shape)] = 250.0  # discs between vertebrae
    hu[vertebra] = 1250.0
    hu[vertebra & np.broadcast_to(spine <= 0.55, shape)] = 600.0
    rib_ring = (xb / (128 * s)) ** 2 + (yb / (80 * s)) ** 2
    ribs = np.broadcast_to((rib_ring > 0.86) & (rib_ring <= 1.0) & (np.abs(np.arctan2(yb, xb)) < 2.6), shape)
    hu[ribs & (np.mod(z + 40, 25.0) < 9.0) & inner] = 1000.0
    hu = smooth_inplane(hu)

    noise_sigma = np.float32(rng.uniform(12.0, 18.0))
    hu += rng.standard_normal(shape, dtype=np.float32) * noise_sigma
    outside_fov = np.broadcast_to(x ** 2 + y ** 2 > fov_radius ** 2, shape)
    hu[outside_fov] = -1024.0
    hu = np.clip(np.rint(hu), -1024.0, 3071.0)
    return (hu + 1024.0).astype(np.int16)


def ct_affine(shape, spacing):
    """RAS affine of an axial LPS scanner volume (x and y flipped), centred in x/y, table position z = -200 mm."""
    affine = np.diag([-spacing[0], -spacing[1], spacing[2], 1.0])
    affine[0, 3] = spacing[0] * (shape[0] - 1) / 2
    affine[1, 3] = spacing[1] * (shape[1] - 1) / 2
    affine[2, 3] = -200.0
    return affine


def nifti_bytes(stored, affine, spacing):
    """NIfTI-1 single file bytes with int16 data and scl_slope 1 / scl_inter -1024 (patched at bytes 112..119,
    because nibabel resets the scaling of unscaled integer data when it serialises)."""
    header = nib.Nifti1Header()
    header.set_data_shape(stored.shape)
    header.set_data_dtype(np.int16)
    header.set_xyzt_units(xyz="mm")
    header.set_qform(affine, code=1)
    header.set_sform(affine, code=1)
    header.set_zooms(spacing)
    raw = bytearray(nib.Nifti1Image(stored, None, header=header).to_bytes())
    struct.pack_into("<ff", raw, 112, 1.0, -1024.0)
    return bytes(raw)


def write_ct(job):
    out, index, shape, spacing = job
    stored = ct_volume(index, shape, spacing)
    raw = nifti_bytes(stored, ct_affine(shape, spacing), spacing)
    compressed = gzip.compress(raw, compresslevel=6, mtime=0)
    name = f"ct_{index:03d}"
    paths = {f"ct-nii/{name}.nii": raw, f"ct-gz/{name}.nii.gz": compressed}
    for relative, data in paths.items():
        write_file(os.path.join(out, relative), data)
    check = nib.load(os.path.join(out, f"ct-gz/{name}.nii.gz"))
    assert check.shape == tuple(shape) and check.get_data_dtype() == np.int16, name
    assert (check.dataobj.slope, check.dataobj.inter) == (1.0, -1024.0), name
    assert np.array_equal(np.asanyarray(check.dataobj.get_unscaled()), stored), name
    return {relative: len(data) for relative, data in paths.items()}


# ---------------------------------------------------------------------------------------------------------------
# X-ray phantom


def xray_image(index, side):
    """Chest-radiograph-like projection, 12-bit (0..4095) in uint16: bright bone, dark lungs, exposure gradient."""
    rng = np.random.default_rng(PNG_SEED + index)
    u = np.linspace(-1.0, 1.0, side, dtype=np.float32)[None, :]   # columns, left-right
    v = np.linspace(-1.0, 1.0, side, dtype=np.float32)[:, None]   # rows, top-bottom
    s = np.float32(rng.uniform(0.9, 1.05))
    shift = np.float32(rng.uniform(-0.05, 0.05))
    uu, vv = u - shift, v

    image = np.full((side, side), 260.0, dtype=np.float32) + 60.0 * vv             # direct exposure
    thorax = (uu / (0.82 * s)) ** 2 + ((vv - 0.05) / (1.05 * s)) ** 2
    image = np.where(thorax <= 1, 1700.0 - 500.0 * thorax, image)                  # soft tissue, thicker centre
    for side_sign in (-1, 1):
        lung = ((uu - side_sign * 0.36 * s) / (0.27 * s)) ** 2 + ((vv + 0.02) / (0.62 * s)) ** 2
        image = np.where(lung <= 1, image - 700.0 * np.sqrt(np.clip(1 - lung, 0, None)), image)      # lung fields
        clavicle = np.abs(vv + 0.62 - 0.25 * (uu - side_sign * 0.3) ** 2) < 0.025
        image = np.where(clavicle & (np.abs(uu - side_sign * 0.3) < 0.3), image + 900.0, image)
    mediastinum = (uu / (0.16 * s)) ** 2 + ((vv - 0.1) / (0.75 * s)) ** 2 <= 1
    image = np.where(mediastinum, image + 500.0, image)
    spine = np.abs(uu) < 0.06 * s
    image = np.where(spine & (thorax <= 1), image + 600.0 + 150.0 * (np.mod(vv * 14.0, 1.0) < 0.8), image)
    rib_phase = np.mod((vv + 0.35 * uu ** 2) * 9.0 + rng.uniform(0, 1), 1.0)
    ribs = (rib_phase < 0.22) & (thorax <= 0.9) & (np.abs(uu) > 0.08)
    image = np.where(ribs, image + 380.0, image)
    image += 120.0 * uu + rng.standard_normal((side, side), dtype=np.float32) * np.float32(rng.uniform(15.0, 25.0))
    return np.clip(np.rint(image), 0, 4095).astype(np.uint16)


def write_png(job):
    out, index, side = job
    buffer = io.BytesIO()
    Image.fromarray(xray_image(index, side)).save(buffer, format="PNG", compress_level=6)
    relative = f"png/xr_{index:03d}.png"
    write_file(os.path.join(out, relative), buffer.getvalue())
    return {relative: buffer.tell()}


# ---------------------------------------------------------------------------------------------------------------


def write_file(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, path)


def run_job(job):
    kind, payload = job
    return write_ct(payload) if kind == "ct" else write_png(payload)


def parameters(args):
    scale = SCALES[args.scale]
    return {
        "generator_version": GENERATOR_VERSION, "scale": args.scale,
        "ct": args.ct if args.ct is not None else scale["ct"], "ct_shape": list(scale["ct_shape"]),
        "ct_spacing": list(scale["ct_spacing"]),
        "png": args.png if args.png is not None else scale["png"], "png_side": scale["png_side"],
    }


def up_to_date(out, params):
    try:
        with open(os.path.join(out, "manifest.json")) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return False
    if manifest.get("parameters") != params:
        return False
    return all(os.path.isfile(os.path.join(out, p)) and os.path.getsize(os.path.join(out, p)) == n
               for p, n in manifest.get("files", {}).items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--out", help="output directory (default Benchmarks/.workload/<scale>)")
    parser.add_argument("--ct", type=int, help="number of CT volumes (default 24 full, 4 small)")
    parser.add_argument("--png", type=int, help="number of PNGs (default 400 full, 8 small)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--force", action="store_true", help="regenerate even when the manifest matches")
    args = parser.parse_args()
    out = os.path.abspath(args.out or os.path.join(BENCH_DIR, ".workload", args.scale))
    params = parameters(args)
    if not args.force and up_to_date(out, params):
        print(f"workload up to date: {out}")
        return 0

    for sub in ("ct-gz", "ct-nii", "png"):
        directory = os.path.join(out, sub)
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):  # drop files of an earlier, larger workload
            os.remove(os.path.join(directory, name))
    shape, spacing = tuple(params["ct_shape"]), tuple(params["ct_spacing"])
    jobs = [("ct", (out, i, shape, spacing)) for i in range(params["ct"])]
    jobs += [("png", (out, i, params["png_side"])) for i in range(params["png"])]
    files = {}
    with multiprocessing.Pool(max(1, args.processes)) as pool:
        for result in pool.imap_unordered(run_job, jobs, chunksize=1):
            files.update(result)
        pool.close()
        pool.join()

    def total(prefix):
        return sum(n for p, n in files.items() if p.startswith(prefix))

    ct_raw, ct_gz = total("ct-nii/"), total("ct-gz/")
    png_raw = params["png"] * params["png_side"] ** 2 * 2
    summary = {
        "ct_nii_bytes": ct_raw, "ct_gz_bytes": ct_gz, "ct_gzip_ratio": round(ct_raw / ct_gz, 3) if ct_gz else None,
        "png_bytes": total("png/"), "png_ratio": round(png_raw / total("png/"), 3) if files and params["png"] else None,
    }
    manifest = {"parameters": params, "summary": summary, "files": dict(sorted(files.items()))}
    write_file(os.path.join(out, "manifest.json"), (json.dumps(manifest, indent=1) + "\n").encode())
    print(f"workload written: {out}")
    print(f"  {params['ct']} CT volumes {shape}: .nii {ct_raw / 1e6:.1f} MB, .nii.gz {ct_gz / 1e6:.1f} MB "
          f"(gzip -6 ratio {summary['ct_gzip_ratio']})")
    print(f"  {params['png']} PNGs {params['png_side']}x{params['png_side']}: {summary['png_bytes'] / 1e6:.1f} MB "
          f"(ratio {summary['png_ratio']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
