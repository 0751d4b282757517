//! The streaming range-bar builder.
//!
//! The builder consumes [`TradeBatch`]es (or single [`Trade`]s) and reports completed bars to a
//! [`BarSink`]. Per batch it first validates the ordering of every record (so a rejected batch leaves
//! the state untouched), then, per bar, finds the closing record and adds the run of records up to it
//! with the column kernels of `barsmith-kernels` (one dispatched call per kernel and run, never per
//! record). All money sums are exact `i128`, whatever the backend.

use crate::bar::RangeBar;
use crate::error::{Error, ErrorKind};
use crate::threshold::Threshold;
use crate::trades::{Trade, TradeBatch, TradeColumns};
use barsmith_kernels::Kernels;

/// How bars are formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BuilderConfig {
    /// Threshold: the distance from the open to each closing level (high − low can reach twice it).
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
/// use barsmith_core::{BuilderConfig, FixedPoint, RangeBarBuilder, Threshold, Trade};
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
    /// The column kernels that scan and sum each run of records.
    pub(crate) kernels: Kernels,
}

impl RangeBarBuilder {
    /// A builder with no history, on the best kernel backend of this CPU ([`Kernels::detect`]).
    pub fn new(config: BuilderConfig) -> RangeBarBuilder {
        RangeBarBuilder::with_kernels(config, Kernels::detect())
    }

    /// A builder with no history, on the given kernel backend. Bars are identical for every backend.
    pub fn with_kernels(config: BuilderConfig, kernels: Kernels) -> RangeBarBuilder {
        RangeBarBuilder { config, forming: None, last_key: None, kernels }
    }

    /// The kernel backend in use.
    pub fn kernels(&self) -> Kernels {
        self.kernels
    }

