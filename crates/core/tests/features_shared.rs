//! Several thresholds over one shared record history: every window against an independent slicing of
//! the whole stream, resume == one pass, the memory bound, and the `max_window_records` guard.
//!
//! The stream generator and the oracle slicing are local to this file; the random bits are test-support's
//! `SplitMix`.

use barsmith_core::features::{WindowFeatures, WindowRecords, window_features};
use barsmith_core::{
    BuilderConfig, FeatureCheckpoint, FeatureConfig, FeaturedBar, FixedPoint, Kernels, LookbackMode, SymbolPipeline,
    Threshold, Trade, TradeBatch,
};
use barsmith_test_support::SplitMix;
use barsmith_test_support::features::{FeatureBits, feature_bits, lookback_modes, small_windows as config};
use proptest::prelude::*;

/// A deterministic stream: a tick random walk near 100.00, 0–3 ms gaps (same-timestamp runs, and a gap of
/// an hour every 10 007 records), mixed sides.
fn stream(len: usize, seed: u64) -> Vec<Trade> {
    let mut bits = SplitMix(seed);
    let mut next = move || bits.next_u64() >> 33;
    let (mut price, mut time) = (10_000_000_000i64, 1_700_000_000_000_000i64);
    (0..len as i64)
        .map(|i| {
            price += (next() % 5) as i64 * 1_000_000 - 2_000_000;
            time += if i % 10_007 == 10_006 { 3_600_000_000 } else { [0, 0, 1_000, 3_000][(next() % 4) as usize] };
            Trade {
                agg_trade_id: i + 1,
                price: FixedPoint(price),
                quantity: FixedPoint(1 + (next() % 200_000_000) as i64),
                first_trade_id: 10 * i,
                last_trade_id: 10 * i + (next() % 3) as i64,
                timestamp_us: time,
                is_buyer_maker: next() % 2 == 0,
            }
        })
        .collect()
}

fn builders(dbps: &[u32]) -> Vec<BuilderConfig> {
    dbps.iter().map(|&d| BuilderConfig::new(Threshold::from_dbps(d).unwrap())).collect()
}

/// Runs a shared pipeline over `trades` in batches ending at `cuts`; bars per threshold.
fn run(trades: &[Trade], dbps: &[u32], config: FeatureConfig, cuts: &[usize]) -> (Vec<Vec<FeaturedBar>>, u64) {
    let mut pipeline = SymbolPipeline::new(&builders(dbps), config, Kernels::detect()).unwrap();
    let mut out = Vec::new();
    let (mut start, mut most_held) = (0, 0);
    for &end in cuts.iter().chain([&trades.len()]) {
        let batch: TradeBatch = trades[start..end].iter().collect();
        pipeline.push_batch(&batch, &mut out).unwrap();
        most_held = most_held.max(pipeline.held_records());
        start = end;
    }
    let mut per_threshold = vec![Vec::new(); dbps.len()];
    for (index, bar) in out {
        per_threshold[index].push(bar);
    }
    (per_threshold, most_held)
}

fn columns_of(trades: &[Trade]) -> (Vec<i64>, Vec<i64>, Vec<i64>, Vec<bool>) {
    (
        trades.iter().map(|t| t.price.0).collect(),
        trades.iter().map(|t| t.quantity.0).collect(),
        trades.iter().map(|t| t.timestamp_us).collect(),
        trades.iter().map(|t| !t.is_buyer_maker).collect(),
    )
}

/// The window features of `trades[range]`, from the records alone.
fn oracle(trades: &[Trade], range: std::ops::Range<usize>, config: &FeatureConfig) -> WindowFeatures {
    let (price, quantity, time_us, is_buy) = columns_of(&trades[range]);
    let records = WindowRecords { price: &price, quantity: &quantity, time_us: &time_us, is_buy: &is_buy };
    window_features(&records, config, &Kernels::detect())
}

/// The lookback range of bar `b` (indices into `trades`) from the definitions alone.
fn expected_lookback(trades: &[Trade], opens: &[usize], b: usize, mode: LookbackMode) -> std::ops::Range<usize> {
    let open = opens[b];
    match mode {
        LookbackMode::Count(n) => open.saturating_sub(n as usize)..open,
        LookbackMode::Time { duration_us } => {
            let since = trades[open].timestamp_us - duration_us;
            trades[..open].partition_point(|t| t.timestamp_us < since)..open
        }
        LookbackMode::Bars(k) => {
            let first_bar = b.saturating_sub(k as usize);
            (if first_bar == b { open } else { opens[first_bar] })..open
        }
    }
}

