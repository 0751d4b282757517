//! Where a one-pass run reads its trades: files ([`Files`]) or the caller's batches ([`Closure`]).

use barsmith_core::{TradeBatch, TradeColumns};
use barsmith_ingest::{IdGaps, MultiFileReader};

use crate::error::Error;

/// Trades read in one pass: files, or the caller's batches.
pub(super) trait Source {
    type Error: From<Error>;
    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Self::Error>;
    /// The batch just read as columns: `batch`'s own, or partly the source's (see [`TradeSource`]).
    fn columns<'s>(&'s self, batch: &'s TradeBatch) -> TradeColumns<'s> {
        batch.columns()
    }
    fn bytes_read(&self) -> u64;
    /// Where the reader is, for messages: the current file.
    fn place(&self) -> String;
    /// The id gaps between files and the duplicates dropped.
    fn findings(&self) -> (IdGaps, u64);
}

pub(super) struct Files {
    pub(super) reader: MultiFileReader,
}

impl Source for Files {
    type Error = Error;

    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Error> {
        Ok(self.reader.next_batch(batch)?)
    }

    fn bytes_read(&self) -> u64 {
        self.reader.bytes_read()
    }

    fn place(&self) -> String {
        self.reader.current_path().map(|p| p.display().to_string()).unwrap_or_default()
    }

    fn findings(&self) -> (IdGaps, u64) {
        (self.reader.gaps().clone(), self.reader.dropped_duplicates())
    }
}

pub(super) struct Closure<F> {
    pub(super) next: F,
    pub(super) label: &'static str,
}

impl<F: FnMut(&mut TradeBatch) -> Result<bool, E>, E: From<Error>> Source for Closure<F> {
    type Error = E;

    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, E> {
        (self.next)(batch)
    }

    fn bytes_read(&self) -> u64 {
        0
    }

    fn place(&self) -> String {
        self.label.to_string()
    }

    fn findings(&self) -> (IdGaps, u64) {
        (IdGaps::default(), 0)
    }
}

/// The caller's trades for [`crate::Job::run_source`]: each batch is converted into a reused [`TradeBatch`]
/// and may lend columns the caller already holds (an Arrow array's buffer) instead of copying them.
pub trait TradeSource {
    /// The caller's error (a library error converts into it).
    type Error: From<Error>;
    /// Fills `batch` with the next trades (the columns [`columns`](Self::columns) lends may be left empty);
    /// `Ok(false)` at the end.
    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Self::Error>;
    /// The batch just filled as columns: by default `batch`'s own.
    fn columns<'s>(&'s self, batch: &'s TradeBatch) -> TradeColumns<'s> {
        batch.columns()
    }
}

/// A [`TradeSource`] as a one-pass run's source.
pub(super) struct Lent<S> {
    pub(super) source: S,
    pub(super) label: &'static str,
}

impl<S: TradeSource> Source for Lent<S> {
    type Error = S::Error;

    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, S::Error> {
        self.source.next_batch(batch)
    }

    fn columns<'s>(&'s self, batch: &'s TradeBatch) -> TradeColumns<'s> {
        self.source.columns(batch)
    }

    fn bytes_read(&self) -> u64 {
        0
    }

    fn place(&self) -> String {
        self.label.to_string()
    }

    fn findings(&self) -> (IdGaps, u64) {
        (IdGaps::default(), 0)
    }
}
