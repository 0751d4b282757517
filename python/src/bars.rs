//! Bars from paths (files, directories, globs, as the CLI takes them) or from an Arrow object.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{BooleanArray, Decimal128Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use barsmith::arrow_output::BarRows;
use barsmith::generate::{GenConfig, TradeGenerator};
use barsmith::inputs::{SymbolStream, expand_inputs, group_by_symbol};
use barsmith::parquet_output::metadata_keys;
use barsmith::pipeline::{BarConsumer, BarPipeline, PipelineConfig};
use barsmith::{FeaturedBar, IngestOptions, MultiFileReader, TradeBatch};
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::arrow_ffi::{self, ArrowTable, BatchStream};
use crate::errors::Failure;
use crate::interrupt::{Cancel, run_supervised};
use crate::options::Settings;
use crate::trades_in::Converter;

/// Most rows per output record batch, and most trades handed to the pipeline at once (from files and from
/// Arrow inputs): the work between two checks for Ctrl-C.
pub const BATCH_ROWS: usize = 16 * 1024;

/// Collects each threshold's bars into Arrow record batches.
pub struct Collector {
    rows: Vec<BarRows>,
    batches: Vec<Vec<RecordBatch>>,
}

impl Collector {
    /// One buffer per threshold of `settings`.
    pub fn new(settings: &Settings) -> Collector {
        let schema = settings.output_schema();
        let count = settings.config.thresholds.len();
        Collector { rows: (0..count).map(|_| BarRows::new(&schema)).collect(), batches: vec![Vec::new(); count] }
    }

    /// The tables collected so far (one per threshold), with `metadata`; the collector starts over.
    pub fn take_tables(
        &mut self,
        metadata: impl Fn(usize) -> Vec<(String, String)>,
    ) -> Result<Vec<ArrowTable>, Failure> {
        let mut tables = Vec::with_capacity(self.rows.len());
        for (index, (rows, batches)) in self.rows.iter_mut().zip(&mut self.batches).enumerate() {
            if !rows.is_empty() || batches.is_empty() {
                batches.push(rows.take_batch().map_err(|e| barsmith::Error::from_output("<arrow>", e))?);
            }
            let schema = arrow_ffi::with_metadata(&rows.schema(), metadata(index));
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
}

/// The Parquet output's metadata keys for one (symbol, threshold).
pub fn table_metadata(
    config: &PipelineConfig,
    index: usize,
    symbol: &str,
    inputs: &[PathBuf],
) -> Vec<(String, String)> {
    let settings = &config.settings;
    let inputs: Vec<String> = inputs.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    [
        (metadata_keys::VERSION, env!("CARGO_PKG_VERSION").to_string()),
        (metadata_keys::SYMBOL, symbol.to_string()),
        (metadata_keys::THRESHOLD_DBPS, config.thresholds[index].dbps().to_string()),
        (metadata_keys::SAME_TIMESTAMP_GATE, settings.same_timestamp_gate.to_string()),
        (metadata_keys::LOOKBACK, settings.features.lookback_mode.to_string()),
        (metadata_keys::BACKEND, settings.kernels.backend().name().to_string()),
        (metadata_keys::INPUTS, serde_json::Value::from(inputs).to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Options of a run from paths.
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub struct PathOptions {
    symbol: Option<String>,
    sort: bool,
    dedupe: bool,
    threads: Option<usize>,
}

/// Bars from files, directories and glob patterns: one `(symbol, [table per threshold])` per symbol, sorted.
#[pyfunction]
pub fn bars_from_paths(
    py: Python<'_>,
    settings: &Settings,
    inputs: Vec<PathBuf>,
    options: PathOptions,
) -> PyResult<Vec<(String, Vec<ArrowTable>)>> {
    run_supervised(py, |cancel| {
        let files = expand_inputs(&inputs)?.files;
        // Every result is returned per symbol, so files whose names give no symbol may form one stream.
        let streams = group_by_symbol(files, options.symbol.as_deref(), true)?;
        let ingest = IngestOptions {
            sort: options.sort,
            dedupe: options.dedupe,
            batch_size: BATCH_ROWS,
            ..IngestOptions::default()
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads.unwrap_or(0).min(streams.len()))
            .build()
            .map_err(|e| Failure::Value(format!("threads: {e}")))?;
        pool.install(|| streams.par_iter().map(|stream| stream_from_files(settings, stream, &ingest, cancel)).collect())
    })
}

fn stream_from_files(
    settings: &Settings,
    stream: &SymbolStream,
    ingest: &IngestOptions,
    cancel: &Cancel,
) -> Result<(String, Vec<ArrowTable>), Failure> {
    let mut pipeline = BarPipeline::new(&settings.config)?;
    let mut collector = Collector::new(settings);
    let mut reader = MultiFileReader::new(&stream.files, ingest).map_err(barsmith::Error::from)?;
    let mut batch = TradeBatch::new();
    loop {
        cancel.check()?;
        if !reader.next_batch(&mut batch).map_err(barsmith::Error::from)? {
            break;
        }
        pipeline.push_batch(&batch, &mut collector)?;
    }
    pipeline.finish(&mut collector)?;
    let symbol = stream.symbol.clone().unwrap_or_default();
    let tables = collector.take_tables(|i| table_metadata(&settings.config, i, &symbol, &stream.files))?;
    Ok((symbol, tables))
}

/// Bars from an object with the Arrow PyCapsule interface: one table per threshold.
#[pyfunction]
#[pyo3(signature = (settings, trades, symbol))]
pub fn bars_from_arrow(
    py: Python<'_>,
    settings: &Settings,
    trades: &Bound<'_, PyAny>,
    symbol: String,
) -> PyResult<Vec<ArrowTable>> {
    let (schema, stream) = arrow_ffi::import(trades)?;
    run_supervised(py, |cancel| {
        let mut pipeline = BarPipeline::new(&settings.config)?;
        let mut collector = Collector::new(settings);
        let mut converter = Converter::new(&schema, 0, None, settings.config.settings.kernels)?;
        push_stream(stream, &mut converter, &mut pipeline, &mut collector, cancel)?;
        pipeline.finish(&mut collector)?;
        collector.take_tables(|i| table_metadata(&settings.config, i, &symbol, &[]))
    })
}

/// Feeds every batch of `stream` to `pipeline`, [`BATCH_ROWS`] trades at a time.
pub fn push_stream(
    stream: BatchStream,
    converter: &mut Converter,
    pipeline: &mut BarPipeline,
    collector: &mut Collector,
    cancel: &Cancel,
) -> Result<(), Failure> {
    let mut trades = TradeBatch::with_capacity(BATCH_ROWS);
    for batch in stream {
        let batch = batch.map_err(|e| Failure::Value(format!("reading the Arrow input: {e}")))?;
        let mut start = 0;
        while start < batch.num_rows() {
            cancel.check()?;
            let end = (start + BATCH_ROWS).min(batch.num_rows());
            converter.convert(&batch, start..end, &mut trades)?;
            pipeline.push_batch(&trades, collector)?;
            start = end;
        }
    }
    Ok(())
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
