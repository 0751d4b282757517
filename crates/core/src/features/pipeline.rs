//! The feature pipelines: range-bar builders plus the state their features need.
//!
//! [`SymbolPipeline`] builds every threshold of one symbol's stream over one shared [`RecordHistory`];
//! [`FeaturePipeline`] is the same engine with one threshold.

use std::collections::VecDeque;

use crate::bar::RangeBar;
use crate::builder::{BarSink, BuilderConfig, RangeBarBuilder};
use crate::error::{Error, ErrorKind};
use crate::features::bar_level::BarLevelFeatures;
use crate::features::config::{FeatureConfig, LookbackMode};
use crate::features::gap::GapTracker;
use crate::features::history::RecordHistory;
use crate::features::intra_stream::{DEFAULT_STREAM_FROM, IntraStream};
use crate::features::output::{BarFeatures, FeaturedBar};
use crate::features::window::{WindowFeatures, WindowScratch, compute_window};
use crate::trades::{TradeBatch, TradeColumns};
use barsmith_kernels::Kernels;

/// Builds the range bars of several thresholds over one stream, and their features, in one pass.
///
/// The thresholds read the same records, so they share one record history addressed by stream position;
/// each threshold holds only the positions where its windows start. The history keeps the records from the
/// earliest position any threshold still needs (its forming bar's opening record, or where a future lookback
/// window can start) to the newest one, and never more than [`FeatureConfig::max_window_records`] before
/// the newest: a window longer than that gets null window features and is reported by
/// [`SymbolPipeline::take_overflows`].
///
/// ```
/// use barsmith_core::{BuilderConfig, FeatureConfig, Kernels, SymbolPipeline, Threshold, TradeBatch};
/// let builders: Vec<BuilderConfig> =
///     [250, 500].iter().map(|&d| BuilderConfig::new(Threshold::from_dbps(d).unwrap())).collect();
/// let mut pipeline = SymbolPipeline::new(&builders, FeatureConfig::default(), Kernels::detect()).unwrap();
/// let mut bars = Vec::new();
/// pipeline.push_batch(&TradeBatch::new(), &mut bars).unwrap();
/// assert!(bars.is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct SymbolPipeline {
    pub(crate) config: FeatureConfig,
    pub(crate) kernels: Kernels,
    pub(crate) history: RecordHistory,
    pub(crate) thresholds: Vec<ThresholdState>,
    scratch: WindowScratch,
    overflows: Vec<WindowOverflow>,
    /// Build the thresholds on the current rayon pool (feature `rayon`), one scratch per threshold.
    pub(crate) parallel: Option<Vec<WindowScratch>>,
    /// Forming bars of more records than this stream their intra features (see [`Self::stream_intra_from`]).
    stream_from: u64,
}

/// A bar whose window held more records than [`FeatureConfig::max_window_records`]: its window features
/// of that group are null (the bar itself is unaffected).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowOverflow {
    /// Index of the threshold (in the order given to the pipeline).
    pub threshold: usize,
    /// Open time of the bar (µs since the epoch).
    pub open_time_us: i64,
    /// Records of the bar's own window when they exceeded the limit (its `intra_*` features are null).
    pub intra_records: Option<u64>,
    /// The lookback window exceeded the limit (its `lookback_*` features are null).
    pub lookback: bool,
    /// The limit in force.
    pub limit: u64,
}

/// One threshold: its builder and the window state of its forming bar.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ThresholdState {
    pub(crate) builder: RangeBarBuilder,
    pub(crate) windows: BarWindows,
    /// The forming bar's longest gap between records (`max_gap_us`).
    pub(crate) gap: GapTracker,
}

/// What a threshold remembers about its bars for the window features.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct BarWindows {
    /// Position of the forming bar's opening record.
    pub(crate) open_position: Option<u64>,
    /// The forming bar's lookback features, computed when it opened (`None` when the lookback group is off,
    /// no bar is forming, or the window exceeded the limit).
    pub(crate) lookback: Option<WindowFeatures>,
    /// The forming bar's lookback window exceeded the limit.
    pub(crate) lookback_overflow: bool,
    /// Opening positions of the latest completed bars (at most K, for `bars:K`).
    pub(crate) recent_opens: VecDeque<u64>,
    /// The forming bar's streamed intra features, once it is longer than the streaming threshold.
    pub(crate) intra: Option<Box<IntraStream>>,
}

