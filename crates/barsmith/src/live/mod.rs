//! Bars from Binance's live aggTrade streams (cargo feature `live`): the trades of
//! [`barsmith_binance::live`] (every id once, in order, holes filled by REST) go through the same
//! [`BarPipeline`] as a batch run, with the same settings, features, checkpoint file and CSV writer, so the bars
//! are byte for byte those of a batch run over the same trades. docs/LIVE.md has the hand-off, the fault model
//! and the output/checkpoint protocol.

mod metrics;
mod output;
mod rows;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use barsmith_core::features::{FeatureCheckpoint, FeaturedBar};
use barsmith_core::{Named, RangeBarBuilder, Trade, TradeBatch};

pub use barsmith_binance::live::{FeedStats, LiveConfig, LiveError, LiveEvent, LiveProgress, Market};
pub use metrics::MetricsServer;
pub use output::LiveOutput;
pub use rows::LiveFormat;

use crate::error::{Error, ErrorKind};
use crate::inputs::SymbolStream;
use crate::pipeline::{BarConsumer, BarPipeline};
use crate::run::checkpoint::{
    ChainSettings, CheckpointFile, LiveCheckpoint, LiveCursor, StreamCheckpoint, holds_none, read_checkpoints,
    write_checkpoint_file,
};
use crate::settings::Settings;
use output::Outputs;

/// A live run: the bar settings, the source, where it starts and stops, its checkpoints and its output.
#[derive(Clone, Debug)]
pub struct LiveRun {
    /// Thresholds and stream settings (the same as the batch run it continues).
    pub settings: Settings,
    /// Market, symbols, endpoints, timeouts.
    pub source: LiveConfig,
    /// Without a checkpoint: the first agg_trade_id (every symbol); `None`: the first trade received.
    pub from_id: Option<i64>,
    /// Stop after this agg_trade_id (every symbol).
    pub until_id: Option<i64>,
    /// Stop before the first trade at or after this exchange time (µs).
    pub until_time_us: Option<i64>,
    /// Continue exactly where this checkpoint file ends.
    pub checkpoint_in: Option<PathBuf>,
    /// Save the state here, atomically with what has been written.
    pub checkpoint_out: Option<PathBuf>,
    /// How often to save it (and always at the end).
    pub checkpoint_every: Duration,
    /// Where bars go.
    pub output: LiveOutput,
}

/// Operators' side of a run: events as they happen, and whether to stop.
pub trait LiveObserver {
    /// Something happened (connections, rate limits, exchange gaps).
    fn event(&self, event: &LiveEvent);
    /// `true` stops the run cleanly (output flushed, checkpoint saved).
    fn stop_requested(&self) -> bool;
    /// About once a second: where the run is (for a status line).
    fn status(&self, status: &LiveStatus) {
        let _ = status;
    }
}

/// Where a run is, summed over its symbols.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LiveStatus {
    /// Trades handed to the pipelines so far.
    pub trades: u64,
    /// Exchange time of the newest trade minus the wall clock's time, in ms (`None` before the first trade).
    pub lag_ms: Option<i64>,
    /// Connections opened so far (the first included).
    pub connections: u64,
    /// Trades REST supplied (catch-up, holes).
    pub from_rest: u64,
    /// Exchange gaps met.
    pub exchange_gaps: u64,
    /// Ids in those gaps.
    pub missing_ids: u64,
    /// Trades received twice (dropped by id).
    pub duplicates: u64,
    /// Trades received out of order (put back in order).
    pub out_of_order: u64,
    /// Completed bars emitted (every symbol and threshold).
    pub bars: u64,
    /// Messages read from the socket and waiting to be handled.
    pub queued: usize,
    /// The most that wait per socket (a full queue stops the reads).
    pub queue_bound: usize,
}

