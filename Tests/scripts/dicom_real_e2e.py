#!/usr/bin/env python3
"""Reference check for medprep over pydicom's real DICOM series (Tests/MedPrepRunTests/DICOMRealSeriesTests.swift).

Usage: dicom_real_e2e.py OUTPUT_DIR FIXTURE_DIR

FIXTURE_DIR/reference.json is written by Scripts/fixtures/make_dicom_real_fixtures.py (dcm2niix, pydicom, nibabel).
OUTPUT_DIR is a `medprep run` output without stages, with `reports: [json]`. Checks, independently of medprep:
- every reference case is one processed entry of report.json (named by its first file), whose `.nii.gz`, and the
  dcm2niix reference, both brought to the closest canonical (RAS) orientation with nibabel, have the same shape,
  affines within 1e-3 mm, and values within 1e-4 relative of dcm2niix's and of pydicom's rescaled pixels;
- every reference pixel case (a radiograph without patient frame) is a processed entry whose `.nii.gz` has the
  reference shape, the affine diag(spacing) (pixel space, as a PNG) and pydicom's values within 1e-4 relative;
- every reference failure is a failed entry of its directory with the error kind and message fragments;
- the skipped objects are `dicom_not_image` notes; no other entry exists.
Prints "ok <first file>" per case; exits 1 at the first mismatch.
"""
import json
import sys

import nibabel
import numpy


def close(actual, expected):
    return numpy.all(numpy.abs(actual - expected) <= 1e-4 * numpy.maximum(1.0, numpy.abs(expected)))


def main(output, fixtures):
    reference = json.load(open(f"{fixtures}/reference.json"))
    report = json.load(open(f"{output}/report.json"))
    entries = {entry["input"]: entry for entry in report["files"]}
    for case in reference["cases"]:
        first = case["files"][0]
        entry = entries.pop(first, None)
        if entry is None or entry["status"] != "processed":
            sys.exit(f"{first}: no processed entry in report.json: {entry}")
        image = nibabel.as_closest_canonical(nibabel.load(f"{output}/{entry['outputs'][0]}"))
        data = numpy.asarray(image.dataobj, dtype=numpy.float64)
        data = data.reshape(data.shape[:3])
        affine = numpy.array(case["affine"]).reshape(4, 4)
        for name in ("dcm2niix", "pydicom"):
            want = nibabel.as_closest_canonical(nibabel.Nifti1Image(
                numpy.array(case[name]).reshape(case["shape"]), affine))
            expected = numpy.asarray(want.dataobj, dtype=numpy.float64)
            if data.shape != expected.shape:
                sys.exit(f"{first}: canonical shape {data.shape}, {name} {expected.shape}")
            if not numpy.allclose(image.affine, want.affine, atol=1e-3, rtol=0):
                sys.exit(f"{first}: canonical affine\n{image.affine}\n{name}\n{want.affine}")
            if not close(data, expected):
                sys.exit(f"{first}: values differ from {name} by up to {numpy.abs(data - expected).max()}")
        print(f"ok {first}")
    for case in reference.get("pixelCases", []):
        entry = entries.pop(case["file"], None)
        if entry is None or entry["status"] != "processed":
            sys.exit(f"{case['file']}: no processed entry in report.json: {entry}")
        image = nibabel.load(f"{output}/{entry['outputs'][0]}")
        data = numpy.asarray(image.dataobj, dtype=numpy.float64)
        data = data.reshape(data.shape[:3])
        expected = numpy.array(case["values"]).reshape(case["shape"])
        if data.shape != expected.shape:
            sys.exit(f"{case['file']}: shape {data.shape}, expected {expected.shape}")
        if not numpy.allclose(image.affine, numpy.diag(case["spacing"] + [1.0]), atol=1e-6, rtol=0):
            sys.exit(f"{case['file']}: affine\n{image.affine}\nexpected diag({case['spacing']})")
        if not close(data, expected):
            sys.exit(f"{case['file']}: values differ from pydicom by up to {numpy.abs(data - expected).max()}")
        print(f"ok {case['file']}")
    for failure in reference["failures"]:
        found = [key for key in entries if key.startswith(failure["directory"] + "/")]
        if len(found) != 1:
            sys.exit(f"{failure['directory']}: expected one failed entry, found {found}")
        entry = entries.pop(found[0])
        message = entry.get("error", "")
        if entry["status"] != "failed" or entry.get("error_kind") != failure["kind"] \
                or not all(part in message for part in failure["contains"]):
            sys.exit(f"{failure['directory']}: {entry}, expected {failure}")
        print(f"ok failed {failure['directory']}")
    for path in reference["skipped"]:
        if not any(note.startswith(f"{path}: skipped (dicom_not_image)") for note in report["notes"]):
            sys.exit(f"{path}: no dicom_not_image note in {report['notes']}")
    if entries:
        sys.exit(f"unexpected entries: {sorted(entries)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
