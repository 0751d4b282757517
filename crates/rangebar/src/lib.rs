//! `rangebar`: the embeddable pipeline behind the `rangebar` command.
//!
//! * [`pipeline`] — one pass over trade batches builds bars with features for several thresholds; bars go to
//!   any [`pipeline::BarConsumer`] (collect in memory, a closure, a [`sink::BarWriter`]).
//! * [`run`] — the whole job from paths: inputs grouped per symbol, symbols in parallel, atomic outputs,
//!   checkpoints.
//! * [`sink`] — output formats (CSV, Parquet) behind one [`sink::BarWriter`] trait.
//! * [`output`] — the exact CSV layout and atomic output files.
//! * [`generate`] — the deterministic synthetic aggTrades generator behind `rangebar gen`.
#![forbid(unsafe_code)]

pub mod error;
pub mod generate;
pub mod inputs;
pub mod output;
pub mod parquet_output;
pub mod pipeline;
pub mod run;
pub mod sink;

pub use error::{Error, ErrorKind};
