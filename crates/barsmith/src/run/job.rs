//! One run of bars, for every front end: a [`Job`] reads its inputs (files grouped per symbol, or trade
//! batches held by the caller), builds every threshold in one pass per stream, symbols in parallel and a
//! symbol's files in shards when there are threads to spare, resumes from a checkpoint file, and hands each
//! stream's bars to a consumer from a [`ConsumerFactory`], followed by what reading found (id gaps between
//! files, dropped duplicates) as annotations. The CLI's [`super::write_bars`] is a job whose consumers are
//! output files; Python's `bars` is a job whose consumers collect Arrow tables.

use std::path::PathBuf;
use std::time::Instant;

use barsmith_core::features::{FeatureCheckpoint, FeaturedBar, WindowOverflow};
use barsmith_core::{BarSpec, Named, TradeBatch};
use barsmith_ingest::{IdGaps, IngestOptions, MultiFileReader};
use rayon::prelude::*;

use super::checkpoint::{self, ChainSettings, StreamCheckpoint};
use super::resume;
use super::source::{Closure, Files, Lent, Source, TradeSource};
use super::{RunSummary, StreamPlan, StreamSummary};
use crate::error::{Error, ErrorKind};
use crate::inputs::{SymbolStream, expand_inputs, group_by_symbol};
use crate::output::RunMetadata;
use crate::pipeline::{BarConsumer, BarPipeline};
use crate::progress::Progress;
use crate::settings::Settings;

/// A run: its settings, the symbol of inputs whose names do not give one, and the checkpoint file it
/// resumes from.
#[derive(Clone, Debug)]
pub struct Job {
    /// Thresholds, features, gate, kernels, sort/dedupe, threads.
    pub settings: Settings,
    /// Symbol for inputs whose names are not Binance names (then all inputs form one stream, in order), or of
    /// the batches of [`Job::run_batches`].
    pub symbol: Option<String>,
    /// Resume every (symbol, threshold) from this checkpoint file; pairs it does not hold start fresh (with a
    /// note), but a checkpoint that holds none of the run's pairs is refused.
    pub checkpoint_in: Option<PathBuf>,
    /// Build across a hole between the checkpoint and the input (ids missing over more than
    /// [`super::MAX_RESUME_GAP_US`], or more than [`super::MAX_RESUME_GAP_IDS`] ids), which is refused otherwise
    /// ([`ErrorKind::ResumeGap`]). Any hole there is reported in [`StreamSummary::gaps`] and counted in the
    /// outputs' metadata, like one between two files.
    pub allow_resume_gap: bool,
}

/// Where each stream's bars go.
pub trait ConsumerFactory: Sync {
    /// One stream's destination: it gets every threshold's bars (`BarConsumer::bar`'s index), then the
    /// annotations, then `finish`.
    type Consumer: BarConsumer + Send;

    /// One consumer per stream, in order; called once, before any input is read (so that an output that
    /// cannot be opened fails the run before any work). [`Job::metadata`] gives what each output records.
    fn open(&self, job: &Job, streams: &[SymbolStream]) -> Result<Vec<Self::Consumer>, Error>;
}

/// What a job produced: the summary, and each stream's consumer (finished), in the summary's order.
pub struct JobOutput<C> {
    /// Streams, bars, gaps, notes.
    pub summary: RunSummary,
    /// The consumers the factory opened, after `finish`.
    pub consumers: Vec<C>,
    /// Every (symbol, threshold)'s state at the end, and the resumed states this run did not touch.
    pub(crate) checkpoints: Vec<StreamCheckpoint>,
}

impl<C> std::fmt::Debug for JobOutput<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobOutput").field("summary", &self.summary).finish_non_exhaustive()
    }
}

impl Job {
    /// A job with these settings, no symbol, no checkpoint.
    pub fn new(settings: Settings) -> Job {
        Job { settings, symbol: None, checkpoint_in: None, allow_resume_gap: false }
    }

    /// What threshold number `index`'s output of `stream` records (Parquet metadata, Arrow schema metadata).
    pub fn metadata(&self, stream: &SymbolStream, index: usize) -> RunMetadata {
        let symbol = stream.symbol.as_deref().unwrap_or_default();
        let threshold = self.settings.thresholds[index];
        RunMetadata::of_run(symbol, threshold, &self.settings, &stream.files, self.checkpoint_in.as_deref())
    }

