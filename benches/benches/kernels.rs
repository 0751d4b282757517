//! Kernel speed: every kernel × every available backend × n ∈ {64, 500, 4096}.
//!
//! `BARSMITH_BACKEND=<name>` restricts the run to one backend (see `Backend::name`). Example (the command
//! behind the table in docs/SIMD.md):
//! `cargo bench -p barsmith-benches --bench kernels -- --warm-up-time 1 --measurement-time 2`

use std::hint::black_box;

use barsmith_kernels::Kernels;
use barsmith_test_support::SplitMix;
use barsmith_test_support::backends::for_bench as backends;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const SIZES: [usize; 3] = [64, 500, 4096];

/// Deterministic tick-like data: a price walk near 87650 on a 0.01 grid (many ties), its returns, and a
/// signed volume correlated with the returns.
struct Data {
    prices: Vec<f64>,
    returns: Vec<f64>,
    signed_volume: Vec<f64>,
    prices_e8: Vec<i64>,
}

fn data(n: usize) -> Data {
    let mut rng = SplitMix(0x5EED_u64 + n as u64);
    let mut uniform = move || rng.unit();
    let mut ticks = 8_765_000i64;
    let mut prices_e8 = Vec::with_capacity(n);
    let mut signed_volume = Vec::with_capacity(n);
    for _ in 0..n {
        let step = (uniform() * 5.0) as i64 - 2;
        ticks += step;
        prices_e8.push(ticks * 1_000_000);
        signed_volume.push(step as f64 * 0.3 + uniform() - 0.5);
    }
    let prices: Vec<f64> = prices_e8.iter().map(|&p| p as f64 / 1e8).collect();
    let returns = prices.windows(2).map(|w| w[1] - w[0]).chain([0.0]).collect();
    Data { prices, returns, signed_volume, prices_e8 }
}

/// The group `name`: `run` on every backend and size.
fn bench_group<R>(
    c: &mut Criterion,
    name: &str,
    kernels: &[Kernels],
    inputs: &[(usize, Data)],
    run: impl Fn(&Kernels, &Data) -> R,
) {
    let mut group = c.benchmark_group(name);
    for k in kernels {
        for (n, d) in inputs {
            group.bench_with_input(BenchmarkId::new(k.backend().name(), n), d, |b, d| b.iter(|| run(k, d)));
        }
    }
    group.finish();
}

fn bench_kernels(c: &mut Criterion) {
    let kernels = backends();
    let inputs: Vec<(usize, Data)> = SIZES.iter().map(|&n| (n, data(n))).collect();
    bench_group(c, "pe_m3", &kernels, &inputs, |k, d| k.permutation_entropy(black_box(&d.prices), 3, 1));
    bench_group(c, "dfa", &kernels, &inputs, |k, d| k.hurst_dfa(black_box(&d.returns), None));
    bench_group(c, "rs", &kernels, &inputs, |k, d| k.hurst_rs(black_box(&d.returns), None));
    bench_group(c, "kyle", &kernels, &inputs, |k, d| k.kyle_lambda(black_box(&d.returns), black_box(&d.signed_volume)));
}

fn bench_reductions(c: &mut Criterion) {
    let kernels = backends();
    let inputs: Vec<(usize, Data)> = SIZES.iter().map(|&n| (n, data(n))).collect();
    bench_group(c, "moments_f64", &kernels, &inputs, |k, d| k.moments_f64(black_box(&d.prices)));
    bench_group(c, "min_max_f64", &kernels, &inputs, |k, d| k.min_max_f64(black_box(&d.prices)));
    bench_group(c, "abs_diff_sum_f64", &kernels, &inputs, |k, d| k.abs_diff_sum_f64(black_box(&d.prices)));
    bench_group(c, "diff_moments_i64", &kernels, &inputs, |k, d| k.diff_moments_i64(black_box(&d.prices_e8)));
}

criterion_group!(benches, bench_kernels, bench_reductions);
criterion_main!(benches);
