#!/usr/bin/env bash
# One symbol, DAYS generated days of TRADES trades each, all features: `bars --threads 2` against `--threads 1`,
# run side by side (alternating, REPS times each) so that both see the same machine load; checks that the
# outputs are byte-identical. Usage: tools/parallel/bench.sh [DAYS] [TRADES] [REPS] [DBPS]
set -euo pipefail
days=${1:-8}
trades=${2:-1000000}
reps=${3:-3}
dbps=${4:-250}
bin=${BARSMITH:-target/release/barsmith}
work=${WORK:-target/parallel-bench}
mkdir -p "$work/data"
for day in $(seq 1 "$days"); do
    file=$(printf '%s/data/SYNTHUSDT-aggTrades-2026-01-%02d.csv' "$work" "$day")
    [[ -s $file ]] && continue
    # 1 M generated trades span about 2.5 days: files start 3 days apart (names are only labels here).
    start=$((1767225600000000 + (day - 1) * 3 * 86400000000))
    "$bin" gen --trades "$trades" --seed "$day" --start-time-us "$start" \
        --first-agg-trade-id $((1000000000 + day * 100000000)) -o "$file"
done
run() { # threads out
    local start end
    start=$(date +%s.%N)
    rm -rf "${work:?}/$2"
    "$bin" bars -v --threshold-dbps "$dbps" --threads "$1" --format csv "$work/data" -o "$work/$2/" 2>"$work/$2.log"
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
for rep in $(seq 1 "$reps"); do
    one=$(run 1 one)
    two=$(run 2 two)
    diff -r -q "$work/one" "$work/two" >/dev/null || { echo "outputs differ"; exit 1; }
    echo "rep $rep: --threads 1 ${one}s  --threads 2 ${two}s  ratio $(echo "scale=2; $one / $two" | bc)"
done
grep -h "replayed" "$work/two.log" || true
