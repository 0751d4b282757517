//! Shards of one symbol's input files: whole files, and byte ranges of large plain CSV files cut at line
//! ends; the boundary rules of `barsmith-ingest` (order, `dedupe`, id gaps) applied between them.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use barsmith_core::{Trade, TradeBatch};
use barsmith_ingest::{IdGap, IdGaps, IngestOptions, Layout, MultiFileReader, STDIN_PATH, TradeReader};

use crate::error::Error;
use crate::parallel::engine::{ShardBoundaries, ShardInputs};
use crate::parallel::shard::TradeSource;
use crate::progress::Progress;

/// How a stream is cut into shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardOptions {
    /// Threads that will run the shards.
    pub threads: usize,
    /// Shards wanted per thread when files must be cut (more shards balance the load better).
    pub shards_per_thread: usize,
    /// The smallest byte range a plain CSV file is cut into.
    pub min_range_bytes: u64,
}

impl ShardOptions {
    /// `threads` threads, 2 shards per thread, ranges of at least 16 MiB.
    pub fn new(threads: usize) -> ShardOptions {
        ShardOptions { threads, shards_per_thread: 2, min_range_bytes: 16 << 20 }
    }
}

/// One shard: a whole file, or a byte range of a plain CSV file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileShard {
    /// The file.
    pub path: PathBuf,
    /// The byte range `[start, end)`; `None` for the whole file.
    pub range: Option<(u64, u64)>,
    /// The file's header line (with its newline), read again before a range that does not start the file.
    header: Vec<u8>,
}

impl FileShard {
    fn starts_file(&self) -> bool {
        self.range.is_none_or(|(start, _)| start == 0)
    }
}

/// Cuts `files` (one symbol's stream, in order) into shards: one per file, and plain files cut at line ends
/// when there are fewer files than wanted shards. Standard input, pipes and devices are never cut (one
/// empty plan then, and the caller runs the stream in one pass).
pub fn plan_shards(files: &[PathBuf], ingest: &IngestOptions, options: ShardOptions) -> Result<Vec<FileShard>, Error> {
    let whole = |path: &PathBuf| FileShard { path: path.clone(), range: None, header: Vec::new() };
    let regular = files.iter().all(|p| p.as_path() != Path::new(STDIN_PATH) && p.is_file());
    if !regular || options.threads < 2 {
        return Ok(Vec::new());
    }
    let wanted = options.threads.max(1) * options.shards_per_thread.max(1);
    if files.len() >= wanted || ingest.sort {
        return Ok(files.iter().map(whole).collect());
    }
    let per_file = wanted.div_ceil(files.len()) as u64;
    let mut shards = Vec::new();
    for path in files {
        let io_error = |e: io::Error| Error::usage(format!("{}: {e}", path.display()));
        let size = std::fs::metadata(path).map_err(io_error)?.len();
        let pieces = per_file.min(size / options.min_range_bytes.max(1));
        match plain_header(path).map_err(io_error)? {
            Some(header) if pieces >= 2 => shards.extend(cut(path, size, pieces, &header).map_err(io_error)?),
            _ => shards.push(whole(path)),
        }
    }
    Ok(shards)
}

/// The header line (empty when the file has none) of an uncompressed CSV file; `None` for anything else.
fn plain_header(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut first = Vec::new();
    BufReader::new(File::open(path)?).take(1 << 16).read_until(b'\n', &mut first)?;
    let text = first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&first);
    let starts_like_csv = text.first().is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'"');
    if !starts_like_csv || !first.ends_with(b"\n") {
        return Ok(None);
    }
    let line = text.strip_suffix(b"\n").map(|l| l.strip_suffix(b"\r").unwrap_or(l)).unwrap_or(text);
    Ok(match Layout::detect(line) {
        Ok(layout) if layout.has_header() => Some(first),
        Ok(_) => Some(Vec::new()),
        Err(_) => None,
    })
}

/// `pieces` ranges of about equal size, each starting just after a newline.
fn cut(path: &Path, size: u64, pieces: u64, header: &[u8]) -> io::Result<Vec<FileShard>> {
    let mut file = File::open(path)?;
    let mut starts = vec![0u64];
    for piece in 1..pieces {
        let guess = size * piece / pieces;
        file.seek(SeekFrom::Start(guess))?;
        let mut line = Vec::new();
        BufReader::new(&mut file).take(1 << 20).read_until(b'\n', &mut line)?;
        let start = guess + line.len() as u64;
        if line.ends_with(b"\n") && start < size && start > *starts.last().expect("not empty") {
            starts.push(start);
        }
    }
    let ends = starts.iter().skip(1).copied().chain([size]);
    let shards = starts.iter().zip(ends).map(|(&start, end)| FileShard {
        path: path.to_path_buf(),
        range: Some((start, end)),
        header: header.to_vec(),
    });
    Ok(shards.collect())
}

