//! The boundary scan and the feature runs of the boundaries-first engine ([`crate::parallel::exact`]).
//!
//! The scan runs each threshold's bar rule alone (its builder, through [`RangeBarBuilder::push_batch_into`],
//! no features) over the shards in stream order from the true state, and finds in every shard the first
//! record on which a bar opens after a close there: the shard's *cut*. A feature run then starts at each
//! cut in the one-pass state ([`FeaturePipeline::at_opening`]) and covers the records up to the next cut.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use barsmith_core::features::{FeaturePipeline, FeaturedBar, Opening};
use barsmith_core::{BarSink, FeatureConfig, Kernels, LookbackMode, RangeBar, RangeBarBuilder, TradeBatch};

use crate::error::Error;

/// Records a feature run pushes at a time (bounds the history a run holds beyond its windows).
const RUN_BATCH: usize = 1 << 14;

/// A parsed shard and the stream position of its first record.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub(crate) position: u64,
    pub(crate) records: Arc<Recycled>,
}

/// Records `range` of a held shard.
pub(crate) type Piece = (Arc<Recycled>, Range<usize>);

/// The buffers of shards no longer held, for the next shards to parse into (their pages are not faulted
/// in again).
pub(crate) type Pool = Arc<Mutex<Vec<TradeBatch>>>;

/// A shard's records, which go back to the pool when the last run that reads them drops them.
#[derive(Debug)]
pub(crate) struct Recycled {
    pub(crate) batch: TradeBatch,
    pool: Pool,
}

impl Recycled {
    /// An empty batch from the pool (a new one when the pool is empty).
    pub(crate) fn from(pool: &Pool) -> Recycled {
        let batch = pool.lock().ok().and_then(|mut free| free.pop()).unwrap_or_default();
        Recycled { batch, pool: pool.clone() }
    }
}

impl std::ops::Deref for Recycled {
    type Target = TradeBatch;

    fn deref(&self) -> &TradeBatch {
        &self.batch
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        let mut batch = std::mem::take(&mut self.batch);
        batch.clear();
        if let Ok(mut free) = self.pool.lock() {
            free.push(batch);
        }
    }
}

/// Where a feature run starts: the true state, or a bar opening the scan found.
#[derive(Debug)]
pub(crate) enum Start {
    State(Box<FeaturePipeline>),
    Opening { position: u64, builder: Box<RangeBarBuilder>, recent: Vec<u64>, tail: Vec<Piece> },
}

/// One threshold's bar rule, carried from shard to shard.
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    builder: RangeBarBuilder,
    /// Openings of the latest completed bars, oldest first (the last `keep`).
    recent: VecDeque<u64>,
    keep: usize,
    /// The forming bar's opening.
    open: Option<u64>,
}

/// What the scan of one shard found for one threshold.
#[derive(Debug)]
pub(crate) struct Cut {
    /// Index in the shard of the opening record.
    pub(crate) index: usize,
    pub(crate) builder: RangeBarBuilder,
    pub(crate) recent: Vec<u64>,
}

impl Scanner {
    /// A scanner that continues from `pipeline`'s state.
    pub(crate) fn new(pipeline: &FeaturePipeline) -> Scanner {
        let config = pipeline.config();
        let keep = match config.lookback_mode {
            LookbackMode::Bars(k) if config.lookback => k as usize,
            _ => 0,
        };
        let (recent, open) = pipeline.bar_openings();
        Scanner { builder: pipeline.builder().clone(), recent: recent.into(), keep, open }
    }

