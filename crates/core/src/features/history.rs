//! The record history the windows are cut from: one bounded, append-only run of records per symbol,
//! shared by every threshold built from the stream.
//!
//! Records are addressed by their *position*, the number of records before them since the stream
//! started. The history keeps the positions `[first, end)` and only what the window features read:
//! the raw price and quantity (`i64` each) and one `u32` holding the side (bit 31) and the time gap to
//! the previous record in µs (bits 0–30). A gap that does not fit 31 bits (≥ 35.8 minutes, or
//! negative) is stored exactly in a side list, so every time is exact: 20 bytes per held record.
//! Each group of [`GROUP`] records also keeps the absolute time of its first record, which makes a
//! time lookup cost at most `GROUP` additions.
//!
//! Records are stored in chunks of [`CHUNK`] records; a chunk is freed as soon as every record in
//! it is discarded, so memory follows the held span (no compaction copies, no doubling slack).

use std::collections::VecDeque;

use crate::features::window::WindowRecords;

/// Records per chunk.
const CHUNK: usize = 1 << 16;
/// Records per time anchor.
const GROUP: usize = 256;
/// The side bit of a packed record (set for a buy).
const BUY: u32 = 1 << 31;
/// The gap bits of a packed record.
const GAP: u32 = BUY - 1;
/// Gap value meaning "look the gap up in the long-gap list".
const LONG_GAP: u32 = GAP;

/// A fixed-capacity block of consecutive records.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Chunk {
    price: Vec<i64>,
    quantity: Vec<i64>,
    /// Side bit and gap to the previous record.
    packed: Vec<u32>,
    /// Absolute time of records `0, GROUP, 2·GROUP, …` of the chunk.
    anchors: Vec<i64>,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            price: Vec::with_capacity(CHUNK),
            quantity: Vec::with_capacity(CHUNK),
            packed: Vec::with_capacity(CHUNK),
            anchors: Vec::with_capacity(CHUNK / GROUP),
        }
    }

    fn len(&self) -> usize {
        self.price.len()
    }
}

/// The held records (see the module documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RecordHistory {
    /// Position of the first record of `chunks[0]`.
    base: u64,
    /// Position of the oldest held record.
    first: u64,
    /// Position the next appended record will get.
    end: u64,
    chunks: VecDeque<Chunk>,
    /// `(position, gap)` of the records whose gap does not fit 31 bits, ascending.
    long_gaps: VecDeque<(u64, i64)>,
    /// Time of the newest appended record.
    last_time: Option<i64>,
    /// Time of the newest discarded record, if it was ever held.
    last_discarded_time: Option<i64>,
}

/// The serialised form of a [`RecordHistory`] (live records only, times absolute).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct HistoryState {
    pub(crate) first_position: u64,
    pub(crate) price: Vec<i64>,
    pub(crate) quantity: Vec<i64>,
    pub(crate) time_us: Vec<i64>,
    pub(crate) is_buy: Vec<bool>,
    /// Time of the record just before `first_position`, when it was held.
    #[serde(default)]
    pub(crate) discarded_time_us: Option<i64>,
}

/// A run of consecutive held records inside one chunk.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Segment<'a> {
    /// Position of the segment's first record.
    pub(crate) position: u64,
    pub(crate) price: &'a [i64],
    pub(crate) quantity: &'a [i64],
    pub(crate) packed: &'a [u32],
}

impl RecordHistory {
    /// An empty history whose next record has position `position`.
    pub(crate) fn starting_at(position: u64) -> RecordHistory {
        RecordHistory { base: position, first: position, end: position, ..RecordHistory::default() }
    }

    /// Position of the oldest held record.
    pub(crate) fn first_position(&self) -> u64 {
        self.first
    }

    /// Position the next appended record will get.
    pub(crate) fn end_position(&self) -> u64 {
        self.end
    }

    /// Time of the newest discarded record, if one was held.
    pub(crate) fn last_discarded_time(&self) -> Option<i64> {
        self.last_discarded_time
    }

