//! `barsmith`: exact range bars with per-bar microstructure features from Binance aggTrades — the library.
//!
//! This crate is what an embedding program depends on; it pulls in no command-line machinery. The pieces:
//!
//! * [`pipeline`] — one pass over trade batches builds bars with features for several thresholds; bars go to
//!   any [`BarConsumer`] — the one trait for where bars go (memory, a closure, CSV or Parquet files).
//! * [`run`] — the whole job from paths: inputs grouped per symbol, symbols in parallel, atomic outputs,
//!   checkpoints (what `barsmith bars` does).
//! * [`parallel`] — one symbol's stream cut into shards run in parallel and joined exactly (what
//!   `barsmith bars --threads N` does when there are fewer symbols than threads).
//! * [`sink`] — output files (CSV, Parquet), each a [`BarConsumer`].
//! * [`output`] — the exact CSV layout and atomic output files.
//! * `fetch` (cargo feature `fetch`) — Binance Vision archives to disk, verified against their checksums and
//!   resumable (behind `barsmith fetch`); `check` (cargo feature `check`) — completeness and integrity reports
//!   over aggTrades files (behind `barsmith check`). Both are the crate `barsmith-binance` (`binance`),
//!   re-exported.
//! * [`calendar`] — the one timestamp formatter, and with `check` the UTC days of archive names.
//! * [`inputs`] — files, directories and globs to per-symbol streams of files, by their Binance names
//!   (`barsmith-ingest`'s, re-exported).
//! * [`progress`] — the observer of long runs and the one that ignores everything (`barsmith-ingest`'s).
//! * `arrow_output` (cargo feature `arrow`, on with `parquet`) — bars as Arrow record batches, the columns of
//!   the Parquet output.
//! * `generate` (cargo feature `generate`) — the deterministic synthetic aggTrades generator behind
//!   `barsmith gen`.
//!
//! The lower layers are re-exported whole ([`core`], [`ingest`], [`kernels`]) and their everyday types at
//! the top level, so an embedder needs this one dependency:
//!
//! ```
//! use barsmith::pipeline::{BarPipeline, CollectBars, PipelineConfig};
//! use barsmith::{Threshold, Trade, TradeBatch};
//!
//! let mut trades = TradeBatch::new();
//! for (id, price) in [(1, "100.00"), (2, "100.30"), (3, "99.90")] {
//!     trades.push(&Trade {
//!         agg_trade_id: id,
//!         price: price.parse().unwrap(),
//!         quantity: "1.5".parse().unwrap(),
//!         first_trade_id: id,
//!         last_trade_id: id,
//!         timestamp_us: 1_700_000_000_000_000 + id,
//!         is_buyer_maker: false,
//!     });
//! }
//! let config = PipelineConfig::new(vec![Threshold::from_dbps(250).unwrap()]);
//! let mut pipeline = BarPipeline::new(&config).unwrap();
//! let mut bars = CollectBars::default();
//! pipeline.push_batch(&trades, &mut bars).unwrap();
//! pipeline.finish(&mut bars).unwrap();
//! assert_eq!(bars.completed.len(), 1);
//! ```
#![forbid(unsafe_code)]

#[cfg(feature = "arrow")]
pub mod arrow_output;
pub mod error;
#[cfg(feature = "generate")]
pub mod generate;
pub mod output;
pub mod parallel;
pub mod parquet_output;
pub mod pipeline;
pub mod run;
pub mod sink;

#[cfg(feature = "check")]
pub use barsmith_binance as binance;
#[cfg(feature = "check")]
pub use barsmith_binance::check;
#[cfg(feature = "fetch")]
pub use barsmith_binance::fetch;
pub use barsmith_core as core;
pub use barsmith_ingest as ingest;
pub use barsmith_ingest::inputs;
// The observer of long runs (`progress::Progress`) and the one that ignores everything (`NoProgress`).
pub use barsmith_ingest::progress;
pub use barsmith_kernels as kernels;

pub use barsmith_core::features::{FeatureConfig, FeatureGroup, FeaturedBar, LookbackMode};
pub use barsmith_core::{
    BuilderConfig, Checkpoint, FixedPoint, RangeBar, RangeBarBuilder, Threshold, Trade, TradeBatch,
};
pub use barsmith_ingest::{IngestOptions, MultiFileReader, NoProgress, Progress, TradeReader};
pub use barsmith_kernels::{Backend, Kernels};
pub use error::{Error, ErrorKind};

/// UTC days and times: the one timestamp formatter (`format_utc_us`, barsmith-core's) always; with the `check`
/// feature also the calendar of archive names (`Day`, barsmith-binance's).
pub mod calendar {
    #[cfg(feature = "check")]
    pub use barsmith_binance::calendar::*;
    pub use barsmith_core::format_utc_us;
}
pub use pipeline::{BarConsumer, BarPipeline, PipelineConfig};
