//! Running the whole job from paths: discover inputs, build every (symbol, threshold) in one pass per
//! symbol, symbols in parallel, write the outputs and the checkpoint as one atomic commit.
//!
//! Before anything is read: every output path is planned, an output or checkpoint that is one of the inputs
//! is refused, and every output file is opened (so an unwritable path fails at once). The outputs appear
//! only when every stream succeeded and the checkpoint was written ([`CommitMode::Together`]).

mod checkpoint;
mod plan;
mod resume;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use barsmith_core::features::{FeatureCheckpoint, FeaturedBar, WindowOverflow};
use barsmith_core::{Threshold, TradeBatch};
use barsmith_ingest::{IdGaps, IngestOptions, MultiFileReader};
use rayon::prelude::*;

use crate::error::Error;
use crate::inputs::{IgnoredFile, SymbolStream, expand_inputs, group_by_symbol};
use crate::output::{AtomicFile, OutputFile, Transaction};
use crate::pipeline::{BarConsumer, BarPipeline, PipelineConfig, StreamSettings};
use crate::sink::{BoxedWriter, OutputFormat, OutputSchema, RunMetadata, open_writer};
use checkpoint::{ChainSettings, StreamCheckpoint, write_checkpoints};
use plan::{PlannedOutput, allows_single_output, check_paths, output_paths};
pub use resume::{MAX_RESUME_GAP_IDS, MAX_RESUME_GAP_US, ResumeGap};

/// Where outputs go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputTarget {
    /// One file (or `-` for stdout): only for a single (symbol, threshold).
    File(PathBuf),
    /// One file per (symbol, threshold): `DIR/{SYMBOL}-{DBPS}dbps[-{PERIOD}].{ext}`.
    Directory(PathBuf),
    /// What `barsmith bars -o PATH` means: one file when the path is `-` or ends in an output extension
    /// (`.csv`, `.csv.zst`, `.csv.gz`, `.parquet`; several outputs there are refused, naming them); a
    /// directory (created, parents included) when it is one, ends in `/` or has no extension. Without an
    /// extension an existing device, FIFO or socket is written through, and an existing regular file is
    /// refused. An unknown extension is refused unless `format` is given.
    Auto(PathBuf),
}

/// When outputs are committed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommitMode {
    /// Every output and the checkpoint appear together, only when the whole run succeeded.
    #[default]
    Together,
    /// Each symbol's outputs appear when that symbol is done (a later failure keeps them); the checkpoint
    /// still only when everything succeeded. For runs so large that redoing finished symbols matters.
    PerSymbol,
}

/// Everything a run needs.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Files, directories and glob patterns.
    pub inputs: Vec<PathBuf>,
    /// Symbol for inputs whose names are not Binance names (then all inputs form one stream, in order).
    pub symbol: Option<String>,
    /// Thresholds built in the same pass.
    pub thresholds: Vec<Threshold>,
    /// Gate, incomplete bars, features, kernels.
    pub settings: StreamSettings,
    /// How inputs are read.
    pub ingest: IngestOptions,
    /// Where bars go.
    pub output: OutputTarget,
    /// Output format; `None` = from the file extension, else CSV.
    pub format: Option<OutputFormat>,
    /// Worker threads for symbols in parallel; `None` = all cores.
    pub threads: Option<usize>,
    /// Resume every (symbol, threshold) from this checkpoint file; pairs it does not hold start fresh (with a
    /// note), but a checkpoint that holds none of the run's pairs is refused.
    pub checkpoint_in: Option<PathBuf>,
    /// Build across a hole between the checkpoint and the input (ids missing over more than
    /// [`MAX_RESUME_GAP_US`], or more than [`MAX_RESUME_GAP_IDS`] ids), which is refused otherwise
    /// ([`ErrorKind::ResumeGap`](crate::ErrorKind::ResumeGap)). Any hole there is reported in
    /// [`StreamSummary::gaps`] and counted in the outputs' metadata, like one between two files.
    pub allow_resume_gap: bool,
    /// Save every (symbol, threshold)'s state here at the end.
    pub checkpoint_out: Option<PathBuf>,
    /// When outputs are committed.
    pub commit: CommitMode,
}

// The observer of a run and the one that ignores everything live in the leaf `progress` module (one pair for
// the workspace); re-exported here, where runs take them.
pub use crate::progress::{NoProgress, Progress};

