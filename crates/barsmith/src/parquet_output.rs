//! Parquet output: typed columns, zstd compression and the run's parameters in the file metadata.
//!
//! The layout is documented column by column in `docs/OUTPUT.md`. In short:
//!
//! * the 21 bar columns of the CSV, under the same names and with the same exact values: timestamps as UTC
//!   microsecond timestamps, prices and volumes as `Decimal128(38, 8)`, turnovers as `Decimal128(38, 16)`,
//!   counts and ids as `Int64`;
//! * `max_gap_us` (`Int64`, nullable): the longest time between consecutive records of the bar;
//! * a `Float64` companion `NAME_f64` for each decimal column, holding the `f64` nearest to the exact value;
//! * the feature columns as nullable `Float64` (`Int64` for the whole-number ones);
//! * `is_complete` (`Boolean`) when incomplete bars are included.
//!
//! Rows are buffered [`BATCH_ROWS`] at a time and written in row groups of [`ROW_GROUP_ROWS`] rows, so memory
//! stays bounded however many bars a run makes. The file appears at its path only when the writer finishes.

use std::path::Path;

use crate::error::Error;
use crate::sink::{BoxedWriter, OutputSchema, RunMetadata};

/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Rows buffered before they are handed to the Parquet encoder.
pub const BATCH_ROWS: usize = 8_192;

/// Precision of every decimal column (the largest a `Decimal128` holds).
pub const DECIMAL_PRECISION: u8 = 38;

/// Key-value metadata keys written into every file, with what each holds.
pub mod metadata_keys {
    /// Version of the `barsmith` crate that wrote the file.
    pub const VERSION: &str = "barsmith.version";
    /// Symbol of the stream, e.g. `BTCUSDT`.
    pub const SYMBOL: &str = "barsmith.symbol";
    /// Threshold in decimal basis points, e.g. `250`.
    pub const THRESHOLD_DBPS: &str = "barsmith.threshold_dbps";
    /// `true` or `false`: the same-timestamp gate.
    pub const SAME_TIMESTAMP_GATE: &str = "barsmith.same_timestamp_gate";
    /// Lookback mode as text, e.g. `count:500`.
    pub const LOOKBACK: &str = "barsmith.lookback";
    /// Kernel backend that computed the features, e.g. `scalar`.
    pub const BACKEND: &str = "barsmith.backend";
    /// Input files in stream order, as a JSON array of strings.
    pub const INPUTS: &str = "barsmith.inputs";
}

/// Opens a Parquet writer for `path`; the file appears there when the writer finishes.
///
/// `-` (stdout) is refused, and so is every path when the crate is built without its `parquet` feature.
pub fn create(path: &Path, schema: &OutputSchema, metadata: &RunMetadata) -> Result<BoxedWriter, Error> {
    if path.as_os_str() == "-" {
        return Err(Error::usage("Parquet output cannot go to stdout (`-`): give a file name, or write CSV"));
    }
    open(path, schema, metadata)
}

#[cfg(not(feature = "parquet"))]
fn open(path: &Path, _schema: &OutputSchema, _metadata: &RunMetadata) -> Result<BoxedWriter, Error> {
    Err(Error::usage(format!(
        "{}: this barsmith was built without Parquet support (cargo feature `parquet`); write CSV instead",
        path.display()
    )))
}

#[cfg(feature = "parquet")]
fn open(path: &Path, schema: &OutputSchema, metadata: &RunMetadata) -> Result<BoxedWriter, Error> {
    let path = path.to_path_buf();
    Ok(Box::new(writer::ParquetSink { writer: Some(writer::ParquetWriter::create(&path, schema, metadata)?), path }))
}

