//! Whether speculative shards pay for one stream, measured on its first records before the run.
//!
//! A shard's join replays records until the true run and the shard's speculative run close a bar on the same
//! record and every later window lies inside the shard. When that takes a large part of a shard (coarse
//! thresholds: few bars a shard), the replay is work done twice and two threads lose to one (measured: 0.78×
//! at 250 dbps with 74 % of the records replayed, 1.28× at 50 dbps with few; docs/PARALLEL.md). So before
//! sharding, the run measures how far apart two runs meet on the stream itself: the bar rule alone (the
//! builder, no features) from the first record and from three later starts over the first records of the
//! first shard, plus the records the lookback window needs, against the records a shard holds.

use barsmith_core::features::{FeaturePipeline, LookbackMode};
use barsmith_core::{RangeBarBuilder, Trade, TradeBatch};

use std::path::Path;

use barsmith_ingest::IngestOptions;

use crate::error::Error;

/// Records of the first shard the probe reads.
pub const PROBE_RECORDS: usize = 1 << 18;
/// Shards are used when the estimated replay is below this share of a shard's records (the mean over the
/// thresholds, as `-v` reports the replayed share). Measured on 8 files of one symbol, 2 threads, all features
/// (docs/PERFORMANCE.md and issue 25): 1.91–1.97× at 1.4 % replayed, 1.6× at 12 %, 0.78× at 74 %; the line
/// through them crosses 1.0× near 55 %, and the margin covers the estimate's error.
pub const MAX_REPLAY_SHARE: f64 = 0.25;

/// What the probe measured and chose.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardChoice {
    /// Run in shards (`false`: one pass, with the threads on parsing and on the thresholds).
    pub shard: bool,
    /// Per threshold: the estimated records a join replays (the bar rule's meeting distance plus the
    /// lookback's warm-up), `None` when the runs did not meet within the probe.
    pub replay_records: Vec<Option<u64>>,
    /// Records the probe read.
    pub probe_records: u64,
    /// The estimated records of one shard.
    pub shard_records: u64,
}

/// Measures the stream that starts with the file `first` (its first [`PROBE_RECORDS`]) for `pipelines` (one
/// per threshold) and chooses whether shards of `shard_bytes` bytes on disk (the mean) pay.
pub fn choose(
    first: &Path,
    ingest: &IngestOptions,
    shard_bytes: u64,
    pipelines: &[FeaturePipeline],
) -> Result<ShardChoice, Error> {
    let (trades, records_per_byte) = read_head(first, ingest)?;
    let shard_records = (shard_bytes as f64 * records_per_byte) as u64;
    let replay_records: Vec<Option<u64>> = pipelines.iter().map(|p| replay_estimate(&trades, p)).collect();
    let mean = replay_records.iter().map(|r| r.map_or(f64::INFINITY, |r| r as f64)).sum::<f64>()
        / replay_records.len().max(1) as f64;
    let share = mean / shard_records.max(1) as f64;
    Ok(ShardChoice {
        shard: share < MAX_REPLAY_SHARE,
        replay_records,
        probe_records: trades.len() as u64,
        shard_records,
    })
}

/// The first records of `path`, and records per byte on disk (compressed bytes for compressed files).
fn read_head(path: &Path, ingest: &IngestOptions) -> Result<(Vec<Trade>, f64), Error> {
    let mut reader = barsmith_ingest::open(path, ingest)?;
    let mut batch = TradeBatch::new();
    let mut trades = Vec::new();
    while trades.len() < PROBE_RECORDS && reader.next_batch(&mut batch)? {
        trades.extend(batch.iter().take(PROBE_RECORDS - trades.len()));
    }
    let records_per_byte = reader.records_read() as f64 / reader.bytes_read().max(1) as f64;
    Ok((trades, records_per_byte))
}

/// Indices of the records on which a builder started fresh at `start` closes bars.
fn closes(trades: &[Trade], start: usize, like: &FeaturePipeline) -> Vec<usize> {
    let mut builder = RangeBarBuilder::with_kernels(like.builder().config(), like.builder().kernels());
    let mut closes = Vec::new();
    for (index, trade) in trades.iter().enumerate().skip(start) {
        if let Ok(Some(_)) = builder.push_trade(trade) {
            closes.push(index);
        }
    }
    closes
}

/// The records a join replays for `pipeline`'s threshold on this stream: the mean distance at which runs
/// started at 1/8, 2/8 and 3/8 of the probe meet the run started at its first record, plus the lookback's
/// warm-up; `None` when a start does not meet within the probe.
fn replay_estimate(trades: &[Trade], pipeline: &FeaturePipeline) -> Option<u64> {
    let truth = closes(trades, 0, pipeline);
    let mut total = 0;
    for eighth in 1..=3 {
        let start = trades.len() * eighth / 8;
        let speculative = closes(trades, start, pipeline);
        let met = speculative.iter().find(|close| truth.binary_search(close).is_ok())?;
        total += met + 1 - start;
    }
    let meet = total as u64 / 3;
    let config = pipeline.config();
    let warm_up = if !config.lookback {
        0
    } else {
        match config.lookback_mode {
            LookbackMode::Count(n) => n,
            LookbackMode::Time { duration_us } => records_within(trades, duration_us)?,
            LookbackMode::Bars(k) => k.saturating_mul(trades.len() as u64 / (truth.len() as u64).max(1)),
        }
    };
    Some(meet + warm_up)
}

/// Records in `duration_us` at the probe's mean rate.
fn records_within(trades: &[Trade], duration_us: i64) -> Option<u64> {
    let span = trades.last()?.timestamp_us - trades.first()?.timestamp_us;
    (span > 0).then(|| (trades.len() as f64 * duration_us as f64 / span as f64) as u64)
}
