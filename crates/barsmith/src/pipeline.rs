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

use std::fmt;

use barsmith_core::features::{
    FeatureCheckpoint, FeatureConfig, FeaturePipeline, FeaturedBar, Kernels, SymbolPipeline, WindowOverflow,
};
use barsmith_core::{BarSpec, BuilderConfig, Named, Threshold, TradeBatch, TradeColumns};

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
    /// Range bars: a breach earlier than this many µs after the open does not close the bar (0: off).
    pub min_duration_us: i64,
}

/// Bar specifications plus [`StreamSettings`].
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// One builder per bar specification (range bars at a threshold are [`BarSpec::Range`]); the stream is
    /// read once.
    pub thresholds: Vec<BarSpec>,
    /// Gate, incomplete bars, features, kernels.
    pub settings: StreamSettings,
}

impl PipelineConfig {
    /// Range bars at `thresholds`: completed bars only, gate on, every feature, the best kernels of this CPU.
    pub fn new(thresholds: Vec<Threshold>) -> PipelineConfig {
        PipelineConfig::of_bars(thresholds.into_iter().map(BarSpec::Range).collect())
    }

    /// Bars of `specs`, with the defaults of [`PipelineConfig::new`].
    pub fn of_bars(specs: Vec<BarSpec>) -> PipelineConfig {
        PipelineConfig {
            thresholds: specs,
            settings: StreamSettings {
                same_timestamp_gate: true,
                include_incomplete: false,
                features: FeatureConfig::default(),
                kernels: Kernels::detect(),
                min_duration_us: 0,
            },
        }
    }
}

/// The builder configuration of `spec` under `settings`: the gate and the minimum duration shape range bars
/// only (other kinds keep the defaults, so their checkpoints do not depend on them).
pub fn builder_config(spec: BarSpec, settings: &StreamSettings) -> BuilderConfig {
    match spec {
        BarSpec::Range(_) => BuilderConfig {
            same_timestamp_gate: settings.same_timestamp_gate,
            min_duration_us: settings.min_duration_us,
            ..BuilderConfig::of(spec)
        },
        _ => BuilderConfig::of(spec),
    }
}

/// A specification as messages name it: `250 dbps` for range bars, else its text (`dollar:10000000`).
pub fn spec_label(spec: BarSpec) -> String {
    match spec {
        BarSpec::Range(threshold) => format!("{} dbps", threshold.dbps()),
        other => other.to_string(),
    }
}

/// Where bars go: the one trait for every destination — memory ([`CollectBars`]), a closure
/// ([`BarCallback`]), a CSV or Parquet file ([`crate::output::create_writer`]), several files at once.
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

    /// A fact about the input known only once it has been read (e.g. `id_gaps`), called before
    /// [`BarConsumer::finish`]; outputs that carry metadata (Parquet) record it as `barsmith.KEY`, the others
    /// ignore it.
    fn annotate(&mut self, key: &str, value: &str) {
        let _ = (key, value);
    }

    /// A fact about the input for threshold number `threshold`'s output only (e.g. its `id_gaps`, which count
    /// the hole between its checkpoint and the input). By default [`BarConsumer::annotate`], right for a
    /// destination of one threshold; a destination of several records it for that threshold only.
    fn annotate_threshold(&mut self, threshold: usize, key: &str, value: &str) {
        let _ = threshold;
        self.annotate(key, value);
    }
}

impl<C: BarConsumer + ?Sized> BarConsumer for Box<C> {
    fn bar(&mut self, threshold: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        (**self).bar(threshold, bar, complete)
    }

    fn annotate(&mut self, key: &str, value: &str) {
        (**self).annotate(key, value);
    }

