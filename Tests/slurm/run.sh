#!/bin/bash
# End-to-end test of pipelines/slurm on a real one-node Slurm cluster started here (`make test-slurm`).
#
# 1. Installs Debian slurm-wlm and munge if missing; writes a one-node slurm.conf for this host (state and logs
#    under a temporary directory); starts munged (unless one answers already), slurmctld and slurmd.
# 2. Generates 9 small NIfTI volumes with numpy + nibabel (independent of medprep).
# 3. Submits pipelines/slurm/submit.sh with N=3 twice: two-phase statistics + a dataset-normalize pipeline that
#    reads the merged statistics, and a GroupNorm pipeline; waits for the done/ markers (no accounting, no sacct).
# 4. Runs the same work on one machine (`medprep stats`, `medprep run`) and compares: statistics JSON byte for
#    byte (and mean/var/m2 exactly), every output volume by SHA-256, and the merged reports' files and groups.csv.
# Daemons started here are stopped by their recorded PIDs on exit. KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
SUDO=""; [[ $(id -u) == 0 ]] || SUDO=sudo
tmp=$(mktemp -d /tmp/medprep-slurm.XXXXXX)
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    if [[ $status != 0 ]]; then
        echo "FAILED (status $status); logs:" >&2
        tail -n 20 "$tmp"/log/*.log "$tmp"/work*/logs/* 2>/dev/null >&2 || true
    fi
    if [[ ${KEEP:-0} == 1 || $status != 0 ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# --- Slurm and munge -------------------------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq slurm-wlm munge >/dev/null
fi
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    $SUDO mkdir -p /run/munge /var/log/munge /var/lib/munge
    $SUDO chown munge:munge /run/munge /var/log/munge /var/lib/munge
    [[ -s /etc/munge/munge.key ]] || $SUDO runuser -u munge -- mungekey --create
    $SUDO runuser -u munge -- munged
    for _ in $(seq 50); do [[ -s /run/munge/munged.pid ]] && break; sleep 0.1; done
    pids+=("$(cat /run/munge/munged.pid)")
fi
node=$(hostname -s)
memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p')
mkdir -p "$tmp/state/ctld" "$tmp/state/d" "$tmp/log"
export SLURM_CONF="$tmp/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=medprep-test
SlurmctldHost=$node
SlurmUser=root
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$tmp/state/ctld
SlurmdSpoolDir=$tmp/state/d
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_interval=1,sched_min_interval=0,bf_resolution=1
ReturnToService=2
MpiDefault=none
NodeName=$node CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
setsid slurmctld -D -i -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
pids+=("$!")
setsid slurmd -D -f "$SLURM_CONF" -N "$node" >"$tmp/log/slurmd.out" 2>&1 &
pids+=("$!")
for i in $(seq 60); do
    [[ $(sinfo -h -o %T 2>/dev/null) == idle ]] && break
    [[ $i == 60 ]] && { echo "Slurm node did not become idle" >&2; exit 1; }
    sleep 0.5
done
echo "slurm: node $node idle ($cpus CPUs)"

# --- medprep and data ------------------------------------------------------------------------------------------
swift build --product medprep >/dev/null
medprep="$(swift build --show-bin-path)/medprep"
data="$tmp/data"
python3 - "$data" <<'PY'
import sys, pathlib
import numpy as np, nibabel as nib
out = pathlib.Path(sys.argv[1]); (out / "sub").mkdir(parents=True)
rng = np.random.default_rng(11)
for i in range(9):
    shape = (12 + i, 10 + i % 3, 6 + i % 4)
    values = rng.normal(40.0 * i - 100.0, 5.0 + i, size=shape)
    dtype = np.int16 if i % 2 else np.float32
    affine = np.diag([1.0 + 0.1 * i, 1.0, 2.0, 1.0])
    name = (out / "sub" if i % 3 == 0 else out) / f"case{i:02d}.nii.gz"
    nib.save(nib.Nifti1Image(values.astype(dtype), affine), str(name))
PY
pipeline() { # pipeline FILE METHOD-LINE
    cat > "$1" <<YAML
version: 1
name: slurm-e2e
input: {directory: $data, include: ["**/*.nii.gz"]}
stages:
  - normalize: $2
output: {directory: $tmp/unused, volumes: nifti, compression: gzip, reports: [json, csv, html]}
YAML
}
pipeline "$tmp/gn.yaml" "{method: groupnorm, groups: 1, eps: 1.0e-5}"
pipeline "$tmp/ds-shard.yaml" "{method: dataset, stats: $tmp/work-ds/stats.json}"
pipeline "$tmp/ds-single.yaml" "{method: dataset, stats: $tmp/single/stats.json}"

