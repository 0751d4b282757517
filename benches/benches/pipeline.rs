//! The whole pipeline with features: 1 M generated trades in memory, 250 and 50 dbps, `count:500`.
//!
//! `cargo bench -p barsmith-benches --bench pipeline`
//!
//! Variants, measured side by side: `all` (bar, intra and lookback groups with permutation entropy
//! and both Hurst exponents), `no_hurst` (the same without the Hurst exponents), and `bar_level`
//! (the builder plus the bar-level features only).

use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith_core::{BuilderConfig, FeatureConfig, FeaturePipeline, Kernels, Threshold, TradeBatch};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn pipeline(c: &mut Criterion) {
    let trades: TradeBatch =
        TradeGenerator::new(GenConfig { trades: 1_000_000, seed: 7, ..GenConfig::default() }).collect();
    let kernels = Kernels::detect();
    let all = FeatureConfig { lookback_mode: "count:500".parse().expect("valid mode"), ..FeatureConfig::default() };
    let variants = [
        ("all", all),
        ("no_hurst", FeatureConfig { hurst: false, ..all }),
        ("bar_level", FeatureConfig { intra: false, lookback: false, ..all }),
    ];
    let mut group = c.benchmark_group(format!("pipeline/{:?}", kernels.backend()));
    group.throughput(Throughput::Elements(trades.len() as u64));
    group.sample_size(10);
    for dbps in [250, 50] {
        let builder = BuilderConfig::new(Threshold::from_dbps(dbps).expect("valid threshold"));
        for (name, config) in variants {
            group.bench_with_input(BenchmarkId::new(name, dbps), &trades, |b, trades| {
                let mut bars = Vec::with_capacity(4096);
                b.iter(|| {
                    bars.clear();
                    let mut pipeline = FeaturePipeline::new(builder, config, kernels).expect("valid config");
                    pipeline.push_batch(trades, &mut bars).expect("ordered input");
                    bars.len()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
