//! The driver's error type.

use std::fmt;
use std::path::PathBuf;

use barsmith_core::Named;

/// An error from the `barsmith` pipeline, with its [`ErrorKind`].
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong. [`Error::is_bad_input`] tells the CLI which kinds exit with code 2.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A malformed input file (from `barsmith-ingest`).
    Input(barsmith_ingest::Error),
    /// Trades out of order, or another violation of the builder's contract.
    Bars(barsmith_core::Error),
    /// A usage problem: bad configuration, unusable paths or names (the settings to change marked, see
    /// [`Error::describe`]).
    Usage(Named),
    /// A checkpoint file that cannot be read or written.
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// Why.
        reason: Named,
    },
    /// The run stopped because its front end asked it to ([`crate::progress::Progress::cancelled`]).
    Cancelled,
    /// A resumed run whose input starts after a hole larger than `allow_resume_gap` permits.
    ResumeGap(Box<crate::run::ResumeGap>),
    /// Writing output failed.
    Output {
        /// The output path (`-` for stdout).
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The live source failed (its settings, the exchange, the network beyond the retries).
    #[cfg(feature = "live")]
    Live(barsmith_binance::live::LiveError),
}

impl Error {
    /// Wraps a kind.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// `true` for errors caused by the input or the invocation (the CLI exits with code 2).
    pub fn is_bad_input(&self) -> bool {
        #[cfg(feature = "live")]
        if let ErrorKind::Live(e) = &self.kind {
            return e.is_bad_input();
        }
        matches!(
            self.kind,
            ErrorKind::Input(_)
                | ErrorKind::Bars(_)
                | ErrorKind::Usage(_)
                | ErrorKind::Checkpoint { .. }
                | ErrorKind::ResumeGap(_)
        )
    }

    /// `true` when output failed because the reader went away (a closed pipe).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(&self.kind, ErrorKind::Output { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// An output error for `path`.
    pub fn from_output(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::new(ErrorKind::Output { path: path.into(), source })
    }

    pub(crate) fn usage(message: impl Into<Named>) -> Error {
        Error::new(ErrorKind::Usage(message.into()))
    }

    /// A usage error: `prefix` (e.g. the stream it is about) and this error's message, its settings still
    /// marked.
    pub(crate) fn prefixed(self, prefix: String) -> Error {
        match self.kind {
            ErrorKind::Usage(message) => Error::usage(Named::text(prefix).append(message)),
            _ => Error::usage(format!("{prefix}{self}")),
        }
    }

    /// The message with each setting it names written by `name`: a front end's flag (`--max-window-records`)
    /// or keyword. The names are those of [`crate::settings::SETTINGS`] and [`crate::settings::RUN_SETTINGS`];
    /// `Display` writes them as they are.
    pub fn describe(&self, name: &dyn Fn(&'static str) -> String) -> String {
        match &self.kind {
            ErrorKind::Input(e) => e.describe(name),
            ErrorKind::Bars(e) => e.to_string(),
            ErrorKind::Usage(message) => message.spell(name),
            ErrorKind::Cancelled => "cancelled".to_owned(),
            ErrorKind::Checkpoint { path, reason } => format!("checkpoint {}: {}", path.display(), reason.spell(name)),
            ErrorKind::ResumeGap(gap) => gap.to_string(),
            ErrorKind::Output { path, source } => format!("writing {}: {source}", path.display()),
            #[cfg(feature = "live")]
            ErrorKind::Live(e) => e.named().spell(name),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(&|name| name.to_owned()))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Input(e) => Some(e),
            ErrorKind::Bars(e) => Some(e),
            ErrorKind::Output { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<barsmith_ingest::Error> for Error {
    fn from(e: barsmith_ingest::Error) -> Error {
        Error::new(ErrorKind::Input(e))
    }
}

impl From<barsmith_core::Error> for Error {
    fn from(e: barsmith_core::Error) -> Error {
        Error::new(ErrorKind::Bars(e))
    }
}
