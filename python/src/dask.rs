//! The steps of `barsmith.dask`, each a separate task on a Dask cluster: plan one symbol's shards, speculate
//! one shard, join it to the true state after the shard before it, and finish a stream (its tables' schema and
//! metadata, and the incomplete bar). States cross as bytes (`barsmith::parallel::portable`), bars as Arrow
//! tables; the records never leave the files. The GIL is released while Rust works, and a panic becomes an
//! ordinary exception, not pyo3's `PanicException` (a `BaseException`, which tasks should not raise).

use std::borrow::Cow;
use std::path::PathBuf;

use barsmith::inputs::{expand_inputs, group_by_symbol};
use barsmith::parallel::portable::{
    ChainState, PortableSpeculation, ShardTask, join_shard, plan_tasks, speculate_shard,
};
use barsmith::pipeline::{BarConsumer, BarPipeline};
use barsmith::{FeaturedBar, IngestOptions};
use pyo3::prelude::*;

use crate::arrow_ffi::ArrowTable;
use crate::bars::{BATCH_ROWS, Collector, table_metadata};
use crate::errors::Failure;
use crate::interrupt::run_supervised;
use crate::options::Settings;

/// Bytes for Python.
type Bytes = Cow<'static, [u8]>;

/// How the inputs are read and cut.
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub struct PlanOptions {
    symbol: Option<String>,
    sort: bool,
    dedupe: bool,
    /// Shards wanted per symbol (`None`: one per file).
    shards: Option<usize>,
    /// The smallest byte range a plain CSV file is cut into.
    min_range_bytes: u64,
}

/// One symbol's stream: `(symbol, files, shard tasks)`.
type PlannedStream = (String, Vec<PathBuf>, Vec<Bytes>);

/// The inputs (as `bs.bars` takes them) per symbol, sorted.
#[pyfunction]
pub fn dask_plan(py: Python<'_>, inputs: Vec<PathBuf>, options: PlanOptions) -> PyResult<Vec<PlannedStream>> {
    run_supervised(py, |_| {
        let files = expand_inputs(&inputs)?.files;
        let streams = group_by_symbol(files, options.symbol.as_deref(), true)?;
        let ingest =
            IngestOptions { sort: options.sort, dedupe: options.dedupe, batch_size: BATCH_ROWS, ..Default::default() };
        let mut planned = Vec::with_capacity(streams.len());
        for stream in streams {
            let shards = options.shards.unwrap_or(stream.files.len());
            let tasks = plan_tasks(&stream.files, &ingest, shards, options.min_range_bytes)?;
            let tasks = tasks.iter().map(|task| Cow::Owned(task.to_bytes())).collect();
            planned.push((stream.symbol.unwrap_or_default(), stream.files, tasks));
        }
        Ok(planned)
    })
}

/// Runs one shard from a fresh state: `(speculation, speculative bars per threshold)`.
#[pyfunction]
pub fn dask_speculate(py: Python<'_>, settings: &Settings, task: &[u8]) -> PyResult<(Bytes, Vec<ArrowTable>)> {
    run_supervised(py, |_| {
        let task = ShardTask::from_bytes(task)?;
        let speculated = speculate_shard(&settings.config, &task)?;
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
        let joined = join_shard(&settings.config, &task, previous.as_ref(), speculation)?;
        let tables = tables(settings, &joined.replay)?;
        Ok((Cow::Owned(joined.state.to_bytes()), tables, joined.kept_from, joined.replayed))
    })
}

/// A stream's tables (one per threshold) with `bs.bars`'s schema and metadata: empty, or holding the
/// incomplete bar of `state` when the settings include it.
#[pyfunction]
#[pyo3(signature = (settings, state, symbol, files))]
pub fn dask_finish(
    py: Python<'_>,
    settings: &Settings,
    state: Option<&[u8]>,
    symbol: String,
    files: Vec<PathBuf>,
) -> PyResult<Vec<ArrowTable>> {
    run_supervised(py, |_| {
        let mut collector = Collector::new(settings);
        if let Some(state) = state {
            let mut pipeline: BarPipeline = ChainState::from_bytes(state)?.pipeline(&settings.config)?;
            pipeline.finish(&mut collector)?;
        }
        collector.take_tables(|i| table_metadata(&settings.config, i, &symbol, &files))
    })
}

/// Completed bars per threshold as tables without metadata.
fn tables(settings: &Settings, bars: &[Vec<FeaturedBar>]) -> Result<Vec<ArrowTable>, Failure> {
    let mut collector = Collector::new(settings);
    for (index, bars) in bars.iter().enumerate() {
        for bar in bars {
            collector.bar(index, bar, true)?;
        }
    }
    collector.take_tables(|_| Vec::new())
}

/// Adds the functions to the extension module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(dask_plan, module)?)?;
    module.add_function(wrap_pyfunction!(dask_speculate, module)?)?;
    module.add_function(wrap_pyfunction!(dask_join, module)?)?;
    module.add_function(wrap_pyfunction!(dask_finish, module)?)?;
    Ok(())
}
