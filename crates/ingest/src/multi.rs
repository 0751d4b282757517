//! [`MultiFileReader`]: several files read as one stream, in the order given.

use std::path::{Path, PathBuf};

use barsmith_core::TradeBatch;

use crate::error::{Error, ErrorKind};
use crate::open::open;
use crate::reader::{DetectedFormat, TradeReader};
use crate::{IngestOptions, STDIN_PATH};

/// A jump in agg_trade_id between the last record of one file and the first of the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdGap {
    /// The earlier file.
    pub before_path: PathBuf,
    /// Its last agg_trade_id.
    pub before_id: i64,
    /// The later file.
    pub after_path: PathBuf,
    /// Its first agg_trade_id.
    pub after_id: i64,
}

impl IdGap {
    /// How many ids are missing between the two records.
    pub fn missing_ids(&self) -> u64 {
        (self.after_id - self.before_id - 1).max(0) as u64
    }
}

/// The agg_trade_id gaps seen at file boundaries: data to report, not errors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdGaps {
    /// Boundaries where the next file does not start at the previous file's last id + 1.
    pub count: u64,
    /// Ids missing over all those boundaries.
    pub missing_ids: u64,
    /// The first such boundary.
    pub first: Option<IdGap>,
}

/// Reads files one after another as one stream of batches.
///
/// The order check runs across boundaries (the first record of a file must follow the last record of the
/// previous one, and `dedupe` drops an exact repeat there too), so range bars continue through them.
/// Files are opened when reached; they are checked to exist up front.
#[derive(Debug)]
pub struct MultiFileReader {
    paths: Vec<PathBuf>,
    options: IngestOptions,
    next: usize,
    current: Option<TradeReader>,
    /// The last record of the previous file, with that file's path, waiting for the next file's first.
    boundary: Option<(PathBuf, i64)>,
    previous: Option<crate::order::LastRecord>,
    gaps: IdGaps,
    finished_bytes: u64,
    total_bytes: Option<u64>,
    /// Records read from finished files, and trades handed out, for [`MultiFileReader::dropped_duplicates`].
    finished_records: u64,
    trades_out: u64,
}

impl MultiFileReader {
    /// Prepares to read `paths` in order (`-` for standard input). Fails when a file does not exist.
    pub fn new(paths: &[PathBuf], options: &IngestOptions) -> Result<MultiFileReader, Error> {
        let mut total_bytes = Some(0u64);
        for path in paths {
            if path == Path::new(STDIN_PATH) {
                total_bytes = None;
                continue;
            }
            let metadata = std::fs::metadata(path).map_err(|error| Error::io(&error, path))?;
            total_bytes = total_bytes.map(|total| total + metadata.len());
        }
        if paths.is_empty() {
            let reason = "no input file".to_owned();
            return Err(Error::new(ErrorKind::Unsupported { reason }, Path::new("")));
        }
        Ok(MultiFileReader {
            paths: paths.to_vec(),
            options: options.clone(),
            next: 0,
            current: None,
            boundary: None,
            previous: None,
            gaps: IdGaps::default(),
            finished_bytes: 0,
            total_bytes,
            finished_records: 0,
            trades_out: 0,
        })
    }

    /// Clears `batch` and fills it with the next trades; `Ok(false)` when every file is done.
    /// A batch never mixes two files.
    pub fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Error> {
        loop {
            let reader = match &mut self.current {
                Some(reader) => reader,
                None => {
                    let Some(path) = self.paths.get(self.next) else {
                        batch.clear();
                        return Ok(false);
                    };
                    self.next += 1;
                    let mut reader = open(path, &self.options)?;
                    reader.continue_after(self.previous.take());
                    self.current.insert(reader)
                }
            };
            if reader.next_batch(batch)? {
                if let Some((before_path, before_id)) = self.boundary.take() {
                    let after_id = batch.agg_trade_id[0];
                    if after_id != before_id + 1 {
                        let gap = IdGap { before_path, before_id, after_path: reader.path().to_path_buf(), after_id };
                        self.gaps.count += 1;
                        self.gaps.missing_ids += gap.missing_ids();
                        self.gaps.first.get_or_insert(gap);
                    }
                }
                self.trades_out += batch.len() as u64;
                return Ok(true);
            }
            self.finished_bytes += reader.total_bytes().unwrap_or_else(|| reader.bytes_read());
            self.finished_records += reader.records_read();
            if let Some(last) = reader.last_record() {
                let mut last = last.clone();
                last.path = Some(last.path.unwrap_or_else(|| reader.path().to_path_buf()));
                self.boundary = Some((last.path.clone().expect("set above"), last.trade.agg_trade_id));
                self.previous = Some(last);
            }
            self.current = None;
        }
    }

    /// The agg_trade_id gaps seen at the file boundaries crossed so far.
    pub fn gaps(&self) -> &IdGaps {
        &self.gaps
    }

    /// Exact duplicate records dropped so far (under `dedupe`; always 0 without it).
    pub fn dropped_duplicates(&self) -> u64 {
        let records = self.finished_records + self.current.as_ref().map_or(0, TradeReader::records_read);
        records.saturating_sub(self.trades_out)
    }

    /// The file being read, if any.
    pub fn current_path(&self) -> Option<&Path> {
        self.current.as_ref().map(TradeReader::path)
    }

    /// The format of the file being read, if any.
    pub fn current_format(&self) -> Option<&DetectedFormat> {
        self.current.as_ref().map(TradeReader::format)
    }

    /// Bytes consumed over all files so far, for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.finished_bytes + self.current.as_ref().map_or(0, TradeReader::bytes_read)
    }

    /// The summed size of all files, when none is standard input.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }
}
