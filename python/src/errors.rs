//! Library errors as the Python exceptions of `barsmith.errors`, with their fields.
//!
//! | library error | Python exception |
//! |---|---|
//! | malformed input file or Arrow column, trades out of order | `InputError(ValueError)`: `.kind`, `.path`, `.line`, `.column`, `.text`, `.row` |
//! | bad checkpoint | `CheckpointError(ValueError)` |
//! | bad argument, unusable path or inputs, bad fetch request | `ValueError` (settings named as keywords) |
//! | writing failed | `OutputError(OSError)` |

use barsmith::ErrorKind;
use barsmith::ingest::ErrorKind as IngestKind;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A problem with one value of an Arrow input: where it is and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    /// Stable snake_case name of the problem (the same names as for files).
    pub kind: &'static str,
    /// What is wrong, for the message.
    pub message: String,
    /// 0-based row in the whole stream of rows given so far.
    pub row: u64,
    /// The column as named in the input.
    pub column: String,
    /// The offending value as text.
    pub text: String,
}

/// Everything the binding can fail with while Rust works (the GIL released).
#[derive(Debug)]
pub enum Failure {
    /// From the library.
    Library(barsmith::Error),
    /// From the Binance sources (fetch).
    Binance(barsmith::binance::Error),
    /// A bad value in an Arrow input.
    Input(Box<InputProblem>),
    /// A bad argument found late (e.g. a missing column).
    Value(String),
    /// A Python exception (Ctrl-C, or an error from an Arrow stream's producer).
    Python(PyErr),
    /// The work stopped because it was cancelled (the supervisor holds the reason).
    Cancelled,
    /// A bug: a panic caught at the boundary, reported instead of aborting the process.
    Internal(String),
}

impl From<barsmith::Error> for Failure {
    fn from(error: barsmith::Error) -> Failure {
        match error.kind() {
            // The run stopped at the supervisor's request (which holds the reason).
            ErrorKind::Cancelled => Failure::Cancelled,
            _ => Failure::Library(error),
        }
    }
}

impl From<barsmith::ingest::Error> for Failure {
    fn from(error: barsmith::ingest::Error) -> Failure {
        Failure::Library(error.into())
    }
}

impl From<barsmith::binance::Error> for Failure {
    fn from(error: barsmith::binance::Error) -> Failure {
        Failure::Binance(error)
    }
}

impl From<PyErr> for Failure {
    fn from(error: PyErr) -> Failure {
        Failure::Python(error)
    }
}

impl From<InputProblem> for Failure {
    fn from(problem: InputProblem) -> Failure {
        Failure::Input(Box::new(problem))
    }
}

impl Failure {
    /// The Python exception (needs the GIL).
    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        let raised = match self {
            Failure::Library(error) => library_error(py, &error),
            Failure::Binance(error) => binance_error(py, &error),
            Failure::Input(problem) => input_problem(py, &problem),
            Failure::Value(message) => return PyValueError::new_err(message),
            Failure::Python(error) => return error,
            Failure::Cancelled => return PyRuntimeError::new_err("cancelled"),
            Failure::Internal(message) => return PyRuntimeError::new_err(message),
        };
        raised.unwrap_or_else(|e| e)
    }
}

/// Converts a library error.
pub fn to_pyerr(py: Python<'_>, error: &barsmith::Error) -> PyErr {
    library_error(py, error).unwrap_or_else(|e| e)
}

/// The keyword of a library setting named in a message: Python's keywords are the settings' names
/// (`barsmith.settings::SETTINGS`, checked by `test_every_cli_setting_is_a_keyword_with_the_cli_default`).
pub fn keyword(name: &'static str) -> String {
    name.to_owned()
}

