//! `barsmith-core`: exact fixed-point range bars over Binance aggTrades.
//!
//! * [`FixedPoint`] — prices and quantities as `i64` at scale 10^8, parsed exactly from decimal text.
//! * [`Threshold`] — the threshold in decimal basis points (1 dbps = 10^-5): the distance from a bar's open to
//!   each of its two levels.
//! * [`Trade`] / [`TradeBatch`] — one aggTrades record, and a struct-of-arrays batch of them.
//! * [`RangeBar`] — a completed (or forming) bar with exact integer accumulators.
//! * [`RangeBarBuilder`] — the streaming builder; [`Checkpoint`] — its serialised state.
//!
//! The semantics are written down in `docs/RANGE_BARS.md`.
#![forbid(unsafe_code)]

mod bar;
mod builder;
mod checkpoint;
mod error;
pub mod features;
mod fixed_point;
mod named;
mod spec;
mod threshold;
mod timestamp;
mod trades;

pub use bar::RangeBar;
pub use builder::{BarSink, BuilderConfig, RangeBarBuilder};
pub use checkpoint::{CHECKPOINT_VERSION, Checkpoint};
pub use error::{Error, ErrorKind, LookbackProblem, Setting};
pub use features::{
    BarFeatures, FeatureCheckpoint, FeatureConfig, FeaturePipeline, FeaturedBar, Kernels, LookbackMode, SymbolPipeline,
    WindowOverflow,
};
pub use fixed_point::{FixedPoint, ParseFixedPointError, SCALE, TURNOVER_SCALE, format_scaled_i128};
pub use named::Named;
pub use spec::{BarSpec, Expected, Measure, SignRule, format_duration, parse_duration};
pub use threshold::Threshold;
pub use timestamp::{
    DAY_US, MILLISECOND_CUTOFF, civil_from_days, days_from_civil, days_in_month, format_utc_us, normalize_timestamp_us,
};
pub use trades::{Trade, TradeBatch, TradeColumns};
