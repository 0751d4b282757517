//! Instruction counts of the range-bar builder under callgrind (gungraun).
//!
//! The same hot path as the criterion `builder` bench, on 100 k generated trades (callgrind runs the
//! code ~50x slower, so the input is 10x smaller). Trade generation happens in the setup function and
//! is not counted. The builder's column kernels run on the scalar and AVX2 backends (valgrind 3.19 cannot
//! run AVX-512); the backend is a benchmark argument because gungraun clears the environment.
//!
//! `just bench-iai` (or `cargo bench -p barsmith-benches --bench iai_builder`, with `gungraun-runner`
//! of the pinned version on PATH).

use std::hint::black_box;

use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith_core::{BuilderConfig, RangeBar, RangeBarBuilder, Threshold, TradeBatch};
use barsmith_kernels::{Backend, Kernels};
use gungraun::{LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};

/// Trades in every builder benchmark.
const TRADES: u64 = 100_000;

/// The generated input, the builder configuration for one threshold and the backend (`None`, said on stderr,
/// when it cannot run here).
fn trades_at(backend: Backend, dbps: u32) -> (TradeBatch, BuilderConfig, Option<Kernels>) {
    let trades = TradeGenerator::new(GenConfig { trades: TRADES, seed: 7, ..GenConfig::default() }).collect();
    let config = BuilderConfig::new(Threshold::from_dbps(dbps).expect("valid threshold"));
    let kernels = Kernels::new(backend)
        .map_err(|e| barsmith_test_support::not_run(&format!("the {backend} builder benchmarks"), &e.to_string()))
        .ok();
    (trades, config, kernels)
}

fn scalar_at(dbps: u32) -> (TradeBatch, BuilderConfig, Option<Kernels>) {
    trades_at(Backend::Scalar, dbps)
}

fn avx2_at(dbps: u32) -> (TradeBatch, BuilderConfig, Option<Kernels>) {
    trades_at(Backend::Avx2, dbps)
}

fn run((trades, config, kernels): (TradeBatch, BuilderConfig, Option<Kernels>)) -> Vec<RangeBar> {
    let mut bars = Vec::with_capacity(4096);
    if let Some(kernels) = kernels {
        let mut builder = RangeBarBuilder::with_kernels(config, kernels);
        builder.push_batch(black_box(&trades), &mut bars).expect("ordered input");
    }
    bars
}

#[library_benchmark]
#[benches::dbps(args = [250, 50], setup = scalar_at)]
fn push_batch_scalar(input: (TradeBatch, BuilderConfig, Option<Kernels>)) -> Vec<RangeBar> {
    run(input)
}

#[library_benchmark]
#[benches::dbps(args = [250, 50], setup = avx2_at)]
fn push_batch_avx2(input: (TradeBatch, BuilderConfig, Option<Kernels>)) -> Vec<RangeBar> {
    run(input)
}

library_benchmark_group!(name = builder; benchmarks = push_batch_scalar, push_batch_avx2);

main!(config = LibraryBenchmarkConfig::default(); library_benchmark_groups = builder);
