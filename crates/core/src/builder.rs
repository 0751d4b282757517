//! The streaming range-bar builder.
//!
//! The builder consumes [`TradeBatch`]es (or single [`Trade`]s) and reports completed bars to a
//! [`BarSink`]. Per batch it first validates the ordering of every record (so a rejected batch leaves
//! the state untouched), then alternates two tight loops: a *scan* for the next breaching record, and
//! an *accumulate* over the run of records up to it. Both loops are branch-light and work on the
//! columns directly; all money sums are exact `i128`.

use crate::bar::RangeBar;
use crate::error::{Error, ErrorKind};
use crate::threshold::Threshold;
use crate::trades::{Trade, TradeBatch};

/// How bars are formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BuilderConfig {
    /// Bar width.
    pub threshold: Threshold,
    /// When `true` (the default), a bar cannot close on a record whose timestamp equals the bar's
    /// open time: the breach is absorbed and the bar closes at the next breaching record with a
    /// later timestamp.
    pub same_timestamp_gate: bool,
}

impl BuilderConfig {
    /// A configuration with the same-timestamp gate on.
    pub fn new(threshold: Threshold) -> BuilderConfig {
        BuilderConfig { threshold, same_timestamp_gate: true }
    }
}

/// Receives the builder's events for one batch.
///
/// Indices are positions in the batch being pushed. `bar_opened` is called when a record opens a
/// bar; `bar_completed` when a record breaches and closes one.
pub trait BarSink {
    /// A new bar opens at record `index` of the batch.
    fn bar_opened(&mut self, index: usize) {
        let _ = index;
    }
    /// The bar closes at record `index` (the breaching record, included in the bar).
    fn bar_completed(&mut self, bar: RangeBar, index: usize);
}

impl BarSink for Vec<RangeBar> {
    fn bar_completed(&mut self, bar: RangeBar, _index: usize) {
        self.push(bar);
    }
}

/// The bar being formed, with its fixed breach levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FormingBar {
    pub(crate) bar: RangeBar,
    pub(crate) upper: i64,
    pub(crate) lower: i64,
}

/// Streaming builder of range bars.
///
/// ```
/// use rangebar_core::{BuilderConfig, FixedPoint, RangeBarBuilder, Threshold, Trade};
/// let config = BuilderConfig::new(Threshold::from_dbps(250).unwrap());
/// let mut builder = RangeBarBuilder::new(config);
/// let trade = |id: i64, price: &str, ts: i64| Trade {
///     agg_trade_id: id, price: price.parse().unwrap(), quantity: FixedPoint(100_000_000),
///     first_trade_id: id, last_trade_id: id, timestamp_us: ts, is_buyer_maker: false,
/// };
/// assert_eq!(builder.push_trade(&trade(1, "100.0", 1)).unwrap(), None);
/// let bar = builder.push_trade(&trade(2, "100.25", 2)).unwrap().expect("breach at +0.25 %");
/// assert_eq!(bar.close, "100.25".parse().unwrap());
/// assert!(builder.incomplete_bar().is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeBarBuilder {
    pub(crate) config: BuilderConfig,
    pub(crate) forming: Option<FormingBar>,
    /// (timestamp_us, agg_trade_id) of the last record accepted.
    pub(crate) last_key: Option<(i64, i64)>,
}

impl RangeBarBuilder {
    /// A builder with no history.
    pub fn new(config: BuilderConfig) -> RangeBarBuilder {
        RangeBarBuilder { config, forming: None, last_key: None }
    }

    /// The configuration.
    pub fn config(&self) -> BuilderConfig {
        self.config
    }

    /// The bar being formed (not yet breached), with its VWAP up to date, if any.
    pub fn incomplete_bar(&self) -> Option<RangeBar> {
        self.forming.map(|forming| {
            let mut bar = forming.bar;
            bar.refresh_vwap();
            bar
        })
    }

    /// `(upper, lower)` raw breach levels of the forming bar.
    pub fn breach_levels(&self) -> Option<(i64, i64)> {
        self.forming.map(|f| (f.upper, f.lower))
    }

    /// (timestamp_us, agg_trade_id) of the last record accepted.
    pub fn last_key(&self) -> Option<(i64, i64)> {
        self.last_key
    }