impl SymbolPipeline {
    /// A pipeline with no history, one threshold per builder configuration (at least one).
    pub fn new(builders: &[BuilderConfig], config: FeatureConfig, kernels: Kernels) -> Result<SymbolPipeline, Error> {
        config.validate()?;
        if builders.is_empty() {
            return Err(Error::new(ErrorKind::NoThreshold));
        }
        let thresholds = builders
            .iter()
            .map(|&b| ThresholdState {
                builder: RangeBarBuilder::with_kernels(b, kernels),
                windows: BarWindows::default(),
                gap: GapTracker::default(),
            })
            .collect();
        Ok(SymbolPipeline::from_parts(config, kernels, RecordHistory::starting_at(0), thresholds))
    }

    pub(crate) fn from_parts(
        config: FeatureConfig,
        kernels: Kernels,
        history: RecordHistory,
        thresholds: Vec<ThresholdState>,
    ) -> SymbolPipeline {
        SymbolPipeline {
            config,
            kernels,
            history,
            thresholds,
            scratch: WindowScratch::default(),
            overflows: Vec::new(),
            parallel: None,
            stream_from: DEFAULT_STREAM_FROM,
        }
    }

    /// Streams the intra features of every forming bar longer than `records` as its records arrive (default
    /// 2^17): its records are then not held for them, and its close costs no pass over them except R/S's
    /// (`docs/FEATURES.md`). A live stream sets this low so that no close computes a long window at once.
    pub fn stream_intra_from(&mut self, records: u64) {
        self.stream_from = records;
    }

    /// The streaming threshold ([`Self::stream_intra_from`]).
    pub fn intra_stream_from(&self) -> u64 {
        self.stream_from
    }

    /// The feature configuration.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// Number of thresholds.
    pub fn len(&self) -> usize {
        self.thresholds.len()
    }

    /// Always `false`: a pipeline has at least one threshold.
    pub fn is_empty(&self) -> bool {
        self.thresholds.is_empty()
    }

    /// The builder of threshold `index` (read-only).
    pub fn builder(&self, index: usize) -> &RangeBarBuilder {
        &self.thresholds[index].builder
    }

    /// Records held in the shared history (for diagnostics and tests).
    pub fn held_records(&self) -> u64 {
        self.history.end_position() - self.history.first_position()
    }

    /// The stream position of the next record: how many records came before it since the stream began
    /// (across checkpoints).
    pub fn next_position(&self) -> u64 {
        self.history.end_position()
    }

    /// Renumbers the stream positions as if `by` more records had come before everything this pipeline has
    /// seen. A pipeline started with no history on a later part of a stream, whose state has since become
    /// equal to that of the pipeline that read the whole stream (see `barsmith::parallel`), thereby gets the
    /// same checkpoint too. Bars and features do not depend on the numbering.
    pub fn offset_positions(&mut self, by: u64) {
        self.history.offset_positions(by);
        for threshold in &mut self.thresholds {
            let windows = &mut threshold.windows;
            windows.open_position = windows.open_position.map(|p| p + by);
            windows.recent_opens.iter_mut().for_each(|p| *p += by);
            if let Some(stream) = windows.intra.as_mut() {
                stream.offset_positions(by);
            }
        }
    }

    /// The windows that exceeded the limit since the last call, in the order the bars were emitted.
    pub fn take_overflows(&mut self) -> Vec<WindowOverflow> {
        std::mem::take(&mut self.overflows)
    }

    /// Pushes a batch to every threshold, appending `(threshold index, bar)` for each completed bar to `out`
    /// (threshold by threshold, each in order).
    ///
    /// On an ordering error nothing is consumed.
    pub fn push_batch(&mut self, batch: &TradeBatch, out: &mut Vec<(usize, FeaturedBar)>) -> Result<(), Error> {
        self.push_columns(batch.columns(), out)
    }

