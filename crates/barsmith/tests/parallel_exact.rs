//! The sharded run equals the one-pass run, bar for bar and bit for bit, for any split and thread count:
//! random streams and split points (inside bars, on equal timestamps), streams built so that the runs never
//! meet, resumed streams, every lookback mode, and the real sample.

use barsmith::core::features::{DEFAULT_MAX_WINDOW_RECORDS, FeatureCheckpoint, FeatureConfig, LookbackMode};
use barsmith::parallel::{ShardStats, run_batches, run_exact_batches};
use barsmith::pipeline::{BarPipeline, CollectBars, PipelineConfig, StreamSettings};
use barsmith::{FixedPoint, Kernels, Threshold, Trade, TradeBatch};
use barsmith_test_support::{SplitMix as Rng, real_data};
use proptest::prelude::*;

fn trade(id: i64, price: i64, time: i64, quantity: i64, sell: bool) -> Trade {
    Trade {
        agg_trade_id: id,
        price: FixedPoint(price),
        quantity: FixedPoint(quantity),
        first_trade_id: id * 2,
        last_trade_id: id * 2 + (id % 3),
        timestamp_us: time,
        is_buyer_maker: sell,
    }
}

/// A random walk on a 0.01 grid around 100, with runs of equal timestamps (sweeps) and idle gaps.
fn random_stream(seed: u64, records: usize) -> TradeBatch {
    let mut rng = Rng(seed);
    let (mut price, mut time) = (10_000_000_000i64, 1_767_225_600_000_000i64);
    (0..records as i64)
        .map(|id| {
            price += (rng.below(9) - 4) * 1_000_000;
            if rng.below(3) != 0 {
                let spread = if rng.below(50) == 0 { 5_000_000 } else { 20_000 };
                time += 1 + rng.below(spread);
            }
            trade(id + 1, price, time, 1 + rng.below(300_000_000), rng.below(2) == 0)
        })
        .collect()
}

/// Prices alternating between two levels a whole threshold apart: every bar is two records, and a run
/// started one record later pairs the records the other way, so the two runs never close on the same record.
fn never_meeting_stream(records: usize) -> TradeBatch {
    (0..records as i64)
        .map(|i| {
            trade(i + 1, if i % 2 == 0 { 10_000_000_000 } else { 10_100_000_000 }, 1_000_000 + i * 10, 100, i % 3 == 0)
        })
        .collect()
}

fn slice(batch: &TradeBatch, from: usize, to: usize) -> TradeBatch {
    (from..to).map(|i| batch.get(i).unwrap()).collect()
}

/// Cuts `stream` at `cuts` into shards, each cut again into batches of `batch` records.
fn shards_of(stream: &TradeBatch, cuts: &[usize], batch: usize) -> Vec<Vec<TradeBatch>> {
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(stream.len())).collect();
    bounds.push(0);
    bounds.push(stream.len());
    bounds.sort_unstable();
    bounds.dedup();
    bounds
        .windows(2)
        .map(|w| (w[0]..w[1]).step_by(batch).map(|from| slice(stream, from, (from + batch).min(w[1]))).collect())
        .collect()
}

fn config(thresholds: &[u32], features: FeatureConfig, gate: bool) -> PipelineConfig {
    PipelineConfig {
        thresholds: thresholds
            .iter()
            .map(|&t| barsmith::core::BarSpec::Range(Threshold::from_dbps(t).unwrap()))
            .collect(),
        settings: StreamSettings {
            same_timestamp_gate: gate,
            include_incomplete: true,
            features,
            kernels: Kernels::new(barsmith::Backend::Scalar).unwrap(),
            min_duration_us: 0,
        },
    }
}

/// Everything a run leaves: each threshold's bars in order (Debug text, so that -0.0 and every bit of a float
/// count; how the thresholds interleave is not part of the contract, as with batches of other sizes),
/// checkpoints, counts.
fn outcome(pipeline: &mut BarPipeline, mut bars: CollectBars) -> (Vec<String>, Vec<String>, u64, Vec<u64>) {
    pipeline.finish(&mut bars).unwrap();
    let checkpoints = pipeline.checkpoints().iter().map(FeatureCheckpoint::to_json).collect();
    let per_threshold = (0..pipeline.bar_counts().len())
        .map(|t| {
            let of = |list: &[(usize, barsmith::FeaturedBar)]| {
                list.iter().filter(|(i, _)| *i == t).map(|(_, b)| format!("{b:?}")).collect::<Vec<_>>().join("\n")
            };
            format!("{}\nincomplete:{}", of(&bars.completed), of(&bars.incomplete))
        })
        .collect();
    (per_threshold, checkpoints, pipeline.trades(), pipeline.bar_counts().to_vec())
}

