//! Bars from paths (files, directories, globs, as the CLI takes them) or from an Arrow object: both are the
//! library's [`Job`], whose consumers collect each threshold's bars into Arrow tables carrying the metadata the
//! Parquet output carries ([`barsmith::output::RunMetadata::pairs`] and the run's annotations).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arrow_array::{BooleanArray, Decimal128Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use barsmith::core::TradeColumns;
use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith::inputs::SymbolStream;
use barsmith::output::arrow::BarRows;
use barsmith::output::{Identity, OutputSchema, metadata_keys};
use barsmith::pipeline::BarConsumer;
use barsmith::run::{ConsumerFactory, Job, Progress, RunSummary, TradeSource};
use barsmith::{FeaturedBar, TradeBatch};
use pyo3::prelude::*;

use crate::arrow_ffi::{self, ArrowTable, BatchStream};
use crate::errors::Failure;
use crate::interrupt::{Cancel, run_supervised};
use crate::options::Settings;
use crate::trades_in::{Converter, LentIds, reorder};

/// Most rows per output record batch, and most trades handed to the pipeline at once (from files and from
/// Arrow inputs): the work between two checks for Ctrl-C.
pub const BATCH_ROWS: usize = 16 * 1024;

/// Collects each threshold's bars into Arrow record batches, with the metadata of each table.
pub struct Collector {
    rows: Vec<BarRows>,
    batches: Vec<Vec<RecordBatch>>,
    /// Per threshold: the metadata pairs, then the annotations as they come.
    metadata: Vec<Vec<(String, String)>>,
}

impl Collector {
    /// One buffer per threshold of `settings`, with `metadata(index)` for threshold `index`'s table.
    pub fn new(settings: &Settings, metadata: impl Fn(usize) -> Vec<(String, String)>) -> Collector {
        Collector::with_schema(&settings.output_schema(), settings.settings.thresholds.len(), metadata)
    }

    /// `count` buffers of `schema`.
    pub fn with_schema(
        schema: &OutputSchema,
        count: usize,
        metadata: impl Fn(usize) -> Vec<(String, String)>,
    ) -> Collector {
        let metadata: Vec<Vec<(String, String)>> = (0..count).map(metadata).collect();
        Collector {
            rows: metadata.iter().map(|pairs| BarRows::new(schema).identified(identity(pairs))).collect(),
            batches: vec![Vec::new(); count],
            metadata,
        }
    }

    /// Sets the annotation `key` of every table to `value` (replacing the run's).
    pub fn replace_annotation(&mut self, key: &str, value: &str) {
        let key = barsmith::output::annotation_key(key);
        for metadata in &mut self.metadata {
            metadata.retain(|(k, _)| *k != key);
            metadata.push((key.clone(), value.to_string()));
        }
    }

    /// The tables collected so far (one per threshold), with their metadata; the collector starts over.
    pub fn take_tables(&mut self) -> Result<Vec<ArrowTable>, Failure> {
        let mut tables = Vec::with_capacity(self.rows.len());
        for ((rows, batches), metadata) in self.rows.iter_mut().zip(&mut self.batches).zip(&self.metadata) {
            if !rows.is_empty() || batches.is_empty() {
                batches.push(rows.take_batch().map_err(|e| barsmith::Error::from_output("<arrow>", e))?);
            }
            let schema = arrow_ffi::with_metadata(&rows.schema(), metadata.clone());
            let batches = std::mem::take(batches)
                .into_iter()
                .map(|b| b.with_schema(schema.clone()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Failure::Internal(e.to_string()))?;
            tables.push(ArrowTable::new(schema, batches));
        }
        Ok(tables)
    }
}

/// The identity columns' values of a table, from its metadata pairs (its symbol and threshold).
fn identity(pairs: &[(String, String)]) -> Identity {
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    Identity {
        symbol: get(metadata_keys::SYMBOL).filter(|s| !s.is_empty()).map(str::to_string),
        threshold_dbps: get(metadata_keys::THRESHOLD_DBPS).and_then(|v| v.parse().ok()).unwrap_or_default(),
    }
}

impl BarConsumer for Collector {
    fn bar(&mut self, index: usize, bar: &FeaturedBar, complete: bool) -> Result<(), barsmith::Error> {
        let rows = &mut self.rows[index];
        rows.push(bar, complete).map_err(|e| barsmith::Error::from_output("<arrow>", e))?;
        if rows.len() >= BATCH_ROWS {
            let batch = rows.take_batch().map_err(|e| barsmith::Error::from_output("<arrow>", e))?;
            self.batches[index].push(batch);
        }
        Ok(())
    }

    fn annotate(&mut self, key: &str, value: &str) {
        for metadata in &mut self.metadata {
            metadata.push((barsmith::output::annotation_key(key), value.to_string()));
        }
    }

    fn annotate_threshold(&mut self, threshold: usize, key: &str, value: &str) {
        self.metadata[threshold].push((barsmith::output::annotation_key(key), value.to_string()));
    }
}

/// The consumers of a Python job: a [`Collector`] per stream, with the metadata the Parquet output records.
struct Collectors<'a> {
    settings: &'a Settings,
}

