//! Helpers shared by the CLI tests: running the binary, and the January 2026 days they read (generated and
//! zipped by `barsmith-test-support`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use barsmith::generate::{GenConfig, GenFormat, write_trades};
use barsmith_test_support::archives::write_zip;
use barsmith_test_support::command::TestCommand;

/// The `barsmith` binary. `BARSMITH_BACKEND` passes through: `.ci/run` runs these tests once per backend the
/// machine has, each forced as the automatic choice, so that every machine's view is tested on one.
pub fn command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_barsmith"))
}

/// `barsmith` as a command under test (`cmd().args([...]).assert_ok()`).
pub fn cmd() -> TestCommand {
    TestCommand::new(env!("CARGO_BIN_EXE_barsmith"))
}

/// Runs `barsmith ARGS` to completion.
pub fn barsmith(args: &[&str]) -> Output {
    command().args(args).output().expect("run barsmith")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The lines of stderr that are errors: each error is said once, on one line.
pub fn error_line(output: &Output) -> String {
    let text = stderr(output);
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "one error line expected: {text}");
    assert_eq!(text.lines().count(), 1, "nothing but the error: {text}");
    lines[0].to_string()
}

/// The committed bars of the fixture at 10 dbps, written with `--backend scalar` (the golden every machine
/// reproduces byte for byte with `--backend scalar`).
pub fn golden_bars() -> Vec<u8> {
    std::fs::read(workspace_file("fixtures/cli/SYNTHUSDT-10dbps.csv")).unwrap()
}

/// Asserts that `actual` (CSV bars of the fixture at 10 dbps, from any backend) holds the golden's bars: exact
/// columns identical, float features within the documented cross-backend bound.
pub fn assert_golden_bars(actual: &[u8], what: &str) {
    barsmith_test_support::bar_tables::assert_same_bars(actual, &golden_bars(), what);
}

pub fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

/// The bundled fixture.
pub fn fixture() -> PathBuf {
    workspace_file("fixtures/SYNTHUSDT-aggTrades-2026-01-01.csv")
}

pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Generated trades for day `day` (1-based) of January 2026, continuing the previous day's ids and times.
pub fn day_config(seed: u64, day: u32, trades_per_day: u64) -> GenConfig {
    let day_index = u64::from(day - 1);
    let day_start_us = 1_767_225_600_000_000 + day_index as i64 * 86_400_000_000;
    barsmith_test_support::archives::day_config(seed, day_start_us, day_index, 1_000_000, trades_per_day)
}

/// Generated trades as CSV text.
pub fn csv_of(config: &GenConfig) -> Vec<u8> {
    let mut csv = Vec::new();
    write_trades(&mut csv, config, GenFormat::Spot).unwrap();
    csv
}

/// Writes `trades` generated records as a Binance daily zip archive holding one CSV.
pub fn write_daily_zip(dir: &Path, symbol: &str, day: u32, config: &GenConfig) -> PathBuf {
    let stem = format!("{symbol}-aggTrades-2026-01-{day:02}");
    let path = dir.join(format!("{stem}.zip"));
    write_zip(&path, &format!("{stem}.csv"), &csv_of(config));
    path
}

/// Daily archives for `symbols`, each day continuing the previous one's ids, prices and times.
pub fn write_month(dir: &Path, symbols: &[&str], days: u32, trades_per_day: u64) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (index, symbol) in symbols.iter().enumerate() {
        for day in 1..=days {
            let config = day_config(100 * index as u64 + u64::from(day), day, trades_per_day);
            files.push(write_daily_zip(dir, symbol, day, &config));
        }
    }
    files
}

/// Every file under `dir` (recursively), relative names.
pub fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && !path.is_symlink() {
                stack.push(path.clone());
            }
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    found.sort();
    found
}

/// The key-value metadata of a Parquet file.
pub fn parquet_metadata(path: &Path) -> std::collections::HashMap<String, String> {
    let reader = parquet::file::reader::SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let metadata = parquet::file::reader::FileReader::metadata(&reader).file_metadata().clone();
    let pairs = metadata.key_value_metadata().unwrap().iter();
    pairs.map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default())).collect()
}
