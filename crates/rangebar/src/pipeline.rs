//! The embeddable pipeline: trade batches in, bars for one or more thresholds out.
//!
//! ```
//! use rangebar::pipeline::{BarPipeline, PipelineConfig, CollectBars};
//! use rangebar::generate::{GenConfig, TradeGenerator};
//! use rangebar_core::{Threshold, TradeBatch};
//!
//! let trades: TradeBatch = TradeGenerator::new(GenConfig { trades: 50_000, ..GenConfig::default() }).collect();
//! let config = PipelineConfig::new(vec![Threshold::from_dbps(50).unwrap()]);
//! let mut pipeline = BarPipeline::new(&config);
//! let mut bars = CollectBars::default();
//! pipeline.push_batch(&trades, &mut bars).unwrap();
//! pipeline.finish(&mut bars).unwrap();
//! assert!(!bars.completed.is_empty());
//! ```

use rangebar_core::{BuilderConfig, Checkpoint, RangeBar, RangeBarBuilder, Threshold, TradeBatch};

use crate::error::Error;

/// What to build from one stream of trades.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineConfig {
    /// One builder per threshold; the stream is read once.
    pub thresholds: Vec<Threshold>,
    /// The same-timestamp gate (see `docs/RANGE_BARS.md`).
    pub same_timestamp_gate: bool,
    /// Emit the forming bar at the end, flagged incomplete.
    pub include_incomplete: bool,
}

impl PipelineConfig {
    /// Completed bars only, gate on.
    pub fn new(thresholds: Vec<Threshold>) -> PipelineConfig {
        PipelineConfig { thresholds, same_timestamp_gate: true, include_incomplete: false }
    }
}

/// Receives bars as they complete (and, at the end, the incomplete ones if configured).
pub trait BarConsumer {
    /// One bar for `threshold`; `complete` is false only for the forming bar at the end of the stream.
    fn bar(&mut self, threshold: Threshold, bar: &RangeBar, complete: bool) -> Result<(), Error>;
}

/// A [`BarConsumer`] that keeps every bar in memory.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CollectBars {
    /// Completed bars with their threshold, in order.
    pub completed: Vec<(Threshold, RangeBar)>,
    /// Incomplete bars (at most one per threshold).
    pub incomplete: Vec<(Threshold, RangeBar)>,
}

impl BarConsumer for CollectBars {
    fn bar(&mut self, threshold: Threshold, bar: &RangeBar, complete: bool) -> Result<(), Error> {
        let list = if complete { &mut self.completed } else { &mut self.incomplete };
        list.push((threshold, *bar));
        Ok(())
    }
}

/// Wraps a closure as a [`BarConsumer`].
#[derive(Debug)]
pub struct BarCallback<F>(pub F);

impl<F: FnMut(Threshold, &RangeBar, bool) -> Result<(), Error>> BarConsumer for BarCallback<F> {
    fn bar(&mut self, threshold: Threshold, bar: &RangeBar, complete: bool) -> Result<(), Error> {
        (self.0)(threshold, bar, complete)
    }
}

/// Counts of a finished run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Trades consumed.
    pub trades: u64,
    /// Completed bars per threshold, in the configured order.
    pub bars: Vec<(Threshold, u64)>,
}

/// One builder per threshold over a single pass of the trades.
#[derive(Debug, Clone)]
pub struct BarPipeline {
    builders: Vec<RangeBarBuilder>,
    include_incomplete: bool,
    counts: RunCounts,
    scratch: Vec<RangeBar>,
}

impl BarPipeline {
    /// A pipeline with fresh builders.
    pub fn new(config: &PipelineConfig) -> BarPipeline {
        let builders = config
            .thresholds
            .iter()
            .map(|&threshold| {
                RangeBarBuilder::new(BuilderConfig { threshold, same_timestamp_gate: config.same_timestamp_gate })
            })
            .collect();
        BarPipeline::from_builders(builders, config.include_incomplete)
    }

    /// A pipeline that continues from checkpoints (one per threshold, in order).
    pub fn resume(config: &PipelineConfig, checkpoints: &[Checkpoint]) -> Result<BarPipeline, Error> {
        if checkpoints.len() != config.thresholds.len() {
            return Err(Error::usage(format!(
                "{} checkpoints for {} thresholds",
                checkpoints.len(),
                config.thresholds.len()
            )));
        }
        let mut builders = Vec::with_capacity(checkpoints.len());
        for (checkpoint, &threshold) in checkpoints.iter().zip(&config.thresholds) {
            let wanted = BuilderConfig { threshold, same_timestamp_gate: config.same_timestamp_gate };
            if checkpoint.config != wanted {
                return Err(Error::usage(format!(
                    "checkpoint was written for {:?}, this run uses {wanted:?}",
                    checkpoint.config
                )));
            }
            builders.push(RangeBarBuilder::from_checkpoint(checkpoint)?);
        }
        Ok(BarPipeline::from_builders(builders, config.include_incomplete))
    }

    fn from_builders(builders: Vec<RangeBarBuilder>, include_incomplete: bool) -> BarPipeline {
        let bars = builders.iter().map(|b| (b.config().threshold, 0)).collect();
        BarPipeline { builders, include_incomplete, counts: RunCounts { trades: 0, bars }, scratch: Vec::new() }
    }

    /// Feeds one batch to every threshold's builder.
    pub fn push_batch(&mut self, batch: &TradeBatch, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        for (builder, (threshold, count)) in self.builders.iter_mut().zip(&mut self.counts.bars) {
            self.scratch.clear();
            builder.push_batch_into(batch, &mut self.scratch)?;
            for bar in &self.scratch {
                consumer.bar(*threshold, bar, true)?;
            }
            *count += self.scratch.len() as u64;
        }
        self.counts.trades += batch.len() as u64;
        Ok(())
    }

    /// Ends the stream: emits the incomplete bars when configured. The pipeline stays usable for checkpoints.
    pub fn finish(&mut self, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        if self.include_incomplete {
            for builder in &self.builders {
                if let Some(bar) = builder.incomplete_bar() {
                    consumer.bar(builder.config().threshold, &bar, false)?;
                }
            }
        }
        Ok(())
    }

    /// One checkpoint per threshold, in the configured order.
    pub fn checkpoints(&self) -> Vec<Checkpoint> {
        self.builders.iter().map(RangeBarBuilder::checkpoint).collect()
    }

    /// Trades and bars so far.
    pub fn counts(&self) -> &RunCounts {
        &self.counts
    }
}
