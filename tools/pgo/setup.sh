#!/usr/bin/env bash
# Installs what `just bench-iai` and `just pgo` need. Idempotent: each step is skipped when already done.
#
#   tools/pgo/setup.sh                  everything below
#   tools/pgo/setup.sh gungraun-runner  only gungraun-runner (what `just bench-iai` calls)
#   tools/pgo/setup.sh valgrind         only the apt packages below (valgrind, jq, zip, zstd)
#   tools/pgo/setup.sh iai              just, the apt packages and gungraun-runner: what `just bench-iai-check`
#                                       needs (CI's iai step)
#
# * rustup's llvm-tools component (llvm-profdata of rustc's own LLVM version);
# * valgrind (apt), for gungraun's callgrind runs and the PGO table's instruction counts, and jq (apt) for
#   `just bench-iai-check`;
# * gungraun-runner at exactly the version of the `gungraun` pin in the root Cargo.toml
#   (`cargo install --locked`; ~11 min cold on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."

# The exact gungraun version pinned in [workspace.dependencies] (`gungraun = "=X.Y.Z"`).
pinned_gungraun() {
    sed -n 's/^gungraun = "=\([0-9.]*\)".*/\1/p' Cargo.toml
}

install_gungraun_runner() {
    local want have
    want=$(pinned_gungraun)
    if [[ -z "$want" ]]; then
        echo "error: Cargo.toml must pin gungraun exactly (gungraun = \"=X.Y.Z\")" >&2
        exit 1
    fi
    have=$(gungraun-runner --version 2>/dev/null | awk '{print $2}' || true)
    if [[ "$have" == "$want" ]]; then
        echo "ok: gungraun-runner $have"
        return
    fi
    echo "installing gungraun-runner $want (found: ${have:-none})"
    cargo install gungraun-runner --version "$want" --locked
}

install_llvm_tools() {
    if tools/pgo/find-llvm-profdata.sh >/dev/null 2>&1; then
        echo "ok: llvm-profdata $(tools/pgo/find-llvm-profdata.sh)"
        return
    fi
    rustup component add llvm-tools
    tools/pgo/find-llvm-profdata.sh >/dev/null
}

# valgrind for the callgrind counts, jq for `just bench-iai-check`, zip and zstd for the ingest workload's archives.
install_valgrind() {
    if command -v valgrind >/dev/null && command -v jq >/dev/null && command -v zip >/dev/null \
        && command -v zstd >/dev/null; then
        echo "ok: $(valgrind --version), jq, zip, zstd"
        return
    fi
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq valgrind jq zip zstd
}

install_just() {
    if command -v just >/dev/null; then
        echo "ok: $(just --version)"
        return
    fi
    pip install --quiet rust-just || true
    hash -r
    # pip may put `just` where PATH does not look yet (pyenv's shims need a rehash) or not at all.
    if ! command -v just >/dev/null && command -v pyenv >/dev/null; then
        pyenv rehash
    fi
    command -v just >/dev/null || cargo install just --locked
    echo "ok: $(just --version)"
}

case "${1:-all}" in
    gungraun-runner) install_gungraun_runner ;;
    valgrind) install_valgrind ;;
    iai)
        install_just
        install_valgrind
        install_gungraun_runner
        ;;
    all)
        install_just
        install_llvm_tools
        install_valgrind
        install_gungraun_runner
        ;;
    *)
        echo "usage: $0 [all|gungraun-runner|valgrind|iai]" >&2
        exit 2
        ;;
esac
