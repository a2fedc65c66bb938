# medprep — the two commands a new machine needs: `make demo` and `make test`.
SWIFT        ?= swift
APT_PACKAGES := libpng-dev libtiff-dev libnifti-dev libdeflate-dev libsqlite3-dev libssl-dev libxxhash-dev zlib1g-dev libdcmtk-dev libopenjp2-7-dev dcm2niix pkg-config
# The peers and encoders of `make bench`'s DICOM cases: dcm2niix (in APT_PACKAGES), pigz (dcm2niix -z y gzips
# through it when installed, as on a user's machine), dcmtk's dcmcjpeg (writes the JPEG lossless workload).
BENCH_APT_PACKAGES := dcmtk pigz
PY_PACKAGES  := numpy nibabel scipy pillow pydicom pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg
# PyTorch for the README Dataset test, as a CPU wheel, never PyPI's multi-GB CUDA build: from the local wheel
# directory when it holds one (its dependencies from PyPI), else from PyTorch's own CPU index.
TORCH_INDEX  := https://download.pytorch.org/whl/cpu
TORCH_WHEELS ?= /opt/wheels
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN  := .build/release/medprep

.PHONY: deps pydeps build demo test test-slurm sample-data fixtures bench bench-deps bench-smoke bench-normalize bench-scale clean \
        byte-identity consumer-check test-browser

## Install the Debian packages medprep links against, when any is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## Python packages of the tests: the reference packages of the cross-checks (nibabel opening medprep output, scipy,
## Pillow), and PyTorch (CPU), which the README Dataset test needs: that test fails without it.
pydeps:
	@python3 -c "import numpy, nibabel, scipy, PIL, pydicom, pylibjpeg, libjpeg, openjpeg" 2>/dev/null || python3 -m pip install -q $(PY_PACKAGES) || \
	  echo "note: nibabel/scipy/pillow not installed; the nibabel cross-checks will be skipped"
	@python3 -c "import torch" 2>/dev/null || { \
	  wheel=$$(ls $(TORCH_WHEELS)/torch-*+cpu-*.whl 2>/dev/null | head -n 1); \
	  if [ -n "$$wheel" ]; then python3 -m pip install -q "$$wheel"; \
	  else python3 -m pip install -q torch --index-url $(TORCH_INDEX); fi; } || \
	  { echo "error: could not install a CPU PyTorch ($(TORCH_WHEELS) or $(TORCH_INDEX)); the README Dataset test needs it"; exit 1; }

build: deps
	$(SWIFT) build -c release

## Build release and run the quickstart pipeline on SampleData/.
demo: build
	$(RELEASE_BIN) run pipelines/quickstart.yaml

## Run the whole test suite (Swift Testing).
test: deps pydeps
	$(SWIFT) test --disable-xctest

## The HTML reports in a real browser: builds, renders report.html and comparison.html of a small run in headless
## Chromium (Debian's chromium, installed when missing) and fails on console errors, missing images, pages wider
## than the viewport or a wrong number of picture sets (Scripts/browser_check.py); screenshots in .build/browser/.
test-browser: deps
	@command -v chromium >/dev/null 2>&1 || { echo "installing: chromium"; $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }
	$(SWIFT) build --product medprep
	python3 Scripts/browser_check.py --medprep .build/debug/medprep --out .build/browser

## The library products as a versioned dependency: a throwaway package depends on a tagged clone of HEAD with
## `from:`, imports MedPrepDecode, MedPrepNormalize and MedPrepPipeline, builds and runs (Scripts/check_consumer.sh).
consumer-check: deps
	SWIFT=$(SWIFT) Scripts/check_consumer.sh

## Same output bytes as BASE's binary: every pipeline, the other subcommands on SampleData/ and the `make bench`
## cases (SCALE=small or full), digests compared (Scripts/check_byte_identity.py; builds BASE in .build-identity/).
BASE  ?= 965a977
SCALE ?= small
byte-identity: deps
	python3 -c "import PIL, nibabel" 2>/dev/null || python3 -m pip install -q pillow nibabel numpy
	python3 Scripts/check_byte_identity.py --base $(BASE) --scale $(SCALE)