impl ConsumerFactory for Collectors<'_> {
    type Consumer = Collector;

    fn open(&self, job: &Job, streams: &[SymbolStream]) -> Result<Vec<Collector>, barsmith::Error> {
        let collector = |stream| Collector::new(self.settings, |index| job.metadata(stream, index).pairs());
        Ok(streams.iter().map(collector).collect())
    }
}

/// Ctrl-C between batches, and the run's warnings kept for Python's `warnings`.
struct Watch<'a> {
    cancel: &'a Cancel,
    warnings: Mutex<Vec<String>>,
}

impl Progress for Watch<'_> {
    fn advanced(&self, _bytes: u64, _trades: u64) {}

    fn warning(&self, message: &barsmith::core::Named) {
        let message = message.spell(&crate::errors::keyword);
        self.warnings.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(message);
    }

    fn cancelled(&self) -> bool {
        self.cancel.check().is_err()
    }
}

impl Watch<'_> {
    /// The warnings of the run: each stream's id gaps first (`("id_gaps", message)`), then the others
    /// (`("window", message)`).
    fn warnings(self, summary: &RunSummary) -> Warnings {
        let gaps = summary.streams.iter().filter_map(|s| s.gap_warning()).map(|m| ("id_gaps", m));
        let others = self.warnings.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        gaps.chain(others.into_iter().map(|m| ("window", m))).collect()
    }
}

/// Options of a run from paths that are not settings.
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub struct PathOptions {
    symbol: Option<String>,
}

/// The warnings of a run, `(kind, message)`, for Python's `warnings`.
type Warnings = Vec<(&'static str, String)>;

/// Bars per symbol, sorted by symbol, and the run's warnings.
type FromPaths = (Vec<(String, Vec<ArrowTable>)>, Warnings);

/// Bars from files, directories and glob patterns: one `(symbol, [table per threshold])` per symbol, sorted,
/// and the warnings (`(kind, message)`) for Python's `warnings`.
#[pyfunction]
pub fn bars_from_paths(
    py: Python<'_>,
    settings: &Settings,
    inputs: Vec<PathBuf>,
    options: PathOptions,
) -> PyResult<FromPaths> {
    run_supervised(py, |cancel| {
        let mut job = Job::new(settings.settings.clone());
        job.symbol = options.symbol;
        job.settings.ingest.batch_size = BATCH_ROWS;
        // Every result is returned per symbol, so files whose names give no symbol may form one stream.
        let plan = job.plan(&inputs, true)?;
        let watch = Watch { cancel, warnings: Mutex::new(Vec::new()) };
        let output = job.run(plan, &Collectors { settings }, &watch).map_err(Failure::from)?;
        let mut results = Vec::with_capacity(output.consumers.len());
        for (stream, mut collector) in output.summary.streams.iter().zip(output.consumers) {
            results.push((stream.symbol.clone().unwrap_or_default(), collector.take_tables()?));
        }
        Ok((results, watch.warnings(&output.summary)))
    })
}

/// Bars from an object with the Arrow PyCapsule interface: one table per threshold, and the warnings.
#[pyfunction]
#[pyo3(signature = (settings, trades, symbol))]
pub fn bars_from_arrow(
    py: Python<'_>,
    settings: &Settings,
    trades: &Bound<'_, PyAny>,
    symbol: String,
) -> PyResult<(Vec<ArrowTable>, Warnings)> {
    let (schema, stream) = arrow_ffi::import(trades)?;
    run_supervised(py, |cancel| {
        let mut job = Job::new(settings.settings.clone());
        job.symbol = Some(symbol);
        let mut converter = Converter::new(&schema, 0, None, settings.settings.stream.kernels)?;
        let mut batches = Batches::new(stream);
        let watch = Watch { cancel, warnings: Mutex::new(Vec::new()) };
        let ingest = &settings.settings.ingest;
        if ingest.sort || ingest.dedupe {
            let mut converter = converter.unordered();
            let next = |c: &mut Converter, trades: &mut TradeBatch| batches.next(c, trades);
            let (all, dropped) = reorder::reordered(&mut converter, next, ingest.sort, ingest.dedupe)?;
            // The reordered frame in one batch (the pipeline takes batches of any size).
            let mut pending = Some(all);
            let next = |trades: &mut TradeBatch| -> Result<bool, Failure> {
                Ok(pending.take().map(|all| *trades = all).is_some())
            };
            let output = job.run_batches(&Collectors { settings }, &watch, next)?;
            let mut collector = output.consumers.into_iter().next().expect("one stream");
            collector.replace_annotation("dropped_duplicates", &dropped.to_string());
            return Ok((collector.take_tables()?, watch.warnings(&output.summary)));
        }
        let source = FrameSource { batches: &mut batches, converter: &mut converter, lent: LentIds::default() };
        let output = job.run_source(&Collectors { settings }, &watch, source)?;
        let mut collector = output.consumers.into_iter().next().expect("one stream");
        Ok((collector.take_tables()?, watch.warnings(&output.summary)))
    })
}

/// An Arrow stream handed out [`BATCH_ROWS`] trades at a time (`bs.bars` on a frame, `BarBuilder.push`).
pub struct Batches {
    stream: BatchStream,
    current: Option<RecordBatch>,
    start: usize,
}

impl Batches {
    /// The batches of `stream`.
    pub fn new(stream: BatchStream) -> Batches {
        Batches { stream, current: None, start: 0 }
    }

    /// Fills `trades` with the next rows; `Ok(false)` at the end of the stream.
    pub fn next(&mut self, converter: &mut Converter, trades: &mut TradeBatch) -> Result<bool, Failure> {
        self.next_with(converter, trades, None)
    }

    /// [`next`](Self::next), with the `int64` id columns lent instead of copied (read with
    /// [`LentIds::columns`]).
    pub fn next_lent(
        &mut self,
        converter: &mut Converter,
        trades: &mut TradeBatch,
        lent: &mut LentIds,
    ) -> Result<bool, Failure> {
        self.next_with(converter, trades, Some(lent))
    }

    fn next_with(
        &mut self,
        converter: &mut Converter,
        trades: &mut TradeBatch,
        mut lent: Option<&mut LentIds>,
    ) -> Result<bool, Failure> {
        loop {
            if let Some(batch) = &self.current
                && self.start < batch.num_rows()
            {
                let end = (self.start + BATCH_ROWS).min(batch.num_rows());
                match lent.as_deref_mut() {
                    Some(lent) => converter.convert_lent(batch, self.start..end, trades, lent)?,
                    None => converter.convert(batch, self.start..end, trades)?,
                }
                self.start = end;
                return Ok(true);
            }
            match self.stream.next() {
                None => return Ok(false),
                Some(batch) => {
                    let batch = batch.map_err(|e| Failure::Value(format!("reading the Arrow input: {e}")))?;
                    (self.current, self.start) = (Some(batch), 0);
                }
            }
        }
    }
}

/// A frame's rows for a run, with the `int64` id columns read in place.
struct FrameSource<'a> {
    batches: &'a mut Batches,
    converter: &'a mut Converter,
    lent: LentIds,
}

