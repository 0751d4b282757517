//! [`TradeReader`]: one opened input (see `open.rs`) to trade batches: the first line and the layout, then
//! the batch loop, sequential, sorted or parallel (`parallel.rs`); lines are parsed by `lines.rs`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use barsmith_core::{MILLISECOND_CUTOFF, TradeBatch};

use crate::IngestOptions;
use crate::chunk::{self, ChunkError, LineChunks};
use crate::error::{Error, ErrorKind};
use crate::layout::{Column, Layout};
use crate::lines::{
    ChunkPlace, LineError, archive_fault_behind, chunk_error, line_error, order_error, parse_lines, split_line,
};
use crate::order::{LastRecord, OrderCheck, SortedTrades};
use crate::parallel::{ParallelBatches, ParallelSettings, ParseState};
use crate::source::{BytesRead, Compression};

/// The unit of the raw timestamps, judged from the first record by the magnitude rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampUnit {
    /// Below 10^13: milliseconds (USD-M futures, spot before 2025).
    Milliseconds,
    /// 10^13 and above: microseconds (spot from 2025).
    Microseconds,
}

/// What was detected about an input when it was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectedFormat {
    /// The compression, from the first bytes.
    pub compression: Compression,
    /// The name of the CSV member of a zip archive.
    pub zip_member: Option<String>,
    /// `true` when the file is read through memory maps.
    pub memory_mapped: bool,
    /// The columns, from the header or the field count of the first line.
    pub layout: Layout,
    /// The unit of the first record's timestamp (`None` when it does not parse; reading reports why).
    pub timestamp_unit: Option<TimestampUnit>,
}

/// Reads one input as batches of trades, checking every record and the order between records.
pub struct TradeReader {
    path: PathBuf,
    chunks: Box<dyn LineChunks>,
    compression: Compression,
    position: usize,
    line: u64,
    format: DetectedFormat,
    batch_size: usize,
    order: OrderCheck,
    sorted: Option<SortedTrades>,
    sort: bool,
    records: u64,
    progress: BytesRead,
    total_bytes: Option<u64>,
    parallel: ParallelState,
}

/// Where parallel parsing stands (`IngestOptions::parse_threads > 1`).
enum ParallelState {
    /// Sequential reading.
    Off,
    /// Not started yet: starts with the first batch.
    Ready(ParallelSettings),
    /// Started: boxed, as the producer's handles and queues make it ten times the size of the other states.
    Running(Box<ParallelBatches>),
    Done,
}

impl std::fmt::Debug for TradeReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TradeReader").field("path", &self.path).field("line", &self.line).finish_non_exhaustive()
    }
}

/// An opened input before its first line is read.
pub(crate) struct Opened {
    pub(crate) chunks: Box<dyn LineChunks>,
    pub(crate) compression: Compression,
    pub(crate) zip_member: Option<String>,
    pub(crate) memory_mapped: bool,
    pub(crate) total_bytes: Option<u64>,
}

/// The UTF-8 byte-order mark some editors put before the first line.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

impl TradeReader {
    /// Reads the first line and detects the layout.
    pub(crate) fn start(
        path: &Path,
        opened: Opened,
        options: &IngestOptions,
        progress: BytesRead,
    ) -> Result<TradeReader, Error> {
        let mut reader = TradeReader {
            path: path.to_path_buf(),
            chunks: opened.chunks,
            compression: opened.compression,
            position: 0,
            line: 0,
            format: DetectedFormat {
                compression: opened.compression,
                zip_member: opened.zip_member,
                memory_mapped: opened.memory_mapped,
                layout: Layout::headerless(8).expect("8 columns is the spot layout"),
                timestamp_unit: None,
            },
            batch_size: options.batch_size.max(1),
            order: OrderCheck::new(options.dedupe, options.check_order),
            sorted: None,
            sort: options.sort,
            records: 0,
            progress,
            total_bytes: opened.total_bytes,
            parallel: if options.parse_threads > 1 && !options.sort {
                ParallelState::Ready(ParallelSettings {
                    threads: options.parse_threads,
                    piece_size: options.parse_piece_size,
                })
            } else {
                ParallelState::Off
            },
        };
        let Some((first_line, terminated)) = reader.next_line()? else {
            return Err(Error::new(ErrorKind::EmptyFile, path));
        };
        let bom = first_line.starts_with(UTF8_BOM);
        let first_line = first_line.strip_prefix(UTF8_BOM).unwrap_or(first_line);
        let layout = Layout::detect(first_line).map_err(|kind| {
            let kind = if terminated { kind } else { ErrorKind::PartialLastLine { cause: Box::new(kind) } };
            Error::at_line(kind, path, 1).with_text(first_line)
        })?;
        if !layout.has_header() {
            // The first line is a record: read it again, after the byte-order mark if there is one.
            reader.position = if bom { UTF8_BOM.len() } else { 0 };
            reader.line = 0;
        }
        reader.format.layout = layout;
        reader.format.timestamp_unit = reader.peek_timestamp_unit();
        Ok(reader)
    }