    /// The input files of `inputs` (files, directories, glob patterns) grouped per symbol, the files
    /// skipped, and their total size. `one_stream_without_symbol`: files whose names give no symbol may form
    /// one stream (the run writes one output); else they are an error.
    pub fn plan(&self, inputs: &[PathBuf], one_stream_without_symbol: bool) -> Result<StreamPlan, Error> {
        let expanded = expand_inputs(inputs)?;
        let bytes = expanded.files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
        let streams = group_by_symbol(expanded.files, self.symbol.as_deref(), one_stream_without_symbol)?;
        Ok(StreamPlan { streams, ignored: expanded.ignored, bytes })
    }

    /// Runs the job over the files of `plan`: symbols in parallel on `settings.threads` threads, a symbol's
    /// files in shards when threads are left over.
    pub fn run<F: ConsumerFactory>(
        &self,
        plan: StreamPlan,
        factory: &F,
        progress: &dyn Progress,
    ) -> Result<JobOutput<F::Consumer>, Error> {
        self.run_chain(plan, factory, progress, None)
    }

    /// [`Job::run`], resuming only from a checkpoint written with the same `chain` settings when given.
    pub(crate) fn run_chain<F: ConsumerFactory>(
        &self,
        plan: StreamPlan,
        factory: &F,
        progress: &dyn Progress,
        chain: Option<&ChainSettings>,
    ) -> Result<JobOutput<F::Consumer>, Error> {
        let started = Instant::now();
        self.check()?;
        let (resumed, notes) = self.resume(&plan.streams, chain)?;
        let consumers = factory.open(self, &plan.streams)?;
        progress.started(plan.bytes);
        let threads = self.settings.threads.unwrap_or(0);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::usage(format!("cannot start {threads} threads: {e}")))?;
        let stream_threads = crate::parallel::threads_per_stream(pool.current_num_threads(), plan.streams.len());
        let jobs: Vec<_> = plan.streams.iter().zip(consumers).collect();
        let results: Vec<Result<StreamDone<F::Consumer>, Error>> = pool.install(|| {
            jobs.into_par_iter()
                .map(|(stream, consumer)| {
                    self.run_stream(stream, consumer, resumed.as_deref(), progress, stream_threads)
                })
                .collect()
        });
        let mut output = JobOutput {
            summary: RunSummary {
                streams: Vec::with_capacity(results.len()),
                elapsed: started.elapsed(),
                backend: self.settings.stream.kernels.backend().name(),
                input_bytes: plan.bytes,
                ignored: plan.ignored,
                notes,
            },
            consumers: Vec::with_capacity(results.len()),
            checkpoints: Vec::new(),
        };
        for result in results {
            let (summary, states, consumer) = result?;
            output.summary.streams.push(summary);
            output.checkpoints.extend(states);
            output.consumers.push(consumer);
        }
        carry_over(&mut output.checkpoints, resumed.as_deref().unwrap_or_default());
        output.summary.elapsed = started.elapsed();
        Ok(output)
    }

    /// Runs the job over one stream of trades that `next` fills batch by batch (in stream order; `Ok(false)`
    /// at the end), named [`Job::symbol`]: in one pass on the calling thread. `next`'s errors pass through.
    pub fn run_batches<F, E>(
        &self,
        factory: &F,
        progress: &dyn Progress,
        next: impl FnMut(&mut TradeBatch) -> Result<bool, E>,
    ) -> Result<JobOutput<F::Consumer>, E>
    where
        F: ConsumerFactory,
        E: From<Error>,
    {
        self.run_caller_source(factory, progress, Closure { next, label: "the trades" })
    }

    /// [`Job::run_batches`] over a [`TradeSource`], whose batches may lend columns the caller already holds.
    pub fn run_source<F, S>(
        &self,
        factory: &F,
        progress: &dyn Progress,
        source: S,
    ) -> Result<JobOutput<F::Consumer>, S::Error>
    where
        F: ConsumerFactory,
        S: TradeSource,
    {
        self.run_caller_source(factory, progress, Lent { source, label: "the trades" })
    }

    fn run_caller_source<F: ConsumerFactory, S: Source>(
        &self,
        factory: &F,
        progress: &dyn Progress,
        source: S,
    ) -> Result<JobOutput<F::Consumer>, S::Error> {
        let started = Instant::now();
        self.check()?;
        let stream = SymbolStream { symbol: self.symbol.clone(), files: Vec::new(), periods: None };
        let streams = std::slice::from_ref(&stream);
        let (resumed, notes) = self.resume(streams, None)?;
        let consumer = factory.open(self, streams)?.pop().ok_or_else(|| Error::usage("no consumer for the trades"))?;
        let (summary, states, consumer) = self.one_stream(&stream, consumer, resumed.as_deref(), progress, source)?;
        let mut checkpoints = states;
        carry_over(&mut checkpoints, resumed.as_deref().unwrap_or_default());
        Ok(JobOutput {
            summary: RunSummary {
                streams: vec![summary],
                elapsed: started.elapsed(),
                backend: self.settings.stream.kernels.backend().name(),
                input_bytes: 0,
                ignored: Vec::new(),
                notes,
            },
            consumers: vec![consumer],
            checkpoints,
        })
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.settings.thresholds.is_empty() {
            return Err(Error::usage("no threshold given"));
        }
        if self.settings.threads == Some(0) {
            return Err(Error::usage("threads 0: give at least 1 (or leave it out to use every core)"));
        }
        Ok(())
    }

    /// The states to resume from and the notes about pairs that start fresh (none without a checkpoint).
    fn resume(&self, streams: &[SymbolStream], chain: Option<&ChainSettings>) -> Result<Resumed, Error> {
        match &self.checkpoint_in {
            Some(path) => resume::resume_from(path, self, streams, chain),
            None => Ok((None, Vec::new())),
        }
    }

    /// The pipeline of `stream`, resumed where the checkpoint holds its (symbol, threshold) pairs.
    fn pipeline<'a>(
        &self,
        stream: &SymbolStream,
        resumed: Option<&'a [StreamCheckpoint]>,
    ) -> Result<(BarPipeline, Vec<Option<&'a FeatureCheckpoint>>), Error> {
        let states: Vec<Option<&FeatureCheckpoint>> = self
            .settings
            .thresholds
            .iter()
            .map(|t| resumed.and_then(|all| find_checkpoint(all, stream.symbol.as_deref(), *t)).map(|c| &c.state))
            .collect();
        let pipeline = BarPipeline::resume_some(&self.settings.pipeline(), &states)
            .map_err(|e| e.prefixed(format!("{}: ", stream.label())))?;
        Ok((pipeline, states))
    }

    /// One stream of files: in shards when it has threads to spare and starts fresh, else in one pass.
    fn run_stream<C: BarConsumer + Send>(
        &self,
        stream: &SymbolStream,
        mut consumer: C,
        resumed: Option<&[StreamCheckpoint]>,
        progress: &dyn Progress,
        threads: usize,
    ) -> Result<StreamDone<C>, Error> {
        let ingest = &self.settings.ingest;
        // Shards start fresh: a resumed stream is read in one pass (its first record is checked against the state).
        let fresh = resumed.is_none_or(|all| {
            self.settings.thresholds.iter().all(|t| find_checkpoint(all, stream.symbol.as_deref(), *t).is_none())
        });
        let mut measured = None;
        // Shards are proven exact for range bars without a minimum duration (docs/PARALLEL.md); other kinds run
        // in one pass, their builders in parallel.
        let range_only = self.settings.stream.min_duration_us == 0
            && self.settings.thresholds.iter().all(|s| s.threshold().is_some());
        if threads > 1 && fresh && range_only {
            let (mut pipeline, _) = self.pipeline(stream, resumed)?;
            let mut watched = OverflowWatch { inner: &mut consumer, job: self, stream, progress };
            let fed = crate::parallel::feed_stream(
                &stream.files,
                ingest,
                &mut pipeline,
                &mut watched,
                progress,
                (threads, self.settings.sharding),
            )?;
            if let Ok(fed) = fed {
                let read = Read {
                    gaps: fed.gaps,
                    dropped_duplicates: fed.dropped_duplicates,
                    shards: fed.stats.shards,
                    replayed: fed.stats.replayed,
                    openings: fed.stats.openings,
                    scan_time: fed.stats.scan_time,
                    shard_choice: None,
                    resume_gaps: Vec::new(),
                };
                return self.finish_stream(stream, pipeline, consumer, read, progress);
            }
            if let Err(crate::parallel::OnePass::Measured(choice)) = fed {
                measured = Some(choice);
            }
        }
        // Input that cannot be cut: the threads build the thresholds and parse the text in parallel.
        let parse_threads = if ingest.parse_threads > 1 { ingest.parse_threads } else { threads };
        let ingest = IngestOptions { parse_threads, ..ingest.clone() };
        let reader = Files { reader: MultiFileReader::new(&stream.files, &ingest)? };
        let (mut pipeline, states) = self.pipeline(stream, resumed)?;
        pipeline.set_parallel_thresholds(threads > 1);
        let mut read = self.one_pass(stream, &states, &mut pipeline, (&mut consumer, progress), reader)?;
        read.shard_choice = measured;
        self.finish_stream(stream, pipeline, consumer, read, progress)
    }

    /// One stream read in one pass from `source`.
    fn one_stream<C: BarConsumer + Send, S: Source>(
        &self,
        stream: &SymbolStream,
        mut consumer: C,
        resumed: Option<&[StreamCheckpoint]>,
        progress: &dyn Progress,
        source: S,
    ) -> Result<StreamDone<C>, S::Error> {
        let (mut pipeline, states) = self.pipeline(stream, resumed)?;
        let read = self.one_pass(stream, &states, &mut pipeline, (&mut consumer, progress), source)?;
        Ok(self.finish_stream(stream, pipeline, consumer, read, progress)?)
    }

    /// Reads `source` into `pipeline`, checking the first record against resumed checkpoints and reporting
    /// windows over the limit as it goes.
    fn one_pass<C: BarConsumer, S: Source>(
        &self,
        stream: &SymbolStream,
        states: &[Option<&FeatureCheckpoint>],
        pipeline: &mut BarPipeline,
        (consumer, progress): (&mut C, &dyn Progress),
        mut source: S,
    ) -> Result<Read, S::Error> {
        let thresholds = &self.settings.thresholds;
        let mut batch = TradeBatch::new();
        let mut bytes_reported = 0;
        let mut first = true;
        let mut resume_gaps = Vec::new();
        loop {
            if progress.cancelled() {
                return Err(Error::new(ErrorKind::Cancelled).into());
            }
            if !source.next_batch(&mut batch)? {
                break;
            }
            let columns = source.columns(&batch);
            if columns.is_empty() {
                continue;
            }
            if std::mem::take(&mut first) {
                let place = PathBuf::from(source.place());
                resume_gaps = resume::check_after_checkpoints((columns, &place), states, self, stream)?;
            }
            pipeline.push_columns(columns, consumer)?;
            for overflow in pipeline.take_overflows() {
                progress.warning(&overflow_message(stream, thresholds[overflow.threshold], &overflow));
            }
            let bytes = source.bytes_read();
            progress.advanced(bytes.saturating_sub(bytes_reported), columns.len() as u64);
            bytes_reported = bytes;
        }
        let (gaps, dropped_duplicates) = source.findings();
        Ok(Read {
            gaps,
            dropped_duplicates,
            shards: 1,
            replayed: 0,
            openings: 0,
            scan_time: Default::default(),
            shard_choice: None,
            resume_gaps,
        })
    }

    /// Annotates the consumer with what reading found, ends the stream, and sums it up.
    fn finish_stream<C: BarConsumer>(
        &self,
        stream: &SymbolStream,
        mut pipeline: BarPipeline,
        mut consumer: C,
        read: Read,
        progress: &dyn Progress,
    ) -> Result<StreamDone<C>, Error> {
        let thresholds = &self.settings.thresholds;
        // What reading found, for the outputs' metadata: the id gaps between files (and, for each resumed
        // threshold, the one between its checkpoint and the input) and the duplicates `dedupe` dropped.
        for index in 0..thresholds.len() {
            let gaps = resume::with_resume_gap(&read.gaps, read.resume_gaps.get(index).and_then(Option::as_ref));
            consumer.annotate_threshold(index, "id_gaps", &gaps.count.to_string());
            consumer.annotate_threshold(index, "missing_ids", &gaps.missing_ids.to_string());
        }
        consumer.annotate("dropped_duplicates", &read.dropped_duplicates.to_string());
        pipeline.finish(&mut consumer)?;
        for overflow in pipeline.take_overflows() {
            progress.warning(&overflow_message(stream, thresholds[overflow.threshold], &overflow));
        }
        let states = pipeline
            .checkpoints()
            .into_iter()
            .zip(thresholds)
            .map(|(state, &spec)| StreamCheckpoint::new(stream.symbol.clone(), spec, state))
            .collect();
        let summary = StreamSummary {
            symbol: stream.symbol.clone(),
            trades: pipeline.trades(),
            bars: thresholds.iter().copied().zip(pipeline.bar_counts().iter().copied()).collect(),
            gaps: resume::with_resume_gap(
                &read.gaps,
                read.resume_gaps.iter().flatten().max_by_key(|gap| gap.missing_ids()),
            ),
            outputs: Vec::new(),
            dropped_duplicates: read.dropped_duplicates,
            shards: read.shards,
            replayed_records: read.replayed,
            opened_runs: read.openings,
            scan_time: read.scan_time,
            shard_choice: read.shard_choice,
        };
        Ok((summary, states, consumer))
    }
}

