//! The error of `barsmith-binance`: what went wrong, with the values involved. Settings are named by a
//! [`Setting`], which a front end spells its own way ([`Error::describe`]): the CLI as its flag (`--jobs`),
//! Python as its keyword (`jobs`).

use std::fmt;
use std::path::PathBuf;

use barsmith_ingest::Period;

use crate::calendar::Day;

/// An error of this crate, with its [`ErrorKind`].
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

/// A setting of a request, as named in errors about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// `FetchRequest::jobs`: downloads at once.
    Jobs,
    /// The first period of `FetchRequest::range`.
    From,
    /// The last period of `FetchRequest::range`.
    To,
    /// `FetchRequest::proxy`.
    Proxy,
}

impl Setting {
    /// The library's name for it, used by `Display`.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Jobs => "jobs",
            Setting::From => "first period",
            Setting::To => "last period",
            Setting::Proxy => "proxy",
        }
    }
}

/// What went wrong. [`Error::is_bad_input`] tells a front end which kinds are the caller's to fix.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A setting with a value it cannot take.
    InvalidSetting {
        /// Which.
        setting: Setting,
        /// What is wrong, after the setting's name (e.g. `must be at least 1`).
        problem: String,
    },
    /// The range ends before it starts.
    ReversedRange {
        /// Its first period.
        from: Period,
        /// Its last period.
        to: Period,
    },
    /// A period that is not a date of the calendar (built by hand, not parsed).
    NotADate {
        /// The period.
        period: Period,
    },
    /// A month where a day is needed (`YYYY-MM` given for `YYYY-MM-DD`).
    NotADay {
        /// The text.
        text: String,
    },
    /// A market name other than `spot`, `um`, `cm` (and their aliases).
    UnknownMarket {
        /// The text.
        text: String,
    },
    /// A symbol with other characters than letters, digits and `_`.
    InvalidSymbol {
        /// The text.
        symbol: String,
    },
    /// A request without symbols.
    NoSymbol,
    /// Nothing of the range is published yet.
    NothingPublished {
        /// First day of the range.
        first: Day,
        /// Last day of the range.
        last: Day,
        /// Today (UTC), which is not published yet.
        today: Day,
    },
    /// A file without a Binance aggTrades name among the inputs of a check (the name gives symbol and dates).
    NotBinanceName {
        /// The file.
        path: PathBuf,
    },
    /// A directory among the inputs of a check that holds no Binance aggTrades file.
    NoArchives {
        /// The directory.
        dir: PathBuf,
    },
    /// A directory among the inputs that cannot be listed.
    UnreadableDirectory {
        /// The directory.
        dir: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// The thread pool of a check could not be built.
    ThreadPool {
        /// Why.
        message: String,
    },
    /// From `barsmith-ingest`: a period that does not parse, or inputs that name no readable file.
    Ingest(barsmith_ingest::Error),
    /// The output directory could not be created.
    Output {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    // Only fetch has settings that can be out of range so far.
    #[cfg_attr(not(feature = "fetch"), allow(dead_code))]
    pub(crate) fn setting(setting: Setting, problem: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidSetting { setting, problem: problem.into() })
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// `true` for errors caused by the request or the inputs (the CLI exits with code 2); `false` when the
    /// output directory could not be created.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self.kind, ErrorKind::Output { .. })
    }

    /// The message with each setting named by `name` (a flag, a keyword); `Display` uses [`Setting::name`].
    pub fn describe(&self, name: impl Fn(Setting) -> String) -> String {
        match &self.kind {
            ErrorKind::InvalidSetting { setting, problem } => format!("{} {problem}", name(*setting)),
            ErrorKind::ReversedRange { from, to } => {
                format!("{} {from} is after {} {to}", name(Setting::From), name(Setting::To))
            }
            ErrorKind::NotADate { period } => format!("{period} is not a date"),
            ErrorKind::NotADay { text } => format!("{text:?} is a month; a day is YYYY-MM-DD"),
            ErrorKind::UnknownMarket { text } => format!("unknown market {text:?} (expected spot, um or cm)"),
            ErrorKind::InvalidSymbol { symbol } => {
                format!("{symbol:?} is not a symbol (letters, digits and `_`, e.g. BTCUSDT, BTCUSD_PERP)")
            }
            ErrorKind::NoSymbol => "no symbol given".to_owned(),
            ErrorKind::NothingPublished { first, last, today } => format!(
                "nothing from {first} to {last} is published yet (today is {today} UTC; a day's archive appears the \
                 next day, a month's after the month)"
            ),
            ErrorKind::NotBinanceName { path } => format!(
                "{}: not a Binance aggTrades name (SYMBOL-aggTrades-YYYY-MM[-DD].zip|csv|csv.zst); check needs the \
                 names to know the symbol and the dates",
                path.display()
            ),
            ErrorKind::NoArchives { dir } => format!("{}: no Binance aggTrades files in this directory", dir.display()),
            ErrorKind::UnreadableDirectory { dir, message } => format!("{}: {message}", dir.display()),
            ErrorKind::ThreadPool { message } => format!("thread pool: {message}"),
            ErrorKind::Ingest(e) => e.to_string(),
            ErrorKind::Output { path, source } => format!("writing {}: {source}", path.display()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(|setting| setting.name().to_owned()))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Ingest(e) => Some(e),
            ErrorKind::Output { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<barsmith_ingest::Error> for Error {
    fn from(e: barsmith_ingest::Error) -> Error {
        Error::new(ErrorKind::Ingest(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_named_by_the_caller() {
        let error = Error::setting(Setting::Jobs, "must be at least 1");
        assert_eq!(error.to_string(), "jobs must be at least 1");
        assert_eq!(error.describe(|s| format!("--{}", s.name())), "--jobs must be at least 1");
        let reversed =
            Error::new(ErrorKind::ReversedRange { from: Period::Month(2024, 3), to: Period::Month(2024, 2) });
        assert_eq!(reversed.to_string(), "first period 2024-03 is after last period 2024-02");
        assert!(reversed.is_bad_input());
    }
}
