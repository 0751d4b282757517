//! `barsmith`: exact range bars with per-bar microstructure features from Binance aggTrades — the library.
//!
//! This crate is what an embedding program depends on; it pulls in no command-line machinery. The pieces:
//!
//! * [`pipeline`] — one pass over trade batches builds bars with features for several thresholds; bars go to
//!   any [`BarConsumer`] — the one trait for where bars go (memory, a closure, CSV or Parquet files).
//! * [`settings`] — every setting of a run in one type ([`Settings`]), with its defaults and names; every
//!   front end (CLI, Python, Dask) fills it.
//! * [`run`] — one run, for every front end: a [`run::Job`] (paths or in-memory trade batches, settings)
//!   feeds any [`BarConsumer`] per stream, with inputs grouped per symbol, symbols and shards in parallel,
//!   checkpoints and what reading found (id gaps, duplicates); [`run::write_bars`] is the job with output
//!   files committed atomically (what `barsmith bars` does).
//! * [`progress`] — what a run tells its front end as it works (progress, warnings) and how it is stopped.
//! * [`parallel`] — one symbol's stream cut into shards run in parallel and joined exactly (what
//!   `barsmith bars --threads N` does when there are fewer symbols than threads).
//! * [`output`] — writing bars: the columns and the metadata every output records, the CSV writer, bars as
//!   Arrow record batches (cargo feature `arrow`, on with `parquet`), the Parquet writer, atomic output files.
//! * `fetch` (cargo feature `fetch`) — Binance Vision archives to disk, verified against their checksums and
//!   resumable (behind `barsmith fetch`); `check` (cargo feature `check`) — completeness and integrity reports
//!   over aggTrades files (behind `barsmith check`). Both are the crate `barsmith-binance` (`binance`),
//!   re-exported.
//! * [`calendar`] — the one timestamp formatter, and with `check` the UTC days of archive names.
//! * [`inputs`] — files, directories and globs to per-symbol streams of files, by their Binance names
//!   (`barsmith-ingest`'s, re-exported).
//! * [`error`] — the library's error.
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

pub mod error;
#[cfg(feature = "generate")]
pub mod generate;
#[cfg(feature = "live")]
pub mod live;
pub mod output;
pub mod parallel;
pub mod pipeline;
pub mod run;
pub mod settings;

#[cfg(feature = "check")]
pub use barsmith_binance as binance;
#[cfg(feature = "check")]
pub use barsmith_binance::check;
#[cfg(feature = "fetch")]
pub use barsmith_binance::fetch;
pub use barsmith_core as core;
pub use barsmith_ingest as ingest;
pub use barsmith_ingest::inputs;
// What a run tells its front end (progress, warnings, whether to stop), and the observer that ignores
// everything: `barsmith-ingest`'s leaf module, one pair for the workspace (the fetch of `barsmith-binance` takes
// the same `NoProgress`).
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
/// The checkpoint file, the one checkpoint format of the CLI and Python.
pub use run::checkpoint;
pub use settings::Settings;