#[cfg(feature = "parquet")]
mod writer {
    use std::fs::File;
    use std::io::{self, BufWriter, Write};
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array, RecordBatch, TimestampMicrosecondArray,
    };
    use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
    use barsmith_core::features::{FeatureColumn, FeaturedBar};
    use barsmith_core::format_scaled_i128;
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;

    use super::{BATCH_ROWS, DECIMAL_PRECISION, ROW_GROUP_ROWS, metadata_keys};
    use crate::error::Error;
    use crate::output::{AtomicFile, BAR_COLUMNS, ColumnKind, MAX_GAP_COLUMN};
    use crate::pipeline::BarConsumer;
    use crate::sink::{OutputSchema, RunMetadata};

    /// zstd level (zstd's own default).
    const ZSTD_LEVEL: i32 = 3;

    /// Largest magnitude a `Decimal128(38, _)` holds: 10^38 − 1.
    const MAX_DECIMAL: u128 = 10u128.pow(DECIMAL_PRECISION as u32) - 1;

    /// Time zone of the timestamp columns.
    const UTC: &str = "UTC";

    /// Suffix of the `Float64` companion of a decimal column.
    const FLOAT_SUFFIX: &str = "_f64";

    /// Whether `raw` fits the column's Parquet type (ids, counts and timestamps come from `i64`/`u64`).
    fn fits(kind: ColumnKind, raw: i128) -> bool {
        match kind.decimals() {
            None => i64::try_from(raw).is_ok(),
            Some(_) => raw.unsigned_abs() <= MAX_DECIMAL,
        }
    }

    /// The `f64` nearest to `raw × 10^-scale` (correctly rounded, like parsing the exact CSV text).
    fn nearest_f64(raw: i128, scale: i8) -> f64 {
        // Both operands are exact in f64 (|raw| ≤ 2^53, and 10^8, 10^16 ≤ 10^22), so the one rounding of the
        // IEEE division gives the nearest f64 to the exact quotient.
        const EXACT_INTEGERS: u128 = 1 << 53;
        let scale_factor = 10i128.pow(scale as u32);
        if raw.unsigned_abs() <= EXACT_INTEGERS {
            return raw as f64 / scale_factor as f64;
        }
        let text = format_scaled_i128(raw, scale_factor, scale as usize);
        text.parse().expect("a formatted decimal parses as f64")
    }

    /// The Arrow schema of an output: bar columns, float companions, features, `is_complete`.
    fn arrow_schema(schema: &OutputSchema, features: &[FeatureColumn]) -> Schema {
        let mut fields = Vec::new();
        for field in &BAR_COLUMNS {
            let data_type = match (field.kind, field.kind.decimals()) {
                (ColumnKind::Timestamp, _) => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
                (_, Some(scale)) => DataType::Decimal128(DECIMAL_PRECISION, scale as i8),
                (_, None) => DataType::Int64,
            };
            fields.push(Field::new(field.name, data_type, false));
        }
        fields.push(Field::new(MAX_GAP_COLUMN, DataType::Int64, true));
        for field in BAR_COLUMNS.iter().filter(|f| f.kind.decimals().is_some()) {
            fields.push(Field::new(format!("{}{FLOAT_SUFFIX}", field.name), DataType::Float64, false));
        }
        for column in features {
            let data_type = if column.integer { DataType::Int64 } else { DataType::Float64 };
            fields.push(Field::new(column.name, data_type, true));
        }
        if schema.include_incomplete {
            fields.push(Field::new("is_complete", DataType::Boolean, false));
        }
        Schema::new(fields)
    }

    /// The run's parameters as Parquet key-value metadata.
    fn key_value_metadata(metadata: &RunMetadata) -> Vec<KeyValue> {
        let inputs: Vec<String> = metadata.inputs.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let inputs = serde_json::Value::from(inputs).to_string();
        [
            (metadata_keys::VERSION, env!("CARGO_PKG_VERSION").to_string()),
            (metadata_keys::SYMBOL, metadata.symbol.clone()),
            (metadata_keys::THRESHOLD_DBPS, metadata.threshold.dbps().to_string()),
            (metadata_keys::SAME_TIMESTAMP_GATE, metadata.same_timestamp_gate.to_string()),
            (metadata_keys::LOOKBACK, metadata.lookback.clone()),
            (metadata_keys::BACKEND, metadata.backend.clone()),
            (metadata_keys::INPUTS, inputs),
        ]
        .into_iter()
        .map(|(key, value)| KeyValue::new(key.to_string(), value))
        .collect()
    }

    fn writer_properties(metadata: &RunMetadata) -> io::Result<WriterProperties> {
        let level = ZstdLevel::try_new(ZSTD_LEVEL).map_err(io::Error::other)?;
        Ok(WriterProperties::builder()
            .set_compression(Compression::ZSTD(level))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_write_batch_size(BATCH_ROWS)
            .set_key_value_metadata(Some(key_value_metadata(metadata)))
            .build())
    }

    /// Rows waiting to be encoded, column by column.
    #[derive(Debug, Default)]
    struct PendingRows {
        /// Raw values of [`BAR_COLUMNS`], one vector per column.
        bar: Vec<Vec<i128>>,
        /// `max_gap_us` values.
        max_gap: Vec<Option<i64>>,
        /// Feature values, one vector per feature column.
        features: Vec<Vec<Option<f64>>>,
        /// `is_complete` values (left empty when the column is not written).
        complete: Vec<bool>,
    }

    impl PendingRows {
        fn new(feature_count: usize) -> PendingRows {
            PendingRows {
                bar: (0..BAR_COLUMNS.len()).map(|_| Vec::with_capacity(BATCH_ROWS)).collect(),
                max_gap: Vec::with_capacity(BATCH_ROWS),
                features: (0..feature_count).map(|_| Vec::with_capacity(BATCH_ROWS)).collect(),
                complete: Vec::with_capacity(BATCH_ROWS),
            }
        }

        fn len(&self) -> usize {
            self.bar[0].len()
        }

        /// Builds the record batch and empties the buffers (keeping their capacity).
        fn take_batch(&mut self, schema: &SchemaRef, columns: &[FeatureColumn]) -> io::Result<RecordBatch> {
            let mut arrays: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
            for (field, raw) in BAR_COLUMNS.iter().zip(&self.bar) {
                arrays.push(exact_array(field.kind, raw)?);
            }
            arrays.push(Arc::new(self.max_gap.iter().copied().collect::<Int64Array>()));
            for (field, raw) in BAR_COLUMNS.iter().zip(&self.bar) {
                if let Some(scale) = field.kind.decimals() {
                    let scale = scale as i8;
                    arrays.push(Arc::new(raw.iter().map(|&v| nearest_f64(v, scale)).collect::<Float64Array>()));
                }
            }
            for (column, values) in columns.iter().zip(&self.features) {
                arrays.push(if column.integer {
                    // Whole numbers below 2^53 (see `FeatureColumn::integer`), so the cast is exact.
                    Arc::new(values.iter().map(|v| v.map(|v| v as i64)).collect::<Int64Array>())
                } else {
                    Arc::new(values.iter().copied().collect::<Float64Array>())
                });
            }
            if schema.fields().len() > arrays.len() {
                arrays.push(Arc::new(self.complete.iter().map(|&c| Some(c)).collect::<BooleanArray>()));
            }
            self.bar.iter_mut().for_each(Vec::clear);
            self.max_gap.clear();
            self.features.iter_mut().for_each(Vec::clear);
            self.complete.clear();
            RecordBatch::try_new(schema.clone(), arrays).map_err(io::Error::other)
        }
    }

    /// One exact column from raw values already checked by [`fits`].
    fn exact_array(kind: ColumnKind, raw: &[i128]) -> io::Result<ArrayRef> {
        let narrow = || raw.iter().map(|&v| v as i64);
        Ok(match (kind, kind.decimals()) {
            (ColumnKind::Timestamp, _) => {
                Arc::new(TimestampMicrosecondArray::from_iter_values(narrow()).with_timezone(UTC))
            }
            (_, None) => Arc::new(Int64Array::from_iter_values(narrow())),
            (_, Some(scale)) => Arc::new(
                Decimal128Array::from_iter_values(raw.iter().copied())
                    .with_precision_and_scale(DECIMAL_PRECISION, scale as i8)
                    .map_err(io::Error::other)?,
            ),
        })
    }

    /// Writes bars to a Parquet file in row groups of [`ROW_GROUP_ROWS`].
    pub(super) struct ParquetWriter {
        writer: ArrowWriter<BufWriter<File>>,
        file: AtomicFile,
        path: PathBuf,
        schema: SchemaRef,
        output: OutputSchema,
        columns: Vec<FeatureColumn>,
        pending: PendingRows,
        values: Vec<Option<f64>>,
    }

    impl std::fmt::Debug for ParquetWriter {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("ParquetWriter").field("path", &self.path).finish_non_exhaustive()
        }
    }

    impl ParquetWriter {
        /// Creates the temporary file beside `path` and the Parquet encoder.
        pub(super) fn create(
            path: &Path,
            output: &OutputSchema,
            metadata: &RunMetadata,
        ) -> Result<ParquetWriter, Error> {
            let io_error = |e| Error::from_output(path, e);
            let columns = output.feature_columns();
            let schema = Arc::new(arrow_schema(output, &columns));
            let file = AtomicFile::create(path).map_err(io_error)?;
            let properties = writer_properties(metadata).map_err(io_error)?;
            let sink = file.writer().map_err(io_error)?;
            let writer = ArrowWriter::try_new(sink, schema.clone(), Some(properties))
                .map_err(|e| io_error(io::Error::other(e)))?;
            Ok(ParquetWriter {
                writer,
                file,
                path: path.to_path_buf(),
                schema,
                output: *output,
                pending: PendingRows::new(columns.len()),
                columns,
                values: Vec::new(),
            })
        }

        /// Checks and buffers one row; nothing is buffered when a value does not fit its column.
        fn push_row(&mut self, bar: &FeaturedBar, complete: bool) -> io::Result<()> {
            for field in &BAR_COLUMNS {
                let raw = (field.raw)(&bar.bar);
                if !fits(field.kind, raw) {
                    let message = format!(
                        "{} = {raw} (raw) does not fit its Parquet column (at most 38 digits); write CSV instead",
                        field.name
                    );
                    return Err(io::Error::new(io::ErrorKind::InvalidData, message));
                }
            }
            for (field, column) in BAR_COLUMNS.iter().zip(&mut self.pending.bar) {
                column.push((field.raw)(&bar.bar));
            }
            self.pending.max_gap.push(bar.max_gap_us);
            self.values.clear();
            bar.features.push_values(&self.output.features, &mut self.values);
            for (value, column) in self.values.iter().zip(&mut self.pending.features) {
                column.push(*value);
            }
            if self.output.include_incomplete {
                self.pending.complete.push(complete);
            }
            Ok(())
        }

        fn write_pending(&mut self) -> io::Result<()> {
            if self.pending.len() == 0 {
                return Ok(());
            }
            let batch = self.pending.take_batch(&self.schema, &self.columns)?;
            self.writer.write(&batch).map_err(io::Error::other)
        }

        fn finish_file(mut self) -> io::Result<()> {
            self.write_pending()?;
            let mut sink = self.writer.into_inner().map_err(io::Error::other)?;
            sink.flush()?;
            drop(sink);
            self.file.commit()
        }
    }

    /// A [`ParquetWriter`] until it is finished.
    pub(super) struct ParquetSink {
        pub(super) writer: Option<ParquetWriter>,
        pub(super) path: PathBuf,
    }

    impl ParquetSink {
        fn open_writer(&mut self) -> Result<&mut ParquetWriter, Error> {
            let finished = || io::Error::other("the Parquet file was already finished");
            self.writer.as_mut().ok_or_else(|| Error::from_output(&self.path, finished()))
        }
    }

    impl BarConsumer for ParquetSink {
        fn bar(&mut self, _threshold: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
            let writer = self.open_writer()?;
            writer.push_row(bar, complete).map_err(|e| Error::from_output(&writer.path, e))?;
            if writer.pending.len() >= BATCH_ROWS {
                writer.write_pending().map_err(|e| Error::from_output(&writer.path, e))?;
            }
            Ok(())
        }

        fn finish(&mut self) -> Result<(), Error> {
            self.open_writer()?;
            let writer = self.writer.take().expect("checked just above");
            writer.finish_file().map_err(|e| Error::from_output(&self.path, e))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn nearest_f64_matches_parsing_the_exact_text() {
            let cases: [(i128, i8); 8] = [
                (8_764_821_000_000, 8),
                (1, 8),
                (-3, 8),
                ((1 << 53) + 1, 8),
                (i128::from(i64::MAX), 8),
                (876_482_100_000_012_345_678_901, 16),
                (-876_482_100_000_012_345_678_901, 16),
                (MAX_DECIMAL as i128, 16),
            ];
            for (raw, scale) in cases {
                let text = format_scaled_i128(raw, 10i128.pow(scale as u32), scale as usize);
                let parsed: f64 = text.parse().unwrap();
                assert_eq!(nearest_f64(raw, scale).to_bits(), parsed.to_bits(), "{text}");
            }
        }

        #[test]
        fn decimal_limit_is_38_digits() {
            assert!(fits(ColumnKind::Turnover, MAX_DECIMAL as i128));
            assert!(fits(ColumnKind::Turnover, -(MAX_DECIMAL as i128)));
            assert!(!fits(ColumnKind::Turnover, MAX_DECIMAL as i128 + 1));
            assert!(!fits(ColumnKind::Integer, i128::from(u64::MAX)));
        }
    }
}
