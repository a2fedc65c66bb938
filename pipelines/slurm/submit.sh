#!/bin/bash
# Submits a sharded medprep run as a chain of Slurm jobs, each starting only after the previous one succeeded:
#
#   stats-array (N tasks) → stats-merge → normalize-array (N tasks) → report-merge
#
# Usage: submit.sh -n SHARDS -p PIPELINE -o OUTPUT -w WORKDIR [-d DATA] [-m MEDPREP] [-S]
#   -n  number of shards N (array tasks 0…N−1)
#   -p  pipeline file; with -d its normalize stage should read `stats: WORKDIR/stats.json`
#   -o  output directory (passed to `medprep run --output`; shared by all tasks)
#   -w  work directory: partial statistics, merged stats.json, logs/, done/ markers
#   -d  input directory for the two-phase statistics; without -d the statistics jobs are skipped
#   -m  medprep binary (default: medprep on PATH)
# Extra sbatch options (partition, account, time) can be given in SBATCH_EXTRA, e.g. "--partition=cpu --time=1:00:00".
# Prints the job ids, the last one on its own line as "final JOBID".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards="" pipeline="" output="" work="" data="" medprep="medprep"
while getopts "n:p:o:w:d:m:" option; do
    case $option in
        n) shards=$OPTARG ;; p) pipeline=$OPTARG ;; o) output=$OPTARG ;; w) work=$OPTARG ;;
        d) data=$OPTARG ;; m) medprep=$OPTARG ;;
        *) sed -n '2,17p' "$0"; exit 2 ;;
    esac
done
if [[ -z $shards || -z $pipeline || -z $output || -z $work ]]; then sed -n '2,17p' "$0"; exit 2; fi
absolute() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
mkdir -p "$work/logs" "$work/done" "$output"
work=$(absolute "$work"); output=$(absolute "$output"); pipeline=$(absolute "$pipeline")
medprep=$(command -v "$medprep" || true)
[[ -x $medprep ]] || { echo "submit.sh: medprep binary not found" >&2; exit 2; }
export MEDPREP="$medprep" MEDPREP_SHARDS="$shards" MEDPREP_PIPELINE="$pipeline" MEDPREP_OUTPUT="$output" MEDPREP_WORK="$work"

# --kill-on-invalid-dep=yes: without it a job whose dependency failed stays PENDING forever.
common=(--parsable --kill-on-invalid-dep=yes --export=ALL --chdir="$work" ${SBATCH_EXTRA:-})
last=""
submit() { # submit NAME [sbatch options…] SCRIPT
    local name=$1; shift
    local dependency=()
    [[ -n $last ]] && dependency=(--dependency="afterok:$last")
    last=$(sbatch "${common[@]}" "${dependency[@]}" --output="$work/logs/$name-%A_%a.out" "$@" | cut -d';' -f1)
    echo "$name $last"
}
if [[ -n $data ]]; then
    export MEDPREP_DATA; MEDPREP_DATA=$(cd "$data" && pwd)
    submit stats-array --array="0-$((shards - 1))" "$here/stats-array.sbatch"
    submit stats-merge "$here/stats-merge.sbatch"
fi
submit normalize-array --array="0-$((shards - 1))" "$here/normalize-array.sbatch"
submit report-merge "$here/report-merge.sbatch"
echo "final $last"
