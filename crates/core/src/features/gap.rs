//! `max_gap_us`: the longest time between two consecutive records of one bar.
//!
//! A bar that spans an exchange outage (or a hole in the data) shows it here; `barsmith check` reports the
//! same gaps per file. The tracker follows the builder's events: every record of the stream belongs to
//! exactly one bar, so the gaps of a bar are those between its own consecutive records.

/// The running maximum gap of the forming bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct GapTracker {
    /// Timestamp of the forming bar's latest record (`None` when no bar is forming).
    last_us: Option<i64>,
    /// Longest gap between the forming bar's records so far (`None` while it holds one record).
    max_gap_us: Option<i64>,
}

impl GapTracker {
    /// Extends the forming bar by records with these timestamps (in stream order).
    #[inline]
    pub(crate) fn extend(&mut self, timestamps_us: &[i64]) {
        let Some(&last) = timestamps_us.last() else { return };
        let mut gap = self.max_gap_us;
        if let Some(previous) = self.last_us {
            gap = gap.max(Some(timestamps_us[0] - previous));
        }
        let inner = timestamps_us.windows(2).map(|pair| pair[1] - pair[0]).max();
        self.max_gap_us = gap.max(inner);
        self.last_us = Some(last);
    }

    /// Ends the forming bar: its maximum gap, and a clean state for the next bar.
    pub(crate) fn finish_bar(&mut self) -> Option<i64> {
        std::mem::take(self).max_gap_us
    }

    /// The forming bar's maximum gap so far.
    pub(crate) fn current(&self) -> Option<i64> {
        self.max_gap_us
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_record_has_no_gap_and_pieces_equal_one_pass() {
        let mut one = GapTracker::default();
        one.extend(&[5]);
        assert_eq!(one.finish_bar(), None);
        let times = [10, 12, 40, 41, 41, 90, 95];
        let mut whole = GapTracker::default();
        whole.extend(&times);
        for split in 0..=times.len() {
            let mut pieces = GapTracker::default();
            pieces.extend(&times[..split]);
            pieces.extend(&[]);
            pieces.extend(&times[split..]);
            assert_eq!(pieces, whole, "split at {split}");
        }
        assert_eq!(whole.finish_bar(), Some(49));
        assert_eq!(whole, GapTracker::default());
    }
}
