//! Completeness and integrity of aggTrades files, per symbol, without building bars (`barsmith check`;
//! re-exported as `barsmith::check`).
//!
//! [`check`] reads every file with the ingest reader (order check off, so that order problems become
//! findings instead of errors) and reports, per symbol:
//!
//! * the days the file names cover and the days missing in that range;
//! * files covering the same day twice (a monthly and a daily archive, or one day in two formats);
//! * agg_trade_id gaps and repeats, within files and across their boundaries, with the records on both sides;
//! * out-of-order records (a lower agg_trade_id or an earlier timestamp than the record before);
//! * time gaps longer than [`CheckOptions::max_gap_us`];
//! * records whose timestamp is outside the day or month the file name says;
//! * the SHA-256 of every file that has a `.CHECKSUM` beside it.
//!
//! A file that cannot be read at all (a corrupt archive, a malformed record) is reported with its error;
//! [`CheckReport::unreadable`] counts them.

pub mod checksum;
mod scan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use scan::StreamFindings;

use barsmith_ingest::IngestOptions;
use barsmith_ingest::inputs::{Period, expand_inputs, parse_binance_name};

use crate::calendar::Day;
use crate::error::{Error, ErrorKind};
use scan::{FileScan, Raw, is_checksum_file, period_days, scan_file};

/// How to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Consecutive records further apart than this (µs) are a time gap (default one hour).
    pub max_gap_us: i64,
    /// Hash files that have a `.CHECKSUM` beside them (default on).
    pub verify_checksums: bool,
    /// Findings listed per kind and symbol; all are counted (default 20).
    pub max_listed: usize,
    /// Reader settings (the order check, sorting and dedupe are always off here).
    pub ingest: IngestOptions,
    /// Files checked at once (default: rayon's pool).
    pub threads: Option<usize>,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            max_gap_us: 3_600_000_000,
            verify_checksums: true,
            max_listed: 20,
            ingest: IngestOptions::default(),
            threads: None,
        }
    }
}

/// A record named in a finding.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecordAt {
    /// Its file.
    pub path: PathBuf,
    /// 1-based line in the (decompressed) file.
    pub line: u64,
    /// Its agg_trade_id.
    pub agg_trade_id: i64,
    /// Its timestamp in µs since the epoch.
    pub timestamp_us: i64,
}

/// Two consecutive records with something wrong between them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecordPair {
    /// The earlier record.
    pub before: RecordAt,
    /// The record after it.
    pub after: RecordAt,
}

impl RecordPair {
    /// agg_trade_ids missing between the two (0 unless the id jumps forward).
    pub fn missing_ids(&self) -> u64 {
        (self.after.agg_trade_id - self.before.agg_trade_id - 1).max(0) as u64
    }

    /// Time from one to the other in µs (negative when the later record is earlier).
    pub fn gap_us(&self) -> i64 {
        self.after.timestamp_us - self.before.timestamp_us
    }
}

/// All findings of one kind: how many, and the first few.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Findings {
    /// How many there are.
    pub count: u64,
    /// The first [`CheckOptions::max_listed`] of them, in stream order.
    pub listed: Vec<RecordPair>,
}

impl Findings {
    pub(crate) fn push(&mut self, pair: RecordPair, limit: usize) {
        self.count += 1;
        if self.listed.len() < limit {
            self.listed.push(pair);
        }
    }

    pub(crate) fn append(&mut self, other: Findings, limit: usize) {
        self.count += other.count;
        let room = limit.saturating_sub(self.listed.len());
        self.listed.extend(other.listed.into_iter().take(room));
    }
}

/// The checksum of a file against the `.CHECKSUM` beside it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChecksumStatus {
    /// The file's SHA-256 matches.
    Verified,
    /// It does not.
    Mismatch {
        /// What the `.CHECKSUM` says.
        expected: String,
        /// What the file hashes to.
        actual: String,
    },
    /// No `.CHECKSUM` beside the file (or checksums were not checked).
    Absent,
    /// The `.CHECKSUM` is unreadable, malformed, or names another file.
    Invalid {
        /// Why.
        reason: String,
    },
}

/// One file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// The month or day its name says (`YYYY-MM[-DD]`).
    pub period: Option<String>,
    /// Records read.
    pub records: u64,
    /// Records whose UTC day is outside that period.
    pub records_outside_period: u64,
    /// The first of them.
    pub first_outside_period: Option<RecordAt>,
    /// Checksum status.
    pub checksum: ChecksumStatus,
    /// Why the file could not be read to the end (the records before the error are counted).
    pub error: Option<String>,
}

