//! `barsmith-ingest`: Binance aggTrades files to struct-of-arrays [`TradeBatch`]es, fast and strict.
//!
//! * Inputs: plain `.csv` and `.csv.zst` files (plain reads, or bounded memory maps when opted into with `IngestOptions::memory_map`), Binance Vision `.zip`
//!   archives holding one CSV, and standard input (`-`, plain or zstd). The compression is sniffed from
//!   the first bytes, not the file name.
//! * Formats: header or none; 7 (USD-M futures) or 8 (spot) columns; the header names of Binance and the
//!   short `a,p,q,f,l,T,m` form; `True/true/False/false`; millisecond or microsecond timestamps.
//! * Inputs ([`inputs`]): Binance file names (`SYMBOL-aggTrades-YYYY-MM[-DD].zip`, [`Period`]) and the expansion
//!   of files, directories and glob patterns (cargo feature `glob`) into per-symbol streams in date order.
//! * Progress ([`progress`]): the one observer of long runs over trade files, and [`NoProgress`].
//! * Errors: every malformed record is an [`Error`] with path, 1-based line, column and offending text.
//!   Records must come in order (agg_trade_id strictly increasing, timestamps never decreasing) unless
//!   [`IngestOptions::sort`] is set; [`IngestOptions::dedupe`] drops exact duplicates.
//!
//! ```no_run
//! use barsmith_ingest::{IngestOptions, MultiFileReader};
//! # fn main() -> Result<(), barsmith_ingest::Error> {
//! let mut reader = MultiFileReader::new(&["BTCUSDT-aggTrades-2026-01.zip".into()], &IngestOptions::default())?;
//! let mut batch = barsmith_core::TradeBatch::new();
//! while reader.next_batch(&mut batch)? {
//!     // feed `batch` to the builder
//! }
//! println!("{} gaps between files", reader.gaps().count);
//! # Ok(()) }
//! ```
//!
//! See `docs/INGEST.md` for the formats, the error classes, and the memory-map safety story.
#![deny(unsafe_code)]

mod chunk;
mod error;
pub mod inputs;
mod layout;
mod lines;
mod multi;
mod number;
mod open;
mod order;
mod parallel;
pub mod progress;
mod reader;
pub mod record;
pub mod reference;
mod shaped;
mod source;

pub use error::{EXCERPT_LIMIT, Error, ErrorKind, RecordRef, excerpt};
pub use inputs::{BinanceName, Period, parse_binance_name};
pub use layout::{Column, Layout};
pub use multi::{IdGap, IdGaps, MultiFileReader};
pub use open::open;
pub use progress::{NoProgress, Progress};
pub use reader::{DetectedFormat, TimestampUnit, TradeReader};
pub use reference::RecordError;
pub use source::Compression;

/// The path that stands for standard input.
pub const STDIN_PATH: &str = "-";

/// How to read inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestOptions {
    /// Sort each file by (timestamp, agg_trade_id) before checking the order (stable; holds the whole
    /// file's trades in memory, about 61 bytes per trade).
    pub sort: bool,
    /// Drop a record identical to the one before it (after sorting, when sorting); the same
    /// agg_trade_id with different content stays an error.
    pub dedupe: bool,
    /// Check the record order (the default; see above). Off, records are handed over as the file holds
    /// them, for tools that report order problems themselves (`barsmith check`); `dedupe` then drops nothing.
    pub check_order: bool,
    /// Most trades per batch.
    pub batch_size: usize,
    /// Decompress (zstd, zip) on a separate thread, parsing on the caller's.
    pub threaded_decode: bool,
    /// Read regular files through memory maps (falls back to reads when mapping fails). Off by default:
    /// a map is faster, but if another process truncates a mapped file while it is read the process gets
    /// `SIGBUS` (see the note on safety in the crate docs). Turn it on when the inputs are yours and not
    /// being rewritten, as the `barsmith` command does unless given `--no-mmap`.
    pub memory_map: bool,
    /// Size of the decompressed-text buffers in bytes; also the longest line accepted from a stream.
    pub chunk_size: usize,
    /// Largest memory-mapped window of a file in bytes (rounded up to 64 KiB); bounds resident memory.
    pub map_window_size: usize,
    /// Threads that parse one input in parallel (1 = parse on the caller's thread). Above 1, a producer
    /// thread cuts the text at line ends into pieces, parses them on a rayon pool of this many threads and
    /// hands the trades out in input order; trades, line numbers and errors are those of the sequential
    /// reader. Not used with `sort`, which reads each file whole anyway.
    pub parse_threads: usize,
    /// Largest piece of text (bytes, cut at the next line end) parsed as one task when `parse_threads > 1`.
    /// About `(4 × parse_threads + 2)` pieces are in flight at once, which bounds the extra memory.
    pub parse_piece_size: usize,
}

impl Default for IngestOptions {
    fn default() -> IngestOptions {
        IngestOptions {
            sort: false,
            dedupe: false,
            check_order: true,
            batch_size: 64 * 1024,
            threaded_decode: true,
            memory_map: false,
            chunk_size: 1024 * 1024,
            map_window_size: 32 * 1024 * 1024,
            parse_threads: 1,
            parse_piece_size: 1024 * 1024,
        }
    }
}
