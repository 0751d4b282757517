//! Exact parallelism that does not depend on runs meeting: parse shards in parallel, find the bar
//! boundaries in one sequential scan (the bar rule alone), compute the features between boundaries in
//! parallel, write in order (`docs/PARALLEL.md`, "Boundaries first").
//!
//! Per threshold and shard `j`, the scan finds the shard's cut `c_j` (the first record on which a true bar
//! opens after a close inside the shard; none when no bar closes there). The run `(t, j)` covers the records
//! from `c_j` (or from the shard's start when it has no cut) to the cut of shard `j + 1` (or to its start when
//! it has none). It starts in the one-pass state at the cut ([`barsmith_core::features::Opening`]), or, when
//! shard `j` has no cut, from the end state of run `(t, j − 1)`: a bar that spans shards is built by a chain
//! of runs, slower but exact. At most `window` shards are held at once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use barsmith_core::features::FeaturePipeline;
use barsmith_core::{FeatureConfig, Kernels, Trade, TradeBatch};

use crate::error::Error;
use crate::parallel::engine::{ShardBoundaries, ShardInputs, ShardStats};
use crate::parallel::scan::{self, Held, Piece, Pool, Recycled, RunDone, Scanner, Start, tail};
use crate::pipeline::{BarConsumer, BarPipeline};

enum Done {
    Parsed(usize, Result<Recycled, Error>),
    Ran(usize, usize, Result<Box<RunDone>, Error>),
}

/// A run: its start (`None` while it waits for the end of the run before it) and its records.
struct Pending {
    start: Option<Start>,
    pieces: Vec<Piece>,
    /// The first shard it reads (shards from the oldest one a run still reads are held).
    shard: usize,
}

/// Runs a stream split into shards on the current rayon pool with the boundaries found first: `consumer`
/// gets each threshold's bars in stream order, exactly as one pass gives them, and `pipeline` ends in the
/// one-pass state. At most about `window` parsed shards are held at once (at least 3).
pub fn run_exact<C: BarConsumer + Send>(
    inputs: &dyn ShardInputs,
    boundaries: &mut dyn ShardBoundaries,
    pipeline: &mut BarPipeline,
    consumer: &mut C,
    window: usize,
) -> Result<ShardStats, Error> {
    let truth = pipeline.take_pipelines()?;
    let done = AtomicBool::new(false);
    let outcome = rayon::scope_fifo(|scope| {
        std::thread::scope(|threads| {
            let done = &done;
            let coordinator = threads.spawn(move || {
                let (sender, receiver) = mpsc::channel::<Done>();
                let mut coordinator = Coordinator::new(inputs, boundaries, consumer, truth, window.max(3));
                let result = coordinator.drive(scope, &sender, &receiver);
                if result.is_err() {
                    coordinator.cancel.store(true, Ordering::Relaxed);
                }
                done.store(true, Ordering::Release);
                result
            });
            // This pool thread works on the tasks until the coordinator has spawned its last one.
            while !done.load(Ordering::Acquire) {
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
            }
            coordinator.join().expect("the coordinator does not panic")
        })
    })?;
    pipeline.restore_pipelines(&outcome.0, outcome.1.records, &outcome.2)?;
    Ok(outcome.1)
}

type Outcome = (Vec<FeaturePipeline>, ShardStats, Vec<u64>);

/// Parses, scans, starts runs and writes their bars in order, on its own thread.
struct Coordinator<'a, C> {
    inputs: &'a dyn ShardInputs,
    boundaries: &'a mut dyn ShardBoundaries,
    consumer: &'a mut C,
    config: FeatureConfig,
    kernels: Kernels,
    window: usize,
    scanners: Vec<Scanner>,
    /// Parsed shards not scanned yet.
    parsed: BTreeMap<usize, Result<Recycled, Error>>,
    pool: Pool,
    /// The latest scanned shards, oldest first, for the tails of openings.
    held: Vec<Held>,
    next_parse: usize,
    next_scan: usize,
    position: u64,
    previous: Option<Trade>,
    /// Per threshold: the latest run, still taking records, and its number.
    open: Vec<(usize, Pending)>,
    /// Closed runs that wait for the end of the run before them, by (threshold, run).
    waiting: BTreeMap<(usize, usize), Pending>,
    /// Runs spawned and not finished: their first shard.
    running: BTreeMap<(usize, usize), usize>,
    /// End states kept for the run after them (chained) or as the stream's end state.
    ends: BTreeMap<(usize, usize), FeaturePipeline>,
    /// Per threshold, once the last shard is scanned: the number of its last run.
    last: Vec<Option<usize>>,
    /// Finished runs not written yet, and the next run to write, per threshold.
    finished: BTreeMap<(usize, usize), Vec<barsmith_core::FeaturedBar>>,
    next_write: Vec<usize>,
    stats: ShardStats,
    bars: Vec<u64>,
    cancel: Arc<AtomicBool>,
}

