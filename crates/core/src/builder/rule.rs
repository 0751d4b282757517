//! The running state of the bar kinds whose close depends on sums over the bar's records (tick, volume and
//! dollar bars, imbalance and run bars), and the scan that finds their closing record.
//!
//! The state is part of the builder's checkpoint, so a stream split anywhere resumes to the bars of one pass.
//! Expectations (AFML's EWMAs) are `f64`, stored by their bits so a checkpoint restores them exactly.

use crate::spec::{BarSpec, Expected, Measure, SignRule};
use crate::trades::TradeColumns;

/// Running sums of the forming bar (and what carries between bars).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RuleState {
    /// Tick/volume/dollar: the running total. Imbalance/run: Σ flow of the buy records.
    #[serde(default, with = "crate::bar::i128_string")]
    buy: i128,
    /// Imbalance/run: Σ flow of the sell records.
    #[serde(default, with = "crate::bar::i128_string")]
    sell: i128,
    /// Records of the forming bar by sign (+1, −1) and in all.
    #[serde(default)]
    buys: u64,
    #[serde(default)]
    sells: u64,
    #[serde(default)]
    records: u64,
    /// Tick/volume/dollar with carry: the excess of the last bar, which starts the next.
    #[serde(default, with = "crate::bar::i128_string")]
    carry: i128,
    /// The expectations once the warm-up bar has closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    averages: Option<Averages>,
    /// Tick rule: the previous record's price and sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous: Option<(i64, i8)>,
}

/// AFML's expectations, each an EWMA over completed bars (`f64` bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Averages {
    /// E[T]: records per bar.
    length: u64,
    /// Imbalance: E[θ_T / T], the mean signed flow per record.
    flow: u64,
    /// Run: P[b = +1], the share of buy records.
    buy_share: u64,
    /// Run: E[flow | buy] per buy record.
    buy_flow: u64,
    /// Run: E[flow | sell] per sell record.
    sell_flow: u64,
}

/// Where a scan stopped.
pub(crate) enum Scan {
    /// The record at this index closes the bar (and belongs to it).
    Closes(usize),
    /// No record of the batch closes the bar.
    Open,
}

impl RuleState {
    /// A forming bar begins (its opening record is scanned next).
    pub(crate) fn begin_bar(&mut self) {
        *self = RuleState {
            buy: self.carry,
            carry: 0,
            averages: self.averages,
            previous: self.previous,
            ..Default::default()
        };
    }

    /// Scans records `from..` of `batch` for the one that closes the bar, adding each scanned record to the
    /// running sums (the closing record included, nothing after it).
    pub(crate) fn scan(&mut self, spec: &BarSpec, batch: &TradeColumns<'_>, from: usize) -> Scan {
        match *spec {
            BarSpec::Total { measure, amount, carry } => {
                let closing = self.scan_total(measure, amount, batch, from);
                if closing.is_some() {
                    self.carry = if carry { self.buy - amount } else { 0 };
                }
                closing.map_or(Scan::Open, Scan::Closes)
            }
            BarSpec::Imbalance { measure, threshold, sign } => {
                let limit = self.limit(threshold, false);
                self.scan_signed(measure, sign, batch, from, limit, |buy, sell| (buy - sell).abs())
            }
            BarSpec::Run { measure, threshold, sign } => {
                let limit = self.limit(threshold, true);
                self.scan_signed(measure, sign, batch, from, limit, |buy, sell| buy.max(sell))
            }
            BarSpec::Range(_) | BarSpec::Time { .. } => unreachable!("range and time bars keep no running sums"),
        }
    }

    fn scan_total(&mut self, measure: Measure, amount: i128, batch: &TradeColumns<'_>, from: usize) -> Option<usize> {
        let n = batch.len();
        match measure {
            Measure::Tick => {
                let remaining = amount - self.buy;
                let available = (n - from) as i128;
                if remaining <= available {
                    self.buy = amount;
                    Some(remaining as usize - 1)
                } else {
                    self.buy += available;
                    None
                }
            }
            Measure::Volume => first_reaching(&mut self.buy, amount, &batch.quantity[from..], i128::from),
            Measure::Dollar => {
                let (prices, quantities) = (&batch.price[from..], &batch.quantity[from..]);
                let mut total = self.buy;
                let closing = prices.iter().zip(quantities).position(|(&p, &q)| {
                    total += i128::from(p) * i128::from(q);
                    total >= amount
                });
                self.buy = total;
                closing
            }
        }
        .map(|offset| from + offset)
    }