fn check_against_oracle(trades: &[Trade], dbps: &[u32], config: FeatureConfig, cuts: &[usize]) {
    let mode = config.lookback_mode;
    let (per_threshold, _) = run(trades, dbps, config, cuts);
    for (bars, d) in per_threshold.iter().zip(dbps) {
        assert!(bars.len() >= 3, "{mode} at {d} dbps: only {} bars", bars.len());
        let opens: Vec<usize> = bars.iter().map(|b| (b.bar.first_agg_trade_id - 1) as usize).collect();
        for (b, featured) in bars.iter().enumerate() {
            let lookback = expected_lookback(trades, &opens, b, config.lookback_mode);
            let expected = oracle(trades, lookback.clone(), &config);
            assert_eq!(
                featured.features.lookback,
                Some(expected),
                "{mode} at {d} dbps: bar {b}, lookback {lookback:?}"
            );
            let intra = oracle(trades, opens[b]..featured.bar.last_agg_trade_id as usize, &config);
            assert_eq!(featured.features.intra, Some(intra), "{mode} at {d} dbps: bar {b} intra");
        }
    }
}

#[test]
fn every_threshold_matches_an_independent_slicing_of_the_stream() {
    let trades = stream(3_000, 11);
    for mode in ["count:1", "count:700", "time:4ms", "time:2s", "bars:1", "bars:3"] {
        check_against_oracle(&trades, &[5, 20, 60], config(mode), &[]);
        check_against_oracle(&trades, &[60, 5, 20], config(mode), &[1, 2, 999, 1_000, 2_345]);
    }
}

#[test]
fn windows_longer_than_a_history_chunk_are_exact() {
    // Bars of tens of thousands of records span 65 536-record chunks and hour-long gaps (Hurst off: the
    // debug build would take minutes; its input is the returns column that Kyle's lambda checks too).
    let trades = stream(160_000, 12);
    for mode in ["count:70000", "time:1h"] {
        let config = FeatureConfig { hurst: false, permutation_entropy: false, ..config(mode) };
        check_against_oracle(&trades, &[1_000, 2_000], config, &[65_535, 65_536, 131_073]);
    }
}

#[test]
fn the_history_follows_the_longest_window_not_the_number_of_thresholds() {
    let trades = stream(60_000, 13);
    let config = config("count:50");
    let (one, held_one) = run(&trades, &[300], config, &(1..60).map(|i| i * 1_000).collect::<Vec<_>>());
    let (three, held_three) = run(&trades, &[300, 100, 30], config, &(1..60).map(|i| i * 1_000).collect::<Vec<_>>());
    assert_eq!(one[0], three[0], "the 300 dbps bars do not depend on the other thresholds");
    let longest = three.iter().flatten().map(|b| b.bar.agg_record_count).max().unwrap();
    assert!(held_three <= longest + 50 + 1_000, "held {held_three}, longest bar {longest}");
    assert!(held_three <= held_one + 1_000, "three thresholds held {held_three}, one held {held_one}");
}

/// Runs with per-threshold checkpoints written, serialised, read back and restored at every cut.
fn run_with_resumes(
    trades: &[Trade],
    dbps: &[u32],
    config: FeatureConfig,
    cuts: &[usize],
) -> Vec<(usize, FeaturedBar)> {
    let mut pipeline = SymbolPipeline::new(&builders(dbps), config, Kernels::detect()).unwrap();
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain([&trades.len()]) {
        pipeline.push_batch(&trades[start..end].iter().collect(), &mut out).unwrap();
        let saved: Vec<String> = (0..dbps.len()).map(|i| pipeline.checkpoint(i).to_json()).collect();
        let restored: Vec<FeatureCheckpoint> = saved.iter().map(|j| FeatureCheckpoint::from_json(j).unwrap()).collect();
        pipeline = SymbolPipeline::from_checkpoints(&restored, Kernels::detect()).unwrap();
        start = end;
    }
    out.sort_by_key(|(index, bar)| (*index, bar.bar.open_time, bar.bar.first_agg_trade_id));
    out.extend((0..dbps.len()).filter_map(|i| pipeline.incomplete(i).map(|bar| (i, bar))));
    out
}

fn single_pass(trades: &[Trade], dbps: &[u32], config: FeatureConfig) -> Vec<(usize, FeaturedBar)> {
    let mut pipeline = SymbolPipeline::new(&builders(dbps), config, Kernels::detect()).unwrap();
    let mut out = Vec::new();
    pipeline.push_batch(&trades.iter().collect(), &mut out).unwrap();
    out.sort_by_key(|(index, bar)| (*index, bar.bar.open_time, bar.bar.first_agg_trade_id));
    out.extend((0..dbps.len()).filter_map(|i| pipeline.incomplete(i).map(|bar| (i, bar))));
    out
}