fn start(config: &PipelineConfig, resume_from: Option<&TradeBatch>) -> BarPipeline {
    let mut pipeline = BarPipeline::new(config).unwrap();
    if let Some(prefix) = resume_from {
        pipeline.push_batch(prefix, &mut CollectBars::default()).unwrap();
        pipeline = BarPipeline::resume(config, &pipeline.checkpoints()).unwrap();
    }
    pipeline
}

type Outcome = (Vec<String>, Vec<String>, u64, Vec<u64>);

fn one_pass(config: &PipelineConfig, prefix: Option<&TradeBatch>, stream: &TradeBatch) -> Outcome {
    let mut sequential = start(config, prefix);
    let mut bars = CollectBars::default();
    sequential.push_batch(stream, &mut bars).unwrap();
    outcome(&mut sequential, bars)
}

fn assert_same(actual: &Outcome, expected: &Outcome, engine: &str) {
    assert_eq!(actual.2, expected.2, "trades ({engine})");
    assert_eq!(actual.3, expected.3, "bar counts ({engine})");
    assert!(actual.0 == expected.0, "bars differ ({engine})");
    assert_eq!(actual.1, expected.1, "checkpoints ({engine})");
}

/// Runs `stream` in `shards` on `threads` threads with the boundaries found first (at most `window` shards
/// held); asserts the one-pass outcome `expected`.
fn assert_boundaries_first(
    config: &PipelineConfig,
    prefix: Option<&TradeBatch>,
    expected: &Outcome,
    shards: &[Vec<TradeBatch>],
    threads: usize,
    window: usize,
) -> ShardStats {
    let mut exact = start(config, prefix);
    let mut bars = CollectBars::default();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let stats = pool.install(|| run_exact_batches(shards, &mut exact, &mut bars, window)).unwrap();
    assert_same(&outcome(&mut exact, bars), expected, "boundaries first");
    assert_eq!(stats.records, expected.2);
    stats
}

/// Runs `stream` in one pass and in `shards` on `threads` threads, speculative shards joined and with the
/// boundaries found first; asserts identical outcomes.
fn assert_exact(
    config: &PipelineConfig,
    prefix: Option<&TradeBatch>,
    stream: &TradeBatch,
    shards: &[Vec<TradeBatch>],
    threads: usize,
    head: usize,
) -> ShardStats {
    let expected = one_pass(config, prefix, stream);
    let mut sharded = start(config, prefix);
    let mut bars = CollectBars::default();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let stats = pool.install(|| run_batches(shards, &mut sharded, &mut bars, head)).unwrap();
    assert_same(&outcome(&mut sharded, bars), &expected, "speculative");
    assert_eq!(stats.records, stream.len() as u64);
    assert_boundaries_first(config, prefix, &expected, shards, threads, 3 + head % 3);
    stats
}

