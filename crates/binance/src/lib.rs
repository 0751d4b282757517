//! `barsmith-binance`: the Binance sources of barsmith. Binance Vision archives are named by day or month
//! ([`calendar`]); [`fetch`] downloads them, verified against their checksums and resumable; [`check`] reports
//! the completeness and integrity of aggTrades files without building bars. The live aggTrade streams
//! ([`live`], cargo feature `live`) are an ordered, complete source of trades for `barsmith live`.
//!
//! * [`fetch`] (cargo feature `fetch`, on by default: HTTPS through ureq and rustls) — behind `barsmith fetch`
//!   and Python's `get_bars`.
//! * [`check`] — missing days, agg_trade_id gaps and repeats, out-of-order records, time gaps, checksums
//!   (behind `barsmith check`).
//! * [`calendar`] — UTC days, as archive names use them.
//! * [`Error`] — one error type, naming settings by [`Setting`] so that each front end can spell them its way.
//!
//! File names and input expansion (`SYMBOL-aggTrades-YYYY-MM[-DD].zip`, [`Period`]) are `barsmith-ingest`'s,
//! where the file formats live; building bars is `barsmith`'s, which re-exports this crate behind its `check`
//! and `fetch` features (`barsmith::fetch`, `barsmith::check`). Layout, checksum rule and exit codes of the
//! commands: `docs/FETCH.md`.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod check;
mod error;
#[cfg(feature = "fetch")]
pub mod fetch;
#[cfg(feature = "live")]
pub mod live;

pub use barsmith_ingest::Period;
pub use calendar::Day;
pub use error::{Error, ErrorKind, Setting};
