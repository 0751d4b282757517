#!/usr/bin/env bash
# Peak RSS of `barsmith bars` writing CSV and Parquet from the same trades (docs/PERFORMANCE.md, "Output memory").
# Usage: tools/rss/output-memory.sh BARSMITH [TRADES] [FEATURES]   (needs GNU time at /usr/bin/time)
set -euo pipefail
barsmith=${1:?path to the barsmith binary}
trades=${2:-2000000}
features=${3:-none}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$barsmith" gen --trades "$trades" --seed 7 -o "$work/trades.csv.zst"
for format in csv parquet; do
    /usr/bin/time -v "$barsmith" bars --threshold-dbps 1 --features "$features" --symbol X "$work/trades.csv.zst" \
        -o "$work/bars.$format" -q 2> "$work/time.txt"
    rss=$(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}')
    rows=$(($( "$barsmith" bars --threshold-dbps 1 --features none --symbol X "$work/trades.csv.zst" -o - -q | wc -l) - 1))
    echo "$format: $rows bars, peak RSS $((rss / 1024)) MB"
done
