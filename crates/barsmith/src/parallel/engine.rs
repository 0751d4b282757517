//! Running the shards of one stream: speculative runs on the rayon pool (first in, first out, so that the
//! shard the join waits for is the oldest one running), the join in stream order on one more thread.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use barsmith_core::Trade;
use barsmith_core::features::FeaturePipeline;

use crate::error::Error;
use crate::parallel::shard::{Convergence, Speculation, TradeSource, join, speculate};
use crate::pipeline::{BarConsumer, BarPipeline};

/// Records the speculative run keeps from the start of each shard for the join (the replay reads the shard
/// again only when it runs past them).
pub const DEFAULT_HEAD_RECORDS: usize = 1 << 16;

/// The shards of one stream, in stream order.
pub trait ShardInputs: Sync {
    /// Number of shards.
    fn len(&self) -> usize;

    /// `true` when there is no shard.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Opens shard `index` at its first record; `replay` is `true` when the join reads it again.
    fn open(&self, index: usize, replay: bool) -> Result<Box<dyn TradeSource + '_>, Error>;
}

/// What the join asks about the boundaries between shards; called in stream order on one thread.
pub trait ShardBoundaries: Send {
    /// Shard `index` follows a shard whose last record is `previous`; `head` holds its first records.
    /// Returns `true` to drop its first record (an exact duplicate under `dedupe`), or an error when the two
    /// records may not follow each other.
    fn check(&mut self, index: usize, previous: &Trade, head: &barsmith_core::TradeBatch) -> Result<bool, Error> {
        let _ = (index, previous, head);
        Ok(false)
    }

    /// Turns the failure `error` of shard `index` into the error the one-pass run reports.
    fn explain(&mut self, index: usize, error: Error) -> Error {
        let _ = index;
        error
    }
}

/// Boundaries with no checks beyond the builder's own order check.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainBoundaries;

impl ShardBoundaries for PlainBoundaries {}

/// What a sharded run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShardStats {
    /// Shards run.
    pub shards: usize,
    /// Records read (dropped duplicates excluded).
    pub records: u64,
    /// Records the joins replayed, summed over thresholds.
    pub replayed: u64,
    /// Per shard after the first, per threshold: where the replay met the speculative run.
    pub convergence: Vec<Vec<Option<Convergence>>>,
    /// Feature runs started at a bar opening the boundary scan found, summed over thresholds
    /// ([`crate::parallel::run_exact`]; the others continue the run before them).
    pub openings: u64,
    /// Time the boundary scan took (the sequential part of [`crate::parallel::run_exact`]).
    pub scan_time: std::time::Duration,
}

/// Runs a stream split into shards on the current rayon pool, with the exact bars of every threshold going
/// to `consumer` in stream order, and leaves `pipeline` in the state the one-pass run would leave it in.
pub fn run_sharded<C: BarConsumer + Send>(
    inputs: &dyn ShardInputs,
    boundaries: &mut dyn ShardBoundaries,
    pipeline: &mut BarPipeline,
    consumer: &mut C,
    head_records: usize,
) -> Result<ShardStats, Error> {
    let truth = pipeline.take_pipelines()?;
    let fresh: Vec<FeaturePipeline> = truth.iter().map(fresh_like).collect::<Result<_, _>>()?;
    let cancel = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<(usize, Result<Option<Speculation>, Error>)>();
    let mut first_state = Some(truth);
    let outcome = std::thread::scope(|threads| {
        let cancel = &cancel;
        let joiner = threads.spawn(move || {
            let mut chain = JoinChain::new(inputs, boundaries, consumer);
            let result = chain.run(receiver);
            if result.is_err() {
                cancel.store(true, Ordering::Relaxed);
            }
            result
        });
        rayon::scope_fifo(|scope| {
            for index in 0..inputs.len() {
                let start = if index == 0 { first_state.take().expect("taken once") } else { fresh.clone() };
                let sender = sender.clone();
                scope.spawn_fifo(move |_| {
                    let result = if cancel.load(Ordering::Relaxed) {
                        Ok(None)
                    } else {
                        inputs
                            .open(index, false)
                            .and_then(|mut source| speculate(start, &mut *source, head_records, cancel))
                    };
                    // The joiner stops listening after a failure; nothing is left to tell it then.
                    let _ = sender.send((index, result));
                });
            }
        });
        drop(sender);
        joiner.join().expect("the join thread does not panic")
    })?;
    pipeline.restore_pipelines(&outcome.truth, outcome.stats.records, &outcome.bars)?;
    Ok(outcome.stats)
}