    /// Switches to another kernel backend (for example after [`RangeBarBuilder::from_checkpoint`]); the
    /// state and the bars it will produce are unchanged.
    pub fn set_kernels(&mut self, kernels: Kernels) {
        self.kernels = kernels;
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
        let rule = CloseRule {
            upper: forming.upper,
            lower: forming.lower,
            gated: self.config.same_timestamp_gate,
            open_time: forming.bar.open_time,
        };
        let bar = &mut forming.bar;
        accumulate_one(bar, trade)?;
        if rule.closes(trade.price.0, trade.timestamp_us) {
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
        self.push_columns_into(&batch.columns(), sink)
    }

    /// [`push_batch_into`](Self::push_batch_into) on borrowed columns (no copy of columns held elsewhere).
    pub fn push_columns_into<S: BarSink>(&mut self, batch: &TradeColumns<'_>, sink: &mut S) -> Result<(), Error> {
        if !batch.is_consistent() {
            return Err(Error::new(ErrorKind::InconsistentBatch));
        }
        validate_order(batch, self.last_key, &self.kernels)?;
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
            let rule = CloseRule {
                upper: forming.upper,
                lower: forming.lower,
                gated: self.config.same_timestamp_gate,
                open_time: forming.bar.open_time,
            };
            match accumulate_until_close(&mut forming.bar, rule, batch, start, &self.kernels)? {
                Some(index) => {
                    let mut bar = forming.bar;
                    bar.refresh_vwap();
                    self.forming = None;
                    sink.bar_completed(bar, index);
                    start = index + 1;
                }
                None => start = n,
            }
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
fn validate_order(batch: &TradeColumns<'_>, last: Option<(i64, i64)>, kernels: &Kernels) -> Result<(), Error> {
    let (ts, ids) = (batch.timestamp_us, batch.agg_trade_id);
    if let (Some(previous), Some(&t0), Some(&id0)) = (last, ts.first(), ids.first())
        && (t0, id0) <= previous
    {
        return Err(Error::new(ErrorKind::OutOfOrder { previous, current: (t0, id0) }));
    }
    match kernels.first_unordered_pair(ts, ids) {
        None => Ok(()),
        Some(i) => {
            Err(Error::new(ErrorKind::OutOfOrder { previous: (ts[i - 1], ids[i - 1]), current: (ts[i], ids[i]) }))
        }
    }
}

/// The rule that closes a bar: the breach levels and, with the gate, the open time to skip.
#[derive(Clone, Copy, Debug)]
struct CloseRule {
    upper: i64,
    lower: i64,
    gated: bool,
    open_time: i64,
}

impl CloseRule {
    #[inline(always)]
    fn closes(&self, price: i64, time: i64) -> bool {
        ((price >= self.upper) | (price <= self.lower)) & (!self.gated | (time != self.open_time))
    }
}

/// Adds records from `start` on to `bar` (which already holds its opening record), stopping after the
/// first record that closes it under `rule`. Returns that record's index, or `None` if the batch ran out.
///
/// Four passes over the run, each one kernel call: the breach search, the money sums, the price extremes
/// and the trade counts. A run is a few hundred records at most thresholds, so the later passes read it
/// from cache.
///
/// Overflow: a run's Σ price × quantity is below 2^127 whenever its Σ quantity is below 2^64 (each price is
/// below 2^63, quantities are non-negative — ingestion guarantees it), so the kernel's i128 sums are exact
/// then; a run past that bound (absurd input) is summed again record by record with checked arithmetic.
/// Adding the run to the bar is checked too. Either failure is [`ErrorKind::SumOverflow`], never a
/// wrapped value.
fn accumulate_until_close(
    bar: &mut RangeBar,
    rule: CloseRule,
    batch: &TradeColumns<'_>,
    start: usize,
    kernels: &Kernels,
) -> Result<Option<usize>, Error> {
    let n = batch.len();
    let closing = find_close(&batch.price[start..n], &batch.timestamp_us[start..n], rule, kernels).map(|i| start + i);
    let end = closing.map_or(n, |i| i + 1);
    if end == start {
        return Ok(None);
    }
    let run = start..end;
    let (prices, sells) = (&batch.price[run.clone()], &batch.is_buyer_maker[run.clone()]);
    let money = kernels.product_sums(prices, &batch.quantity[run.clone()], sells);
    let exact_bound = 1i128 << 64;
    if !(0..exact_bound).contains(&money.weights) {
        for index in run.clone() {
            let trade = batch.get(index).expect("index < n");
            add_money(bar, &trade)?;
        }
    } else {
        let overflow = || Error::new(ErrorKind::SumOverflow { agg_trade_id: batch.agg_trade_id[end - 1] });
        let add = |total: i128, part: i128| total.checked_add(part).ok_or_else(overflow);
        bar.volume = add(bar.volume, money.weights)?;
        bar.turnover = add(bar.turnover, money.products)?;
        bar.sell_volume = add(bar.sell_volume, money.selected_weights)?;
        bar.buy_volume = add(bar.buy_volume, money.weights - money.selected_weights)?;
        bar.sell_turnover = add(bar.sell_turnover, money.selected_products)?;
        bar.buy_turnover = add(bar.buy_turnover, money.products - money.selected_products)?;
    }
    let range = kernels.min_max_i64(prices).expect("the run is not empty");
    bar.high.0 = bar.high.0.max(range.max);
    bar.low.0 = bar.low.0.min(range.min);
    let counts = kernels.span_sums(&batch.first_trade_id[run.clone()], &batch.last_trade_id[run.clone()], sells);
    let (trades, sell_trades) = (trade_count(counts.spans), trade_count(counts.selected_spans));
    bar.individual_trade_count += trades;
    bar.sell_trade_count += sell_trades;
    bar.buy_trade_count += trades - sell_trades;
    let last = end - 1;
    bar.close.0 = batch.price[last];
    bar.close_time = batch.timestamp_us[last];
    bar.last_agg_trade_id = batch.agg_trade_id[last];
    bar.last_trade_id = batch.last_trade_id[last];
    bar.agg_record_count += (end - start) as u64;
    Ok(closing)
}

/// Offset of the first record that closes the bar under `rule`.
///
/// With the gate, records stamped with the bar's open time cannot close it. The batch is ordered by time
/// and no record precedes the bar's opening one, so those records are a prefix of the run: skip it, then
/// search the rest for the first price outside the open interval `(lower, upper)`.
fn find_close(prices: &[i64], times: &[i64], rule: CloseRule, kernels: &Kernels) -> Option<usize> {
    let gated = if rule.gated { times.iter().take_while(|&&t| t == rule.open_time).count() } else { 0 };
    kernels.first_outside_i64(&prices[gated..], rule.lower, rule.upper).map(|i| gated + i)
}

/// A run's trade count as the bar's `i64` field (the same wrapping as the per-trade path).
fn trade_count(count: i128) -> i64 {
    count as i64
}

/// Adds one record to `bar` (the per-trade path; the same sums as [`accumulate_until_close`]).
fn accumulate_one(bar: &mut RangeBar, trade: &Trade) -> Result<(), Error> {
    let p = trade.price.0;
    let count = trade.individual_trade_count();
    bar.high.0 = bar.high.0.max(p);
    bar.low.0 = bar.low.0.min(p);
    bar.close = trade.price;
    bar.close_time = trade.timestamp_us;
    bar.last_agg_trade_id = trade.agg_trade_id;
    bar.last_trade_id = trade.last_trade_id;
    bar.agg_record_count += 1;
    bar.individual_trade_count += count;
    if trade.is_buy() {
        bar.buy_trade_count += count;
    } else {
        bar.sell_trade_count += count;
    }
    add_money(bar, trade)
}

/// Adds one record's volume and turnover to `bar` with checked arithmetic (one product of two `i64` always
/// fits an `i128`; the sums may not).
fn add_money(bar: &mut RangeBar, trade: &Trade) -> Result<(), Error> {
    let q = i128::from(trade.quantity.0);
    let notional = i128::from(trade.price.0) * q;
    let overflow = || Error::new(ErrorKind::SumOverflow { agg_trade_id: trade.agg_trade_id });
    let add = |total: i128, part: i128| total.checked_add(part).ok_or_else(overflow);
    bar.volume = add(bar.volume, q)?;
    bar.turnover = add(bar.turnover, notional)?;
    if trade.is_buy() {
        bar.buy_volume = add(bar.buy_volume, q)?;
        bar.buy_turnover = add(bar.buy_turnover, notional)?;
    } else {
        bar.sell_volume = add(bar.sell_volume, q)?;
        bar.sell_turnover = add(bar.sell_turnover, notional)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
