#!/usr/bin/env bash
# Prints the path of an llvm-profdata whose LLVM major version equals the one rustc is built on.
#
# Order: rustup's `llvm-tools` component (same LLVM as rustc, by construction), then Debian's
# `llvm-profdata-<major>`. A bare `llvm-profdata` on PATH is never trusted: on Debian bookworm it is
# LLVM 14, whose merge output rustc's LLVM refuses ("unsupported instrumentation profile format version").
# Exits 1 with both fixes named when nothing matches.
set -euo pipefail
cd "$(dirname "$0")/../.." # the toolchain is rust-toolchain.toml's

rustc_llvm=$(rustc -vV | sed -n 's/^LLVM version: //p')
want_major=${rustc_llvm%%.*}
if [[ -z "$want_major" ]]; then
    echo "error: cannot read the LLVM version from 'rustc -vV'" >&2
    exit 1
fi

# Major version reported by one llvm-profdata binary ("LLVM version 22.1.2" in `merge --version`;
# LLVM 14's binary rejects a top-level --version, every version accepts it after `merge`).
profdata_major() {
    "$1" merge --version 2>/dev/null | sed -n 's/.*LLVM version \([0-9]*\).*/\1/p' | head -n 1
}

candidates=("$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-profdata")
if command -v "llvm-profdata-$want_major" >/dev/null; then
    candidates+=("$(command -v "llvm-profdata-$want_major")")
fi

rejected=()
for candidate in "${candidates[@]}"; do
    [[ -x "$candidate" ]] || continue
    major=$(profdata_major "$candidate")
    if [[ "$major" == "$want_major" ]]; then
        echo "$candidate"
        exit 0
    fi
    rejected+=("$candidate (LLVM ${major:-unknown})")
done
if bare=$(command -v llvm-profdata 2>/dev/null); then
    rejected+=("$bare (LLVM $(profdata_major "$bare"), bare name on PATH: never used)")
fi

{
    echo "error: no llvm-profdata for LLVM $want_major (rustc $(rustc -V | cut -d' ' -f2) is built on LLVM $rustc_llvm)."
    for r in "${rejected[@]}"; do echo "  rejected: $r"; done
    echo "Fix it with either of:"
    echo "  rustup component add llvm-tools          # the same LLVM as rustc; 'just setup' does this"
    echo "  apt-get install llvm-$want_major                # Debian/Ubuntu: provides llvm-profdata-$want_major"
} >&2
exit 1
