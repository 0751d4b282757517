//! Instruction counts of the feature kernels under callgrind (gungraun), per backend.
//!
//! Every kernel the feature layer calls, on a 500-value window (the default `count:500` lookback), for each
//! backend valgrind can execute: scalar, avx2, pulp (valgrind reports no AVX-512, so pulp runs its x86-v3
//! path) and wide (as compiled: SSE2 in a default build). AVX-512 is not benchmarked here: valgrind 3.19
//! cannot decode AVX-512 instructions (`just bench-iai` prints that it is skipped). A backend this build or
//! CPU lacks prints `NOT RUN: …` and counts only the check.
//!
//! The backend is a benchmark argument, not `BARSMITH_BACKEND`: gungraun clears the environment of the
//! benchmarked process.
//!
//! `just bench-iai` (or `cargo bench -p barsmith-benches --bench iai_kernels`).

use std::hint::black_box;

use barsmith_kernels::{Backend, Kernels, MinMax, Moments};
use gungraun::{LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};

/// Window length of every kernel benchmark.
const N: usize = 500;

/// One backend's handle (when it runs here) and a deterministic tick-like window.
struct Window {
    kernels: Option<Kernels>,
    prices: Vec<f64>,
    returns: Vec<f64>,
    flow: Vec<f64>,
    prices_e8: Vec<i64>,
}

/// A price walk on a 0.01 grid (with ties, as real ticks have) from a fixed-seed SplitMix generator.
fn window(backend: Backend) -> Window {
    let kernels = match Kernels::new(backend) {
        Ok(k) => Some(k),
        Err(e) => {
            barsmith_test_support::not_run(&format!("the {backend} kernel benchmarks"), &e.to_string());
            None
        }
    };
    let mut rng = barsmith_test_support::SplitMix(0x2545_F491_4F6C_DD1D);
    let mut ticks = 8_764_821_i64;
    let (mut prices_e8, mut flow) = (Vec::with_capacity(N), Vec::with_capacity(N));
    for _ in 0..N {
        let step = rng.below(5) - 2;
        ticks += step;
        prices_e8.push(ticks * 1_000_000);
        flow.push(step as f64 * 0.25 + rng.unit() - 0.5);
    }
    let prices: Vec<f64> = prices_e8.iter().map(|&p| p as f64 / 1e8).collect();
    let returns = prices.windows(2).map(|w| w[1] - w[0]).collect();
    // One uncounted call of each Hurst kernel and of PE: the first call in a process builds the kernels'
    // constant tables (expected R/S for sizes below 1024, logarithms of pattern counts) and per-thread
    // working memory, a one-time cost that would otherwise swamp the per-call count.
    if let Some(k) = kernels {
        k.hurst_rs(&prices, None);
        k.hurst_dfa(&prices, None);
        k.permutation_entropy(&prices, 3, 1);
    }
    Window { kernels, prices, returns, flow, prices_e8 }
}

#[library_benchmark]
#[benches::backend(args = [Backend::Scalar, Backend::Avx2, Backend::Pulp, Backend::Wide], setup = window)]
fn permutation_entropy_m3(w: Window) -> Option<f64> {
    w.kernels?.permutation_entropy(black_box(&w.prices), 3, 1)
}

#[library_benchmark]
#[benches::backend(args = [Backend::Scalar, Backend::Avx2, Backend::Pulp, Backend::Wide], setup = window)]
fn hurst_dfa(w: Window) -> Option<f64> {
    w.kernels?.hurst_dfa(black_box(&w.prices), None)
}

#[library_benchmark]
#[benches::backend(args = [Backend::Scalar, Backend::Avx2, Backend::Pulp, Backend::Wide], setup = window)]
fn hurst_rs(w: Window) -> Option<f64> {
    w.kernels?.hurst_rs(black_box(&w.prices), None)
}

#[library_benchmark]
#[benches::backend(args = [Backend::Scalar, Backend::Avx2, Backend::Pulp, Backend::Wide], setup = window)]
fn kyle_lambda(w: Window) -> Option<f64> {
    w.kernels?.kyle_lambda(black_box(&w.returns), black_box(&w.flow[1..]))
}

#[library_benchmark]
#[benches::backend(args = [Backend::Scalar, Backend::Avx2, Backend::Pulp, Backend::Wide], setup = window)]
fn moments_f64(w: Window) -> Option<Moments> {
    w.kernels?.moments_f64(black_box(&w.returns))
}

#[library_benchmark]
#[benches::backend(args = [Backend::Scalar, Backend::Avx2, Backend::Pulp, Backend::Wide], setup = window)]
fn min_max_f64(w: Window) -> Option<MinMax<f64>> {
    w.kernels?.min_max_f64(black_box(&w.prices))
}

#[library_benchmark]
#[benches::backend(args = [Backend::Scalar, Backend::Avx2, Backend::Pulp, Backend::Wide], setup = window)]
fn diff_moments_i64(w: Window) -> Option<Moments> {
    w.kernels?.diff_moments_i64(black_box(&w.prices_e8))
}

library_benchmark_group!(name = entropy; benchmarks = permutation_entropy_m3);
library_benchmark_group!(name = hurst; benchmarks = hurst_dfa, hurst_rs);
library_benchmark_group!(name = regression; benchmarks = kyle_lambda);
library_benchmark_group!(name = reductions; benchmarks = moments_f64, min_max_f64, diff_moments_i64);

main!(
    config = LibraryBenchmarkConfig::default();
    library_benchmark_groups = entropy, hurst, regression, reductions
);
