#!/bin/sh
# Checks that pyarrow and polars read `rangebar bars -o X.parquet` files with the types documented in
# docs/OUTPUT.md and the same values as the CSV output of the same run (see check.py).
#
# Usage: tools/parquet-check/check.sh
#   PARQUET_CHECK_VENV  virtual environment to create/reuse (default: $TMPDIR/rangebar-parquet-check-venv)
#   RANGEBAR_BIN        a built `rangebar` binary (default: built here with `cargo build -p rangebar`)
#   RANGEBAR_SAMPLE     a real aggTrades CSV (default: ../shared/data/BTCUSDT-aggTrades-2026-01-01.head5000.csv
#                       beside the repository; skipped when absent)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${PARQUET_CHECK_VENV:-${TMPDIR:-/tmp}/rangebar-parquet-check-venv}
sample=${RANGEBAR_SAMPLE:-$root/../shared/data/BTCUSDT-aggTrades-2026-01-01.head5000.csv}

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r "$here/requirements.txt"

if [ -z "${RANGEBAR_BIN:-}" ]; then
    (cd "$root" && cargo build -q -p rangebar --bin rangebar)
    target=$(cd "$root" && cargo metadata -q --format-version 1 --no-deps |
        "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    RANGEBAR_BIN=$target/debug/rangebar
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# Writes the same bars as CSV and Parquet, then compares them: bars_pair NAME INPUT OPTIONS...
bars_pair() {
    name=$1
    input=$2
    shift 2
    "$RANGEBAR_BIN" bars "$@" -o "$work/$name.csv" "$input"
    "$RANGEBAR_BIN" bars "$@" -o "$work/$name.parquet" "$input"
    echo "== $name: rangebar bars $* (input $(basename "$input"))"
    "$venv/bin/python" "$here/check.py" "$work/$name.parquet" "$work/$name.csv"
}

synthetic=$work/SYNTH-aggTrades-2026-01-01.csv
"$RANGEBAR_BIN" gen --trades 1600000 --seed 7 -o "$synthetic"
# More than 65 536 bars: several row groups.
bars_pair many-row-groups "$synthetic" --threshold-dbps 1 --features none --include-incomplete
"$RANGEBAR_BIN" gen --trades 100000 --seed 11 -o "$synthetic"
bars_pair all-features "$synthetic" --threshold-dbps 5 --include-incomplete
bars_pair some-features "$synthetic" --threshold-dbps 10 --features bar,intra --no-hurst --lookback bars:3

if [ -f "$sample" ]; then
    bars_pair real-sample "$sample" --symbol BTCUSDT --threshold-dbps 25 --include-incomplete
else
    echo "SKIP real sample: $sample is absent"
fi

# A directory output names its files {SYMBOL}-{DBPS}dbps.parquet.
"$RANGEBAR_BIN" bars --threshold-dbps 10,50 --format parquet -o "$work/dir/" "$synthetic"
for dbps in 10 50; do
    test -f "$work/dir/SYNTH-${dbps}dbps.parquet"
done
"$venv/bin/python" -c '
import sys, pyarrow.parquet as pq
for path in sys.argv[1:]:
    meta = pq.ParquetFile(path).metadata.metadata
    print(path.rsplit("/", 1)[1], meta[b"rangebar.symbol"].decode(), meta[b"rangebar.threshold_dbps"].decode())
' "$work/dir/SYNTH-10dbps.parquet" "$work/dir/SYNTH-50dbps.parquet"
echo "parquet-check: all checks passed"
