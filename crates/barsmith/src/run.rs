//! Running the whole job from paths: discover inputs, build every (symbol, threshold) in one pass per
//! symbol, symbols in parallel, write the outputs atomically, save checkpoints.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use barsmith_core::features::{FeatureCheckpoint, FeaturedBar};
use barsmith_core::{Threshold, TradeBatch};
use barsmith_ingest::{IdGaps, IngestOptions, MultiFileReader};
use rayon::prelude::*;

use crate::error::{Error, ErrorKind};
use crate::inputs::{SymbolStream, expand_inputs, group_by_symbol};
use crate::pipeline::{BarConsumer, BarPipeline, PipelineConfig, StreamSettings};
use crate::sink::{BoxedWriter, OutputFormat, OutputSchema, RunMetadata, create_writer};

/// Where outputs go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputTarget {
    /// One file (or `-` for stdout): only for a single (symbol, threshold).
    File(PathBuf),
    /// One file per (symbol, threshold): `DIR/{SYMBOL}-{DBPS}dbps.{csv|parquet}`.
    Directory(PathBuf),
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
    /// Resume every (symbol, threshold) from this checkpoint file.
    pub checkpoint_in: Option<PathBuf>,
    /// Save every (symbol, threshold)'s state here at the end.
    pub checkpoint_out: Option<PathBuf>,
}

/// Observes progress; called from worker threads.
pub trait Progress: Sync {
    /// The run is about to read `total_bytes` of input (file sizes; 0 when unknown, e.g. stdin).
    fn started(&self, total_bytes: u64) {
        let _ = total_bytes;
    }
    /// `bytes` more input bytes and `trades` more trades were consumed.
    fn advanced(&self, bytes: u64, trades: u64);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advanced(&self, _bytes: u64, _trades: u64) {}
}

/// What one symbol's stream produced.
#[derive(Clone, Debug)]
pub struct StreamSummary {
    /// The symbol.
    pub symbol: String,
    /// Trades consumed.
    pub trades: u64,
    /// Completed bars per threshold.
    pub bars: Vec<(Threshold, u64)>,
    /// agg_trade_id gaps between consecutive files.
    pub gaps: IdGaps,
    /// Files written, per threshold.
    pub outputs: Vec<PathBuf>,
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
}

/// Checkpoint file layout (versioned JSON).
#[derive(serde::Serialize, serde::Deserialize)]
struct CheckpointFile {
    version: u32,
    streams: Vec<StreamCheckpoint>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StreamCheckpoint {
    symbol: String,
    threshold_dbps: u32,
    state: FeatureCheckpoint,
}

const CHECKPOINT_FILE_VERSION: u32 = 1;

/// The input files of a run, grouped per symbol, and their total size in bytes.
pub fn plan_streams(config: &RunConfig) -> Result<(Vec<SymbolStream>, u64), Error> {
    let files = expand_inputs(&config.inputs)?;
    let bytes = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    Ok((group_by_symbol(files, config.symbol.as_deref())?, bytes))
}

/// Runs the job.
pub fn run(config: &RunConfig, progress: &dyn Progress) -> Result<RunSummary, Error> {
    let started = Instant::now();
    if config.thresholds.is_empty() {
        return Err(Error::usage("no threshold given"));
    }
    let (streams, input_bytes) = plan_streams(config)?;
    progress.started(input_bytes);
    let outputs = output_paths(config, &streams)?;
    let resumed = config.checkpoint_in.as_deref().map(read_checkpoints).transpose()?;
    let threads = config.threads.unwrap_or(0);
    // Threads the symbols leave idle parse each symbol's files in parallel (docs/INGEST.md).
    let cores = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    let parse_threads =
        if config.ingest.parse_threads > 1 { config.ingest.parse_threads } else { cores / streams.len().max(1) };
    let config = &RunConfig { ingest: IngestOptions { parse_threads, ..config.ingest.clone() }, ..config.clone() };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::usage(format!("cannot start {threads} threads: {e}")))?;
    let results: Vec<Result<(StreamSummary, Vec<StreamCheckpoint>), Error>> = pool.install(|| {
        streams
            .par_iter()
            .zip(outputs.par_iter())
            .map(|(stream, paths)| run_stream(config, stream, paths, resumed.as_deref(), progress))
            .collect()
    });
    let mut summaries = Vec::with_capacity(results.len());
    let mut checkpoints = Vec::new();
    for result in results {
        let (summary, states) = result?;
        summaries.push(summary);
        checkpoints.extend(states);
    }
    if let Some(path) = &config.checkpoint_out {
        write_checkpoints(path, checkpoints)?;
    }
    Ok(RunSummary {
        streams: summaries,
        elapsed: started.elapsed(),
        backend: config.settings.kernels.backend().name(),
        input_bytes,
    })
}