/// One symbol.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SymbolReport {
    /// The symbol, from the file names.
    pub symbol: String,
    /// Its files, in date order.
    pub files: Vec<FileReport>,
    /// First day covered by the file names.
    pub first_day: Option<Day>,
    /// Last day covered by the file names.
    pub last_day: Option<Day>,
    /// Days in that range that no file covers.
    pub missing_days: Vec<Day>,
    /// Pairs of files that cover the same day.
    pub overlapping_files: Vec<(PathBuf, PathBuf)>,
    /// Records read over all files.
    pub records: u64,
    /// Timestamp of the first record (µs).
    pub first_timestamp_us: Option<i64>,
    /// Timestamp of the last record (µs).
    pub last_timestamp_us: Option<i64>,
    /// Gaps, repeats, order and time findings over the whole stream.
    pub findings: StreamFindings,
}

impl SymbolReport {
    /// Files that could not be read to the end.
    pub fn unreadable(&self) -> usize {
        self.files.iter().filter(|f| f.error.is_some()).count()
    }

    /// Everything reported: missing days, overlaps, stream findings, records outside their period,
    /// checksum mismatches and bad checksum files (unreadable files are counted by [`SymbolReport::unreadable`]).
    pub fn finding_count(&self) -> u64 {
        let checksums = self
            .files
            .iter()
            .filter(|f| matches!(f.checksum, ChecksumStatus::Mismatch { .. } | ChecksumStatus::Invalid { .. }));
        let outside = self.files.iter().filter(|f| f.records_outside_period > 0);
        self.missing_days.len() as u64
            + self.overlapping_files.len() as u64
            + self.findings.count()
            + checksums.count() as u64
            + outside.count() as u64
    }
}

/// The report of [`check`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CheckReport {
    /// Per symbol, sorted by symbol.
    pub symbols: Vec<SymbolReport>,
    /// The longest gap allowed, µs.
    pub max_gap_us: i64,
    /// Unfinished downloads of `barsmith fetch` (`NAME.zip.part`) found in the directories checked: each is a
    /// finding (the day it would hold is missing until the same fetch runs again and resumes it).
    pub unfinished_downloads: Vec<PathBuf>,
}

impl CheckReport {
    /// Files that could not be read.
    pub fn unreadable(&self) -> usize {
        self.symbols.iter().map(SymbolReport::unreadable).sum()
    }

    /// Findings over all symbols, and the unfinished downloads.
    pub fn finding_count(&self) -> u64 {
        self.symbols.iter().map(SymbolReport::finding_count).sum::<u64>() + self.unfinished_downloads.len() as u64
    }

    /// No finding and no unreadable file.
    pub fn is_clean(&self) -> bool {
        self.unreadable() == 0 && self.finding_count() == 0
    }
}

/// Checks the aggTrades files among `inputs`: files, and directories searched recursively for Binance names
/// (`.CHECKSUM` and `.part` files are not data). Every file needs a Binance name
/// (`SYMBOL-aggTrades-YYYY-MM[-DD].zip|csv|csv.zst`).
///
/// `Err` for unusable inputs (no such file, a name that gives no symbol); unreadable contents are in the report.
pub fn check(inputs: &[PathBuf], options: &CheckOptions) -> Result<CheckReport, Error> {
    let mut files = Vec::new();
    let mut unfinished_downloads = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let before = (files.len(), unfinished_downloads.len());
            collect_archives(input, &mut files, &mut unfinished_downloads)?;
            if (files.len(), unfinished_downloads.len()) == before {
                return Err(Error::new(ErrorKind::NoArchives { dir: input.clone() }));
            }
        } else {
            files
                .extend(expand_inputs(std::slice::from_ref(input))?.files.into_iter().filter(|p| !is_checksum_file(p)));
        }
    }
    let mut by_symbol: BTreeMap<String, Vec<(Period, PathBuf)>> = BTreeMap::new();
    for file in files {
        let Some(name) = parse_binance_name(&file) else {
            return Err(Error::new(ErrorKind::NotBinanceName { path: file }));
        };
        by_symbol.entry(name.symbol).or_default().push((name.period, file));
    }
    let scan_all = || -> Vec<SymbolReport> {
        by_symbol.into_iter().map(|(symbol, files)| check_symbol(symbol, files, options)).collect()
    };
    let symbols = match options.threads {
        None => scan_all(),
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|e| Error::new(ErrorKind::ThreadPool { message: e.to_string() }))?
            .install(scan_all),
    };
    Ok(CheckReport { symbols, max_gap_us: options.max_gap_us, unfinished_downloads })
}

