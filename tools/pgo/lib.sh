# shellcheck shell=bash
# Builds, workload and CPU checks shared by tools/pgo/pgo.sh and tools/pgo/measure.sh (sourced, not run).
# Expects ROOT (repository root) and PGO (target/pgo) to be set.

note() { echo "== $*" >&2; }
fail() {
    echo "error: $*" >&2
    exit 1
}

# Two workloads (PGO_WORKLOADS picks them):
# * features: the seed's tiers with every feature group (the kernels dominate);
# * ingest: bar-level features only, from a 3 M-trade .zip and the same trades as .csv.zst (the parser and the
#   decoders dominate).
WORKLOAD_ARGS=(--threshold-dbps 250,50 --features bar,intra,lookback --lookback count:500 --threads 1 -q)
INGEST_ARGS=(--threshold-dbps 250,50 --features bar --threads 1 -q)
INGEST_TRADES=3000000

workloads() {
    echo "${PGO_WORKLOADS:-features ingest}"
}

# The arguments of one workload's runs, for the report.
workload_command() {
    case $1 in
        features) echo "barsmith bars ${WORKLOAD_ARGS[*]} --backend B, tiers ${PGO_TIERS:-1 2 3}" ;;
        ingest) echo "barsmith bars ${INGEST_ARGS[*]} --backend B, on the .zip then the .csv.zst of $INGEST_TRADES trades" ;;
        *) fail "unknown workload $1 (features, ingest)" ;;
    esac
}

# `wide` fixes its instruction set at compile time, so it gets its own flag set ("flavour").
flavour_of() {
    if [[ $1 == wide ]]; then echo v3; else echo default; fi
}

flavour_rustflags() {
    case $1 in
        default) echo "" ;;
        v3) echo "-Ctarget-cpu=${PGO_WIDE_CPU:-x86-64-v3}" ;;
    esac
}

# Cargo profile of each stage. The baseline stage "release" is release without LTO (`release-nolto`; the
# `release` profile itself has thin LTO since it was measured). Instrumented builds use it too (counters are
# placed before inlining, so the profile matches the LTO build); PGO builds use fat LTO.
cargo_profile_of() {
    case $1 in
        release | instrumented) echo release-nolto ;;
        release-lto-thin) echo release-lto-thin ;;
        release-lto-fat | pgo-*) echo release-lto-fat ;;
        *) fail "unknown stage $1" ;;
    esac
}

binary() {
    echo "$PGO/build/$1-$2/$(cargo_profile_of "$1")/barsmith"
}

# build_variant STAGE FLAVOUR: the `barsmith` binary of one stage in its own target dir.
# Stage flags: instrumented adds -Cprofile-generate; pgo-* take PGO_USE_FLAGS from the caller.
build_variant() {
    local stage=$1 flavour=$2 flags log started=$SECONDS
    flags="$(flavour_rustflags "$flavour")"
    case $stage in
        instrumented) flags+=" -Cprofile-generate=$PGO/profiles/unnamed" ;;
        pgo-*) flags+=" ${PGO_USE_FLAGS:?pgo builds need PGO_USE_FLAGS}" ;;
    esac
    log=$PGO/logs/build-$stage-$flavour.log
    note "build $stage ($flavour): RUSTFLAGS='${flags# }'"
    if ! env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="${flags# }" CARGO_TARGET_DIR="$PGO/build/$stage-$flavour" \
        cargo build -p barsmith-cli --bin barsmith --no-default-features --profile "$(cargo_profile_of "$stage")" \
        >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        fail "build $stage ($flavour) failed; full log: $log"
    fi
    note "built $stage ($flavour) in $((SECONDS - started)) s"
}

# Backends the CPU runs, as `barsmith cpu` reports them (neon never applies here).
available_backends() {
    local available
    available=$("$(binary release default)" cpu | sed -n 's/^available: *//p')
    for backend in scalar avx2 avx512 pulp wide; do
        if [[ " $available " == *" $backend "* ]]; then echo -n "$backend "; fi
    done
}

require_backend() {
    local backend=$1 available
    available=" $(available_backends) "
    [[ $available == *" $backend "* ]] || fail "backend $backend is not available on this CPU/build (have:$available)"
    if [[ $backend == wide && $available != *" avx2 "* ]]; then
        fail "the wide build uses -Ctarget-cpu=${PGO_WIDE_CPU:-x86-64-v3}, which this CPU does not run"
    fi
}

