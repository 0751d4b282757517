//! Plain bars of every kind (no features): 1 M generated trades in memory through `RangeBarBuilder::push_batch`,
//! on the automatic kernel backend, one specification at a time.
//!
//! `cargo bench -p barsmith-benches --bench bar_kinds`.

use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith_core::{BuilderConfig, RangeBarBuilder, TradeBatch};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const SPECS: [&str; 11] = [
    "range:250",
    "tick:1000",
    "volume:10",
    "dollar:1e6",
    "time:1m",
    "tick-imbalance:ewma",
    "volume-imbalance:ewma",
    "dollar-imbalance:5e5",
    "tick-run:ewma",
    "volume-run:ewma:tick-rule",
    "dollar-run:1e6",
];

fn bar_kinds(c: &mut Criterion) {
    let trades: TradeBatch =
        TradeGenerator::new(GenConfig { trades: 1_000_000, seed: 7, ..GenConfig::default() }).collect();
    let mut group = c.benchmark_group("bar_kinds");
    group.throughput(Throughput::Elements(trades.len() as u64));
    for text in SPECS {
        let config = BuilderConfig::of(text.parse().expect("a valid specification"));
        group.bench_with_input(BenchmarkId::new("push_batch", text), &trades, |b, trades| {
            let mut bars = Vec::with_capacity(1 << 16);
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

criterion_group!(benches, bar_kinds);
criterion_main!(benches);