    /// Pushes one trade; returns the bar it completes, if any.
    pub fn push_trade(&mut self, trade: &Trade) -> Result<Option<RangeBar>, Error> {
        let key = (trade.timestamp_us, trade.agg_trade_id);
        if let Some(previous) = self.last_key
            && key <= previous
        {
            return Err(Error::new(ErrorKind::OutOfOrder { previous, current: key }));
        }
        self.last_key = Some(key);
        let Some(forming) = &mut self.forming else {
            self.open_bar(trade);
            return Ok(None);
        };
        let bar = &mut forming.bar;
        let price = trade.price.0;
        accumulate_one(bar, trade);
        let breach = price >= forming.upper || price <= forming.lower;
        let gate_allows = !self.config.same_timestamp_gate || trade.timestamp_us != bar.open_time;
        if breach && gate_allows {
            let mut bar = *bar;
            bar.refresh_vwap();
            self.forming = None;
            return Ok(Some(bar));
        }
        Ok(None)
    }

    /// Pushes a batch, appending the completed bars to `bars`.
    pub fn push_batch(&mut self, batch: &TradeBatch, bars: &mut Vec<RangeBar>) -> Result<(), Error> {
        self.push_batch_into(batch, bars)
    }

    /// Pushes a batch, reporting bar events to `sink`.
    ///
    /// The whole batch is validated first: on an ordering error nothing is consumed.
    pub fn push_batch_into<S: BarSink>(&mut self, batch: &TradeBatch, sink: &mut S) -> Result<(), Error> {
        if !batch.is_consistent() {
            return Err(Error::new(ErrorKind::InconsistentBatch));
        }
        validate_order(batch, self.last_key)?;
        let n = batch.len();
        if n == 0 {
            return Ok(());
        }
        let mut start = 0;
        while start < n {
            let Some(forming) = &mut self.forming else {
                let opening = batch.get(start).expect("start < n");
                self.open_bar(&opening);
                sink.bar_opened(start);
                start += 1;
                continue;
            };
            let gate_time = self.config.same_timestamp_gate.then_some(forming.bar.open_time);
            let breach = find_breach(batch, start, (forming.upper, forming.lower), gate_time);
            let end = breach.map_or(n, |i| i + 1);
            accumulate_run(&mut forming.bar, batch, start, end);
            if let Some(index) = breach {
                let mut bar = forming.bar;
                bar.refresh_vwap();
                self.forming = None;
                sink.bar_completed(bar, index);
            }
            start = end;
        }
        self.last_key = Some((batch.timestamp_us[n - 1], batch.agg_trade_id[n - 1]));
        Ok(())
    }

    fn open_bar(&mut self, trade: &Trade) {
        let (upper, lower) = self.config.threshold.levels(trade.price.0);
        self.forming = Some(FormingBar { bar: RangeBar::open_with(trade), upper, lower });
    }
}

/// Checks that the batch is strictly increasing in (timestamp, agg_trade_id), starting after `last`.
fn validate_order(batch: &TradeBatch, last: Option<(i64, i64)>) -> Result<(), Error> {
    let ts = &batch.timestamp_us;
    let ids = &batch.agg_trade_id;
    if let (Some(previous), Some(&t0), Some(&id0)) = (last, ts.first(), ids.first())
        && (t0, id0) <= previous
    {
        return Err(Error::new(ErrorKind::OutOfOrder { previous, current: (t0, id0) }));
    }
    // Branch-free pass over adjacent pairs; the slow search for the culprit runs only on failure.
    let ordered = ts
        .windows(2)
        .zip(ids.windows(2))
        .fold(true, |ok, (t, id)| ok & ((t[1] > t[0]) | ((t[1] == t[0]) & (id[1] > id[0]))));
    if ordered {
        return Ok(());
    }
    let i = (1..ts.len()).find(|&i| (ts[i], ids[i]) <= (ts[i - 1], ids[i - 1])).expect("an unordered pair exists");
    Err(Error::new(ErrorKind::OutOfOrder { previous: (ts[i - 1], ids[i - 1]), current: (ts[i], ids[i]) }))
}