fn lookback_modes() -> impl Strategy<Value = (bool, bool, bool, LookbackMode)> {
    let mode = prop_oneof![
        (1u64..400).prop_map(LookbackMode::Count),
        (1i64..3_000_000).prop_map(|duration_us| LookbackMode::Time { duration_us }),
        (1u64..5).prop_map(LookbackMode::Bars),
    ];
    (any::<bool>(), any::<bool>(), any::<bool>(), mode)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_split_any_threads_equals_one_pass(
        seed in any::<u64>(),
        records in 1usize..4000,
        cuts in prop::collection::vec(0usize..4000, 0..7),
        batch in 1usize..700,
        threads in 1usize..4,
        head in 1usize..3000,
        thresholds in prop::collection::vec(3u32..60, 1..3),
        (bar, intra, lookback, mode) in lookback_modes(),
        gate in any::<bool>(),
        resumed in any::<bool>(),
        max_window_records in prop_oneof![Just(DEFAULT_MAX_WINDOW_RECORDS), 20u64..1500],
    ) {
        let features = FeatureConfig { bar, intra, lookback, lookback_mode: mode, pe_min_records: 10, hurst_min_records: 16, max_window_records, ..FeatureConfig::default() };
        let config = config(&thresholds, features, gate);
        let stream = random_stream(seed, records + 300);
        let prefix = resumed.then(|| slice(&stream, 0, 300));
        let rest = slice(&stream, 300, stream.len());
        let shards = shards_of(&rest, &cuts, batch);
        assert_exact(&config, prefix.as_ref(), &rest, &shards, threads, head);
    }

    #[test]
    fn thresholds_built_in_parallel_equal_one_after_another(
        seed in any::<u64>(),
        records in 1usize..4000,
        batch in 1usize..700,
        threads in 1usize..4,
        thresholds in prop::collection::vec(3u32..60, 2..5),
        (bar, intra, lookback, mode) in lookback_modes(),
        max_window_records in prop_oneof![Just(DEFAULT_MAX_WINDOW_RECORDS), 20u64..1500],
    ) {
        let features = FeatureConfig { bar, intra, lookback, lookback_mode: mode, pe_min_records: 10, hurst_min_records: 16, max_window_records, ..FeatureConfig::default() };
        let config = config(&thresholds, features, true);
        let stream = random_stream(seed, records);
        let batches = &shards_of(&stream, &[], batch)[0];
        let run = |parallel: bool| {
            let mut pipeline = BarPipeline::new(&config).unwrap();
            pipeline.set_parallel_thresholds(parallel);
            let mut bars = CollectBars::default();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| batches.iter().for_each(|b| pipeline.push_batch(b, &mut bars).unwrap()));
            let overflows = pipeline.take_overflows();
            (outcome(&mut pipeline, bars), overflows)
        };
        let (expected, parallel) = (run(false), run(true));
        prop_assert!(parallel.0 == expected.0, "bars, checkpoints or counts differ");
        prop_assert_eq!(parallel.1, expected.1, "overflow reports");
    }

    #[test]
    fn splits_on_equal_timestamps_equal_one_pass(seed in any::<u64>(), threads in 1usize..4, gate in any::<bool>()) {
        let stream = random_stream(seed, 3000);
        let equal: Vec<usize> = (1..stream.len()).filter(|&i| stream.timestamp_us[i] == stream.timestamp_us[i - 1]).collect();
        let cuts: Vec<usize> = equal.iter().step_by(equal.len() / 6 + 1).copied().collect();
        let features = FeatureConfig { lookback_mode: LookbackMode::Time { duration_us: 50_000 }, ..FeatureConfig::default() };
        let config = config(&[5, 20], features, gate);
        assert_exact(&config, None, &stream, &shards_of(&stream, &cuts, 256), threads, 64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every threshold from 1 to 2000 dbps (a bar of a few records to none in the stream), every feature
    /// setting, any split, 1–3 threads, 3–5 shards held.
    #[test]
    fn boundaries_first_equals_one_pass_from_1_to_2000_dbps(
        seed in any::<u64>(),
        records in 1usize..6000,
        cuts in prop::collection::vec(0usize..6000, 0..10),
        batch in 1usize..900,
        threads in 1usize..4,
        window in 3usize..6,
        thresholds in prop::collection::vec(prop_oneof![1u32..20, 20u32..200, 200u32..2001], 1..3),
        (bar, intra, lookback, mode) in lookback_modes(),
        gate in any::<bool>(),
        resumed in any::<bool>(),
        max_window_records in prop_oneof![Just(DEFAULT_MAX_WINDOW_RECORDS), 20u64..1500],
    ) {
        let features = FeatureConfig { bar, intra, lookback, lookback_mode: mode, pe_min_records: 10, hurst_min_records: 16, max_window_records, ..FeatureConfig::default() };
        let config = config(&thresholds, features, gate);
        let stream = random_stream(seed, records + 300);
        let prefix = resumed.then(|| slice(&stream, 0, 300));
        let rest = slice(&stream, 300, stream.len());
        let expected = one_pass(&config, prefix.as_ref(), &rest);
        assert_boundaries_first(&config, prefix.as_ref(), &expected, &shards_of(&rest, &cuts, batch), threads, window);
    }
}

#[test]
fn boundaries_first_starts_runs_at_openings_and_chains_bars_that_span_shards() {
    let stream = random_stream(5, 6000);
    let shards = shards_of(&stream, &[700, 1400, 2100, 3000, 4100, 5000], 256);
    let config = config(&[10, 2000], FeatureConfig::default(), true);
    let expected = one_pass(&config, None, &stream);
    let stats = assert_boundaries_first(&config, None, &expected, &shards, 2, 3);
    // 10 dbps closes bars in every shard: a run starts at an opening in each shard after the first (and in
    // the first); 2000 dbps closes none, so its runs are chained.
    assert!((6..=7).contains(&stats.openings), "{stats:?}");
}

#[test]
fn runs_that_never_meet_are_replayed_whole_and_exact() {
    let stream = never_meeting_stream(5001);
    let shards = shards_of(&stream, &[1001, 2001, 3333, 4001], 97);
    for features in [FeatureConfig::default(), FeatureConfig::default().with_groups(&[])] {
        for gate in [true, false] {
            let config = config(&[50], features, gate);
            let stats = assert_exact(&config, None, &stream, &shards, 2, 100);
            assert!(stats.convergence.iter().flatten().all(Option::is_none), "the runs never meet");
            let after_first: u64 = shards.iter().skip(1).flatten().map(|b| b.len() as u64).sum();
            assert_eq!(stats.replayed, after_first, "every shard after the first is replayed whole");
        }
    }
}

#[test]
fn a_shard_of_one_record_and_empty_shards_are_exact() {
    let stream = random_stream(7, 2000);
    let mut shards = shards_of(&stream, &[1, 2, 3, 1500, 1501], 50);
    shards.insert(2, Vec::new());
    shards.push(vec![TradeBatch::new()]);
    for mode in [LookbackMode::Count(50), LookbackMode::Bars(2), LookbackMode::Time { duration_us: 200_000 }] {
        let config = config(&[4, 30], FeatureConfig { lookback_mode: mode, ..FeatureConfig::default() }, true);
        assert_exact(&config, None, &stream, &shards, 3, 10);
    }
}

#[test]
fn out_of_order_records_at_a_boundary_fail_as_in_one_pass() {
    let mut stream = random_stream(3, 1000);
    stream.timestamp_us[600] = stream.timestamp_us[599] - 1;
    let config = config(&[10], FeatureConfig::default(), true);
    let mut sequential = BarPipeline::new(&config).unwrap();
    let expected = sequential.push_batch(&stream, &mut CollectBars::default()).unwrap_err().to_string();
    let mut sharded = BarPipeline::new(&config).unwrap();
    let shards = shards_of(&stream, &[600], 128);
    let error = run_batches(&shards, &mut sharded, &mut CollectBars::default(), 1000).unwrap_err();
    assert_eq!(error.to_string(), expected);
    let mut exact = BarPipeline::new(&config).unwrap();
    let error = run_exact_batches(&shards, &mut exact, &mut CollectBars::default(), 3).unwrap_err();
    assert_eq!(error.to_string(), expected);
}

/// The real sample (the first 5 000 records of Binance's BTCUSDT spot aggTrades for 2026-01-01).
#[test]
fn real_sample_splits_equal_one_pass() {
    let Some(path) = real_data::sample("sharded runs of the real sample") else { return };
    let stream = barsmith::ingest::open(&path, &barsmith::IngestOptions::default()).unwrap().read_to_end().unwrap();
    assert_eq!(stream.len(), 5000);
    let mut rng = Rng(11);
    for mode in [LookbackMode::Count(500), LookbackMode::Time { duration_us: 30_000_000 }, LookbackMode::Bars(3)] {
        let config = config(&[3, 10, 25], FeatureConfig { lookback_mode: mode, ..FeatureConfig::default() }, true);
        for threads in [1, 2, 4] {
            let cuts: Vec<usize> = (0..1 + rng.below(8)).map(|_| rng.below(5000) as usize).collect();
            assert_exact(&config, None, &stream, &shards_of(&stream, &cuts, 1000), threads, 256);
        }
    }
}
