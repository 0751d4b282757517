//! The embeddable pipeline: trade batches in, bars with features for one or more thresholds out.
//!
//! ```
//! use barsmith::pipeline::{BarPipeline, CollectBars, PipelineConfig};
//! use barsmith::generate::{GenConfig, TradeGenerator};
//! use barsmith_core::{Threshold, TradeBatch};
//!
//! let trades: TradeBatch = TradeGenerator::new(GenConfig { trades: 50_000, ..GenConfig::default() }).collect();
//! let config = PipelineConfig::new(vec![Threshold::from_dbps(50).unwrap()]);
//! let mut pipeline = BarPipeline::new(&config).unwrap();
//! let mut bars = CollectBars::default();
//! pipeline.push_batch(&trades, &mut bars).unwrap();
//! pipeline.finish(&mut bars).unwrap();
//! assert!(!bars.completed.is_empty());
//! ```

use barsmith_core::features::{FeatureCheckpoint, FeatureConfig, FeaturedBar, Kernels, SymbolPipeline, WindowOverflow};
use barsmith_core::{BuilderConfig, Threshold, TradeBatch};

use crate::error::Error;

/// What to build from one stream of trades.
#[derive(Clone, Copy, Debug)]
pub struct StreamSettings {
    /// The same-timestamp gate (see `docs/RANGE_BARS.md`).
    pub same_timestamp_gate: bool,
    /// Emit the forming bar at the end, flagged incomplete.
    pub include_incomplete: bool,
    /// Which features to compute.
    pub features: FeatureConfig,
    /// The kernels backend for the features.
    pub kernels: Kernels,
}

/// Thresholds plus [`StreamSettings`].
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// One builder per threshold; the stream is read once.
    pub thresholds: Vec<Threshold>,
    /// Gate, incomplete bars, features, kernels.
    pub settings: StreamSettings,
}

impl PipelineConfig {
    /// Completed bars only, gate on, every feature, the best kernels of this CPU.
    pub fn new(thresholds: Vec<Threshold>) -> PipelineConfig {
        PipelineConfig {
            thresholds,
            settings: StreamSettings {
                same_timestamp_gate: true,
                include_incomplete: false,
                features: FeatureConfig::default(),
                kernels: Kernels::detect(),
            },
        }
    }
}

