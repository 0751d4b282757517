//! Issue 28's resumed chains: a checkpoint and the input it resumes must fit together. A hole between the
//! checkpoint's last record and the input's first is reported like a hole between two files, and refused when
//! it is a missing file's worth.

mod common;

use std::path::{Path, PathBuf};

use barsmith_test_support::archives::write_zip;
use barsmith_test_support::command::TestCommand;
use common::{cmd, csv_of, day_config, error_line, parquet_metadata, write_daily_zip};

const TRADES_PER_DAY: u64 = 8_000;

/// Day 1 run with `--checkpoint-out` (thresholds 10 and 20); returns the checkpoint.
fn day1_checkpoint(dir: &Path, day1: &Path, extra: &[&str]) -> PathBuf {
    let checkpoint = dir.join("day1.json");
    let out = dir.join("out1");
    let run = cmd().args(["bars", "--threshold-dbps", "10,20"]).arg(day1).arg("-o").arg(&out).arg("-q");
    run.arg("--checkpoint-out").arg(&checkpoint).args(extra).assert_ok();
    checkpoint
}

/// `barsmith bars --threshold-dbps 10 INPUT`.
fn bars_10(input: &Path) -> TestCommand {
    cmd().args(["bars", "--threshold-dbps", "10"]).arg(input)
}

/// Generated trades for day 1, as a Binance daily zip.
fn day1(dir: &Path, symbol: &str) -> PathBuf {
    write_daily_zip(dir, symbol, 1, &day_config(5, 1, TRADES_PER_DAY))
}

#[test]
fn a_resumed_run_that_skips_a_day_is_refused_and_the_hole_is_counted_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = day1_checkpoint(dir.path(), &day1(dir.path(), "EEEUSDT"), &["--format", "parquet"]);
    // Day 2 forgotten: day 3 follows the day-1 state.
    let day3 = write_daily_zip(dir.path(), "EEEUSDT", 3, &day_config(5, 3, TRADES_PER_DAY));
    let out = dir.path().join("out3");
    let resume = |extra: &[&str]| {
        let run = cmd().args(["bars", "--threshold-dbps", "10,20"]).arg(&day3).arg("-o").arg(&out);
        run.args(["--format", "parquet", "-q", "--checkpoint-in"]).arg(&checkpoint).args(extra)
    };
    let line = error_line(&resume(&[]).assert_exit(2).output);
    for part in ["day1.json", "EEEUSDT-aggTrades-2026-01-03.zip", "8000 ids missing", "--allow-resume-gap"] {
        assert!(line.contains(part), "{part:?} in {line}");
    }
    assert!(!out.exists(), "no output on refusal");

    let messages = resume(&["--allow-resume-gap"]).assert_ok().stderr_text();
    assert!(
        messages.contains("warning: EEEUSDT: 1 agg_trade_id gap(s) between files (8000 ids missing)"),
        "{messages}"
    );
    for dbps in [10, 20] {
        let pairs = parquet_metadata(&out.join(format!("EEEUSDT-{dbps}dbps-2026-01-03.parquet")));
        assert_eq!(pairs["barsmith.id_gaps"], "1", "{pairs:?}");
        assert_eq!(pairs["barsmith.missing_ids"], "8000", "{pairs:?}");
    }
}

