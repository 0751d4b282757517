//! A pipeline started at a true bar opening, in the state the one-pass pipeline is in there.
//!
//! `barsmith::parallel` finds the bar boundaries of a stream first (the bar rule alone, in one cheap
//! sequential pass) and then computes the features of the bars between two openings on separate threads.
//! Each of those runs starts on a record `p` where the one-pass run opens a bar: the bar before closed on
//! `p − 1`, so the one-pass pipeline holds no forming bar there, and its features read only the records a
//! later window can reach (the lookback window of the bar opening on `p`, the recent openings for `bars:K`).
//! [`FeaturePipeline::at_opening`] builds exactly that state from the builder after the close, the recent
//! openings and the records before `p`; its bars, features and checkpoints are those of the one pass.

use std::collections::VecDeque;

use crate::builder::RangeBarBuilder;
use crate::error::{Error, ErrorKind};
use crate::features::config::{FeatureConfig, LookbackMode};
use crate::features::gap::GapTracker;
use crate::features::history::RecordHistory;
use crate::features::pipeline::{BarWindows, FeaturePipeline, SymbolPipeline, ThresholdState};
use crate::trades::TradeBatch;
use barsmith_kernels::Kernels;

/// The state of a stream right before a record on which a bar opens.
#[derive(Clone, Debug)]
pub struct Opening<'a> {
    /// Stream position of the opening record (records before it since the stream began).
    pub position: u64,
    /// The builder after the record `position − 1`, on which a bar closed (no bar forming).
    pub builder: RangeBarBuilder,
    /// Stream positions of the latest bar openings before `position`, oldest first (only `bars:K` reads
    /// them, the last `K`).
    pub recent_opens: &'a [u64],
    /// The records right before the opening (the last one at `position − 1`); from
    /// [`FeaturePipeline::first_needed_before`] on, or from the stream's first record.
    pub tail: &'a TradeBatch,
}

fn opening_error(reason: &str) -> Error {
    Error::new(ErrorKind::Checkpoint { reason: reason.into() })
}

impl FeaturePipeline {
    /// The pipeline the one pass has right before `opening.position` (see the module documentation). Fails
    /// when a bar is forming in the builder, or when the tail does not reach back to
    /// [`FeaturePipeline::first_needed_before`] and does not start the stream.
    pub fn at_opening(config: FeatureConfig, kernels: Kernels, opening: Opening<'_>) -> Result<FeaturePipeline, Error> {
        config.validate()?;
        let Opening { position, builder, recent_opens, tail } = opening;
        if builder.incomplete_bar().is_some() {
            return Err(opening_error("a bar is forming where the pipeline should start at a bar opening"));
        }
        let held = if config.any_window() { tail.len() as u64 } else { 0 };
        let from = position
            .checked_sub(held)
            .ok_or_else(|| opening_error("more records before the opening than positions"))?;
        let mut history = RecordHistory::starting_at(from);
        if held > 0 {
            history.append(&tail.price, &tail.quantity, &tail.timestamp_us, |i| !tail.is_buyer_maker[i]);
        }
        let windows = BarWindows { recent_opens: kept_opens(&config, recent_opens), ..BarWindows::default() };
        let threshold = ThresholdState { builder, windows, gap: GapTracker::default() };
        let mut inner = SymbolPipeline::from_parts(config, kernels, history, vec![threshold]);
        // The record before the first one kept gives the time the time lookback checks its window against,
        // so the tail must hold it (unless nothing came before).
        if config.any_window() && from > 0 && inner.claim(&inner.thresholds[0]) <= from {
            return Err(opening_error("the records before the opening do not reach back to its lookback window"));
        }
        inner.discard_unneeded();
        Ok(FeaturePipeline::wrap(inner))
    }

    /// The first stream position the tail of an [`Opening`] at `position` must hold: one before the first
    /// record a window can read from there on. `time_at` gives the time of a record before `position`
    /// (called only for positions from `held_from` on); `None` when a needed record lies before `held_from`.
    pub fn first_needed_before(
        config: &FeatureConfig,
        position: u64,
        recent_opens: &[u64],
        held_from: u64,
        time_at: &dyn Fn(u64) -> i64,
    ) -> Option<u64> {
        if !config.any_window() {
            return Some(position);
        }
        let start = if !config.lookback || position == 0 {
            position
        } else {
            match config.lookback_mode {
                LookbackMode::Count(n) => position.saturating_sub(n),
                LookbackMode::Time { duration_us } => {
                    let since = time_at(position - 1).saturating_sub(duration_us);
                    first_at_or_after(held_from.min(position), position, since, time_at)
                }
                LookbackMode::Bars(k) => {
                    let opens = kept_opens(config, recent_opens);
                    if k == 0 { position } else { opens.front().copied().unwrap_or(position) }
                }
            }
        };
        let needed = start.max(position.saturating_sub(config.max_window_records)).saturating_sub(1);
        (needed >= held_from || needed == 0 && held_from == 0).then_some(needed)
    }

    /// The stream positions of the latest bar openings (oldest first) and of the forming bar's opening: what
    /// a boundary scan carries on from this pipeline's state.
    pub fn bar_openings(&self) -> (Vec<u64>, Option<u64>) {
        let windows = &self.inner.thresholds[0].windows;
        (windows.recent_opens.iter().copied().collect(), windows.open_position)
    }
}

/// The recent openings the pipeline keeps: the last `K` for `bars:K`, none otherwise.
fn kept_opens(config: &FeatureConfig, recent_opens: &[u64]) -> VecDeque<u64> {
    match config.lookback_mode {
        LookbackMode::Bars(k) if config.lookback => {
            recent_opens[recent_opens.len().saturating_sub(k as usize)..].iter().copied().collect()
        }
        _ => VecDeque::new(),
    }
}

/// The first position in `[from, to)` whose time is at least `since` (`from` when even that one is).
fn first_at_or_after(from: u64, to: u64, since: i64, time_at: &dyn Fn(u64) -> i64) -> u64 {
    let (mut low, mut high) = (from, to);
    while low < high {
        let middle = low + (high - low) / 2;
        if time_at(middle) < since { low = middle + 1 } else { high = middle }
    }
    low
}
