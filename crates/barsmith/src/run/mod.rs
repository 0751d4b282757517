//! Running bars: one [`Job`] for every front end (`job.rs`), and [`write_bars`], the job whose consumers are
//! output files, committed as one (what `barsmith bars` does).
//!
//! Before anything is read: every output path is planned, an output or checkpoint that is one of the inputs
//! is refused, and every output file is opened (so an unwritable path fails at once). The outputs appear
//! only when every stream succeeded and the checkpoint was written ([`CommitMode::Together`]).

pub mod checkpoint;
mod job;
mod plan;
mod resume;
mod source;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use barsmith_core::BarSpec;
use barsmith_core::features::FeaturedBar;
use barsmith_ingest::IdGaps;

use crate::error::Error;
use crate::inputs::{IgnoredFile, SymbolStream};
use crate::output::{AtomicFile, BoxedWriter, OutputFile, OutputFormat, OutputSchema, Transaction, open_writer};
use crate::pipeline::BarConsumer;
pub use crate::progress::{NoProgress, Progress};
use checkpoint::{ChainSettings, write_checkpoints};
pub use checkpoint::{LiveCheckpoint, LiveCursor, LiveOutputLength};
pub use job::{ConsumerFactory, Job, JobOutput};
use plan::{PlannedOutput, allows_single_output, check_paths, output_paths};
pub use resume::{MAX_RESUME_GAP_IDS, MAX_RESUME_GAP_US, ResumeGap};
pub use source::TradeSource;

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

/// A run that writes files: the job, its inputs, and where and how its outputs go.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Files, directories and glob patterns.
    pub inputs: Vec<PathBuf>,
    /// Settings, symbol, the checkpoint resumed from.
    pub job: Job,
    /// Where bars go.
    pub output: OutputTarget,
    /// Output format; `None` = from the file extension, else CSV.
    pub format: Option<OutputFormat>,
    /// Save every (symbol, threshold)'s state here at the end.
    pub checkpoint_out: Option<PathBuf>,
    /// When outputs are committed.
    pub commit: CommitMode,
}

/// What one symbol's stream produced.
#[derive(Clone, Debug)]
pub struct StreamSummary {
    /// The symbol (`None` for a stream without one).
    pub symbol: Option<String>,
    /// Trades consumed.
    pub trades: u64,
    /// Completed bars per threshold.
    pub bars: Vec<(BarSpec, u64)>,
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
    /// Feature runs started at a bar opening the boundary scan found, summed over thresholds (`sharding`
    /// auto; see `crate::parallel::run_exact`).
    pub opened_runs: u64,
    /// Time the boundary scan took (the sequential part of `sharding` auto).
    pub scan_time: std::time::Duration,
    /// When the stream had files and threads for shards but ran in one pass: what the probe measured
    /// (`crate::parallel::probe`).
    pub shard_choice: Option<crate::parallel::probe::ShardChoice>,
}