# --- sharded, on Slurm -----------------------------------------------------------------------------------------
start=$(date +%s)
mkdir -p "$tmp/work-ds" "$tmp/work-gn"
pipelines/slurm/submit.sh -n 3 -p "$tmp/ds-shard.yaml" -o "$tmp/shard/ds" -w "$tmp/work-ds" -d "$data" -m "$medprep" \
    | tee "$tmp/jobs-ds"
pipelines/slurm/submit.sh -n 3 -p "$tmp/gn.yaml" -o "$tmp/shard/gn" -w "$tmp/work-gn" -m "$medprep" | tee "$tmp/jobs-gn"
jobs=$(awk '$1 != "final" {print $2}' "$tmp/jobs-ds" "$tmp/jobs-gn" | paste -sd,)
for i in $(seq 600); do
    [[ -e $tmp/work-ds/done/report-merge && -e $tmp/work-gn/done/report-merge ]] && break
    if [[ -z $(squeue -h -j "$jobs" 2>/dev/null) && $i -gt 5 ]]; then
        sleep 1
        [[ -e $tmp/work-ds/done/report-merge && -e $tmp/work-gn/done/report-merge ]] && break
        echo "Slurm jobs ended without their done markers" >&2; ls -R "$tmp"/work-*/done >&2; exit 1
    fi
    [[ $i == 600 ]] && { echo "timeout waiting for Slurm jobs" >&2; squeue >&2; exit 1; }
    sleep 0.5
done
echo "slurm: both job chains done in $(( $(date +%s) - start )) s"

# --- single machine --------------------------------------------------------------------------------------------
mkdir -p "$tmp/single"
"$medprep" stats "$data" --output "$tmp/single/stats.json" >/dev/null
"$medprep" run "$tmp/gn.yaml" --output "$tmp/single/gn" --no-progress >/dev/null 2>"$tmp/log/single-gn.log"
"$medprep" run "$tmp/ds-single.yaml" --output "$tmp/single/ds" --no-progress >/dev/null 2>"$tmp/log/single-ds.log"

# --- comparison ------------------------------------------------------------------------------------------------
python3 - "$tmp" <<'PY'
import hashlib, json, pathlib, sys
tmp = pathlib.Path(sys.argv[1])
rows, ok = [], True
def row(what, detail, same):
    global ok
    ok &= same
    rows.append((what, detail, "identical" if same else "DIFFERENT"))

single = json.loads((tmp / "single/stats.json").read_text())
merged = json.loads((tmp / "work-ds/stats.json").read_text())
for a, b in zip(single["channels"], merged["channels"]):
    for key in ("count", "mean", "var", "m2", "min", "max", "p0_5", "p99_5"):
        row(f"stats ch{a['channel']} {key}", repr(a[key]), a[key] == b[key] and type(a[key]) == type(b[key]))
row("stats JSON bytes", f"{single['files']} files", (tmp / "single/stats.json").read_bytes() == (tmp / "work-ds/stats.json").read_bytes())
partials = sorted((tmp / "work-ds/partials").glob("stats-*.json"))
row("partials", ", ".join(f"{p.name}: {len(json.loads(p.read_text())['cases'])} cases" for p in partials), len(partials) == 3)

def volumes(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*.nii.gz") if ".medprep" not in p.parts}
for name, label in (("gn", "GroupNorm outputs"), ("ds", "dataset-norm (frozen merged stats) outputs")):
    a, b = volumes(tmp / "single" / name), volumes(tmp / "shard" / name)
    row(label + " sha256", f"{len(a)} volumes", len(a) == 9 and a == b)
    ra = json.loads((tmp / "single" / name / "report.json").read_text())
    rb = json.loads((tmp / "shard" / name / "report.json").read_text())
    row(f"{name} merged report files/summary", f"{len(rb['files'])} files", ra["files"] == rb["files"] and ra["summary"] == rb["summary"])
    row(f"{name} groups.csv bytes", "", (tmp / "single" / name / "groups.csv").read_bytes() == (tmp / "shard" / name / "groups.csv").read_bytes())
    shard_reports = sorted((tmp / "shard" / name).glob("report.shard-*-of-3.json"))
    row(f"{name} shard reports", " ".join(p.name.split(".")[1] for p in shard_reports), len(shard_reports) == 3)

width = max(len(r[0]) for r in rows)
print(f"{'check'.ljust(width)}  {'value (single run)'.ljust(26)}  single vs Slurm N=3")
for what, detail, verdict in rows:
    print(f"{what.ljust(width)}  {detail[:70].ljust(26)}  {verdict}")
sys.exit(0 if ok else 1)
PY
echo "test-slurm: PASS"
