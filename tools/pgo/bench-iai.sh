#!/usr/bin/env bash
# Instruction counts of the hot paths under callgrind (gungraun), every `benches/benches/iai_*.rs`.
#
#   tools/pgo/bench-iai.sh run [GUNGRAUN ARGS...]   e.g. --save-baseline=main, --baseline=main
#   tools/pgo/bench-iai.sh check [FILTER]           two consecutive runs; fails unless every count is identical
#
# valgrind 3.19 does not decode AVX-512, so the bench build must not be compiled for it: this script
# refuses to run when RUSTFLAGS (or a .cargo/config*) asks for -Ctarget-cpu=native or x86-64-v4.
set -euo pipefail
cd "$(dirname "$0")/../.."

refuse_avx512_flags() {
    local where
    for where in "${RUSTFLAGS:-}" "${CARGO_ENCODED_RUSTFLAGS:-}" "$(cat .cargo/config.toml .cargo/config 2>/dev/null || true)"; do
        if grep -Eq 'target-cpu=(native|x86-64-v4)|target-feature=[^ "]*\+avx512' <<<"$where"; then
            echo "error: the iai bench build must not target AVX-512 (valgrind 3.19 cannot execute it)." >&2
            echo "       Remove -Ctarget-cpu=native/x86-64-v4 from RUSTFLAGS or .cargo/config.toml." >&2
            exit 1
        fi
    done
}

# One JSON run of all iai benches; prints "benchmark-id Ir" lines, sorted.
instruction_counts() {
    cargo bench --quiet -p barsmith-benches --bench 'iai_*' -- --output-format=json "$@" |
        jq -r 'select(.kind == "LibraryBenchmark")
               | "\(.module_path) \(.id) \(.description) \(.profiles[] | select(.tool == "Callgrind")
                   | .data.total.metrics.Ir.values.new)"' |
        sort
}

refuse_avx512_flags
tools/pgo/setup.sh gungraun-runner >/dev/null
echo "skipped: avx512 benches (valgrind $(valgrind --version | cut -d- -f2) cannot execute AVX-512; criterion's \`just bench\` and \`just pgo\` time it)" >&2
mode=${1:-run}
shift || true
case "$mode" in
    run)
        cargo bench -p barsmith-benches --bench 'iai_*' -- "$@"
        ;;
    check)
        out=target/iai-determinism
        mkdir -p "$out"
        instruction_counts "$@" >"$out/run1.txt"
        instruction_counts "$@" >"$out/run2.txt"
        count=$(wc -l <"$out/run1.txt")
        echo "== run 1 ($out/run1.txt)"
        cat "$out/run1.txt"
        echo "== run 2 ($out/run2.txt)"
        cat "$out/run2.txt"
        if [[ "$count" -eq 0 ]]; then
            echo "FAIL: no benchmark ran" >&2
            exit 1
        fi
        if ! diff -u "$out/run1.txt" "$out/run2.txt"; then
            echo "FAIL: instruction counts differ between two consecutive runs" >&2
            exit 1
        fi
        echo "identical: $count benchmarks, same instruction counts in both runs"
        ;;
    *)
        echo "usage: $0 run [ARGS...] | check [FILTER]" >&2
        exit 2
        ;;
esac