fn check_symbol(symbol: String, mut files: Vec<(Period, PathBuf)>, options: &CheckOptions) -> SymbolReport {
    files.sort_by_key(|(period, path)| (Day::first_of(*period), Day::last_of(*period), path.clone()));
    let scans: Vec<FileScan> = files.par_iter().map(|(period, path)| scan_file(path, Some(*period), options)).collect();
    let Coverage { first: first_day, last: last_day, missing: missing_days, overlapping: overlapping_files } =
        coverage(&files);
    let mut report = SymbolReport {
        symbol,
        files: Vec::with_capacity(scans.len()),
        first_day,
        last_day,
        missing_days,
        overlapping_files,
        records: 0,
        first_timestamp_us: None,
        last_timestamp_us: None,
        findings: StreamFindings::default(),
    };
    let mut previous: Option<(PathBuf, Raw)> = None;
    for scan in scans {
        let path = scan.report.path.clone();
        if let (Some((before_path, before)), Some(first)) = (&previous, scan.first) {
            report.findings.step((before_path, *before), (&path, first), options);
        }
        report.findings.append(scan.findings, options.max_listed);
        report.records += scan.report.records;
        report.first_timestamp_us = report.first_timestamp_us.or(scan.first.map(|r| r.timestamp_us));
        report.last_timestamp_us = scan.last.map(|r| r.timestamp_us).or(report.last_timestamp_us);
        // After an unreadable file the stream continues from nothing: its end is unknown.
        previous = if scan.report.error.is_some() { None } else { scan.last.map(|last| (path, last)) };
        report.files.push(scan.report);
    }
    report
}

/// Binance-named files under `dir`, recursively.
fn collect_archives(dir: &Path, out: &mut Vec<PathBuf>, unfinished: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(ErrorKind::UnreadableDirectory { dir: dir.to_path_buf(), message: e.to_string() }))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_archives(&path, out, unfinished)?;
        } else if path.is_file() && parse_binance_name(&path).is_some() {
            out.push(path);
        } else if path.is_file() && path.to_string_lossy().to_ascii_lowercase().ends_with(".part") {
            unfinished.push(path);
        }
    }
    Ok(())
}

/// What the file names cover.
#[derive(Debug, PartialEq, Eq)]
struct Coverage {
    first: Option<Day>,
    last: Option<Day>,
    missing: Vec<Day>,
    overlapping: Vec<(PathBuf, PathBuf)>,
}

/// The covered range, the missing days in it, and the files that overlap (by name).
fn coverage(files: &[(Period, PathBuf)]) -> Coverage {
    let mut covered: BTreeMap<Day, &Path> = BTreeMap::new();
    let mut overlapping = Vec::new();
    for (period, path) in files {
        let mut overlaps_with = None;
        for day in period_days(*period) {
            if let Some(other) = covered.insert(day, path) {
                overlaps_with.get_or_insert(other);
            }
        }
        if let Some(other) = overlaps_with {
            overlapping.push((other.to_path_buf(), path.clone()));
        }
    }
    let first = covered.keys().next().copied();
    let last = covered.keys().next_back().copied();
    let missing = match (first, last) {
        (Some(first), Some(last)) => first.through(last).filter(|day| !covered.contains_key(day)).collect(),
        _ => Vec::new(),
    };
    Coverage { first, last, missing, overlapping }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_finds_missing_days_and_overlaps() {
        let files = vec![
            (Period::Month(2024, 1), PathBuf::from("m")),
            (Period::Day(2024, 1, 31), PathBuf::from("d31")),
            (Period::Day(2024, 2, 3), PathBuf::from("d3")),
        ];
        let Coverage { first, last, missing, overlapping } = coverage(&files);
        assert_eq!(first, Day::new(2024, 1, 1));
        assert_eq!(last, Day::new(2024, 2, 3));
        assert_eq!(missing, [Day::new(2024, 2, 1).unwrap(), Day::new(2024, 2, 2).unwrap()]);
        assert_eq!(overlapping, [(PathBuf::from("m"), PathBuf::from("d31"))]);
    }
}