impl StreamSummary {
    /// The warning about agg_trade_id gaps between the stream's files, when there were any (one line, without
    /// a `warning:` prefix): what every front end tells its user.
    pub fn gap_warning(&self) -> Option<String> {
        let gap = self.gaps.first.as_ref()?;
        Some(format!(
            "{}: {} agg_trade_id gap(s) between files ({} ids missing); first after id {} in {}, next id {} in {}",
            self.symbol.as_deref().unwrap_or("input"),
            self.gaps.count,
            self.gaps.missing_ids,
            gap.before_id,
            gap.before_path.display(),
            gap.after_id,
            gap.after_path.display()
        ))
    }
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

/// Writes the bars of `config`: plans every output, refuses outputs that are inputs, opens every output, runs
/// the [`Job`], writes the checkpoint, and commits (all together, or each symbol as it ends).
pub fn write_bars(config: &RunConfig, progress: &dyn Progress) -> Result<RunSummary, Error> {
    let job = &config.job;
    job.check()?;
    let plan = job.plan(&config.inputs, allows_single_output(config))?;
    let outputs = output_paths(config, &plan.streams)?;
    let inputs: Vec<PathBuf> = plan.streams.iter().flat_map(|s| s.files.iter().cloned()).collect();
    check_paths(config, &inputs, &outputs)?;
    let transaction = Transaction::new();
    let files = OutputFiles { config, outputs: &outputs, transaction: &transaction, checkpoint: Mutex::new(None) };
    // What a chain of runs must keep for its files to read back as one dataset (checked on resume, recorded).
    let chain = ChainSettings {
        include_incomplete: job.settings.stream.include_incomplete,
        identity_columns: job.settings.identity_columns,
        format: outputs.iter().flatten().next().map_or(OutputFormat::Csv, |(_, f)| *f).extension().to_string(),
    };
    let output = job.run_chain(plan, &files, progress, Some(&chain))?;
    let checkpoint_file = files.checkpoint.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
    if let (Some(file), Some(path)) = (checkpoint_file, &config.checkpoint_out) {
        write_checkpoints(file, path, output.checkpoints, chain)?;
    }
    transaction.commit().map_err(|(path, e)| Error::from_output(path, e))?;
    let mut summary = output.summary;
    for (stream, planned) in summary.streams.iter_mut().zip(&outputs) {
        stream.outputs = planned.iter().map(|(path, _)| path.clone()).collect();
    }
    Ok(summary)
}

/// The consumers of [`write_bars`]: each stream's output files, opened before any input is read.
struct OutputFiles<'a> {
    config: &'a RunConfig,
    outputs: &'a [Vec<PlannedOutput>],
    transaction: &'a Arc<Transaction>,
    /// The checkpoint file, opened with the outputs.
    checkpoint: Mutex<Option<AtomicFile>>,
}

impl ConsumerFactory for OutputFiles<'_> {
    type Consumer = WriterFanOut;

    fn open(&self, job: &Job, streams: &[SymbolStream]) -> Result<Vec<WriterFanOut>, Error> {
        let schema = OutputSchema::of(&job.settings);
        let per_symbol = self.config.commit == CommitMode::PerSymbol;
        let mut staged = Vec::with_capacity(streams.len());
        for (stream, paths) in streams.iter().zip(self.outputs) {
            let transaction = if per_symbol { Transaction::new() } else { Arc::clone(self.transaction) };
            let mut writers = Vec::with_capacity(paths.len());
            for (index, (path, format)) in paths.iter().enumerate() {
                let file = OutputFile::create_in(path, &transaction).map_err(|e| Error::from_output(path, e))?;
                writers.push(open_writer(file, path, *format, &schema, &job.metadata(stream, index))?);
            }
            staged.push(WriterFanOut { writers, commit: per_symbol.then_some(transaction) });
        }
        if let Some(path) = &self.config.checkpoint_out {
            let file = AtomicFile::create_in(path, self.transaction).map_err(|e| Error::from_output(path, e))?;
            *self.checkpoint.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(file);
        }
        Ok(staged)
    }
}

/// Sends each threshold's bars to its writer; with [`CommitMode::PerSymbol`], commits them when they finish.
struct WriterFanOut {
    writers: Vec<BoxedWriter>,
    commit: Option<Arc<Transaction>>,
}

impl BarConsumer for WriterFanOut {
    fn bar(&mut self, index: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        self.writers[index].bar(index, bar, complete)
    }

    fn finish(&mut self) -> Result<(), Error> {
        self.writers.iter_mut().try_for_each(|writer| writer.finish())?;
        match &self.commit {
            Some(transaction) => transaction.commit().map_err(|(path, e)| Error::from_output(path, e)),
            None => Ok(()),
        }
    }

    fn annotate(&mut self, key: &str, value: &str) {
        self.writers.iter_mut().for_each(|writer| writer.annotate(key, value));
    }

    fn annotate_threshold(&mut self, threshold: usize, key: &str, value: &str) {
        self.writers[threshold].annotate(key, value);
    }
}