#[test]
fn a_small_hole_after_a_checkpoint_is_warned_about_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // One stream cut in two files, the second without its first 40 records: 40 ids over a few seconds.
    let text = csv_of(&day_config(5, 1, 2 * TRADES_PER_DAY));
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let cut = TRADES_PER_DAY as usize;
    let day1 = dir.path().join("EEEUSDT-aggTrades-2026-01-01.zip");
    write_zip(&day1, "EEEUSDT-aggTrades-2026-01-01.csv", &lines[..cut].concat());
    let day2 = dir.path().join("EEEUSDT-aggTrades-2026-01-02.zip");
    write_zip(&day2, "EEEUSDT-aggTrades-2026-01-02.csv", &lines[cut + 40..].concat());
    let checkpoint = day1_checkpoint(dir.path(), &day1, &["--format", "parquet"]);
    let out = dir.path().join("bars.parquet");
    let ran = bars_10(&day2).arg("-o").arg(&out).arg("-q").arg("--checkpoint-in").arg(&checkpoint).assert_ok();
    let messages = ran.stderr_text();
    let expected = "warning: EEEUSDT: 1 agg_trade_id gap(s) between files (40 ids missing); first after id 1007999 in ";
    assert!(messages.contains(expected), "{messages}");
    let pairs = parquet_metadata(&out);
    assert_eq!((pairs["barsmith.id_gaps"].as_str(), pairs["barsmith.missing_ids"].as_str()), ("1", "40"));

    // The same seconds with 2,000,000 ids missing (a checkpoint of another market, say) are refused.
    let shifted: Vec<u8> = lines[cut..]
        .iter()
        .flat_map(|line| {
            let text = std::str::from_utf8(line).unwrap();
            let (id, rest) = text.split_once(',').unwrap();
            format!("{},{rest}", id.parse::<i64>().unwrap() + 2_000_000).into_bytes()
        })
        .collect();
    write_zip(&day2, "EEEUSDT-aggTrades-2026-01-02.csv", &shifted);
    std::fs::remove_file(&out).unwrap();
    let ran = bars_10(&day2).arg("-o").arg(&out).arg("--checkpoint-in").arg(&checkpoint).assert_exit(2);
    let line = error_line(&ran.output);
    assert!(line.contains("2000000 ids missing over 0.0 h") && line.contains("--allow-resume-gap"), "{line}");
    assert!(!out.exists());
}

#[test]
fn a_checkpoint_that_holds_none_of_the_runs_streams_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = day1_checkpoint(dir.path(), &day1(dir.path(), "EEEUSDT"), &[]);
    // Day 2 renamed: its name no longer gives the symbol, so nothing of the checkpoint would resume.
    let day2 = dir.path().join("day2.csv");
    std::fs::write(&day2, csv_of(&day_config(5, 2, TRADES_PER_DAY))).unwrap();
    let out = dir.path().join("bars.csv");
    let run = |extra: &[&str]| {
        bars_10(&day2).arg("-o").arg(&out).arg("-q").arg("--checkpoint-in").arg(&checkpoint).args(extra)
    };
    let line = error_line(&run(&[]).assert_exit(2).output);
    for part in ["day1.json", "holds EEEUSDT at 10, 20 dbps", "input at 10 dbps", "nothing would resume", "EEEUSDT"] {
        assert!(line.contains(part), "{part:?} in {line}");
    }
    assert!(!out.exists());
    // Its symbol given, day 2 resumes.
    assert_eq!(run(&["--symbol", "EEEUSDT"]).assert_ok().stderr_text(), "");
}

#[test]
fn a_chain_that_changes_the_output_schema_or_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let day1 = day1(dir.path(), "EEEUSDT");
    let checkpoint = dir.path().join("day1.json");
    let day2 = write_daily_zip(dir.path(), "EEEUSDT", 2, &day_config(5, 2, TRADES_PER_DAY));
    let run = |input: &Path| bars_10(input).arg("-o").arg(&out).arg("-q");
    run(&day1).args(["--include-incomplete", "--format", "parquet", "--checkpoint-out"]).arg(&checkpoint).assert_ok();
    let resume = |extra: &[&str]| run(&day2).arg("--checkpoint-in").arg(&checkpoint).args(extra);
    for (extra, named) in [
        (vec!["--format", "parquet"], "--include-incomplete: checkpoint on, this run off"),
        (vec!["--include-incomplete"], "--format: checkpoint parquet, this run csv"),
        (vec!["--include-incomplete", "--format", "csv.zst"], "--format: checkpoint parquet, this run csv.zst"),
    ] {
        let line = error_line(&resume(&extra).assert_exit(2).output);
        assert!(line.contains(named) && line.contains("one dataset"), "{named:?} in {line}");
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "nothing written on refusal");
    resume(&["--include-incomplete", "--format", "parquet"]).assert_ok();
}
