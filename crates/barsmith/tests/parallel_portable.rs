//! The portable steps (`barsmith::parallel::portable`, what the Dask runner calls), every value sent through
//! bytes as between processes, equal the one-pass run: random splits of a stream into daily files, byte ranges
//! of one file, every lookback mode, a stream whose runs never meet, a duplicate dropped at a boundary.
//! Compared: each threshold's bars (Debug text: every bit of a float counts), the incomplete bars and the
//! final state's JSON checkpoints.

use std::path::{Path, PathBuf};

use barsmith::core::features::{FeatureConfig, FeaturedBar, LookbackMode};
use barsmith::generate::{GenConfig, GenFormat, write_trades};
use barsmith::parallel::portable::{
    ChainState, PortableSpeculation, ShardTask, join_shard, plan_tasks, speculate_shard,
};
use barsmith::pipeline::{BarPipeline, CollectBars, PipelineConfig, StreamSettings};
use barsmith::{IngestOptions, Kernels, MultiFileReader, Threshold, TradeBatch};
use proptest::prelude::*;

fn generated_lines(trades: u64, seed: u64) -> Vec<String> {
    let mut bytes = Vec::new();
    write_trades(&mut bytes, &GenConfig { trades, seed, ..GenConfig::default() }, GenFormat::Spot).unwrap();
    String::from_utf8(bytes).unwrap().lines().map(str::to_owned).collect()
}

/// Prices a whole 50 dbps threshold apart, alternating: bars of two records, and a run started one record
/// later pairs them the other way, so the replay never meets the speculative run.
fn never_meeting_lines(records: i64) -> Vec<String> {
    (0..records)
        .map(|i| {
            let price = if i % 2 == 0 { "100.00000000" } else { "101.00000000" };
            format!("{},{price},1.00000000,{},{},{},True,True", i + 1, i + 1, i + 1, 1_767_225_600_000_000 + i * 10)
        })
        .collect()
}

fn config(thresholds: &[u32], mode: LookbackMode) -> PipelineConfig {
    PipelineConfig {
        thresholds: thresholds
            .iter()
            .map(|&t| barsmith::core::BarSpec::Range(Threshold::from_dbps(t).unwrap()))
            .collect(),
        settings: StreamSettings {
            same_timestamp_gate: true,
            include_incomplete: true,
            features: FeatureConfig { lookback_mode: mode, ..FeatureConfig::default() },
            kernels: Kernels::new(barsmith::Backend::Scalar).unwrap(),
            min_duration_us: 0,
        },
    }
}

/// Writes `lines` cut at `cuts` into daily files.
fn daily_files(dir: &Path, lines: &[String], cuts: &[usize]) -> Vec<PathBuf> {
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(lines.len())).collect();
    bounds.extend([0, lines.len()]);
    bounds.sort_unstable();
    bounds.dedup();
    let files = bounds.windows(2).enumerate().map(|(day, w)| {
        let path = dir.join(format!("SYNTHUSDT-aggTrades-2026-01-{:02}.csv", day + 1));
        std::fs::write(&path, lines[w[0]..w[1]].iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
        path
    });
    files.collect()
}

fn text(bars: &[FeaturedBar]) -> Vec<String> {
    bars.iter().map(|bar| format!("{bar:?}")).collect()
}

/// Per threshold: completed bars, the incomplete bar; then the checkpoints (JSON).
type Outcome = (Vec<Vec<String>>, Vec<Vec<String>>, Vec<String>);

fn outcome(config: &PipelineConfig, mut pipeline: BarPipeline, completed: Vec<Vec<FeaturedBar>>) -> Outcome {
    let mut rest = CollectBars::default();
    pipeline.finish(&mut rest).unwrap();
    let incomplete = (0..config.thresholds.len())
        .map(|i| rest.incomplete.iter().filter(|(t, _)| *t == i).map(|(_, b)| format!("{b:?}")).collect())
        .collect();
    let checkpoints = pipeline.checkpoints().iter().map(|c| c.to_json()).collect();
    (completed.iter().map(|bars| text(bars)).collect(), incomplete, checkpoints)
}