/// What one symbol's stream produced.
#[derive(Clone, Debug)]
pub struct StreamSummary {
    /// The symbol (`None` for a stream without one).
    pub symbol: Option<String>,
    /// Trades consumed.
    pub trades: u64,
    /// Completed bars per threshold.
    pub bars: Vec<(Threshold, u64)>,
    /// agg_trade_id gaps between consecutive files, and between the checkpoint and the first file of a resumed
    /// stream (the largest over its thresholds; that one is `first`).
    pub gaps: IdGaps,
    /// Files written, per threshold.
    pub outputs: Vec<PathBuf>,
    /// Exact duplicate records dropped by `dedupe`.
    pub dropped_duplicates: u64,
    /// Shards the stream was cut into (1: read in one pass; see `crate::parallel`).
    pub shards: usize,
    /// Records the joins between shards replayed, summed over thresholds.
    pub replayed_records: u64,
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// One entry per symbol, sorted by symbol.
    pub streams: Vec<StreamSummary>,
    /// Wall time.
    pub elapsed: Duration,
    /// Kernels backend used for the features.
    pub backend: &'static str,
    /// Total input bytes (file sizes), when known.
    pub input_bytes: u64,
    /// Files skipped in input directories, with the reason.
    pub ignored: Vec<IgnoredFile>,
    /// Things the user should know (pairs that started fresh on resume, …).
    pub notes: Vec<String>,
}

/// The inputs of a run: the streams, the files skipped in directories, the total input size.
#[derive(Clone, Debug)]
pub struct StreamPlan {
    /// One stream per symbol.
    pub streams: Vec<SymbolStream>,
    /// Files skipped in input directories.
    pub ignored: Vec<IgnoredFile>,
    /// Summed file sizes in bytes.
    pub bytes: u64,
}

/// The input files of a run, grouped per symbol, the files skipped, and their total size in bytes.
pub fn plan_streams(config: &RunConfig) -> Result<StreamPlan, Error> {
    let expanded = expand_inputs(&config.inputs)?;
    let bytes = expanded.files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let streams = group_by_symbol(expanded.files, config.symbol.as_deref(), allows_single_output(config))?;
    Ok(StreamPlan { streams, ignored: expanded.ignored, bytes })
}

/// Runs the job.
pub fn run(config: &RunConfig, progress: &dyn Progress) -> Result<RunSummary, Error> {
    let started = Instant::now();
    if config.thresholds.is_empty() {
        return Err(Error::usage("no threshold given"));
    }
    if config.threads == Some(0) {
        return Err(Error::usage("--threads 0: give at least 1 (or leave it out to use every core)"));
    }
    let plan = plan_streams(config)?;
    let outputs = output_paths(config, &plan.streams)?;
    let inputs: Vec<PathBuf> = plan.streams.iter().flat_map(|s| s.files.iter().cloned()).collect();
    check_paths(config, &inputs, &outputs)?;
    let chain = ChainSettings {
        include_incomplete: config.settings.include_incomplete,
        format: outputs.iter().flatten().next().map_or(OutputFormat::Csv, |(_, f)| *f).extension().to_string(),
    };
    let (resumed, notes) = match &config.checkpoint_in {
        Some(path) => resume::resume_from(path, config, &plan.streams, &chain)?,
        None => (None, Vec::new()),
    };
    let transaction = Transaction::new();
    let staged = stage_outputs(config, &plan.streams, &outputs, &transaction)?;
    let checkpoint_file = config
        .checkpoint_out
        .as_deref()
        .map(|path| AtomicFile::create_in(path, &transaction).map_err(|e| Error::from_output(path, e)))
        .transpose()?;
    progress.started(plan.bytes);
    let threads = config.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::usage(format!("cannot start {threads} threads: {e}")))?;
    let jobs: Vec<_> = plan.streams.iter().zip(&outputs).zip(staged).collect();
    let stream_threads = crate::parallel::threads_per_stream(pool.current_num_threads(), jobs.len());
    let results: Vec<Result<(StreamSummary, Vec<StreamCheckpoint>), Error>> = pool.install(|| {
        jobs.into_par_iter()
            .map(|((stream, paths), writers)| {
                let done = run_stream(config, stream, paths, writers, resumed.as_deref(), progress, stream_threads)?;
                if config.commit == CommitMode::PerSymbol {
                    done.0.commit().map_err(|(path, e)| Error::from_output(path, e))?;
                }
                Ok((done.1, done.2))
            })
            .collect()
    });
    let mut summaries = Vec::with_capacity(results.len());
    let mut checkpoints = Vec::new();
    for result in results {
        let (summary, states) = result?;
        summaries.push(summary);
        checkpoints.extend(states);
    }
    if let (Some(file), Some(path)) = (checkpoint_file, &config.checkpoint_out) {
        carry_over(&mut checkpoints, resumed.as_deref().unwrap_or_default());
        write_checkpoints(file, path, checkpoints, chain)?;
    }
    transaction.commit().map_err(|(path, e)| Error::from_output(path, e))?;
    Ok(RunSummary {
        streams: summaries,
        elapsed: started.elapsed(),
        backend: config.settings.kernels.backend().name(),
        input_bytes: plan.bytes,
        ignored: plan.ignored,
        notes,
    })
}