/// Where bars go: the one trait for every destination — memory ([`CollectBars`]), a closure
/// ([`BarCallback`]), a CSV or Parquet file ([`crate::sink::create_writer`]), several files at once.
///
/// [`BarPipeline::push_batch`] hands it bars as they complete; [`BarPipeline::finish`] hands it the forming
/// bars (when configured) and then calls [`BarConsumer::finish`] once.
pub trait BarConsumer {
    /// One bar of threshold number `threshold` (in the configured order); `complete` is false only for the
    /// forming bar at the end of the stream. A single-threshold destination (one file) ignores `threshold`.
    fn bar(&mut self, threshold: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error>;

    /// The stream has ended: flush, and for files move the output into place. Called once; no bar follows.
    fn finish(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

impl<C: BarConsumer + ?Sized> BarConsumer for Box<C> {
    fn bar(&mut self, threshold: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        (**self).bar(threshold, bar, complete)
    }

    fn finish(&mut self) -> Result<(), Error> {
        (**self).finish()
    }
}

/// A [`BarConsumer`] that keeps every bar in memory.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CollectBars {
    /// Completed bars with their threshold index, in order.
    pub completed: Vec<(usize, FeaturedBar)>,
    /// Incomplete bars (at most one per threshold).
    pub incomplete: Vec<(usize, FeaturedBar)>,
}

impl BarConsumer for CollectBars {
    fn bar(&mut self, index: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        let list = if complete { &mut self.completed } else { &mut self.incomplete };
        list.push((index, *bar));
        Ok(())
    }
}

/// Wraps a closure as a [`BarConsumer`].
#[derive(Debug)]
pub struct BarCallback<F>(pub F);

impl<F: FnMut(usize, &FeaturedBar, bool) -> Result<(), Error>> BarConsumer for BarCallback<F> {
    fn bar(&mut self, index: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        (self.0)(index, bar, complete)
    }
}

/// Every threshold of one stream over a single pass of the trades, sharing one record history
/// ([`SymbolPipeline`]).
#[derive(Debug, Clone)]
pub struct BarPipeline {
    pipeline: SymbolPipeline,
    include_incomplete: bool,
    trades: u64,
    bars: Vec<u64>,
    scratch: Vec<(usize, FeaturedBar)>,
}

impl BarPipeline {
    /// A pipeline with no history.
    pub fn new(config: &PipelineConfig) -> Result<BarPipeline, Error> {
        let settings = &config.settings;
        if config.thresholds.is_empty() {
            return Err(Error::usage("no threshold given"));
        }
        let builders: Vec<BuilderConfig> = config
            .thresholds
            .iter()
            .map(|&threshold| BuilderConfig { threshold, same_timestamp_gate: settings.same_timestamp_gate })
            .collect();
        let pipeline = SymbolPipeline::new(&builders, settings.features, settings.kernels)
            .map_err(|e| Error::usage(format!("feature configuration: {e}")))?;
        Ok(BarPipeline::from_pipeline(pipeline, settings.include_incomplete))
    }

    /// A pipeline that continues from checkpoints (one per threshold, in the configured order).
    pub fn resume(config: &PipelineConfig, checkpoints: &[FeatureCheckpoint]) -> Result<BarPipeline, Error> {
        if checkpoints.len() != config.thresholds.len() {
            let message = format!("{} checkpoints for {} thresholds", checkpoints.len(), config.thresholds.len());
            return Err(Error::usage(message));
        }
        let settings = &config.settings;
        let pipeline = SymbolPipeline::from_checkpoints(checkpoints, settings.kernels)?;
        for (index, &threshold) in config.thresholds.iter().enumerate() {
            let wanted = BuilderConfig { threshold, same_timestamp_gate: settings.same_timestamp_gate };
            if pipeline.builder(index).config() != wanted || *pipeline.config() != settings.features {
                return Err(Error::usage(format!(
                    "checkpoint for {} dbps was written with other settings than this run's",
                    threshold.dbps()
                )));
            }
        }
        Ok(BarPipeline::from_pipeline(pipeline, settings.include_incomplete))
    }

    fn from_pipeline(pipeline: SymbolPipeline, include_incomplete: bool) -> BarPipeline {
        let bars = vec![0; pipeline.len()];
        BarPipeline { pipeline, include_incomplete, trades: 0, bars, scratch: Vec::new() }
    }

    /// Feeds one batch to every threshold.
    pub fn push_batch(&mut self, batch: &TradeBatch, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        self.scratch.clear();
        self.pipeline.push_batch(batch, &mut self.scratch)?;
        for (index, bar) in &self.scratch {
            consumer.bar(*index, bar, true)?;
            self.bars[*index] += 1;
        }
        self.trades += batch.len() as u64;
        Ok(())
    }

    /// Ends the stream: emits the incomplete bars when configured, then calls [`BarConsumer::finish`].
    /// Checkpoints stay available.
    pub fn finish(&mut self, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        if self.include_incomplete {
            for index in 0..self.pipeline.len() {
                if let Some(bar) = self.pipeline.incomplete(index) {
                    consumer.bar(index, &bar, false)?;
                }
            }
        }
        consumer.finish()
    }

    /// One checkpoint per threshold, in the configured order.
    pub fn checkpoints(&self) -> Vec<FeatureCheckpoint> {
        (0..self.pipeline.len()).map(|index| self.pipeline.checkpoint(index)).collect()
    }

    /// The bars whose windows exceeded [`FeatureConfig::max_window_records`] since the last call (their
    /// window features of that group are null); `threshold` indexes the configured thresholds.
    pub fn take_overflows(&mut self) -> Vec<WindowOverflow> {
        self.pipeline.take_overflows()
    }

    /// Records held in the shared record history.
    pub fn held_records(&self) -> u64 {
        self.pipeline.held_records()
    }

    /// Trades consumed so far.
    pub fn trades(&self) -> u64 {
        self.trades
    }

    /// Completed bars so far, per threshold in the configured order.
    pub fn bar_counts(&self) -> &[u64] {
        &self.bars
    }
}
