//! Window contents of every lookback mode, resume == single pass, and the pipeline against an
//! independent slicing of the whole stream.

use barsmith_core::features::{WindowRecords, window_features};
use barsmith_core::{
    BuilderConfig, FeatureCheckpoint, FeatureConfig, FeaturePipeline, FeaturedBar, Kernels, LookbackMode, Threshold,
    Trade, TradeBatch,
};
use barsmith_test_support::features::{FeatureBits, feature_bits, lookback_modes, small_windows as config};
use proptest::prelude::*;

/// A deterministic stream: a tick random walk near 100.00, 0–3 ms gaps (same-timestamp runs), mixed sides.
fn stream(len: usize, seed: u64) -> Vec<Trade> {
    barsmith_test_support::trades::tick_walk(len, seed, 10_000_000_000)
}

fn builder_config() -> BuilderConfig {
    BuilderConfig::new(Threshold::from_dbps(30).unwrap())
}

/// Runs the pipeline over `trades` in batches whose ends are `cuts`.
fn run(trades: &[Trade], config: FeatureConfig, cuts: &[usize]) -> Vec<FeaturedBar> {
    run_in_batches(trades, config, cuts, false).1
}

/// Runs the pipeline over `trades` in batches whose ends are `cuts`; with `resume`, a checkpoint is written,
/// serialised, read back and resumed after every batch. Returns the pipeline and the completed bars.
fn run_in_batches(
    trades: &[Trade],
    config: FeatureConfig,
    cuts: &[usize],
    resume: bool,
) -> (FeaturePipeline, Vec<FeaturedBar>) {
    let mut pipeline = FeaturePipeline::new(builder_config(), config, Kernels::detect()).unwrap();
    let mut out = Vec::new();
    let mut start = 0;
    for &end in cuts.iter().chain([&trades.len()]) {
        let batch: TradeBatch = trades[start..end].iter().collect();
        pipeline.push_batch(&batch, &mut out).unwrap();
        if resume {
            let json = pipeline.checkpoint().to_json();
            let checkpoint = FeatureCheckpoint::from_json(&json).unwrap();
            pipeline = FeaturePipeline::from_checkpoint(&checkpoint, Kernels::detect()).unwrap();
        }
        start = end;
    }
    (pipeline, out)
}

/// The records of `trades[range]` as columns.
struct Columns {
    price: Vec<i64>,
    quantity: Vec<i64>,
    time_us: Vec<i64>,
    is_buy: Vec<bool>,
}

impl Columns {
    fn of(trades: &[Trade]) -> Columns {
        Columns {
            price: trades.iter().map(|t| t.price.0).collect(),
            quantity: trades.iter().map(|t| t.quantity.0).collect(),
            time_us: trades.iter().map(|t| t.timestamp_us).collect(),
            is_buy: trades.iter().map(|t| !t.is_buyer_maker).collect(),
        }
    }

    fn records(&self) -> WindowRecords<'_> {
        WindowRecords { price: &self.price, quantity: &self.quantity, time_us: &self.time_us, is_buy: &self.is_buy }
    }
}

/// The expected lookback range (indices into `trades`) of bar `b`, from the definitions alone.
fn expected_lookback(trades: &[Trade], bars: &[FeaturedBar], b: usize, mode: LookbackMode) -> std::ops::Range<usize> {
    let index_of = |agg_id: i64| trades.iter().position(|t| t.agg_trade_id == agg_id).unwrap();
    let open = index_of(bars[b].bar.first_agg_trade_id);
    match mode {
        LookbackMode::Count(n) => open.saturating_sub(n as usize)..open,
        LookbackMode::Time { duration_us } => {
            let t_open = trades[open].timestamp_us;
            let start = (0..open).find(|&i| trades[i].timestamp_us >= t_open - duration_us).unwrap_or(open);
            start..open
        }
        LookbackMode::Bars(k) => {
            let first_bar = b.saturating_sub(k as usize);
            let start = if first_bar == b { open } else { index_of(bars[first_bar].bar.first_agg_trade_id) };
            start..open
        }
    }
}

fn check_windows(trades: &[Trade], mode: &str, cuts: &[usize]) {
    let config = config(mode);
    let bars = run(trades, config, cuts);
    assert!(bars.len() > 10, "{mode}: only {} bars", bars.len());
    for (b, featured) in bars.iter().enumerate() {
        let lookback = expected_lookback(trades, &bars, b, config.lookback_mode);
        let expected = window_features(&Columns::of(&trades[lookback.clone()]).records(), &config, &Kernels::detect());
        assert_eq!(featured.features.lookback, Some(expected), "{mode}: bar {b}, lookback {lookback:?}");
        let first = trades.iter().position(|t| t.agg_trade_id == featured.bar.first_agg_trade_id).unwrap();
        let last = trades.iter().position(|t| t.agg_trade_id == featured.bar.last_agg_trade_id).unwrap();
        let intra = window_features(&Columns::of(&trades[first..=last]).records(), &config, &Kernels::detect());
        assert_eq!(featured.features.intra, Some(intra), "{mode}: bar {b} intra");
        assert_eq!(featured.features.intra.unwrap().record_count, featured.bar.agg_record_count);
    }
}

#[test]
fn count_windows_hold_the_n_records_before_the_open() {
    let trades = stream(3_000, 1);
    for mode in ["count:1", "count:7", "count:500", "count:5000"] {
        check_windows(&trades, mode, &[]);
        check_windows(&trades, mode, &[1, 2, 3, 517, 518, 2_000]);
    }
}

