//! The record history the windows are cut from: a bounded, append-only run of records.
//!
//! Records are addressed by their *position*, the number of records before them since the stream
//! started. The history keeps the positions `[first, end)`; the pipeline discards everything before
//! the current bar's lookback start at each bar open, so memory stays O(lookback + current bar).

use crate::features::window::WindowRecords;
use crate::trades::TradeBatch;

/// Fewest dead records before the columns are physically shifted.
const COMPACT_MIN: usize = 4096;

/// The held records as parallel columns; `head` records at the front are already discarded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RecordHistory {
    first_position: u64,
    head: usize,
    price: Vec<i64>,
    quantity: Vec<i64>,
    time_us: Vec<i64>,
    is_buy: Vec<bool>,
}

/// The serialised form of a [`RecordHistory`] (live records only).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct HistoryState {
    first_position: u64,
    price: Vec<i64>,
    quantity: Vec<i64>,
    time_us: Vec<i64>,
    is_buy: Vec<bool>,
}

impl RecordHistory {
    /// An empty history whose next record has position `position`.
    pub(crate) fn starting_at(position: u64) -> RecordHistory {
        RecordHistory { first_position: position, ..RecordHistory::default() }
    }

    /// Position of the oldest held record.
    pub(crate) fn first_position(&self) -> u64 {
        self.first_position
    }

    /// Position the next appended record will get.
    pub(crate) fn end_position(&self) -> u64 {
        self.first_position + (self.price.len() - self.head) as u64
    }

    /// Adds `by` to every position (see `FeaturePipeline::offset_positions`).
    pub(crate) fn offset_positions(&mut self, by: u64) {
        self.first_position += by;
    }

    /// Appends records `start..end` of `batch`.
    pub(crate) fn append(&mut self, batch: &TradeBatch, start: usize, end: usize) {
        if start >= end {
            return;
        }
        self.price.extend_from_slice(&batch.price[start..end]);
        self.quantity.extend_from_slice(&batch.quantity[start..end]);
        self.time_us.extend_from_slice(&batch.timestamp_us[start..end]);
        self.is_buy.extend(batch.is_buyer_maker[start..end].iter().map(|&maker| !maker));
    }

    /// Forgets every record before `position` (clamped to the held range).
    pub(crate) fn discard_before(&mut self, position: u64) {
        let position = position.clamp(self.first_position, self.end_position());
        self.head += (position - self.first_position) as usize;
        self.first_position = position;
        if self.head >= COMPACT_MIN && self.head * 2 >= self.price.len() {
            let head = std::mem::take(&mut self.head);
            self.price.drain(..head);
            self.quantity.drain(..head);
            self.time_us.drain(..head);
            self.is_buy.drain(..head);
        }
    }

    fn index(&self, position: u64) -> usize {
        debug_assert!(position >= self.first_position && position <= self.end_position());
        self.head + (position - self.first_position) as usize
    }

    /// The records at positions `[from, to)`; both must lie in the held range.
    pub(crate) fn records(&self, from: u64, to: u64) -> WindowRecords<'_> {
        let (a, b) = (self.index(from), self.index(to));
        WindowRecords {
            price: &self.price[a..b],
            quantity: &self.quantity[a..b],
            time_us: &self.time_us[a..b],
            is_buy: &self.is_buy[a..b],
        }
    }

    /// The first position in `[from, to)` whose timestamp is at least `min_time_us` (`to` if none).
    pub(crate) fn first_at_or_after(&self, from: u64, to: u64, min_time_us: i64) -> u64 {
        let (a, b) = (self.index(from), self.index(to));
        from + self.time_us[a..b].partition_point(|&t| t < min_time_us) as u64
    }

    /// The live records as a serialisable state.
    pub(crate) fn state(&self) -> HistoryState {
        HistoryState {
            first_position: self.first_position,
            price: self.price[self.head..].to_vec(),
            quantity: self.quantity[self.head..].to_vec(),
            time_us: self.time_us[self.head..].to_vec(),
            is_buy: self.is_buy[self.head..].to_vec(),
        }
    }

    /// Restores a history; `None` when the columns have different lengths.
    pub(crate) fn from_state(state: &HistoryState) -> Option<RecordHistory> {
        let n = state.price.len();
        let consistent = [state.quantity.len(), state.time_us.len(), state.is_buy.len()].iter().all(|&len| len == n);
        consistent.then(|| RecordHistory {
            first_position: state.first_position,
            head: 0,
            price: state.price.clone(),
            quantity: state.quantity.clone(),
            time_us: state.time_us.clone(),
            is_buy: state.is_buy.clone(),
        })
    }
}
