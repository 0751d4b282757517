//! The range-bar builder alone: 1 M generated trades in memory, 250 and 50 dbps, on every available kernel
//! backend (the builder's column kernels: ordering check, breach search, money and count sums).
//!
//! `cargo bench -p barsmith-benches --bench builder`; `BARSMITH_BACKEND=<name>` restricts the run to one
//! backend.

use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith_core::{BuilderConfig, RangeBarBuilder, Threshold, TradeBatch};
use barsmith_test_support::backends::for_bench as backends;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn builder(c: &mut Criterion) {
    let trades: TradeBatch =
        TradeGenerator::new(GenConfig { trades: 1_000_000, seed: 7, ..GenConfig::default() }).collect();
    let mut group = c.benchmark_group("builder");
    group.throughput(Throughput::Elements(trades.len() as u64));
    for dbps in [250, 50] {
        let config = BuilderConfig::new(Threshold::from_dbps(dbps).expect("valid threshold"));
        for kernels in backends() {
            let id = BenchmarkId::new(format!("push_batch/{}", kernels.backend().name()), dbps);
            group.bench_with_input(id, &trades, |b, trades| {
                let mut bars = Vec::with_capacity(4096);
                b.iter(|| {
                    bars.clear();
                    let mut builder = RangeBarBuilder::with_kernels(config, kernels);
                    builder.push_batch(trades, &mut bars).expect("ordered input");
                    bars.len()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, builder);
criterion_main!(benches);