    /// Runs the bar rule over `shard` (its first record at stream position `position`); returns the shard's
    /// cut: index 0 when no bar is forming before it (and it is not the stream's first shard), else the record
    /// after the first close inside it, if that record is in the shard.
    pub(crate) fn scan(&mut self, shard: &TradeBatch, position: u64, first: bool) -> Result<Option<Cut>, Error> {
        let before = (self.builder.clone(), self.recent.clone());
        let mut sink = ScanSink {
            scanner_open: &mut self.open,
            recent: &mut self.recent,
            keep: self.keep,
            position,
            first_close: None,
        };
        self.builder.push_batch_into(shard, &mut sink)?;
        let first_close = sink.first_close.take();
        if !first && before.0.incomplete_bar().is_none() {
            return Ok(Some(Cut { index: 0, builder: before.0, recent: before.1.into() }));
        }
        let Some((close, recent)) = first_close.filter(|(close, _)| close + 1 < shard.len()) else { return Ok(None) };
        let mut builder = before.0;
        let mut head = TradeBatch::new();
        head.extend_from(shard, 0..close + 1);
        builder.push_batch(&head, &mut Vec::new())?;
        Ok(Some(Cut { index: close + 1, builder, recent }))
    }
}

struct ScanSink<'a> {
    scanner_open: &'a mut Option<u64>,
    recent: &'a mut VecDeque<u64>,
    keep: usize,
    position: u64,
    /// The first close in the shard and the recent openings right after it.
    first_close: Option<(usize, Vec<u64>)>,
}

impl BarSink for ScanSink<'_> {
    fn bar_opened(&mut self, index: usize) {
        *self.scanner_open = Some(self.position + index as u64);
    }

    fn bar_completed(&mut self, _bar: RangeBar, index: usize) {
        if let Some(open) = self.scanner_open.take()
            && self.keep > 0
        {
            self.recent.push_back(open);
            while self.recent.len() > self.keep {
                self.recent.pop_front();
            }
        }
        if self.first_close.is_none() {
            self.first_close = Some((index, self.recent.iter().copied().collect()));
        }
    }
}

/// The tail an opening at stream position `position` needs, cut from the held shards (oldest first, each
/// ending where the next starts, the last one holding `position − 1`); `None` when it reaches before them.
pub(crate) fn tail(config: &FeatureConfig, position: u64, recent: &[u64], held: &[Held]) -> Option<Vec<Piece>> {
    let held_from = held.first().map_or(position, |h| h.position);
    let time_at = |p: u64| {
        let shard = held.iter().rev().find(|h| h.position <= p).expect("a held position");
        shard.records.timestamp_us[(p - shard.position) as usize]
    };
    let needed = FeaturePipeline::first_needed_before(config, position, recent, held_from, &time_at)?;
    let pieces = held
        .iter()
        .filter_map(|h| {
            let end = h.position + h.records.len() as u64;
            let (from, to) = (needed.max(h.position), end.min(position));
            (from < to).then(|| (h.records.clone(), (from - h.position) as usize..(to - h.position) as usize))
        })
        .collect();
    Some(pieces)
}

/// What a feature run produced.
#[derive(Debug)]
pub(crate) struct RunDone {
    pub(crate) bars: Vec<FeaturedBar>,
    pub(crate) end: FeaturePipeline,
}

/// Runs the features of one threshold from `start` over `pieces`, in order.
pub(crate) fn run(start: Start, pieces: &[Piece], config: FeatureConfig, kernels: Kernels) -> Result<RunDone, Error> {
    let mut pipeline = match start {
        Start::State(pipeline) => *pipeline,
        Start::Opening { position, builder, recent, tail } => {
            let mut records = TradeBatch::new();
            for (shard, range) in &tail {
                records.extend_from(shard, range.clone());
            }
            let opening = Opening { position, builder: *builder, recent_opens: &recent, tail: &records };
            FeaturePipeline::at_opening(config, kernels, opening)?
        }
    };
    let (mut bars, mut batch) = (Vec::new(), TradeBatch::new());
    for (shard, range) in pieces {
        for from in range.clone().step_by(RUN_BATCH) {
            batch.clear();
            batch.extend_from(shard, from..(from + RUN_BATCH).min(range.end));
            pipeline.push_batch(&batch, &mut bars)?;
        }
    }
    Ok(RunDone { bars, end: pipeline })
}
