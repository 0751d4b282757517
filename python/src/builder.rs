//! The streaming builder: trades pushed in batches of any size, completed bars out, checkpoints as bytes. It is
//! the library's [`BarPipeline`] (one record history shared by every threshold, as in `bs.bars` and the CLI).

use barsmith::core::features::FeatureCheckpoint;
use barsmith::output::{OutputSchema, RunMetadata};
use barsmith::pipeline::{BarPipeline, StreamSettings};
use barsmith::{Kernels, TradeBatch};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrow_ffi::{self, ArrowTable};
use crate::bars::{BATCH_ROWS, Batches, Collector};
use crate::errors::{Failure, to_pyerr};
use crate::interrupt::run_inline;
use crate::options::{Settings, kernels};
use crate::trades_in::{Converter, LastTrade};

/// Identifies the checkpoint bytes of this class.
const FORMAT: &str = "barsmith.BarBuilder";
/// Version of the checkpoint layout.
const VERSION: u32 = 1;

/// What `checkpoint()` writes: every threshold's feature pipeline plus the input position.
#[derive(serde::Serialize, serde::Deserialize)]
struct BuilderState {
    format: String,
    version: u32,
    symbol: String,
    /// Rows pushed so far (row numbers in errors continue from here).
    rows: u64,
    /// The last trade pushed, for the order check across pushes.
    last: Option<LastTrade>,
    pipelines: Vec<FeatureCheckpoint>,
}

/// Every threshold's pipeline over one record history, fed by pushes of Arrow trades.
#[pyclass(module = "barsmith._barsmith")]
#[derive(Debug)]
pub struct Builder {
    settings: Settings,
    symbol: String,
    pipeline: BarPipeline,
    rows: u64,
    last: Option<LastTrade>,
}

#[pymethods]
impl Builder {
    #[new]
    fn new(settings: &Settings, symbol: String) -> PyResult<Builder> {
        let mut settings = settings.clone();
        settings.settings.stream.include_incomplete = false; // `incomplete()` gives the forming bars.
        let pipeline = BarPipeline::new(&settings.pipeline())
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        Ok(Builder { settings, symbol, pipeline, rows: 0, last: None })
    }

    /// Pushes trades (any Arrow object); returns the bars they completed, one table per threshold. On an error
    /// the builder is left as it was before the call.
    fn push(&mut self, py: Python<'_>, trades: &Bound<'_, PyAny>) -> PyResult<Vec<ArrowTable>> {
        let (schema, stream) = arrow_ffi::import(trades)?;
        let mut pipeline = self.pipeline.clone();
        let (rows, last, kernels) = (self.rows, self.last, self.settings.settings.stream.kernels);
        let mut collector = self.collector();
        let (tables, rows, last) = run_inline(py, |cancel| {
            let mut converter = Converter::new(&schema, rows, last, kernels)?;
            let mut batches = Batches::new(stream);
            let mut batch = TradeBatch::with_capacity(BATCH_ROWS);
            loop {
                cancel.check()?;
                if !batches.next(&mut converter, &mut batch)? {
                    break;
                }
                pipeline.push_batch(&batch, &mut collector)?;
            }
            Ok((collector.take_tables()?, converter.rows(), converter.last()))
        })?;
        self.pipeline = pipeline;
        self.rows = rows;
        self.last = last;
        Ok(tables)
    }

    /// The bar still forming at each threshold (a table of 0 or 1 row per threshold); the state is unchanged.
    fn incomplete(&self, py: Python<'_>) -> PyResult<Vec<ArrowTable>> {
        let mut pipeline = self.pipeline.clone();
        let mut collector = self.collector();
        let forming: Result<Vec<ArrowTable>, Failure> = (|| {
            for index in 0..self.settings.settings.thresholds.len() {
                if let Some(bar) = pipeline.incomplete(index) {
                    barsmith::pipeline::BarConsumer::bar(&mut collector, index, &bar, true)?;
                }
            }
            collector.take_tables()
        })();
        forming.map_err(|f| f.into_pyerr(py))
    }

    /// The complete state as bytes (versioned JSON): `BarBuilder.from_checkpoint(b)` continues exactly here.
    fn checkpoint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let state = BuilderState {
            format: FORMAT.to_string(),
            version: VERSION,
            symbol: self.symbol.clone(),
            rows: self.rows,
            last: self.last,
            pipelines: self.pipeline.checkpoints(),
        };
        let bytes = serde_json::to_vec(&state).map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A builder that continues from `checkpoint()` bytes, computing features with `backend`.
    #[staticmethod]
    #[pyo3(signature = (data, backend=None))]
    fn from_checkpoint(py: Python<'_>, data: &[u8], backend: Option<&str>) -> PyResult<Builder> {
        let kernels = kernels(backend)?;
        restore(data, kernels).map_err(|e| to_pyerr(py, &e))
    }

    /// Rows pushed so far.
    #[getter]
    fn rows(&self) -> u64 {
        self.rows
    }

    /// The settings (thresholds, backend, lookback).
    #[getter]
    fn settings(&self) -> Settings {
        self.settings.clone()
    }

    /// The symbol written into the tables' metadata.
    #[getter]
    fn symbol(&self) -> &str {
        &self.symbol
    }
}

impl Builder {
    /// A collector of this builder's tables, with the metadata `bs.bars` gives an Arrow input's tables.
    fn collector(&self) -> Collector {
        let settings = &self.settings.settings;
        Collector::new(&self.settings, |index| {
            RunMetadata::of_run(&self.symbol, settings.thresholds[index], settings, &[], None).pairs()
        })
    }
}

fn checkpoint_error(reason: impl Into<barsmith::core::Named>) -> barsmith::Error {
    let path = std::path::PathBuf::from("<bytes>");
    barsmith::Error::new(barsmith::ErrorKind::Checkpoint { path, reason: reason.into() })
}

fn restore(data: &[u8], kernels: Kernels) -> Result<Builder, barsmith::Error> {
    let state: BuilderState = serde_json::from_slice(data).map_err(|e| checkpoint_error(e.to_string()))?;
    if state.format != FORMAT || state.version != VERSION {
        return Err(checkpoint_error(format!(
            "not a {FORMAT} checkpoint of version {VERSION} (format {:?}, version {})",
            state.format, state.version
        )));
    }
    let Some(first) = state.pipelines.first() else {
        return Err(checkpoint_error("the checkpoint holds no threshold"));
    };
    let features = first.config;
    let gate = first.builder.config.same_timestamp_gate;
    if state.pipelines.iter().any(|p| p.config != features || p.builder.config.same_timestamp_gate != gate) {
        return Err(checkpoint_error("the thresholds' settings differ"));
    }
    let mut settings = barsmith::Settings::new(state.pipelines.iter().map(|p| p.builder.config.threshold).collect());
    settings.stream = StreamSettings { same_timestamp_gate: gate, include_incomplete: false, features, kernels };
    let pipeline = BarPipeline::resume(&settings.pipeline(), &state.pipelines)?;
    let settings = Settings { settings };
    debug_assert_eq!(settings.output_schema(), OutputSchema { features, include_incomplete: false });
    Ok(Builder { settings, symbol: state.symbol, pipeline, rows: state.rows, last: state.last })
}