/// The output path of every (symbol, threshold), checking the target fits the streams.
fn output_paths(config: &RunConfig, streams: &[SymbolStream]) -> Result<Vec<Vec<(PathBuf, OutputFormat)>>, Error> {
    match &config.output {
        OutputTarget::File(path) => {
            if streams.len() != 1 || config.thresholds.len() != 1 {
                return Err(Error::usage(format!(
                    "-o {} names one file, but this run makes {} symbol(s) × {} threshold(s); give a directory",
                    path.display(),
                    streams.len(),
                    config.thresholds.len()
                )));
            }
            let format = config.format.or_else(|| OutputFormat::from_path(path)).unwrap_or(OutputFormat::Csv);
            Ok(vec![vec![(path.clone(), format)]])
        }
        OutputTarget::Directory(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::from_output(dir, e))?;
            let format = config.format.unwrap_or(OutputFormat::Csv);
            Ok(streams
                .iter()
                .map(|s| {
                    let name = |t: &Threshold| format!("{}-{}dbps.{}", s.symbol, t.dbps(), format.extension());
                    config.thresholds.iter().map(|t| (dir.join(name(t)), format)).collect()
                })
                .collect())
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
}

fn run_stream(
    config: &RunConfig,
    stream: &SymbolStream,
    outputs: &[(PathBuf, OutputFormat)],
    resumed: Option<&[StreamCheckpoint]>,
    progress: &dyn Progress,
) -> Result<(StreamSummary, Vec<StreamCheckpoint>), Error> {
    let pipeline_config = PipelineConfig { thresholds: config.thresholds.clone(), settings: config.settings };
    let mut pipeline = match resumed {
        None => BarPipeline::new(&pipeline_config)?,
        Some(all) => BarPipeline::resume(&pipeline_config, &checkpoints_for(all, &stream.symbol, &config.thresholds)?)?,
    };
    let schema =
        OutputSchema { features: config.settings.features, include_incomplete: config.settings.include_incomplete };
    let mut fan_out = WriterFanOut { writers: Vec::with_capacity(outputs.len()) };
    for ((path, format), &threshold) in outputs.iter().zip(&config.thresholds) {
        let metadata = RunMetadata {
            symbol: stream.symbol.clone(),
            threshold,
            same_timestamp_gate: config.settings.same_timestamp_gate,
            lookback: config.settings.features.lookback_mode.to_string(),
            backend: config.settings.kernels.backend().name().to_string(),
            inputs: stream.files.clone(),
        };
        fan_out.writers.push(create_writer(path, *format, &schema, &metadata)?);
    }
    let mut reader = MultiFileReader::new(&stream.files, &config.ingest)?;
    let mut batch = TradeBatch::new();
    let mut bytes_reported = 0;
    while reader.next_batch(&mut batch)? {
        pipeline.push_batch(&batch, &mut fan_out)?;
        let bytes = reader.bytes_read();
        progress.advanced(bytes.saturating_sub(bytes_reported), batch.len() as u64);
        bytes_reported = bytes;
    }
    pipeline.finish(&mut fan_out)?;
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
        gaps: reader.gaps().clone(),
        outputs: outputs.iter().map(|(p, _)| p.clone()).collect(),
    };
    Ok((summary, states))
}

fn checkpoints_for(
    all: &[StreamCheckpoint],
    symbol: &str,
    thresholds: &[Threshold],
) -> Result<Vec<FeatureCheckpoint>, Error> {
    thresholds
        .iter()
        .map(|t| {
            all.iter().find(|c| c.symbol == symbol && c.threshold_dbps == t.dbps()).map(|c| c.state.clone()).ok_or_else(
                || Error::usage(format!("the checkpoint file has no state for {symbol} at {} dbps", t.dbps())),
            )
        })
        .collect()
}

fn read_checkpoints(path: &Path) -> Result<Vec<StreamCheckpoint>, Error> {
    let failure = |reason: String| Error::new(ErrorKind::Checkpoint { path: path.to_path_buf(), reason });
    let text = std::fs::read_to_string(path).map_err(|e| failure(e.to_string()))?;
    let file: CheckpointFile = serde_json::from_str(&text).map_err(|e| failure(e.to_string()))?;
    if file.version != CHECKPOINT_FILE_VERSION {
        return Err(failure(format!(
            "version {} is not supported (this build reads {CHECKPOINT_FILE_VERSION})",
            file.version
        )));
    }
    Ok(file.streams)
}

fn write_checkpoints(path: &Path, streams: Vec<StreamCheckpoint>) -> Result<(), Error> {
    let file = CheckpointFile { version: CHECKPOINT_FILE_VERSION, streams };
    let text = serde_json::to_string(&file)
        .map_err(|e| Error::new(ErrorKind::Checkpoint { path: path.to_path_buf(), reason: e.to_string() }))?;
    let output = crate::output::AtomicFile::create(path).map_err(|e| Error::from_output(path, e))?;
    let mut writer = output.writer().map_err(|e| Error::from_output(path, e))?;
    std::io::Write::write_all(&mut writer, text.as_bytes()).map_err(|e| Error::from_output(path, e))?;
    std::io::Write::flush(&mut writer).map_err(|e| Error::from_output(path, e))?;
    drop(writer);
    output.commit().map_err(|e| Error::from_output(path, e))
}
