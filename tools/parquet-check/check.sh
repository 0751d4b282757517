#!/bin/sh
# Checks that pyarrow and polars read `barsmith bars -o X.parquet` files with the types documented in
# docs/OUTPUT.md and the same values as the CSV output of the same run (see check.py).
#
# Usage: tools/parquet-check/check.sh
#   PARQUET_CHECK_VENV  virtual environment to create/reuse (default: $TMPDIR/barsmith-parquet-check-venv)
#   BARSMITH_BIN        a built `barsmith` binary (default: built here with `cargo build -p barsmith-cli`)
#   BARSMITH_SAMPLE     a real aggTrades CSV (default: ../shared/data/BTCUSDT-aggTrades-2026-01-01.head5000.csv
#                       beside the repository; skipped when absent)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${PARQUET_CHECK_VENV:-${TMPDIR:-/tmp}/barsmith-parquet-check-venv}
sample=${BARSMITH_SAMPLE:-$root/../shared/data/BTCUSDT-aggTrades-2026-01-01.head5000.csv}

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r "$here/requirements.txt"

if [ -z "${BARSMITH_BIN:-}" ]; then
    (cd "$root" && cargo build -q -p barsmith-cli --bin barsmith)
    target=$(cd "$root" && cargo metadata -q --format-version 1 --no-deps |
        "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    BARSMITH_BIN=$target/debug/barsmith
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# Writes the same bars as CSV and Parquet, then compares them: bars_pair NAME INPUT OPTIONS...
bars_pair() {
    name=$1
    input=$2
    shift 2
    "$BARSMITH_BIN" bars "$@" -o "$work/$name.csv" "$input"
    "$BARSMITH_BIN" bars "$@" -o "$work/$name.parquet" "$input"
    echo "== $name: barsmith bars $* (input $(basename "$input"))"
    "$venv/bin/python" "$here/check.py" "$work/$name.parquet" "$work/$name.csv"
}

synthetic=$work/SYNTH-aggTrades-2026-01-01.csv
"$BARSMITH_BIN" gen --trades 1600000 --seed 7 -o "$synthetic"
# More than 65 536 bars: several row groups.
bars_pair many-row-groups "$synthetic" --threshold-dbps 1 --features none --include-incomplete
"$BARSMITH_BIN" gen --trades 100000 --seed 11 -o "$synthetic"
bars_pair all-features "$synthetic" --threshold-dbps 5 --include-incomplete
bars_pair some-features "$synthetic" --threshold-dbps 10 --features bar,intra --no-hurst --lookback bars:3

if [ -f "$sample" ]; then
    bars_pair real-sample "$sample" --symbol BTCUSDT --threshold-dbps 25 --include-incomplete
else
    echo "SKIP real sample: $sample is absent"
fi

# A directory output names its files {SYMBOL}-{DBPS}dbps.parquet.
"$BARSMITH_BIN" bars --threshold-dbps 10,50 --format parquet -o "$work/dir/" "$synthetic"
for dbps in 10 50; do
    test -f "$work/dir/SYNTH-${dbps}dbps.parquet"
done
"$venv/bin/python" -c '
import sys, pyarrow.parquet as pq
for path in sys.argv[1:]:
    meta = pq.ParquetFile(path).metadata.metadata
    print(path.rsplit("/", 1)[1], meta[b"barsmith.symbol"].decode(), meta[b"barsmith.threshold_dbps"].decode())
' "$work/dir/SYNTH-10dbps.parquet" "$work/dir/SYNTH-50dbps.parquet"
echo "parquet-check: all checks passed"