fn one_pass(config: &PipelineConfig, files: &[PathBuf], ingest: &IngestOptions) -> Outcome {
    let mut pipeline = BarPipeline::new(config).unwrap();
    let mut bars = CollectBars::default();
    let mut reader = MultiFileReader::new(files, ingest).unwrap();
    let mut batch = TradeBatch::new();
    while reader.next_batch(&mut batch).unwrap() {
        pipeline.push_batch(&batch, &mut bars).unwrap();
    }
    let completed = (0..config.thresholds.len())
        .map(|i| bars.completed.iter().filter(|(t, _)| *t == i).map(|(_, b)| *b).collect())
        .collect();
    outcome(config, pipeline, completed)
}

/// Every shard speculated and joined as separate tasks would: tasks, speculations and states cross as bytes.
/// Returns the outcome and the records replayed.
fn portable(config: &PipelineConfig, tasks: &[ShardTask]) -> (Outcome, u64) {
    let mut completed = vec![Vec::new(); config.thresholds.len()];
    let (mut state, mut replayed): (Option<Vec<u8>>, u64) = (None, 0);
    for task in tasks {
        let task = ShardTask::from_bytes(&task.to_bytes()).unwrap();
        let speculated = speculate_shard(config, &task).unwrap();
        let speculation = PortableSpeculation::from_bytes(&speculated.speculation.to_bytes()).unwrap();
        let previous = state.as_deref().map(|bytes| ChainState::from_bytes(bytes).unwrap());
        let joined = join_shard(config, &task, previous.as_ref(), speculation).unwrap();
        for (index, bars) in completed.iter_mut().enumerate() {
            bars.extend(joined.bars(index, &speculated.bars[index]));
        }
        replayed += joined.replayed.iter().sum::<u64>();
        state = Some(joined.state.to_bytes());
    }
    let state = ChainState::from_bytes(&state.expect("at least one shard")).unwrap();
    (outcome(config, state.pipeline(config).unwrap(), completed), replayed)
}

fn lookback(mode: u8) -> LookbackMode {
    match mode {
        0 => LookbackMode::Count(50),
        1 => LookbackMode::Time { duration_us: 2_000_000 },
        _ => LookbackMode::Bars(3),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_daily_splits_equal_one_pass(
        seed in 0u64..1000,
        cuts in prop::collection::vec(0usize..=3000, 0..6),
        mode in 0u8..3,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let files = daily_files(dir.path(), &generated_lines(3000, seed), &cuts);
        let config = config(&[3, 10, 25], lookback(mode));
        let ingest = IngestOptions::default();
        let tasks = plan_tasks(&files, &ingest, files.len(), 16 << 20).unwrap();
        prop_assert_eq!(tasks.len(), files.len());
        prop_assert_eq!(portable(&config, &tasks).0, one_pass(&config, &files, &ingest));
    }
}

#[test]
fn byte_ranges_of_one_file_equal_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let files = daily_files(dir.path(), &generated_lines(5000, 11), &[]);
    let ingest = IngestOptions::default();
    let tasks = plan_tasks(&files, &ingest, 6, 4096).unwrap();
    assert_eq!(tasks.len(), 6, "one file cut into ranges");
    assert!(tasks.iter().all(|t| t.shard.range.is_some()));
    for mode in 0..3 {
        let config = config(&[3, 10], lookback(mode));
        let (outcome, replayed) = portable(&config, &tasks);
        assert_eq!(outcome, one_pass(&config, &files, &ingest), "{:?}", lookback(mode));
        assert!(replayed > 0 && replayed < 2 * 5000, "the joins replayed {replayed} records");
    }
}

