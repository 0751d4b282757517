//! Where the bytes come from: files mapped window by window, zstd streams, zip members, standard input.
//!
//! The format is sniffed from the first bytes (zstd and zip magic numbers), never from the file name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::Mmap;

use crate::error::{Error, ErrorKind};

/// zstd frame magic number, little-endian.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// Zip local file header and (for an empty archive) end-of-central-directory signatures.
const ZIP_MAGICS: [[u8; 4]; 2] = [*b"PK\x03\x04", *b"PK\x05\x06"];
/// Window offsets are multiples of this, which is a multiple of every common page size.
const WINDOW_ALIGN: u64 = 64 * 1024;
/// Largest zstd window accepted (2 GiB, the `--long=31` maximum); the decoder allocates the window
/// the frame declares, at most 8 MiB for the default levels 1-19.
const ZSTD_WINDOW_LOG_MAX: u32 = 31;

/// The compression of an input, as sniffed from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain CSV text.
    None,
    /// A zstd stream (one or more frames).
    Zstd,
    /// A zip archive holding one CSV member.
    Zip,
    /// A gzip stream (one or more members, as `cat a.gz b.gz` or `gzip` of a CSV gives).
    Gzip,
}

/// Shared progress counter: bytes of the input file (compressed bytes for compressed input) consumed.
pub(crate) type BytesRead = Arc<AtomicU64>;

/// Maps `len` bytes of `file` from `offset` (a multiple of [`WINDOW_ALIGN`]) read-only.
///
/// This is the crate's one `unsafe` call. Mapping a file is unsafe because the bytes of the map can change
/// under us if another process writes to or truncates the file while it is mapped:
/// * a write shows through as changed bytes; every byte still goes through the strict parser, so the
///   outcome is a parse error or trades from the new bytes, never an out-of-bounds access by this crate;
/// * a truncation makes touching a page past the new end raise `SIGBUS`, which kills the process (the
///   driver's atomic output leaves no partial result, though its temporary file may remain). Before
///   mapping each window [`FileWindows`] checks that the length has not changed and reports
///   [`ErrorKind::Io`] when it has, which narrows the race to the lifetime of one window.
///
/// Input files are read-only by convention while `barsmith` runs; `--no-mmap` avoids the risk entirely.
#[allow(unsafe_code)]
fn map_window(file: &File, offset: u64, len: usize) -> io::Result<Mmap> {
    // SAFETY: the map is read-only and only ever read as `&[u8]` inside this crate; the consequences of
    // concurrent modification are documented above (changed bytes, or SIGBUS on truncation), and
    // `FileWindows::map_next` re-checks the file length before each window.
    unsafe { memmap2::MmapOptions::new().offset(offset).len(len).map(file) }
}

/// A file read through a sequence of read-only memory maps of bounded size, so resident memory stays
/// at one window however large the file.
pub(crate) struct FileWindows {
    file: File,
    file_len: u64,
    window_size: usize,
    map: Option<Mmap>,
    /// File offset of the first byte of `map`.
    map_offset: u64,
}

impl FileWindows {
    /// Maps the first window of `file`, or returns the mapping error (the caller falls back to reads).
    pub(crate) fn new(file: File, file_len: u64, window_size: usize) -> io::Result<FileWindows> {
        // At least two alignment units, so a window mapped at any offset holds a whole unit past it.
        let window_size = (window_size as u64).max(2 * WINDOW_ALIGN).next_multiple_of(WINDOW_ALIGN) as usize;
        let mut windows = FileWindows { file, file_len, window_size, map: None, map_offset: 0 };
        windows.map_at(0)?;
        Ok(windows)
    }

    pub(crate) fn file_len(&self) -> u64 {
        self.file_len
    }

    /// The bytes of the file from `offset` to the end of the window holding it, mapping a new window
    /// when `offset` is outside the current one. Empty at the end of the file.
    pub(crate) fn bytes_from(&mut self, offset: u64) -> io::Result<&[u8]> {
        let inside = offset >= self.map_offset && offset < self.map_offset + self.mapped_len() as u64;
        if !inside && offset < self.file_len {
            self.map_at(offset)?;
        }
        if offset >= self.file_len {
            return Ok(&[]);
        }
        let map = self.map.as_deref().unwrap_or(&[]);
        Ok(&map[(offset - self.map_offset) as usize..])
    }

    /// Maps a fresh window holding `offset` unless the current window already runs from there to the end
    /// of the file: afterwards at least `window_size - 64 KiB` bytes (or the rest of the file) follow it.
    pub(crate) fn map_window_at(&mut self, offset: u64) -> io::Result<()> {
        let inside = offset >= self.map_offset && offset < self.map_offset + self.mapped_len() as u64;
        if inside && self.window_reaches_end() { Ok(()) } else { self.map_at(offset) }
    }

