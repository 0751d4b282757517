//! [`TradeReader`]: one input (file, standard input or bytes) to trade batches.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use barsmith_core::{MILLISECOND_CUTOFF, Trade, TradeBatch};

use crate::chunk::{ChunkError, LineChunks, MappedLines, StreamLines, ThreadedLines};
use crate::error::{Error, ErrorKind};
use crate::layout::{Column, Layout};
use crate::order::{LastRecord, OrderCheck, OrderViolation, SortedTrades};
use crate::parallel::{ParallelBatches, ParallelSettings, ParseState};
use crate::record::{parse_line_start, parse_record};
use crate::reference::RecordError;
use crate::source::{self, Compression, Progress, WindowReader};
use crate::{IngestOptions, STDIN_PATH};

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
    progress: Progress,
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
struct Opened {
    chunks: Box<dyn LineChunks>,
    compression: Compression,
    zip_member: Option<String>,
    memory_mapped: bool,
    total_bytes: Option<u64>,
}

/// Opens `path` (`-` for standard input) and detects its format from the first bytes and the first line.
pub fn open(path: &Path, options: &IngestOptions) -> Result<TradeReader, Error> {
    let progress = Progress::default();
    let opened = if path == Path::new(STDIN_PATH) {
        open_stream(io::stdin(), path, options, &progress)?
    } else {
        open_file(path, options, &progress)?
    };
    TradeReader::start(path, opened, options, progress)
}

/// The UTF-8 byte-order mark some editors put before the first line.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Refuses compression formats that are not read, naming them.
fn refuse_unread_compression(prefix: &[u8], path: &Path) -> Result<(), Error> {
    match source::unread_compression(prefix) {
        Some(name) => {
            let reason =
                format!("{name}-compressed input is not read; decompress it, or recompress it with zstd (.csv.zst)");
            Err(Error::new(ErrorKind::Unsupported { reason }, path))
        }
        None => Ok(()),
    }
}

fn open_file(path: &Path, options: &IngestOptions, progress: &Progress) -> Result<Opened, Error> {
    let io_error = |error: io::Error| Error::io(&error, path);
    let mut file = File::open(path).map_err(io_error)?;
    let metadata = file.metadata().map_err(io_error)?;
    if metadata.is_dir() {
        return Err(Error::new(ErrorKind::Io { message: "is a directory".to_owned() }, path));
    }
    if !metadata.is_file() {
        return open_stream(file, path, options, progress);
    }
    let file_len = metadata.len();
    let mut prefix = Vec::with_capacity(4);
    (&mut file).take(4).read_to_end(&mut prefix).map_err(io_error)?;
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    refuse_unread_compression(&prefix, path)?;
    let compression = source::sniff(&prefix);
    let mut opened = Opened {
        chunks: empty_chunks(),
        compression,
        zip_member: None,
        memory_mapped: false,
        total_bytes: Some(file_len),
    };
    match compression {
        Compression::Zip => {
            let (member, name) = source::zip_member(file, path, Arc::clone(progress))?;
            opened.chunks = stream_chunks(member, options).map_err(io_error)?;
            opened.zip_member = Some(name);
        }
        Compression::Zstd => {
            let input: Box<dyn io::BufRead + Send> =
                match source::open_windows(file, file_len, options.map_window_size, options.memory_map) {
                    Ok(windows) => {
                        opened.memory_mapped = true;
                        Box::new(WindowReader::new(windows, Arc::clone(progress)))
                    }
                    Err(file) => Box::new(source::buffered(file, Arc::clone(progress))),
                };
            let decoder = source::zstd_decoder(input).map_err(io_error)?;
            opened.chunks = stream_chunks(decoder, options).map_err(io_error)?;
        }
        Compression::None => match source::open_windows(file, file_len, options.map_window_size, options.memory_map) {
            Ok(windows) => {
                opened.memory_mapped = true;
                opened.chunks = Box::new(MappedLines::new(windows, Arc::clone(progress)));
            }
            Err(file) => {
                let reader = source::CountingReader::new(file, Arc::clone(progress));
                opened.chunks = Box::new(StreamLines::new(Box::new(reader), options.chunk_size));
            }
        },
    }
    Ok(opened)
}

