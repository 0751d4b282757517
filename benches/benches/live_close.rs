//! The cost of a bar's close after N records, with and without features (issue 26, live target: a close costs
//! ≤ 50 µs more than a plain bar's close, for any bar length).
//!
//! `cargo bench -p barsmith-benches --bench live_close`
//!
//! A pipeline is fed N generated records of one bar (a 20 % threshold that the walk does not reach), outside the
//! measurement; the measured step is one record that closes the bar. Variants: `plain` (the builder alone),
//! `streamed` (every feature, `count:500` lookback, intra features streamed from 1 024 records on, as a live
//! stream sets them), `streamed_no_rs` (the same without the Hurst group, whose R/S reads the bar's prices at
//! the close), and `block` (every feature, the batch default: bars up to 2^17 records computed at the close).

use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith_core::{BuilderConfig, FeatureConfig, FeaturePipeline, Kernels, RangeBarBuilder, Threshold, TradeBatch};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};

/// Records after which the `streamed` variants stream a forming bar's intra features.
const LIVE_STREAM_FROM: u64 = 1_024;

/// One record after `trades`, 50 % above the last price: it closes any bar below a 50 % threshold.
fn closing_record(trades: &TradeBatch) -> TradeBatch {
    let last = trades.len() - 1;
    let mut close = TradeBatch::with_capacity(1);
    close.agg_trade_id.push(trades.agg_trade_id[last] + 1);
    close.price.push(trades.price[last] / 2 * 3);
    close.quantity.push(100_000_000);
    close.first_trade_id.push(trades.last_trade_id[last] + 1);
    close.last_trade_id.push(trades.last_trade_id[last] + 1);
    close.timestamp_us.push(trades.timestamp_us[last] + 1_000);
    close.is_buyer_maker.push(false);
    close
}

fn live_close(c: &mut Criterion) {
    let kernels = Kernels::detect();
    let builder = BuilderConfig::new(Threshold::from_dbps(20_000).expect("valid threshold"));
    let all = FeatureConfig { lookback_mode: "count:500".parse().expect("valid mode"), ..FeatureConfig::default() };
    let variants: [(&str, FeatureConfig, u64); 3] = [
        ("streamed", all, LIVE_STREAM_FROM),
        ("streamed_no_rs", FeatureConfig { hurst: false, ..all }, LIVE_STREAM_FROM),
        ("block", all, 1 << 17),
    ];
    let mut group = c.benchmark_group(format!("live_close/{:?}", kernels.backend()));
    group.sample_size(20);
    for n in [1_000u64, 100_000, 1_000_000] {
        let trades: TradeBatch =
            TradeGenerator::new(GenConfig { trades: n, seed: 7, ..GenConfig::default() }).collect();
        let close = closing_record(&trades);
        let mut plain = RangeBarBuilder::new(builder);
        let mut bars = Vec::new();
        plain.push_batch(&trades, &mut bars).expect("ordered input");
        assert!(bars.is_empty(), "the bar must stay open for {n} records");
        group.bench_function(BenchmarkId::new("plain", n), |b| {
            b.iter_batched_ref(
                || (plain.clone(), Vec::with_capacity(1)),
                |(builder, bars)| {
                    builder.push_batch(&close, bars).expect("ordered input");
                    assert_eq!(bars.len(), 1);
                },
                BatchSize::PerIteration,
            )
        });
        for (name, config, stream_from) in variants {
            let mut pipeline = FeaturePipeline::new(builder, config, kernels).expect("valid config");
            pipeline.stream_intra_from(stream_from);
            let mut out = Vec::new();
            // Records arrive in small batches, as from a live stream.
            for part in 0..trades.len().div_ceil(64) {
                let range = part * 64..((part + 1) * 64).min(trades.len());
                let batch: TradeBatch = range.map(|i| trades.get(i).expect("in range")).collect();
                pipeline.push_batch(&batch, &mut out).expect("ordered input");
            }
            assert!(out.is_empty());
            group.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter_batched_ref(
                    || (pipeline.clone(), Vec::with_capacity(1)),
                    |(pipeline, bars)| {
                        pipeline.push_batch(&close, bars).expect("ordered input");
                        assert_eq!(bars.len(), 1);
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, live_close);
criterion_main!(benches);
