#!/usr/bin/env bash
# Profile-guided optimisation of the `barsmith` binary, per SIMD backend, with a measured table.
#
#   tools/pgo/pgo.sh all               every backend this CPU runs, plus the distributable binary
#   tools/pgo/pgo.sh one BACKEND...    only these backends (no distributable binary)
#   tools/pgo/pgo.sh clean             removes target/pgo (profiles, builds, workload, reports)
#
# Environment knobs (defaults in brackets):
#   PGO_REPS [5]          timed repetitions per build, alternating between builds
#   PGO_TIERS [1 2 3]     workload tiers to profile and time (tier 1 alone is the CI smoke)
#   PGO_IR [1]            0 skips the callgrind instruction counts
#   PGO_WRITE_DOCS [0]    1 writes the table into docs/PERFORMANCE.md (`just pgo` sets it)
#   PGO_WIDE_CPU [x86-64-v3]  -Ctarget-cpu of every `wide` build (valgrind-safe; v4 would need AVX-512)
#
# Layout under target/pgo/: workload/tierN/*.csv.zst, build/<stage>-<flavour>/ (one cargo target dir per
# stage and flag set, so each keeps its cache), profiles/<backend>/*.profraw + <backend>.profdata,
# logs/, report.md. See docs/PGO.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PGO=$ROOT/target/pgo
source tools/pgo/lib.sh
source tools/pgo/measure.sh
PGO_COMMAND=${PGO_COMMAND:-tools/pgo/pgo.sh $*}

main() {
    case "${1:-}" in
        all) shift; run_pgo "$(available_backends)" dist ;;
        one) shift; [[ $# -gt 0 ]] || usage; run_pgo "$*" no-dist ;;
        clean) rm -rf "$PGO"; echo "removed $PGO" ;;
        *) usage ;;
    esac
}

usage() {
    echo "usage: $0 all | one BACKEND... | clean   (backends: scalar avx2 avx512 pulp wide)" >&2
    exit 2
}

# The whole workflow for the given backends; "dist" also builds the one distributable binary.
run_pgo() {
    local backends=$1 dist=$2 backend
    PROFDATA=$(tools/pgo/find-llvm-profdata.sh)
    mkdir -p "$PGO/logs"
    note "llvm-profdata: $PROFDATA"
    build_variant release default
    make_workload "$(binary release default)"
    for backend in $backends; do
        require_backend "$backend"
    done
    for backend in $backends; do
        profile_backend "$backend"
        build_pgo "$backend" "$PGO/profiles/$backend.profdata"
    done
    if [[ $dist == dist ]]; then
        profile_distributable "$backends"
    fi
    measure_all "$backends" "$dist" >"$PGO/report.md"
    cat "$PGO/report.md"
    if [[ "${PGO_WRITE_DOCS:-0}" == 1 ]]; then
        write_docs "$PGO/report.md"
    fi
}

# Instrumented build of the backend's flavour, workload run with the backend forced, merged profile.
profile_backend() {
    local backend=$1 flavour raw
    flavour=$(flavour_of "$backend")
    build_variant instrumented "$flavour"
    raw=$PGO/profiles/$backend
    rm -rf "$raw"
    mkdir -p "$raw"
    note "profiling $backend (tiers ${PGO_TIERS:-1 2 3})"
    LLVM_PROFILE_FILE="$raw/%m-%p.profraw" run_workload "$(binary instrumented "$flavour")" "$backend"
    merge_profiles "$PGO/profiles/$backend.profdata" "$raw"
}

# One profile from every backend's run on the default-flavour instrumented binary (what a distributed binary
# runs: runtime dispatch keeps every backend hot), then the PGO build from it.
profile_distributable() {
    local backends=$1 backend raws=()
    build_variant instrumented default
    for backend in $backends; do
        if [[ $(flavour_of "$backend") != default ]]; then
            # `wide` was profiled on its own -Ctarget-cpu build; profile its default (SSE2) build here.
            rm -rf "$PGO/profiles/dist-$backend"
            mkdir -p "$PGO/profiles/dist-$backend"
            note "profiling $backend on the default build for the distributable binary"
            LLVM_PROFILE_FILE="$PGO/profiles/dist-$backend/%m-%p.profraw" \
                run_workload "$(binary instrumented default)" "$backend"
            raws+=("$PGO/profiles/dist-$backend")
        else
            raws+=("$PGO/profiles/$backend")
        fi
    done
    merge_profiles "$PGO/profiles/dist.profdata" "${raws[@]}"
    build_pgo dist "$PGO/profiles/dist.profdata"
}

merge_profiles() {
    local out=$1 files
    shift
    files=$(find "$@" -name '*.profraw' | sort)
    if [[ -z "$files" ]]; then
        fail "no .profraw under $* — the instrumented process must exit normally (a killed process writes none)"
    fi
    # shellcheck disable=SC2086 # one path per word
    "$PROFDATA" merge -o "$out" $files
    note "merged $(wc -w <<<"$files") profile(s) into ${out#"$ROOT"/}"
}

# The -Cprofile-use build of one backend on top of fat LTO; warnings are kept in the log.
build_pgo() {
    local name=$1 profdata=$2 flavour=default
    [[ $name == dist ]] || flavour=$(flavour_of "$name")
    PGO_USE_FLAGS="-Cprofile-use=$profdata -Cllvm-args=-pgo-warn-missing-function" \
        build_variant "pgo-$name" "$flavour"
    note "pgo-$name: $(grep -c 'no profile data available' "$PGO/logs/build-pgo-$name-$flavour.log" || true)" \
        "functions without profile data (cold code, mostly dependencies), $(grep -c 'mismatch' \
        "$PGO/logs/build-pgo-$name-$flavour.log" || true) stale-profile warnings"
}

main "$@"
