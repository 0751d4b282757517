//! The range-bar builder alone: 1 M generated trades in memory, 250 and 50 dbps, on every available kernel
//! backend (the builder's column kernels: ordering check, breach search, money and count sums).
//!
//! `cargo bench -p barsmith-benches --bench builder`; `BARSMITH_BACKEND=<name>` restricts the run to one
//! backend.

use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith_core::{BuilderConfig, RangeBarBuilder, Threshold, TradeBatch};
use barsmith_kernels::{Backend, Kernels};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Backends to measure: all available ones (the skipped ones are printed), or only `BARSMITH_BACKEND`.
fn backends() -> Vec<Kernels> {
    if let Ok(name) = std::env::var("BARSMITH_BACKEND") {
        let backend: Backend = name.parse().unwrap_or_else(|e| panic!("BARSMITH_BACKEND: {e}"));
        return vec![Kernels::new(backend).unwrap_or_else(|e| panic!("BARSMITH_BACKEND: {e}"))];
    }
    Backend::ALL.into_iter().filter_map(|b| Kernels::new(b).map_err(|e| eprintln!("skipped: {e}")).ok()).collect()
}

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
