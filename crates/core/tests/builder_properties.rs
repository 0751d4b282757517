//! Property tests of the range-bar builder's invariants.

use barsmith_core::{BuilderConfig, RangeBar, RangeBarBuilder, Threshold, Trade, TradeBatch};
use barsmith_test_support::{backends, trades::strategy as trade_stream};
use proptest::prelude::*;

fn config(dbps: u32, gate: bool) -> BuilderConfig {
    BuilderConfig { same_timestamp_gate: gate, ..BuilderConfig::new(Threshold::from_dbps(dbps).unwrap()) }
}

fn single_pass(trades: &[Trade], config: BuilderConfig) -> (Vec<RangeBar>, Option<RangeBar>) {
    let mut builder = RangeBarBuilder::new(config);
    let mut bars = Vec::new();
    builder.push_batch(&trades.iter().collect(), &mut bars).unwrap();
    (bars, builder.incomplete_bar())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn ohlc_is_ordered(trades in trade_stream(), dbps in 1u32..200, gate: bool) {
        let (bars, open) = single_pass(&trades, config(dbps, gate));
        for bar in bars.iter().chain(open.iter()) {
            prop_assert!(bar.low <= bar.open.min(bar.close));
            prop_assert!(bar.high >= bar.open.max(bar.close));
            prop_assert!(bar.low <= bar.vwap && bar.vwap <= bar.high);
            prop_assert!(bar.open_time <= bar.close_time);
        }
    }

    #[test]
    fn breach_is_consistent(trades in trade_stream(), dbps in 1u32..200, gate: bool) {
        let threshold = Threshold::from_dbps(dbps).unwrap();
        let (bars, open) = single_pass(&trades, config(dbps, gate));
        for bar in &bars {
            let (upper, lower) = threshold.levels(bar.open.0);
            // The closing record breaches.
            prop_assert!(bar.close.0 >= upper || bar.close.0 <= lower);
            if !gate {
                // Without the gate nothing before the close breached, so the extremes stay inside
                // except at the close itself.
                if bar.high.0 >= upper { prop_assert_eq!(bar.close, bar.high); }
                if bar.low.0 <= lower { prop_assert_eq!(bar.close, bar.low); }
            } else if bar.high.0 >= upper && bar.close != bar.high {
                // Only an absorbed same-timestamp breach can leave the high beyond the level.
                let absorbed = trades.iter().any(|t| t.timestamp_us == bar.open_time
                    && t.agg_trade_id > bar.first_agg_trade_id && t.price.0 >= upper);
                prop_assert!(absorbed);
            }
        }
        if let Some(bar) = open {
            let (upper, lower) = threshold.levels(bar.open.0);
            if !gate { prop_assert!(bar.high.0 < upper && bar.low.0 > lower || bar.agg_record_count == 1); }
        }
    }

    #[test]
    fn sums_are_conserved_and_ids_tile(trades in trade_stream(), dbps in 1u32..200, gate: bool) {
        let (bars, open) = single_pass(&trades, config(dbps, gate));
        let all: Vec<RangeBar> = bars.iter().copied().chain(open).collect();
        let volume: i128 = all.iter().map(|b| b.volume).sum();
        let expected: i128 = trades.iter().map(|t| i128::from(t.quantity.0)).sum();
        prop_assert_eq!(volume, expected);
        let turnover: i128 = all.iter().map(|b| b.turnover).sum();
        prop_assert_eq!(turnover, trades.iter().map(|t| i128::from(t.price.0) * i128::from(t.quantity.0)).sum::<i128>());
        let records: u64 = all.iter().map(|b| b.agg_record_count).sum();
        prop_assert_eq!(records, trades.len() as u64);
        let individual: i64 = all.iter().map(|b| b.individual_trade_count).sum();
        prop_assert_eq!(individual, trades.iter().map(Trade::individual_trade_count).sum::<i64>());
        for bar in &all {
            prop_assert_eq!(bar.buy_volume + bar.sell_volume, bar.volume);
            prop_assert_eq!(bar.buy_turnover + bar.sell_turnover, bar.turnover);
            prop_assert_eq!(bar.buy_trade_count + bar.sell_trade_count, bar.individual_trade_count);
            prop_assert_eq!(bar.last_agg_trade_id - bar.first_agg_trade_id + 1, bar.agg_record_count as i64);
        }
        prop_assert_eq!(all[0].first_agg_trade_id, trades[0].agg_trade_id);
        for pair in all.windows(2) {
            prop_assert_eq!(pair[1].first_agg_trade_id, pair[0].last_agg_trade_id + 1);
            prop_assert_eq!(pair[1].first_trade_id, pair[0].last_trade_id + 1);
        }
        prop_assert_eq!(all.last().unwrap().last_agg_trade_id, trades.last().unwrap().agg_trade_id);
    }

    #[test]
    fn resume_from_checkpoint_equals_single_pass(
        trades in trade_stream(), dbps in 1u32..200, gate: bool, cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4)
    ) {
        let config = config(dbps, gate);
        let (expected_bars, expected_open) = single_pass(&trades, config);
        let mut cut_points: Vec<usize> = cuts.iter().map(|c| c.index(trades.len() + 1)).collect();
        cut_points.push(0);
        cut_points.push(trades.len());
        cut_points.sort_unstable();
        let mut builder = RangeBarBuilder::new(config);
        let mut bars = Vec::new();
        for window in cut_points.windows(2) {
            let json = builder.checkpoint().to_json();
            builder = RangeBarBuilder::from_checkpoint(&barsmith_core::Checkpoint::from_json(&json).unwrap()).unwrap();
            let batch: TradeBatch = trades[window[0]..window[1]].iter().collect();
            builder.push_batch(&batch, &mut bars).unwrap();
        }
        prop_assert_eq!(bars, expected_bars);
        prop_assert_eq!(builder.incomplete_bar(), expected_open);
    }

    #[test]
    fn trade_by_trade_equals_batch(trades in trade_stream(), dbps in 1u32..200, gate: bool) {
        let config = config(dbps, gate);
        let (expected_bars, expected_open) = single_pass(&trades, config);
        let mut builder = RangeBarBuilder::new(config);
        let bars: Vec<RangeBar> = trades.iter().filter_map(|t| builder.push_trade(t).unwrap()).collect();
        prop_assert_eq!(bars, expected_bars);
        prop_assert_eq!(builder.incomplete_bar(), expected_open);
    }

    #[test]
    fn every_backend_equals_trade_by_trade(trades in trade_stream(), dbps in 1u32..200, gate: bool) {
        let config = config(dbps, gate);
        let mut reference = RangeBarBuilder::new(config);
        let expected: Vec<RangeBar> = trades.iter().filter_map(|t| reference.push_trade(t).unwrap()).collect();
        let batch: TradeBatch = trades.iter().collect();
        for kernels in backends::available() {
            let mut builder = RangeBarBuilder::with_kernels(config, kernels);
            let mut bars = Vec::new();
            builder.push_batch(&batch, &mut bars).unwrap();
            prop_assert_eq!(&bars, &expected, "backend {}", kernels.backend());
            prop_assert_eq!(builder.incomplete_bar(), reference.incomplete_bar(), "backend {}", kernels.backend());
        }
    }
}