    /// Appends records given as columns (`is_buy[i]` true for a buy); the slices have equal lengths.
    pub(crate) fn append(&mut self, price: &[i64], quantity: &[i64], time_us: &[i64], is_buy: impl Fn(usize) -> bool) {
        debug_assert!(quantity.len() == price.len() && time_us.len() == price.len());
        let mut done = 0;
        while done < price.len() {
            if self.chunks.back().is_none_or(|c| c.len() == CHUNK) {
                self.chunks.push_back(Chunk::new());
            }
            let chunk = self.chunks.back_mut().expect("a chunk was just ensured");
            let take = (CHUNK - chunk.len()).min(price.len() - done);
            let range = done..done + take;
            chunk.price.extend_from_slice(&price[range.clone()]);
            chunk.quantity.extend_from_slice(&quantity[range.clone()]);
            for i in range {
                let time = time_us[i];
                if chunk.packed.len().is_multiple_of(GROUP) {
                    chunk.anchors.push(time);
                }
                let gap = self.last_time.map_or(0, |last| time.wrapping_sub(last));
                let short = u32::try_from(gap).ok().filter(|&g| g < LONG_GAP);
                let bits = short.unwrap_or_else(|| {
                    self.long_gaps.push_back((self.end, gap));
                    LONG_GAP
                });
                chunk.packed.push(bits | if is_buy(i) { BUY } else { 0 });
                self.last_time = Some(time);
                self.end += 1;
            }
            done += take;
        }
    }

    /// Adds `by` to every position (see `SymbolPipeline::offset_positions`).
    pub(crate) fn offset_positions(&mut self, by: u64) {
        self.base += by;
        self.first += by;
        self.end += by;
        self.long_gaps.iter_mut().for_each(|(position, _)| *position += by);
    }

    /// Advances the positions by `count` records without holding them (only while nothing is held).
    pub(crate) fn skip(&mut self, count: u64) {
        debug_assert_eq!(self.first, self.end);
        self.chunks.clear();
        self.end += count;
        self.first = self.end;
        self.base = self.end;
    }

    /// Forgets every record after position `end` (clamped to the held range): undoes an append.
    pub(crate) fn truncate(&mut self, end: u64) {
        let end = end.clamp(self.first, self.end);
        while self.end > end {
            let chunk = self.chunks.back_mut().expect("held records live in chunks");
            let drop = ((self.end - end) as usize).min(chunk.len());
            let keep = chunk.len() - drop;
            chunk.price.truncate(keep);
            chunk.quantity.truncate(keep);
            chunk.packed.truncate(keep);
            chunk.anchors.truncate(keep.div_ceil(GROUP));
            self.end -= drop as u64;
            if keep == 0 {
                self.chunks.pop_back();
            }
        }
        while self.long_gaps.back().is_some_and(|&(p, _)| p >= end) {
            self.long_gaps.pop_back();
        }
        self.last_time = (self.end > self.first).then(|| self.time_at(self.end - 1));
        if self.chunks.is_empty() {
            self.base = self.end;
        }
    }

    /// Forgets every record before `position` (clamped to the held range), freeing whole chunks.
    pub(crate) fn discard_before(&mut self, position: u64) {
        let position = position.clamp(self.first, self.end);
        if position == self.first {
            return;
        }
        self.last_discarded_time = Some(self.time_at(position - 1));
        self.first = position;
        while self.chunks.front().is_some_and(|c| self.base + c.len() as u64 <= position && c.len() == CHUNK) {
            self.chunks.pop_front();
            self.base += CHUNK as u64;
        }
        if self.first == self.end {
            self.chunks.clear();
            self.base = self.end;
        }
        // `time_at` adds up the gaps from the anchor of its record's group, which may lie before `first`:
        // keep every long gap after the anchor of the first held record's group.
        let anchor = self.base + (self.first - self.base) / GROUP as u64 * GROUP as u64;
        while self.long_gaps.front().is_some_and(|&(p, _)| p <= anchor && p < self.first) {
            self.long_gaps.pop_front();
        }
    }

