//! Exact parallel bars within one symbol: speculative shards joined by resynchronisation.
//!
//! A range bar opens on the record after the previous bar closed, so one symbol's bars look sequential. But
//! two builders that start at different records fall into step: once both close a bar on the same record,
//! the next bar opens on the same record in both and everything after is identical. So:
//!
//! 1. The stream is cut into contiguous shards ([`plan_shards`]: files, and byte ranges of large plain CSV
//!    files cut at line ends).
//! 2. Every shard runs in parallel from a fresh state ([`speculate`]), recording where its bars close and
//!    keeping its first records.
//! 3. In stream order, [`join`] replays the head of shard `j` from the true state after shard `j − 1` until
//!    the replay closes a bar on a record where the speculative run closed one too and every later window lies
//!    inside the shard; the speculative bars after that record are exact, and so is its end state. A replay
//!    that never meets the speculative run covers the whole shard and is itself the output.
//!
//! The result is the one-pass result, byte for byte, for every split and thread count; `docs/PARALLEL.md`
//! has the proof and the measured convergence distances. [`run_sharded`] runs the steps on the current rayon
//! pool; [`run_batches`] does it for a stream held in memory; [`portable`] makes the two steps values that
//! run as separate tasks in separate processes (a Dask cluster).

mod engine;
mod exact;
mod files;
pub mod portable;
pub mod probe;
mod scan;
mod shard;

pub use engine::{DEFAULT_HEAD_RECORDS, PlainBoundaries, ShardBoundaries, ShardInputs, ShardStats, run_sharded};
pub use exact::run_exact;
pub use files::{FileBoundaries, FileShard, FileShards, ShardOptions, plan_shards};
pub use shard::{BatchesSource, Convergence, Joined, Speculation, SpeculativeRun, TradeSource, join, speculate};

use barsmith_core::TradeBatch;

use crate::error::Error;
use crate::pipeline::{BarConsumer, BarPipeline};

/// Shards held in memory: each shard is a list of batches.
#[derive(Debug, Clone, Copy)]
pub struct MemoryShards<'a> {
    shards: &'a [Vec<TradeBatch>],
}

impl<'a> MemoryShards<'a> {
    /// The shards, in stream order.
    pub fn new(shards: &'a [Vec<TradeBatch>]) -> MemoryShards<'a> {
        MemoryShards { shards }
    }
}

impl ShardInputs for MemoryShards<'_> {
    fn len(&self) -> usize {
        self.shards.len()
    }

    fn open(&self, index: usize, _replay: bool) -> Result<Box<dyn TradeSource + '_>, Error> {
        Ok(Box::new(BatchesSource::new(&self.shards[index])))
    }
}

/// Runs a stream held in memory as `shards` (each a list of batches) on the current rayon pool: `consumer`
/// gets exactly what [`BarPipeline::push_batch`] over the concatenation would give it, and `pipeline` ends in
/// the same state. `head_records` is how many records of each shard the join can replay without reading the
/// shard again ([`DEFAULT_HEAD_RECORDS`]).
pub fn run_batches<C: BarConsumer + Send>(
    shards: &[Vec<TradeBatch>],
    pipeline: &mut BarPipeline,
    consumer: &mut C,
    head_records: usize,
) -> Result<ShardStats, Error> {
    run_sharded(&MemoryShards::new(shards), &mut PlainBoundaries, pipeline, consumer, head_records)
}

/// Runs a stream held in memory as `shards` with the bar boundaries found first ([`run_exact`]): the same
/// contract as [`run_batches`], with at most about `window` shards held at once.
pub fn run_exact_batches<C: BarConsumer + Send>(
    shards: &[Vec<TradeBatch>],
    pipeline: &mut BarPipeline,
    consumer: &mut C,
    window: usize,
) -> Result<ShardStats, Error> {
    run_exact(&MemoryShards::new(shards), &mut PlainBoundaries, pipeline, consumer, window)
}

/// What the run's hook did with one symbol's stream.
#[derive(Debug)]
pub(crate) struct FedStream {
    /// The id gaps between files, as one pass reports them.
    pub(crate) gaps: barsmith_ingest::IdGaps,
    /// Exact duplicates `dedupe` dropped.
    pub(crate) dropped_duplicates: u64,
    /// What the shards did.
    pub(crate) stats: ShardStats,
}

/// How a symbol's files run when it has threads to spare (the setting `sharding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sharding {
    /// Boundaries first ([`run_exact`]): shards parsed in parallel, the bar boundaries found in one scan,
    /// the features between them computed in parallel.
    #[default]
    Auto,
    /// Speculative shards (every file a shard) when the probe measures that the joins would replay little
    /// ([`probe::choose`]); else one pass.
    Probe,
    /// Speculative shards (every file a shard), whatever the joins replay.
    Always,
}

