//! Where a one-pass run reads its trades: files ([`Files`]) or the caller's batches ([`Closure`]).

use barsmith_core::TradeBatch;
use barsmith_ingest::{IdGaps, MultiFileReader};

use crate::error::Error;

/// Trades read in one pass: files, or the caller's batches.
pub(super) trait Source {
    type Error: From<Error>;
    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Self::Error>;
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