    /// Chunk index and offset of a held position.
    fn locate(&self, position: u64) -> (usize, usize) {
        debug_assert!(position >= self.first && position < self.end);
        let offset = (position - self.base) as usize;
        (offset / CHUNK, offset % CHUNK)
    }

    /// The gap (µs) of the record at `position` to the record before it, from its packed bits.
    pub(crate) fn gap(&self, position: u64, packed: u32) -> i64 {
        let bits = packed & GAP;
        if bits != LONG_GAP {
            return i64::from(bits);
        }
        let index = self.long_gaps.partition_point(|&(p, _)| p < position);
        self.long_gaps[index].1
    }

    /// The time (µs) of the held record at `position`.
    pub(crate) fn time_at(&self, position: u64) -> i64 {
        let (chunk, offset) = self.locate(position);
        let chunk = &self.chunks[chunk];
        let group = offset / GROUP;
        let group_start = group * GROUP;
        let mut time = chunk.anchors[group];
        let start_position = position - (offset - group_start) as u64;
        for (i, &packed) in chunk.packed[group_start + 1..=offset].iter().enumerate() {
            time = time.wrapping_add(self.gap(start_position + 1 + i as u64, packed));
        }
        time
    }

    /// The held records `[from, to)` as runs inside chunks, in order; both must lie in the held range.
    pub(crate) fn segments(&self, from: u64, to: u64) -> impl Iterator<Item = Segment<'_>> + '_ {
        debug_assert!(self.first <= from && from <= to && to <= self.end);
        let mut position = from;
        std::iter::from_fn(move || {
            if position >= to {
                return None;
            }
            let (chunk, offset) = self.locate(position);
            let chunk = &self.chunks[chunk];
            let stop = (offset + (to - position) as usize).min(chunk.len());
            let segment = Segment {
                position,
                price: &chunk.price[offset..stop],
                quantity: &chunk.quantity[offset..stop],
                packed: &chunk.packed[offset..stop],
            };
            position += (stop - offset) as u64;
            Some(segment)
        })
    }

