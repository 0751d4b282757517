//! CSV output: the exact layout (header, bar fields) and the writer, plain or compressed (zstd, gzip).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use barsmith_core::features::{FeatureColumn, FeaturedBar};
use barsmith_core::{RangeBar, SCALE, TURNOVER_SCALE, format_scaled_i128};

use super::OutputFormat;
use super::columns::{BAR_COLUMNS, IDENTITY_COLUMNS, Identity, MAX_GAP_COLUMN, OutputSchema};
use super::file::OutputFile;
use crate::error::Error;
use crate::pipeline::BarConsumer;

/// Writes the header row: the bar columns, [`MAX_GAP_COLUMN`], `extra`, and `is_complete` when incomplete bars
/// are included.
pub fn write_csv_header(out: &mut impl Write, with_completeness: bool, extra: &[&str]) -> io::Result<()> {
    let names: Vec<&str> = BAR_COLUMNS.iter().map(|column| column.name).collect();
    let mut header = names.join(",");
    header.push(',');
    header.push_str(MAX_GAP_COLUMN);
    for column in extra {
        header.push(',');
        header.push_str(column);
    }
    if with_completeness {
        header.push_str(",is_complete");
    }
    writeln!(out, "{header}")
}

/// Writes the exact fields of one bar (no newline): prices and volumes with 8 decimals, turnovers with 16.
pub fn write_csv_bar_fields(out: &mut impl Write, bar: &RangeBar) -> io::Result<()> {
    for (i, column) in BAR_COLUMNS.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let raw = (column.raw)(bar);
        match column.kind.decimals() {
            None => write!(out, "{raw}")?,
            Some(8) => out.write_all(format_scaled_i128(raw, i128::from(SCALE), 8).as_bytes())?,
            Some(decimals) => {
                out.write_all(format_scaled_i128(raw, TURNOVER_SCALE, usize::from(decimals)).as_bytes())?
            }
        }
    }
    Ok(())
}

/// The CSV layout of one output, for any writer: the header, and each bar's row (exact bar fields,
/// `max_gap_us`, feature columns with empty = null, then `is_complete` when incomplete bars are included).
/// [`CsvWriter`] writes files with it; the live outputs append rows to day files with it.
#[derive(Debug, Clone)]
pub struct CsvRows {
    schema: OutputSchema,
    columns: Vec<FeatureColumn>,
    values: Vec<Option<f64>>,
}

impl CsvRows {
    /// The layout of `schema`.
    pub fn new(schema: &OutputSchema) -> CsvRows {
        CsvRows { schema: *schema, columns: schema.feature_columns(), values: Vec::new() }
    }

    /// The fields of the identity columns and their comma, written before each row of `identity`'s output
    /// when `schema` has them (empty without them).
    pub fn prefix(schema: &OutputSchema, identity: &Identity) -> Vec<u8> {
        match schema.identity_columns {
            // Symbols are letters and digits (checked where they are read), so no field needs quoting.
            true => {
                format!("{},{},", identity.symbol.as_deref().unwrap_or_default(), identity.threshold_dbps).into_bytes()
            }
            false => Vec::new(),
        }
    }

    /// Writes the header row (the identity columns first when the schema has them).
    pub fn header(&self, out: &mut impl Write) -> io::Result<()> {
        if self.schema.identity_columns {
            write!(out, "{},", IDENTITY_COLUMNS.join(","))?;
        }
        let names: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        write_csv_header(out, self.schema.include_incomplete, &names)
    }

    /// Writes one bar's row, newline included, after `prefix` (its [`CsvRows::prefix`]).
    pub fn row(&mut self, out: &mut impl Write, prefix: &[u8], bar: &FeaturedBar, complete: bool) -> io::Result<()> {
        self.values.clear();
        bar.features.push_values(&self.schema.features, &mut self.values);
        out.write_all(prefix)?;
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

/// Bars as CSV rows ([`CsvRows`]) into a file or stdout, plain or compressed.
pub struct CsvWriter {
    out: Option<BufWriter<Encoder>>,
    file: Option<OutputFile>,
    path: PathBuf,
    rows: CsvRows,
    /// The identity columns' fields and their comma, written before each row (empty without them).
    prefix: Vec<u8>,
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
    fn new(target: Box<dyn Write + Send>, format: OutputFormat) -> io::Result<Encoder> {
        Ok(match format {
            OutputFormat::CsvZstd => Encoder::Zstd(zstd::Encoder::new(target, CSV_ZSTD_LEVEL)?),
            OutputFormat::CsvGzip => {
                Encoder::Gzip(flate2::write::GzEncoder::new(target, flate2::Compression::default()))
            }
            _ => Encoder::Plain(target),
        })
    }

    /// Ends the compressed stream and flushes the target.
    fn finish(self) -> io::Result<()> {
        let mut target = match self {
            Encoder::Plain(target) => target,
            Encoder::Zstd(encoder) => encoder.finish()?,
            Encoder::Gzip(encoder) => encoder.finish()?,
        };
        target.flush()
    }
}

impl Write for Encoder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
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
        CsvWriter::identified(file, path, format, schema, Identity::default())
    }

    /// [`CsvWriter::new`], with `identity` as the values of the identity columns when `schema` has them.
    pub fn identified(
        file: OutputFile,
        path: &Path,
        format: OutputFormat,
        schema: &OutputSchema,
        identity: Identity,
    ) -> Result<CsvWriter, Error> {
        let io_error = |e| Error::from_output(path, e);
        let prefix = CsvRows::prefix(schema, &identity);
        let encoder = Encoder::new(file.writer().map_err(io_error)?, format).map_err(io_error)?;
        let mut writer = CsvWriter {
            out: Some(BufWriter::with_capacity(1 << 16, encoder)),
            file: Some(file),
            path: path.to_path_buf(),
            rows: CsvRows::new(schema),
            prefix,
        };
        let out = writer.out.as_mut().ok_or_else(|| io::Error::other("the CSV file was already finished"));
        writer.rows.header(out.map_err(io_error)?).map_err(io_error)?;
        Ok(writer)
    }

    fn write_row(&mut self, bar: &FeaturedBar, complete: bool) -> io::Result<()> {
        let out = self.out.as_mut().ok_or_else(|| io::Error::other("the CSV file was already finished"))?;
        self.rows.row(out, &self.prefix, bar, complete)
    }
}

impl BarConsumer for CsvWriter {
    fn bar(&mut self, _threshold: usize, bar: &FeaturedBar, complete: bool) -> Result<(), Error> {
        self.write_row(bar, complete).map_err(|e| Error::from_output(&self.path, e))
    }

    fn finish(&mut self) -> Result<(), Error> {
        let io_error = |e| Error::from_output(&self.path, e);
        let out = self.out.take().ok_or_else(|| io_error(io::Error::other("the CSV file was already finished")))?;
        let encoder = out.into_inner().map_err(|e| io_error(e.into_error()))?;
        // Ends the compressed stream and closes the temporary file before it is renamed into place.
        encoder.finish().map_err(io_error)?;
        match self.file.take() {
            Some(file) => file.finish().map_err(io_error),
            None => Ok(()),
        }
    }
}