/// The file shards of one stream, opened with the run's ingest options, reporting progress.
pub struct FileShards<'a> {
    shards: &'a [FileShard],
    ingest: &'a IngestOptions,
    progress: &'a dyn Progress,
    /// The id gaps inside each shard (between its files), filled when the speculative run ends.
    inner_gaps: InnerFindings,
}

impl std::fmt::Debug for FileShards<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileShards").field("shards", &self.shards).finish_non_exhaustive()
    }
}

impl<'a> FileShards<'a> {
    /// The shards of a plan.
    pub fn new(shards: &'a [FileShard], ingest: &'a IngestOptions, progress: &'a dyn Progress) -> FileShards<'a> {
        let inner_gaps = std::sync::Mutex::new(vec![(IdGaps::default(), 0); shards.len()]);
        FileShards { shards, ingest, progress, inner_gaps }
    }

    /// The id gaps inside shard `index`.
    pub(crate) fn inner_gaps(&self, index: usize) -> (IdGaps, u64) {
        self.inner_gaps.lock().expect("not poisoned")[index].clone()
    }
}

impl ShardInputs for FileShards<'_> {
    fn len(&self) -> usize {
        self.shards.len()
    }

    fn open(&self, index: usize, replay: bool) -> Result<Box<dyn TradeSource + '_>, Error> {
        let shard = &self.shards[index];
        let reader = match shard.range {
            None => ShardReader::Files(Box::new(MultiFileReader::new(std::slice::from_ref(&shard.path), self.ingest)?)),
            Some((start, end)) => ShardReader::Range(Box::new(open_range(shard, start, end, self.ingest)?)),
        };
        Ok(Box::new(ReportingSource {
            reader,
            progress: (!replay).then_some(self.progress),
            reported: 0,
            gaps: (!replay).then_some((&self.inner_gaps, index)),
            delivered: 0,
        }))
    }
}

/// A byte range read as a stream, after the file's header line when the range does not start the file.
fn open_range(shard: &FileShard, start: u64, end: u64, ingest: &IngestOptions) -> Result<TradeReader, Error> {
    let io_error = |e: io::Error| Error::usage(format!("{}: {e}", shard.path.display()));
    let mut file = File::open(&shard.path).map_err(io_error)?;
    file.seek(SeekFrom::Start(start)).map_err(io_error)?;
    let header = if start == 0 { Vec::new() } else { shard.header.clone() };
    let options = IngestOptions { threaded_decode: false, ..ingest.clone() };
    Ok(TradeReader::from_reader(io::Cursor::new(header).chain(file.take(end - start)), &shard.path, &options)?)
}

/// Per shard: the id gaps inside it and the exact duplicates `dedupe` dropped inside it.
type InnerFindings = std::sync::Mutex<Vec<(IdGaps, u64)>>;

enum ShardReader {
    Files(Box<MultiFileReader>),
    Range(Box<TradeReader>),
}

/// Reads a shard, reporting progress for the speculative run and keeping its inner id gaps.
struct ReportingSource<'a> {
    reader: ShardReader,
    progress: Option<&'a dyn Progress>,
    reported: u64,
    gaps: Option<(&'a InnerFindings, usize)>,
    /// Records handed out so far.
    delivered: u64,
}

impl TradeSource for ReportingSource<'_> {
    fn next_batch(&mut self, batch: &mut TradeBatch) -> Result<bool, Error> {
        let (more, bytes) = match &mut self.reader {
            ShardReader::Files(reader) => (reader.next_batch(batch)?, reader.bytes_read()),
            ShardReader::Range(reader) => (reader.next_batch(batch)?, reader.bytes_read()),
        };
        if let Some(progress) = self.progress {
            if progress.cancelled() {
                return Err(Error::new(crate::error::ErrorKind::Cancelled));
            }
            progress.advanced(bytes.saturating_sub(self.reported), batch.len() as u64);
            self.reported = bytes;
        }
        self.delivered += batch.len() as u64;
        if !more && let Some((slots, index)) = self.gaps {
            let inner = match &self.reader {
                ShardReader::Files(reader) => (reader.gaps().clone(), reader.dropped_duplicates()),
                ShardReader::Range(reader) => (IdGaps::default(), reader.records_read().saturating_sub(self.delivered)),
            };
            slots.lock().expect("not poisoned")[index] = inner;
        }
        Ok(more)
    }
}

