#!/usr/bin/env python3
"""DICOM CT workload of the `make bench` DICOM cases (issue 18), written to Benchmarks/.workload/<scale>/dicom/.

What it makes (full scale, the default):
  dicom/native/series_NNN/slice_MMM.dcm   24 CT series of 160 axial slices 256 x 256, one series per directory,
                                          explicit VR little endian, signed 16-bit samples (BitsStored 16),
                                          RescaleSlope 1 / RescaleIntercept -1024 (stored = HU + 1024), PixelSpacing
                                          1.4 mm, slices 2 mm apart, LPS ImagePositionPatient of a table at z = -200 mm
                                          upwards, identity ImageOrientationPatient, InstanceNumber 1..160.
  dicom/jpegll/series_NNN/slice_MMM.dcm   the same files in JPEG lossless, process 14, selection value 1
                                          (1.2.840.10008.1.2.4.70), encoded by DCMTK's `dcmcjpeg +e1` (Debian dcmtk).
  dicom/manifest.json                     parameters and file sizes; the script skips the work when the manifest
                                          matches the requested parameters and every file is present with its size.
The voxels are the CT phantoms of make_workload.py (`ct_volume`: body, fat rim, lungs, heart, trachea, spine, ribs,
air, quantum noise, a -1024 HU pad outside the scanner's circular field of view) with the same per-file seeds:
series NNN holds the volume of ct-gz/ct_NNN.nii.gz, slice k its plane z = k, row r its line y = r, column c its
x = c (DICOM rows run along ImageOrientationPatient's column direction, LPS +y). The headers carry what a CT export
carries (patient/study/series identifiers, dates, modality, kVp, window, pixel module); UIDs are derived from the
series and slice numbers under a fixed root, so the files are deterministic.
The smoke-test variant `--scale small` makes 4 series of 40 slices 64 x 64 (the small CT workload's volumes).

How to run (from the repository root):
  python3 Benchmarks/make_dicom_workload.py                 # full (~500 MB native + ~JPEG copy, ~2 min on 2 cores)
  python3 Benchmarks/make_dicom_workload.py --scale small   # seconds
  options: --out DIR (the workload directory; default Benchmarks/.workload/<scale>), --series N, --force,
           --processes N
Needs numpy, pydicom (3.x) and DCMTK's dcmcjpeg (Debian package dcmtk; `make bench` installs it).
"""
import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, JPEGLosslessSV1

from make_workload import BENCH_DIR, SCALES, ct_volume, up_to_date, write_file

GENERATOR_VERSION = 1
UID_ROOT = "1.2.826.0.1.3680043.9.7433.18"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
VARIANTS = ("native", "jpegll")


def uid(*parts):
    return ".".join([UID_ROOT, *(str(p) for p in parts)])


def slice_dataset(series, k, frame, shape, spacing):
    """One CT Image Storage object: slice k of series `series`, `frame` the Rows x Columns int16 samples."""
    nx, ny, nz = shape
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = uid(2, series, k + 1)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = uid(0)
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CT_IMAGE_STORAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20260115"
    ds.StudyTime = ds.SeriesTime = "101500"
    ds.ContentTime = f"1015{k % 60:02d}"
    ds.AccessionNumber = f"ACC{series:05d}"
    ds.Modality = "CT"
    ds.Manufacturer = "medprep bench"
    ds.InstitutionName = "Synthetic"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "CHEST"
    ds.SeriesDescription = "Chest 2.0 B30f"
    ds.PatientName = f"Bench^Patient{series:03d}"
    ds.PatientID = f"BENCH{series:03d}"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.BodyPartExamined = "CHEST"
    ds.SliceThickness = f"{spacing[2]:g}"
    ds.KVP = "120"
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = uid(1, series)
    ds.SeriesInstanceUID = uid(3, series)
    ds.StudyID = str(series + 1)
    ds.SeriesNumber = 2
    ds.AcquisitionNumber = 1
    ds.InstanceNumber = k + 1
    x0 = -(nx - 1) / 2 * spacing[0]
    y0 = -(ny - 1) / 2 * spacing[1]
    ds.ImagePositionPatient = [f"{x0:g}", f"{y0:g}", f"{-200.0 + k * spacing[2]:g}"]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.FrameOfReferenceUID = uid(4, series)
    ds.PositionReferenceIndicator = ""
    ds.SliceLocation = f"{-200.0 + k * spacing[2]:g}"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ny
    ds.Columns = nx
    ds.PixelSpacing = [f"{spacing[1]:g}", f"{spacing[0]:g}"]
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.WindowCenter = "40"
    ds.WindowWidth = "400"
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.PixelData = np.ascontiguousarray(frame, dtype="<i2").tobytes()
    return ds