    /// [`push_batch`](Self::push_batch) on borrowed columns (no copy of columns held elsewhere).
    pub fn push_columns(&mut self, batch: TradeColumns<'_>, out: &mut Vec<(usize, FeaturedBar)>) -> Result<(), Error> {
        let batch = &batch;
        let last_key = self.thresholds[0].builder.last_key();
        if self.thresholds.iter().any(|t| t.builder.last_key() != last_key) {
            return Err(Error::new(ErrorKind::Checkpoint {
                reason: "the thresholds of one stream are not at the same record".into(),
            }));
        }
        let base = self.history.end_position();
        if self.config.any_window() {
            let buy = |i: usize| !batch.is_buyer_maker[i];
            self.history.append(batch.price, batch.quantity, batch.timestamp_us, buy);
        } else {
            self.history.skip(batch.len() as u64);
        }
        let (config, kernels, history, stream_from) = (&self.config, &self.kernels, &self.history, self.stream_from);
        let context = BatchContext { config, kernels, history, batch, base, stream_from };
        let result = match &mut self.parallel {
            // `parallel` is only ever set through `set_parallel_thresholds` (feature `rayon`).
            #[cfg(feature = "rayon")]
            Some(scratches) if self.thresholds.len() > 1 => crate::features::parallel::push_thresholds(
                &mut self.thresholds,
                scratches,
                context,
                &mut self.overflows,
                out,
            ),
            _ => self.thresholds.iter_mut().enumerate().try_for_each(|(index, threshold)| {
                let work = ThresholdWork { scratch: &mut self.scratch, overflows: &mut self.overflows, out: &mut *out };
                push_threshold(index, threshold, context, work)
            }),
        };
        if let Err(error) = result {
            // Validation comes before any record is consumed, and every builder is at the same record, so
            // an ordering error leaves every threshold as it was: undo the append.
            self.history.truncate(base);
            return Err(error);
        }
        self.discard_unneeded();
        Ok(())
    }

    /// The forming bar of threshold `index` with the features of its records so far, if a bar is forming.
    pub fn incomplete(&mut self, index: usize) -> Option<FeaturedBar> {
        let threshold = &mut self.thresholds[index];
        let bar = threshold.builder.incomplete_bar()?;
        let end = self.history.end_position();
        threshold.windows.stream_if_long(&self.config, self.stream_from, end);
        let mut emit = Emit {
            index,
            config: &self.config,
            kernels: &self.kernels,
            history: &self.history,
            scratch: &mut self.scratch,
            overflows: &mut self.overflows,
        };
        let features = emit.features(&mut threshold.windows, &bar, end);
        Some(FeaturedBar { bar, features, max_gap_us: threshold.gap.current() })
    }

    /// The first position threshold `threshold` may still read, when the newest record is at `end − 1`.
    pub(crate) fn claim(&self, threshold: &ThresholdState) -> u64 {
        let end = self.history.end_position();
        if !self.config.any_window() {
            return end;
        }
        let windows = &threshold.windows;
        let mut claim = end;
        if self.config.intra
            && let Some(open) = windows.open_position
        {
            claim = claim.min(windows.intra.as_ref().map_or(open, |stream| stream.fed()));
        }
        if self.config.lookback {
            claim = claim.min(self.future_lookback_start(windows));
        }
        claim.max(end.saturating_sub(self.config.max_window_records))
    }

    /// A position at or before the start of every lookback window still to be computed for a threshold.
    fn future_lookback_start(&self, windows: &BarWindows) -> u64 {
        let (first, end) = (self.history.first_position(), self.history.end_position());
        // The next bar opens at `end` or later, with a time no earlier than the newest record's.
        match self.config.lookback_mode {
            LookbackMode::Count(n) => end.saturating_sub(n),
            LookbackMode::Time { duration_us } if end > first => {
                let newest = self.history.time_at(end - 1);
                self.history.first_at_or_after(first, end, newest.saturating_sub(duration_us))
            }
            LookbackMode::Time { .. } => end,
            LookbackMode::Bars(k) => {
                // The next window covers the last K completed bars, which include the forming one.
                let (opens, k) = (&windows.recent_opens, k as usize);
                let older = if windows.open_position.is_some() { k - 1 } else { k };
                let oldest = opens.len().saturating_sub(older);
                let start = if older == 0 { None } else { opens.get(oldest).copied() };
                start.or(windows.open_position).unwrap_or(end)
            }
        }
    }