/// What one symbol's run did.
#[derive(Clone, Debug)]
pub struct LiveSymbolSummary {
    /// The symbol.
    pub symbol: String,
    /// Completed bars per threshold, in the configured order.
    pub bars: Vec<u64>,
    /// The source's counters (trades, duplicates, out of order, from REST, exchange gaps).
    pub stats: FeedStats,
    /// The next agg_trade_id it needs.
    pub next_id: Option<i64>,
}

/// A consumer of a run's closed bars besides its output files (the Python iterator): each bar as it closes,
/// then [`LiveBars::flush`] after each batch of trades. The checkpoint is written between two batches, after
/// `flush` returned, so a consumer that hands bars on in `flush` and returns only when they were taken has
/// every bar of the checkpointed state.
pub trait LiveBars {
    /// A closed bar of symbol number `symbol` at threshold number `threshold` (the configured orders).
    fn bar(&mut self, symbol: usize, threshold: usize, bar: &FeaturedBar) -> Result<(), Error>;
    /// The end of a batch of trades: the bars since the last call are all there are for now.
    fn flush(&mut self) -> Result<(), Error>;
}

/// Runs `run` until its stop (`until_id`, `until_time_us`) or the observer's; the checkpoint is saved at the
/// end, also when the source fails.
pub fn run_live(run: &LiveRun, observer: &dyn LiveObserver) -> Result<Vec<LiveSymbolSummary>, Error> {
    run_live_inner(run, observer, None)
}

/// [`run_live`] with `bars` receiving every closed bar (besides `run.output`; [`LiveOutput::Consumer`]: only).
pub fn run_live_to(
    run: &LiveRun,
    observer: &dyn LiveObserver,
    bars: &mut dyn LiveBars,
) -> Result<Vec<LiveSymbolSummary>, Error> {
    run_live_inner(run, observer, Some(bars))
}

fn run_live_inner<'a>(
    run: &'a LiveRun,
    observer: &'a dyn LiveObserver,
    bars: Option<&'a mut dyn LiveBars>,
) -> Result<Vec<LiveSymbolSummary>, Error> {
    let (mut sink, starts) = open_sink(run, observer, bars)?;
    let result = barsmith_binance::live::run(&run.source, &starts, (run.until_id, run.until_time_us), &mut sink);
    // A failure of the source comes between two batches: the state matches what has been written, so it is
    // saved. A failure of the outputs may leave a bar half written: the last checkpoint stays.
    let stats = match result {
        Ok(stats) => stats,
        Err(barsmith_binance::live::LiveFailure::Live(e)) => {
            sink.checkpoint()?;
            sink.outputs.stop()?;
            return Err(live_error(e));
        }
        Err(barsmith_binance::live::LiveFailure::Sink(e)) => return Err(e),
    };
    sink.checkpoint()?;
    sink.outputs.stop()?;
    Ok(sink
        .symbols
        .iter()
        .enumerate()
        .map(|(i, symbol)| LiveSymbolSummary {
            symbol: symbol.clone(),
            bars: sink.pipelines[i].bar_counts().to_vec(),
            stats: stats[i],
            next_id: sink.cursors[i],
        })
        .collect())
}