    /// The next line of input (without `\n` and a trailing `\r`) and whether it had a newline, reading
    /// chunks as needed. Only used for the first lines; the batch loop inlines the same steps.
    fn next_line(&mut self) -> Result<Option<(&[u8], bool)>, Error> {
        while self.position >= self.chunks.chunk().len() {
            if !self.chunks.advance().map_err(|error| self.chunk_error(error))? {
                return Ok(None);
            }
            self.position = 0;
        }
        let rest = &self.chunks.chunk()[self.position..];
        let (line, used, terminated) = split_line(rest);
        self.position += used;
        self.line += 1;
        Ok(Some((line, terminated)))
    }

    /// The timestamp unit of the first record, without consuming it.
    fn peek_timestamp_unit(&self) -> Option<TimestampUnit> {
        let rest = self.chunks.chunk().get(self.position..)?;
        let (line, _, _) = split_line(rest);
        let column = self.format.layout.columns().iter().position(|&c| c == Column::TransactTime)?;
        let field = line.split(|&b| b == b',').nth(column)?;
        let raw: i64 = std::str::from_utf8(field).ok()?.parse().ok()?;
        Some(if raw < MILLISECOND_CUTOFF { TimestampUnit::Milliseconds } else { TimestampUnit::Microseconds })
    }

    /// What was detected when the input was opened.
    pub fn format(&self) -> &DetectedFormat {
        &self.format
    }

