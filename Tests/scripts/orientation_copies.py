#!/usr/bin/env python3
"""Copies of one volume in other orientations, and the axis codes of NIfTI files, with nibabel (an independent
reference for medprep's `orient` stage and its mixed-orientation warning).

Usage:
  python3 Tests/scripts/orientation_copies.py copies IMAGE LABEL OUT_DIR NAME=CODE [NAME=CODE ...]
      For each NAME=CODE (CODE one of nibabel's 48 axis codes, e.g. RAS, LAS, PSR, LPS), writes
      OUT_DIR/images/NAME.nii.gz and OUT_DIR/labels/NAME.nii.gz: IMAGE and LABEL reoriented with
      img.as_reoriented(ornt_transform(io_orientation(img.affine), axcodes2ornt(CODE))), which permutes and flips
      voxel axes only (stored values and dtype kept) and updates the affine so that every voxel keeps its world
      coordinate. Checks that aff2axcodes of each copy is CODE.
  python3 Tests/scripts/orientation_copies.py axcodes FILE [FILE ...]
      Prints one line "FILE CODE" per file, CODE = "".join(aff2axcodes(nibabel.load(FILE).affine)).

Used by Tests/MedPrepRunTests/OrientationTests.swift (skipped when nibabel is missing).
"""
import os
import sys

import nibabel as nib
from nibabel.orientations import aff2axcodes, axcodes2ornt, io_orientation, ornt_transform


def reoriented(img, code):
    out = img.as_reoriented(ornt_transform(io_orientation(img.affine), axcodes2ornt(code)))
    assert "".join(aff2axcodes(out.affine)) == code, (code, aff2axcodes(out.affine))
    return out


def copies(image, label, out_dir, pairs):
    img, lab = nib.load(image), nib.load(label)
    for sub in ("images", "labels"):
        os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    for pair in pairs:
        name, code = pair.split("=")
        nib.save(reoriented(img, code), os.path.join(out_dir, "images", name + ".nii.gz"))
        nib.save(reoriented(lab, code), os.path.join(out_dir, "labels", name + ".nii.gz"))


def main(argv):
    if len(argv) >= 5 and argv[1] == "copies":
        copies(argv[2], argv[3], argv[4], argv[5:])
    elif len(argv) >= 3 and argv[1] == "axcodes":
        for path in argv[2:]:
            print(path, "".join(aff2axcodes(nib.load(path).affine)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
