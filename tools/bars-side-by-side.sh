#!/usr/bin/env bash
# Times `barsmith bars` variants side by side: REPS rounds, each running every variant once in turn, then the
# median (and min-max) wall time, CPU time and peak resident set of each; checks that all outputs of one input
# are byte-identical.
#
#   tools/bars-side-by-side.sh BINARY REPS 'LABEL|ARGS...' ['LABEL|ARGS...' ...]
#
# ARGS are passed to `barsmith bars` (inputs included) followed by `-q -o OUTDIR/`. Example (docs/PERFORMANCE.md):
#   tools/bars-side-by-side.sh target/release/barsmith 7 \
#     "csv t1|--threshold-dbps 250,50 --features none --threads 1 /tmp/gen/csv/" \
#     "csv t2|--threshold-dbps 250,50 --features none --threads 2 /tmp/gen/csv/"
set -euo pipefail
bin=$1 reps=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for rep in $(seq "$reps"); do
    index=0
    for variant in "$@"; do
        index=$((index + 1))
        label=${variant%%|*} args=${variant#*|}
        rm -rf "$work/out-$index"
        mkdir -p "$work/out-$index"
        # shellcheck disable=SC2086 # ARGS is a word list
        /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" bars $args -q -o "$work/out-$index/"
        echo "$index $(cat "$work/time")" >>"$work/times"
        echo "$label" >"$work/label-$index"
    done
done
echo "| variant | wall s, median (min–max) | CPU s, median | max RSS MB, median |"
echo "|---|---|---|---|"
for index in $(seq $#); do
    awk -v i="$index" -v label="$(cat "$work/label-$index")" '
        $1 == i { n++; wall[n] = $2; cpu[n] = $3 + $4; rss[n] = $5 / 1024 }
        function median(a, n,    i, j, t) {
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        END {
            lo = wall[1]; hi = wall[1]
            for (k = 2; k <= n; k++) { if (wall[k] < lo) lo = wall[k]; if (wall[k] > hi) hi = wall[k] }
            printf "| %s | %.3f (%.3f–%.3f) | %.3f | %.1f |\n", label, median(wall, n), lo, hi, median(cpu, n), median(rss, n)
        }' "$work/times"
done
# Outputs of the same input must be identical whatever the variant: compare each with the first.
for index in $(seq 2 $#); do
    for file in "$work/out-1"/*; do
        other="$work/out-$index/$(basename "$file")"
        if [[ -f $other ]] && ! cmp -s "$file" "$other"; then
            echo "note: $(cat "$work/label-$index") output $(basename "$file") differs from $(cat "$work/label-1")'s"
        fi
    done
done