impl Sharding {
    /// The setting's text: `auto` or `always`.
    pub fn name(self) -> &'static str {
        match self {
            Sharding::Auto => "auto",
            Sharding::Probe => "probe",
            Sharding::Always => "always",
        }
    }
}

impl std::str::FromStr for Sharding {
    type Err = String;

    fn from_str(text: &str) -> Result<Sharding, String> {
        [Sharding::Auto, Sharding::Probe, Sharding::Always]
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| "expected auto, probe or always".to_owned())
    }
}

/// Why one symbol's stream ran in one pass although it has threads to spare.
#[derive(Debug)]
pub(crate) enum OnePass {
    /// The stream cannot be cut (standard input, one compressed file), has one file, or its first file fails
    /// to read (the one pass reports the error).
    Uncut,
    /// The probe measured that shards would replay too much ([`probe::choose`]).
    Measured(probe::ShardChoice),
}

/// Threads each of `streams` symbols gets out of `threads`: the symbols run in parallel, and a symbol uses
/// shards when it has more than one.
pub(crate) fn threads_per_stream(threads: usize, streams: usize) -> usize {
    (threads / streams.max(1)).max(1)
}

/// The run's hook: feeds one symbol's files to `pipeline` in shards on `threads` threads of the current rayon
/// pool. `Ok(Err(why))` when the stream cannot be cut (standard input, one compressed file, one thread) or
/// the probe measured that shards would not pay: the caller reads it in one pass.
pub(crate) fn feed_stream<C: BarConsumer + Send>(
    files: &[std::path::PathBuf],
    ingest: &barsmith_ingest::IngestOptions,
    pipeline: &mut BarPipeline,
    consumer: &mut C,
    progress: &dyn crate::progress::Progress,
    (threads, sharding): (usize, Sharding),
) -> Result<Result<FedStream, OnePass>, Error> {
    if sharding == Sharding::Auto {
        // Boundaries first: plain CSV files are cut into byte ranges of about `EXACT_SHARD_BYTES`, so that
        // the shards held at once stay small.
        let plan = plan_shards(files, ingest, exact_options(files, threads))?;
        if plan.len() < 2 {
            return Ok(Err(OnePass::Uncut));
        }
        let inputs = FileShards::new(&plan, ingest, progress);
        let mut boundaries = FileBoundaries::new(&inputs, files);
        let stats = run_exact(&inputs, &mut boundaries, pipeline, consumer, threads + 2)?;
        let (gaps, dropped_duplicates) = boundaries.finish();
        return Ok(Ok(FedStream { gaps, dropped_duplicates, stats }));
    }
    // Speculative shards, whole files only: a byte range of one file rarely holds enough bars for the runs
    // to meet before its end (measured: one 3 M-trade file cut in two ran at 0.51× at 250 and 50 dbps,
    // docs/PARALLEL.md).
    let options = ShardOptions { min_range_bytes: u64::MAX, ..ShardOptions::new(threads) };
    let plan = plan_shards(files, ingest, options)?;
    if plan.len() < 2 {
        return Ok(Err(OnePass::Uncut));
    }
    if sharding == Sharding::Probe {
        let bytes: u64 = plan.iter().map(shard_bytes).sum();
        // A first file the probe cannot read goes to the one pass, which reports it as it always does.
        match probe::choose(&plan[0].path, ingest, bytes / plan.len() as u64, &pipeline.take_pipelines()?) {
            Ok(choice) if choice.shard => {}
            Ok(choice) => return Ok(Err(OnePass::Measured(choice))),
            Err(_) => return Ok(Err(OnePass::Uncut)),
        }
    }
    let inputs = FileShards::new(&plan, ingest, progress);
    let mut boundaries = FileBoundaries::new(&inputs, files);
    let stats = run_sharded(&inputs, &mut boundaries, pipeline, consumer, DEFAULT_HEAD_RECORDS)?;
    let (gaps, dropped_duplicates) = boundaries.finish();
    Ok(Ok(FedStream { gaps, dropped_duplicates, stats }))
}

/// Bytes of plain CSV per shard of the boundaries-first engine: about 100 000 records (5 MB parsed).
const EXACT_SHARD_BYTES: u64 = 6 << 20;

/// Shards of about [`EXACT_SHARD_BYTES`] for `threads` threads.
fn exact_options(files: &[std::path::PathBuf], threads: usize) -> ShardOptions {
    let bytes: u64 = files.iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum();
    let shards = (bytes / EXACT_SHARD_BYTES).max(1) as usize;
    ShardOptions { threads, shards_per_thread: shards.div_ceil(threads.max(1)), min_range_bytes: EXACT_SHARD_BYTES / 2 }
}

/// Bytes on disk of one shard (0 when its size cannot be read: then it weighs nothing in the estimate).
fn shard_bytes(shard: &FileShard) -> u64 {
    match shard.range {
        Some((start, end)) => end - start,
        None => std::fs::metadata(&shard.path).map_or(0, |m| m.len()),
    }
}
