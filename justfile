# rangebar task runner. Install `just` with `pip install rust-just` (seconds) or `cargo install just --locked`.

set shell := ["bash", "-euo", "pipefail", "-c"]

default:
    @just --list

# Run every test in the workspace (the README's test command).
test:
    cargo test --workspace

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
    cargo run --release -- gen --trades 20000 --format spot --seed 42 -o fixtures/SYNTHUSDT-aggTrades-2026-01-01.csv
    cargo run --release -- gen --trades 5000 --format um --seed 43 -o fixtures/SYNTHUSDT-um-aggTrades-sample.csv