/// A non-seekable input (standard input, a pipe): plain text or zstd; zip needs a seekable file.
fn open_stream<R: Read + Send + 'static>(
    reader: R,
    path: &Path,
    options: &IngestOptions,
    progress: &Progress,
) -> Result<Opened, Error> {
    let io_error = |error: io::Error| Error::io(&error, path);
    let (compression, prefix, reader) =
        source::peek(source::CountingReader::new(reader, Arc::clone(progress))).map_err(io_error)?;
    refuse_unread_compression(&prefix, path)?;
    let chunks = match compression {
        Compression::Zip => {
            let reason = "a zip archive cannot be read from a pipe or standard input; pass its path".to_owned();
            return Err(Error::new(ErrorKind::Unsupported { reason }, path));
        }
        Compression::Zstd => {
            let decoder = source::zstd_decoder(io::BufReader::with_capacity(256 * 1024, reader)).map_err(io_error)?;
            stream_chunks(decoder, options).map_err(io_error)?
        }
        // Plain text from a pipe is read on the decoding thread too, overlapping the reads with the parse.
        Compression::None => stream_chunks(Box::new(reader), options).map_err(io_error)?,
    };
    Ok(Opened { chunks, compression, zip_member: None, memory_mapped: false, total_bytes: None })
}

/// Chunks of a decompressed stream, decoded on a separate thread when the options say so.
fn stream_chunks(reader: Box<dyn Read + Send>, options: &IngestOptions) -> io::Result<Box<dyn LineChunks>> {
    Ok(if options.threaded_decode {
        Box::new(ThreadedLines::spawn(reader, options.chunk_size)?)
    } else {
        Box::new(StreamLines::new(reader, options.chunk_size))
    })
}

fn empty_chunks() -> Box<dyn LineChunks> {
    Box::new(StreamLines::new(Box::new(io::empty()), 1))
}

impl TradeReader {
    /// Reads an input held in memory (any format, including zip), named `name` in errors.
    pub fn from_bytes(bytes: Vec<u8>, name: &Path, options: &IngestOptions) -> Result<TradeReader, Error> {
        let progress = Progress::default();
        let total_bytes = Some(bytes.len() as u64);
        let compression = source::sniff(&bytes);
        let cursor = io::Cursor::new(bytes);
        let mut opened = if compression == Compression::Zip {
            let (member, member_name) = source::zip_member(cursor, name, Arc::clone(&progress))?;
            let chunks = stream_chunks(member, options).map_err(|error| Error::io(&error, name))?;
            Opened { chunks, compression, zip_member: Some(member_name), memory_mapped: false, total_bytes }
        } else {
            open_stream(cursor, name, options, &progress)?
        };
        opened.total_bytes = total_bytes;
        TradeReader::start(name, opened, options, progress)
    }

