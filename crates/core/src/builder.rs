//! The streaming bar builder: range bars, and every other [`BarSpec`] on the same engine.
//!
//! The builder consumes [`TradeBatch`]es (or single [`Trade`]s) and reports completed bars to a
//! [`BarSink`]. Per batch it first validates the ordering of every record (so a rejected batch leaves
//! the state untouched), then, per bar, finds the closing record and adds the run of records up to it
//! with the column kernels of `barsmith-kernels` (one dispatched call per kernel and run, never per
//! record). All money sums are exact `i128`, whatever the backend.

use crate::bar::RangeBar;
use crate::error::{Error, ErrorKind};
use crate::spec::BarSpec;
use crate::threshold::Threshold;
use crate::trades::{Trade, TradeBatch, TradeColumns};
use barsmith_kernels::Kernels;

/// How bars are formed.
///
/// In a checkpoint a range configuration keeps its original shape (`threshold`, `same_timestamp_gate`);
/// another kind is written as `bars` (its [`BarSpec`] text) and a minimum duration as `min_duration_us`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "ConfigRepr", into = "ConfigRepr")]
pub struct BuilderConfig {
    /// The rule that closes a bar.
    pub spec: BarSpec,
    /// Range bars: when `true` (the default), a bar cannot close on a record whose timestamp equals the bar's
    /// open time: the breach is absorbed and the bar closes at the next breaching record with a later
    /// timestamp.
    pub same_timestamp_gate: bool,
    /// Range bars: a breach earlier than this many microseconds after the open does not close the bar; it
    /// closes on the first record beyond a level whose timestamp is at least `open_time + min_duration_us`.
    /// 0 (the default): off.
    pub min_duration_us: i64,
}

impl BuilderConfig {
    /// Range bars at `threshold`, with the same-timestamp gate on and no minimum duration.
    pub fn new(threshold: Threshold) -> BuilderConfig {
        BuilderConfig::of(BarSpec::Range(threshold))
    }

    /// Bars of `spec`, with the same-timestamp gate on and no minimum duration.
    pub fn of(spec: BarSpec) -> BuilderConfig {
        BuilderConfig { spec, same_timestamp_gate: true, min_duration_us: 0 }
    }

    /// The range threshold, for range bars.
    pub fn threshold(&self) -> Option<Threshold> {
        self.spec.threshold()
    }
}

/// The checkpoint shape of [`BuilderConfig`].
#[derive(serde::Serialize, serde::Deserialize)]
struct ConfigRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    threshold: Option<Threshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bars: Option<BarSpec>,
    same_timestamp_gate: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    min_duration_us: i64,
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

impl TryFrom<ConfigRepr> for BuilderConfig {
    type Error = String;
    fn try_from(repr: ConfigRepr) -> Result<BuilderConfig, String> {
        let spec = match (repr.threshold, repr.bars) {
            (Some(threshold), None) => BarSpec::Range(threshold),
            (None, Some(spec)) => spec,
            _ => return Err("a builder configuration has either `threshold` or `bars`".into()),
        };
        if repr.min_duration_us < 0 {
            return Err("min_duration_us is negative".into());
        }
        Ok(BuilderConfig { spec, same_timestamp_gate: repr.same_timestamp_gate, min_duration_us: repr.min_duration_us })
    }
}

impl From<BuilderConfig> for ConfigRepr {
    fn from(config: BuilderConfig) -> ConfigRepr {
        let threshold = config.spec.threshold();
        ConfigRepr {
            threshold,
            bars: if threshold.is_some() { None } else { Some(config.spec) },
            same_timestamp_gate: config.same_timestamp_gate,
            min_duration_us: config.min_duration_us,
        }
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
    /// The bar ended with the record before record `end` of the batch, which may be the last record of an
    /// earlier batch (`end == 0`); the record at `end` is not in it (a time bar, completed by the first record
    /// of a later interval). The default calls `bar_completed(bar, end.saturating_sub(1))`: override it when
    /// the index matters.
    fn bar_completed_before(&mut self, bar: RangeBar, end: usize) {
        self.bar_completed(bar, end.saturating_sub(1));
    }
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
    /// Running sums and expectations of the kinds that keep them (empty for range and time bars).
    pub(crate) rule: RuleState,
}

impl RangeBarBuilder {
    /// A builder with no history, on the best kernel backend of this CPU ([`Kernels::detect`]).
    pub fn new(config: BuilderConfig) -> RangeBarBuilder {
        RangeBarBuilder::with_kernels(config, Kernels::detect())
    }

