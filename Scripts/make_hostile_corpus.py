#!/usr/bin/env python3
"""Hostile-input corpus for medprep (issue 6): tiny damaged, contradictory and unusual PNG, TIFF and NIfTI files.

What it makes: Tests/Fixtures/hostile/{nifti,png,tiff}/... and Tests/Fixtures/hostile/manifest.json, one entry per
file:
  {"file": "nifti/x.nii", "category": "nifti", "what": "...", "expect": "error", "kind": "<MedPrepError.Kind raw>"}
  {"file": ..., "expect": "ok", "shape": [C, D, H, W], "min": m, "max": M, "mean": mu, "nonfinite": n}
Expected values of the valid-but-unusual files are computed with numpy float64 from the arrays this script encodes
(after rounding to float32, which is what medprep stores); min/max/mean are over the finite voxels only and
`nonfinite` counts NaN/±Inf voxels. Valid files are written with nibabel / pillow / tifffile where they can, or by
hand (struct) where a feature needs it, and cross-checked by decoding them again with nibabel / pillow / tifffile.
Hostile files are built by patching the bytes of valid ones.

Decisions recorded here (and asserted by Tests/MedPrepHostileTests):
  - A gzip member followed by zero bytes is accepted (tape padding); followed by other bytes it is `corrupt`,
    even when the NIfTI data inside is complete (the reader verifies the whole file, as `gzip -t` does).
  - Two concatenated gzip members are one stream (as `gzip -d`).
  - NIfTI header extensions are not parsed: an extension of size 0 or with a huge esize is ignored; only
    vox_offset locates the data.
  - NaN/Inf voxels decode; the pipeline's non-finite policy decides later. Finite values beyond float32 (float64
    1e300, or after scl_slope) are `non_finite` errors that name the overflow (issue 14).

Deterministic (fixed seeds, fixed gzip mtime). Run from the repository root:  python3 Scripts/make_hostile_corpus.py
Needs numpy, nibabel, pillow, tifffile.
"""
import gzip
import io
import json
import os
import shutil
import struct
import zlib

import nibabel as nib
import numpy as np
import tifffile
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "hostile")
CASES = []
RNG = np.random.default_rng(20260606)


def write(rel, data):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def error(rel, data, kind, what):
    if data is not None:
        write(rel, data)
    CASES.append({"file": rel, "category": rel.split("/")[0], "what": what, "expect": "error", "kind": kind})


def ok(rel, data, values, what):
    """`values`: the decoded tensor as numpy [C, D, H, W] (any dtype)."""
    if data is not None:
        write(rel, data)
    with np.errstate(over="ignore"):
        v = np.asarray(values).astype(np.float32).astype(np.float64)
    assert v.ndim == 4, rel
    finite = v[np.isfinite(v)]
    CASES.append({"file": rel, "category": rel.split("/")[0], "what": what, "expect": "ok", "shape": list(v.shape),
                  "min": float(finite.min()), "max": float(finite.max()), "mean": float(finite.mean()),
                  "nonfinite": int(v.size - finite.size)})


def gz(data, mtime=0):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=mtime, compresslevel=6) as handle:
        handle.write(data)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- NIfTI

def nifti1(arr, cls=nib.Nifti1Image, endian=None, **header_fields):
    header = nib.Nifti1Header(endianness=endian or "<")
    header.set_data_dtype(np.asarray(arr).dtype)
    img = cls(arr, np.diag([1.5, 1.5, 2.0, 1.0]), header=header)
    for key, value in header_fields.items():
        img.header[key] = value
    return img.to_bytes()


def as_cdhw(arr):
    """nibabel array [W, H, D, T] → medprep tensor [C=T, D, H, W]."""
    a = np.asarray(arr)
    while a.ndim < 4:
        a = a[..., np.newaxis]
    return np.transpose(a, (3, 2, 1, 0))


def patch(data, offset, fmt, *values):
    data = bytearray(data)
    struct.pack_into(fmt, data, offset, *values)
    return bytes(data)


def roundtrip(data, name):
    """Decodes `data` with nibabel (independent reference) and returns the scaled array."""
    path = write(name, data)
    img = nib.load(path)
    arr = np.asarray(img.dataobj)
    if img.header["scl_slope"] not in (0,) and np.isfinite(img.header["scl_slope"]):
        arr = np.asarray(img.get_fdata(dtype=np.float64))
    return arr


