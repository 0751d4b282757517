//! The two steps of exact sharding: a speculative run over one shard, and the join that replays its head
//! from the true state of the stream before it (see `docs/PARALLEL.md` for why the result is exact).

use std::sync::atomic::{AtomicBool, Ordering};

use barsmith_core::features::{FeaturePipeline, FeaturedBar, LookbackMode};
use barsmith_core::{Trade, TradeBatch};

use crate::error::Error;

/// A source of one shard's records, batch by batch, in stream order.
pub trait TradeSource {
    /// Clears `batch` and fills it with the next records; `Ok(false)` when the shard is done.
    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Error>;
}

impl TradeSource for barsmith_ingest::MultiFileReader {
    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Error> {
        Ok(barsmith_ingest::MultiFileReader::next_batch(self, batch)?)
    }
}

impl TradeSource for barsmith_ingest::TradeReader {
    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Error> {
        Ok(barsmith_ingest::TradeReader::next_batch(self, batch)?)
    }
}

/// Batches held in memory, handed out in order (an embedder's own shard, or a test's).
#[derive(Debug, Clone)]
pub struct BatchesSource<'a> {
    batches: &'a [TradeBatch],
    next: usize,
}

impl<'a> BatchesSource<'a> {
    /// Hands out `batches` in order.
    pub fn new(batches: &'a [TradeBatch]) -> BatchesSource<'a> {
        BatchesSource { batches, next: 0 }
    }
}

impl TradeSource for BatchesSource<'_> {
    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Error> {
        batch.clear();
        while let Some(next) = self.batches.get(self.next) {
            self.next += 1;
            if !next.is_empty() {
                batch.extend_from(next, 0..next.len());
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// What the speculative run of one threshold produced.
#[derive(Debug, Clone)]
pub struct SpeculativeRun {
    /// Completed bars, in order.
    pub bars: Vec<FeaturedBar>,
    /// Shard-relative index of each bar's closing record.
    pub closes: Vec<u64>,
    /// The state after the shard's last record.
    pub end: FeaturePipeline,
}

/// The speculative run of one shard: every threshold from a fresh state (or, for the first shard, from the
/// true state), with the bar-close positions and the head of the shard kept for the join.
#[derive(Debug, Clone)]
pub struct Speculation {
    /// Records in the shard.
    pub records: u64,
    /// The shard's first record.
    pub first: Option<Trade>,
    /// The shard's last record.
    pub last: Option<Trade>,
    /// The first records of the shard (at most the head limit given to [`speculate`]).
    pub head: TradeBatch,
    /// One run per threshold, in the configured order.
    pub runs: Vec<SpeculativeRun>,
}

/// Runs `pipelines` (one per threshold) over every record of `source`, keeping the first `head_limit`
/// records. Returns early with `Ok(None)` when `cancel` is set.
pub fn speculate(
    pipelines: Vec<FeaturePipeline>,
    source: &mut dyn TradeSource,
    head_limit: usize,
    cancel: &AtomicBool,
) -> Result<Option<Speculation>, Error> {
    let mut runs: Vec<SpeculativeRun> =
        pipelines.into_iter().map(|end| SpeculativeRun { bars: Vec::new(), closes: Vec::new(), end }).collect();
    let mut closed = vec![0u64; runs.len()];
    let mut speculation =
        Speculation { records: 0, first: None, last: None, head: TradeBatch::new(), runs: Vec::new() };
    let mut batch = TradeBatch::new();
    while source.next_batch(&mut batch)? {
        if cancel.load(Ordering::Relaxed) {
            return Ok(None);
        }
        if batch.is_empty() {
            continue;
        }
        speculation.first = speculation.first.or_else(|| batch.get(0));
        speculation.last = batch.get(batch.len() - 1);
        // At least two records: the join looks at the second one after a dropped duplicate.
        let room = head_limit.max(2).saturating_sub(speculation.head.len()).min(batch.len());
        speculation.head.extend_from(&batch, 0..room);
        for (run, closed) in runs.iter_mut().zip(&mut closed) {
            let before = run.bars.len();
            run.end.push_batch(&batch, &mut run.bars)?;
            // Bars are contiguous and the first one opened on the shard's first record, so a bar closes on
            // the record before the next one opens: the running count of records in completed bars.
            for bar in &run.bars[before..] {
                *closed += bar.bar.agg_record_count;
                run.closes.push(*closed - 1);
            }
        }
        speculation.records += batch.len() as u64;
    }
    speculation.runs = runs;
    Ok(Some(speculation))
}

/// How the join of one threshold ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Convergence {
    /// Records replayed from the shard start up to and including the record the runs met on.
    pub records: u64,
    /// Bars the replay produced up to that record.
    pub bars: u64,
}

/// One joined shard: the exact bars of every threshold and the true state after the shard.
#[derive(Debug, Clone)]
pub struct Joined {
    /// Exact bars per threshold, in order.
    pub bars: Vec<Vec<FeaturedBar>>,
    /// The true state after the shard's last record, per threshold.
    pub end: Vec<FeaturePipeline>,
    /// Records replayed, per threshold.
    pub replayed: Vec<u64>,
    /// Where the replay met the speculative run, per threshold (`None`: it never did, the replay is the output).
    pub converged: Vec<Option<Convergence>>,
}

/// Joins a speculative shard to the true state of the stream before it.
///
/// `truth` holds the true state after the previous shard, one pipeline per threshold. `skip_first` drops the
/// shard's first record (an exact duplicate of the previous shard's last record, which `dedupe` removes).
/// `reopen` reads the shard again from its start, and is called only when a replay runs past
/// [`Speculation::head`].
pub fn join<'a>(
    truth: Vec<FeaturePipeline>,
    speculation: Speculation,
    skip_first: bool,
    reopen: &dyn Fn() -> Result<Box<dyn TradeSource + 'a>, Error>,
) -> Result<Joined, Error> {
    let mut joined = Joined { bars: Vec::new(), end: Vec::new(), replayed: Vec::new(), converged: Vec::new() };
    for resynced in resync(truth, speculation, skip_first, reopen)? {
        let mut bars = resynced.replay;
        if let Some(from) = resynced.kept_from {
            bars.extend_from_slice(&resynced.speculative[from..]);
        }
        joined.bars.push(bars);
        joined.end.push(resynced.end);
        joined.replayed.push(resynced.replayed);
        joined.converged.push(resynced.converged);
    }
    Ok(joined)
}

/// One threshold of a join before its bars are put together: the exact bars of the shard are `replay`
/// followed by the speculative bars from `kept_from` on (none when `kept_from` is `None`).
#[derive(Debug)]
pub(crate) struct Resynced {
    /// The bars the replay produced.
    pub(crate) replay: Vec<FeaturedBar>,
    /// The speculative run's bars, as given to the join.
    pub(crate) speculative: Vec<FeaturedBar>,
    /// Index of the first speculative bar the output keeps after the replay's bars.
    pub(crate) kept_from: Option<usize>,
    /// The true state after the shard.
    pub(crate) end: FeaturePipeline,
    /// Records replayed.
    pub(crate) replayed: u64,
    /// Where the replay met the speculative run.
    pub(crate) converged: Option<Convergence>,
}

/// The replay of [`join`], per threshold, without putting the bars together: the speculative bars need not be
/// at hand (`crate::parallel::portable` sends them elsewhere and keeps only their close positions).
pub(crate) fn resync<'a>(
    truth: Vec<FeaturePipeline>,
    speculation: Speculation,
    skip_first: bool,
    reopen: &dyn Fn() -> Result<Box<dyn TradeSource + 'a>, Error>,
) -> Result<Vec<Resynced>, Error> {
    let skip = u64::from(skip_first && speculation.records > 0);
    let records = speculation.records;
    let mut replays: Vec<Replay> = truth
        .into_iter()
        .zip(speculation.runs)
        .map(|(pipeline, run)| Replay::new(pipeline, run, skip, records))
        .collect();
    let mut offset = 0u64;
    let mut scratch = TradeBatch::new();
    let head = &speculation.head;
    if !head.is_empty() {
        replay_batch(&mut replays, head, offset, &mut scratch)?;
        offset += head.len() as u64;
    }
    if offset < records && replays.iter().any(Replay::active) {
        let mut source = reopen()?;
        let mut batch = TradeBatch::new();
        let (mut skipped, mut tail) = (0u64, TradeBatch::new());
        while replays.iter().any(Replay::active) && source.next_batch(&mut batch)? {
            // The records the head already held are read again and passed over.
            let n = batch.len() as u64;
            let already = (head.len() as u64 - skipped).min(n);
            skipped += already;
            if already == n {
                continue;
            }
            let rest = if already == 0 {
                &batch
            } else {
                tail.clear();
                tail.extend_from(&batch, already as usize..batch.len());
                &tail
            };
            replay_batch(&mut replays, rest, offset, &mut scratch)?;
            offset += rest.len() as u64;
        }
    }
    Ok(replays.into_iter().map(Replay::finish).collect())
}

fn replay_batch(
    replays: &mut [Replay],
    batch: &TradeBatch,
    offset: u64,
    scratch: &mut TradeBatch,
) -> Result<(), Error> {
    for replay in replays.iter_mut().filter(|r| r.active()) {
        replay.push(batch, offset, scratch)?;
    }
    Ok(())
}

/// The replay of one threshold from its true state.
#[derive(Debug)]
struct Replay {
    pipeline: FeaturePipeline,
    run: SpeculativeRun,
    /// The true stream position of the shard's first kept record.
    start_position: u64,
    /// Timestamp of the record before the shard (for `time:D`).
    prior_time: Option<i64>,
    skip: u64,
    shard_records: u64,
    /// Shard-relative index of the next record the replay takes.
    cursor: u64,
    /// Index into `run.closes` of the next speculative close to look at.
    next_close: usize,
    /// Closes both runs made on the same record so far.
    common: u64,
    bars: Vec<FeaturedBar>,
    /// Index of the speculative bar the replay met at.
    met: Option<usize>,
}

impl Replay {
    fn new(pipeline: FeaturePipeline, run: SpeculativeRun, skip: u64, shard_records: u64) -> Replay {
        let start_position = pipeline.next_position();
        let prior_time = pipeline.builder().last_key().map(|(time, _)| time);
        Replay {
            pipeline,
            run,
            start_position,
            prior_time,
            skip,
            shard_records,
            cursor: skip,
            next_close: 0,
            common: 0,
            bars: Vec::new(),
            met: None,
        }
    }