fn library_error(py: Python<'_>, error: &barsmith::Error) -> PyResult<PyErr> {
    let message = error.describe(&keyword);
    match error.kind() {
        // Inputs that name no readable file, and dates that do not parse, are bad arguments.
        ErrorKind::Input(input)
            if matches!(input.kind(), IngestKind::Inputs { .. } | IngestKind::InvalidPeriod { .. }) =>
        {
            Ok(PyValueError::new_err(message))
        }
        ErrorKind::Input(input) => {
            let fields = PyDict::new(py);
            fields.set_item("kind", ingest_kind_name(input.kind()))?;
            fields.set_item("path", input.path().to_string_lossy())?;
            fields.set_item("line", input.line())?;
            fields.set_item("column", input.column())?;
            fields.set_item("text", input.text())?;
            raise(py, "InputError", &message, &fields)
        }
        ErrorKind::Bars(bars) => match bars.kind() {
            barsmith::core::ErrorKind::OutOfOrder { .. } => {
                let fields = PyDict::new(py);
                fields.set_item("kind", "out_of_order")?;
                raise(py, "InputError", &message, &fields)
            }
            barsmith::core::ErrorKind::Checkpoint { .. } => raise(py, "CheckpointError", &message, &PyDict::new(py)),
            _ => Ok(PyValueError::new_err(message)),
        },
        ErrorKind::Checkpoint { path, .. } => {
            let fields = PyDict::new(py);
            fields.set_item("path", path.to_string_lossy())?;
            raise(py, "CheckpointError", &message, &fields)
        }
        ErrorKind::Output { path, .. } => {
            let fields = PyDict::new(py);
            fields.set_item("path", path.to_string_lossy())?;
            raise(py, "OutputError", &message, &fields)
        }
        ErrorKind::Usage(_) => Ok(PyValueError::new_err(message)),
        _ => raise(py, "BarsmithError", &message, &PyDict::new(py)),
    }
}

/// A fetch error, with the request's settings named as `fetch_archives`'s keywords.
fn binance_error(py: Python<'_>, error: &barsmith::binance::Error) -> PyResult<PyErr> {
    use barsmith::binance::{ErrorKind as BinanceKind, Setting};
    let message = error.describe(|setting| {
        match setting {
            Setting::Jobs => "jobs",
            Setting::From => "start",
            Setting::To => "end",
            _ => setting.name(),
        }
        .to_owned()
    });
    match error.kind() {
        BinanceKind::Output { path, .. } => {
            let fields = PyDict::new(py);
            fields.set_item("path", path.to_string_lossy())?;
            raise(py, "OutputError", &message, &fields)
        }
        _ => Ok(PyValueError::new_err(message)),
    }
}

fn input_problem(py: Python<'_>, problem: &InputProblem) -> PyResult<PyErr> {
    let message = format!("row {}: column `{}`: {} \"{}\"", problem.row, problem.column, problem.message, problem.text);
    let fields = PyDict::new(py);
    fields.set_item("kind", problem.kind)?;
    fields.set_item("row", problem.row)?;
    fields.set_item("column", &problem.column)?;
    fields.set_item("text", &problem.text)?;
    raise(py, "InputError", &message, &fields)
}

/// An instance of `barsmith.errors.NAME(message, **fields)`.
fn raise(py: Python<'_>, name: &str, message: &str, fields: &Bound<'_, PyDict>) -> PyResult<PyErr> {
    let class = py.import("barsmith.errors")?.getattr(name)?;
    let instance = class.call((message,), Some(fields))?;
    Ok(PyErr::from_value(instance))
}

/// The stable snake_case name of an ingest error kind.
pub fn ingest_kind_name(kind: &IngestKind) -> &'static str {
    match kind {
        IngestKind::Io { .. } => "io",
        IngestKind::Decompress { .. } => "decompress",
        IngestKind::Archive { .. } => "archive",
        IngestKind::ArchiveMembers { .. } => "archive_members",
        IngestKind::Unsupported { .. } => "unsupported",
        IngestKind::EmptyFile => "empty_file",
        IngestKind::HeaderOnly => "header_only",
        IngestKind::Header { .. } => "header",
        IngestKind::LineTooLong { .. } => "line_too_long",
        IngestKind::FieldCount { .. } => "field_count",
        IngestKind::EmptyField => "empty_field",
        IngestKind::InvalidUtf8 => "invalid_utf8",
        IngestKind::InvalidNumber => "invalid_number",
        IngestKind::TooManyDecimals => "too_many_decimals",
        IngestKind::NumberTooLarge => "number_too_large",
        IngestKind::NonPositivePrice => "non_positive_price",
        IngestKind::NegativeQuantity => "negative_quantity",
        IngestKind::InvalidBoolean => "invalid_boolean",
        IngestKind::TimestampOutOfRange { .. } => "timestamp_out_of_range",
        IngestKind::TradeIdsReversed { .. } => "trade_ids_reversed",
        IngestKind::PartialLastLine { .. } => "partial_last_line",
        IngestKind::OutOfOrder { .. } => "out_of_order",
        IngestKind::Duplicate { .. } => "duplicate",
        IngestKind::ConflictingDuplicate { .. } => "conflicting_duplicate",
        IngestKind::BlankLine => "blank_line",
        IngestKind::InvalidPeriod { .. } => "invalid_period",
        IngestKind::Inputs { .. } => "inputs",
        _ => "other",
    }
}