def write_series(job):
    """Writes one native series and its JPEG lossless copy; {relative path: size}."""
    out, series, shape, spacing, encoder = job
    volume = ct_volume(series, shape, spacing)  # (x, y, z) stored values, HU + 1024
    files = {}
    name = f"series_{series:03d}"
    native_dir = os.path.join(out, "native", name)
    jpeg_dir = os.path.join(out, "jpegll", name)
    for directory in (native_dir, jpeg_dir):
        os.makedirs(directory, exist_ok=True)
    for k in range(shape[2]):
        frame = volume[:, :, k].T  # rows along y, columns along x
        ds = slice_dataset(series, k, frame, shape, spacing)
        file_name = f"slice_{k:03d}.dcm"
        native = os.path.join(native_dir, file_name)
        temporary = native + ".tmp"
        ds.save_as(temporary, enforce_file_format=True)
        os.replace(temporary, native)
        jpeg = os.path.join(jpeg_dir, file_name)
        subprocess.run([encoder, "+e1", native, jpeg + ".tmp"], check=True, capture_output=True)
        os.replace(jpeg + ".tmp", jpeg)
        for variant, path in (("native", native), ("jpegll", jpeg)):
            files[f"{variant}/{name}/{file_name}"] = os.path.getsize(path)
    check_series(native_dir, jpeg_dir, volume)
    return files


def check_series(native_dir, jpeg_dir, volume):
    """Reads the first and last slice of both copies back with pydicom: the samples are the phantom's, the JPEG
    copy carries the SV1 syntax (decoded when pydicom has a JPEG lossless plugin)."""
    import pydicom
    for k in (0, volume.shape[2] - 1):
        expected = volume[:, :, k].T
        native = pydicom.dcmread(os.path.join(native_dir, f"slice_{k:03d}.dcm"))
        assert np.array_equal(native.pixel_array, expected), native_dir
        jpeg = pydicom.dcmread(os.path.join(jpeg_dir, f"slice_{k:03d}.dcm"))
        assert jpeg.file_meta.TransferSyntaxUID == JPEGLosslessSV1, jpeg_dir
        try:
            decoded = jpeg.pixel_array
        except Exception:  # no decoder plugin installed: the syntax check above is what can be checked
            continue
        assert np.array_equal(decoded, expected), jpeg_dir


def parameters(args):
    scale = SCALES[args.scale]
    return {"generator_version": GENERATOR_VERSION, "scale": args.scale,
            "series": args.series if args.series is not None else scale["ct"],
            "shape": list(scale["ct_shape"]), "spacing": list(scale["ct_spacing"])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--out", help="workload directory (default Benchmarks/.workload/<scale>); files go to OUT/dicom")
    parser.add_argument("--series", type=int, help="number of series (default 24 full, 4 small)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--force", action="store_true", help="regenerate even when the manifest matches")
    args = parser.parse_args()
    out = os.path.join(os.path.abspath(args.out or os.path.join(BENCH_DIR, ".workload", args.scale)), "dicom")
    params = parameters(args)
    if not args.force and up_to_date(out, params):
        print(f"DICOM workload up to date: {out}")
        return 0
    encoder = shutil.which("dcmcjpeg")
    if encoder is None:
        sys.exit("error: dcmcjpeg not found; install DCMTK (Debian: apt-get install dcmtk) for the JPEG lossless copy")
    for variant in VARIANTS:
        shutil.rmtree(os.path.join(out, variant), ignore_errors=True)
    shape, spacing = tuple(params["shape"]), tuple(params["spacing"])
    jobs = [(out, series, shape, spacing, encoder) for series in range(params["series"])]
    files = {}
    with multiprocessing.Pool(max(1, args.processes)) as pool:
        for result in pool.imap_unordered(write_series, jobs, chunksize=1):
            files.update(result)
    summary = {variant: sum(n for p, n in files.items() if p.startswith(variant + "/")) for variant in VARIANTS}
    manifest = {"parameters": params, "summary": summary, "files": dict(sorted(files.items()))}
    write_file(os.path.join(out, "manifest.json"), (json.dumps(manifest, indent=1) + "\n").encode())
    print(f"DICOM workload written: {out}")
    print(f"  {params['series']} series x {shape[2]} slices {shape[0]}x{shape[1]}: native {summary['native'] / 1e6:.1f} MB, "
          f"JPEG lossless SV1 {summary['jpegll'] / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
