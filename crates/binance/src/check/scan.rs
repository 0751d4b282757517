//! One file's records, read without the order check, turned into findings.

use std::path::Path;

use barsmith_core::TradeBatch;
use barsmith_ingest::IngestOptions;

use super::checksum::{CHECKSUM_SUFFIX, checksum_path, read_checksum_of, sha256_file};
use super::{CheckOptions, ChecksumStatus, FileReport, Findings, RecordAt, RecordPair};
use barsmith_ingest::Period;

use crate::calendar::Day;

/// The findings of one symbol, filled file by file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StreamFindings {
    /// Jumps in agg_trade_id (the next id is more than the previous + 1).
    pub id_gaps: Findings,
    /// A record with the same agg_trade_id as the one before it.
    pub repeats: Findings,
    /// A record with a lower agg_trade_id, or an earlier timestamp, than the one before it.
    pub out_of_order: Findings,
    /// Consecutive records further apart in time than the `max_gap`.
    pub time_gaps: Findings,
}

impl StreamFindings {
    /// Number of findings of every kind.
    pub fn count(&self) -> u64 {
        self.id_gaps.count + self.repeats.count + self.out_of_order.count + self.time_gaps.count
    }

    /// Appends `other`'s findings (those of a later file) after this one's.
    pub(crate) fn append(&mut self, other: StreamFindings, limit: usize) {
        self.id_gaps.append(other.id_gaps, limit);
        self.repeats.append(other.repeats, limit);
        self.out_of_order.append(other.out_of_order, limit);
        self.time_gaps.append(other.time_gaps, limit);
    }

    /// Classifies the step from `before` to `after` (consecutive records of the stream, each with its file).
    #[inline]
    pub(crate) fn step(&mut self, before: (&Path, Raw), after: (&Path, Raw), options: &CheckOptions) {
        let (id_step, time_step) =
            (after.1.agg_trade_id - before.1.agg_trade_id, after.1.timestamp_us - before.1.timestamp_us);
        if id_step == 1 && (0..=options.max_gap_us).contains(&time_step) {
            return;
        }
        let limit = options.max_listed;
        let pair = || RecordPair { before: before.1.at(before.0), after: after.1.at(after.0) };
        if id_step == 0 {
            self.repeats.push(pair(), limit);
        } else if id_step < 0 || time_step < 0 {
            self.out_of_order.push(pair(), limit);
        } else if id_step > 1 {
            self.id_gaps.push(pair(), limit);
        }
        if time_step > options.max_gap_us {
            self.time_gaps.push(pair(), limit);
        }
    }
}

/// A record's position and keys, before it is named in a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Raw {
    pub(crate) line: u64,
    pub(crate) agg_trade_id: i64,
    pub(crate) timestamp_us: i64,
}

impl Raw {
    pub(crate) fn at(self, path: &Path) -> RecordAt {
        RecordAt {
            path: path.to_path_buf(),
            line: self.line,
            agg_trade_id: self.agg_trade_id,
            timestamp_us: self.timestamp_us,
        }
    }
}

/// What one file holds: its report, its own findings, and its first and last records for the boundaries.
#[derive(Debug)]
pub(crate) struct FileScan {
    pub(crate) report: FileReport,
    pub(crate) findings: StreamFindings,
    pub(crate) first: Option<Raw>,
    pub(crate) last: Option<Raw>,
}

/// Reads one file (any format the ingest reader takes) and hashes it against its `.CHECKSUM`.
pub(crate) fn scan_file(path: &Path, period: Option<Period>, options: &CheckOptions) -> FileScan {
    let mut scan = FileScan {
        report: FileReport {
            path: path.to_path_buf(),
            period: period.map(|p| p.to_string()),
            records: 0,
            records_outside_period: 0,
            first_outside_period: None,
            checksum: ChecksumStatus::Absent,
            error: None,
        },
        findings: StreamFindings::default(),
        first: None,
        last: None,
    };
    if options.verify_checksums {
        scan.report.checksum = checksum_status(path);
    }
    if let Err(error) = read_records(path, period, options, &mut scan) {
        scan.report.error = Some(error.to_string());
    }
    scan
}

fn read_records(
    path: &Path,
    period: Option<Period>,
    options: &CheckOptions,
    scan: &mut FileScan,
) -> Result<(), barsmith_ingest::Error> {
    let ingest = IngestOptions { check_order: false, sort: false, dedupe: false, ..options.ingest.clone() };
    let mut reader = barsmith_ingest::open(path, &ingest)?;
    let header_lines = u64::from(reader.format().layout.has_header());
    let days = period.and_then(|p| Some((Day::first_of(p)?.days_since_epoch(), Day::last_of(p)?.days_since_epoch())));
    let mut batch = TradeBatch::new();
    let mut previous: Option<Raw> = None;
    let mut line = header_lines;
    while reader.next_batch(&mut batch)? {
        for (&agg_trade_id, &timestamp_us) in batch.agg_trade_id.iter().zip(&batch.timestamp_us) {
            line += 1;
            let record = Raw { line, agg_trade_id, timestamp_us };
            if let Some((first_day, last_day)) = days {
                let day = timestamp_us.div_euclid(86_400_000_000);
                if day < first_day || day > last_day {
                    scan.report.records_outside_period += 1;
                    scan.report.first_outside_period.get_or_insert_with(|| record.at(path));
                }
            }
            match previous {
                Some(before) => scan.findings.step((path, before), (path, record), options),
                None => scan.first = Some(record),
            }
            previous = Some(record);
        }
        scan.report.records += batch.len() as u64;
    }
    scan.last = previous;
    Ok(())
}

/// Hashes `path` against `path.CHECKSUM` when that file exists.
fn checksum_status(path: &Path) -> ChecksumStatus {
    if !checksum_path(path).exists() {
        return ChecksumStatus::Absent;
    }
    let line = match read_checksum_of(path) {
        Ok(line) => line,
        Err(reason) => return ChecksumStatus::Invalid { reason },
    };
    match sha256_file(path) {
        Ok(actual) if actual == line.sha256 => ChecksumStatus::Verified,
        Ok(actual) => ChecksumStatus::Mismatch { expected: line.sha256, actual },
        Err(e) => ChecksumStatus::Invalid { reason: format!("hashing {}: {e}", path.display()) },
    }
}

/// Whether `path` is a checksum file rather than data.
pub(crate) fn is_checksum_file(path: &Path) -> bool {
    path.to_string_lossy().ends_with(CHECKSUM_SUFFIX)
}

/// The days of `period`, as day numbers.
pub(crate) fn period_days(period: Period) -> impl Iterator<Item = Day> {
    let (first, last) = (Day::first_of(period), Day::last_of(period));
    first.zip(last).into_iter().flat_map(|(first, last)| first.through(last))
}
