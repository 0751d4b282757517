//! Where a resumed run's input meets its checkpoint: input the checkpoint has already seen is refused, and a
//! hole between the checkpoint's last record and the input's first is an agg_trade_id gap like one between two
//! files (reported and counted), refused when it is as large as a missing file ([`MAX_RESUME_GAP_IDS`],
//! [`MAX_RESUME_GAP_US`]) unless [`Job::allow_resume_gap`](super::Job::allow_resume_gap) is set.

use std::fmt;
use std::path::Path;

use barsmith_core::features::FeatureCheckpoint;
use barsmith_core::{BarSpec, RangeBarBuilder, TradeColumns};
use barsmith_ingest::{IdGap, IdGaps};

use super::Job;
use super::checkpoint::{ChainSettings, StreamCheckpoint, read_checkpoints};
use crate::error::{Error, ErrorKind};
use crate::inputs::SymbolStream;

/// Most agg_trade ids a resumed run accepts missing between its checkpoint and its input without
/// `allow_resume_gap`: 1,000,000, of the order of a day of BTCUSDT spot aggTrades. A missing file of a
/// liquid symbol, or a checkpoint of another market under the same symbol (spot and
/// futures ids differ by orders of magnitude), is above it; the odd missing id at a file boundary is not.
pub const MAX_RESUME_GAP_IDS: u64 = 1_000_000;

/// Most time (µs) a resumed run accepts between its checkpoint's last record and its input's first when ids
/// are missing between them, without `allow_resume_gap`: 1 hour. A missing daily file leaves at least about
/// 24 hours, whatever the symbol's volume, and a long quiet spell between consecutive files misses no id.
/// A quiet market or an exchange halt alone is no hole: without missing ids, any time is accepted.
pub const MAX_RESUME_GAP_US: i64 = 3_600_000_000;

/// A hole between a checkpoint and the input that resumes from it, larger than a resumed run accepts
/// without `allow_resume_gap` ([`ErrorKind::ResumeGap`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeGap {
    /// The stream (its symbol, or `input`).
    pub stream: String,
    /// The bars whose checkpoint ends before the hole, as messages name them (`250 dbps`, `tick:1000`).
    pub bars: String,
    /// The checkpoint's last agg_trade_id (`before_path`: the checkpoint file) and the input's first one.
    pub gap: IdGap,
    /// The time of the checkpoint's last record (µs).
    pub last_time_us: i64,
    /// The time of the input's first record (µs).
    pub first_time_us: i64,
}

impl ResumeGap {
    /// What is missing where, without the remedy (front ends add theirs).
    pub fn describe(&self) -> String {
        let gap = &self.gap;
        format!(
            "{} at {}: the checkpoint {} ends at agg_trade_id {} ({}), but {} starts at agg_trade_id {} ({}): {} ids missing over {}, more than a resumed run accepts ({} ids or {}); is a file missing between them? Give the missing files",
            self.stream,
            self.bars,
            gap.before_path.display(),
            gap.before_id,
            crate::calendar::format_utc_us(self.last_time_us),
            gap.after_path.display(),
            gap.after_id,
            crate::calendar::format_utc_us(self.first_time_us),
            gap.missing_ids(),
            hours(self.first_time_us - self.last_time_us),
            MAX_RESUME_GAP_IDS,
            hours(MAX_RESUME_GAP_US),
        )
    }
}

impl fmt::Display for ResumeGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, or set allow_resume_gap to build bars across the hole", self.describe())
    }
}

fn hours(us: i64) -> String {
    format!("{:.1} h", us as f64 / 3_600_000_000.0)
}