def make_nifti():
    base_arr = (np.arange(4 * 3 * 2, dtype=np.int16).reshape(4, 3, 2) * 7 - 40)
    base = nifti1(base_arr)
    assert len(base) == 352 + base_arr.nbytes

    error("nifti/empty.nii", b"", "truncated", "empty file")
    error("nifti/empty.nii.gz", gz(b""), "truncated", "gzip of nothing")
    error("nifti/header_only_100.nii", base[:100], "truncated", "header cut at 100 of 348 bytes (sizeof_hdr 348)")
    error("nifti/header_only_347.nii", base[:347], "truncated", "header cut one byte short")
    error("nifti/header_100.nii.gz", gz(base[:100]), "truncated", "gzip of a 100-byte header")
    error("nifti/data_truncated.nii", base[:352 + 10], "truncated", "data cut after 10 of 48 bytes")
    error("nifti/data_missing.nii", base[:352], "truncated", "header and extension flag, no data")
    error("nifti/data_truncated.nii.gz", gz(base[:352 + 10]), "truncated", "gzip of a file whose data is cut")
    error("nifti/sizeof_hdr_349.nii", patch(base, 0, "<i", 349), "unknown_format", "sizeof_hdr 349: no NIfTI magic")
    error("nifti/sizeof_hdr_0.nii.gz", gz(patch(base, 0, "<i", 0)), "malformed", "gzip NIfTI with sizeof_hdr 0")
    error("nifti/sizeof_hdr_540_v1magic.nii.gz", gz(patch(base, 0, "<i", 540)), "truncated",
          "sizeof_hdr says NIfTI-2 (540 bytes), the 400-byte file is NIfTI-1")
    error("nifti/bad_magic.nii", patch(base, 344, "4s", b"xyz\0"), "unknown_format", "magic xyz")
    error("nifti/bad_magic.nii.gz", gz(patch(base, 344, "4s", b"n+9\0")), "malformed", "gzip NIfTI with magic n+9")
    error("nifti/pair_magic_single.nii", patch(base, 344, "4s", b"ni1\0"), "malformed", "ni1 (pair) magic in a .nii")
    for d0 in (0, 8, -1):
        error(f"nifti/dim0_{d0}.nii", patch(base, 40, "<h", d0), "malformed", f"dim[0] = {d0}")
    error("nifti/dim_negative.nii", patch(base, 42, "<h", -4), "malformed", "dim[1] = -4")
    error("nifti/dim_zero.nii", patch(base, 44, "<h", 0), "malformed", "dim[2] = 0")
    error("nifti/dim_zero_t.nii", patch(patch(base, 40, "<h", 4), 48, "<h", 0), "malformed", "4D with dim[4] = 0")
    big = patch(base, 40, "<8h", 3, 32767, 32767, 32767, 1, 1, 1, 1)
    error("nifti/dims_32767cubed.nii.gz", gz(big[:352]), "too_large", "tiny gzip header declaring 32767³ int16")
    error("nifti/dims_32767cubed.nii", big[:352], "too_large", "plain header declaring 32767³ int16")
    error("nifti/dims_7d_huge.nii", patch(base, 40, "<8h", 7, 32767, 32767, 32767, 32767, 32767, 32767, 32767),
          "unsupported", "7D with every dim 32767 (5th dimension refused before sizes)")
    error("nifti/dims_5d.nii", patch(base, 40, "<8h", 5, 4, 3, 2, 1, 2, 1, 1), "unsupported", "5D data")
    error("nifti/dims_4d_big.nii.gz", gz(patch(base, 40, "<8h", 4, 2048, 2048, 2048, 2048, 1, 1, 1)[:352]),
          "too_large", "4D 2048⁴ in a tiny gzip")
    error("nifti/vox_offset_past_end.nii", patch(base, 108, "<f", 1e6), "truncated", "vox_offset 1e6")
    error("nifti/vox_offset_past_end.nii.gz", gz(patch(base, 108, "<f", 1e9)), "truncated",
          "vox_offset 1e9 in a tiny gzip")
    error("nifti/vox_offset_negative.nii", patch(base, 108, "<f", -352), "malformed", "vox_offset -352")
    error("nifti/vox_offset_nan.nii", patch(base, 108, "<f", float("nan")), "malformed", "vox_offset NaN")
    error("nifti/vox_offset_inf.nii", patch(base, 108, "<f", float("inf")), "malformed", "vox_offset +Inf")
    error("nifti/vox_offset_inside_header.nii", patch(base, 108, "<f", 100), "malformed", "vox_offset 100 < 348")
    error("nifti/vox_offset_huge.nii", patch(base, 108, "<f", 3e38), "malformed", "vox_offset 3e38 (≥ 2^62)")
    for code, bitpix, kind, what in [(999, 16, "malformed", "unknown datatype 999"),
                                     (0, 16, "malformed", "datatype 0 (DT_UNKNOWN)"),
                                     (32, 64, "unsupported", "complex64"), (1792, 128, "unsupported", "complex128"),
                                     (2048, 256, "unsupported", "complex256"), (1536, 128, "unsupported", "float128"),
                                     (2304, 32, "unsupported", "rgba32"), (1, 1, "unsupported", "binary")]:
        error(f"nifti/datatype_{code}.nii", patch(patch(base, 70, "<h", code), 72, "<h", bitpix), kind, what)
    error("nifti/bitpix_contradicts.nii", patch(base, 72, "<h", 32), "malformed", "int16 with bitpix 32")
    error("nifti/bitpix_zero.nii", patch(base, 72, "<h", 0), "malformed", "bitpix 0")
    error("nifti/slope_finite_inter_nan.nii", patch(patch(base, 112, "<f", 2.0), 116, "<f", float("nan")),
          "malformed", "scl_slope 2, scl_inter NaN")

    compressed = gz(base)
    bad_crc = bytearray(compressed)
    bad_crc[-8] ^= 0xFF
    error("nifti/gzip_bad_crc.nii.gz", bytes(bad_crc), "corrupt", "CRC-32 in the gzip trailer damaged")
    bad_len = bytearray(compressed)
    bad_len[-1] ^= 0x01
    error("nifti/gzip_bad_isize.nii.gz", bytes(bad_len), "corrupt", "ISIZE in the gzip trailer damaged")
    error("nifti/gzip_truncated.nii.gz", compressed[: len(compressed) // 2], "truncated", "gzip cut in half")
    error("nifti/gzip_no_trailer.nii.gz", compressed[:-8], "truncated", "gzip without its 8-byte trailer")
    error("nifti/gzip_header_only.nii.gz", compressed[:10], "truncated", "only the 10-byte gzip header")
    error("nifti/gzip_magic_only.nii.gz", b"\x1f\x8b", "truncated", "only the gzip magic")
    garbage = RNG.integers(0, 256, 400, dtype=np.uint8).tobytes()
    error("nifti/gzip_of_garbage.nii.gz", gz(garbage), "malformed", "valid gzip of random bytes")
    error("nifti/gzip_bad_deflate.nii.gz", compressed[:10] + b"\xff" * 60, "corrupt",
          "gzip header then invalid deflate blocks")
    flipped = bytearray(compressed)
    flipped[40] ^= 0x55
    error("nifti/gzip_flipped_byte.nii.gz", bytes(flipped), "corrupt", "one deflate byte flipped")
    error("nifti/gzip_trailing_garbage.nii.gz", compressed + b"garbage!", "corrupt",
          "complete member followed by non-gzip bytes (decision: refused)")
    error("nifti/gzip_trailing_partial_member.nii.gz", compressed + compressed[:12], "truncated",
          "complete member followed by the start of another")
    ok("nifti/gzip_trailing_zeros.nii.gz", compressed + b"\0" * 512, as_cdhw(base_arr),
       "complete member followed by zero padding (decision: accepted)")
    error("nifti/hdr_without_img.hdr", patch(base[:348], 344, "4s", b"ni1\0"), "io", ".hdr with no .img beside it")
    error("nifti/img_without_hdr.img", base_arr.tobytes(), "io", ".img with no .hdr beside it")
    error("nifti/garbage.nii", garbage, "unknown_format", "random bytes named .nii")
    error("nifti/text.nii", b"this is not a scan\n" * 4, "unknown_format", "text named .nii")
    error("nifti/nifti2_dims_overflow.nii.gz",
          gz(patch(nifti2_bytes(base_arr)[:544], 16, "<8q", 3, 1 << 62, 1 << 62, 4, 1, 1, 1, 1)), "too_large",
          "NIfTI-2 with dims 2^62 × 2^62 × 4 (product overflows)")
    error("nifti/nifti2_65535cubed.nii.gz",
          gz(patch(nifti2_bytes(base_arr)[:544], 16, "<8q", 3, 65535, 65535, 65535, 1, 1, 1, 1)), "too_large",
          "tiny NIfTI-2 gzip declaring 65535³")
    error("nifti/nifti2_negative_dim.nii", patch(nifti2_bytes(base_arr), 24, "<q", -1), "malformed",
          "NIfTI-2 with dim[1] = -1")
    error("nifti/nifti2_vox_offset_negative.nii", patch(nifti2_bytes(base_arr), 168, "<q", -1 << 40), "malformed",
          "NIfTI-2 vox_offset -2^40")
    error("nifti/nifti2_truncated_header.nii", nifti2_bytes(base_arr)[:400], "truncated",
          "NIfTI-2 header cut at 400 of 540 bytes")

    # Valid but unusual.
    ok("nifti/base_int16.nii", base, as_cdhw(base_arr), "plain int16 3D")
    ok("nifti/base_int16.nii.gz", compressed, as_cdhw(base_arr), "gzip int16 3D")
    typed = {
        "uint8": np.arange(24, dtype=np.uint8) * 10, "int8": np.arange(24, dtype=np.int8) * 5 - 60,
        "uint16": np.arange(24, dtype=np.uint16) * 2800, "int16": np.arange(24, dtype=np.int16) * -1300,
        "int32": np.arange(24, dtype=np.int32) * 90_000_001 - 1_000_000_000,
        "uint32": np.arange(24, dtype=np.uint32) * 180_000_007,
        "int64": np.arange(24, dtype=np.int64) * (1 << 40) - (1 << 43),
        "uint64": np.arange(24, dtype=np.uint64) * np.uint64(1 << 59),
        "float32": np.linspace(-3.5, 1e6, 24, dtype=np.float32),
        "float64": np.linspace(-1e-3, 1e300, 24, dtype=np.float64),
    }
    for name, values in typed.items():
        arr = values.reshape(2, 3, 4)
        data = nifti1(arr)
        back = roundtrip(data, f"nifti/dtype_{name}.nii")
        assert back.dtype == arr.dtype and np.array_equal(back, arr), name
        be = nifti1(arr, endian=">")
        assert be[:4] == struct.pack(">i", 348)
        assert np.array_equal(roundtrip(be, f"nifti/bigendian_{name}.nii"), arr), name
        if name == "float64":  # values up to 1e300 overflow float32
            error(f"nifti/dtype_{name}.nii", None, "non_finite", "datatype float64 beyond float32 (overflow)")
            error(f"nifti/bigendian_{name}.nii", None, "non_finite", "big-endian float64 beyond float32 (overflow)")
            continue
        ok(f"nifti/dtype_{name}.nii", None, as_cdhw(arr), f"datatype {name}")
        ok(f"nifti/bigendian_{name}.nii", None, as_cdhw(arr), f"big-endian {name}")
    rgb = (np.arange(2 * 3 * 2 * 3, dtype=np.uint8) * 7).reshape(2, 3, 2, 3)  # [W, H, D, RGB]
    rgb_header = patch(patch(nifti1(np.zeros((2, 3, 2), np.uint8))[:352], 70, "<h", 128), 72, "<h", 24)
    ok("nifti/dtype_rgb24.nii", rgb_header + np.ascontiguousarray(np.transpose(rgb, (2, 1, 0, 3))).tobytes(),
       np.transpose(rgb, (3, 2, 1, 0)), "RGB24: three channels")
    for label, slope, inter, scaled in [("zero", 0.0, 50.0, False), ("nan", float("nan"), 50.0, False),
                                        ("inf", float("inf"), 0.0, False), ("two", 2.0, -10.0, True),
                                        ("negative", -0.5, 3.0, True)]:
        data = patch(patch(base, 112, "<f", slope), 116, "<f", inter)
        expected = base_arr.astype(np.float64) * slope + inter if scaled else base_arr
        ok(f"nifti/slope_{label}.nii", data, as_cdhw(expected), f"scl_slope {slope}, scl_inter {inter}")
    arr4 = (np.arange(3 * 2 * 2 * 5, dtype=np.float32).reshape(3, 2, 2, 5) - 7) / 4
    ok("nifti/4d_t5.nii.gz", gz(nifti1(arr4)), as_cdhw(arr4), "4D with 5 time points → 5 channels")
    arr2 = np.arange(12, dtype=np.uint8).reshape(4, 3)
    ok("nifti/2d.nii", nifti1(arr2), as_cdhw(arr2), "2D image (dim[0] = 2)")
    ok("nifti/dims_5d_trailing_ones.nii", patch(base, 40, "<8h", 5, 4, 3, 2, 1, 1, 1, 1), as_cdhw(base_arr),
       "dim[0] = 5 with dim[4], dim[5] = 1")
    ok("nifti/dims_garbage_beyond_dim0.nii", patch(base, 48, "<4h", -7, 0, 9999, -1), as_cdhw(base_arr),
       "dims past dim[0] hold garbage (ignored)")
    n2 = nifti2_bytes(base_arr)
    ok("nifti/nifti2.nii", n2, as_cdhw(base_arr), "NIfTI-2 single file")
    ok("nifti/nifti2.nii.gz", gz(n2), as_cdhw(base_arr), "NIfTI-2 gzip")
    n2be_header = nib.Nifti2Header(endianness=">")
    n2be_header.set_data_dtype(base_arr.dtype)
    n2be = nib.Nifti2Image(base_arr, np.eye(4), header=n2be_header).to_bytes()
    assert n2be[:4] == struct.pack(">i", 540)
    ok("nifti/nifti2_bigendian.nii", n2be, as_cdhw(base_arr), "NIfTI-2 big-endian")
    pair_arr = (np.arange(24, dtype=np.float32).reshape(4, 3, 2) - 5) * 0.25
    pair = nib.Nifti1Pair(pair_arr, np.eye(4))
    nib.save(pair, os.path.join(ROOT, "nifti", "pair.hdr"))
    ok("nifti/pair.hdr", None, as_cdhw(pair_arr), "hdr/img pair, read by the .hdr")
    ok("nifti/pair.img", None, as_cdhw(pair_arr), "hdr/img pair, read by the .img")
    pair2 = nib.Nifti1Pair(base_arr, np.eye(4))
    hdr_bytes, img_bytes = io.BytesIO(), io.BytesIO()
    pair2.to_file_map({"header": nib.FileHolder(fileobj=hdr_bytes), "image": nib.FileHolder(fileobj=img_bytes)})
    ok("nifti/gzpair.hdr.gz", gz(hdr_bytes.getvalue()), as_cdhw(base_arr), "gzip-compressed hdr/img pair, by the .hdr.gz")
    ok("nifti/gzpair.img.gz", gz(img_bytes.getvalue()), as_cdhw(base_arr), "gzip-compressed hdr/img pair, by the .img.gz")
    half = len(base) // 3
    ok("nifti/two_gzip_members.nii.gz", gz(base[:half]) + gz(base[half:]), as_cdhw(base_arr),
       "two concatenated gzip members")
    ok("nifti/three_gzip_members_one_empty.nii.gz", gz(base[:200]) + gz(b"") + gz(base[200:]), as_cdhw(base_arr),
       "three members, the middle one empty")
    special = np.array([1.0, np.nan, -np.inf, np.inf, 2.5, -3.0, np.nan, 0.0], dtype=np.float32).reshape(2, 2, 2)
    ok("nifti/nonfinite.nii", nifti1(special), as_cdhw(special), "NaN and ±Inf voxels (decode ok)")
    all_nan = np.full((2, 2, 1), np.nan, dtype=np.float32)
    all_nan[0, 0, 0] = 4.0
    ok("nifti/mostly_nan.nii.gz", gz(nifti1(all_nan)), as_cdhw(all_nan), "all voxels NaN but one")
    ok("nifti/constant.nii", nifti1(np.full((3, 3, 3), 42, dtype=np.int16)), as_cdhw(np.full((3, 3, 3), 42)),
       "constant volume")
    ok("nifti/one_voxel.nii", nifti1(np.array([[[7.5]]], dtype=np.float32)), as_cdhw(np.array([[[7.5]]])), "1×1×1")
    ok("nifti/one_voxel.nii.gz", gz(nifti1(np.array([[[-1]]], dtype=np.int8))),
       as_cdhw(np.array([[[-1]]])), "1×1×1 int8 gzip")
    ext0 = patch(patch(base[:352], 348, "<4B", 1, 0, 0, 0), 108, "<f", 360) + struct.pack("<ii", 0, 0) + base[352:]
    ok("nifti/extension_size_0.nii", ext0, as_cdhw(base_arr), "extension flag set, esize 0 (ignored)")
    exthuge = patch(patch(base[:352], 348, "<4B", 1, 0, 0, 0), 108, "<f", 368) \
        + struct.pack("<ii", 0x7FFFFFF0, 6) + b"\0" * 8 + base[352:]
    ok("nifti/extension_size_huge.nii", exthuge, as_cdhw(base_arr), "extension esize 2^31-16 (ignored)")
    ok("nifti/extension_flag_garbage.nii", patch(base, 348, "<4B", 0xFF, 0xFF, 0xFF, 0xFF), as_cdhw(base_arr),
       "extension flag bytes 0xFF (ignored)")
    ok("nifti/vox_offset_gap.nii", patch(base[:352], 108, "<f", 1000) + b"\xAB" * 648 + base[352:],
       as_cdhw(base_arr), "data at vox_offset 1000 after a gap")
    ok("nifti/vox_offset_zero.nii", patch(base, 108, "<f", 0), as_cdhw(base_arr), "vox_offset 0 means 352")
    ok("nifti/trailing_bytes.nii", base + b"\x01" * 100, as_cdhw(base_arr), "bytes after the data (ignored)")
    ok("nifti/negative_pixdim.nii", patch(base, 80, "<3f", -1.0, float("nan"), 0.0), as_cdhw(base_arr),
       "pixdim -1, NaN, 0")
    ok("nifti/qform_garbage.nii", patch(patch(base, 252, "<hh", 1, 1), 256, "<6f", *([float("nan")] * 6)),
       as_cdhw(base_arr), "qform/sform codes 1 with NaN quaternion")
    png_bytes = png_gray8(np.arange(6, dtype=np.uint8).reshape(2, 3) * 40)
    ok("nifti/png_named.nii", png_bytes, np.arange(6).reshape(1, 1, 2, 3) * 40, "a PNG named .nii (read as PNG)")


def nifti2_bytes(arr):
    return nib.Nifti2Image(arr, np.eye(4)).to_bytes()


# ---------------------------------------------------------------------------------------------------- PNG

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


SIG = b"\x89PNG\r\n\x1a\n"


def ihdr(width, height, depth, color, interlace=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace))


def pack_rows(arr, depth, samples):
    """Rows of `arr` [H, W*samples] packed MSB-first at `depth` bits, each with filter byte 0."""
    rows = []
    for row in arr.reshape(arr.shape[0], -1):
        if depth == 16:
            body = row.astype(">u2").tobytes()
        elif depth == 8:
            body = row.astype(np.uint8).tobytes()
        else:
            bits = np.unpackbits(row.astype(np.uint8)[:, None], axis=1)[:, 8 - depth:].reshape(-1)
            body = np.packbits(bits).tobytes()
        rows.append(b"\0" + body)
    return b"".join(rows)


def png_raw(arr, depth, color, extra=b"", interlace=0, plte=b""):
    """A PNG from numpy `arr` [H, W] or [H, W, S] (already in the stored range)."""
    h, w = arr.shape[:2]
    samples = 1 if arr.ndim == 2 else arr.shape[2]
    if interlace:
        raw = b""
        for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                               (0, 1, 1, 2)]:
            sub = arr[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += pack_rows(sub, depth, samples)
    else:
        raw = pack_rows(arr, depth, samples)
    body = ihdr(w, h, depth, color, interlace) + extra
    if plte:
        body += chunk(b"PLTE", plte)
    return SIG + body + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def png_gray8(arr):
    return png_raw(arr, 8, 0)


def png_cdhw(arr):
    a = np.asarray(arr)
    if a.ndim == 2:
        a = a[..., None]
    return np.transpose(a, (2, 0, 1))[:, None]


def check_pillow(rel, arr):
    with Image.open(os.path.join(ROOT, rel)) as image:
        image.load()
        got = np.asarray(image)
    assert np.array_equal(got.reshape(arr.shape), arr), rel


def make_png():
    g = (np.arange(5 * 7, dtype=np.uint8).reshape(5, 7) * 7)
    good = png_gray8(g)
    error("png/empty.png", b"", "truncated", "empty file")
    error("png/signature_only.png", SIG, "truncated", "8-byte signature only")
    error("png/cut_in_ihdr.png", good[:20], "truncated", "cut inside IHDR")
    idat_at = good.index(b"IDAT")
    error("png/truncated_idat.png", good[: idat_at + 10], "truncated", "cut inside IDAT")
    error("png/missing_iend.png", good[:-12], "truncated", "no IEND chunk")
    bad = bytearray(good)
    bad[29] ^= 0xFF  # IHDR CRC
    error("png/bad_ihdr_crc.png", bytes(bad), "corrupt", "IHDR CRC damaged")
    bad = bytearray(good)
    end = good.index(b"IEND") - 4
    bad[end - 1] ^= 0xFF  # IDAT CRC
    error("png/bad_idat_crc.png", bytes(bad), "corrupt", "IDAT CRC damaged")
    body = zlib.compress(pack_rows(g, 8, 1))
    broken = bytearray(body)
    broken[5] ^= 0xFF
    error("png/bad_zlib.png", SIG + ihdr(7, 5, 8, 0) + chunk(b"IDAT", bytes(broken)) + chunk(b"IEND", b""),
          "corrupt", "IDAT with damaged deflate data and a valid CRC")
    error("png/bad_adler.png", SIG + ihdr(7, 5, 8, 0) + chunk(b"IDAT", body[:-4] + b"\0\0\0\0") + chunk(b"IEND", b""),
          "corrupt", "IDAT zlib stream with a wrong Adler-32")
    error("png/not_enough_data.png", SIG + ihdr(7, 5, 8, 0) + chunk(b"IDAT", zlib.compress(pack_rows(g, 8, 1)[:20]))
          + chunk(b"IEND", b""), "truncated", "IDAT inflates to fewer rows than IHDR declares")
    error("png/no_idat.png", SIG + ihdr(7, 5, 8, 0) + chunk(b"IEND", b""), "malformed", "no IDAT chunk")
    error("png/huge_100000.png", SIG + ihdr(100000, 100000, 8, 0) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
          + chunk(b"IEND", b""), "too_large", "IHDR 100000×100000")
    error("png/huge_2e9_wide.png", SIG + ihdr(2_000_000_000, 1, 16, 6) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
          + chunk(b"IEND", b""), "too_large",
          "IHDR 2e9×1 RGBA16")
    error("png/width_zero.png", SIG + ihdr(0, 5, 8, 0) + chunk(b"IEND", b""), "malformed", "width 0")
    error("png/width_2_31.png", SIG + ihdr(1 << 31, 1, 8, 0) + chunk(b"IEND", b""), "malformed",
          "width 2^31 (PNG limit is 2^31-1)")
    error("png/bit_depth_3.png", SIG + ihdr(7, 5, 3, 0) + chunk(b"IEND", b""), "malformed", "bit depth 3")
    error("png/color_type_5.png", SIG + ihdr(7, 5, 8, 5) + chunk(b"IEND", b""), "malformed", "colour type 5")
    error("png/palette_16bit.png", SIG + ihdr(7, 5, 16, 3) + chunk(b"IEND", b""), "malformed", "palette 16-bit")
    error("png/interlace_2.png", SIG + ihdr(7, 5, 8, 0, 2) + chunk(b"IEND", b""), "malformed", "interlace method 2")
    error("png/chunk_length_huge.png", SIG + ihdr(7, 5, 8, 0) + struct.pack(">I", 0x7FFFFFFF) + b"IDAT" + b"\0" * 16,
          "truncated", "IDAT length 2^31-1 in a tiny file")
    error("png/chunk_length_2_31.png", SIG + ihdr(7, 5, 8, 0) + struct.pack(">I", 0x80000000) + b"IDAT" + b"\0" * 16,
          "malformed", "chunk length 2^31 (out of range)")
    idx = (np.arange(35, dtype=np.uint8) % 5).reshape(5, 7)
    idx[2, 3] = 9
    error("png/palette_index_out_of_range.png", png_raw(idx, 8, 3, plte=bytes(range(15))), "malformed",
          "palette index 9 with a 5-entry PLTE")
    error("png/palette_missing_plte.png", png_raw(idx % 5, 8, 3), "malformed", "palette image without PLTE")
    error("png/plte_not_multiple_of_3.png", png_raw(idx % 5, 8, 3, plte=bytes(range(16))), "malformed",
          "PLTE of 16 bytes")
    error("png/garbage_after_signature.png", SIG + RNG.integers(0, 256, 64, dtype=np.uint8).tobytes(), "malformed",
          "signature then random bytes")
    error("png/ihdr_not_first.png", SIG + chunk(b"gAMA", struct.pack(">I", 45455)) + good[8:], "malformed",
          "gAMA before IHDR")
    error("png/critical_unknown_chunk.png", good[:33] + chunk(b"ABCD", b"xx") + good[33:], "malformed",
          "unknown critical chunk ABCD")
    error("png/named_tif.tif", b"\x89PNX\r\n\x1a\n" + good[8:], "unknown_format", "damaged PNG signature")

    ok("png/trailing_garbage.png", good + b"trailing garbage" * 4, png_cdhw(g), "bytes after IEND")
    ok("png/gray8.png", good, png_cdhw(g), "8-bit gray")
    check_pillow("png/gray8.png", g)
    for depth in (1, 2, 4):
        a = (np.arange(6 * 9, dtype=np.uint8).reshape(6, 9) * 5) % (1 << depth)
        rel = f"png/gray{depth}.png"
        ok(rel, png_raw(a, depth, 0), png_cdhw(a), f"{depth}-bit gray, raw range 0…{(1 << depth) - 1}")
        with Image.open(os.path.join(ROOT, rel)) as image:
            scaled = np.asarray(image.convert("L")).astype(int)
        assert np.array_equal(scaled, a.astype(int) * (255 // ((1 << depth) - 1))), rel
    g16 = (np.arange(4 * 5, dtype=np.uint32).reshape(4, 5) * 3449 % 65536).astype(np.uint16)
    ok("png/gray16.png", png_raw(g16, 16, 0), png_cdhw(g16), "16-bit gray")
    check_pillow("png/gray16.png", g16)
    rgb16 = (np.arange(3 * 4 * 3, dtype=np.uint32).reshape(3, 4, 3) * 1801 % 65536).astype(np.uint16)
    ok("png/rgb16.png", png_raw(rgb16, 16, 2), png_cdhw(rgb16), "16-bit RGB")
    rgba = (np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4) * 5)
    ok("png/rgba8.png", png_raw(rgba, 8, 6), png_cdhw(rgba), "8-bit RGBA")
    check_pillow("png/rgba8.png", rgba)
    ga = (np.arange(3 * 4 * 2, dtype=np.uint8).reshape(3, 4, 2) * 9)
    ok("png/gray_alpha8.png", png_raw(ga, 8, 4), png_cdhw(ga), "8-bit gray + alpha")
    ga16 = (np.arange(3 * 4 * 2, dtype=np.uint16).reshape(3, 4, 2) * 2711)
    ok("png/gray_alpha16.png", png_raw(ga16, 16, 4), png_cdhw(ga16), "16-bit gray + alpha")
    plte = bytes((np.arange(15) * 17).astype(np.uint8))
    pal_idx = (np.arange(35, dtype=np.uint8) % 5).reshape(5, 7)
    lut = np.frombuffer(plte, np.uint8).reshape(5, 3)
    ok("png/palette8.png", png_raw(pal_idx, 8, 3, plte=plte), png_cdhw(lut[pal_idx]), "8-bit palette → RGB")
    with Image.open(os.path.join(ROOT, "png/palette8.png")) as image:
        assert np.array_equal(np.asarray(image.convert("RGB")), lut[pal_idx])
    pal2 = (np.arange(35, dtype=np.uint8) % 4).reshape(5, 7)
    ok("png/palette2.png", png_raw(pal2, 2, 3, plte=plte[:12]), png_cdhw(lut[:4][pal2]), "2-bit palette")
    a7 = (np.arange(11 * 13, dtype=np.uint32).reshape(11, 13) * 37 % 256).astype(np.uint8)
    ok("png/adam7_gray8.png", png_raw(a7, 8, 0, interlace=1), png_cdhw(a7), "Adam7 interlaced 11×13 gray")
    check_pillow("png/adam7_gray8.png", a7)
    a7c = (np.arange(9 * 10 * 3, dtype=np.uint32).reshape(9, 10, 3) * 613 % 65536).astype(np.uint16)
    ok("png/adam7_rgb16.png", png_raw(a7c, 16, 2, interlace=1), png_cdhw(a7c), "Adam7 interlaced 16-bit RGB")
    a7s = np.array([[3]], dtype=np.uint8)
    ok("png/adam7_1x1.png", png_raw(a7s, 8, 0, interlace=1), png_cdhw(a7s), "Adam7 1×1 (six empty passes)")
    ok("png/one_pixel.png", png_raw(np.array([[200]], np.uint8), 8, 0), png_cdhw(np.array([[200]])), "1×1")
    ok("png/trns_gray.png", png_raw(g, 8, 0, extra=chunk(b"tRNS", struct.pack(">H", 14))), png_cdhw(g),
       "tRNS on gray (ignored: no alpha channel)")
    ok("png/trns_palette.png", insert_after_plte(png_raw(pal_idx, 8, 3, plte=plte), chunk(b"tRNS", b"\x00\x80")),
       png_cdhw(lut[pal_idx]), "tRNS on palette (ignored)")
    ok("png/gamma_srgb_16.png", png_raw(g16, 16, 0, extra=chunk(b"gAMA", struct.pack(">I", 45455))
                                        + chunk(b"sRGB", b"\0")), png_cdhw(g16), "gAMA 1/2.2 + sRGB: raw values")
    ok("png/gamma_odd_8.png", png_raw(g, 8, 0, extra=chunk(b"gAMA", struct.pack(">I", 100000))),
       png_cdhw(g), "gAMA 1.0 on 8-bit: raw values")
    ok("png/text_chunks.png", png_raw(g, 8, 0, extra=chunk(b"tEXt", b"Comment\0hostile") + chunk(b"zzZz", b"?")),
       png_cdhw(g), "tEXt and an unknown ancillary chunk")
    split = zlib.compress(pack_rows(g, 8, 1))
    ok("png/idat_split.png", SIG + ihdr(7, 5, 8, 0) + b"".join(chunk(b"IDAT", split[i:i + 3])
                                                            for i in range(0, len(split), 3)) + chunk(b"IEND", b""),
       png_cdhw(g), "IDAT split into 3-byte chunks")
    ok("png/idat_empty_chunks.png", SIG + ihdr(7, 5, 8, 0) + chunk(b"IDAT", b"") + chunk(b"IDAT", split)
       + chunk(b"IDAT", b"") + chunk(b"IEND", b""), png_cdhw(g), "empty IDAT chunks around the data")
    ok("png/png_named.nii.gz", good, png_cdhw(g), "a PNG named .nii.gz (read as PNG)")


def insert_after_plte(data, extra):
    at = data.index(b"PLTE") - 4
    length = struct.unpack(">I", data[at:at + 4])[0]
    end = at + 12 + length
    return data[:end] + extra + data[end:]


# ---------------------------------------------------------------------------------------------------- TIFF

TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 16: 8}
TYPE_FMT = {1: "B", 2: "B", 3: "H", 4: "I", 16: "Q"}


def tiff_classic(pages, order="<", trailing=b"", first_offset=None, loop=False, entry_count_override=None):
    """A classic TIFF by hand. `pages`: list of (tags, data) with tags {tag: (type, [values])}; the strip offset
    tag 273 given as (4, None) is filled in with the offset of `data` (one strip)."""
    out = bytearray(b"II*\0" if order == "<" else b"MM\0*")
    out += b"\0\0\0\0"
    ifd_offsets = []
    for index, (tags, data) in enumerate(pages):
        data_offset = len(out)
        out += data
        if len(out) % 2:
            out += b"\0"
        tags = dict(tags)
        if 273 in tags and tags[273][1] is None:
            tags[273] = (4, [data_offset])
        extra = bytearray()
        entries = []
        base = len(out)
        count = len(tags)
        extra_at = base + 2 + 12 * count + 4
        for tag in sorted(tags):
            typ, values = tags[tag]
            raw = b"".join(struct.pack(order + TYPE_FMT[typ], v) for v in values)
            if len(raw) <= 4:
                field = raw.ljust(4, b"\0")
            else:
                field = struct.pack(order + "I", extra_at + len(extra))
                extra += raw
            entries.append(struct.pack(order + "HHI", tag, typ, len(values)) + field)
        ifd_offsets.append(base)
        declared = entry_count_override if entry_count_override is not None else count
        out += struct.pack(order + "H", declared) + b"".join(entries) + b"\0\0\0\0" + extra
    for index, at in enumerate(ifd_offsets):
        nxt = ifd_offsets[index + 1] if index + 1 < len(ifd_offsets) else (at if loop else 0)
        struct.pack_into(order + "I", out, at + 2 + 12 * len(pages[index][0]), nxt)
    struct.pack_into(order + "I", out, 4, ifd_offsets[0] if first_offset is None else first_offset)
    return bytes(out) + trailing


def strip_tags(width, height, bits=8, spp=1, fmt=1, nbytes=None, rows=None, compression=1, photometric=1, extra=None):
    tags = {256: (4, [width]), 257: (4, [height]), 258: (3, [bits] * max(spp, 1)), 259: (3, [compression]),
            262: (3, [photometric]), 273: (4, None), 277: (3, [spp]), 278: (4, [rows if rows is not None else height]),
            279: (4, [nbytes if nbytes is not None else width * height * spp * max(bits, 8) // 8]),
            339: (3, [fmt] * max(spp, 1))}
    tags.update(extra or {})
    return tags


def lzw_encode(data):
    """TIFF LZW (MSB first, 9-bit codes only): literal codes with a Clear code every 250 literals so the
    table never reaches the 10-bit switch."""
    codes = []
    for start in range(0, len(data), 250):
        codes.append(256)
        codes.extend(data[start:start + 250])
    codes.append(257)
    bits = "".join(format(code, "09b") for code in codes)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def packbits_encode(data):
    out = bytearray()
    for start in range(0, len(data), 128):
        piece = data[start:start + 128]
        out.append(len(piece) - 1)
        out += piece
    return bytes(out)


def tiff_values(path):
    return tifffile.imread(os.path.join(ROOT, path))


def make_tiff():
    img = (np.arange(6 * 5, dtype=np.uint8).reshape(6, 5) * 8)
    good_tags = strip_tags(5, 6)
    good = tiff_classic([(good_tags, img.tobytes())])
    ok("tiff/hand_uint8.tif", good, img[None, None], "hand-written 8-bit strip TIFF")
    assert np.array_equal(tiff_values("tiff/hand_uint8.tif"), img)

    error("tiff/empty.tif", b"", "truncated", "empty file")
    error("tiff/magic_only.tif", b"II*\0", "truncated", "byte-order mark only")
    error("tiff/ifd_at_0.tif", tiff_classic([(good_tags, img.tobytes())], first_offset=0), "malformed",
          "first IFD offset 0")
    error("tiff/ifd_past_eof.tif", tiff_classic([(good_tags, img.tobytes())], first_offset=1 << 30), "truncated",
          "first IFD offset 2^30 in a small file")
    error("tiff/ifd_self_loop.tif", tiff_classic([(good_tags, img.tobytes())], loop=True), "malformed",
          "the only IFD points to itself as next")
    two = tiff_classic([(good_tags, img.tobytes()), (good_tags, img.tobytes())])
    second = struct.unpack_from("<I", two, 4)[0]
    second_next = second + 2 + 12 * len(good_tags)
    nxt = struct.unpack_from("<I", two, second_next)[0]
    error("tiff/ifd_two_page_loop.tif", patch(two, nxt + 2 + 12 * len(good_tags), "<I", second), "malformed",
          "page 2 points back to page 1")
    error("tiff/width_zero.tif", tiff_classic([(strip_tags(0, 6, nbytes=30), img.tobytes())]), "malformed",
          "ImageWidth 0")
    error("tiff/height_zero.tif", tiff_classic([(strip_tags(5, 0, nbytes=30), img.tobytes())]), "malformed",
          "ImageLength 0")
    error("tiff/bits_zero.tif", tiff_classic([(strip_tags(5, 6, bits=0, nbytes=30), img.tobytes())]),
          "malformed", "BitsPerSample 0 (libtiff: scanline size zero)")
    img12 = np.zeros(45, np.uint8)
    error("tiff/bits_12.tif", tiff_classic([(strip_tags(5, 6, bits=12, nbytes=45), img12.tobytes())]),
          "unsupported", "BitsPerSample 12")
    error("tiff/bits_1.tif", tiff_classic([(strip_tags(8, 2, bits=1, nbytes=2), b"\xAA\x55")]), "unsupported",
          "BitsPerSample 1 (bilevel)")
    error("tiff/spp_zero.tif", tiff_classic([(strip_tags(5, 6, spp=0, nbytes=30), img.tobytes())]), "malformed",
          "SamplesPerPixel 0")
    error("tiff/huge_1e6.tif", tiff_classic([(strip_tags(1_000_000, 1_000_000, nbytes=30), img.tobytes())]),
          "too_large", "1e6 × 1e6 declared")
    error("tiff/huge_4e9_wide.tif", tiff_classic([(strip_tags(4_000_000_000, 1, nbytes=30), img.tobytes())]),
          "too_large", "4e9 × 1 declared")
    error("tiff/huge_tiles.tif", tiff_classic([({256: (4, [64]), 257: (4, [64]), 258: (3, [8]), 259: (3, [1]),
                                                 262: (3, [1]), 277: (3, [1]), 322: (4, [1 << 20]),
                                                 323: (4, [1 << 20]), 324: (4, [8]), 325: (4, [30])}, b"")]),
          "too_large", "64×64 image with 2^20 × 2^20 tiles")
    error("tiff/strip_truncated.tif", cut_strip(good), "truncated", "file cut inside the strip data")
    error("tiff/strip_offset_past_eof.tif", set_tag_value(good, 273, 1 << 30), "truncated", "StripOffsets 2^30")
    ok("tiff/strip_count_short.tif", set_tag_value(good, 279, 10), img[None, None],
       "StripByteCounts 10 of 30 with the data present (libtiff recomputes a single uncompressed strip's count)")
    error("tiff/entries_65535.tif", tiff_classic([(good_tags, img.tobytes())], entry_count_override=65535),
          "malformed", "IFD declaring 65535 entries in a small file (libtiff's IFD sanity check)")
    error("tiff/entries_0.tif", tiff_classic([(good_tags, img.tobytes())], entry_count_override=0), "malformed",
          "IFD declaring 0 entries")
    small = np.arange(12, dtype=np.uint8).reshape(3, 4)
    error("tiff/pages_differ.tif", tiff_classic([(good_tags, img.tobytes()), (strip_tags(4, 3), small.tobytes())]),
          "shape_mismatch", "page 0 5×6, page 1 4×3")
    error("tiff/pages_type_differ.tif", tiff_classic([(good_tags, img.tobytes()),
                                                      (strip_tags(5, 6, bits=16), img.astype("<u2").tobytes())]),
          "shape_mismatch", "page 0 uint8, page 1 uint16")
    error("tiff/second_page_broken.tif", tiff_classic([(good_tags, img.tobytes()), (strip_tags(0, 6), img.tobytes())]),
          "malformed", "page 1 has width 0")
    error("tiff/palette.tif", tiff_classic([(strip_tags(5, 6, photometric=3,
                                                        extra={320: (3, list(range(768)))}), img.tobytes())]),
          "unsupported", "palette-colour page")
    error("tiff/jpeg2000.tif", tiff_classic([(strip_tags(5, 6, compression=34712), img.tobytes())]), "unsupported",
          "Compression 34712 (JPEG 2000)")
    error("tiff/compression_unknown.tif", tiff_classic([(strip_tags(5, 6, compression=12345), img.tobytes())]),
          "unsupported", "Compression 12345")
    error("tiff/float16.tif", tiff_classic([(strip_tags(5, 6, bits=16, fmt=3), img.astype("<u2").tobytes())]),
          "unsupported", "16-bit float samples")
    error("tiff/complex.tif", tiff_classic([(strip_tags(5, 6, bits=64, fmt=6), np.zeros(30, "<u8").tobytes())]),
          "unsupported", "complex samples")
    error("tiff/sampleformat_9.tif", tiff_classic([(strip_tags(5, 6, fmt=9), img.tobytes())]), "malformed",
          "SampleFormat 9")
    lzw_bad = bytes([0xFF] * 20)
    error("tiff/lzw_garbage.tif", tiff_classic([(strip_tags(5, 6, compression=5, nbytes=len(lzw_bad)), lzw_bad)]),
          "corrupt", "LZW strip of 0xFF bytes")
    deflate_bad = zlib.compress(img.tobytes())[:2] + b"\xff" * 20
    error("tiff/deflate_garbage.tif", tiff_classic([(strip_tags(5, 6, compression=8, nbytes=len(deflate_bad)),
                                                     deflate_bad)]), "corrupt", "deflate strip with damaged data")
    error("tiff/garbage_after_magic.tif", b"II*\0" + RNG.integers(0, 256, 60, dtype=np.uint8).tobytes(),
          "truncated", "byte-order mark then random bytes")
    error("tiff/bigtiff_bad_header.tif", b"II+\0" + struct.pack("<HHQ", 16, 0, 16), "malformed",
          "BigTIFF with offset size 16")

    error("tiff/rows_per_strip_0.tif", tiff_classic([(strip_tags(5, 6, rows=0), img.tobytes())]), "malformed",
          "RowsPerStrip 0 (libtiff: bad value)")
    tile0 = tiff_classic([({256: (4, [5]), 257: (4, [6]), 258: (3, [8]), 259: (3, [1]), 262: (3, [1]),
                            277: (3, [1]), 322: (4, [0]), 323: (4, [16]), 324: (4, [8]), 325: (4, [30])}, b"")])
    error("tiff/tile_width_0.tif", tile0, "malformed", "TileWidth 0")
    ok("tiff/be_hand.tif", tiff_classic([(strip_tags(5, 6, bits=16), img.astype(">u2").tobytes())], order=">"),
       img[None, None], "hand-written big-endian 16-bit")
    lzw = lzw_encode(img.tobytes() * 1)
    ok("tiff/lzw.tif", tiff_classic([(strip_tags(5, 6, compression=5, nbytes=len(lzw)), lzw)]), img[None, None],
       "LZW strip")
    with Image.open(os.path.join(ROOT, "tiff/lzw.tif")) as image:
        assert np.array_equal(np.asarray(image), img)
    bigimg = (np.arange(40 * 30, dtype=np.uint32).reshape(40, 30) * 7 % 251).astype(np.uint8)
    lzw_big = lzw_encode(bigimg.tobytes())
    ok("tiff/lzw_clear_codes.tif", tiff_classic([(strip_tags(30, 40, compression=5, nbytes=len(lzw_big)), lzw_big)]),
       bigimg[None, None], "LZW strip with Clear codes every 250 literals")
    with Image.open(os.path.join(ROOT, "tiff/lzw_clear_codes.tif")) as image:
        assert np.array_equal(np.asarray(image), bigimg)
    pb = packbits_encode(bigimg.tobytes())
    ok("tiff/packbits.tif", tiff_classic([(strip_tags(30, 40, compression=32773, nbytes=len(pb)), pb)]),
       bigimg[None, None], "PackBits strip")
    with Image.open(os.path.join(ROOT, "tiff/packbits.tif")) as image:
        assert np.array_equal(np.asarray(image), bigimg)

    def tf(rel, arr, what, cdhw=None, **kwargs):
        path = os.path.join(ROOT, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tifffile.imwrite(path, arr, **kwargs)
        back = tifffile.imread(path)
        assert np.array_equal(back, arr, equal_nan=arr.dtype.kind == "f"), rel
        ok(rel, None, cdhw if cdhw is not None else arr[None, None], what)

    f = (np.arange(7 * 9, dtype=np.float32).reshape(7, 9) - 20) / 3
    tf("tiff/deflate.tif", f, "deflate float32", compression="zlib")
    tf("tiff/deflate_predictor.tif", (np.arange(63, dtype=np.uint16).reshape(7, 9) * 999), "deflate + predictor",
       compression="zlib", predictor=True)
    tiled = (np.arange(40 * 35, dtype=np.uint32).reshape(40, 35) * 31 % 65536).astype(np.uint16)
    tf("tiff/tiled.tif", tiled, "16×16 tiles over 35×40 (edge tiles)", tile=(16, 16))
    tf("tiff/bigtiff.tif", tiled[:8, :9].astype(np.int16) - 3000, "BigTIFF int16", bigtiff=True)
    tf("tiff/bigendian.tif", tiled[:8, :9].astype(np.int32) * -70000, "big-endian int32", byteorder=">")
    rgb = (np.arange(6 * 5 * 3, dtype=np.uint8).reshape(6, 5, 3) * 3)
    tf("tiff/rgb_contig.tif", rgb, "RGB contiguous", cdhw=np.transpose(rgb, (2, 0, 1))[:, None], photometric="rgb")
    planar = np.transpose(rgb, (2, 0, 1)).copy()
    tf("tiff/rgb_planar.tif", planar, "RGB planar (PlanarConfiguration 2)", cdhw=planar[:, None],
       photometric="rgb", planarconfig="separate")
    f64 = np.array([[1e-300, -2.5, 1e300], [3.25, 0.0, -1e10]], dtype=np.float64)
    path = os.path.join(ROOT, "tiff/float64.tif")
    tifffile.imwrite(path, f64)
    assert np.array_equal(tifffile.imread(path), f64)
    error("tiff/float64.tif", None, "non_finite", "float64 1e300 beyond float32 (overflow)")
    tf("tiff/float64_narrowed.tif", np.array([[1e-300, -2.5, 1e30], [3.25, 0.0, -1e10]], dtype=np.float64),
       "float64 within float32's range (narrowed; 1e-300 underflows to 0)")
    u32 = np.array([[0, 1 << 31, (1 << 32) - 1], [3_000_000_000, 2_147_483_649, 17]], dtype=np.uint32)
    tf("tiff/uint32_big.tif", u32, "uint32 above 2^31")
    stack = (np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5) * 4)
    path = os.path.join(ROOT, "tiff/stack3.tif")
    with tifffile.TiffWriter(path) as writer:
        for page in stack:
            writer.write(page, photometric="minisblack", contiguous=False)
    with tifffile.TiffFile(path) as stored:
        assert np.array_equal(np.stack([page.asarray() for page in stored.pages]), stack)
    ok("tiff/stack3.tif", None, stack[None], "3-page stack → D = 3")
    nan = np.array([[np.nan, 1.0], [np.inf, -2.0]], dtype=np.float32)
    tf("tiff/nonfinite.tif", nan, "float32 with NaN and Inf")
    tf("tiff/one_pixel.tif", np.array([[65535]], dtype=np.uint16), "1×1 uint16")
    tf("tiff/strips_of_1.tif", tiled[:9, :7], "RowsPerStrip 1", rowsperstrip=1)
    tf("tiff/int8.tif", (np.arange(12, dtype=np.int8).reshape(3, 4) * 11 - 60), "int8")
    tf("tiff/uint64.tif", np.array([[1 << 63, 5]], dtype=np.uint64), "uint64 2^63")


def cut_strip(data):
    return data[:8 + 20]


def set_tag_value(data, tag, value):
    """Rewrites the single LONG value of `tag` in the first IFD of a little-endian classic TIFF."""
    ifd = struct.unpack_from("<I", data, 4)[0]
    count = struct.unpack_from("<H", data, ifd)[0]
    for i in range(count):
        at = ifd + 2 + 12 * i
        if struct.unpack_from("<H", data, at)[0] == tag:
            return patch(data, at + 8, "<I", value)
    raise KeyError(tag)


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    make_nifti()
    make_png()
    make_tiff()
    files = {c["file"] for c in CASES}
    assert len(files) == len(CASES), "duplicate case"
    for case in CASES:
        assert os.path.exists(os.path.join(ROOT, case["file"])), case["file"]
    with open(os.path.join(ROOT, "manifest.json"), "w") as handle:
        json.dump({"generator": "Scripts/make_hostile_corpus.py", "cases": CASES}, handle, indent=1)
        handle.write("\n")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(ROOT) for f in fs)
    print(f"{len(CASES)} cases ({sum(c['expect'] == 'error' for c in CASES)} errors), {total} bytes in {ROOT}")


if __name__ == "__main__":
    main()
