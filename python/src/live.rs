//! `bs.live`: the library's live run ([`barsmith::live::run_live_to`]) on a Rust thread, handing each batch of
//! closed bars to the Python iterator.
//!
//! The hand-over is demand driven, so that the checkpoint never holds a bar Python has not received: after
//! handing a batch over, the run waits (pushing back on the socket, dropping nothing) until Python asks for
//! the next one, and it only takes trades in while Python waits in `next`. When the iterator is closed
//! (`break`) or Ctrl-C stops it, the run therefore stops at a point where every bar of its state was yielded,
//! and its final checkpoint is exact.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use barsmith::FeaturedBar;
use barsmith::live::{LiveBars, LiveConfig, LiveEvent, LiveObserver, LiveOutput, LiveRun, Market, run_live_to};
use barsmith::output::Identity;
use barsmith::output::arrow::BarRows;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrow_ffi::ArrowTable;
use crate::errors::Failure;
use crate::interrupt::CHECK_INTERVAL;
use crate::options::Settings;

/// Options of a live run that are not bar settings (`barsmith._live` fills them; durations in seconds, times
/// in µs).
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub struct LiveOptions {
    symbols: Vec<String>,
    market: String,
    ws_url: Option<String>,
    rest_url: Option<String>,
    checkpoint_in: Option<PathBuf>,
    checkpoint_out: Option<PathBuf>,
    checkpoint_every: f64,
    stall_timeout: Option<f64>,
    from_id: Option<i64>,
    until_us: Option<i64>,
    until_id: Option<i64>,
    max_reconnect_attempts: Option<u32>,
}

/// What the run thread hands over: a batch of bars (one table per symbol and threshold that has bars).
type Handed = Vec<ArrowTable>;

/// The run's side: bars into Arrow buffers, handed over at each flush.
struct Handover {
    rows: Vec<Vec<BarRows>>,
    items: SyncSender<Handed>,
    demand: Receiver<()>,
    stop: Arc<AtomicBool>,
}

impl LiveBars for Handover {
    fn bar(&mut self, symbol: usize, threshold: usize, bar: &FeaturedBar) -> Result<(), barsmith::Error> {
        self.rows[symbol][threshold].push(bar, true).map_err(|e| barsmith::Error::from_output("<arrow>", e))
    }

    fn flush(&mut self) -> Result<(), barsmith::Error> {
        let mut tables = Vec::new();
        for rows in self.rows.iter_mut().flatten().filter(|r| !r.is_empty()) {
            let batch = rows.take_batch().map_err(|e| barsmith::Error::from_output("<arrow>", e))?;
            tables.push(ArrowTable::new(rows.schema(), vec![batch]));
        }
        if tables.is_empty() {
            return Ok(());
        }
        // Python went away: stop (the trades of this batch are in the state, but nobody can receive them —
        // only possible when the iterator was dropped without closing, e.g. at interpreter exit).
        if self.items.send(tables).is_err() || self.demand.recv().is_err() {
            self.stop.store(true, Ordering::Relaxed);
        }
        Ok(())
    }
}

struct Observer {
    stop: Arc<AtomicBool>,
    events: Arc<Mutex<Vec<String>>>,
}

impl LiveObserver for Observer {
    fn event(&self, event: &LiveEvent) {
        if let LiveEvent::ExchangeGap { symbol, first, last } = event {
            let message = format!(
                "{symbol}: exchange gap: agg_trade_ids {first}..={last} ({} ids) were never published; the bar spanning them shows it (last_agg_trade_id - first_agg_trade_id + 1 > agg_record_count)",
                last - first + 1
            );
            self.events.lock().unwrap_or_else(|p| p.into_inner()).push(message);
        }
    }

    fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

struct Running {
    items: Receiver<Handed>,
    demand: Option<SyncSender<()>>,
    thread: Option<JoinHandle<Result<(), Failure>>>,
    /// The run waits for Python to ask for the next batch (at the start, and after handing one over).
    owed: bool,
    /// Ctrl-C seen while waiting: raised once the run has ended.
    interrupt: Option<PyErr>,
}

/// A live run for the Python iterator: `next()` gives the next batch of bars, `None` at the end.
#[pyclass(module = "barsmith._barsmith")]
pub struct LiveIter {
    running: Mutex<Running>,
    stop: Arc<AtomicBool>,
    events: Arc<Mutex<Vec<String>>>,
}

fn live_run(settings: &Settings, options: LiveOptions) -> Result<LiveRun, Failure> {
    let market: Market = options.market.parse().map_err(|e| Failure::Value(format!("market: {e}")))?;
    let mut source = LiveConfig::new(market, options.symbols);
    source.max_reconnect_attempts = options.max_reconnect_attempts;
    if let Some(url) = options.ws_url {
        source.ws_url = url;
    }
    if let Some(url) = options.rest_url {
        source.rest_url = url;
    }
    if let Some(stall) = options.stall_timeout {
        let stall = Duration::try_from_secs_f64(stall)
            .map_err(|_| Failure::Value(format!("stall_timeout: {stall} is not a duration")))?;
        source.stall_timeout = stall;
        source.hole_wait = source.hole_wait.min(stall / 4);
    }
    let every = options.checkpoint_every;
    let checkpoint_every = Duration::try_from_secs_f64(every)
        .map_err(|_| Failure::Value(format!("checkpoint_every: {every} is not a duration")))?;
    Ok(LiveRun {
        settings: settings.settings.clone(),
        source,
        from_id: options.from_id,
        until_id: options.until_id,
        until_time_us: options.until_us,
        checkpoint_in: options.checkpoint_in,
        checkpoint_out: options.checkpoint_out,
        checkpoint_every,
        output: LiveOutput::Consumer,
    })
}

#[pymethods]
impl LiveIter {
    /// Starts the run on its own thread.
    #[new]
    fn new(settings: &Settings, options: LiveOptions) -> PyResult<LiveIter> {
        let run = live_run(settings, options).map_err(|e| Python::attach(|py| e.into_pyerr(py)))?;
        // The batches always carry the identity columns (a batch may hold several symbols' or thresholds'
        // bars); the run's own setting stays as given, for the checkpoint chain.
        let mut identified = run.settings.clone();
        identified.identity_columns = true;
        let schema = barsmith::output::OutputSchema::of(&identified);
        let symbols: Vec<String> = run.source.symbols.iter().map(|s| s.to_ascii_uppercase()).collect();
        let rows = symbols
            .iter()
            .map(|symbol| {
                let identity = |threshold_dbps| Identity { symbol: Some(symbol.clone()), threshold_dbps };
                run.settings
                    .thresholds
                    .iter()
                    .map(|t| BarRows::new(&schema).identified(identity(t.threshold().map_or(0, |t| t.dbps()))))
                    .collect()
            })
            .collect();
        let (items_tx, items) = sync_channel(1);
        let (demand, demand_rx) = sync_channel(1);
        let stop = Arc::new(AtomicBool::new(false));
        let events = Arc::new(Mutex::new(Vec::new()));
        let mut handover = Handover { rows, items: items_tx, demand: demand_rx, stop: stop.clone() };
        let observer = Observer { stop: stop.clone(), events: events.clone() };
        // The run starts at the first `next` (a generator never iterated takes no trades in).
        let thread = std::thread::spawn(move || {
            if handover.demand.recv().is_err() {
                return Ok(());
            }
            run_live_to(&run, &observer, &mut handover).map(|_| ()).map_err(Failure::from)
        });
        let running = Running { items, demand: Some(demand), thread: Some(thread), owed: true, interrupt: None };
        Ok(LiveIter { running: Mutex::new(running), stop, events })
    }

    /// The next batch (one table per symbol and threshold with bars), or `None` when the run has ended (its
    /// error raised). The GIL is released while waiting; Ctrl-C stops the run (its checkpoint saved) and is
    /// raised once the run has ended — after a last batch of bars already closed, if there is one.
    fn next(&self, py: Python<'_>) -> PyResult<Option<Vec<ArrowTable>>> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.owed {
            running.owed = false;
            if let Some(demand) = &running.demand {
                let _ = demand.send(());
            }
        }
        loop {
            let items = &mut running.items;
            let received = py.detach(move || items.recv_timeout(CHECK_INTERVAL));
            match received {
                Ok(tables) => {
                    running.owed = true;
                    // A Ctrl-C that came while waiting is taken now, so that it is raised after this batch is
                    // yielded (at the next `next`) instead of in Python code before the yield.
                    if running.interrupt.is_none()
                        && let Err(error) = py.check_signals()
                    {
                        self.stop.store(true, Ordering::Relaxed);
                        running.interrupt = Some(error);
                    }
                    return Ok(Some(tables));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.finish(py, &mut running)?;
                    return running.interrupt.take().map_or(Ok(None), Err);
                }
                Err(RecvTimeoutError::Timeout) if running.interrupt.is_none() => {
                    if let Err(error) = py.check_signals() {
                        self.stop.store(true, Ordering::Relaxed);
                        running.interrupt = Some(error);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// Stops the run and waits for it (its checkpoint saved); raises its error, if any.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        self.stop.store(true, Ordering::Relaxed);
        self.finish(py, &mut running)
    }

    /// Asks the run to stop at its next batch; the iterator then ends.
    fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// The exchange gaps reported since the last call.
    fn take_events(&self) -> Vec<String> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl std::fmt::Debug for LiveIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveIter").field("stop", &self.stop).finish_non_exhaustive()
    }
}

impl LiveIter {
    /// Lets the run go (no more demand), drains what it still hands over (nobody receives it: the run only
    /// takes trades in while Python waits, so this is empty unless the iterator is abandoned), and joins it.
    fn finish(&self, py: Python<'_>, running: &mut Running) -> PyResult<()> {
        running.demand = None;
        let Some(thread) = running.thread.take() else { return Ok(()) };
        let items = &mut running.items;
        let result = py.detach(move || {
            while items.recv().is_ok() {}
            thread.join()
        });
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(failure)) => Err(failure.into_pyerr(py)),
            Err(_) => Err(PyValueError::new_err("internal error in barsmith's live run (please report it)")),
        }
    }
}

impl Drop for LiveIter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
