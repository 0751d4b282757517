//! The streaming builder: trades pushed in batches of any size, completed bars out, checkpoints as bytes. It is
//! the library's [`BarPipeline`] (one record history shared by every threshold, as in `bs.bars` and the CLI).

use barsmith::checkpoint::{CHECKPOINT_FILE_VERSION, CheckpointFile, StreamCheckpoint};
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
        let settings = settings.clone();
        let pipeline = BarPipeline::new(&streaming(&settings.settings))
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
                    barsmith::pipeline::BarConsumer::bar(&mut collector, index, &bar, false)?;
                }
            }
            collector.take_tables()
        })();
        forming.map_err(|f| f.into_pyerr(py))
    }

    /// The complete state as bytes: the checkpoint file of `barsmith bars --checkpoint-out` (one symbol, every
    /// threshold, plus the rows pushed). `BarBuilder.from_checkpoint(b)` and `--checkpoint-in` continue from it.
    fn checkpoint<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let symbol = Some(self.symbol.clone()).filter(|s| !s.is_empty());
        let thresholds = &self.settings.settings.thresholds;
        let streams = self
            .pipeline
            .checkpoints()
            .into_iter()
            .zip(thresholds)
            .map(|(state, &spec)| StreamCheckpoint::new(symbol.clone(), spec, state))
            .collect();
        let file = CheckpointFile {
            version: CHECKPOINT_FILE_VERSION,
            streams,
            chain: None,
            rows: Some(self.rows),
            live: None,
        };
        Ok(PyBytes::new(py, file.to_json().as_bytes()))
    }

    /// A builder that continues from checkpoint bytes (of `checkpoint()` or `--checkpoint-out`): the streams of
    /// `symbol` (needed when the file holds several symbols), computing features with `backend`.
    #[staticmethod]
    #[pyo3(signature = (data, backend=None, symbol=None, include_incomplete=false))]
    fn from_checkpoint(
        py: Python<'_>,
        data: &[u8],
        backend: Option<&str>,
        symbol: Option<&str>,
        include_incomplete: bool,
    ) -> PyResult<Builder> {
        let kernels = kernels(backend)?;
        let mut builder = restore(data, kernels, symbol).map_err(|e| to_pyerr(py, &e))?;
        builder.settings.settings.stream.include_incomplete = include_incomplete;
        Ok(builder)
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

/// The pipeline's settings: `include_incomplete` is the tables' `is_complete` column here (a builder never
/// finishes a stream; `incomplete()` gives the forming bars).
fn streaming(settings: &barsmith::Settings) -> barsmith::pipeline::PipelineConfig {
    let mut config = settings.pipeline();
    config.settings.include_incomplete = false;
    config
}

fn checkpoint_error(reason: impl Into<barsmith::core::Named>) -> barsmith::Error {
    let path = std::path::PathBuf::from("<bytes>");
    barsmith::Error::new(barsmith::ErrorKind::Checkpoint { path, reason: reason.into() })
}

fn restore(data: &[u8], kernels: Kernels, symbol: Option<&str>) -> Result<Builder, barsmith::Error> {
    let file = CheckpointFile::from_bytes(data).map_err(checkpoint_error)?;
    let (symbol, states) = pick_symbol(&file, symbol)?;
    let first = &states[0];
    let features = first.config;
    let gate = first.builder.config.same_timestamp_gate;
    if states.iter().any(|p| p.config != features || p.builder.config.same_timestamp_gate != gate) {
        return Err(checkpoint_error("the thresholds' settings differ"));
    }
    let mut settings = barsmith::Settings::of_bars(states.iter().map(|p| p.builder.config.spec).collect());
    let min_duration_us = first.builder.config.min_duration_us;
    settings.stream =
        StreamSettings { same_timestamp_gate: gate, include_incomplete: false, features, kernels, min_duration_us };
    let pipeline = BarPipeline::resume(&streaming(&settings), &states)?;
    let last = first.builder.last_key().map(|(timestamp_us, agg_trade_id)| LastTrade { agg_trade_id, timestamp_us });
    let settings = Settings { settings };
    debug_assert_eq!(
        settings.output_schema(),
        OutputSchema { features, include_incomplete: false, identity_columns: false }
    );
    let rows = file.rows.unwrap_or(0);
    Ok(Builder { settings, symbol: symbol.unwrap_or_default(), pipeline, rows, last })
}

/// The states of one symbol of the file: `wanted`, or the only one the file holds.
fn pick_symbol(
    file: &CheckpointFile,
    wanted: Option<&str>,
) -> Result<(Option<String>, Vec<FeatureCheckpoint>), barsmith::Error> {
    let symbols = file.symbols();
    let symbol = match (wanted, symbols.as_slice()) {
        (_, []) => return Err(checkpoint_error("holds no stream, so nothing to continue")),
        (Some(wanted), _) => {
            let wanted = Some(wanted).filter(|s| !s.is_empty());
            if !symbols.contains(&wanted) {
                return Err(checkpoint_error(format!(
                    "holds {}, not symbol={:?}",
                    file.describe(),
                    wanted.unwrap_or_default()
                )));
            }
            wanted
        }
        (None, [only]) => *only,
        (None, _) => {
            return Err(checkpoint_error(format!(
                "holds several symbols ({}): pass symbol= to choose the one to continue",
                file.describe()
            )));
        }
    };
    let states = file.streams.iter().filter(|s| s.symbol.as_deref() == symbol).map(|s| s.state.clone()).collect();
    Ok((symbol.map(str::to_string), states))
}
