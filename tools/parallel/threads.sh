#!/usr/bin/env bash
# `bars --threads 2` against `--threads 1` on realistic generated markets, all features (the defaults), one
# threshold per run, side by side (alternating, REPS times each, the best time of each kept) so that both see
# the same machine load. Data: DAYS days of TRADES records a day, one stream cut into daily files
# (`gen -o DIR/ --days`), once at the default volatility (2.5 %/day) and once calm (0.5 %/day). Prints per set and
# threshold: bars made, bars per day, best wall time, peak RSS (GNU time), the ratios; fails when the two
# outputs differ. SHARDING=always passes `--sharding always` to both runs (default: auto, measured per run).
# Usage: tools/parallel/threads.sh [DAYS] [TRADES] [REPS] [DBPS...]
set -euo pipefail
days=${1:-8}
trades=${2:-500000}
reps=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
thresholds=("$@")
[[ ${#thresholds[@]} -gt 0 ]] || thresholds=(10 50 250 1000)
bin=${BARSMITH:-target/release/barsmith}
work=${WORK:-target/threads-bench}
mkdir -p "$work"
declare -A volatility=([realistic]=0.025 [calm]=0.005)
for set in realistic calm; do
    data="$work/$set-$days-$trades"
    [[ -d $data ]] || "$bin" gen --days "$days" --trades-per-day "$trades" --volatility "${volatility[$set]}" \
        --seed 5 -o "$data/"
done
run() { # data dbps threads out -> "seconds kilobytes"
    rm -rf "${work:?}/$4"
    /usr/bin/time -f "%e %M" -o "$work/$4.time" \
        "$bin" bars -q --threshold-dbps "$2" --threads "$3" --sharding "${SHARDING:-auto}" --format csv "$1/" -o "$work/$4/"
    cat "$work/$4.time"
}
best() { sort -g | head -1; }
printf '| data | dbps | bars | bars/day | records | 1 thread s | 2 threads s | speed-up | RSS 1 MB | RSS 2 MB | RSS ratio |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for set in realistic calm; do
    data="$work/$set-$days-$trades"
    records=$(cat "$data"/*.csv | wc -l)
    for dbps in "${thresholds[@]}"; do
        t1=(); t2=(); m1=(); m2=()
        for _ in $(seq 1 "$reps"); do
            read -r s k < <(run "$data" "$dbps" 1 one); t1+=("$s"); m1+=("$k")
            read -r s k < <(run "$data" "$dbps" 2 two); t2+=("$s"); m2+=("$k")
            diff -r -q "$work/one" "$work/two" >/dev/null || { echo "outputs differ: $set $dbps dbps"; exit 1; }
        done
        bars=$(( $(cat "$work"/one/*.csv | wc -l) - $(ls "$work"/one/*.csv | wc -l) ))
        one=$(printf '%s\n' "${t1[@]}" | best); two=$(printf '%s\n' "${t2[@]}" | best)
        r1=$(printf '%s\n' "${m1[@]}" | sort -g | tail -1); r2=$(printf '%s\n' "${m2[@]}" | sort -g | tail -1)
        printf '| %s | %s | %s | %s | %s | %s | %s | %s× | %s | %s | %s× |\n' "$set" "$dbps" "$bars" \
            "$(echo "$bars / $days" | bc)" "$records" "$one" "$two" "$(echo "scale=2; $one / $two" | bc)" \
            "$((r1 / 1024))" "$((r2 / 1024))" "$(echo "scale=2; $r2 / $r1" | bc)"
    done
done
