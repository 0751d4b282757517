//! The steps of `barsmith.dask`, each a separate task on a Dask cluster: plan one symbol's shards, speculate
//! one shard, join it to the true state after the shard before it, and finish a stream (its tables' schema and
//! metadata, and the incomplete bar). States cross as bytes (`barsmith::parallel::portable`), bars as Arrow
//! tables; the records never leave the files. The GIL is released while Rust works, and a panic becomes an
//! ordinary exception, not pyo3's `PanicException` (a `BaseException`, which tasks should not raise).

use std::borrow::Cow;
use std::path::PathBuf;

use barsmith::FeaturedBar;
use barsmith::inputs::parse_binance_name;
use barsmith::output::RunMetadata;
use barsmith::parallel::portable::{
    ChainState, PortableSpeculation, ShardTask, join_shard, plan_tasks, speculate_shard,
};
use barsmith::pipeline::{BarConsumer, BarPipeline};
use barsmith::run::Job;
use pyo3::prelude::*;

use crate::arrow_ffi::ArrowTable;
use crate::bars::{BATCH_ROWS, Collector};
use crate::errors::Failure;
use crate::interrupt::run_supervised;
use crate::options::Settings;

/// Bytes for Python.
type Bytes = Cow<'static, [u8]>;

/// How the inputs are cut.
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub struct PlanOptions {
    symbol: Option<String>,
    /// Shards wanted per symbol (`None`: one per file).
    shards: Option<usize>,
    /// The smallest byte range a plain CSV file is cut into.
    min_range_bytes: u64,
}

/// One symbol's stream: `(symbol, files, shard tasks, the name of each shard's output file)`.
type PlannedStream = (String, Vec<PathBuf>, Vec<Bytes>, Vec<String>);

/// The inputs (as `bs.bars` takes them, grouped as the library's job groups them) per symbol, sorted, with
/// each shard's output name: `{SYMBOL}-{DBPS}dbps-{PERIOD}` as the CLI names outputs, the period of the
/// shard's file (`-{k}` after it when the file is cut into several shards), with `{DBPS}` left for Python.
#[pyfunction]
pub fn dask_plan(
    py: Python<'_>,
    settings: &Settings,
    inputs: Vec<PathBuf>,
    options: PlanOptions,
) -> PyResult<Vec<PlannedStream>> {
    let library = &settings.settings;
    if library.stream.min_duration_us > 0 || library.thresholds.iter().any(|s| s.threshold().is_none()) {
        let message = "bars, min_duration: the Dask runner builds range bars without a minimum duration only in this version; use bs.bars";
        return Err(pyo3::exceptions::PyValueError::new_err(message));
    }
    run_supervised(py, |_| {
        let mut job = Job::new(settings.settings.clone());
        job.symbol = options.symbol;
        job.settings.ingest.batch_size = BATCH_ROWS;
        let plan = job.plan(&inputs, true)?;
        let mut planned = Vec::with_capacity(plan.streams.len());
        for stream in plan.streams {
            let shards = options.shards.unwrap_or(stream.files.len());
            let tasks = plan_tasks(&stream.files, &job.settings.ingest, shards, options.min_range_bytes)?;
            let symbol = stream.symbol.unwrap_or_default();
            let names = shard_names(&symbol, &tasks);
            let tasks = tasks.iter().map(|task| Cow::Owned(task.to_bytes())).collect();
            planned.push((symbol, stream.files, tasks, names));
        }
        Ok(planned)
    })
}

/// Each shard's output name, `{SYMBOL}-{}dbps-{PERIOD}[-{k}]` (`{}` for the threshold; `bars` for no symbol;
/// the shard's number for a file without a Binance name).
fn shard_names(symbol: &str, tasks: &[ShardTask]) -> Vec<String> {
    let symbol = if symbol.is_empty() { "bars" } else { symbol };
    let period = |task: &ShardTask| parse_binance_name(&task.shard.path).map(|name| name.period.to_string());
    tasks
        .iter()
        .map(|task| {
            let pieces = tasks.iter().filter(|t| t.shard.path == task.shard.path).count();
            let piece = tasks[..task.index].iter().filter(|t| t.shard.path == task.shard.path).count();
            match (period(task), pieces) {
                (Some(period), 1) => format!("{symbol}-{{}}dbps-{period}"),
                (Some(period), _) => format!("{symbol}-{{}}dbps-{period}-{piece}"),
                (None, _) => format!("{symbol}-{{}}dbps-{:05}", task.index),
            }
        })
        .collect()
}

