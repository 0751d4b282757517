//! The ingest error: what went wrong, and where (path, 1-based line, column, offending text).

use std::fmt;
use std::path::{Path, PathBuf};

use barsmith_core::Named;

/// Longest excerpt of offending text kept in an error, in bytes of input.
pub const EXCERPT_LIMIT: usize = 60;

/// An ingest error: an [`ErrorKind`] plus the place in the input where it happened.
///
/// `Display` gives one line in the style `path:line: column `price`: invalid number "1e5" (...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    inner: Box<ErrorInner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorInner {
    kind: ErrorKind,
    path: PathBuf,
    line: Option<u64>,
    column: Option<String>,
    text: Option<String>,
}

/// One record, as named in ordering errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    /// The file holding the record when it is not the file of the error itself.
    pub path: Option<PathBuf>,
    /// 1-based line of the record in its file.
    pub line: u64,
    /// Its aggregate trade id.
    pub agg_trade_id: i64,
    /// Its timestamp in microseconds.
    pub timestamp_us: i64,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be opened or read.
    Io {
        /// The operating system's message.
        message: String,
    },
    /// A compressed stream (zstd frame, deflate member) is corrupt or truncated.
    Decompress {
        /// The decoder's message.
        message: String,
        /// Bytes of the compressed file consumed when the decoder failed (there is no line to name).
        compressed_offset: Option<u64>,
    },
    /// A line with no text (a blank line is not a record).
    BlankLine,
    /// A zip archive that cannot be read, or whose member fails its CRC or size check.
    Archive {
        /// What is wrong with it.
        message: String,
    },
    /// A zip archive that holds no CSV member or several.
    ArchiveMembers {
        /// Names of the CSV members found.
        csv_members: Vec<String>,
    },
    /// An input this reader does not handle (for example a zip archive on standard input).
    Unsupported {
        /// Why.
        reason: String,
    },
    /// The file holds no byte at all.
    EmptyFile,
    /// The file holds a header line and no record.
    HeaderOnly,
    /// A header line with an unknown, repeated or missing column.
    Header {
        /// What is wrong with it.
        problem: String,
    },
    /// A line longer than the reader's chunk; real aggTrades lines are under 200 bytes.
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// A record with the wrong number of fields.
    FieldCount {
        /// Fields the layout expects.
        expected: usize,
        /// Fields found.
        found: usize,
    },
    /// A field with no text.
    EmptyField,
    /// A field that is not valid UTF-8.
    InvalidUtf8,
    /// A number field with characters other than ASCII digits and (for decimals) one `.`.
    InvalidNumber,
    /// A decimal with more than eight digits after the point.
    TooManyDecimals,
    /// A number too large for its column.
    NumberTooLarge,
    /// A price that is zero or negative.
    NonPositivePrice,
    /// A negative quantity.
    NegativeQuantity,
    /// A boolean other than `True`, `true`, `False`, `false`.
    InvalidBoolean,
    /// A timestamp before 2009-01-01 or from 2100-01-01 on, after the millisecond rule.
    TimestampOutOfRange {
        /// The timestamp in microseconds (raw values below 10^13 were read as milliseconds).
        timestamp_us: i64,
    },
    /// `last_trade_id < first_trade_id`.
    TradeIdsReversed {
        /// The record's first trade id.
        first_trade_id: i64,
        /// The record's last trade id.
        last_trade_id: i64,
    },
    /// The last line has no newline and does not parse: the file was cut in the middle of a record.
    PartialLastLine {
        /// Why the partial record does not parse.
        cause: Box<ErrorKind>,
    },
    /// A record whose agg_trade_id or timestamp goes backwards.
    OutOfOrder {
        /// The record before it.
        previous: RecordRef,
        /// The offending record.
        current: RecordRef,
    },
    /// A record repeating the agg_trade_id of the record before it.
    Duplicate {
        /// The first record with this id.
        previous: RecordRef,
        /// The repeat.
        current: RecordRef,
    },
    /// Under `dedupe`: the same agg_trade_id with different content.
    ConflictingDuplicate {
        /// The first record with this id.
        previous: RecordRef,
        /// The differing repeat.
        current: RecordRef,
    },
    /// Text that is not a Binance archive period (`YYYY-MM` or `YYYY-MM-DD`, a date that exists).
    InvalidPeriod {
        /// The text.
        text: String,
    },
    /// Inputs that do not name readable aggTrades files, or that cannot be grouped into per-symbol streams
    /// (no such file, a directory without aggTrades files, a near-miss name, a pattern that matches nothing,
    /// files of several symbols, overlapping dates). The message names the paths.
    Inputs {
        /// What is wrong, with the paths (and the settings that would help, spelled by the front end).
        problem: Named,
    },
}

