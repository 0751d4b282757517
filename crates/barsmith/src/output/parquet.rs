//! Parquet output: typed columns, zstd compression and the run's parameters in the file metadata.
//!
//! The columns are those of [`super::arrow`] (documented column by column in `docs/OUTPUT.md`). Rows are
//! buffered [`BATCH_ROWS`] at a time and written in row groups of at most [`ROW_GROUP_ROWS`] rows, closed
//! early once their encoded size reaches [`ROW_GROUP_BYTES`] or the encoder holds [`ROW_GROUP_MEMORY`] bytes, so
//! memory stays flat however many bars a run makes. Every column is written without a dictionary (plain
//! encoding): bar values are nearly all distinct, and a dictionary kept every value of a row group in memory
//! (docs/PERFORMANCE.md, "Output memory"). The file appears at its path only when the writer finishes.

use std::path::Path;

use super::BoxedWriter;
use super::columns::{OutputSchema, RunMetadata};
use super::file::OutputFile;
use crate::error::Error;

/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// A row group is closed once its encoded (compressed) size reaches about this many bytes.
pub const ROW_GROUP_BYTES: usize = 1 << 20;

/// A row group is closed once the encoder's buffers hold this many bytes (its memory, not the encoded size).
pub const ROW_GROUP_MEMORY: usize = 8 << 20;

/// Rows buffered before they are handed to the Parquet encoder.
pub const BATCH_ROWS: usize = 512;

/// Precision of every decimal column (the largest a `Decimal128` holds).
#[cfg(feature = "parquet")]
pub use super::arrow::DECIMAL_PRECISION;

/// Opens a Parquet writer for `path`; the file appears there when the writer finishes.
///
/// Standard output is refused, and so is every path when the crate is built without its `parquet` feature.
pub fn create(path: &Path, schema: &OutputSchema, metadata: &RunMetadata) -> Result<BoxedWriter, Error> {
    if path.as_os_str() == "-" {
        return Err(stdout_refused(path));
    }
    let file = OutputFile::create(path).map_err(|e| Error::from_output(path, e))?;
    open_file(file, path, schema, metadata)
}

/// A Parquet writer into an opened output `file` (named `path` in errors).
pub fn open_file(
    file: OutputFile,
    path: &Path,
    schema: &OutputSchema,
    metadata: &RunMetadata,
) -> Result<BoxedWriter, Error> {
    if file.is_stdout() {
        return Err(stdout_refused(path));
    }
    open(file, path, schema, metadata)
}

/// Parquet needs a seekable file (its footer is written last): standard output, however spelled (`-`,
/// `/dev/stdout`), is refused, naming what was given.
fn stdout_refused(path: &Path) -> Error {
    Error::usage(format!(
        "Parquet output cannot go to standard output ({}): give a file name, or write CSV",
        path.display()
    ))
}

#[cfg(not(feature = "parquet"))]
fn open(_file: OutputFile, path: &Path, _schema: &OutputSchema, _metadata: &RunMetadata) -> Result<BoxedWriter, Error> {
    Err(Error::usage(format!(
        "{}: this barsmith was built without Parquet support (cargo feature `parquet`); write CSV instead",
        path.display()
    )))
}

#[cfg(feature = "parquet")]
fn open(file: OutputFile, path: &Path, schema: &OutputSchema, metadata: &RunMetadata) -> Result<BoxedWriter, Error> {
    let writer = writer::ParquetWriter::create(file, path, schema, metadata)?;
    Ok(Box::new(writer::ParquetSink { writer: Some(writer), path: path.to_path_buf() }))
}

#[cfg(feature = "parquet")]
mod writer {
    use std::io::{self, Write};
    use std::path::{Path, PathBuf};

    use barsmith_core::features::FeaturedBar;
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;

    use super::{BATCH_ROWS, ROW_GROUP_BYTES, ROW_GROUP_MEMORY, ROW_GROUP_ROWS};
    use crate::error::Error;
    use crate::output::arrow::BarRows;
    use crate::output::columns::{Identity, OutputSchema, RunMetadata, annotation_key};
    use crate::output::file::OutputFile;
    use crate::pipeline::BarConsumer;

    /// zstd level (zstd's own default).
    const ZSTD_LEVEL: i32 = 3;

    /// The run's parameters as Parquet key-value metadata.
    fn key_value_metadata(metadata: &RunMetadata) -> Vec<KeyValue> {
        metadata.pairs().into_iter().map(|(key, value)| KeyValue::new(key, value)).collect()
    }

    fn writer_properties(metadata: &RunMetadata) -> io::Result<WriterProperties> {
        let level = ZstdLevel::try_new(ZSTD_LEVEL).map_err(io::Error::other)?;
        Ok(WriterProperties::builder()
            .set_compression(Compression::ZSTD(level))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
            .set_dictionary_enabled(false)
            .set_write_batch_size(BATCH_ROWS)
            .set_key_value_metadata(Some(key_value_metadata(metadata)))
            .build())
    }

    /// Writes bars to a Parquet file in row groups of [`ROW_GROUP_ROWS`].
    pub(super) struct ParquetWriter {
        writer: ArrowWriter<Box<dyn Write + Send>>,
        file: OutputFile,
        path: PathBuf,
        rows: BarRows,
    }

    impl std::fmt::Debug for ParquetWriter {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("ParquetWriter").field("path", &self.path).finish_non_exhaustive()
        }
    }

    impl ParquetWriter {
        /// Creates the temporary file beside `path` and the Parquet encoder.
        pub(super) fn create(
            file: OutputFile,
            path: &Path,
            output: &OutputSchema,
            metadata: &RunMetadata,
        ) -> Result<ParquetWriter, Error> {
            let io_error = |e| Error::from_output(path, e);
            let rows = BarRows::new(output).identified(Identity::of(metadata));
            let properties = writer_properties(metadata).map_err(io_error)?;
            let sink = file.writer().map_err(io_error)?;
            let writer = ArrowWriter::try_new(sink, rows.schema(), Some(properties))
                .map_err(|e| io_error(io::Error::other(e)))?;
            Ok(ParquetWriter { writer, file, path: path.to_path_buf(), rows })
        }

        fn write_pending(&mut self) -> io::Result<()> {
            if self.rows.is_empty() {
                return Ok(());
            }
            let batch = self.rows.take_batch()?;
            self.writer.write(&batch).map_err(io::Error::other)?;
            if self.writer.memory_size() >= ROW_GROUP_MEMORY {
                self.writer.flush().map_err(io::Error::other)?;
            }
            Ok(())
        }

        fn finish_file(mut self) -> io::Result<()> {
            self.write_pending()?;
            let mut sink = self.writer.into_inner().map_err(io::Error::other)?;
            sink.flush()?;
            drop(sink);
            self.file.finish()
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
            writer.rows.push(bar, complete).map_err(|e| Error::from_output(&writer.path, e))?;
            if writer.rows.len() >= BATCH_ROWS {
                writer.write_pending().map_err(|e| Error::from_output(&writer.path, e))?;
            }
            Ok(())
        }

        fn annotate(&mut self, key: &str, value: &str) {
            if let Some(writer) = self.writer.as_mut() {
                writer.writer.append_key_value_metadata(KeyValue::new(annotation_key(key), value.to_string()));
            }
        }

        fn finish(&mut self) -> Result<(), Error> {
            self.open_writer()?;
            let writer = self.writer.take().expect("checked just above");
            writer.finish_file().map_err(|e| Error::from_output(&self.path, e))
        }
    }
}
