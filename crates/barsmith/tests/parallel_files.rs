//! Sharded runs from files equal the one-pass run: outputs and checkpoint byte for byte, id gaps, `dedupe` at a
//! shard boundary, byte ranges of one CSV file (with and without a header), and errors reported as one pass
//! reports them (same text, same line). Built on the real sample in `../shared/data` (on generated records,
//! saying so, when it is absent).

mod common;

use std::path::{Path, PathBuf};

use barsmith::core::features::{FeatureConfig, LookbackMode};
use barsmith::generate::{GenConfig, GenFormat, write_trades};
use barsmith::parallel::{
    DEFAULT_HEAD_RECORDS, FileBoundaries, FileShards, ShardOptions, Sharding, plan_shards, run_sharded,
};
use barsmith::pipeline::{BarPipeline, CollectBars, PipelineConfig, StreamSettings};
use barsmith::run::{Job, NoProgress, OutputTarget, RunConfig, RunSummary, write_bars};
use barsmith::settings::Settings;
use barsmith::{IngestOptions, Kernels, Threshold};

/// The real sample's 5 000 lines; generated lines of the same layout when `../shared/data` is absent (said on
/// stderr), so that the file rules are tested on every machine.
fn sample_lines() -> Vec<String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/BTCUSDT-aggTrades-2026-01-01.head5000.csv");
    let text = if path.exists() {
        std::fs::read_to_string(&path).unwrap()
    } else {
        eprintln!("{} is absent: using 5 000 generated records instead of the real sample", path.display());
        let mut bytes = Vec::new();
        let config = GenConfig { trades: 5000, ..GenConfig::default() };
        write_trades(&mut bytes, &config, GenFormat::Spot).unwrap();
        String::from_utf8(bytes).unwrap()
    };
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 5000);
    lines
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    path
}

fn settings(mode: LookbackMode) -> StreamSettings {
    StreamSettings {
        same_timestamp_gate: true,
        include_incomplete: true,
        features: FeatureConfig { lookback_mode: mode, ..FeatureConfig::default() },
        kernels: Kernels::detect(),
        min_duration_us: 0,
    }
}

fn job(thresholds: Vec<Threshold>, ingest: IngestOptions, threads: usize) -> Job {
    // Shards whatever the probe would measure: these tests are about the shards' exactness.
    let mut all = Settings::new(thresholds);
    (all.stream, all.ingest, all.threads) = (settings(LookbackMode::Count(500)), ingest, Some(threads));
    all.sharding = Sharding::Always;
    Job::new(all)
}

/// Runs `inputs` into `out` with `threads` threads; returns the summary and every output file's bytes.
fn run_dir(
    inputs: &[PathBuf],
    out: &Path,
    threads: usize,
    ingest: IngestOptions,
) -> (RunSummary, Vec<(String, Vec<u8>)>) {
    let thresholds = [3, 10, 25].iter().map(|&t| Threshold::from_dbps(t).unwrap()).collect();
    common::run_into_dir(inputs, job(thresholds, ingest, threads), out)
}

fn daily_files(dir: &Path, lines: &[String], cuts: &[usize]) -> Vec<PathBuf> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(lines.len());
    bounds
        .windows(2)
        .enumerate()
        .map(|(day, w)| write(dir, &format!("BTCUSDT-aggTrades-2026-01-{:02}.csv", day + 1), &lines[w[0]..w[1]]))
        .collect()
}

#[test]
fn daily_files_give_the_same_outputs_and_checkpoint_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = daily_files(dir.path(), &sample_lines(), &[1200, 2500, 2501, 4100]);
    let (one, expected) = run_dir(&inputs, &dir.path().join("one"), 1, IngestOptions::default());
    assert_eq!(one.streams[0].shards, 1);
    for threads in [2, 3, 8] {
        let (summary, files) =
            run_dir(&inputs, &dir.path().join(format!("t{threads}")), threads, IngestOptions::default());
        assert_eq!(files, expected, "{threads} threads");
        let stream = &summary.streams[0];
        assert_eq!(stream.shards, 5);
        assert!(stream.replayed_records > 0 && stream.replayed_records < 3 * 5000);
        assert_eq!((stream.trades, &stream.bars), (one.streams[0].trades, &one.streams[0].bars));
    }
}