# The seed's tiers, generated once (deterministic: same seed, same bytes). Regenerated when this recipe changes.
make_workload() {
    local gen=$1 dir=$PGO/workload stamp
    stamp="tiers-v1"
    if [[ -f $dir/stamp && $(cat "$dir/stamp") == "$stamp" ]]; then
        return
    fi
    note "generating the workload into ${dir#"$ROOT"/}"
    rm -rf "$dir"
    mkdir -p "$dir/tier1" "$dir/tier2" "$dir/tier3"
    # Tier 1: 100 k trades, one symbol.
    "$gen" gen --trades 100000 --seed 101 -o "$dir/tier1/BTCUSDT-aggTrades-2026-01-01.csv.zst"
    # Tier 2: 5 symbols x 100 k trades, different prices and seeds.
    local i=0 symbol price
    for symbol_price in BTCUSDT:87648.21 ETHUSDT:2950.37 SOLUSDT:124.81 BNBUSDT:612.40 LTCUSDT:77.15; do
        symbol=${symbol_price%%:*} price=${symbol_price#*:} i=$((i + 1))
        "$gen" gen --trades 100000 --seed $((200 + i)) --start-price "$price" \
            -o "$dir/tier2/$symbol-aggTrades-2026-01-01.csv.zst"
    done
    # Tier 3: 1 M trades with the generator's gaps and same-timestamp sweeps, plus flash crashes
    # (about 10 expected at this rate).
    "$gen" gen --trades 1000000 --seed 303 --flash-crash-probability 0.00001 \
        -o "$dir/tier3/BTCUSDT-aggTrades-2026-01-02.csv.zst"
    echo "$stamp" >"$dir/stamp"
}

# The ingest workload: INGEST_TRADES trades as a Binance-style .zip (Debian's `zip`, deflate level 6) and as
# .csv.zst; a 300 k-trade .zip for the instruction counts. Generated once, like the tiers.
make_ingest_workload() {
    local gen=$1 dir=$PGO/workload/ingest stamp name
    stamp="ingest-v1-$INGEST_TRADES"
    if [[ -f $dir/stamp && $(cat "$dir/stamp") == "$stamp" ]]; then
        return
    fi
    command -v zip >/dev/null || fail "the ingest workload needs Debian's zip (apt-get install zip; just setup does it)"
    note "generating the ingest workload into ${dir#"$ROOT"/}"
    rm -rf "$dir"
    mkdir -p "$dir/zip" "$dir/zst" "$dir/small"
    name=GENUSDT-aggTrades-2026-01-01
    "$gen" gen --trades "$INGEST_TRADES" --seed 404 -o "$dir/$name.csv"
    (cd "$dir" && zip -q -6 "zip/$name.zip" "$name.csv")
    zstd -q -3 "$dir/$name.csv" -o "$dir/zst/$name.csv.zst" 2>/dev/null ||
        "$gen" gen --trades "$INGEST_TRADES" --seed 404 -o "$dir/zst/$name.csv.zst"
    rm "$dir/$name.csv"
    "$gen" gen --trades 300000 --seed 405 -o "$dir/$name.csv"
    (cd "$dir" && zip -q -6 "small/$name.zip" "$name.csv")
    rm "$dir/$name.csv"
    echo "$stamp" >"$dir/stamp"
}

# run_workload BINARY BACKEND [WORKLOAD...]: the workloads (default: all of `workloads`), backend forced.
run_workload() {
    local bin=$1 backend=$2 workload list
    shift 2
    list=("$@")
    if ((${#list[@]} == 0)); then read -ra list <<<"$(workloads)"; fi
    for workload in "${list[@]}"; do
        run_one_workload "$bin" "$backend" "$workload"
    done
}

run_one_workload() {
    local bin=$1 backend=$2 workload=$3 tier input out=$PGO/out
    mkdir -p "$out"
    case $workload in
        features)
            for tier in ${PGO_TIERS:-1 2 3}; do
                "$bin" bars "${WORKLOAD_ARGS[@]}" --backend "$backend" -o "$out/" "$PGO/workload/tier$tier/" ||
                    fail "barsmith bars failed on tier $tier with $bin --backend $backend"
            done
            ;;
        ingest)
            for input in zip zst; do
                "$bin" bars "${INGEST_ARGS[@]}" --backend "$backend" -o "$out/" "$PGO/workload/ingest/$input/" ||
                    fail "barsmith bars failed on the ingest $input input with $bin --backend $backend"
            done
            ;;
        *) fail "unknown workload $workload (features, ingest)" ;;
    esac
}