/// What a finished stream hands back: its summary, checkpoints and consumer.
type StreamDone<C> = (StreamSummary, Vec<StreamCheckpoint>, C);

/// What reading a stream found besides the bars.
struct Read {
    gaps: IdGaps,
    dropped_duplicates: u64,
    shards: usize,
    replayed: u64,
    openings: u64,
    scan_time: std::time::Duration,
    /// The probe's measurement when it chose one pass over shards.
    shard_choice: Option<crate::parallel::probe::ShardChoice>,
    /// Per threshold, the id gap between its checkpoint and the input (empty when nothing resumed).
    resume_gaps: Vec<Option<barsmith_ingest::IdGap>>,
}

/// The states a run resumes from, and the notes about pairs that start fresh.
type Resumed = (Option<Vec<StreamCheckpoint>>, Vec<String>);

/// Notes for the (symbol, threshold) pairs of this run that the checkpoint does not hold: they start fresh.
pub(super) fn fresh_pairs(
    resumed: &[StreamCheckpoint],
    streams: &[SymbolStream],
    thresholds: &[BarSpec],
    path: &std::path::Path,
) -> Vec<String> {
    let mut notes = Vec::new();
    for stream in streams {
        for threshold in thresholds {
            if find_checkpoint(resumed, stream.symbol.as_deref(), *threshold).is_none() {
                notes.push(format!(
                    "{} at {}: not in {} (which holds {}); it starts fresh",
                    stream.label(),
                    crate::pipeline::spec_label(*threshold),
                    path.display(),
                    checkpoint::describe(resumed)
                ));
            }
        }
    }
    notes
}