#[test]
fn runs_that_never_meet_are_replayed_whole_and_exact() {
    let dir = tempfile::tempdir().unwrap();
    let files = daily_files(dir.path(), &never_meeting_lines(3001), &[1001, 2001]);
    let ingest = IngestOptions::default();
    let tasks = plan_tasks(&files, &ingest, files.len(), 16 << 20).unwrap();
    let config = config(&[50], LookbackMode::Count(50));
    let (outcome, replayed) = portable(&config, &tasks);
    assert_eq!(outcome, one_pass(&config, &files, &ingest));
    assert_eq!(replayed, 2000, "every shard after the first is replayed whole");
}

#[test]
fn a_duplicate_at_a_boundary_is_dropped_under_dedupe_and_refused_without() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = generated_lines(2000, 5);
    lines.insert(1000, lines[999].clone());
    let files = daily_files(dir.path(), &lines, &[1000]);
    let config = config(&[3, 10], LookbackMode::Count(50));
    let dedupe = IngestOptions { dedupe: true, ..IngestOptions::default() };
    let tasks = plan_tasks(&files, &dedupe, 2, 16 << 20).unwrap();
    assert_eq!(portable(&config, &tasks).0, one_pass(&config, &files, &dedupe));

    let strict = plan_tasks(&files, &IngestOptions::default(), 2, 16 << 20).unwrap();
    let first = speculate_shard(&config, &strict[0]).unwrap();
    let state = join_shard(&config, &strict[0], None, first.speculation).unwrap().state;
    let second = speculate_shard(&config, &strict[1]).unwrap().speculation;
    let error = join_shard(&config, &strict[1], Some(&state), second).unwrap_err().to_string();
    let one_pass_error = MultiFileReader::new(&files, &IngestOptions::default()).and_then(|mut reader| {
        let mut batch = TradeBatch::new();
        while reader.next_batch(&mut batch)? {}
        Ok(())
    });
    assert_eq!(error, one_pass_error.unwrap_err().to_string(), "the error one pass reports");
}

#[test]
fn bytes_of_another_version_or_malformed_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = daily_files(dir.path(), &generated_lines(100, 1), &[]);
    let task = plan_tasks(&files, &IngestOptions::default(), 1, 16 << 20).unwrap().remove(0);
    let mut other = task.clone();
    other.version += 1;
    let error = ShardTask::from_bytes(&other.to_bytes()).unwrap_err().to_string();
    assert!(error.contains("format version 2, this build reads 1"), "{error}");
    assert!(PortableSpeculation::from_bytes(b"{").is_err());
    assert!(ChainState::from_bytes(b"[]").is_err());
    let shard_one = join_shard(
        &config(&[3], LookbackMode::Count(5)),
        &ShardTask { index: 1, ..task.clone() },
        None,
        speculate_shard(&config(&[3], LookbackMode::Count(5)), &task).unwrap().speculation,
    );
    assert!(shard_one.unwrap_err().to_string().contains("needs the state after the shard before it"));
}

/// Days generated apart (as `barsmith gen --days 1` writes them): long time gaps and price jumps between files.
#[test]
fn generated_days_with_several_thresholds_equal_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (0..4i64)
        .map(|day| {
            let config = GenConfig {
                trades: 20_000,
                seed: day as u64,
                start_time_us: 1_767_225_600_000_000 + day * 86_400_000_000,
                first_agg_trade_id: 1 + day * 1_000_000,
                ..GenConfig::default()
            };
            let path = dir.path().join(format!("SYNTHUSDT-aggTrades-2026-01-{:02}.csv", day + 1));
            write_trades(&mut std::fs::File::create(&path).unwrap(), &config, GenFormat::Spot).unwrap();
            path
        })
        .collect();
    let ingest = IngestOptions::default();
    let tasks = plan_tasks(&files, &ingest, files.len(), 16 << 20).unwrap();
    let config = config(&[25, 60], LookbackMode::Count(500));
    assert_eq!(portable(&config, &tasks).0, one_pass(&config, &files, &ingest));
}
