//! Chunks of whole lines: the unit the parser works on.
//!
//! Every chunk ends just after a `\n`, except the last chunk of an input, which runs to the end of the
//! input (so a missing final newline is seen, and a partial last record is reported as such). Three
//! sources produce them: mapped windows of a plain file (no copy), a decompressing or plain stream read
//! into one reused buffer, and the same stream decoded on its own thread into a small pool of buffers.

use std::io::{self, Read};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::{self, JoinHandle};

use crate::source::{BytesRead, FileWindows};

/// Why the next chunk could not be produced.
#[derive(Debug)]
pub(crate) enum ChunkError {
    /// Reading or decoding failed.
    Io(io::Error),
    /// No newline within this many bytes.
    LineTooLong(usize),
}

/// A source of line-aligned chunks.
pub(crate) trait LineChunks: Send {
    /// Makes the next chunk current; `false` at the end of the input.
    fn advance(&mut self) -> Result<bool, ChunkError>;
    /// The current chunk (empty before the first `advance`).
    fn chunk(&self) -> &[u8];
}

/// Plain text read straight from mapped windows of the file.
pub(crate) struct MappedLines {
    windows: FileWindows,
    /// File offset of the current chunk.
    start: u64,
    len: usize,
    progress: BytesRead,
}

impl MappedLines {
    pub(crate) fn new(windows: FileWindows, progress: BytesRead) -> MappedLines {
        MappedLines { windows, start: 0, len: 0, progress }
    }
}

impl LineChunks for MappedLines {
    fn advance(&mut self) -> Result<bool, ChunkError> {
        let next = self.start + self.len as u64;
        if next >= self.windows.file_len() {
            return Ok(false);
        }
        let longest_line = self.windows.longest_line();
        self.windows.map_window_at(next).map_err(ChunkError::Io)?;
        let reaches_end = self.windows.window_reaches_end();
        let data = self.windows.mapped_bytes_from(next).unwrap_or(&[]);
        let end = if reaches_end {
            data.len()
        } else {
            memchr::memrchr(b'\n', data).ok_or(ChunkError::LineTooLong(longest_line))? + 1
        };
        self.start = next;
        self.len = end;
        self.progress.store(next + end as u64, Ordering::Relaxed);
        Ok(true)
    }

    fn chunk(&self) -> &[u8] {
        match self.windows.mapped_bytes_from(self.start) {
            Some(bytes) => &bytes[..self.len],
            None => &[],
        }
    }
}

/// Fills `buf[from..]` from `reader` until it is full or the input ends: `(bytes now in buf, at end)`.
fn fill(reader: &mut dyn Read, buf: &mut [u8], mut filled: usize) -> io::Result<(usize, bool)> {
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => return Ok((filled, true)),
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok((filled, false))
}

/// Where the last complete line of `buf` ends, or [`ChunkError::LineTooLong`].
fn complete_lines(buf: &[u8]) -> Result<usize, ChunkError> {
    memchr::memrchr(b'\n', buf).map(|newline| newline + 1).ok_or(ChunkError::LineTooLong(buf.len()))
}

/// A stream read into one reused buffer on the caller's thread.
pub(crate) struct StreamLines {
    reader: Box<dyn Read + Send>,
    buf: Vec<u8>,
    complete: usize,
    filled: usize,
    last: bool,
}

impl StreamLines {
    pub(crate) fn new(reader: Box<dyn Read + Send>, chunk_size: usize) -> StreamLines {
        StreamLines { reader, buf: vec![0; chunk_size.max(1)], complete: 0, filled: 0, last: false }
    }
}

impl LineChunks for StreamLines {
    fn advance(&mut self) -> Result<bool, ChunkError> {
        if self.last {
            self.complete = 0;
            return Ok(false);
        }
        self.buf.copy_within(self.complete..self.filled, 0);
        let carried = self.filled - self.complete;
        let (filled, at_end) = fill(&mut *self.reader, &mut self.buf, carried).map_err(ChunkError::Io)?;
        self.filled = filled;
        if at_end {
            self.last = true;
            self.complete = filled;
            return Ok(filled > 0);
        }
        self.complete = complete_lines(&self.buf[..filled])?;
        Ok(true)
    }