/// Index of the first record at or after `start` that closes the bar, if any.
///
/// A record closes the bar when its price reaches a level (`>= upper` or `<= lower`) and, with the
/// gate (`gate_time = Some(open_time)`), its timestamp differs from the bar's open time.
fn find_breach(batch: &TradeBatch, start: usize, (upper, lower): (i64, i64), gate_time: Option<i64>) -> Option<usize> {
    const CHUNK: usize = 16;
    let prices = &batch.price[start..];
    let times = &batch.timestamp_us[start..];
    let (gated, open_time) = (gate_time.is_some(), gate_time.unwrap_or(0));
    let closes = |p: i64, t: i64| ((p >= upper) | (p <= lower)) & (!gated | (t != open_time));
    let mut offset = 0;
    for (p, t) in prices.chunks_exact(CHUNK).zip(times.chunks_exact(CHUNK)) {
        let any = p.iter().zip(t).fold(false, |acc, (&p, &t)| acc | closes(p, t));
        if any {
            break;
        }
        offset += CHUNK;
    }
    (offset..prices.len()).find(|&i| closes(prices[i], times[i])).map(|i| start + i)
}

/// Adds records `start..end` of `batch` to `bar` (which already holds its opening record).
fn accumulate_run(bar: &mut RangeBar, batch: &TradeBatch, start: usize, end: usize) {
    if start >= end {
        return;
    }
    let prices = &batch.price[start..end];
    let quantities = &batch.quantity[start..end];
    let first_ids = &batch.first_trade_id[start..end];
    let last_ids = &batch.last_trade_id[start..end];
    let sells = &batch.is_buyer_maker[start..end];
    let (mut high, mut low) = (bar.high.0, bar.low.0);
    let (mut volume, mut turnover, mut buy_volume, mut buy_turnover) = (0i128, 0i128, 0i128, 0i128);
    let (mut count, mut buy_count) = (0i64, 0i64);
    for i in 0..prices.len() {
        let (p, q) = (prices[i], quantities[i]);
        high = high.max(p);
        low = low.min(p);
        let buy_mask = i64::from(sells[i]) - 1; // all ones for a buy, zero for a sell
        let notional = i128::from(p) * i128::from(q);
        volume += i128::from(q);
        turnover += notional;
        buy_volume += i128::from(q & buy_mask);
        buy_turnover += notional & i128::from(buy_mask);
        let c = last_ids[i] - first_ids[i] + 1;
        count += c;
        buy_count += c & buy_mask;
    }
    let last = end - 1;
    bar.high.0 = high;
    bar.low.0 = low;
    bar.close.0 = batch.price[last];
    bar.close_time = batch.timestamp_us[last];
    bar.last_agg_trade_id = batch.agg_trade_id[last];
    bar.last_trade_id = batch.last_trade_id[last];
    bar.volume += volume;
    bar.turnover += turnover;
    bar.buy_volume += buy_volume;
    bar.sell_volume += volume - buy_volume;
    bar.buy_turnover += buy_turnover;
    bar.sell_turnover += turnover - buy_turnover;
    bar.agg_record_count += prices.len() as u64;
    bar.individual_trade_count += count;
    bar.buy_trade_count += buy_count;
    bar.sell_trade_count += count - buy_count;
}

/// Adds one record to `bar` (the per-trade path; the same sums as [`accumulate_run`]).
fn accumulate_one(bar: &mut RangeBar, trade: &Trade) {
    let (p, q) = (trade.price.0, i128::from(trade.quantity.0));
    let notional = i128::from(p) * q;
    let count = trade.individual_trade_count();
    bar.high.0 = bar.high.0.max(p);
    bar.low.0 = bar.low.0.min(p);
    bar.close = trade.price;
    bar.close_time = trade.timestamp_us;
    bar.last_agg_trade_id = trade.agg_trade_id;
    bar.last_trade_id = trade.last_trade_id;
    bar.volume += q;
    bar.turnover += notional;
    bar.agg_record_count += 1;
    bar.individual_trade_count += count;
    if trade.is_buy() {
        bar.buy_volume += q;
        bar.buy_turnover += notional;
        bar.buy_trade_count += count;
    } else {
        bar.sell_volume += q;
        bar.sell_turnover += notional;
        bar.sell_trade_count += count;
    }
}

#[cfg(test)]
mod tests;