impl Error {
    /// An error about the whole input at `path` (no line).
    pub(crate) fn new(kind: ErrorKind, path: &Path) -> Error {
        Error { inner: Box::new(ErrorInner { kind, path: path.to_path_buf(), line: None, column: None, text: None }) }
    }

    /// An error about no one input file (a date, a set of inputs); shown without a path.
    pub(crate) fn without_path(kind: ErrorKind) -> Error {
        Error::new(kind, Path::new(""))
    }

    /// An error of [`ErrorKind::Inputs`].
    pub(crate) fn inputs(problem: impl Into<Named>) -> Error {
        Error::without_path(ErrorKind::Inputs { problem: problem.into() })
    }

    /// An error at `line` of `path`.
    pub(crate) fn at_line(kind: ErrorKind, path: &Path, line: u64) -> Error {
        let mut error = Error::new(kind, path);
        error.inner.line = Some(line);
        error
    }

    /// Adds the column name and the offending text (cut to [`EXCERPT_LIMIT`] and escaped).
    pub(crate) fn with_field(mut self, column: &str, text: &[u8]) -> Error {
        self.inner.column = Some(column.to_owned());
        self.inner.text = Some(excerpt(text));
        self
    }

    /// Adds the offending text alone.
    pub(crate) fn with_text(mut self, text: &[u8]) -> Error {
        self.inner.text = Some(excerpt(text));
        self
    }

    pub(crate) fn io(error: &std::io::Error, path: &Path) -> Error {
        Error::new(ErrorKind::Io { message: error.to_string() }, path)
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// The input the error is about (`-` for standard input; empty when it is about no one input).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The 1-based line, when the error is about one line.
    pub fn line(&self) -> Option<u64> {
        self.inner.line
    }

    /// The column name (as written in the header when there is one).
    pub fn column(&self) -> Option<&str> {
        self.inner.column.as_deref()
    }

    /// The offending text, escaped and cut to a sane length.
    pub fn text(&self) -> Option<&str> {
        self.inner.text.as_deref()
    }
}

impl Error {
    /// The message with each setting it names (`sort`, `dedupe`, `symbol`, `output`) written by `name`: a
    /// front end's flag or keyword. `Display` writes the settings' names.
    pub fn describe(&self, name: &dyn Fn(&'static str) -> String) -> String {
        self.message().spell(name)
    }

    fn message(&self) -> Named {
        let mut head = String::new();
        if !self.inner.path.as_os_str().is_empty() {
            head.push_str(&self.inner.path.display().to_string());
            if let Some(line) = self.inner.line {
                head.push_str(&format!(":{line}"));
            }
            if let Some(column) = &self.inner.column {
                head.push_str(&format!(": column `{column}`"));
            }
            head.push_str(": ");
        }
        let mut message = match &self.inner.kind {
            ErrorKind::Inputs { problem } => Named::text(head).append(problem.clone()),
            kind => Named::text(format!("{head}{}", Kind(kind))),
        };
        if let Some(text) = &self.inner.text {
            message = message.then(format!(" \"{text}\""));
        }
        if let Some(hint) = hint(&self.inner.kind) {
            message = message.then(" (").append(hint).then(")");
        }
        message
    }
}

/// Writes a kind (all but `Inputs`, whose settings [`Error::message`] keeps marked).
struct Kind<'a>(&'a ErrorKind);

impl fmt::Display for Kind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(self.0, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().to_string())
    }
}

impl std::error::Error for Error {}