    fn chunk(&self) -> &[u8] {
        &self.buf[..self.complete]
    }
}

/// A filled buffer sent from the decoding thread: `data[..len]` is the chunk.
struct OwnedChunk {
    data: Vec<u8>,
    len: usize,
    last: bool,
}

/// Chunks queued between the decoding thread and the parser; with one being filled and one being parsed,
/// at most `QUEUED_CHUNKS + 2` buffers exist.
const QUEUED_CHUNKS: usize = 2;

/// A stream decoded on its own thread; buffers go back to it for reuse.
pub(crate) struct ThreadedLines {
    chunks: Receiver<Result<OwnedChunk, ChunkError>>,
    spare: Sender<Vec<u8>>,
    current: Option<OwnedChunk>,
    finished: bool,
    decoder: Option<JoinHandle<()>>,
}

impl ThreadedLines {
    pub(crate) fn spawn(reader: Box<dyn Read + Send>, chunk_size: usize) -> io::Result<ThreadedLines> {
        let (chunk_sender, chunks) = mpsc::sync_channel(QUEUED_CHUNKS);
        let (spare, spare_receiver) = mpsc::channel();
        let chunk_size = chunk_size.max(1);
        let decoder = thread::Builder::new()
            .name("barsmith-decode".to_owned())
            .spawn(move || decode(reader, chunk_size, &chunk_sender, &spare_receiver))?;
        Ok(ThreadedLines { chunks, spare, current: None, finished: false, decoder: Some(decoder) })
    }
}

/// The decoding thread: fills buffers with whole lines and sends them until the end, an error, or the
/// parser hanging up.
fn decode(
    mut reader: Box<dyn Read + Send>,
    chunk_size: usize,
    chunks: &SyncSender<Result<OwnedChunk, ChunkError>>,
    spare: &Receiver<Vec<u8>>,
) {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let mut data = spare.try_recv().unwrap_or_else(|_| vec![0; chunk_size]);
        data[..carry.len()].copy_from_slice(&carry);
        let outcome =
            fill(&mut *reader, &mut data, carry.len()).map_err(ChunkError::Io).and_then(|(filled, at_end)| {
                let len = if at_end { filled } else { complete_lines(&data[..filled])? };
                carry.clear();
                carry.extend_from_slice(&data[len..filled]);
                Ok((len, at_end))
            });
        let stop = !matches!(outcome, Ok((_, false)));
        let message = outcome.map(|(len, last)| OwnedChunk { data, len, last });
        if chunks.send(message).is_err() || stop {
            return;
        }
    }
}

impl LineChunks for ThreadedLines {
    fn advance(&mut self) -> Result<bool, ChunkError> {
        if let Some(done) = self.current.take() {
            // The decoder may have finished already; then the buffer is simply dropped.
            let _ = self.spare.send(done.data);
        }
        if self.finished {
            return Ok(false);
        }
        let chunk = match self.chunks.recv() {
            Ok(message) => message?,
            Err(mpsc::RecvError) => {
                return Err(ChunkError::Io(io::Error::other("the decoding thread stopped unexpectedly")));
            }
        };
        self.finished = chunk.last;
        if chunk.last
            && let Some(decoder) = self.decoder.take()
        {
            // The thread returns right after sending its last chunk.
            let _ = decoder.join();
        }
        let has_bytes = chunk.len > 0;
        self.current = Some(chunk);
        Ok(has_bytes)
    }

    fn chunk(&self) -> &[u8] {
        self.current.as_ref().map_or(&[], |chunk| &chunk.data[..chunk.len])
    }
}

/// A source with no chunk: what a reader holds once it has handed its chunks to another owner.
pub(crate) fn empty() -> Box<dyn LineChunks> {
    Box::new(StreamLines::new(Box::new(io::empty()), 1))
}