#[test]
fn time_windows_hold_the_records_within_the_duration() {
    let trades = stream(3_000, 2);
    for mode in ["time:1ms", "time:2500us", "time:30ms", "time:1s", "time:1h"] {
        check_windows(&trades, mode, &[]);
        check_windows(&trades, mode, &[10, 999, 1_000, 2_999]);
    }
}

#[test]
fn bar_windows_hold_the_previous_bars() {
    let trades = stream(3_000, 3);
    for mode in ["bars:1", "bars:2", "bars:5"] {
        check_windows(&trades, mode, &[]);
        check_windows(&trades, mode, &[50, 51, 2_222]);
    }
}

#[test]
fn the_first_bar_has_an_empty_lookback() {
    let trades = stream(2_000, 4);
    for mode in ["count:500", "time:1h", "bars:3"] {
        let bars = run(&trades, config(mode), &[]);
        let lookback = bars[0].features.lookback.unwrap();
        assert_eq!(lookback.record_count, 0, "{mode}");
        assert_eq!((lookback.duration_us, lookback.ofi, lookback.hurst_dfa), (None, None, None), "{mode}");
    }
}

/// Runs with a checkpoint written, serialised, read back and resumed at every cut.
fn run_with_resumes(trades: &[Trade], config: FeatureConfig, cuts: &[usize]) -> Vec<FeaturedBar> {
    let (mut pipeline, mut out) = run_in_batches(trades, config, cuts, true);
    if let Some(forming) = pipeline.incomplete() {
        out.push(forming);
    }
    out
}

fn single_pass(trades: &[Trade], config: FeatureConfig) -> Vec<FeaturedBar> {
    let mut pipeline = FeaturePipeline::new(builder_config(), config, Kernels::detect()).unwrap();
    let mut out = Vec::new();
    pipeline.push_batch(&trades.iter().collect(), &mut out).unwrap();
    out.extend(pipeline.incomplete());
    out
}

/// Bit-level view of the output, so that equal NaNs and signed zeros are told apart exactly.
fn bits(bars: &[FeaturedBar], config: &FeatureConfig) -> Vec<FeatureBits> {
    bars.iter().map(|b| feature_bits(b, config)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn resume_gives_bit_identical_features(
        seed in 0u64..1_000,
        mode in lookback_modes(),
        mut cuts in prop::collection::vec(0usize..1_500, 0..6),
    ) {
        let trades = stream(1_500, seed);
        cuts.sort_unstable();
        let config = config(mode);
        let expected = single_pass(&trades, config);
        let resumed = run_with_resumes(&trades, config, &cuts);
        prop_assert_eq!(resumed.len(), expected.len());
        prop_assert_eq!(bits(&resumed, &config), bits(&expected, &config));
        prop_assert_eq!(resumed.iter().map(|b| b.bar).collect::<Vec<_>>(), expected.iter().map(|b| b.bar).collect::<Vec<_>>());
        let gaps = |bars: &[FeaturedBar]| bars.iter().map(|b| b.max_gap_us).collect::<Vec<_>>();
        prop_assert_eq!(gaps(&resumed), gaps(&expected));
    }
}

#[test]
fn max_gap_is_the_longest_step_between_a_bars_own_records() {
    let mut trades = stream(3_000, 11);
    // Steps of 5 s and 90 s between thirds, and of 40 ms every 97 records, on top of the 0–3 ms steps.
    for (i, trade) in trades.iter_mut().enumerate() {
        trade.timestamp_us += [0, 5_000_000, 90_000_000][i / 1_000] + (i / 97) as i64 * 40_000;
    }
    for config in [config("count:40"), FeatureConfig::default().with_groups(&[])] {
        let bars = run(&trades, config, &[1, 999, 1_000, 2_500]);
        assert!(bars.len() > 10);
        for bar in bars.iter().chain(single_pass(&trades, config).last()) {
            let records = &trades[bar.bar.first_agg_trade_id as usize - 1..bar.bar.last_agg_trade_id as usize];
            let oracle = records.windows(2).map(|pair| pair[1].timestamp_us - pair[0].timestamp_us).max();
            assert_eq!(bar.max_gap_us, oracle, "bar opening at id {}", bar.bar.first_agg_trade_id);
        }
    }
}

#[test]
fn memory_stays_bounded_by_the_window() {
    let trades = stream(20_000, 5);
    let mut pipeline = FeaturePipeline::new(builder_config(), config("count:50"), Kernels::detect()).unwrap();
    let mut out = Vec::new();
    for chunk in trades.chunks(1_000) {
        pipeline.push_batch(&chunk.iter().collect(), &mut out).unwrap();
        let checkpoint = pipeline.checkpoint();
        // The records of the forming bar, or of the bar just completed when none is forming.
        let forming =
            pipeline.builder().incomplete_bar().or(out.last().map(|b| b.bar)).map_or(0, |b| b.agg_record_count);
        let held: serde_json::Value = serde_json::from_str(&checkpoint.to_json()).unwrap();
        let held = held["history"]["price"].as_array().unwrap().len() as u64;
        assert!(held <= 50 + forming, "history holds {held} records; window 50 + forming bar {forming}");
    }
}

#[test]
fn rejects_a_checkpoint_of_another_version() {
    let pipeline = FeaturePipeline::new(builder_config(), FeatureConfig::default(), Kernels::detect()).unwrap();
    let version = format!("\"version\":{}", barsmith_core::features::FEATURE_CHECKPOINT_VERSION);
    let json = pipeline.checkpoint().to_json().replacen(&version, "\"version\":99", 1);
    let error = FeatureCheckpoint::from_json(&json).unwrap_err().to_string();
    assert!(error.contains("version 99"), "{error}");
}