    /// The integer threshold of the forming bar: the fixed amount, the warm-up (none: the bar closes by its
    /// record count), or ⌈expected⌉.
    fn limit(&self, threshold: Expected, run: bool) -> Limit {
        match (threshold, self.averages) {
            (Expected::Fixed(amount), _) => Limit::Amount(amount),
            (Expected::Ewma { init, .. }, None) => Limit::Records(init),
            (Expected::Ewma { .. }, Some(a)) => {
                let f = f64::from_bits;
                let expected = if run {
                    let share = f(a.buy_share);
                    f(a.length) * (share * f(a.buy_flow)).max((1.0 - share) * f(a.sell_flow))
                } else {
                    f(a.length) * f(a.flow).abs()
                };
                Limit::Amount(expected.ceil() as i128)
            }
        }
    }

    fn scan_signed(
        &mut self,
        measure: Measure,
        sign: SignRule,
        batch: &TradeColumns<'_>,
        from: usize,
        limit: Limit,
        statistic: impl Fn(i128, i128) -> i128,
    ) -> Scan {
        for i in from..batch.len() {
            let b = match sign {
                SignRule::Aggressor => 1 - 2 * i8::from(batch.is_buyer_maker[i]),
                SignRule::TickRule => self.tick_rule(batch.price[i]),
            };
            let flow = match measure {
                Measure::Tick => 1,
                Measure::Volume => i128::from(batch.quantity[i]),
                Measure::Dollar => i128::from(batch.price[i]) * i128::from(batch.quantity[i]),
            };
            self.records += 1;
            if b > 0 {
                self.buy += flow;
                self.buys += 1;
            } else if b < 0 {
                self.sell += flow;
                self.sells += 1;
            }
            let closes = match limit {
                Limit::Amount(amount) => statistic(self.buy, self.sell) >= amount,
                Limit::Records(count) => self.records >= count,
            };
            if closes {
                return Scan::Closes(i);
            }
        }
        Scan::Open
    }

    fn tick_rule(&mut self, price: i64) -> i8 {
        let sign = match self.previous {
            None => 0,
            Some((previous, sign)) => match price.cmp(&previous) {
                std::cmp::Ordering::Greater => 1,
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => sign,
            },
        };
        self.previous = Some((price, sign));
        sign
    }

    /// The forming bar closed: imbalance and run bars update their expectations (the warm-up bar seeds them).
    pub(crate) fn end_bar(&mut self, spec: &BarSpec) {
        let span = match spec {
            BarSpec::Imbalance { threshold: Expected::Ewma { span, .. }, .. }
            | BarSpec::Run { threshold: Expected::Ewma { span, .. }, .. } => *span,
            _ => return,
        };
        let records = self.records as f64;
        let per = |sum: i128, count: u64| if count == 0 { None } else { Some(sum as f64 / count as f64) };
        let observed = [
            Some(records),
            Some((self.buy - self.sell) as f64 / records),
            Some(self.buys as f64 / records),
            per(self.buy, self.buys),
            per(self.sell, self.sells),
        ];
        let alpha = 2.0 / (f64::from(span) + 1.0);
        let old = self.averages.map(|a| [a.length, a.flow, a.buy_share, a.buy_flow, a.sell_flow].map(f64::from_bits));
        let new: Vec<f64> = (0..5)
            .map(|k| match (old, observed[k]) {
                (None, value) => value.unwrap_or(0.0),
                (Some(old), None) => old[k],
                (Some(old), Some(value)) => old[k] + alpha * (value - old[k]),
            })
            .collect();
        let bits = |k: usize| new[k].to_bits();
        self.averages = Some(Averages {
            length: bits(0),
            flow: bits(1),
            buy_share: bits(2),
            buy_flow: bits(3),
            sell_flow: bits(4),
        });
    }

    /// Whether the state is that of a builder that keeps no running sums (range and time bars).
    pub(crate) fn is_empty(&self) -> bool {
        *self == RuleState::default()
    }
}

#[derive(Clone, Copy)]
enum Limit {
    /// Close when the statistic reaches this raw amount.
    Amount(i128),
    /// Warm-up: close when the bar holds this many records.
    Records(u64),
}

/// Adds values to `total` until it reaches `amount`; the offset of the value that reached it.
#[inline]
fn first_reaching(total: &mut i128, amount: i128, values: &[i64], value: impl Fn(i64) -> i128) -> Option<usize> {
    let mut running = *total;
    let closing = values.iter().position(|&v| {
        running += value(v);
        running >= amount
    });
    *total = running;
    closing
}