/// One stream's writers and, with [`CommitMode::PerSymbol`], its own transaction.
type StagedStream = (Arc<Transaction>, Vec<BoxedWriter>);

/// Opens every output before any input is read: an unwritable path fails the run before any work.
fn stage_outputs(
    config: &RunConfig,
    streams: &[SymbolStream],
    outputs: &[Vec<PlannedOutput>],
    transaction: &Arc<Transaction>,
) -> Result<Vec<StagedStream>, Error> {
    let schema =
        OutputSchema { features: config.settings.features, include_incomplete: config.settings.include_incomplete };
    let mut staged = Vec::with_capacity(streams.len());
    for (stream, paths) in streams.iter().zip(outputs) {
        let stream_transaction =
            if config.commit == CommitMode::PerSymbol { Transaction::new() } else { Arc::clone(transaction) };
        let mut writers = Vec::with_capacity(paths.len());
        for ((path, format), &threshold) in paths.iter().zip(&config.thresholds) {
            let metadata = RunMetadata {
                symbol: stream.symbol.clone().unwrap_or_default(),
                threshold,
                same_timestamp_gate: config.settings.same_timestamp_gate,
                lookback: config.settings.features.lookback_mode.to_string(),
                backend: config.settings.kernels.backend().name().to_string(),
                inputs: stream.files.clone(),
                settings: output_settings(config),
            };
            let file = OutputFile::create_in(path, &stream_transaction).map_err(|e| Error::from_output(path, e))?;
            writers.push(open_writer(file, path, *format, &schema, &metadata)?);
        }
        staged.push((stream_transaction, writers));
    }
    Ok(staged)
}

/// The settings recorded in Parquet metadata beside the symbol, threshold, gate, lookback and backend.
fn output_settings(config: &RunConfig) -> Vec<(String, String)> {
    let features = &config.settings.features;
    let mut settings = vec![
        ("features".to_string(), crate::pipeline::feature_groups(features)),
        ("permutation_entropy".to_string(), features.permutation_entropy.to_string()),
        ("hurst".to_string(), features.hurst.to_string()),
        ("pe_order".to_string(), features.pe_order.to_string()),
        ("pe_min_records".to_string(), features.pe_min_records.to_string()),
        ("hurst_min_records".to_string(), features.hurst_min_records.to_string()),
        ("max_window_records".to_string(), features.max_window_records.to_string()),
        ("include_incomplete".to_string(), config.settings.include_incomplete.to_string()),
        ("sort".to_string(), config.ingest.sort.to_string()),
        ("dedupe".to_string(), config.ingest.dedupe.to_string()),
    ];
    if let Some(path) = &config.checkpoint_in {
        settings.push(("resumed_from".to_string(), path.display().to_string()));
    }
    settings
}

