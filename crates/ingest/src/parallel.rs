//! One input parsed on several threads ([`crate::IngestOptions::parse_threads`]).
//!
//! A producer thread takes over the reader's line-aligned chunks (mapped windows of a plain file, or the
//! decoded buffers of a `.csv.zst` / `.zip`), cuts each at line ends into pieces of at most
//! `parse_piece_size` bytes, and parses groups of pieces on a rayon pool. It then settles the pieces in input
//! order. A piece that parsed cleanly on its own (every record valid, and in order relative to the piece's
//! first record) is taken as it is when its first record follows the last record before it under the real
//! order check; any other piece (a bad record, disorder inside it or at its edge, a duplicate dropped at its
//! edge) is parsed again sequentially with the real order state. Trades, line numbers and errors are therefore
//! exactly those of the sequential reader; only batch boundaries differ.
//!
//! Memory: at most `2 × threads` settled pieces wait in the queue, `2 × threads` more are being parsed, and
//! one is being handed out, so about `(4 × threads + 2) × parse_piece_size` bytes of text become trade columns
//! at any time (49 bytes per trade, i.e. about 0.6 × the text for Binance lines), on top of the source's own
//! bound (one mapped window, or four decoded buffers). The reader gives emptied batches back and pieces are
//! parsed into them, so the columns' memory is reused rather than faulted in afresh for every piece; at most
//! `4 × threads + 2` emptied batches wait, which at most doubles the bound above.

use std::io;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::{self, JoinHandle};

use barsmith_core::{Trade, TradeBatch};
use rayon::prelude::*;

use crate::chunk::LineChunks;
use crate::error::Error;
use crate::layout::Layout;
use crate::lines::{ChunkPlace, archive_fault_behind, chunk_error, line_error, parse_lines};
use crate::order::{LastRecord, OrderCheck};
use crate::source::BytesRead;
use crate::source::Compression;

/// What the producer takes over from the reader: the chunk source at the first unread line, and the
/// order check as it stands.
pub(crate) struct ParseState {
    pub(crate) chunks: Box<dyn LineChunks>,
    pub(crate) position: usize,
    pub(crate) line: u64,
    pub(crate) order: OrderCheck,
    pub(crate) path: PathBuf,
    pub(crate) compression: Compression,
    pub(crate) layout: Layout,
    /// Compressed bytes read so far (named by a decompression error).
    pub(crate) progress: BytesRead,
}

/// How to split the work.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParallelSettings {
    /// Parsing threads (the rayon pool's size).
    pub(crate) threads: usize,
    /// Largest piece of text parsed as one task.
    pub(crate) piece_size: usize,
}

/// The trades of one piece, settled in order.
struct Parsed {
    batch: TradeBatch,
    records: u64,
}

/// The order state and line count the producer ends with, handed back to the reader.
pub(crate) struct Finished {
    pub(crate) order: OrderCheck,
    pub(crate) line: u64,
}

/// The reader's side: settled batches in input order.
pub(crate) struct ParallelBatches {
    receiver: Receiver<Result<Parsed, Error>>,
    /// Emptied batches going back to the producer, whose pieces are parsed into them: fresh columns for
    /// every piece cost a page fault per 4 KiB (26 k faults instead of 5 k on a 260 MB file).
    recycle: SyncSender<TradeBatch>,
    producer: Option<JoinHandle<Finished>>,
    current: TradeBatch,
    handed: usize,
}

impl std::fmt::Debug for ParallelBatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParallelBatches").field("handed", &self.handed).finish_non_exhaustive()
    }
}

