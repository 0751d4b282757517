#!/usr/bin/env bash
# A year of one symbol, measured on DAYS generated days: DAYS days of TRADES records a day at realistic
# volatility (2.5 %/day), three thresholds (50, 250, 1000 dbps), every feature, `bars --threads 1` and
# `--threads 2` alternating (REPS times, best kept), outputs compared. Prints trades/s per core at 1 and 2
# threads, the boundary scan's time (the sequential part, from `-v`), and a PROJECTION (not a measurement) of
# the time of 365 such days on 16 and 64 cores: max(scan, work / cores) + one shard's latency, with the work =
# the one-thread time and the scan scaled to 365 days.
# Usage: tools/parallel/year.sh [DAYS] [TRADES] [REPS]
set -euo pipefail
days=${1:-8}
trades=${2:-1500000}
reps=${3:-2}
bin=${BARSMITH:-target/release/barsmith}
work=${WORK:-target/year-bench}
data="$work/days-$days-$trades"
[[ -d $data ]] || "$bin" gen --days "$days" --trades-per-day "$trades" --volatility 0.025 --seed 7 -o "$data/"
records=$(cat "$data"/*.csv | wc -l)
run() { # threads out -> "seconds kilobytes scan_seconds"
    rm -rf "${work:?}/$2"
    /usr/bin/time -f "%e %M" -o "$work/$2.time" "$bin" bars -v --threshold-dbps 50,250,1000 --threads "$1" \
        --format csv "$data/" -o "$work/$2/" 2>"$work/$2.log"
    scan=$(grep -o 'boundary scan [0-9.]*' "$work/$2.log" | awk '{print $3}' || true)
    echo "$(cat "$work/$2.time") ${scan:-0}"
}
t1=(); t2=(); s2=()
for _ in $(seq 1 "$reps"); do
    read -r s _ _ < <(run 1 one); t1+=("$s")
    read -r s _ c < <(run 2 two); t2+=("$s"); s2+=("$c")
    diff -r -q "$work/one" "$work/two" >/dev/null || { echo "outputs differ"; exit 1; }
done
one=$(printf '%s\n' "${t1[@]}" | sort -g | head -1)
two=$(printf '%s\n' "${t2[@]}" | sort -g | head -1)
scan=$(printf '%s\n' "${s2[@]}" | sort -g | head -1)
grep -h 'bars:' "$work/one.log" | head -1
echo "records: $records ($days days), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "1 thread: $one s, $(echo "$records / $one / 1" | bc) trades/s per core"
echo "2 threads: $two s, $(echo "$records / $two / 2" | bc) trades/s per core ($(echo "scale=2; $one / $two" | bc)×)"
echo "boundary scan (sequential): $scan s"
for cores in 16 64; do
    awk -v one="$one" -v scan="$scan" -v days="$days" -v cores="$cores" 'BEGIN {
        work = one * 365 / days; seq = scan * 365 / days; shard = one / days / 15;
        t = (seq > work / cores ? seq : work / cores) + shard;
        printf "PROJECTION, not measured: 365 days on %d cores: %.1f s (work %.0f core-s, scan %.1f s)\n", cores, t, work, seq }'
done
