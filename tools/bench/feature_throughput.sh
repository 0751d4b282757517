#!/bin/sh
# Feature work side by side (docs/PERFORMANCE.md, "Feature throughput side by side"): two `barsmith` binaries
# alternating, best of three CPU times (user + sys) and the peak RSS, per threshold and feature set.
# Usage: tools/bench/feature_throughput.sh BASELINE_BINARY CANDIDATE_BINARY TRADES.csv.zst
set -eu
base=$1 cand=$2 trades=$3
out=$(mktemp -d)
for th in 250 50 10; do
  for feat in none bar,intra bar,intra,lookback; do
    for b in "$base" "$cand"; do
      best=999 rss=0
      for rep in 1 2 3; do
        rm -rf "$out/o"; mkdir -p "$out/o"
        t=$( { /usr/bin/time -f "%U %S %M" "$b" bars --threshold-dbps $th --threads 1 --features $feat "$trades" -o "$out/o/" -q; } 2>&1 | tail -1)
        set -- $t
        best=$(python3 -c "print(round(min($best, $1 + $2), 2))"); rss=$3
      done
      echo "$th $feat $b $best s $rss KB"
    done
  done
done
rm -rf "$out"
