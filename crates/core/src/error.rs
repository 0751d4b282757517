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
    /// A bar's volume or turnover would pass `i128` (only absurd inputs: a turnover needs Σ price × quantity
    /// above 1.7 × 10^38 raw units, e.g. prices and quantities both near `i64::MAX`). The builder that
    /// returned it must not be used further.
    SumOverflow {
        /// agg_trade_id of the record whose sum did not fit.
        agg_trade_id: i64,
    },
    /// A checkpoint that cannot be read or does not match this build.
    Checkpoint {
        /// What is wrong with it.
        reason: String,
    },
    /// A lookback mode whose text does not parse (`count:N`, `time:DURATION`, `bars:K`).
    InvalidLookback {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        problem: LookbackProblem,
    },
    /// A feature group name other than `bar`, `intra`, `lookback`.
    UnknownFeatureGroup {
        /// The name as given.
        text: String,
    },
    /// A feature setting outside its range; [`Setting`] names the field (a CLI maps it to its flag).
    InvalidSetting {
        /// Which setting.
        setting: Setting,
        /// The value given.
        value: i64,
        /// The smallest accepted value.
        min: i64,
        /// The largest accepted value.
        max: i64,
    },
    /// A pipeline over a stream was given no threshold to build.
    NoThreshold,
    /// A bar specification (setting `bars`) that does not parse or is out of range.
    InvalidBarSpec {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Why a lookback mode's text does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookbackProblem {
    /// No `:` between the kind and the value.
    MissingColon,
    /// A kind other than `count`, `time`, `bars`.
    UnknownKind,
    /// `count:0` or `bars:0`.
    ZeroCount,
    /// The count is not a whole number.
    CountNotWhole,
    /// The duration has no unit.
    DurationWithoutUnit,
    /// The duration does not start with a whole number.
    DurationNotWhole,
    /// A unit other than `us`, `ms`, `s`, `m`, `h`.
    UnknownDurationUnit,
    /// A zero duration.
    DurationNotPositive,
    /// A duration beyond `i64` microseconds.
    DurationTooLarge,
}

impl fmt::Display for LookbackProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LookbackProblem::MissingColon => "missing ':'",
            LookbackProblem::UnknownKind => "unknown kind",
            LookbackProblem::ZeroCount => "the count must be at least 1 (turn the lookback group off instead)",
            LookbackProblem::CountNotWhole => "the count is not a whole number",
            LookbackProblem::DurationWithoutUnit => "the duration has no unit (us, ms, s, m, h)",
            LookbackProblem::DurationNotWhole => "the duration does not start with a whole number",
            LookbackProblem::UnknownDurationUnit => "unknown duration unit (use us, ms, s, m or h)",
            LookbackProblem::DurationNotPositive => "the duration must be positive",
            LookbackProblem::DurationTooLarge => "the duration is too large",
        })
    }
}

/// A numeric feature setting (the fields of `FeatureConfig`), named in [`ErrorKind::InvalidSetting`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// `FeatureConfig::pe_order`.
    PeOrder,
    /// `FeatureConfig::pe_min_records`.
    PeMinRecords,
    /// `FeatureConfig::hurst_min_records`.
    HurstMinRecords,
    /// The `N`/`K` of `LookbackMode::Count` / `LookbackMode::Bars`.
    LookbackCount,
    /// The duration of `LookbackMode::Time`, in microseconds.
    LookbackDurationUs,
    /// `FeatureConfig::max_window_records`.
    MaxWindowRecords,
}

impl Setting {
    /// The field's name, e.g. `pe_order`.
    pub fn name(self) -> &'static str {
        match self {
            Setting::PeOrder => "pe_order",
            Setting::PeMinRecords => "pe_min_records",
            Setting::HurstMinRecords => "hurst_min_records",
            Setting::LookbackCount => "lookback count",
            Setting::LookbackDurationUs => "lookback duration (µs)",
            Setting::MaxWindowRecords => "max_window_records",
        }
    }
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
            ErrorKind::SumOverflow { agg_trade_id } => write!(
                f,
                "the bar's volume or turnover passes i128 at agg_trade_id {agg_trade_id} \
                 (price × quantity sums beyond 1.7e38 raw units: check the input's prices and quantities)"
            ),
            ErrorKind::Checkpoint { reason } => write!(f, "invalid checkpoint: {reason}"),
            ErrorKind::InvalidLookback { text, problem } => write!(
                f,
                "invalid lookback mode {text:?}: {problem} (expected count:N, time:DURATION such as time:30s, or bars:K)"
            ),
            ErrorKind::UnknownFeatureGroup { text } => {
                write!(f, "unknown feature group {text:?} (expected bar, intra or lookback)")
            }
            ErrorKind::InvalidSetting { setting, value, min, max } if max == &i64::MAX => {
                write!(f, "{} = {value} is too small (at least {min})", setting.name())
            }
            ErrorKind::InvalidSetting { setting, value, min, max } => {
                write!(f, "{} = {value} is outside {min}..={max}", setting.name())
            }
            ErrorKind::NoThreshold => write!(f, "no threshold given (a pipeline builds at least one)"),
            ErrorKind::InvalidBarSpec { text, reason } => write!(
                f,
                "bars: invalid bar specification {text:?}: {reason} (examples: range:250, tick:1000, volume:50.5, \
                 dollar:1e7, time:5m, tick-imbalance:ewma, volume-run:100)"
            ),
        }
    }
}

impl std::error::Error for Error {}
