//! `rangebar`: the embeddable pipeline behind the `rangebar` command.
//!
//! * [`pipeline`] — one pass over trade batches builds bars for several thresholds; bars go to any
//!   [`pipeline::BarConsumer`] (collect in memory, a closure, or the CSV writer).
//! * [`output`] — the CSV layout and atomic output files.
//! * [`generate`] — the deterministic synthetic aggTrades generator behind `rangebar gen`.
#![forbid(unsafe_code)]

pub mod error;
pub mod generate;
pub mod output;
pub mod pipeline;

pub use error::{Error, ErrorKind};