    /// The longest line a fresh window is sure to hold.
    pub(crate) fn longest_line(&self) -> usize {
        self.window_size - WINDOW_ALIGN as usize
    }

    /// The mapped bytes from file `offset` to the end of the current window, without mapping anything.
    pub(crate) fn mapped_bytes_from(&self, offset: u64) -> Option<&[u8]> {
        let map = self.map.as_deref()?;
        let start = usize::try_from(offset.checked_sub(self.map_offset)?).ok()?;
        map.get(start..)
    }

    /// `true` when the current window reaches the end of the file.
    pub(crate) fn window_reaches_end(&self) -> bool {
        self.map_offset + self.mapped_len() as u64 >= self.file_len
    }

    fn mapped_len(&self) -> usize {
        self.map.as_ref().map_or(0, |map| map.len())
    }

    fn map_at(&mut self, offset: u64) -> io::Result<()> {
        self.map = None; // unmap first: resident memory never holds two windows
        let current_len = self.file.metadata()?.len();
        if current_len != self.file_len {
            return Err(io::Error::other(format!(
                "file changed size while being read ({} bytes, now {current_len})",
                self.file_len
            )));
        }
        let aligned = offset - offset % WINDOW_ALIGN;
        let len = (self.file_len - aligned).min(self.window_size as u64) as usize;
        if len > 0 {
            self.map = Some(map_window(&self.file, aligned, len)?);
        }
        self.map_offset = aligned;
        Ok(())
    }
}

/// A [`BufRead`] over [`FileWindows`], for the zstd decoder.
pub(crate) struct WindowReader {
    windows: FileWindows,
    offset: u64,
    progress: BytesRead,
}

impl WindowReader {
    pub(crate) fn new(windows: FileWindows, progress: BytesRead) -> WindowReader {
        WindowReader { windows, offset: 0, progress }
    }
}

impl Read for WindowReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for WindowReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.windows.bytes_from(self.offset)
    }

    fn consume(&mut self, amount: usize) {
        self.offset += amount as u64;
        self.progress.store(self.offset, Ordering::Relaxed);
    }
}

/// Counts the bytes read through it into a [`BytesRead`].
pub(crate) struct CountingReader<R> {
    inner: R,
    count: u64,
    progress: BytesRead,
}

impl<R: Read> CountingReader<R> {
    pub(crate) fn new(inner: R, progress: BytesRead) -> CountingReader<R> {
        CountingReader { inner, count: 0, progress }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        self.progress.store(self.count, Ordering::Relaxed);
        Ok(n)
    }
}

/// Sniffs the compression from the first bytes of an input.
pub(crate) fn sniff(prefix: &[u8]) -> Compression {
    if prefix.starts_with(&ZSTD_MAGIC) {
        Compression::Zstd
    } else if ZIP_MAGICS.iter().any(|magic| prefix.starts_with(magic)) {
        Compression::Zip
    } else if prefix.starts_with(&GZIP_MAGIC) {
        Compression::Gzip
    } else {
        Compression::None
    }
}

/// The first bytes of a gzip stream (RFC 1952: ID1, ID2).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A gzip decoder over `input` (any number of concatenated members; a damaged stream or a CRC-32 that does not
/// match is an error of the read, never data).
pub(crate) fn gzip_decoder<R: BufRead + Send + 'static>(input: R) -> Box<dyn Read + Send> {
    Box::new(flate2::bufread::MultiGzDecoder::new(input))
}

/// A zstd decoder over `input` (any number of concatenated frames).
pub(crate) fn zstd_decoder<R: BufRead + Send + 'static>(input: R) -> io::Result<Box<dyn Read + Send>> {
    let mut decoder = zstd::stream::read::Decoder::with_buffer(input)?;
    decoder.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
    Ok(Box::new(decoder))
}

/// A reader whose first bytes were read for sniffing, replaying them.
pub(crate) type Replayed<R> = io::Chain<Cursor<Vec<u8>>, R>;

/// Reads the first bytes of `reader` for sniffing, and gives back those bytes and a reader that replays them.
pub(crate) fn peek<R: Read>(mut reader: R) -> io::Result<(Compression, Vec<u8>, Replayed<R>)> {
    let mut prefix = Vec::with_capacity(6);
    (&mut reader).take(6).read_to_end(&mut prefix)?;
    Ok((sniff(&prefix), prefix.clone(), Cursor::new(prefix).chain(reader)))
}

