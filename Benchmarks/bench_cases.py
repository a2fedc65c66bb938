"""The end-to-end benchmark cases and their pipeline files, shared by Benchmarks/run_benchmarks.py and
Scripts/check_byte_identity.py (standard library only, so the byte-identity check needs no numpy)."""

import json

CASES = {
    # name: title, workload subdirectory, include glob, normalize stage (YAML flow map or None), output (volumes,
    # compression), baseline job, output suffix
    "gn-gz": dict(title="GroupNorm .nii.gz → .nii.gz", input="ct-gz", include="**/*.nii.gz",
                  stage="{method: groupnorm, groups: 1, eps: 1.0e-5}", volumes="nifti", compression="gzip",
                  baseline="groupnorm", suffix=".nii.gz"),
    "gn-nii": dict(title="GroupNorm .nii → .nii", input="ct-nii", include="**/*.nii",
                   stage="{method: groupnorm, groups: 1, eps: 1.0e-5}", volumes="nifti", compression="none",
                   baseline="groupnorm", suffix=".nii"),
    "dataset": dict(title="dataset stats + z-score .nii.gz → .nii.gz", input="ct-gz", include="**/*.nii.gz",
                    stage="{method: dataset}", volumes="nifti", compression="gzip", baseline="dataset",
                    suffix=".nii.gz"),
    "png": dict(title="16-bit PNG → .npy", input="png", include="**/*.png", stage=None, volumes="npy",
                compression=None, baseline="png2npy", suffix=".npy"),
}

# DICOM → GroupNorm → .nii.gz (issue 18), beside dcm2niix: the peer is `dcm2niix -z y` (conversion only), as users run
# it over the tree and as 2 processes over halves. Kept apart from CASES: Scripts/check_byte_identity.py compares with
# revisions that predate DICOM input. The inputs are Benchmarks/make_dicom_workload.py's.
DICOM_CASES = {
    "dicom": dict(title="DICOM CT → GroupNorm .nii.gz", input="dicom/native", include="**/*.dcm",
                  stage="{method: groupnorm, groups: 1, eps: 1.0e-5}", volumes="nifti", compression="gzip",
                  baseline=None, peer="dcm2niix", suffix=".nii.gz"),
    "dicom-jpeg": dict(title="DICOM CT JPEG lossless → GroupNorm .nii.gz", input="dicom/jpegll", include="**/*.dcm",
                       stage="{method: groupnorm, groups: 1, eps: 1.0e-5}", volumes="nifti", compression="gzip",
                       baseline=None, peer="dcm2niix", suffix=".nii.gz"),
}


def pipeline_yaml(name, case, input_dir, output_dir):
    """Version-1 pipeline; strings are JSON-quoted (valid YAML flow scalars)."""
    lines = [
        "version: 1",
        f"name: {json.dumps(name)}",
        f"input: {{directory: {json.dumps(input_dir)}, include: [{json.dumps(case['include'])}]}}",
    ]
    lines += ["stages:", f"  - normalize: {case['stage']}"] if case["stage"] else ["stages: []"]
    output = f"directory: {json.dumps(output_dir)}, volumes: {case['volumes']}"
    if case["compression"]:
        output += f", compression: {case['compression']}"
    lines.append(f"output: {{{output}, reports: [json]}}")
    return "\n".join(lines) + "\n"
