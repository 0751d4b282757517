//! Output files: the formats, the CSV writer, and [`create_writer`] for either format. Every writer is a
//! [`BarConsumer`] for one (symbol, threshold) stream.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use barsmith_core::Threshold;
use barsmith_core::features::{FeatureColumn, FeatureConfig, FeaturedBar, feature_columns};

use crate::error::Error;
use crate::output::{OutputFile, write_csv_bar_fields, write_csv_header};
use crate::pipeline::BarConsumer;

/// Output file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Comma-separated values with a header row; exact decimals.
    Csv,
    /// CSV compressed with zstd (`.csv.zst`).
    CsvZstd,
    /// CSV compressed with gzip (`.csv.gz`).
    CsvGzip,
    /// Apache Parquet (zstd), typed columns and run metadata.
    Parquet,
}

/// The output extensions, longest first, with their formats (compared without regard to case).
const EXTENSIONS: [(&str, OutputFormat); 7] = [
    (".csv.zstd", OutputFormat::CsvZstd),
    (".csv.zst", OutputFormat::CsvZstd),
    (".csv.gz", OutputFormat::CsvGzip),
    (".parquet", OutputFormat::Parquet),
    (".csv", OutputFormat::Csv),
    (".zst", OutputFormat::CsvZstd),
    (".pq", OutputFormat::Parquet),
];

impl OutputFormat {
    /// The format a file name's extension names (`.csv`, `.csv.zst`, `.csv.gz`, `.parquet`/`.pq`; any case),
    /// if any.
    pub fn from_path(path: &Path) -> Option<OutputFormat> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        EXTENSIONS.iter().find(|(extension, _)| name.ends_with(extension)).map(|&(_, format)| format)
    }

    /// The format of an output file: `explicit` when given, else the extension's; a name without an
    /// extension is CSV, and an unknown extension is refused rather than written as CSV.
    pub fn for_path(path: &Path, explicit: Option<OutputFormat>) -> Result<OutputFormat, Error> {
        if let Some(format) = explicit.or_else(|| OutputFormat::from_path(path)) {
            return Ok(format);
        }
        match path.extension() {
            None => Ok(OutputFormat::Csv),
            Some(extension) => Err(Error::usage(format!(
                "-o {}: unknown output extension .{}; use .csv, .csv.zst, .csv.gz or .parquet (or pass --format)",
                path.display(),
                extension.to_string_lossy()
            ))),
        }
    }

    /// File extension without the leading dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::CsvZstd => "csv.zst",
            OutputFormat::CsvGzip => "csv.gz",
            OutputFormat::Parquet => "parquet",
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = Error;

    /// `csv`, `csv.zst`, `csv.gz` or `parquet`.
    fn from_str(text: &str) -> Result<OutputFormat, Error> {
        match text {
            "csv" => Ok(OutputFormat::Csv),
            "csv.zst" => Ok(OutputFormat::CsvZstd),
            "csv.gz" => Ok(OutputFormat::CsvGzip),
            "parquet" => Ok(OutputFormat::Parquet),
            _ => {
                Err(Error::usage(format!("unknown output format {text:?} (expected csv, csv.zst, csv.gz or parquet)")))
            }
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
    /// Every other setting that shaped the output, as (key, value) pairs stored under `barsmith.KEY` (feature
    /// groups, PE order, minimum windows, sort, dedupe, the checkpoint resumed from, …).
    pub settings: Vec<(String, String)>,
}

/// A file writer: a [`BarConsumer`] for one (symbol, threshold) stream that can move between threads.
pub type BoxedWriter = Box<dyn BarConsumer + Send>;

/// Opens a writer for `path` (`-` is stdout, CSV only). The file appears at `path` when the writer's
/// [`BarConsumer::finish`] succeeds; until then it is a temporary file.
pub fn create_writer(
    path: &Path,
    format: OutputFormat,
    schema: &OutputSchema,
    metadata: &RunMetadata,
) -> Result<BoxedWriter, Error> {
    if format == OutputFormat::Parquet && path.as_os_str() == "-" {
        return crate::parquet_output::create(path, schema, metadata);
    }
    let file = OutputFile::create(path).map_err(|e| Error::from_output(path, e))?;
    open_writer(file, path, format, schema, metadata)
}

/// A writer into an opened output `file` (named `path` in errors).
pub fn open_writer(
    file: OutputFile,
    path: &Path,
    format: OutputFormat,
    schema: &OutputSchema,
    metadata: &RunMetadata,
) -> Result<BoxedWriter, Error> {
    match format {
        OutputFormat::Parquet => crate::parquet_output::open_file(file, path, schema, metadata),
        csv => Ok(Box::new(CsvWriter::new(file, path, csv, schema)?)),
    }
}

/// Bars as CSV rows: exact bar fields, `max_gap_us`, then feature columns (empty = null), then `is_complete`.
pub struct CsvWriter {
    out: Option<BufWriter<Encoder>>,
    file: Option<OutputFile>,
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

/// The compression of a CSV output.
enum Encoder {
    Plain(Box<dyn Write + Send>),
    Zstd(zstd::Encoder<'static, Box<dyn Write + Send>>),
    Gzip(flate2::write::GzEncoder<Box<dyn Write + Send>>),
}

/// zstd level of compressed CSV output (zstd's own default).
const CSV_ZSTD_LEVEL: i32 = 3;

impl Encoder {
    fn new(target: Box<dyn Write + Send>, format: OutputFormat) -> std::io::Result<Encoder> {
        Ok(match format {
            OutputFormat::CsvZstd => Encoder::Zstd(zstd::Encoder::new(target, CSV_ZSTD_LEVEL)?),
            OutputFormat::CsvGzip => {
                Encoder::Gzip(flate2::write::GzEncoder::new(target, flate2::Compression::default()))
            }
            _ => Encoder::Plain(target),
        })
    }

    /// Ends the compressed stream and flushes the target.
    fn finish(self) -> std::io::Result<()> {
        let mut target = match self {
            Encoder::Plain(target) => target,
            Encoder::Zstd(encoder) => encoder.finish()?,
            Encoder::Gzip(encoder) => encoder.finish()?,
        };
        target.flush()
    }
}

impl Write for Encoder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
        }
    }
}

