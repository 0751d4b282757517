# shellcheck shell=bash
# Timing, instruction counts and the PGO table (sourced by tools/pgo/pgo.sh after lib.sh).

# Builds compared for one backend, in table order.
variants_of() {
    local backend=$1 dist=$2
    echo -n "release release-lto-thin release-lto-fat pgo-$backend"
    if [[ $dist == dist ]]; then echo -n " pgo-dist"; fi
}

binary_of_variant() {
    local variant=$1 backend=$2
    case $variant in
        pgo-dist) binary pgo-dist default ;;
        *) binary "$variant" "$(flavour_of "$backend")" ;;
    esac
}

# Prints "WALL CPU" seconds (CPU = user + system) of one run of one workload.
time_workload() {
    local bin=$1 backend=$2 workload=$3 timing
    timing=$({
        TIMEFORMAT='%R %U %S'
        time run_workload "$bin" "$backend" "$workload" >/dev/null
    } 2>&1)
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$timing"
}

# Instructions executed under callgrind (deterministic; valgrind 3.19 has no AVX-512) by one small run of a
# workload: tier 1 for features, the 300 k-trade .zip for ingest.
count_instructions() {
    local bin=$1 backend=$2 workload=$3 log args input
    case $workload in
        features) args=("${WORKLOAD_ARGS[@]}") input=$PGO/workload/tier1/ ;;
        ingest) args=("${INGEST_ARGS[@]}") input=$PGO/workload/ingest/small/ ;;
    esac
    log=$(valgrind --tool=callgrind --cache-sim=no --callgrind-out-file=/dev/null \
        "$bin" bars "${args[@]}" --backend "$backend" -o "$PGO/out/" "$input" 2>&1) ||
        fail "callgrind run failed: $bin --backend $backend ($workload)"
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$log"
}

# Appends a line "WORKLOAD BACKEND VARIANT[ TAG] RESULT…" to FILE for every workload, backend and variant,
# RESULT being what MEASURE (time_workload or count_instructions) prints for that build, backend and workload.
measure_each() {
    local file=$1 measure=$2 backends=$3 dist=$4 tag=$5 workload backend variant
    for workload in $(workloads); do
        for backend in $backends; do
            for variant in $(variants_of "$backend" "$dist"); do
                echo "$workload $backend $variant$tag" \
                    "$("$measure" "$(binary_of_variant "$variant" "$backend")" "$backend" "$workload")" >>"$file"
            done
        done
    done
}

# Builds every variant, times them alternately, counts instructions, prints the markdown report.
measure_all() {
    local backends=$1 dist=$2 reps=${PGO_REPS:-5} flavour variant rep counted
    for flavour in $(for b in $backends; do flavour_of "$b"; done | sort -u); do
        for variant in release release-lto-thin release-lto-fat; do build_variant "$variant" "$flavour"; done
    done
    note "warm-up run (page cache), then $reps alternating repetitions"
    run_workload "$(binary release default)" scalar
    : >"$PGO/times.tsv"
    for rep in $(seq "$reps"); do
        measure_each "$PGO/times.tsv" time_workload "$backends" "$dist" " $rep"
        note "repetition $rep/$reps done"
    done
    : >"$PGO/instructions.tsv"
    if [[ ${PGO_IR:-1} == 1 ]]; then
        counted=${backends//avx512/}
        if [[ $counted != "$backends" ]]; then
            note "instruction counts of avx512 skipped: valgrind $(valgrind --version | cut -d- -f2) cannot execute AVX-512"
        fi
        measure_each "$PGO/instructions.tsv" count_instructions "$counted" "$dist" ""
    fi
    report "$backends" "$dist" "$reps"
}

report() {
    local backends=$1 dist=$2 reps=$3
    echo "Measured by \`$PGO_COMMAND\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "Machine: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores," \
        "load average at the end $(cut -d' ' -f1-3 /proc/loadavg) (shared machine)."
    echo "Toolchain: $(rustc -V), LLVM $(rustc -vV | sed -n 's/^LLVM version: //p'); valgrind $(valgrind --version | cut -d- -f2)."
    echo "Workloads (each timed on its own; one PGO profile per backend from both):"
    for workload in $(workloads); do echo "* $workload: \`$(workload_command "$workload")\`"; done
    echo
    echo "$reps alternating repetitions per build; times are medians with min–max; speed-up = release CPU median /"
    echo "build CPU median. Instructions: one callgrind run (deterministic) on tier 1 (features) or a 300 k-trade"
    echo ".zip (ingest); \`wide\` builds use -Ctarget-cpu=${PGO_WIDE_CPU:-x86-64-v3} except \`pgo-dist\` (default x86-64, SSE2)."
    echo
    echo "| workload | backend | build | wall s (min–max) | CPU s (min–max) | CPU speed-up | instructions | vs release |"
    echo "|---|---|---|---|---|---|---|---|"
    awk -v backends="$backends" -v workloads="$(workloads)" -f "$ROOT/tools/pgo/table.awk" "$PGO/times.tsv" "$PGO/instructions.tsv"
}

# Replaces the generated block of docs/PERFORMANCE.md (between the pgo-table markers) with the report, and
# redraws its chart, docs/img/pgo-speedup.svg (tools/pgo/chart.awk), from the same report.
write_docs() {
    local report=$1 doc=$ROOT/docs/PERFORMANCE.md
    grep -q '<!-- pgo-table:begin -->' "$doc" || fail "docs/PERFORMANCE.md has no <!-- pgo-table:begin --> marker"
    awk -v report="$report" '
        /<!-- pgo-table:begin -->/ { print; while ((getline line < report) > 0) print line; skip = 1; next }
        /<!-- pgo-table:end -->/ { skip = 0 }
        !skip { print }' "$doc" >"$doc.tmp"
    mv "$doc.tmp" "$doc"
    note "table written into docs/PERFORMANCE.md"
    mkdir -p "$ROOT/docs/img"
    awk -f "$ROOT/tools/pgo/chart.awk" "$report" >"$ROOT/docs/img/pgo-speedup.svg.tmp"
    mv "$ROOT/docs/img/pgo-speedup.svg.tmp" "$ROOT/docs/img/pgo-speedup.svg"
    note "chart written into docs/img/pgo-speedup.svg"
}
