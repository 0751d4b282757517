//! The streaming builder: trades pushed in batches of any size, completed bars out, checkpoints as bytes.

use barsmith::core::features::{FeatureCheckpoint, FeaturePipeline};
use barsmith::pipeline::{PipelineConfig, StreamSettings};
use barsmith::sink::OutputSchema;
use barsmith::{BuilderConfig, FeaturedBar, Kernels, TradeBatch};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::arrow_ffi::{self, ArrowTable};
use crate::bars::{BATCH_ROWS, table_metadata};
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

/// One feature pipeline per threshold, fed by pushes of Arrow trades.
#[pyclass(module = "barsmith._barsmith")]
#[derive(Debug)]
pub struct Builder {
    settings: Settings,
    symbol: String,
    pipelines: Vec<FeaturePipeline>,
    rows: u64,
    last: Option<LastTrade>,
}

#[pymethods]
impl Builder {
    #[new]
    fn new(settings: &Settings, symbol: String) -> PyResult<Builder> {
        let stream = &settings.config.settings;
        let pipelines = settings
            .config
            .thresholds
            .iter()
            .map(|&threshold| {
                let builder = BuilderConfig { threshold, same_timestamp_gate: stream.same_timestamp_gate };
                FeaturePipeline::new(builder, stream.features, stream.kernels)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        let mut settings = settings.clone();
        settings.config.settings.include_incomplete = false; // `incomplete()` gives the forming bars.
        Ok(Builder { settings, symbol, pipelines, rows: 0, last: None })
    }

    /// Pushes trades (any Arrow object); returns the bars they completed, one table per threshold. On an error
    /// the builder is left as it was before the call.
    fn push(&mut self, py: Python<'_>, trades: &Bound<'_, PyAny>) -> PyResult<Vec<ArrowTable>> {
        let (schema, stream) = arrow_ffi::import(trades)?;
        let mut pipelines = self.pipelines.clone();
        let (rows, last, kernels) = (self.rows, self.last, self.settings.config.settings.kernels);
        let (completed, rows, last) = run_inline(py, |cancel| {
            let mut converter = Converter::new(&schema, rows, last, kernels)?;
            let mut completed: Vec<Vec<FeaturedBar>> = vec![Vec::new(); pipelines.len()];
            let mut batch = TradeBatch::with_capacity(BATCH_ROWS);
            for record_batch in stream {
                let record_batch = record_batch.map_err(|e| Failure::Value(format!("reading the Arrow input: {e}")))?;
                let mut start = 0;
                while start < record_batch.num_rows() {
                    cancel.check()?;
                    let end = (start + BATCH_ROWS).min(record_batch.num_rows());
                    converter.convert(&record_batch, start..end, &mut batch)?;
                    for (pipeline, out) in pipelines.iter_mut().zip(&mut completed) {
                        pipeline.push_batch(&batch, out).map_err(barsmith::Error::from)?;
                    }
                    start = end;
                }
            }
            Ok((completed, converter.rows(), converter.last()))
        })?;
        let tables = self.tables(&completed).map_err(|f| f.into_pyerr(py))?;
        self.pipelines = pipelines;
        self.rows = rows;
        self.last = last;
        Ok(tables)
    }

    /// The bar still forming at each threshold (a table of 0 or 1 row per threshold); the state is unchanged.
    fn incomplete(&self, py: Python<'_>) -> PyResult<Vec<ArrowTable>> {
        let forming: Vec<Vec<FeaturedBar>> =
            self.pipelines.iter().map(|p| p.clone().incomplete().into_iter().collect()).collect();
        self.tables(&forming).map_err(|f| f.into_pyerr(py))
    }

    /// The complete state as bytes (versioned JSON): `BarBuilder.from_checkpoint(b)` continues exactly here.
    fn checkpoint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let state = BuilderState {
            format: FORMAT.to_string(),
            version: VERSION,
            symbol: self.symbol.clone(),
            rows: self.rows,
            last: self.last,
            pipelines: self.pipelines.iter().map(FeaturePipeline::checkpoint).collect(),
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
    fn tables(&self, bars: &[Vec<FeaturedBar>]) -> Result<Vec<ArrowTable>, Failure> {
        let mut collector = crate::bars::Collector::new(&self.settings);
        for (index, list) in bars.iter().enumerate() {
            for bar in list {
                barsmith::pipeline::BarConsumer::bar(&mut collector, index, bar, true)?;
            }
        }
        collector.take_tables(|i| table_metadata(&self.settings.config, i, &self.symbol, &[]))
    }
}

fn checkpoint_error(reason: impl Into<String>) -> barsmith::Error {
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
    let pipelines = state
        .pipelines
        .iter()
        .map(|checkpoint| FeaturePipeline::from_checkpoint(checkpoint, kernels))
        .collect::<Result<Vec<_>, _>>()?;
    let features = first.config;
    let gate = first.builder.config.same_timestamp_gate;
    if pipelines.iter().any(|p| *p.config() != features || p.builder().config().same_timestamp_gate != gate) {
        return Err(checkpoint_error("the thresholds' settings differ"));
    }
    let thresholds = pipelines.iter().map(|p| p.builder().config().threshold).collect();
    let settings = StreamSettings { same_timestamp_gate: gate, include_incomplete: false, features, kernels };
    let settings = Settings { config: PipelineConfig { thresholds, settings } };
    debug_assert_eq!(settings.output_schema(), OutputSchema { features, include_incomplete: false });
    Ok(Builder { settings, symbol: state.symbol, pipelines, rows: state.rows, last: state.last })
}
