//! Instruction counts of the range-bar builder under callgrind (gungraun).
//!
//! The same hot path as the criterion `builder` bench, on 100 k generated trades (callgrind runs the
//! code ~50x slower, so the input is 10x smaller). Trade generation happens in the setup function and
//! is not counted. The builder has no SIMD backend: one build serves every backend.
//!
//! `just bench-iai` (or `cargo bench -p rangebar-benches --bench iai_builder`, with `gungraun-runner`
//! of the pinned version on PATH).

use std::hint::black_box;

use gungraun::{LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};
use rangebar::generate::{GenConfig, TradeGenerator};
use rangebar_core::{BuilderConfig, RangeBar, RangeBarBuilder, Threshold, TradeBatch};

/// Trades in every builder benchmark.
const TRADES: u64 = 100_000;

/// The generated input and the builder configuration for one threshold.
fn trades_at(dbps: u32) -> (TradeBatch, BuilderConfig) {
    let trades = TradeGenerator::new(GenConfig { trades: TRADES, seed: 7, ..GenConfig::default() }).collect();
    let config = BuilderConfig::new(Threshold::from_dbps(dbps).expect("valid threshold"));
    (trades, config)
}

#[library_benchmark]
#[benches::dbps(args = [250, 50], setup = trades_at)]
fn push_batch((trades, config): (TradeBatch, BuilderConfig)) -> Vec<RangeBar> {
    let mut bars = Vec::with_capacity(4096);
    let mut builder = RangeBarBuilder::new(config);
    builder.push_batch(black_box(&trades), &mut bars).expect("ordered input");
    bars
}

library_benchmark_group!(name = builder; benchmarks = push_batch);

main!(config = LibraryBenchmarkConfig::default(); library_benchmark_groups = builder);
