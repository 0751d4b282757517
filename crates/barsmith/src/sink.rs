//! Output files: the formats, the CSV writer, and [`create_writer`] for either format. Every writer is a
//! [`BarConsumer`] for one (symbol, threshold) stream.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use barsmith_core::Threshold;
use barsmith_core::features::{FeatureColumn, FeatureConfig, FeaturedBar, feature_columns};

use crate::error::Error;
use crate::output::{AtomicFile, write_csv_bar_fields, write_csv_header};
use crate::pipeline::BarConsumer;

/// Output file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Comma-separated values with a header row; exact decimals.
    Csv,
    /// Apache Parquet (zstd), typed columns and run metadata.
    Parquet,
}

impl OutputFormat {
    /// The format implied by a file name's extension (`.csv`, `.parquet`/`.pq`), if any.
    pub fn from_path(path: &Path) -> Option<OutputFormat> {
        match path.extension()?.to_str()? {
            "csv" => Some(OutputFormat::Csv),
            "parquet" | "pq" => Some(OutputFormat::Parquet),
            _ => None,
        }
    }

    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Parquet => "parquet",
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = Error;

    /// `csv` or `parquet`.
    fn from_str(text: &str) -> Result<OutputFormat, Error> {
        match text {
            "csv" => Ok(OutputFormat::Csv),
            "parquet" => Ok(OutputFormat::Parquet),
            _ => Err(Error::usage(format!("unknown output format {text:?} (expected csv or parquet)"))),
        }
    }
}

impl std::fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.extension())
    }
}

/// The columns an output holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputSchema {
    /// Which feature columns follow the bar columns.
    pub features: FeatureConfig,
    /// Whether an `is_complete` column is written (incomplete bars included).
    pub include_incomplete: bool,
}

impl OutputSchema {
    /// The feature columns, in output order.
    pub fn feature_columns(&self) -> Vec<FeatureColumn> {
        feature_columns(&self.features)
    }
}

/// What produced an output file (stored in Parquet metadata).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunMetadata {
    /// Symbol of the stream.
    pub symbol: String,
    /// Bar threshold.
    pub threshold: Threshold,
    /// Same-timestamp gate on or off.
    pub same_timestamp_gate: bool,
    /// Lookback mode as text (`count:500`, …).
    pub lookback: String,
    /// Kernel backend used for the features.
    pub backend: String,
    /// Input files in stream order.
    pub inputs: Vec<PathBuf>,
}

/// A file writer: a [`BarConsumer`] for one (symbol, threshold) stream that can move between threads.
pub type BoxedWriter = Box<dyn BarConsumer + Send>;

/// Opens a writer for `path` (`-` is stdout, CSV only). The file appears at `path` when the writer's
/// [`BarConsumer::finish`] succeeds; until then it is a temporary file beside it.
pub fn create_writer(
    path: &Path,
    format: OutputFormat,
    schema: &OutputSchema,
    metadata: &RunMetadata,
) -> Result<BoxedWriter, Error> {
    match format {
        OutputFormat::Csv => Ok(Box::new(CsvWriter::create(path, schema)?)),
        OutputFormat::Parquet => crate::parquet_output::create(path, schema, metadata),
    }
}

/// Bars as CSV rows: exact bar fields, `max_gap_us`, then feature columns (empty = null), then `is_complete`.
pub struct CsvWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    file: Option<AtomicFile>,
    path: PathBuf,
    schema: OutputSchema,
    columns: Vec<FeatureColumn>,
    values: Vec<Option<f64>>,
}

impl std::fmt::Debug for CsvWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvWriter").field("path", &self.path).finish_non_exhaustive()
    }
}

impl CsvWriter {
    /// Creates the file (atomically, on [`BarConsumer::finish`]) or writes to stdout for `-`, and writes the header.
    pub fn create(path: &Path, schema: &OutputSchema) -> Result<CsvWriter, Error> {
        let io_error = |e| Error::from_output(path, e);
        let (target, file): (Box<dyn Write + Send>, _) = if path.as_os_str() == "-" {
            (Box::new(std::io::stdout()), None)
        } else {
            let file = AtomicFile::create(path).map_err(io_error)?;
            (Box::new(file.writer().map_err(io_error)?), Some(file))
        };
        let columns = schema.feature_columns();
        let mut writer = CsvWriter {
            out: BufWriter::with_capacity(1 << 16, target),
            file,
            path: path.to_path_buf(),
            schema: *schema,
            columns,
            values: Vec::new(),
        };
        let names: Vec<&str> = writer.columns.iter().map(|c| c.name).collect();
        write_csv_header(&mut writer.out, schema.include_incomplete, &names).map_err(io_error)?;
        Ok(writer)
    }

    fn write_row(&mut self, bar: &FeaturedBar, complete: bool) -> std::io::Result<()> {
        write_csv_bar_fields(&mut self.out, &bar.bar)?;
        match bar.max_gap_us {
            Some(gap) => write!(self.out, ",{gap}")?,
            None => self.out.write_all(b",")?,
        }
        self.values.clear();
        bar.features.push_values(&self.schema.features, &mut self.values);
        for (column, value) in self.columns.iter().zip(&self.values) {
            match value {
                None => self.out.write_all(b",")?,
                Some(v) if column.integer => write!(self.out, ",{}", *v as i64)?,
                Some(v) => write!(self.out, ",{v}")?,
            }
        }
        if self.schema.include_incomplete {
            write!(self.out, ",{complete}")?;
        }
        self.out.write_all(b"\n")
    }
}

impl BarConsumer for CsvWriter {
    fn bar(&mut self, _threshold: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        self.write_row(bar, complete).map_err(|e| Error::from_output(&self.path, e))
    }

    fn finish(&mut self) -> Result<(), Error> {
        self.out.flush().map_err(|e| Error::from_output(&self.path, e))?;
        // Close the temporary file before it is renamed into place.
        self.out = BufWriter::new(Box::new(std::io::sink()));
        if let Some(file) = self.file.take() {
            file.commit().map_err(|e| Error::from_output(&self.path, e))?;
        }
        Ok(())
    }
}
