//! Bars as Arrow record batches: the one conversion behind the Parquet output and the Python package.
//!
//! The columns, types and units are those documented in `docs/OUTPUT.md`:
//!
//! * the 21 bar columns of the CSV, under the same names and with the same exact values: timestamps as UTC
//!   microsecond timestamps, prices and volumes as `Decimal128(38, 8)`, turnovers as `Decimal128(38, 16)`,
//!   counts and ids as `Int64`;
//! * `max_gap_us` (`Int64`, nullable): the longest time between consecutive records of the bar;
//! * a `Float64` companion `NAME_f64` for each decimal column, holding the `f64` nearest to the exact value;
//! * the feature columns as nullable `Float64` (`Int64` for the whole-number ones);
//! * `is_complete` (`Boolean`) when incomplete bars are included;
//! * first of all, `symbol` (`Utf8`, null for input without one) and `threshold_dbps` (`Int64`) with the
//!   `identity_columns` setting.
//!
//! [`BarRows`] buffers bars column by column and hands them out as [`RecordBatch`]es.
//!
//! ```
//! use barsmith::output::arrow::BarRows;
//! use barsmith::output::OutputSchema;
//! use barsmith::FeatureConfig;
//!
//! let schema = OutputSchema { features: FeatureConfig::default(), include_incomplete: false, identity_columns: false };
//! let mut rows = BarRows::new(&schema);
//! assert_eq!(rows.schema().field(0).name(), "open_time");
//! let batch = rows.take_batch().unwrap(); // no bar pushed: an empty batch with the full schema
//! assert_eq!(batch.num_rows(), 0);
//! ```

use std::io;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use barsmith_core::features::{FeatureColumn, FeaturedBar};
use barsmith_core::format_scaled_i128;

use super::columns::{BAR_COLUMNS, ColumnKind, IDENTITY_COLUMNS, Identity, MAX_GAP_COLUMN, OutputSchema};

/// Precision of every decimal column (the largest a `Decimal128` holds).
pub const DECIMAL_PRECISION: u8 = 38;

/// Largest magnitude a `Decimal128(38, _)` holds: 10^38 − 1.
const MAX_DECIMAL: u128 = 10u128.pow(DECIMAL_PRECISION as u32) - 1;

/// Time zone of the timestamp columns.
const UTC: &str = "UTC";

/// Suffix of the `Float64` companion of a decimal column.
const FLOAT_SUFFIX: &str = "_f64";

/// Whether `raw` fits the column's Arrow type (ids, counts and timestamps come from `i64`/`u64`).
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
pub fn arrow_schema(schema: &OutputSchema) -> Schema {
    let mut fields = Vec::new();
    if schema.identity_columns {
        fields.push(Field::new(IDENTITY_COLUMNS[0], DataType::Utf8, true));
        fields.push(Field::new(IDENTITY_COLUMNS[1], DataType::Int64, false));
    }
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
    for column in schema.feature_columns() {
        let data_type = if column.integer { DataType::Int64 } else { DataType::Float64 };
        fields.push(Field::new(column.name, data_type, true));
    }
    if schema.include_incomplete {
        fields.push(Field::new("is_complete", DataType::Boolean, false));
    }
    Schema::new(fields)
}

/// Bars waiting to become a [`RecordBatch`], column by column.
#[derive(Debug)]
pub struct BarRows {
    schema: SchemaRef,
    output: OutputSchema,
    columns: Vec<FeatureColumn>,
    /// Raw values of [`BAR_COLUMNS`], one vector per column.
    bar: Vec<Vec<i128>>,
    /// `max_gap_us` values.
    max_gap: Vec<Option<i64>>,
    /// Feature values, one vector per feature column.
    features: Vec<Vec<Option<f64>>>,
    /// `is_complete` values (left empty when the column is not written).
    complete: Vec<bool>,
    /// Scratch for one bar's feature values.
    values: Vec<Option<f64>>,
    /// The identity columns' values (written when the schema has them).
    identity: Identity,
}

impl BarRows {
    /// An empty buffer for the columns of `output`.
    pub fn new(output: &OutputSchema) -> BarRows {
        let columns = output.feature_columns();
        BarRows {
            schema: Arc::new(arrow_schema(output)),
            output: *output,
            bar: (0..BAR_COLUMNS.len()).map(|_| Vec::new()).collect(),
            max_gap: Vec::new(),
            features: (0..columns.len()).map(|_| Vec::new()).collect(),
            complete: Vec::new(),
            values: Vec::new(),
            columns,
            identity: Identity::default(),
        }
    }

    /// The buffer with `identity` as the values of the identity columns (when the schema has them).
    pub fn identified(mut self, identity: Identity) -> BarRows {
        self.identity = identity;
        self
    }

    /// The schema of every batch this buffer hands out.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Bars buffered.
    pub fn len(&self) -> usize {
        self.bar[0].len()
    }

    /// `true` when no bar is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks and buffers one bar; nothing is buffered when a value does not fit its column
    /// (`ErrorKind::InvalidData`, naming the column).
    pub fn push(&mut self, bar: &FeaturedBar, complete: bool) -> io::Result<()> {
        for field in &BAR_COLUMNS {
            let raw = (field.raw)(&bar.bar);
            if !fits(field.kind, raw) {
                let message = format!(
                    "{} = {raw} (raw) does not fit its Arrow/Parquet column (at most 38 digits); write CSV instead",
                    field.name
                );
                return Err(io::Error::new(io::ErrorKind::InvalidData, message));
            }
        }
        for (field, column) in BAR_COLUMNS.iter().zip(&mut self.bar) {
            column.push((field.raw)(&bar.bar));
        }
        self.max_gap.push(bar.max_gap_us);
        self.values.clear();
        bar.features.push_values(&self.output.features, &mut self.values);
        for (value, column) in self.values.iter().zip(&mut self.features) {
            column.push(*value);
        }
        if self.output.include_incomplete {
            self.complete.push(complete);
        }
        Ok(())
    }

    /// Builds the record batch of the buffered bars and empties the buffer (keeping its capacity).
    pub fn take_batch(&mut self) -> io::Result<RecordBatch> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        if self.output.identity_columns {
            let (rows, symbol) = (self.len(), self.identity.symbol.as_deref());
            arrays.push(Arc::new(std::iter::repeat_n(symbol, rows).collect::<StringArray>()));
            arrays.push(Arc::new(Int64Array::from_value(i64::from(self.identity.threshold_dbps), rows)));
        }
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
        for (column, values) in self.columns.iter().zip(&self.features) {
            arrays.push(if column.integer {
                // Whole numbers below 2^53 (see `FeatureColumn::integer`), so the cast is exact.
                Arc::new(values.iter().map(|v| v.map(|v| v as i64)).collect::<Int64Array>())
            } else {
                Arc::new(values.iter().copied().collect::<Float64Array>())
            });
        }
        if self.output.include_incomplete {
            arrays.push(Arc::new(self.complete.iter().map(|&c| Some(c)).collect::<BooleanArray>()));
        }
        self.bar.iter_mut().for_each(Vec::clear);
        self.max_gap.clear();
        self.features.iter_mut().for_each(Vec::clear);
        self.complete.clear();
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(io::Error::other)
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
