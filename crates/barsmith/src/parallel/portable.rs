//! The two steps of exact sharding as values that travel between processes and machines (a Dask cluster):
//! a [`ShardTask`] says which shard of which files to read, [`speculate_shard`] runs it from a fresh state
//! into a [`PortableSpeculation`] (the bars go their own way), and [`join_shard`] replays its head from the
//! [`ChainState`] after the shard before it. Every value is bytes ([`ShardTask::to_bytes`] and friends,
//! versioned JSON); the records themselves never travel: every task reads its shard from shared storage.
//!
//! The algorithm is `crate::parallel::shard`'s, the file rules `crate::parallel::files`'s: the result is the
//! one-pass result for any split (`docs/PARALLEL.md`).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use barsmith_core::features::{FeatureCheckpoint, FeaturePipeline, FeaturedBar};
use barsmith_core::{Trade, TradeBatch};
use barsmith_ingest::IngestOptions;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::parallel::engine::{ShardBoundaries, ShardInputs};
use crate::parallel::files::{FileBoundaries, FileShard, FileShards, ShardOptions, plan_shards};
use crate::parallel::shard::{Convergence, Speculation, SpeculativeRun, resync, speculate};
use crate::pipeline::{BarPipeline, PipelineConfig};
use crate::progress::NoProgress;

/// Format version of [`ShardTask`], [`PortableSpeculation`] and [`ChainState`] bytes.
pub const PORTABLE_VERSION: u32 = 1;

/// Records a portable speculation keeps from its shard's start: the two the boundary rule reads (a dropped
/// duplicate and the record after it). The join reads its shard again from storage instead of receiving
/// records over the network.
pub const PORTABLE_HEAD_RECORDS: usize = 2;

/// Serialises a portable value.
fn to_bytes(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).expect("portable values serialise")
}

/// Reads a portable value named `what`, refusing another format version.
fn from_bytes<T: DeserializeOwned>(bytes: &[u8], what: &str, version: impl Fn(&T) -> u32) -> Result<T, Error> {
    let invalid =
        |reason: String| Error::new(ErrorKind::Checkpoint { path: PathBuf::from(what), reason: reason.into() });
    let value: T = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    match version(&value) {
        PORTABLE_VERSION => Ok(value),
        other => Err(invalid(format!("format version {other}, this build reads {PORTABLE_VERSION}"))),
    }
}

/// One shard of one symbol's stream, with what a task elsewhere needs to read it and to apply the boundary
/// rules of one pass (order, `dedupe`, errors reported as one pass reports them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardTask {
    /// [`PORTABLE_VERSION`].
    pub version: u32,
    /// Position of the shard in its stream (0: the first).
    pub index: usize,
    /// The shard before this one (`None` for the first).
    pub previous: Option<FileShard>,
    /// The shard.
    pub shard: FileShard,
    /// The stream's file before the shard's file (if any), then the shard's file.
    pub files: Vec<PathBuf>,
    /// `IngestOptions::sort`.
    pub sort: bool,
    /// `IngestOptions::dedupe`.
    pub dedupe: bool,
    /// `IngestOptions::batch_size`.
    pub batch_size: usize,
}

impl ShardTask {
    /// The task as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self)
    }

    /// A task from [`ShardTask::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<ShardTask, Error> {
        from_bytes(bytes, "<shard task>", |t: &ShardTask| t.version)
    }

    fn ingest(&self) -> IngestOptions {
        IngestOptions { sort: self.sort, dedupe: self.dedupe, batch_size: self.batch_size, ..IngestOptions::default() }
    }

    /// The shards the task reads from: the previous one (when there is one), then its own.
    fn plan(&self) -> Vec<FileShard> {
        self.previous.iter().cloned().chain([self.shard.clone()]).collect()
    }

    /// The index of the task's own shard in [`ShardTask::plan`].
    fn at(&self) -> usize {
        usize::from(self.previous.is_some())
    }
}

/// Cuts one symbol's `files` (in stream order) into at least `shards` shards where it can: one per file, and
/// plain CSV files cut at line ends into ranges of at least `min_range_bytes` when there are fewer files.
/// Standard input and other streams that are not regular files cannot be cut: a usage error.
pub fn plan_tasks(
    files: &[PathBuf],
    ingest: &IngestOptions,
    shards: usize,
    min_range_bytes: u64,
) -> Result<Vec<ShardTask>, Error> {
    let options = ShardOptions { threads: shards.max(2), shards_per_thread: 1, min_range_bytes };
    let plan = plan_shards(files, ingest, options)?;
    if plan.is_empty() && !files.is_empty() {
        return Err(Error::usage("a sharded run needs regular files (not standard input, pipes or devices)"));
    }
    let tasks = plan.iter().enumerate().map(|(index, shard)| {
        let position = files.iter().position(|f| *f == shard.path).unwrap_or(0);
        ShardTask {
            version: PORTABLE_VERSION,
            index,
            previous: index.checked_sub(1).map(|i| plan[i].clone()),
            shard: shard.clone(),
            files: files[position.saturating_sub(1)..=position].to_vec(),
            sort: ingest.sort,
            dedupe: ingest.dedupe,
            batch_size: ingest.batch_size,
        }
    });
    Ok(tasks.collect())
}