    /// The first position in `[from, to)` whose time is at least `min_time_us` (`to` if none); times are
    /// non-decreasing.
    pub(crate) fn first_at_or_after(&self, from: u64, to: u64, min_time_us: i64) -> u64 {
        let (mut low, mut high) = (from, to);
        while low < high {
            let middle = low + (high - low) / 2;
            if self.time_at(middle) < min_time_us {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// The held records from `from` on, as a serialisable state.
    pub(crate) fn state_from(&self, from: u64) -> HistoryState {
        let from = from.clamp(self.first, self.end);
        let mut state = HistoryState {
            first_position: from,
            discarded_time_us: if from > self.first { Some(self.time_at(from - 1)) } else { self.last_discarded_time },
            ..HistoryState::default()
        };
        let mut time = (from < self.end).then(|| self.time_at(from));
        for segment in self.segments(from, self.end) {
            state.price.extend_from_slice(segment.price);
            state.quantity.extend_from_slice(segment.quantity);
            for (i, &packed) in segment.packed.iter().enumerate() {
                let position = segment.position + i as u64;
                let t = if position == from {
                    time.expect("held")
                } else {
                    time.expect("held") + self.gap(position, packed)
                };
                time = Some(t);
                state.time_us.push(t);
                state.is_buy.push(packed & BUY != 0);
            }
        }
        state
    }

    /// Restores a history; `None` when the columns have different lengths.
    pub(crate) fn from_state(state: &HistoryState) -> Option<RecordHistory> {
        let n = state.price.len();
        let consistent = [state.quantity.len(), state.time_us.len(), state.is_buy.len()].iter().all(|&len| len == n);
        if !consistent {
            return None;
        }
        let mut history = RecordHistory::starting_at(state.first_position);
        history.append(&state.price, &state.quantity, &state.time_us, |i| state.is_buy[i]);
        history.last_discarded_time = state.discarded_time_us;
        Some(history)
    }

    /// A history holding exactly `records` (positions from 0).
    pub(crate) fn of_records(records: &WindowRecords<'_>) -> RecordHistory {
        let mut history = RecordHistory::starting_at(0);
        history.append(records.price, records.quantity, records.time_us, |i| records.is_buy[i]);
        history
    }
}

/// `true` when the packed record is a buy.
pub(crate) fn is_buy(packed: u32) -> bool {
    packed & BUY != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(n: usize) -> (Vec<i64>, Vec<i64>, Vec<i64>, Vec<bool>) {
        let mut time = 1_700_000_000_000_000i64;
        let mut times = Vec::new();
        for i in 0..n {
            // Mostly small gaps, some beyond 31 bits, some negative (the history does not require order).
            time += match i % 97 {
                5 => 3_000_000_000,
                11 => -7,
                _ => (i % 13) as i64,
            };
            times.push(time);
        }
        let price = (0..n as i64).map(|i| 1_000_000 + i * 3).collect();
        let quantity = (0..n as i64).map(|i| i * 7 + 1).collect();
        (price, quantity, times, (0..n).map(|i| i % 3 == 0).collect())
    }

    #[test]
    fn holds_exact_times_across_chunks_and_long_gaps() {
        let n = CHUNK * 2 + 1_000;
        let (price, quantity, time, buy) = columns(n);
        let mut history = RecordHistory::starting_at(10);
        for part in (0..n).collect::<Vec<_>>().chunks(7_001) {
            let (a, b) = (part[0], part[part.len() - 1] + 1);
            history.append(&price[a..b], &quantity[a..b], &time[a..b], |i| buy[a + i]);
        }
        for position in [10, 11, 300, CHUNK as u64 + 9, CHUNK as u64 + 10, n as u64 + 9] {
            assert_eq!(history.time_at(position), time[(position - 10) as usize], "{position}");
        }
        let state = history.state_from(12);
        assert_eq!(state.time_us, time[2..]);
        assert_eq!(state.price, price[2..]);
        assert_eq!(state.is_buy, buy[2..]);
        history.discard_before(CHUNK as u64 + 20);
        assert_eq!(history.chunks.len(), 2, "the first chunk is freed");
        assert_eq!(history.last_discarded_time(), Some(time[CHUNK + 9]));
        assert_eq!(history.time_at(n as u64 + 9), time[n - 1]);
        let restored = RecordHistory::from_state(&history.state_from(0)).unwrap();
        assert_eq!(restored.state_from(0), history.state_from(0));
        history.truncate(CHUNK as u64 + 30);
        assert_eq!(history.end_position(), CHUNK as u64 + 30);
        assert_eq!(history.state_from(0).time_us, time[CHUNK + 10..CHUNK + 20]);
    }

    #[test]
    fn times_after_a_discard_next_to_a_long_gap_stay_exact() {
        // A long gap on record 5, in the group anchored at record 0: discarding up to it or just past it must
        // keep what `time_at` needs from the anchor on, also when the history is saved and restored.
        let (price, quantity, time, buy) = columns(1_000);
        for first in [5u64, 6, 7, 255, 256, 257] {
            let mut history = RecordHistory::starting_at(0);
            history.append(&price, &quantity, &time, |i| buy[i]);
            history.discard_before(first);
            for position in [first, first + 1, 300, 999] {
                assert_eq!(history.time_at(position), time[position as usize], "first {first}, {position}");
            }
            let state = history.state_from(first + 1);
            assert_eq!(state.time_us, time[first as usize + 1..], "first {first}");
            assert_eq!(state.discarded_time_us, Some(time[first as usize]));
        }
    }

    #[test]
    fn finds_times_by_binary_search() {
        let times: Vec<i64> = (0..5_000).map(|i| i / 3 * 10).collect();
        let zeros = vec![1; times.len()];
        let mut history = RecordHistory::starting_at(0);
        history.append(&zeros, &zeros, &times, |_| false);
        for target in [0, 5, 10, 11, 16_000, 20_000] {
            let expected = times.partition_point(|&t| t < target) as u64;
            assert_eq!(history.first_at_or_after(0, 5_000, target), expected, "{target}");
        }
    }
}