fn find_checkpoint<'a>(
    all: &'a [StreamCheckpoint],
    symbol: Option<&str>,
    spec: BarSpec,
) -> Option<&'a StreamCheckpoint> {
    all.iter().find(|c| c.symbol.as_deref() == symbol && c.spec() == spec)
}

/// Keeps the states of the resumed checkpoint that this run did not touch, so a chain of runs can skip a
/// symbol for a day.
fn carry_over(checkpoints: &mut Vec<StreamCheckpoint>, resumed: &[StreamCheckpoint]) {
    for old in resumed {
        if !checkpoints.iter().any(|c| c.symbol == old.symbol && c.spec() == old.spec()) {
            checkpoints.push(old.clone());
        }
    }
}

/// Passes bars on, warning about each bar whose window features are null because a window exceeded
/// `max_window_records` (the sharded run's bars come from several pipelines; the null window group is the
/// mark: a window group that is on is null only then).
struct OverflowWatch<'a, C> {
    inner: &'a mut C,
    job: &'a Job,
    stream: &'a SymbolStream,
    progress: &'a dyn Progress,
}

impl<C: BarConsumer> BarConsumer for OverflowWatch<'_, C> {
    fn bar(&mut self, index: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        let features = &self.job.settings.stream.features;
        let intra = features.intra && bar.features.intra.is_none();
        let lookback = features.lookback && bar.features.lookback.is_none();
        if intra || lookback {
            let overflow = WindowOverflow {
                threshold: index,
                open_time_us: bar.bar.open_time,
                intra_records: intra.then_some(bar.bar.agg_record_count),
                lookback,
                limit: features.max_window_records,
            };
            let threshold = self.job.settings.thresholds[index];
            self.progress.warning(&overflow_message(self.stream, threshold, &overflow));
        }
        self.inner.bar(index, bar, complete)
    }

    fn finish(&mut self) -> Result<(), Error> {
        self.inner.finish()
    }
}

/// The warning for a bar whose windows exceeded `max_window_records`.
fn overflow_message(stream: &SymbolStream, threshold: BarSpec, overflow: &WindowOverflow) -> Named {
    let mut nulls = Vec::new();
    if let Some(records) = overflow.intra_records {
        nulls.push(format!("its own window has {records} records (intra_* features are null)"));
    }
    if overflow.lookback {
        nulls.push("its lookback window has more (lookback_* features are null)".to_string());
    }
    let bar = format!(
        "{} at {}: the bar opened at {} ({} µs) exceeds ",
        stream.label(),
        crate::pipeline::spec_label(threshold),
        crate::calendar::format_utc_us(overflow.open_time_us),
        overflow.open_time_us,
    );
    Named::text(bar)
        .setting("max_window_records")
        .then(format!(" {}: {}; raise ", overflow.limit, nulls.join("; ")))
        .setting("max_window_records")
        .then(" to compute them (each record of the longest window costs about 70 bytes while it is computed)")
}