    /// Frees the records no threshold can read any more.
    pub(crate) fn discard_unneeded(&mut self) {
        let claim = self.thresholds.iter().map(|t| self.claim(t)).min().unwrap_or(self.history.end_position());
        self.history.discard_before(claim);
    }
}

/// Computes and reports a threshold's window features.
struct Emit<'a> {
    index: usize,
    config: &'a FeatureConfig,
    kernels: &'a Kernels,
    history: &'a RecordHistory,
    scratch: &'a mut WindowScratch,
    overflows: &'a mut Vec<WindowOverflow>,
}

impl Emit<'_> {
    /// The features of `bar`, whose records end (exclusive) at position `end`; reports an overflow.
    fn features(&mut self, windows: &mut BarWindows, bar: &RangeBar, end: u64) -> BarFeatures {
        let config = self.config;
        let open = windows.open_position.unwrap_or(end);
        let records = end - open;
        let intra_overflow = config.intra && records > config.max_window_records;
        if intra_overflow || (config.lookback && windows.lookback_overflow) {
            self.overflows.push(WindowOverflow {
                threshold: self.index,
                open_time_us: bar.open_time,
                intra_records: intra_overflow.then_some(records),
                lookback: config.lookback && windows.lookback_overflow,
                limit: config.max_window_records,
            });
        }
        let intra = (config.intra && !intra_overflow).then(|| match windows.intra.as_mut() {
            Some(stream) => {
                stream.feed(self.history, end);
                stream.finish(config)
            }
            None => compute_window(self.history, (open, end), config, self.kernels, self.scratch),
        });
        BarFeatures {
            bar: config.bar.then(|| BarLevelFeatures::of(bar)),
            intra,
            lookback: windows.lookback.filter(|_| config.lookback),
        }
    }

    /// The lookback features of a bar opening at `position` at `open_time`; `None` when the window exceeds
    /// the limit.
    fn lookback(&mut self, windows: &BarWindows, position: u64, open_time: i64) -> Option<WindowFeatures> {
        let history = self.history;
        let first = history.first_position();
        let limit = self.config.max_window_records;
        let (start, reaches_back) = match self.config.lookback_mode {
            LookbackMode::Count(n) => (position.saturating_sub(n), false),
            LookbackMode::Time { duration_us } => {
                let since = open_time.saturating_sub(duration_us);
                let start = history.first_at_or_after(first, position, since);
                // Records before the held ones were dropped by the limit; if they belong to the window, it is
                // longer than the limit.
                (start, start == first && history.last_discarded_time().is_some_and(|t| t >= since))
            }
            LookbackMode::Bars(k) => {
                let opens = &windows.recent_opens;
                (opens.get(opens.len().saturating_sub(k as usize)).copied().unwrap_or(position), false)
            }
        };
        if reaches_back || start < first || position - start > limit {
            return None;
        }
        Some(compute_window(history, (start, position), self.config, self.kernels, self.scratch))
    }
}

/// What every threshold reads of one batch, appended to the history at position `base`.
#[derive(Clone, Copy)]
pub(crate) struct BatchContext<'a> {
    pub(crate) config: &'a FeatureConfig,
    pub(crate) kernels: &'a Kernels,
    pub(crate) history: &'a RecordHistory,
    pub(crate) batch: &'a TradeColumns<'a>,
    pub(crate) base: u64,
    /// See [`SymbolPipeline::stream_intra_from`].
    pub(crate) stream_from: u64,
}

