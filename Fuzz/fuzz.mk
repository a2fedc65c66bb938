# libFuzzer runs over medprep's decoders and pipeline parser (Fuzz/README.md). Included by the Makefile.
#   make fuzz                     every harness for FUZZ_SECONDS each (default 60), one after the other
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS=FuzzNIfTI
# Seeds: a temporary copy of Tests/Fixtures/hostile plus the decoder fixtures. The run fails when a harness exits
# non-zero or leaves a crash-/leak-/timeout-/oom- artifact; artifacts are kept in FUZZ_WORK/<target>/artifacts.
FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  ?= FuzzNIfTI FuzzPNG FuzzTIFF FuzzDICOM FuzzPipelineYAML
FUZZ_SCRATCH  ?= .build-fuzz
FUZZ_WORK     ?= $(FUZZ_SCRATCH)/runs
FUZZ_BIN      := $(FUZZ_SCRATCH)/debug

fuzz_seeds_FuzzNIfTI        := Tests/Fixtures/hostile/nifti Tests/MedPrepDecodeTests/Fixtures/nifti
fuzz_seeds_FuzzPNG          := Tests/Fixtures/hostile/png Tests/Fixtures/raster/png
fuzz_seeds_FuzzTIFF         := Tests/Fixtures/hostile/tiff Tests/Fixtures/raster/tiff
fuzz_seeds_FuzzDICOM        := Tests/MedPrepDecodeTests/Fixtures/dicom
fuzz_seeds_FuzzPipelineYAML := pipelines
fuzz_maxlen_FuzzNIfTI        := 65536
fuzz_maxlen_FuzzPNG          := 16384
fuzz_maxlen_FuzzTIFF         := 65536
fuzz_maxlen_FuzzDICOM        := 65536
fuzz_maxlen_FuzzPipelineYAML := 8192

.PHONY: fuzz fuzz-build

## Build the harnesses with libFuzzer + AddressSanitizer (the one flag set that works, see the platform notes).
fuzz-build:
	@for target in $(FUZZ_TARGETS); do \
	  MEDPREP_FUZZ=1 $(SWIFT) build -c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
	    --scratch-path $(FUZZ_SCRATCH) --product $$target || exit 1; \
	done

## Run every harness for FUZZ_SECONDS seconds; fail on any crash, leak, timeout or out-of-memory input.
fuzz: fuzz-build
	@set -e; for target in $(FUZZ_TARGETS); do \
	  work=$(FUZZ_WORK)/$$target; rm -rf $$work; mkdir -p $$work/corpus $$work/artifacts; \
	  case $$target in \
	    FuzzNIfTI) seeds="$(fuzz_seeds_FuzzNIfTI)"; maxlen=$(fuzz_maxlen_FuzzNIfTI);; \
	    FuzzPNG) seeds="$(fuzz_seeds_FuzzPNG)"; maxlen=$(fuzz_maxlen_FuzzPNG);; \
	    FuzzTIFF) seeds="$(fuzz_seeds_FuzzTIFF)"; maxlen=$(fuzz_maxlen_FuzzTIFF);; \
	    FuzzDICOM) seeds="$(fuzz_seeds_FuzzDICOM)"; maxlen=$(fuzz_maxlen_FuzzDICOM);; \
	    *) seeds="$(fuzz_seeds_FuzzPipelineYAML)"; maxlen=$(fuzz_maxlen_FuzzPipelineYAML);; \
	  esac; \
	  for dir in $$seeds; do find $$dir -type f -exec cp {} $$work/corpus/ \; ; done; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS) s ($$(ls $$work/corpus | wc -l) seeds)"; \
	  status=0; SWIFT_BACKTRACE=enable=no $(FUZZ_BIN)/$$target $$work/corpus \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=$$maxlen -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$$work/artifacts/ -print_final_stats=1 > $$work/log.txt 2>&1 || status=$$?; \
	  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" $$work/log.txt || true; \
	  if [ $$status -ne 0 ] || [ -n "$$(ls $$work/artifacts)" ]; then \
	    echo "fuzz: $$target FAILED (exit $$status): $$(ls $$work/artifacts)"; tail -n 40 $$work/log.txt; exit 1; \
	  fi; \
	done
