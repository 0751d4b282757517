//! Writing bars, in one room: the columns and metadata every output shares ([`columns`]), the CSV writer
//! ([`csv`]), bars as Arrow record batches ([`arrow`], cargo feature `arrow`), the Parquet writer ([`parquet`]),
//! and output files that appear whole or not at all ([`file`]). This module picks a writer for a format
//! ([`create_writer`], [`open_writer`]).
//!
//! The arrows point one way: `mod` → `csv`, `parquet` → `arrow` → `columns`; `file` and `columns` import
//! nothing else of `output`.

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod columns;
pub mod csv;
mod file;
pub mod parquet;

pub use columns::{
    BAR_COLUMNS, BarColumn, ColumnKind, MAX_GAP_COLUMN, OutputSchema, RunMetadata, annotation_key, metadata_keys,
};
pub use csv::{CsvWriter, write_csv_bar_fields, write_csv_header};
pub use file::{AtomicFile, OutputFile, Transaction, abandon_uncommitted, is_stdout, same_file};

use std::path::Path;

use barsmith_core::Named;

use crate::error::Error;
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
            Some(extension) => {
                let (path, extension) = (path.display(), extension.to_string_lossy());
                let problem = format!(
                    " {path}: unknown output extension .{extension}; for a file use .csv, .csv.zst, .csv.gz or .parquet (or pass "
                );
                let remedy = format!("), for a directory end the path with a slash ({path}/)");
                Err(Error::usage(Named::from_setting("output").then(problem).setting("format").then(remedy)))
            }
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
        return parquet::create(path, schema, metadata);
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
        OutputFormat::Parquet => parquet::open_file(file, path, schema, metadata),
        csv => Ok(Box::new(CsvWriter::new(file, path, csv, schema)?)),
    }
}