/// Where one threshold's results go.
pub(crate) struct ThresholdWork<'a> {
    pub(crate) scratch: &'a mut WindowScratch,
    pub(crate) overflows: &'a mut Vec<WindowOverflow>,
    pub(crate) out: &'a mut Vec<(usize, FeaturedBar)>,
}

/// Runs threshold `index`'s builder over the context's batch, appending `(index, bar)` to `work.out`.
pub(crate) fn push_threshold(
    index: usize,
    threshold: &mut ThresholdState,
    context: BatchContext<'_>,
    work: ThresholdWork<'_>,
) -> Result<(), Error> {
    let batch = context.batch;
    let mut sink = ThresholdSink {
        index,
        config: context.config,
        kernels: context.kernels,
        history: context.history,
        windows: &mut threshold.windows,
        gap: &mut threshold.gap,
        cursor: 0,
        scratch: work.scratch,
        overflows: work.overflows,
        batch,
        base: context.base,
        stream_from: context.stream_from,
        out: work.out,
    };
    threshold.builder.push_columns_into(batch, &mut sink)?;
    let cursor = sink.cursor;
    threshold.gap.extend(&batch.timestamp_us[cursor..]);
    stream_intra(&mut threshold.windows, context, context.base + batch.len() as u64);
    Ok(())
}

/// Feeds the forming bar's records up to position `end` to its intra stream, starting one when the bar has
/// grown beyond the streaming threshold (and stopping it beyond the window limit, where its intra features are
/// null).
fn stream_intra(windows: &mut BarWindows, context: BatchContext<'_>, end: u64) {
    if let Some(stream) = windows.stream_if_long(context.config, context.stream_from, end) {
        stream.feed(context.history, end);
    }
}

impl BarWindows {
    /// The forming bar's intra stream, started if the bar (ending at position `end`) is longer than
    /// `stream_from` records, so that whether a bar streams depends on its length only, not on how its records
    /// were batched; `None` (and dropped) beyond the window limit.
    fn stream_if_long(&mut self, config: &FeatureConfig, stream_from: u64, end: u64) -> Option<&mut IntraStream> {
        let open = self.open_position.filter(|_| config.intra)?;
        let records = end - open;
        if records > config.max_window_records {
            self.intra = None;
        } else if records > stream_from && self.intra.is_none() {
            self.intra = Some(Box::new(IntraStream::new(open, config)));
        }
        self.intra.as_deref_mut()
    }
}

/// Receives one builder's events for one batch (already appended to the history at `base`).
struct ThresholdSink<'a> {
    index: usize,
    config: &'a FeatureConfig,
    kernels: &'a Kernels,
    history: &'a RecordHistory,
    windows: &'a mut BarWindows,
    /// The forming bar's gap tracker, and the first batch index it has not seen.
    gap: &'a mut GapTracker,
    cursor: usize,
    scratch: &'a mut WindowScratch,
    overflows: &'a mut Vec<WindowOverflow>,
    batch: &'a TradeColumns<'a>,
    base: u64,
    stream_from: u64,
    out: &'a mut Vec<(usize, FeaturedBar)>,
}

impl ThresholdSink<'_> {
    /// Extends the forming bar's gaps by the batch's records up to (not including) `end`.
    fn catch_up(&mut self, end: usize) {
        self.gap.extend(&self.batch.timestamp_us[self.cursor..end]);
        self.cursor = end;
    }

    fn emit(&mut self) -> Emit<'_> {
        Emit {
            index: self.index,
            config: self.config,
            kernels: self.kernels,
            history: self.history,
            scratch: self.scratch,
            overflows: self.overflows,
        }
    }
}