/// The name of a compression format that is recognised but not read (bzip2, xz), from the first bytes.
pub(crate) fn unread_compression(prefix: &[u8]) -> Option<&'static str> {
    const MAGICS: [(&[u8], &str); 2] = [(b"BZh", "bzip2"), (&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz")];
    MAGICS.iter().find(|(magic, _)| prefix.starts_with(magic)).map(|&(_, name)| name)
}

/// Opens the single CSV member of a zip archive as a decompressing stream that checks its CRC-32 and size.
///
/// Members that are not `.csv` files (a `.CHECKSUM`, directories) are ignored; zero or several `.csv`
/// members is [`ErrorKind::ArchiveMembers`].
pub(crate) fn zip_member<R>(
    reader: R,
    path: &Path,
    progress: BytesRead,
) -> Result<(Box<dyn Read + Send>, String), Error>
where
    R: Read + Seek + Send + 'static,
{
    let archive_error =
        |error: zip::result::ZipError| Error::new(ErrorKind::Archive { message: error.to_string() }, path);
    // An archive whose end (the central directory) is missing was cut short, most often by a download.
    let open_error = |error: zip::result::ZipError| match error {
        zip::result::ZipError::InvalidArchive(_) | zip::result::ZipError::Io(_) => {
            let message = format!("incomplete archive (truncated download?): {error}; fetch it again");
            Error::new(ErrorKind::Archive { message }, path)
        }
        other => archive_error(other),
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(open_error)?;
    let csv_members: Vec<(usize, String)> = (0..archive.len())
        .filter_map(|index| {
            let name = archive.name_for_index(index)?;
            (name.to_ascii_lowercase().ends_with(".csv") && !name.ends_with('/')).then(|| (index, name.to_owned()))
        })
        .collect();
    let [(index, name)] = csv_members.as_slice() else {
        let csv_members = csv_members.into_iter().map(|(_, name)| name).collect();
        return Err(Error::new(ErrorKind::ArchiveMembers { csv_members }, path));
    };
    let member = archive.by_index_raw(*index).map_err(archive_error)?;
    let (start, compressed, expected) = (member.data_start(), member.compressed_size(), MemberCheck::of(&member));
    let (method, encrypted) = (member.compression(), member.encrypted());
    drop(member);
    if encrypted {
        return Err(Error::new(ErrorKind::Unsupported { reason: format!("zip member {name} is encrypted") }, path));
    }
    let mut reader = archive.into_inner();
    reader.seek(SeekFrom::Start(start)).map_err(|error| Error::io(&error, path))?;
    let raw = CountingReader::new(reader.take(compressed), progress);
    let decoded: Box<dyn Read + Send> = match method {
        zip::CompressionMethod::Stored => Box::new(raw),
        zip::CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(raw)),
        other => {
            let reason = format!("zip member {name} uses compression {other:?} (only stored and deflate are read)");
            return Err(Error::new(ErrorKind::Unsupported { reason }, path));
        }
    };
    Ok((Box::new(CheckedMember { inner: decoded, hasher: crc32fast::Hasher::new(), size: 0, expected }), name.clone()))
}

/// The CRC-32 and size a zip member must have.
#[derive(Clone, Copy)]
struct MemberCheck {
    crc32: u32,
    size: u64,
}

impl MemberCheck {
    fn of<R: Read>(member: &zip::read::ZipFile<'_, R>) -> MemberCheck {
        MemberCheck { crc32: member.crc32(), size: member.size() }
    }
}

/// Checks a zip member's CRC-32 and size when its stream ends.
struct CheckedMember {
    inner: Box<dyn Read + Send>,
    hasher: crc32fast::Hasher,
    size: u64,
    expected: MemberCheck,
}

impl Read for CheckedMember {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        if n == 0 || self.size > self.expected.size {
            let crc32 = self.hasher.clone().finalize();
            if self.size != self.expected.size || crc32 != self.expected.crc32 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "zip member check failed: {} bytes with CRC-32 {crc32:08x}, expected {} bytes with {:08x}",
                        self.size, self.expected.size, self.expected.crc32
                    ),
                ));
            }
        }
        Ok(n)
    }
}

/// Opens a file: `Ok(Err(file))` hands it back when mapping is off or fails.
pub(crate) fn open_windows(
    file: File,
    file_len: u64,
    window_size: usize,
    memory_map: bool,
) -> Result<FileWindows, File> {
    if !memory_map {
        return Err(file);
    }
    // Mapping needs a separate handle so the fallback still owns one if it fails.
    let Ok(handle) = file.try_clone() else { return Err(file) };
    FileWindows::new(handle, file_len, window_size).map_err(|_| file)
}

/// A buffered reader over `file` for the fallback path.
pub(crate) fn buffered(file: File, progress: BytesRead) -> BufReader<CountingReader<File>> {
    BufReader::with_capacity(256 * 1024, CountingReader::new(file, progress))
}