/// The speculative run of one threshold, without its bars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortableRun {
    /// Shard-relative index of each speculative bar's closing record.
    pub closes: Vec<u64>,
    /// The state after the shard's last record (positions counted from 0 at the shard's first record).
    pub end: FeatureCheckpoint,
}

/// What the join needs of a speculative run: everything but the bars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortableSpeculation {
    /// [`PORTABLE_VERSION`].
    pub version: u32,
    /// Records in the shard.
    pub records: u64,
    /// The shard's first record.
    pub first: Option<Trade>,
    /// The shard's last record.
    pub last: Option<Trade>,
    /// The shard's first [`PORTABLE_HEAD_RECORDS`] records.
    pub head: Vec<Trade>,
    /// One run per threshold, in the configured order.
    pub runs: Vec<PortableRun>,
    /// Exact duplicates `dedupe` dropped inside the shard (a shard is one file or a range of one, so it holds
    /// no id gap between files).
    #[serde(default)]
    pub dropped_duplicates: u64,
}

impl PortableSpeculation {
    /// The speculation as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self)
    }

    /// A speculation from [`PortableSpeculation::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<PortableSpeculation, Error> {
        from_bytes(bytes, "<speculation>", |s: &PortableSpeculation| s.version)
    }
}

/// A speculative shard: what the join needs, and the speculative bars of every threshold (the exact bars of
/// the shard from [`JoinedShard::kept_from`] on).
#[derive(Clone, Debug)]
pub struct Speculated {
    /// For the join.
    pub speculation: PortableSpeculation,
    /// The speculative bars per threshold, in order.
    pub bars: Vec<Vec<FeaturedBar>>,
}

/// Runs one shard from a fresh state (every threshold of `config`).
pub fn speculate_shard(config: &PipelineConfig, task: &ShardTask) -> Result<Speculated, Error> {
    let start = BarPipeline::new(config)?.take_pipelines()?;
    let (plan, ingest, at) = (task.plan(), task.ingest(), task.at());
    let inputs = FileShards::new(&plan, &ingest, &NoProgress);
    let never = AtomicBool::new(false);
    let result =
        inputs.open(at, false).and_then(|mut source| speculate(start, &mut *source, PORTABLE_HEAD_RECORDS, &never));
    let speculation = match result {
        Ok(speculation) => speculation.expect("never cancelled"),
        Err(error) => return Err(FileBoundaries::new(&inputs, &task.files).explain(at, error)),
    };
    let mut bars = Vec::with_capacity(speculation.runs.len());
    let mut runs = Vec::with_capacity(speculation.runs.len());
    for run in speculation.runs {
        bars.push(run.bars);
        runs.push(PortableRun { closes: run.closes, end: run.end.checkpoint() });
    }
    let head = (0..speculation.head.len()).filter_map(|i| speculation.head.get(i)).collect();
    let speculation = PortableSpeculation {
        version: PORTABLE_VERSION,
        records: speculation.records,
        first: speculation.first,
        last: speculation.last,
        head,
        runs,
        dropped_duplicates: inputs.inner_gaps(at).1,
    };
    Ok(Speculated { speculation, bars })
}

/// The true state of a stream after a shard: the only thing that moves from one join to the next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainState {
    /// [`PORTABLE_VERSION`].
    pub version: u32,
    /// Every threshold's state, in the configured order.
    pub checkpoints: Vec<FeatureCheckpoint>,
    /// The last record kept so far (the order and `dedupe` rules compare the next shard's first with it).
    pub last: Option<Trade>,
    /// What reading found so far, as one pass reports it: id gaps between files, ids missing, duplicates
    /// dropped (the outputs' `barsmith.id_gaps`, `barsmith.missing_ids`, `barsmith.dropped_duplicates`).
    #[serde(default)]
    pub findings: Findings,
}

/// What reading a stream found besides its records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Findings {
    /// agg_trade_id gaps between consecutive files.
    pub id_gaps: u64,
    /// Ids missing over those gaps.
    pub missing_ids: u64,
    /// Exact duplicates `dedupe` dropped.
    pub dropped_duplicates: u64,
}

impl Findings {
    /// The annotations of the outputs ([`crate::pipeline::BarConsumer::annotate`]), as a run makes them.
    pub fn annotations(&self) -> [(&'static str, String); 3] {
        [
            ("id_gaps", self.id_gaps.to_string()),
            ("missing_ids", self.missing_ids.to_string()),
            ("dropped_duplicates", self.dropped_duplicates.to_string()),
        ]
    }
}

impl ChainState {
    /// The state as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        to_bytes(self)
    }

    /// A state from [`ChainState::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<ChainState, Error> {
        from_bytes(bytes, "<chain state>", |s: &ChainState| s.version)
    }

    /// A pipeline in this state, for what follows the last shard (the incomplete bar, a checkpoint).
    pub fn pipeline(&self, config: &PipelineConfig) -> Result<BarPipeline, Error> {
        BarPipeline::resume(config, &self.checkpoints)
    }
}