impl CsvWriter {
    /// Creates the file (atomically, on [`BarConsumer::finish`]) or writes to stdout for `-`, and writes the header.
    pub fn create(path: &Path, schema: &OutputSchema) -> Result<CsvWriter, Error> {
        let file = OutputFile::create(path).map_err(|e| Error::from_output(path, e))?;
        CsvWriter::new(file, path, OutputFormat::for_path(path, None)?, schema)
    }

    /// Writes CSV (compressed for [`OutputFormat::CsvZstd`] and [`OutputFormat::CsvGzip`]) into `file`, named
    /// `path` in errors, and writes the header.
    pub fn new(file: OutputFile, path: &Path, format: OutputFormat, schema: &OutputSchema) -> Result<CsvWriter, Error> {
        let io_error = |e| Error::from_output(path, e);
        let encoder = Encoder::new(file.writer().map_err(io_error)?, format).map_err(io_error)?;
        let columns = schema.feature_columns();
        let mut writer = CsvWriter {
            out: Some(BufWriter::with_capacity(1 << 16, encoder)),
            file: Some(file),
            path: path.to_path_buf(),
            schema: *schema,
            columns,
            values: Vec::new(),
        };
        let names: Vec<&str> = writer.columns.iter().map(|c| c.name).collect();
        write_csv_header(writer.out().map_err(io_error)?, schema.include_incomplete, &names).map_err(io_error)?;
        Ok(writer)
    }

    /// The open writer; an error once finished.
    fn out(&mut self) -> std::io::Result<&mut BufWriter<Encoder>> {
        self.out.as_mut().ok_or_else(|| std::io::Error::other("the CSV file was already finished"))
    }

    fn write_row(&mut self, bar: &FeaturedBar, complete: bool) -> std::io::Result<()> {
        self.values.clear();
        bar.features.push_values(&self.schema.features, &mut self.values);
        let out = self.out.as_mut().ok_or_else(|| std::io::Error::other("the CSV file was already finished"))?;
        write_csv_bar_fields(out, &bar.bar)?;
        match bar.max_gap_us {
            Some(gap) => write!(out, ",{gap}")?,
            None => out.write_all(b",")?,
        }
        for (column, value) in self.columns.iter().zip(&self.values) {
            match value {
                None => out.write_all(b",")?,
                Some(v) if column.integer => write!(out, ",{}", *v as i64)?,
                Some(v) => write!(out, ",{v}")?,
            }
        }
        if self.schema.include_incomplete {
            write!(out, ",{complete}")?;
        }
        out.write_all(b"\n")
    }
}

impl BarConsumer for CsvWriter {
    fn bar(&mut self, _threshold: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        self.write_row(bar, complete).map_err(|e| Error::from_output(&self.path, e))
    }

    fn finish(&mut self) -> Result<(), Error> {
        let io_error = |e| Error::from_output(&self.path, e);
        let out =
            self.out.take().ok_or_else(|| io_error(std::io::Error::other("the CSV file was already finished")))?;
        let encoder = out.into_inner().map_err(|e| io_error(e.into_error()))?;
        // Ends the compressed stream and closes the temporary file before it is renamed into place.
        encoder.finish().map_err(io_error)?;
        match self.file.take() {
            Some(file) => file.finish().map_err(io_error),
            None => Ok(()),
        }
    }
}
