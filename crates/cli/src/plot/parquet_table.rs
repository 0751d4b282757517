//! Reading a Parquet bar file (the layout of docs/OUTPUT.md) into a [`BarTable`].
//!
//! Only the needed columns are decoded (a projection); prices and volumes come from the `*_f64` companions
//! when the file has them, else from the decimal columns. Symbol and threshold come from the file's metadata.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Float32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use barsmith::output::{MAX_GAP_COLUMN, metadata_keys};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::table::{
    BarTable, FeatureSeries, TIME_COLUMNS, VALUE_COLUMNS, check_features, feature_columns, not_a_bar_file,
};

/// Reads the bar file at `path`, keeping the requested feature columns.
pub fn read(path: &Path, features: &[String]) -> Result<BarTable> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| anyhow!("{} is not a readable Parquet file: {e}", path.display()))?;
    let pairs = builder.metadata().file_metadata().key_value_metadata();
    let (symbol, threshold_dbps) = run_metadata(path, pairs)?;
    let bars = pairs
        .and_then(|kv| kv.iter().find(|p| p.key == metadata_keys::BARS))
        .and_then(|p| p.value.clone())
        .filter(|v| !v.is_empty());
    let names: Vec<String> = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    let missing: Vec<&str> = TIME_COLUMNS.iter().chain(VALUE_COLUMNS.iter()).copied().filter(|c| !has(c)).collect();
    if !missing.is_empty() {
        return Err(not_a_bar_file(path, &missing));
    }
    check_features(path, features, &feature_columns(names.iter().map(String::as_str)), has(MAX_GAP_COLUMN))?;

    // Each value from its float companion when present (one rounding, done by the writer).
    let value_sources: Vec<String> = VALUE_COLUMNS
        .iter()
        .map(|c| if has(&format!("{c}_f64")) { format!("{c}_f64") } else { (*c).to_owned() })
        .collect();
    let complete_column = has("is_complete").then(|| "is_complete".to_owned());
    let gap_column = has(MAX_GAP_COLUMN).then_some(MAX_GAP_COLUMN);
    let wanted: Vec<&str> = TIME_COLUMNS
        .iter()
        .copied()
        .chain(value_sources.iter().map(String::as_str))
        .chain(complete_column.as_deref())
        .chain(gap_column)
        .chain(features.iter().map(String::as_str))
        .collect();
    let indices = names.iter().enumerate().filter(|(_, n)| wanted.contains(&n.as_str())).map(|(i, _)| i);
    let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| anyhow!("{}: cannot read the Parquet file: {e}", path.display()))?;

    let mut table = BarTable {
        symbol,
        threshold_dbps,
        bars,
        is_complete: complete_column.as_ref().map(|_| Vec::new()),
        features: features.iter().map(|name| FeatureSeries { name: name.clone(), values: Vec::new() }).collect(),
        ..BarTable::default()
    };
    for batch in reader {
        let batch = batch.map_err(|e| anyhow!("{}: cannot read the Parquet file: {e}", path.display()))?;
        append_batch(path, &batch, &value_sources, &mut table)?;
    }
    Ok(table)
}

fn run_metadata(
    path: &Path,
    pairs: Option<&Vec<parquet::file::metadata::KeyValue>>,
) -> Result<(Option<String>, Option<u32>)> {
    let lookup = |key: &str| {
        pairs.and_then(|kv| kv.iter().find(|p| p.key == key)).and_then(|p| p.value.clone()).filter(|v| !v.is_empty())
    };
    let threshold = match lookup(metadata_keys::THRESHOLD_DBPS) {
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            anyhow!("{}: metadata `{}` is `{text}`, not a whole number", path.display(), metadata_keys::THRESHOLD_DBPS)
        })?),
        None => None,
    };
    Ok((lookup(metadata_keys::SYMBOL), threshold))
}

fn append_batch(path: &Path, batch: &RecordBatch, value_sources: &[String], table: &mut BarTable) -> Result<()> {
    let first_row = table.len();
    let column =
        |name: &str| batch.column_by_name(name).ok_or_else(|| anyhow!("{}: no column `{name}`", path.display()));
    for (name, out) in TIME_COLUMNS.iter().zip([&mut table.open_time, &mut table.close_time]) {
        let array = column(name)?;
        let DataType::Timestamp(TimeUnit::Microsecond, _) = array.data_type() else {
            bail!("{}: column `{name}` is {}, not a µs timestamp", path.display(), array.data_type());
        };
        if array.null_count() > 0 {
            bail!("{}: column `{name}` has nulls; a bar file never does", path.display());
        }
        out.extend(array.as_primitive::<TimestampMicrosecondType>().values().iter().copied());
    }
    for (name, out) in value_sources.iter().zip(table.values.iter_mut()) {
        let values = numbers(path, name, column(name)?.as_ref(), first_row)?;
        if values.iter().any(Option::is_none) {
            bail!("{}: column `{name}` has nulls; a bar file never does", path.display());
        }
        out.extend(values.into_iter().flatten());
    }
    if let Some(out) = table.is_complete.as_mut() {
        let array = column("is_complete")?;
        let DataType::Boolean = array.data_type() else {
            bail!("{}: column `is_complete` is {}, not Boolean", path.display(), array.data_type());
        };
        out.extend(array.as_boolean().iter().map(|v| v.unwrap_or(true)));
    }
    for series in &mut table.features {
        series.values.extend(numbers(path, &series.name, column(&series.name)?.as_ref(), first_row)?);
    }
    if let Some(array) = batch.column_by_name(MAX_GAP_COLUMN) {
        table.max_gap_us.extend(numbers(path, MAX_GAP_COLUMN, array.as_ref(), first_row)?);
    }
    Ok(())
}

/// A numeric column as `f64`s, nulls as `None`.
fn numbers(path: &Path, name: &str, array: &dyn Array, first_row: usize) -> Result<Vec<Option<f64>>> {
    // Integer columns (counts, ids) hold whole numbers far below 2^53, so `as f64` is exact for them.
    let values: Vec<Option<f64>> = match array.data_type() {
        DataType::Float64 => array.as_primitive::<Float64Type>().iter().collect(),
        DataType::Float32 => array.as_primitive::<Float32Type>().iter().map(|v| v.map(f64::from)).collect(),
        DataType::Int64 => array.as_primitive::<Int64Type>().iter().map(|v| v.map(|v| v as f64)).collect(),
        DataType::Int32 => array.as_primitive::<Int32Type>().iter().map(|v| v.map(f64::from)).collect(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().iter().map(|v| v.map(|v| v as f64)).collect(),
        DataType::Decimal128(_, scale) => {
            let divisor = 10f64.powi(i32::from(*scale));
            array.as_primitive::<Decimal128Type>().iter().map(|v| v.map(|raw| raw as f64 / divisor)).collect()
        }
        other => bail!("{}: column `{name}` is {other}, not a number", path.display()),
    };
    // A NaN or infinity is not something the writer produces; drawing it would be a guess.
    if let Some(row) = values.iter().position(|v| v.is_some_and(|v| !v.is_finite())) {
        bail!("{}: column `{name}` has a non-finite value in row {}", path.display(), first_row + row + 1);
    }
    Ok(values)
}