fn describe(kind: &ErrorKind, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match kind {
        ErrorKind::Io { message } => write!(f, "cannot read: {message}"),
        ErrorKind::Decompress { message, compressed_offset: Some(offset) } => {
            write!(f, "corrupt or truncated compressed data near byte {offset} of the compressed file: {message}")
        }
        ErrorKind::Decompress { message, compressed_offset: None } => {
            write!(f, "corrupt or truncated compressed data: {message}")
        }
        ErrorKind::BlankLine => write!(f, "blank line"),
        ErrorKind::Archive { message } => write!(f, "bad zip archive: {message}"),
        ErrorKind::ArchiveMembers { csv_members } if csv_members.is_empty() => {
            write!(f, "zip archive holds no .csv member")
        }
        ErrorKind::ArchiveMembers { csv_members } => {
            write!(f, "zip archive holds {} .csv members ({}); expected one", csv_members.len(), csv_members.join(", "))
        }
        ErrorKind::Unsupported { reason } => write!(f, "unsupported input: {reason}"),
        ErrorKind::EmptyFile => write!(f, "empty file"),
        ErrorKind::HeaderOnly => write!(f, "header line but no record"),
        ErrorKind::Header { problem } => write!(f, "bad header: {problem}"),
        ErrorKind::LineTooLong { limit } => write!(f, "line longer than {limit} bytes"),
        ErrorKind::FieldCount { expected, found } => write!(f, "expected {expected} fields, found {found}"),
        ErrorKind::EmptyField => write!(f, "empty field"),
        ErrorKind::InvalidUtf8 => write!(f, "invalid UTF-8"),
        ErrorKind::InvalidNumber => write!(f, "invalid number"),
        ErrorKind::TooManyDecimals => write!(f, "more than 8 decimal places"),
        ErrorKind::NumberTooLarge => write!(f, "number too large"),
        ErrorKind::NonPositivePrice => write!(f, "price is not positive"),
        ErrorKind::NegativeQuantity => write!(f, "negative quantity"),
        ErrorKind::InvalidBoolean => write!(f, "invalid boolean"),
        ErrorKind::TimestampOutOfRange { timestamp_us } => {
            write!(f, "timestamp outside 2009-01-01..2100-01-01 (read as {timestamp_us} µs)")
        }
        ErrorKind::TradeIdsReversed { first_trade_id, last_trade_id } => {
            write!(f, "last_trade_id {last_trade_id} is below first_trade_id {first_trade_id}")
        }
        ErrorKind::PartialLastLine { cause } => {
            write!(f, "the file ends in a partial record (no final newline): ")?;
            describe(cause, f)
        }
        ErrorKind::OutOfOrder { previous, current } => {
            write!(f, "record {} goes backwards after record {}", record(current), record(previous))
        }
        ErrorKind::Duplicate { previous, current } => {
            write!(f, "record {} repeats the agg_trade_id of record {}", record(current), record(previous))
        }
        ErrorKind::InvalidPeriod { text } => {
            write!(f, "{text:?} is not a date: expected YYYY-MM or YYYY-MM-DD (e.g. 2024-03-01)")
        }
        ErrorKind::Inputs { problem } => write!(f, "{problem}"),
        ErrorKind::ConflictingDuplicate { previous, current } => write!(
            f,
            "record {} has the agg_trade_id of record {} but different content",
            record(current),
            record(previous)
        ),
    }
}

fn hint(kind: &ErrorKind) -> Option<Named> {
    let text = |text: &str| Some(Named::text(text));
    match kind {
        ErrorKind::Decompress { .. } => text("the file is damaged or its download was cut short; fetch it again"),
        ErrorKind::BlankLine => text("a blank line is not a record; remove it"),
        ErrorKind::OutOfOrder { previous, .. } if previous.path.is_some() => Some(
            Named::text("the files are not in stream order: reorder the inputs (")
                .setting("sort")
                .then(" only sorts within a file)"),
        ),
        ErrorKind::InvalidNumber => text("expected ASCII digits, with at most one '.' in prices and quantities"),
        ErrorKind::InvalidBoolean => text("expected True, true, False or false"),
        ErrorKind::OutOfOrder { .. } => Some(
            Named::text("input must be in (timestamp, agg_trade_id) order; ").setting("sort").then(" sorts a file"),
        ),
        ErrorKind::Duplicate { .. } => Some(Named::from_setting("dedupe").then(" drops exact duplicates")),
        ErrorKind::PartialLastLine { cause } => hint(cause),
        _ => None,
    }
}

/// `(agg_trade_id 5, 1767225600039409 µs, line 7[ of path])`.
fn record(record: &RecordRef) -> String {
    let place = match &record.path {
        Some(path) => format!("line {} of {}", record.line, path.display()),
        None => format!("line {}", record.line),
    };
    format!("(agg_trade_id {}, {} µs, {place})", record.agg_trade_id, record.timestamp_us)
}

/// The first [`EXCERPT_LIMIT`] bytes of `text`, with control characters and invalid UTF-8 escaped
/// (`\n`, `\xff`), and `…` when cut.
pub fn excerpt(text: &[u8]) -> String {
    let cut = text.len() > EXCERPT_LIMIT;
    let shown = &text[..text.len().min(EXCERPT_LIMIT)];
    let mut out = String::with_capacity(shown.len() + 4);
    for chunk in shown.utf8_chunks() {
        out.extend(chunk.valid().chars().flat_map(char::escape_debug));
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    if cut {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_escapes_and_cuts() {
        assert_eq!(excerpt(b"1e5"), "1e5");
        assert_eq!(excerpt(b"a\"b\n"), "a\\\"b\\n");
        assert_eq!(excerpt(b"\xff1"), "\\xff1");
        let long = [b'9'; 100];
        let shown = excerpt(&long);
        assert_eq!(shown.chars().count(), EXCERPT_LIMIT + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn display_names_every_part() {
        let error = Error::at_line(ErrorKind::InvalidNumber, Path::new("x.csv"), 3).with_field("price", b"1e5");
        assert_eq!(
            error.to_string(),
            "x.csv:3: column `price`: invalid number \"1e5\" \
             (expected ASCII digits, with at most one '.' in prices and quantities)"
        );
    }
}