/// A pipeline with the configuration of `like` and no history.
fn fresh_like(like: &FeaturePipeline) -> Result<FeaturePipeline, Error> {
    FeaturePipeline::new(like.builder().config(), *like.config(), like.builder().kernels())
        .map_err(|e| Error::usage(format!("feature configuration: {e}")))
}

struct ChainOutcome {
    truth: Vec<FeaturePipeline>,
    stats: ShardStats,
    bars: Vec<u64>,
}

/// The join in stream order.
struct JoinChain<'a, C> {
    inputs: &'a dyn ShardInputs,
    boundaries: &'a mut dyn ShardBoundaries,
    consumer: &'a mut C,
    truth: Vec<FeaturePipeline>,
    previous: Option<Trade>,
    stats: ShardStats,
    bars: Vec<u64>,
}

impl<'a, C: BarConsumer> JoinChain<'a, C> {
    fn new(inputs: &'a dyn ShardInputs, boundaries: &'a mut dyn ShardBoundaries, consumer: &'a mut C) -> Self {
        let stats = ShardStats { shards: inputs.len(), ..ShardStats::default() };
        JoinChain { inputs, boundaries, consumer, truth: Vec::new(), previous: None, stats, bars: Vec::new() }
    }

    fn run(
        &mut self,
        receiver: mpsc::Receiver<(usize, Result<Option<Speculation>, Error>)>,
    ) -> Result<ChainOutcome, Error> {
        let mut pending = BTreeMap::new();
        let mut next = 0;
        for (index, result) in receiver {
            pending.insert(index, result);
            while let Some(result) = pending.remove(&next) {
                self.accept(next, result)?;
                next += 1;
            }
        }
        debug_assert_eq!(next, self.inputs.len());
        Ok(ChainOutcome {
            truth: std::mem::take(&mut self.truth),
            stats: std::mem::take(&mut self.stats),
            bars: std::mem::take(&mut self.bars),
        })
    }

    fn accept(&mut self, index: usize, result: Result<Option<Speculation>, Error>) -> Result<(), Error> {
        let speculation = match result {
            Ok(Some(speculation)) => speculation,
            Ok(None) => return Err(Error::usage("the sharded run was cancelled")),
            Err(error) => return Err(self.boundaries.explain(index, error)),
        };
        if self.bars.is_empty() {
            self.bars = vec![0; speculation.runs.len()];
        }
        let last = speculation.last;
        let records = speculation.records;
        let (bars, skip) = if index == 0 {
            let runs = speculation.runs;
            self.truth = runs.iter().map(|run| run.end.clone()).collect();
            (runs.into_iter().map(|run| run.bars).collect::<Vec<_>>(), false)
        } else {
            let skip = match &self.previous {
                Some(previous) if !speculation.head.is_empty() => self
                    .boundaries
                    .check(index, previous, &speculation.head)
                    .map_err(|e| self.boundaries.explain(index, e))?,
                _ => false,
            };
            let truth = std::mem::take(&mut self.truth);
            let inputs = self.inputs;
            let joined = join(truth, speculation, skip, &|| inputs.open(index, true))
                .map_err(|e| self.boundaries.explain(index, e))?;
            self.truth = joined.end;
            self.stats.replayed += joined.replayed.iter().sum::<u64>();
            self.stats.convergence.push(joined.converged);
            (joined.bars, skip)
        };
        for (threshold, bars) in bars.iter().enumerate() {
            for bar in bars {
                self.consumer.bar(threshold, bar, true)?;
            }
            self.bars[threshold] += bars.len() as u64;
        }
        self.stats.records += records - u64::from(skip && records > 0);
        if last.is_some() {
            self.previous = last;
        }
        Ok(())
    }
}