#[test]
fn id_gaps_and_a_duplicate_at_a_boundary_are_treated_as_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let lines = sample_lines();
    let mut day2 = vec![lines[1999].clone()];
    day2.extend_from_slice(&lines[2000..3000]);
    let inputs = vec![
        write(dir.path(), "BTCUSDT-aggTrades-2026-01-01.csv", &lines[..2000]),
        write(dir.path(), "BTCUSDT-aggTrades-2026-01-02.csv", &day2),
        write(dir.path(), "BTCUSDT-aggTrades-2026-01-03.csv", &lines[3017..]),
    ];
    let dedupe = IngestOptions { dedupe: true, ..IngestOptions::default() };
    let (one, expected) = run_dir(&inputs, &dir.path().join("one"), 1, dedupe.clone());
    let (two, files) = run_dir(&inputs, &dir.path().join("two"), 2, dedupe);
    assert_eq!(files, expected);
    assert_eq!(two.streams[0].shards, 3);
    assert_eq!(two.streams[0].trades, one.streams[0].trades);
    assert_eq!(two.streams[0].gaps, one.streams[0].gaps);
    assert_eq!((one.streams[0].gaps.count, one.streams[0].gaps.missing_ids), (1, 17));
    assert_eq!((one.streams[0].dropped_duplicates, two.streams[0].dropped_duplicates), (1, 1));

    // Without dedupe the repeated record is an error, worded and placed as in one pass, and no output is left.
    let config = |threads, out: &str| RunConfig {
        inputs: inputs.clone(),
        job: job(vec![Threshold::from_dbps(10).unwrap()], IngestOptions::default(), threads),
        output: OutputTarget::Directory(dir.path().join(out)),
        format: None,
        checkpoint_out: None,
        commit: Default::default(),
    };
    let expected = write_bars(&config(1, "e1"), &NoProgress).unwrap_err().to_string();
    let actual = write_bars(&config(2, "e2"), &NoProgress).unwrap_err().to_string();
    assert_eq!(actual, expected);
    assert!(expected.contains("BTCUSDT-aggTrades-2026-01-02.csv"), "{expected}");
    assert!(!dir.path().join("e2").exists(), "a failed run creates no directory");
}

/// Bars, incomplete bars and checkpoints of one CSV file cut into byte ranges, against one pass.
fn ranges_equal_one_pass(path: &Path, mode: LookbackMode, threads: usize) -> usize {
    let config = PipelineConfig {
        thresholds: [3, 10].iter().map(|&t| barsmith::core::BarSpec::Range(Threshold::from_dbps(t).unwrap())).collect(),
        settings: settings(mode),
    };
    let ingest = IngestOptions::default();
    let stream = barsmith::ingest::open(path, &ingest).unwrap().read_to_end().unwrap();
    let mut one = BarPipeline::new(&config).unwrap();
    let mut expected = CollectBars::default();
    one.push_batch(&stream, &mut expected).unwrap();
    one.finish(&mut expected).unwrap();

    let files = vec![path.to_path_buf()];
    let options = ShardOptions { threads, shards_per_thread: 2, min_range_bytes: 20_000 };
    let plan = plan_shards(&files, &ingest, options).unwrap();
    let inputs = FileShards::new(&plan, &ingest, &NoProgress);
    let mut boundaries = FileBoundaries::new(&inputs, &files);
    let mut sharded = BarPipeline::new(&config).unwrap();
    let mut actual = CollectBars::default();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| run_sharded(&inputs, &mut boundaries, &mut sharded, &mut actual, DEFAULT_HEAD_RECORDS)).unwrap();
    sharded.finish(&mut actual).unwrap();
    for threshold in 0..2 {
        let of = |bars: &CollectBars| {
            let pick = |list: &[(usize, barsmith::FeaturedBar)]| {
                list.iter().filter(|(t, _)| *t == threshold).map(|(_, b)| format!("{b:?}")).collect::<Vec<_>>()
            };
            (pick(&bars.completed), pick(&bars.incomplete))
        };
        assert!(of(&actual) == of(&expected), "threshold {threshold}, {mode}");
    }
    let json = |p: &BarPipeline| p.checkpoints().iter().map(|c| c.to_json()).collect::<Vec<_>>();
    assert_eq!(json(&sharded), json(&one));
    plan.len()
}

#[test]
fn byte_ranges_of_one_file_equal_one_pass_with_and_without_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let lines = sample_lines();
    let plain = write(dir.path(), "plain.csv", &lines);
    let mut with_header = vec![
        "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match"
            .to_owned(),
    ];
    with_header.extend_from_slice(&lines);
    let headed = write(dir.path(), "headed.csv", &with_header);
    for mode in [LookbackMode::Count(300), LookbackMode::Time { duration_us: 5_000_000 }, LookbackMode::Bars(2)] {
        for (path, threads) in [(&plain, 2), (&headed, 3), (&plain, 5)] {
            let shards = ranges_equal_one_pass(path, mode, threads);
            assert!(shards >= 4, "{} cut into {shards} ranges", path.display());
        }
    }
}

#[test]
fn a_bad_record_in_a_byte_range_is_reported_with_its_line_as_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = sample_lines();
    lines[3456] = lines[3456].replacen(",8", ",x8", 1);
    let path = write(dir.path(), "BTCUSDT-aggTrades-2026-01-01.csv", &lines);
    let config = PipelineConfig::new(vec![Threshold::from_dbps(10).unwrap()]);
    let ingest = IngestOptions::default();
    let expected = barsmith::ingest::open(&path, &ingest).unwrap().read_to_end().unwrap_err().to_string();
    assert!(expected.contains("3457"), "{expected}");
    let files = vec![path.clone()];
    let plan = plan_shards(&files, &ingest, ShardOptions { threads: 4, shards_per_thread: 2, min_range_bytes: 20_000 })
        .unwrap();
    assert!(plan.len() >= 4);
    let inputs = FileShards::new(&plan, &ingest, &NoProgress);
    let mut boundaries = FileBoundaries::new(&inputs, &files);
    let mut pipeline = BarPipeline::new(&config).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let error = pool
        .install(|| {
            run_sharded(&inputs, &mut boundaries, &mut pipeline, &mut CollectBars::default(), DEFAULT_HEAD_RECORDS)
        })
        .unwrap_err();
    assert_eq!(error.to_string(), expected);
}