/// Bit-level view of the output (per threshold index), so that equal NaNs and signed zeros are told apart.
fn bits(bars: &[(usize, FeaturedBar)], config: &FeatureConfig) -> Vec<(usize, FeatureBits)> {
    bars.iter().map(|(i, b)| (*i, feature_bits(b, config))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn resuming_a_shared_pipeline_is_one_pass(
        seed in 0u64..1_000,
        mode in lookback_modes(),
        guard in prop::sample::select(vec![20u64, 120, 1_000_000]),
        mut cuts in prop::collection::vec(0usize..1_000, 0..6),
    ) {
        let trades = stream(1_000, seed);
        cuts.sort_unstable();
        let config = FeatureConfig { max_window_records: guard, ..config(mode) };
        let dbps = [8, 30, 3];
        let expected = single_pass(&trades, &dbps, config);
        let resumed = run_with_resumes(&trades, &dbps, config, &cuts);
        prop_assert_eq!(bits(&resumed, &config), bits(&expected, &config));
        let bars = |v: &[(usize, FeaturedBar)]| v.iter().map(|(i, b)| (*i, b.bar)).collect::<Vec<_>>();
        prop_assert_eq!(bars(&resumed), bars(&expected));
    }
}

#[test]
fn checkpoints_of_different_streams_are_refused() {
    let trades = stream(2_000, 14);
    let config = config("count:50");
    let mut a = SymbolPipeline::new(&builders(&[10]), config, Kernels::detect()).unwrap();
    let mut b = SymbolPipeline::new(&builders(&[20]), config, Kernels::detect()).unwrap();
    a.push_batch(&trades.iter().collect(), &mut Vec::new()).unwrap();
    b.push_batch(&trades[..1_500].iter().collect(), &mut Vec::new()).unwrap();
    let error = SymbolPipeline::from_checkpoints(&[a.checkpoint(0), b.checkpoint(0)], Kernels::detect()).unwrap_err();
    assert!(error.to_string().contains("different records"), "{error}");
}

#[test]
fn windows_beyond_the_guard_are_null_and_reported_while_bars_stay_the_same() {
    let trades = stream(8_000, 15);
    let dbps = [60, 200];
    for mode in ["count:30", "count:150", "time:200ms", "bars:2"] {
        let free = config(mode);
        let guarded = FeatureConfig { max_window_records: 100, ..free };
        let cuts: Vec<usize> = (1..8).map(|i| i * 1_000).collect();
        let (expected, _) = run(&trades, &dbps, free, &cuts);
        let mut pipeline = SymbolPipeline::new(&builders(&dbps), guarded, Kernels::detect()).unwrap();
        let (mut out, mut start, mut reports) = (Vec::new(), 0, Vec::new());
        for &end in cuts.iter().chain([&trades.len()]) {
            pipeline.push_batch(&trades[start..end].iter().collect(), &mut out).unwrap();
            assert!(pipeline.held_records() <= 100 + 1_000, "{mode}: held {}", pipeline.held_records());
            reports.extend(pipeline.take_overflows());
            start = end;
        }
        let mut got = vec![Vec::new(); dbps.len()];
        for (index, bar) in out {
            got[index].push(bar);
        }
        let mut nulls = 0;
        for (threshold, (got, expected)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(got.len(), expected.len());
            for (g, e) in got.iter().zip(expected) {
                assert_eq!(g.bar, e.bar, "{mode}: bars never depend on the guard");
                assert_eq!(g.features.bar, e.features.bar);
                let lookback_records = e.features.lookback.unwrap().record_count;
                let long_intra = e.bar.agg_record_count > 100;
                let long_lookback = lookback_records > 100;
                assert_eq!(g.features.intra, if long_intra { None } else { e.features.intra }, "{mode}");
                assert_eq!(g.features.lookback, if long_lookback { None } else { e.features.lookback }, "{mode}");
                let report = reports.iter().find(|r| r.threshold == threshold && r.open_time_us == e.bar.open_time);
                if long_intra || long_lookback {
                    nulls += 1;
                    let report = report.unwrap_or_else(|| panic!("{mode}: no report for bar at {}", e.bar.open_time));
                    assert_eq!(report.intra_records, long_intra.then_some(e.bar.agg_record_count));
                    assert_eq!((report.lookback, report.limit), (long_lookback, 100));
                } else {
                    assert!(report.is_none(), "{mode}: a bar within the limit was reported");
                }
            }
        }
        assert_eq!(reports.len(), nulls, "{mode}: one report per bar");
        assert!(nulls > 0, "{mode}: the guard never bit");
    }
}
