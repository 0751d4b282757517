//! `BarPipeline::stream_intra_from`: a live stream's setting reaches every threshold, and the bars are the
//! same as with the default (their intra features within the streamed forms' bounds).

use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith::pipeline::{BarPipeline, CollectBars, PipelineConfig};
use barsmith_core::{Threshold, TradeBatch};

fn run(trades: &TradeBatch, stream_from: Option<u64>) -> CollectBars {
    let config = PipelineConfig::new(vec![Threshold::from_dbps(20).unwrap(), Threshold::from_dbps(50).unwrap()]);
    let mut pipeline = BarPipeline::new(&config).unwrap();
    if let Some(records) = stream_from {
        pipeline.stream_intra_from(records);
    }
    let mut bars = CollectBars::default();
    for part in trades.iter().collect::<Vec<_>>().chunks(500) {
        pipeline.push_batch(&part.iter().collect(), &mut bars).unwrap();
    }
    pipeline.finish(&mut bars).unwrap();
    bars
}

#[test]
fn a_low_streaming_threshold_streams_every_long_bar_within_bounds() {
    let trades: TradeBatch =
        TradeGenerator::new(GenConfig { trades: 60_000, seed: 3, ..GenConfig::default() }).collect();
    let (block, streamed) = (run(&trades, None), run(&trades, Some(32)));
    assert_eq!(block.completed.len(), streamed.completed.len());
    let mut long = 0;
    for ((i, want), (j, got)) in block.completed.iter().zip(&streamed.completed) {
        assert_eq!((i, want.bar), (j, got.bar));
        let (want, got) = (want.features.intra.unwrap(), got.features.intra.unwrap());
        long += usize::from(want.record_count > 32);
        assert_eq!((want.vwap, want.ofi, want.max_drawdown), (got.vwap, got.ofi, got.max_drawdown));
        let estimators = [
            (want.hurst_dfa, got.hurst_dfa),
            (want.hurst_rs, got.hurst_rs),
            (want.kyle_lambda, got.kyle_lambda),
            (want.volume_kurt, got.volume_kurt),
            (want.permutation_entropy, got.permutation_entropy),
        ];
        for (w, g) in estimators {
            match (w, g) {
                (Some(w), Some(g)) => assert!((w - g).abs() <= 1e-11 * w.abs().max(1.0), "{w} vs {g}"),
                (w, g) => assert_eq!(w.is_none(), g.is_none()),
            }
        }
    }
    assert!(long > 10, "{long} streamed bars of {}", block.completed.len());
}