/// Checks the run, resumes every symbol's pipeline and cursor, and opens the outputs.
fn open_sink<'a>(
    run: &'a LiveRun,
    observer: &'a dyn LiveObserver,
    bars: Option<&'a mut dyn LiveBars>,
) -> Result<(Sink<'a>, Vec<Option<i64>>), Error> {
    run.settings.check()?;
    if run.settings.stream.include_incomplete {
        return Err(Error::usage(
            Named::from_setting("include_incomplete").then(": a live run emits completed bars only"),
        ));
    }
    if let Some(other) = run.settings.thresholds.iter().find(|s| s.threshold().is_none()) {
        let message = Named::from_setting("bars")
            .then(format!(" {other}: a live run builds range bars only in this version (its files are named by dbps)"));
        return Err(Error::usage(message));
    }
    run.source.check().map_err(live_error)?;
    let symbols: Vec<String> = run.source.symbols.iter().map(|s| s.to_ascii_uppercase()).collect();
    let resumed = match &run.checkpoint_in {
        Some(path) => Some(read_checkpoints(path)?),
        None => None,
    };
    let chain = chain_settings(run, resumed.as_ref());
    let carried = match (&resumed, &run.checkpoint_in) {
        (Some(resumed), Some(path)) => check_resumed(run, resumed, path, &symbols, &chain)?,
        _ => Vec::new(),
    };
    let (mut starts, mut pipelines) = (Vec::with_capacity(symbols.len()), Vec::with_capacity(symbols.len()));
    for symbol in &symbols {
        let (start, pipeline) = resume_symbol(run, resumed.as_ref(), symbol)?;
        starts.push(start);
        pipelines.push(pipeline);
    }
    let live_resumed = resumed.as_ref().and_then(|r| r.live.as_ref());
    let outputs = Outputs::open(&run.output, &run.settings, &symbols, live_resumed, run.checkpoint_in.as_deref())?;
    let gaps = symbols
        .iter()
        .map(|s| {
            live_resumed
                .and_then(|l| l.cursors.iter().find(|c| c.symbol == *s))
                .map_or((0, 0), |c| (c.exchange_gaps, c.missing_ids))
        })
        .collect();
    let sink = Sink {
        run,
        observer,
        bars,
        symbols,
        pipelines,
        outputs,
        batch: TradeBatch::new(),
        cursors: starts.clone(),
        gaps,
        carried,
        chain,
        last_checkpoint: Instant::now(),
        newest_time_us: None,
    };
    Ok((sink, starts))
}

/// The chain's output settings. CSV and Parquet day files join the chain's dataset (the files `barsmith bars`
/// writes), so their format is the chain's (a checkpoint of another format is refused). NDJSON (which `bars`
/// does not write), lines on stdout and bars handed to a consumer join no batch dataset: such a run keeps the
/// format of the chain it resumes, and names its own only when it starts one.
fn chain_settings(run: &LiveRun, resumed: Option<&CheckpointFile>) -> ChainSettings {
    let resumed_format = resumed.and_then(|r| r.chain.as_ref()).map(|c| c.format.clone());
    let joins = matches!(&run.output, LiveOutput::Directory(_, f) if *f != LiveFormat::Ndjson);
    let format = match resumed_format {
        Some(format) if !joins => format,
        _ => run.output.format().name().to_string(),
    };
    ChainSettings { include_incomplete: false, format, identity_columns: run.settings.identity_columns }
}

/// Refuses a checkpoint of a chain with other output settings or holding none of the run's symbols; returns
/// the states of the symbols this run does not have (kept in its checkpoints).
fn check_resumed(
    run: &LiveRun,
    resumed: &CheckpointFile,
    path: &Path,
    symbols: &[String],
    chain: &ChainSettings,
) -> Result<Vec<StreamCheckpoint>, Error> {
    if let Some(old) = &resumed.chain {
        old.check_same(chain, path)?;
    }
    let held = |s: &String| resumed.streams.iter().any(|c| c.symbol.as_deref() == Some(s));
    if !symbols.iter().any(held) {
        let streams: Vec<SymbolStream> = symbols
            .iter()
            .map(|s| SymbolStream { symbol: Some(s.clone()), files: Vec::new(), periods: None })
            .collect();
        return Err(holds_none(path, &resumed.streams, &streams, &run.settings.thresholds));
    }
    let other = |c: &&StreamCheckpoint| !c.symbol.as_ref().is_some_and(|s| symbols.contains(s));
    Ok(resumed.streams.iter().filter(other).cloned().collect())
}