/// Runs one shard from a fresh state: `(speculation, speculative bars per threshold)`.
#[pyfunction]
pub fn dask_speculate(py: Python<'_>, settings: &Settings, task: &[u8]) -> PyResult<(Bytes, Vec<ArrowTable>)> {
    run_supervised(py, |_| {
        let task = ShardTask::from_bytes(task)?;
        let speculated = speculate_shard(&settings.pipeline(), &task)?;
        let tables = tables(settings, &speculated.bars)?;
        Ok((Cow::Owned(speculated.speculation.to_bytes()), tables))
    })
}

/// What a join gives Python: the state after the shard, the replay's bars per threshold, the first kept
/// speculative bar per threshold (`None`: none), and the records replayed per threshold.
type JoinResult = (Bytes, Vec<ArrowTable>, Vec<Option<usize>>, Vec<u64>);

/// Joins a shard's speculation to `previous`, the state after the shard before it (`None` for the first).
#[pyfunction]
#[pyo3(signature = (settings, task, previous, speculation))]
pub fn dask_join(
    py: Python<'_>,
    settings: &Settings,
    task: &[u8],
    previous: Option<&[u8]>,
    speculation: &[u8],
) -> PyResult<JoinResult> {
    run_supervised(py, |_| {
        let task = ShardTask::from_bytes(task)?;
        let previous = previous.map(ChainState::from_bytes).transpose()?;
        let speculation = PortableSpeculation::from_bytes(speculation)?;
        let joined = join_shard(&settings.pipeline(), &task, previous.as_ref(), speculation)?;
        let tables = tables(settings, &joined.replay)?;
        Ok((Cow::Owned(joined.state.to_bytes()), tables, joined.kept_from, joined.replayed))
    })
}

/// A stream's tables (one per threshold) with `bs.bars`'s schema and metadata, the annotations those of the
/// final `state` (the state after the last shard): empty, or holding its incomplete bar when `incomplete` and
/// the settings include it.
#[pyfunction]
#[pyo3(signature = (settings, state, symbol, files, incomplete))]
pub fn dask_finish(
    py: Python<'_>,
    settings: &Settings,
    state: Option<&[u8]>,
    symbol: String,
    files: Vec<PathBuf>,
    incomplete: bool,
) -> PyResult<Vec<ArrowTable>> {
    run_supervised(py, |_| {
        let library = &settings.settings;
        let mut collector = Collector::new(settings, |index| {
            RunMetadata::of_run(&symbol, library.thresholds[index], library, &files, None).pairs()
        });
        let state = state.map(ChainState::from_bytes).transpose()?;
        let findings = state.as_ref().map(|state| state.findings).unwrap_or_default();
        for (key, value) in findings.annotations() {
            collector.annotate(key, &value);
        }
        if let (Some(state), true) = (state, incomplete) {
            let mut pipeline: BarPipeline = state.pipeline(&settings.pipeline())?;
            pipeline.finish(&mut collector)?;
        }
        collector.take_tables()
    })
}

/// Completed bars per threshold as tables without metadata.
fn tables(settings: &Settings, bars: &[Vec<FeaturedBar>]) -> Result<Vec<ArrowTable>, Failure> {
    let mut collector = Collector::new(settings, |_| Vec::new());
    for (index, bars) in bars.iter().enumerate() {
        for bar in bars {
            collector.bar(index, bar, true)?;
        }
    }
    collector.take_tables()
}

/// Adds the functions to the extension module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(dask_plan, module)?)?;
    module.add_function(wrap_pyfunction!(dask_speculate, module)?)?;
    module.add_function(wrap_pyfunction!(dask_join, module)?)?;
    module.add_function(wrap_pyfunction!(dask_finish, module)?)?;
    Ok(())
}