impl<'a, C: BarConsumer> Coordinator<'a, C> {
    fn new(
        inputs: &'a dyn ShardInputs,
        boundaries: &'a mut dyn ShardBoundaries,
        consumer: &'a mut C,
        truth: Vec<FeaturePipeline>,
        window: usize,
    ) -> Self {
        let (config, kernels) = (*truth[0].config(), truth[0].builder().kernels());
        let scanners = truth.iter().map(Scanner::new).collect();
        let (count, position) = (truth.len(), truth[0].next_position());
        let open = truth
            .into_iter()
            .map(|p| (0, Pending { start: Some(Start::State(Box::new(p))), pieces: Vec::new(), shard: 0 }))
            .collect();
        Coordinator {
            inputs,
            boundaries,
            consumer,
            config,
            kernels,
            window,
            scanners,
            parsed: BTreeMap::new(),
            pool: Pool::default(),
            held: Vec::new(),
            next_parse: 0,
            next_scan: 0,
            position,
            previous: None,
            open,
            waiting: BTreeMap::new(),
            running: BTreeMap::new(),
            ends: BTreeMap::new(),
            last: vec![None; count],
            finished: BTreeMap::new(),
            next_write: vec![0; count],
            stats: ShardStats { shards: inputs.len(), ..ShardStats::default() },
            bars: vec![0; count],
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    fn drive<'s>(
        &mut self,
        scope: &rayon::ScopeFifo<'s>,
        sender: &mpsc::Sender<Done>,
        receiver: &mpsc::Receiver<Done>,
    ) -> Result<Outcome, Error>
    where
        'a: 's,
    {
        if self.inputs.is_empty() {
            self.close_all(scope, sender)?;
        }
        loop {
            self.spawn_parses(scope, sender);
            while let Some(parsed) = self.parsed.remove(&self.next_scan) {
                let index = self.next_scan;
                let records = parsed.map_err(|e| self.boundaries.explain(index, e))?;
                self.scan(records, scope, sender)?;
                self.spawn_parses(scope, sender);
            }
            let scanned = self.next_scan == self.inputs.len();
            if scanned && self.running.is_empty() && self.waiting.is_empty() {
                break;
            }
            match receiver.recv().expect("the coordinator holds a sender") {
                Done::Parsed(index, parsed) => {
                    self.parsed.insert(index, parsed);
                }
                Done::Ran(threshold, run, result) => self.finished_run(threshold, run, *result?, scope, sender)?,
            }
        }
        let ends = (0..self.scanners.len())
            .map(|t| self.ends.remove(&(t, self.last[t].expect("closed"))).expect("the last end"));
        Ok((ends.collect(), std::mem::take(&mut self.stats), std::mem::take(&mut self.bars)))
    }

    /// Parses the next shards while fewer than `window` shards from the oldest one a run reads are held.
    fn spawn_parses<'s>(&mut self, scope: &rayon::ScopeFifo<'s>, sender: &mpsc::Sender<Done>)
    where
        'a: 's,
    {
        let oldest = self.running.values().chain(self.waiting.values().map(|p| &p.shard)).min().copied();
        let oldest = oldest.unwrap_or(self.next_scan).min(self.next_scan);
        while self.next_parse < self.inputs.len() && self.next_parse < oldest + self.window {
            let (index, inputs, sender, cancel) = (self.next_parse, self.inputs, sender.clone(), self.cancel.clone());
            let pool = self.pool.clone();
            scope.spawn_fifo(move |_| {
                let parsed = if cancel.load(Ordering::Relaxed) {
                    Err(Error::usage("the sharded run was cancelled"))
                } else {
                    parse(inputs, index, &pool)
                };
                let _ = sender.send(Done::Parsed(index, parsed));
            });
            self.next_parse += 1;
        }
    }
}

