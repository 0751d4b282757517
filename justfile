# barsmith task runner. Install `just` with `pip install rust-just` (seconds) or `cargo install just --locked`.

set shell := ["bash", "-euo", "pipefail", "-c"]

default:
    @just --list

# Run every test: the Rust workspace, then the Python package (the README's test command).
test:
    bash tools/test-all.sh

# Formatting and lints, as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Bars from rangebar-core 12.39 and from us on the real sample and on generated trades; fails on any difference.
parity trades="1000000":
    cd parity && cargo run --release -- {{trades}}

# Side-by-side speed of rangebar-core 12.39 and our builder (criterion, one process).
parity-bench:
    cd parity && cargo bench --bench builder_vs_peer

# Generate synthetic aggTrades: just gen fixtures/sample.csv 100000 spot 42
gen out trades="100000" format="spot" seed="42":
    cargo run --release -- gen --trades {{trades}} --format {{format}} --seed {{seed}} -o {{out}}

# Regenerate the bundled fixtures (small, deterministic).
fixtures:
    cargo run --release -- gen --trades 20000 --format spot --seed 42 --volatility 0 -o fixtures/SYNTHUSDT-aggTrades-2026-01-01.csv
    cargo run --release -- gen --trades 5000 --format um --seed 43 --volatility 0 -o fixtures/SYNTHUSDT-um-aggTrades-sample.csv

# Install what `just bench-iai` and `just pgo` need: just, rustup's llvm-tools, valgrind, gungraun-runner (pinned).
setup:
    tools/pgo/setup.sh

# Criterion benches (not the iai_* ones): all of them, or those named: just bench builder pipeline
bench *benches:
    #!/usr/bin/env bash
    set -euo pipefail
    names=({{benches}})
    if [ ${#names[@]} -eq 0 ]; then
        for file in benches/benches/*.rs; do name=$(basename "$file" .rs); [[ $name == iai_* ]] || names+=("$name"); done
    fi
    args=(); for name in "${names[@]}"; do args+=(--bench "$name"); done
    cargo bench -p barsmith-benches "${args[@]}"

# A year of one symbol, measured on DAYS generated days (release build; see docs/PERFORMANCE.md): trades/s per
# core at 1 and 2 threads, 3 thresholds, every feature, and a projection to 16 and 64 cores.
bench-year days="8" trades="1500000" reps="2":
    cargo build --release -p barsmith-cli
    tools/parallel/year.sh {{days}} {{trades}} {{reps}}

# Instruction counts under callgrind (gungraun); args go to gungraun: --save-baseline=main, --baseline=main, a filter.
bench-iai *args:
    tools/pgo/bench-iai.sh run {{args}}

# Determinism of the instruction counts: two consecutive runs must give identical counts (optional filter).
bench-iai-check *filter:
    tools/pgo/bench-iai.sh check {{filter}}

# PGO for every backend this CPU runs plus one distributable binary; writes the table into docs/PERFORMANCE.md.
pgo:
    PGO_WRITE_DOCS=1 PGO_COMMAND="just pgo" tools/pgo/pgo.sh all

# PGO for one backend (scalar, avx2, avx512, pulp, wide); prints the table, leaves the docs alone.
pgo-one backend:
    PGO_COMMAND="just pgo-one {{backend}}" tools/pgo/pgo.sh one {{backend}}

# Build the CLI with one PGO profile merged from the standard workloads (every backend) and install it (~/.cargo/bin).
release-pgo:
    tools/pgo/pgo.sh release

# Remove the PGO builds, profiles, workload and reports (target/pgo).
pgo-clean:
    tools/pgo/pgo.sh clean

# Fuzz the record parser, whole-file parsing, then the live message and REST page parsers, for SECS seconds each
# (needs nightly and `cargo install cargo-fuzz --locked`).
fuzz secs="600":
    cd fuzz && mkdir -p corpus/record corpus/file corpus/live_message corpus/live_rest_page && \
      cargo +nightly fuzz run record corpus/record ../fixtures/ingest -- -max_total_time={{secs}} -max_len=512 && \
      cargo +nightly fuzz run file corpus/file ../fixtures/ingest -- -max_total_time={{secs}} -max_len=4096 -rss_limit_mb=2048 && \
      cargo +nightly fuzz run live_message corpus/live_message -- -max_total_time={{secs}} -max_len=1024 && \
      cargo +nightly fuzz run live_rest_page corpus/live_rest_page -- -max_total_time={{secs}} -max_len=8192

# The embedding example: bars with features from an embedding crate's own trades.
example:
    cargo run --release -p barsmith --example embed

# Embedders get full speed without our build profile: embedder/ built plainly vs with our release profile.
embed-check trades="1000000" repeats="3":
    tools/embed-check.sh {{trades}} {{repeats}}
