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

# Prints "WALL CPU" seconds (CPU = user + system) of one run of the workload.
time_workload() {
    local bin=$1 backend=$2 timing
    timing=$({
        TIMEFORMAT='%R %U %S'
        time run_workload "$bin" "$backend" >/dev/null
    } 2>&1)
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$timing"
}

# Instructions executed by one tier-1 run under callgrind (deterministic; valgrind 3.19 has no AVX-512).
count_instructions() {
    local bin=$1 backend=$2 log
    log=$(PGO_TIERS=1 valgrind --tool=callgrind --cache-sim=no --callgrind-out-file=/dev/null \
        "$bin" bars "${WORKLOAD_ARGS[@]}" --backend "$backend" -o "$PGO/out/" "$PGO/workload/tier1/" 2>&1) ||
        fail "callgrind run failed: $bin --backend $backend"
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$log"
}

# Builds every variant, times them alternately, counts instructions, prints the markdown report.
measure_all() {
    local backends=$1 dist=$2 reps=${PGO_REPS:-5} backend variant rep
    for flavour in $(for b in $backends; do flavour_of "$b"; done | sort -u); do
        for variant in release release-lto-thin release-lto-fat; do build_variant "$variant" "$flavour"; done
    done
    note "warm-up run (page cache), then $reps alternating repetitions"
    run_workload "$(binary release default)" scalar
    : >"$PGO/times.tsv"
    for rep in $(seq "$reps"); do
        for backend in $backends; do
            for variant in $(variants_of "$backend" "$dist"); do
                echo "$backend $variant $rep $(time_workload "$(binary_of_variant "$variant" "$backend")" "$backend")" \
                    >>"$PGO/times.tsv"
            done
        done
        note "repetition $rep/$reps done"
    done
    : >"$PGO/instructions.tsv"
    if [[ ${PGO_IR:-1} == 1 ]]; then
        for backend in $backends; do
            if [[ $backend == avx512 ]]; then
                note "instruction counts of avx512 skipped: valgrind $(valgrind --version | cut -d- -f2) cannot execute AVX-512"
                continue
            fi
            for variant in $(variants_of "$backend" "$dist"); do
                echo "$backend $variant $(count_instructions "$(binary_of_variant "$variant" "$backend")" "$backend")" \
                    >>"$PGO/instructions.tsv"
            done
        done
    fi
    report "$backends" "$dist" "$reps"
}

report() {
    local backends=$1 dist=$2 reps=$3
    echo "Measured by \`$PGO_COMMAND\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "Machine: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores," \
        "load average at the end $(cut -d' ' -f1-3 /proc/loadavg) (shared machine)."
    echo "Toolchain: $(rustc -V), LLVM $(rustc -vV | sed -n 's/^LLVM version: //p'); valgrind $(valgrind --version | cut -d- -f2)."
    echo "Workload: tiers ${PGO_TIERS:-1 2 3} (\`barsmith bars ${WORKLOAD_ARGS[*]} --backend B\`), $reps alternating"
    echo "repetitions per build; times are medians with min–max; speed-up = release CPU median / build CPU median."
    echo "Instructions: one callgrind run on tier 1 (deterministic); \`wide\` builds use" \
        "-Ctarget-cpu=${PGO_WIDE_CPU:-x86-64-v3} except \`pgo-dist\` (default x86-64, SSE2)."
    echo
    echo "| backend | build | wall s (min–max) | CPU s (min–max) | CPU speed-up | instructions, tier 1 | vs release |"
    echo "|---|---|---|---|---|---|---|"
    awk -v backends="$backends" -f "$ROOT/tools/pgo/table.awk" "$PGO/times.tsv" "$PGO/instructions.tsv"
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