## Regenerate SampleData/ (deterministic; needs numpy, nibabel, pillow, tifffile).
sample-data:
	python3 Scripts/make_sample_data.py

## Regenerate the test fixtures and their reference values (numpy, nibabel, pillow, tifffile, torch, hashlib, xxhash).
fixtures:
	for script in Scripts/fixtures/make_*.py Scripts/make_hostile_corpus.py Tests/MedPrepPipelineTests/Fixtures/make_*.py; do python3 $$script || exit 1; done

clean:
	rm -rf .build

## End-to-end benchmarks: medprep vs the nibabel + numpy (+ pillow) baseline, and the CT pipeline cases vs SimpleITK,
## TorchIO, MONAI and scipy, side by side; figures in BENCHMARKS.md.
## The median of BENCH_REPEAT rounds, each running every runner once.
## BENCH_CASES (comma separated, default all) picks cases, e.g. `make bench BENCH_CASES=ct-pipeline,ct-orient,ct-labels`.
## The CT pipeline cases take BENCH_CT_REPEAT rounds (each runs 6 runners per case; BENCHMARKS.md gives the time).
BENCH_REPEAT    ?= 5
BENCH_CT_REPEAT ?= 3
BENCH_CASES     ?=
bench: build bench-deps
	python3 Benchmarks/make_workload.py && python3 Benchmarks/make_dicom_workload.py && \
	  python3 Benchmarks/run_benchmarks.py --repeat $(BENCH_REPEAT) --ct-repeat $(BENCH_CT_REPEAT) \
	    $(if $(BENCH_CASES),--cases $(BENCH_CASES))

## The peers of the bench cases: the Debian packages of the DICOM cases, and SimpleITK, TorchIO and MONAI (on the
## CPU PyTorch of `make pydeps`) for the CT pipeline cases; a Python peer that does not install is left out of the
## run, and the report says so.
BENCH_PEERS := SimpleITK torchio monai
bench-deps: pydeps
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(BENCH_APT_PACKAGES)"
	@python3 -c "import SimpleITK, torchio, monai" 2>/dev/null || python3 -m pip install -q $(BENCH_PEERS) || \
	  echo "note: $(BENCH_PEERS) not all installed; the CT pipeline cases leave out the missing peers"

## A quick benchmark smoke run on a tiny workload (about 5 minutes: the CT cases run their Python peers, each
## taking 10–30 s to start up and process 4 small volumes).
bench-smoke: build bench-deps
	python3 Benchmarks/make_workload.py --scale small && python3 Benchmarks/run_benchmarks.py --quick

## The cron path at scale: first run, no-op re-run, re-run after touching 100 inputs and `stats` over SCALE_CASES
## tiny cases (default 100 000), beside `find -newer` and a Python `os.stat` of every file (Benchmarks/README.md).
SCALE_CASES ?= 100000
bench-scale: build
	python3 -c "import numpy, nibabel" 2>/dev/null || python3 -m pip install -q nibabel numpy
	python3 Benchmarks/run_scale_benchmark.py --cases $(SCALE_CASES)

## End-to-end test of pipelines/slurm on a one-node Slurm cluster started on this machine
## (root or sudo; installs slurm-wlm and munge when missing; compares with a single-machine run).
test-slurm: deps pydeps
	Tests/slurm/run.sh

## libFuzzer on the NIfTI, PNG, TIFF decoders and the pipeline parser: `make fuzz [FUZZ_SECONDS=60]` (Fuzz/README.md).
include Fuzz/fuzz.mk

## GroupNorm kernel benchmark: medprep vs numpy float64 vs torch nn.GroupNorm vs a memory copy, side by side.
bench-normalize: deps
	$(SWIFT) build -c release --product NormalizeBenchmark
	python3 Benchmarks/run_normalize_benchmark.py