    fn annotate_threshold(&mut self, threshold: usize, key: &str, value: &str) {
        (**self).annotate_threshold(threshold, key, value);
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

/// Every threshold of one stream over a single pass of the trades. The thresholds share one record history
/// ([`SymbolPipeline`]); a resumed run that adds thresholds runs the new ones (which start fresh) as a second
/// group with its own history, since they have not seen the records the resumed ones hold.
#[derive(Debug, Clone)]
pub struct BarPipeline {
    groups: Vec<ThresholdGroup>,
    include_incomplete: bool,
    trades: u64,
    bars: Vec<u64>,
    scratch: Vec<(usize, FeaturedBar)>,
    kernels: Kernels,
}

/// Thresholds that are at the same record of the stream: one pipeline, and the configured index of each of
/// its thresholds.
#[derive(Debug, Clone)]
struct ThresholdGroup {
    pipeline: SymbolPipeline,
    indices: Vec<usize>,
}

impl BarPipeline {
    /// A pipeline with no history.
    pub fn new(config: &PipelineConfig) -> Result<BarPipeline, Error> {
        let none: Vec<Option<&FeatureCheckpoint>> = vec![None; config.thresholds.len()];
        BarPipeline::resume_some(config, &none)
    }

    /// A pipeline that continues from checkpoints (one per threshold, in the configured order).
    pub fn resume(config: &PipelineConfig, checkpoints: &[FeatureCheckpoint]) -> Result<BarPipeline, Error> {
        let some: Vec<Option<&FeatureCheckpoint>> = checkpoints.iter().map(Some).collect();
        BarPipeline::resume_some(config, &some)
    }

    /// A pipeline whose thresholds continue from their checkpoints where one is given, and start fresh where
    /// not (one entry per threshold, in the configured order). A checkpoint written with other settings than
    /// `config` is refused, naming every setting that differs.
    pub fn resume_some(
        config: &PipelineConfig,
        checkpoints: &[Option<&FeatureCheckpoint>],
    ) -> Result<BarPipeline, Error> {
        if checkpoints.len() != config.thresholds.len() {
            let message = format!("{} checkpoints for {} thresholds", checkpoints.len(), config.thresholds.len());
            return Err(Error::usage(message));
        }
        if config.thresholds.is_empty() {
            return Err(Error::usage("no threshold given"));
        }
        let settings = &config.settings;
        let builder_of = |spec: BarSpec| builder_config(spec, settings);
        let (mut fresh, mut resumed) = (Vec::new(), Vec::new());
        for (index, (checkpoint, &spec)) in checkpoints.iter().zip(&config.thresholds).enumerate() {
            let Some(checkpoint) = checkpoint else {
                fresh.push(index);
                continue;
            };
            if let Some(differences) = setting_differences(checkpoint, &builder_of(spec), &settings.features) {
                let message = format!("the checkpoint for {} was written with other settings: ", spec_label(spec));
                let remedy = "; run with the checkpoint's settings, or start without ";
                let message = Named::text(message).append(differences).then(remedy).setting("checkpoint_in");
                return Err(Error::usage(message));
            }
            resumed.push((index, (*checkpoint).clone()));
        }
        let mut groups = Vec::with_capacity(2);
        if !resumed.is_empty() {
            let states: Vec<FeatureCheckpoint> = resumed.iter().map(|(_, c)| c.clone()).collect();
            let pipeline = SymbolPipeline::from_checkpoints(&states, settings.kernels)?;
            groups.push(ThresholdGroup { pipeline, indices: resumed.iter().map(|(i, _)| *i).collect() });
        }
        if !fresh.is_empty() {
            let builders: Vec<BuilderConfig> = fresh.iter().map(|&i| builder_of(config.thresholds[i])).collect();
            let pipeline = SymbolPipeline::new(&builders, settings.features, settings.kernels)?;
            groups.push(ThresholdGroup { pipeline, indices: fresh });
        }
        let bars = vec![0; config.thresholds.len()];
        Ok(BarPipeline {
            groups,
            include_incomplete: settings.include_incomplete,
            trades: 0,
            bars,
            scratch: Vec::new(),
            kernels: settings.kernels,
        })
    }

    /// Builds the thresholds on the current rayon pool's threads, batch by batch (they are independent
    /// builders over the same records and share one record history); bars reach the consumer in the same
    /// order. Off by default.
    pub fn set_parallel_thresholds(&mut self, parallel: bool) {
        for group in &mut self.groups {
            group.pipeline.set_parallel_thresholds(parallel);
        }
    }

    /// Streams the intra features of every forming bar longer than `records` as its records arrive (default
    /// 2^17; see `SymbolPipeline::stream_intra_from`): a live stream sets it low (e.g. 1 024) so that no bar's
    /// close computes a long window at once (docs/FEATURES.md). Values are the block kernels' within their
    /// bounds, so a run compared bit for bit with another keeps the same setting.
    pub fn stream_intra_from(&mut self, records: u64) {
        for group in &mut self.groups {
            group.pipeline.stream_intra_from(records);
        }
    }

    /// Hands one pipeline per threshold (configured order) to the sharded run (`crate::parallel`).
    pub(crate) fn take_pipelines(&mut self) -> Result<Vec<FeaturePipeline>, Error> {
        let pipelines = self
            .checkpoints()
            .iter()
            .map(|checkpoint| FeaturePipeline::from_checkpoint(checkpoint, self.kernels))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(pipelines)
    }

    /// Takes the per-threshold pipelines back after a sharded run that consumed `trades` more trades and
    /// completed `bars[i]` more bars of threshold `i`; the thresholds that shared a history share it again.
    pub(crate) fn restore_pipelines(
        &mut self,
        pipelines: &[FeaturePipeline],
        trades: u64,
        bars: &[u64],
    ) -> Result<(), Error> {
        for group in &mut self.groups {
            let states: Vec<FeatureCheckpoint> = group.indices.iter().map(|&i| pipelines[i].checkpoint()).collect();
            let (parallel, stream_from) = (group.pipeline.parallel_thresholds(), group.pipeline.intra_stream_from());
            group.pipeline = SymbolPipeline::from_checkpoints(&states, self.kernels)?;
            group.pipeline.set_parallel_thresholds(parallel);
            group.pipeline.stream_intra_from(stream_from);
        }
        self.trades += trades;
        for (total, more) in self.bars.iter_mut().zip(bars) {
            *total += more;
        }
        Ok(())
    }

    /// Feeds one batch to every threshold.
    pub fn push_batch(&mut self, batch: &TradeBatch, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        self.push_columns(batch.columns(), consumer)
    }

    /// [`push_batch`](Self::push_batch) on borrowed columns (no copy of columns held elsewhere).
    pub fn push_columns(&mut self, batch: TradeColumns<'_>, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        for group in &mut self.groups {
            self.scratch.clear();
            group.pipeline.push_columns(batch, &mut self.scratch)?;
            for (position, bar) in &self.scratch {
                let index = group.indices[*position];
                consumer.bar(index, bar, true)?;
                self.bars[index] += 1;
            }
        }
        self.trades += batch.len() as u64;
        Ok(())
    }

    /// Ends the stream: emits the incomplete bars when configured, then calls [`BarConsumer::finish`].
    /// Checkpoints stay available.
    pub fn finish(&mut self, consumer: &mut impl BarConsumer) -> Result<(), Error> {
        if self.include_incomplete {
            for index in 0..self.bars.len() {
                if let Some(bar) = self.incomplete(index) {
                    consumer.bar(index, &bar, false)?;
                }
            }
        }
        consumer.finish()
    }

    /// The bar forming at configured threshold `index`, with the features of its records so far (`None`
    /// when no bar is forming). The stream can go on.
    pub fn incomplete(&mut self, index: usize) -> Option<FeaturedBar> {
        let (group, position) = self.locate(index);
        self.groups[group].pipeline.incomplete(position)
    }

    /// The group and the position in it of configured threshold `index`.
    fn locate(&self, index: usize) -> (usize, usize) {
        self.groups
            .iter()
            .enumerate()
            .find_map(|(g, group)| group.indices.iter().position(|&i| i == index).map(|p| (g, p)))
            .expect("every configured threshold is in one group")
    }

    /// One checkpoint per threshold, in the configured order.
    pub fn checkpoints(&self) -> Vec<FeatureCheckpoint> {
        (0..self.bars.len())
            .map(|index| {
                let (group, position) = self.locate(index);
                self.groups[group].pipeline.checkpoint(position)
            })
            .collect()
    }

    /// The bars whose windows exceeded [`FeatureConfig::max_window_records`] since the last call (their
    /// window features of that group are null); `threshold` indexes the configured thresholds.
    pub fn take_overflows(&mut self) -> Vec<WindowOverflow> {
        let mut all = Vec::new();
        for group in &mut self.groups {
            all.extend(group.pipeline.take_overflows().into_iter().map(|mut overflow| {
                overflow.threshold = group.indices[overflow.threshold];
                overflow
            }));
        }
        all
    }

    /// Records held in the record histories.
    pub fn held_records(&self) -> u64 {
        self.groups.iter().map(|g| g.pipeline.held_records()).sum()
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

/// Every setting in which `checkpoint` differs from this run, as `name: checkpoint X, this run Y`, joined by
/// `; ` (`None`: none differs).
fn setting_differences(
    checkpoint: &FeatureCheckpoint,
    builder: &BuilderConfig,
    features: &FeatureConfig,
) -> Option<Named> {
    let (old_builder, old) = (&checkpoint.builder.config, &checkpoint.config);
    let on = |flag: bool| if flag { "on" } else { "off" }.to_string();
    let differences = Differences::default()
        .compare("bars", old_builder.spec, builder.spec)
        .compare("min_duration", duration_text(old_builder.min_duration_us), duration_text(builder.min_duration_us))
        .compare("gate", on(old_builder.same_timestamp_gate), on(builder.same_timestamp_gate))
        .compare("features", feature_groups(old), feature_groups(features))
        .compare("lookback", old.lookback_mode, features.lookback_mode)
        .compare("pe", on(old.permutation_entropy), on(features.permutation_entropy))
        .compare("hurst", on(old.hurst), on(features.hurst))
        .compare("pe_order", old.pe_order, features.pe_order)
        .compare("pe_min_records", old.pe_min_records, features.pe_min_records)
        .compare("hurst_min_records", old.hurst_min_records, features.hurst_min_records)
        .compare("max_window_records", old.max_window_records, features.max_window_records);
    match differences.0 {
        None if old != features => Some(Named::text("feature settings differ")),
        named => named,
    }
}

/// The settings that differ so far, for messages: `name: checkpoint X, this run Y; …`.
#[derive(Default)]
pub(crate) struct Differences(pub(crate) Option<Named>);

impl Differences {
    /// Adds `setting` when `old` (the checkpoint's) and `new` (this run's) differ.
    pub(crate) fn compare<T: PartialEq + fmt::Display>(self, setting: &'static str, old: T, new: T) -> Differences {
        if old == new {
            return self;
        }
        let difference = Named::from_setting(setting).then(format!(": checkpoint {old}, this run {new}"));
        Differences(Some(match self.0 {
            Some(before) => before.then("; ").append(difference),
            None => difference,
        }))
    }
}

/// A minimum duration as the setting spells it (`0` for none, else `2s`, `500ms`).
fn duration_text(us: i64) -> String {
    if us == 0 { "0".to_string() } else { barsmith_core::format_duration(us) }
}

/// The feature groups turned on, as `--features` spells them (`none` for none).
pub fn feature_groups(config: &FeatureConfig) -> String {
    let groups: Vec<&str> = [(config.bar, "bar"), (config.intra, "intra"), (config.lookback, "lookback")]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
    if groups.is_empty() { "none".to_string() } else { groups.join(",") }
}