impl BarSink for ThresholdSink<'_> {
    fn bar_opened(&mut self, index: usize) {
        self.catch_up(index);
        *self.gap = GapTracker::default();
        let position = self.base + index as u64;
        self.windows.open_position = Some(position);
        self.windows.intra = None;
        self.windows.lookback = None;
        self.windows.lookback_overflow = false;
        if self.config.lookback {
            let open_time = self.batch.timestamp_us[index];
            let windows = std::mem::take(self.windows);
            let lookback = self.emit().lookback(&windows, position, open_time);
            *self.windows = windows;
            self.windows.lookback_overflow = lookback.is_none();
            self.windows.lookback = lookback;
        }
    }

    fn bar_completed(&mut self, bar: RangeBar, index: usize) {
        self.bar_completed_before(bar, index + 1);
    }

    fn bar_completed_before(&mut self, bar: RangeBar, end: usize) {
        self.catch_up(end);
        let max_gap_us = self.gap.finish_bar();
        let end = self.base + end as u64;
        let mut windows = std::mem::take(self.windows);
        windows.stream_if_long(self.config, self.stream_from, end);
        let features = self.emit().features(&mut windows, &bar, end);
        windows.intra = None;
        *self.windows = windows;
        let windows = &mut *self.windows;
        // Only `bars:K` lookback windows read the recent openings.
        if let Some(open) = windows.open_position.take()
            && self.config.lookback
            && let LookbackMode::Bars(k) = self.config.lookback_mode
        {
            windows.recent_opens.push_back(open);
            while windows.recent_opens.len() as u64 > k {
                windows.recent_opens.pop_front();
            }
        }
        windows.lookback = None;
        windows.lookback_overflow = false;
        self.out.push((self.index, FeaturedBar { bar, features, max_gap_us }));
    }
}

/// Builds range bars and computes their features in one streaming pass: a [`SymbolPipeline`] with one
/// threshold.
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
    pub(crate) inner: SymbolPipeline,
    bars: Vec<(usize, FeaturedBar)>,
}

impl FeaturePipeline {
    /// A pipeline with no history.
    pub fn new(builder: BuilderConfig, config: FeatureConfig, kernels: Kernels) -> Result<FeaturePipeline, Error> {
        Ok(FeaturePipeline::wrap(SymbolPipeline::new(&[builder], config, kernels)?))
    }

    pub(crate) fn wrap(inner: SymbolPipeline) -> FeaturePipeline {
        FeaturePipeline { inner, bars: Vec::new() }
    }

    /// The feature configuration.
    pub fn config(&self) -> &FeatureConfig {
        self.inner.config()
    }

    /// The underlying builder (read-only).
    pub fn builder(&self) -> &RangeBarBuilder {
        self.inner.builder(0)
    }

    /// Records held in the history (for diagnostics and tests).
    pub fn held_records(&self) -> u64 {
        self.inner.held_records()
    }

    /// The stream position of the next record (see [`SymbolPipeline::next_position`]).
    pub fn next_position(&self) -> u64 {
        self.inner.next_position()
    }

    /// Renumbers the stream positions (see [`SymbolPipeline::offset_positions`]).
    pub fn offset_positions(&mut self, by: u64) {
        self.inner.offset_positions(by);
    }

    /// The windows that exceeded the limit since the last call.
    pub fn take_overflows(&mut self) -> Vec<WindowOverflow> {
        self.inner.take_overflows()
    }

    /// Streams the intra features of a forming bar longer than `records` (see
    /// [`SymbolPipeline::stream_intra_from`]).
    pub fn stream_intra_from(&mut self, records: u64) {
        self.inner.stream_intra_from(records);
    }

    /// Pushes a batch, appending each completed bar with its features to `out`.
    ///
    /// On an ordering error nothing is consumed (the builder validates the whole batch first).
    pub fn push_batch(&mut self, batch: &TradeBatch, out: &mut Vec<FeaturedBar>) -> Result<(), Error> {
        self.push_columns(batch.columns(), out)
    }

    /// [`push_batch`](Self::push_batch) on borrowed columns.
    pub fn push_columns(&mut self, batch: TradeColumns<'_>, out: &mut Vec<FeaturedBar>) -> Result<(), Error> {
        self.bars.clear();
        self.inner.push_columns(batch, &mut self.bars)?;
        out.extend(self.bars.iter().map(|(_, bar)| *bar));
        Ok(())
    }

    /// The forming bar with the features of its records so far, if a bar is forming.
    pub fn incomplete(&mut self) -> Option<FeaturedBar> {
        self.inner.incomplete(0)
    }
}
