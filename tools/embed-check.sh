#!/usr/bin/env bash
# Embedders get full speed without our build profile: builds embedder/ twice — as an embedding crate does
# (`cargo build --release`, Cargo's default profile: no LTO) and with the workspace's release profile (thin
# LTO, line tables) — runs both on the same generated trades, and fails when any backend of the plain build
# is slower than MIN_RATIO (default 0.85) of ours. Runs alternate, best of REPEATS each.
#
#   tools/embed-check.sh [TRADES] [REPEATS]        (just embed-check)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
trades=${1:-1000000}
repeats=${2:-3}
min_ratio=${MIN_RATIO:-0.85}
manifest=$root/embedder/Cargo.toml
target=$root/target/embed-check

echo "== building embedder/ as an embedder does: cargo build --release (no LTO)"
cargo build --quiet --release --manifest-path "$manifest" --target-dir "$target/plain"
echo "== building the same program with the workspace's release profile (lto = \"thin\", debug = \"line-tables-only\")"
cargo build --quiet --release --manifest-path "$manifest" --target-dir "$target/ours" \
    --config 'profile.release.lto="thin"' --config 'profile.release.debug="line-tables-only"'

plain=$("$target/plain/release/barsmith-embedder" "$trades" "$repeats")
ours=$("$target/ours/release/barsmith-embedder" "$trades" "$repeats")
# A second round, alternating, so that load on a shared machine hits both builds alike.
plain2=$("$target/plain/release/barsmith-embedder" "$trades" "$repeats")
ours2=$("$target/ours/release/barsmith-embedder" "$trades" "$repeats")

python3 - "$min_ratio" "$trades" <<PY
import sys
min_ratio, trades = float(sys.argv[1]), int(sys.argv[2])
def parse(*texts):
    best = {}
    for text in texts:
        for line in text.strip().splitlines():
            name, rate = line.split()
            best[name] = max(best.get(name, 0.0), float(rate))
    return best
plain = parse("""$plain""", """$plain2""")
ours = parse("""$ours""", """$ours2""")
print(f"full pipeline, all features (count:500), 250 dbps, {trades} generated trades; best of 2 x $repeats runs")
print(f"| backend | embedder build (no LTO) | workspace build (thin LTO) | ratio |")
print(f"|---|---|---|---|")
failed = []
for name in ours:
    ratio = plain[name] / ours[name]
    print(f"| {name} | {plain[name] / 1e6:.2f} M trades/s | {ours[name] / 1e6:.2f} M trades/s | {ratio:.2f} |")
    if ratio < min_ratio:
        failed.append(f"{name} ({ratio:.2f})")
if set(plain) != set(ours):
    sys.exit(f"the two builds ran different backends: {sorted(plain)} vs {sorted(ours)}")
if failed:
    sys.exit(f"FAIL: slower than {min_ratio} x the workspace build: {', '.join(failed)}")
print(f"ok: every backend at >= {min_ratio} x the workspace build")
PY