/// Notes for the (symbol, threshold) pairs of this run that the checkpoint does not hold: they start fresh.
pub(super) fn fresh_pairs(
    resumed: &[StreamCheckpoint],
    streams: &[SymbolStream],
    thresholds: &[Threshold],
    path: &Path,
) -> Vec<String> {
    let mut notes = Vec::new();
    for stream in streams {
        for threshold in thresholds {
            if find_checkpoint(resumed, stream.symbol.as_deref(), *threshold).is_none() {
                notes.push(format!(
                    "{} at {} dbps: not in {} (which holds {}); it starts fresh",
                    stream.label(),
                    threshold.dbps(),
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
    threshold: Threshold,
) -> Option<&'a StreamCheckpoint> {
    all.iter().find(|c| c.symbol.as_deref() == symbol && c.threshold_dbps == threshold.dbps())
}

/// Keeps the states of the resumed checkpoint that this run did not touch, so a chain of runs can skip a
/// symbol for a day.
fn carry_over(checkpoints: &mut Vec<StreamCheckpoint>, resumed: &[StreamCheckpoint]) {
    for old in resumed {
        if !checkpoints.iter().any(|c| c.symbol == old.symbol && c.threshold_dbps == old.threshold_dbps) {
            checkpoints.push(old.clone());
        }
    }
}

/// Sends each threshold's bars to its writer.
struct WriterFanOut {
    writers: Vec<BoxedWriter>,
}

impl BarConsumer for WriterFanOut {
    fn bar(&mut self, index: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        self.writers[index].bar(index, bar, complete)
    }

    fn finish(&mut self) -> Result<(), Error> {
        self.writers.iter_mut().try_for_each(|writer| writer.finish())
    }

    fn annotate(&mut self, key: &str, value: &str) {
        self.writers.iter_mut().for_each(|writer| writer.annotate(key, value));
    }
}

/// What a finished stream hands back: its transaction, summary and checkpoints.
type StreamDone = (Arc<Transaction>, StreamSummary, Vec<StreamCheckpoint>);

fn run_stream(
    config: &RunConfig,
    stream: &SymbolStream,
    outputs: &[PlannedOutput],
    (transaction, writers): StagedStream,
    resumed: Option<&[StreamCheckpoint]>,
    progress: &dyn Progress,
    threads: usize,
) -> Result<StreamDone, Error> {
    let pipeline_config = PipelineConfig { thresholds: config.thresholds.clone(), settings: config.settings };
    let states: Vec<Option<&FeatureCheckpoint>> = config
        .thresholds
        .iter()
        .map(|t| resumed.and_then(|all| find_checkpoint(all, stream.symbol.as_deref(), *t)).map(|c| &c.state))
        .collect();
    let mut pipeline = BarPipeline::resume_some(&pipeline_config, &states)
        .map_err(|e| Error::usage(format!("{}: {e}", stream.label())))?;
    let mut fan_out = WriterFanOut { writers };
    // Shards start fresh: a resumed stream is read in one pass (its first record is checked against the state).
    let shardable = threads > 1 && states.iter().all(Option::is_none);
    let fed = if shardable {
        let mut watched = OverflowWatch { inner: &mut fan_out, config, stream, progress };
        crate::parallel::feed_stream(&stream.files, &config.ingest, &mut pipeline, &mut watched, progress, threads)?
    } else {
        None
    };
    let read = match fed {
        Some(fed) => OnePass {
            gaps: fed.gaps,
            dropped_duplicates: fed.dropped_duplicates,
            shards: fed.stats.shards,
            replayed: fed.stats.replayed,
            resume_gaps: Vec::new(),
        },
        None => {
            // Input that cannot be cut: the threads build the thresholds and parse the text in parallel.
            pipeline.set_parallel_thresholds(threads > 1);
            let parse_threads = if config.ingest.parse_threads > 1 { config.ingest.parse_threads } else { threads };
            let ingest = IngestOptions { parse_threads, ..config.ingest.clone() };
            read_in_one_pass((config, &ingest), stream, &states, &mut pipeline, (&mut fan_out, progress))?
        }
    };
    // What reading found, for the outputs' metadata (Parquet): the id gaps between files and the duplicates
    // `dedupe` dropped.
    for (index, writer) in fan_out.writers.iter_mut().enumerate() {
        let gaps = resume::with_resume_gap(&read.gaps, read.resume_gaps.get(index).and_then(Option::as_ref));
        writer.annotate("id_gaps", &gaps.count.to_string());
        writer.annotate("missing_ids", &gaps.missing_ids.to_string());
    }
    fan_out.annotate("dropped_duplicates", &read.dropped_duplicates.to_string());
    pipeline.finish(&mut fan_out)?;
    for overflow in pipeline.take_overflows() {
        progress.warning(&overflow_message(stream, config.thresholds[overflow.threshold], &overflow));
    }
    let states = pipeline
        .checkpoints()
        .into_iter()
        .zip(&config.thresholds)
        .map(|(state, t)| StreamCheckpoint { symbol: stream.symbol.clone(), threshold_dbps: t.dbps(), state })
        .collect();
    let summary = StreamSummary {
        symbol: stream.symbol.clone(),
        trades: pipeline.trades(),
        bars: config.thresholds.iter().copied().zip(pipeline.bar_counts().iter().copied()).collect(),
        gaps: resume::with_resume_gap(
            &read.gaps,
            read.resume_gaps.iter().flatten().max_by_key(|gap| gap.missing_ids()),
        ),
        outputs: outputs.iter().map(|(p, _)| p.clone()).collect(),
        dropped_duplicates: read.dropped_duplicates,
        shards: read.shards,
        replayed_records: read.replayed,
    };
    Ok((transaction, summary, states))
}

/// What reading a stream found besides the bars.
struct OnePass {
    gaps: IdGaps,
    dropped_duplicates: u64,
    shards: usize,
    replayed: u64,
    /// Per threshold, the id gap between its checkpoint and the input (empty when nothing resumed).
    resume_gaps: Vec<Option<barsmith_ingest::IdGap>>,
}

/// Reads the stream's files one after another into `pipeline`, checking the first record against resumed
/// checkpoints and reporting windows over the limit as it goes.
fn read_in_one_pass(
    (config, ingest): (&RunConfig, &IngestOptions),
    stream: &SymbolStream,
    states: &[Option<&FeatureCheckpoint>],
    pipeline: &mut BarPipeline,
    (fan_out, progress): (&mut WriterFanOut, &dyn Progress),
) -> Result<OnePass, Error> {
    let mut reader = MultiFileReader::new(&stream.files, ingest)?;
    let mut batch = TradeBatch::new();
    let mut bytes_reported = 0;
    let mut first = true;
    let mut resume_gaps = Vec::new();
    while reader.next_batch(&mut batch)? {
        if std::mem::take(&mut first) {
            resume_gaps = resume::check_after_checkpoints((&batch, &reader), states, config, stream)?;
        }
        pipeline.push_batch(&batch, fan_out)?;
        for overflow in pipeline.take_overflows() {
            progress.warning(&overflow_message(stream, config.thresholds[overflow.threshold], &overflow));
        }
        let bytes = reader.bytes_read();
        progress.advanced(bytes.saturating_sub(bytes_reported), batch.len() as u64);
        bytes_reported = bytes;
    }
    let (gaps, dropped_duplicates) = (reader.gaps().clone(), reader.dropped_duplicates());
    Ok(OnePass { gaps, dropped_duplicates, shards: 1, replayed: 0, resume_gaps })
}

/// Passes bars on, warning about each bar whose window features are null because a window exceeded
/// `--max-window-records` (the sharded run's bars come from several pipelines; the null window group is the
/// mark: a window group that is on is null only then).
struct OverflowWatch<'a, C> {
    inner: &'a mut C,
    config: &'a RunConfig,
    stream: &'a SymbolStream,
    progress: &'a dyn Progress,
}

impl<C: BarConsumer> BarConsumer for OverflowWatch<'_, C> {
    fn bar(&mut self, index: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        let features = &self.config.settings.features;
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
            self.progress.warning(&overflow_message(self.stream, self.config.thresholds[index], &overflow));
        }
        self.inner.bar(index, bar, complete)
    }

    fn finish(&mut self) -> Result<(), Error> {
        self.inner.finish()
    }
}

/// The warning for a bar whose windows exceeded `--max-window-records`.
fn overflow_message(stream: &SymbolStream, threshold: Threshold, overflow: &WindowOverflow) -> String {
    let mut nulls = Vec::new();
    if let Some(records) = overflow.intra_records {
        nulls.push(format!("its own window has {records} records (intra_* features are null)"));
    }
    if overflow.lookback {
        nulls.push("its lookback window has more (lookback_* features are null)".to_string());
    }
    format!(
        "{} at {} dbps: the bar opened at {} ({} µs) exceeds --max-window-records {}: {}; raise \
         --max-window-records to compute them (each record of the longest window costs about 70 bytes while it is computed)",
        stream.label(),
        threshold.dbps(),
        crate::calendar::format_utc_us(overflow.open_time_us),
        overflow.open_time_us,
        overflow.limit,
        nulls.join("; ")
    )
}
