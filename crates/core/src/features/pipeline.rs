//! The feature pipeline: a range-bar builder plus the state the features need.

use std::collections::VecDeque;

use crate::bar::RangeBar;
use crate::builder::{BarSink, BuilderConfig, RangeBarBuilder};
use crate::error::Error;
use crate::features::bar_level::BarLevelFeatures;
use crate::features::config::{FeatureConfig, LookbackMode};
use crate::features::gap::GapTracker;
use crate::features::history::RecordHistory;
use crate::features::output::{BarFeatures, FeaturedBar};
use crate::features::window::{WindowScratch, compute_window};
use crate::trades::TradeBatch;
use barsmith_kernels::Kernels;

/// Builds range bars and computes their features in one streaming pass.
///
/// ```
/// use barsmith_core::{BuilderConfig, FeatureConfig, FeaturePipeline, Kernels, Threshold, TradeBatch};
/// let builder = BuilderConfig::new(Threshold::from_dbps(250).unwrap());
/// let mut pipeline = FeaturePipeline::new(builder, FeatureConfig::default(), Kernels::detect()).unwrap();
/// let mut bars = Vec::new();
/// pipeline.push_batch(&TradeBatch::new(), &mut bars).unwrap();
/// assert!(bars.is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct FeaturePipeline {
    pub(crate) builder: RangeBarBuilder,
    pub(crate) state: FeatureState,
    pub(crate) kernels: Kernels,
    scratch: WindowScratch,
}

/// Everything besides the builder that a checkpoint must carry.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FeatureState {
    pub(crate) config: FeatureConfig,
    pub(crate) history: RecordHistory,
    /// Position of the forming bar's opening record.
    pub(crate) open_position: Option<u64>,
    /// First position of the forming bar's lookback window.
    pub(crate) lookback_start: u64,
    /// Opening positions of the latest completed bars (at most K, for `bars:K`).
    pub(crate) recent_opens: VecDeque<u64>,
    /// The forming bar's longest gap between records (`max_gap_us`).
    pub(crate) gap: GapTracker,
}

impl FeaturePipeline {
    /// A pipeline with no history.
    pub fn new(builder: BuilderConfig, config: FeatureConfig, kernels: Kernels) -> Result<FeaturePipeline, Error> {
        config.validate()?;
        let state = FeatureState {
            config,
            history: RecordHistory::starting_at(0),
            open_position: None,
            lookback_start: 0,
            recent_opens: VecDeque::new(),
            gap: GapTracker::default(),
        };
        Ok(FeaturePipeline::from_parts(RangeBarBuilder::with_kernels(builder, kernels), state, kernels))
    }

    pub(crate) fn from_parts(builder: RangeBarBuilder, state: FeatureState, kernels: Kernels) -> FeaturePipeline {
        FeaturePipeline { builder, state, kernels, scratch: WindowScratch::default() }
    }

    /// The feature configuration.
    pub fn config(&self) -> &FeatureConfig {
        &self.state.config
    }

    /// The underlying builder (read-only).
    pub fn builder(&self) -> &RangeBarBuilder {
        &self.builder
    }

    /// The stream position of the next record: how many records came before it since the stream began
    /// (across checkpoints). Positions are tracked only when a window feature is on; otherwise it stays 0.
    pub fn next_position(&self) -> u64 {
        self.state.history.end_position()
    }

    /// Renumbers the stream positions as if `by` more records had come before everything this pipeline has
    /// seen. A pipeline started with no history on a later part of a stream, whose state has since become
    /// equal to that of the pipeline that read the whole stream (see `barsmith::parallel`), thereby gets the
    /// same checkpoint too. Bars and features do not depend on the numbering; without window features
    /// positions are not tracked and nothing changes.
    pub fn offset_positions(&mut self, by: u64) {
        if !self.state.config.any_window() {
            return;
        }
        let state = &mut self.state;
        state.history.offset_positions(by);
        state.open_position = state.open_position.map(|p| p + by);
        state.lookback_start += by;
        state.recent_opens.iter_mut().for_each(|p| *p += by);
    }