/// One symbol's start id and pipeline, from the checkpoint where it holds the symbol.
fn resume_symbol(
    run: &LiveRun,
    resumed: Option<&CheckpointFile>,
    symbol: &str,
) -> Result<(Option<i64>, BarPipeline), Error> {
    let all = resumed.map(|r| r.streams.as_slice()).unwrap_or_default();
    let states: Vec<Option<&FeatureCheckpoint>> = run
        .settings
        .thresholds
        .iter()
        .map(|t| all.iter().find(|c| c.symbol.as_deref() == Some(symbol) && c.spec() == *t).map(|c| &c.state))
        .collect();
    let cursor = resumed.and_then(|r| r.live.as_ref()).and_then(|l| l.cursors.iter().find(|c| c.symbol == symbol));
    let start = start_id(symbol, &states, cursor, run.from_id, run.checkpoint_in.as_deref())?;
    let pipeline = BarPipeline::resume_some(&run.settings.pipeline(), &states).map_err(|e| match e.kind() {
        ErrorKind::Usage(message) => Error::usage(Named::text(format!("{symbol}: ")).append(message.clone())),
        _ => e,
    })?;
    Ok((start, pipeline))
}

fn live_error(e: LiveError) -> Error {
    Error::new(ErrorKind::Live(e))
}

/// Where a symbol starts: the checkpoint's cursor, else the id after its state's last trade, else `from_id`.
/// A cursor behind the state (a stale checkpoint, which would rebuild bars already written) is refused.
fn start_id(
    symbol: &str,
    states: &[Option<&FeatureCheckpoint>],
    cursor: Option<&LiveCursor>,
    from_id: Option<i64>,
    path: Option<&Path>,
) -> Result<Option<i64>, Error> {
    let last = states
        .iter()
        .flatten()
        .filter_map(|s| RangeBarBuilder::from_checkpoint(&s.builder).ok()?.last_key().map(|(_, id)| id))
        .max();
    if (last.is_some() || cursor.is_some()) && from_id.is_some() {
        return Err(Error::usage(
            Named::text(format!("{symbol}: "))
                .setting("from_id")
                .then(format!(" is given but the checkpoint already says where {symbol} continues; give one of them")),
        ));
    }
    let describe = || path.map_or_else(String::new, |p| p.display().to_string());
    if let (Some(cursor), Some(last)) = (cursor, last)
        && cursor.next_id <= last
    {
        return Err(Error::new(ErrorKind::Checkpoint {
            path: path.map(Path::to_path_buf).unwrap_or_default(),
            reason: format!(
                "{symbol}: the trade-id cursor ({}) is at or before the bar state's last trade ({last}): the file is inconsistent; use the file the run wrote ({})",
                cursor.next_id,
                describe()
            )
            .into(),
        }));
    }
    Ok(cursor.map(|c| c.next_id).or(last.map(|l| l + 1)).or(from_id))
}

/// The bars of one symbol to the outputs.
struct SymbolOutputs<'a, 'b> {
    outputs: &'a mut Outputs,
    bars: Option<&'a mut (dyn LiveBars + 'b)>,
    symbol: usize,
}

impl BarConsumer for SymbolOutputs<'_, '_> {
    fn bar(&mut self, threshold: usize, bar: &FeaturedBar, _complete: bool) -> Result<(), Error> {
        if let Some(bars) = &mut self.bars {
            bars.bar(self.symbol, threshold, bar)?;
        }
        self.outputs.bar(self.symbol, threshold, bar)
    }
}

/// The run's side of the source: trades into the pipelines, bars to the outputs, checkpoints on time.
struct Sink<'a> {
    run: &'a LiveRun,
    observer: &'a dyn LiveObserver,
    bars: Option<&'a mut dyn LiveBars>,
    symbols: Vec<String>,
    pipelines: Vec<BarPipeline>,
    outputs: Outputs,
    batch: TradeBatch,
    cursors: Vec<Option<i64>>,
    /// Exchange gaps and their missing ids, per symbol.
    gaps: Vec<(u64, u64)>,
    /// States of the resumed checkpoint for symbols this run does not have, kept.
    carried: Vec<StreamCheckpoint>,
    chain: ChainSettings,
    last_checkpoint: Instant,
    newest_time_us: Option<i64>,
}

