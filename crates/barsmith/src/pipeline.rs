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

use barsmith_core::features::{FeatureCheckpoint, FeatureConfig, FeaturePipeline, FeaturedBar, Kernels};
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

/// One feature pipeline per threshold over a single pass of the trades.
#[derive(Debug, Clone)]
pub struct BarPipeline {
    pipelines: Vec<FeaturePipeline>,
    include_incomplete: bool,
    trades: u64,
    bars: Vec<u64>,
    scratch: Vec<FeaturedBar>,
    parallel_thresholds: bool,
    threshold_bars: Vec<Vec<FeaturedBar>>,
}

impl BarPipeline {
    /// A pipeline with no history.
    pub fn new(config: &PipelineConfig) -> Result<BarPipeline, Error> {
        let settings = &config.settings;
        let pipelines = config
            .thresholds
            .iter()
            .map(|&threshold| {
                let builder = BuilderConfig { threshold, same_timestamp_gate: settings.same_timestamp_gate };
                FeaturePipeline::new(builder, settings.features, settings.kernels).map_err(Error::from)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BarPipeline::from_pipelines(pipelines, settings.include_incomplete))
    }

    /// A pipeline that continues from checkpoints (one per threshold, in the configured order).
    pub fn resume(config: &PipelineConfig, checkpoints: &[FeatureCheckpoint]) -> Result<BarPipeline, Error> {
        if checkpoints.len() != config.thresholds.len() {
            let message = format!("{} checkpoints for {} thresholds", checkpoints.len(), config.thresholds.len());
            return Err(Error::usage(message));
        }
        let settings = &config.settings;
        let mut pipelines = Vec::with_capacity(checkpoints.len());
        for (checkpoint, &threshold) in checkpoints.iter().zip(&config.thresholds) {
            let pipeline = FeaturePipeline::from_checkpoint(checkpoint, settings.kernels)?;
            let wanted = BuilderConfig { threshold, same_timestamp_gate: settings.same_timestamp_gate };
            if pipeline.builder().config() != wanted || *pipeline.config() != settings.features {
                return Err(Error::usage(format!(
                    "checkpoint for {} dbps was written with other settings than this run's",
                    threshold.dbps()
                )));
            }
            pipelines.push(pipeline);
        }
        Ok(BarPipeline::from_pipelines(pipelines, settings.include_incomplete))
    }

    fn from_pipelines(pipelines: Vec<FeaturePipeline>, include_incomplete: bool) -> BarPipeline {
        let bars = vec![0; pipelines.len()];
        BarPipeline {
            pipelines,
            include_incomplete,
            trades: 0,
            bars,
            scratch: Vec::new(),
            parallel_thresholds: false,
            threshold_bars: Vec::new(),
        }
    }

    /// Builds the thresholds on the current rayon pool's threads, batch by batch (they are independent
    /// builders over the same records); bars still reach the consumer in the same order. Off by default.
    pub fn set_parallel_thresholds(&mut self, parallel: bool) {
        self.parallel_thresholds = parallel;
    }

    /// Feeds one batch to every threshold.
    pub fn push_batch(&mut self, batch: &TradeBatch, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        if self.parallel_thresholds && self.pipelines.len() > 1 {
            return self.push_batch_parallel(batch, consumer);
        }
        for (index, pipeline) in self.pipelines.iter_mut().enumerate() {
            self.scratch.clear();
            pipeline.push_batch(batch, &mut self.scratch)?;
            for bar in &self.scratch {
                consumer.bar(index, bar, true)?;
            }
            self.bars[index] += self.scratch.len() as u64;
        }
        self.trades += batch.len() as u64;
        Ok(())
    }

    /// [`BarPipeline::push_batch`] with one rayon task per threshold.
    fn push_batch_parallel(&mut self, batch: &TradeBatch, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        use rayon::prelude::*;
        self.threshold_bars.resize_with(self.pipelines.len(), Vec::new);
        let results: Vec<Result<(), barsmith_core::Error>> = self
            .pipelines
            .par_iter_mut()
            .zip(self.threshold_bars.par_iter_mut())
            .map(|(pipeline, bars)| {
                bars.clear();
                pipeline.push_batch(batch, bars)
            })
            .collect();
        for result in results {
            result?;
        }
        for (index, bars) in self.threshold_bars.iter().enumerate() {
            for bar in bars {
                consumer.bar(index, bar, true)?;
            }
            self.bars[index] += bars.len() as u64;
        }
        self.trades += batch.len() as u64;
        Ok(())
    }

    /// Hands the per-threshold pipelines to the sharded run (`crate::parallel`).
    pub(crate) fn take_pipelines(&mut self) -> Vec<FeaturePipeline> {
        std::mem::take(&mut self.pipelines)
    }

    /// Takes the pipelines back after a sharded run that consumed `trades` more trades and completed
    /// `bars[i]` more bars of threshold `i`.
    pub(crate) fn restore_pipelines(&mut self, pipelines: Vec<FeaturePipeline>, trades: u64, bars: &[u64]) {
        self.pipelines = pipelines;
        self.trades += trades;
        for (total, more) in self.bars.iter_mut().zip(bars) {
            *total += more;
        }
    }

    /// Ends the stream: emits the incomplete bars when configured, then calls [`BarConsumer::finish`].
    /// Checkpoints stay available.
    pub fn finish(&mut self, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        if self.include_incomplete {
            for (index, pipeline) in self.pipelines.iter_mut().enumerate() {
                if let Some(bar) = pipeline.incomplete() {
                    consumer.bar(index, &bar, false)?;
                }
            }
        }
        consumer.finish()
    }

    /// One checkpoint per threshold, in the configured order.
    pub fn checkpoints(&self) -> Vec<FeatureCheckpoint> {
        self.pipelines.iter().map(FeaturePipeline::checkpoint).collect()
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