    /// Pushes a batch, appending each completed bar with its features to `out`.
    ///
    /// On an ordering error nothing is consumed (the builder validates the whole batch first).
    pub fn push_batch(&mut self, batch: &TradeBatch, out: &mut Vec<FeaturedBar>) -> Result<(), Error> {
        let mut sink = PipelineSink {
            state: &mut self.state,
            kernels: &self.kernels,
            scratch: &mut self.scratch,
            batch,
            cursor: 0,
            out,
        };
        self.builder.push_batch_into(batch, &mut sink)?;
        let cursor = sink.cursor;
        self.state.gap.extend(&batch.timestamp_us[cursor..]);
        if self.state.config.any_window() {
            self.state.history.append(batch, cursor, batch.len());
        }
        Ok(())
    }

    /// The forming bar with the features of its records so far, if a bar is forming.
    pub fn incomplete(&mut self) -> Option<FeaturedBar> {
        let bar = self.builder.incomplete_bar()?;
        let end = self.state.history.end_position();
        let features = self.state.features(&bar, end, &self.kernels, &mut self.scratch);
        Some(FeaturedBar { bar, features, max_gap_us: self.state.gap.current() })
    }
}

impl FeatureState {
    /// Notes a bar opening at `position` (already appended up to, not including, it) at `open_time`.
    fn open_bar(&mut self, position: u64, open_time: i64) {
        self.open_position = Some(position);
        if !self.config.any_window() {
            return;
        }
        let start = if !self.config.lookback {
            position
        } else {
            match self.config.lookback_mode {
                LookbackMode::Count(n) => position.saturating_sub(n),
                LookbackMode::Time { duration_us } => {
                    let from = self.history.first_position();
                    self.history.first_at_or_after(from, position, open_time.saturating_sub(duration_us))
                }
                LookbackMode::Bars(k) => {
                    let held = self.recent_opens.len();
                    let oldest = held.saturating_sub(k as usize);
                    self.recent_opens.get(oldest).copied().unwrap_or(position)
                }
            }
        };
        let start = start.max(self.history.first_position());
        self.lookback_start = start;
        self.history.discard_before(start);
    }

    /// The features of `bar`, whose records end (exclusive) at position `end`.
    fn features(&self, bar: &RangeBar, end: u64, kernels: &Kernels, scratch: &mut WindowScratch) -> BarFeatures {
        let config = &self.config;
        let open = self.open_position.unwrap_or(end);
        let window = |from: u64, to: u64, scratch: &mut WindowScratch| {
            compute_window(&self.history.records(from, to), config, kernels, scratch)
        };
        BarFeatures {
            bar: config.bar.then(|| BarLevelFeatures::of(bar)),
            intra: config.intra.then(|| window(open, end, scratch)),
            lookback: config.lookback.then(|| window(self.lookback_start, open, scratch)),
        }
    }

    /// Records that the bar opened at `open` completed (for `bars:K`).
    fn complete_bar(&mut self) {
        let Some(open) = self.open_position.take() else { return };
        if let LookbackMode::Bars(k) = self.config.lookback_mode {
            self.recent_opens.push_back(open);
            while self.recent_opens.len() as u64 > k {
                self.recent_opens.pop_front();
            }
        }
    }
}

/// Receives the builder's events for one batch and keeps the history in step with them.
struct PipelineSink<'a> {
    state: &'a mut FeatureState,
    kernels: &'a Kernels,
    scratch: &'a mut WindowScratch,
    batch: &'a TradeBatch,
    /// Records of the batch before `cursor` are in the history.
    cursor: usize,
    out: &'a mut Vec<FeaturedBar>,
}

impl PipelineSink<'_> {
    /// Appends the batch's records up to (not including) `end` to the history.
    fn catch_up(&mut self, end: usize) {
        self.state.gap.extend(&self.batch.timestamp_us[self.cursor..end]);
        if self.state.config.any_window() {
            self.state.history.append(self.batch, self.cursor, end);
        }
        self.cursor = end;
    }

    fn position_of(&self, index: usize) -> u64 {
        self.state.history.end_position() + (index - self.cursor) as u64
    }
}

impl BarSink for PipelineSink<'_> {
    fn bar_opened(&mut self, index: usize) {
        self.catch_up(index);
        self.state.gap = GapTracker::default();
        let position = self.position_of(index);
        self.state.open_bar(position, self.batch.timestamp_us[index]);
    }

    fn bar_completed(&mut self, bar: RangeBar, index: usize) {
        self.catch_up(index + 1);
        let end = self.position_of(index + 1);
        let features = self.state.features(&bar, end, self.kernels, self.scratch);
        self.state.complete_bar();
        let max_gap_us = self.state.gap.finish_bar();
        self.out.push(FeaturedBar { bar, features, max_gap_us });
    }
}