    /// The path given to [`open`](crate::open) (or the name given to the other constructors).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of the input consumed so far (compressed bytes for compressed input), for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.progress.load(Ordering::Relaxed)
    }

    /// The size of the input in bytes when known (not for standard input).
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }

    /// Records read so far (before `dedupe` drops any).
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// A shared handle on the progress counter, for a progress bar on another thread.
    pub fn progress_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.progress)
    }

    pub(crate) fn last_record(&self) -> Option<&LastRecord> {
        self.order.last()
    }

    pub(crate) fn continue_after(&mut self, last: Option<LastRecord>) {
        self.order.continue_after(last);
    }

    /// Clears `batch` and fills it with up to `batch_size` trades; `Ok(false)` when the input is done.
    pub fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Error> {
        batch.clear();
        if self.sort {
            self.next_sorted_batch(batch)?;
        } else if !matches!(self.parallel, ParallelState::Off) {
            self.next_parallel_batch(batch)?;
        } else {
            while batch.len() < self.batch_size && self.read_records(batch)? {}
        }
        if batch.is_empty() && self.records == 0 && self.format.layout.has_header() {
            return Err(Error::at_line(ErrorKind::HeaderOnly, &self.path, 1));
        }
        Ok(!batch.is_empty())
    }

    /// Reads every remaining trade into one batch (for tests and small files).
    pub fn read_to_end(&mut self) -> Result<TradeBatch, Error> {
        let mut all = TradeBatch::new();
        let mut batch = TradeBatch::new();
        while self.next_batch(&mut batch)? {
            all.extend_from(&batch, 0..batch.len());
        }
        Ok(all)
    }

    /// Parses records into `batch` until it is full or the current chunk ends; `false` at end of input.
    fn read_records(&mut self, batch: &mut TradeBatch) -> Result<bool, Error> {
        let limit = self.batch_size;
        let order = &mut self.order;
        let outcome =
            parse_lines(self.chunks.chunk(), &mut self.position, &mut self.line, &self.format.layout, |trade, line| {
                self.records += 1;
                if order.admit(&trade, line)? {
                    batch.push(&trade);
                }
                Ok(batch.len() < limit)
            });
        if let Err(error) = outcome {
            return Err(self.line_error(*error));
        }
        if self.position < self.chunks.chunk().len() {
            return Ok(true);
        }
        let more = self.chunks.advance().map_err(|error| self.chunk_error(error))?;
        if more {
            self.position = 0;
        }
        Ok(more)
    }

    /// With `parse_threads > 1`: the next batch from the producer, started on the first call.
    fn next_parallel_batch(&mut self, batch: &mut TradeBatch) -> Result<(), Error> {
        if let ParallelState::Ready(settings) = self.parallel {
            let state = ParseState {
                chunks: std::mem::replace(&mut self.chunks, chunk::empty()),
                position: std::mem::take(&mut self.position),
                line: self.line,
                order: std::mem::take(&mut self.order),
                path: self.path.clone(),
                compression: self.compression,
                layout: self.format.layout.clone(),
                progress: Arc::clone(&self.progress),
            };
            let batches = ParallelBatches::spawn(state, settings).map_err(|error| Error::io(&error, &self.path))?;
            self.parallel = ParallelState::Running(Box::new(batches));
        }
        let ParallelState::Running(batches) = &mut self.parallel else { return Ok(()) };
        if let Some(records) = batches.next_batch(batch, self.batch_size)? {
            self.records += records;
            return Ok(());
        }
        let ParallelState::Running(batches) = std::mem::replace(&mut self.parallel, ParallelState::Done) else {
            unreachable!("matched above")
        };
        let finished = batches.finish();
        (self.order, self.line) = (finished.order, finished.line);
        Ok(())
    }

    /// Under `sort`: reads the whole input on the first call, then hands out sorted batches.
    fn next_sorted_batch(&mut self, batch: &mut TradeBatch) -> Result<(), Error> {
        if self.sorted.is_none() {
            let mut all = SortedTrades::default();
            loop {
                let outcome = parse_lines(
                    self.chunks.chunk(),
                    &mut self.position,
                    &mut self.line,
                    &self.format.layout,
                    |trade, line| {
                        all.push(&trade, line);
                        Ok(true)
                    },
                );
                outcome.map_err(|error| self.line_error(*error))?;
                if !self.chunks.advance().map_err(|error| self.chunk_error(error))? {
                    break;
                }
                self.position = 0;
            }
            self.records = all.len() as u64;
            all.sort();
            self.sorted = Some(all);
        }
        let sorted = self.sorted.as_mut().expect("sorted above");
        while batch.len() < self.batch_size {
            let Some((trade, line)) = sorted.next_trade() else { break };
            match self.order.admit(&trade, line) {
                Ok(true) => batch.push(&trade),
                Ok(false) => {}
                Err(violation) => return Err(order_error(violation, &self.path, line, &self.format.layout)),
            }
        }
        sorted.release_if_done();
        Ok(())
    }

    fn chunk_error(&self, error: ChunkError) -> Error {
        let place = ChunkPlace {
            path: &self.path,
            compression: self.compression,
            line: self.line + 1,
            compressed_offset: self.progress.load(Ordering::Relaxed),
        };
        chunk_error(error, place)
    }

    /// A rejected line, or the archive fault behind it ([`archive_fault_behind`]).
    fn line_error(&mut self, error: LineError) -> Error {
        let rejected = line_error(error, &self.path, &self.format.layout);
        let place = ChunkPlace {
            path: &self.path,
            compression: self.compression,
            line: self.line + 1,
            compressed_offset: self.progress.load(Ordering::Relaxed),
        };
        archive_fault_behind(rejected, self.chunks.as_mut(), place)
    }
}
