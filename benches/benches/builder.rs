//! The range-bar builder alone: 1 M generated trades in memory, 250 and 50 dbps.
//!
//! `cargo bench -p rangebar-benches --bench builder`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rangebar::generate::{GenConfig, TradeGenerator};
use rangebar_core::{BuilderConfig, RangeBarBuilder, Threshold, TradeBatch};

fn builder(c: &mut Criterion) {
    let trades: TradeBatch =
        TradeGenerator::new(GenConfig { trades: 1_000_000, seed: 7, ..GenConfig::default() }).collect();
    let mut group = c.benchmark_group("builder");
    group.throughput(Throughput::Elements(trades.len() as u64));
    for dbps in [250, 50] {
        let config = BuilderConfig::new(Threshold::from_dbps(dbps).expect("valid threshold"));
        group.bench_with_input(BenchmarkId::new("push_batch", dbps), &trades, |b, trades| {
            let mut bars = Vec::with_capacity(4096);
            b.iter(|| {
                bars.clear();
                let mut builder = RangeBarBuilder::new(config);
                builder.push_batch(trades, &mut bars).expect("ordered input");
                bars.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, builder);
criterion_main!(benches);
