#!/usr/bin/env bash
# Profile-guided optimisation of the `barsmith` binary, per SIMD backend, with a measured table.
#
#   tools/pgo/pgo.sh all               every backend this CPU runs, plus the distributable binary
#   tools/pgo/pgo.sh one BACKEND...    only these backends (no distributable binary)
#   tools/pgo/pgo.sh release           the installable PGO binary: one profile merged from every backend on both
#                                      workloads, then `cargo install` of barsmith-cli (default features) with it
#   tools/pgo/pgo.sh clean             removes target/pgo (profiles, builds, workload, reports)
#
# Environment knobs (defaults in brackets):
#   PGO_REPS [5]          timed repetitions per build, alternating between builds
#   PGO_WORKLOADS [features ingest]  workloads to profile and time (docs/PGO.md)
#   PGO_TIERS [1 2 3]     tiers of the features workload (tier 1 alone is the CI smoke)
#   PGO_BACKENDS [all the CPU runs]  backends of `all` (a subset to save time; the dist profile uses these)
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
        all) shift; run_pgo "${PGO_BACKENDS:-auto}" dist ;;
        one) shift; [[ $# -gt 0 ]] || usage; run_pgo "$*" no-dist ;;
        release) release_pgo ;;
        clean) rm -rf "$PGO"; echo "removed $PGO" ;;
        *) usage ;;
    esac
}

usage() {
    echo "usage: $0 all | one BACKEND... | release | clean   (backends: scalar avx2 avx512 pulp wide)" >&2
    exit 2
}

# The whole workflow for the given backends; "dist" also builds the one distributable binary.
run_pgo() {
    local backends=$1 dist=$2 backend
    PROFDATA=$(tools/pgo/find-llvm-profdata.sh)
    mkdir -p "$PGO/logs"
    note "llvm-profdata: $PROFDATA"
    build_variant release default
    if [[ $backends == auto ]]; then backends=$(available_backends); fi
    make_workload "$(binary release default)"
    make_ingest_workload "$(binary release default)"
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
    note "profiling $backend (workloads: $(workloads))"
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

# `just release-pgo`: profile every backend the CPU runs on the default instrumented build (both workloads),
# merge, and install barsmith-cli built with that profile on fat LTO (PGO_INSTALL_ROOT, default ~/.cargo).
release_pgo() {
    local backend raw=$PGO/profiles/release root=${PGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}
    PROFDATA=$(tools/pgo/find-llvm-profdata.sh)
    mkdir -p "$PGO/logs"
    build_variant release default
    make_workload "$(binary release default)"
    make_ingest_workload "$(binary release default)"
    build_variant instrumented default
    rm -rf "$raw"
    mkdir -p "$raw"
    for backend in $(available_backends); do
        note "profiling $backend (workloads: $(workloads))"
        LLVM_PROFILE_FILE="$raw/%m-%p.profraw" run_workload "$(binary instrumented default)" "$backend"
    done
    merge_profiles "$PGO/profiles/release.profdata" "$raw"
    note "installing barsmith-cli with -Cprofile-use into $root/bin"
    env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="-Cprofile-use=$PGO/profiles/release.profdata" \
        CARGO_TARGET_DIR="$PGO/build/release-pgo" \
        cargo install --path crates/cli --bin barsmith --locked --force --profile release-lto-fat --root "$root"
    note "installed: $root/bin/barsmith (PGO, fat LTO, profile ${PGO#"$ROOT"/}/profiles/release.profdata)"
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