/// The boundary rules of `barsmith-ingest` between file shards, and the id gaps they see.
#[derive(Debug)]
pub struct FileBoundaries<'a> {
    inputs: &'a FileShards<'a>,
    files: &'a [PathBuf],
    /// The file holding the last record kept so far.
    kept_path: Option<PathBuf>,
    /// Gaps in stream order.
    gaps: IdGaps,
    /// Exact duplicates dropped (inside shards and at their boundaries).
    dropped: u64,
    next_inner: usize,
}

impl<'a> FileBoundaries<'a> {
    /// Boundaries of `inputs`, a plan of `files`.
    pub fn new(inputs: &'a FileShards<'a>, files: &'a [PathBuf]) -> FileBoundaries<'a> {
        let kept_path = inputs.shards.first().map(|shard| shard.path.clone());
        FileBoundaries { inputs, files, kept_path, gaps: IdGaps::default(), dropped: 0, next_inner: 0 }
    }

    /// The id gaps of the whole stream and the exact duplicates dropped, as one pass would report them
    /// (call after the run).
    pub fn finish(mut self) -> (IdGaps, u64) {
        self.take_inner_gaps(self.inputs.len());
        (self.gaps, self.dropped)
    }

    /// What the boundaries checked so far found: (id gaps, ids missing, exact duplicates dropped).
    pub(crate) fn findings(&self) -> (u64, u64, u64) {
        (self.gaps.count, self.gaps.missing_ids, self.dropped)
    }

    fn add_gap(&mut self, gap: IdGap) {
        self.gaps.count += 1;
        self.gaps.missing_ids += gap.missing_ids();
        self.gaps.first.get_or_insert(gap);
    }

    /// Adds the inner gaps of the shards before `until`.
    fn take_inner_gaps(&mut self, until: usize) {
        while self.next_inner < until {
            let (inner, dropped) = self.inputs.inner_gaps(self.next_inner);
            self.dropped += dropped;
            self.gaps.count += inner.count;
            self.gaps.missing_ids += inner.missing_ids;
            if self.gaps.first.is_none() {
                self.gaps.first = inner.first;
            }
            self.next_inner += 1;
        }
    }
}

impl ShardBoundaries for FileBoundaries<'_> {
    fn check(&mut self, index: usize, previous: &Trade, head: &TradeBatch) -> Result<bool, Error> {
        self.take_inner_gaps(index);
        let first = head.get(0).expect("the head is not empty");
        let duplicate = self.inputs.ingest.dedupe && first == *previous;
        if !duplicate && (first.agg_trade_id <= previous.agg_trade_id || first.timestamp_us < previous.timestamp_us) {
            return Err(Error::usage("records out of order at a shard boundary"));
        }
        let shard = &self.inputs.shards[index];
        // After a dropped duplicate the kept records continue with the shard's second one.
        let after = if duplicate { head.get(1) } else { Some(first) };
        if let (true, Some(after), Some(before_path)) = (shard.starts_file(), after, self.kept_path.clone())
            && after.agg_trade_id != previous.agg_trade_id + 1
        {
            let gap = IdGap {
                before_path,
                before_id: previous.agg_trade_id,
                after_path: shard.path.clone(),
                after_id: after.agg_trade_id,
            };
            self.add_gap(gap);
        }
        if after.is_some() {
            self.kept_path = Some(shard.path.clone());
        }
        self.dropped += u64::from(duplicate);
        Ok(duplicate)
    }

    fn explain(&mut self, index: usize, error: Error) -> Error {
        // Read the failing shard's files again in one pass, from the file before it when it starts a file:
        // the first error there is the one a one-pass run stops at.
        let shard = &self.inputs.shards[index];
        let position = self.files.iter().position(|f| *f == shard.path).unwrap_or(0);
        let from = if shard.starts_file() { position.saturating_sub(1) } else { position };
        let files = &self.files[from..=position.min(self.files.len().saturating_sub(1))];
        let Ok(mut reader) = MultiFileReader::new(files, self.inputs.ingest) else { return error };
        let mut batch = TradeBatch::new();
        loop {
            match reader.next_batch(&mut batch) {
                Ok(true) => {}
                Ok(false) => return error,
                Err(first) => return first.into(),
            }
        }
    }
}
