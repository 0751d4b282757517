//! The line loop: lines of a chunk to trades ([`parse_lines`]), and the errors for a rejected line or a chunk
//! that could not be produced, with the path and column attached. Used by the reader and by the parallel
//! producer alike.

use std::path::Path;

use barsmith_core::Trade;

use crate::chunk::{ChunkError, LineChunks};
use crate::error::{Error, ErrorKind};
use crate::layout::{Layout, Standard};
use crate::order::OrderViolation;
use crate::record::{parse_line_start, parse_record};
use crate::reference::RecordError;
use crate::shaped::{Shape, parse_shaped};
use crate::source::Compression;

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

/// A rejected line of a zip member or a gzip stream may be the first sign of damage: deflate can decode damaged bytes
/// into other text. The rest of the member is then read, and a failed CRC-32 or size check (or deflate error)
/// is reported instead of `rejected`, as the archive fault it is ("fetch it again"). Other sources, and errors
/// that name no line, are returned as they are.
pub(crate) fn archive_fault_behind(rejected: Error, chunks: &mut dyn LineChunks, place: ChunkPlace<'_>) -> Error {
    let deflated = matches!(place.compression, Compression::Zip | Compression::Gzip);
    if !deflated || rejected.line().is_none() {
        return rejected;
    }
    loop {
        match chunks.advance() {
            Ok(true) => {}
            Ok(false) => return rejected,
            Err(error) => return chunk_error(error, place),
        }
    }
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

pub(crate) fn order_error(violation: OrderViolation, path: &Path, line: u64, layout: &Layout) -> Error {
    let index = layout.columns().iter().position(|&c| c == violation.column).expect("layout has every trade column");
    Error::at_line(violation.kind, path, line).with_field(layout.name(index), violation.value.to_string().as_bytes())
}

/// Why a line was rejected, before the path is attached.
pub(crate) enum LineError {
    Record { error: Box<RecordError>, line: u64, text: Vec<u8>, terminated: bool },
    Order { violation: OrderViolation, line: u64 },
}

/// Splits the first line off `rest`: `(line without "\n" or "\r\n", bytes used, had a newline)`.
#[inline(always)]
pub(crate) fn split_line(rest: &[u8]) -> (&[u8], usize, bool) {
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
    let standard = layout.standard();
    let mut shape = None;
    while let Some(rest) = chunk.get(*position..).filter(|rest| !rest.is_empty()) {
        *line_number += 1;
        let line_no = *line_number;
        let shaped = match (standard, &shape) {
            (Some(Standard::Spot), Some(shape)) => parse_shaped::<true>(shape, chunk, *position),
            (Some(Standard::Futures), Some(shape)) => parse_shaped::<false>(shape, chunk, *position),
            _ => None,
        };
        let trade = match shaped {
            Some((trade, used)) => {
                *position += used;
                trade
            }
            None => match parse_line_start(rest, layout) {
                Some((trade, used)) => {
                    *position += used;
                    if standard.is_some() {
                        shape = Shape::learn(&rest[..used]);
                    }
                    trade
                }
                None => {
                    let (line, used, terminated) = split_line(rest);
                    *position += used;
                    parse_record(line, layout).map_err(|error| {
                        Box::new(LineError::Record { error, line: line_no, text: line.to_vec(), terminated })
                    })?
                }
            },
        };
        let more =
            accept(trade, line_no).map_err(|violation| Box::new(LineError::Order { violation, line: line_no }))?;
        if !more {
            break;
        }
    }
    Ok(())
}