/// A joined shard. Its exact bars of threshold `i` are `replay[i]` followed by the speculative bars from
/// `kept_from[i]` on (none when `None`); [`JoinedShard::bars`] puts them together.
#[derive(Clone, Debug)]
pub struct JoinedShard {
    /// The bars the replay produced, per threshold.
    pub replay: Vec<Vec<FeaturedBar>>,
    /// Per threshold, the first speculative bar kept after the replay's bars.
    pub kept_from: Vec<Option<usize>>,
    /// The true state after the shard.
    pub state: ChainState,
    /// Records replayed, per threshold.
    pub replayed: Vec<u64>,
    /// Where the replay met the speculative run, per threshold (`None`: it never did).
    pub converged: Vec<Option<Convergence>>,
}

impl JoinedShard {
    /// The exact bars of threshold `index`, given the speculative ones.
    pub fn bars(&self, index: usize, speculative: &[FeaturedBar]) -> Vec<FeaturedBar> {
        let kept = self.kept_from[index].map_or(&[][..], |from| &speculative[from..]);
        self.replay[index].iter().chain(kept).copied().collect()
    }
}

/// Joins the speculation of `task`'s shard to `previous`, the true state after the shard before it (`None`
/// only for the first shard of a stream that starts fresh: its speculation is exact as it stands).
pub fn join_shard(
    config: &PipelineConfig,
    task: &ShardTask,
    previous: Option<&ChainState>,
    speculation: PortableSpeculation,
) -> Result<JoinedShard, Error> {
    if speculation.runs.len() != config.thresholds.len() {
        let message = format!("a speculation of {} thresholds for {}", speculation.runs.len(), config.thresholds.len());
        return Err(Error::usage(message));
    }
    let Some(previous) = previous else {
        if task.index != 0 {
            return Err(Error::usage(format!("shard {} needs the state after the shard before it", task.index)));
        }
        return Ok(unjoined(speculation));
    };
    let truth = previous.pipeline(config)?.take_pipelines()?;
    let last = speculation.last.or(previous.last);
    let inner_dropped = speculation.dropped_duplicates;
    let speculation = speculation.into_speculation(config)?;
    let (plan, ingest, at) = (task.plan(), task.ingest(), task.at());
    let inputs = FileShards::new(&plan, &ingest, &NoProgress);
    let mut boundaries = FileBoundaries::new(&inputs, &task.files);
    let skip = match &previous.last {
        Some(before) if !speculation.head.is_empty() => {
            boundaries.check(at, before, &speculation.head).map_err(|e| boundaries.explain(at, e))?
        }
        _ => false,
    };
    let resynced =
        resync(truth, speculation, skip, &|| inputs.open(at, true)).map_err(|e| boundaries.explain(at, e))?;
    let (id_gaps, missing_ids, dropped) = boundaries.findings();
    let findings = Findings {
        id_gaps: previous.findings.id_gaps + id_gaps,
        missing_ids: previous.findings.missing_ids + missing_ids,
        dropped_duplicates: previous.findings.dropped_duplicates + dropped + inner_dropped,
    };
    let mut joined = JoinedShard {
        replay: Vec::new(),
        kept_from: Vec::new(),
        state: ChainState { version: PORTABLE_VERSION, checkpoints: Vec::new(), last, findings },
        replayed: Vec::new(),
        converged: Vec::new(),
    };
    for threshold in resynced {
        joined.replay.push(threshold.replay);
        joined.kept_from.push(threshold.kept_from);
        joined.state.checkpoints.push(threshold.end.checkpoint());
        joined.replayed.push(threshold.replayed);
        joined.converged.push(threshold.converged);
    }
    Ok(joined)
}

/// The first shard of a fresh stream: its speculative bars and end state are the true ones.
fn unjoined(speculation: PortableSpeculation) -> JoinedShard {
    let count = speculation.runs.len();
    JoinedShard {
        replay: vec![Vec::new(); count],
        kept_from: vec![Some(0); count],
        state: ChainState {
            version: PORTABLE_VERSION,
            checkpoints: speculation.runs.into_iter().map(|run| run.end).collect(),
            last: speculation.last,
            findings: Findings { dropped_duplicates: speculation.dropped_duplicates, ..Findings::default() },
        },
        replayed: vec![0; count],
        converged: vec![None; count],
    }
}

impl PortableSpeculation {
    /// The speculation as the join takes it: end states restored, no bars (the join only reports where the
    /// kept speculative bars start).
    fn into_speculation(self, config: &PipelineConfig) -> Result<Speculation, Error> {
        let kernels = config.settings.kernels;
        let runs = self
            .runs
            .into_iter()
            .map(|run| {
                let end = FeaturePipeline::from_checkpoint(&run.end, kernels)?;
                Ok(SpeculativeRun { bars: Vec::new(), closes: run.closes, end })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let head: TradeBatch = self.head.into_iter().collect();
        Ok(Speculation { records: self.records, first: self.first, last: self.last, head, runs })
    }
}
