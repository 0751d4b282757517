//! The crate's error: why a backend cannot be used.

use std::fmt;

use crate::Backend;

/// Why a backend cannot be used. [`Error::kind`] tells which case it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The backend is not part of this build (other target architecture, or its cargo feature is off).
    NotCompiled(Backend),
    /// The backend is compiled in but the running CPU lacks the instructions it needs.
    UnsupportedCpu(Backend),
    /// A name that no backend has.
    UnknownBackend(String),
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn not_compiled(backend: Backend) -> Error {
        Error { kind: ErrorKind::NotCompiled(backend) }
    }

    pub(crate) fn unsupported_cpu(backend: Backend) -> Error {
        Error { kind: ErrorKind::UnsupportedCpu(backend) }
    }

    pub(crate) fn unknown_backend(name: &str) -> Error {
        Error { kind: ErrorKind::UnknownBackend(name.to_owned()) }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::NotCompiled(b) => write!(f, "backend `{b}` is not compiled into this build"),
            ErrorKind::UnsupportedCpu(b) => {
                write!(f, "backend `{b}` is not supported by this CPU (it needs {})", b.cpu_features().join(", "))
            }
            ErrorKind::UnknownBackend(name) => {
                let names: Vec<&str> = Backend::ALL.iter().map(|b| b.name()).collect();
                write!(f, "unknown backend `{name}` (expected one of: {})", names.join(", "))
            }
        }
    }
}

impl std::error::Error for Error {}
