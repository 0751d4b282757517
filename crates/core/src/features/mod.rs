//! Per-bar microstructure features.
//!
//! * **Bar-level** ([`BarLevelFeatures`]): closed forms over the bar's exact accumulators.
//! * **Window** ([`WindowFeatures`]): one set of estimators applied to two runs of records — the
//!   bar's own records (`intra_*`) and a bounded lookback before the bar's opening record
//!   (`lookback_*`, see [`LookbackMode`]).
//!
//! [`SymbolPipeline`] owns one [`crate::RangeBarBuilder`] per threshold of a stream and one shared record
//! history, and emits each completed bar with its [`BarFeatures`]; [`FeaturePipeline`] is the same with one
//! threshold; [`FeatureCheckpoint`] carries one threshold's whole state. The definitions, null rules and
//! column names are written down in `docs/FEATURES.md`.

mod bar_level;
mod checkpoint;
mod config;
mod gap;
mod history;
mod intra_stream;
mod opening;
mod output;
#[cfg(feature = "rayon")]
mod parallel;
mod pipeline;
mod window;
mod window_stream;

pub use bar_level::BarLevelFeatures;
pub use barsmith_kernels::{Backend, Kernels};
pub use checkpoint::{FEATURE_CHECKPOINT_VERSION, FeatureCheckpoint};
pub(crate) use config::parse_duration_us;
pub use config::{DEFAULT_MAX_WINDOW_RECORDS, FeatureConfig, FeatureGroup, LookbackMode, MAX_PE_ORDER};
pub use opening::Opening;
pub use output::{BarFeatures, FeatureColumn, FeaturedBar, feature_columns};
pub use pipeline::{FeaturePipeline, SymbolPipeline, WindowOverflow};
pub use window::{WindowFeatures, WindowRecords, window_features};