impl Sink<'_> {
    /// Commits the outputs (flushed, synced) and then writes the checkpoint file atomically.
    fn checkpoint(&mut self) -> Result<(), Error> {
        let outputs = self.outputs.commit()?;
        self.last_checkpoint = Instant::now();
        let Some(path) = &self.run.checkpoint_out else { return self.outputs.committed() };
        let mut streams = Vec::new();
        for (symbol, pipeline) in self.symbols.iter().zip(&self.pipelines) {
            for (threshold, state) in self.run.settings.thresholds.iter().zip(pipeline.checkpoints()) {
                streams.push(StreamCheckpoint::new(Some(symbol.clone()), *threshold, state));
            }
        }
        streams.extend(self.carried.iter().cloned());
        let cursors = self
            .symbols
            .iter()
            .zip(&self.cursors)
            .zip(&self.gaps)
            .filter_map(|((symbol, cursor), gaps)| {
                Some(LiveCursor {
                    symbol: symbol.clone(),
                    next_id: (*cursor)?,
                    exchange_gaps: gaps.0,
                    missing_ids: gaps.1,
                })
            })
            .collect();
        let live = LiveCheckpoint { cursors, outputs };
        let file = crate::output::AtomicFile::create(path).map_err(|e| Error::from_output(path, e))?;
        write_checkpoint_file(file, path, streams, self.chain.clone(), Some(live))?;
        self.outputs.committed()
    }
}

impl barsmith_binance::live::LiveSink for Sink<'_> {
    type Error = Error;

    fn trades(&mut self, symbol: usize, trades: &[Trade]) -> Result<(), Error> {
        // Once a stop is asked for, no more trades go in: the checkpoint written at the end then holds no bar
        // that was not handed on (the cursor stays, and a resume fetches them again).
        if self.observer.stop_requested() {
            return Ok(());
        }
        self.batch.clear();
        for trade in trades {
            self.batch.push(trade);
        }
        let mut consumer = SymbolOutputs { outputs: &mut self.outputs, bars: self.bars.as_deref_mut(), symbol };
        self.pipelines[symbol].push_batch(&self.batch, &mut consumer)?;
        if let Some(bars) = &mut self.bars {
            bars.flush()?;
        }
        if let Some(last) = trades.last() {
            self.cursors[symbol] = Some(last.agg_trade_id + 1);
            self.newest_time_us = Some(self.newest_time_us.map_or(last.timestamp_us, |t| t.max(last.timestamp_us)));
        }
        self.outputs.flush()
    }

    fn event(&mut self, event: &LiveEvent) {
        if let LiveEvent::ExchangeGap { symbol, first, last } = event
            && let Some(index) = self.symbols.iter().position(|s| s == symbol)
        {
            self.gaps[index].0 += 1;
            self.gaps[index].1 += (last - first + 1) as u64;
            self.cursors[index] = Some(self.cursors[index].map_or(last + 1, |c| c.max(last + 1)));
        }
        self.observer.event(event);
    }

    fn progress(&mut self, progress: &LiveProgress<'_>) {
        let now_us =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64);
        let sum = |of: fn(&FeedStats) -> u64| progress.stats.iter().map(of).sum();
        let status = LiveStatus {
            trades: sum(|s| s.trades),
            lag_ms: self.newest_time_us.map(|t| (now_us - t) / 1000),
            connections: progress.connections,
            from_rest: sum(|s| s.from_rest),
            exchange_gaps: self.gaps.iter().map(|g| g.0).sum(),
            missing_ids: self.gaps.iter().map(|g| g.1).sum(),
            duplicates: sum(|s| s.duplicates),
            out_of_order: sum(|s| s.out_of_order),
            bars: self.pipelines.iter().map(|p| p.bar_counts().iter().sum::<u64>()).sum(),
            queued: progress.queued,
            queue_bound: progress.queue_bound,
        };
        self.observer.status(&status);
    }

    fn tick(&mut self) -> Result<bool, Error> {
        if self.observer.stop_requested() {
            return Ok(true);
        }
        if self.last_checkpoint.elapsed() >= self.run.checkpoint_every {
            self.checkpoint()?;
        }
        Ok(false)
    }
}
