//! The core crate's error type.

use std::fmt;

/// An error from `barsmith-core`, with its [`ErrorKind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A threshold outside `1..=100_000` dbps.
    InvalidThreshold {
        /// The rejected value.
        dbps: u32,
    },
    /// A trade that is not strictly after the previous one in (timestamp, agg_trade_id).
    OutOfOrder {
        /// (timestamp_us, agg_trade_id) of the previous trade.
        previous: (i64, i64),
        /// (timestamp_us, agg_trade_id) of the offending trade.
        current: (i64, i64),
    },
    /// A batch whose columns have different lengths.
    InconsistentBatch,
    /// A checkpoint that cannot be read or does not match this build.
    Checkpoint {
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidThreshold { dbps } => {
                write!(f, "threshold {dbps} dbps is outside the valid range 1..=100000")
            }
            ErrorKind::OutOfOrder { previous, current } => write!(
                f,
                "trade out of order: agg_trade_id {} at {} µs does not follow agg_trade_id {} at {} µs \
                 (input must be strictly increasing in (timestamp, agg_trade_id))",
                current.1, current.0, previous.1, previous.0
            ),
            ErrorKind::InconsistentBatch => write!(f, "trade batch columns have different lengths"),
            ErrorKind::Checkpoint { reason } => write!(f, "invalid checkpoint: {reason}"),
        }
    }
}

impl std::error::Error for Error {}