    /// A builder with no history, on the given kernel backend. Bars are identical for every backend.
    pub fn with_kernels(config: BuilderConfig, kernels: Kernels) -> RangeBarBuilder {
        RangeBarBuilder { config, forming: None, last_key: None, kernels, rule: RuleState::default() }
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

    /// `(upper, lower)` raw breach levels of the forming range bar (`None` for other kinds).
    pub fn breach_levels(&self) -> Option<(i64, i64)> {
        self.forming.filter(|_| self.config.threshold().is_some()).map(|f| (f.upper, f.lower))
    }

    /// (timestamp_us, agg_trade_id) of the last record accepted.
    pub fn last_key(&self) -> Option<(i64, i64)> {
        self.last_key
    }

    /// Pushes one trade; returns the bar it completes, if any (for a time bar: the bar of an earlier interval,
    /// completed by this trade, which opens the next).
    pub fn push_trade(&mut self, trade: &Trade) -> Result<Option<RangeBar>, Error> {
        if self.config.threshold().is_none() {
            let mut bars = Vec::with_capacity(1);
            self.push_batch_into(&std::iter::once(trade).collect(), &mut bars)?;
            return Ok(bars.pop());
        }
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
        let rule = CloseRule::of(forming, &self.config);
        let bar = &mut forming.bar;
        accumulate_one(bar, trade)?;
        if rule.closes(trade.price.0, trade.timestamp_us) {
            return Ok(Some(self.complete()));
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
            start = self.advance(batch, start, sink)?;
        }
        self.last_key = Some((batch.timestamp_us[n - 1], batch.agg_trade_id[n - 1]));
        Ok(())
    }

    /// Consumes records from `start` up to the next bar event; returns the first record not consumed.
    fn advance<S: BarSink>(&mut self, batch: &TradeColumns<'_>, start: usize, sink: &mut S) -> Result<usize, Error> {
        let n = batch.len();
        let summing = !matches!(self.config.spec, BarSpec::Range(_) | BarSpec::Time { .. });
        let (from, fresh) = match &self.forming {
            Some(_) => (start, false),
            None => {
                let opening = batch.get(start).expect("start < n");
                self.open_bar(&opening);
                sink.bar_opened(start);
                if !summing {
                    return Ok(start + 1);
                }
                self.rule.begin_bar();
                (start, true)
            }
        };
        // The first record not yet in the bar (a fresh bar holds its opening record already).
        let first = from + usize::from(fresh);
        let forming = self.forming.as_mut().expect("a bar is forming");
        let kernels = &self.kernels;
        let event = match self.config.spec {
            BarSpec::Range(_) => {
                let rule = CloseRule::of(forming, &self.config);
                Event::closing(find_close(&batch.price[from..n], &batch.timestamp_us[from..n], rule, kernels), from)
            }
            BarSpec::Time { interval_us } => {
                let end = forming.bar.open_time.div_euclid(interval_us).saturating_add(1).saturating_mul(interval_us);
                match batch.timestamp_us[from..].iter().position(|&t| t >= end) {
                    Some(offset) => Event::EndsBefore(from + offset),
                    None => Event::Open,
                }
            }
            _ => match self.rule.scan(&self.config.spec, batch, from) {
                Scan::Closes(index) => Event::Closes(index),
                Scan::Open => Event::Open,
            },
        };
        let end = match event {
            Event::Closes(index) => index + 1,
            Event::EndsBefore(index) => index,
            Event::Open => n,
        };
        if end > first {
            accumulate_run(&mut forming.bar, batch, first..end, kernels)?;
        }
        match event {
            Event::Closes(index) => sink.bar_completed(self.complete(), index),
            Event::EndsBefore(index) => sink.bar_completed_before(self.complete(), index),
            Event::Open => {}
        }
        Ok(end)
    }

    /// Ends the forming bar: its final VWAP, and the rule's state moved on to the next bar.
    fn complete(&mut self) -> RangeBar {
        let mut bar = self.forming.take().expect("a bar is forming").bar;
        bar.refresh_vwap();
        self.rule.end_bar(&self.config.spec);
        bar
    }

    fn open_bar(&mut self, trade: &Trade) {
        let (upper, lower) = match self.config.spec {
            BarSpec::Range(threshold) => threshold.levels(trade.price.0),
            _ => (0, 0),
        };
        self.forming = Some(FormingBar { bar: RangeBar::open_with(trade), upper, lower });
    }
}

/// What a scan found in the batch.
enum Event {
    /// The record at this index closes the bar and belongs to it.
    Closes(usize),
    /// The bar ended before the record at this index (time bars).
    EndsBefore(usize),
    /// The bar is still open at the end of the batch.
    Open,
}

impl Event {
    fn closing(offset: Option<usize>, from: usize) -> Event {
        offset.map_or(Event::Open, |offset| Event::Closes(from + offset))
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

/// The rule that closes a range bar: the breach levels and the earliest time a breach counts (with the gate,
/// after the open time; with a minimum duration, that long after it).
#[derive(Clone, Copy, Debug)]
struct CloseRule {
    upper: i64,
    lower: i64,
    earliest: i64,
}

impl CloseRule {
    fn of(forming: &FormingBar, config: &BuilderConfig) -> CloseRule {
        let wait = config.min_duration_us.max(i64::from(config.same_timestamp_gate));
        CloseRule { upper: forming.upper, lower: forming.lower, earliest: forming.bar.open_time.saturating_add(wait) }
    }

    #[inline(always)]
    fn closes(&self, price: i64, time: i64) -> bool {
        ((price >= self.upper) | (price <= self.lower)) & (time >= self.earliest)
    }
}

/// Adds the records `run` (not empty) to `bar`, which already holds its opening record.
///
/// Three passes over the run, each one kernel call: the money sums, the price extremes and the trade counts
/// (the scan that found the run's end read it first). A run is a few hundred records at most thresholds, so
/// the later passes read it from cache.
///
/// Overflow: a run's Σ price × quantity is below 2^127 whenever its Σ quantity is below 2^64 (each price is
/// below 2^63, quantities are non-negative — ingestion guarantees it), so the kernel's i128 sums are exact
/// then; a run past that bound (absurd input) is summed again record by record with checked arithmetic.
/// Adding the run to the bar is checked too. Either failure is [`ErrorKind::SumOverflow`], never a
/// wrapped value.
fn accumulate_run(
    bar: &mut RangeBar,
    batch: &TradeColumns<'_>,
    run: std::ops::Range<usize>,
    kernels: &Kernels,
) -> Result<(), Error> {
    let (start, end) = (run.start, run.end);
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
    Ok(())
}

/// Offset of the first record that closes the bar under `rule`.
///
/// Records stamped before `rule.earliest` cannot close it (with the gate, those at the open time; with a
/// minimum duration, those within it). The batch is ordered by time and no record precedes the bar's opening
/// one, so those records are a prefix of the run: skip it, then search the rest for the first price outside
/// the open interval `(lower, upper)`.
fn find_close(prices: &[i64], times: &[i64], rule: CloseRule, kernels: &Kernels) -> Option<usize> {
    let waiting = times.iter().take_while(|&&t| t < rule.earliest).count();
    kernels.first_outside_i64(&prices[waiting..], rule.lower, rule.upper).map(|i| waiting + i)
}

/// A run's trade count as the bar's `i64` field (the same wrapping as the per-trade path).
fn trade_count(count: i128) -> i64 {
    count as i64
}

/// Adds one record to `bar` (the per-trade path; the same sums as [`accumulate_run`]).
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

mod rule;
pub(crate) use rule::RuleState;
use rule::Scan;

#[cfg(test)]
mod tests;