impl<'a, C: BarConsumer> Coordinator<'a, C> {
    /// Checks shard `next_scan` against the shard before it, runs the bar rule over it, and closes every
    /// threshold's open run at the shard's cut (or at its start when it has none).
    fn scan<'s>(
        &mut self,
        records: Recycled,
        scope: &rayon::ScopeFifo<'s>,
        sender: &mpsc::Sender<Done>,
    ) -> Result<(), Error>
    where
        'a: 's,
    {
        let index = self.next_scan;
        let mut records = records;
        if let (Some(previous), false) = (self.previous, records.is_empty()) {
            let skip =
                self.boundaries.check(index, &previous, &records).map_err(|e| self.boundaries.explain(index, e))?;
            if skip {
                let mut rest = Recycled::from(&self.pool);
                rest.batch.extend_from(&records, 1..records.len());
                records = rest;
            }
        }
        self.previous = records.len().checked_sub(1).and_then(|last| records.get(last)).or(self.previous);
        let (records, position, began) = (Arc::new(records), self.position, std::time::Instant::now());
        self.held.push(Held { position, records: records.clone() });
        if self.held.len() > 2 {
            self.held.remove(0);
        }
        for threshold in 0..self.scanners.len() {
            let scanned = self.scanners[threshold].scan(&records, position, index == 0);
            let cut = scanned.map_err(|e| self.boundaries.explain(index, e))?;
            let opening = cut.and_then(|cut| {
                let at = position + cut.index as u64;
                Some((tail(&self.config, at, &cut.recent, &self.held)?, cut))
            });
            let at = opening.as_ref().map_or(0, |(_, cut)| cut.index);
            self.stats.openings += u64::from(opening.is_some());
            let start = opening.map(|(tail, cut)| Start::Opening {
                position: position + cut.index as u64,
                builder: Box::new(cut.builder),
                recent: cut.recent,
                tail,
            });
            let next = Pending { start, pieces: vec![(records.clone(), at..records.len())], shard: index };
            self.close(threshold, (records.clone(), 0..at), next, scope, sender)?;
        }
        self.stats.scan_time += began.elapsed();
        self.position += records.len() as u64;
        self.stats.records += records.len() as u64;
        self.next_scan += 1;
        if self.next_scan == self.inputs.len() {
            self.close_all(scope, sender)?;
        }
        Ok(())
    }

    /// Ends threshold `threshold`'s open run with `piece` and opens `next`.
    fn close<'s>(
        &mut self,
        threshold: usize,
        piece: Piece,
        next: Pending,
        scope: &rayon::ScopeFifo<'s>,
        sender: &mpsc::Sender<Done>,
    ) -> Result<(), Error>
    where
        'a: 's,
    {
        let number = self.open[threshold].0;
        let (_, mut current) = std::mem::replace(&mut self.open[threshold], (number + 1, next));
        if !piece.1.is_empty() {
            current.pieces.push(piece);
        }
        self.submit(threshold, number, current, scope, sender);
        Ok(())
    }

    /// The stream has ended: every open run is its threshold's last.
    fn close_all<'s>(&mut self, scope: &rayon::ScopeFifo<'s>, sender: &mpsc::Sender<Done>) -> Result<(), Error>
    where
        'a: 's,
    {
        for threshold in 0..self.open.len() {
            let number = self.open[threshold].0;
            let empty = Pending { start: None, pieces: Vec::new(), shard: usize::MAX };
            let (_, current) = std::mem::replace(&mut self.open[threshold], (number + 1, empty));
            self.last[threshold] = Some(number);
            self.submit(threshold, number, current, scope, sender);
        }
        Ok(())
    }

    /// Spawns a closed run, or keeps it until the run before it has ended (a chained start).
    fn submit<'s>(
        &mut self,
        threshold: usize,
        number: usize,
        mut run: Pending,
        scope: &rayon::ScopeFifo<'s>,
        sender: &mpsc::Sender<Done>,
    ) where
        'a: 's,
    {
        if run.start.is_none() {
            match self.ends.remove(&(threshold, number.wrapping_sub(1))) {
                Some(end) => run.start = Some(Start::State(Box::new(end))),
                None => {
                    self.waiting.insert((threshold, number), run);
                    return;
                }
            }
        }
        self.running.insert((threshold, number), run.shard);
        let (config, kernels, sender, cancel) = (self.config, self.kernels, sender.clone(), self.cancel.clone());
        let start = run.start.expect("a start");
        let pieces = run.pieces;
        scope.spawn_fifo(move |_| {
            let result = if cancel.load(Ordering::Relaxed) {
                Err(Error::usage("the sharded run was cancelled"))
            } else {
                scan::run(start, &pieces, config, kernels).map(Box::new)
            };
            drop(pieces);
            let _ = sender.send(Done::Ran(threshold, number, result));
        });
    }

    /// A run has ended: its end state goes to the run after it when that one is chained (or is the
    /// stream's end state), and its bars are written when every run before it has been.
    fn finished_run<'s>(
        &mut self,
        threshold: usize,
        number: usize,
        done: RunDone,
        scope: &rayon::ScopeFifo<'s>,
        sender: &mpsc::Sender<Done>,
    ) -> Result<(), Error>
    where
        'a: 's,
    {
        self.running.remove(&(threshold, number));
        let key = (threshold, number + 1);
        if let Some(mut next) = self.waiting.remove(&key) {
            next.start = Some(Start::State(Box::new(done.end)));
            self.submit(threshold, number + 1, next, scope, sender);
        } else {
            let (open, last) = (&self.open[threshold], self.last[threshold]);
            let chained = last.is_none() && open.0 == number + 1 && open.1.start.is_none();
            if chained || last == Some(number) {
                self.ends.insert((threshold, number), done.end);
            }
        }
        self.finished.insert((threshold, number), done.bars);
        while let Some(bars) = self.finished.remove(&(threshold, self.next_write[threshold])) {
            for bar in &bars {
                self.consumer.bar(threshold, bar, true)?;
            }
            self.bars[threshold] += bars.len() as u64;
            self.next_write[threshold] += 1;
        }
        Ok(())
    }
}

/// Reads a whole shard into one batch.
fn parse(inputs: &dyn ShardInputs, index: usize, pool: &Pool) -> Result<Recycled, Error> {
    let mut source = inputs.open(index, false)?;
    let (mut all, mut batch) = (Recycled::from(pool), TradeBatch::new());
    while source.next_batch(&mut batch)? {
        all.batch.extend_from(&batch, 0..batch.len());
    }
    Ok(all)
}
