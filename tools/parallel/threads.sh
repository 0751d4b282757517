#!/usr/bin/env bash
# `bars --threads 2` against `--threads 1` on realistic generated markets, all features (the defaults), one
# threshold per run, side by side (alternating, REPS times each, the best time of each kept) so that both see
# the same machine load. Data: DAYS days of TRADES records a day, one stream cut into daily files
# (`gen -o DIR/ --days`), once at the default volatility (2.5 %/day) and once calm (0.5 %/day). Prints per set and
# threshold: bars made, bars per day, best wall time, peak RSS (GNU time), the ratios; fails when the outputs
# differ. SHARDING passes `--sharding` to the runs (default: auto). BASELINE=path/to/another/barsmith runs that
# binary too, alternating with this one (with `--sharding BASELINE_SHARDING`, default auto), and adds its
# columns (its outputs must be
# identical too).
# Usage: tools/parallel/threads.sh [DAYS] [TRADES] [REPS] [DBPS...]
set -euo pipefail
days=${1:-8}
trades=${2:-500000}
reps=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
thresholds=("$@")
[[ ${#thresholds[@]} -gt 0 ]] || thresholds=(10 50 250 1000)
bin=${BARSMITH:-target/release/barsmith}
base=${BASELINE:-}
work=${WORK:-target/threads-bench}
mkdir -p "$work"
declare -A volatility=([realistic]=0.025 [calm]=0.005)
for set in realistic calm; do
    data="$work/$set-$days-$trades"
    [[ -d $data ]] || "$bin" gen --days "$days" --trades-per-day "$trades" --volatility "${volatility[$set]}" \
        --seed 5 -o "$data/"
done
run() { # binary sharding data dbps threads out -> "seconds kilobytes"
    rm -rf "${work:?}/$6"
    /usr/bin/time -f "%e %M" -o "$work/$6.time" \
        "$1" bars -q --threshold-dbps "$4" --threads "$5" --sharding "$2" --format csv "$3/" -o "$work/$6/"
    cat "$work/$6.time"
}
best() { sort -g | head -1; }
most() { sort -g | tail -1; }
header='| data | dbps | bars | bars/day | 1 thread s | 2 threads s | speed-up | RSS 1 MB | RSS 2 MB | RSS ratio |'
rule='|---|---|---|---|---|---|---|---|---|---|'
[[ -z $base ]] || { header+=' baseline 1 s | baseline 2 s | baseline speed-up | baseline RSS 2 MB |'; rule+='---|---|---|---|'; }
echo "$header"; echo "$rule"
for set in realistic calm; do
    data="$work/$set-$days-$trades"
    for dbps in "${thresholds[@]}"; do
        t1=(); t2=(); m1=(); m2=(); b1=(); b2=(); bm=()
        for _ in $(seq 1 "$reps"); do
            read -r s k < <(run "$bin" "${SHARDING:-auto}" "$data" "$dbps" 1 one); t1+=("$s"); m1+=("$k")
            read -r s k < <(run "$bin" "${SHARDING:-auto}" "$data" "$dbps" 2 two); t2+=("$s"); m2+=("$k")
            diff -r -q "$work/one" "$work/two" >/dev/null || { echo "outputs differ: $set $dbps dbps"; exit 1; }
            [[ -z $base ]] && continue
            read -r s k < <(run "$base" "${BASELINE_SHARDING:-auto}" "$data" "$dbps" 1 base1); b1+=("$s")
            read -r s k < <(run "$base" "${BASELINE_SHARDING:-auto}" "$data" "$dbps" 2 base2); b2+=("$s"); bm+=("$k")
            for out in base1 base2; do
                diff -r -q "$work/one" "$work/$out" >/dev/null || { echo "baseline differs: $set $dbps"; exit 1; }
            done
        done
        bars=$(( $(cat "$work"/one/*.csv | wc -l) - $(ls "$work"/one/*.csv | wc -l) ))
        one=$(printf '%s\n' "${t1[@]}" | best); two=$(printf '%s\n' "${t2[@]}" | best)
        r1=$(printf '%s\n' "${m1[@]}" | most); r2=$(printf '%s\n' "${m2[@]}" | most)
        line=$(printf '| %s | %s | %s | %s | %s | %s | %s× | %s | %s | %s× |' "$set" "$dbps" "$bars" \
            "$(echo "$bars / $days" | bc)" "$one" "$two" "$(echo "scale=2; $one / $two" | bc)" \
            "$((r1 / 1024))" "$((r2 / 1024))" "$(echo "scale=2; $r2 / $r1" | bc)")
        if [[ -n $base ]]; then
            o=$(printf '%s\n' "${b1[@]}" | best); w=$(printf '%s\n' "${b2[@]}" | best)
            line+=$(printf ' %s | %s | %s× | %s |' "$o" "$w" "$(echo "scale=2; $o / $w" | bc)" \
                "$(( $(printf '%s\n' "${bm[@]}" | most) / 1024 ))")
        fi
        echo "$line"
    done
done