    /// Reads a stream (plain or zstd text; zip needs [`open`] or [`TradeReader::from_bytes`]).
    pub fn from_reader<R: Read + Send + 'static>(
        reader: R,
        name: &Path,
        options: &IngestOptions,
    ) -> Result<TradeReader, Error> {
        let progress = Progress::default();
        let opened = open_stream(reader, name, options, &progress)?;
        TradeReader::start(name, opened, options, progress)
    }

    /// Reads the first line and detects the layout.
    fn start(path: &Path, opened: Opened, options: &IngestOptions, progress: Progress) -> Result<TradeReader, Error> {
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

    /// The path given to [`open`] (or the name given to the other constructors).
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

    /// Parses records into `batch` until it is full or the current chunk ends; `false` at end of input.
    fn read_records(&mut self, batch: &mut TradeBatch) -> Result<bool, Error> {
        let limit = self.batch_size;
        let order = &mut self.order;
        let outcome =
            parse_lines(self.chunks.chunk(), &mut self.position, &mut self.line, &self.format.layout, |trade, line| {
                self.records += 1;
                if order.admit(&trade, line)? {
                    push_trade(batch, &trade);
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
                chunks: std::mem::replace(&mut self.chunks, empty_chunks()),
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

    fn line_error(&self, error: LineError) -> Error {
        line_error(error, &self.path, &self.format.layout)
    }
}

/// Where a chunk could not be produced: the first line not yet delivered, and the compressed bytes read.
pub(crate) struct ChunkPlace<'a> {
    pub(crate) path: &'a Path,
    pub(crate) compression: Compression,
    pub(crate) line: u64,
    pub(crate) compressed_offset: u64,
}

/// The error for a chunk that could not be produced.
pub(crate) fn chunk_error(error: ChunkError, place: ChunkPlace<'_>) -> Error {
    let kind = match error {
        ChunkError::LineTooLong(limit) => ErrorKind::LineTooLong { limit },
        ChunkError::Io(error) if place.compression == Compression::None => ErrorKind::Io { message: error.to_string() },
        ChunkError::Io(error) => {
            // A corrupt frame has no line: name the place in the compressed file instead.
            let kind =
                ErrorKind::Decompress { message: error.to_string(), compressed_offset: Some(place.compressed_offset) };
            return Error::new(kind, place.path);
        }
    };
    Error::at_line(kind, place.path, place.line)
}

/// The error for a rejected line, naming its column by the layout.
pub(crate) fn line_error(error: LineError, path: &Path, layout: &Layout) -> Error {
    match error {
        LineError::Record { line, text, .. } if text.is_empty() => Error::at_line(ErrorKind::BlankLine, path, line),
        LineError::Record { error, line, text, terminated } => {
            let kind = if terminated { error.kind } else { ErrorKind::PartialLastLine { cause: Box::new(error.kind) } };
            let column = match error.field {
                Some(index) => layout.name(index).to_owned(),
                None => format!("field {}", layout.len() + 1),
            };
            Error::at_line(kind, path, line).with_field(&column, &text[error.span])
        }
        LineError::Order { violation, line } => order_error(violation, path, line, layout),
    }
}

fn order_error(violation: OrderViolation, path: &Path, line: u64, layout: &Layout) -> Error {
    let index = layout.columns().iter().position(|&c| c == violation.column).expect("layout has every trade column");
    Error::at_line(violation.kind, path, line).with_field(layout.name(index), violation.value.to_string().as_bytes())
}

/// Why a line was rejected, before the path is attached.
pub(crate) enum LineError {
    Record { error: Box<RecordError>, line: u64, text: Vec<u8>, terminated: bool },
    Order { violation: OrderViolation, line: u64 },
}

/// Appends one trade to the columns (inlined, unlike `TradeBatch::push` across crates).
#[inline(always)]
pub(crate) fn push_trade(batch: &mut TradeBatch, trade: &Trade) {
    batch.agg_trade_id.push(trade.agg_trade_id);
    batch.price.push(trade.price.0);
    batch.quantity.push(trade.quantity.0);
    batch.first_trade_id.push(trade.first_trade_id);
    batch.last_trade_id.push(trade.last_trade_id);
    batch.timestamp_us.push(trade.timestamp_us);
    batch.is_buyer_maker.push(trade.is_buyer_maker);
}

/// Splits the first line off `rest`: `(line without "\n" or "\r\n", bytes used, had a newline)`.
#[inline(always)]
fn split_line(rest: &[u8]) -> (&[u8], usize, bool) {
    let (line, used, terminated) = match memchr::memchr(b'\n', rest) {
        Some(newline) => (&rest[..newline], newline + 1, true),
        None => (rest, rest.len(), false),
    };
    (line.strip_suffix(b"\r").unwrap_or(line), used, terminated)
}

/// Parses the lines of `chunk` from `position`, handing each trade and its line number to `accept`,
/// until the chunk ends or `accept` returns `Ok(false)`.
#[inline(always)]
pub(crate) fn parse_lines(
    chunk: &[u8],
    position: &mut usize,
    line_number: &mut u64,
    layout: &Layout,
    mut accept: impl FnMut(Trade, u64) -> Result<bool, OrderViolation>,
) -> Result<(), Box<LineError>> {
    while let Some(rest) = chunk.get(*position..).filter(|rest| !rest.is_empty()) {
        *line_number += 1;
        let line_no = *line_number;
        let trade = match parse_line_start(rest, layout) {
            Some((trade, used)) => {
                *position += used;
                trade
            }
            None => {
                let (line, used, terminated) = split_line(rest);
                *position += used;
                parse_record(line, layout).map_err(|error| {
                    Box::new(LineError::Record { error, line: line_no, text: line.to_vec(), terminated })
                })?
            }
        };
        let more =
            accept(trade, line_no).map_err(|violation| Box::new(LineError::Order { violation, line: line_no }))?;
        if !more {
            break;
        }
    }
    Ok(())
}