/// Checks the first record of a resumed stream against each threshold's checkpoint; returns, per threshold,
/// the agg_trade_id gap between the checkpoint's last record and that record (`None`: no checkpoint, or none).
pub(crate) fn check_after_checkpoints(
    (batch, file): (TradeColumns<'_>, &Path),
    states: &[Option<&FeatureCheckpoint>],
    config: &Job,
    stream: &SymbolStream,
) -> Result<Vec<Option<IdGap>>, Error> {
    let first = (batch.timestamp_us[0], batch.agg_trade_id[0]);
    let file = file.to_path_buf();
    let checkpoint = config.checkpoint_in.clone().unwrap_or_default();
    let mut gaps = Vec::with_capacity(states.len());
    for (state, threshold) in states.iter().zip(&config.settings.thresholds) {
        let Some(last) = state.and_then(|s| RangeBarBuilder::from_checkpoint(&s.builder).ok()?.last_key()) else {
            gaps.push(None);
            continue;
        };
        // The order the input itself must keep: ids strictly increase, times never decrease.
        if first.1 <= last.1 || first.0 < last.0 {
            return Err(processed_already(&file, first, last, stream, *threshold));
        }
        if first.1 == last.1 + 1 {
            gaps.push(None);
            continue;
        }
        let gap =
            IdGap { before_path: checkpoint.clone(), before_id: last.1, after_path: file.clone(), after_id: first.1 };
        let too_large = gap.missing_ids() > MAX_RESUME_GAP_IDS || first.0 - last.0 > MAX_RESUME_GAP_US;
        if too_large && !config.allow_resume_gap {
            let stream = stream.label().to_string();
            let (last_time_us, first_time_us) = (last.0, first.0);
            let bars = crate::pipeline::spec_label(*threshold);
            let refused = ResumeGap { stream, bars, gap, last_time_us, first_time_us };
            return Err(Error::new(ErrorKind::ResumeGap(Box::new(refused))));
        }
        gaps.push(Some(gap));
    }
    Ok(gaps)
}

/// The states to resume from `path`, and notes for the pairs that start fresh. Refused: a checkpoint of a chain
/// with other output settings (`chain`: the run's, when it writes files), and one that holds none of the run's
/// pairs.
pub(super) fn resume_from(
    path: &Path,
    config: &Job,
    streams: &[SymbolStream],
    chain: Option<&ChainSettings>,
) -> Result<(Option<Vec<StreamCheckpoint>>, Vec<String>), Error> {
    let resumed = read_checkpoints(path)?;
    if let (Some(old), Some(chain)) = (&resumed.chain, chain) {
        old.check_same(chain, path)?;
    }
    let thresholds = &config.settings.thresholds;
    let fresh = super::job::fresh_pairs(&resumed.streams, streams, thresholds, path);
    if !streams.is_empty() && fresh.len() == streams.len() * thresholds.len() {
        return Err(super::checkpoint::holds_none(path, &resumed.streams, streams, thresholds));
    }
    Ok((Some(resumed.streams), fresh))
}

fn processed_already(file: &Path, first: (i64, i64), last: (i64, i64), stream: &SymbolStream, t: BarSpec) -> Error {
    Error::usage(format!(
        "{}: starts at agg_trade_id {} ({} µs), at or before the checkpoint's last record for {} at {} (agg_trade_id {}, {} µs); was this file processed already? Give only the files after the checkpoint",
        file.display(),
        first.1,
        first.0,
        stream.label(),
        crate::pipeline::spec_label(t),
        last.1,
        last.0
    ))
}

/// The id gaps of one output: those between the files, and the one between the checkpoint and the first file
/// (which comes first).
pub(crate) fn with_resume_gap(files: &IdGaps, resume: Option<&IdGap>) -> IdGaps {
    let Some(gap) = resume else { return files.clone() };
    IdGaps { count: files.count + 1, missing_ids: files.missing_ids + gap.missing_ids(), first: Some(gap.clone()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_error_names_the_setting_not_a_flag() {
        let gap = IdGap { before_path: "day1.json".into(), before_id: 9, after_path: "day3.zip".into(), after_id: 30 };
        let refused =
            ResumeGap { stream: "BTCUSDT".into(), bars: "250 dbps".into(), gap, last_time_us: 0, first_time_us: 0 };
        let text = Error::new(ErrorKind::ResumeGap(Box::new(refused))).to_string();
        assert!(text.contains("20 ids missing") && text.contains("set allow_resume_gap"), "{text}");
        assert!(!text.contains("--"), "{text}");
    }
}
