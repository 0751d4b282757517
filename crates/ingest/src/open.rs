//! Opening an input: the file, standard input, a pipe or bytes; compression sniffed from the first bytes;
//! memory maps or reads; a zip archive's one CSV member. The result goes to [`TradeReader`], which reads the
//! first line.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use crate::chunk::{self, LineChunks, MappedLines, StreamLines, ThreadedLines};
use crate::error::{Error, ErrorKind};
use crate::reader::{Opened, TradeReader};
use crate::source::{self, BytesRead, Compression, WindowReader};
use crate::{IngestOptions, STDIN_PATH};

/// Opens `path` (`-` for standard input) and detects its format from the first bytes and the first line.
pub fn open(path: &Path, options: &IngestOptions) -> Result<TradeReader, Error> {
    let progress = BytesRead::default();
    let opened = if path == Path::new(STDIN_PATH) {
        open_stream(io::stdin(), path, options, &progress)?
    } else {
        open_file(path, options, &progress)?
    };
    TradeReader::start(path, opened, options, progress)
}

/// Refuses compression formats that are not read, naming them.
fn refuse_unread_compression(prefix: &[u8], path: &Path) -> Result<(), Error> {
    match source::unread_compression(prefix) {
        Some(name) => {
            let reason = format!(
                "{name}-compressed input is not read; decompress it, or recompress it with zstd (.csv.zst) or gzip (.csv.gz)"
            );
            Err(Error::new(ErrorKind::Unsupported { reason }, path))
        }
        None => Ok(()),
    }
}

fn open_file(path: &Path, options: &IngestOptions, progress: &BytesRead) -> Result<Opened, Error> {
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
        chunks: chunk::empty(),
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
        Compression::Gzip => {
            let input =
                io::BufReader::with_capacity(256 * 1024, source::CountingReader::new(file, Arc::clone(progress)));
            opened.chunks = stream_chunks(source::gzip_decoder(input), options).map_err(io_error)?;
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

/// A non-seekable input (standard input, a pipe): plain text, zstd or gzip; zip needs a seekable file.
fn open_stream<R: Read + Send + 'static>(
    reader: R,
    path: &Path,
    options: &IngestOptions,
    progress: &BytesRead,
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
        Compression::Gzip => {
            let decoder = source::gzip_decoder(io::BufReader::with_capacity(256 * 1024, reader));
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

impl TradeReader {
    /// Reads an input held in memory (any format, including zip), named `name` in errors.
    pub fn from_bytes(bytes: Vec<u8>, name: &Path, options: &IngestOptions) -> Result<TradeReader, Error> {
        let progress = BytesRead::default();
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
        let progress = BytesRead::default();
        let opened = open_stream(reader, name, options, &progress)?;
        TradeReader::start(name, opened, options, progress)
    }
}
