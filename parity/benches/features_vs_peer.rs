//! Side by side in one process: rangebar-core 12.39 with its inter-bar tiers 2+3 (`BarRelative(3)`, its
//! only bounded lookback) and intra-bar features, against our `FeaturePipeline` with every feature group
//! on, on the same 1 M generated trades. The ratio of the throughputs is the number we report.
//!
//! `cd parity && cargo bench --bench features_vs_peer`

use barsmith_parity::{generated_trades, to_peer};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ours::{BuilderConfig, FeatureConfig, FeaturePipeline, Kernels, Threshold, TradeBatch};

fn peer_processor(dbps: u32) -> peer::RangeBarProcessor {
    let inter_bar = peer::InterBarConfig {
        lookback_mode: peer::LookbackMode::BarRelative(3),
        compute_tier2: true,
        compute_tier3: true,
        ..Default::default()
    };
    peer::RangeBarProcessor::new(dbps)
        .expect("valid threshold")
        .with_inter_bar_config(inter_bar)
        .with_intra_bar_features()
}

fn features_vs_peer(c: &mut Criterion) {
    let trades = generated_trades(1_000_000, 7);
    let batch: TradeBatch = trades.iter().collect();
    let peer_trades: Vec<peer::AggTrade> = trades.iter().map(to_peer).collect();
    let kernels = Kernels::detect();
    let all = FeatureConfig::default();
    let ours = [
        ("barsmith-count500", all),
        ("barsmith-bars3", FeatureConfig { lookback_mode: "bars:3".parse().expect("valid mode"), ..all }),
        ("barsmith-count500-no-hurst", FeatureConfig { hurst: false, ..all }),
    ];
    for dbps in [250, 50] {
        let mut group = c.benchmark_group(format!("features_{dbps}dbps"));
        group.throughput(Throughput::Elements(trades.len() as u64));
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("rangebar-core-12.39", dbps), |b| {
            b.iter(|| peer_processor(dbps).process_agg_trade_records(&peer_trades).expect("ordered").len())
        });
        let builder = BuilderConfig::new(Threshold::from_dbps(dbps).expect("valid threshold"));
        for (name, config) in ours {
            group.bench_function(BenchmarkId::new(name, dbps), |b| {
                let mut bars = Vec::with_capacity(4096);
                b.iter(|| {
                    bars.clear();
                    let mut pipeline = FeaturePipeline::new(builder, config, kernels).expect("valid config");
                    pipeline.push_batch(&batch, &mut bars).expect("ordered");
                    bars.len()
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, features_vs_peer);
criterion_main!(benches);