impl TradeSource for FrameSource<'_> {
    type Error = Failure;

    fn next_batch(&mut self, trades: &mut TradeBatch) -> Result<bool, Failure> {
        self.batches.next_lent(self.converter, trades, &mut self.lent)
    }

    fn columns<'s>(&'s self, trades: &'s TradeBatch) -> TradeColumns<'s> {
        self.lent.columns(trades)
    }
}

/// Deterministic synthetic aggTrades (the generator behind `barsmith gen`) as an Arrow table with Binance's
/// spot column names: exact `Decimal128(38, 8)` prices and quantities, microsecond `transact_time`.
#[pyfunction]
#[pyo3(signature = (trades, seed=42))]
pub fn generate_trades(py: Python<'_>, trades: u64, seed: u64) -> PyResult<ArrowTable> {
    py.detach(|| {
        let schema = Arc::new(Schema::new(vec![
            Field::new("agg_trade_id", DataType::Int64, false),
            Field::new("price", DataType::Decimal128(38, 8), false),
            Field::new("quantity", DataType::Decimal128(38, 8), false),
            Field::new("first_trade_id", DataType::Int64, false),
            Field::new("last_trade_id", DataType::Int64, false),
            Field::new("transact_time", DataType::Int64, false),
            Field::new("is_buyer_maker", DataType::Boolean, false),
        ]));
        let mut generator = TradeGenerator::new(GenConfig { trades, seed, ..GenConfig::default() });
        let mut batches = Vec::new();
        let mut left = trades;
        while left > 0 {
            let n = left.min(1 << 20) as usize;
            let chunk: TradeBatch = generator.by_ref().take(n).collect();
            left -= n as u64;
            let decimal = |v: &[i64]| {
                Decimal128Array::from_iter_values(v.iter().map(|&x| i128::from(x))).with_precision_and_scale(38, 8)
            };
            let columns: Vec<arrow_array::ArrayRef> = vec![
                Arc::new(Int64Array::from(chunk.agg_trade_id)),
                Arc::new(decimal(&chunk.price).map_err(|e| Failure::Internal(e.to_string()))?),
                Arc::new(decimal(&chunk.quantity).map_err(|e| Failure::Internal(e.to_string()))?),
                Arc::new(Int64Array::from(chunk.first_trade_id)),
                Arc::new(Int64Array::from(chunk.last_trade_id)),
                Arc::new(Int64Array::from(chunk.timestamp_us)),
                Arc::new(BooleanArray::from(chunk.is_buyer_maker)),
            ];
            batches.push(RecordBatch::try_new(schema.clone(), columns).map_err(|e| Failure::Internal(e.to_string()))?);
        }
        Ok(ArrowTable::new(schema, batches))
    })
    .map_err(|failure: Failure| failure.into_pyerr(py))
}
