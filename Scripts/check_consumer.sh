#!/usr/bin/env bash
# Consumer check (issue 15): medprep's library products must be usable as a versioned dependency.
#
#   Scripts/check_consumer.sh            (make consumer-check; .ci/run runs it)
#
# 1. Clones the committed HEAD of this checkout into a temporary directory and tags it $TAG (99.0.0), so SwiftPM
#    sees a remote, versioned package (uncommitted changes are not part of the check; a note says so).
# 2. Writes a throwaway package whose Package.swift has `.package(url: "file://<clone>", from: "$TAG")` and
#    whose executable imports MedPrepDecode, MedPrepNormalize and MedPrepPipeline.
# 3. Builds it (debug) and runs it: it decodes SampleData/ct/ct_001.nii.gz, GroupNorms it (G = 1) and parses
#    pipelines/quickstart.yaml, printing the shape, mean and std; it exits non-zero unless |mean| < 1e-3 and
#    |std − 1| < 1e-3, and this script also checks its output line.
# Any failing step exits non-zero with the step named. SwiftPM refuses a versioned dependency whose products carry
# unsafeFlags ("the target 'X' in product 'X' contains unsafe build flags"); that is what this check catches.
#
# How dependencies resolve offline: this repository's own dependencies (swift-argument-parser, Yams, GRDB.swift)
# are named by their https://github.com/... URLs, and git here reads every github.com address from the local
# mirror /opt/swift-packages (`url./opt/swift-packages/.insteadOf=https://github.com/` in /etc/gitconfig), the
# same for the throwaway package, so nothing special is needed for them. The throwaway package gets its own
# SwiftPM cache (--cache-path in the temporary directory): the shared cache (~/.cache/org.swift.swiftpm) would
# otherwise keep a copy of every temporary clone it ever saw, under a new URL each run.
# Everything lives in one temporary directory, removed on exit (KEEP=1 keeps it and prints where).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
SWIFT=${SWIFT:-swift}
TAG=${TAG:-99.0.0}
scan_path=SampleData/ct/ct_001.nii.gz
pipeline_path=pipelines/quickstart.yaml

work=$(mktemp -d "${TMPDIR:-/tmp}/medprep-consumer.XXXXXX")
# SwiftPM also leaves empty lock files named after the paths it locked (/tmp/_tmp_medprep-consumer.XXXXXX_…lock).
cleanup() {
    if [[ ${KEEP:-0} == 1 ]]; then echo "consumer check: kept $work"; else rm -rf "$work"; fi
    rm -f "$(dirname "$work")/${work//\//_}"_*.lock
}
trap cleanup EXIT
fail() { echo "consumer check: FAILED: $*" >&2; exit 1; }
started=$SECONDS

# 1. The committed HEAD, cloned and tagged.
head=$(git -C "$root" rev-parse HEAD) || fail "not a git checkout: $root"
if [[ -n $(git -C "$root" status --porcelain --untracked-files=no) ]]; then
    echo "consumer check: note: uncommitted changes in $root are not checked (HEAD $head is)"
fi
clone=$work/medprep
git clone -q --no-checkout "$root" "$clone" || fail "git clone $root"
git -C "$clone" fetch -q "$root" HEAD || fail "git fetch HEAD of $root"
git -C "$clone" -c advice.detachedHead=false checkout -q --detach FETCH_HEAD || fail "checkout of HEAD"
[[ $(git -C "$clone" rev-parse HEAD) == "$head" ]] || fail "the clone is not at $head"
git -C "$clone" tag "$TAG" || fail "git tag $TAG"
echo "consumer check: medprep $head tagged $TAG in $clone"

# 2. The throwaway package.
consumer=$work/consumer
mkdir -p "$consumer/Sources/Consumer"
cat > "$consumer/Package.swift" <<EOF
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [.package(url: "file://$clone", from: "$TAG")],
    targets: [
        .executableTarget(name: "Consumer", dependencies: [
            .product(name: "MedPrepDecode", package: "medprep"),
            .product(name: "MedPrepNormalize", package: "medprep"),
            .product(name: "MedPrepPipeline", package: "medprep"),
        ]),
    ]
)
EOF
cat > "$consumer/Sources/Consumer/main.swift" <<'EOF'
import Foundation
import MedPrepDecode
import MedPrepNormalize
import MedPrepPipeline

var scan = try ScanReader().read(path: CommandLine.arguments[1])
_ = try GroupNorm(groups: 1).apply(to: &scan.tensor)
let values = scan.tensor.storage.map(Double.init)
let mean = values.reduce(0, +) / Double(values.count)
let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
let pipeline = try PipelineParser.load(path: CommandLine.arguments[2])
print("shape \(scan.tensor.shape) mean \(String(format: "%.6f", mean)) std \(String(format: "%.6f", std))"
      + " pipeline \(pipeline.name) (\(pipeline.stages.count) stages)")
exit(abs(mean) < 1e-3 && abs(std - 1) < 1e-3 ? 0 : 1)
EOF

# 3. Resolve, build, run.
swiftpm=(--package-path "$consumer" --cache-path "$work/swiftpm-cache")
"$SWIFT" package "${swiftpm[@]}" resolve || fail "swift package resolve (medprep from file://$clone, from: \"$TAG\")"
nice -n 10 "$SWIFT" build --quiet "${swiftpm[@]}" || fail "swift build of the consumer package"
output=$("$consumer/.build/debug/Consumer" "$clone/$scan_path" "$clone/$pipeline_path") \
    || fail "the consumer program exited $? (output: ${output:-none})"
echo "consumer check: $output"
[[ $output =~ ^shape\ \[1,\ 1,\ [0-9]+,\ [0-9]+,\ [0-9]+\]\ mean\ -?0\.000[0-9]+\ std\ (1\.000|0\.999)[0-9]+\ pipeline\ quickstart ]] \
    || fail "unexpected output: $output"
echo "consumer check: passed ($((SECONDS - started)) s)"
