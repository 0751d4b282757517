//! Property tests of every bar kind (range with a minimum duration, tick, volume, dollar, time, imbalance,
//! run): a checkpoint at any split resumes to one pass, one trade at a time equals batches, every backend
//! agrees, and every record is in exactly one bar.

use barsmith_core::{BuilderConfig, Checkpoint, RangeBar, RangeBarBuilder, Trade, TradeBatch};
use barsmith_test_support::{backends, bar_specs, trades::strategy as trade_stream};
use proptest::prelude::*;

fn single_pass(trades: &[Trade], config: BuilderConfig) -> (Vec<RangeBar>, Option<RangeBar>) {
    let mut builder = RangeBarBuilder::new(config);
    let mut bars = Vec::new();
    builder.push_batch(&trades.iter().collect(), &mut bars).unwrap();
    (bars, builder.incomplete_bar())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn resume_at_any_split_equals_one_pass(
        trades in trade_stream(), config in bar_specs::config(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..5)
    ) {
        let (expected_bars, expected_open) = single_pass(&trades, config);
        let mut cut_points: Vec<usize> = cuts.iter().map(|c| c.index(trades.len() + 1)).collect();
        cut_points.extend([0, trades.len()]);
        cut_points.sort_unstable();
        let mut builder = RangeBarBuilder::new(config);
        let mut bars = Vec::new();
        for window in cut_points.windows(2) {
            let json = builder.checkpoint().to_json();
            builder = RangeBarBuilder::from_checkpoint(&Checkpoint::from_json(&json).unwrap()).unwrap();
            prop_assert_eq!(builder.config(), config);
            let batch: TradeBatch = trades[window[0]..window[1]].iter().collect();
            builder.push_batch(&batch, &mut bars).unwrap();
        }
        prop_assert_eq!(bars, expected_bars, "{}", config.spec);
        prop_assert_eq!(builder.incomplete_bar(), expected_open);
    }

    #[test]
    fn trade_by_trade_and_every_backend_equal_batches(trades in trade_stream(), config in bar_specs::config()) {
        let (expected_bars, expected_open) = single_pass(&trades, config);
        let mut one_by_one = RangeBarBuilder::new(config);
        let bars: Vec<RangeBar> = trades.iter().filter_map(|t| one_by_one.push_trade(t).unwrap()).collect();
        prop_assert_eq!(&bars, &expected_bars, "{}", config.spec);
        prop_assert_eq!(one_by_one.incomplete_bar(), expected_open);
        let batch: TradeBatch = trades.iter().collect();
        for kernels in backends::available() {
            let mut builder = RangeBarBuilder::with_kernels(config, kernels);
            let mut bars = Vec::new();
            builder.push_batch(&batch, &mut bars).unwrap();
            prop_assert_eq!(&bars, &expected_bars, "{} on {}", config.spec, kernels.backend());
        }
    }

    #[test]
    fn every_record_is_in_one_bar(trades in trade_stream(), config in bar_specs::config()) {
        let (bars, open) = single_pass(&trades, config);
        let all: Vec<RangeBar> = bars.iter().copied().chain(open).collect();
        prop_assert_eq!(all.iter().map(|b| b.agg_record_count).sum::<u64>(), trades.len() as u64);
        prop_assert_eq!(all.iter().map(|b| b.volume).sum::<i128>(), trades.iter().map(|t| i128::from(t.quantity.0)).sum::<i128>());
        prop_assert_eq!(all[0].first_agg_trade_id, trades[0].agg_trade_id);
        for pair in all.windows(2) {
            prop_assert_eq!(pair[1].first_agg_trade_id, pair[0].last_agg_trade_id + 1);
        }
        for bar in &all {
            prop_assert!(bar.low <= bar.open.min(bar.close) && bar.high >= bar.open.max(bar.close));
            prop_assert_eq!(bar.buy_volume + bar.sell_volume, bar.volume);
        }
    }
}
