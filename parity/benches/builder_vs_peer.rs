//! Side by side in one process: rangebar-core 12.39's plain processor and our builder on the same
//! 1 M generated trades. The ratio of the two throughputs is the number we report.
//!
//! `cd parity && cargo bench --bench builder_vs_peer`

use barsmith_parity::{generated_trades, to_peer};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ours::{BuilderConfig, RangeBarBuilder, Threshold, TradeBatch};

fn builder_vs_peer(c: &mut Criterion) {
    let trades = generated_trades(1_000_000, 7);
    let batch: TradeBatch = trades.iter().collect();
    let peer_trades: Vec<peer::AggTrade> = trades.iter().map(to_peer).collect();
    for dbps in [250, 50] {
        let mut group = c.benchmark_group(format!("bars_{dbps}dbps"));
        group.throughput(Throughput::Elements(trades.len() as u64));
        group.bench_function(BenchmarkId::new("rangebar-core-12.39", dbps), |b| {
            b.iter(|| {
                let mut processor = peer::RangeBarProcessor::new(dbps).expect("valid threshold");
                processor.process_agg_trade_records(&peer_trades).expect("ordered").len()
            })
        });
        let config = BuilderConfig::new(Threshold::from_dbps(dbps).expect("valid threshold"));
        group.bench_function(BenchmarkId::new("barsmith", dbps), |b| {
            let mut bars = Vec::with_capacity(4096);
            b.iter(|| {
                bars.clear();
                let mut builder = RangeBarBuilder::new(config);
                builder.push_batch(&batch, &mut bars).expect("ordered");
                bars.len()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, builder_vs_peer);
criterion_main!(benches);