    fn active(&self) -> bool {
        self.met.is_none() && self.cursor < self.shard_records
    }

    /// Replays the records of `batch` (shard-relative indices from `offset`) up to the meeting point.
    fn push(&mut self, batch: &TradeBatch, offset: u64, scratch: &mut TradeBatch) -> Result<(), Error> {
        let end = offset + batch.len() as u64;
        while self.active() && self.cursor < end {
            let close = self.run.closes.get(self.next_close).copied().filter(|&c| c < end);
            let stop = close.map_or(end, |c| c + 1);
            if stop > self.cursor {
                let from = (self.cursor - offset) as usize;
                let slice = sub_range(batch, from, (stop - offset) as usize, scratch);
                self.pipeline.push_batch(slice, &mut self.bars)?;
                self.cursor = stop;
            }
            let Some(close) = close else { break };
            let closed_here = self.pipeline.builder().incomplete_bar().is_none() && close >= self.skip;
            if closed_here {
                self.common += 1;
                let time = batch.timestamp_us[(close - offset) as usize];
                if self.met_at(close, time) {
                    self.met = Some(self.next_close);
                }
            }
            self.next_close += 1;
        }
        Ok(())
    }

    /// Whether the runs, which both closed a bar on record `close` (timestamp `time`), are now in the same
    /// state for good: every later bar's windows lie inside what both runs hold, and the next bar opens
    /// inside the shard (so the speculative end state is the true one).
    fn met_at(&self, close: u64, time: i64) -> bool {
        let config = self.pipeline.config();
        let next_open = close + 1;
        if next_open >= self.shard_records {
            return false;
        }
        if !config.lookback {
            return true;
        }
        match config.lookback_mode {
            LookbackMode::Count(n) => next_open >= self.skip.saturating_add(n),
            LookbackMode::Time { duration_us } => {
                self.prior_time.is_none_or(|prior| i128::from(prior) < i128::from(time) - i128::from(duration_us))
            }
            LookbackMode::Bars(k) => self.common > k,
        }
    }

    fn finish(self) -> Resynced {
        let replayed = self.cursor - self.skip;
        let Some(met) = self.met else {
            let (replay, speculative, end) = (self.bars, self.run.bars, self.pipeline);
            return Resynced { replay, speculative, kept_from: None, end, replayed, converged: None };
        };
        let converged = Some(Convergence { records: replayed, bars: self.bars.len() as u64 });
        let mut end = self.run.end;
        // The speculative run numbered its records from 0 at the shard's first record (the dropped
        // duplicate included); the true numbering starts at `start_position` after the duplicate.
        end.offset_positions(self.start_position.saturating_sub(self.skip));
        let (replay, speculative) = (self.bars, self.run.bars);
        Resynced { replay, speculative, kept_from: Some(met + 1), end, replayed, converged }
    }
}

/// Records `from..to` of `batch`: the batch itself when that is all of it, else a copy in `scratch`.
fn sub_range<'a>(batch: &'a TradeBatch, from: usize, to: usize, scratch: &'a mut TradeBatch) -> &'a TradeBatch {
    if from == 0 && to == batch.len() {
        return batch;
    }
    scratch.clear();
    scratch.extend_from(batch, from..to);
    scratch
}
