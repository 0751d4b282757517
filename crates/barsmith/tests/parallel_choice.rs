//! The measured choice between shards and one pass (`sharding` probe): a stream whose shards' runs would not
//! meet runs in one pass, one whose runs meet soon runs in shards; `auto` (boundaries first) and every choice
//! give the one-pass bytes.

mod common;

use std::path::{Path, PathBuf};

use barsmith::Threshold;
use barsmith::core::Trade;
use barsmith::generate::{GenConfig, GenFormat, TradeGenerator, write_row};
use barsmith::run::{Job, NoProgress, OutputTarget, RunConfig, RunSummary, write_bars};
use barsmith::settings::Settings;

const DAY_US: i64 = 86_400_000_000;

/// Four generated days at 2.5 % a day, 10 000 records a day, as daily files.
fn days(dir: &Path) -> Vec<PathBuf> {
    let config = GenConfig {
        trades: u64::MAX,
        volatility: Some(0.025),
        records_per_day: Some(10_000.0),
        end_time_us: Some(GenConfig::default().start_time_us + 4 * DAY_US),
        ..GenConfig::default()
    };
    let trades: Vec<Trade> = TradeGenerator::new(config).collect();
    let mut files = Vec::new();
    for day in 0..4 {
        let start = GenConfig::default().start_time_us + day * DAY_US;
        let path = dir.join(format!("SYNTHUSDT-aggTrades-2026-01-0{}.csv", day + 1));
        let mut text = Vec::new();
        for trade in trades.iter().filter(|t| (start..start + DAY_US).contains(&t.timestamp_us)) {
            write_row(&mut text, trade, GenFormat::Spot).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        files.push(path);
    }
    files
}

fn run(
    inputs: &[PathBuf],
    out: &Path,
    dbps: u32,
    threads: usize,
    sharding: &str,
) -> (RunSummary, Vec<(String, Vec<u8>)>) {
    let mut settings = Settings::new(vec![Threshold::from_dbps(dbps).unwrap()]);
    settings.set("features", "bar").unwrap();
    settings.set("threads", &threads.to_string()).unwrap();
    settings.set("sharding", sharding).unwrap();
    settings.set("include_incomplete", "true").unwrap();
    common::run_into_dir(inputs, Job::new(settings), out)
}

#[test]
fn the_probe_runs_coarse_thresholds_in_one_pass_fine_ones_in_shards_and_all_give_the_one_pass_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = days(dir.path());
    for (dbps, shards) in [(2, 4), (1000, 1)] {
        let out = |name: &str| dir.path().join(format!("{dbps}-{name}"));
        let (one, expected) = run(&inputs, &out("one"), dbps, 1, "auto");
        assert_eq!(one.streams[0].shards, 1);
        let (auto, files) = run(&inputs, &out("probe"), dbps, 2, "probe");
        assert_eq!(files, expected, "{dbps} dbps, probe");
        let stream = &auto.streams[0];
        assert_eq!(stream.shards, shards, "{dbps} dbps: {:?}", stream.shard_choice);
        if shards == 1 {
            let choice = stream.shard_choice.as_ref().expect("the probe's measurement is reported");
            assert!(!choice.shard && choice.probe_records > 5_000, "{choice:?}");
        } else {
            assert!(stream.shard_choice.is_none());
        }
        let (always, files) = run(&inputs, &out("always"), dbps, 2, "always");
        assert_eq!(files, expected, "{dbps} dbps, always");
        assert_eq!(always.streams[0].shards, 4);
        let (exact, files) = run(&inputs, &out("auto"), dbps, 2, "auto");
        assert_eq!(files, expected, "{dbps} dbps, auto (boundaries first)");
        assert_eq!(exact.streams[0].shards, 4);
        assert!(exact.streams[0].shard_choice.is_none());
    }
}

#[test]
fn sharding_takes_auto_probe_or_always_and_names_itself_otherwise() {
    let mut settings = Settings::new(vec![Threshold::from_dbps(10).unwrap()]);
    assert_eq!(settings.value("sharding").as_deref(), Some("auto"));
    let error = settings.set("sharding", "sometimes").unwrap_err().to_string();
    assert!(error.starts_with("sharding sometimes: expected auto, probe or always"), "{error}");
}

#[test]
fn a_malformed_first_file_is_reported_as_one_pass_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = days(dir.path());
    let text = std::fs::read_to_string(&inputs[0]).unwrap();
    let broken = text.replacen(",False,True", ",maybe,True", 1);
    std::fs::write(&inputs[0], broken).unwrap();
    let error = |threads: usize| {
        let mut settings = Settings::new(vec![Threshold::from_dbps(1000).unwrap()]);
        settings.set("threads", &threads.to_string()).unwrap();
        let config = RunConfig {
            inputs: inputs.clone(),
            job: Job::new(settings),
            output: OutputTarget::Directory(dir.path().join(format!("out{threads}"))),
            format: None,
            checkpoint_out: None,
            commit: Default::default(),
        };
        write_bars(&config, &NoProgress).unwrap_err().to_string()
    };
    assert_eq!(error(2), error(1));
}