impl ParallelBatches {
    /// Starts the pool and the producer thread.
    pub(crate) fn spawn(state: ParseState, settings: ParallelSettings) -> io::Result<ParallelBatches> {
        let threads = settings.threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|index| format!("barsmith-parse-{index}"))
            .build()
            .map_err(io::Error::other)?;
        let (sender, receiver) = mpsc::sync_channel(2 * threads);
        // Room for every batch that can be in flight, so that giving one back never blocks.
        let (recycle, recycled) = mpsc::sync_channel(4 * threads + 2);
        let producer =
            Producer { state, pool, piece_size: settings.piece_size.max(1), group: 2 * threads, sender, recycled };
        let handle = thread::Builder::new().name("barsmith-parse".to_owned()).spawn(move || producer.run())?;
        Ok(ParallelBatches { receiver, recycle, producer: Some(handle), current: TradeBatch::new(), handed: 0 })
    }

    /// Fills the empty `batch` with at most `limit` trades: `Ok(Some(records))` with the records newly
    /// received (before `dedupe`), `Ok(None)` at the end of the input.
    pub(crate) fn next_batch(&mut self, batch: &mut TradeBatch, limit: usize) -> Result<Option<u64>, Error> {
        let mut records = 0;
        while self.handed >= self.current.len() {
            match self.receiver.recv() {
                Ok(parsed) => {
                    let parsed = parsed?;
                    records += parsed.records;
                    let mut emptied = std::mem::replace(&mut self.current, parsed.batch);
                    self.handed = 0;
                    emptied.clear();
                    // A full queue or a finished producer only means this one is freed instead.
                    let _ = self.recycle.try_send(emptied);
                }
                Err(mpsc::RecvError) => return Ok(None),
            }
        }
        let end = self.current.len().min(self.handed + limit);
        if self.handed == 0 && end == self.current.len() {
            std::mem::swap(batch, &mut self.current);
            self.current.clear();
        } else {
            batch.extend_from(&self.current, self.handed..end);
            self.handed = end;
        }
        Ok(Some(records))
    }

    /// The producer's final state, once [`ParallelBatches::next_batch`] has returned `Ok(None)`.
    pub(crate) fn finish(mut self) -> Finished {
        let handle = self.producer.take().expect("the producer is joined once");
        match handle.join() {
            Ok(finished) => finished,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// Why the producer stopped early.
enum Stop {
    /// An error, to be sent to the reader.
    Error(Error),
    /// The reader went away.
    Hangup,
}

struct Producer {
    state: ParseState,
    pool: rayon::ThreadPool,
    piece_size: usize,
    /// Pieces parsed together before they are settled.
    group: usize,
    sender: SyncSender<Result<Parsed, Error>>,
    /// Emptied batches from the reader, reused for the next pieces.
    recycled: Receiver<TradeBatch>,
}

impl Producer {
    fn run(mut self) -> Finished {
        if let Err(Stop::Error(error)) = self.produce() {
            let state = &mut self.state;
            let place = ChunkPlace {
                path: &state.path,
                compression: state.compression,
                line: state.line + 1,
                compressed_offset: state.progress.load(std::sync::atomic::Ordering::Relaxed),
            };
            let error = archive_fault_behind(error, state.chunks.as_mut(), place);
            let _ = self.sender.send(Err(error));
        }
        Finished { order: self.state.order, line: self.state.line }
    }

    fn produce(&mut self) -> Result<(), Stop> {
        loop {
            let state = &mut self.state;
            if state.position >= state.chunks.chunk().len() {
                let more = state.chunks.advance().map_err(|error| {
                    let place = ChunkPlace {
                        path: &state.path,
                        compression: state.compression,
                        line: state.line + 1,
                        compressed_offset: state.progress.load(std::sync::atomic::Ordering::Relaxed),
                    };
                    Stop::Error(chunk_error(error, place))
                })?;
                if !more {
                    return Ok(());
                }
                state.position = 0;
                continue;
            }
            self.parse_rest_of_chunk()?;
        }
    }

    /// Parses the current chunk from the current position to its end, sending each piece's trades.
    fn parse_rest_of_chunk(&mut self) -> Result<(), Stop> {
        let ParseState { chunks, position, line, order, path, layout, .. } = &mut self.state;
        let text = &chunks.chunk()[*position..];
        let piece_size = self.piece_size.min(text.len().div_ceil(self.group)).max(1);
        let pieces = split_pieces(text, piece_size);
        let checks = (order.dedupe(), order.strict());
        for group in pieces.chunks(self.group) {
            let batches: Vec<TradeBatch> = group.iter().map(|_| self.recycled.try_recv().unwrap_or_default()).collect();
            let parsed: Vec<Piece> = self.pool.install(|| {
                group.par_iter().zip(batches).map(|(piece, batch)| parse_piece(piece, batch, layout, checks)).collect()
            });
            for (text, piece) in group.iter().zip(parsed) {
                let settled = settle(text, piece, order, line, layout)
                    .map_err(|error| Stop::Error(line_error(*error, path, layout)));
                self.sender.send(Ok(settled?)).map_err(|_| Stop::Hangup)?;
            }
        }
        *position += text.len();
        Ok(())
    }
}

/// Cuts `text` after line ends into pieces of about `piece_size` bytes (a piece ends at the first `\n` at or
/// after `piece_size` bytes; the last piece runs to the end of `text`).
pub(crate) fn split_pieces(text: &[u8], piece_size: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(text.len() / piece_size + 1);
    let mut start = 0;
    while start < text.len() {
        let target = start + piece_size;
        let end = match text.get(target - 1..).and_then(|rest| memchr::memchr(b'\n', rest)) {
            Some(newline) => target + newline,
            None => text.len(),
        };
        pieces.push(&text[start..end]);
        start = end;
    }
    pieces
}

/// A piece parsed on its own: `Some` when every record is valid and in order after the piece's first record,
/// `None` for anything else (settled by parsing again in sequence).
type Piece = Option<CleanPiece>;

struct CleanPiece {
    batch: TradeBatch,
    /// Lines (all records) in the piece.
    lines: u64,
    first: Trade,
    /// The last record kept and its line, counted from the piece's start.
    last: Trade,
    last_line: u64,
}

/// Parses `text` into `batch` (empty, possibly with room from an earlier piece).
fn parse_piece(text: &[u8], mut batch: TradeBatch, layout: &Layout, (dedupe, strict): (bool, bool)) -> Piece {
    // Binance lines are 60-90 bytes; the estimate only saves regrowing the columns.
    batch.reserve(text.len() / 56 + 1);
    let mut order = OrderCheck::new(dedupe, strict);
    let (mut position, mut lines) = (0, 0);
    let outcome = parse_lines(text, &mut position, &mut lines, layout, |trade, line| {
        if order.admit(&trade, line)? {
            batch.push(&trade);
        }
        Ok(true)
    });
    match (outcome, batch.get(0), order.last()) {
        (Ok(()), Some(first), Some(last)) => {
            Some(CleanPiece { first, last: last.trade, last_line: last.line, lines, batch })
        }
        _ => None,
    }
}

/// Takes a clean piece whose first record follows the last one before it; parses any other piece again
/// with the real order state, exactly as the sequential reader does.
fn settle(
    text: &[u8],
    piece: Piece,
    order: &mut OrderCheck,
    line: &mut u64,
    layout: &Layout,
) -> Result<Parsed, Box<crate::lines::LineError>> {
    if let Some(clean) = piece
        && matches!(order.admit(&clean.first, *line + 1), Ok(true))
    {
        order.continue_after(Some(LastRecord { trade: clean.last, line: *line + clean.last_line, path: None }));
        *line += clean.lines;
        return Ok(Parsed { batch: clean.batch, records: clean.lines });
    }
    let mut batch = TradeBatch::with_capacity(text.len() / 56 + 1);
    let mut records = 0;
    let mut position = 0;
    parse_lines(text, &mut position, line, layout, |trade, line| {
        records += 1;
        if order.admit(&trade, line)? {
            batch.push(&trade);
        }
        Ok(true)
    })?;
    Ok(Parsed { batch, records })
}
